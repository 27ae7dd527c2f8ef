//! `alibaba-autoscale`: a model of Realtime Compute AutoScale. Published: it scales while the
//! sources' data pending time exceeds the expected value, within the PlanJSON's max CU, and gives
//! resources back when the job is idle. Modelled: every check interval (1 min), when the pending
//! time is above `planscale.alibaba.expected-pending-time` (default 3 min) and not falling since
//! the previous check (a job catching up after its own restart is left to drain), each vertex
//! busier than 80% is sized to its demand plus working off the backlog within that time at 70%
//! utilization;
//! after 10 minutes with no backlog and every vertex below 40% busy, each vertex is sized to its
//! demand at 70%. The total never exceeds `planscale.alibaba.max-cu`.

use crate::resources::CostModel;
use crate::scaler::options::Range;
use crate::settings::SettingError;
use crate::sim::engine::{Observation, Policy, WarmUp};
use crate::sim::policy::{observed_capacity, subtasks_for, Context, PolicySpec};

const CHECK_MS: i64 = 60_000;
const HOT: f64 = 0.8;
const COLD: f64 = 0.4;
const TARGET: f64 = 0.7;
const COOL_DOWN_MS: i64 = 600_000;

pub struct AutoScale {
    name: String,
    expected_pending_s: f64,
    max_cu: f64,
    cost: CostModel,
    next_check_ms: i64,
    cold_since_ms: Option<i64>,
    /// The pending time at the previous check since the job last (re)started.
    last_pending_s: Option<f64>,
}

impl AutoScale {
    pub fn new(spec: &PolicySpec, ctx: &Context<'_>) -> Result<Self, SettingError> {
        Ok(AutoScale {
            name: spec.name.clone(),
            expected_pending_s: spec
                .duration_ms("planscale.alibaba.expected-pending-time", 180_000)?
                as f64
                / 1000.0,
            max_cu: match spec.get("planscale.alibaba.max-cu") {
                None => f64::INFINITY,
                Some(_) => spec.f64_in("planscale.alibaba.max-cu", 0.0, Range::Above(0.0))?,
            },
            cost: ctx.cost.clone(),
            next_check_ms: ctx.trace.start_ms,
            cold_since_ms: None,
            last_pending_s: None,
        })
    }

    fn within_budget(&self, mut p: Vec<i64>, current: &[i64]) -> Vec<i64> {
        let cu = |p: &[i64]| -> f64 { self.cost.total(p) };
        // Give back the largest increases first until the plan fits.
        while cu(&p) > self.max_cu + 1e-9 {
            let Some(v) = (0..p.len())
                .filter(|&v| p[v] > current[v])
                .max_by_key(|&v| p[v] - current[v])
            else {
                break;
            };
            p[v] -= 1;
        }
        p
    }
}

impl Policy for AutoScale {
    fn name(&self) -> &str {
        &self.name
    }

    fn restarted(&mut self, _t_ms: i64) {
        self.last_pending_s = None;
    }

    /// It scales up only once the pending time has exceeded its goal.
    fn warm_up(&self) -> Option<WarmUp> {
        Some(WarmUp {
            parts: vec![(
                "planscale.alibaba.expected-pending-time".into(),
                (self.expected_pending_s * 1000.0) as i64,
            )],
        })
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Option<(Vec<i64>, String)> {
        if obs.t_ms < self.next_check_ms {
            return None;
        }
        self.next_check_ms = obs.t_ms + CHECK_MS;
        let n = obs.parallelism.len();
        let max_p = |v: usize| obs.model.vertices[v].vertex.max_parallelism;
        // A job working its backlog off (the pending time falling since the last check) is
        // catching up, typically after its own restart: more resources would only restart it
        // again. The first check after a restart has nothing to compare with and only looks.
        let falling = self.last_pending_s.is_none_or(|last| obs.pending_s < last);
        self.last_pending_s = Some(obs.pending_s);
        if obs.pending_s > self.expected_pending_s && falling {
            self.cold_since_ms = None;
            return None;
        }
        if obs.pending_s > self.expected_pending_s {
            self.cold_since_ms = None;
            let dt = obs.step_ms as f64 / 1000.0;
            let p: Vec<i64> = (0..n)
                .map(|v| {
                    if !(obs.busy[v].is_finite() && obs.busy[v] >= HOT) {
                        return obs.parallelism[v];
                    }
                    // The demand plus the backlog worked off within the expected pending time.
                    let backlog = (obs.need[v] - obs.demand[v]).max(0.0) * dt;
                    let rate = obs.demand[v] + backlog / self.expected_pending_s.max(1.0);
                    obs.parallelism[v].max(subtasks_for(
                        rate,
                        observed_capacity(obs, v),
                        TARGET,
                        max_p(v),
                    ))
                })
                .collect();
            let p = self.within_budget(p, obs.parallelism);
            return (p.as_slice() != obs.parallelism).then(|| {
                (
                    p,
                    format!(
                        "pending time {:.0} s above the expected {:.0} s",
                        obs.pending_s, self.expected_pending_s
                    ),
                )
            });
        }
        let cold =
            obs.pending_s <= 0.0 && (0..n).all(|v| !obs.busy[v].is_finite() || obs.busy[v] < COLD);
        if !cold {
            self.cold_since_ms = None;
            return None;
        }
        let since = *self.cold_since_ms.get_or_insert(obs.t_ms);
        if obs.t_ms - since < COOL_DOWN_MS {
            return None;
        }
        let p: Vec<i64> = (0..n)
            .map(|v| {
                if obs.busy[v].is_finite() {
                    subtasks_for(obs.in_rate[v], observed_capacity(obs, v), TARGET, max_p(v))
                        .min(obs.parallelism[v])
                } else {
                    obs.parallelism[v]
                }
            })
            .collect();
        self.cold_since_ms = None;
        (p.as_slice() != obs.parallelism)
            .then(|| (p, "idle for 10 min: resources given back".to_string()))
    }
}
