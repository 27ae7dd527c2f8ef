//! `planscale plan validate` end to end, one rule at a time.
//!
//! Every case is a minimal hand edit of a `plan init` output (fixtures/plans) committed under
//! fixtures/broken/<job>/<case>.plan.json, checked against the job's stream graph
//! (fixtures/lab/<job>/execution_plan.json) unless said otherwise. For each case the test pins the
//! complete list of diagnostics (rule, severity, line, column, node, edge), key words of each
//! message, the summary counts and the exit code.
//!
//! Positions are the 1-based line and column of the offending node's or link's `{`, or of the
//! `nodes` array's `[` for file-level findings (empty plan, budget, unplanned graph node). In the
//! Jackson style of these files the first node's `{` is at 2:15, the `[` of `nodes` at 2:13 and
//! every later object's `{` at column 6 of its `}, {` line.

mod common;

use std::collections::BTreeSet;

use common::{
    assert_diagnostics, cmd, err, job_details, job_plan, key_of, plan_file, planscale,
    stream_graph, warn, Want, DIAGNOSTIC_KEYS, ERROR, WARNING,
};
use predicates::prelude::*;
use serde_json::Value;

const JOBS: [&str; 3] = ["window_agg", "udf_bottleneck", "datastream_pipeline"];

/// The console's own words, which `chain-mismatch` and `resource-over-budget` must carry.
const RVF: &str = "resource validate failed";

// ---------------------------------------------------------------------------------------------
// Running the binary

/// `plan validate PLANS... [--graph GRAPH] EXTRA... --format json`: exit code and parsed stdout.
/// Every document is checked against the JSON contract on the way.
fn validate_json(plans: &[&str], graph: Option<&str>, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["plan", "validate"];
    args.extend_from_slice(plans);
    if let Some(g) = graph {
        args.extend_from_slice(&["--graph", g]);
    }
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--format", "json"]);
    let out = planscale(&args);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: stdout is not JSON ({e})\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    });
    check_contract(&doc, plans.len(), extra.contains(&"--deny-warnings"));
    (out.code, doc)
}

fn broken(job: &str, case: &str) -> String {
    format!("fixtures/broken/{job}/{case}.plan.json")
}

// ---------------------------------------------------------------------------------------------
// The JSON contract (spec/outputs.md)

/// `deny`: `--deny-warnings` was given, so a warning fails a plan (`ok` false) like an error.
fn check_contract(doc: &Value, n_files: usize, deny: bool) {
    assert_eq!(
        doc["planscale_version"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "planscale_version in {doc:#}"
    );
    let files = doc["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), n_files, "one entry per PLAN argument");
    for f in files {
        let diags = f["diagnostics"]
            .as_array()
            .expect("diagnostics is an array");
        let Some(summary) = f["summary"].as_object() else {
            // An unreadable plan: no summary, no diagnostics, an error message instead.
            assert!(f["summary"].is_null() && diags.is_empty(), "{f:#}");
            assert!(f["error"].is_string(), "{f:#}");
            assert_eq!(f["ok"], false, "{f:#}");
            continue;
        };
        for key in ["total_cu", "total_cpu", "total_memory_mb"] {
            assert!(summary[key].is_number(), "summary.{key} in {f:#}");
        }
        let count = |sev: &str| diags.iter().filter(|d| d["severity"] == sev).count() as u64;
        assert_eq!(summary["errors"].as_u64(), Some(count(ERROR)), "{f:#}");
        assert_eq!(summary["warnings"].as_u64(), Some(count(WARNING)), "{f:#}");
        assert_eq!(
            f["ok"],
            count(ERROR) == 0 && !(deny && count(WARNING) > 0),
            "ok means no error (and no warning under --deny-warnings): {f:#}"
        );
        for d in diags {
            let obj = d.as_object().expect("a diagnostic is an object");
            let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(DIAGNOSTIC_KEYS), "keys of {d}");
            let rule = d["rule"].as_str().expect("rule is a string");
            assert!(
                d["severity"] == ERROR || d["severity"] == WARNING,
                "severity of {d}"
            );
            assert!(d["message"].is_string(), "message of {d}");
            assert!(d["node"].is_string() || d["node"].is_null(), "node of {d}");
            assert!(d["edge"].is_string() || d["edge"].is_null(), "edge of {d}");
            assert!(d["line"].as_u64().is_some_and(|l| l >= 1), "line of {d}");
            assert!(
                d["column"].as_u64().is_some_and(|c| c >= 1),
                "column of {d}"
            );
            let rvf = matches!(rule, "chain-mismatch" | "resource-over-budget");
            assert_eq!(
                d["resource_validate_failed"].as_bool(),
                Some(rvf),
                "resource_validate_failed is true exactly for chain-mismatch and resource-over-budget: {d}"
            );
            assert_eq!(
                d["message"].as_str().unwrap().contains(RVF),
                rvf,
                "only chain-mismatch and resource-over-budget say {RVF:?}: {d}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Expected diagnostics

/// Validates one plan and checks exit code and diagnostics.
fn check(plan: &str, graph: &str, extra: &[&str], code: i32, wants: &[Want]) -> Value {
    let (got_code, doc) = validate_json(&[plan], Some(graph), extra);
    let what = format!("{plan} against {graph} {extra:?}");
    let file = &doc["files"][0];
    assert_diagnostics(&what, file, wants);
    assert_eq!(got_code, code, "{what}: exit code\n{doc:#}");
    assert_eq!(file["plan"], plan);
    assert_eq!(file["graph"], graph);
    assert_eq!(file["plan_format"], "blink");
    doc
}

/// A broken fixture against the job's stream graph.
fn check_case(job: &str, case: &str, code: i32, wants: &[Want]) -> Value {
    check(&broken(job, case), &stream_graph(job), &[], code, wants)
}

// ---------------------------------------------------------------------------------------------
// 1. plan init output is clean

#[test]
fn plan_init_output_is_clean_against_the_stream_graph() {
    for job in JOBS {
        let doc = check(&plan_file(job), &stream_graph(job), &[], 0, &[]);
        assert_eq!(doc["files"][0]["summary"]["errors"], 0);
        assert_eq!(doc["files"][0]["summary"]["vertices"], 3, "{job}: 3 chains");
    }
}

#[test]
fn plan_init_output_is_clean_against_the_rest_job_plan() {
    for job in JOBS {
        let doc = check(&plan_file(job), &job_plan(job), &[], 0, &[]);
        assert_eq!(doc["files"][0]["summary"]["errors"], 0);
    }
}

#[test]
fn plan_init_output_is_clean_against_job_details_and_a_changed_max_parallelism_warns() {
    // `plan init` writes the max parallelism the running job uses (Flink's default, 128 here).
    // A plan that says 32768 instead would make the job's state unrestorable: a warning per
    // node, never an error.
    for job in JOBS {
        let (code, doc) = validate_json(&[&plan_file(job)], Some(&job_details(job)), &[]);
        assert_eq!(code, 0, "{job}: {doc:#}");
        assert_eq!(
            doc["files"][0]["diagnostics"],
            serde_json::json!([]),
            "{job}"
        );

        let text = std::fs::read_to_string(plan_file(job)).unwrap();
        let changed = text.replace("\"maxParallelism\" : 128", "\"maxParallelism\" : 32768");
        assert_ne!(changed, text, "{job}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(&path, changed).unwrap();
        let (code, doc) = validate_json(&[path.to_str().unwrap()], Some(&job_details(job)), &[]);
        let file = &doc["files"][0];
        assert_eq!(code, 0, "{job}: {doc:#}");
        assert_eq!(file["summary"]["errors"], 0, "{job}");
        let diags = file["diagnostics"].as_array().unwrap();
        assert_eq!(
            diags.len() as u64,
            file["summary"]["nodes"].as_u64().unwrap()
        );
        for d in diags {
            assert_eq!(d["rule"], "parallelism-mismatch", "{d}");
            assert_eq!(d["severity"], WARNING, "{d}");
            assert!(
                d["message"]
                    .as_str()
                    .unwrap()
                    .contains("maxParallelism 32768"),
                "{d}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. One rule at a time

/// A graph node deleted from `nodes`. window_agg and datastream_pipeline also lose the node's
/// links: only `node-unplanned`. udf_bottleneck keeps them: each dangling link is additionally a
/// `plan-structure` error at the link's `{`.
#[test]
fn node_removed_is_node_unplanned() {
    check_case(
        "window_agg",
        "node-removed",
        1,
        &[err("node-unplanned", 2, 13).node("21").says(&[
            "job-graph node 21",
            "Calc[17]",
            "no entry in the plan",
        ])],
    );
    check_case(
        "udf_bottleneck",
        "node-removed",
        1,
        &[
            err("node-unplanned", 2, 13)
                .node("13")
                .says(&["job-graph node 13", "Calc[9]"]),
            err("plan-structure", 44, 6).edge("12->13").says(&[
                "link 12->13",
                "node 13",
                "not in the plan",
            ]),
            err("plan-structure", 48, 6).edge("13->15").says(&[
                "link 13->15",
                "node 13",
                "not in the plan",
            ]),
        ],
    );
    check_case(
        "datastream_pipeline",
        "node-removed",
        1,
        &[err("node-unplanned", 2, 13)
            .node("17")
            .says(&["job-graph node 17", "DataStreamToTable"])],
    );
}

/// A node whose id is not in the graph (99), added at the end, at the front and in the middle.
#[test]
fn foreign_id_is_node_missing() {
    for (job, line) in [
        ("window_agg", 75),
        ("udf_bottleneck", 12),
        ("datastream_pipeline", 57),
    ] {
        check_case(
            job,
            "foreign-id",
            1,
            &[err("node-missing", line, 6).node("99").says(&[
                "node 99",
                "Calc[99]",
                "does not exist in the job graph",
            ])],
        );
    }
}

#[test]
fn renamed_operator_is_node_mismatch() {
    check_case(
        "window_agg",
        "renamed",
        1,
        &[err("node-mismatch", 30, 6).node("17").says(&[
            "node mismatch",
            "\"Calc[19]\" in the plan",
            "\"Calc[13]\" in the job graph",
        ])],
    );
    check_case(
        "udf_bottleneck",
        "renamed",
        1,
        &[err("node-mismatch", 12, 6).node("12").says(&[
            "node mismatch",
            "PandasCalc[8]",
            "PythonCalc[8]",
        ])],
    );
    check_case(
        "datastream_pipeline",
        "renamed",
        1,
        &[err("node-mismatch", 30, 6).node("21").says(&[
            "node mismatch",
            "enrich_fast",
            "enrich_slow",
        ])],
    );
}

/// A link removed from `links`: the graph edge has no counterpart. There is no link object to
/// point at, so the position is the edge's target node.
#[test]
fn dropped_link_is_edge_missing() {
    for (job, line, node, edge, ship) in [
        ("window_agg", 30, "17", "16->17", "(FORWARD)"),
        ("udf_bottleneck", 30, "15", "13->15", "(HASH)"),
        ("datastream_pipeline", 21, "20", "1->20", "(FORWARD)"),
    ] {
        check_case(
            job,
            "link-dropped",
            1,
            &[err("edge-missing", line, 6).node(node).edge(edge).says(&[
                edge,
                ship,
                "missing from the plan's links",
            ])],
        );
    }
}

/// window_agg: HASH -> REBALANCE between two chains: a warning only, exit 0.
/// udf_bottleneck: FORWARD -> HASH inside the chain 12 -> 13: also cuts the chain in the plan.
/// datastream_pipeline: HASH -> FORWARD between 21 and 22: the plan now fuses two operators
/// the job cannot chain.
#[test]
fn changed_ship_strategy_is_edge_mismatch() {
    check_case(
        "window_agg",
        "strategy-changed",
        0,
        &[warn("edge-mismatch", 92, 6)
            .edge("18->20")
            .says(&["REBALANCE in the plan", "HASH in the job graph"])],
    );
    check_case(
        "udf_bottleneck",
        "strategy-changed",
        1,
        &[
            err("chain-mismatch", 21, 6)
                .node("13")
                .edge("12->13")
                .says(&[
                    "nodes 12 and 13 chain in the job",
                    "different chains",
                    "HASH, not FORWARD",
                    RVF,
                ]),
            warn("edge-mismatch", 53, 6)
                .edge("12->13")
                .says(&["HASH in the plan", "FORWARD in the job graph"]),
        ],
    );
    let doc = check_case(
        "datastream_pipeline",
        "strategy-changed",
        1,
        &[
            err("chain-mismatch", 39, 6)
                .node("22")
                .edge("21->22")
                .says(&[
                    "planned as one chain",
                    "cannot chain in the job",
                    "HASH",
                    RVF,
                ]),
            warn("edge-mismatch", 70, 6)
                .edge("21->22")
                .says(&["FORWARD in the plan", "HASH in the job graph"]),
        ],
    );
    // The plan fuses {21, 22, 17, 25}: 2 chains instead of 3.
    assert_eq!(doc["files"][0]["summary"]["vertices"], 2);
    assert_eq!(doc["files"][0]["summary"]["total_cu"], 0.75);
}

/// One node inside a multi-node chain gets a different parallelism: the plan splits a chain the
/// job keeps, once on each side of the node that has one.
#[test]
fn parallelism_changed_inside_a_chain_is_chain_mismatch() {
    let doc = check_case(
        "window_agg",
        "parallelism-in-chain",
        1,
        &[
            err("chain-mismatch", 30, 6)
                .node("17")
                .edge("16->17")
                .says(&["nodes 16 and 17", "parallelism differs: 2 vs 4", RVF]),
            err("chain-mismatch", 39, 6)
                .node("18")
                .edge("17->18")
                .says(&["nodes 17 and 18", "parallelism differs: 4 vs 2", RVF]),
        ],
    );
    assert_eq!(doc["files"][0]["summary"]["vertices"], 5);
    check_case(
        "udf_bottleneck",
        "parallelism-in-chain",
        1,
        &[err("chain-mismatch", 21, 6)
            .node("13")
            .edge("12->13")
            .says(&["nodes 12 and 13", "parallelism differs: 2 vs 3", RVF])],
    );
    check_case(
        "datastream_pipeline",
        "parallelism-in-chain",
        1,
        &[
            err("chain-mismatch", 12, 6)
                .node("17")
                .edge("22->17")
                .says(&["nodes 22 and 17", "parallelism differs: 2 vs 1", RVF]),
            err("chain-mismatch", 48, 6)
                .node("25")
                .edge("17->25")
                .says(&["nodes 17 and 25", "parallelism differs: 1 vs 2", RVF]),
        ],
    );
}

/// The unmodified plans cost 1.25 CU (1.25 cores; 3840, 2304 and 2560 MB).
#[test]
fn over_budget_is_resource_over_budget() {
    for (job, memory) in [
        ("window_agg", "3840 MB of memory (max 2048 MB)"),
        ("udf_bottleneck", "2304 MB of memory (max 2048 MB)"),
        ("datastream_pipeline", "2560 MB of memory (max 2048 MB)"),
    ] {
        let plan = plan_file(job);
        let graph = stream_graph(job);
        let doc = check(
            &plan,
            &graph,
            &["--max-cu", "1"],
            1,
            &[err("resource-over-budget", 2, 13)
                .says(&["1.25 CU, 1.25 cores but max CU is 1", RVF])],
        );
        assert!(!doc["files"][0]["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("MB"));
        assert_eq!(doc["files"][0]["summary"]["max_cu"], 1);
        assert_eq!(doc["files"][0]["summary"]["total_cu"], 1.25);

        let doc = check(
            &plan,
            &graph,
            &["--max-cu", "0.5"],
            1,
            &[err("resource-over-budget", 2, 13).says(&[
                "1.25 CU, 1.25 cores, ",
                memory,
                "max CU is 0.5",
                RVF,
            ])],
        );
        assert_eq!(doc["files"][0]["summary"]["max_cu"], 0.5);

        // Exactly at the budget is fine.
        check(&plan, &graph, &["--max-cu", "1.25"], 0, &[]);
    }
}

#[test]
fn negative_vcore_is_resource_invalid() {
    for (job, line, column, node, value) in [
        ("window_agg", 48, 6, "20", "vcore -0.25"),
        ("udf_bottleneck", 30, 6, "15", "vcore -1"),
        ("datastream_pipeline", 2, 15, "1", "vcore -0.5"),
    ] {
        check_case(
            job,
            "negative-vcore",
            1,
            &[err("resource-invalid", line, column)
                .node(node)
                .says(&[value, "must be a positive number of cores"])],
        );
    }
}

/// `"vcore" : NaN`, the bare token Jackson writes for a non-finite double.
#[test]
fn nan_vcore_token_is_resource_invalid() {
    for (job, line, node) in [
        ("window_agg", 39, "18"),
        ("udf_bottleneck", 12, "12"),
        ("datastream_pipeline", 39, "22"),
    ] {
        check_case(
            job,
            "nan",
            1,
            &[err("resource-invalid", line, 6).node(node).says(&[
                "vcore",
                "NaN",
                "not a finite number",
            ])],
        );
    }
}

/// `"heap_memory" : "NaN"`: numeric strings are coerced like the launcher does, and NaN is still
/// not a size.
#[test]
fn nan_heap_memory_string_is_resource_invalid() {
    for (job, line, node) in [
        ("window_agg", 39, "18"),
        ("udf_bottleneck", 12, "12"),
        ("datastream_pipeline", 39, "22"),
    ] {
        check_case(
            job,
            "nan-string",
            1,
            &[err("resource-invalid", line, 6)
                .node(node)
                .says(&["heap_memory", "NaN"])],
        );
    }
}

/// A node copied right after itself. Positions: the copy's `{`; the message names the line of
/// the first definition.
const DUPLICATES: [(&str, u64, &str, &str); 3] = [
    ("window_agg", 30, "16", "first defined on line 21"),
    ("udf_bottleneck", 48, "18", "first defined on line 39"),
    ("datastream_pipeline", 12, "1", "first defined on line 2"),
];

#[test]
fn duplicate_id_is_plan_structure() {
    for (job, line, node, first) in DUPLICATES {
        let (code, doc) = validate_json(
            &[&broken(job, "duplicate-id")],
            Some(&stream_graph(job)),
            &[],
        );
        assert_eq!(code, 1, "{job}: {doc:#}");
        let diags = doc["files"][0]["diagnostics"].as_array().unwrap();
        let found = diags
            .iter()
            .find(|d| d["rule"] == "plan-structure")
            .unwrap_or_else(|| panic!("{job}: no plan-structure finding in {doc:#}"));
        assert_eq!(
            key_of(found),
            err("plan-structure", line, 6).node(node).key(),
            "{job}"
        );
        let msg = found["message"].as_str().unwrap();
        assert!(msg.contains(&format!("duplicate node id {node}")), "{msg}");
        assert!(msg.contains(first), "{msg}");
    }
}

#[test]
fn duplicate_id_is_not_also_node_missing() {
    for (job, line, node, first) in DUPLICATES {
        for graph in [stream_graph(job), job_plan(job)] {
            check(
                &broken(job, "duplicate-id"),
                &graph,
                &[],
                1,
                &[err("plan-structure", line, 6)
                    .node(node)
                    .says(&["duplicate node id", first])],
            );
        }
    }
}

/// A link added that closes a cycle. The cycle is reported at its first node in file order; the
/// new link is also unknown to the graph.
#[test]
fn cycle_is_plan_structure() {
    for (job, node_line, node, cycle, link_line, link) in [
        (
            "window_agg",
            12,
            "15",
            "15 -> 16 -> 17 -> 18 -> 20 -> 21 -> 15",
            104,
            "21->15",
        ),
        ("udf_bottleneck", 12, "12", "12 -> 13 -> 12", 65, "13->12"),
        (
            "datastream_pipeline",
            12,
            "17",
            "17 -> 25 -> 22 -> 17",
            78,
            "25->22",
        ),
    ] {
        check_case(
            job,
            "cycle",
            1,
            &[
                err("plan-structure", node_line, 6)
                    .node(node)
                    .says(&["cycle", cycle]),
                err("edge-missing", link_line, 6)
                    .edge(link)
                    .says(&[link, "does not exist in the job graph"]),
            ],
        );
    }
}

/// `"nodes" : [ ]`, `"links" : [ ]`: the plan is empty, and every graph node is unplanned.
#[test]
fn empty_plan_is_plan_structure() {
    let graph_nodes: [(&str, &[&str]); 3] = [
        (
            "window_agg",
            &["13", "15", "16", "17", "18", "20", "21", "24"],
        ),
        ("udf_bottleneck", &["10", "12", "13", "15", "18"]),
        ("datastream_pipeline", &["1", "17", "20", "21", "22", "25"]),
    ];
    for (job, ids) in graph_nodes {
        let mut wants: Vec<Want> = ids
            .iter()
            .map(|id| err("node-unplanned", 2, 13).node(id))
            .collect();
        wants.push(err("plan-structure", 2, 13).says(&["the plan is empty"]));
        let doc = check_case(job, "empty", 1, &wants);
        let summary = &doc["files"][0]["summary"];
        assert_eq!(summary["nodes"], 0);
        assert_eq!(summary["vertices"], 0);
        assert_eq!(summary["total_cu"], 0);
    }
    // Without a graph only the structure finding remains.
    let (code, doc) = validate_json(&[&broken("window_agg", "empty")], None, &[]);
    assert_eq!(code, 1);
    assert_diagnostics(
        "empty without graph",
        &doc["files"][0],
        &[err("plan-structure", 2, 13).says(&["the plan is empty"])],
    );
}

/// `"chainingStrategy" : "HEAD"` on a non-source node inside a chain is a recorded, deliberate
/// cut: it costs one more chain (0.5 CU here) but is not a chain-mismatch, against either graph.
#[test]
fn deliberate_head_cut_is_not_chain_mismatch() {
    for job in JOBS {
        let plan = broken(job, "head-cut");
        for graph in [stream_graph(job), job_plan(job)] {
            let doc = check(&plan, &graph, &[], 0, &[]);
            let summary = &doc["files"][0]["summary"];
            assert_eq!(summary["vertices"], 4, "{job}: one more chain");
            assert_eq!(summary["total_cu"], 1.75, "{job}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Against the REST job plan, plan nodes are matched by name.

#[test]
fn broken_plans_against_the_rest_job_plan() {
    check(
        &broken("window_agg", "node-removed"),
        &job_plan("window_agg"),
        &[],
        1,
        &[err("node-unplanned", 2, 13)
            .node("44cfc1ca74b40bb44eed1f38f72b3ea9#1")
            .says(&["[17]:Calc", "job vertex 44cfc1ca74b40bb44eed1f38f72b3ea9"])],
    );
    // A different SQL planner id is a different operator.
    check(
        &broken("window_agg", "renamed"),
        &job_plan("window_agg"),
        &[],
        1,
        &[
            err("node-unplanned", 2, 13)
                .node("20ba6b65f97481d5570070de90e4e791#2")
                .says(&["[13]:Calc"]),
            err("node-missing", 30, 6).node("17").says(&[
                "node 17",
                "Calc[19]",
                "does not exist in the job graph",
            ]),
        ],
    );
    check(
        &broken("window_agg", "parallelism-in-chain"),
        &job_plan("window_agg"),
        &[],
        1,
        &[
            err("chain-mismatch", 30, 6)
                .node("17")
                .edge("16->17")
                .says(&[RVF]),
            err("chain-mismatch", 39, 6)
                .node("18")
                .edge("17->18")
                .says(&[RVF]),
        ],
    );
}

#[test]
fn renamed_operator_with_the_same_planner_id_is_node_mismatch_against_the_rest_job_plan() {
    check(
        &broken("udf_bottleneck", "renamed"),
        &job_plan("udf_bottleneck"),
        &[],
        1,
        &[err("node-mismatch", 12, 6).node("12").says(&[
            "node mismatch",
            "PandasCalc",
            "PythonCalc",
        ])],
    );
}

// ---------------------------------------------------------------------------------------------
// Exit codes, several plans, the JSON document, text mode

#[test]
fn deny_warnings_turns_a_warning_only_result_into_exit_1() {
    let plan = broken("window_agg", "strategy-changed");
    let graph = stream_graph("window_agg");
    let (code, doc) = validate_json(&[&plan], Some(&graph), &[]);
    assert_eq!(code, 0, "{doc:#}");
    let (code, doc) = validate_json(&[&plan], Some(&graph), &["--deny-warnings"]);
    assert_eq!(code, 1, "{doc:#}");
    // The document agrees with the exit code: no error, one warning, and not `ok`.
    assert_eq!(doc["files"][0]["ok"], false);
    assert_eq!(doc["files"][0]["summary"]["errors"], 0);
    assert_eq!(doc["files"][0]["summary"]["warnings"], 1);
    let (_, doc) = validate_json(&[&plan], Some(&graph), &[]);
    assert_eq!(doc["files"][0]["ok"], true);
    // A clean plan stays 0.
    let (code, _) = validate_json(
        &[&plan_file("window_agg")],
        Some(&graph),
        &["--deny-warnings"],
    );
    assert_eq!(code, 0);
    // Text mode too.
    cmd()
        .args([
            "plan",
            "validate",
            &plan,
            "--graph",
            &graph,
            "--deny-warnings",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[edge-mismatch]"))
        .stdout(predicate::str::contains("FAILED"));
}

#[test]
fn several_plans_exit_with_the_worst_code() {
    let graph = stream_graph("window_agg");
    let clean = plan_file("window_agg");
    let warning = broken("window_agg", "strategy-changed");
    let error = broken("window_agg", "renamed");
    let missing = "fixtures/broken/window_agg/does-not-exist.plan.json";

    let (code, doc) = validate_json(&[&clean, &warning], Some(&graph), &[]);
    assert_eq!(code, 0, "{doc:#}");
    let (code, _) = validate_json(&[&clean, &warning], Some(&graph), &["--deny-warnings"]);
    assert_eq!(code, 1);

    let (code, doc) = validate_json(&[&clean, &warning, &error], Some(&graph), &[]);
    assert_eq!(code, 1, "{doc:#}");
    let files = doc["files"].as_array().unwrap();
    let order: Vec<&str> = files.iter().map(|f| f["plan"].as_str().unwrap()).collect();
    assert_eq!(order, [clean.as_str(), warning.as_str(), error.as_str()]);
    let ok: Vec<bool> = files.iter().map(|f| f["ok"].as_bool().unwrap()).collect();
    assert_eq!(ok, [true, true, false]);
    assert_diagnostics(
        "error file",
        &files[2],
        &[err("node-mismatch", 30, 6).node("17")],
    );

    // The error may come first: the worst code still wins.
    let (code, _) = validate_json(&[&error, &clean], Some(&graph), &[]);
    assert_eq!(code, 1);

    // An unreadable plan is exit 2, worse than findings; the others are still reported.
    let (code, doc) = validate_json(&[&error, missing, &clean], Some(&graph), &[]);
    assert_eq!(code, 2, "{doc:#}");
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files[1]["plan"], missing);
    assert!(files[1]["summary"].is_null());
    assert_eq!(files[0]["summary"]["errors"], 1);
    assert_eq!(files[2]["ok"], true);
}

#[test]
fn json_document_shape() {
    let graph = stream_graph("window_agg");
    let (code, doc) = validate_json(
        &[
            &plan_file("window_agg"),
            &broken("window_agg", "parallelism-in-chain"),
        ],
        Some(&graph),
        &["--max-cu", "2"],
    );
    assert_eq!(code, 1);
    assert_eq!(doc["planscale_version"], env!("CARGO_PKG_VERSION"));
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files[0]["summary"]["total_cu"], 1.25);
    assert_eq!(files[0]["summary"]["total_cpu"], 1.25);
    assert_eq!(files[0]["summary"]["total_memory_mb"], 3840);
    assert_eq!(files[0]["summary"]["max_cu"], 2);
    assert_eq!(files[0]["summary"]["nodes"], 8);
    assert_eq!(files[0]["summary"]["vertices"], 3);
    assert_eq!(files[0]["error"], Value::Null);
    // Split chains cost more: {15,16} {17} {18} at p=2 and p=4.
    assert_eq!(files[1]["summary"]["total_cu"], 2.75);
    let d = &files[1]["diagnostics"];
    let rules: Vec<&str> = d
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["resource-over-budget", "chain-mismatch", "chain-mismatch"]
    );
    assert_eq!(d[0]["resource_validate_failed"], true);
    assert_eq!(d[0]["node"], Value::Null);
    assert_eq!(d[0]["edge"], Value::Null);
    assert_eq!(
        (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
        (Some(2), Some(13))
    );
    assert_eq!(d[1]["resource_validate_failed"], true);
    assert_eq!(d[1]["node"], "17");
    assert_eq!(d[1]["edge"], "16->17");
    assert_eq!(d[1]["severity"], ERROR);

    // Without --graph: `graph` is null and only the plan's own rules run.
    let (code, doc) = validate_json(&[&broken("window_agg", "renamed")], None, &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["files"][0]["graph"], Value::Null);
    assert_eq!(doc["files"][0]["summary"]["max_cu"], Value::Null);
}

#[test]
fn text_mode_prints_file_line_col_severity_rule_message() {
    let graph = stream_graph("window_agg");
    let renamed = broken("window_agg", "renamed");
    cmd()
        .args(["plan", "validate", &renamed, "--graph", &graph])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{renamed}:30:6: error[node-mismatch]: node mismatch: node 17 is \"Calc[19]\" in the plan but \"Calc[13]\" in the job graph\n"
        )));
    let changed = broken("window_agg", "strategy-changed");
    cmd()
        .args(["plan", "validate", &changed, "--graph", &graph])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "{changed}:92:6: warning[edge-mismatch]: link 18->20 is REBALANCE in the plan but HASH in the job graph\n"
        )));
    let plan = plan_file("window_agg");
    cmd()
        .args(["plan", "validate", &plan, "--graph", &graph, "--max-cu", "1"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{plan}:2:13: error[resource-over-budget]: the plan needs 1.25 CU, 1.25 cores but max CU is 1: {RVF}"
        )));
    let removed = broken("udf_bottleneck", "node-removed");
    cmd()
        .args([
            "plan",
            "validate",
            &removed,
            "--graph",
            &stream_graph("udf_bottleneck"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{removed}:2:13: error[node-unplanned]: "
        )))
        .stdout(predicate::str::contains(format!(
            "{removed}:44:6: error[plan-structure]: link 12->13 refers to node 13"
        )));
    // A clean plan prints no diagnostic line at all.
    cmd()
        .args(["plan", "validate", &plan, "--graph", &graph])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!("{plan}:")).not());
}

const CASES: [&str; 13] = [
    "node-removed",
    "foreign-id",
    "renamed",
    "link-dropped",
    "strategy-changed",
    "parallelism-in-chain",
    "negative-vcore",
    "nan",
    "nan-string",
    "duplicate-id",
    "cycle",
    "empty",
    "head-cut",
];

/// For every fixture, the text-mode lines are the JSON diagnostics, one for one, and both modes
/// agree on the exit code.
#[test]
fn text_lines_match_json_diagnostics_for_every_fixture() {
    for job in JOBS {
        for case in CASES {
            let plan = broken(job, case);
            let graph = stream_graph(job);
            let (json_code, doc) = validate_json(&[&plan], Some(&graph), &[]);
            let expected: Vec<String> = doc["files"][0]["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    format!(
                        "{plan}:{}:{}: {}[{}]: {}",
                        d["line"],
                        d["column"],
                        d["severity"].as_str().unwrap(),
                        d["rule"].as_str().unwrap(),
                        d["message"].as_str().unwrap()
                    )
                })
                .collect();
            let out = planscale(&["plan", "validate", &plan, "--graph", &graph]);
            let prefix = format!("{plan}:");
            let lines: Vec<&str> = out
                .stdout
                .lines()
                .filter(|l| l.starts_with(&prefix))
                .collect();
            assert_eq!(lines, expected, "{plan}\n{}", out.stdout);
            assert_eq!(out.code, json_code, "{plan}: text and JSON exit codes");
            assert!(out.stderr.is_empty(), "{plan}: stderr {:?}", out.stderr);
        }
    }
}

/// Across the three jobs the fixtures exercise every rule the cases target.
#[test]
fn every_targeted_rule_is_exercised() {
    let mut seen = BTreeSet::new();
    for job in JOBS {
        for case in CASES {
            let (_, doc) = validate_json(&[&broken(job, case)], Some(&stream_graph(job)), &[]);
            for d in doc["files"][0]["diagnostics"].as_array().unwrap() {
                seen.insert(d["rule"].as_str().unwrap().to_string());
            }
        }
    }
    let (_, doc) = validate_json(
        &[&plan_file("window_agg")],
        Some(&stream_graph("window_agg")),
        &["--max-cu", "1"],
    );
    for d in doc["files"][0]["diagnostics"].as_array().unwrap() {
        seen.insert(d["rule"].as_str().unwrap().to_string());
    }
    for rule in [
        "node-missing",
        "node-unplanned",
        "node-mismatch",
        "edge-missing",
        "edge-mismatch",
        "chain-mismatch",
        "resource-over-budget",
        "resource-invalid",
        "plan-structure",
    ] {
        assert!(seen.contains(rule), "{rule} not exercised; seen {seen:?}");
    }
}

#[test]
fn a_sink_v2_writer_may_be_an_operator_or_a_sink_in_the_plan() {
    // Flink 2.3's own execution plan says `pact: "Operator"` for `window_sink[18]: Writer`; by
    // shape it is the job's sink. A plan may call it either: both are clean, against the stream
    // graph and against the REST job plan.
    for graph in [stream_graph("window_agg"), job_plan("window_agg")] {
        check(
            &broken("window_agg", "writer-as-operator"),
            &graph,
            &[],
            0,
            &[],
        );
        check(&plan_file("window_agg"), &graph, &[], 0, &[]);
    }
    // Calling it a source is still a mismatch, named against what the graph says of it.
    let doc = check_case(
        "window_agg",
        "writer-as-source",
        1,
        &[err("node-mismatch", 66, 6).node("24")],
    );
    let msg = doc["files"][0]["diagnostics"][0]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        msg,
        "node mismatch: node 24 is a source in the plan but an operator in the job graph"
    );
}

#[test]
fn a_graph_given_as_the_plan_gets_a_hint_that_works() {
    // Every hint names a command that works on that very file.
    for (graph, hint_cmd) in [
        (
            job_plan("udf_bottleneck"),
            vec![
                "plan",
                "init",
                "--graph",
                "GRAPH",
                "--plan-format",
                "expert",
            ],
        ),
        (
            stream_graph("udf_bottleneck"),
            vec!["plan", "init", "--graph", "GRAPH"],
        ),
    ] {
        let out = planscale(&["plan", "validate", &graph]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        let shown = format!(
            "`planscale {}`",
            hint_cmd.join(" ").replace("GRAPH", &graph)
        );
        assert!(out.stderr.contains(&shown), "{}", out.stderr);
        let args: Vec<&str> = hint_cmd
            .iter()
            .map(|a| if *a == "GRAPH" { graph.as_str() } else { a })
            .collect();
        let run = planscale(&args);
        assert_eq!(run.code, 0, "{shown}: {}", run.stderr);
    }
}
