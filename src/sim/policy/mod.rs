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

use crate::resources::CostModel;
use crate::scaler::{parse_duration, AutoscalerOptions, Version};
use crate::sim::engine::Policy;
use crate::sim::model::JobModel;
use crate::sim::trace::Trace;

/// The kinds `planscale.policy` may name.
pub const KINDS: &[&str] = &[
    "flink-autoscaler",
    "alibaba-autoscale",
    "dli-dynamic-scaling",
    "reactive",
    "static",
    "recorded",
];

/// One policy to run: its display name, kind and keys.
#[derive(Debug, Clone)]
pub struct PolicySpec {
    pub name: String,
    pub kind: String,
    pub keys: Vec<(String, String)>,
}

impl PolicySpec {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.keys
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn f64(&self, key: &str, default: f64) -> Result<f64, String> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("{key}: {v:?} is not a number")),
        }
    }

    pub fn duration_ms(&self, key: &str, default_ms: i64) -> Result<i64, String> {
        match self.get(key) {
            None => Ok(default_ms),
            Some(v) => parse_duration(v)
                .map(|d| d.0)
                .map_err(|e| format!("{key}: {e}")),
        }
    }

    /// Whether the model is a closed platform's (labelled as a model in outputs).
    pub fn is_model(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "alibaba-autoscale" | "dli-dynamic-scaling" | "reactive"
        )
    }
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
}

pub fn make(spec: &PolicySpec, ctx: &Context<'_>) -> Result<Box<dyn Policy>, String> {
    Ok(match spec.kind.as_str() {
        "static" => Box::new(fixed::Static::new(&spec.name)),
        "recorded" => Box::new(fixed::Recorded::new(&spec.name, ctx.trace)),
        "flink-autoscaler" => {
            // Simulating the autoscaler means running it: enabled unless the policy says otherwise.
            let enabled = ("job.autoscaler.enabled".to_string(), "true".to_string());
            let keys = std::iter::once(&enabled)
                .chain(spec.keys.iter().filter(|(k, _)| k.contains("autoscaler.")));
            let opts = AutoscalerOptions::from_map(ctx.version, keys.cloned())
                .map_err(|e| e.to_string())?;
            let quota = spec.f64(flink::QUOTA_CU_KEY, f64::INFINITY)?;
            Box::new(flink::FlinkAutoscaler::new(&spec.name, opts, quota, ctx))
        }
        "alibaba-autoscale" => Box::new(alibaba::AutoScale::new(spec, ctx)?),
        "dli-dynamic-scaling" => Box::new(dli::DynamicScaling::new(spec, ctx)?),
        "reactive" => Box::new(reactive::Reactive::new(spec, ctx)?),
        other => {
            return Err(format!(
                "unknown planscale.policy {other:?}; one of {}",
                KINDS.join(", ")
            ))
        }
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
