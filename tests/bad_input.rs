//! Unusable input: one `error:` line naming the file (and line:col where known), exit code 2,
//! never a panic, for plans and graphs alike.

mod common;

use common::bin;

const GRAPH: &str = "fixtures/lab/window_agg/execution_plan.json";
const PLAN: &str = "fixtures/plans/window_agg.plan.json";

/// Runs `plan validate` and returns stderr, asserting exit 2 and no panic.
fn fails(args: &[&str]) -> String {
    let out = bin()
        .arg("plan")
        .arg("validate")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "args {args:?}: stderr {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[test]
fn truncated_json_points_at_the_end() {
    let e = fails(&["fixtures/bad/truncated.json", "--graph", GRAPH]);
    assert!(
        first_line(&e).starts_with("error: fixtures/bad/truncated.json:4:"),
        "{e}"
    );
    assert!(first_line(&e).contains("malformed JSON"), "{e}");
}

#[test]
fn trailing_comma_is_malformed() {
    let e = fails(&["fixtures/bad/trailing_comma.json"]);
    assert!(
        first_line(&e).starts_with("error: fixtures/bad/trailing_comma.json:4:"),
        "{e}"
    );
}

#[test]
fn array_instead_of_object() {
    let e = fails(&["fixtures/bad/array.json"]);
    assert_eq!(
        first_line(&e),
        "error: fixtures/bad/array.json:1:1: unrecognised plan/graph format: the top level is an array, expected an object"
    );
    let e = fails(&["fixtures/bad/array.json", "--plan-format", "blink"]);
    assert!(
        first_line(&e).contains("must be a JSON object, found an array"),
        "{e}"
    );
}

#[test]
fn zero_byte_file() {
    let e = fails(&["fixtures/bad/empty.json"]);
    assert_eq!(
        first_line(&e),
        "error: fixtures/bad/empty.json: file is empty (0 bytes)"
    );
}

#[test]
fn directory_and_missing_file() {
    let e = fails(&["fixtures"]);
    assert_eq!(
        first_line(&e),
        "error: fixtures: is a directory, not a file"
    );
    let e = fails(&["fixtures/nope.json"]);
    assert_eq!(first_line(&e), "error: fixtures/nope.json: no such file");
}

#[test]
fn invalid_utf8_has_position() {
    let e = fails(&["fixtures/bad/latin1.json"]);
    assert_eq!(
        first_line(&e),
        "error: fixtures/bad/latin1.json:4:18: invalid UTF-8: the file must be UTF-8 encoded text"
    );
}

#[test]
fn unrecognised_format_has_a_hint() {
    let e = fails(&["fixtures/bad/unknown.json"]);
    assert!(
        first_line(&e).contains("unrecognised plan/graph format"),
        "{e}"
    );
    assert!(
        e.lines().nth(1).unwrap_or("").starts_with("  hint: "),
        "{e}"
    );
}

#[test]
fn bad_graph_is_fatal() {
    for g in [
        "fixtures/bad/truncated.json",
        "fixtures/bad/empty.json",
        "fixtures/bad/latin1.json",
        "fixtures",
        "fixtures/nope.json",
    ] {
        let e = fails(&[PLAN, "--graph", g]);
        assert!(first_line(&e).starts_with(&format!("error: {g}")), "{e}");
    }
}

#[test]
fn plan_and_graph_swapped() {
    let e = fails(&[GRAPH]);
    assert!(first_line(&e).contains("not a resource plan"), "{e}");
    let e = fails(&[PLAN, "--graph", PLAN]);
    assert!(first_line(&e).contains("not a job graph"), "{e}");
}

#[test]
fn one_bad_file_among_good_ones_still_reports_the_others() {
    let out = bin()
        .args([
            "plan",
            "validate",
            PLAN,
            "fixtures/bad/empty.json",
            "--graph",
            GRAPH,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["ok"], true);
    assert_eq!(files[1]["ok"], false);
    assert!(files[1]["error"].as_str().unwrap().contains("empty"));
}

#[test]
fn usage_errors_exit_2() {
    let out = bin().args(["plan", "validate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["plan", "validate", PLAN, "--max-cu", "-3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["plan", "validate", PLAN, "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_refuses_a_job_plan_and_bad_defines() {
    let out = bin()
        .args([
            "plan",
            "init",
            "--graph",
            "fixtures/lab/window_agg/plan.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("job vertices"));
    let out = bin()
        .args(["plan", "init", "--graph", GRAPH, "-D", "vcore=-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
