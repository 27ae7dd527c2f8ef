//! `planscale fetch` as one operation: from a request (server, job, time range, step) to the long
//! metric CSV that `record` writes, streamed to a writer, and what was written.
//!
//! 1. **Find the job.** `/api/v1/series` over the whole range, with the three selectors below and
//!    the job's `job_id` (or `job_name`, in the reporter's filtered spelling too): how many series
//!    there are, and for a name, which job id it is. No series: the jobs the server knows in the
//!    range (`job_id` and `job_name` of the busy-time series) go into the error.
//! 2. **Query window by window.** The range is cut into windows of whole steps, few enough points
//!    that every series stays under Prometheus' 11,000 points per query and all series of one
//!    window together under [`FetchRequest::window_points`]. Each window is one `query_range` per
//!    selector; its points are written as rows in time order before the next window is asked
//!    for, so memory is one window's points whatever the range.
//! 3. **Rows.** Every series becomes the metric id the reader reads
//!    ([`names::from_prometheus`](crate::metrics::names::from_prometheus)); series whose id the
//!    reader does not use ([`names::is_read`](crate::metrics::names::is_read)) are dropped. A row
//!    per step, vertex (`task_id`), subtask (`subtask_index`) and metric, with the vertex's
//!    parallelism at that step: its highest subtask index with a value, plus one. Two series for
//!    the same vertex, subtask and metric (another `tm_id` or attempt after a restart, two scrape
//!    jobs) give one row: the series that goes on longer in the window wins, the other values are
//!    counted as `overlapping`.
//!
//! The selectors (for `--metric-prefix P`, `flink_taskmanager_job_task_` by default):
//! `P(busyTimeMsPerSecond|…)` (task scope, [`TASK_METRICS`](crate::metrics::names::TASK_METRICS)),
//! `Poperator_(pendingRecords|…|KafkaSourceReader_topic_partition_currentOffset|PulsarConsumer_…)`
//! on any operator, and `Poperator_(numRecordsIn|…)` on operators named `Source…`.
//!
//! Invariants: no row is written before the job is known to have series in the range; rows come
//! in time order (every timestamp of a window before the next); the header is written with the
//! first row, so a fetch that finds nothing writes nothing at all.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use super::client::{Client, PromError, RangeSeries, Retrying};
use crate::metrics::names;

/// The header of the CSV: `record`'s, with the subtask.
pub const CSV_HEADER: [&str; 8] = [
    "timestamp_ms",
    "job_id",
    "vertex_id",
    "vertex_name",
    "subtask",
    "parallelism",
    "metric",
    "value",
];

/// Prometheus refuses a range query of more than 11,000 points per series.
pub const MAX_POINTS_PER_SERIES: u64 = 11_000;

/// Default of [`FetchRequest::window_points`]: about 16 MB of points, and answers of some 20 MB.
pub const DEFAULT_WINDOW_POINTS: u64 = 1_000_000;

/// Which job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobSelector {
    /// Flink's JobID (the `job_id` label).
    Id(String),
    /// The job's name (the `job_name` label), as given or as the reporter filters it.
    Name(String),
}

#[derive(Debug, Clone)]
pub struct FetchRequest<'a> {
    pub client: &'a Client,
    pub job: JobSelector,
    /// The range, epoch ms, inclusive; rows are at the multiples of `step_ms` inside it.
    pub from_ms: i64,
    pub to_ms: i64,
    pub step_ms: i64,
    /// What the reporter's names start with: [`names::PROMETHEUS_TASK_PREFIX`] unless the
    /// series were renamed.
    pub prefix: String,
    /// Points in memory per window at most, over all series.
    pub window_points: u64,
}

/// A job the server has series of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KnownJob {
    pub id: String,
    /// Empty when the series have no `job_name`.
    pub name: String,
}

/// What will be fetched, once the job is found.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub job: KnownJob,
    /// The first and last row timestamps (multiples of the step).
    pub start_ms: i64,
    pub end_ms: i64,
    pub step_ms: i64,
    pub steps: u64,
    /// Series the server has for the job in the range.
    pub series: usize,
    pub window_steps: u64,
    pub windows: u64,
    /// With `--job-name`: the name's other runs in the range, one after another (a job
    /// resubmitted gets a new id); the plan is of the latest.
    pub other_runs: Vec<Run>,
}

/// One run of a job name: a job id and when its busy-time series had values (to the accuracy of
/// the coarse query that finds them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub job: KnownJob,
    pub first_ms: i64,
    pub last_ms: i64,
}

/// What the observer is told, in this order: [`Progress::Found`], then the windows (and any
/// retries as they happen).
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<'a> {
    Found(&'a Plan),
    /// A window is written: `steps` of `plan.steps` done, `rows` so far.
    Window {
        steps: u64,
        rows: u64,
    },
    Retrying(Retrying<'a>),
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOutcome {
    pub plan: Plan,
    /// Rows written, without the header.
    pub rows: u64,
    pub vertices: usize,
    pub requests: u64,
    /// Values of a series that another series of the same vertex, subtask and metric covered.
    pub overlapping: u64,
    /// Series without a `task_id` or `subtask_index` (no row can name their vertex).
    pub unplaced_series: u64,
    /// Rows from the earliest and latest timestamps written.
    pub first_ms: i64,
    pub last_ms: i64,
}

/// Why nothing (or not everything) was fetched.
#[derive(Debug)]
pub enum FetchError {
    /// The range holds no step: `from` after `to`, or both between two multiples of the step.
    EmptyRange {
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    },
    Http(PromError),
    /// The server has no Flink task metrics at all in the range.
    NoFlinkMetrics {
        url: String,
        metric: String,
        from_ms: i64,
        to_ms: i64,
    },
    /// The job (id or name) has no series in the range; `known` are the jobs that have.
    UnknownJob {
        url: String,
        job: JobSelector,
        from_ms: i64,
        to_ms: i64,
        known: Vec<KnownJob>,
    },
    /// The name is that of several jobs that ran at the same time in the range.
    AmbiguousJobName {
        url: String,
        name: String,
        runs: Vec<Run>,
    },
    /// The job has series, but no value at any step of the range.
    NoRows {
        url: String,
        plan: Box<Plan>,
    },
    /// Writing the output failed.
    Output(anyhow::Error),
}

impl From<PromError> for FetchError {
    fn from(e: PromError) -> Self {
        FetchError::Http(e)
    }
}

/// The first and last multiple of `step_ms` in `[from_ms, to_ms]`.
pub fn grid(from_ms: i64, to_ms: i64, step_ms: i64) -> Option<(i64, i64)> {
    if step_ms <= 0 {
        return None;
    }
    let start = from_ms.checked_add(step_ms - 1)?.div_euclid(step_ms) * step_ms;
    let end = to_ms.div_euclid(step_ms) * step_ms;
    (start <= end).then_some((start, end))
}

/// A PromQL string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as an RE2 pattern that matches exactly `s`.
fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The label matcher of a job: its id, or its name as given and as the reporter filters it.
fn job_matcher(job: &JobSelector) -> String {
    match job {
        JobSelector::Id(id) => format!("job_id={}", quote(id)),
        JobSelector::Name(name) => {
            let filtered = names::prometheus_filtered(name);
            let mut alts = vec![regex_literal(name)];
            if filtered != *name {
                alts.push(regex_literal(&filtered));
            }
            format!("job_name=~{}", quote(&alts.join("|")))
        }
    }
}

/// The three selectors of a job's series (module doc).
pub fn selectors(prefix: &str, job: &JobSelector) -> Vec<String> {
    let job = job_matcher(job);
    let p = regex_literal(prefix);
    let op = names::PROMETHEUS_OPERATOR_SCOPE;
    let task = names::TASK_METRICS.join("|");
    let lag = names::OPERATOR_METRICS.join("|");
    let partitions = "(kafkaCluster_)?KafkaSourceReader_topic_partition_currentOffset|\
                      PulsarConsumer_.+_numMsgsReceived";
    let source = names::SOURCE_OPERATOR_METRICS.join("|");
    vec![
        format!("{{__name__=~{},{job}}}", quote(&format!("{p}({task})"))),
        format!(
            "{{__name__=~{},{job}}}",
            quote(&format!("{p}{op}({lag}|{partitions})"))
        ),
        format!(
            "{{__name__=~{},operator_name=~\"Source.*\",{job}}}",
            quote(&format!("{p}{op}({source})"))
        ),
    ]
}

/// The jobs with busy-time series in the range (first subtask only: one series per vertex).
fn known_jobs(
    req: &FetchRequest,
    on_retry: &mut dyn FnMut(&Retrying),
    requests: &mut u64,
) -> Result<Vec<KnownJob>, PromError> {
    let busy = format!(
        "{{__name__={},subtask_index=\"0\"}}",
        quote(&format!("{}busyTimeMsPerSecond", req.prefix))
    );
    *requests += 1;
    let series = req
        .client
        .series(&[busy], req.from_ms, req.to_ms, on_retry)?;
    let jobs: BTreeSet<KnownJob> = series
        .into_iter()
        .filter_map(|mut l| {
            Some(KnownJob {
                id: l.remove("job_id")?,
                name: l.remove("job_name").unwrap_or_default(),
            })
        })
        .collect();
    Ok(jobs.into_iter().collect())
}

/// Points of the query that finds when each run of a name had values.
const RUN_POINTS: i64 = 2_000;

/// When each of `ids` (the jobs of one name) had busy-time values in the range, in order of
/// first value: one `count by (job_id)` range query at a step of about 1/2000 of the range (a
/// multiple of the request's step). Jobs without a value at any of its instants are left out.
fn runs(
    req: &FetchRequest,
    ids: &BTreeMap<String, String>,
    on_retry: &mut dyn FnMut(&Retrying),
) -> Result<Vec<Run>, PromError> {
    let alts: Vec<String> = ids.keys().map(|id| regex_literal(id)).collect();
    let query = format!(
        "count by (job_id) ({{__name__={},job_id=~{}}})",
        quote(&format!("{}busyTimeMsPerSecond", req.prefix)),
        quote(&alts.join("|"))
    );
    let span = (req.to_ms - req.from_ms).max(0);
    let coarse = (span / RUN_POINTS).max(req.step_ms);
    let step = coarse.div_euclid(req.step_ms).max(1) * req.step_ms;
    let series = req
        .client
        .query_range(&query, req.from_ms, req.to_ms, step, on_retry)?;
    let mut runs: Vec<Run> = series
        .into_iter()
        .filter_map(|s| {
            let id = s.labels.get("job_id")?.clone();
            let first_ms = s.points.iter().map(|p| p.0).min()?;
            let last_ms = s.points.iter().map(|p| p.0).max()?;
            let name = ids.get(&id).cloned().unwrap_or_default();
            Some(Run {
                job: KnownJob { id, name },
                first_ms,
                last_ms,
            })
        })
        .collect();
    runs.sort_by(|a, b| (a.first_ms, a.last_ms, &a.job).cmp(&(b.first_ms, b.last_ms, &b.job)));
    Ok(runs)
}

/// Whether two runs had values at one instant: two jobs of one name at the same time, not one
/// job resubmitted.
fn overlapping(runs: &[Run]) -> bool {
    runs.windows(2).any(|w| w[1].first_ms <= w[0].last_ms)
}

/// Fetches the job's metrics into `out` as the long CSV (module doc). `out` gets nothing unless
/// at least one row is found.
pub fn fetch(
    req: &FetchRequest,
    out: &mut dyn Write,
    observe: &mut dyn FnMut(Progress),
) -> Result<FetchOutcome, FetchError> {
    let Some((start_ms, end_ms)) = grid(req.from_ms, req.to_ms, req.step_ms) else {
        return Err(FetchError::EmptyRange {
            from_ms: req.from_ms,
            to_ms: req.to_ms,
            step_ms: req.step_ms,
        });
    };
    let url = req.client.base().to_string();
    let mut requests = 0u64;
    // Retries are reported through the observer, which the windows' loop also holds: collect
    // them in a cell-free way by reporting at once.
    macro_rules! on_retry {
        () => {
            &mut |r: &Retrying| observe(Progress::Retrying(r.clone()))
        };
    }

    // 1. The job and its series.
    let sels = selectors(&req.prefix, &req.job);
    let mut counts = Vec::with_capacity(sels.len());
    let mut job_ids: BTreeMap<String, String> = BTreeMap::new();
    for sel in &sels {
        requests += 1;
        let series = req.client.series(
            std::slice::from_ref(sel),
            req.from_ms,
            req.to_ms,
            on_retry!(),
        )?;
        counts.push(series.len());
        for mut l in series {
            if let Some(id) = l.remove("job_id") {
                let name = l.remove("job_name").unwrap_or_default();
                job_ids.entry(id).or_insert(name);
            }
        }
    }
    let total: usize = counts.iter().sum();
    if total == 0 {
        let known = known_jobs(req, on_retry!(), &mut requests)?;
        if known.is_empty() {
            return Err(FetchError::NoFlinkMetrics {
                url,
                metric: format!("{}busyTimeMsPerSecond", req.prefix),
                from_ms: req.from_ms,
                to_ms: req.to_ms,
            });
        }
        return Err(FetchError::UnknownJob {
            url,
            job: req.job.clone(),
            from_ms: req.from_ms,
            to_ms: req.to_ms,
            known,
        });
    }
    let mut other_runs = Vec::new();
    let (job, sels) = match &req.job {
        JobSelector::Id(id) => {
            let name = job_ids.get(id).cloned().unwrap_or_default();
            (
                KnownJob {
                    id: id.clone(),
                    name,
                },
                sels,
            )
        }
        JobSelector::Name(name) => {
            if job_ids.len() > 1 {
                requests += 1;
                let mut runs = runs(req, &job_ids, on_retry!())?;
                if overlapping(&runs) {
                    return Err(FetchError::AmbiguousJobName {
                        url,
                        name: name.clone(),
                        runs,
                    });
                }
                // One after another: the latest run, and the others said.
                let latest = runs.pop().map(|r| r.job);
                other_runs = runs;
                job_ids.retain(|id, _| latest.as_ref().is_some_and(|j| j.id == *id));
            }
            let Some((id, found)) = job_ids.into_iter().next() else {
                // Series without a job_id: nothing a row could be filed under.
                return Err(FetchError::UnknownJob {
                    url,
                    job: req.job.clone(),
                    from_ms: req.from_ms,
                    to_ms: req.to_ms,
                    known: Vec::new(),
                });
            };
            let sels = selectors(&req.prefix, &JobSelector::Id(id.clone()));
            (KnownJob { id, name: found }, sels)
        }
    };

    // 2. Windows.
    let step = req.step_ms;
    let steps = ((end_ms - start_ms) / step) as u64 + 1;
    let per_window = (req.window_points / total.max(1) as u64).clamp(1, MAX_POINTS_PER_SERIES);
    let plan = Plan {
        job,
        start_ms,
        end_ms,
        step_ms: step,
        steps,
        series: total,
        window_steps: per_window,
        windows: steps.div_ceil(per_window),
        other_runs,
    };
    observe(Progress::Found(&plan));

    let mut writer = RowWriter::new(out, &plan.job.id);
    let mut done = 0u64;
    while done < steps {
        let n = per_window.min(steps - done);
        let w_start = start_ms + done as i64 * step;
        let w_end = w_start + (n as i64 - 1) * step;
        let mut window: Vec<RangeSeries> = Vec::new();
        for (sel, count) in sels.iter().zip(&counts) {
            if *count == 0 {
                continue;
            }
            requests += 1;
            window.extend(
                req.client
                    .query_range(sel, w_start, w_end, step, on_retry!())?,
            );
        }
        writer
            .window(window, &req.prefix, w_start, n, step)
            .map_err(FetchError::Output)?;
        done += n;
        observe(Progress::Window {
            steps: done,
            rows: writer.rows,
        });
    }
    writer.finish().map_err(FetchError::Output)?;
    if writer.rows == 0 {
        return Err(FetchError::NoRows {
            url,
            plan: Box::new(plan),
        });
    }
    Ok(FetchOutcome {
        rows: writer.rows,
        vertices: writer.vertices.len(),
        requests,
        overlapping: writer.overlapping,
        unplaced_series: writer.unplaced,
        first_ms: writer.first_ms.unwrap_or(plan.start_ms),
        last_ms: writer.last_ms.unwrap_or(plan.end_ms),
        plan,
    })
}

/// One series of a window, placed: vertex, subtask and metric (interned), its points.
struct Placed {
    vertex: u32,
    subtask: u32,
    metric: u32,
    points: Vec<(i64, f64)>,
}

/// Writes windows of series as CSV rows, in time order.
struct RowWriter<'w> {
    csv: csv::Writer<&'w mut dyn Write>,
    job: String,
    header_written: bool,
    /// task_id → index; (id, name) by index.
    vertex_ids: HashMap<String, u32>,
    vertices: Vec<(String, String)>,
    metric_ids: HashMap<String, u32>,
    metrics: Vec<String>,
    rows: u64,
    overlapping: u64,
    unplaced: u64,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    text: String,
}

impl<'w> RowWriter<'w> {
    fn new(out: &'w mut dyn Write, job: &str) -> RowWriter<'w> {
        RowWriter {
            csv: csv::WriterBuilder::new().from_writer(out),
            job: job.to_string(),
            header_written: false,
            vertex_ids: HashMap::new(),
            vertices: Vec::new(),
            metric_ids: HashMap::new(),
            metrics: Vec::new(),
            rows: 0,
            overlapping: 0,
            unplaced: 0,
            first_ms: None,
            last_ms: None,
            text: String::new(),
        }
    }

    fn place(&mut self, s: RangeSeries, prefix: &str) -> Option<Placed> {
        let l = &s.labels;
        let name = l.get("__name__")?;
        let metric = names::from_prometheus(name, prefix, |k| l.get(k).map(String::as_str))?;
        if !names::is_read(&metric) {
            return None;
        }
        let (Some(task), Some(subtask)) = (
            l.get("task_id"),
            l.get("subtask_index").and_then(|s| s.parse::<u32>().ok()),
        ) else {
            self.unplaced += 1;
            return None;
        };
        let vertex = match self.vertex_ids.get(task) {
            Some(&v) => v,
            None => {
                let v = self.vertices.len() as u32;
                let vname = l.get("task_name").cloned().unwrap_or_default();
                self.vertex_ids.insert(task.clone(), v);
                self.vertices.push((task.clone(), vname));
                v
            }
        };
        let metric = match self.metric_ids.get(&metric) {
            Some(&m) => m,
            None => {
                let m = self.metrics.len() as u32;
                self.metric_ids.insert(metric.clone(), m);
                self.metrics.push(metric);
                m
            }
        };
        Some(Placed {
            vertex,
            subtask,
            metric,
            points: s.points,
        })
    }

    /// The rows of one window: `n` steps from `start`.
    fn window(
        &mut self,
        series: Vec<RangeSeries>,
        prefix: &str,
        start: i64,
        n: u64,
        step: i64,
    ) -> anyhow::Result<()> {
        let mut placed: Vec<Placed> = series
            .into_iter()
            .filter_map(|s| self.place(s, prefix))
            .collect();
        if placed.is_empty() {
            return Ok(());
        }
        // By vertex id, subtask, metric; of two series for the same row, the one that goes on
        // longer first.
        placed.sort_by(|a, b| {
            let va = &self.vertices[a.vertex as usize].0;
            let vb = &self.vertices[b.vertex as usize].0;
            va.cmp(vb)
                .then(a.subtask.cmp(&b.subtask))
                .then_with(|| self.metrics[a.metric as usize].cmp(&self.metrics[b.metric as usize]))
                .then_with(|| {
                    let last = |p: &Placed| p.points.last().map(|x| x.0);
                    last(b).cmp(&last(a))
                })
        });
        // Vertex groups.
        let mut groups = Vec::new();
        let mut g = 0;
        while g < placed.len() {
            let mut end = g + 1;
            while end < placed.len() && placed[end].vertex == placed[g].vertex {
                end += 1;
            }
            groups.push((g, end));
            g = end;
        }
        let mut cursor = vec![0usize; placed.len()];
        for k in 0..n {
            let t = start + k as i64 * step;
            for &(g0, g1) in &groups {
                // The points at t; the parallelism is the highest subtask with one, plus one.
                let mut parallelism = 0u32;
                for i in g0..g1 {
                    let pts = &placed[i].points;
                    let c = &mut cursor[i];
                    while *c < pts.len() && pts[*c].0 < t {
                        *c += 1;
                    }
                    if *c < pts.len() && pts[*c].0 == t {
                        parallelism = parallelism.max(placed[i].subtask + 1);
                    }
                }
                if parallelism == 0 {
                    continue;
                }
                let mut i = g0;
                while i < g1 {
                    let mut j = i;
                    let mut written = false;
                    while j < g1
                        && placed[j].subtask == placed[i].subtask
                        && placed[j].metric == placed[i].metric
                    {
                        let c = cursor[j];
                        if c < placed[j].points.len() && placed[j].points[c].0 == t {
                            if written {
                                self.overlapping += 1;
                            } else {
                                let (x, p) = (placed[j].points[c].1, &placed[j]);
                                let (v, s, m) = (p.vertex, p.subtask, p.metric);
                                self.row(t, v, s, parallelism, m, x)?;
                                written = true;
                            }
                            cursor[j] += 1;
                        }
                        j += 1;
                    }
                    i = j;
                }
            }
        }
        Ok(())
    }

    fn row(
        &mut self,
        t: i64,
        vertex: u32,
        subtask: u32,
        parallelism: u32,
        metric: u32,
        value: f64,
    ) -> anyhow::Result<()> {
        use std::fmt::Write as _;
        if !self.header_written {
            self.csv.write_record(CSV_HEADER)?;
            self.header_written = true;
        }
        let t_text = &mut self.text;
        t_text.clear();
        let _ = write!(t_text, "{t}");
        let t_end = t_text.len();
        let _ = write!(t_text, "{subtask}");
        let s_end = t_text.len();
        let _ = write!(t_text, "{parallelism}");
        let p_end = t_text.len();
        if value.is_finite() {
            let _ = write!(t_text, "{value}");
        } else {
            t_text.push_str("NaN");
        }
        let (id, name) = &self.vertices[vertex as usize];
        self.csv.write_record([
            &t_text[..t_end],
            self.job.as_str(),
            id.as_str(),
            name.as_str(),
            &t_text[t_end..s_end],
            &t_text[s_end..p_end],
            self.metrics[metric as usize].as_str(),
            &t_text[p_end..],
        ])?;
        self.rows += 1;
        self.first_ms.get_or_insert(t);
        self.last_ms = Some(t);
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        self.csv.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_name_overlap_only_when_they_share_an_instant() {
        let run = |id: &str, first_ms, last_ms| Run {
            job: KnownJob {
                id: id.into(),
                name: "n".into(),
            },
            first_ms,
            last_ms,
        };
        assert!(!overlapping(&[run("a", 0, 10), run("b", 11, 20)]));
        assert!(!overlapping(&[run("a", 0, 10)]));
        assert!(overlapping(&[run("a", 0, 10), run("b", 10, 20)]));
        assert!(overlapping(&[
            run("a", 0, 10),
            run("b", 11, 20),
            run("c", 15, 30)
        ]));
    }

    #[test]
    fn the_grid_is_the_multiples_of_the_step_inside_the_range() {
        assert_eq!(grid(1_000, 61_000, 15_000), Some((15_000, 60_000)));
        assert_eq!(grid(0, 60_000, 15_000), Some((0, 60_000)));
        assert_eq!(grid(1_000, 14_000, 15_000), None);
        assert_eq!(grid(-20_000, -1, 15_000), Some((-15_000, -15_000)));
        assert_eq!(grid(10, 0, 1), None);
    }

    #[test]
    fn selectors_quote_what_they_are_given() {
        let s = selectors(
            names::PROMETHEUS_TASK_PREFIX,
            &JobSelector::Name("orders \"eu\".v2".into()),
        );
        assert_eq!(s.len(), 3);
        assert!(
            s[0].starts_with(
                "{__name__=~\"flink_taskmanager_job_task_(busyTimeMsPerSecond|backPressuredTimeMsPerSecond|"
            ),
            "{}",
            s[0]
        );
        // As given (regex-escaped, then string-escaped) and as the reporter filters it.
        assert!(
            s[0].ends_with(r#"job_name=~"orders \"eu\"\\.v2|orders__eu__v2"}"#),
            "{}",
            s[0]
        );
        assert!(s[2].contains("operator_name=~\"Source.*\""), "{}", s[2]);
        let s = selectors("p_", &JobSelector::Id("ab".into()));
        assert!(s[1].contains("p_operator_(pendingRecords|"), "{}", s[1]);
        assert!(s[1].ends_with(",job_id=\"ab\"}"), "{}", s[1]);
    }

    fn series(name: &str, labels: &[(&str, &str)], points: &[(i64, f64)]) -> RangeSeries {
        let mut l: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        l.insert(
            "__name__".into(),
            format!("{}{name}", names::PROMETHEUS_TASK_PREFIX),
        );
        RangeSeries {
            labels: l,
            points: points.to_vec(),
        }
    }

    #[test]
    fn rows_are_in_time_order_with_the_parallelism_of_their_step() {
        let mut out = Vec::new();
        let mut w = RowWriter::new(&mut out, "j");
        let busy = "busyTimeMsPerSecond";
        let v = |s: &'static str| {
            [
                ("task_id", "v1"),
                ("task_name", "Map, x"),
                ("subtask_index", s),
            ]
        };
        w.window(
            vec![
                series(busy, &v("1"), &[(0, 1.0)]),
                series(busy, &v("0"), &[(0, 2.0), (10, 3.0)]),
                // Another tm_id for subtask 0 that stops earlier: overlapping.
                series(
                    busy,
                    &[("task_id", "v1"), ("subtask_index", "0"), ("tm_id", "old")],
                    &[(0, 9.0)],
                ),
                series("numRecordsIn", &v("0"), &[(10, f64::NAN)]),
                series("unknownMetric", &v("0"), &[(0, 1.0)]),
                series(busy, &[("subtask_index", "0")], &[(0, 1.0)]),
            ],
            names::PROMETHEUS_TASK_PREFIX,
            0,
            2,
            10,
        )
        .unwrap();
        w.finish().unwrap();
        let (rows, overlapping, unplaced) = (w.rows, w.overlapping, w.unplaced);
        drop(w);
        assert_eq!((rows, overlapping, unplaced), (4, 1, 1));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "timestamp_ms,job_id,vertex_id,vertex_name,subtask,parallelism,metric,value\n\
             0,j,v1,\"Map, x\",0,2,busyTimeMsPerSecond,2\n\
             0,j,v1,\"Map, x\",1,2,busyTimeMsPerSecond,1\n\
             10,j,v1,\"Map, x\",0,1,busyTimeMsPerSecond,3\n\
             10,j,v1,\"Map, x\",0,1,numRecordsIn,NaN\n"
        );
    }

    #[test]
    fn nothing_is_written_for_an_empty_window() {
        let mut out = Vec::new();
        let mut w = RowWriter::new(&mut out, "j");
        w.window(Vec::new(), "p_", 0, 3, 10).unwrap();
        w.finish().unwrap();
        drop(w);
        assert!(out.is_empty());
    }
}
