//! Small versions of the memory and time bombs of `benches/bombs.sh`: one huge CSV field, a
//! header with no line break, a config key of 1 MiB with thousands of children (as `--config` and
//! as `--policy` files), many distinct vertex ids. Each gives one short `error:` line and exit 2
//! (or a result) quickly; the bench measures the full-size ones.

mod common;

use std::time::{Duration, Instant};

use common::{cmd, Run};

const GRAPH: &str = "fixtures/lab/udf_bottleneck/job.json";
const METRICS: &str = "fixtures/metrics/udf_bottleneck.long.csv";

/// Runs `planscale ARGS` with `env` added, allowing the bombs twice the usual time.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = cmd();
    c.args(args).timeout(Duration::from_secs(120));
    for (k, v) in env {
        c.env(k, v);
    }
    Run::of(&mut c)
}

/// Exit 2 and exactly one `error:` line, short; returns it.
fn one_short_error(args: &[&str], env: &[(&str, &str)]) -> String {
    let r = run_env(args, env);
    assert_eq!(r.code, Some(2), "{args:?}: {}", clip(&r.stderr));
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{args:?}: {}", clip(&r.stderr));
    assert!(r.stderr.len() < 1000, "{args:?}: {}", clip(&r.stderr));
    assert!(!r.stderr.contains('\0'));
    errors[0].to_string()
}

fn clip(s: &str) -> &str {
    &s[..s.len().min(2000)]
}

fn temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

fn long_field_csv(bytes: usize) -> Vec<u8> {
    let mut csv = b"timestamp,vertex,metric,value\n1795368508000,".to_vec();
    csv.extend(std::iter::repeat_n(b'a', bytes));
    csv.extend_from_slice(b",busyTimeMsPerSecond,1\n");
    csv
}

#[test]
fn a_two_mebibyte_field_is_refused_at_the_limit() {
    let (_d, p) = temp("field.csv", &long_field_csv(2 << 20));
    for command in ["recommend", "simulate"] {
        let e = one_short_error(&[command, "--metrics", &p, "--graph", GRAPH], &[]);
        assert!(
            e.starts_with(&format!(
                "error: {p}:2:15: this row is longer than 1048576 bytes"
            )),
            "{e}"
        );
        assert!(e.contains(&format!("`{}…`", "a".repeat(40))), "{e}");
        assert!(e.contains("PLANSCALE_MAX_CSV_LINE"), "{e}");
    }
}

#[test]
fn the_limit_is_configurable() {
    // A long value of a metric planscale does not use: read (and skipped) once the limit is raised.
    let mut csv = b"timestamp,vertex,metric,value\n1795368508000,a,job_state,".to_vec();
    csv.extend(std::iter::repeat_n(b'R', 2 << 20));
    csv.push(b'\n');
    let (_d, p) = temp("value.csv", &csv);
    let args = ["recommend", "--metrics", &p, "--graph", GRAPH];
    let e = one_short_error(&args, &[]);
    assert!(
        e.contains(":2:27: this row is longer than 1048576 bytes"),
        "{e}"
    );
    let e = one_short_error(&args, &[("PLANSCALE_MAX_CSV_LINE", "4M")]);
    assert!(
        e.contains("the one row has no metric planscale uses"),
        "{e}"
    );
    let (_d, small) = temp("small.csv", &long_field_csv(5000));
    let e = one_short_error(
        &["recommend", "--metrics", &small, "--graph", GRAPH],
        &[("PLANSCALE_MAX_CSV_LINE", "4096")],
    );
    assert!(
        e.contains(":2:15: this row is longer than 4096 bytes"),
        "{e}"
    );
    let e = one_short_error(
        &["recommend", "--metrics", &small, "--graph", GRAPH],
        &[("PLANSCALE_MAX_CSV_LINE", "lots")],
    );
    assert!(
        e.contains("PLANSCALE_MAX_CSV_LINE=`lots` is not a size"),
        "{e}"
    );
}

#[test]
fn a_header_without_a_line_break_is_refused_at_the_limit() {
    let (_d, p) = temp("header.csv", &vec![b'h'; 2 << 20]);
    let e = one_short_error(&["recommend", "--metrics", &p, "--graph", GRAPH], &[]);
    assert!(
        e.starts_with(&format!(
            "error: {p}:1:1: the header row is longer than 1048576 bytes"
        )),
        "{e}"
    );
    assert!(e.contains("no line break"), "{e}");
}

#[test]
fn utf16_metrics_are_named() {
    let text = std::fs::read_to_string(METRICS).unwrap();
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let (_d, p) = temp("u16.csv", &le);
    let e = one_short_error(&["recommend", "--metrics", &p, "--graph", GRAPH], &[]);
    assert_eq!(
        e,
        format!(
            "error: {p}:1:1: the file is UTF-16 (it starts with a UTF-16 byte order mark); save \
             it as UTF-8"
        )
    );
}

#[test]
fn crlf_metrics_errors_name_the_right_line() {
    let text = std::fs::read_to_string(METRICS).unwrap();
    let mut lines: Vec<String> = text.lines().take(20).map(String::from).collect();
    // Blank lines too, which the csv crate skips without counting them.
    lines.insert(5, String::new());
    lines.insert(5, String::new());
    // Line 12 (busy time of the source, a metric that is read) gets a value that is no number.
    assert!(
        lines[11].contains(",busyTimeMsPerSecond.max,"),
        "{}",
        lines[11]
    );
    let (head, _) = lines[11].rsplit_once(',').unwrap();
    lines[11] = format!("{head},oops");
    let crlf = lines.join("\r\n") + "\r\n";
    let (_d, p) = temp("crlf.csv", crlf.as_bytes());
    let e = one_short_error(&["recommend", "--metrics", &p, "--graph", GRAPH], &[]);
    let column = lines[11].len() - "oops".len() + 1;
    assert!(e.starts_with(&format!("error: {p}:12:{column}: ")), "{e}");
    assert!(e.contains("`oops` is not a number"), "{e}");
}

/// A YAML config whose one key is 1 MiB long, with 3,000 children.
fn key_bomb() -> String {
    let mut text = format!("{}:\n", "k".repeat(1 << 20));
    for i in 0..3000 {
        text.push_str(&format!("  child{i}: {i}\n"));
    }
    text
}

#[test]
fn a_mebibyte_config_key_with_thousands_of_children_is_one_error() {
    let (_d, p) = temp("bomb.yaml", key_bomb().as_bytes());
    let started = Instant::now();
    let e = one_short_error(
        &[
            "recommend",
            "--metrics",
            METRICS,
            "--graph",
            GRAPH,
            "--config",
            &p,
        ],
        &[],
    );
    assert_eq!(e, format!("error: {p}:1:1: key longer than 1024 bytes"));
    let e = one_short_error(
        &[
            "simulate",
            "--metrics",
            METRICS,
            "--graph",
            GRAPH,
            "--config",
            &p,
            "--policy",
            &p,
            "--policy",
            &p,
        ],
        &[],
    );
    assert_eq!(e, format!("error: {p}:1:1: key longer than 1024 bytes"));
    // The policy files alone (the config is fine).
    let e = one_short_error(
        &[
            "simulate",
            "--metrics",
            METRICS,
            "--graph",
            GRAPH,
            "--policy",
            &p,
            "--policy",
            &p,
        ],
        &[],
    );
    assert_eq!(e, format!("error: {p}:1:1: key longer than 1024 bytes"));
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn long_parent_keys_with_many_children_stop_at_the_expansion_budget() {
    // 1000-byte parents (under the key limit), each with many children: the flattened options
    // would be 50 times the file, which is refused before they are built.
    let mut text = String::new();
    for p in 0..30 {
        text.push_str(&format!("{}{p:02}:\n", "p".repeat(1000)));
        for c in 0..100 {
            text.push_str(&format!("  c{c}: v\n"));
        }
    }
    let (_d, p) = temp("parents.yaml", text.as_bytes());
    let e = one_short_error(
        &[
            "simulate",
            "--metrics",
            METRICS,
            "--graph",
            GRAPH,
            "--config",
            &p,
            "--policy",
            &p,
            "--policy",
            &p,
        ],
        &[],
    );
    assert!(
        e.contains("the options would take more than 8 times the file's size"),
        "{e}"
    );
}

#[test]
fn a_config_of_very_many_short_options_is_one_error() {
    // 10 MB of `kN: v` would be a million options, each copied per policy by `simulate`.
    let text: String = (0..20_000).map(|i| format!("k{i}: v\n")).collect();
    let (_d, p) = temp("many.yaml", text.as_bytes());
    let e = one_short_error(
        &[
            "simulate",
            "--metrics",
            METRICS,
            "--graph",
            GRAPH,
            "--config",
            &p,
            "--policy",
            &p,
            "--policy",
            &p,
        ],
        &[],
    );
    assert!(
        e.starts_with(&format!("error: {p}:10001:1: more than 10000 options")),
        "{e}"
    );
}
