//! `planscale recommend` on the lab's real captures (Flink 2.3.0).

mod common;

use serde_json::Value;

/// The last sample before udf_bottleneck's PythonCalc vertex was rescaled 2 -> 6.
const BEFORE_RESCALE: &str = "1795368600000";

/// `planscale recommend ARGS`: exit code, stdout, stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = common::planscale(&[&["recommend"], args].concat());
    (out.code, out.stdout, out.stderr)
}

fn json(args: &[&str]) -> (Value, String) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "{err}");
    (serde_json::from_str(&out).unwrap(), err)
}

fn vertex<'a>(doc: &'a Value, name_part: &str) -> &'a Value {
    doc["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"].as_str().unwrap().contains(name_part))
        .unwrap()
}

#[test]
fn udf_bottleneck_before_its_rescale_scales_up_the_python_udf() {
    for (metrics, topology) in [
        (
            "fixtures/metrics/udf_bottleneck.long.csv",
            ["--graph", "fixtures/lab/udf_bottleneck/job.json"],
        ),
        (
            "fixtures/metrics/udf_bottleneck.wide.csv",
            ["--graph", "fixtures/lab/udf_bottleneck/execution_plan.json"],
        ),
        (
            "fixtures/metrics/udf_bottleneck.long.csv",
            ["--plan", "fixtures/plans/udf_bottleneck.plan.json"],
        ),
    ] {
        let (doc, err) = json(&[
            "--metrics",
            metrics,
            topology[0],
            topology[1],
            "--at",
            BEFORE_RESCALE,
        ]);
        let py = vertex(&doc, "PythonCalc");
        assert_eq!(py["current_parallelism"], 2, "{metrics}");
        assert!(
            py["recommended_parallelism"].as_i64().unwrap() > 2,
            "{metrics}: {py}"
        );
        assert_eq!(py["action"], "scale-up");
        assert_eq!(py["utilization"], 1);
        // The source's demand is hidden by backpressure, and the output says so.
        assert!(
            err.contains("is backpressured") && err.contains("reports no lag"),
            "{err}"
        );
        assert!(doc["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("true demand is unknown")));
        // Flink 2.3's legacy datagen source reports NaN busy time: excluded, as upstream does.
        let src = vertex(&doc, "events[7]");
        assert_eq!(src["bounded_by"], "excluded");
        assert_eq!(src["is_source"], true);
    }
}

#[test]
fn exact_mode_is_the_autoscaler_alone() {
    let (doc, _) = json(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--at",
        BEFORE_RESCALE,
        // 1.15.0's numbers; 1.16.0 differs (tests below).
        "--flink-autoscaler-version",
        "1.15",
        "--exact",
    ]);
    // Saturated but exactly at the band's edge: upstream keeps it, and says why.
    let py = vertex(&doc, "PythonCalc");
    assert_eq!(py["recommended_parallelism"], 2);
    assert_eq!(py["bounded_by"], "utilization-band");
}

/// Start of the lab's udf_bottleneck recording: PythonCalc runs at 2 until about +100 s, 100%
/// busy, while the datagen source's backpressure builds from 108 to 999 ms/s.
const RECORDING_START_MS: i64 = 1_795_368_508_174;

/// Sliding 30 s windows over the steady part before the rescale, some of which upstream decides
/// by the rounding of the input rate (TPR a hair above or below the target).
fn steady_windows() -> Vec<String> {
    [16, 20, 40, 60, 80, 100]
        .iter()
        .map(|s| (RECORDING_START_MS + s * 1000).to_string())
        .collect()
}

#[test]
fn saturated_vertex_behind_a_backpressured_source_scales_up_on_every_window() {
    for at in steady_windows() {
        let (doc, _) = json(&[
            "--metrics",
            "fixtures/metrics/udf_bottleneck.long.csv",
            "--graph",
            "fixtures/lab/udf_bottleneck/job.json",
            "--at",
            &at,
            "--window",
            "30s",
        ]);
        let py = vertex(&doc, "PythonCalc");
        assert_eq!(py["action"], "scale-up", "window ending {at}: {py}");
        assert!(py["recommended_parallelism"].as_i64().unwrap() > 2);
        let reason = py["reason"].as_str().unwrap();
        // Either upstream's own sizing, or the estimate with its basis named.
        if reason.contains("planscale estimate") {
            assert!(
                reason.contains("behind source Source: events[7], backpressured")
                    && reason.contains("rec/s it processes"),
                "{reason}"
            );
        }
    }
}

#[test]
fn exact_mode_keeps_upstreams_stall_and_says_so() {
    let mut stalled = 0;
    for at in steady_windows() {
        let args = [
            "--metrics",
            "fixtures/metrics/udf_bottleneck.long.csv",
            "--graph",
            "fixtures/lab/udf_bottleneck/job.json",
            "--at",
            &at,
            "--window",
            "30s",
        ];
        let (exact, err) = json(&[&args[..], &["--exact"]].concat());
        let (default, _) = json(&args);
        let py = vertex(&exact, "PythonCalc");
        if py["recommended_parallelism"] == 2 {
            stalled += 1;
            assert_eq!(py["bounded_by"], "utilization-band");
            assert!(
                err.contains("the autoscaler alone keeps it at 2")
                    && err.contains("stalls there; without --exact planscale estimates 3"),
                "{err}"
            );
        } else {
            // Where upstream itself scales up, both modes give the same vertices.
            assert_eq!(exact["vertices"], default["vertices"], "window ending {at}");
            assert!(!err.contains("the autoscaler alone keeps"), "{err}");
        }
    }
    // The windows above contain both kinds: the test must see a stall to mean anything.
    assert!(stalled >= 2, "{stalled}");
}

#[test]
fn healthy_window_agg_does_not_scale_up() {
    for topology in [
        ["--graph", "fixtures/lab/window_agg/job.json"],
        ["--plan", "fixtures/plans/window_agg.plan.json"],
    ] {
        let (doc, _) = json(&[
            "--metrics",
            "fixtures/metrics/window_agg.long.csv",
            topology[0],
            topology[1],
        ]);
        for v in doc["vertices"].as_array().unwrap() {
            assert_ne!(v["action"], "scale-up", "{v}");
            assert!(v["recommended_parallelism"].as_i64() <= v["current_parallelism"].as_i64());
            assert!(!v["reason"].as_str().unwrap().is_empty());
        }
    }
}

#[test]
fn after_the_rescale_the_window_starts_at_the_restart() {
    let (doc, err) = json(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
    ]);
    assert!(err.contains("rescaled inside the window"), "{err}");
    assert_eq!(vertex(&doc, "PythonCalc")["current_parallelism"], 6);
}

#[test]
fn output_formats_for_flink() {
    let base = [
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--at",
        BEFORE_RESCALE,
        // 1.15.0's numbers; 1.16.0 differs (tests below).
        "--flink-autoscaler-version",
        "1.15",
    ];
    let (code, out, _) = run(&[&base[..], &["--format", "overrides"]].concat());
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "pipeline.jobvertex-parallelism-overrides: bc764cd8ddf7a0cff126f51c16239658:1,20ba6b65f97481d5570070de90e4e791:3,b5c8d46f3e7b141acf271f12622e752b:2\n"
    );
    let (_, out, _) = run(&[&base[..], &["--format", "resource-requirements"]].concat());
    let body: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        body["20ba6b65f97481d5570070de90e4e791"]["parallelism"],
        serde_json::json!({"lowerBound": 1, "upperBound": 3})
    );
    assert_eq!(
        body.as_object().unwrap().len(),
        3,
        "every vertex is listed, as Flink requires"
    );
    // Without JobVertexIDs there are no overrides to write.
    let (code, _, err) = run(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--plan",
        "fixtures/plans/udf_bottleneck.plan.json",
        "--format",
        "overrides",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("needs JobVertexIDs"), "{err}");
}

#[test]
fn format_plan_edits_only_the_parallelism_bytes() {
    let (code, out, _) = run(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--plan",
        "fixtures/plans/udf_bottleneck.plan.json",
        "--at",
        BEFORE_RESCALE,
        // 1.15.0's numbers; 1.16.0 differs (tests below).
        "--flink-autoscaler-version",
        "1.15",
        "--format",
        "plan",
    ]);
    assert_eq!(code, 0);
    let before = std::fs::read_to_string("fixtures/plans/udf_bottleneck.plan.json").unwrap();
    let diff = similar::TextDiff::from_lines(&before, &out);
    let changed: Vec<String> = diff
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| format!("{}{}", c.tag(), c.value()))
        .collect();
    // Nodes 12 and 13 (the PythonCalc chain) go from 2 to 3; nothing else changes.
    assert_eq!(changed.len(), 4, "{changed:?}");
    assert_eq!(
        changed
            .iter()
            .filter(|l| l.as_str() == "-    \"parallelism\" : 2,\n")
            .count(),
        2,
        "{changed:?}"
    );
    assert_eq!(
        changed
            .iter()
            .filter(|l| l.as_str() == "+    \"parallelism\" : 3,\n")
            .count(),
        2,
        "{changed:?}"
    );
    assert!(
        changed.iter().all(|l| l.contains("\"parallelism\" : ")),
        "{changed:?}"
    );
}

#[test]
fn cu_budget_holds_back_the_scale_up() {
    let (doc, err) = json(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--plan",
        "fixtures/plans/udf_bottleneck.plan.json",
        "--at",
        BEFORE_RESCALE,
        "--max-cu",
        "1.25",
    ]);
    let py = vertex(&doc, "PythonCalc");
    assert_eq!(py["recommended_parallelism"], 2);
    assert_eq!(py["bounded_by"], "cu-budget");
    assert!(
        err.contains("held at parallelism 2 by the CU budget"),
        "{err}"
    );
    assert_eq!(
        doc["total_cu"],
        serde_json::json!({"current": 1.25, "recommended": 1.25})
    );
}

#[test]
fn unknown_vertices_are_an_error_listing_both_sides() {
    // An execution plan names no job id, so the metrics' job cannot be checked: their vertices
    // are (job details would refuse the other job outright, tests/job_identity.rs).
    let (code, _, err) = run(&[
        "--metrics",
        "fixtures/metrics/window_agg.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/execution_plan.json",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not in the graph or plan") && err.contains("the graph's 3 vertices"),
        "{err}"
    );
}

#[test]
fn many_unknown_vertices_list_a_few_and_a_count() {
    // 20,000 distinct vertex ids: one short line naming five of them and the count.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("many.csv");
    let mut text = String::from("timestamp_ms,vertex_id,metric,value\n");
    for i in 0..20_000 {
        text.push_str(&format!("1795368508174,{i:032x},busyTimeMsPerSecond,1\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let (code, _, err) = run(&[
        "--metrics",
        csv.to_str().unwrap(),
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.len() < 1000, "{} bytes", err.len());
    assert!(
        err.contains("the metrics name 20000 vertices that are not in the graph or plan: `00000000000000000000000000000000`")
            && err.contains(" and 19995 more;"),
        "{err}"
    );
}

#[test]
fn bad_options_are_usage_errors() {
    for extra in [
        vec!["-D", "job.autoscaler.utilization.target=abc"],
        vec!["--at", "yesterday"],
        vec!["--max-cu", "0"],
    ] {
        let mut a = vec![
            "--metrics",
            "fixtures/metrics/window_agg.long.csv",
            "--graph",
            "fixtures/lab/window_agg/job.json",
        ];
        a.extend(extra.iter());
        let (code, _, err) = run(&a);
        assert_eq!(code, 2, "{extra:?}: {err}");
    }
}

#[test]
fn bad_metric_files_are_one_clear_error() {
    for (file, needle) in [
        (
            "fixtures/metrics/bad/missing_metric_column.csv",
            "missing_metric_column.csv:1:",
        ),
        ("fixtures/metrics/bad/non_numeric.csv", "non_numeric.csv:3:"),
        ("fixtures/metrics/bad/empty.csv", "empty.csv"),
        ("fixtures/metrics/bad/header_only.csv", "header_only.csv"),
        ("fixtures/metrics/nope.csv", "no such file"),
    ] {
        let (code, out, err) = run(&[
            "--metrics",
            file,
            "--graph",
            "fixtures/lab/udf_bottleneck/job.json",
        ]);
        assert_eq!(code, 2, "{file}: {err}");
        assert!(out.is_empty());
        assert!(
            err.starts_with("error: ") && err.contains(needle),
            "{file}: {err}"
        );
        assert!(!err.contains("panicked"));
    }
}

#[test]
fn a_window_with_one_sample_cannot_be_evaluated() {
    let (code, _, err) = run(&[
        "--metrics",
        "fixtures/metrics/window_agg.long.csv",
        "--graph",
        "fixtures/lab/window_agg/job.json",
        "--window",
        "1s",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least 2"), "{err}");
}

#[test]
fn expert_plans_pay_each_slot_sharing_group_once() {
    // One group ("default", 0.5 CPU and 1088 MB a slot: 0.5 CU): the job needs as many slots as
    // its largest parallelism, not one per vertex and subtask.
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "--metrics",
            "fixtures/metrics/udf_bottleneck.long.csv",
            "--plan",
            "fixtures/expert/udf_bottleneck.expert.json",
            "--at",
            BEFORE_RESCALE,
            // 1.15.0's numbers; 1.16.0 differs (tests below).
            "--flink-autoscaler-version",
            "1.15",
        ];
        a.extend_from_slice(extra);
        a
    };
    let (doc, _) = json(&args(&[]));
    let py = vertex(&doc, "PythonCalc");
    assert_eq!(py["current_parallelism"], 2);
    assert_eq!(py["recommended_parallelism"], 3);
    // 2 slots now (not 1 + 2 + 2 subtasks = 2.5 CU), 3 after.
    assert_eq!(
        doc["total_cu"],
        serde_json::json!({"current": 1, "recommended": 1.5})
    );
    // A budget between the two holds the scale-up back; the job itself fits.
    let (doc, err) = json(&args(&["--max-cu", "1.25"]));
    let py = vertex(&doc, "PythonCalc");
    assert_eq!(py["recommended_parallelism"], 2);
    assert_eq!(py["bounded_by"], "cu-budget");
    assert!(!err.contains("even without scale-ups"), "{err}");
    assert_eq!(
        doc["total_cu"],
        serde_json::json!({"current": 1, "recommended": 1})
    );
}

#[test]
fn recommend_and_simulate_take_the_format_overrides_every_graph_command_takes() {
    // One flag group (cli::job::JobArgs): a forced format is read as forced, in both commands.
    let (code, _, err) = run(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--graph-format",
        "stream-graph",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("a stream graph needs a `nodes` array"),
        "{err}"
    );
    let out = common::planscale(&[
        "simulate",
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--plan",
        "fixtures/plans/udf_bottleneck.plan.json",
        "--plan-format",
        "expert",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not an expert resource plan"),
        "{}",
        out.stderr
    );
    // Auto (the default) still reads both.
    let (code, _, err) = run(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--graph-format",
        "job-plan",
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_cu_bound_must_be_above_zero_and_says_so() {
    for (flag, value, want) in [
        (
            "--max-cu",
            "-3",
            "invalid value '-3' for '--max-cu <N>': a CU bound is a number above 0",
        ),
        (
            "--min-cu",
            "0",
            "invalid value '0' for '--min-cu <N>': a CU bound is a number above 0",
        ),
        ("--max-cu", "abc", "`abc` is not a number"),
    ] {
        let (code, _, err) = run(&[
            "--metrics",
            "fixtures/metrics/udf_bottleneck.long.csv",
            "--graph",
            "fixtures/lab/udf_bottleneck/job.json",
            flag,
            value,
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn observed_rate_is_a_sources_own() {
    let (doc, _) = json(&[
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
    ]);
    for v in doc["vertices"].as_array().unwrap() {
        if v["is_source"] == true {
            assert!(v["observed_rate"].as_f64().unwrap() > 0.0, "{v}");
        } else {
            assert!(v["observed_rate"].is_null(), "{v}");
        }
    }
}

#[test]
fn a_plan_given_as_the_graph_is_named_and_pointed_to_plan() {
    for (file, what) in [
        (
            "fixtures/plans/udf_bottleneck.plan.json",
            "this is a Blink resource plan, not a job graph",
        ),
        (
            "fixtures/expert/udf_bottleneck.expert.json",
            "this is an expert resource plan, not a job graph",
        ),
    ] {
        let (code, _, err) = run(&[
            "--metrics",
            "fixtures/metrics/udf_bottleneck.long.csv",
            "--graph",
            file,
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(what), "{err}");
        assert!(
            err.contains("hint: a plan goes to --plan (recommend, simulate)"),
            "{err}"
        );
    }
}

/// The text table on a Flink 2.x REST job plan, whose operator names are whole descriptions.
fn table_with(columns: Option<u16>) -> String {
    let mut c = common::cmd();
    c.env_remove("COLUMNS");
    if let Some(w) = columns {
        c.env("COLUMNS", w.to_string());
    }
    let out = common::output(c.args([
        "recommend",
        "--metrics",
        "fixtures/metrics/window_agg.long.csv",
        "--graph",
        "fixtures/lab/window_agg/plan.json",
    ]));
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tables_show_short_vertex_names_one_line_each_and_never_break_a_word() {
    let wide = table_with(Some(200));
    let rows: Vec<&str> = wide.lines().filter(|l| l.starts_with('│')).collect();
    // The header and one line per vertex: nothing wraps at 200 columns.
    assert_eq!(rows.len(), 1 + 3, "{wide}");
    assert!(rows.iter().all(|l| l.chars().count() <= 200), "{wide}");
    assert!(wide.contains("│ TableSourceScan[10] "), "{wide}");
    assert!(!wide.contains("default_catalog"), "{wide}");
    // JSON keeps Flink's full name.
    let (doc, _) = json(&[
        "--metrics",
        "fixtures/metrics/window_agg.long.csv",
        "--graph",
        "fixtures/lab/window_agg/plan.json",
    ]);
    assert!(doc["vertices"][0]["name"]
        .as_str()
        .unwrap()
        .starts_with("[10]:TableSourceScan(table=[[default_catalog"));
    // Narrow terminals wrap between words only.
    let piped = table_with(None);
    for columns in [30, 60, 100] {
        common::assert_same_words(&piped, &table_with(Some(columns)));
    }
}

/// The metric reader's warnings name a vertex as the job graph does, not as the Prometheus
/// reporter's `task_name` label spells it (a real fetch of the e2e run, fixtures/lab-prometheus).
#[test]
fn reader_warnings_name_vertices_as_the_graph_does() {
    let csv = "fixtures/lab-prometheus/bottleneck.csv";
    let graph = "fixtures/lab-prometheus/bottleneck.job.json";
    let (code, _, err) = run(&["--metrics", csv, "--graph", graph]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "warning: vertex `Source: readings[1]` (bc764cd8ddf7a0cff126f51c16239658): \
             busyTimeMsPerSecond is not reported (NaN)"
        ),
        "{err}"
    );
    assert!(!err.contains("Source:_readings_1_"), "{err}");
    let sim = common::planscale(&["simulate", "--metrics", csv, "--graph", graph]);
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    assert!(
        sim.stdout.contains("vertex `Source: readings[1]`")
            || sim.stderr.contains("vertex `Source: readings[1]`"),
        "{}\n{}",
        sim.stdout,
        sim.stderr
    );
    assert!(
        !sim.stdout.contains("Source:_readings_1_") && !sim.stderr.contains("Source:_readings_1_"),
        "{}\n{}",
        sim.stdout,
        sim.stderr
    );
}
