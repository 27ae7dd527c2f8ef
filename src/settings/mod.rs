//! Scaling settings from `--config FILE` and `-D key=value`.
//!
//! Flink's `config.yaml` / `flink-conf.yaml` come in two spellings: flat `key: value` lines and
//! nested YAML maps (`job: { autoscaler: { enabled: true } }` written as indented blocks). Both
//! flatten to dotted keys here. Only what configuration files use is read (scalars, nesting,
//! comments, quotes); a line that is none of these is an error with its line number. `-D` wins
//! over the file; the result is an ordered list of (key, value) pairs.

use crate::error::InputError;
use crate::model::Pos;

pub mod file;

/// Parses a Flink-style YAML configuration into dotted `(key, value)` pairs, in file order.
pub fn parse_config(file: &str, text: &str) -> Result<Vec<(String, String)>, InputError> {
    let mut out = Vec::new();
    // (indent, key) of the enclosing maps.
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw);
        if line.trim().is_empty() || line.trim() == "---" {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        let Some((key, value)) = split_key(body) else {
            return Err(InputError::at(
                file,
                Pos {
                    line: n + 1,
                    column: indent + 1,
                },
                format!("expected `key: value`, found {body:?}"),
            ));
        };
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let mut full: Vec<&str> = stack.iter().map(|(_, k)| k.as_str()).collect();
        full.push(key);
        let full = full.join(".");
        if value.is_empty() {
            stack.push((indent, key.to_string()));
        } else {
            out.push((full, unquote(value).to_string()));
        }
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    // A `#` starts a comment unless it is inside quotes.
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if i == 0 || line[..i].ends_with(char::is_whitespace) => return &line[..i],
            _ => {}
        }
    }
    line
}

fn split_key(body: &str) -> Option<(&str, &str)> {
    let i = body
        .find(": ")
        .or_else(|| body.ends_with(':').then(|| body.len() - 1))?;
    let key = unquote(body[..i].trim());
    (!key.is_empty()).then_some((key, body[i + 1..].trim()))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// Parses `-D key=value` arguments.
pub fn parse_defines(defines: &[String]) -> Result<Vec<(String, String)>, String> {
    defines
        .iter()
        .map(|d| {
            d.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("-D {d}: expected KEY=VALUE"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_nested_yaml() {
        let text = "# comment\njob.autoscaler.enabled: true\njob:\n  autoscaler:\n    metrics.window: '5 min'  # inline\n    utilization:\n      target: 0.8\nother: \"a # b\"\n";
        let kv = parse_config("c.yaml", text).unwrap();
        assert_eq!(
            kv,
            vec![
                ("job.autoscaler.enabled".to_string(), "true".to_string()),
                (
                    "job.autoscaler.metrics.window".to_string(),
                    "5 min".to_string()
                ),
                (
                    "job.autoscaler.utilization.target".to_string(),
                    "0.8".to_string()
                ),
                ("other".to_string(), "a # b".to_string()),
            ]
        );
    }

    #[test]
    fn bad_line_has_a_position() {
        let e = parse_config("c.yaml", "a: 1\n  - item\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
    }
}
