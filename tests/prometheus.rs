//! `planscale fetch` and `recommend --prometheus` against a real Prometheus (Debian's
//! `prometheus` package: `prometheus` and `promtool`), and against a stand-in server for what a
//! real one does not do on demand (5xx, 4xx, credentials).
//!
//! The real-server test writes a few hours of two Flink jobs as Flink's Prometheus reporter names
//! them into an OpenMetrics file, backfills a TSDB from it with `promtool tsdb create-blocks-from
//! openmetrics`, starts Prometheus on 127.0.0.1 on that TSDB (no scrape targets), and compares
//! what `fetch` writes with what the generator wrote. The server is stopped by its pid when the
//! test ends, failed or not ([`Server`]'s `Drop`).
//!
//! Without the binaries the test says so loudly and passes, unless `CI` or
//! `PLANSCALE_REQUIRE_PROMETHEUS=1` is set (`.ci/run` sets both): then it fails.

mod common;

#[path = "../fixtures/rest/fake_server.rs"]
#[allow(unreachable_pub)]
mod fake_server;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Outcome;
use fake_server::{FakeFlink, Reply, Request};

// ---------------------------------------------------------------------------------------------
// The binaries and the server

struct Tools {
    prometheus: PathBuf,
    promtool: PathBuf,
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn required() -> bool {
    let set = |v: &str| std::env::var(v).is_ok_and(|x| !x.is_empty() && x != "0" && x != "false");
    set("CI") || set("PLANSCALE_REQUIRE_PROMETHEUS")
}

fn tools() -> Option<Tools> {
    match (which("prometheus"), which("promtool")) {
        (Some(prometheus), Some(promtool)) => Some(Tools {
            prometheus,
            promtool,
        }),
        _ if required() => panic!(
            "prometheus and promtool are not installed, and CI (or PLANSCALE_REQUIRE_PROMETHEUS=1) \
             needs them: apt-get install -y prometheus"
        ),
        _ => {
            eprintln!(
                "\n========================================================================\n\
                 SKIPPED: tests/prometheus.rs needs `prometheus` and `promtool`\n\
                 (apt-get install -y prometheus); they are not installed here.\n\
                 ========================================================================\n"
            );
            None
        }
    }
}

/// A Prometheus this test started; stopped by its pid when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(url: &str) -> Option<(u16, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let mut r = agent.get(url).call().ok()?;
    let status = r.status().as_u16();
    Some((status, r.body_mut().read_to_string().unwrap_or_default()))
}

/// Starts Prometheus on `tsdb` at a free 127.0.0.1 port and waits for `/-/ready`.
fn start(tools: &Tools, dir: &Path, tsdb: &Path) -> Server {
    start_with(tools, dir, tsdb, None)
}

/// [`start`], serving https with `web_config` (Prometheus' `--web.config.file`) when given.
fn start_with(tools: &Tools, dir: &Path, tsdb: &Path, web_config: Option<&Path>) -> Server {
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        "global:\n  scrape_interval: 15s\nscrape_configs: []\n",
    )
    .unwrap();
    for _ in 0..3 {
        let port = fake_server::closed_port();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let mut command = Command::new(&tools.prometheus);
        if let Some(web) = web_config {
            command.arg(format!("--web.config.file={}", web.display()));
        }
        let scheme = if web_config.is_some() {
            "https"
        } else {
            "http"
        };
        let child = command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", tsdb.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // Backfilled series end without staleness markers; a lookback shorter than the step
            // ends them at their last sample, as a scraped series that vanishes ends.
            .arg("--query.lookback-delta=14s")
            .arg("--storage.tsdb.retention.time=30d")
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let mut server = Server {
            child,
            url: format!("{scheme}://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = server.child.try_wait() {
                break; // the port was taken in between: try another
            }
            let ready = if web_config.is_some() {
                // Listening is enough here: the test itself checks what the TLS side says.
                std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            } else {
                get(&format!("{}/-/ready", server.url)).is_some_and(|(s, _)| s == 200)
            };
            if ready {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(server);
    }
    panic!(
        "prometheus did not become ready: {}",
        std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
    );
}

// ---------------------------------------------------------------------------------------------
// Two jobs as Flink's Prometheus reporter exports them

const STEP_S: i64 = 15;
const JOB_A: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const JOB_B: &str = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
const JOB_C: &str = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c";
const SOURCE: &str = "bc764cd8ddf7a0cff126f51c16239658";
const MAP: &str = "20ba6b65f97481d5570070de90e4e791";
const SINK: &str = "b5c8d46f3e7b141acf271f12622e752b";
const B_SOURCE: &str = "cbc357ccb763df2852fee8c4fc7d55f2";
const B_SINK: &str = "e883208d19e3c34f8aaf2a3168a63337";

/// One row of the expected CSV.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
struct Row {
    t_ms: i64,
    job: String,
    vertex: String,
    vertex_name: String,
    subtask: u32,
    parallelism: u32,
    metric: String,
    value: f64,
}

impl Row {
    fn key(&self) -> (i64, String, u32, String) {
        (
            self.t_ms,
            self.vertex.clone(),
            self.subtask,
            self.metric.clone(),
        )
    }
}

struct Data {
    /// The OpenMetrics text: families, each series' samples in time order.
    openmetrics: String,
    rows: Vec<Row>,
    first_s: i64,
    last_s: i64,
    rescale_s: i64,
    /// Job C's run (job B's name, before B).
    c_first_s: i64,
    c_last_s: i64,
}

#[derive(Default)]
struct Families {
    /// name -> labels -> samples
    series: BTreeMap<String, BTreeMap<String, Vec<(i64, f64)>>>,
}

impl Families {
    fn add(&mut self, name: &str, labels: &[(&str, String)], t: i64, v: f64) {
        let mut l = String::new();
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                l.push(',');
            }
            let _ = write!(l, "{k}=\"{v}\"");
        }
        self.series
            .entry(name.to_string())
            .or_default()
            .entry(l)
            .or_default()
            .push((t, v));
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for (name, series) in &self.series {
            let _ = writeln!(out, "# TYPE {name} gauge");
            for (labels, samples) in series {
                for (t, v) in samples {
                    let v = if v.is_nan() {
                        "NaN".to_string()
                    } else {
                        format!("{v}")
                    };
                    let _ = writeln!(out, "{name}{{{labels}}} {v} {t}");
                }
            }
        }
        out.push_str("# EOF\n");
        out
    }
}

/// A vertex of a generated job.
struct Vertex {
    id: &'static str,
    /// As the reporter writes `task_name` (filtered).
    name: &'static str,
    source: bool,
}

fn generate(now_s: i64) -> Data {
    let task = "flink_taskmanager_job_task_";
    let op = "flink_taskmanager_job_task_operator_";
    // 190 minutes on the 15 s grid (more than 11,000 steps of 1 s), ending about two hours ago
    // (backfilled blocks must lie before the head, which starts empty at the server's start).
    let last_s = (now_s - 2 * 3600) / STEP_S * STEP_S;
    let first_s = last_s - 190 * 60;
    let rescale_s = first_s + 95 * 60;
    // Job C is job B's earlier run (same name and graph, another id), cancelled 20 minutes
    // before B was submitted.
    let (c_first_s, c_last_s) = (first_s - 60 * 60, first_s - 20 * 60);
    let mut f = Families::default();
    let mut rows = Vec::new();
    let audit = || {
        vec![
            Vertex {
                id: B_SOURCE,
                name: "Source:_audit",
                source: true,
            },
            Vertex {
                id: B_SINK,
                name: "Sink:_audit",
                source: false,
            },
        ]
    };
    // (job id, job name, vertices, first and last second of its run)
    type Job = (&'static str, &'static str, Vec<Vertex>, (i64, i64));
    let jobs: [Job; 3] = [
        (
            JOB_A,
            "orders_pipeline",
            vec![
                Vertex {
                    id: SOURCE,
                    name: "Source:_orders",
                    source: true,
                },
                Vertex {
                    id: MAP,
                    name: "Map_____Filter",
                    source: false,
                },
                Vertex {
                    id: SINK,
                    name: "Sink:_out",
                    source: false,
                },
            ],
            (first_s, last_s),
        ),
        (JOB_B, "audit", audit(), (first_s, last_s)),
        (JOB_C, "audit", audit(), (c_first_s, c_last_s)),
    ];
    let mut t = c_first_s;
    while t <= last_s {
        for (job, job_name, vertices, (from_s, to_s)) in &jobs {
            if t < *from_s || t > *to_s {
                continue;
            }
            let k = (t - from_s) / STEP_S;
            for v in vertices {
                // Job A's map runs at 4 until the rescale, then at 2 (on new TaskManagers).
                let (p, tm) = match (*job, v.id, t < rescale_s) {
                    (JOB_B | JOB_C, _, _) => (1u32, "tm_1"),
                    (_, MAP, true) => (4, "tm_1"),
                    (_, MAP, false) => (2, "tm_2"),
                    _ => (2, "tm_1"),
                };
                for s in 0..p {
                    let labels = |extra: &[(&'static str, String)]| {
                        let mut l: Vec<(&str, String)> = vec![
                            ("host", "127_0_0_1".into()),
                            ("instance", "127.0.0.1:9249".into()),
                            ("job", "flink".into()),
                            ("job_id", job.to_string()),
                            ("job_name", job_name.to_string()),
                            ("subtask_index", s.to_string()),
                            ("task_attempt_id", format!("{:032x}", s + 7)),
                            ("task_attempt_num", "0".into()),
                            ("task_id", v.id.into()),
                            ("task_name", v.name.into()),
                            ("tm_id", tm.into()),
                        ];
                        l.extend(extra.iter().cloned());
                        l
                    };
                    let mut row = |metric: String, value: f64| {
                        rows.push(Row {
                            t_ms: t * 1000,
                            job: job.to_string(),
                            vertex: v.id.into(),
                            vertex_name: v.name.into(),
                            subtask: s,
                            parallelism: p,
                            metric,
                            value,
                        })
                    };
                    let wave = (k % 40) as f64;
                    let rate = 1000.0 + 25.0 * wave + 10.0 * s as f64;
                    let busy = if v.source {
                        150.0
                    } else {
                        400.0 + 5.0 * wave + s as f64
                    };
                    let bp = if v.source { 100.0 + wave } else { 0.0 };
                    // One value not reported: NaN passes through as NaN.
                    let idle = if k == 7 && s == 0 {
                        f64::NAN
                    } else {
                        1000.0 - busy - bp
                    };
                    let total = rate * 15.0 * k as f64;
                    let input = if v.source { 0.0 } else { rate };
                    for (m, x) in [
                        ("busyTimeMsPerSecond", busy),
                        ("backPressuredTimeMsPerSecond", bp),
                        ("idleTimeMsPerSecond", idle),
                        ("numRecordsInPerSecond", input),
                        ("numRecordsOutPerSecond", rate),
                        ("numRecordsIn", if v.source { 0.0 } else { total }),
                        ("numRecordsOut", total),
                    ] {
                        f.add(&format!("{task}{m}"), &labels(&[]), t, x);
                        row(m.to_string(), x);
                    }
                    // Operator metrics: every operator's own record rate (only sources' are
                    // fetched), a source's backlog and its Kafka partitions (two per subtask).
                    let opl = |extra: &[(&'static str, String)]| {
                        let mut l = labels(&[
                            ("operator_id", format!("{:032x}", 99)),
                            ("operator_name", v.name.to_string()),
                        ]);
                        l.extend(extra.iter().cloned());
                        l
                    };
                    let scope = rest_op(v.name);
                    f.add(&format!("{op}numRecordsOutPerSecond"), &opl(&[]), t, rate);
                    if v.source {
                        row(format!("{scope}.numRecordsOutPerSecond"), rate);
                        f.add(&format!("{op}numRecordsInPerSecond"), &opl(&[]), t, rate);
                        row(format!("{scope}.numRecordsInPerSecond"), rate);
                        let pending = 5000.0 + 100.0 * wave;
                        f.add(&format!("{op}pendingRecords"), &opl(&[]), t, pending);
                        row(format!("{scope}.pendingRecords"), pending);
                        if *job == JOB_A {
                            for part in [2 * s, 2 * s + 1] {
                                let l = opl(&[
                                    ("partition", part.to_string()),
                                    ("topic", "orders".into()),
                                ]);
                                let offset = total / 2.0;
                                let name = "KafkaSourceReader_topic_partition_currentOffset";
                                f.add(&format!("{op}{name}"), &l, t, offset);
                                row(
                                    format!(
                                        "{scope}.KafkaSourceReader.topic.orders.partition.{part}.currentOffset"
                                    ),
                                    offset,
                                );
                            }
                        }
                    }
                    // The sink's subtask 0 also scraped by a second scrape job for ten steps:
                    // overlapping series, one row.
                    if v.id == SINK && s == 0 && k < 10 {
                        let mut l = labels(&[]);
                        l[2].1 = "flink-copy".into();
                        f.add(&format!("{task}busyTimeMsPerSecond"), &l, t, busy);
                    }
                }
            }
        }
        // Series the fetch must leave alone.
        f.add(
            "flink_taskmanager_Status_JVM_CPU_Load",
            &[("host", "127_0_0_1".into()), ("tm_id", "tm_1".into())],
            t,
            0.5,
        );
        t += STEP_S;
    }
    Data {
        openmetrics: f.text(),
        rows,
        first_s,
        last_s,
        rescale_s,
        c_first_s,
        c_last_s,
    }
}

/// An operator name as the REST metric ids spell it (what the reader matches `Source__` on).
fn rest_op(name: &str) -> String {
    name.replace([' ', ',', '.', ':'], "_")
}

/// A job details document of job A (REST `GET /jobs/:id` shape) for recommend's --graph.
fn graph_a() -> String {
    let node = |id: &str, desc: &str, p: u32, input: Option<&str>| {
        let inputs = match input {
            Some(i) => format!(
                r#","inputs":[{{"id":"{i}","num":0,"ship_strategy":"REBALANCE","exchange":"pipelined_bounded"}}]"#
            ),
            None => String::new(),
        };
        format!(
            r#"{{"id":"{id}","description":"{desc}","parallelism":{p},"operator":"","operator_strategy":"","optimizer_properties":{{}}{inputs}}}"#
        )
    };
    let vertex = |id: &str, name: &str, p: u32| {
        format!(
            r#"{{"id":"{id}","name":"{name}","parallelism":{p},"maxParallelism":128,"status":"RUNNING"}}"#
        )
    };
    format!(
        r#"{{"jid":"{JOB_A}","name":"orders pipeline","state":"RUNNING","vertices":[{},{},{}],"plan":{{"jid":"{JOB_A}","name":"orders pipeline","type":"STREAMING","nodes":[{},{},{}]}}}}"#,
        vertex(SOURCE, "Source: orders", 2),
        vertex(MAP, "Map -> Filter", 2),
        vertex(SINK, "Sink: out", 2),
        node(SOURCE, "Source: orders", 2, None),
        node(MAP, "Map -&gt; Filter", 2, Some(SOURCE)),
        node(SINK, "Sink: out", 2, Some(MAP)),
    )
}

/// The rows of a fetched CSV, checked against the header `fetch` writes.
fn parse_csv(text: &str) -> Vec<Row> {
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    assert_eq!(
        header,
        "timestamp_ms,job_id,vertex_id,vertex_name,subtask,parallelism,metric,value"
    );
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        rows.push(Row {
            t_ms: rec[0].parse().unwrap(),
            job: rec[1].into(),
            vertex: rec[2].into(),
            vertex_name: rec[3].into(),
            subtask: rec[4].parse().unwrap(),
            parallelism: rec[5].parse().unwrap(),
            metric: rec[6].into(),
            value: rec[7].parse().unwrap(),
        });
    }
    rows
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by_key(Row::key);
    rows
}

/// Rows equal, NaN equal to NaN.
fn assert_rows_eq(actual: &[Row], expected: &[Row]) {
    assert_eq!(actual.len(), expected.len(), "row count");
    for (a, e) in actual.iter().zip(expected) {
        let same_value = a.value == e.value || (a.value.is_nan() && e.value.is_nan());
        assert!(
            a.key() == e.key()
                && a.job == e.job
                && a.vertex_name == e.vertex_name
                && a.parallelism == e.parallelism
                && same_value,
            "fetched {a:?}\nexpected {e:?}"
        );
    }
}

fn planscale(args: &[&str]) -> Outcome {
    Outcome::of(common::cmd().args(args))
}

#[test]
fn fetch_and_recommend_against_a_real_prometheus() {
    let Some(tools) = tools() else { return };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let data = generate(now_s);
    let om = dir.path().join("flink.om");
    std::fs::write(&om, &data.openmetrics).unwrap();
    let tsdb = dir.path().join("tsdb");
    let backfill = Command::new(&tools.promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&tsdb)
        .output()
        .expect("promtool runs");
    assert!(
        backfill.status.success(),
        "promtool: {}",
        String::from_utf8_lossy(&backfill.stderr)
    );
    let server = start(&tools, dir.path(), &tsdb);
    let url = server.url.as_str();
    let (from, to) = (data.first_s.to_string(), data.last_s.to_string());
    let expected_a: Vec<Row> = sorted(
        data.rows
            .iter()
            .filter(|r| r.job == JOB_A)
            .cloned()
            .collect(),
    );
    assert!(data.rescale_s > data.first_s);

    // 1. fetch --job: the rows the generator wrote, in time order.
    let csv_a = dir.path().join("a.csv");
    let csv_a_s = csv_a.to_str().unwrap();
    let o = planscale(&[
        "fetch",
        "--prometheus",
        url,
        "--job",
        JOB_A,
        "--from",
        &from,
        "--to",
        &to,
        "--step",
        "15s",
        "-o",
        csv_a_s,
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains(&format!("job {JOB_A} (orders_pipeline)")),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("values of series that overlap"),
        "{}",
        o.stderr
    );
    let text = std::fs::read_to_string(&csv_a).unwrap();
    let fetched = parse_csv(&text);
    assert!(
        fetched.windows(2).all(|w| w[0].t_ms <= w[1].t_ms),
        "rows are in time order"
    );
    assert_rows_eq(&sorted(fetched), &expected_a);
    // The parallelism column shows the rescale of the map: 4, then 2.
    let map_p: BTreeSet<(bool, u32)> = expected_a
        .iter()
        .filter(|r| r.vertex == MAP)
        .map(|r| (r.t_ms < data.rescale_s * 1000, r.parallelism))
        .collect();
    assert_eq!(map_p, BTreeSet::from([(true, 4), (false, 2)]));

    // 2. Many small windows write the same bytes.
    let small = dir.path().join("small.csv");
    let o = Outcome::of(
        common::cmd()
            .env("PLANSCALE_PROMETHEUS_WINDOW_POINTS", "4000")
            .args([
                "fetch",
                "--prometheus",
                url,
                "--job",
                JOB_A,
                "--from",
                &from,
                "--to",
                &to,
            ])
            .args(["--step", "15s", "-o"])
            .arg(&small),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("query windows"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&small).unwrap(), text);

    // 3. By name, as given (the reporter filtered the space) and to stdout.
    let o = planscale(&[
        "fetch",
        "--prometheus",
        url,
        "--job-name",
        "orders pipeline",
        "--from",
        &from,
        "--to",
        &to,
        "--step",
        "15s",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout, text);

    // 4. A job the server does not know: one error line, the jobs it knows, no file.
    let none = dir.path().join("none.csv");
    let o = Outcome::of(
        common::cmd()
            .args([
                "fetch",
                "--prometheus",
                url,
                "--job",
                &"f".repeat(32),
                "--from",
                &from,
            ])
            .args(["--to", &to, "-o"])
            .arg(&none),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(
        o.stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count(),
        1,
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("has no series in"), "{}", o.stderr);
    assert!(
        o.stderr.contains(JOB_A) && o.stderr.contains(JOB_B),
        "{}",
        o.stderr
    );
    assert!(!none.exists());

    // 5. More steps than Prometheus' 11,000 points per query: split, every step there.
    let long = dir.path().join("long.csv");
    let end_1s = data.first_s + 11_200;
    let o = Outcome::of(
        common::cmd()
            .args([
                "fetch",
                "--prometheus",
                url,
                "--job",
                JOB_B,
                "--from",
                &from,
            ])
            .args(["--to", &end_1s.to_string(), "--step", "1s", "-o"])
            .arg(&long),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("11201 steps of 1 s"), "{}", o.stderr);
    assert!(o.stderr.contains("in 2 query windows"), "{}", o.stderr);
    let rows = parse_csv(&std::fs::read_to_string(&long).unwrap());
    let stamps: BTreeSet<i64> = rows.iter().map(|r| r.t_ms).collect();
    assert_eq!(stamps.len(), 11_201);
    let per_step = data
        .rows
        .iter()
        .filter(|r| r.job == JOB_B && r.t_ms == data.first_s * 1000)
        .count();
    assert_eq!(rows.len(), stamps.len() * per_step);

    // 6. --since reaches back from now.
    let o = planscale(&[
        "fetch",
        "--prometheus",
        url,
        "--job",
        JOB_B,
        "--since",
        "6h",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);

    // 6b. A name that ran as two jobs, one after the other (C, then B): the latest is read, the
    // earlier run is named; within C's own time, C alone is read, with no note.
    let early = (data.c_first_s - 60).to_string();
    let o = planscale(&[
        "fetch",
        "--prometheus",
        url,
        "--job-name",
        "audit",
        "--from",
        &early,
        "--to",
        &to,
        "-o",
        "/dev/null",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains(&format!("job {JOB_B} (audit)")),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains(&format!(
            "note: `audit` ran as 2 jobs in this range, one after another (a resubmitted job gets \
             a new id); only the latest, {JOB_B}, is read: earlier run: {JOB_C} ("
        )),
        "{}",
        o.stderr
    );
    let o = planscale(&[
        "fetch",
        "--prometheus",
        url,
        "--job-name",
        "audit",
        "--from",
        &early,
        "--to",
        &data.c_last_s.to_string(),
        "--step",
        "15s",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!o.stderr.contains("note:"), "{}", o.stderr);
    let c_rows = data
        .rows
        .iter()
        .filter(|r| r.job == JOB_C)
        .cloned()
        .collect();
    assert_rows_eq(&sorted(parse_csv(&o.stdout)), &sorted(c_rows));

    // 7. recommend --prometheus decides as recommend --metrics on the fetched CSV.
    let graph = dir.path().join("job.json");
    std::fs::write(&graph, graph_a()).unwrap();
    let graph_s = graph.to_str().unwrap();
    let at = (data.last_s * 1000).to_string();
    let from_csv = planscale(&[
        "recommend",
        "--metrics",
        csv_a_s,
        "--graph",
        graph_s,
        "--at",
        &at,
        "--format",
        "json",
    ]);
    assert_eq!(from_csv.code, 0, "{}", from_csv.stderr);
    let v: serde_json::Value = serde_json::from_str(&from_csv.stdout).unwrap();
    assert!(
        v["vertices"].as_array().is_some_and(|a| a.len() == 3),
        "{}",
        from_csv.stdout
    );
    for extra in [&[][..], &["--job-name", "orders pipeline"][..]] {
        let mut args = vec![
            "recommend",
            "--prometheus",
            url,
            "--step",
            "15s",
            "--graph",
            graph_s,
            "--at",
            &at,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let direct = planscale(&args);
        assert_eq!(direct.code, 0, "{}", direct.stderr);
        assert_eq!(direct.stdout, from_csv.stdout, "{extra:?}");
        assert_eq!(direct.stderr, from_csv.stderr, "{extra:?}");
    }
    let text_csv = planscale(&[
        "recommend",
        "--metrics",
        csv_a_s,
        "--graph",
        graph_s,
        "--at",
        &at,
    ]);
    let text_direct = planscale(&[
        "recommend",
        "--prometheus",
        url,
        "--step",
        "15s",
        "--graph",
        graph_s,
        "--at",
        &at,
    ]);
    assert_eq!(text_direct.stdout, text_csv.stdout);

    // 8. simulate --prometheus replays what simulate --metrics replays from the fetched CSV:
    // the whole range (a rescale inside it), every format, the same warnings.
    for format in ["text", "json"] {
        let from_csv = planscale(&[
            "simulate",
            "--metrics",
            csv_a_s,
            "--graph",
            graph_s,
            "--format",
            format,
        ]);
        assert_eq!(from_csv.code, 0, "{}", from_csv.stderr);
        let direct = planscale(&[
            "simulate",
            "--prometheus",
            url,
            "--from",
            &from,
            "--to",
            &to,
            "--step",
            "15s",
            "--graph",
            graph_s,
            "--format",
            format,
        ]);
        assert_eq!(direct.code, 0, "{}", direct.stderr);
        assert_eq!(direct.stdout, from_csv.stdout, "{format}");
        assert_eq!(direct.stderr, from_csv.stderr, "{format}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&direct.stdout).unwrap();
            assert_eq!(v["step_ms"], 15_000, "{}", direct.stdout);
            let span = (data.last_s - data.first_s) * 1000;
            assert!(v["duration_ms"]
                .as_i64()
                .is_some_and(|d| d >= span - 60_000));
            assert!(v["policies"].as_array().is_some_and(|p| p.len() == 2));
        }
    }
    // 9. tune --prometheus searches what tune --metrics searches on the fetched CSV; its
    // confirming command fetches the same range again (--from/--to as resolved).
    let tune = |source: &[&str], format: &str| {
        let mut args = vec!["tune"];
        args.extend_from_slice(source);
        args.extend_from_slice(&[
            "--graph",
            graph_s,
            "--pending-p95",
            "5min",
            "--budget",
            "6",
            "--format",
            format,
        ]);
        planscale(&args)
    };
    let from_ms = (data.first_s * 1000).to_string();
    let to_ms = (data.last_s * 1000).to_string();
    let via = [
        "--prometheus",
        url,
        "--from",
        &from_ms,
        "--to",
        &to_ms,
        "--step",
        "15s",
    ];
    let csv_json = tune(&["--metrics", csv_a_s], "json");
    assert!(csv_json.code <= 1, "{}", csv_json.stderr);
    let prom_json = tune(&via, "json");
    assert_eq!(prom_json.code, csv_json.code, "{}", prom_json.stderr);
    assert_eq!(prom_json.stdout, csv_json.stdout);
    let tuned = dir.path().join("tuned.yaml");
    let tuned_s = tuned.to_str().unwrap();
    let mut with_policy = via.to_vec();
    with_policy.extend_from_slice(&["--write-policy", tuned_s]);
    let prom_text = tune(&with_policy, "text");
    let confirm = format!(
        "Confirm: planscale simulate --prometheus {url} --from {from_ms} --to {to_ms} --graph \
         {graph_s} --policy {tuned_s} --step 15s --expected-pending-time 5min\n"
    );
    assert!(prom_text.stdout.ends_with(&confirm), "{}", prom_text.stdout);

    // Without a range there is nothing to replay.
    let o = planscale(&["simulate", "--prometheus", url, "--graph", graph_s]);
    assert_eq!(o.code, 2);
    assert_eq!(o.stderr, "error: give the range: --since DUR or --from T\n");

    drop(server);
    eprintln!(
        "prometheus test: {} rows of job A, {:.1} s",
        expected_a.len(),
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------------
// What a real server does not do on demand: a stand-in (fixtures/rest/fake_server.rs)

fn matrix(t_s: i64) -> String {
    serde_json::json!({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "flink_taskmanager_job_task_busyTimeMsPerSecond", "job_id": JOB_A,
          "task_id": MAP, "task_name": "Map", "subtask_index": "0"},
         "values": [[t_s, "250"]]}
    ]}})
    .to_string()
}

fn series_answer() -> String {
    serde_json::json!({"status": "success", "data": [
        {"__name__": "flink_taskmanager_job_task_busyTimeMsPerSecond", "job_id": JOB_A,
         "job_name": "orders", "task_id": MAP, "subtask_index": "0"}
    ]})
    .to_string()
}

/// A server that answers `first` to the first `n` requests to `path`, then like Prometheus.
fn stand_in(path: &'static str, n: usize, first: Reply) -> FakeFlink {
    let count = std::sync::atomic::AtomicUsize::new(0);
    FakeFlink::start(move |r: &Request| {
        if r.path() == path && count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < n {
            return first.clone();
        }
        match r.path() {
            "/api/v1/series" => {
                // (Query keys arrive encoded: `match%5B%5D`.)
                if fake_server::percent_decode(&r.target).contains("busyTimeMsPerSecond|") {
                    Reply::json(200, series_answer())
                } else {
                    Reply::json(200, r#"{"status":"success","data":[]}"#)
                }
            }
            "/api/v1/query_range" => {
                let start: f64 = r.query("start").and_then(|s| s.parse().ok()).unwrap_or(0.0);
                Reply::json(200, matrix(start as i64))
            }
            _ => Reply::json(404, "404 page not found"),
        }
    })
}

fn fetch_args(url: &str) -> Vec<String> {
    [
        "fetch",
        "--prometheus",
        url,
        "--job",
        JOB_A,
        "--from",
        "1699999980",
        "--to",
        "1699999980",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn a_5xx_is_tried_again_and_a_4xx_is_one_line() {
    let server = stand_in("/api/v1/query_range", 2, Reply::json(503, "overloaded"));
    let o = Outcome::of(common::cmd().args(fetch_args(&server.url)));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stderr.matches("trying again in").count(),
        2,
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("503: overloaded"), "{}", o.stderr);
    assert!(
        o.stdout.ends_with(&format!(
            "1699999980000,{JOB_A},{MAP},Map,0,1,busyTimeMsPerSecond,250\n"
        )),
        "{}",
        o.stdout
    );

    // A 429 with Retry-After: the pause the server asks for, not the backoff's 0.5 s.
    let mut slow_down = Reply::json(429, "slow down");
    slow_down.headers.push(("Retry-After".into(), "2".into()));
    let server = stand_in("/api/v1/query_range", 1, slow_down);
    let o = Outcome::of(common::cmd().args(fetch_args(&server.url)));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("429: slow down; trying again in 2 s (attempt 2 of 4)"),
        "{}",
        o.stderr
    );

    // Out of retries: the last failure, once.
    let server = stand_in("/api/v1/query_range", 9, Reply::json(503, "overloaded"));
    let o = Outcome::of(
        common::cmd()
            .args(fetch_args(&server.url))
            .args(["--retries", "1"]),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(o.stderr.matches("trying again").count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.lines().last().unwrap().starts_with("error: GET "),
        "{}",
        o.stderr
    );

    let bad = Reply::json(
        400,
        r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:2: parse error"}"#,
    );
    let server = stand_in("/api/v1/series", 1, bad);
    let o = Outcome::of(common::cmd().args(fetch_args(&server.url)));
    assert_eq!(o.code, 2);
    assert_eq!(
        o.stderr,
        format!(
            "error: GET {}/api/v1/series: 400: bad_data: invalid parameter \"query\": 1:2: parse error\n",
            server.url
        )
    );
    assert_eq!(server.requests().len(), 1, "a 4xx is not tried again");
}

#[test]
fn credentials_come_from_files_and_the_environment_and_headers_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cr3t\n").unwrap();
    let server = stand_in("/none", 0, Reply::json(200, ""));
    let o = Outcome::of(
        common::cmd()
            .args(fetch_args(&server.url))
            .arg("--bearer-token-file")
            .arg(&token)
            .args(["--header", "X-Scope-OrgID: tenant-1"]),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let reqs = server.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some("Bearer s3cr3t"));
        assert_eq!(r.header("x-scope-orgid"), Some("tenant-1"));
        assert!(!r.target.contains("s3cr3t"));
    }

    let server = stand_in("/none", 0, Reply::json(200, ""));
    let o = Outcome::of(
        common::cmd()
            .env("PLANSCALE_PROMETHEUS_PASSWORD", "pw")
            .args(fetch_args(&server.url))
            .args(["--basic-auth-user", "grafana"]),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic Z3JhZmFuYTpwdw==")
    );

    let server = stand_in("/none", 0, Reply::json(200, ""));
    let o = Outcome::of(
        common::cmd()
            .env("PLANSCALE_PROMETHEUS_TOKEN", "from-env")
            .args(fetch_args(&server.url)),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer from-env")
    );

    // A 401 says whether credentials were sent, and never shows them.
    let server = stand_in("/api/v1/series", 9, Reply::json(401, "Unauthorized"));
    let o = Outcome::of(
        common::cmd()
            .args(fetch_args(&server.url))
            .arg("--bearer-token-file")
            .arg(&token),
    );
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("401: Unauthorized (sent with a bearer token)"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("s3cr3t"));
    assert_eq!(server.requests().len(), 1);

    // Refused before any request.
    for (args, says) in [
        (
            vec!["--header", "Authorization: Bearer x"],
            "credentials are not taken from the command line",
        ),
        (
            vec!["--basic-auth-user", "u"],
            "--basic-auth-user needs a password",
        ),
        (
            vec!["--bearer-token-file", "/nonexistent/token"],
            "/nonexistent/token: --bearer-token-file: cannot read: no such file",
        ),
        (vec!["--step", "500ms"], "--step 500ms: at least 1 s"),
        (
            vec!["--metric-prefix", "a.b"],
            "--metric-prefix `a.b`: not the start",
        ),
    ] {
        let server = stand_in("/none", 0, Reply::json(200, ""));
        let o = Outcome::of(
            common::cmd()
                .env_remove("PLANSCALE_PROMETHEUS_PASSWORD")
                .args(fetch_args(&server.url))
                .args(&args),
        );
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.starts_with("error: ") && o.stderr.contains(says),
            "{args:?}: {}",
            o.stderr
        );
        assert!(server.requests().is_empty(), "{args:?}");
    }
    let o = planscale(&[
        "fetch",
        "--prometheus",
        "http://u:pw@127.0.0.1:1",
        "--job",
        JOB_A,
        "--since",
        "1h",
    ]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("credentials do not go in the URL"),
        "{}",
        o.stderr
    );
}

#[test]
fn an_unreachable_server_and_an_empty_answer_are_one_line_errors() {
    let port = fake_server::closed_port();
    let url = format!("http://127.0.0.1:{port}");
    let o = Outcome::of(common::cmd().args(fetch_args(&url)));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("connection refused"), "{}", o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);

    // Series exist, but no value at any step: an error, and nothing written.
    let server = FakeFlink::start(|r: &Request| match r.path() {
        "/api/v1/series" => Reply::json(200, series_answer()),
        _ => Reply::json(
            200,
            r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
        ),
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let o = Outcome::of(
        common::cmd()
            .args(fetch_args(&server.url))
            .arg("-o")
            .arg(&out),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("but no value at any multiple of"),
        "{}",
        o.stderr
    );
    assert!(!out.exists());
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no temporary file left"
    );
}

#[test]
fn recommend_takes_the_prometheus_flags_only_with_prometheus() {
    let graph = "fixtures/lab/udf_bottleneck/job.json";
    let o = planscale(&[
        "recommend",
        "--metrics",
        "x.csv",
        "--graph",
        graph,
        "--since",
        "1h",
    ]);
    assert_eq!(o.code, 2);
    assert_eq!(
        o.stderr,
        "error: --since is for --prometheus URL; with --metrics the CSV is read whole\n"
    );
    let o = planscale(&[
        "simulate",
        "--metrics",
        "x.csv",
        "--graph",
        graph,
        "--job-name",
        "x",
    ]);
    assert_eq!(o.code, 2);
    assert_eq!(
        o.stderr,
        "error: --job-name is for --prometheus URL; with --metrics the CSV is read whole\n"
    );
    let o = planscale(&["simulate", "--graph", graph]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("--metrics <CSV>|--prometheus <URL>"),
        "{}",
        o.stderr
    );
    let o = planscale(&[
        "recommend",
        "--metrics",
        "x.csv",
        "--prometheus",
        "http://127.0.0.1:1",
        "--graph",
        graph,
    ]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("cannot be used with"), "{}", o.stderr);
    // The graph's job id is the job asked for; a 4xx names the server.
    let server = stand_in(
        "/api/v1/series",
        9,
        Reply::json(
            422,
            r#"{"status":"error","errorType":"execution","error":"too many series"}"#,
        ),
    );
    let o = planscale(&["recommend", "--prometheus", &server.url, "--graph", graph]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.starts_with(&format!(
            "error: GET {}/api/v1/series: 422: execution: too many series",
            server.url
        )),
        "{}",
        o.stderr
    );
    let job = "0fe76ea5873559334cb2ff16bc2bebf4"; // fixtures/lab/udf_bottleneck's job
    assert!(
        server.requests()[0]
            .query("match%5B%5D")
            .is_some_and(|m| m.contains(job)),
        "{:?}",
        server.requests()
    );
}

/// https with a private CA: `--ca-cert` makes the server's certificate trusted; without it the
/// handshake fails in one line. The certificates are fixtures/tls/ (a test CA and a 127.0.0.1
/// server certificate, valid until 2126; the CA's key was not kept).
#[cfg(feature = "https")]
#[test]
fn https_with_a_private_ca() {
    let Some(tools) = tools() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tls = std::fs::canonicalize("fixtures/tls").unwrap();
    let web = dir.path().join("web.yml");
    std::fs::write(
        &web,
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
            tls.join("server.pem").display(),
            tls.join("server.key").display()
        ),
    )
    .unwrap();
    let server = start_with(&tools, dir.path(), &dir.path().join("tsdb"), Some(&web));
    let url = server.url.as_str();
    let args = |ca: Option<&str>| {
        let mut v: Vec<String> = [
            "fetch",
            "--prometheus",
            url,
            "--job",
            JOB_A,
            "--since",
            "1h",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(ca) = ca {
            v.push("--ca-cert".into());
            v.push(ca.into());
        }
        v.extend([
            "--retries".into(),
            "0".into(),
            "-o".into(),
            "/dev/null".into(),
        ]);
        v
    };
    // Trusted: the server answers (an empty TSDB: no Flink metrics), so TLS worked.
    let o = Outcome::of(common::cmd().args(args(Some("fixtures/tls/ca.pem"))));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .starts_with(&format!("error: {url}: no Flink task metrics")),
        "{}",
        o.stderr
    );
    // Not trusted: the public roots do not know the test CA.
    let o = Outcome::of(common::cmd().args(args(None)));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.ends_with(
            "cannot connect: invalid peer certificate: UnknownIssuer (signed by a private CA? \
             --ca-cert FILE names it)\n"
        ),
        "{}",
        o.stderr
    );
    // A key instead of a certificate, and a file that is not PEM.
    let o = Outcome::of(common::cmd().args(args(Some("fixtures/tls/server.key"))));
    assert_eq!(
        o.stderr,
        "error: fixtures/tls/server.key: --ca-cert: holds a private key: give the CA's certificate\n"
    );
    let o = Outcome::of(common::cmd().args(args(Some("Cargo.toml"))));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.starts_with("error: Cargo.toml: --ca-cert: "),
        "{}",
        o.stderr
    );
    // `record` and `apply` talk to Flink's REST API with the same TLS: Prometheus has no
    // /jobs/<id>, so with the CA the request gets an answer, and without it the handshake
    // fails with the same hint.
    let out = dir.path().join("rec.csv");
    let record = |ca: Option<&str>| {
        let mut c = common::cmd();
        c.args(["record", "--rest", url, "--job", JOB_A, "--duration", "1s"])
            .arg("-o")
            .arg(&out);
        if let Some(ca) = ca {
            c.args(["--ca-cert", ca]);
        }
        Outcome::of(&mut c)
    };
    let apply = |ca: Option<&str>| {
        let mut c = common::cmd();
        c.args(["apply", "--rest", url, "--job", JOB_A, "--parallelism"])
            .arg(format!("{JOB_A}=2"));
        if let Some(ca) = ca {
            c.args(["--ca-cert", ca]);
        }
        Outcome::of(&mut c)
    };
    for (what, o) in [
        ("record", record(Some("fixtures/tls/ca.pem"))),
        ("apply", apply(Some("fixtures/tls/ca.pem"))),
    ] {
        assert_eq!(o.code, 2, "{what}: {}", o.stderr);
        assert!(!o.stderr.contains("certificate"), "{what}: {}", o.stderr);
        assert!(o.stderr.contains("404"), "{what}: {}", o.stderr);
    }
    for (what, o) in [("record", record(None)), ("apply", apply(None))] {
        assert_eq!(o.code, 2, "{what}: {}", o.stderr);
        assert!(
            o.stderr.contains(
                "invalid peer certificate: UnknownIssuer (signed by a private CA? --ca-cert \
                 FILE names it)"
            ),
            "{what}: {}",
            o.stderr
        );
    }
    let o = Outcome::of(common::cmd().args([
        "record",
        "--rest",
        url,
        "--job",
        JOB_A,
        "-o",
        "/dev/null",
        "--ca-cert",
        "fixtures/tls/server.key",
    ]));
    assert_eq!(
        o.stderr,
        "error: fixtures/tls/server.key: --ca-cert: holds a private key: give the CA's certificate\n"
    );
    drop(server);
}
