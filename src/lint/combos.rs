//! Settings that cannot work together.
//!
//! Upstream, each where it is checked:
//! - `DefaultValidator.validateFlinkVersion` ("Flink Version must be defined", `FlinkVersion.
//!   isSupported`: v1_15 and later) and the autoscaler docs ("only works with Flink 1.17 and
//!   later", which brings job vertex parallelism overrides);
//! - `DefaultValidator.validateMetricsWindow` (main, FLINK-39826): the window must not be shorter
//!   than `kubernetes.operator.reconcile.interval`, "otherwise fewer than two metric samples are
//!   retained and autoscaling is never applied"; 1.15 lacks the check but samples the same way;
//! - `NativeFlinkService.supportsInPlaceScaling`: in-place rescaling needs
//!   `kubernetes.operator.job.upgrade.inplace-scaling.enabled`, Flink v1_18 or later and
//!   `jobmanager.scheduler: adaptive`, else the operator falls back to a full upgrade;
//!   `StandaloneFlinkService.scale`: in standalone mode only with `scheduler-mode: reactive`;
//!   `RescaleApiScalingRealizer` (the standalone autoscaler) does not rescale at all without the
//!   adaptive scheduler;
//! - `KubernetesScalingRealizer.realizeConfigOverrides`: memory tuning changes only a
//!   FlinkDeployment, and only one whose `spec.taskManager` sets memory;
//! - `ScalingExecutor.scalingWouldExceedResourceQuota`: quotas compare TaskManagers × their CPU
//!   (`kubernetes.taskmanager.cpu.amount`, default -1 when the spec sets none) or memory
//!   (`taskmanager.memory.process.size`), so without those a quota never blocks;
//! - `ExecutionJobVertex`: a vertex whose parallelism is above its max parallelism fails the job
//!   ("is higher than the max parallelism"); `FlinkConfigBuilder.getParallelism`: with
//!   `spec.taskManager.replicas` the job's parallelism is replicas × slots.

use crate::diagnostic::{Diagnostic, Rule};
use crate::lint::values::{self, get, get_int, Parsed};
use crate::lint::{at_key, at_value, kv, Ctx, InUse};
use crate::scaler::options::PREFIX;
use crate::settings::file::{ConfigKind, Resource, SpecField};
use crate::value::{self, DurationMs};

/// `KubernetesOperatorConfigOptions.OPERATOR_RECONCILE_INTERVAL`'s default.
pub(super) const DEFAULT_RECONCILE_INTERVAL: DurationMs = DurationMs::from_secs(60);

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let version = flink_version(ctx);
    parallelism_vs_max(ctx);
    let Some(in_use) = ctx.in_use() else {
        return;
    };
    if let Some(v) = version {
        autoscaler_needs_1_17(ctx, v);
    }
    window(ctx, in_use);
    if ctx.autoscaler.scaling_enabled {
        in_place(ctx, version);
    }
    memory_tuning(ctx);
    quotas_need_sizes(ctx);
}

/// `spec.flinkVersion` read as the operator's `FlinkVersion` enum: `(major, minor)`.
pub(super) type FlinkVersion = (u32, u32);

/// Every `FlinkVersion` constant (release-1.15.0 and main list the same).
const FLINK_VERSIONS: &[&str] = &[
    "v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20", "v2_0", "v2_1", "v2_2",
    "v2_3", "v2_4",
];

fn parse_flink_version(text: &str) -> Option<FlinkVersion> {
    if !FLINK_VERSIONS.contains(&text) {
        return None;
    }
    let (major, minor) = text.strip_prefix('v')?.split_once('_')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The Flink version the document's job runs: its own `spec.flinkVersion`, or its session
/// cluster's. Reports a FlinkDeployment's missing, unknown or unsupported version.
fn flink_version(ctx: &mut Ctx<'_>) -> Option<FlinkVersion> {
    let r = ctx.cluster_resource()?;
    let field = r.field("flinkVersion");
    let own = ctx.doc.kind == ConfigKind::FlinkDeployment;
    let Some(f) = field else {
        if own {
            ctx.push(
                Diagnostic::new(
                    Rule::FlinkVersionUnsupported,
                    ctx.doc.start,
                    "spec.flinkVersion is not set: the operator refuses the resource \
                     (\"Flink Version must be defined.\")",
                )
                .key("spec.flinkVersion"),
            );
        }
        return None;
    };
    let parsed = parse_flink_version(&f.value);
    if own {
        match parsed {
            None => ctx.push(spec_diag(
                Rule::FlinkVersionUnsupported,
                f,
                format!(
                    "{}: not a FlinkVersion of the operator ({})",
                    kv("spec.flinkVersion", &f.value),
                    FLINK_VERSIONS.join(", ")
                ),
            )),
            Some(v) if v < (1, 15) => ctx.push(spec_diag(
                Rule::FlinkVersionUnsupported,
                f,
                format!(
                    "{}: the operator supports v1_15 and later (\"Flink version {} is not \
                     supported by this operator version\")",
                    kv("spec.flinkVersion", &f.value),
                    f.value
                ),
            )),
            Some(_) => {}
        }
    }
    parsed
}

fn spec_diag(rule: Rule, f: &SpecField, message: String) -> Diagnostic {
    Diagnostic::new(rule, f.value_pos, message).key(&format!("spec.{}", f.path))
}

/// The autoscaler's docs: "only works with Flink 1.17 and later" (job vertex parallelism
/// overrides; 1.15 and 1.16 images need backports).
fn autoscaler_needs_1_17(ctx: &mut Ctx<'_>, v: FlinkVersion) {
    if !((1, 15)..(1, 17)).contains(&v) || !ctx.is_job() {
        return;
    }
    let Some(f) = ctx.cluster_resource().and_then(|r| r.field("flinkVersion")) else {
        return;
    };
    let pos = if ctx.doc.kind == ConfigKind::FlinkDeployment {
        f.value_pos
    } else {
        ctx.anchor()
    };
    let d = Diagnostic::new(
        Rule::FlinkVersionUnsupported,
        pos,
        format!(
            "the autoscaler needs Flink 1.17 or later (job vertex parallelism overrides), \
             spec.flinkVersion is {}: without backported fixes its decisions are not applied",
            f.value
        ),
    )
    .key("spec.flinkVersion")
    .warning();
    ctx.push(d);
}

/// `job.autoscaler.metrics.window` against `kubernetes.operator.reconcile.interval`.
fn window(ctx: &mut Ctx<'_>, in_use: InUse) {
    let window = ctx.autoscaler.metrics_window;
    let (interval, interval_opt) = match get(ctx, values::RECONCILE_INTERVAL) {
        Some((Parsed::Duration(d), o)) => (d, Some(o)),
        _ => (DEFAULT_RECONCILE_INTERVAL, None),
    };
    if window >= interval || window.0 <= 0 {
        return;
    }
    let window_opt = ctx.autoscaler_opt("metrics.window");
    let interval_text = match &interval_opt {
        Some(o) => format!("{} ({interval})", o.key),
        None => format!(
            "kubernetes.operator.reconcile.interval ({interval}, the operator's default; its \
             Helm values may set another)"
        ),
    };
    let mut message = format!(
        "{PREFIX}metrics.window ({window}) is shorter than {interval_text}: the autoscaler takes \
         one metric sample per reconcile and needs two inside the window, so it never scales"
    );
    let refused = ctx.version.after_1_15() && in_use == InUse::Enabled;
    if refused {
        let what = if ctx.doc.kind == ConfigKind::HelmValues {
            "every resource that keeps these defaults"
        } else {
            "the resource"
        };
        message.push_str(&format!(
            "; operator {} refuses {what} (DefaultValidator.validateMetricsWindow)",
            ctx.version.label()
        ));
    }
    let pos_opt = window_opt
        .filter(|o| o.own)
        .or(interval_opt.filter(|o| o.own));
    let d = match pos_opt {
        Some(o) => at_value(Rule::WindowBelowReconcileInterval, &o, message),
        None => Diagnostic::new(Rule::WindowBelowReconcileInterval, ctx.anchor(), message)
            .key(&format!("{PREFIX}metrics.window")),
    };
    ctx.push(if refused { d } else { d.warning() });
}

/// Whether the operator can rescale the job in place; every reason it cannot, in one finding.
fn in_place(ctx: &mut Ctx<'_>, version: Option<FlinkVersion>) {
    let kind = ctx.doc.kind;
    if kind == ConfigKind::FlinkDeployment && !ctx.is_job() {
        return; // a session cluster: its FlinkSessionJobs are checked
    }
    let scheduler = get(ctx, values::SCHEDULER);
    if scheduler.is_none() && ctx.lookup(&values::keys_of(values::SCHEDULER)).is_some() {
        return; // set but unreadable: an invalid-value finding already
    }
    let adaptive = matches!(scheduler, Some((Parsed::Enum("Adaptive"), _)));
    let scheduler_reason = match &scheduler {
        Some((_, o)) => format!("{} (in-place needs adaptive)", kv(o.key, o.value)),
        None => format!(
            "{} is not set, so the default scheduler runs (in-place needs adaptive)",
            values::SCHEDULER
        ),
    };
    let scheduler_at = scheduler
        .as_ref()
        .filter(|(_, o)| o.own)
        .map(|(_, o)| o.value_pos);
    let resource = ctx.cluster_resource();
    let mut reasons: Vec<String> = Vec::new();
    let mut at = None;
    let message = match kind {
        ConfigKind::FlinkDeployment | ConfigKind::FlinkSessionJob => {
            let mode = resource.and_then(|r| r.field("mode"));
            if mode.is_some_and(|f| f.value == "standalone") {
                let reactive = matches!(
                    get(ctx, values::SCHEDULER_MODE),
                    Some((Parsed::Enum("REACTIVE"), _))
                );
                if !reactive {
                    reasons.push(
                        "spec.mode is standalone, where the operator rescales in place only with \
                         scheduler-mode: reactive"
                            .to_string(),
                    );
                    if kind == ConfigKind::FlinkDeployment {
                        at = mode.map(|f| f.value_pos);
                    }
                }
            } else {
                if let Some((Parsed::Bool(false), o)) = get(ctx, values::INPLACE_SCALING) {
                    reasons.push(kv(o.key, o.value));
                    at = at.or(Some(o.value_pos).filter(|_| o.own));
                }
                if version.is_some_and(|v| v < (1, 18)) {
                    let f = resource.and_then(|r| r.field("flinkVersion"));
                    let text = f.map_or("", |f| f.value.as_str());
                    reasons.push(format!(
                        "spec.flinkVersion is {text} (in-place needs v1_18 or later)"
                    ));
                    if kind == ConfigKind::FlinkDeployment {
                        at = at.or(f.map(|f| f.value_pos));
                    }
                }
                if !adaptive {
                    reasons.push(scheduler_reason);
                    at = at.or(scheduler_at);
                }
            }
            let stateless = ctx
                .resource()
                .and_then(|r| r.field("job.upgradeMode"))
                .is_some_and(|f| f.value == "stateless");
            let consequence = if stateless {
                "every rescale is a full upgrade, and with upgradeMode stateless each one \
                 restarts the job from empty state"
            } else {
                "every rescale is a full upgrade that restarts the job"
            };
            format!(
                "autoscaling is on, but the operator cannot rescale this job in place: {}; \
                 {consequence}",
                reasons.join("; ")
            )
        }
        ConfigKind::HelmValues => {
            // Operator defaults: only a scheduler set here says something about deployments.
            if adaptive || scheduler.is_none() {
                return;
            }
            reasons.push(scheduler_reason);
            at = scheduler_at;
            format!(
                "autoscaling is on by default, but deployments that take the default {}: \
                 their rescales are full upgrades",
                reasons.join("; ")
            )
        }
        ConfigKind::FlinkConfig | ConfigKind::LegacyFlinkConf => {
            if adaptive {
                return;
            }
            reasons.push(scheduler_reason);
            at = scheduler_at;
            format!(
                "autoscaling is on, but {}: the operator then rescales with a full upgrade, and \
                 the standalone autoscaler does not rescale at all",
                reasons.join("; ")
            )
        }
    };
    if reasons.is_empty() {
        return;
    }
    let pos = at.unwrap_or_else(|| ctx.anchor());
    ctx.push(
        Diagnostic::new(Rule::RescaleNotInPlace, pos, message)
            .key(values::SCHEDULER)
            .warning(),
    );
}

/// Memory tuning where the operator does not apply it.
fn memory_tuning(ctx: &mut Ctx<'_>) {
    if !ctx.autoscaler.memory_tuning_enabled {
        return;
    }
    let Some(o) = ctx.autoscaler_opt("memory.tuning.enabled") else {
        return;
    };
    let pos = if o.own { o.key_pos } else { ctx.anchor() };
    let message = match ctx.doc.kind {
        ConfigKind::FlinkSessionJob => format!(
            "{}: the operator tunes the memory of FlinkDeployments only, not of a \
             FlinkSessionJob (KubernetesScalingRealizer), so this has no effect",
            kv(o.key, o.value)
        ),
        ConfigKind::FlinkDeployment if ctx.is_job() => {
            if ctx.resource().is_some_and(|r| tm_memory_field(r).is_some()) {
                return;
            }
            format!(
                "{}: spec.taskManager sets no memory (resource.memory or resources), so the \
                 operator skips memory tuning (\"TaskManager memory is not configured\")",
                kv(o.key, o.value)
            )
        }
        _ => return,
    };
    ctx.push(
        Diagnostic::new(Rule::AutoscalerNoEffect, pos, message)
            .key(o.key)
            .warning(),
    );
}

/// Quotas that can never block: the autoscaler multiplies TaskManagers by their CPU or memory,
/// and without those it has nothing to compare.
fn quotas_need_sizes(ctx: &mut Ctx<'_>) {
    // Only where the document fixes the TaskManagers: a job resource with its cluster in view.
    if !ctx.is_job() || ctx.cluster_resource().is_none() {
        return;
    }
    let mut found = Vec::new();
    if let Some(o) = ctx
        .autoscaler_opt("quota.cpu")
        .filter(|o| o.own && ctx.autoscaler.quota_cpu.is_some())
    {
        if tm_cpu(ctx).is_none() {
            found.push(at_key(
                Rule::AutoscalerNoEffect,
                &o,
                format!(
                    "{}: no TaskManager CPU is set (spec.taskManager.resource(s) cpu or \
                     {}), so the autoscaler counts TaskManagers at {} cores and the quota never \
                     blocks a scale-up",
                    kv(o.key, o.value),
                    values::TM_CPU,
                    -1
                ),
            ));
        }
    }
    if let Some(o) = ctx
        .autoscaler_opt("quota.memory")
        .filter(|o| o.own && ctx.autoscaler.quota_memory.is_some())
    {
        if tm_memory(ctx).is_none() {
            found.push(at_key(
                Rule::AutoscalerNoEffect,
                &o,
                format!(
                    "{}: no TaskManager memory is set (spec.taskManager.resource(s) memory or \
                     {}), so the autoscaler counts TaskManagers at 0 bytes and the quota never \
                     blocks a scale-up",
                    kv(o.key, o.value),
                    values::TM_MEMORY
                ),
            ));
        }
    }
    for d in found {
        ctx.push(d.warning());
    }
}

/// A job's parallelism as the operator submits it, with the field that sets it:
/// `spec.taskManager.replicas` × slots when replicas are set (FlinkDeployment), else
/// `spec.job.parallelism`.
pub(super) fn job_parallelism<'r>(ctx: &Ctx<'_>, r: &'r Resource) -> Option<(i64, &'r SpecField)> {
    let int = |f: &SpecField| {
        (!f.quoted)
            .then(|| value::parse_int(&f.value).ok())
            .flatten()
    };
    if ctx.doc.kind == ConfigKind::FlinkDeployment {
        if let Some(f) = r.field("taskManager.replicas") {
            if let Some(n) = int(f).filter(|n| *n > 0) {
                let slots = get_int(ctx, values::SLOTS).map_or(1, |(s, _)| s);
                return Some((n.saturating_mul(slots), f));
            }
        }
    }
    let f = r.field("job.parallelism")?;
    int(f).filter(|n| *n > 0).map(|n| (n, f))
}

/// Parallelisms above `pipeline.max-parallelism`, the max of every vertex that sets none itself.
fn parallelism_vs_max(ctx: &mut Ctx<'_>) {
    let Some((max, max_opt)) = get_int(ctx, values::MAX_PARALLELISM).filter(|(m, _)| *m > 0) else {
        return;
    };
    let max_text = kv(max_opt.key, max_opt.value);
    let mut found = Vec::new();
    let job = ctx.resource().and_then(|r| job_parallelism(ctx, r));
    if let Some((p, f)) = job {
        if p > max {
            let what = if f.path == "taskManager.replicas" {
                format!(
                    "spec.taskManager.replicas {} × slots = parallelism {p}",
                    f.value
                )
            } else {
                format!("spec.job.parallelism {p}")
            };
            found.push(
                Diagnostic::new(
                    Rule::ParallelismAboveMax,
                    f.value_pos,
                    format!(
                        "{what} is above {max_text}: Flink refuses to run a vertex above its max \
                         parallelism (\"is higher than the max parallelism\")"
                    ),
                )
                .key(&format!("spec.{}", f.path)),
            );
        }
    } else if let Some((p, o)) = get_int(ctx, values::DEFAULT_PARALLELISM).filter(|(_, o)| o.own) {
        if p > max {
            found.push(at_value(
                Rule::ParallelismAboveMax,
                &o,
                format!(
                    "{} is above {max_text}: Flink refuses to run a vertex above its max \
                     parallelism",
                    kv(o.key, o.value)
                ),
            ));
        }
    }
    if let Some((Parsed::Overrides(pairs), o)) = get(ctx, values::OVERRIDES) {
        if o.own {
            for (id, p) in pairs.iter().filter(|(_, p)| *p > max) {
                found.push(
                    at_value(
                        Rule::ParallelismAboveMax,
                        &o,
                        format!(
                            "{}: vertex {} at parallelism {p} is above {max_text}, the max \
                             parallelism of every vertex that sets none itself",
                            o.key,
                            value::short(id)
                        ),
                    )
                    .node(id),
                );
            }
        }
    }
    for d in found {
        ctx.push(d);
    }
}

/// The TaskManager's CPU as the operator hands it to the autoscaler: the spec's `resources`
/// (request, else limit) when it has any, else `resource.cpu`, else the configuration's
/// `kubernetes.taskmanager.cpu.amount`; `None` when none is set (-1, "as many as slots", to
/// Flink, which the quota check multiplies as it is).
pub(super) fn tm_cpu(ctx: &Ctx<'_>) -> Option<f64> {
    if let Some(r) = ctx.cluster_resource() {
        let spec = if has_requirements(r) {
            r.field("taskManager.resources.requests.cpu")
                .or(r.field("taskManager.resources.limits.cpu"))
        } else {
            r.field("taskManager.resource.cpu")
        };
        if let Some(cpu) = spec.and_then(|f| kubernetes_cpu(&f.value)) {
            return Some(cpu);
        }
    }
    match get(ctx, values::TM_CPU) {
        Some((Parsed::Double(x), _)) if x > 0.0 => Some(x),
        _ => None,
    }
}

/// The TaskManager's total process memory in bytes, from the spec (as `tm_cpu`) or
/// `taskmanager.memory.process.size`.
pub(super) fn tm_memory(ctx: &Ctx<'_>) -> Option<u64> {
    if let Some(f) = ctx.cluster_resource().and_then(tm_memory_field) {
        if let Some(b) = kubernetes_memory(&f.value) {
            return Some(b);
        }
    }
    match get(ctx, values::TM_MEMORY) {
        Some((Parsed::Bytes(b), _)) if b > 0 => Some(b),
        _ => None,
    }
}

fn tm_memory_field(r: &Resource) -> Option<&SpecField> {
    if has_requirements(r) {
        r.field("taskManager.resources.requests.memory")
            .or(r.field("taskManager.resources.limits.memory"))
    } else {
        r.field("taskManager.resource.memory")
    }
}

/// `ResourceConfigUtils.hasResourceRequirements`: `resources` carries a request or a limit.
fn has_requirements(r: &Resource) -> bool {
    r.fields
        .iter()
        .any(|f| f.path.starts_with("taskManager.resources."))
}

/// A Kubernetes CPU quantity: cores (`1`, `0.5`) or millicores (`500m`).
fn kubernetes_cpu(text: &str) -> Option<f64> {
    let t = text.trim();
    let x = match t.strip_suffix('m') {
        Some(milli) => milli.parse::<f64>().ok()? / 1000.0,
        None => t.parse::<f64>().ok()?,
    };
    (x.is_finite() && x > 0.0).then_some(x)
}

/// Memory as `ResourceConfigUtils.parseResourceMemoryString` reads it: Flink's `MemorySize`
/// first (`2048m` is 2048 MiB), else a Kubernetes quantity (`2Gi`, `2G`, `2e9`).
fn kubernetes_memory(text: &str) -> Option<u64> {
    if let Ok(b) = value::parse_memory_size(text) {
        return Some(b);
    }
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.to_uppercase();
    let t = t.strip_suffix('B').unwrap_or(&t);
    let suffixes: [(&str, f64); 12] = [
        ("KI", 1024f64),
        ("MI", 1024f64.powi(2)),
        ("GI", 1024f64.powi(3)),
        ("TI", 1024f64.powi(4)),
        ("PI", 1024f64.powi(5)),
        ("EI", 1024f64.powi(6)),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = suffixes
        .iter()
        .find_map(|(s, f)| t.strip_suffix(s).map(|n| (n, *f)))
        .unwrap_or((t, 1.0));
    let x = number.parse::<f64>().ok()? * factor;
    (x.is_finite() && x > 0.0 && x < u64::MAX as f64).then_some(x as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_quantities() {
        assert_eq!(kubernetes_cpu("500m"), Some(0.5));
        assert_eq!(kubernetes_cpu("2"), Some(2.0));
        assert_eq!(kubernetes_cpu("x"), None);
        assert_eq!(kubernetes_memory("2048m"), Some(2048 << 20));
        assert_eq!(kubernetes_memory("2Gi"), Some(2 << 30));
        assert_eq!(kubernetes_memory("2G"), Some(2 << 30), "Flink's g is GiB");
        assert_eq!(kubernetes_memory("1.5Gi"), Some(3 << 29));
        assert_eq!(kubernetes_memory("junk"), None);
        assert_eq!(parse_flink_version("v1_18"), Some((1, 18)));
        assert_eq!(parse_flink_version("v2_0"), Some((2, 0)));
        assert_eq!(parse_flink_version("v1_21"), None);
        assert_eq!(parse_flink_version("1.18"), None);
    }
}
