//! Byte-exact editing of JSON plans.
//!
//! People keep plans in version control and review every change, so an edit must change only the
//! bytes of the fields it sets: comments, key order, indentation, `"key" : value` spacing, number
//! spellings, unknown fields and the final newline stay as they were. The document is never
//! re-serialised: the editor finds each target object by the byte offset the reader recorded, and
//! either replaces the value's bytes or inserts a new property in the object's own style (its
//! separator, indentation and colon spacing). Splices are returned in original coordinates so a
//! caller can show, test or revert exactly what changed. `recommend --format plan` reuses this.

use jsonc_parser::ast::{Object, ObjectPropName, Value};

use crate::error::InputError;
use crate::json;

/// Set `key` to the raw JSON `value` in the object that starts at byte `object`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldEdit {
    pub object: usize,
    pub key: String,
    /// The new value as JSON text, e.g. `"HEAD"` (with quotes) or `8`.
    pub value: String,
    /// When the key is absent, insert it after the first of these keys that the object has;
    /// otherwise after the object's last property.
    pub after: Vec<String>,
}

/// Append the raw JSON `value` to the array that starts at byte `array`, in the array's own
/// separator style.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayAppend {
    pub array: usize,
    pub value: String,
}

/// A replacement of `text[start..end]` by `new` in the original document.
#[derive(Debug, Clone, PartialEq)]
pub struct Splice {
    pub start: usize,
    pub end: usize,
    pub new: String,
}

/// What an edit did to one field, for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub object: usize,
    pub key: String,
    /// The previous raw value, `None` when the key was inserted.
    pub old: Option<String>,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    pub text: String,
    pub splices: Vec<Splice>,
    pub changes: Vec<Change>,
}

fn find_object<'v, 'a>(v: &'v Value<'a>, start: usize) -> Option<&'v Object<'a>> {
    match v {
        Value::Object(o) if o.range.start == start => Some(o),
        Value::Object(o) if o.range.start < start && start < o.range.end => o
            .properties
            .iter()
            .find_map(|p| find_object(&p.value, start)),
        Value::Array(a) if a.range.start < start && start < a.range.end => {
            a.elements.iter().find_map(|e| find_object(e, start))
        }
        _ => None,
    }
}

fn name_range(n: &ObjectPropName<'_>) -> (usize, usize) {
    match n {
        ObjectPropName::String(s) => (s.range.start, s.range.end),
        ObjectPropName::Word(w) => (w.range.start, w.range.end),
    }
}

/// Byte offset just past a value.
pub fn value_end(v: &Value<'_>) -> usize {
    value_range(v).1
}

fn value_range(v: &Value<'_>) -> (usize, usize) {
    let start = json::start(v);
    let end = match v {
        Value::StringLit(x) => x.range.end,
        Value::NumberLit(x) => x.range.end,
        Value::BooleanLit(x) => x.range.end,
        Value::Object(x) => x.range.end,
        Value::Array(x) => x.range.end,
        Value::NullKeyword(x) => x.range.end,
    };
    (start, end)
}

/// Indentation of the line that `offset` is on, if only whitespace precedes it there.
fn line_indent(text: &str, offset: usize) -> Option<&str> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..offset];
    indent
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(indent)
}

/// The text to put between two properties of `o`, learned from the gap before property `i`
/// (for `i == 0`, the gap after the opening brace): a newline plus that property's indentation in
/// a multi-line object, else the spacing after the comma.
fn separator(text: &str, o: &Object<'_>, i: usize) -> String {
    let props = &o.properties;
    let gap_start = if i == 0 {
        o.range.start + 1
    } else {
        value_range(&props[i - 1].value).1
    };
    let gap_end = name_range(&props[i].name).0;
    let gap = &text[gap_start..gap_end];
    if gap.contains('\n') {
        format!("\n{}", line_indent(text, gap_end).unwrap_or(""))
    } else {
        let after_comma = gap.rsplit(',').next().unwrap_or(gap);
        after_comma
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect()
    }
}

/// `"key" : ` with the object's own spacing around the colon.
fn colon(text: &str, o: &Object<'_>) -> String {
    o.properties
        .first()
        .map(|p| {
            let (_, name_end) = name_range(&p.name);
            let (value_start, _) = value_range(&p.value);
            text[name_end..value_start].to_string()
        })
        .filter(|c| c.trim() == ":")
        .unwrap_or_else(|| " : ".to_string())
}

/// Plans the splices for `edits` on `text` (file name for messages) and applies them.
pub fn apply(file: &str, text: &str, edits: &[FieldEdit]) -> Result<Edited, InputError> {
    apply_all(file, text, edits, &[])
}

fn find_array<'v, 'a>(v: &'v Value<'a>, start: usize) -> Option<&'v jsonc_parser::ast::Array<'a>> {
    match v {
        Value::Array(a) if a.range.start == start => Some(a),
        Value::Object(o) if o.range.start < start && start < o.range.end => o
            .properties
            .iter()
            .find_map(|p| find_array(&p.value, start)),
        Value::Array(a) if a.range.start < start && start < a.range.end => {
            a.elements.iter().find_map(|e| find_array(e, start))
        }
        _ => None,
    }
}

/// The splice that appends `value` to array `a`, learning the separator from the array.
fn append_splice(text: &str, a: &jsonc_parser::ast::Array<'_>, value: &str) -> Splice {
    let Some(last) = a.elements.last() else {
        return Splice {
            start: a.range.start + 1,
            end: a.range.start + 1,
            new: value.to_string(),
        };
    };
    let n = a.elements.len();
    let (gap_start, gap_end) = if n > 1 {
        (
            value_range(&a.elements[n - 2]).1,
            json::start(&a.elements[n - 1]),
        )
    } else {
        (a.range.start + 1, json::start(last))
    };
    let gap = &text[gap_start..gap_end];
    let sep = if gap.contains('\n') {
        format!("\n{}", line_indent(text, gap_end).unwrap_or(""))
    } else {
        gap.rsplit(',')
            .next()
            .unwrap_or(gap)
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect()
    };
    let at = value_range(last).1;
    Splice {
        start: at,
        end: at,
        new: format!(",{sep}{value}"),
    }
}

/// Field edits and array appends in one pass; see `apply`.
pub fn apply_all(
    file: &str,
    text: &str,
    edits: &[FieldEdit],
    appends: &[ArrayAppend],
) -> Result<Edited, InputError> {
    let (splices, changes) = plan_splices(file, text, edits, appends)?;
    Ok(Edited {
        text: splice_all(text, &splices),
        splices,
        changes,
    })
}

/// Edits a document embedded as a string in `outer` (expert plans in API responses): the edits
/// are planned on the decoded text, then each splice is escaped and placed at the outer bytes it
/// came from, so the rest of the string keeps its exact escaping.
pub fn apply_embedded(
    file: &str,
    outer: &str,
    embedded: &json::Embedded,
    edits: &[FieldEdit],
    appends: &[ArrayAppend],
) -> Result<Edited, InputError> {
    let (inner, changes) = plan_splices(file, &embedded.text, edits, appends)?;
    let splices: Vec<Splice> = inner
        .iter()
        .map(|s| Splice {
            start: embedded.outer[s.start],
            end: embedded.outer[s.end],
            new: json::escape_string_content(&s.new),
        })
        .collect();
    Ok(Edited {
        text: splice_all(outer, &splices),
        splices,
        changes,
    })
}

fn plan_splices(
    file: &str,
    text: &str,
    edits: &[FieldEdit],
    appends: &[ArrayAppend],
) -> Result<(Vec<Splice>, Vec<Change>), InputError> {
    let root = json::parse(file, text)?;
    let mut splices: Vec<Splice> = Vec::new();
    let mut changes = Vec::new();
    for e in edits {
        let o = find_object(&root, e.object).ok_or_else(|| {
            InputError::new(
                file,
                format!("internal: no JSON object at byte {}", e.object),
            )
        })?;
        let key_json = serde_json::Value::String(e.key.clone()).to_string();
        // The last of duplicate keys: the one `json::get` (and Jackson) reads.
        if let Some(p) = o.properties.iter().rev().find(|p| p.name.as_str() == e.key) {
            let (vs, ve) = value_range(&p.value);
            let old = text[vs..ve].to_string();
            if old != e.value {
                splices.push(Splice {
                    start: vs,
                    end: ve,
                    new: e.value.clone(),
                });
                changes.push(Change {
                    object: e.object,
                    key: e.key.clone(),
                    old: Some(old),
                    new: e.value.clone(),
                });
            }
            continue;
        }
        let new_prop = format!("{key_json}{}{}", colon(text, o), e.value);
        let splice = if o.properties.is_empty() {
            Splice {
                start: o.range.start + 1,
                end: o.range.start + 1,
                new: new_prop,
            }
        } else {
            let anchor = e
                .after
                .iter()
                .find_map(|k| o.properties.iter().position(|p| p.name.as_str() == k))
                .unwrap_or(o.properties.len() - 1);
            let at = value_range(&o.properties[anchor].value).1;
            // The gap between two existing properties shows the style best; a one-property
            // object only has the gap after its brace.
            let sample = if o.properties.len() == 1 {
                0
            } else {
                anchor.max(1)
            };
            let sep = separator(text, o, sample);
            Splice {
                start: at,
                end: at,
                new: format!(",{sep}{new_prop}"),
            }
        };
        splices.push(splice);
        changes.push(Change {
            object: e.object,
            key: e.key.clone(),
            old: None,
            new: e.value.clone(),
        });
    }
    for ap in appends {
        let a = find_array(&root, ap.array).ok_or_else(|| {
            InputError::new(
                file,
                format!("internal: no JSON array at byte {}", ap.array),
            )
        })?;
        splices.push(append_splice(text, a, &ap.value));
    }
    // Stable: insertions at one position keep the order they were asked for, and are merged.
    splices.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Splice> = Vec::with_capacity(splices.len());
    for s in splices {
        match merged.last_mut() {
            Some(last) if last.start == last.end && s.start == s.end && last.start == s.start => {
                last.new.push_str(&s.new)
            }
            Some(last) if s.start < last.end || (s.start == last.start && s.end == last.end) => {
                return Err(InputError::new(file, "internal: overlapping edits"));
            }
            _ => merged.push(s),
        }
    }
    Ok((merged, changes))
}

/// Applies non-overlapping splices given in `text`'s coordinates.
pub fn splice_all(text: &str, splices: &[Splice]) -> String {
    let mut out =
        String::with_capacity(text.len() + splices.iter().map(|s| s.new.len()).sum::<usize>());
    let mut at = 0;
    for s in splices {
        out.push_str(&text[at..s.start]);
        out.push_str(&s.new);
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The splices that turn the edited text back into the original.
pub fn inverse(original: &str, splices: &[Splice]) -> Vec<Splice> {
    let mut shift: isize = 0;
    splices
        .iter()
        .map(|s| {
            let start = (s.start as isize + shift) as usize;
            let inv = Splice {
                start,
                end: start + s.new.len(),
                new: original[s.start..s.end].to_string(),
            };
            shift += s.new.len() as isize - (s.end - s.start) as isize;
            inv
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, key: &str, value: &str, after: &[&str]) -> Edited {
        let root = json::parse("t", text).unwrap();
        let Value::Object(o) = root else { panic!() };
        let Some(Value::Array(nodes)) = json::get(&o, "nodes") else {
            panic!()
        };
        let Value::Object(n) = &nodes.elements[0] else {
            panic!()
        };
        let e = FieldEdit {
            object: n.range.start,
            key: key.into(),
            value: value.into(),
            after: after.iter().map(|s| s.to_string()).collect(),
        };
        apply("t", text, &[e]).unwrap()
    }

    #[test]
    fn inserts_in_jackson_style() {
        let t = "{\n  \"nodes\" : [ {\n    \"id\" : 2,\n    \"slotSharingGroup\" : \"g\",\n    \"parallelism\" : 8\n  } ]\n}\n";
        let e = edit(t, "chainingStrategy", "\"HEAD\"", &["slotSharingGroup"]);
        assert_eq!(
            e.text,
            "{\n  \"nodes\" : [ {\n    \"id\" : 2,\n    \"slotSharingGroup\" : \"g\",\n    \"chainingStrategy\" : \"HEAD\",\n    \"parallelism\" : 8\n  } ]\n}\n"
        );
    }

    #[test]
    fn inserts_at_the_end_in_compact_style() {
        let t = r#"{"nodes":[{"id":2,"parallelism":8}],"links":[]}"#;
        let e = edit(t, "chainingStrategy", "\"HEAD\"", &["slotSharingGroup"]);
        assert_eq!(
            e.text,
            r#"{"nodes":[{"id":2,"parallelism":8,"chainingStrategy":"HEAD"}],"links":[]}"#
        );
    }

    #[test]
    fn inline_spaced_object() {
        let t = r#"{ "nodes" : [ { "id" : 2, "parallelism" : 8 } ] }"#;
        let e = edit(t, "chainingStrategy", "\"HEAD\"", &[]);
        assert_eq!(
            e.text,
            r#"{ "nodes" : [ { "id" : 2, "parallelism" : 8, "chainingStrategy" : "HEAD" } ] }"#
        );
    }

    #[test]
    fn single_property_multiline() {
        let t = "{\"nodes\": [\n  {\n      \"id\": 2\n  }\n]}";
        let e = edit(t, "chainingStrategy", "\"HEAD\"", &[]);
        assert_eq!(
            e.text,
            "{\"nodes\": [\n  {\n      \"id\": 2,\n      \"chainingStrategy\": \"HEAD\"\n  }\n]}"
        );
    }

    #[test]
    fn replaces_only_the_value_and_keeps_comments() {
        let t =
            "{ \"nodes\" : [ { \"id\" : 2, /* keep */ \"chainingStrategy\" : \"null\" // x\n } ] }";
        let e = edit(t, "chainingStrategy", "\"HEAD\"", &[]);
        assert_eq!(e.text, t.replace("\"null\"", "\"HEAD\""));
        assert_eq!(e.changes[0].old.as_deref(), Some("\"null\""));
    }

    #[test]
    fn same_value_is_no_change() {
        let t = r#"{"nodes":[{"id":2,"chainingStrategy":"HEAD"}]}"#;
        let e = edit(t, "chainingStrategy", "\"HEAD\"", &[]);
        assert_eq!(e.text, t);
        assert!(e.changes.is_empty());
    }

    #[test]
    fn appends_in_the_array_style() {
        let t = "{\"a\" : [ {\n  \"x\" : 1\n}, {\n  \"x\" : 2\n} ]}";
        let root = json::parse("t", t).unwrap();
        let Value::Object(o) = root else { panic!() };
        let Some(Value::Array(a)) = json::get(&o, "a") else {
            panic!()
        };
        let e = apply_all(
            "t",
            t,
            &[],
            &[ArrayAppend {
                array: a.range.start,
                value: "3".into(),
            }],
        )
        .unwrap();
        assert_eq!(
            e.text,
            "{\"a\" : [ {\n  \"x\" : 1\n}, {\n  \"x\" : 2\n}, 3 ]}"
        );
    }

    #[test]
    fn embedded_edits_keep_the_outer_escaping() {
        let outer = r#"{"plan":"{\"id\":1,\"name\":\"caf\u00e9\"}"}"#;
        let start = outer.find("\"{").unwrap();
        let emb = json::decode_embedded(outer, start, outer.len() - 1).unwrap();
        let e = FieldEdit {
            object: 0,
            key: "group".into(),
            value: "\"g\"".into(),
            after: vec![],
        };
        let out = apply_embedded("t", outer, &emb, &[e], &[]).unwrap();
        assert_eq!(
            out.text,
            r#"{"plan":"{\"id\":1,\"name\":\"caf\u00e9\",\"group\":\"g\"}"}"#
        );
    }

    #[test]
    fn inverse_restores_the_original() {
        let t = "{\n  \"nodes\" : [ {\n    \"id\" : 2,\n    \"parallelism\" : 8\n  } ]\n}\n";
        let e = edit(t, "chainingStrategy", "\"HEAD\"", &[]);
        assert_eq!(splice_all(&e.text, &inverse(t, &e.splices)), t);
    }
}
