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

/// Samples in time order. Duplicate timestamps keep the later sample, as a sorted map would.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricWindow {
    samples: Vec<Sample>,
}

impl MetricWindow {
    pub fn new(mut samples: Vec<Sample>) -> MetricWindow {
        samples.sort_by_key(|s| s.t_ms);
        let mut deduped: Vec<Sample> = Vec::with_capacity(samples.len());
        for s in samples {
            match deduped.last_mut() {
                Some(last) if last.t_ms == s.t_ms => *last = s,
                _ => deduped.push(s),
            }
        }
        MetricWindow { samples: deduped }
    }

    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Appends a sample taken after (or at) the latest one, which it then replaces, as `new`
    /// would order them: a window kept across cycles needs no copy per evaluation.
    pub fn push(&mut self, s: Sample) {
        match self.samples.last_mut() {
            Some(last) if last.t_ms == s.t_ms => *last = s,
            Some(last) if last.t_ms > s.t_ms => {
                let mut all = std::mem::take(&mut self.samples);
                all.push(s);
                *self = MetricWindow::new(all);
            }
            _ => self.samples.push(s),
        }
    }

    /// Drops the samples taken before `t_ms`.
    pub fn drop_before(&mut self, t_ms: i64) {
        let cut = self.samples.partition_point(|s| s.t_ms < t_ms);
        self.samples.drain(..cut);
    }

    pub fn clear(&mut self) {
        self.samples.clear();
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn latest(&self) -> Option<&Sample> {
        self.samples.last()
    }

    /// All vertex ids that appear in any sample.
    pub fn vertex_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .samples
            .iter()
            .flat_map(|s| s.vertices.keys().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The latest sample's value, when that sample holds it (upstream reads LAG this way).
    pub fn latest_value(&self, vertex: &str, metric: ScalingMetric) -> Option<f64> {
        self.latest()
            .and_then(|s| s.vertices.get(vertex))
            .and_then(|m| m.get(&metric))
            .copied()
    }

    /// §5.1: `1000 · (last − first) / max(1, Δt ms)` over the first and last sample where the
    /// metric is defined; NaN with fewer than two.
    pub fn rate(&self, vertex: &str, metric: ScalingMetric) -> f64 {
        let mut defined = self
            .samples
            .iter()
            .map(|s| (s.t_ms, s.get(vertex, metric)))
            .filter(|(_, v)| !v.is_nan());
        let Some((t0, first)) = defined.next() else {
            return f64::NAN;
        };
        let Some((t1, last)) = defined.next_back() else {
            return f64::NAN;
        };
        let dt = (t1.saturating_sub(t0)).max(1) as f64;
        1000.0 * (last - first) / dt
    }

    /// §5.2: mean of the finite samples; +∞ if the only defined ones are infinite; NaN if none are
    /// defined or fewer than `min_finite` are finite.
    pub fn average(&self, vertex: &str, metric: ScalingMetric, min_finite: i64) -> f64 {
        average_of(
            self.samples.iter().map(|s| s.get(vertex, metric)),
            min_finite,
        )
    }

    /// Average of a job-wide metric (same rules as [`MetricWindow::average`]).
    pub fn global_average(&self, metric: ScalingMetric) -> f64 {
        average_of(
            self.samples
                .iter()
                .map(|s| s.global.get(&metric).copied().unwrap_or(f64::NAN)),
            1,
        )
    }

    /// Latest value of a job-wide metric, NaN when the latest sample lacks it.
    pub fn global_latest(&self, metric: ScalingMetric) -> f64 {
        self.latest()
            .and_then(|s| s.global.get(&metric))
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// §3.3 window selection once the window is full: the samples in `[now − window, now]`.
    pub fn select(&self, now_ms: i64, window: DurationMs) -> MetricWindow {
        let start = now_ms.saturating_sub(window.0);
        MetricWindow {
            samples: self
                .samples
                .iter()
                .filter(|s| s.t_ms >= start && s.t_ms <= now_ms)
                .cloned()
                .collect(),
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
    let stored: Vec<Sample> = samples
        .samples()
        .iter()
        .filter(|s| s.t_ms >= stable_at_ms && s.t_ms >= running_since_ms && s.t_ms <= now_ms)
        .cloned()
        .collect();
    let full_at_ms = match stored.first() {
        Some(first) => first.t_ms.saturating_add(opts.metrics_window.0),
        None => now_ms.saturating_add(opts.metrics_window.0),
    };
    let stored = MetricWindow { samples: stored };
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
        assert_eq!(w.samples()[0].t_ms, 2000);
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
        let kept: Vec<i64> = full.window.samples().iter().map(|s| s.t_ms).collect();
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
