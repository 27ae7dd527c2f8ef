//! Span-keeping JSON access on top of `jsonc-parser`.
//!
//! Plans are edited by hand, so they carry `//` and `/* */` comments and every diagnostic must
//! point at the line and column of a node or link object. `jsonc-parser` keeps the byte range of
//! every value (and the raw text of every number); this module turns ranges into 1-based
//! line/column positions and offers the few typed accessors the readers need. It never re-serialises
//! a document: editing happens by splicing into the original text.

use jsonc_parser::ast::{Object, Value};
use jsonc_parser::{parse_to_ast, CollectOptions, CommentCollectionStrategy, ParseOptions};

use crate::error::InputError;
use crate::model::Pos;

/// Strict JSON plus comments and the non-finite literals Jackson may write (`NaN`, `Infinity`).
/// Everything else JSON5 allows stays an error: the platforms would not accept it either.
fn options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: true,
        allow_extended_string_escapes: false,
    }
}

/// Parses `text` (already checked to be UTF-8) into an AST whose ranges index into `text`.
pub fn parse<'a>(file: &str, text: &'a str) -> Result<Value<'a>, InputError> {
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    match parse_to_ast(text, &collect, &options()) {
        Ok(result) => result.value.ok_or_else(|| {
            InputError::new(
                file,
                "no JSON value in the file (only whitespace or comments)",
            )
        }),
        Err(e) => {
            let msg = lowercase_first(&e.kind().to_string());
            Err(InputError::at(
                file,
                Pos {
                    line: e.line_display(),
                    column: e.column_display(),
                },
                format!("malformed JSON: {msg}"),
            ))
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Maps byte offsets to 1-based line and character column in O(log lines).
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, line_starts }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let end = offset.min(self.text.len());
        let column = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count())
            + 1;
        Pos {
            line: line + 1,
            column,
        }
    }
}

/// The value of `key` in `obj` (the first one if the key is repeated).
pub fn get<'v, 'a>(obj: &'v Object<'a>, key: &str) -> Option<&'v Value<'a>> {
    obj.properties
        .iter()
        .find(|p| p.name.as_str() == key)
        .map(|p| &p.value)
}

/// Byte offset where a value starts.
pub fn start(v: &Value<'_>) -> usize {
    match v {
        Value::StringLit(x) => x.range.start,
        Value::NumberLit(x) => x.range.start,
        Value::BooleanLit(x) => x.range.start,
        Value::Object(x) => x.range.start,
        Value::Array(x) => x.range.start,
        Value::NullKeyword(x) => x.range.start,
    }
}

/// What kind of JSON value this is, for messages.
pub fn kind(v: &Value<'_>) -> &'static str {
    match v {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

/// A number read from a field that the platforms accept either as a JSON number or as a numeric
/// string (`"gpu": "5"`); `Invalid` keeps the raw text for the message.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    Value(f64),
    Invalid(String),
}

/// Reads a number with numeric-string coercion. `null` reads as absent (`None`).
pub fn number(v: &Value<'_>) -> Option<Num> {
    match v {
        Value::NumberLit(n) => Some(parse_number_text(n.value)),
        Value::StringLit(s) => {
            let t = s.value.trim();
            match parse_number_text(t) {
                Num::Value(x) if !t.is_empty() => Some(Num::Value(x)),
                _ => Some(Num::Invalid(format!("\"{}\"", s.value))),
            }
        }
        Value::NullKeyword(_) => None,
        other => Some(Num::Invalid(kind(other).to_string())),
    }
}

fn parse_number_text(t: &str) -> Num {
    let x = match t {
        "NaN" | "-NaN" | "+NaN" => Some(f64::NAN),
        "Infinity" | "+Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    };
    match x {
        Some(x) => Num::Value(x),
        None => Num::Invalid(t.to_string()),
    }
}

/// A string value; numbers are accepted and rendered as written (ids are sometimes numbers,
/// sometimes strings depending on the Flink version).
pub fn string(v: &Value<'_>) -> Option<String> {
    match v {
        Value::StringLit(s) => Some(s.value.to_string()),
        Value::NumberLit(n) => Some(n.value.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_characters() {
        let text = "{\n  \"é\": [ {\"a\": 1} ]\n}";
        let idx = LineIndex::new(text);
        let off = text.find("{\"a\"").unwrap();
        assert_eq!(
            idx.pos(off),
            Pos {
                line: 2,
                column: 10
            }
        );
        assert_eq!(idx.pos(0), Pos { line: 1, column: 1 });
    }

    #[test]
    fn comments_and_nan_are_accepted() {
        let v = parse("t", "// head\n{ /* c */ \"v\": NaN, \"w\": \"5\" }").unwrap();
        let Value::Object(o) = v else { panic!() };
        assert!(matches!(number(get(&o, "v").unwrap()), Some(Num::Value(x)) if x.is_nan()));
        assert_eq!(number(get(&o, "w").unwrap()), Some(Num::Value(5.0)));
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("p.json", "{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(9)));
        assert!(e.message.starts_with("malformed JSON"), "{}", e.message);
        let e = parse("p.json", "{\"a\": [1, 2").unwrap_err();
        assert!(e.line.is_some());
    }

    #[test]
    fn non_numeric_string_is_invalid() {
        let v = parse("t", "{\"v\": \"abc\"}").unwrap();
        let Value::Object(o) = v else { panic!() };
        assert_eq!(
            number(get(&o, "v").unwrap()),
            Some(Num::Invalid("\"abc\"".into()))
        );
    }
}
