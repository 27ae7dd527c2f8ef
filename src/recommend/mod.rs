//! `recommend`: recorded metrics to per-vertex parallelism with the Flink autoscaler.
//!
//! One evaluation cycle, offline: the metric window is turned into the autoscaler's samples
//! (`inputs`), evaluated and decided by `scaler` exactly as upstream would, and each vertex's
//! result is explained (which bound limited it, and why in words). What the recording cannot show
//! becomes a warning, not a guess: a source whose busy time is NaN (Flink 2.x legacy sources) is
//! excluded as upstream excludes it; a backpressured source without a lag metric hides its demand.
//! An optional CU budget holds back scale-ups (or scale-downs below a floor) after the decision.

pub mod coverage;
pub mod inputs;
pub mod outcome;
pub mod plan_edit;
pub mod vertices;

use std::collections::BTreeMap;

use crate::metrics::MetricWindow as Recording;
use crate::resources::CostModel;
use crate::scaler::{
    self, AutoscalerOptions, DecisionReason, Limit, ScalerState, ShipStrategy, Topology,
    VertexInfo, VertexStatus,
};
pub use outcome::{Action, Bound, Explained, Reason, Warning};
use vertices::{match_metric_vertex, JobVertex};

#[derive(Debug, Clone)]
pub struct Params {
    pub opts: AutoscalerOptions,
    pub max_cu: Option<f64>,
    pub min_cu: Option<f64>,
    /// Only the autoscaler's own decision: no estimate of demand hidden by backpressure.
    pub exact: bool,
}

/// Busy fraction from which a vertex counts as saturated.
const SATURATED: f64 = 0.9;
/// Back-pressured ms/s (window average) from which a source's output no longer shows its demand.
/// A tenth of the time blocked is already demand the source could not hand on; the gate is low
/// on purpose, because a recording that starts while backpressure builds averages far below its
/// steady value (the lab's e2e run: 421 ms/s on a way to 999), and the estimate also needs a
/// saturated vertex downstream of that source, which noise does not make.
const BACKPRESSURED_MS: f64 = 100.0;

#[derive(Debug, Clone, PartialEq)]
pub struct VertexOutcome {
    pub vertex: JobVertex,
    pub has_metrics: bool,
    pub current_parallelism: i64,
    pub recommended_parallelism: i64,
    pub true_processing_rate: Option<f64>,
    pub target_rate: Option<f64>,
    pub catch_up_rate: Option<f64>,
    pub observed_rate: Option<f64>,
    pub utilization: Option<f64>,
    pub action: Action,
    pub bounded_by: Option<Bound>,
    pub reason: Explained,
    /// Which inputs the decision reads and which the recording lacks.
    pub coverage: coverage::Coverage,
    /// Kafka/Pulsar partitions of a source, counted from its metric names (0: none seen).
    pub num_source_partitions: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub evaluated_at_ms: i64,
    pub window_ms: i64,
    pub window_start_ms: i64,
    pub vertices: Vec<VertexOutcome>,
    pub cu_current: f64,
    pub cu_recommended: f64,
    pub warnings: Vec<Warning>,
    /// Whether the version caps a partitioned source at its partition count (1.16.0).
    pub caps_at_partitions: bool,
}

impl Outcome {
    /// A vertex known only by a placeholder key, not by Flink's JobVertexID: outputs that
    /// address vertices by id (overrides, resource requirements) cannot name it.
    pub fn first_without_job_vertex_id(&self) -> Option<&VertexOutcome> {
        self.vertices.iter().find(|v| !v.vertex.has_job_vertex_id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum RecommendError {
    /// Metrics name vertices the graph or plan does not have.
    UnknownVertices {
        unknown: Vec<String>,
        known: Vec<String>,
    },
    /// The window cannot be evaluated (too few samples, no ingestion rate, ...).
    Evaluate(String),
}

impl std::fmt::Display for RecommendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecommendError::UnknownVertices { unknown, known } => write!(
                f,
                "the metrics name {} that {} not in the graph or plan: {}; the graph's {}: {}",
                crate::units::count(unknown.len(), "vertex", "vertices"),
                if unknown.len() == 1 { "is" } else { "are" },
                first_few(unknown),
                crate::units::count(known.len(), "vertex", "vertices"),
                first_few(known)
            ),
            RecommendError::Evaluate(msg) => f.write_str(msg),
        }
    }
}

/// At most [`LISTED`] names and a count of the rest: an error line stays a line whatever the
/// input (a million unknown ids once made a 40 MB message).
pub fn first_few(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(LISTED)
        .map(|n| crate::value::short(n))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED {
        s.push_str(&format!(" and {} more", names.len() - LISTED));
    }
    s
}

/// How many names an error lists.
const LISTED: usize = 5;

/// The bound that limited a vertex, of the scaler's limits those the contract names.
fn bound_of(l: Limit) -> Option<Bound> {
    Some(match l {
        Limit::ScaleUpMaxFactor => Bound::ScaleUpMaxFactor,
        Limit::ScaleDownMaxFactor => Bound::ScaleDownMaxFactor,
        Limit::MinParallelism => Bound::MinParallelism,
        Limit::MaxParallelism | Limit::OperatorMaxParallelism => Bound::MaxParallelism,
        Limit::KeyGroupAlignment | Limit::AlignmentBlocked => Bound::KeyGroupAlignment,
        Limit::PartitionAlignment => Bound::SourcePartitions,
        Limit::UtilizationBand => Bound::UtilizationBand,
        Limit::Excluded => Bound::Excluded,
        _ => return None,
    })
}

/// `cost`: what the job costs at a parallelism per vertex, for the budget and the totals.
pub fn recommend(
    vertices: Vec<JobVertex>,
    rec: &Recording,
    cost: &CostModel,
    params: &Params,
) -> Result<Outcome, RecommendError> {
    let mut opts = params.opts.clone();
    let mut read_warnings = rec.warnings.clone();
    vertices::graph_names(&mut read_warnings, &vertices);
    let mut warnings: Vec<Warning> = read_warnings.into_iter().map(Warning::Recording).collect();

    // Which recorded vertex is which job vertex.
    let mut series_of: Vec<Option<usize>> = vec![None; vertices.len()];
    let mut unknown = Vec::new();
    for (k, s) in rec.vertices.iter().enumerate() {
        match match_metric_vertex(&s.key, s.name.as_deref(), &vertices) {
            Some(i) => series_of[i] = Some(k),
            None => unknown.push(s.display_name().to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(RecommendError::UnknownVertices {
            unknown,
            known: vertices
                .iter()
                .map(|v| format!("{} ({})", v.name, v.id))
                .collect(),
        });
    }

    // The autoscaler forgets its samples at every restart: start after the latest rescale.
    let reset_ms = rec
        .vertices
        .iter()
        .filter_map(|s| s.rescale.map(|r| r.last_old_ms))
        .max()
        .unwrap_or(i64::MIN);
    if reset_ms > rec.window_start_ms {
        warnings.push(Warning::RescaledInWindow { after_ms: reset_ms });
    }

    // What each vertex's decision reads, and what the recording lacks of it.
    let has_outputs: Vec<bool> = vertices
        .iter()
        .map(|v| {
            vertices
                .iter()
                .any(|w| w.inputs.iter().any(|(from, _)| *from == v.id))
        })
        .collect();
    let coverage: Vec<coverage::Coverage> = (0..vertices.len())
        .map(|i| match series_of[i] {
            Some(k) => coverage::of(
                vertices[i].is_source(),
                has_outputs[i],
                &rec.vertices[k],
                reset_ms.max(rec.window_start_ms - 1),
            ),
            None => coverage::Coverage::default(),
        })
        .collect();
    for (v, c) in vertices.iter().zip(&coverage) {
        // A source's NaN busy time has its own warning from the reader.
        let missing: Vec<&str> = c
            .missing
            .iter()
            .filter(|i| !(v.is_source() && **i == coverage::Input::BusyTime))
            .map(|i| i.metric())
            .collect();
        if !missing.is_empty() {
            warnings.push(Warning::MissingInputs {
                vertex: v.name.clone(),
                metrics: missing,
                lag_zero: c.missing_required().next().is_none(),
            });
        }
    }

    let current: Vec<i64> = vertices
        .iter()
        .enumerate()
        .map(|(i, v)| {
            series_of[i]
                .and_then(|k| rec.vertices[k].parallelism)
                .unwrap_or(v.parallelism)
                .max(1)
        })
        .collect();
    if let Some((gap, input)) = vertices
        .iter()
        .zip(&coverage)
        .find_map(|(v, c)| c.missing_required().next().map(|i| (v.name.clone(), i)))
    {
        return Ok(no_decision(
            vertices,
            &current,
            coverage,
            rec,
            cost,
            warnings,
            Reason::NoDecision {
                vertex: gap,
                metric: input.metric(),
            },
        ));
    }
    // Upstream counts the partitions of sources (vertices without inputs) from their Kafka or
    // Pulsar offset metric names, and aligns and caps their parallelism to that count.
    let partitions: Vec<i64> = vertices
        .iter()
        .enumerate()
        .map(|(i, v)| match series_of[i] {
            Some(k) if v.is_source() => rec.vertices[k].num_source_partitions,
            _ => 0,
        })
        .collect();
    let infos: Vec<VertexInfo> = vertices
        .iter()
        .zip(&current)
        .zip(&partitions)
        .map(|((v, &p), &n)| VertexInfo {
            id: v.id.clone(),
            parallelism: p,
            max_parallelism: v.max_parallelism.max(p),
            num_source_partitions: n,
            inputs: v
                .inputs
                .iter()
                .map(|(from, ship)| scaler::Input {
                    from: from.clone(),
                    ship_strategy: ShipStrategy::parse(ship),
                })
                .collect(),
        })
        .collect();
    let topology = Topology::new(infos).map_err(|e| RecommendError::Evaluate(e.to_string()))?;

    // Sources whose demand is hidden: backpressured and without a lag metric (name, ms/s).
    let mut hidden_sources: Vec<Option<(String, f64)>> = vec![None; vertices.len()];
    let mut by_time = BTreeMap::new();
    let mut converted = vec![inputs::Converted::default(); vertices.len()];
    let mut integrated = false;
    for (i, v) in vertices.iter().enumerate() {
        let Some(k) = series_of[i] else {
            warnings.push(Warning::NoMetrics {
                vertex: v.name.clone(),
            });
            opts.vertex_exclude_ids.push(v.id.clone());
            continue;
        };
        let c = inputs::add_vertex(
            &opts,
            &v.id,
            v.is_source(),
            &rec.vertices[k],
            reset_ms.max(rec.window_start_ms - 1),
            &mut by_time,
        );
        integrated |= c.integrated;
        if c.busy_missing {
            // The reader already warned; exclude it as upstream does.
            opts.vertex_exclude_ids.push(v.id.clone());
        }
        if v.is_source() && c.lag_missing && c.backpressured_avg >= BACKPRESSURED_MS {
            hidden_sources[i] = Some((v.name.clone(), c.backpressured_avg));
            warnings.push(Warning::HiddenDemand {
                source: v.name.clone(),
                backpressured_ms: c.backpressured_avg,
                emitted: c.observed_rate,
            });
        }
        converted[i] = c;
    }
    if integrated {
        warnings.push(Warning::Integrated);
    }
    let behind_hidden = downstream_of(&vertices, &hidden_sources);
    let window = inputs::window(by_time);
    let restart_s = scaler::restart_time(&opts, &[]);
    let evaluation = scaler::evaluate(&opts, &topology, &window, restart_s).map_err(|e| {
        RecommendError::Evaluate(format!("the metric window cannot be evaluated: {e}"))
    })?;
    let mut state = ScalerState::default();
    let decision = scaler::decide_job_for_evaluation(
        &opts,
        &evaluation,
        restart_s,
        &mut state,
        rec.window_end_ms,
    );

    let mut out: Vec<VertexOutcome> = Vec::with_capacity(vertices.len());
    for (i, v) in vertices.iter().enumerate() {
        let ev = evaluation.vertex(&v.id);
        let res = decision.vertices.iter().find(|r| r.id == v.id);
        let has_metrics = series_of[i].is_some();
        let (recommended, action, bounded_by, reason) = match res {
            Some(r) if has_metrics => {
                let applied = decision.scaled_vertices.get(&v.id).copied();
                let recommended = applied.unwrap_or(current[i]);
                let bound = r.limits().into_iter().find_map(bound_of);
                let d = &r.decision;
                let per_subtask = d.true_processing_rate / current[i] as f64;
                let reason = match (r.status, applied) {
                    (VertexStatus::Excluded, _) => Reason::Excluded,
                    (VertexStatus::MemoryPressure, _) => Reason::MemoryPressure,
                    (VertexStatus::WithinBand, _) => Reason::WithinBand {
                        from: current[i],
                        to: d.new_parallelism,
                    },
                    (_, Some(p)) => Reason::Sized {
                        target: d.target_data_rate,
                        utilization: opts.utilization_target,
                        subtasks: p,
                        per_subtask,
                    },
                    _ => match d.reason {
                        DecisionReason::Delayed { .. } | DecisionReason::WindowMaximumIsCurrent => {
                            Reason::DelayedScaleDown {
                                processing: d.true_processing_rate,
                                band_top: d.thresholds.scale_down,
                                to: d
                                    .scale
                                    .as_ref()
                                    .map_or(d.new_parallelism, |s| s.new_parallelism),
                                interval_s: opts.scale_down_interval.whole_secs(),
                                keeps: current[i],
                            }
                        }
                        DecisionReason::NoTrueProcessingRate => Reason::NoTrueProcessingRate,
                        DecisionReason::NoTargetCapacity => Reason::NoTargetRate,
                        DecisionReason::AlignmentBlocked => Reason::AlignmentBlocked,
                        DecisionReason::Ineffective { .. } => Reason::Ineffective,
                        _ if d.true_processing_rate >= d.thresholds.scale_up
                            && d.true_processing_rate <= d.thresholds.scale_down =>
                        {
                            Reason::InsideBand {
                                processing: d.true_processing_rate,
                                target: d.target_data_rate,
                                low: d.thresholds.scale_up,
                                high: d.thresholds.scale_down,
                            }
                        }
                        _ => Reason::KeptByBounds {
                            processing: d.true_processing_rate,
                            target: d.target_data_rate,
                            keeps: current[i],
                            bound,
                        },
                    },
                };
                (
                    recommended,
                    Action::of(current[i], recommended),
                    bound,
                    reason,
                )
            }
            _ => (
                current[i],
                Action::None,
                Some(Bound::NoMetrics),
                Reason::NoMetrics,
            ),
        };
        let (mut recommended, mut action, mut bounded_by, mut reason) =
            (recommended, action, bounded_by, reason);
        // Demand hidden by backpressure: a saturated vertex behind a backpressured source that
        // reports no lag processes exactly what the source can hand it, so upstream sees it at the
        // edge of its band, and whether it leaves the band is decided by the rounding of the
        // input rate. Its demand is at least that: size it to the target utilization. `--exact`
        // keeps upstream's decision and says where it stalls.
        let load = ev.map(|e| e.load).unwrap_or(f64::NAN);
        let excluded = opts.vertex_exclude_ids.contains(&v.id);
        if let Some((source, bp)) = behind_hidden[i].as_ref().filter(|_| {
            has_metrics
                && !excluded
                && !v.is_source()
                && load >= SATURATED
                && recommended <= current[i]
        }) {
            let strategies: Vec<ShipStrategy> = v
                .inputs
                .iter()
                .map(|(_, s)| ShipStrategy::parse(s))
                .collect();
            let input = scaler::ScaleInput {
                current_parallelism: current[i],
                input_ship_strategies: &strategies,
                num_source_partitions: partitions[i],
                max_parallelism: v.max_parallelism.max(current[i]),
                scale_factor: (load / opts.utilization_target).min(1.0 + opts.scale_up_max_factor),
                parallelism_lower_limit: current[i].min(opts.vertex_min_parallelism),
                parallelism_upper_limit: current[i].max(opts.vertex_max_parallelism),
                cap_at_partitions: opts.version.caps_source_parallelism(),
            };
            let processed = ev.map(|e| e.input_rate).unwrap_or(f64::NAN);
            match scaler::scale(&input, opts.alignment_mode()) {
                Ok(s) if s.new_parallelism > current[i] && !params.exact => {
                    recommended = s.new_parallelism;
                    action = Action::ScaleUp;
                    bounded_by = s.limits.iter().copied().find_map(bound_of);
                    reason = Reason::HiddenDemand {
                        busy: load,
                        source: source.clone(),
                        backpressured_ms: *bp,
                        processed,
                        subtasks: recommended,
                        utilization: opts.utilization_target,
                    };
                }
                Ok(s) if s.new_parallelism > current[i] => warnings.push(Warning::Stall {
                    vertex: v.name.clone(),
                    current: current[i],
                    busy: load,
                    source: source.clone(),
                    backpressured_ms: *bp,
                    processed,
                    estimate: s.new_parallelism,
                }),
                _ => {}
            }
        }
        out.push(VertexOutcome {
            vertex: v.clone(),
            has_metrics,
            current_parallelism: current[i],
            recommended_parallelism: recommended,
            true_processing_rate: ev.map(|e| e.true_processing_rate).filter(|_| has_metrics),
            target_rate: ev.map(|e| e.target_data_rate).filter(|_| has_metrics),
            catch_up_rate: ev.map(|e| e.catch_up_data_rate).filter(|_| has_metrics),
            // What a source emitted; other vertices have no "observed rate" in the contract.
            observed_rate: (has_metrics && v.is_source()).then_some(converted[i].observed_rate),
            utilization: ev.map(|e| e.load).filter(|x| has_metrics && x.is_finite()),
            action,
            bounded_by,
            reason: reason.into(),
            coverage: coverage[i].clone(),
            num_source_partitions: partitions[i],
        });
    }

    let total = |vs: &[VertexOutcome], pick: &dyn Fn(&VertexOutcome) -> i64| -> f64 {
        cost.total(&vs.iter().map(pick).collect::<Vec<i64>>())
    };
    let cu_current = total(&out, &|v| v.current_parallelism);
    apply_budget(&mut out, cost, params, &mut warnings);
    let cu_recommended = total(&out, &|v| v.recommended_parallelism);
    Ok(Outcome {
        evaluated_at_ms: rec.window_end_ms,
        window_ms: rec.window_end_ms - rec.window_start_ms,
        window_start_ms: rec.window_start_ms,
        vertices: out,
        cu_current,
        cu_recommended,
        warnings,
        caps_at_partitions: opts.version.caps_source_parallelism(),
    })
}

/// Per vertex, the hidden-demand source it reads from, directly or through other vertices (the
/// first in graph order when several do).
fn downstream_of(
    vertices: &[JobVertex],
    hidden: &[Option<(String, f64)>],
) -> Vec<Option<(String, f64)>> {
    let index: BTreeMap<&str, usize> = vertices
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.as_str(), i))
        .collect();
    let mut outputs: Vec<Vec<usize>> = vec![Vec::new(); vertices.len()];
    for (i, v) in vertices.iter().enumerate() {
        for (from, _) in &v.inputs {
            if let Some(&k) = index.get(from.as_str()) {
                outputs[k].push(i);
            }
        }
    }
    // Breadth first from every hidden source, in graph order: linear in vertices and edges.
    let mut reach = hidden.to_vec();
    let mut queue: std::collections::VecDeque<usize> = (0..vertices.len())
        .filter(|&i| reach[i].is_some())
        .collect();
    while let Some(k) = queue.pop_front() {
        for &i in &outputs[k] {
            if reach[i].is_none() {
                reach[i] = reach[k].clone();
                queue.push_back(i);
            }
        }
    }
    reach
}

/// Every vertex kept at its parallelism, with the same reason: what a missing input prevents.
fn no_decision(
    vertices: Vec<JobVertex>,
    current: &[i64],
    coverage: Vec<coverage::Coverage>,
    rec: &Recording,
    cost: &CostModel,
    warnings: Vec<Warning>,
    reason: Reason,
) -> Outcome {
    let out: Vec<VertexOutcome> = vertices
        .into_iter()
        .zip(coverage)
        .zip(current)
        .map(|((vertex, coverage), &p)| VertexOutcome {
            vertex,
            has_metrics: true,
            current_parallelism: p,
            recommended_parallelism: p,
            true_processing_rate: None,
            target_rate: None,
            catch_up_rate: None,
            observed_rate: None,
            utilization: None,
            action: Action::None,
            bounded_by: Some(Bound::MissingMetrics),
            reason: reason.clone().into(),
            coverage,
            num_source_partitions: 0,
        })
        .collect();
    let cu = cost.total(current);
    Outcome {
        evaluated_at_ms: rec.window_end_ms,
        window_ms: rec.window_end_ms - rec.window_start_ms,
        window_start_ms: rec.window_start_ms,
        vertices: out,
        cu_current: cu,
        cu_recommended: cu,
        warnings,
        caps_at_partitions: false,
    }
}

/// `--max-cu` / `--min-cu`: hold back the changes that break the budget, largest step first,
/// one subtask at a time, and say which vertices were held.
fn apply_budget(
    out: &mut [VertexOutcome],
    cost: &CostModel,
    params: &Params,
    warnings: &mut Vec<Warning>,
) {
    let parallelism = |out: &[VertexOutcome]| -> Vec<i64> {
        out.iter().map(|v| v.recommended_parallelism).collect()
    };
    let total = |out: &[VertexOutcome]| -> f64 { cost.total(&parallelism(out)) };
    // What moving vertex `i` by one subtask changes in the total (0 for a vertex below its
    // slot-sharing group's largest parallelism).
    let effect = |out: &[VertexOutcome], i: usize, by: i64| -> f64 {
        let mut p = parallelism(out);
        let before = cost.total(&p);
        p[i] += by;
        (cost.total(&p) - before).abs()
    };
    let cost = &cost.subtask;
    let mut held = std::collections::BTreeSet::new();
    if let Some(max) = params.max_cu {
        while total(out) > max + 1e-9 {
            let Some(i) = (0..out.len())
                .filter(|&i| out[i].recommended_parallelism > out[i].current_parallelism)
                .max_by(|&a, &b| {
                    let step = |i: usize| {
                        (out[i].recommended_parallelism - out[i].current_parallelism) as f64
                            * cost[i]
                    };
                    (effect(out, a, -1) > 0.0)
                        .cmp(&(effect(out, b, -1) > 0.0))
                        .then(step(a).total_cmp(&step(b)))
                        .then(b.cmp(&a))
                })
            else {
                break;
            };
            out[i].recommended_parallelism -= 1;
            out[i].bounded_by = Some(Bound::CuBudget);
            held.insert(i);
        }
        if total(out) > max + 1e-9 {
            warnings.push(Warning::OverBudget {
                cu: total(out),
                max,
            });
        }
    }
    if let Some(min) = params.min_cu {
        while total(out) < min - 1e-9 {
            let Some(i) = (0..out.len())
                .filter(|&i| out[i].recommended_parallelism < out[i].current_parallelism)
                .max_by(|&a, &b| {
                    let step = |i: usize| {
                        (out[i].current_parallelism - out[i].recommended_parallelism) as f64
                            * cost[i]
                    };
                    (effect(out, a, 1) > 0.0)
                        .cmp(&(effect(out, b, 1) > 0.0))
                        .then(step(a).total_cmp(&step(b)))
                        .then(b.cmp(&a))
                })
            else {
                break;
            };
            out[i].recommended_parallelism += 1;
            out[i].bounded_by = Some(Bound::CuBudget);
            held.insert(i);
        }
    }
    for &i in &held {
        let v = &mut out[i];
        v.action = Action::of(v.current_parallelism, v.recommended_parallelism);
        v.reason.held_by_budget = true;
        warnings.push(Warning::HeldByBudget {
            vertex: v.vertex.name.clone(),
            parallelism: v.recommended_parallelism,
        });
    }
}
