//! What reading a metrics file produces: per vertex, the samples inside the evaluation window.
//!
//! A [`Sample`] is one timestamp of one vertex after aggregation over subtasks (and operators);
//! every value is optional because any metric may be missing or "not reported" (NaN, empty,
//! null), and a missing value must stay distinguishable from 0 (a legacy source's busy time is
//! NaN, which makes the autoscaler exclude the vertex, scaling.md §4.1). Values are as exported:
//! no rounding, no unit conversion (ms/s stay ms/s).

use super::header::Shape;
use super::names::{Field, FIELD_COUNT};
use super::parallelism::Rescale;

/// One vertex at one timestamp. Per-second rates are summed over subtasks, busy/back-pressured/
/// idle times are per subtask (ms per second, 0..1000) as named.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Sample {
    /// Epoch milliseconds.
    pub t_ms: i64,
    /// From the `parallelism` column, else the `parallelism` metric.
    pub parallelism: Option<i64>,
    /// `busyTimeMsPerSecond` of the busiest subtask: LOAD × 1000 for the default MAX aggregator.
    pub busy_max: Option<f64>,
    /// `busyTimeMsPerSecond` averaged over subtasks.
    pub busy_avg: Option<f64>,
    pub backpressured_avg: Option<f64>,
    pub idle_avg: Option<f64>,
    /// Task-level `numRecordsInPerSecond`, summed.
    pub records_in_per_s: Option<f64>,
    pub records_out_per_s: Option<f64>,
    /// `Source__*.numRecordsInPerSecond`, summed over subtasks and source operators.
    pub source_records_in_per_s: Option<f64>,
    pub source_records_out_per_s: Option<f64>,
    /// `pendingRecords` (source backlog), summed.
    pub pending_records: Option<f64>,
    /// `currentFetchEventTimeLag`, max over subtasks (ms).
    pub fetch_lag_max: Option<f64>,
    pub emit_lag_max: Option<f64>,
    /// Cumulative counters, when the file has them (`numRecordsIn`, `numRecordsOut`,
    /// `Source__*.numRecordsIn/Out`, `accumulateBusyTimeMs`), summed.
    pub records_in: Option<f64>,
    pub records_out: Option<f64>,
    pub source_records_in: Option<f64>,
    pub source_records_out: Option<f64>,
    pub accumulated_busy_ms: Option<f64>,
}

impl Sample {
    pub(crate) fn from_fields(
        t_ms: i64,
        column_parallelism: Option<i64>,
        f: &[Option<f64>; FIELD_COUNT],
    ) -> Sample {
        let get = |field: Field| f[field.index()];
        let metric_parallelism = get(Field::Parallelism)
            .filter(|p| p.is_finite())
            .map(|p| p.round() as i64);
        Sample {
            t_ms,
            parallelism: column_parallelism.or(metric_parallelism),
            busy_max: get(Field::BusyMax),
            busy_avg: get(Field::BusyAvg),
            backpressured_avg: get(Field::BackPressuredAvg),
            idle_avg: get(Field::IdleAvg),
            records_in_per_s: get(Field::RecordsInPerS),
            records_out_per_s: get(Field::RecordsOutPerS),
            source_records_in_per_s: get(Field::SourceRecordsInPerS),
            source_records_out_per_s: get(Field::SourceRecordsOutPerS),
            pending_records: get(Field::PendingRecords),
            fetch_lag_max: get(Field::FetchLagMax),
            emit_lag_max: get(Field::EmitLagMax),
            records_in: get(Field::RecordsIn),
            records_out: get(Field::RecordsOut),
            source_records_in: get(Field::SourceRecordsIn),
            source_records_out: get(Field::SourceRecordsOut),
            accumulated_busy_ms: get(Field::AccumulatedBusyMs),
        }
    }
}

/// One job vertex: its samples inside the window, in time order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VertexSeries {
    /// The vertex column's value (job vertex id, vertex name or plan node id).
    pub key: String,
    /// The `vertex_name` column at the latest row that had one.
    pub name: Option<String>,
    /// Parallelism at the latest observation up to the window end (rows before the window
    /// count), `None` when the file never says.
    pub parallelism: Option<i64>,
    /// The last parallelism change in the file up to the window end, if any.
    pub rescale: Option<Rescale>,
    /// Samples in `[window_start_ms, window_end_ms]`, ascending `t_ms`, one per timestamp.
    pub samples: Vec<Sample>,
    /// Per Flink metric: how many values were explicitly "not reported" (NaN, null; in long
    /// files also empty), over the whole file for this vertex. Only non-zero entries.
    pub not_reported: Vec<(&'static str, u64)>,
    /// Distinct Kafka/Pulsar partitions the vertex's metric names show (upstream's
    /// `ScalingMetricCollector` counts them the same way); 0 when none.
    pub num_source_partitions: i64,
}

impl VertexSeries {
    /// The name for messages: the vertex name when known, else the key.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.key)
    }

    /// The samples the autoscaler would still hold: those after the last observation of the old
    /// parallelism (its history is reset by the restart a rescale causes, scaling.md §3.4).
    pub fn samples_since_rescale(&self) -> &[Sample] {
        match self.rescale {
            Some(r) => {
                let from = self.samples.partition_point(|s| s.t_ms <= r.last_old_ms);
                &self.samples[from..]
            }
            None => &self.samples,
        }
    }
}

/// Counters of the read, for `--verbose` and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadStats {
    /// Data rows read (header excluded), all jobs.
    pub rows: u64,
    /// Values of used metrics stored (long: rows, wide: non-empty cells).
    pub values: u64,
    /// Values of used metrics that were NaN, null, or empty (empty wide cells are not counted:
    /// they mean the vertex lacks the metric).
    pub skipped_not_reported: u64,
    /// Values that replaced an earlier one with the same timestamp, vertex, subtask and metric.
    pub duplicates: u64,
    /// Values of metrics planscale does not use.
    pub unknown_metrics: u64,
    /// Distinct names behind `unknown_metrics`, sorted, at most [`MAX_LISTED_NAMES`].
    pub unknown_metric_names: Vec<String>,
    /// Values of known metrics at an aggregation or scope planscale does not need (e.g.
    /// `numRecordsInPerSecond.avg` when the `.sum` is used).
    pub unused_aggregations: u64,
    /// Values of used metrics outside the window (older than its start or after `at`).
    pub outside_window: u64,
    /// Rows of other jobs, skipped by `--job`.
    pub other_jobs: u64,
}

/// At most this many unknown metric names are kept for messages.
pub const MAX_LISTED_NAMES: usize = 50;

/// The result of [`read_metrics`](super::read_metrics).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MetricWindow {
    pub shape: Shape,
    /// The job the rows belong to, when the file has a job column.
    pub job: Option<String>,
    /// Every vertex of the job that appears in the file, in order of first appearance; a vertex
    /// with rows only outside the window has no samples.
    pub vertices: Vec<VertexSeries>,
    /// `[window_start_ms, window_end_ms]`, inclusive at both ends (scaling.md §3.3).
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    /// Earliest and latest timestamp of the job's rows in the file (before windowing).
    pub file_start_ms: i64,
    pub file_end_ms: i64,
    /// Things the user should see (duplicates, unreported busy time, vertices without samples).
    pub warnings: Vec<crate::metrics::ReadWarning>,
    /// Things `--verbose` shows (ignored metrics, rows outside the window, rescales).
    pub notes: Vec<String>,
    pub stats: ReadStats,
}

impl MetricWindow {
    /// A vertex by key, else by name.
    pub fn vertex(&self, key_or_name: &str) -> Option<&VertexSeries> {
        self.vertices
            .iter()
            .find(|v| v.key == key_or_name)
            .or_else(|| {
                self.vertices
                    .iter()
                    .find(|v| v.name.as_deref() == Some(key_or_name))
            })
    }

    /// When the job last restarted for a rescale, as far as the file shows: the latest
    /// `last_old_ms` over all vertices (a rescale of one vertex restarts the whole job, so
    /// every vertex's history before it is void).
    pub fn last_rescale(&self) -> Option<Rescale> {
        self.vertices
            .iter()
            .filter_map(|v| v.rescale)
            .max_by_key(|r| r.last_old_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_since_rescale_drop_the_old_run() {
        let v = VertexSeries {
            key: "v".into(),
            name: None,
            parallelism: Some(6),
            rescale: Some(Rescale {
                from: 2,
                to: 6,
                last_old_ms: 20,
                first_new_ms: Some(30),
            }),
            samples: [10, 20, 30, 40]
                .iter()
                .map(|&t| Sample {
                    t_ms: t,
                    ..Sample::default()
                })
                .collect(),
            not_reported: vec![],
            num_source_partitions: 0,
        };
        let kept: Vec<i64> = v.samples_since_rescale().iter().map(|s| s.t_ms).collect();
        assert_eq!(kept, vec![30, 40]);
        assert_eq!(v.display_name(), "v");
    }
}
