//! Writes the series of one Flink job as Flink's Prometheus reporter exports them, in the
//! OpenMetrics text `promtool tsdb create-blocks-from openmetrics` backfills, for measuring
//! `planscale fetch` on long histories (`benches/prometheus.sh`).
//!
//! `VERTICES` vertices in a chain, the first a source, each at `SUBTASKS` subtasks, every metric
//! `fetch` reads at every step of `[START_S, END_S)`: seven task metrics per subtask, and the
//! source's `pendingRecords` and operator record rate. Demand follows a daily sine. The same
//! arguments give the same bytes.
//!
//! ```sh
//! cargo run --release --example gen_openmetrics -- START_S END_S STEP_S VERTICES SUBTASKS > x.om
//! cargo run --release --example gen_openmetrics -- --job-json VERTICES SUBTASKS > job.json
//! ```
//!
//! `--job-json` writes the job's REST job details (`GET /jobs/:id`, the fields planscale reads),
//! the `--graph` of `recommend`/`simulate --prometheus` on the backfilled history.

use std::io::{BufWriter, Write};

const JOB: &str = "5eb1c0ffee5eb1c0ffee5eb1c0ffee00";

fn arg(args: &[String], i: usize, name: &str) -> i64 {
    match args.get(i).and_then(|a| a.parse().ok()) {
        Some(v) => v,
        None => {
            eprintln!("usage: gen_openmetrics START_S END_S STEP_S VERTICES SUBTASKS ({name})");
            std::process::exit(2)
        }
    }
}

/// The job details of the generated job: a chain of `vertices`, each at `subtasks`.
fn job_json(vertices: i64, subtasks: i64) -> String {
    let mut list = Vec::new();
    let mut nodes = Vec::new();
    for v in 0..vertices {
        let id = format!("{:032x}", 0xabc0_0000 + v);
        let name = if v == 0 {
            "Source: events".to_string()
        } else {
            format!("Map_{v:02}")
        };
        list.push(format!(
            r#"{{"id":"{id}","name":"{name}","parallelism":{subtasks},"maxParallelism":128,"status":"RUNNING"}}"#
        ));
        let inputs = if v == 0 {
            String::new()
        } else {
            format!(
                r#","inputs":[{{"num":0,"id":"{:032x}","ship_strategy":"REBALANCE","exchange":"pipelined_bounded"}}]"#,
                0xabc0_0000 + v - 1
            )
        };
        nodes.push(format!(
            r#"{{"id":"{id}","parallelism":{subtasks},"operator":"","operator_strategy":"","description":"{name}"{inputs}}}"#
        ));
    }
    format!(
        r#"{{"jid":"{JOB}","name":"bench","state":"RUNNING","maxParallelism":-1,"vertices":[{}],"plan":{{"jid":"{JOB}","name":"bench","type":"STREAMING","nodes":[{}]}}}}"#,
        list.join(","),
        nodes.join(",")
    ) + "\n"
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--job-json") {
        let (vertices, subtasks) = (arg(&args, 2, "VERTICES"), arg(&args, 3, "SUBTASKS"));
        print!("{}", job_json(vertices, subtasks));
        return Ok(());
    }
    let (start, end, step) = (
        arg(&args, 1, "START_S"),
        arg(&args, 2, "END_S"),
        arg(&args, 3, "STEP_S"),
    );
    let (vertices, subtasks) = (arg(&args, 4, "VERTICES"), arg(&args, 5, "SUBTASKS"));
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let task = "flink_taskmanager_job_task_";
    let op = "flink_taskmanager_job_task_operator_";
    let vertex_id = |v: i64| format!("{:032x}", 0xabc0_0000 + v);
    let vertex_name = |v: i64| {
        if v == 0 {
            "Source:_events".to_string()
        } else {
            format!("Map_{v:02}")
        }
    };
    let demand =
        |t: i64| 8000.0 + 4000.0 * ((t % 86_400) as f64 / 86_400.0 * std::f64::consts::TAU).sin();
    // (family, only on the source, value at t for subtask s)
    type Value = fn(f64, i64, i64) -> f64;
    let families: [(&str, bool, bool, Value); 9] = [
        ("busyTimeMsPerSecond", false, false, |d, _, s| {
            (d / 20.0 + s as f64).min(1000.0).round()
        }),
        ("backPressuredTimeMsPerSecond", false, false, |_, _, _| 0.0),
        ("idleTimeMsPerSecond", false, false, |d, _, s| {
            (1000.0 - (d / 20.0 + s as f64).min(1000.0)).round()
        }),
        ("numRecordsInPerSecond", false, false, |d, _, _| {
            (d / 8.0).round()
        }),
        ("numRecordsOutPerSecond", false, false, |d, _, _| {
            (d / 8.0).round()
        }),
        ("numRecordsIn", false, false, |d, t, _| {
            (d / 8.0 * t as f64).round()
        }),
        ("numRecordsOut", false, false, |d, t, _| {
            (d / 8.0 * t as f64).round()
        }),
        ("pendingRecords", true, true, |d, _, s| {
            (d / 4.0).round() + s as f64
        }),
        ("numRecordsOutPerSecond", true, true, |d, _, _| {
            (d / 8.0).round()
        }),
    ];
    for (name, operator, source_only, value) in families {
        let family = if operator {
            format!("{op}{name}")
        } else {
            format!("{task}{name}")
        };
        // OpenMetrics wants one TYPE line per family: the operator's record rate is its own.
        writeln!(out, "# TYPE {family} gauge")?;
        for v in 0..vertices {
            if source_only && v != 0 {
                continue;
            }
            let (id, vname) = (vertex_id(v), vertex_name(v));
            for s in 0..subtasks {
                let opl = if operator {
                    format!(",operator_name=\"{vname}\"")
                } else {
                    String::new()
                };
                let labels = format!(
                    "job_id=\"{JOB}\",job_name=\"bench\",subtask_index=\"{s}\",task_id=\"{id}\",task_name=\"{vname}\",tm_id=\"tm_{s}\"{opl}"
                );
                let mut t = start;
                while t < end {
                    let x = value(demand(t), t - start, s);
                    writeln!(out, "{family}{{{labels}}} {x} {t}")?;
                    t += step;
                }
            }
        }
    }
    writeln!(out, "# EOF")?;
    out.flush()
}
