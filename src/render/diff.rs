//! Unified diffs of a file before and after an edit (the `similar` crate), and what
//! `plan diff` prints: the semantic changes of two plans as a table or JSON, then the files' own
//! diff.

use comfy_table::{presets, Table};
use serde_json::json;
use similar::TextDiff;

use crate::compare::{NodeRef, PlanDiff};
use crate::plan::Plan;
use crate::render::{number, short, VERSION};

/// A unified diff with three lines of context, `a/` and `b/` headers as git prints them.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// A unified diff of two different files, headed with their own names.
fn unified_two(old_path: &str, old: &str, new_path: &str, new: &str) -> String {
    if old_path == new_path {
        return unified(old_path, old, new);
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_path, new_path)
        .to_string()
}

/// One side of `plan diff`: the file as named and written, and the plan read from it.
pub struct Side<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub plan: &'a Plan,
}

/// `plan diff --format json`: the changes, the formats and the totals of both sides.
pub fn plan_diff_json(old: &Side, new: &Side, d: &PlanDiff) -> String {
    let nodes = |v: &[NodeRef]| -> Vec<_> {
        v.iter()
            .map(|n| json!({"id": n.id, "name": n.name}))
            .collect()
    };
    let changes: Vec<_> = d
        .changes
        .iter()
        .map(|c| json!({"kind": c.kind, "node": c.node, "old": c.old, "new": c.new}))
        .collect();
    let doc = json!({
        "planscale_version": VERSION,
        "old": old.path,
        "new": new.path,
        "old_format": old.plan.format.name(),
        "new_format": new.plan.format.name(),
        "nodes_added": nodes(&d.added),
        "nodes_removed": nodes(&d.removed),
        "changes": changes,
        "vertices": {"old": d.old.vertices.len(), "new": d.new.vertices.len()},
        "total_cu": {"old": number(d.old.totals.cu), "new": number(d.new.totals.cu)},
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `plan diff` for people: a table of the changes (or "no semantic changes"), the vertex and CU
/// totals, and the unified diff of the files as written.
pub fn plan_diff_text(old: &Side, new: &Side, d: &PlanDiff) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(vec!["change", "node", "old", "new"]);
    for n in &d.removed {
        t.add_row(vec!["removed", &n.id, &n.name, "-"]);
    }
    for n in &d.added {
        t.add_row(vec!["added", &n.id, "-", &n.name]);
    }
    for c in &d.changes {
        t.add_row(vec![c.kind, &c.node, &c.old, &c.new]);
    }
    let mut s = String::new();
    if d.is_empty() {
        s.push_str("no semantic changes\n");
    } else {
        crate::render::fit(&mut t);
        s.push_str(&format!("{t}\n"));
    }
    s.push_str(&format!(
        "vertices: {} -> {}; total CU: {} -> {}\n",
        d.old.vertices.len(),
        d.new.vertices.len(),
        short(d.old.totals.cu),
        short(d.new.totals.cu)
    ));
    let patch = unified_two(old.path, old.text, new.path, new.text);
    if !patch.is_empty() {
        s.push('\n');
        s.push_str(&patch);
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn shows_only_the_changed_line() {
        let d = super::unified("p.json", "a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(
            d,
            "--- a/p.json\n+++ b/p.json\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }
}
