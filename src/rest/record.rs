//! `planscale record`: poll running jobs and append the long metric CSV of metrics.md.
//!
//! Each poll reads the job details (state, vertices, parallelism) and, for every RUNNING vertex,
//! the aggregated subtask metrics (`agg=min,max,avg,sum`) of the metric ids planscale uses that the
//! vertex actually reports (listed once per vertex, again after a state or parallelism change).
//! The rows of one poll are written with one `write` and flushed, and a write that fails (a full
//! disk) is cut back to the last whole row, so the file is a valid CSV whenever the process stops;
//! the CSV is locked (`flock`) while recording, so a second `record` to it is refused instead of
//! interleaving with the first. The job details go beside the CSV (`<stem>.job.json`) at the start
//! and again whenever a vertex's parallelism changes, so `recommend --graph` sees real JobVertexIDs
//! and the current parallelism; a file of that name that is not job details of the same job is
//! someone else's, and is never replaced.
//!
//! A failing poll (cluster restarting, job gone, timeout) is a warning, once per streak; polling
//! goes on until the duration is over or the user stops it.
//!
//! [`super::recording::record`] reads the jobs and runs a [`Recorder`] over them.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Client, JobDetails, RestError, AGGREGATIONS};

/// The header of the long CSV (the lab's `metrics_long.csv`).
pub const CSV_HEADER: [&str; 7] = [
    "timestamp_ms",
    "job_id",
    "vertex_id",
    "vertex_name",
    "parallelism",
    "metric",
    "value",
];

/// Task-level metrics recorded when the vertex reports them: what `recommend` reads
/// (metrics.md), the cumulative counters it prefers to integrating rates, and what a person
/// looks at next to them (backpressure detail, buffer pool usage).
pub const TASK_METRICS: [&str; 14] = [
    "numRecordsIn",
    "numRecordsOut",
    "numRecordsInPerSecond",
    "numRecordsOutPerSecond",
    "busyTimeMsPerSecond",
    "backPressuredTimeMsPerSecond",
    "idleTimeMsPerSecond",
    "softBackPressuredTimeMsPerSecond",
    "hardBackPressuredTimeMsPerSecond",
    "accumulateBusyTimeMs",
    "accumulateBackPressuredTimeMs",
    "accumulateIdleTimeMs",
    "Shuffle.Netty.Output.Buffers.outPoolUsage",
    "Shuffle.Netty.Input.Buffers.inPoolUsage",
];

/// Operator-scoped source metrics (`<operator>.<name>`), on any operator.
pub const OPERATOR_METRICS: [&str; 6] = [
    "pendingRecords",
    "pendingBytes",
    "currentFetchEventTimeLag",
    "currentEmitEventTimeLag",
    "sourceIdleTime",
    "watermarkLag",
];

/// Operator-scoped record counters, only on source operators (`Source__...`): the autoscaler's
/// fallback for sources whose task-level input is 0.
pub const SOURCE_OPERATOR_METRICS: [&str; 4] = [
    "numRecordsIn",
    "numRecordsOut",
    "numRecordsInPerSecond",
    "numRecordsOutPerSecond",
];

/// The metric ids to ask a vertex for, out of those it reports: task metrics in
/// [`TASK_METRICS`] order, then operator-scoped ones sorted.
pub fn select_metrics(available: &[String]) -> Vec<String> {
    let mut out: Vec<String> = TASK_METRICS
        .iter()
        .filter(|m| available.iter().any(|a| a == *m))
        .map(|m| m.to_string())
        .collect();
    let mut ops: Vec<String> = available
        .iter()
        .filter(|id| {
            let Some((scope, base)) = id.rsplit_once('.') else {
                return false;
            };
            if scope.is_empty() || scope.starts_with("Shuffle.") {
                return false;
            }
            OPERATOR_METRICS.contains(&base)
                || (scope.starts_with("Source__") && SOURCE_OPERATOR_METRICS.contains(&base))
                // Kafka/Pulsar offsets: their names give the partition count (§4.5).
                || crate::metrics::names::source_partition_key(id).is_some()
        })
        .cloned()
        .collect();
    ops.sort();
    ops.dedup();
    out.extend(ops);
    out
}

/// A value as the CSV holds it: shortest round-trip decimal, `NaN` for anything not finite.
pub fn format_value(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "NaN".to_string()
    }
}

/// A job as notes name it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobLabel {
    pub id: String,
    /// Empty when the details had none.
    pub name: String,
}

/// A vertex whose parallelism changed between two polls.
#[derive(Debug, Clone, PartialEq)]
pub struct Rescaled {
    pub name: String,
    /// `None`: a vertex the job did not have before.
    pub from: Option<u32>,
    pub to: u32,
}

/// Something worth telling the user while recording.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A poll of the job failed, the first of a streak; polling goes on.
    Failing { job: JobLabel, error: RestError },
    /// A poll succeeded after this many failed ones.
    Recovered { job: JobLabel, failed_polls: u32 },
    /// The job's state changed (`from` is `None` when it was not known).
    StateChanged {
        job: JobLabel,
        from: Option<String>,
        to: String,
    },
    /// The job reached this terminal state: it is not polled any more.
    Ended { job: JobLabel, state: String },
    /// Vertices changed parallelism; the job details file was written again.
    Rescaled {
        job: JobLabel,
        vertices: Vec<Rescaled>,
        plan: PathBuf,
    },
    /// The stop flag cut a poll, whose rows are not written.
    InterruptedDuringPoll,
    /// The deadline cut a poll that had taken this long; its rows are not written.
    DeadlineDuringPoll { took: Duration },
    /// A poll took longer than the interval (said once).
    SlowPoll { took: Duration, interval: Duration },
}

impl Note {
    /// Whether it is a warning rather than news.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Note::Failing { .. } | Note::DeadlineDuringPoll { .. } | Note::SlowPoll { .. }
        )
    }
}

/// Why recording stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Duration,
    Interrupted,
    AllJobsEnded,
}

struct JobRec {
    id: String,
    name: String,
    plan_path: PathBuf,
    state: Option<String>,
    shape: Vec<(String, u32)>,
    metric_ids: HashMap<String, Vec<String>>,
    failed_polls: u32,
    done: bool,
}

impl JobRec {
    fn label(&self) -> JobLabel {
        JobLabel {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }

    fn failed(&mut self, e: &RestError, notes: &mut dyn FnMut(Note)) {
        if self.failed_polls == 0 {
            notes(Note::Failing {
                job: self.label(),
                error: e.clone(),
            });
        }
        self.failed_polls += 1;
        self.metric_ids.clear();
    }

    fn succeeded(&mut self, notes: &mut dyn FnMut(Note)) {
        if self.failed_polls > 0 {
            notes(Note::Recovered {
                job: self.label(),
                failed_polls: self.failed_polls,
            });
            self.failed_polls = 0;
        }
    }
}

/// Records metrics of some jobs into one CSV.
pub struct Recorder {
    client: Client,
    jobs: Vec<JobRec>,
    /// Locked for the whole recording (`flock`).
    csv: File,
    /// Where the last whole row ends: a failed write is cut back to here.
    csv_len: u64,
    csv_path: PathBuf,
    /// Polls done (one poll reads every job once).
    pub polls: u64,
    /// Rows written (without the header).
    pub rows: u64,
}

/// Where the job details of `job` go: `<stem>.job.json` for one job, `<stem>.<job>.job.json`
/// for several (not `.plan.json`: a repository's CI loop over `*.plan.json` would take the job
/// details for a resource plan).
pub fn plan_path(csv: &Path, job: &str, several: bool) -> PathBuf {
    let stem = csv
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "metrics".into());
    let name = if several {
        format!("{stem}.{job}.job.json")
    } else {
        format!("{stem}.job.json")
    };
    csv.with_file_name(name)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn write_plan(path: &Path, details: &JobDetails) -> anyhow::Result<()> {
    let mut text = pretty(&details.raw);
    text.push('\n');
    crate::io::write_atomic(path, text.as_bytes())
}

/// A valid JSON text in serde_json's pretty layout (two spaces, `[]`/`{}` when empty), token by
/// token: the job details are written out again without being parsed into a tree. A text that
/// would grow more than four times (deep nesting makes every line mostly indentation) stays as
/// it is.
pub fn pretty(json: &str) -> String {
    let b = json.as_bytes();
    let limit = b.len().saturating_mul(4).saturating_add(4096);
    let mut out: Vec<u8> = Vec::with_capacity(b.len() + b.len() / 2);
    let mut depth = 0usize;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.resize(out.len() + 2 * depth, b' ');
    };
    let mut i = 0;
    while i < b.len() {
        if out.len() > limit {
            return json.to_string();
        }
        let c = b[i];
        match c {
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(b.len());
                out.extend_from_slice(&b[i..end]);
                i = end;
                continue;
            }
            b'{' | b'[' => {
                let close = if c == b'{' { b'}' } else { b']' };
                let mut k = i + 1;
                while k < b.len() && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                out.push(c);
                if k < b.len() && b[k] == close {
                    out.push(close);
                    i = k + 1;
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
        i += 1;
    }
    // Only ASCII was added, between the tokens of valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| json.to_string())
}

/// Opens the CSV, locked against a second `record`: a new file (or an existing one emptied)
/// with the header, or with `append` an existing one whose header is [`CSV_HEADER`] and whose
/// last row is whole. Returns the file, positioned at its end, and that end.
///
/// The file is opened without truncation and truncated only once the lock is held: a second
/// `record` to the same file must not empty the first one's recording before it is refused.
fn open_csv(path: &Path, append: bool) -> anyhow::Result<(File, u64)> {
    use std::io::{Read, Seek, SeekFrom};
    let header = CSV_HEADER.join(",");
    let cannot = |what: &str, e: &std::io::Error| {
        anyhow::anyhow!(
            "{}: cannot {what}: {}",
            path.display(),
            crate::io::describe_io(e)
        )
    };
    let existed = path.exists();
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| cannot("write", &e))?;
    match try_lock(&f) {
        Ok(true) => {}
        Ok(false) => anyhow::bail!(
            "{}: another `planscale record` is writing to this file (it holds a lock on it); \
             stop that one or choose another -o",
            path.display()
        ),
        Err(e) => return Err(cannot("lock", &e)),
    }
    let len = f.metadata().map_err(|e| cannot("read", &e))?.len();
    if append && len > 0 {
        let mut first = Vec::new();
        (&mut f)
            .take(4096)
            .read_to_end(&mut first)
            .map_err(|e| cannot("read", &e))?;
        let line = first.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if line != header {
            anyhow::bail!(
                "{}: cannot append: its header is `{}`, not `{header}`",
                path.display(),
                line.chars().take(200).collect::<String>()
            );
        }
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1))
            .and_then(|_| f.read_exact(&mut last))
            .map_err(|e| cannot("read", &e))?;
        if last[0] != b'\n' {
            anyhow::bail!(
                "{}: cannot append: the file does not end with a whole row (no newline at its \
                 end: a write was cut); repair or move it first",
                path.display()
            );
        }
        f.seek(SeekFrom::Start(len))
            .map_err(|e| cannot("write", &e))?;
        return Ok((f, len));
    }
    let head = format!("{header}\n");
    let written = f
        .set_len(0)
        .and_then(|_| f.seek(SeekFrom::Start(0)))
        .and_then(|_| f.write_all(head.as_bytes()))
        .and_then(|_| f.flush());
    if let Err(e) = written {
        let _ = f.set_len(0);
        if !existed {
            let _ = std::fs::remove_file(path);
        }
        return Err(cannot("write", &e));
    }
    Ok((f, head.len() as u64))
}

/// An exclusive advisory lock on `f` (`flock`), held until the file is closed: `Ok(false)` when
/// another process holds one.
#[cfg(unix)]
fn try_lock(f: &File) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(f, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Without `flock` there is no lock: two recordings to one file are not caught.
#[cfg(not(unix))]
fn try_lock(_: &File) -> std::io::Result<bool> {
    Ok(true)
}

/// Refuses to replace `path` unless it is absent or job details of `job`: `record` writes the
/// job details there and rewrites them on every rescale, and a file of that name that is
/// something else (a plan, another job's details) is the user's, not a previous recording's.
fn check_plan_target(path: &Path, job: &str) -> anyhow::Result<()> {
    use std::io::Read;
    let refuse = |what: &str| {
        anyhow::anyhow!(
            "{}: exists and is {what}, not the job details of job {job} that record writes \
             there; record does not replace it: move it away or choose another -o",
            path.display()
        )
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            anyhow::bail!(
                "{}: cannot read: {}",
                path.display(),
                crate::io::describe_io(&e)
            )
        }
    };
    if !meta.is_file() {
        return Err(refuse("not a file"));
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(super::MAX_BODY_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot read: {}",
                path.display(),
                crate::io::describe_io(&e)
            )
        })?;
    match super::types::job_details_id(&super::quote_non_finite(&bytes)) {
        Some(id) if id.eq_ignore_ascii_case(job) => Ok(()),
        Some(id) => Err(refuse(&format!("the job details of job {id}"))),
        None => Err(refuse("not job details")),
    }
}

impl Recorder {
    /// Starts recording `jobs` (their details already read, so the caller could report a wrong
    /// id before anything was written): opens the CSV and writes each job's plan file.
    pub fn start(
        client: Client,
        jobs: Vec<JobDetails>,
        csv_path: &Path,
        append: bool,
    ) -> anyhow::Result<Recorder> {
        let several = jobs.len() > 1;
        // Nothing is written before every file is known to be ours to write.
        for d in &jobs {
            check_plan_target(&plan_path(csv_path, &d.id, several), &d.id)?;
        }
        let (csv, csv_len) = open_csv(csv_path, append)?;
        let mut recs = Vec::new();
        for d in jobs {
            let path = plan_path(csv_path, &d.id, several);
            write_plan(&path, &d)?;
            recs.push(JobRec {
                id: d.id.clone(),
                name: d.name.clone(),
                plan_path: path,
                state: Some(d.state.clone()),
                shape: d.shape(),
                metric_ids: HashMap::new(),
                failed_polls: 0,
                done: d.is_terminal(),
            });
        }
        Ok(Recorder {
            client,
            jobs: recs,
            csv,
            csv_len,
            csv_path: csv_path.to_path_buf(),
            polls: 0,
            rows: 0,
        })
    }

    /// The plan files written, one per job.
    pub fn plan_paths(&self) -> Vec<PathBuf> {
        self.jobs.iter().map(|j| j.plan_path.clone()).collect()
    }

    pub fn csv_path(&self) -> &Path {
        &self.csv_path
    }

    /// Whether some job can still report metrics.
    pub fn active(&self) -> bool {
        self.jobs.iter().any(|j| !j.done)
    }

    /// One poll of every job still running: `false` when a request was given up on (stop flag or
    /// deadline, see [`Client::interruptible`]), and then nothing of this poll is written. Only a
    /// failure to write the CSV or a plan file is an error; REST failures are notes.
    pub fn poll(&mut self, notes: &mut dyn FnMut(Note)) -> anyhow::Result<bool> {
        let mut out = csv::Writer::from_writer(Vec::new());
        let mut rows = 0u64;
        for job in self.jobs.iter_mut().filter(|j| !j.done) {
            let ts = now_ms();
            let details = match self.client.job_details(&job.id) {
                Ok(d) => d,
                Err(e) if e.is_interrupted() => return Ok(false),
                Err(e) => {
                    job.failed(&e, notes);
                    continue;
                }
            };
            if job.state.as_deref() != Some(details.state.as_str()) {
                notes(Note::StateChanged {
                    job: job.label(),
                    from: job.state.clone(),
                    to: details.state.clone(),
                });
                job.state = Some(details.state.clone());
                job.metric_ids.clear();
            }
            if details.is_terminal() {
                job.succeeded(notes);
                notes(Note::Ended {
                    job: job.label(),
                    state: details.state.clone(),
                });
                job.done = true;
                continue;
            }
            let shape = details.shape();
            if shape != job.shape {
                let vertices: Vec<Rescaled> = details
                    .vertices
                    .iter()
                    .filter_map(|v| {
                        let from = job.shape.iter().find(|(id, _)| *id == v.id).map(|s| s.1);
                        (from != Some(v.parallelism)).then(|| Rescaled {
                            name: v.name.clone(),
                            from,
                            to: v.parallelism,
                        })
                    })
                    .collect();
                notes(Note::Rescaled {
                    job: job.label(),
                    vertices,
                    plan: job.plan_path.clone(),
                });
                write_plan(&job.plan_path, &details)?;
                job.shape = shape;
                job.metric_ids.clear();
            }
            if details.state != "RUNNING" {
                job.succeeded(notes);
                continue;
            }
            let mut failure: Option<RestError> = None;
            for v in details.vertices.iter().filter(|v| v.status == "RUNNING") {
                if !job.metric_ids.contains_key(&v.id) {
                    match self.client.metric_names(&job.id, &v.id) {
                        Ok(names) => {
                            let selected = select_metrics(&names);
                            if !selected.is_empty() {
                                job.metric_ids.insert(v.id.clone(), selected);
                            }
                        }
                        Err(e) if e.is_interrupted() => return Ok(false),
                        Err(e) => {
                            failure.get_or_insert(e);
                            continue;
                        }
                    }
                }
                let Some(ids) = job.metric_ids.get(&v.id) else {
                    continue;
                };
                let metrics = match self.client.metrics(&job.id, &v.id, ids, &AGGREGATIONS) {
                    Ok(m) => m,
                    Err(e) if e.is_interrupted() => return Ok(false),
                    Err(e) => {
                        failure.get_or_insert(e);
                        continue;
                    }
                };
                let ts_s = ts.to_string();
                let par = v.parallelism.to_string();
                for m in &metrics {
                    for agg in AGGREGATIONS {
                        if let Some(x) = m.get(agg) {
                            out.write_record([
                                ts_s.as_str(),
                                job.id.as_str(),
                                v.id.as_str(),
                                v.name.as_str(),
                                par.as_str(),
                                &format!("{}.{agg}", m.id),
                                &format_value(x),
                            ])?;
                            rows += 1;
                        }
                    }
                }
            }
            match failure {
                Some(e) => job.failed(&e, notes),
                None => job.succeeded(notes),
            }
        }
        let bytes = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        if !bytes.is_empty() {
            // The poll's rows in one write; a write that fails (a full disk) is cut back to the
            // last whole row, so the file never ends in half a row.
            if let Err(e) = self.csv.write_all(&bytes).and_then(|_| self.csv.flush()) {
                use std::io::{Seek, SeekFrom};
                let cut = self
                    .csv
                    .set_len(self.csv_len)
                    .and_then(|_| self.csv.seek(SeekFrom::Start(self.csv_len)));
                anyhow::bail!(
                    "{}: cannot write: {}; {}",
                    self.csv_path.display(),
                    crate::io::describe_io(&e),
                    match cut {
                        Ok(_) =>
                            "the file ends with the last whole poll written before".to_string(),
                        Err(c) => format!(
                            "and cannot cut it back to its last whole row: {}",
                            crate::io::describe_io(&c)
                        ),
                    }
                );
            }
            self.csv_len += bytes.len() as u64;
        }
        self.rows += rows;
        self.polls += 1;
        Ok(true)
    }

    /// Polls every `interval` (on a fixed schedule; a slow poll skips ticks, with one warning)
    /// until `duration` has passed, `stop` is set, or every job has ended. A request in flight
    /// is given up on within 50 ms of either, and its poll is not written (with a warning when
    /// the deadline cut it): a cluster that is slow or hangs does not stretch `--duration` or
    /// hold up Ctrl-C.
    pub fn run(
        &mut self,
        interval: Duration,
        duration: Option<Duration>,
        stop: &'static AtomicBool,
        notes: &mut dyn FnMut(Note),
    ) -> anyhow::Result<StopReason> {
        let t0 = Instant::now();
        let deadline = duration.map(|d| t0 + d);
        self.client = self.client.interruptible(stop, deadline);
        let mut next = t0;
        let mut warned_slow = false;
        loop {
            if stop.load(Ordering::SeqCst) {
                return Ok(StopReason::Interrupted);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(StopReason::Duration);
            }
            if !self.active() {
                return Ok(StopReason::AllJobsEnded);
            }
            let started = Instant::now();
            if !self.poll(notes)? {
                if stop.load(Ordering::SeqCst) {
                    notes(Note::InterruptedDuringPoll);
                    return Ok(StopReason::Interrupted);
                }
                notes(Note::DeadlineDuringPoll {
                    took: started.elapsed(),
                });
                return Ok(StopReason::Duration);
            }
            let took = started.elapsed();
            if took > interval && !warned_slow {
                warned_slow = true;
                notes(Note::SlowPoll { took, interval });
            }
            next += interval;
            let now = Instant::now();
            if next < now {
                // The poll took longer than the interval: poll again at the next whole tick.
                let behind = now.duration_since(next).as_nanos() / interval.as_nanos().max(1);
                next += interval * (behind as u32 + 1);
            }
            let wake = match deadline {
                Some(d) => next.min(d),
                None => next,
            };
            while Instant::now() < wake {
                if stop.load(Ordering::SeqCst) {
                    return Ok(StopReason::Interrupted);
                }
                let left = wake.saturating_duration_since(Instant::now());
                std::thread::sleep(left.min(Duration::from_millis(50)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_what_recommend_reads() {
        let available: Vec<String> = [
            "Source__events[7].numRecordsOutPerSecond",
            "Source__events[7].currentOutputWatermark",
            "PythonCalc[8].numRecordsInPerSecond",
            "Source__numbers.split.0.watermark.idleTimeMsPerSecond",
            "Source__numbers.pendingRecords",
            "Shuffle.Netty.Output.Buffers.outPoolUsage",
            "busyTimeMsPerSecond",
            "numRecordsIn",
            "mailboxQueueSize",
            "Source__orders.KafkaSourceReader.topic.orders.partition.1.currentOffset",
            "Source__orders.KafkaSourceReader.topic.orders.partition.1.committedOffset",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            select_metrics(&available),
            vec![
                "numRecordsIn",
                "busyTimeMsPerSecond",
                "Shuffle.Netty.Output.Buffers.outPoolUsage",
                "Source__events[7].numRecordsOutPerSecond",
                "Source__numbers.pendingRecords",
                "Source__orders.KafkaSourceReader.topic.orders.partition.1.currentOffset",
            ]
        );
    }

    #[test]
    fn pretty_is_serde_jsons_layout() {
        let text = r#"{"a":[1,{"b":"x\"y,z:"},[],{}],"c":{ },"d":"é"}"#;
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(pretty(text), serde_json::to_string_pretty(&v).unwrap());
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(pretty(&deep).len() < 4 * deep.len() + 4097);
    }

    #[test]
    fn values_and_paths() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(206.53333333333333), "206.53333333333333");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "NaN");
        assert_eq!(
            plan_path(Path::new("out/run.csv"), "ab", false),
            Path::new("out/run.job.json")
        );
        assert_eq!(
            plan_path(Path::new("run.csv"), "ab", true),
            Path::new("run.ab.job.json")
        );
    }
}
