//! Unit tests of the config checks: each rule on a small document, with its position.

use super::*;

fn lint_with(text: &str, version: Version, graph: Option<&Graph>) -> FileLint {
    check_text("t.yaml", text, &Request { version, graph }).unwrap_or_else(|e| panic!("{e}"))
}

fn lint(text: &str) -> FileLint {
    lint_with(text, Version::V1_16, None)
}

/// `(rule, severity, line, column)` of every finding, in order.
fn found(l: &FileLint) -> Vec<(&'static str, &'static str, usize, usize)> {
    l.documents
        .iter()
        .flat_map(|d| &d.diagnostics)
        .map(|d| (d.rule.name(), d.severity.as_str(), d.pos.line, d.pos.column))
        .collect()
}

fn messages(l: &FileLint) -> String {
    l.documents
        .iter()
        .flat_map(|d| &d.diagnostics)
        .map(|d| {
            format!(
                "{}:{}: {}: {}\n",
                d.pos.line,
                d.pos.column,
                d.rule.name(),
                d.message
            )
        })
        .collect()
}

const HEAD: &str = "apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: web
spec:
  flinkVersion: v1_20
  flinkConfiguration:
";

/// A FlinkDeployment with a job, the given flinkConfiguration lines (indented by 4) from line 8.
fn deployment(conf: &str) -> String {
    let mut s = HEAD.to_string();
    for line in conf.lines() {
        s.push_str("    ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str("  job:\n    jarURI: local:///x.jar\n    parallelism: 4\n");
    s
}

#[test]
fn a_clean_deployment_passes() {
    let l = lint(&deployment(
        "job.autoscaler.enabled: \"true\"\njob.autoscaler.metrics.window: 5m\njobmanager.scheduler: adaptive",
    ));
    assert_eq!(found(&l), [], "{}", messages(&l));
    assert_eq!(l.documents[0].autoscaler, AutoscalerSwitch::Enabled);
}

#[test]
fn unknown_key_with_a_suggestion_at_the_key() {
    let l = lint(&deployment(
        "jobmanager.scheduler: adaptive\njob.autoscaler.enabled: true\njob.autoscaler.utilisation.target: 0.5",
    ));
    assert_eq!(found(&l), [("unknown-option", "warning", 10, 5)]);
    assert!(
        messages(&l).contains("did you mean job.autoscaler.utilization.target?"),
        "{}",
        messages(&l)
    );
}

#[test]
fn keys_of_a_later_release_are_unknown_in_1_15() {
    let text = deployment(
        "jobmanager.scheduler: adaptive\njob.autoscaler.scaling.parallelism-alignment.mode: OFF",
    );
    assert_eq!(found(&lint(&text)), []);
    let l = lint_with(&text, Version::V1_15, None);
    assert_eq!(found(&l), [("unknown-option", "warning", 9, 5)]);
    assert!(messages(&l).contains("came after 1.15"), "{}", messages(&l));
}

#[test]
fn deprecated_keys_prefixes_and_options() {
    let l = lint(&deployment(
        "jobmanager.scheduler: adaptive
job.autoscaler.target.utilization: 0.6
kubernetes.operator.job.autoscaler.metrics.window: 5 min
job.autoscaler.target.utilization.boundary: 0.1
job.autoscaler.scaling.key-group.partitions.adjust.mode: EVENLY_SPREAD",
    ));
    assert_eq!(
        found(&l),
        [
            ("deprecated-option", "warning", 9, 5),
            ("deprecated-option", "warning", 10, 5),
            ("deprecated-option", "warning", 11, 5),
            ("deprecated-option", "warning", 12, 5),
        ],
        "{}",
        messages(&l)
    );
    let m = messages(&l);
    assert!(m.contains("write job.autoscaler.utilization.target"), "{m}");
    assert!(m.contains("write job.autoscaler.metrics.window"), "{m}");
    assert!(m.contains("use utilization.min and utilization.max"), "{m}");
    // The adjust mode is deprecated only after 1.15.
    let v115 = lint_with(
        &deployment("jobmanager.scheduler: adaptive\njob.autoscaler.scaling.key-group.partitions.adjust.mode: EVENLY_SPREAD"),
        Version::V1_15,
        None,
    );
    assert_eq!(found(&v115), []);
}

#[test]
fn an_option_twice_names_the_one_flink_reads() {
    let l = lint(&deployment(
        "jobmanager.scheduler: adaptive
job.autoscaler.metrics.window: 5 min
kubernetes.operator.job.autoscaler.metrics.window: 10 min
job.autoscaler.target.utilization: 0.5
job.autoscaler.utilization.target: 0.6",
    ));
    let dups: Vec<_> = found(&l)
        .into_iter()
        .filter(|f| f.0 == "duplicate-option")
        .collect();
    // The legacy spelling and the deprecated key lose, wherever they are written.
    assert_eq!(
        dups,
        [
            ("duplicate-option", "warning", 10, 5),
            ("duplicate-option", "warning", 11, 5)
        ]
    );
    let m = messages(&l);
    assert!(
        m.contains("Flink reads job.autoscaler.metrics.window first"),
        "{m}"
    );
    assert!(m.contains("so `0.6` is used"), "{m}");
}

#[test]
fn the_same_key_twice_in_flink_conf_the_later_line_wins() {
    let text = "job.autoscaler.enabled: true\njob.autoscaler.metrics.window: 5 min\njobmanager.scheduler: adaptive\njob.autoscaler.metrics.window: 10 min\n";
    let l = check_text(
        "flink-conf.yaml",
        text,
        &Request {
            version: Version::V1_16,
            graph: None,
        },
    )
    .unwrap();
    assert_eq!(found(&l), [("duplicate-option", "warning", 2, 1)]);
    assert!(
        messages(&l).contains("the later line wins"),
        "{}",
        messages(&l)
    );
}

#[test]
fn values_that_do_not_parse_point_at_the_value() {
    let l = lint(&deployment(
        "jobmanager.scheduler: adaptiv
job.autoscaler.enabled: yes please
job.autoscaler.metrics.window: 1.5 min
job.autoscaler.vertex.max-parallelism: \"10.0\"
pipeline.jobvertex-parallelism-overrides: abc=4",
    ));
    assert_eq!(
        found(&l),
        [
            ("invalid-value", "error", 8, 27),
            ("invalid-value", "error", 9, 29),
            ("invalid-value", "error", 10, 36),
            ("invalid-value", "error", 11, 44),
            ("invalid-value", "error", 12, 47),
        ],
        "{}",
        messages(&l)
    );
    let m = messages(&l);
    assert!(
        m.contains("is not one of Default, Adaptive, AdaptiveBatch"),
        "{m}"
    );
    assert!(m.contains("whole number"), "{m}");
    assert!(m.contains("key:value"), "{m}");
}

#[test]
fn ranges_and_groups() {
    let l = lint(&deployment(
        "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
job.autoscaler.utilization.target: 1.5
job.autoscaler.scale-up.max-factor: -1
job.autoscaler.vertex.min-parallelism: 8
job.autoscaler.vertex.max-parallelism: 4",
    ));
    assert_eq!(
        found(&l),
        [
            ("value-out-of-range", "error", 10, 40),
            ("value-out-of-range", "error", 11, 41),
            ("inconsistent-options", "error", 12, 44),
        ],
        "{}",
        messages(&l)
    );
    let m = messages(&l);
    assert!(
        m.contains("job.autoscaler.utilization.target = `1.5`: allowed in (0, 1]"),
        "{m}"
    );
    let g = lint(&deployment(
        "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
job.autoscaler.utilization.target: 0.7
job.autoscaler.utilization.max: 0.6
job.autoscaler.utilization.min: 0.8",
    ));
    assert_eq!(
        found(&g),
        [
            ("inconsistent-options", "error", 11, 37),
            ("inconsistent-options", "error", 12, 37),
        ],
        "{}",
        messages(&g)
    );
}

#[test]
fn feature_gated_ranges_after_1_15() {
    let conf = "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
job.autoscaler.memory.tuning.enabled: true
job.autoscaler.memory.tuning.overhead: 1.5";
    let mut text = deployment(conf);
    text.push_str("  taskManager:\n    resource:\n      memory: 2048m\n      cpu: 1\n");
    let l = lint(&text);
    assert_eq!(
        found(&l),
        [("value-out-of-range", "error", 11, 44)],
        "{}",
        messages(&l)
    );
    assert_eq!(found(&lint_with(&text, Version::V1_15, None)), []);
}

#[test]
fn window_shorter_than_the_reconcile_interval() {
    let conf = "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
job.autoscaler.metrics.window: 30 s";
    let l = lint(&deployment(conf));
    assert_eq!(
        found(&l),
        [("window-below-reconcile-interval", "error", 10, 36)],
        "{}",
        messages(&l)
    );
    assert!(messages(&l).contains("1 min, the operator's default"));
    // 1.15's validator does not check it: a warning.
    let old = lint_with(&deployment(conf), Version::V1_15, None);
    assert_eq!(
        found(&old),
        [("window-below-reconcile-interval", "warning", 10, 36)]
    );
    // A longer reconcile interval set here is compared too.
    let l = lint(&deployment(
        "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
job.autoscaler.metrics.window: 5 min
kubernetes.operator.reconcile.interval: 10 min",
    ));
    assert_eq!(
        found(&l),
        [("window-below-reconcile-interval", "error", 10, 36)]
    );
}

#[test]
fn no_in_place_rescale_without_the_adaptive_scheduler_or_flink_1_18() {
    let l = lint(&deployment("job.autoscaler.enabled: true"));
    assert_eq!(
        found(&l),
        [("rescale-not-in-place", "warning", 8, 5)],
        "{}",
        messages(&l)
    );
    assert!(messages(&l).contains("jobmanager.scheduler is not set, so the default scheduler runs"));
    let old = lint(
        &deployment("job.autoscaler.enabled: true\njobmanager.scheduler: adaptive")
            .replace("v1_20", "v1_17"),
    );
    assert_eq!(
        found(&old),
        [("rescale-not-in-place", "warning", 6, 17)],
        "{}",
        messages(&old)
    );
    // Scaling off (metrics only): nothing to rescale.
    let passive = lint(&deployment(
        "job.autoscaler.enabled: true\njob.autoscaler.scaling.enabled: false",
    ));
    assert_eq!(found(&passive), []);
    // Autoscaler off: nothing either.
    assert_eq!(
        found(&lint(&deployment("job.autoscaler.enabled: false"))),
        []
    );
}

#[test]
fn flink_versions() {
    let l = lint(
        &deployment("jobmanager.scheduler: adaptive\njob.autoscaler.enabled: true")
            .replace("v1_20", "v1_16"),
    );
    let f = found(&l);
    assert!(
        f.contains(&("flink-version-unsupported", "warning", 6, 17)),
        "{}",
        messages(&l)
    );
    let l = lint(&deployment("a: b").replace("v1_20", "v1_14"));
    assert_eq!(found(&l), [("flink-version-unsupported", "error", 6, 17)]);
    let l = lint(&deployment("a: b").replace("v1_20", "v3_0"));
    assert_eq!(found(&l), [("flink-version-unsupported", "error", 6, 17)]);
    let l = lint(&deployment("a: b").replace("  flinkVersion: v1_20\n", ""));
    assert_eq!(found(&l), [("flink-version-unsupported", "error", 1, 1)]);
}

#[test]
fn parallelism_above_the_configured_max() {
    let l = lint(&deployment(
        "pipeline.max-parallelism: 2\npipeline.jobvertex-parallelism-overrides: a:1,b:3",
    ));
    assert_eq!(
        found(&l),
        [
            ("parallelism-above-max", "error", 9, 47),
            ("parallelism-above-max", "error", 12, 18),
        ],
        "{}",
        messages(&l)
    );
    let q = lint(&deployment("a: b").replace("parallelism: 4", "parallelism: \"4\""));
    assert_eq!(found(&q), [("invalid-value", "error", 11, 18)]);
}

#[test]
fn memory_tuning_and_quotas_without_sizes_have_no_effect() {
    let l = lint(&deployment(
        "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
job.autoscaler.memory.tuning.enabled: true
job.autoscaler.quota.cpu: 8",
    ));
    assert_eq!(
        found(&l),
        [
            ("autoscaler-no-effect", "warning", 10, 5),
            ("autoscaler-no-effect", "warning", 11, 5),
        ],
        "{}",
        messages(&l)
    );
}

#[test]
fn a_session_job_runs_with_its_cluster_settings() {
    let text = "apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: session
spec:
  flinkVersion: v1_20
  flinkConfiguration:
    job.autoscaler.enabled: \"true\"
---
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: job
spec:
  deploymentName: session
  flinkConfiguration:
    job.autoscaler.memory.tuning.enabled: \"true\"
  job:
    jarURI: local:///x.jar
    parallelism: 2
";
    let l = lint(text);
    assert_eq!(l.documents.len(), 2);
    assert_eq!(
        found(&l),
        [
            ("rescale-not-in-place", "warning", 15, 3),
            ("autoscaler-no-effect", "warning", 17, 5),
        ],
        "{}",
        messages(&l)
    );
    assert_eq!(l.documents[1].autoscaler, AutoscalerSwitch::Enabled);
}

#[test]
fn a_file_without_flink_options_is_an_error() {
    let e = check_text(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        &Request {
            version: Version::V1_16,
            graph: None,
        },
    )
    .unwrap_err();
    assert!(e.message.contains("skipped ConfigMap `c` (line 1)"), "{e}");
}

#[test]
fn prefixless_autoscaler_keys() {
    let l = check_text(
        "config.yaml",
        "metrics.window: 5 min\nenabled: true\n",
        &Request {
            version: Version::V1_16,
            graph: None,
        },
    )
    .unwrap();
    assert_eq!(found(&l), [("unknown-option", "warning", 1, 1)]);
    assert!(messages(&l).contains("written job.autoscaler.metrics.window"));
}

fn lab_graph() -> Graph {
    let text = include_str!("../../fixtures/lab/udf_bottleneck/job.json");
    crate::graph::read("job.json", text, None).expect("the lab job reads")
}

#[test]
fn with_the_graph_overrides_and_exclusions_name_real_vertices() {
    let g = lab_graph();
    let l = lint_with(
        &deployment(
            "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
pipeline.jobvertex-parallelism-overrides: 20ba6b65f97481d5570070de90e4e791:200,ffffffffffffffffffffffffffffffff:2,BC764CD8DDF7A0CFF126F51C16239658:1
job.autoscaler.vertex.exclude.ids: b5c8d46f3e7b141acf271f12622e752b;00000000000000000000000000000000",
        ),
        Version::V1_16,
        Some(&g),
    );
    assert_eq!(
        found(&l),
        [
            ("parallelism-above-max", "error", 10, 47),
            ("unknown-vertex", "warning", 10, 47),
            ("unknown-vertex", "warning", 10, 47),
            ("unknown-vertex", "warning", 11, 40),
        ],
        "{}",
        messages(&l)
    );
    let m = messages(&l);
    assert!(m.contains("above its max parallelism 128"), "{m}");
    assert!(m.contains("another letter case"), "{m}");
}

#[test]
fn with_the_graph_the_job_parallelism_and_min_parallelism_against_vertex_max() {
    let g = lab_graph();
    let l = lint_with(
        &deployment("jobmanager.scheduler: adaptive\njob.autoscaler.enabled: true\njob.autoscaler.vertex.min-parallelism: 150")
            .replace("parallelism: 4", "parallelism: 300"),
        Version::V1_16,
        Some(&g),
    );
    assert_eq!(
        found(&l),
        [
            ("parallelism-above-max", "warning", 10, 44),
            ("parallelism-above-max", "warning", 13, 18),
        ],
        "{}",
        messages(&l)
    );
}

#[test]
fn with_the_graph_a_quota_below_what_the_job_uses() {
    let g = lab_graph();
    let mut text = deployment(
        "jobmanager.scheduler: adaptive
job.autoscaler.enabled: true
taskmanager.numberOfTaskSlots: 1
job.autoscaler.quota.cpu: 1.5
job.autoscaler.quota.memory: 2g",
    );
    text.push_str("  taskManager:\n    resource:\n      memory: 2048m\n      cpu: 1\n");
    let l = lint_with(&text, Version::V1_16, Some(&g));
    // One slot-sharing group: 2 slots, 2 TaskManagers of 1 core and 2 GiB.
    assert_eq!(
        found(&l),
        [
            ("quota-below-usage", "warning", 11, 31),
            ("quota-below-usage", "warning", 12, 34),
        ],
        "{}",
        messages(&l)
    );
    assert!(
        messages(&l).contains("below the 2 cores the job uses now"),
        "{}",
        messages(&l)
    );
    // Without the graph nothing is known of the usage.
    assert_eq!(found(&lint(&text)), []);
}

#[test]
fn an_execution_plan_without_vertex_ids_notes_what_it_cannot_check() {
    let text = include_str!("../../fixtures/lab/udf_bottleneck/execution_plan.json");
    let g = crate::graph::read("plan.json", text, None).expect("the plan reads");
    let l = lint_with(
        &deployment(
            "jobmanager.scheduler: adaptive\npipeline.jobvertex-parallelism-overrides: abc:2",
        ),
        Version::V1_16,
        Some(&g),
    );
    assert_eq!(found(&l), []);
    assert!(
        l.notes.iter().any(|n| n.contains("names no JobVertexIDs")),
        "{:?}",
        l.notes
    );
}

#[test]
fn huge_parallelisms_in_the_graph_do_not_overflow() {
    let text = include_str!("../../fixtures/lab/udf_bottleneck/job.json")
        .replace("\"parallelism\": 2", "\"parallelism\": 9223372036854775807");
    let g = crate::graph::read("job.json", &text, None).expect("the job reads");
    let mut conf = deployment(
        "jobmanager.scheduler: adaptive\njob.autoscaler.enabled: true\ntaskmanager.numberOfTaskSlots: 2147483647\njob.autoscaler.quota.cpu: 1",
    );
    conf.push_str("  taskManager:\n    resource:\n      memory: 2048m\n      cpu: 1\n");
    let _ = lint_with(&conf, Version::V1_16, Some(&g));
}
