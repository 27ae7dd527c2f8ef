//! `planscale config validate` end to end: a fixture per rule with the position of each finding,
//! real-world-shaped files (several documents, comments, anchors, quoted and unquoted values,
//! Helm values, flink-conf.yaml, nested config.yaml), a clean FlinkDeployment, the exit codes,
//! unreadable input, and the SARIF log validated against the OASIS schema (as tests/sarif.rs
//! does for `plan validate`).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use common::{planscale, Outcome};
use jsonschema::Validator;
use planscale::diagnostic::Family;
use serde_json::Value;

const DIR: &str = "fixtures/config-validate";
const GRAPH: &str = "fixtures/lab/udf_bottleneck/job.json";
const SCHEMA: &str = "fixtures/sarif/sarif-schema-2.1.0.json";

/// `config validate FILES... ARGS...`.
fn validate(files: &[&str], args: &[&str]) -> Outcome {
    let mut a = vec!["config", "validate"];
    a.extend_from_slice(files);
    a.extend_from_slice(args);
    planscale(&a)
}

fn json(files: &[&str], args: &[&str]) -> (Outcome, Value) {
    let mut a = args.to_vec();
    a.extend_from_slice(&["--format", "json"]);
    let out = validate(files, &a);
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, out.stderr));
    (out, v)
}

/// `(rule, severity, line, column)` of every finding of the JSON output, file by file.
fn findings(v: &Value) -> Vec<(String, String, u64, u64)> {
    let mut out = Vec::new();
    for f in v["files"].as_array().expect("files") {
        for doc in f["documents"].as_array().expect("documents") {
            for d in doc["diagnostics"].as_array().expect("diagnostics") {
                out.push((
                    d["rule"].as_str().expect("rule").to_string(),
                    d["severity"].as_str().expect("severity").to_string(),
                    d["line"].as_u64().expect("line"),
                    d["column"].as_u64().expect("column"),
                ));
            }
        }
    }
    out
}

fn want(list: &[(&str, &str, u64, u64)]) -> Vec<(String, String, u64, u64)> {
    list.iter()
        .map(|(r, s, l, c)| (r.to_string(), s.to_string(), *l, *c))
        .collect()
}

/// The text on line `line` of `file` from column `column` (1-based, characters).
fn text_at(file: &str, line: u64, column: u64) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .expect("the fixture reads");
    let l = text
        .lines()
        .nth(line as usize - 1)
        .expect("the line exists");
    l.chars().skip(column as usize - 1).collect()
}

/// Each rule fixture: its file, extra arguments, the findings and what each points at.
type RuleCase = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str, u64, u64)],
    &'static [&'static str],
);

const RULES: &[RuleCase] = &[
    (
        "unknown-option",
        &[],
        &[("unknown-option", "warning", 12, 5)],
        &["job.autoscaler.utilisation.target:"],
    ),
    (
        "deprecated-option",
        &[],
        &[("deprecated-option", "warning", 12, 5)],
        &["job.autoscaler.target.utilization:"],
    ),
    (
        "duplicate-option",
        &[],
        &[("duplicate-option", "warning", 12, 5)],
        &["job.autoscaler.metrics.window: 5m"],
    ),
    (
        "invalid-value",
        &[],
        &[("invalid-value", "error", 12, 44)],
        &["1.5m"],
    ),
    (
        "value-out-of-range",
        &[],
        &[("value-out-of-range", "error", 12, 40)],
        &["\"1.2\""],
    ),
    (
        "inconsistent-options",
        &[],
        &[("inconsistent-options", "error", 13, 37)],
        &["\"0.8\""],
    ),
    (
        "window-below-reconcile-interval",
        &[],
        &[("window-below-reconcile-interval", "error", 12, 36)],
        &["30s"],
    ),
    (
        "rescale-not-in-place",
        &[],
        &[("rescale-not-in-place", "warning", 10, 5)],
        &["job.autoscaler.enabled:"],
    ),
    (
        "flink-version-unsupported",
        &[],
        &[("flink-version-unsupported", "error", 8, 17)],
        &["v1_14"],
    ),
    (
        "autoscaler-no-effect",
        &[],
        &[("autoscaler-no-effect", "warning", 26, 5)],
        &["job.autoscaler.memory.tuning.enabled:"],
    ),
    (
        "parallelism-above-max",
        &[],
        &[("parallelism-above-max", "error", 24, 18)],
        &["12"],
    ),
    (
        "unknown-vertex",
        &["--graph", GRAPH],
        &[("unknown-vertex", "warning", 13, 47)],
        &["bc764cd8ddf7a0cff126f51c16239658:1,0a44"],
    ),
    (
        "quota-below-usage",
        &["--graph", GRAPH],
        &[("quota-below-usage", "warning", 13, 31)],
        &["\"1\""],
    ),
];

fn rule_file(rule: &str) -> String {
    format!("{DIR}/rules/{rule}.yaml")
}

#[test]
fn each_rule_fixture_finds_its_rule_where_it_is() {
    for (rule, args, expected, shown) in RULES {
        let file = rule_file(rule);
        let (out, v) = json(&[&file], args);
        assert_eq!(findings(&v), want(expected), "{file}: {}", out.stdout);
        for ((_, _, line, column), text) in expected.iter().zip(*shown) {
            let at = text_at(&file, *line, *column);
            assert!(at.starts_with(text), "{file}:{line}:{column} shows {at:?}");
        }
        let errors = expected.iter().any(|(_, s, _, _)| *s == "error");
        assert_eq!(out.code, i32::from(errors), "{file}: {}", out.stderr);
    }
}

#[test]
fn every_config_rule_has_a_fixture_and_no_fixture_is_unlisted() {
    let names: BTreeSet<&str> = Family::Config.rules().iter().map(|r| r.name()).collect();
    let covered: BTreeSet<&str> = RULES.iter().map(|(r, ..)| *r).collect();
    assert_eq!(covered, names);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(DIR)
        .join("rules");
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
        .expect("the rules fixtures")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".yaml")
                .to_string()
        })
        .collect();
    let listed: BTreeSet<String> = covered.iter().map(|s| s.to_string()).collect();
    assert_eq!(on_disk, listed);
}

#[test]
fn a_clean_deployment_passes() {
    let file = format!("{DIR}/clean.yaml");
    let out = validate(&[&file], &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("FlinkDeployment `orders-enrichment` (line 3)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(" ok "), "{}", out.stdout);
    assert!(!out.stdout.contains("warning["), "{}", out.stdout);
    assert_eq!(out.stderr, "");
    let (_, v) = json(&[&file], &["--deny-warnings", "--graph", GRAPH]);
    assert_eq!(findings(&v), []);
    assert_eq!(v["files"][0]["ok"], true);
    assert_eq!(v["files"][0]["documents"][0]["autoscaler"], "enabled");
    assert_eq!(v["files"][0]["documents"][0]["kind"], "FlinkDeployment");
    assert_eq!(v["autoscaler_version"], "1.16.0");
    assert_eq!(v["graph"], GRAPH);
}

#[test]
fn several_documents_with_comments_anchors_and_quotes() {
    let file = format!("{DIR}/platform.yaml");
    let (out, v) = json(&[&file], &[]);
    assert_eq!(
        findings(&v),
        want(&[
            ("deprecated-option", "warning", 64, 5),
            ("autoscaler-no-effect", "warning", 66, 7),
            ("rescale-not-in-place", "warning", 79, 17),
            ("inconsistent-options", "error", 84, 37),
        ]),
        "{}",
        out.stdout
    );
    assert_eq!(out.code, 1);
    let docs = v["files"][0]["documents"].as_array().expect("documents");
    let labels: Vec<&str> = docs
        .iter()
        .map(|d| d["document"].as_str().expect("label"))
        .collect();
    assert_eq!(
        labels,
        [
            "FlinkDeployment `shared-session` (line 12)",
            "FlinkSessionJob `clickstream-sessionize` (line 41)",
            "FlinkSessionJob `fraud-scoring` (line 56)",
            "FlinkDeployment `orders-enrichment` (line 72)",
        ]
    );
    // The session jobs inherit the cluster's switch.
    assert!(docs.iter().all(|d| d["autoscaler"] == "enabled"));
    assert_eq!(
        v["files"][0]["notes"],
        serde_json::json!(["skipped ConfigMap `platform-settings` (line 5): no Flink options"])
    );
    let msgs: Vec<&str> = docs
        .iter()
        .flat_map(|d| d["diagnostics"].as_array().expect("diagnostics"))
        .map(|d| d["message"].as_str().expect("message"))
        .collect();
    assert!(
        msgs[1].contains("not of a FlinkSessionJob"),
        "the YAML 1.1 `on` reads as true: {msgs:?}"
    );
    assert!(msgs[2].contains("spec.flinkVersion is v1_17"), "{msgs:?}");
    // Text mode: the note goes to stderr, stdout keeps findings and the table.
    let text = validate(&[&file], &[]);
    assert_eq!(
        text.stderr,
        format!("note: {file}: skipped ConfigMap `platform-settings` (line 5): no Flink options\n")
    );
    assert!(text
        .stdout
        .starts_with(&format!("{file}:64:5: warning[deprecated-option]: ")));
}

#[test]
fn helm_values_flink_conf_and_nested_config_yaml() {
    let (out, v) = json(
        &[
            &format!("{DIR}/helm-values.yaml"),
            &format!("{DIR}/flink-conf.yaml"),
            &format!("{DIR}/config.yaml"),
        ],
        &[],
    );
    assert_eq!(
        findings(&v),
        want(&[
            // Helm values: positions inside the embedded config.yaml, in the outer file.
            ("deprecated-option", "warning", 20, 9),
            ("window-below-reconcile-interval", "error", 22, 23),
            ("unknown-option", "warning", 24, 7),
            ("rescale-not-in-place", "warning", 25, 27),
            // flink-conf.yaml: Flink 1.x keeps the quotes of a value.
            ("rescale-not-in-place", "warning", 7, 1),
            ("duplicate-option", "warning", 8, 1),
            ("deprecated-option", "warning", 10, 1),
            ("invalid-value", "error", 11, 37),
            // Nested config.yaml.
            ("parallelism-above-max", "error", 8, 36),
        ]),
        "{}",
        out.stdout
    );
    let text = out.stdout;
    assert!(
        text.contains("did you mean job.autoscaler.scale-down.interval?"),
        "{text}"
    );
    assert!(text.contains("the quotes are part of the value"), "{text}");
    assert!(
        text.contains("refuses every resource that keeps these defaults"),
        "{text}"
    );
    assert!(
        text.contains("the later line wins, so `5m` is used"),
        "{text}"
    );
}

#[test]
fn the_chosen_autoscaler_release_decides() {
    let window = rule_file("window-below-reconcile-interval");
    let config = format!("{DIR}/config.yaml");
    let (_, v) = json(&[&window, &config], &["--flink-autoscaler-version", "1.15"]);
    assert_eq!(
        findings(&v),
        want(&[
            // 1.15's validator does not refuse it, the autoscaler still never scales.
            ("window-below-reconcile-interval", "warning", 12, 36),
            ("parallelism-above-max", "error", 8, 36),
            ("unknown-option", "warning", 17, 5),
        ])
    );
    assert_eq!(v["autoscaler_version"], "1.15.0");
    let (_, main) = json(&[&config], &["--flink-autoscaler-version", "main"]);
    assert_eq!(
        findings(&main),
        want(&[("parallelism-above-max", "error", 8, 36)])
    );
}

#[test]
fn exit_codes_and_deny_warnings() {
    let warn_only = rule_file("deprecated-option");
    assert_eq!(validate(&[&warn_only], &[]).code, 0);
    let denied = validate(&[&warn_only], &["--deny-warnings"]);
    assert_eq!(denied.code, 1);
    assert!(denied.stdout.contains("FAILED"), "{}", denied.stdout);
    let (_, v) = json(&[&warn_only], &["--deny-warnings"]);
    assert_eq!(v["files"][0]["ok"], false);
    assert_eq!(v["files"][0]["documents"][0]["ok"], false);
    assert_eq!(validate(&[&rule_file("invalid-value")], &[]).code, 1);
}

#[test]
fn unreadable_input_is_one_error_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nspec:\n  flinkConfiguration:\n    a: [1, 2\n",
    )
    .expect("write");
    let broken = broken.to_str().expect("a UTF-8 path");
    let only_cm = dir.path().join("cm.yaml");
    std::fs::write(
        &only_cm,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )
    .expect("write");
    let only_cm = only_cm.to_str().expect("a UTF-8 path");
    let clean = format!("{DIR}/clean.yaml");
    let out = validate(
        &[broken, &clean, "fixtures/does-not-exist.yaml", only_cm],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 3, "{}", out.stderr);
    assert!(
        errors[0].starts_with(&format!("error: {broken}:6:1: YAML syntax error: ")),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("fixtures/does-not-exist.yaml"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].contains("no Flink options found (skipped ConfigMap `c` (line 1))"),
        "{}",
        errors[2]
    );
    // The readable file is still checked and reported.
    assert!(out.stdout.contains("orders-enrichment"), "{}", out.stdout);
    assert!(out.stdout.contains("unreadable"), "{}", out.stdout);
    assert!(!out.stderr.contains("panicked"));

    let bad_graph = validate(&[&clean], &["--graph", "fixtures/bad/truncated.json"]);
    assert_eq!(bad_graph.code, 2);
    assert!(
        bad_graph
            .stderr
            .starts_with("error: fixtures/bad/truncated.json:"),
        "{}",
        bad_graph.stderr
    );
}

#[test]
fn never_panics_on_any_config_fixture_or_garbage() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "fixtures/config",
        "fixtures/config-cli",
        "fixtures/bad",
        DIR,
    ] {
        for e in std::fs::read_dir(root.join(dir)).expect("a fixture dir") {
            let p = e.expect("an entry").path();
            if p.is_file() {
                files.push(
                    p.strip_prefix(root)
                        .expect("relative")
                        .display()
                        .to_string(),
                );
            }
        }
    }
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    for format in ["text", "json", "sarif", "github"] {
        let out = validate(&refs, &["--graph", GRAPH, "--format", format]);
        assert!(matches!(out.code, 0..=2), "{format}: {}", out.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF and GitHub

fn schema() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA);
        let text = std::fs::read_to_string(path).expect("the vendored SARIF schema");
        let doc: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&doc)
            .expect("the SARIF 2.1.0 schema compiles")
    })
}

fn valid_sarif(out: &Outcome) -> Value {
    let doc: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout));
    let errors: Vec<String> = schema()
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF violates the schema:\n{}",
        errors.join("\n")
    );
    doc
}

#[test]
fn sarif_is_valid_lists_the_config_rules_and_matches_the_json() {
    let mut files: Vec<String> = RULES.iter().map(|(r, ..)| rule_file(r)).collect();
    files.push(format!("{DIR}/platform.yaml"));
    files.push(format!("{DIR}/clean.yaml"));
    files.push("fixtures/does-not-exist.yaml".into());
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = validate(&refs, &["--graph", GRAPH, "--format", "sarif"]);
    assert_eq!(out.code, 2, "a missing FILE is exit 2 in every format");
    let doc = valid_sarif(&out);
    let run = &doc["runs"][0];

    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let config: Vec<&str> = Family::Config.rules().iter().map(|r| r.name()).collect();
    assert_eq!(ids, config, "the config family only, in table order");
    for r in rules {
        assert!(r["help"]["text"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(r.get("properties").is_none(), "no console verdict: {r}");
    }

    let (_, v) = json(&refs, &["--graph", GRAPH]);
    let mut expected = Vec::new();
    for f in v["files"].as_array().expect("files") {
        for d in f["documents"].as_array().expect("documents") {
            for x in d["diagnostics"].as_array().expect("diagnostics") {
                expected.push((f["file"].clone(), d["document"].clone(), x.clone()));
            }
        }
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), expected.len());
    for (r, (file, document, d)) in results.iter().zip(&expected) {
        assert_eq!(r["ruleId"], d["rule"]);
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert_eq!(r["level"], d["severity"]);
        assert_eq!(r["message"]["text"], d["message"]);
        let phys = &r["locations"][0]["physicalLocation"];
        assert_eq!(&phys["artifactLocation"]["uri"], file);
        assert_eq!(phys["region"]["startLine"], d["line"]);
        assert_eq!(phys["region"]["startColumn"], d["column"]);
        assert_eq!(&r["properties"]["document"], document);
        assert_eq!(r["properties"]["key"], d["key"]);
    }
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(
        inv["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"],
        "fixtures/does-not-exist.yaml"
    );
    let artifacts = run["artifacts"].as_array().expect("artifacts");
    assert_eq!(artifacts.len(), files.len() + 1);
    assert_eq!(artifacts[files.len()]["location"]["uri"], GRAPH);
    assert_eq!(
        artifacts[files.len()]["roles"],
        serde_json::json!(["referencedOnCommandLine"])
    );
}

#[test]
fn github_annotations_one_line_per_finding() {
    let file = rule_file("value-out-of-range");
    let out = validate(&[&file], &["--format", "github"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        format!(
            "::error file={file},line=12,col=40,title=value-out-of-range::\
             job.autoscaler.utilization.target = `1.2`: allowed in (0, 1]\n"
        )
    );
    let missing = validate(&["fixtures/nope.yaml"], &["--format", "github"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stdout
            .starts_with("::error file=fixtures/nope.yaml::"),
        "{}",
        missing.stdout
    );
}

#[test]
fn thousands_of_long_unknown_keys_and_repeats_stay_fast() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("config.yaml");
    let mut text = String::new();
    for i in 0..9000 {
        text.push_str(&format!(
            "job.autoscaler.{}{i}: 1\n",
            "utilization.targe".repeat(50)
        ));
    }
    for i in 0..500 {
        text.push_str(&format!("job.autoscaler.metrics.window: {} min\n", i + 1));
    }
    std::fs::write(&path, text).expect("write");
    let started = std::time::Instant::now();
    let (out, v) = json(&[path.to_str().expect("a UTF-8 path")], &[]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let f = findings(&v);
    assert_eq!(f.iter().filter(|x| x.0 == "unknown-option").count(), 9000);
    assert_eq!(f.iter().filter(|x| x.0 == "duplicate-option").count(), 499);
}

/// The example the README proposes for `config validate` prints these findings (the README
/// quotes them; keep both in step).
#[test]
fn the_example_broken_deployment_prints_its_findings() {
    let file = "examples/config-validate/broken-deployment.yaml";
    let out = validate(&[file], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .take_while(|l| !l.starts_with('┌'))
        .collect();
    let expected = [
        "9:5: warning[rescale-not-in-place]: autoscaling is on, but the operator cannot rescale this job in place: jobmanager.scheduler is not set, so the default scheduler runs (in-place needs adaptive); every rescale is a full upgrade that restarts the job",
        "10:36: error[window-below-reconcile-interval]: job.autoscaler.metrics.window (30 s) is shorter than kubernetes.operator.reconcile.interval (1 min, the operator's default; its Helm values may set another): the autoscaler takes one metric sample per reconcile and needs two inside the window, so it never scales; operator 1.16.0 refuses the resource (DefaultValidator.validateMetricsWindow)",
        "11:5: warning[deprecated-option]: job.autoscaler.target.utilization is deprecated: write job.autoscaler.utilization.target",
        "12:37: error[inconsistent-options]: job.autoscaler.utilization.max (0.5) is below job.autoscaler.utilization.target (0.6): the operator allows utilization.max in [utilization.target, 1]",
        "13:5: warning[unknown-option]: unknown option job.autoscaler.scale-down.intervall, ignored (did you mean job.autoscaler.scale-down.interval?)",
        "22:18: error[parallelism-above-max]: spec.job.parallelism 16 is above pipeline.max-parallelism = `12`: Flink refuses to run a vertex above its max parallelism (\"is higher than the max parallelism\")",
    ];
    let expected: Vec<String> = expected.iter().map(|l| format!("{file}:{l}")).collect();
    assert_eq!(lines, expected);
    assert!(out
        .stdout
        .contains("FlinkDeployment `clickstream` (line 1)"));
}

/// The lab cluster's own Flink 2.3 config.yaml (shared/flink-lab/config.yaml.in with its
/// placeholders filled in), checked against a job it ran: nothing to find, and its keys are read
/// as Flink's nested config.yaml (the adaptive scheduler under `jobmanager:`).
#[test]
fn the_lab_clusters_real_config_is_clean_against_its_job() {
    let file = format!("{DIR}/lab-config.yaml");
    let (out, v) = json(
        &[&file],
        &[
            "--graph",
            "fixtures/lab/udf_bottleneck/job.json",
            "--deny-warnings",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(findings(&v).is_empty(), "{v:#}");
}
