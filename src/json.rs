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
pub use crate::source::LineIndex;
use crate::source::Pos;

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
    if text.starts_with('\u{feff}') {
        // jsonc-parser would say "unexpected token"; RFC 8259 §8.1 lets a parser refuse a BOM,
        // and removing it would shift every offset the editor splices at.
        return Err(InputError::at(
            file,
            Pos { line: 1, column: 1 },
            "the file starts with a UTF-8 byte order mark (BOM), which JSON does not allow",
        )
        .hint("save the file as UTF-8 without BOM"));
    }
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

/// The value of `key` in `obj` (the last one if the key is repeated).
pub fn get<'v, 'a>(obj: &'v Object<'a>, key: &str) -> Option<&'v Value<'a>> {
    // The last of duplicate keys wins, as in Jackson (the platforms' parser) and serde_json.
    obj.properties
        .iter()
        .rev()
        .find(|p| p.name.as_str() == key)
        .map(|p| &p.value)
}

/// Byte offset where a value starts.
/// The document's top-level object, or "`what` must be a JSON object, found an array" at the
/// value's position.
pub fn top_object<'v, 'a>(
    file: &str,
    lines: &LineIndex,
    value: &'v Value<'a>,
    what: &str,
) -> Result<&'v Object<'a>, InputError> {
    match value {
        Value::Object(o) => Ok(o),
        _ => Err(InputError::at(
            file,
            lines.pos(start(value)),
            format!("{what} must be a JSON object, found {}", kind(value)),
        )),
    }
}

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

/// A stream node id as every reader keys it: an integral value (`13`, `13.0`, `1e1`, `"13"`,
/// `-0`) in its canonical integer form, anything else as written. The plan readers and the graph
/// readers must agree, or a plan node `13` does not match a graph node `13.0`.
pub fn node_id(v: &Value<'_>) -> Option<String> {
    match number(v) {
        Some(Num::Value(x)) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
            Some(format!("{}", x as i64))
        }
        _ => string(v),
    }
}

/// A JSON document carried inside a string of another one (the Ververica API stores expert plans
/// as an escaped string). Offsets into `text` map back to the outer file through `outer`, so
/// diagnostics point at the outer file and edits can be spliced into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    /// The decoded string: the inner document.
    pub text: String,
    /// For every byte offset of `text` (and one past its end), the byte offset in the outer file
    /// of the raw character or escape sequence it was decoded from.
    pub outer: Vec<usize>,
}

/// Decodes the raw string literal `outer[start..end]` (including its quotes).
pub fn decode_embedded(outer: &str, start: usize, end: usize) -> Option<Embedded> {
    let raw = outer.get(start + 1..end.checked_sub(1)?)?;
    let base = start + 1;
    let bytes = raw.as_bytes();
    let mut text = String::with_capacity(raw.len());
    let mut map = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    let push = |text: &mut String, map: &mut Vec<usize>, c: char, at: usize| {
        for _ in 0..c.len_utf8() {
            map.push(at);
        }
        text.push(c);
    };
    while i < bytes.len() {
        let at = base + i;
        if bytes[i] != b'\\' {
            let c = raw[i..].chars().next()?;
            push(&mut text, &mut map, c, at);
            i += c.len_utf8();
            continue;
        }
        let esc = *bytes.get(i + 1)?;
        let simple = match esc {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            _ => None,
        };
        if let Some(c) = simple {
            push(&mut text, &mut map, c, at);
            i += 2;
            continue;
        }
        if esc != b'u' {
            return None;
        }
        let hex = |j: usize| {
            raw.get(j..j + 4)
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        };
        let hi = hex(i + 2)?;
        let (code, len) = if (0xD800..0xDC00).contains(&hi) && raw.get(i + 6..i + 8) == Some("\\u")
        {
            let lo = hex(i + 8)?;
            (
                0x10000 + ((hi - 0xD800) << 10) + (lo.checked_sub(0xDC00)?),
                12,
            )
        } else {
            (hi, 6)
        };
        push(&mut text, &mut map, char::from_u32(code)?, at);
        i += len;
    }
    map.push(base + raw.len());
    Some(Embedded { text, outer: map })
}

/// Escapes `s` for use inside a JSON string literal.
pub fn escape_string_content(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_on_a_very_long_line_match_counting() {
        // One 50 KB line with multi-byte characters across checkpoint boundaries.
        let text: String = (0..20_000)
            .map(|i| if i % 7 == 0 { "é" } else { "ab" })
            .collect();
        let text = format!("x\n{text}\ny");
        let idx = LineIndex::new(&text);
        for offset in (0..=text.len())
            .filter(|&o| text.is_char_boundary(o))
            .step_by(97)
        {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let want = text[start..offset].chars().count() + 1;
            assert_eq!(idx.pos(offset).column, want, "offset {offset}");
        }
        assert_eq!(idx.pos(text.len()).line, 3);
    }

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
    fn embedded_offsets_map_to_the_outer_file() {
        let outer = r#"{"plan":"{\"a\":\n1,\"\u00e9\":2}"}"#;
        let start = outer.find("\"{").unwrap();
        let end = outer.len() - 1;
        let e = decode_embedded(outer, start, end).unwrap();
        assert_eq!(e.text, "{\"a\":\n1,\"é\":2}");
        let one = e.text.find('1').unwrap();
        assert_eq!(&outer[e.outer[one]..e.outer[one] + 1], "1");
        let two = e.text.find('2').unwrap();
        assert_eq!(&outer[e.outer[two]..e.outer[two] + 1], "2");
        assert_eq!(e.outer.len(), e.text.len() + 1);
        assert_eq!(escape_string_content("a\"b\n"), "a\\\"b\\n");
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
