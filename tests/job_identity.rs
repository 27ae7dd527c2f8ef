//! Metrics are of one job: when the CSV and the graph both name their job, they must agree, and
//! a file with several jobs is read for the graph's job. The lab's jobs share vertex ids (the SQL
//! planner hashes the same source the same way), so matching by id alone would mix them.

mod common;

use serde_json::Value;

const UDF_GRAPH: &str = "fixtures/lab/udf_bottleneck/job.json";
const UDF_JOB: &str = "0fe76ea5873559334cb2ff16bc2bebf4";
const WINDOW_AGG_JOB: &str = "b8390d4c97d8eb8c0cbd79b8e2c4cf05";

#[test]
fn another_jobs_metrics_are_refused_naming_both_jobs() {
    for cmd in ["recommend", "simulate"] {
        let out = common::planscale(&[
            cmd,
            "--metrics",
            "fixtures/metrics/window_agg.long.csv",
            "--graph",
            UDF_GRAPH,
        ]);
        assert_eq!(out.code, 2, "{cmd}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("no rows of job `{UDF_JOB}`"))
                && out
                    .stderr
                    .contains(&format!("the file has job {WINDOW_AGG_JOB}"))
                && out.stderr.contains("is the job of --graph"),
            "{cmd}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
}

/// Both lab recordings in one file, rows in time order.
fn two_job_file() -> (tempfile::TempDir, String) {
    let mut rows: Vec<String> = Vec::new();
    let mut header = String::new();
    for f in ["udf_bottleneck", "window_agg"] {
        let text = std::fs::read_to_string(format!("fixtures/metrics/{f}.long.csv")).unwrap();
        let mut lines = text.lines();
        header = lines.next().unwrap().to_string();
        rows.extend(lines.map(str::to_string));
    }
    rows.sort_by_key(|r| r.split(',').next().unwrap().parse::<i64>().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two_jobs.csv");
    std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

#[test]
fn a_file_of_several_jobs_is_read_for_the_graphs_job() {
    let (_dir, path) = two_job_file();
    let alone = common::planscale(&[
        "recommend",
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        UDF_GRAPH,
        "--format",
        "json",
    ]);
    let mixed = common::planscale(&[
        "recommend",
        "--metrics",
        &path,
        "--graph",
        UDF_GRAPH,
        "--format",
        "json",
    ]);
    assert_eq!(mixed.code, 0, "{}", mixed.stderr);
    let a: Value = serde_json::from_str(&alone.stdout).unwrap();
    let m: Value = serde_json::from_str(&mixed.stdout).unwrap();
    assert_eq!(
        a["vertices"], m["vertices"],
        "the other job's rows change nothing"
    );
    // Without a graph that names its job, several jobs still need --job.
    let out = common::planscale(&[
        "recommend",
        "--metrics",
        &path,
        "--plan",
        "fixtures/plans/udf_bottleneck.plan.json",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--job"), "{}", out.stderr);
}

#[test]
fn a_job_flag_that_contradicts_the_graph_is_refused() {
    let out = common::planscale(&[
        "recommend",
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        UDF_GRAPH,
        "--job",
        WINDOW_AGG_JOB,
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(&format!(
            "error: --job {WINDOW_AGG_JOB} is not the job of --graph {UDF_GRAPH} (jid {UDF_JOB})"
        )),
        "{}",
        out.stderr
    );
}
