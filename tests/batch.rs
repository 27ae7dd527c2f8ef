//! `planscale recommend batch` on the real capture of a Flink 2.3.0 batch job
//! (fixtures/lab-batch/join_agg, written by e2e/batch.sh), and its input errors.

mod common;

use serde_json::Value;

const JOB: &str = "join_agg";

fn details() -> String {
    common::batch_capture(JOB, "job.json")
}

fn config() -> String {
    common::batch_capture(JOB, "config.yaml")
}

fn batch(args: &[&str]) -> common::Outcome {
    common::planscale(&[&["recommend", "batch"], args].concat())
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let out = batch(&a);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// Flink's own choice, from the captured job details.
fn flink_choice() -> Vec<(String, u64)> {
    flink_choice_of(JOB)
}

fn flink_choice_of(job: &str) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(common::batch_capture(job, "job.json")),
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_string(),
                v["parallelism"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn planscale_derives_the_parallelism_flink_chose_for_every_vertex() {
    let doc = json(&[&details(), "--config", &config()]);
    let ours = doc["vertices"].as_array().unwrap();
    let flink = flink_choice();
    assert_eq!(ours.len(), flink.len());
    for (id, p) in &flink {
        let v = ours.iter().find(|v| v["id"] == id.as_str()).unwrap();
        assert_eq!(v["parallelism"].as_u64(), Some(*p), "{v:#}");
        assert_eq!(v["flink_parallelism"].as_u64(), Some(*p));
    }
    let join = ours
        .iter()
        .find(|v| v["name"] == "AdaptiveJoin[17] -> Calc[7]")
        .unwrap();
    assert_eq!(join["bound"], "max");
    assert_eq!(join["consumed_bytes"], 21_600_832);
    assert!(join["reason"]
        .as_str()
        .unwrap()
        .contains("= 9, above max parallelism 8"));
    let option = |k: &str| {
        doc["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["key"] == k)
            .unwrap()
            .clone()
    };
    let avg = option("execution.batch.adaptive.auto-parallelism.avg-data-volume-per-task");
    assert_eq!(avg["value"], "2560kb");
    assert!(
        avg["source"].as_str().unwrap().starts_with(&config()),
        "{avg}"
    );
}

/// The same job run with min-parallelism 3 and 16 mb per task: every non-source vertex asked
/// for one or two tasks, and Flink moved each to the closest legal count, 3.
#[test]
fn the_min3_run_too() {
    let job = "join_agg_min3";
    let doc = json(&[
        &common::batch_capture(job, "job.json"),
        "--config",
        &common::batch_capture(job, "config.yaml"),
    ]);
    let ours = doc["vertices"].as_array().unwrap();
    for (id, p) in flink_choice_of(job) {
        let v = ours.iter().find(|v| v["id"] == id.as_str()).unwrap();
        assert_eq!(v["parallelism"].as_u64(), Some(p), "{v:#}");
    }
    assert_eq!(
        ours.iter().map(|v| v["bound"].clone()).collect::<Vec<_>>(),
        [
            Value::Null,
            Value::Null,
            Value::Null,
            "min".into(),
            "min".into(),
            "min".into()
        ]
    );
    let pointwise = ours[4]["reason"].as_str().unwrap();
    assert!(
        pointwise.contains("9 pointwise slices") && pointwise.contains("4 per task gives 3"),
        "3 producers write ceil(8 / 3) = 3 subpartitions each: {pointwise}"
    );
}

/// The same job with neither max-parallelism nor default-source-parallelism set: Flink 2.3
/// falls back to the job's parallelism, parallelism.default's default 1, for both (not 128),
/// and ran every vertex at 1.
#[test]
fn the_run_with_flinks_defaults() {
    let job = "join_agg_defaults";
    let doc = json(&[
        &common::batch_capture(job, "job.json"),
        "--config",
        &common::batch_capture(job, "config.yaml"),
    ]);
    let ours = doc["vertices"].as_array().unwrap();
    for (id, p) in flink_choice_of(job) {
        assert_eq!(p, 1);
        let v = ours.iter().find(|v| v["id"] == id.as_str()).unwrap();
        assert_eq!(v["parallelism"].as_u64(), Some(p), "{v:#}");
    }
    assert_eq!(
        ours[0]["reason"],
        "source: default-source-parallelism is not set, so the max parallelism 1"
    );
    let max = doc["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["key"] == "execution.batch.adaptive.auto-parallelism.max-parallelism")
        .unwrap()
        .clone();
    assert_eq!(
        (max["value"].as_str(), max["source"].as_str()),
        (Some("1"), Some("default"))
    );
}

/// The same job grouped by 64 keys (E2E_BUCKETS=64): 64 keys hash unevenly over the
/// aggregate's 8 subpartitions (its tasks read 1.15 to 2.18 MB), and Flink's packing of the real
/// sizes gave 5 tasks where even subpartitions give 4. planscale cannot see subpartition sizes in
/// the REST details; it says so for that vertex, and agrees on every other one.
#[test]
fn the_skewed_run_is_flagged_where_the_model_cannot_follow() {
    let job = "join_agg_skewed";
    let args = [
        common::batch_capture(job, "job.json"),
        "--config".into(),
        common::batch_capture(job, "config.yaml"),
        "--format".into(),
        "json".into(),
    ];
    let out = batch(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let ours = doc["vertices"].as_array().unwrap();
    let agg = "2ea33714643c2685e9b6d199f985e60d";
    for (id, p) in flink_choice_of(job) {
        let v = ours.iter().find(|v| v["id"] == id.as_str()).unwrap();
        if id == agg {
            assert_eq!((p, v["parallelism"].as_u64()), (5, Some(4)));
        } else {
            assert_eq!(v["parallelism"].as_u64(), Some(p), "{v:#}");
        }
    }
    let warning = "HashAggregate[14] -> Calc[15] -> totals[16]: Writer: Flink ran it at 5, and the same run under the same options gives 4 here: its subpartitions are likely uneven";
    assert!(out.stderr.contains(warning), "{}", out.stderr);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 1);
    assert!(doc["warnings"][0].as_str().unwrap().starts_with(warning));
}

/// The same job with auto-parallelism disabled and parallelism.default 3: Flink keeps every
/// vertex at the job's default parallelism, and so does planscale.
#[test]
fn the_run_without_auto_parallelism() {
    let job = "join_agg_disabled";
    let doc = json(&[
        &common::batch_capture(job, "job.json"),
        "--config",
        &common::batch_capture(job, "config.yaml"),
    ]);
    let ours = doc["vertices"].as_array().unwrap();
    let flink = flink_choice_of(job);
    assert!(flink.iter().all(|(_, p)| *p == 3));
    for (id, p) in flink {
        let v = ours.iter().find(|v| v["id"] == id.as_str()).unwrap();
        assert_eq!(v["parallelism"].as_u64(), Some(p), "{v:#}");
        assert_eq!(v["basis"], "auto-parallelism-disabled");
    }
}

#[test]
fn text_names_each_vertex_with_its_reason() {
    let out = batch(&[&details(), "--config", &config()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    for line in [
        "Source: orders[1] -> Calc[2]: source: default-source-parallelism 2",
        "AdaptiveJoin[17] -> Calc[7]: 20.6 MiB / 2.5 MiB per task = 9, above max parallelism 8; 8 subpartitions of ~2.6 MiB fit 1 per task: 8 tasks",
        "AdaptiveJoin[18] -> Calc[12]: 7.8 MiB / 2.5 MiB per task = 4; 8 pointwise slices",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.stdout);
    }
}

#[test]
fn overrides_are_flinks_choice() {
    let out = batch(&[&details(), "--config", &config(), "--format", "overrides"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pairs: Vec<String> = flink_choice()
        .iter()
        .map(|(id, p)| format!("{id}:{p}"))
        .collect();
    assert_eq!(
        out.stdout,
        format!(
            "pipeline.jobvertex-parallelism-overrides: {}\n",
            pairs.join(",")
        )
    );
}

#[test]
fn what_if_the_input_grows_and_a_sweep_of_the_volume_per_task() {
    let doc = json(&[
        &details(),
        "--config",
        &config(),
        "--scale-volume",
        "3",
        "--sweep-avg-data-volume",
        "1mb, 16mb,64mb",
    ]);
    assert_eq!(doc["scale_volume"], 3);
    let p: Vec<Value> = doc["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["parallelism"].clone())
        .collect();
    // Three times the bytes: 8 subpartitions of 2.9 MiB fit one per 2.5 MiB task.
    assert_eq!(p, [2, 2, 2, 8, 8, 8].map(Value::from).to_vec());
    let sweep = doc["sweep"].as_array().unwrap();
    assert_eq!(sweep.len(), 3);
    let join = "2e932a4a909af3c9f1a42feaf63f850d";
    let at = |i: usize| sweep[i]["parallelism"][join].clone();
    assert_eq!((at(0), at(1), at(2)), (8.into(), 4.into(), 1.into()));
    assert_eq!(sweep[1]["avg_data_volume_per_task"], 16 << 20);
}

#[test]
fn options_from_defines_win_over_the_file() {
    let doc = json(&[
        &details(),
        "--config",
        &config(),
        "-D",
        "execution.batch.adaptive.auto-parallelism.max-parallelism=4",
        "-D",
        "execution.batch.adaptive.auto-parallelism.default-source-parallelism=16",
    ]);
    let p: Vec<Option<u64>> = doc["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["parallelism"].as_u64())
        .collect();
    // The rest at the new max 4. The sources would get 16 capped at their max parallelism 8,
    // but Flink ran them at 2: below that bound a source has inferred (or been given) its own
    // parallelism, which the details do not show, so planscale does not claim one.
    assert_eq!(p, [None, None, None, Some(4), Some(4), Some(4)]);
    let missing = doc["vertices"][0]["missing"].as_str().unwrap();
    assert!(
        missing.contains("at 2, below its upper bound 8"),
        "{missing}"
    );
}

fn temp(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

fn real_details() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(details()))
        .unwrap()
}

#[test]
fn a_vertex_without_byte_counters_is_undecided_and_says_so() {
    // The orders source's write-bytes removed: the join it feeds cannot be decided; the
    // others still are (the broadcast join's pointwise slices use the join's recorded
    // parallelism).
    let text = real_details().replacen(
        "\"write-bytes\":15000416,\"write-bytes-complete\":true,",
        "",
        1,
    );
    assert_ne!(text, real_details(), "the capture has the counter");
    let (_d, path) = temp("job.json", &text);
    let doc = json(&[&path, "--config", &config()]);
    let join = &doc["vertices"][3];
    assert_eq!(join["parallelism"], Value::Null);
    let missing = join["missing"].as_str().unwrap();
    assert!(
        missing.contains("no complete write-bytes for Source: orders[1] -> Calc[2]"),
        "{missing}"
    );
    assert_eq!(doc["vertices"][4]["parallelism"], 4);
    let out = batch(&[&path, "--config", &config(), "--format", "overrides"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr
            .contains("warning: 2e932a4a909af3c9f1a42feaf63f850d is left out"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("2e932a4a909af3c9f1a42feaf63f850d"));
}

/// Exit 2 with one `error:` line; file errors carry file:line:col.
fn refused(args: &[&str]) -> String {
    let out = batch(args);
    assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    lines[0].to_string()
}

#[test]
fn input_errors_are_one_line_with_the_position_or_the_flag() {
    let d = details();
    let e = refused(&[
        &d,
        "-D",
        "execution.batch.adaptive.auto-parallelism.min-parallelism=0",
    ]);
    assert_eq!(
        e,
        "error: -D execution.batch.adaptive.auto-parallelism.min-parallelism=0: allowed: 1 to 2147483647"
    );
    let (_c, cfg) = temp(
        "config.yaml",
        "execution:\n  batch:\n    adaptive:\n      auto-parallelism:\n        avg-data-volume-per-task: 16 parsecs\n",
    );
    let e = refused(&[&d, "--config", &cfg]);
    assert!(
        e.starts_with(&format!(
            "error: {cfg}:5:9: execution.batch.adaptive.auto-parallelism.avg-data-volume-per-task = `16 parsecs`:"
        )),
        "{e}"
    );
    let e = refused(&[
        &d,
        "-D",
        "execution.batch.adaptive.auto-parallelism.min-parallelism=10",
        "-D",
        "execution.batch.adaptive.auto-parallelism.max-parallelism=4",
    ]);
    assert!(e.contains("max-parallelism=4: allowed: 10"), "{e}");
    assert!(refused(&[&d, "--scale-volume", "0"]).contains("allowed: a number above 0"));
    assert!(refused(&[&d, "--scale-volume", "lots"]).contains("--scale-volume lots"));
    assert!(refused(&[&d, "--sweep-avg-data-volume", "16mb,0"]).contains("allowed: 1 b or more"));
    assert!(
        refused(&[&d, "--sweep-avg-data-volume", "16mb,x", "--format", "json"])
            .contains("not a memory size")
    );
    let (_j, bad) = temp("job.json", "{\"vertices\": [\n  {\"id\": 1,}\n]}");
    let e = refused(&[&bad]);
    assert!(e.starts_with(&format!("error: {bad}:2:")), "{e}");
    let (_p, plan) = temp("plan.json", "{\"plan\": {\"nodes\": []}}");
    assert!(refused(&[&plan]).contains("need a `vertices` array"));
    assert!(refused(&["fixtures/does-not-exist.json"]).contains("does-not-exist.json"));
    assert!(refused(&[
        &d,
        "--sweep-avg-data-volume",
        "16mb",
        "--format",
        "overrides"
    ])
    .contains("--format overrides writes one"));
    assert!(refused(&[&d, "-o", &d]).contains("-o"));
    let (_y, cyc) = temp(
        "job.json",
        "{\"vertices\": [{\"id\": \"a\"},\n {\"id\": \"b\"}],\n \"plan\": {\"nodes\": [\n  \
         {\"id\": \"a\", \"inputs\": [{\"id\": \"b\", \"ship_strategy\": \"HASH\"}]},\n  \
         {\"id\": \"b\", \"inputs\": [{\"id\": \"a\", \"ship_strategy\": \"HASH\"}]}]}}",
    );
    let e = refused(&[&cyc]);
    assert!(
        e.starts_with(&format!("error: {cyc}:")) && e.contains("cycle"),
        "{e}"
    );
}

#[test]
fn batch_does_not_mix_with_the_streaming_flags() {
    let out = common::planscale(&[
        "recommend",
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "batch",
        &details(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
}

#[test]
fn notes_say_when_the_settings_cost_something() {
    let out = batch(&[
        &details(),
        "--config",
        &config(),
        "-D",
        "execution.batch.adaptive.auto-parallelism.avg-data-volume-per-task=1mb",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "note: AdaptiveJoin[17] -> Calc[7]: 8 tasks at its max parallelism take ~2.6 MiB each, 2.6x avg-data-volume-per-task (the data asks for 21)"
        ),
        "{}",
        out.stdout
    );
    // Without options: Flink's defaults, and a warning that the details do not carry the
    // job's own.
    let out = batch(&[&details()]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains("warning: no --config or -D"),
        "{}",
        out.stderr
    );
}

#[test]
fn misspelt_options_get_a_suggestion() {
    let out = batch(&[
        &details(),
        "-D",
        "execution.batch.adaptive.auto-parallelism.max-paralelism=4",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("did you mean execution.batch.adaptive.auto-parallelism.max-parallelism?"),
        "{}",
        out.stderr
    );
}
