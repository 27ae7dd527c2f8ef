//! Writes the generated recordings `tests/tune.rs` tunes (each a long-format metric CSV and the
//! job graph it is of), so the answer `tune` must find is known by construction:
//!
//! - `sine`: three days of a daily sine, 500..2,500 rec/s: a schedule sized for the time of day
//!   beats any single autoscaler setting, which lags the rise;
//! - `steady`: two days at 1,400 rec/s on 3 subtasks (93% busy, inside the default band): the
//!   defaults already keep up at the least cost, nothing to change;
//! - `spiky`: two days at 800 rec/s with a five-minute burst to 2,600 rec/s every 40 minutes: a
//!   short metric window chases every burst (two rescales each), a long one rides them out.
//!
//! The job: a source feeding one worker whose subtask handles 500 rec/s, sampled every minute.
//! No randomness: the same arguments give the same bytes.
//!
//! ```sh
//! cargo run --example gen_tune_traces -- sine /tmp/sine   # writes /tmp/sine/{metrics.csv,job.json}
//! ```

#![allow(dead_code)]

use std::fmt::Write as _;

pub const SRC: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const WORK: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
pub const PER_SUBTASK: f64 = 500.0;
pub const START_MS: i64 = 1_795_392_000_000; // a midnight UTC
pub const SAMPLE_S: i64 = 60;

/// A generated recording: its name, days, starting parallelism of the worker and demand.
pub struct Trace {
    pub name: &'static str,
    pub days: f64,
    pub parallelism: i64,
    pub demand: fn(f64) -> f64,
}

fn sine(t: f64) -> f64 {
    // Lowest at 03:00, highest at 15:00.
    1500.0 - 1000.0 * (2.0 * std::f64::consts::PI * (t - 3.0 * 3600.0) / 86_400.0).cos()
}

fn steady(_t: f64) -> f64 {
    1400.0
}

fn spiky(t: f64) -> f64 {
    if (t as i64) % 2400 < 300 {
        2600.0
    } else {
        800.0
    }
}

pub const TRACES: [Trace; 3] = [
    Trace {
        name: "sine",
        days: 3.0,
        parallelism: 6,
        demand: sine,
    },
    Trace {
        name: "steady",
        days: 2.0,
        parallelism: 3,
        demand: steady,
    },
    Trace {
        name: "spiky",
        days: 2.0,
        parallelism: 6,
        demand: spiky,
    },
];

pub fn trace(name: &str) -> Option<&'static Trace> {
    TRACES.iter().find(|t| t.name == name)
}

/// The job graph (REST job details with its plan) at the trace's starting parallelism.
pub fn graph(t: &Trace) -> String {
    let p = t.parallelism;
    format!(
        r#"{{"jid":"cccccccccccccccccccccccccccccccc","vertices":[
 {{"id":"{SRC}","name":"Source: events","parallelism":1,"maxParallelism":128}},
 {{"id":"{WORK}","name":"Work","parallelism":{p},"maxParallelism":128}}],
 "plan":{{"jid":"cccccccccccccccccccccccccccccccc","nodes":[
 {{"id":"{SRC}","parallelism":1,"description":"Source: events"}},
 {{"id":"{WORK}","parallelism":{p},"description":"Work","inputs":[{{"num":0,"id":"{SRC}","ship_strategy":"REBALANCE","exchange":"pipelined_bounded"}}]}}]}}}}
"#
    )
}

/// The metric CSV: the source's output, the worker's rates and busy time, every minute.
pub fn csv(t: &Trace) -> String {
    let mut s = String::from("timestamp_ms,vertex_id,vertex_name,parallelism,metric,value\n");
    let p = t.parallelism;
    let capacity = PER_SUBTASK * p as f64;
    let n = (t.days * 86_400.0) as i64 / SAMPLE_S;
    for i in 0..n {
        let ts = START_MS + i * SAMPLE_S * 1000;
        let d = ((t.demand)((i * SAMPLE_S) as f64) * 1000.0).round() / 1000.0;
        let done = d.min(capacity);
        let busy = ((done / capacity * 1000.0).max(1.0) * 1000.0).round() / 1000.0;
        let _ = writeln!(
            s,
            "{ts},{SRC},Source: events,1,numRecordsOutPerSecond.sum,{d}"
        );
        let _ = writeln!(s, "{ts},{WORK},Work,{p},numRecordsInPerSecond.sum,{done}");
        let _ = writeln!(s, "{ts},{WORK},Work,{p},numRecordsOutPerSecond.sum,{done}");
        let _ = writeln!(s, "{ts},{WORK},Work,{p},busyTimeMsPerSecond.max,{busy}");
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(name), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: gen_tune_traces sine|steady|spiky DIR");
        std::process::exit(2);
    };
    let Some(t) = trace(name) else {
        eprintln!("error: no trace {name}; one of sine, steady, spiky");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let write = |f: &str, text: String| {
        if let Err(e) = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(dir.join(f), text))
        {
            eprintln!("error: {}: {e}", dir.join(f).display());
            std::process::exit(2);
        }
    };
    write("metrics.csv", csv(t));
    write("job.json", graph(t));
}
