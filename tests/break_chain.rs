//! `plan break-chain` end to end on plans made by `plan init` from the lab graphs.

mod common;

use std::fs;

use assert_cmd::Command;
use common::{plan_file as plan, stream_graph as graph};
use serde_json::Value;

fn planscale() -> Command {
    let mut c = common::bin();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn validate_json(plan_path: &str, graph_path: &str) -> Value {
    let out = planscale()
        .args([
            "plan", "validate", plan_path, "--graph", graph_path, "--format", "json",
        ])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The lines that differ between two texts, as (removed, added).
fn changed_lines(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let d = similar::TextDiff::from_lines(a, b);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for c in d.iter_all_changes() {
        match c.tag() {
            similar::ChangeTag::Delete => removed.push(c.value().to_string()),
            similar::ChangeTag::Insert => added.push(c.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    (removed, added)
}

#[test]
fn after_sources_on_datastream_pipeline_cuts_the_python_map_off_the_source() {
    let before = fs::read_to_string(plan("datastream_pipeline")).unwrap();
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            &plan("datastream_pipeline"),
            "--after-sources",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let after = String::from_utf8(out.stdout).unwrap();
    let (removed, added) = changed_lines(&before, &after);
    assert!(removed.is_empty(), "{removed:?}");
    assert_eq!(added, ["    \"chainingStrategy\" : \"HEAD\",\n"]);
    // Inserted into node 20 ("parse, drop_every_10th"), right after its pact.
    assert!(after.contains("\"name\" : \"parse, drop_every_10th\",\n    \"pact\" : \"Operator\",\n    \"chainingStrategy\" : \"HEAD\",\n"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "cut: node 20 (\"parse, drop_every_10th\") now starts a chain (was chained to node 1)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("chains: 3 -> 4; CU: 1.25 -> 1.5"),
        "{stderr}"
    );

    // The deliberate cut is not a chain-mismatch, and the plan has one more chain.
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("p.json");
    fs::write(&edited, &after).unwrap();
    let doc = validate_json(edited.to_str().unwrap(), &graph("datastream_pipeline"));
    let f = &doc["files"][0];
    assert_eq!(f["diagnostics"], Value::Array(vec![]), "{f}");
    assert_eq!(f["summary"]["vertices"], 4);
    assert_eq!(f["summary"]["total_cu"], 1.5);
}

#[test]
fn every_lab_plan_cut_in_a_chain_still_validates_clean() {
    for (job, node) in [
        ("window_agg", "16"),
        ("udf_bottleneck", "13"),
        ("datastream_pipeline", "25"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out_path = dir.path().join("out.json");
        planscale()
            .args(["plan", "break-chain", &plan(job), "--node", node, "-o"])
            .arg(&out_path)
            .assert()
            .success()
            .stdout("");
        let doc = validate_json(out_path.to_str().unwrap(), &graph(job));
        let f = &doc["files"][0];
        assert_eq!(f["ok"], true, "{job}: {f}");
        assert_eq!(f["diagnostics"], Value::Array(vec![]), "{job}: {f}");
    }
}

#[test]
fn spec_example_cu_goes_from_11_to_13_with_the_job_manager() {
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            "fixtures/spec/blink_example.plan.json",
            "--after-sources",
            "--dry-run",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["total_cu_before"], 11);
    assert_eq!(doc["total_cu_after"], 13);
    assert_eq!(doc["chains_before"], 2);
    assert_eq!(doc["chains_after"], 3);
    assert_eq!(doc["cuts"][0]["node"], "2");
    assert_eq!(doc["cuts"][0]["old"], Value::Null);
    assert_eq!(doc["output"], Value::Null);
    // Inline object: the key goes after pact with the object's own spacing; the comment stays.
    let diff = doc["diff"].as_str().unwrap();
    assert!(diff.contains("+    \"id\" : 2, \"uid\" : \"2\", \"name\" : \"Calc(select: (id, amount))\", \"pact\" : \"Operator\", \"chainingStrategy\" : \"HEAD\",\n"), "{diff}");
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plan.json");
    fs::copy(plan("window_agg"), &p).unwrap();
    let before = fs::read(&p).unwrap();
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            "--node",
            "17",
            "--dry-run",
            "--in-place",
        ])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.starts_with("--- a/"), "{diff}");
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .count(),
        1
    );
    assert_eq!(fs::read(&p).unwrap(), before);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn in_place_edits_atomically_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plan.json");
    fs::copy(plan("udf_bottleneck"), &p).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
    planscale()
        .args(["plan", "break-chain", "--node", "13", "--in-place"])
        .arg(&p)
        .assert()
        .success()
        .stdout("");
    let after = fs::read_to_string(&p).unwrap();
    let (removed, added) =
        changed_lines(&fs::read_to_string(plan("udf_bottleneck")).unwrap(), &after);
    assert!(removed.is_empty());
    assert_eq!(added.len(), 1);
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
    // Cutting again where the node is already a head: the cut moves on, or there is none.
    let out = planscale()
        .args(["plan", "break-chain", "--node", "13", "--dry-run"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_node_lists_the_valid_ids() {
    let out = planscale()
        .args(["plan", "break-chain", &plan("window_agg"), "--node", "99"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "error: fixtures/plans/window_agg.plan.json: node 99 does not exist in the plan\n  hint: node ids in the plan: 13, 15, 16, 17, 18, 20, 21, 24\n"
    );
}

#[test]
fn no_chain_to_cut_is_an_error() {
    for (node, why) in [
        (
            "20",
            "it is not chained to node 18 (the edge is HASH, not FORWARD)",
        ),
        (
            "13",
            "it already starts a chain and no operator is chained after it",
        ),
    ] {
        let out = planscale()
            .args(["plan", "break-chain", &plan("window_agg"), "--node", node])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(&format!("there is no chain to cut at node {node}: {why}")),
            "{err}"
        );
    }
}

#[test]
fn after_sources_is_idempotent() {
    // window_agg's source feeds a REBALANCE edge: nothing is chained to any source, so the plan
    // comes back byte for byte, exit 0, and stderr says why (scripts can run it on any plan).
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            &plan("window_agg"),
            "--after-sources",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, std::fs::read(plan("window_agg")).unwrap());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("nothing to cut: every source already starts a chain"),
        "{err}"
    );
    assert!(err.contains("chains: 3 -> 3"), "{err}");
}

#[test]
fn expert_plans_are_refused_with_the_alternatives() {
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            "fixtures/spec/expert_example.plan.json",
            "--node",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no per-node chaining field"), "{err}");
    assert!(err.contains("pipeline.operator-chaining: 'false'"), "{err}");
    assert!(err.contains("slot-sharing group"), "{err}");
}

#[test]
fn a_failed_write_leaves_the_target_intact() {
    // The target is a non-empty directory: the temp file is written, the rename fails.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("plan.json");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep"), b"x").unwrap();
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            &plan("window_agg"),
            "--node",
            "17",
            "-o",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.contains("cannot write"),
        "{err}"
    );
    assert_eq!(fs::read(target.join("keep")).unwrap(), b"x");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["plan.json"], "no temp file left behind");
}

#[test]
fn read_only_directory_keeps_the_original() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plan.json");
    fs::copy(plan("window_agg"), &p).unwrap();
    let before = fs::read(&p).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let out = planscale()
        .args(["plan", "break-chain", "--node", "17", "--in-place"])
        .arg(&p)
        .output()
        .unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    // Root may write anyway; either way the file is the old one or the complete new one.
    let now = fs::read(&p).unwrap();
    if out.status.code() == Some(2) {
        assert_eq!(now, before);
    } else {
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            now.len(),
            before.len() + "    \"chainingStrategy\" : \"HEAD\",\n".len()
        );
    }
}

#[test]
fn json_needs_a_destination() {
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            &plan("window_agg"),
            "--node",
            "17",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn new_group_splits_an_expert_vertex_and_validates_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("ng.json");
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            "fixtures/expert/window_agg.expert.json",
            "--node",
            "3",
            "--new-group",
            "wm",
            "-o",
        ])
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("placeholder keys"), "{err}");
    assert!(err.contains("chains: 3 -> 5; CU: 1 -> 2"), "{err}");
    let before = fs::read_to_string("fixtures/expert/window_agg.expert.json").unwrap();
    let after = fs::read_to_string(&out_path).unwrap();
    let (removed, added) = changed_lines(&before, &after);
    // Only the group value and the split vertex array lose lines.
    assert!(
        removed.contains(&"        \"group\": \"default\",\n".to_string()),
        "{removed:?}"
    );
    assert!(
        removed
            .iter()
            .all(|l| l.contains("\"group\"")
                || l.trim().trim_end_matches(',').parse::<i64>().is_ok()),
        "{removed:?}"
    );
    assert!(
        added.contains(&"        \"group\": \"wm\",\n".to_string()),
        "{added:?}"
    );
    let doc: Value = serde_json::from_str(&after).unwrap();
    let vertices: Vec<(String, Vec<i64>)> = doc["vertices"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_i64().unwrap())
                    .collect(),
            )
        })
        .collect();
    let members: Vec<&Vec<i64>> = vertices.iter().map(|(_, v)| v).collect();
    assert_eq!(
        members,
        [&vec![1], &vec![2], &vec![3], &vec![4, 5], &vec![6, 7, 8]]
    );
    assert_eq!(
        vertices[1].0, "20ba6b65f97481d5570070de90e4e791",
        "the head part keeps its id"
    );
    assert!(
        added.contains(&"      \"name\": \"wm\",\n".to_string()),
        "{added:?}"
    );
    for graph in [
        "fixtures/lab/window_agg/execution_plan.json",
        "fixtures/lab/window_agg/job.json",
    ] {
        let doc = validate_json(out_path.to_str().unwrap(), graph);
        let f = &doc["files"][0];
        let rules: Vec<&str> = f["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        // Against the running job the split vertices are new, so only vertex-level findings remain.
        assert!(
            !rules.contains(&"chain-mismatch") || graph.ends_with("job.json"),
            "{graph}: {f}"
        );
        assert_eq!(f["summary"]["vertices"], 5, "{graph}");
    }
}

#[test]
fn new_group_edits_a_wrapped_plan_inside_its_string() {
    let plan = fs::read_to_string("fixtures/expert/udf_bottleneck.expert.json").unwrap();
    let compact: Value = serde_json::from_str(&plan).unwrap();
    let inner = serde_json::to_string(&compact).unwrap();
    let outer = format!(
        "{{\n  \"ticketStatus\" : \"FINISHED\",\n  \"plan\" : {}\n}}\n",
        serde_json::Value::String(inner)
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("wrapped.json");
    fs::write(&p, &outer).unwrap();
    planscale()
        .args([
            "plan",
            "break-chain",
            "--node",
            "3",
            "--new-group",
            "calc",
            "--in-place",
        ])
        .arg(&p)
        .assert()
        .success();
    let after = fs::read_to_string(&p).unwrap();
    let (removed, added) = changed_lines(&outer, &after);
    assert_eq!(removed.len(), 1, "only the string's line changes");
    assert!(removed[0].starts_with("  \"plan\" : \""));
    assert!(added[0].contains("\\\"group\\\":\\\"calc\\\""), "{added:?}");
    let doc: Value = serde_json::from_str(&after).unwrap();
    let inner: Value = serde_json::from_str(doc["plan"].as_str().unwrap()).unwrap();
    assert_eq!(inner["nodes"][2]["profile"]["group"], "calc");
    assert_eq!(inner["ssgProfiles"][1]["name"], "calc");
    let v = validate_json(
        p.to_str().unwrap(),
        "fixtures/lab/udf_bottleneck/execution_plan.json",
    );
    assert_eq!(v["files"][0]["ok"], true, "{v}");
}

#[test]
fn new_group_errors() {
    for (plan, extra, needle) in [
        (
            "fixtures/plans/window_agg.plan.json",
            vec!["--node", "17"],
            "applies to expert plans",
        ),
        (
            "fixtures/expert/window_agg.expert.json",
            vec!["--node", "3"],
            "already exists",
        ),
        (
            "fixtures/expert/window_agg.expert.json",
            vec!["--node", "99"],
            "node 99 does not exist",
        ),
    ] {
        let group = if needle == "already exists" {
            "default"
        } else {
            "g"
        };
        let out = planscale()
            .args(["plan", "break-chain", plan, "--new-group", group])
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{plan} {extra:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn an_expert_plan_split_by_a_new_group_validates_with_a_warning_against_the_running_job() {
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("split.json");
    let out = planscale()
        .args([
            "plan",
            "break-chain",
            "fixtures/expert/udf_bottleneck.expert.json",
            "--node",
            "3",
            "--new-group",
            "g2",
            "-o",
        ])
        .arg(&edited)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = planscale()
        .args(["plan", "validate", "--format", "json", "--graph"])
        .arg("fixtures/lab/udf_bottleneck/job.json")
        .arg(&edited)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = doc["files"][0]["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["rule"], "chain-mismatch");
    assert_eq!(d["severity"], "warning");
    let msg = d["message"].as_str().unwrap();
    assert!(msg.contains("\"default\" and \"g2\""), "{msg}");
    // The Blink console's words belong to Blink plans only.
    assert!(!msg.contains("resource validate failed"), "{msg}");
    assert!(
        !msg.contains("the job runs them as separate job vertices"),
        "{msg}"
    );
}
