//! Output of `config validate`: rustc-style diagnostic lines and a table of the documents, or
//! JSON. SARIF and GitHub annotations come from [`annotate_run`] through the same renderers as
//! `plan validate`'s.

use comfy_table::{presets, Table};
use serde_json::{json, Map, Value};

use crate::diagnostic::{Family, Severity};
use crate::error::InputError;
use crate::lint::{DocLint, FileLint};
use crate::render::annotate::{Finding, Run, Target};
use crate::render::validate::{diagnostic_line, use_color};
use crate::render::VERSION;
use crate::scaler::options::Version;
use crate::settings::file::ConfigKind;

/// The outcome for one FILE argument.
pub struct ConfigResult<'a> {
    pub file: &'a str,
    pub outcome: Result<FileLint, InputError>,
}

/// One `config validate` run.
pub struct ConfigRun<'a> {
    pub results: Vec<ConfigResult<'a>>,
    pub graph: Option<&'a str>,
    pub version: Version,
    /// `--deny-warnings`: a warning fails the file too, in the exit code and in every output.
    pub deny_warnings: bool,
}

impl ConfigRun<'_> {
    /// Whether a file passes: read, no error, and no warning under `--deny-warnings`.
    pub fn passed(&self, r: &ConfigResult<'_>) -> bool {
        match &r.outcome {
            Ok(l) => self.doc_counts_pass(l.count(Severity::Error), l.count(Severity::Warning)),
            Err(_) => false,
        }
    }

    fn doc_passed(&self, d: &DocLint) -> bool {
        let count = |s| d.diagnostics.iter().filter(|x| x.severity == s).count();
        self.doc_counts_pass(count(Severity::Error), count(Severity::Warning))
    }

    fn doc_counts_pass(&self, errors: usize, warnings: usize) -> bool {
        errors == 0 && !(self.deny_warnings && warnings > 0)
    }

    /// Every note of the readable files, `file: note`.
    pub fn notes(&self) -> Vec<String> {
        self.results
            .iter()
            .filter_map(|r| r.outcome.as_ref().ok().map(|l| (r.file, l)))
            .flat_map(|(f, l)| l.notes.iter().map(move |n| format!("{f}: {n}")))
            .collect()
    }
}

pub fn text(run: &ConfigRun<'_>) -> String {
    let color = use_color();
    let mut out = String::new();
    for r in &run.results {
        if let Ok(l) = &r.outcome {
            for doc in &l.documents {
                for d in &doc.diagnostics {
                    out.push_str(&diagnostic_line(r.file, d, color));
                }
            }
        }
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(vec![
            "file",
            "document",
            "autoscaler",
            "errors",
            "warnings",
            "result",
        ]);
    for r in &run.results {
        match &r.outcome {
            Ok(l) => {
                for doc in &l.documents {
                    let count = |s| doc.diagnostics.iter().filter(|x| x.severity == s).count();
                    table.add_row(vec![
                        r.file.to_string(),
                        doc.label.clone(),
                        doc.autoscaler.name().to_string(),
                        count(Severity::Error).to_string(),
                        count(Severity::Warning).to_string(),
                        if run.doc_passed(doc) { "ok" } else { "FAILED" }.to_string(),
                    ]);
                }
            }
            Err(_) => {
                table.add_row(vec![
                    r.file.to_string(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "unreadable".into(),
                ]);
            }
        }
    }
    crate::render::fit(&mut table);
    out.push_str(&table.to_string());
    out.push('\n');
    out
}

pub fn json(run: &ConfigRun<'_>) -> String {
    let files: Vec<Value> = run
        .results
        .iter()
        .map(|r| match &r.outcome {
            Ok(l) => {
                let documents: Vec<Value> = l
                    .documents
                    .iter()
                    .map(|doc| {
                        let diags: Vec<Value> = doc
                            .diagnostics
                            .iter()
                            .map(|d| {
                                json!({
                                    "rule": d.rule.name(),
                                    "severity": d.severity.as_str(),
                                    "message": d.message,
                                    "key": d.key,
                                    "vertex": d.node,
                                    "line": d.pos.line,
                                    "column": d.pos.column,
                                })
                            })
                            .collect();
                        let count = |s| doc.diagnostics.iter().filter(|x| x.severity == s).count();
                        json!({
                            "document": doc.label,
                            "kind": kind_name(doc.kind),
                            "line": doc.start.line,
                            "autoscaler": doc.autoscaler.name(),
                            "ok": run.doc_passed(doc),
                            "errors": count(Severity::Error),
                            "warnings": count(Severity::Warning),
                            "diagnostics": diags,
                        })
                    })
                    .collect();
                json!({
                    "file": r.file,
                    "ok": run.passed(r),
                    "error": null,
                    "notes": l.notes,
                    "documents": documents,
                })
            }
            Err(e) => json!({
                "file": r.file,
                "ok": false,
                "error": e.to_string(),
                "notes": [],
                "documents": [],
            }),
        })
        .collect();
    let doc = json!({
        "planscale_version": VERSION,
        "autoscaler_version": run.version.label(),
        "graph": run.graph,
        "files": files,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The kind of a document in JSON.
fn kind_name(kind: ConfigKind) -> &'static str {
    match kind {
        ConfigKind::FlinkConfig => "config.yaml",
        ConfigKind::LegacyFlinkConf => "flink-conf.yaml",
        ConfigKind::FlinkDeployment => "FlinkDeployment",
        ConfigKind::FlinkSessionJob => "FlinkSessionJob",
        ConfigKind::HelmValues => "helm-values",
    }
}

/// The run as SARIF and GitHub annotations see it: key, document and vertex as properties.
pub fn annotate_run<'a>(run: &'a ConfigRun<'a>) -> Run<'a> {
    let targets = run
        .results
        .iter()
        .map(|r| Target {
            path: r.file,
            outcome: match &r.outcome {
                Ok(l) => Ok(l
                    .documents
                    .iter()
                    .flat_map(|doc| {
                        doc.diagnostics.iter().map(move |d| {
                            let mut props = Map::new();
                            props.insert("document".into(), json!(doc.label));
                            if let Some(key) = &d.key {
                                props.insert("key".into(), json!(key));
                            }
                            if let Some(vertex) = &d.node {
                                props.insert("vertex".into(), json!(vertex));
                            }
                            Finding {
                                diagnostic: d,
                                properties: props,
                            }
                        })
                    })
                    .collect()),
                Err(e) => Err(e),
            },
        })
        .collect();
    Run {
        family: Family::Config,
        targets,
        referenced: run.graph.into_iter().collect(),
    }
}
