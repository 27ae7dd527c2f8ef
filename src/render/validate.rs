//! Output of `plan validate`: rustc-style diagnostic lines plus a summary table, or the JSON
//! document of spec/outputs.md.

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::{json, Value};

use crate::diagnostic::Severity;
use crate::render::{number, short, VERSION};
use crate::rules::Report;

/// The outcome for one PLAN argument.
pub struct FileResult<'a> {
    pub plan: &'a str,
    pub graph: Option<&'a str>,
    pub format: Option<&'static str>,
    pub max_cu: Option<f64>,
    pub nodes: usize,
    pub outcome: Result<Report, crate::error::InputError>,
}

/// `file:line:col: severity[rule]: message` lines, one per diagnostic.
pub fn diagnostic_lines(r: &FileResult<'_>) -> String {
    let mut s = String::new();
    if let Ok(rep) = &r.outcome {
        for d in &rep.diagnostics {
            s.push_str(&format!(
                "{}:{}:{}: {}[{}]: {}\n",
                r.plan,
                d.pos.line,
                d.pos.column,
                d.severity.as_str(),
                d.rule.name(),
                d.message
            ));
        }
    }
    s
}

pub fn text(results: &[FileResult<'_>]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&diagnostic_lines(r));
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "plan",
            "format",
            "nodes",
            "chains",
            "CU",
            "cores",
            "memory MB",
            "max CU",
            "errors",
            "warnings",
            "result",
        ]);
    for r in results {
        match &r.outcome {
            Ok(rep) => {
                let errors = rep.count(Severity::Error);
                table.add_row(vec![
                    r.plan.to_string(),
                    r.format.unwrap_or("-").to_string(),
                    r.nodes.to_string(),
                    rep.chains.chains.len().to_string(),
                    short(rep.totals.cu),
                    short(rep.totals.cpu),
                    short(rep.totals.memory_mb),
                    r.max_cu.map_or("-".to_string(), short),
                    errors.to_string(),
                    rep.count(Severity::Warning).to_string(),
                    if errors == 0 { "ok" } else { "FAILED" }.to_string(),
                ]);
            }
            Err(_) => {
                let mut row = vec![r.plan.to_string()];
                row.extend(std::iter::repeat_n("-".to_string(), 9));
                row.push("unreadable".to_string());
                table.add_row(row);
            }
        }
    }
    out.push_str(&table.to_string());
    out.push('\n');
    out
}

pub fn json(results: &[FileResult<'_>]) -> String {
    let files: Vec<Value> = results
        .iter()
        .map(|r| match &r.outcome {
            Ok(rep) => {
                let errors = rep.count(Severity::Error);
                let diags: Vec<Value> = rep
                    .diagnostics
                    .iter()
                    .map(|d| {
                        json!({
                            "rule": d.rule.name(),
                            "severity": d.severity.as_str(),
                            "message": d.message,
                            "node": d.node,
                            "edge": d.edge,
                            "line": d.pos.line,
                            "column": d.pos.column,
                            "resource_validate_failed": d.rule.resource_validate_failed(),
                        })
                    })
                    .collect();
                json!({
                    "plan": r.plan,
                    "graph": r.graph,
                    "plan_format": r.format,
                    "ok": errors == 0,
                    "error": null,
                    "summary": {
                        "errors": errors,
                        "warnings": rep.count(Severity::Warning),
                        "nodes": r.nodes,
                        "vertices": rep.chains.chains.len(),
                        "total_cu": number(rep.totals.cu),
                        "total_cpu": number(rep.totals.cpu),
                        "total_memory_mb": number(rep.totals.memory_mb),
                        "max_cu": r.max_cu.map(number),
                    },
                    "diagnostics": diags,
                })
            }
            Err(e) => json!({
                "plan": r.plan,
                "graph": r.graph,
                "plan_format": r.format,
                "ok": false,
                "error": e.to_string(),
                "summary": null,
                "diagnostics": [],
            }),
        })
        .collect();
    let doc = json!({ "planscale_version": VERSION, "files": files });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
