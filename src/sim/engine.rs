//! The discrete-time replay.
//!
//! Each step the sources receive their recorded demand plus what waits in their backlog; the job
//! processes as much of it as its bottleneck allows (all sources throttled by one factor, as
//! backpressure does), and what it cannot process stays in the backlog. A rescale costs
//! `restart_ms` with no throughput; the new parallelism holds after it. The data pending time is
//! the backlog divided by the rate it drains at (the processing rate; while nothing is processed,
//! the demand rate). Policies see the simulated metrics of each step, never the recorded ones.

use crate::resources::CostModel;
use crate::scaler::numeric::ceil;
use crate::sim::model::JobModel;
use crate::sim::quantile::Quantiles;
use crate::sim::timeline::{PolicyRun, Step};
use crate::sim::trace::Trace;

/// What a policy sees after a step. Slices are indexed like `JobModel::vertices` (or sources).
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub t_ms: i64,
    pub step_ms: i64,
    pub model: &'a JobModel,
    pub parallelism: &'a [i64],
    /// Busy fraction per vertex (NaN for sources, which the platforms cannot measure either).
    pub busy: &'a [f64],
    pub in_rate: &'a [f64],
    pub out_rate: &'a [f64],
    /// Demand per vertex from the sources' current input, records/s.
    pub demand: &'a [f64],
    /// Demand per vertex including working off the whole backlog in one step, records/s.
    pub need: &'a [f64],
    /// Back-pressured ms/s per vertex (sources blocked by the bottleneck).
    pub backpressured_ms: &'a [f64],
    /// Backlog per source.
    pub backlog: &'a [f64],
    pub pending_s: f64,
    pub restarting: bool,
    pub cu: f64,
}

pub trait Policy {
    fn name(&self) -> &str;
    /// A new parallelism per vertex, with the reason, or `None` to keep the current one.
    fn decide(&mut self, obs: &Observation<'_>) -> Option<(Vec<i64>, String)>;
    /// The job is running again after a rescale (metric histories reset).
    fn restarted(&mut self, _t_ms: i64) {}
    /// What the user should know after the replay (e.g. decisions a quota vetoed).
    fn notes(&self) -> Vec<PolicyNote> {
        Vec::new()
    }
    /// How long the policy watches before its first possible decision, and the settings that
    /// make it up: a recording shorter than that cannot show the policy acting.
    fn warm_up(&self) -> Option<WarmUp> {
        None
    }
}

/// What a policy wants said after its run, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyNote {
    /// Rescales a CU quota did not let happen: how many, the first (time, CU it wanted).
    QuotaVetoed {
        policy: String,
        count: usize,
        first_ms: i64,
        cu: f64,
        quota: f64,
    },
}

/// The least recording a policy needs before it can act, as the sum of its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmUp {
    pub parts: Vec<(String, i64)>,
}

impl WarmUp {
    pub fn ms(&self) -> i64 {
        self.parts.iter().map(|(_, ms)| *ms).sum()
    }
}

#[derive(Debug, Clone)]
pub struct Params {
    pub restart_ms: i64,
    /// What the job costs at a parallelism per vertex.
    pub cost: CostModel,
    pub expected_pending_s: Option<f64>,
    /// Keep every step in the returned run (tests); without it only the summary is built, in
    /// constant memory (`on_step` can still see each step).
    pub keep_steps: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at_ms: i64,
    pub parallelism: Vec<i64>,
    pub cu: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub rescales: usize,
    pub cu_hours: f64,
    pub peak_cu: f64,
    pub pending_p50_ms: f64,
    pub pending_p95_ms: f64,
    pub pending_max_ms: f64,
    pub seconds_over_expected: Option<f64>,
    pub records_processed: f64,
    pub records_pending_at_end: f64,
    pub final_parallelism: Vec<i64>,
    pub events: Vec<Event>,
    /// CU-hours of the least parallelism that would have kept up with each step's demand
    /// (every vertex at 100% busy), and the CU-hours used above it.
    pub least_cu_hours: f64,
    pub over_provisioned_cu_hours: f64,
    /// How the policy settled after each change of demand (the literature's convergence steps
    /// and time, DS2 and its successors), the first [`MAX_CHANGES`] in full.
    pub changes: Vec<Change>,
    /// Changes of demand in all (more than `changes` holds on a long, noisy trace).
    pub change_count: usize,
    pub settled_count: usize,
}

/// A change of demand and how the policy settled after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at_ms: i64,
    /// Records/s entering the job (all sources) when it began.
    pub demand: f64,
    /// Rescales from the change until the job settled (or until the next change, unsettled).
    pub rescales: usize,
    /// From the change to the start of the settled stretch; `None`: it did not settle.
    pub settled_after_ms: Option<i64>,
}

/// A change of demand: the sources' total input moved this much from where it stood when the
/// previous change began.
pub const CHANGE: f64 = 0.2;
/// Settled: not restarting, nothing waiting (at most a second of demand), every vertex below
/// this busy fraction, for at least [`SETTLE_HOLD_MS`].
pub const SETTLED_BUSY: f64 = 0.9;
pub const SETTLE_HOLD_MS: i64 = 300_000;
/// Changes kept in full per policy.
pub const MAX_CHANGES: usize = 1000;

/// Tracks the changes of demand and when the job settled after each.
struct Settling {
    start_ms: i64,
    demand: f64,
    rescales_at_start: usize,
    /// Since when the job is settled, and the rescales done by then.
    since: Option<(i64, usize)>,
    settled: Option<(i64, usize)>,
}

impl Settling {
    fn new(t: i64, demand: f64, rescales: usize) -> Self {
        Settling {
            start_ms: t,
            demand,
            rescales_at_start: rescales,
            since: None,
            settled: None,
        }
    }

    fn close(&self, rescales_now: usize) -> Change {
        Change {
            at_ms: self.start_ms,
            demand: self.demand,
            rescales: self
                .settled
                .map_or(rescales_now, |(_, r)| r)
                .saturating_sub(self.rescales_at_start),
            settled_after_ms: self.settled.map(|(t, _)| t - self.start_ms),
        }
    }
}

/// The least parallelism of a vertex that processes `demand` at 100% busy.
fn least_parallelism(v: &crate::sim::model::VertexModel, demand: f64) -> i64 {
    let max = v.vertex.max_parallelism.max(1);
    match v.capacity_per_subtask {
        None => v.vertex.parallelism.clamp(1, max),
        Some(_) if demand <= 0.0 => 1,
        // Linear scaling (the usual model): no powers in the replay's inner loop.
        Some(c) if v.alpha == 1.0 => (ceil(demand / c) as i64).clamp(1, max),
        Some(c) => {
            let r = v.reference_parallelism.max(1) as f64;
            // c·r·(p/r)^α ≥ demand  ⇔  p ≥ r·(demand / (c·r))^(1/α)
            let p = r * (demand / (c * r)).powf(1.0 / v.alpha.max(1e-3));
            let mut p = (ceil(p) as i64).clamp(1, max);
            // The closed form rounds; the model decides.
            while p > 1 && v.capacity(p - 1) >= demand {
                p -= 1;
            }
            while p < max && v.capacity(p) < demand {
                p += 1;
            }
            p
        }
    }
}

/// Pending times kept exactly (30 days at 10 s); beyond, within 0.1% ([`Quantiles`]).
const PENDING_EXACT: usize = 1 << 18;

fn percentile(q: &mut Quantiles, p: f64) -> f64 {
    if q.is_empty() {
        return 0.0;
    }
    let i = ((q.len() - 1) as f64 * p).round() as u64;
    q.nth(i.min(q.len() - 1)).unwrap_or(0.0)
}

/// Replays `trace` under `policy`. `tick` is called with the number of steps done every 4096
/// steps, for progress bars; `on_step`, when given, sees every step as it is simulated (for
/// `--timeline` and `--plot`, which thus need not keep them).
#[allow(clippy::too_many_arguments)]
pub fn run(
    model: &JobModel,
    trace: &Trace,
    initial: &[i64],
    policy: &mut dyn Policy,
    params: &Params,
    tick: &dyn Fn(u64),
    mut on_step: Option<&mut dyn FnMut(&Step)>,
) -> std::io::Result<(PolicyRun, Summary)> {
    let nv = model.vertices.len();
    let ns = model.sources.len();
    let dt = trace.step_ms as f64 / 1000.0;
    let mut p: Vec<i64> = initial.to_vec();
    let mut backlog = vec![0.0f64; ns];
    let mut restart_left_ms: i64 = 0;
    let mut steps = Vec::with_capacity(if params.keep_steps { trace.len() } else { 0 });
    let mut summary = Summary::default();
    let mut pending = Quantiles::with_cap(PENDING_EXACT);
    // Exact even past the cap (the histogram reports a bucket by its smallest value).
    let mut pending_max = 0.0f64;
    let mut step = Step::default();
    let cu_of = |p: &[i64]| -> f64 { params.cost.total(p) };
    let is_source: Vec<bool> = model
        .vertices
        .iter()
        .map(|v| v.vertex.is_source())
        .collect();
    // Buffers reused every step: the replay allocates nothing per step.
    let (mut true_demand, mut need, mut capacity, mut busy, mut in_rate, mut out_rate, mut bp) = (
        vec![0.0; nv],
        vec![0.0; nv],
        vec![0.0; nv],
        vec![0.0; nv],
        vec![0.0; nv],
        vec![0.0; nv],
        vec![0.0; nv],
    );
    let mut want = vec![0.0; ns];
    let mut full_capacity: Vec<f64> = (0..nv).map(|v| model.vertices[v].capacity(p[v])).collect();
    let mut cu = cu_of(&p);
    let mut last_pending = 0.0;
    let mut least = vec![1i64; nv];
    // The demand each `least` entry was computed for: recomputed only when it changes.
    let mut least_for = vec![f64::NAN; nv];
    let mut settling: Option<Settling> = None;

    let mut rows = trace.demand()?;
    for i in 0..trace.len() {
        let demand = rows.next_row()?;
        if i % 4096 == 4095 {
            tick(4096);
        }
        let t = trace.start_ms + i as i64 * trace.step_ms;
        let restarting = restart_left_ms > 0;
        for k in 0..ns {
            want[k] = demand[k] + backlog[k] / dt;
        }
        let mut f: f64 = if restarting { 0.0 } else { 1.0 };
        for v in 0..nv {
            let gain = &model.vertices[v].gain;
            let (mut d, mut n) = (0.0, 0.0);
            for k in 0..ns {
                d += demand[k] * gain[k];
                n += want[k] * gain[k];
            }
            true_demand[v] = d;
            need[v] = n;
            capacity[v] = if restarting { 0.0 } else { full_capacity[v] };
            if n > 0.0 && capacity[v].is_finite() {
                f = f.min(capacity[v] / n);
            }
        }
        let f = f.clamp(0.0, 1.0);
        let mut processed_total = 0.0;
        let mut demand_total = 0.0;
        for k in 0..ns {
            let processed = f * want[k];
            processed_total += processed;
            demand_total += demand[k];
            backlog[k] = (backlog[k] + (demand[k] - processed) * dt).max(0.0);
        }
        summary.records_processed += processed_total * dt;
        let total_backlog: f64 = backlog.iter().sum();
        let drain = if processed_total > 0.0 {
            processed_total
        } else {
            demand_total
        };
        // While nothing drains, the oldest waiting record just waits one step longer.
        let pending_s = if total_backlog <= 1e-9 {
            0.0
        } else if drain > 0.0 {
            total_backlog / drain
        } else {
            last_pending + dt
        };
        last_pending = pending_s;
        for v in 0..nv {
            in_rate[v] = need[v] * f;
            out_rate[v] = in_rate[v] * model.vertices[v].selectivity;
            busy[v] = if is_source[v] {
                f64::NAN
            } else if capacity[v] > 0.0 && capacity[v].is_finite() {
                (in_rate[v] / capacity[v]).min(1.0)
            } else {
                0.0
            };
            bp[v] = if is_source[v] && !restarting {
                (1.0 - f) * 1000.0
            } else {
                0.0
            };
        }
        summary.cu_hours += cu * dt / 3600.0;
        // The literature's figures: the least CU that keeps up, and settling after changes.
        for v in 0..nv {
            if is_source[v] {
                least[v] = p[v];
            } else if least_for[v] != true_demand[v] {
                least[v] = least_parallelism(&model.vertices[v], true_demand[v]);
                least_for[v] = true_demand[v];
            }
        }
        let least_cu = cu_of(&least);
        summary.least_cu_hours += least_cu * dt / 3600.0;
        summary.over_provisioned_cu_hours += (cu - least_cu).max(0.0) * dt / 3600.0;
        let changed = settling
            .as_ref()
            .is_none_or(|s| (demand_total - s.demand).abs() > CHANGE * s.demand.max(1e-9));
        if changed {
            if let Some(s) = settling.take() {
                summary.change_count += 1;
                summary.settled_count += usize::from(s.settled.is_some());
                if summary.changes.len() < MAX_CHANGES {
                    summary.changes.push(s.close(summary.rescales));
                }
            }
            settling = Some(Settling::new(t, demand_total, summary.rescales));
        }
        if let Some(s) = settling.as_mut() {
            let settled_now = !restarting
                && f >= 1.0 - 1e-9
                && total_backlog <= demand_total.max(1.0)
                && busy.iter().all(|b| !b.is_finite() || *b < SETTLED_BUSY);
            if !settled_now {
                s.since = None;
            } else if s.settled.is_none() {
                let since = *s.since.get_or_insert((t, summary.rescales));
                if t + trace.step_ms - since.0 >= SETTLE_HOLD_MS {
                    s.settled = Some(since);
                }
            }
        }
        summary.peak_cu = summary.peak_cu.max(cu);
        if let Some(exp) = params.expected_pending_s {
            let over = summary.seconds_over_expected.get_or_insert(0.0);
            if pending_s > exp {
                *over += dt;
            }
        }
        pending.push(pending_s);
        pending_max = pending_max.max(pending_s);
        if params.keep_steps || on_step.is_some() {
            // One buffer, refilled in place: observing steps allocates nothing per step.
            step.t_ms = t;
            step.demand.clone_from(&true_demand);
            step.capacity.clone_from(&capacity);
            step.parallelism.clone_from(&p);
            step.backlog = total_backlog;
            step.pending_s = pending_s;
            step.cu = cu;
            step.restarting = restarting;
            if let Some(f) = on_step.as_mut() {
                f(&step);
            }
            if params.keep_steps {
                steps.push(step.clone());
            }
        }

        if restarting {
            restart_left_ms -= trace.step_ms;
            if restart_left_ms <= 0 {
                policy.restarted(t + trace.step_ms);
            }
            continue;
        }
        let obs = Observation {
            t_ms: t,
            step_ms: trace.step_ms,
            model,
            parallelism: &p,
            busy: &busy,
            in_rate: &in_rate,
            out_rate: &out_rate,
            demand: &true_demand,
            need: &need,
            backpressured_ms: &bp,
            backlog: &backlog,
            pending_s,
            restarting,
            cu,
        };
        if let Some((new_p, reason)) = policy.decide(&obs) {
            if new_p != p && new_p.len() == nv {
                p = new_p;
                cu = cu_of(&p);
                for v in 0..nv {
                    full_capacity[v] = model.vertices[v].capacity(p[v]);
                }
                summary.rescales += 1;
                summary.events.push(Event {
                    at_ms: t,
                    parallelism: p.clone(),
                    cu,
                    reason,
                });
                restart_left_ms = params.restart_ms;
                if restart_left_ms <= 0 {
                    policy.restarted(t + trace.step_ms);
                }
            }
        }
    }
    summary.pending_p50_ms = percentile(&mut pending, 0.5) * 1000.0;
    summary.pending_p95_ms = percentile(&mut pending, 0.95) * 1000.0;
    summary.pending_max_ms = pending_max * 1000.0;
    summary.records_pending_at_end = backlog.iter().sum();
    if let Some(s) = settling.take() {
        summary.change_count += 1;
        summary.settled_count += usize::from(s.settled.is_some());
        if summary.changes.len() < MAX_CHANGES {
            summary.changes.push(s.close(summary.rescales));
        }
    }
    summary.final_parallelism = p;
    Ok((
        PolicyRun {
            name: policy.name().to_string(),
            steps,
        },
        summary,
    ))
}
