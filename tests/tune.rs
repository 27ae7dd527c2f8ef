//! `planscale tune` on generated recordings whose best answer is known by construction
//! (`examples/gen_tune_traces.rs`, included here so the tests and the example write the same
//! bytes): a daily sine a schedule wins, a steady job the defaults already serve, a spiky job a
//! long metric window rides out. Then the figures against `simulate --policy` of the written
//! files, to the byte, and the same output whatever the number of threads.

mod common;

#[path = "../examples/gen_tune_traces.rs"]
#[allow(unreachable_pub)]
mod gen;

use std::fs;
use std::path::{Path, PathBuf};

use common::{cmd, Outcome};
use serde_json::Value;

/// A temporary directory holding the trace's `metrics.csv` and `job.json`.
fn files(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = gen::trace(name).expect("a generated trace");
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("metrics.csv");
    let g = dir.path().join("job.json");
    fs::write(&m, gen::csv(t)).unwrap();
    fs::write(&g, gen::graph(t)).unwrap();
    (dir, m, g)
}

fn run(sub: &str, m: &Path, g: &Path, extra: &[&str], threads: Option<&str>) -> Outcome {
    let mut c = cmd();
    c.arg(sub)
        .arg("--metrics")
        .arg(m)
        .arg("--graph")
        .arg(g)
        .args(extra);
    if let Some(n) = threads {
        c.env("RAYON_NUM_THREADS", n);
    }
    Outcome::of(&mut c)
}

fn tune_json(m: &Path, g: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json", "--restart-time", "1m"];
    args.extend_from_slice(extra);
    let out = run("tune", m, g, &args, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn setting<'a>(policy: &'a Value, key: &str) -> &'a str {
    policy["settings"][key].as_str().unwrap_or("")
}

#[test]
fn on_a_daily_sine_a_schedule_beats_every_single_setting() {
    let (_d, m, g) = files("sine");
    let doc = tune_json(
        &m,
        &g,
        &[
            "--pending-p95",
            "1m",
            "--budget",
            "40",
            "--schedule",
            "--periods",
            "8",
        ],
    );
    let schedule = &doc["schedule"];
    assert_eq!(schedule["meets_target"], true, "{schedule}");
    let cu = schedule["schedule"]["cu_hours"].as_f64().unwrap();
    let meets: Vec<f64> = doc["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["meets_target"] == true)
        .map(|c| c["figures"]["cu_hours"].as_f64().unwrap())
        .collect();
    assert!(!meets.is_empty());
    assert!(
        meets.iter().all(|c| cu < *c),
        "schedule {cu} CU-hours vs {meets:?}"
    );
    assert!(doc["schedule"]["best"]
        .as_str()
        .unwrap()
        .starts_with("schedule"));
    let periods = schedule["periods"].as_array().unwrap();
    assert!((2..=8).contains(&periods.len()), "{periods:?}");
    // More at the day's peak (15:00) than at its trough (03:00).
    let at = |hhmm: &str| {
        periods
            .iter()
            .rev()
            .find(|p| p["start"].as_str().unwrap() <= hhmm)
            .unwrap_or(&periods[periods.len() - 1])["parallelism"][gen::WORK]
            .as_i64()
            .unwrap()
    };
    assert!(at("15:00") > at("03:00"), "{periods:?}");
}

#[test]
fn on_a_steady_job_the_defaults_already_win() {
    let (_d, m, g) = files("steady");
    let doc = tune_json(&m, &g, &["--pending-p95", "30s", "--budget", "40"]);
    assert_eq!(doc["meets_target"], true);
    assert_eq!(doc["chosen"]["settings"], doc["defaults"]["settings"]);
    assert_eq!(doc["chosen"]["rescales"], 0);
    assert_eq!(doc["chosen"]["cu_hours"], doc["static"]["cu_hours"]);
}

#[test]
fn on_a_spiky_job_a_longer_window_avoids_the_churn() {
    let (_d, m, g) = files("spiky");
    let doc = tune_json(
        &m,
        &g,
        &[
            "--pending-p95",
            "5m",
            "--space",
            "fixtures/tune/spiky.space.yaml",
        ],
    );
    let chosen = &doc["chosen"];
    assert_eq!(setting(chosen, "job.autoscaler.metrics.window"), "30 min");
    assert!(chosen["rescales"].as_u64().unwrap() <= 1, "{chosen}");
    let short = doc["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["settings"]["job.autoscaler.metrics.window"] == "5 min")
        .unwrap();
    assert!(
        short["figures"]["rescales"].as_u64().unwrap() >= 20,
        "{short}"
    );
    assert!(short["figures"]["cu_hours"].as_f64() > chosen["cu_hours"].as_f64());
    // A cap on rescales leaves the long window as the one answer too.
    let capped = tune_json(
        &m,
        &g,
        &[
            "--pending-p95",
            "5m",
            "--space",
            "fixtures/tune/spiky.space.yaml",
            "--max-rescales-per-day",
            "2",
        ],
    );
    assert_eq!(capped["chosen"]["settings"], chosen["settings"]);
}

const FIGURES: [&str; 10] = [
    "rescales",
    "cu_hours",
    "peak_cu",
    "pending_time_ms",
    "seconds_over_expected",
    "records_processed",
    "records_pending_at_end",
    "final_parallelism",
    "least_cu_hours",
    "over_provisioned_cu_hours",
];

#[test]
fn simulate_of_the_written_policy_and_schedule_gives_the_same_figures_to_the_byte() {
    let (dir, m, g) = files("sine");
    let policy = dir.path().join("tuned.yaml");
    let sched = dir.path().join("daily.yaml");
    let out = run(
        "tune",
        &m,
        &g,
        &[
            "--pending-p95",
            "1m",
            "--budget",
            "20",
            "--restart-time",
            "1m",
            "--schedule",
            "--periods",
            "6",
            "--format",
            "json",
            "--write-policy",
            policy.to_str().unwrap(),
            "--write-schedule",
            sched.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tuned: Value = serde_json::from_str(&out.stdout).unwrap();
    let sim = run(
        "simulate",
        &m,
        &g,
        &[
            "--policy",
            policy.to_str().unwrap(),
            "--policy",
            sched.to_str().unwrap(),
            "--restart-time",
            "1m",
            "--expected-pending-time",
            "1m",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    let sim: Value = serde_json::from_str(&sim.stdout).unwrap();
    let row = |name: &str| {
        sim["policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    for (ours, theirs) in [
        (&tuned["chosen"], row("tuned")),
        (&tuned["schedule"]["schedule"], row("daily")),
        (&tuned["static"], row("static")),
    ] {
        for k in FIGURES {
            assert_eq!(
                serde_json::to_string(&ours[k]).unwrap(),
                serde_json::to_string(&theirs[k]).unwrap(),
                "{k}"
            );
        }
    }
    assert_eq!(row("daily")["kind"], "scheduled");
}

#[test]
fn the_output_is_the_same_on_every_run_and_any_number_of_threads() {
    let (dir, m, g) = files("spiky");
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, threads) in ["1", "2", "2"].iter().enumerate() {
        let cfg = dir.path().join(format!("c{i}.yaml"));
        let out = run(
            "tune",
            &m,
            &g,
            &[
                "--pending-p95",
                "5m",
                "--budget",
                "24",
                "--restart-time",
                "1m",
                "--schedule",
                "--periods",
                "3",
                "-o",
                cfg.to_str().unwrap(),
            ],
            Some(threads),
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        seen.push((out.stdout, fs::read_to_string(&cfg).unwrap()));
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], seen[2]);
    assert!(
        seen[0].1.contains("job.autoscaler.metrics.window: "),
        "{}",
        seen[0].1
    );
}

#[test]
fn more_periods_than_alibaba_allows_is_one_line_naming_the_flag() {
    let (_d, m, g) = files("steady");
    let out = run(
        "tune",
        &m,
        &g,
        &["--pending-p95", "1m", "--periods", "21"],
        None,
    );
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: --periods 21: out of range: allowed 1..=20"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_space_file_naming_an_option_tune_does_not_search_points_at_its_line() {
    let (dir, m, g) = files("steady");
    let space = dir.path().join("space.yaml");
    fs::write(
        &space,
        "job.autoscaler.metrics.window: [1 min]\njob.autoscaler.vertex.max-parallelism: [4]\n",
    )
    .unwrap();
    let out = run(
        "tune",
        &m,
        &g,
        &["--pending-p95", "1m", "--space", space.to_str().unwrap()],
        None,
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("space.yaml:2:1: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("is not an option tune searches"),
        "{}",
        out.stderr
    );
    let out = run(
        "tune",
        &m,
        &g,
        &["--pending-p95", "1m", "--write-patch", "/tmp/never.json"],
        None,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--write-patch patches the FlinkDeployment"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_plot_shows_the_front_and_the_timelines_of_the_defaults_and_the_choice() {
    let (dir, m, g) = files("steady");
    let svg = dir.path().join("tune.svg");
    let out = run(
        "tune",
        &m,
        &g,
        &[
            "--pending-p95",
            "30s",
            "--budget",
            "8",
            "--plot",
            svg.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..80]);
    for word in [
        "Candidates: CU-hours against pending p95",
        "chosen",
        "defaults",
        "tuned",
        "Parallelism per vertex",
    ] {
        assert!(text.contains(word), "{word} missing from the plot");
    }
    let bad = run(
        "tune",
        &m,
        &g,
        &["--pending-p95", "30s", "--plot", "front.gif"],
        None,
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--plot front.gif"), "{}", bad.stderr);
}
