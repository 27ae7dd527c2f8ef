//! `plan show` and `plan diff`: golden text output (regenerate with PLANSCALE_BLESS=1) and the
//! JSON contract.

mod common;

use std::fs;

use serde_json::Value;

fn run(args: &[&str]) -> (i32, String) {
    run_in(args, None)
}

/// Runs with `COLUMNS` set to `columns` (a terminal that wide), or unset (a pipe: no limit).
fn run_in(args: &[&str], columns: Option<u16>) -> (i32, String) {
    let mut c = common::cmd();
    c.env_remove("COLUMNS");
    if let Some(w) = columns {
        c.env("COLUMNS", w.to_string());
    }
    let out = common::output(c.args(args));
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn golden(name: &str, actual: &str) {
    let path = format!("{}/fixtures/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("PLANSCALE_BLESS").is_some() {
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "golden file {name} differs (PLANSCALE_BLESS=1 to update)"
    );
}

#[test]
fn show_text_golden() {
    for (name, plan) in [
        ("show_window_agg.txt", "fixtures/plans/window_agg.plan.json"),
        (
            "show_datastream_pipeline_expert.txt",
            "fixtures/expert/datastream_pipeline.expert.json",
        ),
        (
            "show_spec_example.txt",
            "fixtures/spec/blink_example.plan.json",
        ),
    ] {
        let (code, out) = run_in(&["plan", "show", plan], Some(100));
        assert_eq!(code, 0);
        assert!(
            out.lines().all(|l| l.chars().count() <= 100),
            "{name} is wider than 100 columns:\n{out}"
        );
        golden(name, &out);
        // In a pipe nothing wraps: one line per operator.
        let (_, piped) = run_in(&["plan", "show", plan], None);
        let table_lines = |o: &str| o.lines().filter(|l| l.starts_with('│')).count();
        let operators: usize = piped
            .lines()
            .filter(|l| l.starts_with('│'))
            .filter(|l| l.split('┆').nth(1).is_some_and(|c| !c.trim().is_empty()))
            .count();
        assert_eq!(
            table_lines(&piped),
            operators,
            "{name} wraps in a pipe:\n{piped}"
        );
        // However narrow the terminal, a word or number is never cut in two.
        for columns in [20, 40, 60, 80] {
            let (_, narrow) = run_in(&["plan", "show", plan], Some(columns));
            common::assert_same_words(&piped, &narrow);
        }
    }
}

#[test]
fn show_json_has_the_contract_fields() {
    let (code, out) = run(&[
        "plan",
        "show",
        "fixtures/spec/blink_example.plan.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["plan_format"], "blink");
    assert_eq!(doc["total_cu"], 11);
    let v = &doc["vertices"][1];
    assert_eq!(v["nodes"], serde_json::json!(["4", "5"]));
    assert_eq!(
        (
            v["parallelism"].as_i64(),
            v["cpu"].as_f64(),
            v["memory_mb"].as_i64(),
            v["cu"].as_i64()
        ),
        (Some(16), Some(0.5), Some(1152), Some(8))
    );
    for key in ["id", "name", "max_parallelism", "slot_sharing_group"] {
        assert!(v.get(key).is_some(), "{key}");
    }
}

#[test]
fn show_with_graph_names_job_vertices() {
    let (_, out) = run(&[
        "plan",
        "show",
        "fixtures/plans/udf_bottleneck.plan.json",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = doc["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["job_vertex_id"].as_str().unwrap())
        .collect();
    let job: Value =
        serde_json::from_str(&fs::read_to_string("fixtures/lab/udf_bottleneck/job.json").unwrap())
            .unwrap();
    let real: Vec<&str> = job["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, real);
}

#[test]
fn diff_of_a_break_chain_copy_reports_exactly_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.json");
    common::bin()
        .args([
            "plan",
            "break-chain",
            "fixtures/plans/window_agg.plan.json",
            "--node",
            "17",
            "-o",
        ])
        .arg(&cut)
        .assert()
        .success();
    let (code, out) = run(&[
        "plan",
        "diff",
        "fixtures/plans/window_agg.plan.json",
        cut.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["nodes_added"], serde_json::json!([]));
    assert_eq!(doc["nodes_removed"], serde_json::json!([]));
    let changes: Vec<(String, String, String, String)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().into(),
                c["node"].as_str().unwrap().into(),
                c["old"].as_str().unwrap().into(),
                c["new"].as_str().unwrap().into(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str, d: &str| {
        (a.to_string(), b.to_string(), c.to_string(), d.to_string())
    };
    assert_eq!(
        changes,
        vec![
            s("chain", "15", "15,16,17,18", "15,16"),
            s("chain", "16", "15,16,17,18", "15,16"),
            s("chaining", "17", "ALWAYS", "HEAD"),
            s("chain", "17", "15,16,17,18", "17,18"),
            s("chain", "18", "15,16,17,18", "17,18"),
        ]
    );
    assert_eq!(doc["vertices"], serde_json::json!({"old": 3, "new": 4}));
    assert_eq!(
        doc["total_cu"],
        serde_json::json!({"old": 1.25, "new": 1.75})
    );

    // Text: the table, the totals, then the unified diff with exactly one added line.
    let (_, text) = run(&[
        "plan",
        "diff",
        "fixtures/plans/window_agg.plan.json",
        cut.to_str().unwrap(),
    ]);
    assert!(
        text.contains("vertices: 3 -> 4; total CU: 1.25 -> 1.75"),
        "{text}"
    );
    let added: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(added, ["+    \"chainingStrategy\" : \"HEAD\","]);
}

#[test]
fn diff_of_a_parallelism_edit_reports_exactly_the_edit() {
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("p.json");
    let text = fs::read_to_string("fixtures/plans/udf_bottleneck.plan.json").unwrap();
    // PythonCalc[8] (node 12) and Calc[9] (node 13) form one chain: raise both to 6.
    let mut out = String::new();
    let mut in_target = false;
    for line in text.split_inclusive('\n') {
        if line.contains("\"id\" : 12,") || line.contains("\"id\" : 13,") {
            in_target = true;
        }
        if in_target && line.contains("\"parallelism\" : 2,") {
            out.push_str(&line.replace('2', "6"));
            in_target = false;
            continue;
        }
        out.push_str(line);
    }
    fs::write(&edited, &out).unwrap();
    let (_, o) = run(&[
        "plan",
        "diff",
        "fixtures/plans/udf_bottleneck.plan.json",
        edited.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&o).unwrap();
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    for (c, node) in changes.iter().zip(["12", "13"]) {
        assert_eq!(c["kind"], "parallelism");
        assert_eq!(c["node"], node);
        assert_eq!(
            (c["old"].as_str(), c["new"].as_str()),
            (Some("2"), Some("6"))
        );
    }
    assert_eq!(
        doc["total_cu"],
        serde_json::json!({"old": 1.25, "new": 2.25})
    );
}

#[test]
fn diff_across_formats_pairs_nodes_by_name() {
    let (code, out) = run(&[
        "plan",
        "diff",
        "fixtures/plans/datastream_pipeline.plan.json",
        "fixtures/expert/datastream_pipeline.expert.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["old_format"], "blink");
    assert_eq!(doc["new_format"], "expert");
    assert_eq!(doc["nodes_added"], serde_json::json!([]));
    assert_eq!(doc["nodes_removed"], serde_json::json!([]));
    assert!(
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] == "max-parallelism"),
        "{}",
        doc["changes"]
    );
}

#[test]
fn diff_exit_code_says_whether_the_plans_differ_in_meaning() {
    let dir = tempfile::tempdir().unwrap();
    let plan = "fixtures/plans/udf_bottleneck.plan.json";
    let text = fs::read_to_string(plan).unwrap();
    // Only formatting changed: no semantic change, exit 0 even with --exit-code.
    let reflowed = dir.path().join("reflowed.json");
    fs::write(&reflowed, text.replace(" : ", ": ")).unwrap();
    // A parallelism changed: exit 1 with --exit-code, 0 without.
    let edited = dir.path().join("edited.json");
    fs::write(
        &edited,
        text.replacen("\"parallelism\" : 2,", "\"parallelism\" : 3,", 1),
    )
    .unwrap();
    let code = |new: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["plan", "diff", plan, new.to_str().unwrap()];
        args.extend_from_slice(extra);
        run(&args).0
    };
    assert_eq!(code(&reflowed, &["--exit-code"]), 0);
    assert_eq!(code(&edited, &["--exit-code"]), 1);
    assert_eq!(code(&edited, &["--exit-code", "--format", "json"]), 1);
    assert_eq!(code(&edited, &[]), 0);
}

#[test]
fn show_with_another_jobs_graph_is_refused_and_with_its_own_shows_the_ids_in_text_too() {
    let other = common::output(common::cmd().args([
        "plan",
        "show",
        "fixtures/plans/window_agg.plan.json",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
    ]));
    assert_eq!(other.status.code(), Some(2));
    assert!(other.stdout.is_empty());
    let err = String::from_utf8(other.stderr).unwrap();
    assert!(
        err.starts_with(
            "error: fixtures/lab/udf_bottleneck/job.json: the graph is not this plan's job"
        ),
        "{err}"
    );
    assert!(err.contains("hint: `planscale plan validate"), "{err}");

    let own = [
        "plan",
        "show",
        "fixtures/plans/window_agg.plan.json",
        "--graph",
        "fixtures/lab/window_agg/job.json",
    ];
    let (code, text) = run(&own);
    assert_eq!(code, 0);
    let (code, json) = run(&[&own[..], &["--format", "json"]].concat());
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert!(text.contains("job vertex"), "{text}");
    for v in doc["vertices"].as_array().unwrap() {
        let id = v["job_vertex_id"]
            .as_str()
            .expect("every vertex is in its own job");
        assert!(text.contains(id), "{id} not in\n{text}");
    }
}
