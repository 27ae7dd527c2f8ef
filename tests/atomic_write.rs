//! Nothing half-written: a process killed in the middle of writing its output leaves the target
//! either as it was or complete (outputs go through `io::write_atomic`: temp file in the same
//! directory, fsync, rename).

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

#[test]
fn a_killed_write_leaves_the_old_file_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("graph.json");
    fs::write(&graph, big_graph(60_000)).unwrap();
    let target = dir.path().join("plan.json");
    let bin = assert_cmd::cargo::cargo_bin("planscale");

    // How long a full run takes, to spread the kills over it.
    let start = Instant::now();
    let full = std::process::Command::new(&bin)
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

    for k in 1..=8u32 {
        fs::write(&target, b"OLD").unwrap();
        let mut child = std::process::Command::new(&bin)
            .args(["plan", "init", "--graph"])
            .arg(&graph)
            .arg("-o")
            .arg(&target)
            .spawn()
            .unwrap();
        std::thread::sleep(
            total
                .mul_f64(f64::from(k) / 9.0)
                .max(Duration::from_millis(1)),
        );
        let _ = child.kill();
        let _ = child.wait();
        let now = fs::read(&target).unwrap();
        assert!(
            now == b"OLD" || now == complete,
            "kill {k}/9 of the run left {} bytes",
            now.len()
        );
    }
}
