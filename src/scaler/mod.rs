//! The Flink autoscaler's decision (spec/scaling.md), as pure functions over numbers.
//!
//! Floor 3 of the layering: nothing here reads files or prints. Callers hand in options
//! ([`AutoscalerOptions`]), a job graph ([`Topology`]) and a window of collected samples
//! ([`MetricWindow`]); they get back an [`Evaluation`] (§5) and a [`JobDecision`] (§6–§7) that
//! carries, per vertex, the numbers and the bounds ([`Limit`]) needed to explain it. State that
//! upstream keeps between cycles lives in [`ScalerState`], so a one-window `recommend` starts from
//! the default state and a simulation carries one across cycles. The reference behaviour is
//! release 1.15.0; `main` differences sit behind [`Version::Main`].
//!
//! One window, one decision per vertex:
//!
//! ```
//! use planscale::scaler::*;
//!
//! let opts = AutoscalerOptions::from_map(Version::V1_15, [
//!     ("job.autoscaler.utilization.target", "0.8"),
//!     ("job.autoscaler.catch-up.duration", "2s"),
//! ]).unwrap();
//! let topology = Topology::new(vec![VertexInfo {
//!     id: "src".into(), parallelism: 1, max_parallelism: 128,
//!     num_source_partitions: 0, inputs: vec![],
//! }]).unwrap();
//! let window = MetricWindow::new((0..4).map(|i| {
//!     Sample::new(i * 1000)
//!         .with("src", ScalingMetric::NumRecordsIn, 500.0 * i as f64)
//!         .with("src", ScalingMetric::Lag, 2000.0)
//!         .with("src", ScalingMetric::Load, 0.85)
//! }).collect());
//! let evaluation = evaluate(&opts, &topology, &window, 1.0).unwrap();
//! let decision = decide_job_for_evaluation(
//!     &opts, &evaluation, 1.0, &mut ScalerState::default(), 3000);
//! assert_eq!(decision.scaled_vertices["src"], 4);
//! ```

pub mod align;
pub mod evaluate;
pub mod job;
pub mod metrics;
pub mod numeric;
pub mod options;
pub mod state;
pub mod topology;
pub mod vertex;

pub use align::{align, AlignInput, AlignmentBasis, AlignmentOutcome, AlignmentStep};
pub use evaluate::{
    busy_time_ms_per_s, edge_data_rate, edge_output_ratio, evaluate, evaluate_into,
    is_processing_backlog, rate_thresholds, target_capacity, tpr_input_rate, true_processing_rate,
    utilization_band, EvaluateError, EvaluatedVertex, Evaluation, GlobalMetrics, Thresholds,
    TprSource,
};
pub use job::{
    decide_job, decide_job_for_evaluation, decide_job_into, memory_pressure, restart_time, Cycle,
    JobDecision, JobOutcome, JobVertexInput, JobVertexResult, VertexStatus,
};
pub use metrics::{
    average_of, busy_metrics_sample, load_sample, observed_tpr_previous_average,
    observed_tpr_sample, observed_tpr_with_backpressure, source_records_in, Aggregates,
    MetricWindow, Sample, ScalingMetric, VertexMetrics, VertexWindow,
};
pub use options::{
    parse_duration, AlignmentMode, AutoscalerOptions, BusyTimeAggregator, DurationMs,
    LegacyAdjustMode, OptionsError, Version,
};
pub use state::{
    DelayedScaleDown, RecommendedParallelism, RestartTracking, ScalerState, ScalingHistory,
    ScalingRecord, VertexDelayedScaleDown,
};
pub use topology::{Input, ShipStrategy, Topology, TopologyError, VertexInfo};
pub use vertex::{
    decide_vertex, scale, scaling_coefficient, Action, DecisionReason, IneffectiveScaling, Limit,
    ScaleError, ScaleInput, ScaleOutcome, VertexDecision, VertexInput,
};
