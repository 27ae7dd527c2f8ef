//! `planscale record` and `planscale apply` end to end against a fake Flink REST server on
//! 127.0.0.1 that answers with recorded Flink 2.3.0 responses (`fixtures/rest/`).

mod common;
#[path = "../fixtures/rest/fake_server.rs"]
#[allow(unreachable_pub)]
mod fake_server;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fake_server::{closed_port, flink, Behaviour, FakeFlink, Request, AGG, JOB, SOURCE, UDF};

fn run(args: &[&str]) -> Output {
    common::output(common::cmd().args(args))
}

/// `planscale apply --rest URL --job JOB EXTRA...`.
fn apply_job(url: &str, extra: &[&str]) -> Output {
    run(&[&["apply", "--rest", url, "--job", JOB], extra].concat())
}

/// `planscale record --rest URL --job JOB EXTRA...`.
fn record_job(url: &str, extra: &[&str]) -> Output {
    run(&[&["record", "--rest", url, "--job", JOB], extra].concat())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exactly one `error:` line, the first line of stderr, and exit 2.
fn assert_usage_error(out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("error: "), "{err}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(
        lines[1..].iter().all(|l| l.starts_with("  hint: ")),
        "{err}"
    );
    assert!(lines[0].contains(needle), "`{needle}` not in: {err}");
}

fn methods(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect()
}

const EXPECTED_BODY: &str = r#"{
  "bc764cd8ddf7a0cff126f51c16239658": {
    "parallelism": {
      "lowerBound": 1,
      "upperBound": 1
    }
  },
  "20ba6b65f97481d5570070de90e4e791": {
    "parallelism": {
      "lowerBound": 1,
      "upperBound": 6
    }
  },
  "b5c8d46f3e7b141acf271f12622e752b": {
    "parallelism": {
      "lowerBound": 1,
      "upperBound": 2
    }
  }
}
"#;

fn write_recommendation(dir: &Path, vertices: &[(&str, i64)]) -> String {
    let v: Vec<serde_json::Value> = vertices
        .iter()
        .map(|(id, p)| serde_json::json!({"id": id, "name": "x", "recommended_parallelism": p}))
        .collect();
    let path = dir.join("rec.json");
    std::fs::write(&path, serde_json::json!({ "vertices": v }).to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn record_writes_a_csv_recommend_reads_and_apply_dry_run_sends_nothing() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let csv_s = csv.display().to_string();
    let t = Instant::now();
    let out = record_job(
        &server.url,
        &["--duration", "3s", "--interval", "1s", "-o", &csv_s],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(err.contains("recorded 3 polls"), "{err}");
    assert!(err.contains("Flink 2.3.0"), "{err}");

    // The long CSV of metrics.md: header once, metric.agg names, NaN for the legacy source's busy time.
    let data = std::fs::read_to_string(&csv).unwrap();
    let mut lines = data.lines();
    assert_eq!(
        lines.next(),
        Some("timestamp_ms,job_id,vertex_id,vertex_name,parallelism,metric,value")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| csv::StringRecord::from(l.split(',').collect::<Vec<_>>()))
        .map(|r| r.iter().map(str::to_string).collect())
        .collect();
    assert!(rows.iter().all(|r| r.len() == 7 && r[1] == JOB));
    let timestamps: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(timestamps.len(), 3);
    assert!(rows.iter().any(|r| r[2] == SOURCE
        && r[3] == "Source: events[7]"
        && r[4] == "1"
        && r[5] == "busyTimeMsPerSecond.max"
        && r[6] == "NaN"));
    assert!(rows
        .iter()
        .any(|r| r[2] == SOURCE && r[5] == "Source__events[7].numRecordsOutPerSecond.sum"));
    assert!(rows
        .iter()
        .any(|r| r[2] == UDF && r[5] == "busyTimeMsPerSecond.max" && r[6] == "1000"));
    assert!(rows.iter().any(|r| r[2] == AGG && r[4] == "2"));
    // Only the ids the vertices report were asked for, each vertex's names listed once.
    let listed = server
        .requests()
        .iter()
        .filter(|r| r.path().ends_with("/subtasks/metrics") && r.query("get").is_none())
        .count();
    assert_eq!(listed, 3);

    // The job details beside it, usable as --graph.
    let plan = dir.path().join("run.job.json");
    let details: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(details["jid"], JOB);
    let plan_s = plan.display().to_string();
    let rec = dir.path().join("rec.json");
    let rec_s = rec.display().to_string();
    let out = run(&[
        "recommend",
        "--metrics",
        &csv_s,
        "--graph",
        &plan_s,
        "--format",
        "json",
        "-o",
        &rec_s,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rec).unwrap()).unwrap();
    let udf = r["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == UDF)
        .unwrap();
    assert_eq!(udf["current_parallelism"], 2);
    let wanted = udf["recommended_parallelism"].as_i64().unwrap();
    assert!(wanted > 2, "the saturated UDF vertex is scaled up: {udf}");

    // apply --dry-run: the exact body on stdout, and no PUT.
    let before = server.requests().len();
    let out = apply_job(&server.url, &["--recommendation", &rec_s, "--dry-run"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected = EXPECTED_BODY.replace("\"upperBound\": 6", &format!("\"upperBound\": {wanted}"));
    assert!(
        stdout.contains(&format!(
            "PUT {}/jobs/{JOB}/resource-requirements\n{expected}dry run: nothing was sent\n",
            server.url
        )),
        "{stdout}"
    );
    let after = server.requests();
    assert!(after[before..].iter().all(|r| r.method == "GET"));
    assert_eq!(methods(&after[before..]), vec![format!("GET /jobs/{JOB}")]);

    // Without --rest: the same body from the file alone, no request at all, and a note on what
    // could not be checked.
    let out = run(&[
        "apply",
        "--job",
        JOB,
        "--recommendation",
        &rec_s,
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("PUT /jobs/{JOB}/resource-requirements\n{expected}dry run: nothing was sent\n")
    );
    assert!(text(&out.stderr).contains("not checked against the running job"));
    assert_eq!(server.requests().len(), after.len());
    // Without --dry-run (or with --parallelism) the cluster is needed.
    for extra in [
        &["--recommendation", &rec_s][..],
        &["--parallelism", &format!("{UDF}=3"), "--dry-run"],
    ] {
        let out = run(&[&["apply", "--job", JOB][..], extra].concat());
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(text(&out.stderr).contains("--rest"), "{extra:?}");
    }
}

#[test]
fn apply_refuses_a_vertex_the_job_lacks_before_any_other_request() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let unknown = "0123456789abcdef0123456789abcdef";
    let rec = write_recommendation(dir.path(), &[(SOURCE, 1), (UDF, 4), (AGG, 2), (unknown, 3)]);
    let out = apply_job(&server.url, &["--recommendation", &rec]);
    assert_usage_error(&out, &format!("not vertices of the job: {unknown}"));
    assert!(text(&out.stderr).contains("nothing was sent"));
    assert_eq!(
        methods(&server.requests()),
        vec![format!("GET /jobs/{JOB}")]
    );

    // A recommendation that lacks one of the job's vertices is refused too.
    let rec = write_recommendation(dir.path(), &[(SOURCE, 1), (UDF, 4)]);
    let out = apply_job(&server.url, &["--recommendation", &rec]);
    assert_usage_error(&out, "vertices of the job the recommendation lacks");
    assert!(text(&out.stderr).contains(AGG));

    // So is an explicit pair with an unknown id.
    let pair = format!("{unknown}=3");
    let out = apply_job(&server.url, &["--parallelism", &pair]);
    assert_usage_error(&out, "not vertices of the job");
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    assert!(server
        .requests()
        .iter()
        .all(|r| r.path() == format!("/jobs/{JOB}")));
}

#[test]
fn apply_refuses_plan_node_ids_and_bad_files_without_any_request() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    // recommend on a Blink plan gives node ids, not JobVertexIDs.
    let rec = write_recommendation(dir.path(), &[("7", 1), ("8", 3)]);
    let out = apply_job(&server.url, &["--recommendation", &rec]);
    assert_usage_error(&out, "not JobVertexIDs: 7, 8");
    assert!(text(&out.stderr).contains("hint: JobVertexIDs are 32 hex digits"));
    let missing = dir.path().join("missing.json").display().to_string();
    let out = apply_job(&server.url, &["--recommendation", &missing]);
    assert_usage_error(&out, "missing.json");
    std::fs::write(dir.path().join("bad.json"), "{\"vertices\": [").unwrap();
    let bad = dir.path().join("bad.json").display().to_string();
    let out = apply_job(&server.url, &["--recommendation", &bad]);
    assert_usage_error(&out, "bad.json:1:");
    let out = apply_job(&server.url, &["--parallelism", "notanid=2"]);
    assert_usage_error(&out, "--parallelism");
    assert!(server.requests().is_empty());
}

#[test]
fn apply_puts_every_vertex_and_waits_for_the_new_parallelism() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let pair = format!("{UDF}=6");
    let out = apply_job(&server.url, &["--parallelism", &pair, "--wait"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{stdout}",
        text(&out.stderr)
    );
    let put: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].path(), format!("/jobs/{JOB}/resource-requirements"));
    assert_eq!(
        put[0].body, EXPECTED_BODY,
        "the other vertices keep their requirements"
    );
    assert!(stdout.contains(&format!(
        "PUT {}/jobs/{JOB}/resource-requirements\n{EXPECTED_BODY}",
        server.url
    )));
    let line = stdout.lines().find(|l| l.contains(UDF)).unwrap();
    assert!(
        line.trim_start().starts_with("PythonCalc[8] -> Calc[9] "),
        "{stdout}"
    );
    assert!(line.ends_with(&format!("{UDF}  2 -> 6  *")), "{stdout}");
    assert!(stdout.contains("Flink answered 200"), "{stdout}");
    assert!(
        stdout.contains("PythonCalc[8] -> Calc[9]: 6 RUNNING"),
        "{stdout}"
    );
    assert!(
        stdout.contains("running at the new parallelism"),
        "{stdout}"
    );
}

#[test]
fn apply_json_output() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let rec = write_recommendation(dir.path(), &[(SOURCE, 1), (UDF, 6), (AGG, 2)]);
    let out = apply_job(
        &server.url,
        &["--recommendation", &rec, "--wait", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["request"]["method"], "PUT");
    assert_eq!(doc["request"]["body"][UDF]["parallelism"]["upperBound"], 6);
    assert_eq!(doc["response"]["status"], 200);
    assert_eq!(doc["wait"]["outcome"], "running");
    assert!(doc["wait"]["running_after_s"].as_f64().unwrap() >= 0.0);
    assert_eq!(doc["changes"][1]["current_parallelism"], 2);
}

#[test]
fn apply_shows_flinks_refusal() {
    let server = FakeFlink::start(flink(Behaviour {
        put_reply: Some((
            500,
            serde_json::json!({"errors": ["Internal server error.", "<Exception on server side:\norg.apache.flink.runtime.rest.handler.RestHandlerException: Job vertex b5c8 was not found in the JobGraph.\n\tat org.apache.flink.X.y(X.java:1)\n\nEnd of exception on server side>"]}).to_string(),
        )),
        ..Behaviour::default()
    }));
    let pair = format!("{UDF}=3");
    let out = apply_job(&server.url, &["--parallelism", &pair]);
    assert_usage_error(&out, "500 Internal Server Error: Internal server error. | org.apache.flink.runtime.rest.handler.RestHandlerException: Job vertex b5c8 was not found in the JobGraph.");
}

#[test]
fn apply_refuses_a_job_without_the_adaptive_scheduler_and_a_finished_job() {
    let job = fake_server::fixture("udf_bottleneck/job.json").replace(
        "\"schedulerType\": \"Adaptive\"",
        "\"schedulerType\": \"Default\"",
    );
    let server = FakeFlink::start(flink(Behaviour {
        job_details: Some(job),
        ..Behaviour::default()
    }));
    let pair = format!("{UDF}=3");
    let out = apply_job(&server.url, &["--parallelism", &pair]);
    assert_usage_error(&out, "Default scheduler");
    assert!(server.requests().iter().all(|r| r.method == "GET"));

    let job = fake_server::fixture("udf_bottleneck/job.json").replacen(
        "\"state\": \"RUNNING\"",
        "\"state\": \"CANCELED\"",
        1,
    );
    let server = FakeFlink::start(flink(Behaviour {
        job_details: Some(job),
        ..Behaviour::default()
    }));
    let out = apply_job(&server.url, &["--parallelism", &pair]);
    assert_usage_error(&out, "is CANCELED: only a running job can be rescaled");
}

#[test]
fn connection_refused_and_unknown_jobs_are_one_error_line() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("x.csv").display().to_string();
    let out = run(&["record", "--rest", &url, "--job", JOB, "-o", &csv]);
    assert_usage_error(&out, "connection refused");
    assert!(
        !Path::new(&csv).exists(),
        "nothing is written when the cluster cannot be reached"
    );
    let out = run(&[
        "apply",
        "--rest",
        &url,
        "--job",
        JOB,
        "--parallelism",
        &format!("{UDF}=3"),
    ]);
    assert_usage_error(&out, "connection refused");

    let server = FakeFlink::start(flink(Behaviour::default()));
    let other = "00000000000000000000000000000000";
    let out = run(&["record", "--rest", &server.url, "--job", other, "-o", &csv]);
    assert_usage_error(&out, &format!("job {other} not found (404)"));
    let err = text(&out.stderr);
    assert!(
        err.contains("  hint: running jobs: ") && err.contains(&format!("{JOB} udf_bottleneck")),
        "{err}"
    );
    let out = run(&[
        "apply",
        "--rest",
        &server.url,
        "--job",
        other,
        "--parallelism",
        &format!("{UDF}=3"),
    ]);
    assert_usage_error(&out, "not found (404)");

    let out = run(&[
        "record",
        "--rest",
        "ftp://127.0.0.1:8081",
        "--job",
        JOB,
        "-o",
        &csv,
    ]);
    assert_usage_error(&out, "expected an http:// URL");
    let out = record_job(&server.url, &["--interval", "soon", "-o", &csv]);
    assert_usage_error(&out, "--interval");
}

#[test]
fn record_keeps_polling_when_the_cluster_goes_away() {
    let mut server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let child = common::process()
        .args([
            "record",
            "--rest",
            &server.url,
            "--job",
            JOB,
            "--duration",
            "4s",
            "--interval",
            "500ms",
            "--timeout",
            "1s",
            "-o",
        ])
        .arg(&csv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    server.shutdown();
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "one warning per failing streak: {err}");
    assert!(warnings[0].contains("the cluster does not answer"), "{err}");
    assert!(warnings[0].contains("keeps polling"), "{err}");
    // What was recorded before is a complete CSV that recommend reads.
    let plan = dir.path().join("run.job.json");
    let out = run(&[
        "recommend",
        "--metrics",
        &csv.display().to_string(),
        "--graph",
        &plan.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let data = std::fs::read_to_string(&csv).unwrap();
    assert!(data.ends_with('\n'));
    assert!(data.lines().skip(1).all(|l| l.split(',').count() == 7));
}

#[cfg(unix)]
#[test]
fn record_stops_cleanly_on_ctrl_c() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    // --all-running finds the three jobs of jobs_overview.json; only one of them has job details
    // here (the others answer 404, as jobs that ended do): they are skipped with a warning.
    let mut child = common::process()
        .args([
            "record",
            "--rest",
            &server.url,
            "--all-running",
            "--interval",
            "300ms",
            "-o",
        ])
        .arg(&csv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while std::fs::read_to_string(&csv)
        .map(|d| d.lines().count())
        .unwrap_or(0)
        < 2
    {
        assert!(t.elapsed() < Duration::from_secs(10), "no rows recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(400));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "record did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("(interrupted)"), "{err}");
    assert_eq!(
        err.matches("warning: not recording job").count(),
        2,
        "{err}"
    );
    assert!(
        err.contains(&format!("recording udf_bottleneck ({JOB}, RUNNING)")),
        "{err}"
    );
    let data = std::fs::read_to_string(&csv).unwrap();
    assert!(data.ends_with('\n'));
    assert!(data.lines().skip(1).all(|l| l.split(',').count() == 7));
}

#[test]
fn record_appends_only_to_a_csv_of_the_same_shape() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let csv_s = csv.display().to_string();
    let args = [
        "record",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--duration",
        "1s",
        "--interval",
        "1s",
        "-o",
        &csv_s,
    ];
    assert_eq!(run(&args).status.code(), Some(0));
    let one = std::fs::read_to_string(&csv).unwrap().lines().count();
    let mut append = args.to_vec();
    append.push("--append");
    assert_eq!(run(&append).status.code(), Some(0));
    let data = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(data.lines().count(), 2 * one - 1);
    assert_eq!(data.matches("timestamp_ms").count(), 1);
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let out = run(&append);
    assert_usage_error(&out, "cannot append");
}

#[test]
fn apply_reads_a_resource_requirements_body_too() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rr.json");
    // What `recommend --format resource-requirements` writes; the order of the file does not matter.
    std::fs::write(
        &path,
        EXPECTED_BODY.replace("\"upperBound\": 6", "\"upperBound\": 3"),
    )
    .unwrap();
    let out = apply_job(
        &server.url,
        &[
            "--recommendation",
            &path.display().to_string(),
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["response"], serde_json::Value::Null);
    assert_eq!(doc["request"]["body"][UDF]["parallelism"]["upperBound"], 3);
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}
