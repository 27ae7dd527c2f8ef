//! Output of `plan validate`: rustc-style diagnostic lines plus a summary table, or the JSON
//! document of spec/outputs.md.

use comfy_table::{presets, Table};
use serde_json::{json, Value};

use crate::diagnostic::{Diagnostic, Severity};
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
    /// `--deny-warnings`: a warning fails the plan too, in the exit code and in every output.
    pub deny_warnings: bool,
}

impl FileResult<'_> {
    /// Whether the Blink console would reject the plan for this finding with its "resource
    /// validate failed" (expert plans never meet that console).
    pub fn console_rejects(&self, d: &crate::diagnostic::Diagnostic) -> bool {
        self.format == Some("blink") && d.rule.resource_validate_failed()
    }

    /// Whether the plan passes: no error, and no warning under `--deny-warnings`.
    pub fn passed(&self) -> bool {
        match &self.outcome {
            Ok(rep) => {
                rep.count(Severity::Error) == 0
                    && !(self.deny_warnings && rep.count(Severity::Warning) > 0)
            }
            Err(_) => false,
        }
    }
}

/// `file:line:col: severity[rule]: message` lines, one per diagnostic; with `color`, the
/// severity is red or yellow as rustc prints it.
pub fn diagnostic_lines(r: &FileResult<'_>, color: bool) -> String {
    let mut s = String::new();
    if let Ok(rep) = &r.outcome {
        for d in &rep.diagnostics {
            s.push_str(&diagnostic_line(r.plan, d, color));
        }
    }
    s
}

/// One `file:line:col: severity[rule]: message` line.
pub fn diagnostic_line(file: &str, d: &Diagnostic, color: bool) -> String {
    let sev = d.severity.as_str();
    let sev = match (color, d.severity) {
        (false, _) => sev.to_string(),
        (true, Severity::Error) => format!("\x1b[1;31m{sev}\x1b[0m"),
        (true, Severity::Warning) => format!("\x1b[1;33m{sev}\x1b[0m"),
    };
    format!(
        "{file}:{}:{}: {sev}[{}]: {}\n",
        d.pos.line,
        d.pos.column,
        d.rule.name(),
        d.message
    )
}

/// Colour only for a person at a terminal who has not asked for none (NO_COLOR).
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn text(results: &[FileResult<'_>]) -> String {
    let color = use_color();
    let mut out = String::new();
    for r in results {
        out.push_str(&diagnostic_lines(r, color));
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
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
                    if r.passed() { "ok" } else { "FAILED" }.to_string(),
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
    crate::render::fit(&mut table);
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
                            "resource_validate_failed": r.console_rejects(d),
                        })
                    })
                    .collect();
                json!({
                    "plan": r.plan,
                    "graph": r.graph,
                    "plan_format": r.format,
                    "ok": r.passed(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn result(text: &str) -> Report {
        let plan = crate::plan::read("p.json", text, None).unwrap();
        crate::rules::validate(&plan, None, &crate::rules::Options::default())
    }

    #[test]
    fn severity_is_coloured_only_when_asked() {
        let rep = result(r#"{"nodes":[{"id":1,"vcore":-1,"parallelism":1}],"links":[],"x":1}"#);
        let r = FileResult {
            deny_warnings: false,
            plan: "p.json",
            graph: None,
            format: Some("blink"),
            max_cu: None,
            nodes: 1,
            outcome: Ok(rep),
        };
        let plain = diagnostic_lines(&r, false);
        assert!(
            plain.contains("p.json:1:11: error[resource-invalid]: "),
            "{plain}"
        );
        assert!(plain.contains(": warning[plan-structure]: "), "{plain}");
        assert!(!plain.contains('\x1b'));
        let coloured = diagnostic_lines(&r, true);
        assert!(
            coloured.contains("\x1b[1;31merror\x1b[0m[resource-invalid]"),
            "{coloured}"
        );
        assert!(
            coloured.contains("\x1b[1;33mwarning\x1b[0m[plan-structure]"),
            "{coloured}"
        );
    }
}
