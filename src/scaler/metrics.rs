//! Collected scaling metrics (scaling.md §4.2–§4.5) and the metric window they form (§3.3, §5.1,
//! §5.2).
//!
//! A [`Sample`] is what one autoscaler cycle records per vertex: cumulative counters, LOAD, LAG and
//! the observed TPR. A [`MetricWindow`] is a time-ordered run of samples; the two aggregations
//! upstream applies to it are here because every later step is built from them: `rate` looks only
//! at the first and last defined observation, `average` skips NaN and treats a window of only
//! infinite values as infinite. Missing values are NaN, never an error; what a NaN means is
//! decided by the caller (§5).

use std::collections::BTreeMap;

use super::numeric::{java_max, round_metric};
use super::options::{AutoscalerOptions, BusyTimeAggregator, DurationMs};

/// Names of upstream's `ScalingMetric` values that planscale stores or reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScalingMetric {
    Load,
    AccumulatedBusyTime,
    NumRecordsIn,
    NumRecordsOut,
    NumRecordsInPerSecond,
    Lag,
    ObservedTpr,
    TrueProcessingRate,
    TargetDataRate,
    CatchUpDataRate,
    Parallelism,
    RecommendedParallelism,
    MaxParallelism,
    NumSourcePartitions,
    ScaleUpRateThreshold,
    ScaleDownRateThreshold,
    ExpectedProcessingRate,
    GcPressure,
    HeapMaxUsageRatio,
    HeapMemoryUsed,
    ManagedMemoryUsed,
    MetaspaceMemoryUsed,
    NumTaskSlotsUsed,
}

const ALL_METRICS: &[(ScalingMetric, &str)] = &[
    (ScalingMetric::Load, "LOAD"),
    (ScalingMetric::AccumulatedBusyTime, "ACCUMULATED_BUSY_TIME"),
    (ScalingMetric::NumRecordsIn, "NUM_RECORDS_IN"),
    (ScalingMetric::NumRecordsOut, "NUM_RECORDS_OUT"),
    (
        ScalingMetric::NumRecordsInPerSecond,
        "NUM_RECORDS_IN_PER_SECOND",
    ),
    (ScalingMetric::Lag, "LAG"),
    (ScalingMetric::ObservedTpr, "OBSERVED_TPR"),
    (ScalingMetric::TrueProcessingRate, "TRUE_PROCESSING_RATE"),
    (ScalingMetric::TargetDataRate, "TARGET_DATA_RATE"),
    (ScalingMetric::CatchUpDataRate, "CATCH_UP_DATA_RATE"),
    (ScalingMetric::Parallelism, "PARALLELISM"),
    (
        ScalingMetric::RecommendedParallelism,
        "RECOMMENDED_PARALLELISM",
    ),
    (ScalingMetric::MaxParallelism, "MAX_PARALLELISM"),
    (ScalingMetric::NumSourcePartitions, "NUM_SOURCE_PARTITIONS"),
    (
        ScalingMetric::ScaleUpRateThreshold,
        "SCALE_UP_RATE_THRESHOLD",
    ),
    (
        ScalingMetric::ScaleDownRateThreshold,
        "SCALE_DOWN_RATE_THRESHOLD",
    ),
    (
        ScalingMetric::ExpectedProcessingRate,
        "EXPECTED_PROCESSING_RATE",
    ),
    (ScalingMetric::GcPressure, "GC_PRESSURE"),
    (ScalingMetric::HeapMaxUsageRatio, "HEAP_MAX_USAGE_RATIO"),
    (ScalingMetric::HeapMemoryUsed, "HEAP_MEMORY_USED"),
    (ScalingMetric::ManagedMemoryUsed, "MANAGED_MEMORY_USED"),
    (ScalingMetric::MetaspaceMemoryUsed, "METASPACE_MEMORY_USED"),
    (ScalingMetric::NumTaskSlotsUsed, "NUM_TASK_SLOTS_USED"),
];

impl ScalingMetric {
    /// Upstream's enum name, e.g. `TRUE_PROCESSING_RATE`.
    pub fn name(self) -> &'static str {
        ALL_METRICS
            .iter()
            .find(|(m, _)| *m == self)
            .map(|(_, n)| *n)
            .unwrap_or("UNKNOWN")
    }

    /// Reads upstream's enum name (case-insensitive).
    pub fn parse(name: &str) -> Option<ScalingMetric> {
        let name = name.trim();
        ALL_METRICS
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(m, _)| *m)
    }
}

/// Metric values of one vertex in one sample.
pub type VertexMetrics = BTreeMap<ScalingMetric, f64>;

/// One collected sample: per-vertex metrics and job-wide (task manager) metrics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample {
    /// Epoch milliseconds.
    pub t_ms: i64,
    pub vertices: BTreeMap<String, VertexMetrics>,
    pub global: BTreeMap<ScalingMetric, f64>,
}

impl Sample {
    pub fn new(t_ms: i64) -> Sample {
        Sample {
            t_ms,
            ..Sample::default()
        }
    }

    /// Sets one vertex metric (builder style).
    pub fn with(mut self, vertex: &str, metric: ScalingMetric, value: f64) -> Sample {
        self.vertices
            .entry(vertex.to_string())
            .or_default()
            .insert(metric, value);
        self
    }

    /// The value, or NaN when the vertex or metric is absent.
    pub fn get(&self, vertex: &str, metric: ScalingMetric) -> f64 {
        self.vertices
            .get(vertex)
            .and_then(|m| m.get(&metric))
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// Samples in time order, held as one column per (vertex, metric): a query looks its vertex up
/// once and then reads a slice, where a list of per-sample maps cost two map lookups per sample
/// (the replays of `simulate` and `tune` ask a window tens of times per decision). Duplicate
/// timestamps keep the later sample, as a sorted map would. The arithmetic over a column is the
/// same, in the same order, as over the samples.
///
/// Dropping the oldest samples only moves `start`; the rows before it are cut out of every
/// column once they outnumber the live ones, so a window kept across cycles moves no memory
/// per cycle. Row indices inside are physical (from 0), the API's are from `start`.
#[derive(Debug, Clone, Default)]
pub struct MetricWindow {
    times: Vec<i64>,
    /// The first live row.
    start: usize,
    /// Vertex id → position in `vertices`.
    index: BTreeMap<String, usize>,
    vertices: Vec<VertexColumns>,
    /// Job-wide metrics, by `ScalingMetric as usize`.
    global: Vec<Option<Column>>,
}

#[derive(Debug, Clone)]
struct VertexColumns {
    id: String,
    /// Whether the vertex is in each sample (it may be there with no metric).
    rows: Vec<bool>,
    /// By `ScalingMetric as usize`.
    metrics: Vec<Option<Column>>,
}

/// One metric over the samples: NaN where a sample lacks it, and whether it holds it (a NaN
/// value and no value read the same except for [`MetricWindow::latest_value`]).
#[derive(Debug, Clone, Default)]
struct Column {
    values: Vec<f64>,
    present: Vec<bool>,
}

impl Column {
    fn new(rows: usize) -> Column {
        Column {
            values: vec![f64::NAN; rows],
            present: vec![false; rows],
        }
    }

    fn set(&mut self, row: usize, value: f64) {
        self.values[row] = value;
        self.present[row] = true;
    }

    fn push_absent(&mut self) {
        self.values.push(f64::NAN);
        self.present.push(false);
    }

    fn clear_row(&mut self, row: usize) {
        self.values[row] = f64::NAN;
        self.present[row] = false;
    }

    fn drain_front(&mut self, n: usize) {
        self.values.drain(..n);
        self.present.drain(..n);
    }

    fn slice(&self, rows: std::ops::Range<usize>) -> Column {
        Column {
            values: self.values[rows.clone()].to_vec(),
            present: self.present[rows].to_vec(),
        }
    }

    fn get(&self, row: usize) -> Option<f64> {
        self.present[row].then(|| self.values[row])
    }
}

const METRIC_COUNT: usize = ALL_METRICS.len();

fn metric_slot(
    columns: &mut Vec<Option<Column>>,
    metric: ScalingMetric,
    rows: usize,
) -> &mut Column {
    if columns.len() < METRIC_COUNT {
        columns.resize_with(METRIC_COUNT, || None);
    }
    columns[metric as usize].get_or_insert_with(|| Column::new(rows))
}

impl PartialEq for MetricWindow {
    /// Windows are equal when they hold the same samples, however their columns were built.
    fn eq(&self, other: &MetricWindow) -> bool {
        self.to_samples() == other.to_samples()
    }
}

impl MetricWindow {
    pub fn new(mut samples: Vec<Sample>) -> MetricWindow {
        samples.sort_by_key(|s| s.t_ms);
        let mut w = MetricWindow::default();
        for s in samples {
            w.push_in_order(&s);
        }
        w
    }

    /// The samples, rebuilt (for tests and reports; queries read the columns).
    pub fn to_samples(&self) -> Vec<Sample> {
        let start = self.start;
        let mut out: Vec<Sample> = self.times().iter().map(|&t| Sample::new(t)).collect();
        for v in &self.vertices {
            for (i, s) in out.iter_mut().enumerate() {
                let row = start + i;
                if !v.rows[row] {
                    continue;
                }
                let m = s.vertices.entry(v.id.clone()).or_default();
                for (slot, c) in v.metrics.iter().enumerate() {
                    if let Some(value) = c.as_ref().and_then(|c| c.get(row)) {
                        m.insert(ALL_METRICS[slot].0, value);
                    }
                }
            }
        }
        for (slot, c) in self.global.iter().enumerate() {
            let Some(c) = c else { continue };
            for (i, s) in out.iter_mut().enumerate() {
                if let Some(value) = c.get(start + i) {
                    s.global.insert(ALL_METRICS[slot].0, value);
                }
            }
        }
        out
    }

    /// The sample times, oldest first.
    pub fn times(&self) -> &[i64] {
        &self.times[self.start..]
    }

    /// Appends `s` at or after the latest sample (replacing it when at the same time).
    fn push_in_order(&mut self, s: &Sample) {
        let row = self.open_row(s.t_ms);
        for (id, metrics) in &s.vertices {
            let v = self.vertex_mut(id);
            v.rows[row] = true;
            for (&metric, &value) in metrics {
                metric_slot(&mut v.metrics, metric, row + 1).set(row, value);
            }
        }
        for (&metric, &value) in &s.global {
            metric_slot(&mut self.global, metric, row + 1).set(row, value);
        }
    }

    /// The row of a sample at `t_ms`, not before the latest: a new empty row, or the latest
    /// one emptied when it has the same time.
    fn open_row(&mut self, t_ms: i64) -> usize {
        if self.latest_t_ms() == Some(t_ms) {
            let row = self.times.len() - 1;
            for v in &mut self.vertices {
                v.rows[row] = false;
                v.metrics
                    .iter_mut()
                    .flatten()
                    .for_each(|c| c.clear_row(row));
            }
            self.global
                .iter_mut()
                .flatten()
                .for_each(|c| c.clear_row(row));
            return row;
        }
        self.times.push(t_ms);
        for v in &mut self.vertices {
            v.rows.push(false);
            v.metrics.iter_mut().flatten().for_each(Column::push_absent);
        }
        self.global
            .iter_mut()
            .flatten()
            .for_each(Column::push_absent);
        self.times.len() - 1
    }

    fn vertex_mut(&mut self, id: &str) -> &mut VertexColumns {
        let k = self.vertex_position(id);
        &mut self.vertices[k]
    }

    fn vertex_position(&mut self, id: &str) -> usize {
        match self.index.get(id) {
            Some(&k) => k,
            None => {
                self.index.insert(id.to_string(), self.vertices.len());
                self.vertices.push(VertexColumns {
                    id: id.to_string(),
                    rows: vec![false; self.times.len()],
                    metrics: Vec::new(),
                });
                self.vertices.len() - 1
            }
        }
    }

    /// One vertex's columns, looked up once for several queries; a vertex the window does not
    /// hold reads as one without samples.
    pub fn vertex(&self, id: &str) -> VertexWindow<'_> {
        self.view(self.index.get(id).map(|&k| &self.vertices[k]))
    }

    fn view<'a>(&'a self, columns: Option<&'a VertexColumns>) -> VertexWindow<'a> {
        VertexWindow {
            times: self.times(),
            start: self.start,
            columns,
        }
    }

    /// [`MetricWindow::vertex`], trying the vertex added `hint`-th first (a caller that pushes
    /// its vertices in the order it reads them saves the id lookup).
    pub fn vertex_hinted(&self, id: &str, hint: usize) -> VertexWindow<'_> {
        match self.vertices.get(hint) {
            Some(v) if v.id == id => self.view(Some(v)),
            _ => self.vertex(id),
        }
    }

    fn global_column(&self, metric: ScalingMetric) -> Option<&Column> {
        self.global.get(metric as usize)?.as_ref()
    }

    /// Appends a sample taken after (or at) the latest one, which it then replaces, as `new`
    /// would order them: a window kept across cycles needs no copy per evaluation.
    pub fn push(&mut self, s: Sample) {
        match self.latest_t_ms() {
            Some(last) if last > s.t_ms => {
                let mut all = self.to_samples();
                all.retain(|o| o.t_ms != s.t_ms);
                all.push(s);
                *self = MetricWindow::new(all);
            }
            _ => self.push_in_order(&s),
        }
    }

    /// [`MetricWindow::push`] of a sample given as (vertex, metric, value) triples, without
    /// building its maps (the replay's autoscaler adds one per decision interval).
    pub fn push_values(&mut self, t_ms: i64, values: &[(&str, ScalingMetric, f64)]) {
        if self.latest_t_ms().is_some_and(|last| last > t_ms) {
            let s = values
                .iter()
                .fold(Sample::new(t_ms), |s, &(v, m, x)| s.with(v, m, x));
            self.push(s);
            return;
        }
        let row = self.open_row(t_ms);
        let mut last: Option<(&str, usize)> = None;
        for &(id, metric, value) in values {
            // Triples of one vertex come together, with the same `&str`, and a caller pushing
            // every cycle lists its vertices in the same order: try the next one first.
            let k = match last {
                Some((l, k)) if std::ptr::eq(l, id) => k,
                _ => {
                    let next = last.map_or(0, |(_, k)| k + 1);
                    match self.vertices.get(next) {
                        Some(v) if v.id == id => next,
                        _ => self.vertex_position(id),
                    }
                }
            };
            last = Some((id, k));
            let v = &mut self.vertices[k];
            v.rows[row] = true;
            metric_slot(&mut v.metrics, metric, row + 1).set(row, value);
        }
    }

    /// Drops the samples taken before `t_ms`.
    pub fn drop_before(&mut self, t_ms: i64) {
        self.start += self.times().partition_point(|&t| t < t_ms);
        if self.start > 0 && self.start >= self.len() {
            self.compact();
        }
    }

    /// Cuts the dropped rows out of every column.
    fn compact(&mut self) {
        let cut = self.start;
        self.start = 0;
        self.times.drain(..cut);
        for v in &mut self.vertices {
            v.rows.drain(..cut);
            v.metrics
                .iter_mut()
                .flatten()
                .for_each(|c| c.drain_front(cut));
        }
        self.global
            .iter_mut()
            .flatten()
            .for_each(|c| c.drain_front(cut));
    }

    pub fn clear(&mut self) {
        *self = MetricWindow::default();
    }

    pub fn len(&self) -> usize {
        self.times.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The latest sample's time.
    pub fn latest_t_ms(&self) -> Option<i64> {
        self.times().last().copied()
    }

    /// All vertex ids that appear in any sample.
    pub fn vertex_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .vertices
            .iter()
            .filter(|v| v.rows[self.start..].iter().any(|&r| r))
            .map(|v| v.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// The latest sample's value, when that sample holds it (upstream reads LAG this way).
    pub fn latest_value(&self, vertex: &str, metric: ScalingMetric) -> Option<f64> {
        self.vertex(vertex).latest_value(metric)
    }

    /// [`VertexWindow::rate`] of `vertex`.
    pub fn rate(&self, vertex: &str, metric: ScalingMetric) -> f64 {
        self.vertex(vertex).rate(metric)
    }

    /// [`VertexWindow::average`] of `vertex`.
    pub fn average(&self, vertex: &str, metric: ScalingMetric, min_finite: i64) -> f64 {
        self.vertex(vertex).average(metric, min_finite)
    }

    /// Average of a job-wide metric (same rules as [`MetricWindow::average`]).
    pub fn global_average(&self, metric: ScalingMetric) -> f64 {
        match self.global_column(metric) {
            Some(c) => average_of(c.values[self.start..].iter().copied(), 1),
            None => f64::NAN,
        }
    }

    /// Latest value of a job-wide metric, NaN when the latest sample lacks it.
    pub fn global_latest(&self, metric: ScalingMetric) -> f64 {
        if self.is_empty() {
            return f64::NAN;
        }
        let row = self.times.len() - 1;
        self.global_column(metric)
            .and_then(|c| c.get(row))
            .unwrap_or(f64::NAN)
    }

    /// The samples of `rows` (from the first live one), as a window of their own.
    fn rows(&self, rows: std::ops::Range<usize>) -> MetricWindow {
        let rows = self.start + rows.start..self.start + rows.end;
        let slice = |cs: &Vec<Option<Column>>| -> Vec<Option<Column>> {
            cs.iter()
                .map(|c| c.as_ref().map(|c| c.slice(rows.clone())))
                .collect()
        };
        MetricWindow {
            times: self.times[rows.clone()].to_vec(),
            start: 0,
            index: self.index.clone(),
            vertices: self
                .vertices
                .iter()
                .map(|v| VertexColumns {
                    id: v.id.clone(),
                    rows: v.rows[rows.clone()].to_vec(),
                    metrics: slice(&v.metrics),
                })
                .collect(),
            global: slice(&self.global),
        }
    }

    /// The rows with `from <= t <= to` (the times are sorted, so they are contiguous).
    fn between(&self, from: i64, to: i64) -> MetricWindow {
        let a = self.times().partition_point(|&t| t < from);
        let b = self.times().partition_point(|&t| t <= to).max(a);
        self.rows(a..b)
    }

    /// §3.3 window selection once the window is full: the samples in `[now − window, now]`.
    pub fn select(&self, now_ms: i64, window: DurationMs) -> MetricWindow {
        self.between(now_ms.saturating_sub(window.0), now_ms)
    }
}

/// The columns of one vertex of a [`MetricWindow`] (none for a vertex it does not hold).
#[derive(Debug, Clone, Copy)]
pub struct VertexWindow<'a> {
    /// The live sample times.
    times: &'a [i64],
    /// The physical row of `times[0]`.
    start: usize,
    columns: Option<&'a VertexColumns>,
}

impl<'a> VertexWindow<'a> {
    fn column(&self, metric: ScalingMetric) -> Option<&'a Column> {
        self.columns?.metrics.get(metric as usize)?.as_ref()
    }

    /// The latest sample's value, when that sample holds it (upstream reads LAG this way).
    pub fn latest_value(&self, metric: ScalingMetric) -> Option<f64> {
        let row = self.times.len().checked_sub(1)?;
        self.column(metric)?.get(self.start + row)
    }

    /// §5.1: `1000 · (last − first) / max(1, Δt ms)` over the first and last sample where the
    /// metric is defined; NaN with fewer than two.
    pub fn rate(&self, metric: ScalingMetric) -> f64 {
        let Some(c) = self.column(metric) else {
            return f64::NAN;
        };
        let mut defined = self
            .times
            .iter()
            .zip(&c.values[self.start..])
            .filter(|(_, v)| !v.is_nan());
        let Some((&t0, &first)) = defined.next() else {
            return f64::NAN;
        };
        let Some((&t1, &last)) = defined.next_back() else {
            return f64::NAN;
        };
        let dt = (t1.saturating_sub(t0)).max(1) as f64;
        1000.0 * (last - first) / dt
    }

    /// §5.2: mean of the finite samples; +∞ if the only defined ones are infinite; NaN if none are
    /// defined or fewer than `min_finite` are finite.
    pub fn average(&self, metric: ScalingMetric, min_finite: i64) -> f64 {
        match self.column(metric) {
            Some(c) => average_of(c.values[self.start..].iter().copied(), min_finite),
            None => average_of([], min_finite),
        }
    }
}

/// The outcome of §3.2–§3.4 window selection at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSelection {
    /// Samples a decision may use (empty or partial while the window fills).
    pub window: MetricWindow,
    /// `running_since + stabilization.interval`.
    pub stable_at_ms: i64,
    /// First sample at/after `stable_at` plus `metrics.window`; `now + metrics.window` without one.
    pub full_at_ms: i64,
    /// Whether a scaling decision may be taken (window full and at least 2 samples).
    pub ready: bool,
}

/// §3.2–§3.4: drops samples from before the job's last switch to RUNNING and from the
/// stabilization period, then keeps `[now − metrics.window, now]` once the window is full.
/// Before that, every stored sample is returned for reporting only (`ready = false`).
pub fn select_window(
    opts: &AutoscalerOptions,
    samples: &MetricWindow,
    running_since_ms: i64,
    now_ms: i64,
) -> WindowSelection {
    let stable_at_ms = running_since_ms.saturating_add(opts.stabilization_interval.0);
    let stored = samples.between(stable_at_ms.max(running_since_ms), now_ms);
    let full_at_ms = match stored.times().first() {
        Some(first) => first.saturating_add(opts.metrics_window.0),
        None => now_ms.saturating_add(opts.metrics_window.0),
    };
    if now_ms < full_at_ms {
        return WindowSelection {
            window: stored,
            stable_at_ms,
            full_at_ms,
            ready: false,
        };
    }
    let window = stored.select(now_ms, opts.metrics_window);
    let ready = window.len() >= 2;
    WindowSelection {
        window,
        stable_at_ms,
        full_at_ms,
        ready,
    }
}

/// §5.2 over plain values, for callers that hold a list rather than a window.
pub fn average_of(values: impl IntoIterator<Item = f64>, min_finite: i64) -> f64 {
    let mut sum = 0.0;
    let mut n: i64 = 0;
    let mut any_infinite = false;
    for v in values {
        if v.is_nan() {
            continue;
        }
        if v.is_infinite() {
            any_infinite = true;
            continue;
        }
        sum += v;
        n += 1;
    }
    if n == 0 {
        return if any_infinite {
            f64::INFINITY
        } else {
            f64::NAN
        };
    }
    if n < min_finite {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Min, max and average of a metric across the subtasks of a vertex (upstream's aggregated
/// subtask metric).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aggregates {
    pub min: f64,
    pub max: f64,
    pub avg: f64,
}

/// §4.2 LOAD sample: `max(0, agg(busyTimeMsPerSecond)) / 1000`, NaN when the metric is missing.
pub fn load_sample(busy_time_ms_per_s: Aggregates, aggregator: BusyTimeAggregator) -> f64 {
    let agg = match aggregator {
        BusyTimeAggregator::Max => busy_time_ms_per_s.max,
        BusyTimeAggregator::Min => busy_time_ms_per_s.min,
        BusyTimeAggregator::Avg => busy_time_ms_per_s.avg,
    };
    round_metric(java_max(0.0, agg) / 1000.0)
}

/// §4.2 busy-time metrics of one sample: LOAD from the aggregated busy time and the cumulative
/// ACCUMULATED_BUSY_TIME (the latter feeds the AVG aggregator's rate, §5.5), both rounded.
pub fn busy_metrics_sample(
    busy_time_ms_per_s: Aggregates,
    accumulated_busy_time: f64,
    aggregator: BusyTimeAggregator,
) -> VertexMetrics {
    let mut out = VertexMetrics::new();
    out.insert(
        ScalingMetric::Load,
        load_sample(busy_time_ms_per_s, aggregator),
    );
    out.insert(
        ScalingMetric::AccumulatedBusyTime,
        round_metric(accumulated_busy_time),
    );
    out
}

/// §4.2 NUM_RECORDS_IN of a source: the IO counter, else the summed `Source__*.numRecordsIn`,
/// else the summed `Source__*.numRecordsOut`; never negative. Legacy sources report 0 on the IO
/// counter, which is why the fallbacks exist.
pub fn source_records_in(io_records_in: f64, source_in_sum: f64, source_out_sum: f64) -> f64 {
    let positive = |x: f64| x > 0.0;
    let mut v = io_records_in;
    if !positive(v) {
        v = source_in_sum;
    }
    if !positive(v) {
        v = source_out_sum;
    }
    if v.is_nan() || v < 0.0 {
        0.0
    } else {
        v
    }
}

/// §4.3 formula: the rate a source would reach without back-pressure; NaN when it is fully
/// back-pressured (nothing can be inferred from a source that never runs).
pub fn observed_tpr_with_backpressure(records_in_per_s: f64, backpressured_ms_per_s: f64) -> f64 {
    if backpressured_ms_per_s >= 1000.0 {
        return f64::NAN;
    }
    records_in_per_s / (1.0 - backpressured_ms_per_s / 1000.0)
}

/// §4.3 one OBSERVED_TPR sample of a source, unrounded. `previous_average` is what
/// [`observed_tpr_previous_average`] gives for the earlier samples of the window.
pub fn observed_tpr_sample(
    opts: &AutoscalerOptions,
    lag: f64,
    source_records_in_per_s: f64,
    backpressured_ms_per_s: f64,
    previous_average: f64,
) -> f64 {
    let s = source_records_in_per_s;
    if s == 0.0 {
        // Idle source: unlimited capacity, so it may scale down.
        return f64::INFINITY;
    }
    let threshold = opts.observed_tpr_lag_threshold.whole_secs() as f64 * s;
    if lag >= threshold {
        let tpr = observed_tpr_with_backpressure(s, backpressured_ms_per_s);
        if !tpr.is_nan() {
            return tpr;
        }
    }
    previous_average
}

/// The running average a new OBSERVED_TPR sample falls back to (§4.3): the window average, NaN
/// with fewer than `observed-true-processing-rate.min-observations` finite samples.
pub fn observed_tpr_previous_average(
    opts: &AutoscalerOptions,
    window: &MetricWindow,
    vertex: &str,
) -> f64 {
    window.average(
        vertex,
        ScalingMetric::ObservedTpr,
        opts.observed_tpr_min_observations,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::options::Version;

    fn window() -> MetricWindow {
        MetricWindow::new(vec![
            Sample::new(3000)
                .with("v", ScalingMetric::NumRecordsIn, 4.0)
                .with("v", ScalingMetric::NumRecordsOut, 20.0),
            Sample::new(1000).with("v", ScalingMetric::NumRecordsIn, 0.0),
            Sample::new(2000)
                .with("v", ScalingMetric::NumRecordsIn, 0.0)
                .with("v", ScalingMetric::NumRecordsOut, 10.0),
        ])
    }

    #[test]
    fn rate_uses_first_and_last_defined_observation() {
        let w = window();
        assert_eq!(w.rate("v", ScalingMetric::NumRecordsIn), 2.0);
        assert_eq!(w.rate("v", ScalingMetric::NumRecordsOut), 10.0);
        assert!(w.rate("v", ScalingMetric::Lag).is_nan());
        assert!(w.rate("missing", ScalingMetric::NumRecordsIn).is_nan());
    }

    #[test]
    fn average_skips_nan_and_handles_infinity() {
        assert_eq!(average_of([1.0, f64::NAN, 3.0], 1), 2.0);
        assert_eq!(average_of([f64::INFINITY, f64::INFINITY], 1), f64::INFINITY);
        assert_eq!(average_of([f64::INFINITY, 4.0], 1), 4.0);
        assert!(average_of([], 1).is_nan());
        assert!(average_of([200.0, 400.0], 3).is_nan());
        assert_eq!(average_of([200.0, 400.0], 2), 300.0);
    }

    #[test]
    fn select_keeps_the_inclusive_window() {
        let w = window().select(3000, DurationMs(1000));
        assert_eq!(w.len(), 2);
        assert_eq!(w.times()[0], 2000);
    }

    #[test]
    fn window_waits_for_stabilization_and_a_full_window() {
        let mut o = AutoscalerOptions::defaults(Version::V1_15);
        o.stabilization_interval = DurationMs(1000);
        o.metrics_window = DurationMs(2000);
        let samples = MetricWindow::new((0..8).map(|i| Sample::new(i * 1000)).collect());
        // Running since t=1 s: stable at 2 s, first kept sample 2 s, full at 4 s.
        let early = select_window(&o, &samples, 1000, 3000);
        assert!(!early.ready);
        assert_eq!((early.stable_at_ms, early.full_at_ms), (2000, 4000));
        let full = select_window(&o, &samples, 1000, 5000);
        assert!(full.ready);
        let kept = full.window.times().to_vec();
        assert_eq!(kept, [3000, 4000, 5000]);
        let none = select_window(&o, &MetricWindow::default(), 0, 10_000);
        assert_eq!(none.full_at_ms, 12_000);
        assert!(!none.ready);
    }

    #[test]
    fn load_follows_the_aggregator() {
        let a = Aggregates {
            min: 100.0,
            max: 200.0,
            avg: 150.0,
        };
        assert_eq!(load_sample(a, BusyTimeAggregator::Max), 0.2);
        assert_eq!(load_sample(a, BusyTimeAggregator::Avg), 0.15);
        assert_eq!(load_sample(a, BusyTimeAggregator::Min), 0.1);
        let neg = Aggregates {
            min: -5.0,
            max: -5.0,
            avg: -5.0,
        };
        assert_eq!(load_sample(neg, BusyTimeAggregator::Max), 0.0);
        let nan = Aggregates {
            min: f64::NAN,
            max: f64::NAN,
            avg: f64::NAN,
        };
        assert!(load_sample(nan, BusyTimeAggregator::Max).is_nan());
    }

    #[test]
    fn observed_tpr_rules() {
        let o = AutoscalerOptions::defaults(Version::V1_15);
        assert_eq!(
            observed_tpr_sample(&o, 500.0, 0.0, 100.0, 1.0),
            f64::INFINITY
        );
        assert_eq!(observed_tpr_sample(&o, 0.0, 1000.0, 500.0, 123.0), 123.0);
        assert_eq!(observed_tpr_sample(&o, 1e7, 1000.0, 200.0, 123.0), 1250.0);
        assert_eq!(observed_tpr_sample(&o, 1e7, 1000.0, 1000.0, 123.0), 123.0);
        assert!(observed_tpr_with_backpressure(100.0, 1000.0).is_nan());
        assert_eq!(observed_tpr_with_backpressure(500.0, 0.0), 500.0);
    }

    #[test]
    fn source_records_in_falls_back() {
        assert_eq!(source_records_in(10.0, 5.0, 1.0), 10.0);
        assert_eq!(source_records_in(0.0, 5.0, 1.0), 5.0);
        assert_eq!(source_records_in(0.0, 0.0, 7.0), 7.0);
        assert_eq!(source_records_in(f64::NAN, f64::NAN, -3.0), 0.0);
    }

    /// The columns are indexed by `ScalingMetric as usize` and read back through `ALL_METRICS`.
    #[test]
    fn all_metrics_is_in_discriminant_order() {
        for (k, (m, _)) in ALL_METRICS.iter().enumerate() {
            assert_eq!(*m as usize, k, "{m:?}");
        }
    }

    mod columns {
        use super::*;
        use proptest::prelude::*;

        const METRICS: [ScalingMetric; 3] = [
            ScalingMetric::Load,
            ScalingMetric::NumRecordsIn,
            ScalingMetric::Lag,
        ];

        fn value() -> impl Strategy<Value = f64> {
            prop_oneof![
                Just(f64::NAN),
                Just(f64::INFINITY),
                (-5i32..50).prop_map(|n| n as f64 * 0.25),
            ]
        }

        fn sample() -> impl Strategy<Value = Sample> {
            (
                0i64..12,
                prop::collection::vec((0usize..2, 0usize..3, value()), 0..5),
                prop::option::of(value()),
            )
                .prop_map(|(t, cells, global)| {
                    let mut s = Sample::new(t * 1000);
                    for (v, m, x) in cells {
                        s = s.with(["a", "b"][v], METRICS[m], x);
                    }
                    if let Some(g) = global {
                        s.global.insert(ScalingMetric::HeapMaxUsageRatio, g);
                    }
                    s
                })
        }

        /// What the window held before it was columns: the samples, sorted, the later of two
        /// at one time kept.
        fn reference(mut samples: Vec<Sample>) -> Vec<Sample> {
            samples.sort_by_key(|s| s.t_ms);
            let mut out: Vec<Sample> = Vec::new();
            for s in samples {
                match out.last_mut() {
                    Some(last) if last.t_ms == s.t_ms => *last = s,
                    _ => out.push(s),
                }
            }
            out
        }

        fn same(a: f64, b: f64) -> bool {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }

        fn check(w: &MetricWindow, r: &[Sample]) -> Result<(), TestCaseError> {
            // Debug text: NaN is not equal to itself.
            prop_assert_eq!(format!("{:?}", w.to_samples()), format!("{r:?}"));
            for v in ["a", "b", "c"] {
                for m in METRICS {
                    let rate = {
                        let d: Vec<(i64, f64)> = r
                            .iter()
                            .map(|s| (s.t_ms, s.get(v, m)))
                            .filter(|(_, x)| !x.is_nan())
                            .collect();
                        match (d.first(), d.last()) {
                            (Some(a), Some(b)) if d.len() >= 2 => {
                                1000.0 * (b.1 - a.1) / (b.0 - a.0).max(1) as f64
                            }
                            _ => f64::NAN,
                        }
                    };
                    prop_assert!(same(w.rate(v, m), rate), "rate {} {:?}", v, m);
                    let avg = average_of(r.iter().map(|s| s.get(v, m)), 2);
                    prop_assert!(same(w.average(v, m, 2), avg), "average {} {:?}", v, m);
                    let latest = r
                        .last()
                        .and_then(|s| s.vertices.get(v))
                        .and_then(|x| x.get(&m))
                        .copied();
                    prop_assert_eq!(
                        w.latest_value(v, m).map(f64::to_bits),
                        latest.map(f64::to_bits)
                    );
                }
            }
            let g = ScalingMetric::HeapMaxUsageRatio;
            let gavg = average_of(
                r.iter()
                    .map(|s| s.global.get(&g).copied().unwrap_or(f64::NAN)),
                1,
            );
            prop_assert!(same(w.global_average(g), gavg));
            Ok(())
        }

        proptest! {
            /// Built at once, sample by sample, cut at a time, or selected: the same samples
            /// and the same aggregates, to the bit, as the list of samples gives.
            #[test]
            fn columns_read_as_the_samples_do(
                samples in prop::collection::vec(sample(), 0..10),
                cut in 0i64..13,
                now in 0i64..13,
                width in 0i64..6,
            ) {
                let r = reference(samples.clone());
                check(&MetricWindow::new(samples.clone()), &r)?;
                let mut pushed = MetricWindow::default();
                for s in samples.iter().cloned() {
                    pushed.push(s);
                }
                check(&pushed, &r)?;
                let mut cut_w = MetricWindow::new(samples.clone());
                cut_w.drop_before(cut * 1000);
                let cut_r: Vec<Sample> = r.iter().filter(|s| s.t_ms >= cut * 1000).cloned().collect();
                check(&cut_w, &cut_r)?;
                let sel = MetricWindow::new(samples).select(now * 1000, DurationMs(width * 1000));
                let sel_r: Vec<Sample> = r
                    .iter()
                    .filter(|s| s.t_ms >= (now - width) * 1000 && s.t_ms <= now * 1000)
                    .cloned()
                    .collect();
                check(&sel, &sel_r)?;
            }

            /// Pushes and drops interleaved, as a replay keeps its window: the dropped rows
            /// stay in the columns until compaction, and must never be read.
            #[test]
            fn a_window_kept_across_cycles_reads_as_its_samples(
                samples in prop::collection::vec(sample(), 0..16),
                drops in prop::collection::vec(0i64..13, 0..16),
                now in 0i64..13,
                width in 0i64..6,
            ) {
                let mut live = MetricWindow::default();
                let mut live_r: Vec<Sample> = Vec::new();
                for (i, s) in samples.into_iter().enumerate() {
                    live.push(s.clone());
                    live_r.push(s);
                    live_r = reference(live_r);
                    if let Some(&d) = drops.get(i) {
                        live.drop_before(d * 1000);
                        live_r.retain(|x| x.t_ms >= d * 1000);
                    }
                    check(&live, &live_r)?;
                    let sel_r: Vec<Sample> = live_r
                        .iter()
                        .filter(|s| s.t_ms >= (now - width) * 1000 && s.t_ms <= now * 1000)
                        .cloned()
                        .collect();
                    check(&live.select(now * 1000, DurationMs(width * 1000)), &sel_r)?;
                }
            }
        }
    }

    #[test]
    fn scaling_metric_names_roundtrip() {
        assert!(scaling_metric_roundtrip());
    }

    fn scaling_metric_roundtrip() -> bool {
        ALL_METRICS
            .iter()
            .all(|(m, n)| ScalingMetric::parse(n) == Some(*m) && m.name() == *n)
    }
}
