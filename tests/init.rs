//! `plan init`: the plan "acquire configuration" would write, golden against fixtures/plans.

mod common;

use common::bin;

const JOBS: [&str; 3] = ["window_agg", "udf_bottleneck", "datastream_pipeline"];

#[test]
fn init_matches_the_committed_plans() {
    for job in JOBS {
        let graph = format!("fixtures/lab/{job}/execution_plan.json");
        let out = bin()
            .args(["plan", "init", "--graph", &graph])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{job}");
        let expected = std::fs::read_to_string(format!("fixtures/plans/{job}.plan.json")).unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{job}");
    }
}

#[test]
fn init_output_is_jackson_style_and_sources_are_heads() {
    let text = std::fs::read_to_string("fixtures/plans/datastream_pipeline.plan.json").unwrap();
    assert!(text.starts_with("{\n  \"nodes\" : [ {\n    \"id\" : 1,\n"));
    assert!(text.contains(
        "\"name\" : \"numbers\",\n    \"pact\" : \"Source\",\n    \"chainingStrategy\" : \"HEAD\""
    ));
    assert!(text.contains("\"name\" : \"ds_sink[4]: Writer\",\n    \"pact\" : \"Sink\""));
    assert!(text.ends_with("} ]\n}\n"));
}

#[test]
fn defines_change_the_defaults() {
    let out = bin()
        .args([
            "plan",
            "init",
            "--graph",
            "fixtures/lab/window_agg/execution_plan.json",
            "-D",
            "vcore=0.5",
            "-D",
            "blink.resource.allocation.operator.default.heap.mb=1024",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("\"vcore\" : 0.5,").count(), 8);
    assert_eq!(text.matches("\"heap_memory\" : 1024\n").count(), 8);
}

#[test]
fn output_file_is_written_and_validates_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("plan.json");
    let graph = "fixtures/lab/udf_bottleneck/execution_plan.json";
    bin()
        .args(["plan", "init", "--graph", graph, "-o"])
        .arg(&out_path)
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
    bin()
        .args(["plan", "validate", "--graph", graph])
        .arg(&out_path)
        .assert()
        .code(0);
}

#[test]
fn writing_into_a_missing_directory_fails_cleanly() {
    let out = bin()
        .args([
            "plan",
            "init",
            "--graph",
            "fixtures/lab/udf_bottleneck/execution_plan.json",
            "-o",
            "/nonexistent-dir/plan.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: /nonexistent-dir/plan.json: cannot write"),
        "{err}"
    );
}

#[test]
fn a_plan_made_from_the_execution_plan_validates_clean_against_the_same_jobs_details() {
    // The execution plan names no max parallelism; the job runs with Flink's default for its
    // parallelism (128 here), so a plan claiming 32768 would warn "state unrestorable" per node.
    for job in JOBS {
        for format in ["blink", "expert"] {
            let dir = tempfile::tempdir().unwrap();
            let plan = dir.path().join("p.json");
            let graph = format!("fixtures/lab/{job}/execution_plan.json");
            let out = common::output(
                bin()
                    .args([
                        "plan",
                        "init",
                        "--plan-format",
                        format,
                        "--graph",
                        &graph,
                        "-o",
                    ])
                    .arg(&plan),
            );
            assert!(out.status.success(), "{job} {format}");
            let out = common::output(
                bin()
                    .args(["plan", "validate", "--format", "json", "--graph"])
                    .arg(format!("fixtures/lab/{job}/job.json"))
                    .arg(&plan),
            );
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let diags = &doc["files"][0]["diagnostics"];
            assert_eq!(
                diags.as_array().map(Vec::len),
                Some(0),
                "{job} {format}: {diags:#}"
            );
            assert_eq!(out.status.code(), Some(0), "{job} {format}");
        }
    }
}

#[test]
fn heap_takes_mb_or_flink_memory_sizes_in_both_formats() {
    let init = |format: &str, define: String| {
        common::output(bin().args([
            "plan",
            "init",
            "--plan-format",
            format,
            "--graph",
            "fixtures/lab/udf_bottleneck/execution_plan.json",
            "-D",
            &define,
        ]))
    };
    for v in ["4gb", "4 gb", "4096m", "4096", "4 GiB"] {
        let out = init("expert", format!("heap={v}"));
        assert!(out.status.success(), "{v}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("\"heap\": \"4 gb\""), "{v}: {text}");
        let out = init("blink", format!("heap_memory={v}"));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("\"heap_memory\" : 4096"), "{v}: {text}");
    }
    for v in ["0", "-3", "1.5kb", "lots"] {
        let out = init("blink", format!("heap={v}"));
        assert_eq!(out.status.code(), Some(2), "{v}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with(&format!("error: -D heap={v}: ")), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
