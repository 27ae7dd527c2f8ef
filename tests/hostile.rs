//! Hostile inputs (issue 8, README "Hardening"): every one gets a result or one clear `error:`
//! line with exit code 2, never a panic (exit 101) or a hang.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use common::{cmd, process, run, Run};

const PLAN: &str = "fixtures/plans/window_agg.plan.json";
const GRAPH: &str = "fixtures/lab/window_agg/execution_plan.json";

/// Exit 2 with exactly one `error:` line (hints may follow); returns that line.
fn one_error(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{args:?}: {}", r.stderr);
    errors[0].to_string()
}

fn plan_text() -> String {
    std::fs::read_to_string(PLAN).unwrap()
}

/// Writes `text` into a temporary directory and returns (dir guard, path).
fn temp_file(name: &str, text: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

fn github_lines(r: &Run) -> Vec<&str> {
    r.stdout
        .lines()
        .filter(|l| l.starts_with("::error") || l.starts_with("::warning"))
        .collect()
}

#[test]
fn deeply_nested_json_is_one_error() {
    let (_d, p) = temp_file("deep.json", "[".repeat(100_000).as_bytes());
    let e = one_error(&["plan", "validate", &p]);
    assert!(
        e.contains(":1:513: malformed JSON: maximum nesting depth exceeded"),
        "{e}"
    );
    let nested = format!("{{\"nodes\": {}", "[".repeat(100_000));
    let (_d, g) = temp_file("deep.graph.json", nested.as_bytes());
    let e = one_error(&["plan", "validate", PLAN, "--graph", &g]);
    assert!(e.contains("maximum nesting depth exceeded"), "{e}");
}

/// `"parallelism" : 2` of node 15 replaced by `value`: a finding, not a crash.
fn with_parallelism(value: &str) -> Run {
    let text = plan_text().replacen(
        "\"parallelism\" : 2",
        &format!("\"parallelism\" : {value}"),
        1,
    );
    let (_d, p) = temp_file("p.plan.json", text.as_bytes());
    run(&["plan", "validate", &p, "--format", "github"])
}

#[test]
fn out_of_range_numbers_are_findings() {
    for (value, message) in [
        ("1e999", "parallelism inf is not an integer"),
        ("-0", "parallelism 0 is below 1"),
        ("NaN", "parallelism NaN is not an integer"),
        (
            "99999999999999999999999",
            "parallelism 100000000000000000000000 is above Flink's limit 32768",
        ),
        (
            "-99999999999999999999999",
            "parallelism -100000000000000000000000 is below 1",
        ),
        ("2.5", "parallelism 2.5 is not an integer"),
    ] {
        let r = with_parallelism(value);
        assert_eq!(r.code, Some(1), "{value}: {}{}", r.stdout, r.stderr);
        let first = github_lines(&r)[0].to_string();
        assert!(
            first.contains("line=12,col=6,title=parallelism-invalid") && first.contains(message),
            "{value}: {first}"
        );
    }
    // A huge vcore is a (huge) result; NaN is a resource-invalid finding.
    let text = plan_text().replace("\"vcore\" : 0.25", "\"vcore\" : 99999999999999999999999");
    let (_d, p) = temp_file("v.plan.json", text.as_bytes());
    let r = run(&["plan", "show", &p, "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let text = plan_text().replace("\"vcore\" : 0.25", "\"vcore\" : NaN");
    let (_d, p) = temp_file("n.plan.json", text.as_bytes());
    let r = run(&["plan", "validate", &p, "--format", "github"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stdout.contains("vcore is NaN, not a finite number"),
        "{}",
        r.stdout
    );
}

#[test]
fn duplicate_keys_in_a_node_give_a_result() {
    let text = plan_text().replacen(
        "\"parallelism\" : 1,",
        "\"parallelism\" : 1,\n    \"parallelism\" : 3,",
        1,
    );
    let (_d, p) = temp_file("dup.plan.json", text.as_bytes());
    let r = run(&["plan", "validate", &p]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // The last value wins, as in Jackson: the source runs at 3.
    let r = run(&["plan", "show", &p, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["vertices"][0]["parallelism"], 3, "{}", r.stdout);
}

#[test]
fn utf8_bom_is_one_clear_error() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(plan_text().as_bytes());
    let (_d, p) = temp_file("bom.plan.json", &bytes);
    let e = one_error(&["plan", "validate", &p]);
    assert!(
        e.ends_with(
            ":1:1: the file starts with a UTF-8 byte order mark (BOM), which JSON does not allow"
        ),
        "{e}"
    );
}

#[test]
fn crlf_line_ends_keep_positions() {
    let text = std::fs::read_to_string("fixtures/broken/window_agg/negative-vcore.plan.json")
        .unwrap()
        .replace('\n', "\r\n");
    let (_d, p) = temp_file("crlf.plan.json", text.as_bytes());
    let r = run(&["plan", "validate", &p, "--format", "github"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        github_lines(&r),
        vec![format!(
            "::error file={p},line=48,col=6,title=resource-invalid::node 20: vcore -0.25 must be a positive number of cores"
        )]
    );
    // Malformed JSON after CRLF lines: the column is counted from after the "\r\n".
    let bad = text.replacen("\"pact\"", "\"pact\" \"pact\"", 1);
    let (_d, p) = temp_file("crlf-bad.plan.json", bad.as_bytes());
    let e = one_error(&["plan", "validate", &p]);
    assert!(e.contains("crlf-bad.plan.json:6:12: malformed JSON"), "{e}");
}

#[test]
fn nul_bytes_give_a_result_or_one_error() {
    // Inside a string: a name with a NUL (a result).
    let text = plan_text().replacen("orders[10]", "ord\0ers[10]", 1);
    let (_d, p) = temp_file("nul.plan.json", text.as_bytes());
    let r = run(&["plan", "validate", &p]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Between tokens: malformed JSON at the NUL.
    let text = plan_text().replacen("\"pact\"", "\0\"pact\"", 1);
    let (_d, p) = temp_file("nul2.plan.json", text.as_bytes());
    let e = one_error(&["plan", "validate", &p]);
    assert!(e.contains("nul2.plan.json:6:5: malformed JSON"), "{e}");
}

#[test]
fn plan_path_that_is_a_fifo_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plan.fifo");
    let made = StdCommand::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        // Blocks until planscale opens the FIFO for reading.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        f.write_all(plan_text().as_bytes()).unwrap();
    });
    let started = Instant::now();
    let r = run(&["plan", "show", fifo.to_str().unwrap()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("total: 1.25 CU"), "{}", r.stdout);
    assert!(started.elapsed() < Duration::from_secs(30));
    writer.join().unwrap();
}

fn is_root() -> bool {
    let out = StdCommand::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn read_only_output_directory_is_one_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = ro.join("out.plan.json");
    let r = run(&[
        "plan",
        "init",
        "--graph",
        GRAPH,
        "-o",
        out.to_str().unwrap(),
    ]);
    if is_root() {
        // root writes anyway; the assertion below would not hold.
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    } else {
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        let errors: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(errors.len(), 1, "{}", r.stderr);
        assert!(
            errors[0].contains("cannot write: permission denied"),
            "{}",
            errors[0]
        );
        assert!(!out.exists());
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A Blink plan of `n` nodes in chains of five, every link FORWARD, compact JSON.
fn generated_plan(n: usize) -> String {
    let mut s = String::with_capacity(n * 130);
    s.push_str("{\"nodes\":[");
    for i in 1..=n {
        if i > 1 {
            s.push(',');
        }
        let pact = if i == 1 {
            "Source"
        } else if i == n {
            "Sink"
        } else {
            "Operator"
        };
        let chaining = if i % 5 == 1 {
            ",\"chainingStrategy\":\"HEAD\""
        } else {
            ""
        };
        s.push_str(&format!(
            "{{\"id\":{i},\"uid\":\"{i}\",\"name\":\"op{i}\",\"pact\":\"{pact}\"{chaining},\"parallelism\":1,\"maxParallelism\":32768,\"vcore\":0.25,\"heap_memory\":256}}"
        ));
    }
    s.push_str("],\"links\":[");
    for i in 1..n {
        if i > 1 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"source\":{i},\"target\":{},\"ship_strategy\":\"FORWARD\"}}",
            i + 1
        ));
    }
    s.push_str("]}\n");
    s
}

/// Runs planscale with `args` into `head -c 10`, and checks it ends quietly with exit 0.
fn quiet_into_head(args: &[&str]) {
    let mut child = process()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let head = StdCommand::new("head")
        .args(["-c", "10"])
        .stdin(stdout)
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(head.stdout.len(), 10);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn sigpipe_into_head_is_quiet() {
    // Large enough (~400 KB of table) that the pipe fills after `head` has gone.
    let (_d, p) = temp_file("big.plan.json", generated_plan(5_000).as_bytes());
    quiet_into_head(&["plan", "show", &p]);
    // A streamed output too: `simulate --timeline -` (about 200 KB of rows at 250 ms steps).
    let root = env!("CARGO_MANIFEST_DIR");
    quiet_into_head(&[
        "simulate",
        "--metrics",
        &format!("{root}/fixtures/metrics/udf_bottleneck.long.csv"),
        "--graph",
        &format!("{root}/fixtures/lab/udf_bottleneck/job.json"),
        "--step",
        "250ms",
        "--timeline",
        "-",
    ]);
}

#[test]
fn metric_csv_from_stdin() {
    let csv = std::fs::read("fixtures/metrics/udf_bottleneck.long.csv").unwrap();
    let from_file = run(&[
        "recommend",
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--format",
        "json",
    ]);
    let out = common::output(
        cmd()
            .args([
                "recommend",
                "--metrics",
                "-",
                "--graph",
                "fixtures/lab/udf_bottleneck/job.json",
                "--format",
                "json",
            ])
            .write_stdin(csv),
    );
    assert_eq!(out.status.code(), from_file.code);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        from_file
            .stdout
            .replace("fixtures/metrics/udf_bottleneck.long.csv", "-")
    );
}

#[test]
fn graph_with_a_cycle_gives_a_result() {
    let graph = std::fs::read_to_string(GRAPH).unwrap();
    // The source (13) now reads from the sink (24) too.
    let cyclic = graph.replacen(
        "\"parallelism\": 1\n    },",
        "\"parallelism\": 1,\n      \"predecessors\": [ { \"id\": 24, \"ship_strategy\": \"FORWARD\", \"side\": \"second\" } ]\n    },",
        1,
    );
    assert_ne!(cyclic, graph);
    let (_d, g) = temp_file("cycle.graph.json", cyclic.as_bytes());
    let r = run(&[
        "plan", "validate", PLAN, "--graph", &g, "--format", "github",
    ]);
    // Findings against the plan (the source now has an input), no hang in chaining.
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("the job graph has an edge 24->13 (FORWARD) that is missing"),
        "{}",
        r.stdout
    );
    // A plan for the cyclic graph is written (Flink iterations are cycles too).
    let r = run(&["plan", "init", "--graph", &g]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

/// A minified plan is one long line: columns used to be counted from the line start for every
/// node (quadratic: 100,000 nodes took 70 s in release); now from a checkpoint.
#[test]
fn minified_plan_on_one_line_is_fast() {
    let (_d, p) = temp_file("minified.plan.json", generated_plan(20_000).as_bytes());
    let started = Instant::now();
    let r = run(&["plan", "validate", &p, "--format", "github"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // Positions on that line are still exact: a bad vcore on node 19,999.
    let text = generated_plan(20_000).replace(
        "\"id\":19999,\"uid\":\"19999\",\"name\":\"op19999\",\"pact\":\"Operator\",\"parallelism\":1,\"maxParallelism\":32768,\"vcore\":0.25",
        "\"id\":19999,\"uid\":\"19999\",\"name\":\"op19999\",\"pact\":\"Operator\",\"parallelism\":1,\"maxParallelism\":32768,\"vcore\":-1",
    );
    let column = text.find("{\"id\":19999,").unwrap() + 1;
    let (_d, p) = temp_file("minified-bad.plan.json", text.as_bytes());
    let r = run(&["plan", "validate", &p, "--format", "github"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stdout
            .contains(&format!("line=1,col={column},title=resource-invalid")),
        "{}",
        r.stdout
    );
}

/// 150,000 nodes (about 30 MB of JSON, just under the 32 MiB document limit): too slow for a
/// debug build, run at bench time with `cargo test --release --test hostile -- --ignored`.
#[test]
#[ignore]
fn largest_accepted_plan() {
    let (_d, p) = temp_file("large.plan.json", generated_plan(150_000).as_bytes());
    let len = Path::new(&p).metadata().unwrap().len();
    assert!(len > 25_000_000 && len < 32 * 1024 * 1024, "{len}");
    let started = Instant::now();
    let r = run(&["plan", "validate", &p, "--format", "github"]);
    eprintln!(
        "150,000-node plan ({len} bytes) validated in {:?}",
        started.elapsed()
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_plan_above_the_document_limit_is_refused_and_plan_init_never_writes_one() {
    // 200,000 nodes: about 40 MB, over the 32 MiB limit, refused from its size before parsing.
    let (_d, p) = temp_file("over.plan.json", generated_plan(200_000).as_bytes());
    let e = one_error(&["plan", "validate", &p]);
    assert!(
        e.ends_with("file is larger than 32 MiB; this is not a plan or graph"),
        "{e}"
    );
    // A dense stream graph under the limit whose plan would be over it: nothing written.
    let n = 1100;
    let mut g = String::from("{\"nodes\":[");
    for i in 1..=n {
        let preds: Vec<String> = (1..i)
            .map(|j| format!("{{\"id\":{j},\"ship_strategy\":\"HASH\",\"side\":\"second\"}}"))
            .collect();
        if i > 1 {
            g.push(',');
        }
        g.push_str(&format!(
            "{{\"id\":{i},\"type\":\"Map\",\"pact\":\"{}\",\"contents\":\"Map[{i}]\",\"parallelism\":2{}}}",
            if i == 1 { "Data Source" } else { "Operator" },
            if preds.is_empty() { String::new() } else { format!(",\"predecessors\":[{}]", preds.join(",")) }
        ));
    }
    g.push_str("]}");
    let (dir, graph) = temp_file("dense.json", g.as_bytes());
    assert!(g.len() < 32 * 1024 * 1024, "{}", g.len());
    let out = dir.path().join("dense.plan.json");
    let e = one_error(&[
        "plan",
        "init",
        "--graph",
        &graph,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        e.contains("the plan of this graph would be 43 MiB, more than the 32 MiB planscale reads back; nothing was written"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn two_gigabyte_plan_is_refused_before_reading() {
    // Sparse: no disk space used; refused from its size alone.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.plan.json");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap();
    let started = Instant::now();
    let e = one_error(&["plan", "validate", path.to_str().unwrap()]);
    assert!(
        e.ends_with("file is larger than 32 MiB; this is not a plan or graph"),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn timestamps_at_the_ends_of_i64_are_out_of_range() {
    let graph = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/lab/udf_bottleneck/job.json"
    );
    for t in ["9223372036854775807", "-9223372036854775808"] {
        let csv = format!("timestamp_ms,vertex_id,metric,value\n{t},a,busyTimeMsPerSecond,1\n");
        let (_d, p) = temp_file("m.csv", csv.as_bytes());
        for cmd in ["recommend", "simulate"] {
            let r = run(&[cmd, "--metrics", &p, "--graph", graph]);
            assert_eq!(r.code, Some(2), "{cmd} {t}: {}", r.stderr);
            assert_eq!(
                r.stderr,
                format!("error: {p}:2:1: column `timestamp_ms`: timestamp `{t}` is out of range\n"),
                "{cmd}"
            );
        }
    }
}

#[test]
fn integral_ids_read_the_same_in_plans_and_graphs() {
    // `13.0`, `1.3e1`, `"13"` and `13` are one node id to every reader (and `-0` is `0`).
    let graph = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/lab/udf_bottleneck/execution_plan.json"
    ))
    .unwrap();
    let plan = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/plans/udf_bottleneck.plan.json"
    ))
    .unwrap();
    let clean = run(&[
        "plan",
        "validate",
        "fixtures/plans/udf_bottleneck.plan.json",
        "--graph",
        "fixtures/lab/udf_bottleneck/execution_plan.json",
        "--format",
        "github",
    ]);
    let spelled_graph = graph
        .replace("\"id\": 13,", "\"id\": 13.0,")
        .replace("\"id\": 10,", "\"id\": 1e1,");
    let spelled_plan = plan
        .replace("\"id\" : 13,", "\"id\" : \"13\",")
        .replace("\"source\" : 13,", "\"source\" : 1.3e1,");
    assert_ne!(spelled_graph, graph);
    assert_ne!(spelled_plan, plan);
    let (_g, g) = temp_file("graph.json", spelled_graph.as_bytes());
    let (_p, p) = temp_file("plan.json", spelled_plan.as_bytes());
    let r = run(&["plan", "validate", &p, "--graph", &g, "--format", "github"]);
    assert_eq!(r.code, clean.code, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.replace(&p, "PLAN"),
        clean
            .stdout
            .replace("fixtures/plans/udf_bottleneck.plan.json", "PLAN"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_utf16_plan_or_config_is_named_as_such() {
    // The same check the metric CSV reader makes, in the one place every document is read.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/plans/udf_bottleneck.plan.json"
    ))
    .unwrap();
    let mut bom = vec![0xFF, 0xFE];
    bom.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    for (bytes, why) in [
        (&bom, "it starts with a UTF-16 byte order mark"),
        (&bare, "every other byte is NUL"),
    ] {
        let (_d, p) = temp_file("utf16.plan.json", bytes);
        let e = one_error(&["plan", "validate", &p]);
        assert!(
            e.ends_with(&format!(
                "1:1: the file is UTF-16 ({why}); save it as UTF-8"
            )),
            "{e}"
        );
    }
    let config: Vec<u8> = "job.autoscaler.metrics.window: 1min\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (_d, c) = temp_file("config.yaml", &config);
    let e = one_error(&[
        "recommend",
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        "fixtures/lab/udf_bottleneck/job.json",
        "--config",
        &c,
    ]);
    assert!(
        e.contains("the file is UTF-16 (every other byte is NUL)"),
        "{e}"
    );
}
