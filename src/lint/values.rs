//! Values: read as Flink reads them (`crate::value`), within their ranges, and consistent with
//! each other.
//!
//! Upstream: the ranges of `scaler::options::OPTIONS` (the operator's `AutoscalerValidator` and
//! what the autoscaler can compute with), the feature-gated ranges `AutoscalerValidator` added
//! after 1.15 (FLINK-39826: `scaling.effectiveness.threshold` and `memory.tuning.overhead` in
//! [0, 1] when their feature is on; `observed-scalability.coefficient-min` only then), its groups
//! `utilization.min <= utilization.target <= utilization.max`, and for the other keys read here
//! Flink's own option types: `JobManagerOptions.SCHEDULER` (enum, case-insensitive),
//! `PipelineOptions.MAX_PARALLELISM` (1..=32768, `KeyGroupRangeAssignment`), `CoreOptions.
//! DEFAULT_PARALLELISM`, `PipelineOptions.PARALLELISM_OVERRIDES` (a map whose values
//! `Dispatcher.applyParallelismOverrides` reads with `Integer.parseInt`), and the CRD's types of
//! `spec.job.parallelism` and `spec.taskManager.replicas` (integers) and `spec.flinkVersion`
//! (the `FlinkVersion` enum).

use crate::diagnostic::{Diagnostic, Rule};
use crate::lint::{at_value, kv, legacy_quotes, unreadable, Ctx, Opt};
use crate::scaler::options::{self, AutoscalerOptions, PREFIX};
use crate::value::{self, DurationMs};

/// How a non-autoscaler key this command reads is written.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Bool,
    /// An integer within `min..=max`, or `-1` ("unset") where `unset` says so.
    Int {
        min: i64,
        max: i64,
        unset: bool,
    },
    Double,
    Duration,
    Memory,
    /// Flink's enum parsing: the constant's name in any letter case.
    Enum(&'static [&'static str]),
    /// `vertex-id:parallelism,...`.
    Overrides,
}

/// A Flink or operator option (not an autoscaler one) that other checks read: its key, its
/// deprecated keys (read after it, as Flink does) and its type.
pub(super) struct Other {
    pub key: &'static str,
    pub deprecated: &'static [&'static str],
    pub kind: Kind,
}

pub(super) const SCHEDULER: &str = "jobmanager.scheduler";
pub(super) const SCHEDULER_MODE: &str = "scheduler-mode";
pub(super) const RECONCILE_INTERVAL: &str = "kubernetes.operator.reconcile.interval";
pub(super) const INPLACE_SCALING: &str = "kubernetes.operator.job.upgrade.inplace-scaling.enabled";
pub(super) const MAX_PARALLELISM: &str = "pipeline.max-parallelism";
pub(super) const DEFAULT_PARALLELISM: &str = "parallelism.default";
pub(super) const SLOTS: &str = "taskmanager.numberOfTaskSlots";
pub(super) const TM_CPU: &str = "kubernetes.taskmanager.cpu.amount";
pub(super) const TM_MEMORY: &str = "taskmanager.memory.process.size";
pub(super) const OVERRIDES: &str = "pipeline.jobvertex-parallelism-overrides";

/// `KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM`.
pub(super) const UPPER_BOUND_MAX_PARALLELISM: i64 = 1 << 15;

pub(super) const OTHERS: &[Other] = &[
    Other {
        key: SCHEDULER,
        deprecated: &[],
        kind: Kind::Enum(&["Default", "Adaptive", "AdaptiveBatch"]),
    },
    Other {
        key: SCHEDULER_MODE,
        deprecated: &[],
        kind: Kind::Enum(&["REACTIVE"]),
    },
    Other {
        key: RECONCILE_INTERVAL,
        deprecated: &["kubernetes.operator.reconciler.reschedule.interval"],
        kind: Kind::Duration,
    },
    Other {
        key: INPLACE_SCALING,
        deprecated: &[],
        kind: Kind::Bool,
    },
    Other {
        key: MAX_PARALLELISM,
        deprecated: &[],
        kind: Kind::Int {
            min: 1,
            max: UPPER_BOUND_MAX_PARALLELISM,
            unset: true,
        },
    },
    Other {
        key: DEFAULT_PARALLELISM,
        deprecated: &[],
        kind: Kind::Int {
            min: 1,
            max: i32::MAX as i64,
            unset: true,
        },
    },
    Other {
        key: SLOTS,
        deprecated: &[],
        kind: Kind::Int {
            min: 1,
            max: i32::MAX as i64,
            unset: false,
        },
    },
    Other {
        key: TM_CPU,
        deprecated: &["kubernetes.taskmanager.cpu"],
        kind: Kind::Double,
    },
    Other {
        key: TM_MEMORY,
        deprecated: &[],
        kind: Kind::Memory,
    },
    Other {
        key: OVERRIDES,
        deprecated: &[],
        kind: Kind::Overrides,
    },
];

/// The keys Flink reads `key` under, in its order.
pub(super) fn keys_of(key: &str) -> Vec<&'static str> {
    OTHERS
        .iter()
        .find(|o| o.key == key)
        .map(|o| {
            std::iter::once(o.key)
                .chain(o.deprecated.iter().copied())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let own: Vec<Opt<'_>> = ctx.opts.iter().filter(|o| o.own).copied().collect();
    for o in &own {
        if let Some(short) = options::short_key(o.key) {
            if options::known_in(short, ctx.version) {
                autoscaler_value(ctx, o, short);
            }
        } else if let Some(other) = OTHERS
            .iter()
            .find(|x| x.key == o.key || x.deprecated.contains(&o.key))
        {
            if let Err(message) = parse_other(other.kind, o.value) {
                let tail = legacy_quotes(ctx.doc.kind, o.value);
                ctx.push(at_value(
                    rule_of(&message),
                    o,
                    unreadable(o.key, o.value, message.text()) + tail,
                ));
            }
        }
    }
    gated_ranges(ctx);
    groups(ctx);
    spec_fields(ctx);
}

/// One autoscaler value: parses, and lies in its table range.
fn autoscaler_value(ctx: &mut Ctx<'_>, o: &Opt<'_>, short: &str) {
    let mut scratch = AutoscalerOptions::defaults(ctx.version);
    if let Err(e) = scratch.set(o.key, o.value) {
        let tail = legacy_quotes(ctx.doc.kind, o.value);
        ctx.push(at_value(
            Rule::InvalidValue,
            o,
            unreadable(o.key, o.value, &e.message) + tail,
        ));
        return;
    }
    let Some(def) = options::option_def(short) else {
        return;
    };
    for p in scratch.validate() {
        if p.keys.as_slice() != [def.key] {
            continue;
        }
        let read_as = if p.value != o.value.trim() {
            format!(" (read as {})", p.value)
        } else {
            String::new()
        };
        let mut d = at_value(
            Rule::ValueOutOfRange,
            o,
            format!("{}{read_as}: allowed {}", kv(o.key, o.value), p.allowed),
        );
        if def.key == "utilization.target" && p.value == "0" {
            d.message.push_str(
                " (a target of 0 makes the target capacity infinite: \
                 AutoScalerUtils.getTargetProcessingCapacity)",
            );
        }
        // From 1.16 the operator checks coefficient-min only with observed scalability on.
        if def.key == "observed-scalability.coefficient-min"
            && ctx.version.after_1_15()
            && !ctx.autoscaler.observed_scalability_enabled
        {
            d = d.warning();
            d.message
                .push_str("; harmless while job.autoscaler.observed-scalability.enabled is false");
        }
        ctx.push(d);
    }
}

/// Ranges the operator's validator checks only while the option's feature is on (after 1.15).
fn gated_ranges(ctx: &mut Ctx<'_>) {
    if !ctx.version.after_1_15() {
        return;
    }
    let a = &ctx.autoscaler;
    let gated = [
        (
            a.scaling_effectiveness_detection_enabled,
            "scaling.effectiveness.threshold",
            a.scaling_effectiveness_threshold,
            "scaling.effectiveness.detection.enabled",
        ),
        (
            a.memory_tuning_enabled,
            "memory.tuning.overhead",
            a.memory_tuning_overhead,
            "memory.tuning.enabled",
        ),
    ];
    for (on, short, x, feature) in gated {
        if !on || (0.0..=1.0).contains(&x) {
            continue;
        }
        if let Some(o) = ctx.autoscaler_opt(short).filter(|o| o.own) {
            ctx.push(at_value(
                Rule::ValueOutOfRange,
                &o,
                format!(
                    "{}: allowed in [0, 1] while {PREFIX}{feature} is true",
                    kv(o.key, o.value)
                ),
            ));
        }
    }
}

/// `utilization.min <= utilization.target <= utilization.max` (the operator's validator) and
/// `vertex.min-parallelism <= vertex.max-parallelism` (the autoscaler's limits, where a minimum
/// above the maximum keeps a vertex where it is).
fn groups(ctx: &mut Ctx<'_>) {
    let a = ctx.autoscaler.clone();
    let t = a.utilization_target;
    let own = |short: &str| ctx.autoscaler_opt(short).filter(|o| o.own);
    let target_at = own("utilization.target");
    let mut found = Vec::new();
    if let (Some(max), true) = (a.utilization_max, (0.0..=1.0).contains(&t)) {
        if max < t && (0.0..=1.0).contains(&max) {
            if let Some(o) = own("utilization.max").or(target_at) {
                found.push(at_value(
                    Rule::InconsistentOptions,
                    &o,
                    format!(
                        "{PREFIX}utilization.max ({max}) is below {PREFIX}utilization.target \
                         ({t}): the operator allows utilization.max in [utilization.target, 1]"
                    ),
                ));
            }
        }
    }
    if let (Some(min), true) = (a.utilization_min, (0.0..=1.0).contains(&t)) {
        if min > t && (0.0..=1.0).contains(&min) {
            if let Some(o) = own("utilization.min").or(target_at) {
                found.push(at_value(
                    Rule::InconsistentOptions,
                    &o,
                    format!(
                        "{PREFIX}utilization.min ({min}) is above {PREFIX}utilization.target \
                         ({t}): the operator allows utilization.min in [0, utilization.target]"
                    ),
                ));
            }
        }
    }
    let (lo, hi) = (a.vertex_min_parallelism, a.vertex_max_parallelism);
    if lo > hi && lo >= 1 && hi >= 1 {
        if let Some(o) = own("vertex.min-parallelism").or(own("vertex.max-parallelism")) {
            found.push(at_value(
                Rule::InconsistentOptions,
                &o,
                format!(
                    "{PREFIX}vertex.min-parallelism ({lo}) is above {PREFIX}vertex.max-parallelism \
                     ({hi}): the autoscaler then bounds a vertex by min(current, {lo}) and \
                     max(current, {hi}), so vertices between the two never move"
                ),
            ));
        }
    }
    for d in found {
        ctx.push(d);
    }
}

/// The resource fields the checks read: `spec.flinkVersion` is a known `FlinkVersion`,
/// `spec.job.parallelism` and `spec.taskManager.replicas` are integers of at least 1
/// (`DefaultValidator.validateJobSpec`).
fn spec_fields(ctx: &mut Ctx<'_>) {
    let Some(r) = ctx.resource() else {
        return;
    };
    let mut found = Vec::new();
    for path in ["job.parallelism", "taskManager.replicas"] {
        let Some(f) = r.field(path) else {
            continue;
        };
        let key = format!("spec.{path}");
        let d = |rule, msg: String| Diagnostic::new(rule, f.value_pos, msg).key(&key);
        if f.quoted {
            found.push(d(
                Rule::InvalidValue,
                format!(
                    "{}: the CRD wants an integer, not a string; write it without quotes",
                    kv(&key, &f.value)
                ),
            ));
            continue;
        }
        match value::parse_int(&f.value) {
            Err(m) => found.push(d(
                Rule::InvalidValue,
                format!("{}: {m}", kv(&key, &f.value)),
            )),
            Ok(n) if n < 1 => {
                let what = if path == "job.parallelism" {
                    "Job parallelism must be larger than 0"
                } else {
                    "TaskManager replicas must be larger than 0"
                };
                found.push(d(
                    Rule::ValueOutOfRange,
                    format!(
                        "{}: allowed >= 1 (the operator: \"{what}\")",
                        kv(&key, &f.value)
                    ),
                ));
            }
            Ok(_) => {}
        }
    }
    for d in found {
        ctx.push(d);
    }
}

/// Why a value is refused, and which rule says so.
pub(super) enum Refusal {
    Invalid(String),
    OutOfRange(String),
}

impl Refusal {
    fn text(&self) -> &str {
        match self {
            Refusal::Invalid(m) | Refusal::OutOfRange(m) => m,
        }
    }
}

fn rule_of(r: &Refusal) -> Rule {
    match r {
        Refusal::Invalid(_) => Rule::InvalidValue,
        Refusal::OutOfRange(_) => Rule::ValueOutOfRange,
    }
}

/// A value of one of [`OTHERS`], as Flink reads it.
pub(super) fn parse_other(kind: Kind, text: &str) -> Result<Parsed, Refusal> {
    match kind {
        Kind::Bool => value::parse_bool(text)
            .map(Parsed::Bool)
            .map_err(Refusal::Invalid),
        Kind::Int { min, max, unset } => {
            let n = value::parse_int(text).map_err(Refusal::Invalid)?;
            if (unset && n == -1) || (min..=max).contains(&n) {
                Ok(Parsed::Int(n))
            } else {
                let also = if unset { " (or -1 for unset)" } else { "" };
                Err(Refusal::OutOfRange(format!(
                    "allowed in [{min}, {max}]{also}"
                )))
            }
        }
        Kind::Double => value::parse_double(text)
            .map(Parsed::Double)
            .map_err(Refusal::Invalid),
        Kind::Duration => value::parse_duration(text)
            .map(Parsed::Duration)
            .map_err(Refusal::Invalid),
        Kind::Memory => value::parse_memory_size(text)
            .map(Parsed::Bytes)
            .map_err(Refusal::Invalid),
        Kind::Enum(names) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(text.trim()))
            .map(|n| Parsed::Enum(n))
            .ok_or_else(|| {
                Refusal::Invalid(format!(
                    "{} is not one of {}",
                    value::short(text.trim()),
                    names.join(", ")
                ))
            }),
        Kind::Overrides => {
            let pairs = value::parse_map(text).map_err(Refusal::Invalid)?;
            let mut out = Vec::with_capacity(pairs.len());
            for (id, p) in pairs {
                // Dispatcher.applyParallelismOverrides: Integer.parseInt(override).
                let n = value::parse_int(&p)
                    .map_err(|m| Refusal::Invalid(format!("vertex {}: {m}", value::short(&id))))?;
                if n < 1 {
                    return Err(Refusal::OutOfRange(format!(
                        "vertex {}: parallelism {n}, allowed >= 1",
                        value::short(&id)
                    )));
                }
                out.push((id, n));
            }
            Ok(Parsed::Overrides(out))
        }
    }
}

/// A value of one of [`OTHERS`], read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Parsed {
    Bool(bool),
    Int(i64),
    Double(f64),
    Duration(DurationMs),
    Bytes(u64),
    Enum(&'static str),
    Overrides(Vec<(String, i64)>),
}

/// The value a document runs with for one of [`OTHERS`] (Flink's key order), with the setting;
/// `None` when unset or unreadable (an unreadable value is a finding of its own).
pub(super) fn get<'a>(ctx: &Ctx<'a>, key: &str) -> Option<(Parsed, Opt<'a>)> {
    let kind = OTHERS.iter().find(|o| o.key == key)?.kind;
    let o = ctx.lookup(&keys_of(key))?;
    let parsed = parse_other(kind, o.value).ok()?;
    Some((parsed, o))
}

pub(super) fn get_int<'a>(ctx: &Ctx<'a>, key: &str) -> Option<(i64, Opt<'a>)> {
    match get(ctx, key)? {
        (Parsed::Int(n), o) => Some((n, o)),
        _ => None,
    }
}
