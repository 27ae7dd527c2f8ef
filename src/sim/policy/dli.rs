//! `dli-dynamic-scaling`: a model of Huawei DLI dynamic scaling. Published: with
//! `flink.dli.job.scale.enable`, every `flink.dli.job.scale.interval` minutes (default 30) DLI
//! resizes the job's CU by its load between `flink.dli.job.cu.min` (default 2) and
//! `flink.dli.job.cu.max` (default the initial CU); each resize stops the job with a savepoint
//! and restores it. Modelled: at each interval every vertex is sized to its demand (plus backlog)
//! at 70% utilization; the total is then scaled into [cu.min, cu.max] proportionally.

use crate::resources::CostModel;
use crate::scaler::options::Range;
use crate::settings::SettingError;
use crate::sim::engine::{Observation, Policy, WarmUp};
use crate::sim::policy::{observed_capacity, subtasks_for, Context, PolicySpec};

const TARGET: f64 = 0.7;

pub struct DynamicScaling {
    name: String,
    enabled: bool,
    interval_ms: i64,
    cu_min: f64,
    cu_max: f64,
    cost: CostModel,
    next_ms: i64,
}

impl DynamicScaling {
    pub fn new(spec: &PolicySpec, ctx: &Context<'_>) -> Result<Self, SettingError> {
        let initial_cu = ctx.cost.total(ctx.initial);
        // DLI documents the interval in minutes.
        let minutes = spec.f64_in("flink.dli.job.scale.interval", 30.0, Range::Above(0.0))?;
        let enabled = spec.bool("flink.dli.job.scale.enable", false)?;
        let cu_min = spec.f64_in("flink.dli.job.cu.min", 2.0, Range::Above(0.0))?;
        let cu_max = match spec.get("flink.dli.job.cu.max") {
            None => initial_cu,
            Some(_) => spec.f64_in("flink.dli.job.cu.max", 0.0, Range::AtLeast(cu_min))?,
        };
        Ok(DynamicScaling {
            name: spec.name.clone(),
            enabled,
            interval_ms: (minutes * 60_000.0) as i64,
            cu_min,
            cu_max,
            cost: ctx.cost.clone(),
            next_ms: ctx.trace.start_ms + (minutes * 60_000.0) as i64,
        })
    }
}

impl Policy for DynamicScaling {
    fn name(&self) -> &str {
        &self.name
    }

    fn warm_up(&self) -> Option<WarmUp> {
        Some(WarmUp {
            parts: vec![("flink.dli.job.scale.interval".into(), self.interval_ms)],
        })
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Option<(Vec<i64>, String)> {
        if !self.enabled || obs.t_ms < self.next_ms {
            return None;
        }
        self.next_ms = obs.t_ms + self.interval_ms;
        let n = obs.parallelism.len();
        let mut p: Vec<i64> = (0..n)
            .map(|v| {
                let max = obs.model.vertices[v].vertex.max_parallelism;
                if obs.busy[v].is_finite() {
                    subtasks_for(obs.need[v], observed_capacity(obs, v), TARGET, max)
                } else {
                    obs.parallelism[v]
                }
            })
            .collect();
        let cu = |p: &[i64]| -> f64 { self.cost.total(p) };
        let total = cu(&p);
        if total > self.cu_max || total < self.cu_min {
            let bound = if total > self.cu_max {
                self.cu_max
            } else {
                self.cu_min
            };
            let factor = bound / total.max(1e-9);
            for (v, x) in p.iter_mut().enumerate() {
                let max = obs.model.vertices[v].vertex.max_parallelism;
                *x = ((*x as f64 * factor).floor() as i64).clamp(1, max.max(1));
            }
            while cu(&p) > self.cu_max + 1e-9 {
                let Some(v) = (0..n).filter(|&v| p[v] > 1).max_by_key(|&v| p[v]) else {
                    break;
                };
                p[v] -= 1;
            }
        }
        // Capped by the CU bounds, a plan that gives no more (or no less) than the job has is
        // no resize: DLI would stop and restore the job for nothing.
        let now = cu(obs.parallelism);
        if (total > self.cu_max && cu(&p) <= now + 1e-9)
            || (total < self.cu_min && cu(&p) >= now - 1e-9)
        {
            return None;
        }
        (p.as_slice() != obs.parallelism).then(|| {
            (
                p,
                format!("DLI resize at its {} min check", self.interval_ms / 60_000),
            )
        })
    }
}
