//! How `recommend` and `simulate` read options: Flink's value grammar, ranges with the key and
//! where it came from, unknown and misspelled keys. Each test is a misread a user met.

mod common;

use serde_json::Value;

const METRICS: &str = "fixtures/metrics/udf_bottleneck.long.csv";
const GRAPH: &str = "fixtures/lab/udf_bottleneck/job.json";

fn recommend(extra: &[&str]) -> common::Outcome {
    common::planscale(
        &[
            &["recommend", "--metrics", METRICS, "--graph", GRAPH],
            extra,
        ]
        .concat(),
    )
}

fn simulate(extra: &[&str]) -> common::Outcome {
    common::planscale(&[&["simulate", "--metrics", METRICS, "--graph", GRAPH], extra].concat())
}

#[test]
fn a_bare_duration_is_milliseconds_as_in_flink() {
    let out = recommend(&[
        "-D",
        "job.autoscaler.metrics.window=600000",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["window_ms"], 600_000,
        "600000 is 10 minutes, not 600000 s"
    );
    let w = common::option(&doc, "job.autoscaler.metrics.window");
    assert_eq!(
        (&w["value"], &w["source"]),
        (&"600000".into(), &"-D".into())
    );
    assert_eq!(
        common::option(&doc, "job.autoscaler.utilization.target")["source"],
        "default"
    );
}

#[test]
fn a_bare_window_flag_is_milliseconds_and_says_so() {
    let out = recommend(&["--window", "5"]);
    assert!(
        out.stderr.contains("--window 5 is read as 5 ms"),
        "{}",
        out.stderr
    );
    let out = recommend(&["--window", "10 min", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["window_ms"], 600_000);
    assert_eq!(
        common::option(&doc, "job.autoscaler.metrics.window")["source"],
        "--window"
    );
}

#[test]
fn durations_flink_refuses_are_refused() {
    for (value, says) in [
        ("1.5s", "whole number"),
        ("5 mins", "unknown time unit"),
        ("-1 s", "negative"),
        ("PT5M", "ISO-8601"),
    ] {
        let out = recommend(&["-D", &format!("job.autoscaler.metrics.window={value}")]);
        assert_eq!(out.code, 2, "{value}: {}", out.stderr);
        assert!(
            out.stderr
                .starts_with("error: -D job.autoscaler.metrics.window=")
                && out.stderr.contains(says),
            "{value}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
}

#[test]
fn out_of_range_options_are_refused_naming_key_value_and_range() {
    for (define, says) in [
        ("job.autoscaler.utilization.target=0", "allowed in (0, 1]"),
        ("job.autoscaler.utilization.target=5", "allowed in (0, 1]"),
        ("job.autoscaler.scale-up.max-factor=-1", "allowed >= 0"),
        ("job.autoscaler.scale-down.max-factor=-0.5", "allowed >= 0"),
        ("job.autoscaler.metrics.window=0", "allowed > 0"),
        (
            "job.autoscaler.vertex.max-parallelism=10.0",
            "not a whole number",
        ),
        (
            "job.autoscaler.utilization.min=0.9",
            "[0, utilization.target] = [0, 0.7]",
        ),
    ] {
        let out = recommend(&["-D", define]);
        assert_eq!(out.code, 2, "{define}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("error: -D {define}")) && out.stderr.contains(says),
            "{define}: {}",
            out.stderr
        );
    }
    let out = recommend(&[
        "-D",
        "job.autoscaler.vertex.min-parallelism=8",
        "-D",
        "job.autoscaler.vertex.max-parallelism=4",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("vertex.min-parallelism"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_range_error_in_a_file_points_at_its_line() {
    let out = recommend(&["--config", "fixtures/config-cli/bad_target.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(
            "error: fixtures/config-cli/bad_target.yaml:3:1: job.autoscaler.utilization.target = `0`: allowed in (0, 1]"
        ),
        "{}",
        out.stderr
    );
    // simulate reads the same options the same way.
    let out = simulate(&["--config", "fixtures/config-cli/bad_target.yaml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad_target.yaml:3:1"), "{}", out.stderr);
}

#[test]
fn misspelled_and_prefixless_keys_warn_alike_in_recommend_and_simulate() {
    let args = [
        "-D",
        "job.autoscaler.utilisation.target=0.5",
        "-D",
        "target.utilization=0.5",
    ];
    for out in [recommend(&args), simulate(&args)] {
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr.contains(
                "warning: -D: unknown option job.autoscaler.utilisation.target, ignored (did you mean job.autoscaler.utilization.target?)"
            ),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(
                "warning: -D: target.utilization is not a Flink option (autoscaler options are written job.autoscaler.target.utilization), ignored"
            ),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn policy_files_check_their_keys_and_ranges() {
    let out = simulate(&["--policy", "fixtures/config-cli/typo_policy.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("typo_policy.yaml:2:1: unknown option planscale.alibaba.expected-pending-tme, ignored (did you mean planscale.alibaba.expected-pending-time?)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("typo_policy.yaml:3:1: job.autoscaler.utilization.target has no effect on the alibaba-autoscale policy typo_policy"),
        "{}",
        out.stderr
    );
    let out = simulate(&["--policy", "fixtures/config-cli/dli_disabled.yaml"]);
    assert!(
        out.stderr.contains(
            "policy dli_disabled: flink.dli.job.scale.enable is not true: it never rescales"
        ),
        "{}",
        out.stderr
    );
    let out = simulate(&["--policy", "fixtures/config-cli/reactive_no_slots.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("error: fixtures/config-cli/reactive_no_slots.yaml:2:1: taskmanager.numberOfTaskSlots = `0`: allowed >= 1"),
        "{}",
        out.stderr
    );
}
