//! The job decision (scaling.md §7): memory-pressure gate, excluded vertices, the "any vertex
//! outside its band" gate, restart time, and recording an executed rescale in the carried state.
//!
//! A job rescales all changed vertices together or none: a vertex inside its band still moves if
//! some other vertex is outside, and nothing moves if none is. Excluded vertices (and vertices of
//! a job under memory pressure) are decided on a scratch copy of the state only, so the report can
//! say what they *would* do without disturbing pending scale-downs.

use std::collections::BTreeMap;

use super::evaluate::{evaluate_into, rate_thresholds, EvaluateError, Evaluation, GlobalMetrics};
use super::metrics::MetricWindow;
use super::numeric::floor;
use super::options::AutoscalerOptions;
use super::state::{ScalerState, ScalingRecord};
use super::topology::Topology;
use super::vertex::{decide_vertex_within, Limit, VertexDecision, VertexInput};

/// One vertex of a job decision.
#[derive(Debug, Clone, PartialEq)]
pub struct JobVertexInput {
    pub id: String,
    pub input: VertexInput,
}

/// What happened to one vertex at job level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VertexStatus {
    /// In the summary: its parallelism changes.
    Scaled,
    /// Its own decision is "no change".
    Unchanged,
    /// It would change, but no changed vertex is outside its band.
    WithinBand,
    /// Listed in `vertex.exclude.ids`.
    Excluded,
    /// The job is under memory pressure.
    MemoryPressure,
}

/// Per-vertex line of a job decision.
#[derive(Debug, Clone, PartialEq)]
pub struct JobVertexResult {
    pub id: String,
    pub status: VertexStatus,
    pub decision: VertexDecision,
}

impl JobVertexResult {
    /// The bound that explains the job-level outcome first, then the vertex's own limits.
    pub fn limits(&self) -> Vec<Limit> {
        let mut out = Vec::new();
        match self.status {
            VertexStatus::Excluded => out.push(Limit::Excluded),
            VertexStatus::MemoryPressure => out.push(Limit::MemoryPressure),
            VertexStatus::WithinBand => out.push(Limit::UtilizationBand),
            VertexStatus::Scaled | VertexStatus::Unchanged => {}
        }
        out.extend(self.decision.limits.iter().copied());
        out
    }
}

/// Why the job does or does not rescale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JobOutcome {
    /// At least one changed vertex is outside its band: the summary applies.
    Rescale,
    /// No vertex changes.
    NoChange,
    /// Vertices would change, but all are inside their bands.
    AllWithinTarget,
    /// GC or heap above its threshold (§7.2).
    MemoryPressure { gc_pressure: f64, heap_usage: f64 },
}

/// The job-level decision.
#[derive(Debug, Clone, PartialEq)]
pub struct JobDecision {
    /// In the order the vertices were given (topological for an evaluation).
    pub vertices: Vec<JobVertexResult>,
    /// The summary: vertex id → new parallelism. Empty unless `rescale`.
    pub scaled_vertices: BTreeMap<String, i64>,
    pub rescale: bool,
    pub outcome: JobOutcome,
    /// False in advisor mode (`scaling.enabled = false`): the summary is only reported.
    pub apply: bool,
}

/// §7.2 memory pressure: latest GC share or average heap usage above its threshold.
pub fn memory_pressure(opts: &AutoscalerOptions, global: &GlobalMetrics) -> Option<JobOutcome> {
    if global.gc_pressure > opts.gc_pressure_threshold
        || global.heap_max_usage_ratio > opts.heap_usage_threshold
    {
        Some(JobOutcome::MemoryPressure {
            gc_pressure: global.gc_pressure,
            heap_usage: global.heap_max_usage_ratio,
        })
    } else {
        None
    }
}

/// §7.6 restart time in seconds: the configured `restart.time`, or with tracking enabled the
/// largest tracked restart capped at `restart.time-tracking.limit` (configured value when nothing
/// was tracked). Whole seconds, like upstream.
pub fn restart_time(opts: &AutoscalerOptions, tracked_restart_s: &[f64]) -> f64 {
    let configured = opts.restart_time.whole_secs() as f64;
    if !opts.restart_time_tracking_enabled {
        return configured;
    }
    let max = tracked_restart_s
        .iter()
        .filter(|d| !d.is_nan())
        .map(|&d| floor(d))
        .fold(None, |acc: Option<f64>, d| {
            Some(acc.map_or(d, |a| a.max(d)))
        });
    match max {
        Some(m) => m.min(opts.restart_time_tracking_limit.whole_secs() as f64),
        None => configured,
    }
}

/// §7.2 decision for a job. `global` enables the memory-pressure gate. Pending scale-downs in
/// `state` are updated; history is read (trimmed at `now_ms`) but not written — see
/// [`ScalerState::record_rescale`].
pub fn decide_job(
    opts: &AutoscalerOptions,
    vertices: &[JobVertexInput],
    global: Option<&GlobalMetrics>,
    state: &mut ScalerState,
    now_ms: i64,
) -> JobDecision {
    let mut out = JobDecision::default();
    decide_job_into(opts, vertices, global, state, now_ms, &mut out);
    out
}

impl Default for JobDecision {
    fn default() -> Self {
        JobDecision {
            vertices: Vec::new(),
            scaled_vertices: BTreeMap::new(),
            rescale: false,
            outcome: JobOutcome::NoChange,
            apply: false,
        }
    }
}

/// [`decide_job`] into `out`, whose per-vertex records keep their id buffers.
pub fn decide_job_into(
    opts: &AutoscalerOptions,
    vertices: &[JobVertexInput],
    global: Option<&GlobalMetrics>,
    state: &mut ScalerState,
    now_ms: i64,
    out: &mut JobDecision,
) {
    decide_job_with(opts, vertices, None, global, state, now_ms, out);
}

/// [`decide_job_into`], with each vertex's band edges from `evaluated` when the caller has one
/// whose vertex `i` is `vertices[i]` evaluated with the same restart time (the edges then are
/// what [`rate_thresholds`] would compute from the inputs).
fn decide_job_with(
    opts: &AutoscalerOptions,
    vertices: &[JobVertexInput],
    evaluated: Option<&Evaluation>,
    global: Option<&GlobalMetrics>,
    state: &mut ScalerState,
    now_ms: i64,
    out: &mut JobDecision,
) {
    let pressure = global.and_then(|g| memory_pressure(opts, g));
    out.vertices.truncate(vertices.len());
    let ScalerState {
        delayed, history, ..
    } = state;
    for (i, v) in vertices.iter().enumerate() {
        let history = history.trimmed(opts, &v.id, now_ms);
        let excluded = opts.is_excluded(&v.id);
        let status_if_skipped = if excluded {
            Some(VertexStatus::Excluded)
        } else if pressure.is_some() {
            Some(VertexStatus::MemoryPressure)
        } else {
            None
        };
        let band = match evaluated.and_then(|e| e.vertices.get(i)) {
            Some(e) => e.thresholds,
            None => rate_thresholds(
                opts,
                v.input.target_data_rate,
                v.input.catch_up_data_rate,
                v.input.restart_time_s,
                v.input.processing_backlog,
            ),
        };
        let (decision, status) = match status_if_skipped {
            Some(status) => {
                let mut scratch = delayed.clone();
                let d = decide_vertex_within(
                    opts,
                    &v.id,
                    &v.input,
                    band,
                    history,
                    &mut scratch,
                    now_ms,
                );
                (d, status)
            }
            None => {
                let d = decide_vertex_within(opts, &v.id, &v.input, band, history, delayed, now_ms);
                let status = if d.is_change() {
                    VertexStatus::Scaled
                } else {
                    VertexStatus::Unchanged
                };
                (d, status)
            }
        };
        match out.vertices.get_mut(i) {
            Some(r) => {
                r.id.clone_from(&v.id);
                r.status = status;
                r.decision = decision;
            }
            None => out.vertices.push(JobVertexResult {
                id: v.id.clone(),
                status,
                decision,
            }),
        }
    }
    let changed = || {
        out.vertices
            .iter()
            .filter(|r| r.status == VertexStatus::Scaled)
    };
    let any_changed = changed().next().is_some();
    let any_outside = changed().any(|r| r.decision.outside_utilization_bound);
    let outcome = if let Some(p) = pressure {
        p
    } else if !any_changed {
        JobOutcome::NoChange
    } else if !any_outside {
        JobOutcome::AllWithinTarget
    } else {
        JobOutcome::Rescale
    };
    let rescale = outcome == JobOutcome::Rescale;
    if outcome == JobOutcome::AllWithinTarget {
        for r in out.vertices.iter_mut() {
            if r.status == VertexStatus::Scaled {
                r.status = VertexStatus::WithinBand;
            }
        }
    }
    out.scaled_vertices.clear();
    if rescale {
        out.scaled_vertices.extend(
            out.vertices
                .iter()
                .filter(|r| r.status == VertexStatus::Scaled)
                .map(|r| (r.id.clone(), r.decision.new_parallelism)),
        );
    }
    out.rescale = rescale;
    out.outcome = outcome;
    out.apply = rescale && opts.scaling_enabled;
}

/// §7.1 steps after evaluation: per-vertex decisions on an evaluated window, then the gates.
pub fn decide_job_for_evaluation(
    opts: &AutoscalerOptions,
    evaluation: &Evaluation,
    restart_time_s: f64,
    state: &mut ScalerState,
    now_ms: i64,
) -> JobDecision {
    let mut cycle = Cycle::default();
    // The evaluation may have been made with another restart time: its band edges are not
    // taken.
    cycle.decide(opts, evaluation, restart_time_s, false, state, now_ms);
    cycle.decision
}

/// One autoscaler cycle over a window (§5–§7.2) with the buffers a replay reuses: it evaluates
/// and decides every cycle, and in the steady state neither allocates.
#[derive(Debug, Clone, Default)]
pub struct Cycle {
    /// The last evaluation.
    pub evaluation: Evaluation,
    inputs: Vec<JobVertexInput>,
    /// The last decision.
    pub decision: JobDecision,
}

impl Cycle {
    /// Evaluates `window` and decides on it (the error when it cannot be evaluated).
    pub fn run(
        &mut self,
        opts: &AutoscalerOptions,
        topology: &Topology,
        window: &MetricWindow,
        restart_time_s: f64,
        state: &mut ScalerState,
        now_ms: i64,
    ) -> Result<&JobDecision, EvaluateError> {
        evaluate_into(opts, topology, window, restart_time_s, &mut self.evaluation)?;
        let evaluation = std::mem::take(&mut self.evaluation);
        self.decide(opts, &evaluation, restart_time_s, true, state, now_ms);
        self.evaluation = evaluation;
        Ok(&self.decision)
    }

    fn decide(
        &mut self,
        opts: &AutoscalerOptions,
        evaluation: &Evaluation,
        restart_time_s: f64,
        evaluated_with_it: bool,
        state: &mut ScalerState,
        now_ms: i64,
    ) {
        let backlog = evaluation.processing_backlog;
        self.inputs.truncate(evaluation.vertices.len());
        for (i, v) in evaluation.vertices.iter().enumerate() {
            match self.inputs.get_mut(i) {
                Some(input) => {
                    input.id.clone_from(&v.id);
                    input.input.set_from_evaluated(v, restart_time_s, backlog);
                }
                None => self.inputs.push(JobVertexInput {
                    id: v.id.clone(),
                    input: VertexInput::from_evaluated(v, restart_time_s, backlog),
                }),
            }
        }
        decide_job_with(
            opts,
            &self.inputs,
            evaluated_with_it.then_some(evaluation),
            Some(&evaluation.global),
            state,
            now_ms,
            &mut self.decision,
        );
    }
}

impl ScalerState {
    /// §7.6 restart time to use at `now_ms`, from the tracked restarts.
    pub fn restart_time(&mut self, opts: &AutoscalerOptions, now_ms: i64) -> f64 {
        let tracked = self.restarts.durations(opts, now_ms);
        restart_time(opts, &tracked)
    }

    /// §7.1 last step: a rescale was executed — store one history record per scaled vertex and
    /// drop every pending scale-down. Does nothing for a decision that did not apply.
    pub fn record_rescale(
        &mut self,
        opts: &AutoscalerOptions,
        decision: &JobDecision,
        now_ms: i64,
    ) {
        if !decision.apply {
            return;
        }
        for r in &decision.vertices {
            if r.status != VertexStatus::Scaled {
                continue;
            }
            self.history.add(
                &r.id,
                ScalingRecord {
                    t_ms: now_ms,
                    current_parallelism: r.decision.current_parallelism,
                    new_parallelism: r.decision.new_parallelism,
                    true_processing_rate: r.decision.true_processing_rate,
                    expected_processing_rate: r
                        .decision
                        .expected_processing_rate
                        .unwrap_or(f64::NAN),
                },
            );
            let _ = self.history.trimmed(opts, &r.id, now_ms);
        }
        self.delayed.clear_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::options::Version;
    use crate::scaler::topology::ShipStrategy;

    fn opts(pairs: &[(&str, &str)]) -> AutoscalerOptions {
        let mut all = vec![
            ("job.autoscaler.scale-down.max-factor", "1"),
            ("job.autoscaler.scale-up.max-factor", "2147483647"),
            ("job.autoscaler.catch-up.duration", "0"),
            ("job.autoscaler.restart.time", "0"),
            ("job.autoscaler.scale-down.interval", "0"),
            ("job.autoscaler.utilization.target", "0.6"),
        ];
        all.extend_from_slice(pairs);
        AutoscalerOptions::from_map(Version::V1_15, all).unwrap()
    }

    fn vertex(id: &str, keyed: bool, tpr: f64, target: f64) -> JobVertexInput {
        JobVertexInput {
            id: id.into(),
            input: VertexInput {
                current_parallelism: 10,
                max_parallelism: 720,
                num_source_partitions: 0,
                input_ship_strategies: if keyed {
                    vec![ShipStrategy::Hash]
                } else {
                    vec![]
                },
                true_processing_rate: tpr,
                target_data_rate: target,
                catch_up_data_rate: 0.0,
                restart_time_s: 0.0,
                processing_backlog: false,
            },
        }
    }

    #[test]
    fn one_vertex_outside_takes_all_changed_vertices_along() {
        let o = opts(&[
            ("job.autoscaler.utilization.max", "0.8"),
            ("job.autoscaler.utilization.min", "0.4"),
        ]);
        let mut state = ScalerState::default();
        let d = decide_job(
            &o,
            &[
                vertex("src", false, 100.0, 70.0),
                vertex("sink", true, 100.0, 85.0),
            ],
            None,
            &mut state,
            0,
        );
        assert!(d.rescale);
        assert_eq!(d.outcome, JobOutcome::Rescale);
        assert_eq!(d.scaled_vertices.get("src"), Some(&12));
        assert_eq!(d.scaled_vertices.get("sink"), Some(&15));
        assert!(!d.vertices[0].decision.outside_utilization_bound);

        let inside = decide_job(
            &o,
            &[
                vertex("src", false, 100.0, 70.0),
                vertex("sink", true, 100.0, 70.0),
            ],
            None,
            &mut state,
            0,
        );
        assert!(!inside.rescale);
        assert_eq!(inside.outcome, JobOutcome::AllWithinTarget);
        assert_eq!(inside.vertices[0].status, VertexStatus::WithinBand);
        assert_eq!(inside.vertices[0].limits()[0], Limit::UtilizationBand);
    }

    #[test]
    fn excluded_vertices_and_memory_pressure() {
        let o = opts(&[("job.autoscaler.vertex.exclude.ids", "sink")]);
        let mut state = ScalerState::default();
        let d = decide_job(
            &o,
            &[vertex("sink", true, 100.0, 200.0)],
            None,
            &mut state,
            0,
        );
        assert!(!d.rescale);
        assert_eq!(d.vertices[0].status, VertexStatus::Excluded);
        assert!(
            d.vertices[0].decision.is_change(),
            "what it would have done"
        );

        let o = opts(&[]);
        let global = GlobalMetrics {
            gc_pressure: 1.5,
            heap_max_usage_ratio: f64::NAN,
        };
        let d = decide_job(
            &o,
            &[vertex("v", true, 100.0, 200.0)],
            Some(&global),
            &mut state,
            0,
        );
        assert!(matches!(d.outcome, JobOutcome::MemoryPressure { .. }));
        assert!(!d.rescale);
    }

    /// §12 example 1 end to end: source p = 1, 500 rec/s, lag 2000 flat, busy 850 ms/s;
    /// catch-up 2 s, restart 1 s, target 0.8 → K = 1875, f = 3.19, both vertices go to 4.
    #[test]
    fn worked_example_backlog_scale_up_1_to_4() {
        use crate::scaler::evaluate::evaluate;
        use crate::scaler::metrics::{MetricWindow, Sample, ScalingMetric};
        use crate::scaler::topology::{Input, Topology, VertexInfo};
        let o = AutoscalerOptions::from_map(
            Version::V1_15,
            [
                ("job.autoscaler.utilization.target", "0.8"),
                ("job.autoscaler.utilization.max", "0.9"),
                ("job.autoscaler.utilization.min", "0.7"),
                ("job.autoscaler.catch-up.duration", "2 s"),
                ("job.autoscaler.restart.time", "1 s"),
                ("job.autoscaler.backlog-processing.lag-threshold", "1 s"),
                ("job.autoscaler.scale-down.max-factor", "1"),
            ],
        )
        .unwrap();
        let vertex = |id: &str, inputs: Vec<Input>| VertexInfo {
            id: id.into(),
            parallelism: 1,
            max_parallelism: 720,
            num_source_partitions: 0,
            inputs,
        };
        let topo = Topology::new(vec![
            vertex("src", vec![]),
            vertex(
                "sink",
                vec![Input {
                    from: "src".into(),
                    ship_strategy: ShipStrategy::Rebalance,
                }],
            ),
        ])
        .unwrap();
        let window = MetricWindow::new(
            (0..4)
                .map(|i| {
                    let n = 500.0 * i as f64;
                    Sample::new(i * 1000)
                        .with("src", ScalingMetric::NumRecordsIn, n)
                        .with("src", ScalingMetric::NumRecordsOut, n)
                        .with("src", ScalingMetric::Lag, 2000.0)
                        .with("src", ScalingMetric::Load, 0.85)
                        .with("sink", ScalingMetric::NumRecordsIn, n)
                        .with("sink", ScalingMetric::Load, 0.85)
                })
                .collect(),
        );
        let restart = restart_time(&o, &[]);
        let e = evaluate(&o, &topo, &window, restart).unwrap();
        let mut state = ScalerState::default();
        let d = decide_job_for_evaluation(&o, &e, restart, &mut state, 3000);
        let src = &d.vertices[0].decision;
        assert_eq!(src.target_capacity, 1875.0);
        assert!((src.scale_factor - 3.1875).abs() < 1e-5, "1875 / 588.235");
        assert!(
            src.outside_utilization_bound,
            "scale-up threshold 1500 > TPR 588.235"
        );
        assert!(d.rescale);
        assert_eq!(d.scaled_vertices.get("src"), Some(&4));
        assert_eq!(d.scaled_vertices.get("sink"), Some(&4));
    }

    #[test]
    fn restart_time_prefers_tracked_when_enabled() {
        let mut o = AutoscalerOptions::default();
        assert_eq!(restart_time(&o, &[180.0, 299.0]), 300.0);
        o.restart_time_tracking_enabled = true;
        assert_eq!(restart_time(&o, &[]), 300.0);
        assert_eq!(restart_time(&o, &[180.0, 899.0]), 899.0);
        assert_eq!(restart_time(&o, &[180.0, 5000.0]), 900.0);
    }

    #[test]
    fn record_rescale_writes_history_and_clears_delays() {
        let o = opts(&[("job.autoscaler.scale-down.interval", "60 s")]);
        let mut state = ScalerState::default();
        state.delayed.trigger("other", 0, 3, true);
        let d = decide_job(
            &o,
            &[vertex("v", true, 10.0, 100.0)],
            None,
            &mut state,
            5_000,
        );
        assert!(d.apply);
        state.record_rescale(&o, &d, 5_000);
        assert!(!state.delayed.is_pending("other"));
        let h = state.history.records("v");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].current_parallelism, 10);
    }
}
