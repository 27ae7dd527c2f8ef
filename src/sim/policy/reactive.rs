//! `reactive`: Flink reactive mode under a CPU-utilization horizontal autoscaler on the
//! TaskManagers. Reactive mode runs every vertex at the number of available slots (capped by its
//! max parallelism); the autoscaler changes the TaskManager count like Kubernetes' HPA: every
//! 15 s, desired = ceil(current × utilization / target) outside a 10% tolerance, scale-down only to
//! the highest recommendation of the last 5 minutes. Utilization is modelled as the busiest
//! vertex's busy fraction (its TaskManagers' CPU). A rescale happens at most once per
//! `jobmanager.adaptive-scheduler.scaling-interval.min`.

use crate::scaler::options::Range;
use crate::settings::SettingError;
use crate::sim::engine::{Observation, Policy};
use crate::sim::policy::{Context, PolicySpec};

const SYNC_MS: i64 = 15_000;
const TOLERANCE: f64 = 0.1;
const DOWN_WINDOW_MS: i64 = 300_000;

pub struct Reactive {
    name: String,
    target: f64,
    slots: i64,
    min_interval_ms: i64,
    next_sync_ms: i64,
    last_rescale_ms: i64,
    recommendations: std::collections::VecDeque<(i64, i64)>,
}

impl Reactive {
    pub fn new(spec: &PolicySpec, ctx: &Context<'_>) -> Result<Self, SettingError> {
        let target = spec.f64_in(
            "planscale.reactive.target-cpu-utilization",
            0.7,
            Range::AboveUpTo(0.0, 1.0),
        )?;
        let slots = spec.int_in("taskmanager.numberOfTaskSlots", 1, Range::AtLeast(1.0))?;
        Ok(Reactive {
            name: spec.name.clone(),
            target,
            slots,
            min_interval_ms: spec
                .duration_ms("jobmanager.adaptive-scheduler.scaling-interval.min", 30_000)?,
            next_sync_ms: ctx.trace.start_ms,
            last_rescale_ms: i64::MIN / 2,
            recommendations: Default::default(),
        })
    }
}

impl Policy for Reactive {
    fn name(&self) -> &str {
        &self.name
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Option<(Vec<i64>, String)> {
        if obs.t_ms < self.next_sync_ms {
            return None;
        }
        self.next_sync_ms = obs.t_ms + SYNC_MS;
        let current_tms =
            (obs.parallelism.iter().copied().max().unwrap_or(1) + self.slots - 1) / self.slots;
        let util = obs
            .busy
            .iter()
            .copied()
            .filter(|b| b.is_finite())
            .fold(0.0, f64::max);
        let ratio = util / self.target;
        let desired = if (ratio - 1.0).abs() <= TOLERANCE {
            current_tms
        } else {
            ((current_tms as f64 * ratio).ceil() as i64).max(1)
        };
        self.recommendations.push_back((obs.t_ms, desired));
        while self
            .recommendations
            .front()
            .is_some_and(|(t, _)| *t < obs.t_ms - DOWN_WINDOW_MS)
        {
            self.recommendations.pop_front();
        }
        let stabilized = if desired < current_tms {
            self.recommendations
                .iter()
                .map(|(_, d)| *d)
                .max()
                .unwrap_or(desired)
                .min(current_tms)
        } else {
            desired
        };
        if stabilized == current_tms || obs.t_ms - self.last_rescale_ms < self.min_interval_ms {
            return None;
        }
        self.last_rescale_ms = obs.t_ms;
        let slots = stabilized * self.slots;
        let p: Vec<i64> = obs
            .model
            .vertices
            .iter()
            .map(|v| slots.min(v.vertex.max_parallelism).max(1))
            .collect();
        (p.as_slice() != obs.parallelism).then(|| {
            (
                p,
                format!(
                    "HPA: {current_tms} -> {stabilized} TaskManagers at {:.0}% CPU",
                    util * 100.0
                ),
            )
        })
    }
}
