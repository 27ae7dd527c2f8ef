//! The config files users have, read through `--config`: Flink's config.yaml (flat and nested),
//! a legacy flink-conf.yaml, a FlinkDeployment, a FlinkSessionJob and the operator's Helm
//! values, all setting the same four options, give the same decision as `-D`; only the
//! recorded source of each option differs.

mod common;

use serde_json::Value;

/// `recommend` on the lab's udf_bottleneck before its rescale.
const RECOMMEND: [&str; 7] = [
    "recommend",
    "--metrics",
    "fixtures/metrics/udf_bottleneck.long.csv",
    "--graph",
    "fixtures/lab/udf_bottleneck/job.json",
    "--at",
    "1795368600000",
];

fn recommend(extra: &[&str]) -> Value {
    let out = common::planscale(&[&RECOMMEND[..], &["--format", "json"], extra].concat());
    assert_eq!(out.code, 0, "{extra:?}: {}", out.stderr);
    assert!(!out.stderr.contains("unknown option"), "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn every_config_file_kind_gives_the_decision_of_the_same_defines() {
    let defines = recommend(&[
        "-D",
        "job.autoscaler.enabled=true",
        "-D",
        "job.autoscaler.utilization.target=0.6",
        "-D",
        "job.autoscaler.metrics.window=5 min",
        "-D",
        "job.autoscaler.scale-up.max-factor=2",
    ]);
    let plain = recommend(&[]);
    assert_ne!(
        plain["vertices"], defines["vertices"],
        "the options must matter for this test to mean anything"
    );
    assert_eq!(defines["window_ms"], 300_000);
    for file in [
        "config-flat.yaml",
        "config-nested.yaml",
        "flink-conf.yaml",
        "flinkdeployment.yaml",
        "flinksessionjob.yaml",
        "helm-values.yaml",
    ] {
        let path = format!("fixtures/config/{file}");
        let doc = recommend(&["--config", &path]);
        assert_eq!(doc["vertices"], defines["vertices"], "{file}");
        assert_eq!(doc["window_ms"], 300_000, "{file}");
        let target = common::option(&doc, "job.autoscaler.utilization.target");
        assert_eq!(target["value"], "0.6", "{file}");
        let source = target["source"].as_str().unwrap();
        assert!(source.starts_with(&format!("{path}:")), "{file}: {source}");
    }
}

#[test]
fn format_flinkdeployment_is_a_merge_patch_for_the_resource_given() {
    let args = |config: &'static str| {
        [
            &RECOMMEND[..],
            &["--config", config, "--format", "flinkdeployment"],
        ]
        .concat()
    };
    let out = common::planscale(&args("fixtures/config/flinkdeployment.yaml"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let patch: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(patch["kind"], "FlinkDeployment");
    assert_eq!(patch["metadata"]["name"], "udf-bottleneck");
    assert_eq!(patch["metadata"]["namespace"], "flink");
    let overrides = patch["spec"]["flinkConfiguration"]["pipeline.jobvertex-parallelism-overrides"]
        .as_str()
        .unwrap();
    // The same pairs `--format overrides` gives, for every vertex.
    let mut plain = args("fixtures/config/flinkdeployment.yaml");
    *plain.last_mut().unwrap() = "overrides";
    let o = common::planscale(&plain);
    assert_eq!(
        o.stdout.trim(),
        format!("pipeline.jobvertex-parallelism-overrides: {overrides}")
    );
    assert_eq!(overrides.split(',').count(), 3);
    let session = common::planscale(&args("fixtures/config/flinksessionjob.yaml"));
    assert_eq!(session.code, 0, "{}", session.stderr);
    assert!(session.stdout.contains("\"kind\": \"FlinkSessionJob\""));
    let refused = common::planscale(&args("fixtures/config/config-flat.yaml"));
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("--format flinkdeployment patches"),
        "{}",
        refused.stderr
    );
}
