//! Which job-graph operator each plan node stands for.
//!
//! Against a stream graph, identity is the stream node id (formats.md §5). Against a REST job plan
//! there are no operator ids, so plan nodes are matched by name: by the SQL planner's `[n]` when
//! both sides carry one (`Calc[11]` in a Blink name, `[11]:Calc(...)` in a 2.3 description), else by
//! the name with prefixes, punctuation and arguments removed.

use std::collections::HashMap;

use crate::graph::Graph;
use crate::model::{Job, Operator};
use crate::plan::blink::node_name;

/// The SQL planner id `n` of `Calc[n]`, `[n]:Calc(...)` or `sink[n]: Writer`, looked for before
/// any argument list.
fn planner_id(s: &str) -> Option<&str> {
    let head = s.split('(').next().unwrap_or(s);
    let open = head.find('[')?;
    let rest = &head[open + 1..];
    let close = rest.find(']')?;
    let digits = &rest[..close];
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Letters and digits of the normalised name, without a leading `[n]:` and without arguments.
fn base(s: &str) -> String {
    let s = node_name(s);
    let s = match (s.starts_with('['), s.find("]:")) {
        (true, Some(i)) => s[i + 2..].to_string(),
        _ => s,
    };
    let head = s.split('(').next().unwrap_or(&s);
    head.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Whether a plan node name and a graph operator name denote the same operator.
pub fn names_match(plan_name: &str, graph_name: &str) -> bool {
    match (planner_id(plan_name), planner_id(graph_name)) {
        (Some(a), Some(b)) => a == b,
        _ => base(plan_name) == base(graph_name),
    }
}

/// Exact comparison used for `node-mismatch` once ids already match: same normalised name up to
/// punctuation (the console filters special characters, so punctuation is not evidence).
pub fn same_name(plan_name: &str, graph_name: &str) -> bool {
    let strip = |s: &str| -> String {
        node_name(s)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    strip(plan_name) == strip(graph_name)
}

fn by_name(plan_op: &Operator, g: &Operator) -> bool {
    names_match(&plan_op.name, &g.name)
        || g.description
            .as_deref()
            .is_some_and(|d| names_match(&plan_op.name, d))
}

/// For every plan operator, the index of its graph operator, if any. Each graph operator is
/// matched at most once.
pub fn match_nodes(plan: &Job, graph: &Graph) -> Vec<Option<usize>> {
    let g = &graph.job;
    if !graph.vertex_level() {
        let idx: HashMap<&str, usize> = g.index();
        let mut taken = vec![false; g.operators.len()];
        return plan
            .operators
            .iter()
            .map(|op| {
                let i = *idx.get(op.id.as_str())?;
                // A duplicate plan id maps once; the duplicate is a structure finding.
                if taken[i] {
                    return None;
                }
                taken[i] = true;
                Some(i)
            })
            .collect();
    }
    let mut taken = vec![false; g.operators.len()];
    plan.operators
        .iter()
        .map(|op| {
            let i = (0..g.operators.len()).find(|&i| !taken[i] && by_name(op, &g.operators[i]))?;
            taken[i] = true;
            Some(i)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planner_ids() {
        assert_eq!(planner_id("Calc[11]"), Some("11"));
        assert_eq!(
            planner_id("[10]:TableSourceScan(table=[[a, b]])"),
            Some("10")
        );
        assert_eq!(planner_id("window_sink[18]: Writer"), Some("18"));
        assert_eq!(planner_id("DataStreamToTable(stream=[1])"), None);
        assert_eq!(planner_id("parse, drop_every_10th"), None);
    }

    #[test]
    fn names_across_formats() {
        assert!(names_match(
            "orders[10]",
            "[10]:TableSourceScan(table=[[x]])"
        ));
        assert!(names_match("orders[10]", "Source: orders[10]"));
        assert!(!names_match("Calc[11]", "[13]:Calc(select=[a])"));
        assert!(names_match(
            "DataStreamToTable",
            "DataStreamToTable(stream=*x*, type=ROW<`k` INT>)"
        ));
        assert!(names_match("numbers", "Source: numbers"));
        assert!(names_match(
            "parse, drop_every_10th",
            "parse, drop_every_10th"
        ));
        assert!(!names_match("parse", "enrich_slow"));
    }
}
