//! Which job-graph operator each plan node stands for.
//!
//! Against a stream graph, identity is the stream node id (formats.md §5). Against a REST job plan
//! there are no operator ids, so plan nodes are matched by name: by the SQL planner's `[n]` when
//! both sides carry one (`Calc[11]` in a Blink name, `[11]:Calc(...)` in a 2.3 description), else by
//! the name with prefixes, punctuation and arguments removed.

use std::collections::HashMap;

use crate::graph::Graph;
use crate::model::Job;
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

/// The operator kind a label names, reduced to letters and digits: `Calc` for `Calc[11]` and for
/// `[11]:Calc(select=...)`; for a SQL source scan, the table (`orders` for both `Source: orders[10]`
/// and `[10]:TableSourceScan(table=[[cat, db, orders]], ...)`).
pub fn operator_kind(s: &str) -> String {
    let s = node_name(s);
    let (described, rest) = match (s.starts_with('['), s.find("]:")) {
        (true, Some(i)) => (true, s[i + 2..].to_string()),
        _ => (false, s.clone()),
    };
    let head = if described && rest.starts_with("TableSourceScan(") {
        rest.find("table=[[")
            .and_then(|i| {
                let inner = &rest[i + 8..];
                let end = inner.find("]]")?;
                inner[..end]
                    .rsplit(',')
                    .next()
                    .map(|t| t.trim().to_string())
            })
            .unwrap_or_default()
    } else {
        rest.split('(').next().unwrap_or(&rest).to_string()
    };
    // Drop `[n]` planner ids so `Calc[11]` and `Calc` are the same kind.
    let mut out = String::new();
    let mut in_brackets = false;
    for c in head.chars() {
        match c {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            c if !in_brackets && c.is_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

fn base(s: &str) -> String {
    operator_kind(s)
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
    // (Used for stream graphs, whose names are the very names the plan was generated from.)
    let strip = |s: &str| -> String {
        node_name(s)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    strip(plan_name) == strip(graph_name)
}

/// Matching keys of one name: the planner id if any, and the reduced base name.
fn keys(s: &str) -> (Option<String>, String) {
    (planner_id(s).map(str::to_string), base(s))
}

/// For every plan operator, the index of its graph operator, if any. Each graph operator is
/// matched at most once.
pub fn match_nodes(plan: &Job, graph: &Graph) -> Vec<Option<usize>> {
    let g = &graph.job;
    let mut taken = vec![false; g.operators.len()];
    if !graph.vertex_level() {
        let idx: HashMap<&str, usize> = g.index();
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
    // Index the graph's labels once so matching stays linear on large jobs.
    let mut by_pid: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_base: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_base_without_pid: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, op) in g.operators.iter().enumerate() {
        for label in std::iter::once(op.name.as_str()).chain(op.description.as_deref()) {
            let (pid, b) = keys(label);
            match pid {
                Some(pid) => by_pid.entry(pid).or_default().push(i),
                None => by_base_without_pid.entry(b.clone()).or_default().push(i),
            }
            by_base.entry(b).or_default().push(i);
        }
    }
    let none: Vec<usize> = Vec::new();
    plan.operators
        .iter()
        .map(|op| {
            let (pid, b) = keys(&op.name);
            // With a planner id on both sides the id decides; otherwise the base name does.
            let candidates = match &pid {
                Some(pid) => {
                    let mut c: Vec<usize> = by_pid.get(pid).unwrap_or(&none).clone();
                    c.extend(by_base_without_pid.get(&b).unwrap_or(&none));
                    c.sort_unstable();
                    c
                }
                None => by_base.get(&b).unwrap_or(&none).clone(),
            };
            let i = candidates.into_iter().find(|&i| !taken[i])?;
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

    #[test]
    fn operator_kinds() {
        assert_eq!(operator_kind("Calc[11]"), "Calc");
        assert_eq!(operator_kind("[11]:Calc(select=[a])"), "Calc");
        assert_eq!(operator_kind("Source: orders[10]"), "orders");
        assert_eq!(
            operator_kind("[10]:TableSourceScan(table=[[c, d, orders]], fields=[a])"),
            "orders"
        );
        assert_eq!(operator_kind("window_sink[18]: Writer"), "windowsinkWriter");
        assert_eq!(
            operator_kind("DataStreamToTable(stream=x)"),
            "DataStreamToTable"
        );
        assert_ne!(
            operator_kind("PandasCalc[8]"),
            operator_kind("[8]:PythonCalc(udf=[f])")
        );
    }
}
