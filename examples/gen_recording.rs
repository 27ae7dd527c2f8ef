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
//! ```

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

fn main() -> std::io::Result<()> {
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
