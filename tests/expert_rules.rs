//! `planscale plan validate` end to end on expert-mode plans (formats.md §2, Format B).
//!
//! The clean inputs are the `plan init --plan-format expert` outputs in fixtures/expert/ and the
//! spec's §2.5 example. Every broken case is a minimal hand edit of a `plan init` output, committed
//! as fixtures/expert/broken/<job>/<case>.expert.json in the same pretty style, and checked against
//! the job's stream graph (fixtures/lab/<job>/execution_plan.json) unless said otherwise. For each
//! case the test pins the complete list of diagnostics (rule, severity, line, column, node, edge),
//! key words of each message, the summary counts and the exit code.
//!
//! Positions are the 1-based line and column of the offending object's `{` (node, edge or
//! slot-sharing-group profile), of a vertex's key, or of the `nodes` array's `[` for file-level
//! findings (an unplanned graph node). In the `plan init` style the `[` of `nodes` is at 12:12,
//! the first profile's `{` at 3:5 and node k's `{` at line 13 + 11 (k - 1), column 5.
//!
//! fixtures/expert/wrapped/ holds the same plans embedded as escaped JSON strings in API
//! responses (positions then refer to the outer file), fixtures/expert/memory/ a plan spelling
//! memory sizes in every accepted way.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{
    assert_diagnostics, err, job_details, job_plan, planscale, stream_graph, warn, Want,
    DIAGNOSTIC_KEYS, ERROR, WARNING,
};
use serde_json::Value;

const JOBS: [&str; 3] = ["window_agg", "udf_bottleneck", "datastream_pipeline"];

/// The console's own words, which `chain-mismatch` must carry.
const RVF: &str = "resource validate failed";

const NODES_ARRAY: (u64, u64) = (12, 12);
const FIRST_PROFILE: (u64, u64) = (3, 5);

/// The rules §2.6 defines for expert plans.
const EXPERT_RULES: [&str; 6] = [
    "plan-structure",
    "parallelism-invalid",
    "resource-invalid",
    "chain-mismatch",
    "node-missing",
    "node-unplanned",
];

/// Fixtures whose expected diagnostics are not (yet) produced; their tests are ignored.
const KNOWN_BUGS: [(&str, &str); 4] = [
    ("window_agg", "unjoined-vertex"),
    ("window_agg", "managed-negative-bytes"),
    ("udf_bottleneck", "off-heap-negative-bytes"),
    ("datastream_pipeline", "parallelism-above-32768"),
];

// ---------------------------------------------------------------------------------------------
// Running the binary

/// `plan validate PLAN [--graph GRAPH] EXTRA... --format json`: exit code and parsed stdout,
/// checked against the JSON contract on the way.
fn validate_json(plan: &str, graph: Option<&str>, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["plan", "validate", plan];
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
    check_contract(&doc);
    (out.code, doc)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn expert_plan(job: &str) -> String {
    format!("fixtures/expert/{job}.expert.json")
}

fn broken(job: &str, case: &str) -> String {
    format!("fixtures/expert/broken/{job}/{case}.expert.json")
}

fn graphs(job: &str) -> [String; 3] {
    [job_details(job), job_plan(job), stream_graph(job)]
}

/// The text of `path` from 1-based `line`, character `column` to the end of that line.
fn text_at(path: &str, line: u64, column: u64) -> String {
    let text = read(path);
    let l = text
        .lines()
        .nth(line as usize - 1)
        .unwrap_or_else(|| panic!("{path} has no line {line}"));
    l.chars().skip(column as usize - 1).collect()
}

// ---------------------------------------------------------------------------------------------
// The JSON contract (spec/outputs.md)

fn check_contract(doc: &Value) {
    assert_eq!(
        doc["planscale_version"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "planscale_version in {doc:#}"
    );
    let files = doc["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 1, "one entry per PLAN argument");
    for f in files {
        let diags = f["diagnostics"]
            .as_array()
            .expect("diagnostics is an array");
        let Some(summary) = f["summary"].as_object() else {
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
        assert_eq!(f["ok"], count(ERROR) == 0, "ok means no error: {f:#}");
        for d in diags {
            let keys: BTreeSet<&str> = d
                .as_object()
                .expect("a diagnostic is an object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, BTreeSet::from(DIAGNOSTIC_KEYS), "keys of {d}");
            let rule = d["rule"].as_str().expect("rule is a string");
            assert!(d["severity"] == ERROR || d["severity"] == WARNING, "{d}");
            assert!(d["line"].as_u64().is_some_and(|l| l >= 1), "line of {d}");
            assert!(
                d["column"].as_u64().is_some_and(|c| c >= 1),
                "column of {d}"
            );
            // The Blink console's verdict: only Blink plans get it (these are expert plans).
            let rvf = f["plan_format"] == "blink"
                && matches!(rule, "chain-mismatch" | "resource-over-budget");
            assert_eq!(d["resource_validate_failed"].as_bool(), Some(rvf), "{d}");
            assert_eq!(d["message"].as_str().unwrap().contains(RVF), rvf, "{d}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Expected diagnostics

/// An error at node k's `{` in the `plan init` layout.
fn at_node(rule: &'static str, k: u64) -> Want {
    err(rule, 13 + 11 * (k - 1), 5)
}

/// Every position in a (not wrapped) plan file points at an object's `{`, the `nodes` array's
/// `[` or a vertex key's opening quote.
fn assert_positions_point_at_json(plan: &str, file: &Value) {
    for d in file["diagnostics"].as_array().unwrap() {
        let (line, column) = (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
        let text = text_at(plan, line, column);
        let first = text.chars().next();
        let ok = match first {
            Some('{') => true,
            Some('[') => (line, column) == NODES_ARRAY,
            Some('"') => {
                d["rule"] == "plan-structure" && d["message"].as_str().unwrap().contains("vertex")
            }
            _ => false,
        };
        assert!(ok, "{plan}:{line}:{column} points at {text:?} for {d}");
    }
}

/// Validates one plan and checks exit code, diagnostics and the file entry.
fn check(plan: &str, graph: Option<&str>, code: i32, wants: &[Want]) -> Value {
    let (got_code, doc) = validate_json(plan, graph, &[]);
    let what = format!("{plan} against {graph:?}");
    let file = &doc["files"][0];
    assert_diagnostics(&what, file, wants);
    assert_eq!(got_code, code, "{what}: exit code\n{doc:#}");
    assert_eq!(file["plan"], plan);
    assert_eq!(file["graph"].as_str(), graph);
    assert_eq!(file["plan_format"], "expert");
    if !plan.contains("/wrapped/") {
        assert_positions_point_at_json(plan, file);
    }
    file.clone()
}

/// A broken fixture against the job's stream graph.
fn check_case(job: &str, case: &str, code: i32, wants: &[Want]) -> Value {
    check(&broken(job, case), Some(&stream_graph(job)), code, wants)
}

// ---------------------------------------------------------------------------------------------
// 1. plan init output and the spec example are clean

#[test]
fn plan_init_expert_plans_are_clean_against_every_graph_of_their_job() {
    for job in JOBS {
        let plan = expert_plan(job);
        for graph in graphs(job) {
            let file = check(&plan, Some(&graph), 0, &[]);
            let s = &file["summary"];
            assert_eq!(s["vertices"], 3, "{job} vs {graph}: 3 chains");
            // One group, slots = max parallelism 2, per slot max(0.5, 1088 / 4096) = 0.5 CU.
            assert_eq!(s["total_cu"].as_f64(), Some(1.0), "{job} vs {graph}");
            assert_eq!(s["total_cpu"].as_f64(), Some(1.0), "{job} vs {graph}");
            assert_eq!(
                s["total_memory_mb"].as_f64(),
                Some(2176.0),
                "{job} vs {graph}"
            );
        }
        check(&plan, None, 0, &[]);
    }
}

#[test]
fn spec_example_is_clean_and_four_cu() {
    let file = check("fixtures/spec/expert_example.plan.json", None, 0, &[]);
    let s = &file["summary"];
    assert_eq!(s["nodes"], 4);
    assert_eq!(s["vertices"], 2);
    // §2.5: one SSG, slots = max(4, 8) = 8, per slot max(0.5, 1088 MiB / 4096 MiB) = 0.5 CU.
    assert_eq!(s["total_cu"].as_f64(), Some(4.0));
    assert_eq!(s["total_cpu"].as_f64(), Some(4.0));
    assert_eq!(s["total_memory_mb"].as_f64(), Some(8.0 * 1088.0));
}

// ---------------------------------------------------------------------------------------------
// 2. plan-structure

/// window_agg: a copy of node 8 appended (the copy is in no vertex). udf_bottleneck: node 3
/// renumbered 2 in place, so its vertex entry and both its edges now name a missing node 3 and
/// the graph's Calc[9] has no plan entry.
#[test]
fn duplicate_node_id_is_plan_structure() {
    check_case(
        "window_agg",
        "duplicate-id",
        1,
        &[
            err("plan-structure", 101, 5)
                .node("8")
                .says(&["duplicate node id 8", "first defined on line 90"]),
            err("plan-structure", 101, 5)
                .node("8")
                .says(&["node 8 is in no vertex"]),
        ],
    );
    let cascade = |unplanned: Want| {
        vec![
            unplanned,
            at_node("plan-structure", 3)
                .node("2")
                .says(&["duplicate node id 2", "first defined on line 24"]),
            at_node("plan-structure", 3)
                .node("2")
                .says(&["node 2 is in no vertex"]),
            err("plan-structure", 70, 5).edge("2->3").says(&[
                "link 2->3",
                "node 3",
                "not in the plan",
            ]),
            err("plan-structure", 88, 5).edge("3->4").says(&[
                "link 3->4",
                "node 3",
                "not in the plan",
            ]),
            err("plan-structure", 99, 5).says(&[
                "vertex 20ba6b65f97481d5570070de90e4e791",
                "lists node 3",
                "not in the plan",
            ]),
        ]
    };
    let (l, c) = NODES_ARRAY;
    check_case(
        "udf_bottleneck",
        "duplicate-id",
        1,
        &cascade(err("node-unplanned", l, c).node("13").says(&["Calc[9]"])),
    );
    // Against the job plan the unplanned operator is named by its vertex and position.
    check(
        &broken("udf_bottleneck", "duplicate-id"),
        Some(&job_details("udf_bottleneck")),
        1,
        &cascade(
            err("node-unplanned", l, c)
                .node("20ba6b65f97481d5570070de90e4e791#1")
                .says(&["Calc[9]", "job vertex 20ba6b65f97481d5570070de90e4e791"]),
        ),
    );
}

/// An edge's target changed to a node that does not exist: the edge is a structure error, and
/// the graph's edge it stood for is missing from the plan.
#[test]
fn edge_to_unknown_node_is_plan_structure() {
    check_case(
        "window_agg",
        "edge-unknown-node",
        1,
        &[
            at_node("edge-missing", 8)
                .node("8")
                .edge("7->8")
                .says(&["edge 7->8", "missing from the plan's links"]),
            // Node 8 stays in vertex [6, 7, 8] with no edge joining it any more.
            at_node("chain-mismatch", 8)
                .node("8")
                .says(&["no edge joins it"]),
            err("plan-structure", 127, 5).edge("7->9").says(&[
                "link 7->9",
                "node 9",
                "not in the plan",
            ]),
        ],
    );
    check_case(
        "datastream_pipeline",
        "edge-unknown-node",
        1,
        &[
            at_node("edge-missing", 6)
                .node("6")
                .edge("5->6")
                .says(&["edge 5->6", "missing from the plan's links"]),
            at_node("chain-mismatch", 6)
                .node("6")
                .says(&["no edge joins it"]),
            err("plan-structure", 93, 5).edge("5->60").says(&[
                "link 5->60",
                "node 60",
                "not in the plan",
            ]),
        ],
    );
}

/// Node 8 dropped from its vertex's list: in no vertex, and its FORWARD edge from node 7 now
/// crosses vertices although Flink chains it.
#[test]
fn node_in_no_vertex_is_plan_structure() {
    check_case(
        "window_agg",
        "node-in-no-vertex",
        1,
        &[
            at_node("chain-mismatch", 8).node("8").edge("7->8").says(&[
                "nodes 7 and 8 are in different vertices",
                "Flink chains them",
            ]),
            at_node("chain-mismatch", 8)
                .node("8")
                .edge("7->8")
                .says(&["chain in the job", "different chains"]),
            at_node("plan-structure", 8)
                .node("8")
                .says(&["node 8 is in no vertex"]),
        ],
    );
}

/// Node 5 also listed in the source's vertex.
#[test]
fn node_in_two_vertices_is_plan_structure() {
    check_case(
        "udf_bottleneck",
        "node-in-two-vertices",
        1,
        &[at_node("plan-structure", 5)
            .node("5")
            .says(&["node 5 is in 2 vertices"])],
    );
}

/// A vertex key that is not a JobVertexID: a name, a non-hex character, 33 characters.
#[test]
fn vertex_key_not_32_hex_is_plan_structure() {
    check_case(
        "window_agg",
        "vertex-key-not-hex",
        1,
        &[err("plan-structure", 156, 5).says(&["\"sink-chain\"", "32-character hex"])],
    );
    check_case(
        "udf_bottleneck",
        "vertex-key-not-hex",
        1,
        &[err("plan-structure", 99, 5)
            .says(&["\"20ba6b65f97481d5570070de90e4e79g\"", "32-character hex"])],
    );
    check_case(
        "datastream_pipeline",
        "vertex-key-too-long",
        1,
        &[err("plan-structure", 117, 5)
            .says(&["\"9dd63673dd41ea021b896d5203f3ba7c0\"", "32-character hex"])],
    );
    // The same finding against the job plan; the vertex is then matched by name.
    check(
        &broken("datastream_pipeline", "vertex-key-too-long"),
        Some(&job_plan("datastream_pipeline")),
        1,
        &[err("plan-structure", 117, 5).says(&["32-character hex"])],
    );
}

/// A node alone in its vertex moved to a group that has no profile.
#[test]
fn group_not_in_ssg_profiles_is_plan_structure() {
    check_case(
        "window_agg",
        "group-unknown",
        1,
        &[at_node("plan-structure", 1).node("1").says(&[
            "node 1",
            "profile.group \"sources\"",
            "not in ssgProfiles",
        ])],
    );
    check_case(
        "datastream_pipeline",
        "group-unknown",
        1,
        &[at_node("plan-structure", 3).node("3").says(&[
            "node 3",
            "profile.group \"enrich\"",
            "not in ssgProfiles",
        ])],
    );
}

/// A second profile named `default`, inserted after the first (so at 11:5).
#[test]
fn duplicate_ssg_name_is_plan_structure() {
    check_case(
        "datastream_pipeline",
        "duplicate-ssg",
        1,
        &[err("plan-structure", 11, 5)
            .says(&["duplicate slot-sharing group \"default\"", "also on line 3"])],
    );
}

// ---------------------------------------------------------------------------------------------
// 2. parallelism-invalid

#[test]
fn parallelism_above_max_parallelism_is_parallelism_invalid() {
    // The source is alone in its vertex: only the bound is violated.
    let file = check_case(
        "udf_bottleneck",
        "parallelism-above-max",
        1,
        &[at_node("parallelism-invalid", 1)
            .node("1")
            .says(&["node 1", "parallelism 129 exceeds maxParallelism 128"])],
    );
    // The group needs 129 slots of 0.5 CU.
    assert_eq!(file["summary"]["total_cu"].as_f64(), Some(64.5));
    // The sink shares a vertex with node 7: the vertex is no longer a chain either.
    let file = check_case(
        "window_agg",
        "parallelism-above-max",
        1,
        &[
            at_node("chain-mismatch", 8).node("8").edge("7->8").says(&[
                "nodes 7 and 8 share a vertex",
                "parallelism differs: 2 vs 200",
            ]),
            at_node("parallelism-invalid", 8)
                .node("8")
                .says(&["node 8", "parallelism 200 exceeds maxParallelism 128"]),
        ],
    );
    assert_eq!(file["summary"]["total_cu"].as_f64(), Some(100.0));
}

#[test]
fn parallelism_below_min_parallelism_or_one_is_parallelism_invalid() {
    check_case(
        "window_agg",
        "parallelism-below-min",
        1,
        &[at_node("parallelism-invalid", 1)
            .node("1")
            .says(&["parallelism 1 is below minParallelism 2"])],
    );
    check_case(
        "udf_bottleneck",
        "parallelism-zero",
        1,
        &[at_node("parallelism-invalid", 1)
            .node("1")
            .says(&["parallelism 0 is below 1"])],
    );
    check_case(
        "datastream_pipeline",
        "min-parallelism-zero",
        1,
        &[at_node("parallelism-invalid", 2)
            .node("2")
            .says(&["minParallelism 0 is below 1"])],
    );
}

#[test]
fn max_parallelism_above_32768_is_parallelism_invalid() {
    check_case(
        "datastream_pipeline",
        "max-parallelism-too-large",
        1,
        &[at_node("parallelism-invalid", 3)
            .node("3")
            .says(&["maxParallelism 40000 is outside 1..=32768"])],
    );
}

/// §2.6: `1 ≤ … ≤ 32768` bounds parallelism too, even when `maxParallelism` is absent.
#[test]
fn parallelism_above_32768_without_max_parallelism_is_parallelism_invalid() {
    check_case(
        "datastream_pipeline",
        "parallelism-above-32768",
        1,
        &[at_node("parallelism-invalid", 3)
            .node("3")
            .says(&["parallelism 40000"])],
    );
}

// ---------------------------------------------------------------------------------------------
// 2. resource-invalid (reported at the slot-sharing group's `{`)

fn at_profile(rule: &'static str) -> Want {
    err(rule, FIRST_PROFILE.0, FIRST_PROFILE.1)
}

#[test]
fn cpu_zero_or_negative_is_resource_invalid() {
    check_case(
        "window_agg",
        "cpu-zero",
        1,
        &[at_profile("resource-invalid").says(&[
            "slot-sharing group \"default\"",
            "cpu 0",
            "positive number of cores",
        ])],
    );
    check_case(
        "udf_bottleneck",
        "cpu-negative",
        1,
        &[at_profile("resource-invalid").says(&["cpu -1", "positive number of cores"])],
    );
}

#[test]
fn zero_heap_is_resource_invalid() {
    let file = check_case(
        "window_agg",
        "heap-zero",
        1,
        &[at_profile("resource-invalid").says(&["heap must be positive"])],
    );
    // Only the off-heap 64 MB is left per slot.
    assert_eq!(file["summary"]["total_memory_mb"].as_f64(), Some(128.0));
}

#[test]
fn unparsable_memory_is_resource_invalid() {
    check_case(
        "udf_bottleneck",
        "heap-unparsable",
        1,
        &[at_profile("resource-invalid").says(&["heap \"lots\" is not a memory size"])],
    );
    check_case(
        "udf_bottleneck",
        "managed-unparsable",
        1,
        &[at_profile("resource-invalid").says(&["managed \"lots\" is not a memory size"])],
    );
}

#[test]
fn negative_memory_string_is_resource_invalid() {
    check_case(
        "datastream_pipeline",
        "heap-negative",
        1,
        &[at_profile("resource-invalid").says(&["heap \"-1 mb\""])],
    );
    check_case(
        "datastream_pipeline",
        "off-heap-negative",
        1,
        &[at_profile("resource-invalid").says(&["offHeap \"-1 mb\""])],
    );
}

/// A bare number is bytes (Flink's grammar, accepted by the reader); a negative one is negative
/// memory, which §2.6 makes `resource-invalid` like "-1 mb". Here `"offHeap": -67108864`.
#[test]
fn negative_off_heap_number_is_resource_invalid() {
    check_case(
        "udf_bottleneck",
        "off-heap-negative-bytes",
        1,
        &[at_profile("resource-invalid").says(&["offHeap"])],
    );
}

/// The same inside `managed`: `{"state": -33554432}`.
#[test]
fn negative_managed_number_is_resource_invalid() {
    check_case(
        "window_agg",
        "managed-negative-bytes",
        1,
        &[at_profile("resource-invalid").says(&["managed"])],
    );
}

// ---------------------------------------------------------------------------------------------
// 2. chain-mismatch (§2.4)

#[test]
fn vertex_with_unequal_parallelism_is_chain_mismatch() {
    check_case(
        "udf_bottleneck",
        "parallelism-differs-in-vertex",
        1,
        &[at_node("chain-mismatch", 3).node("3").edge("2->3").says(&[
            "nodes 2 and 3 share a vertex",
            "parallelism differs: 2 vs 3",
        ])],
    );
}

#[test]
fn vertex_across_a_hash_or_batch_edge_is_chain_mismatch() {
    // The edge inside a vertex turned HASH: the job graph still says FORWARD (a warning).
    check_case(
        "window_agg",
        "hash-edge-in-vertex",
        1,
        &[
            at_node("chain-mismatch", 4).node("4").edge("3->4").says(&[
                "nodes 3 and 4 share a vertex",
                "the edge is HASH, not FORWARD",
            ]),
            warn("edge-mismatch", 109, 5)
                .edge("3->4")
                .says(&["link 3->4 is HASH in the plan but FORWARD in the job graph"]),
        ],
    );
    // Two vertices joined across the job's HASH edge (node 3 moved into the sink's vertex):
    // wrong on its own and against the job.
    let merged = |job_says: &'static str| {
        vec![
            at_node("chain-mismatch", 4)
                .node("4")
                .edge("3->4")
                .says(&["nodes 3 and 4 are planned as one chain", job_says]),
            at_node("chain-mismatch", 4).node("4").edge("3->4").says(&[
                "nodes 3 and 4 share a vertex",
                "the edge is HASH, not FORWARD",
            ]),
        ]
    };
    check_case(
        "datastream_pipeline",
        "hash-edge-in-vertex",
        1,
        &merged("the edge is HASH, not FORWARD"),
    );
    check(
        &broken("datastream_pipeline", "hash-edge-in-vertex"),
        Some(&job_details("datastream_pipeline")),
        1,
        &merged("separate job vertices"),
    );
    check_case(
        "window_agg",
        "batch-edge-in-vertex",
        1,
        &[at_node("chain-mismatch", 8)
            .node("8")
            .edge("7->8")
            .says(&["nodes 7 and 8 share a vertex", "the exchange is BATCH"])],
    );
}

/// A FORWARD edge between nodes of equal parallelism and group, split into two vertices.
#[test]
fn forward_edge_split_across_vertices_is_chain_mismatch() {
    let split = |k: u64, node: &'static str, edge: &'static str| {
        vec![
            at_node("chain-mismatch", k)
                .node(node)
                .edge(edge)
                .says(&["are in different vertices but Flink chains them"]),
            at_node("chain-mismatch", k)
                .node(node)
                .edge(edge)
                .says(&["chain in the job but the plan puts them in different chains"]),
        ]
    };
    check_case("window_agg", "forward-split", 1, &split(7, "7", "6->7"));
    check_case("udf_bottleneck", "forward-split", 1, &split(3, "3", "2->3"));
    check_case(
        "datastream_pipeline",
        "forward-split",
        1,
        &split(6, "6", "5->6"),
    );
    for graph in [
        job_plan("datastream_pipeline"),
        job_details("datastream_pipeline"),
    ] {
        check(
            &broken("datastream_pipeline", "forward-split"),
            Some(&graph),
            1,
            &split(6, "6", "5->6"),
        );
    }
}

/// §2.4: consecutive nodes of a vertex must be joined by a FORWARD, non-BATCH edge. Here the
/// edge 7->8 was deleted while the vertex still lists [6, 7, 8].
#[test]
fn vertex_with_unjoined_consecutive_nodes_is_chain_mismatch() {
    let (code, doc) = validate_json(&broken("window_agg", "unjoined-vertex"), None, &[]);
    let diags = doc["files"][0]["diagnostics"].as_array().unwrap();
    let got: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d["rule"].clone(),
                d["line"].clone(),
                d["column"].clone(),
                d["node"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("chain-mismatch".into(), 90.into(), 5.into(), "8".into())],
        "{doc:#}"
    );
    assert_eq!(code, 1);
}

// ---------------------------------------------------------------------------------------------
// 2. node-missing / node-unplanned

/// A node the job does not have: appended (window_agg, datastream_pipeline, each with its own
/// vertex) or the source renamed (udf_bottleneck, which also leaves the job's source unplanned).
#[test]
fn foreign_node_is_node_missing() {
    for graph in graphs("window_agg") {
        check(
            &broken("window_agg", "node-missing"),
            Some(&graph),
            1,
            &[at_node("node-missing", 9).node("9").says(&[
                "node 9",
                "Calc[99]",
                "does not exist in the job graph",
            ])],
        );
    }
    for graph in graphs("datastream_pipeline") {
        check(
            &broken("datastream_pipeline", "node-missing"),
            Some(&graph),
            1,
            &[at_node("node-missing", 7).node("7").says(&[
                "node 7",
                "side_sink[9]: Writer",
                "does not exist",
            ])],
        );
    }
    let (l, c) = NODES_ARRAY;
    check_case(
        "udf_bottleneck",
        "renamed-source",
        1,
        &[
            err("node-unplanned", l, c).node("10").says(&[
                "job-graph node 10",
                "Source: events[7]",
                "no entry in the plan",
            ]),
            at_node("node-missing", 1).node("1").says(&[
                "node 1",
                "Source: clicks[30]",
                "does not exist",
            ]),
        ],
    );
    // Against the job plan the node is identified by its vertex id and position, so the same
    // edit is a renamed operator.
    check(
        &broken("udf_bottleneck", "renamed-source"),
        Some(&job_details("udf_bottleneck")),
        1,
        &[at_node("node-mismatch", 1).node("1").says(&[
            "\"Source: clicks[30]\" in the plan",
            "\"Source: events[7]\" in the job graph",
        ])],
    );
}

/// A node deleted with its edges and its vertex entry.
#[test]
fn removed_node_is_node_unplanned() {
    let (l, c) = NODES_ARRAY;
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            "window_agg",
            "24",
            "44cfc1ca74b40bb44eed1f38f72b3ea9#2",
            "window_sink[18]: Writer",
        ),
        (
            "udf_bottleneck",
            "13",
            "20ba6b65f97481d5570070de90e4e791#1",
            "Calc",
        ),
        (
            "datastream_pipeline",
            "25",
            "e883208d19e3c34f8aaf2a3168a63337#2",
            "ds_sink[4]: Writer",
        ),
    ];
    for (job, graph_id, vertex_op, name) in cases {
        check_case(
            job,
            "node-unplanned",
            1,
            &[err("node-unplanned", l, c).node(graph_id).says(&[
                "job-graph node",
                name,
                "no entry in the plan",
            ])],
        );
        for graph in [job_plan(job), job_details(job)] {
            check(
                &broken(job, "node-unplanned"),
                Some(&graph),
                1,
                &[err("node-unplanned", l, c).node(vertex_op).says(&[
                    "job-graph operator",
                    name,
                    "of job vertex",
                    "no entry in the plan",
                ])],
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Coverage of the fixtures

fn broken_cases(job: &str) -> Vec<String> {
    let dir = format!(
        "{}/fixtures/expert/broken/{job}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".expert.json").map(String::from))
        .collect();
    out.sort();
    out
}

/// Every fixture is used by a test above, every fixture (bar the known bugs) fails validation
/// against its stream graph, and across a job's fixtures every §2.6 rule appears.
#[test]
fn every_expert_rule_is_exercised_for_every_job() {
    let source = include_str!("expert_rules.rs");
    let mut per_job: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for job in JOBS {
        let cases = broken_cases(job);
        assert!(cases.len() >= 10, "{job}: {cases:?}");
        for case in cases {
            assert!(
                source.contains(&format!("\"{case}\"")),
                "{job}/{case} is not used by any test"
            );
            let (code, doc) = validate_json(&broken(job, &case), Some(&stream_graph(job)), &[]);
            let diags = doc["files"][0]["diagnostics"].as_array().unwrap();
            if KNOWN_BUGS.contains(&(job, case.as_str())) {
                continue;
            }
            assert_eq!(code, 1, "{job}/{case} fails validation\n{doc:#}");
            per_job.entry(job).or_default().extend(
                diags
                    .iter()
                    .map(|d| d["rule"].as_str().unwrap().to_string()),
            );
        }
    }
    for job in JOBS {
        for rule in EXPERT_RULES {
            assert!(
                per_job[job].contains(rule),
                "{job}: no fixture exercises {rule}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. The API-wrapper form: the plan as an escaped JSON string

const WRAPPED_PLAN: &str = "fixtures/expert/wrapped/window_agg.plan-result.json";
const WRAPPED_RESOURCE_PLAN: &str = "fixtures/expert/wrapped/udf_bottleneck.resource-plan.json";
const WRAPPED_BROKEN: &str = "fixtures/expert/wrapped/window_agg.broken-plan-result.json";
const WRAPPED_NESTED: &str = "fixtures/expert/wrapped/datastream_pipeline.deployment.json";

#[test]
fn wrapped_plans_are_clean() {
    for (plan, job) in [
        (WRAPPED_PLAN, "window_agg"),
        (WRAPPED_RESOURCE_PLAN, "udf_bottleneck"),
    ] {
        assert!(
            read(plan).contains("\"ssgProfiles\\\":"),
            "{plan} is wrapped"
        );
        for graph in graphs(job) {
            let file = check(plan, Some(&graph), 0, &[]);
            assert_eq!(file["summary"]["vertices"], 3);
            assert_eq!(file["summary"]["total_cu"].as_f64(), Some(1.0));
        }
        check(plan, None, 0, &[]);
    }
    // A `resourcePlan` nested in a deployment's resource setting, with the format forced.
    let (code, doc) = validate_json(
        WRAPPED_NESTED,
        Some(&stream_graph("datastream_pipeline")),
        &["--plan-format", "expert"],
    );
    assert_eq!(code, 0, "{doc:#}");
    let file = &doc["files"][0];
    assert_eq!(file["plan_format"], "expert");
    assert_eq!(file["diagnostics"], Value::Array(vec![]));
    assert_eq!(file["summary"]["nodes"], 6);
}

/// cpu 0 and node 8 at parallelism 200, inside the `plan` string on line 3 of the outer file;
/// node 2's desc spells its `C` as `\u0043`, so inner and outer offsets differ by more than the
/// quote escapes.
#[test]
fn wrapped_plan_positions_refer_to_the_outer_file() {
    let file = check(
        WRAPPED_BROKEN,
        Some(&stream_graph("window_agg")),
        1,
        &[
            err("resource-invalid", 3, 30).says(&["cpu 0"]),
            err("chain-mismatch", 3, 1279)
                .node("8")
                .edge("7->8")
                .says(&["parallelism differs: 2 vs 200"]),
            err("parallelism-invalid", 3, 1279)
                .node("8")
                .says(&["parallelism 200 exceeds maxParallelism 128"]),
        ],
    );
    // Read the outer file at each position: the text there is the object's escaped `{`.
    let line = read(WRAPPED_BROKEN).lines().nth(2).unwrap().to_string();
    assert!(
        line.starts_with("  \"plan\": \"{\\\"ssgProfiles\\\":"),
        "{line}"
    );
    assert!(
        line.contains("\\u0043alc[11]"),
        "the fixture keeps its \\u escape"
    );
    for d in file["diagnostics"].as_array().unwrap() {
        let at = text_at(WRAPPED_BROKEN, 3, d["column"].as_u64().unwrap());
        let want = if d["node"].is_null() {
            "{\\\"name\\\":\\\"default\\\","
        } else {
            "{\\\"id\\\":8,"
        };
        assert!(
            at.starts_with(want),
            "{d}: text at the column is {:?}",
            &at[..40]
        );
        // And the column is the first (and only) place that text occurs on the line.
        let col = line
            .find(want)
            .map(|b| line[..b].chars().count() as u64 + 1);
        assert_eq!(col, d["column"].as_u64(), "{d}");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Memory strings

/// Profiles spelled `"4 GiB"` + `"64 mb"` (group default: nodes 1–5) and `"1.5 gb"` + `"64m"` +
/// managed `{"state": "1536 mb"}` (group agg: nodes 6–8), both groups 2 slots:
/// default 2 × (4096 + 64) = 8320 MB at max(1, 4160 / 4096) = 1.015625 CU per slot,
/// agg 2 × (1536 + 64 + 1536) = 6272 MB at max(0.5, 3136 / 4096) = 0.765625 CU per slot.
#[test]
fn memory_strings_in_every_spelling_are_summed() {
    let plan = "fixtures/expert/memory/window_agg.units.expert.json";
    let text = read(plan);
    for spelling in ["\"4 GiB\"", "\"1536 mb\"", "\"64m\"", "\"1.5 gb\""] {
        assert!(text.contains(spelling), "{plan} spells {spelling}");
    }
    let mut graphs: Vec<Option<String>> = graphs("window_agg").into_iter().map(Some).collect();
    graphs.push(None);
    for graph in graphs {
        let file = check(plan, graph.as_deref(), 0, &[]);
        let s = &file["summary"];
        assert_eq!(
            s["total_memory_mb"].as_f64(),
            Some(8320.0 + 6272.0),
            "{graph:?}"
        );
        assert_eq!(
            s["total_cpu"].as_f64(),
            Some(2.0 * 1.0 + 2.0 * 0.5),
            "{graph:?}"
        );
        assert_eq!(
            s["total_cu"].as_f64(),
            Some(2.0 * 1.015625 + 2.0 * 0.765625),
            "{graph:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5. break-chain refuses expert plans

#[test]
fn break_chain_on_an_expert_plan_exits_2_pointing_at_the_global_switch() {
    let plans = [
        expert_plan("window_agg"),
        expert_plan("datastream_pipeline"),
        WRAPPED_PLAN.to_string(),
    ];
    for plan in &plans {
        let before = read(plan);
        for args in [
            vec!["plan", "break-chain", "--node", "2", plan.as_str()],
            vec!["plan", "break-chain", "--after-sources", plan.as_str()],
            vec![
                "plan",
                "break-chain",
                "--after-sources",
                "--dry-run",
                plan.as_str(),
            ],
            vec![
                "plan",
                "break-chain",
                "--node",
                "2",
                "--dry-run",
                "--format",
                "json",
                plan.as_str(),
            ],
        ] {
            let out = planscale(&args);
            assert_eq!(
                out.code, 2,
                "{args:?}\nstdout:\n{}\nstderr:\n{}",
                out.stdout, out.stderr
            );
            assert_eq!(out.stdout, "", "{args:?}: nothing on stdout");
            assert!(
                out.stderr.contains("pipeline.operator-chaining: 'false'"),
                "{args:?}: stderr names the global switch:\n{}",
                out.stderr
            );
            assert!(
                out.stderr.contains(plan.as_str()),
                "{args:?}: {}",
                out.stderr
            );
            assert!(
                out.stderr.to_lowercase().contains("expert"),
                "{args:?}: {}",
                out.stderr
            );
        }
        assert_eq!(read(plan), before, "{plan} is untouched");
    }
}
