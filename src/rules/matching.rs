//! Which job-graph operator each plan node stands for.
//!
//! Against a stream graph, identity is the stream node id (formats.md §5). Against a REST job plan
//! there are no operator ids, so plan nodes are matched by name: by the SQL planner's `[n]` when
//! both sides carry one (`Calc[11]` in a Blink name, `[11]:Calc(...)` in a 2.3 description), else by
//! the name with prefixes, punctuation and arguments removed.

use std::collections::HashMap;

use crate::format::Format;
use crate::graph::Graph;
use crate::model::Job;
use crate::plan::blink::node_name;
use crate::plan::Plan;

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
pub(super) fn operator_kind(s: &str) -> String {
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

/// Whether a plan node name and a graph operator name denote the same operator.
pub fn names_match(plan_name: &str, graph_name: &str) -> bool {
    match (planner_id(plan_name), planner_id(graph_name)) {
        (Some(a), Some(b)) => a == b,
        _ => operator_kind(plan_name) == operator_kind(graph_name),
    }
}

/// Exact comparison used for `node-mismatch` once ids already match: same normalised name up to
/// punctuation (the console filters special characters, so punctuation is not evidence).
pub(super) fn same_name(plan_name: &str, graph_name: &str) -> bool {
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
    (planner_id(s).map(str::to_string), operator_kind(s))
}

/// The graph's operator labels indexed by planner id and kind, so name matching stays linear.
struct NameIndex {
    by_pid: HashMap<String, Vec<usize>>,
    by_base: HashMap<String, Vec<usize>>,
    by_base_without_pid: HashMap<String, Vec<usize>>,
}

impl NameIndex {
    fn new(g: &Job) -> Self {
        let mut ix = NameIndex {
            by_pid: HashMap::new(),
            by_base: HashMap::new(),
            by_base_without_pid: HashMap::new(),
        };
        for (i, op) in g.operators.iter().enumerate() {
            for label in std::iter::once(op.name.as_str()).chain(op.description.as_deref()) {
                let (pid, b) = keys(label);
                match pid {
                    Some(pid) => ix.by_pid.entry(pid).or_default().push(i),
                    None => ix.by_base_without_pid.entry(b.clone()).or_default().push(i),
                }
                ix.by_base.entry(b).or_default().push(i);
            }
        }
        ix
    }

    /// The first graph operator not yet taken whose label names `name`: with a planner id on
    /// both sides the id decides, otherwise the operator kind does.
    fn find(&self, name: &str, taken: &[bool]) -> Option<usize> {
        let (pid, b) = keys(name);
        let none = Vec::new();
        let mut candidates: Vec<usize> = match &pid {
            Some(pid) => {
                let mut c = self.by_pid.get(pid).unwrap_or(&none).clone();
                c.extend(self.by_base_without_pid.get(&b).unwrap_or(&none));
                c
            }
            None => self.by_base.get(&b).unwrap_or(&none).clone(),
        };
        candidates.sort_unstable();
        candidates.into_iter().find(|&i| !taken[i])
    }
}

/// For every plan operator, the index of its graph operator, if any. Each graph operator is
/// matched at most once, and a repeated plan id maps only once (the repeat is a structure finding).
///
/// - Blink plan vs stream graph: by stream node id.
/// - Expert plan vs stream graph: by id when the operator kinds agree, else by name (expert node
///   ids are not documented to be stream node ids, formats.md §5).
/// - Expert plan vs job plan: by JobVertexID, then position within the vertex; else by name.
/// - Any plan vs job plan: by name.
pub fn match_nodes(plan: &Plan, graph: &Graph) -> Vec<Option<usize>> {
    let (pj, g) = (&plan.job, &graph.job);
    let expert = plan.format == Format::Expert;
    let mut taken = vec![false; g.operators.len()];
    let mut out: Vec<Option<usize>> = vec![None; pj.operators.len()];
    let claim = |p: usize, i: usize, taken: &mut [bool], out: &mut [Option<usize>]| {
        if !taken[i] && out[p].is_none() {
            taken[i] = true;
            out[p] = Some(i);
        }
    };
    if graph.vertex_level() && expert {
        for pv in &pj.vertices {
            let Some(gv) = g.vertices.iter().find(|v| v.id == pv.id) else {
                continue;
            };
            if gv.operators.len() == pv.operators.len() {
                for (&p, &i) in pv.operators.iter().zip(&gv.operators) {
                    claim(p, i, &mut taken, &mut out);
                }
            }
        }
    } else if !graph.vertex_level() {
        let idx: HashMap<&str, usize> = g.index();
        let mut seen = std::collections::HashSet::new();
        for (p, op) in pj.operators.iter().enumerate() {
            if !seen.insert(op.id.as_str()) {
                continue;
            }
            if let Some(&i) = idx.get(op.id.as_str()) {
                if !expert || operator_kind(&op.name) == operator_kind(&g.operators[i].name) {
                    claim(p, i, &mut taken, &mut out);
                }
            }
        }
        if !expert {
            return out;
        }
    }
    let names = NameIndex::new(g);
    let mut seen = std::collections::HashSet::new();
    for (p, op) in pj.operators.iter().enumerate() {
        if !seen.insert(op.id.as_str()) || out[p].is_some() {
            continue;
        }
        if let Some(i) = names.find(&op.name, &taken) {
            claim(p, i, &mut taken, &mut out);
        }
    }
    out
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
