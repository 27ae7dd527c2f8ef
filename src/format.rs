//! Format detection (spec/formats.md §0).
//!
//! Detection looks only at the shape of the top-level JSON value, so it is cheap and works before
//! any reader runs. `--plan-format`/`--graph-format` skip it.

use jsonc_parser::ast::{Object, Value};

use crate::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Format A: Blink PlanJSON.
    Blink,
    /// Format B: expert-mode resourcePlan (possibly wrapped in an API response).
    Expert,
    /// Format C: stream graph (execution plan or REST stream graph).
    StreamGraph,
    /// Format D: REST job plan or job details.
    JobPlan,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Blink => "blink",
            Format::Expert => "expert",
            Format::StreamGraph => "stream-graph",
            Format::JobPlan => "job-plan",
        }
    }

    pub fn is_plan(self) -> bool {
        matches!(self, Format::Blink | Format::Expert)
    }
}

fn nodes<'v, 'a>(o: &'v Object<'a>) -> Option<&'v [Value<'a>]> {
    match json::get(o, "nodes") {
        Some(Value::Array(a)) => Some(&a.elements),
        _ => None,
    }
}

fn any_node_has(o: &Object<'_>, keys: &[&str]) -> bool {
    nodes(o).is_some_and(|ns| {
        ns.iter().any(|n| match n {
            Value::Object(n) => keys.iter().any(|k| json::get(n, k).is_some()),
            _ => false,
        })
    })
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a `resourcePlan`/`plan` string field, at any depth (API responses nest it, e.g.
/// `streamingResourceSetting.expertResourceSetting.resourcePlan`), holds an expert plan.
fn embeds_expert(v: &Value<'_>, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match v {
        Value::Object(o) => o.properties.iter().any(|p| match &p.value {
            Value::StringLit(s) if matches!(p.name.as_str(), "resourcePlan" | "plan") => {
                s.value.trim_start().starts_with('{') && s.value.contains("\"ssgProfiles\"")
            }
            other => embeds_expert(other, depth + 1),
        }),
        Value::Array(a) => a.elements.iter().any(|e| embeds_expert(e, depth + 1)),
        _ => false,
    }
}

/// Detects the format of a parsed document; `None` when nothing matches.
pub fn detect(v: &Value<'_>) -> Option<Format> {
    let Value::Object(o) = v else { return None };
    if json::get(o, "ssgProfiles").is_some()
        || (json::get(o, "edges").is_some()
            && json::get(o, "vertices").is_some()
            && any_node_has(o, &["profile"]))
        || embeds_expert(v, 0)
    {
        return Some(Format::Expert);
    }
    if json::get(o, "links").is_some()
        && any_node_has(
            o,
            &[
                "chainingStrategy",
                "vcore",
                "core",
                "heap_memory",
                "slotSharingGroup",
            ],
        )
    {
        return Some(Format::Blink);
    }
    if let Some(Value::Object(p)) = json::get(o, "plan") {
        if json::get(p, "nodes").is_some() {
            return Some(Format::JobPlan);
        }
    }
    if json::get(o, "jid").is_some() {
        let hex_ids = nodes(o).is_some_and(|ns| {
            ns.iter().all(|n| match n {
                Value::Object(n) => json::get(n, "id")
                    .and_then(json::string)
                    .is_some_and(|s| is_hex32(&s)),
                _ => false,
            })
        });
        if hex_ids {
            return Some(Format::JobPlan);
        }
    }
    if any_node_has(
        o,
        &[
            "pact",
            "contents",
            "predecessors",
            "inputs",
            "job_vertex_id",
        ],
    ) {
        return Some(Format::StreamGraph);
    }
    // A Blink plan that records only the keys every node has (id, name, parallelism) and links.
    if json::get(o, "links").is_some() && nodes(o).is_some() {
        return Some(Format::Blink);
    }
    None
}

/// The error for a document that is no format planscale reads (plan and graph readers alike).
pub(crate) fn unrecognised(
    file: &str,
    value: &jsonc_parser::ast::Value<'_>,
) -> crate::error::InputError {
    let pos = crate::source::Pos::default();
    let what = crate::json::kind(value);
    let mut e = crate::error::InputError::new(file, "unrecognised plan/graph format");
    if !matches!(value, jsonc_parser::ast::Value::Object(_)) {
        e.message =
            format!("unrecognised plan/graph format: the top level is {what}, expected an object");
    }
    e.line = Some(pos.line.max(1));
    e.column = Some(pos.column.max(1));
    e.hint("expected a Blink PlanJSON, a Flink execution plan / stream graph, or a REST job plan (see --plan-format / --graph-format)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Option<Format> {
        detect(&json::parse("t", text).unwrap())
    }

    #[test]
    fn detects_each_format() {
        assert_eq!(
            d(r#"{"nodes":[{"id":1,"vcore":0.25}],"links":[]}"#),
            Some(Format::Blink)
        );
        assert_eq!(
            d(r#"{"ssgProfiles":[],"nodes":[],"edges":[],"vertices":{}}"#),
            Some(Format::Expert)
        );
        assert_eq!(
            d(r#"{"resourcePlan":"{\"ssgProfiles\":[]}"}"#),
            Some(Format::Expert)
        );
        assert_eq!(
            d(r#"{"nodes":[{"id":1,"type":"Source: x","pact":"Data Source","parallelism":1}]}"#),
            Some(Format::StreamGraph)
        );
        assert_eq!(
            d(r#"{"plan":{"jid":"x","nodes":[]}}"#),
            Some(Format::JobPlan)
        );
        assert_eq!(
            d(r#"{"jid":"a","nodes":[{"id":"bc764cd8ddf7a0cff126f51c16239658"}]}"#),
            Some(Format::JobPlan)
        );
        assert_eq!(d(r#"[1,2]"#), None);
        assert_eq!(d(r#"{"a":1}"#), None);
    }
}
