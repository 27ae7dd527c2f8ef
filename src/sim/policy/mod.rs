//! Scaling policies a simulation compares (spec/cli.md "Policies").
//!
//! A policy file is Flink-style YAML; `planscale.policy` names the kind and the other keys are the
//! platform's own. The Flink autoscaler is reproduced exactly (`scaler`); the closed platforms
//! publish goals and knobs, not algorithms, so their policies are models, documented in the README
//! and labelled as models in every output.

pub mod alibaba;
pub mod dli;
pub mod fixed;
pub mod flink;
pub mod reactive;
pub mod scheduled;

use crate::resources::CostModel;
use crate::scaler::options::Range;
use crate::scaler::{AutoscalerOptions, Version};
use crate::settings::{Origin, Setting, SettingError};
use crate::sim::engine::Policy;
use crate::sim::model::JobModel;
use crate::sim::trace::Trace;
use crate::value::{parse_bool, parse_double, parse_duration, parse_int};

/// What a policy is: the value of `planscale.policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    FlinkAutoscaler,
    AlibabaAutoscale,
    DliDynamicScaling,
    Reactive,
    Static,
    Recorded,
    Scheduled,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 7] = [
        PolicyKind::FlinkAutoscaler,
        PolicyKind::AlibabaAutoscale,
        PolicyKind::DliDynamicScaling,
        PolicyKind::Reactive,
        PolicyKind::Static,
        PolicyKind::Recorded,
        PolicyKind::Scheduled,
    ];

    /// The name `planscale.policy` gives it (and the JSON's `kind`).
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::FlinkAutoscaler => "flink-autoscaler",
            PolicyKind::AlibabaAutoscale => "alibaba-autoscale",
            PolicyKind::DliDynamicScaling => "dli-dynamic-scaling",
            PolicyKind::Reactive => "reactive",
            PolicyKind::Static => "static",
            PolicyKind::Recorded => "recorded",
            PolicyKind::Scheduled => "scheduled",
        }
    }

    pub fn from_name(name: &str) -> Option<PolicyKind> {
        PolicyKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A closed platform's policy: a model, labelled so in every output.
    pub fn is_model(self) -> bool {
        matches!(
            self,
            PolicyKind::AlibabaAutoscale | PolicyKind::DliDynamicScaling | PolicyKind::Reactive
        )
    }
}

/// The names `planscale.policy` may give, for messages.
pub fn kind_names() -> Vec<&'static str> {
    PolicyKind::ALL.iter().map(|k| k.name()).collect()
}

/// One policy to run: its display name, kind and settings (shared `--config` and `-D`, then its
/// own file, then the flags that fill in what the file leaves open).
#[derive(Debug, Clone)]
pub struct PolicySpec {
    pub name: String,
    pub kind: PolicyKind,
    pub keys: Vec<Setting>,
}

/// The keys each kind reads, besides `planscale.policy` (and, for `flink-autoscaler`, every
/// `job.autoscaler.*` option).
pub fn kind_keys(kind: PolicyKind) -> &'static [&'static str] {
    match kind {
        PolicyKind::FlinkAutoscaler => &[flink::QUOTA_CU_KEY],
        PolicyKind::AlibabaAutoscale => &[
            "planscale.alibaba.expected-pending-time",
            "planscale.alibaba.max-cu",
        ],
        PolicyKind::DliDynamicScaling => &[
            "flink.dli.job.scale.enable",
            "flink.dli.job.scale.interval",
            "flink.dli.job.cu.min",
            "flink.dli.job.cu.max",
        ],
        PolicyKind::Reactive => &[
            "planscale.reactive.target-cpu-utilization",
            "planscale.reactive.scale-up-stabilization",
            "planscale.reactive.scale-down-stabilization",
            "taskmanager.numberOfTaskSlots",
            "jobmanager.adaptive-scheduler.scaling-interval.min",
        ],
        PolicyKind::Scheduled => &[
            scheduled::PERIODS_KEY,
            scheduled::AUTOSCALER_KEY,
            flink::QUOTA_CU_KEY,
        ],
        PolicyKind::Static | PolicyKind::Recorded => &[],
    }
}

/// Whether a policy of `kind` reads `key`.
pub fn uses_key(kind: PolicyKind, key: &str) -> bool {
    key == "planscale.policy"
        || kind_keys(kind).contains(&key)
        || (matches!(kind, PolicyKind::FlinkAutoscaler | PolicyKind::Scheduled)
            && AutoscalerOptions::is_known_key(key))
}

/// Whether any policy kind reads `key`.
pub fn is_policy_key(key: &str) -> bool {
    PolicyKind::ALL.iter().any(|k| uses_key(*k, key))
}

/// Every policy key in full, for suggestions.
pub fn all_policy_keys() -> Vec<String> {
    let mut keys: Vec<String> = std::iter::once("planscale.policy")
        .chain(
            PolicyKind::ALL
                .iter()
                .flat_map(|k| kind_keys(*k).iter().copied()),
        )
        .map(str::to_string)
        .collect();
    keys.extend(crate::settings::autoscaler_keys());
    keys
}

impl PolicySpec {
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.keys.iter().rev().find(|s| s.key.trim() == key)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.setting(key).map(|s| s.value.as_str())
    }

    fn error(&self, key: &str, message: String) -> SettingError {
        let s = self.setting(key);
        SettingError {
            key: key.to_string(),
            value: s.map_or_else(String::new, |s| s.value.clone()),
            message,
            origin: s.map_or(Origin::Default, |s| s.origin.clone()),
        }
    }

    /// A `Double` setting in `range`, read as Flink reads doubles.
    pub fn f64_in(&self, key: &str, default: f64, range: Range) -> Result<f64, SettingError> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        let x = parse_double(v).map_err(|m| self.error(key, m))?;
        if !x.is_finite() || !range.contains(x) {
            return Err(self.error(key, format!("allowed {range}")));
        }
        Ok(x)
    }

    /// An `Integer` setting in `range`.
    pub fn int_in(&self, key: &str, default: i64, range: Range) -> Result<i64, SettingError> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        let x = parse_int(v).map_err(|m| self.error(key, m))?;
        if !range.contains(x as f64) {
            return Err(self.error(key, format!("allowed {range}")));
        }
        Ok(x)
    }

    /// A duration setting, read as Flink reads durations (a bare number is milliseconds).
    pub fn duration_ms(&self, key: &str, default_ms: i64) -> Result<i64, SettingError> {
        match self.get(key) {
            None => Ok(default_ms),
            Some(v) => parse_duration(v)
                .map(|d| d.0)
                .map_err(|m| self.error(key, m)),
        }
    }

    /// A boolean setting (`true`/`false` in any case).
    pub fn bool(&self, key: &str, default: bool) -> Result<bool, SettingError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_bool(v).map_err(|m| self.error(key, m)),
        }
    }

    /// Whether the model is a closed platform's (labelled as a model in outputs).
    pub fn is_model(&self) -> bool {
        self.kind.is_model()
    }
}

/// The settings a policy runs with, and where each came from: for the Flink autoscaler every
/// option (upstream's defaults included, as `recommend` lists them), for the others the keys of
/// their kind that were set (the last setting of a key wins).
pub fn options_in_effect(spec: &PolicySpec, version: Version) -> Vec<crate::settings::InEffect> {
    if spec.kind == PolicyKind::FlinkAutoscaler {
        return crate::settings::resolve_autoscaler(version, &autoscaler_keys(spec))
            .map(|r| r.in_effect)
            .unwrap_or_default();
    }
    kind_keys(spec.kind)
        .iter()
        .filter_map(|k| spec.setting(k))
        .map(|s| crate::settings::InEffect {
            key: s.key.trim().to_string(),
            value: s.value.clone(),
            origin: s.origin.clone(),
        })
        .collect()
}

/// What every policy may need to know about the job.
pub struct Context<'a> {
    pub model: &'a JobModel,
    pub trace: &'a Trace,
    pub initial: &'a [i64],
    /// What the job costs at a parallelism per vertex.
    pub cost: &'a CostModel,
    pub version: Version,
    /// The decision interval (`--interval`).
    pub interval_ms: i64,
    /// How long a rescale keeps the job down in this replay.
    pub restart_ms: i64,
}

/// Simulating the autoscaler means running it: enabled unless the policy says otherwise (`tune`
/// resolves the current settings with the same keys, so it reads what the replay runs).
pub(crate) fn autoscaler_keys(spec: &PolicySpec) -> Vec<Setting> {
    let mut keys = vec![Setting::new(
        "job.autoscaler.enabled",
        "true",
        Origin::Default,
    )];
    keys.extend(spec.keys.iter().cloned());
    keys
}

/// The Flink autoscaler with the options and the CU quota of `spec` (also the part of a
/// `scheduled` policy that acts on top of its schedule).
fn flink_autoscaler(
    spec: &PolicySpec,
    ctx: &Context<'_>,
) -> Result<flink::FlinkAutoscaler, SettingError> {
    let opts = crate::settings::resolve_autoscaler(ctx.version, &autoscaler_keys(spec))?.opts;
    let quota = spec.f64_in(flink::QUOTA_CU_KEY, f64::INFINITY, Range::Above(0.0));
    let quota = match spec.get(flink::QUOTA_CU_KEY) {
        None => f64::INFINITY,
        Some(_) => quota?,
    };
    Ok(flink::FlinkAutoscaler::new(&spec.name, opts, quota, ctx))
}

pub fn make(spec: &PolicySpec, ctx: &Context<'_>) -> Result<Box<dyn Policy>, SettingError> {
    Ok(match spec.kind {
        PolicyKind::Static => Box::new(fixed::Static::new(&spec.name)),
        PolicyKind::Recorded => Box::new(fixed::Recorded::new(&spec.name, ctx.trace)),
        PolicyKind::FlinkAutoscaler => Box::new(flink_autoscaler(spec, ctx)?),
        PolicyKind::Scheduled => Box::new(scheduled::Scheduled::new(spec, ctx)?),
        PolicyKind::AlibabaAutoscale => Box::new(alibaba::AutoScale::new(spec, ctx)?),
        PolicyKind::DliDynamicScaling => Box::new(dli::DynamicScaling::new(spec, ctx)?),
        PolicyKind::Reactive => Box::new(reactive::Reactive::new(spec, ctx)?),
    })
}

/// Per-subtask capacity a platform would estimate from what it sees now: input over busy time,
/// else (idle or unmeasurable) the model's.
pub fn observed_capacity(obs: &crate::sim::engine::Observation<'_>, v: usize) -> f64 {
    let p = obs.parallelism[v].max(1) as f64;
    let b = obs.busy[v];
    if b.is_finite() && b >= 0.05 && obs.in_rate[v] > 0.0 {
        obs.in_rate[v] / b / p
    } else {
        obs.model.vertices[v].capacity(obs.parallelism[v]) / p
    }
}

/// Subtasks that process `rate` at utilization `u` with `per_subtask` capacity, within 1..=max.
pub fn subtasks_for(rate: f64, per_subtask: f64, u: f64, max: i64) -> i64 {
    if !(per_subtask.is_finite() && per_subtask > 0.0 && rate.is_finite()) {
        return 1;
    }
    ((rate / (per_subtask * u)).ceil() as i64).clamp(1, max.max(1))
}
