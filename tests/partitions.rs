//! Kafka partitions: counted per source from its offset metric names, as upstream's collector
//! counts them, and fed to the alignment; 1.16.0 caps the source at the count (FLINK-40389).

mod common;

use serde_json::Value;

const SOURCE: &str = "bc764cd8ddf7a0cff126f51c16239658";

/// The lab's udf_bottleneck recording with its datagen source turned into a busy Kafka source:
/// busy time 950 ms/s (a legacy datagen reports NaN), a backlog growing 20,000 records a poll,
/// and the `currentOffset` metrics of 6 partitions of topic `events`.
fn kafka_recording() -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string("fixtures/metrics/udf_bottleneck.long.csv").unwrap();
    let mut out = String::new();
    let mut polls: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let cells: Vec<&str> = line.split(',').collect();
        let prefix = cells[..5].join(",");
        if cells[2] == SOURCE && cells[5].starts_with("busyTimeMsPerSecond.") {
            out.push_str(&format!("{prefix},{},950.0\n", cells[5]));
            if cells[5].ends_with(".max") && !polls.contains(&cells[0].to_string()) {
                let n = polls.len();
                polls.push(cells[0].to_string());
                out.push_str(&format!(
                    "{prefix},Source__events[7].pendingRecords.sum,{}\n",
                    20_000 * (n + 1)
                ));
                for p in 0..6 {
                    out.push_str(&format!(
                        "{prefix},Source__events[7].KafkaSourceReader.topic.events.partition.{p}.currentOffset.max,{}\n",
                        1000 * n
                    ));
                }
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kafka.csv");
    std::fs::write(&path, out).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

fn source(version: &str, path: &str) -> Value {
    let out = common::planscale(&[
        "recommend",
        "--metrics",
        path,
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--at",
        "1795368600000",
        "--exact",
        "--flink-autoscaler-version",
        version,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    doc["vertices"][0].clone()
}

#[test]
fn a_kafka_source_is_capped_at_its_partition_count() {
    let (_dir, path) = kafka_recording();
    let main = source("main", &path);
    assert_eq!(main["num_source_partitions"], 6);
    let unbounded = main["recommended_parallelism"].as_i64().unwrap();
    assert!(unbounded > 6, "the backlog asks for more than 6: {main}");
    let v116 = source("1.16", &path);
    assert_eq!(v116["num_source_partitions"], 6);
    assert_eq!(v116["recommended_parallelism"], 6, "{v116}");
    assert_eq!(v116["bounded_by"], "source-partitions");
    let text = common::planscale(&[
        "recommend",
        "--metrics",
        &path,
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--at",
        "1795368600000",
        "--exact",
    ]);
    assert!(
        text.stdout
            .contains("(6 partitions, counted from its offset metrics: its parallelism is aligned to them and capped at them)"),
        "{}",
        text.stdout
    );
}
