//! Writes a long-format metric CSV of any size to stdout, for measuring `recommend` and
//! `simulate` on big inputs (`benches/rss.sh`). The job is the lab's `udf_bottleneck`
//! (`fixtures/lab/udf_bottleneck/job.json`: a source, a Python UDF at parallelism 2, a sink at
//! 2), polled every 10 s with one row per subtask and metric, as `planscale record` and REST
//! exports write them. Demand follows a daily sine (400..1,600 rec/s) that the UDF (600 rec/s per
//! subtask) cannot always keep up with. Values come from a fixed LCG: the same arguments give the
//! same bytes.
//!
//! ```sh
//! cargo run --release --example gen_recording -- 1G > /tmp/1g.csv     # K, M, G suffixes
//! cargo run --release --example gen_recording -- --rows 10M > /tmp/10m.csv
//! ```
//!
//! `--rows N` (K = 1,000, M = 1,000,000) writes exactly N rows of another shape instead, the one
//! of issue 20's ingestion benchmark (`benches/ingest.sh`): 20 vertices × 8 subtasks at
//! parallelism 8, 8 metrics per subtask every 10 s, columns
//! `timestamp,vertex,subtask,metric,value,vertex_name,parallelism`, the vertex name quoted (it
//! holds a comma). The first three vertex ids are `udf_bottleneck`'s, so `recommend --graph
//! fixtures/lab/udf_bottleneck/job.json` evaluates them; 10 M rows are about 1.15 GB.
//! `--graph` prints that job's graph (REST job details: the 20 vertices in a chain, parallelism 8)
//! for `recommend --graph` and `simulate --graph`, which refuse metrics of vertices they do not
//! know (`udf_bottleneck`'s graph knows three).

use std::io::{BufWriter, Write};

const JOB: &str = "0fe76ea5873559334cb2ff16bc2bebf4";
const SOURCE: (&str, &str) = ("bc764cd8ddf7a0cff126f51c16239658", "Source: events[7]");
const UDF: (&str, &str) = (
    "20ba6b65f97481d5570070de90e4e791",
    "PythonCalc[8] -> Calc[9]",
);
const SINK: (&str, &str) = (
    "b5c8d46f3e7b141acf271f12622e752b",
    "GroupAggregate[11] -> score_sink[12]: Writer",
);
const START_MS: i64 = 1_795_368_508_000;
const STEP_MS: i64 = 10_000;
const UDF_CAPACITY: f64 = 600.0;
const SINK_CAPACITY: f64 = 5000.0;

fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1u64 << 10),
        'M' | 'm' => (&s[..s.len() - 1], 1 << 20),
        'G' | 'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

struct Lcg(u64);

impl Lcg {
    /// Uniform in [-1, 1).
    fn noise(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// `--rows N`: a decimal count, K = 1,000 and M = 1,000,000.
fn parse_rows(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1_000u64),
        'M' | 'm' => (&s[..s.len() - 1], 1_000_000),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// The ids and names of `--rows`' 20 vertices.
fn many_ids() -> Vec<(String, String)> {
    (0..20u128)
        .map(|v| {
            let id = match v {
                0 => SOURCE.0.to_string(),
                1 => UDF.0.to_string(),
                2 => SINK.0.to_string(),
                _ => format!(
                    "{:032x}",
                    (v + 1) * 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835
                ),
            };
            (id, format!("Calc[{v}] -> Map, Filter[{}]", v + 100))
        })
        .collect()
}

/// `--graph`: REST job details of `--rows`' job, the vertices chained in order.
fn many_graph() -> std::io::Result<()> {
    let ids = many_ids();
    let nodes: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, (id, name))| {
            let inputs: Vec<serde_json::Value> = match i {
                0 => Vec::new(),
                _ => vec![serde_json::json!({
                    "exchange": "pipelined_bounded", "id": ids[i - 1].0, "num": 0,
                    "ship_strategy": "REBALANCE"
                })],
            };
            serde_json::json!({
                "description": name, "id": id, "inputs": inputs, "operator": "",
                "operator_strategy": "", "optimizer_properties": {}, "parallelism": 8
            })
        })
        .collect();
    let vertices: Vec<serde_json::Value> = ids
        .iter()
        .map(|(id, name)| {
            serde_json::json!({
                "id": id, "name": name, "parallelism": 8, "maxParallelism": 128,
                "status": "RUNNING"
            })
        })
        .collect();
    let job = serde_json::json!({
        "jid": JOB, "name": "many_vertices", "job-type": "STREAMING", "state": "RUNNING",
        "plan": { "jid": JOB, "name": "many_vertices", "nodes": nodes },
        "vertices": vertices
    });
    let text = serde_json::to_string_pretty(&job).map_err(std::io::Error::other)?;
    println!("{text}");
    Ok(())
}

/// Issue 20's shape (see the module comment): a poll of 20 vertices × 8 subtasks × 8 metrics
/// per timestamp, exactly `rows` rows.
fn many_vertices(rows: u64) -> std::io::Result<()> {
    const METRICS: [&str; 8] = [
        "busyTimeMsPerSecond",
        "backPressuredTimeMsPerSecond",
        "idleTimeMsPerSecond",
        "numRecordsInPerSecond",
        "numRecordsOutPerSecond",
        "Source__events.pendingRecords",
        "Source__events.currentFetchEventTimeLag",
        "accumulateBusyTimeMs",
    ];
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    writeln!(
        out,
        "timestamp,vertex,subtask,metric,value,vertex_name,parallelism"
    )?;
    let ids = many_ids();
    let mut rng = Lcg(0x2545_f491_4f6c_dd1d);
    let mut written = 0;
    let mut t = START_MS;
    'polls: loop {
        for (id, name) in &ids {
            for sub in 0..8 {
                for m in METRICS {
                    if written == rows {
                        break 'polls;
                    }
                    let x = 500.0 * (1.0 + rng.noise());
                    writeln!(out, "{t},{id},{sub},{m},{x:.3},\"{name}\",8")?;
                    written += 1;
                }
            }
        }
        t += STEP_MS;
    }
    out.flush()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rows") {
        let Some(rows) = args.get(1).and_then(|s| parse_rows(s)) else {
            eprintln!("usage: gen_recording --rows N   (rows, with an optional K or M suffix)");
            std::process::exit(2);
        };
        return many_vertices(rows);
    }
    if args.first().map(String::as_str) == Some("--graph") {
        return many_graph();
    }
    let Some(limit) = std::env::args().nth(1).as_deref().and_then(parse_size) else {
        eprintln!("usage: gen_recording SIZE   (bytes, with an optional K, M or G suffix)");
        std::process::exit(2);
    };
    let stdout = std::io::stdout();
    let mut out = CountingWriter {
        inner: BufWriter::with_capacity(1 << 20, stdout.lock()),
        written: 0,
    };
    writeln!(
        out,
        "timestamp_ms,job_id,vertex_id,vertex_name,subtask,parallelism,metric,value"
    )?;
    let mut rng = Lcg(0x2545_f491_4f6c_dd1d);
    let mut backlog = 0.0f64;
    let mut step: i64 = 0;
    while out.written < limit {
        let t = START_MS + step * STEP_MS;
        let day = (step * STEP_MS) as f64 / 86_400_000.0;
        let demand = 1000.0 + 600.0 * (2.0 * std::f64::consts::PI * day).sin();
        let udf_cap = UDF_CAPACITY * 2.0;
        let processed = (demand + backlog / 10.0).min(udf_cap);
        backlog = (backlog + (demand - processed) * 10.0).max(0.0);
        let bp = if processed >= udf_cap { 400.0 } else { 0.0 };
        let row =
            |out: &mut CountingWriter<_>, v: (&str, &str), sub: u32, p: u32, m: &str, x: f64| {
                writeln!(out, "{t},{JOB},{},{},{sub},{p},{m},{x:.3}", v.0, v.1)
            };
        // Source: parallelism 1; busy time is NaN for a legacy source, as in the lab.
        row(&mut out, SOURCE, 0, 1, "busyTimeMsPerSecond", f64::NAN)?;
        row(&mut out, SOURCE, 0, 1, "backPressuredTimeMsPerSecond", bp)?;
        row(&mut out, SOURCE, 0, 1, "numRecordsOutPerSecond", processed)?;
        row(
            &mut out,
            SOURCE,
            0,
            1,
            "Source__events[7].numRecordsOutPerSecond",
            processed,
        )?;
        row(
            &mut out,
            SOURCE,
            0,
            1,
            "Source__events[7].pendingRecords",
            backlog,
        )?;
        for (v, cap) in [(UDF, UDF_CAPACITY), (SINK, SINK_CAPACITY)] {
            for sub in 0..2 {
                let rate = processed / 2.0 * (1.0 + 0.02 * rng.noise());
                let busy = (rate / cap * 1000.0).min(1000.0);
                row(&mut out, v, sub, 2, "busyTimeMsPerSecond", busy)?;
                row(&mut out, v, sub, 2, "backPressuredTimeMsPerSecond", 0.0)?;
                row(&mut out, v, sub, 2, "idleTimeMsPerSecond", 1000.0 - busy)?;
                row(&mut out, v, sub, 2, "numRecordsInPerSecond", rate)?;
                row(&mut out, v, sub, 2, "numRecordsOutPerSecond", rate)?;
            }
        }
        step += 1;
    }
    out.inner.flush()
}

/// Counts the bytes written, to stop at the requested size (at a whole poll).
struct CountingWriter<W: Write> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
