//! Hostile REST answers and hostile surroundings for `record` and `apply`: whatever the cluster
//! (or a proxy in front of it) sends, and whatever happens to the output file, planscale ends with
//! a result or one `error:` line and exit 2, never a panic, a hang, or half a row.

mod common;
#[path = "../fixtures/rest/fake_server.rs"]
#[allow(unreachable_pub)]
mod fake_server;

use std::process::{Command, Output, Stdio};

use fake_server::{flink, Behaviour, FakeFlink, Reply, Request, JOB};
use proptest::prelude::*;

fn run(args: &[&str]) -> Output {
    common::output(common::cmd().args(args))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit 2, exactly one `error:` line, the first of stderr (hints may follow), no panic.
fn one_error(out: &Output, needle: &str) -> String {
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("error: "), "{err}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(lines[0].contains(needle), "`{needle}` not in: {err}");
    lines[0].to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any bytes: no panic, ASCII tokens quoted one for one, UTF-8 stays UTF-8.
    #[test]
    fn quoting_non_finite_numbers_never_panics(
        body in proptest::collection::vec(
            prop_oneof![
                any::<u8>(),
                Just(b'"'),
                Just(b'\\'),
                Just(0xE2u8),
                Just(b'N'),
            ],
            0..64,
        ),
        tokens in proptest::collection::vec((0usize..64, 0usize..3), 0..4),
    ) {
        let mut body = body;
        for (at, t) in tokens {
            let t: &[u8] = [&b"NaN"[..], b"Infinity", b"-Infinity"][t];
            let at = at.min(body.len());
            body.splice(at..at, t.iter().copied());
        }
        let out = planscale::rest::quote_non_finite(&body);
        let added = out.len() - body.len();
        prop_assert_eq!(added % 2, 0);
        if std::str::from_utf8(&body).is_ok() {
            prop_assert!(std::str::from_utf8(&out).is_ok());
            let s = String::from_utf8_lossy(&body).into_owned();
            let _ = planscale::rest::parse_json(&s);
        }
    }

    /// Any text with a multi-byte character and a bare token: a parse error or a value, never a
    /// panic (the proxy page of the issue).
    #[test]
    fn parse_json_of_any_text_never_panics(s in "[\\PC\u{2014}\u{e9}{}\\[\\]\",:]{0,40}(NaN|Infinity|-Infinity)[\\PC\u{2014}]{0,10}") {
        let _ = planscale::rest::parse_json(&s);
    }
}

#[test]
fn an_html_proxy_page_with_nan_is_one_error_line() {
    let page =
        "<html><body><h1>502 \u{2014} le cluster ne r\u{e9}pond pas (NaN)</h1></body></html>";
    let server = FakeFlink::start(move |_r: &Request| Reply::json(502, page));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv").display().to_string();
    let out = run(&["record", "--rest", &server.url, "--job", JOB, "-o", &csv]);
    one_error(&out, "502 Bad Gateway");
    let server = FakeFlink::start(move |_r: &Request| Reply::json(200, page));
    let out = run(&["record", "--rest", &server.url, "--job", JOB, "-o", &csv]);
    one_error(&out, "not JSON");
    assert!(!std::path::Path::new(&csv).exists());
}

/// Peak resident memory of a child, read from `/proc` while it runs (the last value seen).
#[cfg(target_os = "linux")]
fn peak_rss_mb(mut child: std::process::Child) -> (Output, u64) {
    let pid = child.id();
    let mut peak = 0;
    let t = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb / 1024);
            }
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(60), "no end");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    (child.wait_with_output().unwrap(), peak)
}

/// `[[],[],...]` of about `mib` MiB: what cost ~48 times its size as a `serde_json::Value`.
fn empty_arrays(mib: usize) -> String {
    let n = mib * 1024 * 1024 / 3;
    let mut s = String::with_capacity(n * 3 + 2);
    s.push('[');
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str("[]");
    }
    s.push(']');
    s
}

#[cfg(target_os = "linux")]
#[test]
fn a_63_mib_answer_of_empty_arrays_costs_a_small_multiple_of_its_size() {
    let big = std::sync::Arc::new(empty_arrays(63));
    let metrics = big.clone();
    let base = flink(Behaviour::default());
    let server = FakeFlink::start(move |r: &Request| {
        if r.query("get").is_some() {
            Reply::json(200, metrics.as_str())
        } else {
            base(r)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let child = common::process()
        .args(["record", "--rest", &server.url, "--job", JOB])
        .args([
            "--duration",
            "2s",
            "--interval",
            "1s",
            "--timeout",
            "20s",
            "-o",
        ])
        .arg(&csv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out, peak) = peak_rss_mb(child);
    eprintln!("peak RSS {peak} MB");
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    // Nothing in the answers is a metric: no rows, exit 1.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        peak < 400,
        "peak RSS {peak} MB for 63 MiB answers (was 1.6 GB a poll)"
    );

    // The same as the job details: one error line, and no more memory.
    let details = big.clone();
    let server = FakeFlink::start(move |_r: &Request| Reply::json(200, details.as_str()));
    let child = common::process()
        .args([
            "record",
            "--rest",
            &server.url,
            "--job",
            JOB,
            "--timeout",
            "20s",
            "-o",
        ])
        .arg(&csv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out, peak) = peak_rss_mb(child);
    eprintln!("peak RSS {peak} MB");
    one_error(&out, "unexpected answer");
    assert!(
        peak < 400,
        "peak RSS {peak} MB for a 63 MiB answer (was 3.1 GB)"
    );
}

#[test]
fn an_answer_over_the_size_cap_says_so_and_not_cannot_connect() {
    let big = std::sync::Arc::new(empty_arrays(65));
    let server = FakeFlink::start(move |_r: &Request| Reply::json(200, big.as_str()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv").display().to_string();
    let out = run(&[
        "record",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--timeout",
        "20s",
        "-o",
        &csv,
    ]);
    let line = one_error(&out, "larger than 64 MiB");
    assert!(!line.contains("cannot connect"), "{line}");
}

#[test]
fn apply_refuses_details_of_another_job_and_sends_nothing() {
    let other = "ffffffffffffffffffffffffffffffff";
    let job = fake_server::fixture("udf_bottleneck/job.json").replace(JOB, other);
    let server = FakeFlink::start(flink(Behaviour {
        job_details: Some(job),
        ..Behaviour::default()
    }));
    let pair = format!("{}=3", fake_server::UDF);
    let out = run(&[
        "apply",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--parallelism",
        &pair,
    ]);
    one_error(
        &out,
        &format!("the details of job {other} (udf_bottleneck), not of job {JOB}"),
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv").display().to_string();
    let out = run(&["record", "--rest", &server.url, "--job", JOB, "-o", &csv]);
    one_error(&out, &format!("not of job {JOB}"));
    assert!(!std::path::Path::new(&csv).exists());
}

#[test]
fn apply_puts_to_the_job_named() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let pair = format!("{}=3", fake_server::UDF);
    let out = run(&[
        "apply",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--parallelism",
        &pair,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let puts: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(puts, vec![format!("/jobs/{JOB}/resource-requirements")]);
}

#[test]
fn proxies_from_the_environment_are_never_used_for_loopback() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let proxy = FakeFlink::start(|_r: &Request| Reply::json(502, "{\"errors\":[\"proxy\"]}"));
    let port = server.url.rsplit(':').next().unwrap().to_string();
    let pair = format!("{}=3", fake_server::UDF);
    let with_proxy = |url: &str| {
        let mut c = common::process();
        for var in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            c.env(var, &proxy.url);
        }
        c.env_remove("no_proxy").env_remove("NO_PROXY");
        c.args([
            "apply",
            "--rest",
            url,
            "--job",
            JOB,
            "--parallelism",
            &pair,
            "--dry-run",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap()
    };
    for host in [
        "127.1",
        "2130706433",
        "localhost.",
        "127.0.0.1",
        "localhost",
        "[::1]",
    ] {
        let out = with_proxy(&format!("http://{host}:{port}"));
        assert!(
            proxy.requests().is_empty(),
            "{host}: the proxy was asked: {:?}",
            proxy.requests()
        );
        // The fake cluster listens on 127.0.0.1 only: [::1] is refused, directly, and the
        // resolver may not know `localhost.`; either way the proxy stays out of it.
        if host != "[::1]" && host != "localhost." {
            assert_eq!(out.status.code(), Some(0), "{host}: {}", text(&out.stderr));
        }
    }
    // A host that is not this machine goes through the proxy (which answers 502 here).
    let out = with_proxy("http://flink.invalid:8081");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!proxy.requests().is_empty(), "the proxy was not asked");
}

/// A fake cluster whose metric endpoints accept and then do not answer for `hang`.
fn hanging_metrics(hang: std::time::Duration) -> FakeFlink {
    let base = flink(Behaviour::default());
    FakeFlink::start(move |r: &Request| {
        if r.path().ends_with("/subtasks/metrics") {
            Reply {
                delay: hang,
                ..Reply::json(200, "[]")
            }
        } else {
            base(r)
        }
    })
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_stop_a_hanging_poll_within_a_second() {
    use std::time::{Duration, Instant};
    for signal in ["-INT", "-TERM"] {
        let server = hanging_metrics(Duration::from_secs(60));
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("run.csv");
        let mut child = common::process()
            .args([
                "record",
                "--rest",
                &server.url,
                "--job",
                JOB,
                "--timeout",
                "60s",
            ])
            .arg("-o")
            .arg(&csv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while !server
            .requests()
            .iter()
            .any(|r| r.path().ends_with("/subtasks/metrics"))
        {
            assert!(t.elapsed() < Duration::from_secs(20), "no metrics request");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(200));
        let sent = Instant::now();
        let kill = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(5),
                "{signal}: record still hangs"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let stopped_in = sent.elapsed();
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(
            stopped_in < Duration::from_millis(1500),
            "{signal}: {stopped_in:?}"
        );
        assert!(err.contains("interrupted during a poll"), "{signal}: {err}");
        assert!(err.contains("(interrupted)"), "{signal}: {err}");
        // No rows were complete: exit 1, the CSV is its header, nothing else is left.
        assert_eq!(status.code(), Some(1), "{signal}: {err}");
        assert_eq!(
            std::fs::read_to_string(&csv).unwrap(),
            "timestamp_ms,job_id,vertex_id,vertex_name,parallelism,metric,value\n"
        );
        assert_eq!(files_in(dir.path()), vec!["run.csv", "run.job.json"]);
    }
}

#[test]
fn a_poll_slower_than_duration_stops_at_the_deadline_with_a_warning() {
    use std::time::{Duration, Instant};
    let server = hanging_metrics(Duration::from_secs(16));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv").display().to_string();
    let t = Instant::now();
    let out = run(&[
        "record",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--duration",
        "1s",
        "--timeout",
        "30s",
        "-o",
        &csv,
    ]);
    let err = text(&out.stderr);
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "{:?}: {err}",
        t.elapsed()
    );
    assert!(
        err.contains("warning: ") && err.contains("--duration ended during a poll"),
        "{err}"
    );
    assert!(err.contains("(duration reached)"), "{err}");
}

const HEADER: &str = "timestamp_ms,job_id,vertex_id,vertex_name,parallelism,metric,value\n";

#[test]
fn a_second_record_to_the_same_file_is_refused_and_the_first_one_is_untouched() {
    use std::time::{Duration, Instant};
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let csv_s = csv.display().to_string();
    let first = common::process()
        .args(["record", "--rest", &server.url, "--job", JOB])
        .args(["--duration", "3s", "--interval", "300ms", "-o", &csv_s])
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
        std::thread::sleep(Duration::from_millis(20));
    }
    for extra in [&[][..], &["--append"][..]] {
        let before = std::fs::read_to_string(&csv).unwrap().len();
        let args = [
            &[
                "record",
                "--rest",
                &server.url,
                "--job",
                JOB,
                "--duration",
                "1s",
                "-o",
                &csv_s,
            ][..],
            extra,
        ]
        .concat();
        let out = run(&args);
        one_error(&out, "another `planscale record` is writing to this file");
        assert!(
            std::fs::read_to_string(&csv).unwrap().len() >= before,
            "the CSV was emptied"
        );
    }
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let data = std::fs::read_to_string(&csv).unwrap();
    assert!(data.starts_with(HEADER) && data.ends_with('\n'));
    assert_eq!(data.matches("timestamp_ms").count(), 1);
}

#[test]
fn append_refuses_a_file_that_ends_in_half_a_row() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let half = format!("{HEADER}1,{JOB},v,x,1,busyTimeMsPerSecond.max,10");
    std::fs::write(&csv, &half).unwrap();
    let csv_s = csv.display().to_string();
    let out = run(&[
        "record",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--duration",
        "1s",
        "--append",
        "-o",
        &csv_s,
    ]);
    one_error(&out, "does not end with a whole row");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), half);
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let out = run(&[
        "record",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--duration",
        "1s",
        "--append",
        "-o",
        &csv_s,
    ]);
    one_error(&out, "cannot append: its header is `a,b`");
}

#[test]
fn record_never_replaces_a_plan_file_that_is_not_its_own() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let csv_s = csv.display().to_string();
    let plan = dir.path().join("run.job.json");
    let args = [
        "record",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--duration",
        "1s",
        "-o",
        &csv_s,
    ];
    let other = fake_server::fixture("udf_bottleneck/job.json")
        .replace(JOB, "ffffffffffffffffffffffffffffffff");
    let blink = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/plans/window_agg.plan.json"),
    )
    .unwrap();
    for (content, what) in [
        (blink.as_str(), "is not job details"),
        (
            other.as_str(),
            "is the job details of job ffffffffffffffffffffffffffffffff",
        ),
        ("not json at all", "is not job details"),
    ] {
        std::fs::write(&plan, content).unwrap();
        let out = run(&args);
        one_error(&out, what);
        assert_eq!(std::fs::read_to_string(&plan).unwrap(), content);
        assert!(
            !csv.exists(),
            "nothing is written when a plan file is refused"
        );
    }
    // Its own output (job details of the same job) is replaced, as on every run.
    std::fs::write(&plan, fake_server::fixture("udf_bottleneck/job.json")).unwrap();
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_file(&plan).unwrap();
    std::fs::create_dir(&plan).unwrap();
    one_error(&run(&args), "is not a file");
}

/// `record` into a 64 KiB tmpfs until it is full: an error, and every row in the file whole.
/// Needs root and a mount namespace (`unshare -m`); skipped with a note otherwise.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_during_record_leaves_only_whole_rows() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let bin = common::bin_path().display();
    let script = format!(
        "mount -t tmpfs -o size=64k tmpfs '{m}' || exit 77; \
         '{bin}' record --rest {url} --job {JOB} --interval 100ms --duration 20s -o '{m}/run.csv'; \
         echo \"exit=$?\" >&2; cp '{m}/run.csv' '{out}/copy.csv'",
        m = mnt.display(),
        url = server.url,
        out = dir.path().display(),
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .stdin(Stdio::null())
        .output();
    let Ok(out) = out else {
        eprintln!("note: skipped: no unshare");
        return;
    };
    if out.status.code() == Some(77) || text(&out.stderr).contains("unshare: ") {
        eprintln!(
            "note: skipped: cannot mount a tmpfs here: {}",
            text(&out.stderr)
        );
        return;
    }
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("exit=2"), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains("cannot write: No space left on device"),
        "{err}"
    );
    assert!(
        errors[0].contains("the file ends with the last whole poll"),
        "{err}"
    );
    let data = std::fs::read_to_string(dir.path().join("copy.csv")).unwrap();
    assert!(data.starts_with(HEADER) && data.ends_with('\n'), "{data:?}");
    assert!(data.lines().count() > 10, "some polls were written");
    for line in data.lines() {
        assert_eq!(line.split(',').count(), 7, "{line}");
    }
}

#[test]
fn a_redirect_names_its_location_and_is_not_followed() {
    let server = FakeFlink::start(|_r: &Request| Reply {
        headers: vec![(
            "Location".into(),
            "https://login.example/sso?from=flink".into(),
        )],
        ..Reply::json(302, "")
    });
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv").display().to_string();
    let out = run(&["record", "--rest", &server.url, "--job", JOB, "-o", &csv]);
    one_error(
        &out,
        "302 redirect to `https://login.example/sso?from=flink`",
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn integers_above_2_pow_63_in_an_answer_are_out_of_range() {
    let job = fake_server::fixture("udf_bottleneck/job.json").replacen(
        "\"parallelism\": 2",
        "\"parallelism\": 9223372036854775808",
        1,
    );
    assert!(job.contains("9223372036854775808"));
    let server = FakeFlink::start(flink(Behaviour {
        job_details: Some(job),
        ..Behaviour::default()
    }));
    let pair = format!("{}=3", fake_server::UDF);
    let out = run(&[
        "apply",
        "--rest",
        &server.url,
        "--job",
        JOB,
        "--parallelism",
        &pair,
    ]);
    one_error(&out, "`parallelism` 9223372036854775808 is out of range");
}
