//! What a simulation keeps of a recording, gathered while the metric CSV streams past
//! ([`crate::metrics::stream_metrics`] hands every sample over once, in time order).
//!
//! A recording can be many gigabytes, so no sample is kept. Per job vertex, only what the model
//! ([`super::model`]) and the trace ([`super::trace`]) are computed from: the sums behind the mean
//! rates, the capacity samples (as bounded [`Quantiles`]) and the parallelism where it changed;
//! the sources' demand per sample goes to a [`Spool`] (a temporary file past 1.3 MB). Memory
//! thus does not grow with the rows or the length of the recording. The metric file's vertices
//! are matched to the job's on their first sample (by id, then name, then plan node id); a second
//! metric vertex for the same job vertex is ignored with a warning.

use std::collections::BTreeMap;

use crate::graph::vertices::JobVertex;
use crate::metrics::{Sample, SampleSink};
use crate::recommend::vertices::match_metric_vertex;
use crate::sim::quantile::Quantiles;
use crate::sim::spool::{Record, Spool, Spooled};

/// Busy fraction below which a sample says too little about capacity.
pub const MIN_BUSY: f64 = 0.05;
/// Capacity samples per (vertex, parallelism) kept exactly (a week at 10 s); beyond, within
/// 2⁻¹⁶ (the capacity drives every simulated step, so it gets the finer buckets).
const CAPACITY_EXACT: usize = 1 << 16;
const CAPACITY_BITS: u32 = 16;
/// Parallelism changes kept per vertex (a rescale an hour for a year is 8,760).
const MAX_PARALLELISM_CHANGES: usize = 10_000;
/// Sample gaps kept exactly for the native step.
const GAPS_EXACT: usize = 1 << 16;
/// How long Flink's `…PerSecond` rate gauges lag behind a change: a `MeterView` averages the
/// last 60 s, so after a restart the rates climb for a minute even when the records flow at
/// once. The demand across a restart and this ramp is not read from the rates (see [`Outage`]).
pub const RATE_SPAN_MS: i64 = 60_000;
/// Restarts kept (one a minute for a week); later ones are replayed as recorded.
const MAX_OUTAGES: usize = 10_080;
/// Recent demand samples kept per source, to find the one before a restart that is only noticed
/// at the first sample after it.
const RECENT_DEMAND: usize = 16;

/// One job vertex's share of the recording.
#[derive(Debug, Clone, Default)]
pub struct VertexRecording {
    pub first_ms: Option<i64>,
    pub last_ms: i64,
    /// Sum and count of the finite input (output) rates, for the selectivity.
    pub rate_in: (f64, u64),
    pub rate_out: (f64, u64),
    /// Per parallelism (the smallest and the largest seen): the capacity per subtask of each
    /// sample (up to the learning cut) where the vertex worked measurably.
    pub capacity: BTreeMap<i64, Quantiles>,
    /// (time, parallelism) at the first sample and wherever it changed.
    pub parallelism: Vec<(i64, i64)>,
    /// The previous sample's time and backlog (for lag growth and gaps).
    prev: Option<(i64, Option<f64>)>,
    too_many_changes: bool,
}

/// A restart of the recorded job, seen as a parallelism change: from the last sample at the old
/// parallelism (`last_old_ms`) to the first sample in which a source emits again
/// (`flowing_ms`), and then the rate gauges' ramp. Between `last_old_ms` and `ramp_end_ms()` the
/// recorded rates show the outage, not the demand; the trace replaces them with a straight line
/// from each source's demand before (`before`) to its demand after (`after`).
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    pub last_old_ms: i64,
    pub changed_ms: i64,
    pub flowing_ms: Option<i64>,
    pub before: Vec<f64>,
    /// Each source's first demand sample at or after the ramp's end (`None`: the recording
    /// ended first, and the line stays at `before`).
    pub after: Vec<Option<f64>>,
}

impl Outage {
    /// The restart the recording shows: last sample at the old parallelism to records flowing.
    pub fn restart_ms(&self) -> Option<i64> {
        self.flowing_ms.map(|f| f - self.last_old_ms)
    }

    /// Until when the rates do not show the demand.
    pub fn ramp_end_ms(&self) -> i64 {
        self.flowing_ms.unwrap_or(self.changed_ms) + RATE_SPAN_MS
    }
}

/// What the recorder noticed about the file, as data (`render::simulate` words it).
#[derive(Debug, Clone, PartialEq)]
pub enum RecordingWarning {
    /// A second metric series for one job vertex: the one whose samples start first is used.
    SecondSeries { series: String, vertex: String },
    /// More parallelism changes than are kept; later ones are not replayed by `recorded`.
    TooManyChanges { vertex: String, kept: usize },
}

/// The recording, per job vertex (in the job's vertex order).
#[derive(Debug)]
pub struct Recording {
    pub vertices: Vec<VertexRecording>,
    /// Gaps between consecutive samples of a vertex, for the native step.
    pub gaps: Quantiles,
    /// The sources' demand (records/s entering) per sample, in time order; `source` indexes the
    /// job's source vertices in vertex order (as [`super::model::JobModel::sources`]).
    pub demand: Spooled,
    /// Each source's first demand (what it shows before its first sample).
    pub first_demand: Vec<f64>,
    /// The recorded restarts, in time order.
    pub outages: Vec<Outage>,
    pub warnings: Vec<RecordingWarning>,
}

impl Recording {
    /// The restart time the recording shows (the median of its restarts), and how many it saw.
    pub fn measured_restart_ms(&self) -> Option<(i64, usize)> {
        let mut r: Vec<i64> = self.outages.iter().filter_map(Outage::restart_ms).collect();
        r.sort_unstable();
        Some((*r.get(r.len() / 2)?, r.len()))
    }

    /// The recording's own sample interval: the median gap between consecutive samples.
    pub fn native_step_ms(&mut self) -> i64 {
        let n = self.gaps.len();
        self.gaps.nth(n / 2).map_or(10_000, |g| g as i64)
    }

    /// First and last sample time over all vertices.
    pub fn span(&self) -> Option<(i64, i64)> {
        let start = self.vertices.iter().filter_map(|v| v.first_ms).min()?;
        let end = self
            .vertices
            .iter()
            .filter(|v| v.first_ms.is_some())
            .map(|v| v.last_ms)
            .max()?;
        Some((start, end))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mapped {
    /// No sample of this metric vertex yet.
    Unseen,
    /// A second series for a job vertex that already has one: ignored.
    Ignored,
    Job(usize),
}

/// The sink that builds a [`Recording`] for a job.
pub struct Recorder<'a> {
    vertices: &'a [JobVertex],
    learn_until_ms: i64,
    /// Metric vertex (file order) → what its samples feed.
    map: Vec<Mapped>,
    claimed: Vec<bool>,
    /// Job vertex → its index among the sources.
    source_index: Vec<Option<u32>>,
    spool: Spool,
    first_demand: Vec<Option<f64>>,
    vertex_recs: Vec<VertexRecording>,
    gaps: Quantiles,
    /// Per source, its latest demand samples (time, value), newest last.
    recent: Vec<std::collections::VecDeque<(i64, f64)>>,
    outages: Vec<Outage>,
    warnings: Vec<RecordingWarning>,
}

impl<'a> Recorder<'a> {
    /// `learn_until_ms` limits capacity learning to earlier samples.
    pub fn new(vertices: &'a [JobVertex], learn_until_ms: Option<i64>) -> Self {
        let mut n = 0u32;
        let source_index: Vec<Option<u32>> = vertices
            .iter()
            .map(|v| {
                v.is_source().then(|| {
                    n += 1;
                    n - 1
                })
            })
            .collect();
        Recorder {
            vertices,
            learn_until_ms: learn_until_ms.unwrap_or(i64::MAX),
            map: Vec::new(),
            claimed: vec![false; vertices.len()],
            source_index,
            spool: Spool::new(),
            first_demand: vec![None; n as usize],
            vertex_recs: vec![VertexRecording::default(); vertices.len()],
            gaps: Quantiles::with_cap(GAPS_EXACT),
            recent: vec![Default::default(); n as usize],
            outages: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A vertex changed parallelism between `last_old_ms` and `changed_ms`: the job restarted.
    /// The vertices of one rescale change at about the same sample, so an overlapping change
    /// joins the open restart instead of starting another.
    fn restarted(&mut self, last_old_ms: i64, changed_ms: i64) {
        if let Some(o) = self.outages.last_mut() {
            if last_old_ms <= o.changed_ms && o.flowing_ms.is_none() {
                o.last_old_ms = o.last_old_ms.min(last_old_ms);
                return;
            }
        }
        if self.outages.len() >= MAX_OUTAGES {
            return;
        }
        let before = self
            .recent
            .iter()
            .map(|r| {
                r.iter()
                    .rev()
                    .find(|(t, _)| *t <= last_old_ms)
                    .or(r.front())
                    .map_or(0.0, |(_, v)| *v)
            })
            .collect();
        self.outages.push(Outage {
            last_old_ms,
            changed_ms,
            flowing_ms: None,
            before,
            after: vec![None; self.recent.len()],
        });
    }

    /// A source's demand sample: it may end a restart (records flow) or its ramp.
    fn source_demand(&mut self, k: usize, t_ms: i64, value: f64, emitted: f64) {
        let recent = &mut self.recent[k];
        if recent.len() == RECENT_DEMAND {
            recent.pop_front();
        }
        recent.push_back((t_ms, value));
        // Samples already spooled before the restart was noticed are older than these.
        for o in self.outages.iter_mut().rev().take(2) {
            if o.flowing_ms.is_none() && t_ms >= o.changed_ms && emitted > 0.0 {
                o.flowing_ms = Some(t_ms);
            }
            if o.flowing_ms.is_some() && t_ms >= o.ramp_end_ms() && o.after[k].is_none() {
                o.after[k] = Some(value);
            }
        }
    }

    pub fn finish(self) -> Result<Recording, String> {
        Ok(Recording {
            vertices: self.vertex_recs,
            gaps: self.gaps,
            demand: self.spool.finish().map_err(spool_error)?,
            first_demand: self.first_demand.iter().map(|d| d.unwrap_or(0.0)).collect(),
            outages: self.outages,
            warnings: self.warnings,
        })
    }

    fn resolve(
        &mut self,
        vertex: usize,
        key: &str,
        name: Option<&str>,
    ) -> Result<Option<usize>, String> {
        match self.map.get(vertex) {
            Some(Mapped::Job(i)) => return Ok(Some(*i)),
            Some(Mapped::Ignored) => return Ok(None),
            Some(Mapped::Unseen) | None => {}
        }
        let Some(i) = match_metric_vertex(key, name, self.vertices) else {
            return Err(format!(
                "the metrics name a vertex that is not in the graph or plan: {}",
                crate::value::short(name.unwrap_or(key))
            ));
        };
        let m = if self.claimed[i] {
            self.warnings.push(RecordingWarning::SecondSeries {
                series: name.unwrap_or(key).to_string(),
                vertex: self.vertices[i].name.clone(),
            });
            Mapped::Ignored
        } else {
            self.claimed[i] = true;
            Mapped::Job(i)
        };
        // Samples come in time order, not in the metric vertices' order of first appearance.
        if self.map.len() <= vertex {
            self.map.resize(vertex + 1, Mapped::Unseen);
        }
        self.map[vertex] = m;
        Ok(match m {
            Mapped::Job(i) => Some(i),
            _ => None,
        })
    }
}

fn spool_error(e: std::io::Error) -> String {
    format!(
        "cannot write the recording's demand to a temporary file in {}: {}",
        std::env::temp_dir().display(),
        crate::io::describe_io(&e)
    )
}

/// Keeps capacity samples for the smallest and the largest parallelism seen: the model uses only
/// those two (one for the capacity, both for the scaling exponent), so any in between can go,
/// and memory stays at two [`Quantiles`] per vertex however often the job was rescaled.
fn add_capacity(caps: &mut BTreeMap<i64, Quantiles>, p: i64, c: f64) {
    let (lo, hi) = match (caps.first_key_value(), caps.last_key_value()) {
        (Some((&lo, _)), Some((&hi, _))) => (lo, hi),
        _ => (p, p),
    };
    if !caps.contains_key(&p) {
        if p > lo && p < hi {
            return;
        }
        if caps.len() == 2 {
            // The new one becomes an end; the end it replaces is now in between.
            if p < lo {
                caps.remove(&lo);
            } else {
                caps.remove(&hi);
            }
        }
    }
    caps.entry(p)
        .or_insert_with(|| Quantiles::with_precision(CAPACITY_EXACT, CAPACITY_BITS))
        .push(c);
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|r| r.is_finite())
}

impl SampleSink for Recorder<'_> {
    fn sample(
        &mut self,
        vertex: usize,
        key: &str,
        name: Option<&str>,
        s: Sample,
    ) -> Result<(), String> {
        let Some(i) = self.resolve(vertex, key, name)? else {
            return Ok(());
        };
        let jv = &self.vertices[i];
        let r = &mut self.vertex_recs[i];
        r.first_ms.get_or_insert(s.t_ms);
        r.last_ms = s.t_ms;
        if let Some((prev_t, _)) = r.prev {
            let gap = s.t_ms - prev_t;
            if gap > 0 {
                self.gaps.push(gap as f64);
            }
        }
        let rin = finite(s.records_in_per_s);
        if let Some(x) = rin {
            r.rate_in.0 += x;
            r.rate_in.1 += 1;
        }
        if let Some(x) = finite(s.records_out_per_s) {
            r.rate_out.0 += x;
            r.rate_out.1 += 1;
        }
        // A sample without a parallelism keeps the last one recorded (the graph's before any).
        let p = s
            .parallelism
            .or(r.parallelism.last().map(|&(_, p)| p))
            .unwrap_or(jv.parallelism)
            .max(1);
        let changed = r.parallelism.last().is_some_and(|&(_, last)| last != p);
        let prev_t = r.prev.map(|(t, _)| t);
        if r.parallelism.last().is_none_or(|&(_, last)| last != p) {
            if r.parallelism.len() < MAX_PARALLELISM_CHANGES {
                r.parallelism.push((s.t_ms, p));
            } else if !r.too_many_changes {
                r.too_many_changes = true;
                self.warnings.push(RecordingWarning::TooManyChanges {
                    vertex: jv.name.clone(),
                    kept: MAX_PARALLELISM_CHANGES,
                });
            }
        }
        if let (true, Some(prev_t)) = (changed, prev_t) {
            self.restarted(prev_t, s.t_ms);
        }
        let r = &mut self.vertex_recs[i];
        if let Some(k) = self.source_index[i] {
            let emitted = [
                s.source_records_out_per_s,
                s.records_out_per_s,
                s.source_records_in_per_s,
            ]
            .into_iter()
            .flatten()
            .find(|x| x.is_finite() && *x > 0.0)
            .unwrap_or(0.0);
            // Records arrived = records emitted + the change of the backlog: a shrinking backlog
            // (catching up after a restart) is emitted faster than it arrives.
            let lag_growth = match (r.prev, s.pending_records) {
                (Some((prev_t, before)), Some(now)) => {
                    let dt = (s.t_ms - prev_t).max(1) as f64 / 1000.0;
                    before.map_or(0.0, |b| (now - b) / dt)
                }
                _ => 0.0,
            };
            let value = (emitted + lag_growth).max(0.0);
            self.first_demand[k as usize].get_or_insert(value);
            r.prev = Some((s.t_ms, s.pending_records));
            self.source_demand(k as usize, s.t_ms, value, emitted);
            self.spool
                .push(Record {
                    source: k,
                    t_ms: s.t_ms,
                    value,
                })
                .map_err(spool_error)?;
        } else if s.t_ms <= self.learn_until_ms {
            // Capacity per subtask at 100% busy, from samples where the vertex worked measurably.
            if let (Some(busy), Some(rin)) = (s.busy_max.or(s.busy_avg), rin) {
                let busy = busy / 1000.0;
                // The recorded parallelism of the sample, or the graph's.
                let sp = s.parallelism.unwrap_or(jv.parallelism).max(1);
                let c = rin / busy.min(1.0) / sp as f64;
                if busy >= MIN_BUSY && rin > 0.0 && c.is_finite() {
                    add_capacity(&mut r.capacity, sp, c);
                }
            }
            r.prev = Some((s.t_ms, s.pending_records));
        } else {
            r.prev = Some((s.t_ms, s.pending_records));
        }
        Ok(())
    }

    fn reset(&mut self) {
        *self = Recorder::new(self.vertices, Some(self.learn_until_ms));
    }
}
