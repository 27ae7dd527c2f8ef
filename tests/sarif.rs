//! `planscale plan validate --format sarif|github` end to end.
//!
//! The SARIF output of the real binary is validated against the official SARIF 2.1.0 JSON schema
//! (OASIS, with Errata 01) vendored in fixtures/sarif/ (see the README there), cross-checked
//! against `--format json`, and the GitHub workflow commands are pinned line by line. Both formats
//! must exit exactly as the text mode does: 0 clean, 1 errors, 2 an unreadable PLAN.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{planscale, Outcome};
use jsonschema::Validator;
use serde_json::Value;

const GRAPH: &str = "fixtures/lab/window_agg/execution_plan.json";
const CLEAN: &str = "fixtures/plans/window_agg.plan.json";
const SCHEMA: &str = "fixtures/sarif/sarif-schema-2.1.0.json";

/// `plan validate PLANS... [--graph GRAPH] --format FORMAT`.
fn validate(plans: &[&str], graph: Option<&str>, format: &str) -> Outcome {
    let mut args = vec!["plan", "validate"];
    args.extend_from_slice(plans);
    if let Some(g) = graph {
        args.extend_from_slice(&["--graph", g]);
    }
    args.extend_from_slice(&["--format", format]);
    planscale(&args)
}

fn broken(case: &str) -> String {
    format!("fixtures/broken/window_agg/{case}.plan.json")
}

/// Every fixture under fixtures/broken/window_agg, sorted.
fn broken_cases() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/broken/window_agg");
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/broken/window_agg exists")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".plan.json"))
        .map(|n| format!("fixtures/broken/window_agg/{n}"))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "the broken fixtures are there: {v:?}");
    v
}

fn schema_doc() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA);
    let text = std::fs::read_to_string(&path).expect("the vendored SARIF schema is readable");
    serde_json::from_str(&text).expect("the vendored SARIF schema is JSON")
}

/// The official schema, compiled once (formats such as `uri` and `uri-reference` checked too).
fn schema() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&schema_doc())
            .expect("the SARIF 2.1.0 schema compiles")
    })
}

/// The schema is draft-04, which has no `uri-reference` format: artifact URIs are checked with
/// a draft-07 format check of their own.
fn uri_reference() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({ "type": "string", "format": "uri-reference" }))
            .expect("the uri-reference check compiles")
    })
}

/// Every `uri` in the log (artifact locations and base ids) with its JSON pointer.
fn uris(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}/{k}");
                match (k.as_str(), x) {
                    ("uri", Value::String(u)) => out.push((here, u.clone())),
                    _ => uris(x, &here, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                uris(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn schema_errors(doc: &Value) -> Vec<String> {
    schema()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Parses SARIF stdout and asserts it is valid against the schema.
fn valid_sarif(out: &Outcome) -> Value {
    assert!(
        out.stdout.ends_with("}\n"),
        "pretty JSON ending with a newline"
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e})\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    });
    let mut errors = schema_errors(&doc);
    let mut found = Vec::new();
    uris(&doc, "", &mut found);
    for (at, uri) in found {
        if !uri_reference().is_valid(&Value::String(uri.clone())) {
            errors.push(format!("{uri:?} is not a URI reference at {at}"));
        }
    }
    assert!(
        errors.is_empty(),
        "SARIF output violates the 2.1.0 schema:\n{}\n{}",
        errors.join("\n"),
        out.stdout
    );
    doc
}

fn run(doc: &Value) -> &Value {
    let runs = doc["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "one run");
    &runs[0]
}

// ---------------------------------------------------------------------------------------------
// The schema itself

#[test]
fn vendored_schema_is_the_oasis_one_our_logs_point_to() {
    let s = schema_doc();
    assert_eq!(s["$schema"], "http://json-schema.org/draft-04/schema#");
    assert_eq!(
        s["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    let out = validate(&[CLEAN], Some(GRAPH), "sarif");
    let doc = valid_sarif(&out);
    assert_eq!(
        doc["$schema"], s["id"],
        "the log's $schema is the vendored schema's id"
    );
}

/// A named edit that makes a valid log invalid.
type Mutation = (&'static str, fn(&mut Value));

#[test]
fn schema_rejects_broken_logs() {
    // Guards against a validator that accepts anything.
    let out = validate(&[&broken("foreign-id")], Some(GRAPH), "sarif");
    let good = valid_sarif(&out);
    let mutations: [Mutation; 5] = [
        ("no version", |d| {
            d.as_object_mut().unwrap().remove("version");
        }),
        ("bad version", |d| d["version"] = "2.0.0".into()),
        ("bad level", |d| {
            d["runs"][0]["results"][0]["level"] = "fatal".into()
        }),
        ("line 0", |d| {
            d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                0.into()
        }),
        ("unknown property", |d| {
            d["runs"][0]["tool"]["driver"]["colour"] = "red".into()
        }),
    ];
    for bad in ["a b", "c%d", "x\\y", "a#b#c"] {
        assert!(
            !uri_reference().is_valid(&bad.into()),
            "{bad:?} is no URI reference"
        );
    }
    for (what, mutate) in mutations {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(
            !schema_errors(&bad).is_empty(),
            "{what}: the schema must reject it"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF

#[test]
fn every_broken_fixture_gives_valid_sarif_matching_the_json_output() {
    for plan in broken_cases() {
        let out = validate(&[&plan], Some(GRAPH), "sarif");
        let doc = valid_sarif(&out);
        let json = validate(&[&plan], Some(GRAPH), "json");
        let diags = json.stdout.parse::<Value>().expect("JSON output")["files"][0]["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .clone();

        let run = run(&doc);
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        let results = run["results"].as_array().expect("results");
        assert_eq!(
            results.len(),
            diags.len(),
            "{plan}: one result per diagnostic"
        );
        for (r, d) in results.iter().zip(&diags) {
            assert_eq!(r["ruleId"], d["rule"], "{plan}");
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(
                rules[index]["id"], r["ruleId"],
                "{plan}: ruleIndex points at the rule"
            );
            assert_eq!(r["level"], d["severity"], "{plan}");
            assert_eq!(r["message"]["text"], d["message"], "{plan}");
            let phys = &r["locations"][0]["physicalLocation"];
            assert_eq!(phys["artifactLocation"]["uri"], plan.as_str());
            assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert_eq!(phys["region"]["startLine"], d["line"], "{plan}");
            assert_eq!(phys["region"]["startColumn"], d["column"], "{plan}");
            let props = &r["properties"];
            for key in ["node", "edge"] {
                assert_eq!(
                    props.get(key).unwrap_or(&Value::Null),
                    &d[key],
                    "{plan}: {key}"
                );
            }
            assert_eq!(
                props["resource_validate_failed"], d["resource_validate_failed"],
                "{plan}"
            );
        }
        assert_eq!(run["invocations"][0]["executionSuccessful"], true, "{plan}");
    }
}

#[test]
fn rule_table_lists_every_rule() {
    let doc = valid_sarif(&validate(&[CLEAN], Some(GRAPH), "sarif"));
    let driver = &run(&doc)["tool"]["driver"];
    assert_eq!(driver["name"], "planscale");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let ids: Vec<&str> = driver["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    assert_eq!(
        ids,
        [
            "node-missing",
            "node-unplanned",
            "node-mismatch",
            "edge-missing",
            "edge-mismatch",
            "chain-mismatch",
            "resource-over-budget",
            "parallelism-invalid",
            "resource-invalid",
            "plan-structure",
            "parallelism-mismatch",
            "chain-heavy-source",
        ]
    );
    for r in driver["rules"].as_array().expect("rules") {
        let level = &r["defaultConfiguration"]["level"];
        let warning = [
            "edge-mismatch",
            "parallelism-mismatch",
            "chain-heavy-source",
        ]
        .contains(&r["id"].as_str().expect("id"));
        assert_eq!(level, if warning { "warning" } else { "error" }, "{r}");
        assert!(r["shortDescription"]["text"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        assert!(r["help"]["text"].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert_eq!(run(&doc)["results"], serde_json::json!([]));
}

#[test]
fn several_plans_and_unreadable_ones_in_one_valid_log() {
    let mut plans: Vec<String> = broken_cases();
    plans.push("fixtures/bad/truncated.json".into());
    plans.push("fixtures/bad/empty.json".into());
    plans.push("fixtures/does-not-exist.plan.json".into());
    plans.push(CLEAN.into());
    let refs: Vec<&str> = plans.iter().map(String::as_str).collect();
    let out = validate(&refs, Some(GRAPH), "sarif");
    assert_eq!(out.code, 2, "an unreadable PLAN is exit 2");
    let doc = valid_sarif(&out);
    let run = run(&doc);

    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = inv["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let uris: Vec<&str> = notes
        .iter()
        .map(|n| {
            assert_eq!(n["level"], "error", "{n}");
            assert!(n["message"]["text"].as_str().is_some_and(|s| !s.is_empty()));
            n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
        })
        .collect();
    assert_eq!(
        uris,
        [
            "fixtures/bad/truncated.json",
            "fixtures/bad/empty.json",
            "fixtures/does-not-exist.plan.json"
        ]
    );
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({ "startLine": 4, "startColumn": 14 })
    );
    assert_eq!(
        notes[0]["message"]["text"],
        "malformed JSON: unterminated string literal"
    );

    // Artifacts: each PLAN once, then the graph; every location's index points at its artifact.
    let artifacts = run["artifacts"].as_array().expect("artifacts");
    assert_eq!(artifacts.len(), plans.len() + 1);
    assert_eq!(artifacts[plans.len()]["location"]["uri"], GRAPH);
    for r in run["results"].as_array().expect("results") {
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        let i = loc["index"].as_u64().expect("index") as usize;
        assert_eq!(artifacts[i]["location"]["uri"], loc["uri"]);
    }
    // Exactly the diagnostics of the readable files.
    let json = validate(&refs, Some(GRAPH), "json");
    let n: usize = json.stdout.parse::<Value>().expect("JSON")["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["diagnostics"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(run["results"].as_array().map(Vec::len), Some(n));
}

#[test]
fn absolute_and_unusual_paths_are_valid_uris() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sub = dir.path().join("my plans");
    std::fs::create_dir(&sub).expect("mkdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(broken("foreign-id"));
    let copy = sub.join("50% #1.plan.json");
    std::fs::copy(&src, &copy).expect("copy the fixture");
    let abs = copy.to_str().expect("a UTF-8 temp path");

    let out = validate(&[abs], Some(GRAPH), "sarif");
    assert_eq!(out.code, 1);
    let doc = valid_sarif(&out);
    let loc = &run(&doc)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    let uri = loc["uri"].as_str().expect("uri");
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.ends_with("/my%20plans/50%25%20%231.plan.json"), "{uri}");
    assert!(
        loc.get("uriBaseId").is_none(),
        "absolute URIs need no base: {loc}"
    );

    // A relative path with a leading ./ stays relative.
    let out = validate(
        &["./fixtures/plans/../../fixtures/plans/window_agg.plan.json"],
        None,
        "sarif",
    );
    let doc = valid_sarif(&out);
    assert_eq!(
        run(&doc)["artifacts"][0]["location"]["uri"],
        "fixtures/plans/../../fixtures/plans/window_agg.plan.json"
    );
}

#[test]
fn sarif_is_deterministic() {
    let plans = broken_cases();
    let refs: Vec<&str> = plans.iter().map(String::as_str).collect();
    let a = validate(&refs, Some(GRAPH), "sarif");
    let b = validate(&refs, Some(GRAPH), "sarif");
    assert_eq!(a.stdout, b.stdout);
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands

#[test]
fn github_lines_for_known_fixtures() {
    let chain = broken("parallelism-in-chain");
    let strategy = broken("strategy-changed");
    let out = validate(
        &[
            &chain,
            &strategy,
            "fixtures/bad/trailing_comma.json",
            "fixtures/bad/empty.json",
        ],
        Some(GRAPH),
        "github",
    );
    assert_eq!(out.code, 2);
    let expected = "\
::error file=fixtures/broken/window_agg/parallelism-in-chain.plan.json,line=30,col=6,title=chain-mismatch::nodes 16 and 17 chain in the job but the plan puts them in different chains (parallelism differs: 2 vs 4), so their resources are counted twice: resource validate failed！please modify your planJson or max CU and try again.
::error file=fixtures/broken/window_agg/parallelism-in-chain.plan.json,line=39,col=6,title=chain-mismatch::nodes 17 and 18 chain in the job but the plan puts them in different chains (parallelism differs: 4 vs 2), so their resources are counted twice: resource validate failed！please modify your planJson or max CU and try again.
::warning file=fixtures/broken/window_agg/strategy-changed.plan.json,line=92,col=6,title=edge-mismatch::link 18->20 is REBALANCE in the plan but HASH in the job graph
::error file=fixtures/bad/trailing_comma.json,line=4,col=19::malformed JSON: trailing commas are not allowed
::error file=fixtures/bad/empty.json::file is empty (0 bytes)
";
    assert_eq!(out.stdout, expected);
    // The errors still reach people on stderr, as in text mode.
    assert!(
        out.stderr.contains("error: fixtures/bad/empty.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn github_escapes_multiline_messages() {
    let out = validate(&["fixtures/bad/unknown.json"], None, "github");
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stdout,
        "::error file=fixtures/bad/unknown.json,line=1,col=1::unrecognised plan/graph format%0A\
         hint: expected a Blink PlanJSON, a Flink execution plan / stream graph, or a REST job \
         plan (see --plan-format / --graph-format)\n"
    );
}

#[test]
fn github_prints_only_workflow_commands() {
    for plan in broken_cases() {
        let text = validate(&[&plan], Some(GRAPH), "text");
        let out = validate(&[&plan], Some(GRAPH), "github");
        let diag_lines = text.stdout.lines().filter(|l| l.starts_with(&plan)).count();
        assert_eq!(
            out.stdout.lines().count(),
            diag_lines,
            "{plan}:\n{}",
            out.stdout
        );
        for line in out.stdout.lines() {
            assert!(
                line.starts_with("::error file=") || line.starts_with("::warning file="),
                "{plan}: {line}"
            );
        }
    }
    let clean = validate(&[CLEAN], Some(GRAPH), "github");
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""));
}

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn exit_codes_are_those_of_text_mode() {
    let mut cases: Vec<Vec<String>> = broken_cases().into_iter().map(|p| vec![p]).collect();
    cases.push(vec![CLEAN.into()]);
    cases.push(vec!["fixtures/bad/truncated.json".into()]);
    cases.push(vec![
        broken("foreign-id"),
        "fixtures/does-not-exist.json".into(),
    ]);
    let mut seen = std::collections::BTreeSet::new();
    for plans in &cases {
        let refs: Vec<&str> = plans.iter().map(String::as_str).collect();
        let text = validate(&refs, Some(GRAPH), "text").code;
        seen.insert(text);
        for format in ["sarif", "github"] {
            assert_eq!(
                validate(&refs, Some(GRAPH), format).code,
                text,
                "{plans:?} {format}"
            );
        }
    }
    assert_eq!(
        seen,
        [0, 1, 2].into(),
        "clean, failing and unreadable cases are covered"
    );
    // Known fixtures, pinned.
    assert_eq!(validate(&[CLEAN], Some(GRAPH), "sarif").code, 0);
    assert_eq!(
        validate(&[&broken("strategy-changed")], Some(GRAPH), "sarif").code,
        0
    );
    assert_eq!(validate(&[&broken("cycle")], Some(GRAPH), "github").code, 1);
    assert_eq!(
        validate(&["fixtures/bad/empty.json"], Some(GRAPH), "sarif").code,
        2
    );
}
