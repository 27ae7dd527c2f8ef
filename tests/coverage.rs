//! Metric coverage: what a decision needs and what the recording has, said per vertex; no
//! target (and no scale-down) derived from a rate that is not there. Prometheus reporter names
//! are read as what they are, `operator_name` label included.

mod common;

use serde_json::Value;

const GRAPH: &str = "fixtures/lab/udf_bottleneck/job.json";
const BEFORE_RESCALE: &str = "1795368600000";

/// The lab's udf_bottleneck recording rewritten by `map` (header, then each row's cells).
fn rewrite(header: &str, map: impl Fn(&[&str]) -> Option<String>) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string("fixtures/metrics/udf_bottleneck.long.csv").unwrap();
    let mut out = format!("{header}\n");
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if let Some(row) = map(&cells) {
            out.push_str(&row);
            out.push('\n');
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    std::fs::write(&path, out).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

fn recommend_json(metrics: &str, extra: &[&str]) -> (Value, String) {
    let out = common::planscale(
        &[
            &[
                "recommend",
                "--metrics",
                metrics,
                "--graph",
                GRAPH,
                "--at",
                BEFORE_RESCALE,
                "--format",
                "json",
            ][..],
            extra,
        ]
        .concat(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    (serde_json::from_str(&out.stdout).unwrap(), out.stderr)
}

#[test]
fn a_task_level_export_without_the_source_rate_decides_nothing() {
    // Task-scope Prometheus names only: no operator-scoped `Source__…` rate.
    let (_dir, path) = rewrite(
        "timestamp_ms,job_id,vertex_id,vertex_name,parallelism,metric,value",
        |c| {
            let (metric, rest) = (c[5], [c[0], c[1], c[2], c[3], c[4]].join(","));
            (!metric.starts_with("Source__"))
                .then(|| format!("{rest},flink_taskmanager_job_task_{metric},{}", c[6]))
        },
    );
    for extra in [&[][..], &["--exact"][..]] {
        let (doc, err) = recommend_json(&path, extra);
        for v in doc["vertices"].as_array().unwrap() {
            assert_eq!(
                v["recommended_parallelism"], v["current_parallelism"],
                "{extra:?}: {v}"
            );
            assert_eq!(v["bounded_by"], "missing-metrics");
        }
        let src = &doc["vertices"][0];
        assert_eq!(src["is_source"], true);
        assert_eq!(
            src["coverage"]["missing"],
            serde_json::json!(["source_input_rate", "busy_time", "lag"])
        );
        assert!(
            err.contains("vertex Source: events[7]: the recording has no Source__<operator>.numRecordsInPerSecond"),
            "{err}"
        );
        let py = doc["vertices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"].as_str().unwrap().starts_with("PythonCalc"))
            .unwrap();
        assert_eq!(py["coverage"]["missing"], serde_json::json!([]));
        assert!(py["reason"]
            .as_str()
            .unwrap()
            .starts_with("no decision: vertex Source: events[7] has no"));
    }
}

#[test]
fn prometheus_operator_metrics_with_an_operator_name_label_are_source_rates() {
    // `flink_taskmanager_job_task_operator_numRecordsOutPerSecond{operator_name="Source:_events_7_"}`
    // as a long CSV with the label as a column: the same decision as the REST names.
    let (_dir, path) = rewrite(
        "timestamp_ms,job_id,task_id,task_name,parallelism,metric,value,operator_name",
        |c| {
            let rest = [c[0], c[1], c[2], c[3], c[4]].join(",");
            Some(match c[5].strip_prefix("Source__events[7].") {
                Some(m) => format!(
                    "{rest},flink_taskmanager_job_task_operator_{m},{},Source:_events_7_",
                    c[6]
                ),
                None => format!("{rest},flink_taskmanager_job_task_{},{},", c[5], c[6]),
            })
        },
    );
    let (prom, _) = recommend_json(&path, &[]);
    let (rest, _) = recommend_json("fixtures/metrics/udf_bottleneck.long.csv", &[]);
    assert_eq!(prom["vertices"], rest["vertices"]);
    assert_eq!(
        prom["vertices"][0]["coverage"]["missing"],
        serde_json::json!(["busy_time", "lag"])
    );
}
