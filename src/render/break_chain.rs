//! What `plan break-chain` prints: the JSON report, or the summary lines on stderr beside the
//! edited plan (or its diff) on stdout.

use serde_json::json;

use crate::render::{number, short, VERSION};
use crate::rewrite::BreakChainOutcome;

/// A remaining chain mismatch as one `file:line:col: severity[rule]: message` line.
fn remaining_lines(plan: &str, o: &BreakChainOutcome) -> Vec<String> {
    o.remaining
        .iter()
        .map(|d| {
            format!(
                "{plan}:{}:{}: {}[{}]: {}",
                d.pos.line,
                d.pos.column,
                d.severity.as_str(),
                d.rule.name(),
                d.message
            )
        })
        .collect()
}

/// `--format json`: the cuts with the bytes they replaced, the counts, the remaining
/// mismatches and the diff. `output` is where the plan was written (none for a dry run).
pub fn json(
    plan: &str,
    output: Option<&str>,
    dry_run: bool,
    patch: &str,
    o: &BreakChainOutcome,
) -> String {
    let ops = &o.before.job.operators;
    let cuts: Vec<_> = o
        .cuts
        .iter()
        .map(|c| {
            let op = &ops[c.node];
            let change = o.edited.changes.iter().find(|ch| ch.object == op.offset);
            json!({
                "node": op.id,
                "name": op.name,
                "requested": c.requested,
                "cut_from": ops[c.from].id,
                "field": "chainingStrategy",
                "old": change.and_then(|ch| ch.old.clone()),
                "new": "HEAD",
                "line": op.pos.line,
                "column": op.pos.column,
            })
        })
        .collect();
    let doc = json!({
        "planscale_version": VERSION,
        "plan": plan,
        "output": output,
        "dry_run": dry_run,
        "cuts": cuts,
        "chains_before": o.chains.0,
        "chains_after": o.chains.1,
        "total_cu_before": number(o.cu.0),
        "total_cu_after": number(o.cu.1),
        "remaining_chain_mismatches": remaining_lines(plan, o),
        "diff": patch,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Text mode's stderr: one line per cut, the counts, then each remaining mismatch.
pub fn summary(plan: &str, o: &BreakChainOutcome) -> String {
    let ops = &o.before.job.operators;
    let mut s = String::new();
    for c in &o.cuts {
        let op = &ops[c.node];
        s.push_str(&format!(
            "cut: node {} ({:?}) now starts a chain (was chained to node {})\n",
            op.id, op.name, ops[c.from].id
        ));
    }
    if o.nothing_to_cut {
        s.push_str("nothing to cut: every source already starts a chain of its own\n");
    }
    s.push_str(&format!(
        "chains: {} -> {}; CU: {} -> {}\n",
        o.chains.0,
        o.chains.1,
        short(o.cu.0),
        short(o.cu.1)
    ));
    for r in remaining_lines(plan, o) {
        s.push_str(&r);
        s.push('\n');
    }
    s
}

/// The warning for vertices a new group created without real JobVertexIDs.
pub fn placeholder_warning(vertices: &[String]) -> Option<String> {
    (!vertices.is_empty()).then(|| {
        format!(
            "warning: new vertices {} have placeholder keys, not Flink's JobVertexIDs: \
             regenerate the vertex ids on the platform before using them for overrides",
            vertices.join(", ")
        )
    })
}
