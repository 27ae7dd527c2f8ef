//! Nothing half-written: a process killed in the middle of writing its output leaves the target
//! either as it was or complete (outputs go through `io::write_atomic`, or `io::AtomicFile` when
//! streamed: temp file in the same directory, fsync, rename).

mod common;

use std::fmt::Write as _;
use std::fs;
use std::time::{Duration, Instant};

/// A stream graph large enough that `plan init` spends a while producing its output.
fn big_graph(nodes: usize) -> String {
    let mut s = String::from("{\"nodes\":[\n");
    for i in 1..=nodes {
        if i > 1 {
            s.push_str(",\n");
        }
        let pred = if i == 1 {
            String::new()
        } else {
            format!(",\"predecessors\":[{{\"id\":{},\"ship_strategy\":\"FORWARD\",\"side\":\"second\"}}]", i - 1)
        };
        write!(s, "{{\"id\":{i},\"type\":\"Map[{i}]\",\"pact\":\"Operator\",\"contents\":\"Map[{i}]\",\"parallelism\":2{pred}}}").unwrap();
    }
    s.push_str("\n]}\n");
    s
}

/// Runs `command` `kills` times with `OLD` in `target`, killing it at evenly spread points of a
/// full run (`total`); each time the target must be `OLD` or `complete`.
fn kill_during(
    command: impl Fn() -> std::process::Command,
    total: Duration,
    target: &std::path::Path,
    complete: &[u8],
    kills: u32,
) {
    for k in 1..=kills {
        fs::write(target, b"OLD").unwrap();
        let mut child = command().spawn().unwrap();
        std::thread::sleep(
            total
                .mul_f64(f64::from(k) / f64::from(kills + 1))
                .max(Duration::from_millis(1)),
        );
        let _ = child.kill();
        let _ = child.wait();
        let now = fs::read(target).unwrap();
        assert!(
            now == b"OLD" || now == complete,
            "kill {k}/{} of the run left {} bytes",
            kills + 1,
            now.len()
        );
    }
}

#[test]
fn a_killed_write_leaves_the_old_file_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("graph.json");
    fs::write(&graph, big_graph(60_000)).unwrap();
    let target = dir.path().join("plan.json");

    // How long a full run takes, to spread the kills over it.
    let start = Instant::now();
    let full = common::process()
        .args(["plan", "init", "--graph"])
        .arg(&graph)
        .arg("-o")
        .arg(&target)
        .status()
        .unwrap();
    assert!(full.success());
    let total = start.elapsed();
    let complete = fs::read(&target).unwrap();
    assert!(complete.ends_with(b"} ]\n}\n"));

    kill_during(
        || {
            let mut c = common::process();
            c.args(["plan", "init", "--graph"])
                .arg(&graph)
                .arg("-o")
                .arg(&target);
            c
        },
        total,
        &target,
        &complete,
        8,
    );
}

#[test]
fn a_killed_simulate_leaves_the_old_timeline_or_the_new_one() {
    // The timeline streams into its temporary file during the whole replay: the window in which
    // a kill lands mid-write is the run itself.
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("metrics.csv");
    fs::write(&metrics, common::long_recording(30_000)).unwrap();
    let graph = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/lab/udf_bottleneck/job.json"
    );
    let target = dir.path().join("timeline.csv");
    let simulate = || {
        let mut c = common::process();
        c.args(["simulate", "--metrics"])
            .arg(&metrics)
            .args(["--graph", graph, "--timeline"])
            .arg(&target)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let start = Instant::now();
    assert!(simulate().status().unwrap().success());
    let total = start.elapsed();
    let complete = fs::read(&target).unwrap();
    assert!(complete.len() > 1_000_000, "{} bytes", complete.len());

    kill_during(simulate, total, &target, &complete, 6);
}
