//! Recorded metric samples turned into the autoscaler's per-sample scaling metrics
//! (scaling.md §4.2–§4.3).
//!
//! Exports from Flink's REST API and Prometheus carry per-second gauges, not the cumulative
//! counters the autoscaler differences over its window; `metrics::cumulative_series` rebuilds
//! them, and `Converted::integrated` lets the output say so.

use crate::metrics::{self, Provenance, Sample as Recorded, VertexSeries};
use crate::scaler::{self, Aggregates, AutoscalerOptions, MetricWindow, Sample, ScalingMetric};

/// What converting one vertex's samples found out.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Converted {
    pub integrated: bool,
    /// Busy time never reported (legacy sources): the autoscaler excludes such a vertex.
    pub busy_missing: bool,
    /// A source that reports no backlog metric (`pendingRecords`).
    pub lag_missing: bool,
    /// Average back-pressured ms/s over the window.
    pub backpressured_avg: f64,
    /// Average observed output rate (records/s).
    pub observed_rate: f64,
}

/// Adds one vertex's samples to `by_time` (timestamp → sample of all vertices).
pub fn add_vertex(
    opts: &AutoscalerOptions,
    vertex_id: &str,
    is_source: bool,
    series: &VertexSeries,
    from_ms: i64,
    by_time: &mut std::collections::BTreeMap<i64, Sample>,
) -> Converted {
    let from = series.samples.partition_point(|s| s.t_ms <= from_ms);
    let samples: &[Recorded] = &series.samples[from..];
    let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
    let zero = |x: Option<f64>| x.filter(|v| v.is_finite()).unwrap_or(0.0);
    let per_s_in = |s: &Recorded| {
        if is_source {
            scaler::source_records_in(
                zero(s.records_in_per_s),
                zero(s.source_records_in_per_s),
                zero(s.source_records_out_per_s),
            )
        } else {
            zero(s.records_in_per_s)
        }
    };
    let cumulative = metrics::cumulative_series(samples);
    let records_in = cumulative.num_records_in(is_source);
    let records_out = cumulative.num_records_out();
    let integrated = [records_in, records_out]
        .iter()
        .any(|c| c.provenance == Provenance::Integrated);
    let mut out = Converted {
        integrated,
        busy_missing: samples
            .iter()
            .all(|s| !s.busy_max.or(s.busy_avg).is_some_and(f64::is_finite)),
        lag_missing: is_source && samples.iter().all(|s| s.pending_records.is_none()),
        ..Converted::default()
    };
    let n = samples.len().max(1) as f64;
    out.backpressured_avg = samples
        .iter()
        .map(|s| zero(s.backpressured_avg))
        .sum::<f64>()
        / n;
    out.observed_rate = samples
        .iter()
        .map(|s| zero(s.records_out_per_s))
        .sum::<f64>()
        / n;

    let mut observed: Vec<f64> = Vec::new();
    for (k, s) in samples.iter().enumerate() {
        let busy = Aggregates {
            min: v(s.busy_avg.or(s.busy_max)),
            max: v(s.busy_max.or(s.busy_avg)),
            avg: v(s.busy_avg.or(s.busy_max)),
        };
        let mut entry = by_time
            .remove(&s.t_ms)
            .unwrap_or_else(|| Sample::new(s.t_ms));
        entry = entry
            .with(
                vertex_id,
                ScalingMetric::Load,
                scaler::load_sample(busy, opts.busy_time_aggregator),
            )
            .with(
                vertex_id,
                ScalingMetric::NumRecordsIn,
                v(records_in.values[k]),
            )
            .with(
                vertex_id,
                ScalingMetric::NumRecordsOut,
                v(records_out.values[k]),
            );
        if let Some(acc) = s.accumulated_busy_ms {
            entry = entry.with(vertex_id, ScalingMetric::AccumulatedBusyTime, acc);
        }
        if is_source {
            // Upstream's LAG is 0 when the source reports no backlog metric (§4.2).
            let lag = zero(s.pending_records);
            entry = entry.with(vertex_id, ScalingMetric::Lag, lag);
            let prev =
                scaler::average_of(observed.iter().copied(), opts.observed_tpr_min_observations);
            let tpr = scaler::observed_tpr_sample(
                opts,
                lag,
                per_s_in(s),
                zero(s.backpressured_avg),
                prev,
            );
            observed.push(tpr);
            entry = entry.with(vertex_id, ScalingMetric::ObservedTpr, tpr);
        } else if let Some(r) = s.records_in_per_s {
            entry = entry.with(vertex_id, ScalingMetric::NumRecordsInPerSecond, r);
        }
        by_time.insert(s.t_ms, entry);
    }
    out
}

/// The scaler's window from the per-timestamp samples.
pub fn window(by_time: std::collections::BTreeMap<i64, Sample>) -> MetricWindow {
    MetricWindow::new(by_time.into_values().collect())
}
