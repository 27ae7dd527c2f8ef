//! SARIF 2.1.0 output of `plan validate` and `config validate`, for code-scanning tools (GitHub
//! code scanning, IDEs).
//!
//! One log, one run. `tool.driver.rules` lists every rule of the command's family
//! ([`Family::rules`]) in table order, so a result's `ruleIndex` is the rule's position there. Each diagnostic becomes one result located
//! at its 1-based line and column (Unicode code points, hence `columnKind`) in the plan file. The
//! plan path is kept as given: a relative path becomes a relative URI against `%SRCROOT%` (the
//! directory planscale ran in), an absolute one a `file:` URI. A plan that could not be read gives
//! no result but an error notification in `invocations[0]`, whose `executionSuccessful` is then
//! false. The document is built with insertion-ordered maps, so equal input gives equal bytes.

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::diagnostic::{Family, Rule, Severity};
use crate::error::InputError;
use crate::render::annotate::{plan_run, Run};
use crate::render::validate::FileResult;
use crate::render::VERSION;

/// The `$schema` of the log: the OASIS SARIF 2.1.0 schema (with Errata 01).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The URI base id relative plan paths are resolved against: the working directory of the run.
pub const SRCROOT: &str = "%SRCROOT%";

/// `plan validate`'s log.
pub fn render(results: &[FileResult<'_>]) -> String {
    log(&plan_run(results))
}

/// The log of one run: its family's rules, a result per finding, a notification per unreadable
/// file.
pub fn log(run: &Run<'_>) -> String {
    let rules = run.family.rules();
    let artifacts = Artifacts::of(run);

    let mut sarif_results = Vec::new();
    let mut notifications = Vec::new();
    for t in &run.targets {
        match &t.outcome {
            Ok(findings) => {
                for f in findings {
                    let d = f.diagnostic;
                    sarif_results.push(json!({
                        "ruleId": d.rule.name(),
                        "ruleIndex": rule_index(rules, d.rule),
                        "level": level(d.severity),
                        "message": { "text": d.message },
                        "locations": [location(
                            artifacts.location(t.path),
                            Some(d.pos.line),
                            Some(d.pos.column),
                        )],
                        "properties": f.properties,
                    }));
                }
            }
            Err(e) => notifications.push(notification(t.path, e, &artifacts)),
        }
    }

    let mut invocation = Map::new();
    invocation.insert(
        "executionSuccessful".into(),
        json!(notifications.is_empty()),
    );
    if !notifications.is_empty() {
        invocation.insert("toolExecutionNotifications".into(), json!(notifications));
    }

    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "planscale",
                    "version": VERSION,
                    "semanticVersion": VERSION,
                    "rules": rules.iter().map(|&r| rule_descriptor(r)).collect::<Vec<_>>(),
                }
            },
            "invocations": [invocation],
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": {
                        "text": srcroot_text(run.family)
                    }
                }
            },
            "artifacts": artifacts.to_json(),
            "columnKind": "unicodeCodePoints",
            "results": sarif_results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn srcroot_text(family: Family) -> &'static str {
    match family {
        Family::Plan => {
            "The directory planscale ran in; relative PLAN and GRAPH paths are relative to it."
        }
        Family::Config => {
            "The directory planscale ran in; relative FILE and GRAPH paths are relative to it."
        }
    }
}

/// SARIF's `level` for a severity.
pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Position of `rule` in its family's rules, which is also its index in `tool.driver.rules`.
pub(crate) fn rule_index(rules: &[Rule], rule: Rule) -> usize {
    rules
        .iter()
        .position(|&r| r == rule)
        .expect("a run reports only its family's rules")
}

fn rule_descriptor(rule: Rule) -> Value {
    let mut d = json!({
        "id": rule.name(),
        "shortDescription": { "text": rule.description() },
        "help": { "text": rule.help() },
        "defaultConfiguration": { "level": level(rule.default_severity()) },
    });
    if rule.family() == Family::Plan {
        d["properties"] = json!({ "resource_validate_failed": rule.resource_validate_failed() });
    }
    d
}

/// A `location` in `artifact`, with a region when the line is known (SARIF regions need a start).
fn location(artifact: Value, line: Option<usize>, column: Option<usize>) -> Value {
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), artifact);
    if let Some(line) = line.filter(|&l| l > 0) {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line));
        if let Some(column) = column.filter(|&c| c > 0) {
            region.insert("startColumn".into(), json!(column));
        }
        physical.insert("region".into(), Value::Object(region));
    }
    json!({ "physicalLocation": physical })
}

/// The error notification for a plan that could not be read; hints follow on their own lines.
fn notification(plan: &str, e: &InputError, artifacts: &Artifacts) -> Value {
    let mut text = e.message.clone();
    for h in &e.hints {
        text.push_str("\nhint: ");
        text.push_str(h);
    }
    json!({
        "level": "error",
        "message": { "text": text },
        "locations": [location(artifacts.location(plan), e.line, e.column)],
    })
}

/// The files of the run (every target, then GRAPH), each once, in command-line order.
struct Artifacts<'a> {
    files: Vec<(&'a str, Vec<&'static str>)>,
}

impl<'a> Artifacts<'a> {
    fn of(run: &Run<'a>) -> Self {
        let mut a = Artifacts { files: Vec::new() };
        for t in &run.targets {
            a.add(t.path, "analysisTarget");
        }
        for path in &run.referenced {
            a.add(path, "referencedOnCommandLine");
        }
        a
    }

    fn add(&mut self, path: &'a str, role: &'static str) {
        match self.files.iter_mut().find(|(p, _)| *p == path) {
            Some((_, roles)) if !roles.contains(&role) => roles.push(role),
            Some(_) => {}
            None => self.files.push((path, vec![role])),
        }
    }

    /// `artifactLocation` of `path`, pointing into `run.artifacts`.
    fn location(&self, path: &str) -> Value {
        let mut loc = artifact_location(path);
        if let (Some(i), Value::Object(m)) =
            (self.files.iter().position(|(p, _)| *p == path), &mut loc)
        {
            m.insert("index".into(), json!(i));
        }
        loc
    }

    fn to_json(&self) -> Value {
        self.files
            .iter()
            .map(|(path, roles)| json!({ "location": artifact_location(path), "roles": roles }))
            .collect()
    }
}

/// `artifactLocation` for a path as given on the command line: relative paths stay relative
/// (against `%SRCROOT%`), absolute ones become `file:` URIs, `-` is standard input (no URI).
pub(crate) fn artifact_location(path: &str) -> Value {
    if path == "-" {
        return json!({ "description": { "text": "standard input" } });
    }
    let slashed = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    if Path::new(path).is_absolute() {
        let p = percent_encode(&slashed, true);
        let uri = if p.starts_with('/') {
            format!("file://{p}")
        } else {
            format!("file:///{p}")
        };
        json!({ "uri": uri })
    } else {
        let mut rel = slashed.as_str();
        while let Some(rest) = rel.strip_prefix("./") {
            rel = rest;
        }
        json!({ "uri": percent_encode(rel, false), "uriBaseId": SRCROOT })
    }
}

/// Percent-encodes what may not stand in a URI path (RFC 3986 `pchar` and `/`). `:` is encoded
/// in relative references, where a colon in the first segment would read as a scheme.
fn percent_encode(path: &str, colon_ok: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=@/".contains(&b)
            || (colon_ok && b == b':');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::model::Pos;
    use crate::rules::Report;

    use crate::render::test_support::report;

    fn file<'a>(plan: &'a str, outcome: Result<Report, InputError>) -> FileResult<'a> {
        FileResult {
            deny_warnings: false,
            plan,
            graph: Some("jobs/graph.json"),
            format: Some("blink"),
            max_cu: None,
            nodes: 1,
            outcome,
        }
    }

    fn parse(results: &[FileResult<'_>]) -> Value {
        let s = render(results);
        assert!(s.ends_with("}\n"), "ends with a newline: {s}");
        serde_json::from_str(&s).expect("SARIF output is JSON")
    }

    fn pos(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn rule_table_is_complete_and_in_rule_order() {
        let doc = parse(&[file("a.plan.json", Ok(report(vec![])))]);
        let rules = doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules is an array");
        let plan = Family::Plan.rules();
        assert_eq!(rules.len(), plan.len());
        for (i, (rule, d)) in plan.iter().zip(rules).enumerate() {
            assert_eq!(rule_index(plan, *rule), i);
            assert_eq!(d["id"], rule.name());
            assert_eq!(d["shortDescription"]["text"], rule.description());
            assert_eq!(d["help"]["text"], rule.help());
            assert_eq!(
                d["defaultConfiguration"]["level"],
                level(rule.default_severity())
            );
        }
        let driver = &doc["runs"][0]["tool"]["driver"];
        assert_eq!(driver["name"], "planscale");
        assert_eq!(driver["version"], VERSION);
        assert_eq!(doc["version"], "2.1.0");
        assert_eq!(doc["$schema"], SCHEMA_URI);
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Error), "error");
        assert_eq!(level(Severity::Warning), "warning");
        let warn = Rule::ALL
            .iter()
            .filter(|r| r.default_severity() == Severity::Warning)
            .count();
        assert!(warn > 0 && warn < Rule::ALL.len());
    }

    #[test]
    fn one_result_per_diagnostic_with_location_and_properties() {
        let diags = vec![
            Diagnostic::new(Rule::NodeMissing, pos(41, 5), "node 9 does not exist").node("9"),
            Diagnostic::new(Rule::EdgeMismatch, pos(92, 6), "link 18->20 differs").edge("18", "20"),
            // A rule that is an error by default, reported as a warning.
            Diagnostic::new(Rule::ChainMismatch, pos(3, 1), "resource validate failed").warning(),
        ];
        let doc = parse(&[file("jobs/orders.plan.json", Ok(report(diags)))]);
        let run = &doc["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 3);

        let r = &results[0];
        assert_eq!(r["ruleId"], "node-missing");
        assert_eq!(
            r["ruleIndex"],
            rule_index(Family::Plan.rules(), Rule::NodeMissing)
        );
        assert_eq!(r["level"], "error");
        assert_eq!(r["message"]["text"], "node 9 does not exist");
        let phys = &r["locations"][0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], "jobs/orders.plan.json");
        assert_eq!(phys["artifactLocation"]["uriBaseId"], SRCROOT);
        assert_eq!(phys["artifactLocation"]["index"], 0);
        assert_eq!(phys["region"], json!({ "startLine": 41, "startColumn": 5 }));
        assert_eq!(
            r["properties"],
            json!({ "node": "9", "resource_validate_failed": false })
        );

        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            results[1]["properties"],
            json!({ "edge": "18->20", "resource_validate_failed": false })
        );
        assert_eq!(results[2]["ruleId"], "chain-mismatch");
        assert_eq!(results[2]["level"], "warning");
        assert_eq!(results[2]["properties"]["resource_validate_failed"], true);

        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        assert!(run["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none());
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(
            run["artifacts"],
            json!([
                { "location": { "uri": "jobs/orders.plan.json", "uriBaseId": SRCROOT },
                  "roles": ["analysisTarget"] },
                { "location": { "uri": "jobs/graph.json", "uriBaseId": SRCROOT },
                  "roles": ["referencedOnCommandLine"] },
            ])
        );
    }

    #[test]
    fn unreadable_file_is_a_notification_and_unsuccessful() {
        let mut err = InputError::at("bad.plan.json", pos(3, 7), "unexpected end of input");
        err = err.hint("is the file complete?");
        let no_pos = InputError::new("gone.plan.json", "no such file");
        let doc = parse(&[
            file("ok.plan.json", Ok(report(vec![]))),
            file("bad.plan.json", Err(err)),
            file("gone.plan.json", Err(no_pos)),
        ]);
        let inv = &doc["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let notes = inv["toolExecutionNotifications"]
            .as_array()
            .expect("notifications");
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(
            notes[0]["message"]["text"],
            "unexpected end of input\nhint: is the file complete?"
        );
        let phys = &notes[0]["locations"][0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], "bad.plan.json");
        assert_eq!(phys["artifactLocation"]["index"], 1);
        assert_eq!(phys["region"], json!({ "startLine": 3, "startColumn": 7 }));
        let phys = &notes[1]["locations"][0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], "gone.plan.json");
        assert!(phys.get("region").is_none(), "no region without a line");
        assert_eq!(doc["runs"][0]["results"], json!([]));
    }

    #[test]
    fn deterministic() {
        let mk = || {
            vec![file(
                "a.plan.json",
                Ok(report(vec![Diagnostic::new(
                    Rule::PlanStructure,
                    pos(1, 1),
                    "x",
                )])),
            )]
        };
        assert_eq!(render(&mk()), render(&mk()));
    }

    #[test]
    fn same_path_twice_is_one_artifact() {
        let doc = parse(&[
            file("a.plan.json", Ok(report(vec![]))),
            file("a.plan.json", Ok(report(vec![]))),
        ]);
        assert_eq!(
            doc["runs"][0]["artifacts"].as_array().map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn artifact_locations() {
        assert_eq!(
            artifact_location("fixtures/x.plan.json"),
            json!({ "uri": "fixtures/x.plan.json", "uriBaseId": SRCROOT })
        );
        assert_eq!(
            artifact_location("./././a b/c%d#e:f.json"),
            json!({ "uri": "a%20b/c%25d%23e%3Af.json", "uriBaseId": SRCROOT })
        );
        assert_eq!(
            artifact_location("../up/ü.json"),
            json!({ "uri": "../up/%C3%BC.json", "uriBaseId": SRCROOT })
        );
        assert_eq!(
            artifact_location("-"),
            json!({ "description": { "text": "standard input" } })
        );
        if cfg!(unix) {
            assert_eq!(
                artifact_location("/tmp/my plan.json"),
                json!({ "uri": "file:///tmp/my%20plan.json" })
            );
        }
    }
}
