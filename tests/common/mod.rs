//! Helpers shared by the integration tests (each test file that needs them says `mod common;`):
//! running the `planscale` binary, the paths of the lab jobs' fixtures, and the expected
//! diagnostics of `plan validate --format json`.
//!
//! Every test that runs the binary gets it here ([`bin_path`], and the commands built on it), so
//! every run has the same guard: killed after [`TIMEOUT`], and failed on a panic ([`output`]).

// Every test crate compiles this module but uses only some of it.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Running the binary

/// The `planscale` binary cargo built for the tests: the one place the tests look for it.
pub fn bin_path() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_planscale"))
}

/// How long one run may take before it is killed: a hang then fails its test (no exit code)
/// instead of stalling the suite.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The binary with nothing set but [`TIMEOUT`]: working directory and environment are the test's.
pub fn bin() -> Command {
    let mut c = Command::new(bin_path());
    c.timeout(TIMEOUT);
    c
}

/// The binary run from the crate root (fixture paths are relative to it) with `NO_COLOR=1`.
pub fn cmd() -> Command {
    let mut c = bin();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    c
}

/// The binary set up as [`cmd`] sets it, as a `std::process::Command`: for the tests that spawn
/// it and act on the running process (signals, kills, pipes into another program). No timeout:
/// such a test bounds its own waits.
pub fn process() -> std::process::Command {
    let mut c = std::process::Command::new(bin_path());
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    c
}

/// Runs `c` to its end, and checks that it did not panic: no `panicked` on stderr and not Rust's
/// panic exit code 101, whatever the input. Stdin is empty unless `c` was given some
/// (`write_stdin`).
pub fn output(c: &mut Command) -> Output {
    let out = c.output().expect("planscale runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{c:?}: {stderr}");
    assert_ne!(out.status.code(), Some(101), "{c:?}: {stderr}");
    out
}

/// A finished run: exit code, stdout and stderr.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Runs `c` through [`output`]; the process must exit with a code and write UTF-8 on both
    /// streams.
    pub fn of(c: &mut Command) -> Outcome {
        let out = output(c);
        Outcome {
            code: out.status.code().expect("planscale exits with a code"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Runs `planscale ARGS` as [`cmd`] sets it up (see [`Outcome::of`]).
pub fn planscale(args: &[&str]) -> Outcome {
    Outcome::of(cmd().args(args))
}

/// A finished run on hostile input, which may echo back bytes that are not UTF-8: the exit code
/// if there is one (a run killed at the timeout has none), the streams read lossily.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `c` through [`output`].
    pub fn of(c: &mut Command) -> Run {
        let out = output(c);
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs `planscale ARGS` as [`cmd`] sets it up (see [`Run::of`]).
pub fn run(args: &[&str]) -> Run {
    Run::of(cmd().args(args))
}

// ---------------------------------------------------------------------------------------------
// Fixtures of the lab jobs (relative to the crate root)

/// The `plan init` output for the job (Blink format).
pub fn plan_file(job: &str) -> String {
    format!("fixtures/plans/{job}.plan.json")
}

/// The job's stream graph.
pub fn stream_graph(job: &str) -> String {
    format!("fixtures/lab/{job}/execution_plan.json")
}

/// The job's plan as the REST API gives it.
pub fn job_plan(job: &str) -> String {
    format!("fixtures/lab/{job}/plan.json")
}

/// The job's details as the REST API gives them.
pub fn job_details(job: &str) -> String {
    format!("fixtures/lab/{job}/job.json")
}

/// A lab batch job's capture (e2e/batch.sh): `job.json`, `config.yaml`, ...
pub fn batch_capture(job: &str, file: &str) -> String {
    format!("fixtures/lab-batch/{job}/{file}")
}

// ---------------------------------------------------------------------------------------------
// Diagnostics in the JSON output (spec/outputs.md)

pub const ERROR: &str = "error";
pub const WARNING: &str = "warning";

/// The keys of every diagnostic object.
pub const DIAGNOSTIC_KEYS: [&str; 8] = [
    "rule",
    "severity",
    "message",
    "node",
    "edge",
    "line",
    "column",
    "resource_validate_failed",
];

/// An expected diagnostic.
#[derive(Debug, Clone)]
pub struct Want {
    pub rule: &'static str,
    pub severity: &'static str,
    pub line: u64,
    pub column: u64,
    pub node: Option<&'static str>,
    pub edge: Option<&'static str>,
    /// Words its message must contain.
    pub contains: Vec<&'static str>,
}

/// What identifies a diagnostic: rule, severity, line, column, node and edge.
pub type Key = (String, String, u64, u64, Option<String>, Option<String>);

pub fn err(rule: &'static str, line: u64, column: u64) -> Want {
    Want {
        rule,
        severity: ERROR,
        line,
        column,
        node: None,
        edge: None,
        contains: Vec::new(),
    }
}

pub fn warn(rule: &'static str, line: u64, column: u64) -> Want {
    Want {
        severity: WARNING,
        ..err(rule, line, column)
    }
}

impl Want {
    pub fn node(mut self, id: &'static str) -> Self {
        self.node = Some(id);
        self
    }

    pub fn edge(mut self, e: &'static str) -> Self {
        self.edge = Some(e);
        self
    }

    pub fn says(mut self, words: &[&'static str]) -> Self {
        self.contains.extend_from_slice(words);
        self
    }

    pub fn key(&self) -> Key {
        (
            self.rule.to_string(),
            self.severity.to_string(),
            self.line,
            self.column,
            self.node.map(String::from),
            self.edge.map(String::from),
        )
    }
}

pub fn key_of(d: &Value) -> Key {
    (
        d["rule"].as_str().unwrap().to_string(),
        d["severity"].as_str().unwrap().to_string(),
        d["line"].as_u64().unwrap(),
        d["column"].as_u64().unwrap(),
        d["node"].as_str().map(String::from),
        d["edge"].as_str().map(String::from),
    )
}

/// Asserts that the file's diagnostics are exactly `wants`, in order (the output is sorted by
/// position, rule and message, so the order is deterministic), with the listed words in each
/// message.
pub fn assert_diagnostics(what: &str, file: &Value, wants: &[Want]) {
    let diags = file["diagnostics"].as_array().unwrap();
    let got: Vec<_> = diags.iter().map(key_of).collect();
    let want: Vec<_> = wants.iter().map(Want::key).collect();
    assert_eq!(got, want, "{what}: diagnostics\n{file:#}");
    for (d, w) in diags.iter().zip(wants) {
        let msg = d["message"].as_str().unwrap();
        for word in &w.contains {
            assert!(
                msg.contains(word),
                "{what}: {} message {msg:?} lacks {word:?}",
                w.rule
            );
        }
    }
}

/// One entry of `recommend --format json`'s `options` (every option in effect and its source).
pub fn option<'a>(doc: &'a Value, key: &str) -> &'a Value {
    doc["options"]
        .as_array()
        .expect("an options array")
        .iter()
        .find(|o| o["key"] == key)
        .unwrap_or_else(|| panic!("no option {key} in {doc}"))
}

// ---------------------------------------------------------------------------------------------
// Generated recordings

/// A long recording of the lab's udf_bottleneck job (one sample of each vertex every 10 s, a
/// daily sine of demand), so that `simulate --timeline` streams rows for a while.
pub fn long_recording(steps: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::from("timestamp_ms,vertex_id,metric,value\n");
    for i in 0..steps {
        let t = 1_795_368_508_000i64 + i as i64 * 10_000;
        let rate = 1000.0 + 600.0 * (i as f64 / 8640.0 * std::f64::consts::TAU).sin();
        writeln!(
            s,
            "{t},bc764cd8ddf7a0cff126f51c16239658,numRecordsOutPerSecond,{rate}"
        )
        .unwrap();
        for v in [
            "20ba6b65f97481d5570070de90e4e791",
            "b5c8d46f3e7b141acf271f12622e752b",
        ] {
            writeln!(s, "{t},{v},numRecordsInPerSecond,{rate}").unwrap();
            writeln!(s, "{t},{v},numRecordsOutPerSecond,{rate}").unwrap();
            writeln!(
                s,
                "{t},{v},busyTimeMsPerSecond,{}",
                (rate / 2.0).min(1000.0)
            )
            .unwrap();
        }
    }
    s
}

/// The words (and numbers) of a table's cells, in order: what a narrower rendering of the same
/// table must show intact, only on other lines.
pub fn table_words(out: &str) -> Vec<String> {
    let mut cells: Vec<Vec<String>> = Vec::new();
    for line in out.lines().filter(|l| l.starts_with('│')) {
        let parts: Vec<&str> = line.trim_matches('│').split('┆').collect();
        cells.resize(cells.len().max(parts.len()), Vec::new());
        for (i, p) in parts.iter().enumerate() {
            cells[i].extend(p.split_whitespace().map(str::to_string));
        }
    }
    let mut words: Vec<String> = cells.into_iter().flatten().collect();
    words.sort();
    words
}

/// `narrow` shows every word of `wide`'s table whole (wrapping moved words, broke none).
pub fn assert_same_words(wide: &str, narrow: &str) {
    assert_eq!(
        table_words(wide),
        table_words(narrow),
        "a narrower table broke a word:\n{wide}\n{narrow}"
    );
}
