//! `reactive`: Flink reactive mode under a CPU-utilization horizontal autoscaler on the
//! TaskManagers. Reactive mode runs every vertex at the number of available slots (capped by its
//! max parallelism); the autoscaler changes the TaskManager count as Kubernetes' HPA documents
//! it: every 15 s, desired = ceil(current × utilization / target) outside a 10% tolerance; a
//! scale-up adds at most max(100%, 4 TaskManagers) per 15 s (the default `scaleUp` policies); a
//! scale-down goes only to the highest recommendation of the scale-down stabilization window
//! (`planscale.reactive.scale-down-stabilization`, Kubernetes' default 5 min), a scale-up only to
//! the lowest of the scale-up window (`planscale.reactive.scale-up-stabilization`). Utilization
//! is modelled as the busiest vertex's busy fraction (its TaskManagers' CPU). A rescale happens
//! at most once per `jobmanager.adaptive-scheduler.scaling-interval.min`.
//!
//! The one default that is not Kubernetes': the scale-up window is 3 min or three restart times,
//! whichever is longer, not 0 s. Every rescale restarts the job, and the backlog of the restart
//! is worked off at 100% CPU (at a 70% target, for about 2.3 restart times); with a 0 s window
//! the HPA takes that catch-up for demand, scales up again, restarts again, and climbs to the
//! max parallelism and back, over and over (433 rescales in 15 h of steady traffic at a 30 s
//! restart: tests/simulate.rs `reactive_with_kubernetes_default_window_…`). A window longer than a restart's catch-up is what a working reactive-mode
//! setup configures; set it to `0 s` to see Kubernetes' default.

use crate::scaler::options::Range;
use crate::settings::SettingError;
use crate::sim::engine::{Observation, Policy};
use crate::sim::policy::{Context, PolicySpec};

const SYNC_MS: i64 = 15_000;
const TOLERANCE: f64 = 0.1;
/// Kubernetes' default `scaleUp` policies: 100% or 4 pods per 15 s, whichever allows more.
const UP_PERCENT: i64 = 100;
const UP_PODS: i64 = 4;

pub struct Reactive {
    name: String,
    target: f64,
    slots: i64,
    min_interval_ms: i64,
    up_window_ms: i64,
    down_window_ms: i64,
    next_sync_ms: i64,
    last_rescale_ms: i64,
    /// (time, desired TaskManagers) of the syncs within the longer window.
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
            up_window_ms: spec.duration_ms(
                "planscale.reactive.scale-up-stabilization",
                (3 * ctx.restart_ms).max(180_000),
            )?,
            down_window_ms: spec
                .duration_ms("planscale.reactive.scale-down-stabilization", 300_000)?,
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
        let keep = self.up_window_ms.max(self.down_window_ms);
        while self
            .recommendations
            .front()
            .is_some_and(|(t, _)| *t < obs.t_ms - keep)
        {
            self.recommendations.pop_front();
        }
        let within = |w: i64| {
            self.recommendations
                .iter()
                .filter(move |(t, _)| *t >= obs.t_ms - w)
                .map(|(_, d)| *d)
        };
        let stabilized = if desired < current_tms {
            within(self.down_window_ms)
                .max()
                .unwrap_or(desired)
                .min(current_tms)
        } else if desired > current_tms {
            let up_limit = (current_tms * (100 + UP_PERCENT) / 100).max(current_tms + UP_PODS);
            within(self.up_window_ms)
                .min()
                .unwrap_or(desired)
                .max(current_tms)
                .min(up_limit)
        } else {
            current_tms
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
