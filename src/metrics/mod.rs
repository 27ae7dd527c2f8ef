//! Metric ingestion (spec/metrics.md): metric CSV files, long or wide, streamed into a bounded
//! per-vertex window for `recommend` (spec/scaling.md §3.3, §4), or handed over sample by sample
//! in time order for `simulate` ([`stream_metrics`]).
//!
//! Data flows one way: [`header`] decides the file's shape and column roles; [`reader`] streams
//! the records, resolving metric names with [`names`] and timestamps with [`time`], and folds each
//! value into a [`cell`] of the bounded [`window`] store; at the end the cells in the window are
//! aggregated into [`Sample`]s ([`series`]), parallelism changes are placed ([`parallelism`]),
//! and [`cumulative`] turns per-second gauges into the cumulative counters the autoscaler's rates
//! are computed from.
//!
//! Invariants: memory depends on vertices × timestamps in the window, never on the number of
//! rows; unusable input is an [`InputError`](crate::error::InputError) naming the file (and line and column where one row is
//! at fault), never a panic; "not reported" values stay distinguishable from zero.
//!
//! ```no_run
//! use planscale::metrics::{read_metrics, ReadOptions};
//!
//! let window = read_metrics("metrics.csv", &ReadOptions::default())?;
//! for v in &window.vertices {
//!     let busiest = v.samples.last().and_then(|s| s.busy_max);
//!     println!("{}: p={:?} busy={busiest:?}", v.display_name(), v.parallelism);
//! }
//! # Ok::<(), planscale::error::InputError>(())
//! ```

pub mod bound;
pub mod cell;
pub mod cumulative;
pub mod header;
pub mod intern;
pub mod location;
pub mod names;
pub mod parallelism;
pub mod reader;
pub mod series;
pub mod time;
pub mod warning;
pub mod window;

pub use cumulative::{
    cumulative_series, integrate_trapezoid, Cumulative, CumulativeSeries, Provenance,
};
pub use header::Shape;
pub use parallelism::Rescale;
pub use reader::{
    read_metrics, read_metrics_from, stream_metrics, stream_metrics_from, SampleSink,
    STREAM_HORIZON_MS,
};
pub use series::{MetricWindow, ReadStats, Sample, VertexSeries};
pub use warning::{ReadWarning, VertexLabel};

/// The autoscaler's default `job.autoscaler.metrics.window` (15 min).
pub const DEFAULT_WINDOW_MS: i64 = 15 * 60 * 1000;

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Window end (epoch ms, inclusive); `None` = the largest timestamp in the file. Rows after
    /// it are ignored entirely, also for parallelism (they are the future).
    pub at_ms: Option<i64>,
    /// Window length; the window is `[end − window_ms, end]`. Must not be negative.
    pub window_ms: i64,
    /// The job to read when the file has a job column with several ids.
    pub job: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            at_ms: None,
            window_ms: DEFAULT_WINDOW_MS,
            job: None,
        }
    }
}
