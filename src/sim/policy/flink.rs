//! `flink-autoscaler`: the Kubernetes-operator autoscaler, exactly as `scaler` implements
//! spec/scaling.md, driven by the simulated metrics with its state carried across cycles: one
//! sample per `--interval`, stabilization after each restart, the window filling, the sample
//! history reset at a restart, delayed scale-downs with the window maximum, and the scaling
//! history for the scalability coefficient and ineffective-scale-up detection.
//!
//! A CU quota (`--max-cu`, key [`QUOTA_CU_KEY`]) acts as upstream's `quota.cpu`/`quota.memory`
//! (spec/scaling.md §7.5): a rescale that grows the job beyond it is not executed at all
//! (`ResourceQuotaReached`), and, as upstream, nothing of it is recorded in the history.

use crate::resources::CostModel;
use crate::scaler::{
    self, AutoscalerOptions, Cycle, MetricWindow, ScalerState, ScalingMetric, ShipStrategy,
    Topology, VertexInfo,
};
use crate::sim::engine::{Observation, Policy, PolicyNote, WarmUp};
use crate::sim::policy::Context;

/// The policy key of the CU quota; `simulate --max-cu` fills it in.
pub const QUOTA_CU_KEY: &str = "planscale.quota-cu";

pub struct FlinkAutoscaler {
    name: String,
    quota_cu: f64,
    cost: CostModel,
    /// Rescales the quota vetoed: (count, first time, CU wanted then).
    vetoed: Option<(usize, i64, f64)>,
    opts: AutoscalerOptions,
    state: ScalerState,
    /// The metric window, kept across cycles (cut at its start, never copied).
    window: MetricWindow,
    running_since_ms: i64,
    next_sample_ms: i64,
    interval_ms: i64,
    /// Cumulative records in/out per vertex since the start (the counters Flink reports).
    records_in: Vec<f64>,
    records_out: Vec<f64>,
    last_t_ms: Option<i64>,
    /// OBSERVED_TPR samples per vertex (time, value) of upstream's metric history: every sample
    /// since the (re)start, the stabilization period's included, trimmed to the window once it
    /// is full (`ScalingMetricCollector.updateMetrics`); a new sample falls back to their average.
    observed_tpr: Vec<Vec<(i64, f64)>>,
    /// The topology at the parallelism it was built for.
    topology: Option<(Vec<i64>, Topology)>,
    /// The last cycle, whose buffers the next one reuses.
    cycle: Cycle,
}

impl FlinkAutoscaler {
    /// `quota_cu`: infinite for none.
    pub fn new(name: &str, opts: AutoscalerOptions, quota_cu: f64, ctx: &Context<'_>) -> Self {
        let n = ctx.model.vertices.len();
        FlinkAutoscaler {
            name: name.to_string(),
            quota_cu,
            cost: ctx.cost.clone(),
            vetoed: None,
            opts,
            state: ScalerState::default(),
            window: MetricWindow::new(Vec::new()),
            running_since_ms: ctx.trace.start_ms,
            next_sample_ms: ctx.trace.start_ms,
            interval_ms: ctx.interval_ms.max(1),
            records_in: vec![0.0; n],
            records_out: vec![0.0; n],
            last_t_ms: None,
            observed_tpr: vec![Vec::new(); n],
            topology: None,
            cycle: Cycle::default(),
        }
    }

    fn topology(&self, obs: &Observation<'_>) -> Option<Topology> {
        let infos = obs
            .model
            .vertices
            .iter()
            .zip(obs.parallelism)
            .map(|(v, &p)| VertexInfo {
                id: v.vertex.id.clone(),
                parallelism: p,
                max_parallelism: v.vertex.max_parallelism.max(p),
                num_source_partitions: v.num_source_partitions,
                inputs: v
                    .vertex
                    .inputs
                    .iter()
                    .map(|(from, s)| scaler::Input {
                        from: from.clone(),
                        ship_strategy: ShipStrategy::parse(s),
                    })
                    .collect(),
            })
            .collect();
        Topology::new(infos).ok()
    }
}

impl Policy for FlinkAutoscaler {
    fn name(&self) -> &str {
        &self.name
    }

    /// Upstream waits out the stabilization interval after a (re)start and then needs a full
    /// metric window before its first evaluation.
    fn warm_up(&self) -> Option<WarmUp> {
        Some(WarmUp {
            parts: vec![
                (
                    "job.autoscaler.stabilization.interval".into(),
                    self.opts.stabilization_interval.0,
                ),
                (
                    "job.autoscaler.metrics.window".into(),
                    self.opts.metrics_window.0,
                ),
            ],
        })
    }

    fn restarted(&mut self, t_ms: i64) {
        // §3.4: a restart discards the sample history; per-vertex scaling history survives.
        self.window.clear();
        self.running_since_ms = t_ms;
        self.next_sample_ms = t_ms;
        for v in &mut self.observed_tpr {
            v.clear();
        }
    }

    fn notes(&self) -> Vec<PolicyNote> {
        self.vetoed
            .map(|(count, first_ms, cu)| PolicyNote::QuotaVetoed {
                policy: self.name.clone(),
                count,
                first_ms,
                cu,
                quota: self.quota_cu,
            })
            .into_iter()
            .collect()
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Option<(Vec<i64>, String)> {
        let dt = self.last_t_ms.map_or(obs.step_ms, |t| obs.t_ms - t) as f64 / 1000.0;
        self.last_t_ms = Some(obs.t_ms);
        for v in 0..obs.in_rate.len() {
            self.records_in[v] += obs.in_rate[v] * dt;
            self.records_out[v] += obs.out_rate[v] * dt;
        }
        if obs.t_ms < self.next_sample_ms || !self.opts.enabled {
            return None;
        }
        self.next_sample_ms = obs.t_ms + self.interval_ms;

        let mut sample: Vec<(&str, ScalingMetric, f64)> = Vec::with_capacity(5 * obs.busy.len());
        for (v, vm) in obs.model.vertices.iter().enumerate() {
            let id = vm.vertex.id.as_str();
            let busy = if obs.busy[v].is_finite() {
                obs.busy[v]
            } else {
                0.0
            };
            sample.push((id, ScalingMetric::Load, scaler::numeric::round_metric(busy)));
            sample.push((id, ScalingMetric::NumRecordsIn, self.records_in[v]));
            sample.push((id, ScalingMetric::NumRecordsOut, self.records_out[v]));
            if let Some(k) = obs.model.sources.iter().position(|&s| s == v) {
                let lag = obs.backlog[k];
                sample.push((id, ScalingMetric::Lag, lag));
                let prev = scaler::average_of(
                    self.observed_tpr[v].iter().map(|&(_, tpr)| tpr),
                    self.opts.observed_tpr_min_observations,
                );
                let tpr = scaler::observed_tpr_sample(
                    &self.opts,
                    lag,
                    obs.in_rate[v],
                    obs.backpressured_ms[v],
                    prev,
                );
                self.observed_tpr[v].push((obs.t_ms, tpr));
                sample.push((id, ScalingMetric::ObservedTpr, tpr));
            }
        }
        // §3.2–§3.3 without copying the history: samples from the stabilization period are
        // never used, the window is full one `metrics.window` after the first usable sample,
        // and a decision uses `[now − window, now]`.
        let stable_at = self
            .running_since_ms
            .saturating_add(self.opts.stabilization_interval.0);
        if obs.t_ms < stable_at {
            return None;
        }
        self.window.push_values(obs.t_ms, &sample);
        let window_ms = self.opts.metrics_window.0;
        let full_at = self.window.times()[0].saturating_add(window_ms);
        if obs.t_ms < full_at {
            return None;
        }
        // Upstream trims its metric history to the window once the window is full, so the
        // history the next OBSERVED_TPR sample averages is the window's too.
        let start = obs.t_ms - window_ms;
        self.window.drop_before(start);
        for history in &mut self.observed_tpr {
            let cut = history.partition_point(|&(t, _)| t < start);
            history.drain(..cut);
        }
        if self.window.len() < 2 {
            return None;
        }
        let window = &self.window;
        if self
            .topology
            .as_ref()
            .is_none_or(|(p, _)| p.as_slice() != obs.parallelism)
        {
            self.topology = Some((obs.parallelism.to_vec(), self.topology(obs)?));
        }
        let topology = &self.topology.as_ref()?.1;
        let restart_s = self.state.restart_time(&self.opts, obs.t_ms);
        let decision = self
            .cycle
            .run(
                &self.opts,
                topology,
                window,
                restart_s,
                &mut self.state,
                obs.t_ms,
            )
            .ok()?;
        if !decision.rescale || !decision.apply {
            return None;
        }
        let new_p: Vec<i64> = obs
            .model
            .vertices
            .iter()
            .zip(obs.parallelism)
            .map(|(v, &p)| {
                decision
                    .scaled_vertices
                    .get(&v.vertex.id)
                    .copied()
                    .unwrap_or(p)
            })
            .collect();
        let (now_cu, new_cu) = (self.cost.total(obs.parallelism), self.cost.total(&new_p));
        if new_cu > now_cu && new_cu > self.quota_cu + 1e-9 {
            let v = self.vetoed.get_or_insert((0, obs.t_ms, new_cu));
            v.0 += 1;
            return None;
        }
        self.state.record_rescale(&self.opts, decision, obs.t_ms);
        let changed: Vec<String> = obs
            .model
            .vertices
            .iter()
            .zip(obs.parallelism.iter().zip(&new_p))
            .filter(|(_, (a, b))| a != b)
            .map(|(v, (a, b))| format!("{} {a}->{b}", v.vertex.name))
            .collect();
        Some((new_p, format!("autoscaler: {}", changed.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::{DurationMs, Version};
    use crate::sim::model::JobModel;
    use crate::sim::trace::Trace;

    fn model() -> JobModel {
        crate::sim::model::source_and_worker(1e6)
    }

    /// A new OBSERVED_TPR sample without a backlog falls back to the average of upstream's
    /// metric history, which is trimmed to the window once it is full: 30 min observed at 200
    /// rec/s, then 30 min at 400, give 400 with a 5 min window (the whole run would give 300).
    #[test]
    fn the_observed_tpr_fallback_averages_the_window_only() {
        let m = model();
        let trace = Trace::from_rows(0, 60_000, &[vec![100.0]], vec![1, 1]);
        let cost = CostModel::per_vertex(vec![1.0, 1.0]);
        let ctx = Context {
            model: &m,
            trace: &trace,
            initial: &[1, 1],
            cost: &cost,
            version: Version::V1_16,
            interval_ms: 60_000,
            restart_ms: 0,
        };
        let mut opts = AutoscalerOptions::defaults(Version::V1_16);
        opts.metrics_window = DurationMs(5 * 60_000);
        opts.stabilization_interval = DurationMs(60_000);
        opts.enabled = true;
        let mut a = FlinkAutoscaler::new("flink", opts, f64::INFINITY, &ctx);
        let parallelism = [1, 1];
        let mut observe = |minute: i64, in_rate: f64, lag: f64| {
            let obs = Observation {
                t_ms: minute * 60_000,
                step_ms: 60_000,
                model: &m,
                parallelism: &parallelism,
                busy: &[f64::NAN, 0.5],
                in_rate: &[in_rate, in_rate],
                out_rate: &[in_rate, in_rate],
                demand: &[in_rate, in_rate],
                need: &[in_rate, in_rate],
                backpressured_ms: &[500.0, 0.0],
                backlog: &[lag],
                pending_s: 0.0,
                restarting: false,
                cu: 2.0,
            };
            a.decide(&obs);
        };
        // A backlog far above the lag threshold: each sample is in_rate / (1 - 0.5).
        for minute in 0..30 {
            observe(minute, 100.0, 1e9);
        }
        for minute in 30..60 {
            observe(minute, 200.0, 1e9);
        }
        observe(60, 200.0, 0.0);
        let tpr = a.window.latest_value("src", ScalingMetric::ObservedTpr);
        assert_eq!(tpr, Some(400.0));
        assert!(a.observed_tpr[0].len() <= 6, "{}", a.observed_tpr[0].len());
    }
}
