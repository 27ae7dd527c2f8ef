//! `read_metrics` on a generated long-format file of 10 million rows (20 vertices × 8 subtasks ×
//! 8 metrics, one sample every 10 s, ≈ 21.7 h of data), against a plain csv-crate pass over the
//! same file that only counts records (reused `ByteRecord`, the crate's fastest loop). Goal: within
//! 1.5× of the plain pass. The file is generated once into a temporary file before timing.
//!
//! `cargo bench --bench metrics` runs both in one criterion group and prints the ratio.
//! Peak memory instead: `PLANSCALE_RSS_ROWS=1000000 cargo bench --bench metrics` generates that
//! many rows, reads them once with the default 15-minute window and prints VmHWM (peak RSS) from
//! /proc/self/status; run it once per size, since the peak of a process only grows. With
//! `PLANSCALE_METRICS_FILE=path` that mode keeps the generated file there, or reads the file
//! already there (for profiles, or to measure a real export).
//! Without `--bench` (e.g. `cargo test --all-targets`) nothing is generated or run.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use planscale::metrics::{read_metrics, ReadOptions};

const VERTICES: usize = 20;
const SUBTASKS: usize = 8;
const PARALLELISM: usize = 8;
const STEP_MS: u64 = 10_000;
const START_MS: u64 = 1_795_368_508_000;
const ROWS: u64 = 10_000_000;
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

/// Writes `rows` rows in time order, a poll (all vertices, subtasks and metrics) per timestamp,
/// with the lab captures' columns plus `subtask`. Values come from a fixed LCG, so every run
/// reads the same file.
fn generate(path: &Path, rows: u64) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(b"timestamp_ms,job_id,vertex_id,vertex_name,subtask,parallelism,metric,value\n")?;
    let ids: Vec<String> = (0..VERTICES)
        .map(|v| {
            format!(
                "{:032x}",
                (v as u128 + 1) * 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835
            )
        })
        .collect();
    let names: Vec<String> = (0..VERTICES)
        .map(|v| format!("\"Calc[{v}] -> Map, Filter[{}]\"", v + 100))
        .collect();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut written = 0;
    let mut t = START_MS;
    'outer: loop {
        for v in 0..VERTICES {
            for s in 0..SUBTASKS {
                for m in METRICS {
                    if written == rows {
                        break 'outer;
                    }
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let r = (state >> 33) as f64 / (1u64 << 31) as f64;
                    let value = r * 1000.0;
                    writeln!(
                        out,
                        "{t},b8390d4c97d8eb8c0cbd79b8e2c4cf05,{},{},{s},{PARALLELISM},{m},{value:.3}",
                        ids[v], names[v]
                    )?;
                    written += 1;
                }
            }
        }
        t += STEP_MS;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The baseline: the csv crate alone, counting records.
fn plain_count(path: &Path) -> u64 {
    let mut rdr = csv::Reader::from_path(path).expect("open");
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    while rdr.read_byte_record(&mut rec).expect("read") {
        n += 1;
    }
    n
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_mode(rows: u64) {
    // PLANSCALE_METRICS_FILE keeps the generated file (or reads an existing one, e.g. a real
    // export), so repeated runs and profiles skip the generation.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = match std::env::var_os("PLANSCALE_METRICS_FILE") {
        Some(p) => std::path::PathBuf::from(p),
        None => dir.path().join("metrics.csv"),
    };
    let bytes = if path.exists() {
        std::fs::metadata(&path).expect("metadata").len()
    } else {
        generate(&path, rows).expect("generate")
    };
    let before_rss = status_kb("VmRSS:").unwrap_or(0);
    let before_hwm = status_kb("VmHWM:").unwrap_or(0);
    let started = Instant::now();
    let w = read_metrics(path.to_str().expect("utf-8 path"), &ReadOptions::default())
        .expect("read_metrics");
    let elapsed = started.elapsed();
    let hwm = status_kb("VmHWM:").unwrap_or(0);
    let samples: usize = w.vertices.iter().map(|v| v.samples.len()).sum();
    println!(
        "rows {rows} ({:.0} MB): read in {:.2} s; VmRSS before read {before_rss} kB, VmHWM before \
         {before_hwm} kB, VmHWM after {hwm} kB (+{} kB); {} vertices, {samples} samples in window",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        hwm.saturating_sub(before_rss),
        w.vertices.len()
    );
}

/// Criterion's mean estimate of a benchmark, from its JSON output.
fn mean_ns(group: &str, name: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{dir}/criterion/{group}/{name}/new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    if let Ok(rows) = std::env::var("PLANSCALE_RSS_ROWS") {
        rss_mode(
            rows.trim()
                .parse()
                .expect("PLANSCALE_RSS_ROWS: a row count"),
        );
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "metrics bench: run with `cargo bench --bench metrics` (skipped under cargo test)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("metrics.csv");
    let started = Instant::now();
    let bytes = generate(&path, ROWS).expect("generate");
    println!(
        "generated {ROWS} rows, {:.0} MB, in {:.1} s (not timed)",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let path_str = path.to_str().expect("utf-8 path").to_string();
    let opts = ReadOptions::default();
    // A check, not a benchmark: the reader sees every row.
    let w = read_metrics(&path_str, &opts).expect("read_metrics");
    assert_eq!(w.stats.rows, ROWS);
    assert_eq!(plain_count(&path), ROWS);

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(20));
    {
        let mut g = c.benchmark_group("metrics_10m_rows");
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("plain_csv_count", |b| b.iter(|| plain_count(&path)));
        g.bench_function("read_metrics", |b| {
            b.iter(|| read_metrics(&path_str, &opts).expect("read_metrics"))
        });
        g.finish();
    }
    c.final_summary();
    if let (Some(plain), Some(ours)) = (
        mean_ns("metrics_10m_rows", "plain_csv_count"),
        mean_ns("metrics_10m_rows", "read_metrics"),
    ) {
        println!(
            "read_metrics {:.2} s vs plain csv pass {:.2} s: {:.2}x (goal ≤ 1.5x)",
            ours / 1e9,
            plain / 1e9,
            ours / plain
        );
    }
}
