//! `planscale plan diff`.

use std::io::Write;

use clap::Args;
use comfy_table::{presets, ContentArrangement, Table};
use serde_json::json;

use crate::cli::{OutputFormat, PlanFormatArg};
use planscale::compare;
use planscale::io::read_document;
use planscale::plan;
use planscale::render::{self, diff::unified, number, short};

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The old plan
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new plan (Blink or expert; across formats nodes are paired by name)
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Read the plan as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Auto)]
    pub plan_format: PlanFormatArg,
    /// text: a summary table and a unified diff of the files as written; json: the changes
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit 1 when the plans differ in meaning (a node, link or value changed), as `git diff
    /// --exit-code` does; without it the exit code is 0 for any two readable plans
    #[arg(long)]
    pub exit_code: bool,
}

pub(crate) fn run(a: DiffArgs) -> anyhow::Result<u8> {
    let old_text = read_document(&a.old)?;
    let new_text = read_document(&a.new)?;
    let old = plan::read(&a.old, &old_text, a.plan_format.forced())?;
    let new = plan::read(&a.new, &new_text, a.plan_format.forced())?;
    let d = compare::diff(&old, &new);
    let out = match a.format {
        OutputFormat::Json => {
            let nodes = |v: &[compare::NodeRef]| -> Vec<_> {
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
                "planscale_version": render::VERSION,
                "old": a.old,
                "new": a.new,
                "old_format": old.format.name(),
                "new_format": new.format.name(),
                "nodes_added": nodes(&d.added),
                "nodes_removed": nodes(&d.removed),
                "changes": changes,
                "vertices": {"old": d.old.vertices.len(), "new": d.new.vertices.len()},
                "total_cu": {"old": number(d.old.totals.cu), "new": number(d.new.totals.cu)},
            });
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            s
        }
        OutputFormat::Text => {
            let mut t = Table::new();
            t.load_preset(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(100)
                .set_header(vec!["change", "node", "old", "new"]);
            for n in &d.removed {
                t.add_row(vec![
                    "removed".to_string(),
                    n.id.clone(),
                    n.name.clone(),
                    "-".into(),
                ]);
            }
            for n in &d.added {
                t.add_row(vec![
                    "added".to_string(),
                    n.id.clone(),
                    "-".into(),
                    n.name.clone(),
                ]);
            }
            for c in &d.changes {
                t.add_row(vec![
                    c.kind.to_string(),
                    c.node.clone(),
                    c.old.clone(),
                    c.new.clone(),
                ]);
            }
            let mut s = String::new();
            if d.removed.is_empty() && d.added.is_empty() && d.changes.is_empty() {
                s.push_str("no semantic changes\n");
            } else {
                s.push_str(&format!("{t}\n"));
            }
            s.push_str(&format!(
                "vertices: {} -> {}; total CU: {} -> {}\n",
                d.old.vertices.len(),
                d.new.vertices.len(),
                short(d.old.totals.cu),
                short(d.new.totals.cu)
            ));
            let patch = unified_two(&a.old, &old_text, &a.new, &new_text);
            if !patch.is_empty() {
                s.push('\n');
                s.push_str(&patch);
            }
            s
        }
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    let differ = !(d.removed.is_empty() && d.added.is_empty() && d.changes.is_empty());
    Ok(u8::from(a.exit_code && differ))
}

/// A unified diff of two different files, headed with their own names.
fn unified_two(old_path: &str, old: &str, new_path: &str, new: &str) -> String {
    if old_path == new_path {
        return unified(old_path, old, new);
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_path, new_path)
        .to_string()
}
