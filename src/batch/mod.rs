//! `recommend batch`: the parallelism Flink's Adaptive Batch Scheduler gives each vertex of a
//! batch job, derived offline from a finished run's REST job details.
//!
//! The scheduler sizes a vertex when its inputs are finished, from the bytes they hold
//! (`AdaptiveBatchScheduler` → `DefaultVertexParallelismAndInputInfosDecider`, Flink 2.3). This
//! module replays that decision vertex by vertex, producers first (`job`: the reader; `options`:
//! the `execution.batch.adaptive.auto-parallelism.*` settings; `rule`: the arithmetic). Each
//! vertex gets a [`Decision`]: a number with the facts that produced it ([`Basis`]), or a [`Gap`]
//! naming what the input lacks. A gap is never filled with a guess, and a vertex downstream of
//! a gap that needs it has a gap too.
//!
//! What-ifs keep the graph and change the inputs: `scale_volume` multiplies every consumed byte
//! (tomorrow's data), and a sweep re-decides under other `avg-data-volume-per-task` values.

pub mod job;
pub mod options;
pub mod rule;

use std::collections::BTreeMap;

pub use job::{BatchJob, Exchange};
pub use options::{BatchOptions, MaxFrom, ResolvedBatch};
use rule::{Bounds, Clamped, Packing};

/// What to decide under.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub opts: BatchOptions,
    /// Every consumed byte is multiplied by this (1 = the recorded run).
    pub scale_volume: f64,
}

/// One consumed input, as the decision saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumed {
    pub from: String,
    pub exchange: Exchange,
    pub ship_strategy: String,
    /// The bytes the producer wrote into this input (scaled), when the details show them.
    pub bytes: Option<u64>,
    pub bytes_from: BytesFrom,
}

/// Which counter gave an input's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BytesFrom {
    /// The producer's `write-bytes` (it has no other consumer).
    ProducerWrite,
    /// The consumer's `read-bytes` (its only input).
    ConsumerRead,
    None,
}

/// Which inputs a packing distributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Hash-like all-to-all inputs: one slice per subpartition, as many as the vertex's max
    /// parallelism.
    AllToAll,
    /// Pointwise (`RESCALE`) inputs: the producers' subpartitions.
    Pointwise,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// `execution.batch.adaptive.auto-parallelism.enabled: false`: vertices keep the job's
    /// `parallelism.default` (1 when unset).
    Disabled { parallelism_default: Option<u32> },
    /// A source: the default source parallelism (or the max parallelism it falls back to),
    /// capped at the vertex's max parallelism.
    Source {
        from_max: bool,
        capped_by_vertex_max: bool,
    },
    /// A `FORWARD` input: one forward group with the producer, which has this parallelism.
    Forward { producer: String },
    /// Decided from the consumed bytes.
    Volume {
        /// Non-broadcast bytes consumed (`None`: every input is broadcast).
        bytes: Option<u64>,
        per_task: u64,
        bounds: Bounds,
        /// `decideParallelism`: ceil(bytes / per task) within the bounds.
        by_volume: Clamped,
        /// The packing of slices that settled the number, when one did.
        packing: Option<(Group, Packing)>,
    },
}

/// Why a vertex is not decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Gap {
    /// The producer's `write-bytes` is missing (or incomplete) in the details.
    NoBytes { producer: String },
    /// The producer writes to several inputs and the details only have its total; the
    /// consumer's own `read-bytes` cannot be split over its inputs either.
    SharedOutput { producer: String },
    /// An input comes from a vertex that is itself undecided, and the decision needs its
    /// parallelism.
    UndecidedProducer { producer: String },
    /// A source that Flink ran below its upper bound: it inferred its own parallelism
    /// (`DynamicParallelismInference`) or the job set one; neither is in the details.
    SourceBelowBound { flink: u32, upper: u32 },
    /// A source that Flink ran above its upper bound: the job set its parallelism.
    SetByJob { flink: u32 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Decided { parallelism: u32, basis: Basis },
    Undecided(Gap),
}

impl Decision {
    pub fn parallelism(&self) -> Option<u32> {
        match self {
            Decision::Decided { parallelism, .. } => Some(*parallelism),
            Decision::Undecided(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VertexOutcome {
    pub id: String,
    pub name: String,
    /// What Flink chose in the recorded run.
    pub flink_parallelism: Option<u32>,
    /// The vertex's max parallelism (the details', else the global max).
    pub max_parallelism: u32,
    pub inputs: Vec<Consumed>,
    pub decision: Decision,
}

/// Something worth knowing about the settings, from the decisions.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A vertex sits on its max parallelism and each task takes well over the volume per task
    /// (the data would need `wanted` tasks).
    OverVolume {
        vertex: String,
        parallelism: u32,
        per_task_bytes: u64,
        wanted: u32,
    },
    /// The vertices' max parallelism is at least four times the largest parallelism any
    /// non-source vertex got: every producer still writes `max` subpartitions per all-to-all
    /// result (what the docs warn costs shuffle performance).
    MaxOversized { max: u32, largest: u32 },
}

/// How far over the volume per task a task at max parallelism must be to be worth a note.
const OVER_VOLUME: f64 = 1.5;

fn notes(vertices: &[VertexOutcome]) -> Vec<Note> {
    let mut out = Vec::new();
    let mut largest: Option<u32> = None;
    let mut max_of_max = 0u32;
    for v in vertices {
        let Decision::Decided {
            parallelism,
            basis:
                Basis::Volume {
                    bytes: Some(bytes),
                    per_task,
                    bounds,
                    by_volume,
                    ..
                },
        } = &v.decision
        else {
            continue;
        };
        largest = Some(largest.map_or(*parallelism, |l| l.max(*parallelism)));
        max_of_max = max_of_max.max(v.max_parallelism);
        let per = bytes / u64::from((*parallelism).max(1));
        if *parallelism == bounds.max && per as f64 > OVER_VOLUME * *per_task as f64 {
            out.push(Note::OverVolume {
                vertex: v.id.clone(),
                parallelism: *parallelism,
                per_task_bytes: per,
                wanted: by_volume.raw.unwrap_or(*parallelism),
            });
        }
    }
    if let Some(l) = largest {
        if max_of_max >= l.saturating_mul(4) && max_of_max > 8 {
            out.push(Note::MaxOversized {
                max: max_of_max,
                largest: l,
            });
        }
    }
    out
}

/// Something about the input as a whole.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// The job is not `FINISHED`: counters of running or failed vertices are partial.
    NotFinished { state: String },
    /// A streaming job: the Adaptive Batch Scheduler does not size it.
    NotBatch { job_type: String },
    /// Decided from the recorded run itself (volume unscaled), a vertex gets another number than
    /// Flink gave it: the model does not reproduce this vertex (uneven subpartitions, a
    /// parallelism the job sets, or options other than the ones the job ran with), and what-ifs
    /// for it carry the difference.
    DiffersFromRecorded {
        vertex: String,
        flink: u32,
        planscale: u32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub job_id: Option<String>,
    pub job_name: Option<String>,
    pub scale_volume: f64,
    pub avg_data_volume_per_task: u64,
    /// In the details' vertex order.
    pub vertices: Vec<VertexOutcome>,
    pub warnings: Vec<Warning>,
    /// What the decisions say about the settings.
    pub notes: Vec<Note>,
}

/// A REST job details document with a cycle cannot be decided.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleError(pub String);

impl std::fmt::Display for CycleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the job graph has a cycle through vertex {}", self.0)
    }
}

fn scaled(bytes: u64, factor: f64) -> u64 {
    if factor == 1.0 {
        return bytes;
    }
    let x = bytes as f64 * factor;
    if x >= u64::MAX as f64 {
        u64::MAX
    } else {
        x.round().max(0.0) as u64
    }
}

/// Decides every vertex of `job`.
pub fn decide(job: &BatchJob, req: &Request) -> Result<Outcome, CycleError> {
    let order = job::topological(job).map_err(CycleError)?;
    let consumers = job.consumer_edges();
    let mut decided: BTreeMap<&str, Decision> = BTreeMap::new();
    let mut outcomes: Vec<Option<VertexOutcome>> = vec![None; job.vertices.len()];
    for i in order {
        let v = &job.vertices[i];
        let inputs: Vec<Consumed> = v
            .inputs
            .iter()
            .map(|input| consumed(job, v, input, &consumers, req.scale_volume))
            .collect();
        let max_parallelism = v.max_parallelism.unwrap_or(req.opts.max_parallelism);
        let decision = decide_vertex(job, v, &inputs, max_parallelism, &decided, &req.opts);
        decided.insert(v.id.as_str(), decision.clone());
        outcomes[i] = Some(VertexOutcome {
            id: v.id.clone(),
            name: v.name.clone(),
            flink_parallelism: v.parallelism,
            max_parallelism,
            inputs,
            decision,
        });
    }
    let mut warnings = Vec::new();
    if let Some(state) = job.state.as_deref().filter(|s| *s != "FINISHED") {
        warnings.push(Warning::NotFinished {
            state: state.to_string(),
        });
    }
    if let Some(t) = job.job_type.as_deref().filter(|t| *t != "BATCH") {
        warnings.push(Warning::NotBatch {
            job_type: t.to_string(),
        });
    }
    let vertices: Vec<VertexOutcome> = outcomes.into_iter().flatten().collect();
    // The self-check: the recorded run, decided under the same options.
    let baseline = if req.scale_volume == 1.0 {
        None
    } else {
        let mut r = req.clone();
        r.scale_volume = 1.0;
        Some(decide(job, &r)?.vertices)
    };
    for (v, b) in vertices
        .iter()
        .zip(baseline.as_ref().unwrap_or(&vertices).iter())
    {
        if let (Some(flink), Some(ours)) = (v.flink_parallelism, b.decision.parallelism()) {
            if flink != ours {
                warnings.push(Warning::DiffersFromRecorded {
                    vertex: v.id.clone(),
                    flink,
                    planscale: ours,
                });
            }
        }
    }
    let notes = if req.opts.enabled {
        notes(&vertices)
    } else {
        Vec::new()
    };
    Ok(Outcome {
        notes,
        job_id: job.job_id.clone(),
        job_name: job.name.clone(),
        scale_volume: req.scale_volume,
        avg_data_volume_per_task: req.opts.avg_data_volume_per_task,
        vertices,
        warnings,
    })
}

/// The bytes of one input: the producer's `write-bytes` when this edge is its only output,
/// else the consumer's `read-bytes` when this is its only input. A broadcast input's
/// `read-bytes` counts the data once per consumer task, so it never stands for the producer's.
fn consumed(
    job: &BatchJob,
    v: &job::Vertex,
    input: &job::Input,
    consumers: &BTreeMap<&str, usize>,
    factor: f64,
) -> Consumed {
    let producer = job.vertex(&input.from);
    let only_output = consumers.get(input.from.as_str()).copied() == Some(1);
    let (bytes, from) = match producer.and_then(|p| p.write_bytes) {
        Some(b) if only_output => (Some(b), BytesFrom::ProducerWrite),
        _ if v.inputs.len() == 1 && input.exchange != Exchange::Broadcast => match v.read_bytes {
            Some(b) => (Some(b), BytesFrom::ConsumerRead),
            None => (None, BytesFrom::None),
        },
        _ => (None, BytesFrom::None),
    };
    Consumed {
        from: input.from.clone(),
        exchange: input.exchange,
        ship_strategy: input.ship_strategy.clone(),
        bytes: bytes.map(|b| scaled(b, factor)),
        bytes_from: from,
    }
}

fn decide_vertex(
    job: &BatchJob,
    v: &job::Vertex,
    inputs: &[Consumed],
    vertex_max: u32,
    decided: &BTreeMap<&str, Decision>,
    opts: &BatchOptions,
) -> Decision {
    if !opts.enabled {
        return Decision::Decided {
            parallelism: opts.parallelism_default.unwrap_or(1),
            basis: Basis::Disabled {
                parallelism_default: opts.parallelism_default,
            },
        };
    }
    if inputs.is_empty() {
        let (upper, capped) = rule::source_upper_bound(opts.default_source_parallelism, vertex_max);
        return match v.parallelism {
            Some(p) if p < upper => Decision::Undecided(Gap::SourceBelowBound { flink: p, upper }),
            Some(p) if p > upper => Decision::Undecided(Gap::SetByJob { flink: p }),
            _ => Decision::Decided {
                parallelism: upper,
                basis: Basis::Source {
                    from_max: opts.source_from_max,
                    capped_by_vertex_max: capped,
                },
            },
        };
    }
    // A forward input ties the vertex to its producer's forward group.
    if let Some(f) = inputs.iter().find(|i| i.exchange == Exchange::Forward) {
        return match decided.get(f.from.as_str()).and_then(Decision::parallelism) {
            Some(p) => Decision::Decided {
                parallelism: p,
                basis: Basis::Forward {
                    producer: f.from.clone(),
                },
            },
            None => Decision::Undecided(Gap::UndecidedProducer {
                producer: f.from.clone(),
            }),
        };
    }
    // Every input's bytes are needed: the non-broadcast ones for the volume, all of them for
    // each group's share of the volume per task.
    let consumers = job.consumer_edges();
    let mut bytes_of = Vec::with_capacity(inputs.len());
    for i in inputs {
        match i.bytes {
            Some(b) => bytes_of.push(b),
            None => {
                let shared = consumers.get(i.from.as_str()).copied().unwrap_or(0) > 1;
                let producer = i.from.clone();
                return Decision::Undecided(if shared {
                    Gap::SharedOutput { producer }
                } else {
                    Gap::NoBytes { producer }
                });
            }
        }
    }
    let sum = |pick: &dyn Fn(&Consumed) -> bool| -> u64 {
        inputs
            .iter()
            .zip(&bytes_of)
            .filter(|(i, _)| pick(i))
            .fold(0u64, |a, (_, b)| a.saturating_add(*b))
    };
    let broadcast = |i: &Consumed| i.exchange == Exchange::Broadcast;
    let all_bytes = sum(&|_| true);
    let non_broadcast = sum(&|i| !broadcast(i));
    let any_non_broadcast = inputs.iter().any(|i| !broadcast(i));
    let per_task = opts.avg_data_volume_per_task;
    let bounds = rule::bounds(opts.min_parallelism, opts.max_parallelism, vertex_max);
    let by_volume = rule::by_volume(
        any_non_broadcast.then_some(non_broadcast),
        per_task,
        bounds.min,
        bounds.max,
    );
    let mut p = by_volume.value;
    let (mut min, mut max) = (bounds.min, bounds.max);
    let pointwise: Vec<usize> = (0..inputs.len())
        .filter(|&k| inputs[k].exchange.is_pointwise())
        .collect();
    let all_to_all: Vec<usize> = (0..inputs.len())
        .filter(|&k| !inputs[k].exchange.is_pointwise())
        .collect();
    if !pointwise.is_empty() && all_to_all.iter().any(|&k| !broadcast(&inputs[k])) {
        (min, max) = (p, p);
    }
    let mut packing = None;
    if !pointwise.is_empty() {
        // The slices are the producers' subpartitions, so their parallelism is needed.
        let mut total = u32::MAX;
        for &k in &pointwise {
            let from = inputs[k].from.as_str();
            let producers = decided
                .get(from)
                .and_then(Decision::parallelism)
                .or_else(|| job.vertex(from).and_then(|p| p.parallelism));
            let Some(producers) = producers else {
                return Decision::Undecided(Gap::UndecidedProducer {
                    producer: from.to_string(),
                });
            };
            let per = rule::subpartitions(true, vertex_max, producers);
            total = total.min(producers.saturating_mul(per));
        }
        let group = sum(&|i| i.exchange.is_pointwise());
        let limit = rule::group_limit(per_task, group, all_bytes);
        let slices = rule::pointwise_slices(total, max);
        let pk = rule::pack(slices, group, limit, min, max);
        p = pk.parallelism(p);
        packing = Some((Group::Pointwise, pk));
        if !all_to_all.is_empty() {
            (min, max) = (p, p);
        }
    }
    let keyed = |i: &Consumed| i.exchange == Exchange::Keyed;
    if all_to_all.iter().any(|&k| keyed(&inputs[k])) {
        let group_all = sum(&|i| !i.exchange.is_pointwise());
        let limit_all = rule::group_limit(per_task, group_all, all_bytes);
        let keyed_bytes = sum(&|i| keyed(i));
        let limit = rule::group_limit(limit_all, keyed_bytes + sum(&broadcast), group_all);
        let slices = rule::subpartitions(false, vertex_max, 1);
        let pk = rule::pack(slices, keyed_bytes, limit, min, max);
        p = pk.parallelism(p);
        packing = Some((Group::AllToAll, pk));
    }
    Decision::Decided {
        parallelism: p,
        basis: Basis::Volume {
            bytes: any_non_broadcast.then_some(non_broadcast),
            per_task,
            bounds,
            by_volume,
            packing,
        },
    }
}

/// One row of a sweep: the parallelism of every vertex (in the details' order) under one
/// `avg-data-volume-per-task`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub avg_data_volume_per_task: u64,
    pub parallelism: Vec<Option<u32>>,
}

/// Decides the job once per volume per task.
pub fn sweep(job: &BatchJob, req: &Request, volumes: &[u64]) -> Result<Vec<SweepRow>, CycleError> {
    volumes
        .iter()
        .map(|&v| {
            let mut r = req.clone();
            r.opts.avg_data_volume_per_task = v.max(1);
            let o = decide(job, &r)?;
            Ok(SweepRow {
                avg_data_volume_per_task: v,
                parallelism: o
                    .vertices
                    .iter()
                    .map(|x| x.decision.parallelism())
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
