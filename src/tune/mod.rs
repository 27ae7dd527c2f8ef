//! `tune`: which Flink autoscaler settings, and which daily schedule, would have cost least on
//! the traffic a recording holds while keeping data pending under a target.
//!
//! Every figure comes from the replay `simulate` runs (`sim::replay::replay`, one policy at a
//! time, with the same model, restart time, decision interval, cost and goal), so a `simulate
//! --policy` of a written result reproduces it to the byte. The recording is read once
//! (`sim::run::record`); its demand is laid out in memory once ([`Tuner::new`]) and shared by
//! every replay, which run in parallel (rayon) and are collected in candidate order: the outcome
//! does not depend on the number of threads.
//!
//! The objective: among the candidates whose pending p95 (the 95th percentile of the per-step
//! data pending time, the engine's `Summary::pending_p95_ms`) is at most the target and whose
//! rescales per day are at most the cap, the least CU-hours; ties go to fewer rescales, then the
//! lower p95, then the fewest options changed from the current settings, then candidate order.
//! How sure: the Pareto front over (CU-hours, pending p95, rescales/day), the runner-up, how many
//! candidates come within 1% of the choice's CU-hours, and the choice of each half of the
//! recording on its own.

pub mod schedule;
pub mod space;

use rayon::prelude::*;

use crate::settings::{self, Origin, Setting, SettingError};
use crate::sim::engine::{Params, Summary};
use crate::sim::policy::scheduled::{self, Period};
use crate::sim::policy::{autoscaler_keys, Context, PolicyKind, PolicySpec};
use crate::sim::replay::{self, Observer, ReplayError};
use crate::sim::restart::Restart;
use crate::sim::run::{SimulateRequest, DEFAULT_INTERVAL_MS};
use crate::sim::trace::Trace;
use space::{Point, Space};

/// Candidates evaluated when `--budget` is not given.
pub const DEFAULT_BUDGET: usize = 200;

/// Near-ties: candidates within this fraction of the choice's CU-hours.
pub const NEAR: f64 = 0.01;

const DAY_MS: f64 = 86_400_000.0;

/// What to search, on which recording, for which goal.
#[derive(Debug)]
pub struct TuneRequest {
    /// The recording, the job's cost, the restart and interval flags, and the policies: the
    /// baseline and the Flink autoscaler of the current settings (`--config`, `-D`), with the
    /// goal as the simulation's expected pending time.
    pub simulate: SimulateRequest,
    /// The pending-time target: the p95 of the per-step data pending time (ms).
    pub pending_p95_ms: i64,
    pub max_rescales_per_day: Option<f64>,
    pub space: Space,
    /// Most settings candidates replayed (the defaults and the current settings included).
    pub budget: usize,
    /// Derive a schedule of at most this many periods.
    pub schedule_periods: Option<usize>,
}

#[derive(Debug)]
pub enum TuneError {
    IntervalNotPositive(i64),
    /// The current settings do not resolve.
    Setting(SettingError),
    Spool(std::io::Error),
}

impl From<ReplayError> for TuneError {
    fn from(e: ReplayError) -> Self {
        match e {
            ReplayError::Setting(e) => TuneError::Setting(e),
            ReplayError::Spool(e) => TuneError::Spool(e),
        }
    }
}

/// The figures a candidate is judged by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub cu_hours: f64,
    pub pending_p95_ms: f64,
    pub rescales: usize,
    pub rescales_per_day: f64,
}

impl Figures {
    /// The figures of a replay's summary over `duration_ms`.
    pub fn of(s: &Summary, duration_ms: i64) -> Figures {
        Figures {
            cu_hours: s.cu_hours,
            pending_p95_ms: s.pending_p95_ms,
            rescales: s.rescales,
            rescales_per_day: if duration_ms > 0 {
                s.rescales as f64 * DAY_MS / duration_ms as f64
            } else {
                0.0
            },
        }
    }

    /// Whether `self` is at least as good in every figure and better in one.
    pub fn dominates(&self, o: &Figures) -> bool {
        let le = self.cu_hours <= o.cu_hours
            && self.pending_p95_ms <= o.pending_p95_ms
            && self.rescales_per_day <= o.rescales_per_day;
        le && (self.cu_hours < o.cu_hours
            || self.pending_p95_ms < o.pending_p95_ms
            || self.rescales_per_day < o.rescales_per_day)
    }
}

/// Which candidate a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// Upstream's default for every searched option (the current settings otherwise).
    Defaults,
    /// The settings of `--config` and `-D`.
    Current,
    Sampled,
}

/// One settings candidate and what its replays showed.
#[derive(Debug, Clone)]
pub struct Evaluated {
    pub label: Label,
    pub point: Point,
    /// The settings replayed over the current ones (full keys, in dimension order).
    pub settings: Vec<(String, String)>,
    /// Searched options whose value differs from the current settings'.
    pub changed: usize,
    pub summary: Summary,
    pub figures: Figures,
    /// The figures of the first and the second half of the replay (the state at the middle
    /// carried over, as it was).
    pub halves: [Figures; 2],
}

/// A schedule and its replays.
#[derive(Debug, Clone)]
pub struct ScheduleRun {
    pub periods: Vec<Period>,
    /// The fraction of capacity its periods were sized for at their busiest.
    pub headroom: f64,
    pub summary: Summary,
    pub figures: Figures,
}

#[derive(Debug, Clone)]
pub struct ScheduleOutcome {
    pub max_periods: usize,
    /// Schedules replayed.
    pub tried: usize,
    /// The cheapest schedule that meets the target (else the one with the least pending p95).
    pub chosen: ScheduleRun,
    pub feasible: bool,
    /// The chosen schedule as the base with the chosen settings' autoscaler on top.
    pub combined: ScheduleRun,
}

/// What the search found, as data (`render::tune` words it).
#[derive(Debug, Clone)]
pub struct TuneOutcome {
    pub step_ms: i64,
    pub duration_ms: i64,
    pub restart: Restart,
    pub interval_ms: i64,
    pub pending_p95_ms: i64,
    pub max_rescales_per_day: Option<f64>,
    pub vertex_ids: Vec<String>,
    pub space: Space,
    pub grid_size: u128,
    /// The static baseline's run.
    pub baseline: Summary,
    /// Every candidate, the defaults first, then the current settings, then the sample.
    pub evaluated: Vec<Evaluated>,
    /// Candidates whose settings do not resolve together (with the current settings), skipped.
    pub skipped: Vec<(Vec<(String, String)>, SettingError)>,
    pub choice: usize,
    /// Whether the choice meets the target and the cap (else it is the closest).
    pub feasible: bool,
    /// Indexes of the Pareto front, by CU-hours.
    pub front: Vec<usize>,
    /// The next best candidate after the choice, by the same order.
    pub runner_up: Option<usize>,
    /// Feasible candidates within [`NEAR`] of the choice's CU-hours, the choice excluded.
    pub near: usize,
    /// The choice by the figures of the first and of the second half of the replays alone.
    pub halves: Option<[usize; 2]>,
    /// The current settings the candidates replace (for the written policy).
    pub current: Vec<Setting>,
    pub schedule: Option<ScheduleOutcome>,
}

impl TuneOutcome {
    pub fn chosen(&self) -> &Evaluated {
        &self.evaluated[self.choice]
    }

    /// The autoscaler settings of a policy file that replays the choice under `simulate`
    /// alone: the current autoscaler settings, then the chosen ones (no key twice).
    pub fn policy_settings(&self, e: &Evaluated) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for s in &self.current {
            let k = s.key.trim();
            if is_autoscaler_key(k) && !e.settings.iter().any(|(c, _)| c == k) {
                out.retain(|(o, _)| o != k);
                out.push((k.to_string(), s.value.clone()));
            }
        }
        out.extend(e.settings.iter().cloned());
        out
    }
}

fn is_autoscaler_key(k: &str) -> bool {
    crate::sim::policy::uses_key(PolicyKind::FlinkAutoscaler, k) && k != "planscale.policy"
}

/// How far the search is, for a progress bar: the replay steps it will take, then the steps
/// done (from any of rayon's threads, in no particular order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Total(u64),
    Done(u64),
}

/// What [`Tuner::with_progress`] is told.
type Tick = Box<dyn Fn(Progress) + Send + Sync>;

/// A recording laid out for many replays, and what every replay shares.
pub struct Tuner {
    request: TuneRequest,
    /// The recording, laid out in memory.
    traces: Vec<Trace>,
    restart: Restart,
    interval_ms: i64,
    progress: Option<Tick>,
}

/// Lays `trace`'s demand rows `from..to` out in memory, with the recorded parallelism from
/// `from` on.
fn sub_trace(trace: &Trace, rows: &[Vec<f64>], from: usize, to: usize) -> Trace {
    let start = trace.start_ms + from as i64 * trace.step_ms;
    let mut t = Trace::from_rows(
        start,
        trace.step_ms,
        &rows[from..to],
        trace.recorded_at(from).to_vec(),
    );
    t.recorded = trace
        .recorded
        .iter()
        .filter(|(s, _)| *s > from && *s < to)
        .map(|(s, p)| (s - from, p.clone()))
        .collect();
    t.recorded.insert(0, (0, trace.recorded_at(from).to_vec()));
    t
}

impl Tuner {
    /// Reads the recording's demand once into memory (8 bytes per source and step).
    pub fn new(request: TuneRequest) -> Result<Tuner, TuneError> {
        let interval_ms = request.simulate.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS);
        if interval_ms <= 0 {
            return Err(TuneError::IntervalNotPositive(interval_ms));
        }
        let trace = &request.simulate.recorded.trace;
        let mut rows = Vec::with_capacity(trace.len());
        let mut demand = trace.demand().map_err(TuneError::Spool)?;
        for _ in 0..trace.len() {
            rows.push(demand.next_row().map_err(TuneError::Spool)?.to_vec());
        }
        drop(demand);
        let n = trace.len();
        let traces = vec![sub_trace(trace, &rows, 0, n)];
        let restart = request.simulate.restart();
        Ok(Tuner {
            request,
            traces,
            restart,
            interval_ms,
            progress: None,
        })
    }

    /// Tells `tick` how far the settings search is (it replays every candidate once over the
    /// whole recording, the long part of a `tune`). Outcomes do not depend on it.
    pub fn with_progress(mut self, tick: impl Fn(Progress) + Send + Sync + 'static) -> Tuner {
        self.progress = Some(Box::new(tick));
        self
    }

    pub fn request(&self) -> &TuneRequest {
        &self.request
    }

    /// The replay's length (ms) of trace `t`.
    fn duration_ms(&self, t: usize) -> i64 {
        self.traces[t].len() as i64 * self.traces[t].step_ms
    }

    /// Replays `specs` one after the other over the whole recording, as `simulate` would, with
    /// `observer` watching (for plots).
    pub fn replay(
        &self,
        specs: &[PolicySpec],
        observer: &mut dyn Observer,
    ) -> Result<Vec<Summary>, TuneError> {
        self.replay_on(0, specs, observer)
    }

    fn replay_on(
        &self,
        t: usize,
        specs: &[PolicySpec],
        observer: &mut dyn Observer,
    ) -> Result<Vec<Summary>, TuneError> {
        let sim = &self.request.simulate;
        let trace = &self.traces[t];
        let model = &sim.recorded.model;
        let initial: Vec<i64> = trace.recorded_at(0).to_vec();
        let ctx = Context {
            model,
            trace,
            initial: &initial,
            cost: &sim.cost,
            version: sim.policies.version,
            interval_ms: self.interval_ms,
            restart_ms: self.restart.ms,
        };
        let params = Params {
            restart_ms: self.restart.ms,
            cost: sim.cost.clone(),
            expected_pending_s: sim.policies.expected_pending_ms.map(|m| m as f64 / 1000.0),
            keep_steps: false,
        };
        let runs = replay::replay(specs, &ctx, model, trace, &params, observer)?;
        Ok(runs.into_iter().map(|r| r.summary).collect())
    }

    /// The spec of the current settings' autoscaler (the second policy of the request).
    fn current_spec(&self) -> PolicySpec {
        let specs = &self.request.simulate.policies.specs;
        specs
            .iter()
            .find(|s| s.kind == PolicyKind::FlinkAutoscaler)
            .cloned()
            .unwrap_or(PolicySpec {
                name: "current".into(),
                kind: PolicyKind::FlinkAutoscaler,
                keys: vec![],
            })
    }

    /// The autoscaler spec of `settings` over the current settings.
    pub fn settings_spec(&self, name: &str, settings: &[(String, String)]) -> PolicySpec {
        let mut spec = self.current_spec();
        spec.name = name.to_string();
        spec.keys.extend(
            settings
                .iter()
                .map(|(k, v)| Setting::new(k.clone(), v.clone(), Origin::Flag("tune"))),
        );
        spec
    }

    /// The spec of a schedule, alone or with the autoscaler of `settings` on top.
    pub fn schedule_spec(
        &self,
        name: &str,
        periods: &[Period],
        autoscaler: Option<&[(String, String)]>,
    ) -> PolicySpec {
        let ids: Vec<String> = self.vertex_ids();
        let items = scheduled::period_items(periods, &ids).join(";");
        let mut spec = match autoscaler {
            Some(s) => self.settings_spec(name, s),
            None => PolicySpec {
                name: name.to_string(),
                kind: PolicyKind::Scheduled,
                keys: fill_ins(&self.current_spec()),
            },
        };
        spec.kind = PolicyKind::Scheduled;
        spec.keys.push(Setting::new(
            scheduled::PERIODS_KEY,
            items,
            Origin::Flag("tune"),
        ));
        if autoscaler.is_some() {
            spec.keys.push(Setting::new(
                scheduled::AUTOSCALER_KEY,
                "true",
                Origin::Flag("tune"),
            ));
        }
        spec
    }

    /// The policies a plot shows over time: the defaults, the choice, and with a schedule the
    /// schedule and both together.
    pub fn timeline_specs(&self, o: &TuneOutcome) -> Vec<PolicySpec> {
        let defaults = o
            .evaluated
            .iter()
            .find(|e| e.label == Label::Defaults)
            .unwrap_or(&o.evaluated[0]);
        let mut specs = vec![
            self.settings_spec("defaults", &defaults.settings),
            self.settings_spec("tuned", &o.chosen().settings),
        ];
        if let Some(s) = &o.schedule {
            specs.push(self.schedule_spec("schedule", &s.chosen.periods, None));
            specs.push(self.schedule_spec("both", &s.chosen.periods, Some(&o.chosen().settings)));
        }
        specs
    }

    pub fn vertex_ids(&self) -> Vec<String> {
        let model = &self.request.simulate.recorded.model;
        model.vertices.iter().map(|v| v.vertex.id.clone()).collect()
    }

    /// Replays every spec over the recording, in parallel; results in `specs` order, each with
    /// the figures of the replay's first and second half.
    fn evaluate(&self, specs: &[PolicySpec]) -> Vec<Result<(Summary, [Figures; 2]), TuneError>> {
        let trace = &self.traces[0];
        let half = trace.len() / 2;
        let mid_ms = trace.start_ms + half as i64 * trace.step_ms;
        let durations = [
            half as i64 * trace.step_ms,
            (trace.len() - half) as i64 * trace.step_ms,
        ];
        if let Some(tick) = &self.progress {
            tick(Progress::Total(specs.len() as u64 * trace.len() as u64));
        }
        specs
            .par_iter()
            .map(|spec| {
                let mut halves = Halves::new(mid_ms, trace.step_ms, trace.len());
                halves.tick = self.progress.as_deref();
                let s = self
                    .replay_on(0, std::slice::from_ref(spec), &mut halves)?
                    .remove(0);
                let h = halves.figures(&s, durations);
                Ok((s, h))
            })
            .collect()
    }

    /// The search: settings, then (when asked) schedules.
    pub fn run(&self) -> Result<TuneOutcome, TuneError> {
        let req = &self.request;
        let sim = &req.simulate;
        let version = sim.policies.version;
        let current_spec = self.current_spec();
        let current_opts = settings::resolve_autoscaler(version, &autoscaler_keys(&current_spec))
            .map_err(TuneError::Setting)?
            .opts;
        let space = &req.space;
        let defaults_point = space.point_of(&crate::scaler::AutoscalerOptions::defaults(version));
        let current_point = space.point_of(&current_opts);
        let points = space.candidates(
            &[defaults_point.clone(), current_point.clone()],
            req.budget.max(2),
        );
        let target = current_opts.utilization_target;
        let settings_of: Vec<Vec<(String, String)>> =
            points.iter().map(|p| space.settings(p, target)).collect();
        let specs: Vec<PolicySpec> = settings_of
            .iter()
            .enumerate()
            .map(|(i, s)| self.settings_spec(&format!("candidate-{i}"), s))
            .collect();
        let mut all = specs.clone();
        all.push(PolicySpec {
            name: "static".into(),
            kind: PolicyKind::Static,
            keys: vec![],
        });
        let mut results = self.evaluate(&all).into_iter();
        let mut evaluated = Vec::new();
        let mut skipped = Vec::new();
        let durations = [self.duration_ms(0)];
        for (p, settings) in points.iter().zip(&settings_of) {
            let (full, halves) = match results.next() {
                Some(Ok(r)) => r,
                Some(Err(TuneError::Setting(e))) => {
                    if p == &defaults_point || p == &current_point {
                        return Err(TuneError::Setting(e));
                    }
                    skipped.push((settings.clone(), e));
                    continue;
                }
                Some(Err(e)) => return Err(e),
                None => continue,
            };
            let changed = p.iter().zip(&current_point).filter(|(a, b)| a != b).count();
            evaluated.push(Evaluated {
                label: if p == &defaults_point {
                    Label::Defaults
                } else if p == &current_point {
                    Label::Current
                } else {
                    Label::Sampled
                },
                point: p.clone(),
                settings: settings.clone(),
                changed,
                figures: Figures::of(&full, durations[0]),
                halves,
                summary: full,
            });
        }
        let baseline = match results.next() {
            Some(r) => r?.0,
            None => Summary::default(),
        };
        let goal = req.pending_p95_ms as f64;
        let cap = req.max_rescales_per_day;
        let full: Vec<Figures> = evaluated.iter().map(|e| e.figures).collect();
        let changed: Vec<usize> = evaluated.iter().map(|e| e.changed).collect();
        let order = ranking(&full, &changed, goal, cap);
        let choice = order.first().copied().unwrap_or(0);
        let feasible = meets(&full[choice], goal, cap);
        let runner_up = order
            .get(1)
            .copied()
            .filter(|i| meets(&full[*i], goal, cap));
        let near = order
            .iter()
            .skip(1)
            .filter(|i| meets(&full[**i], goal, cap))
            .filter(|i| full[**i].cu_hours <= full[choice].cu_hours * (1.0 + NEAR))
            .count();
        let halves = if self.traces[0].len() < 2 {
            None
        } else {
            let h = |k: usize| {
                let f: Vec<Figures> = evaluated.iter().map(|e| e.halves[k]).collect();
                ranking(&f, &changed, goal, cap)
                    .first()
                    .copied()
                    .unwrap_or(0)
            };
            Some([h(0), h(1)])
        };
        let front = pareto(&full);
        let mut outcome = TuneOutcome {
            step_ms: sim.recorded.step_ms,
            duration_ms: durations[0],
            restart: self.restart.clone(),
            interval_ms: self.interval_ms,
            pending_p95_ms: req.pending_p95_ms,
            max_rescales_per_day: cap,
            vertex_ids: self.vertex_ids(),
            space: space.clone(),
            grid_size: space.grid_size(),
            baseline,
            evaluated,
            skipped,
            choice,
            feasible,
            front,
            runner_up,
            near,
            halves,
            current: sim
                .policies
                .specs
                .iter()
                .find(|s| s.kind == PolicyKind::FlinkAutoscaler)
                .map(|s| s.keys.clone())
                .unwrap_or_default(),
            schedule: None,
        };
        if let Some(n) = req.schedule_periods {
            outcome.schedule = Some(self.schedules(n, &outcome)?);
        }
        Ok(outcome)
    }

    /// Derives the schedules, replays them, and the chosen one with the chosen settings on top.
    fn schedules(&self, max_periods: usize, o: &TuneOutcome) -> Result<ScheduleOutcome, TuneError> {
        let sim = &self.request.simulate;
        let model = &sim.recorded.model;
        let trace = &self.traces[0];
        let rows: Vec<Vec<f64>> = {
            let mut d = trace.demand().map_err(TuneError::Spool)?;
            (0..trace.len())
                .map(|_| d.next_row().map(<[f64]>::to_vec))
                .collect::<Result<_, _>>()
                .map_err(TuneError::Spool)?
        };
        let profile = schedule::daily_profile(model, &rows, trace.start_ms, trace.step_ms);
        let initial = trace.recorded_at(0).to_vec();
        let mut cands: Vec<(Vec<Period>, f64)> = Vec::new();
        for h in schedule::HEADROOMS {
            for c in schedule::candidates(model, &initial, &sim.cost, &profile, max_periods, h) {
                if !cands.iter().any(|(p, _)| *p == c) {
                    cands.push((c, h));
                }
            }
        }
        let specs: Vec<PolicySpec> = cands
            .iter()
            .enumerate()
            .map(|(i, (p, _))| self.schedule_spec(&format!("schedule-{i}"), p, None))
            .collect();
        let d = self.duration_ms(0);
        let mut runs = Vec::new();
        for ((periods, headroom), r) in cands.into_iter().zip(self.evaluate(&specs)) {
            let summary = r?.0;
            runs.push(ScheduleRun {
                periods,
                headroom,
                figures: Figures::of(&summary, d),
                summary,
            });
        }
        let goal = self.request.pending_p95_ms as f64;
        let cap = self.request.max_rescales_per_day;
        let figs: Vec<Figures> = runs.iter().map(|r| r.figures).collect();
        let periods: Vec<usize> = runs.iter().map(|r| r.periods.len()).collect();
        let best = ranking(&figs, &periods, goal, cap)
            .first()
            .copied()
            .unwrap_or(0);
        let tried = runs.len();
        let chosen = runs.swap_remove(best);
        let both = self.schedule_spec("both", &chosen.periods, Some(&o.chosen().settings));
        let summary = self.replay(std::slice::from_ref(&both), &mut ())?.remove(0);
        let combined = ScheduleRun {
            periods: chosen.periods.clone(),
            headroom: chosen.headroom,
            figures: Figures::of(&summary, d),
            summary,
        };
        Ok(ScheduleOutcome {
            max_periods,
            tried,
            feasible: meets(&chosen.figures, goal, cap),
            chosen,
            combined,
        })
    }
}

/// Sees a replay's steps and keeps what the figures of its two halves need: the CU-hours and
/// the pending times of each (the p95 of a half is taken as the engine takes it of the whole).
struct Halves<'a> {
    mid_ms: i64,
    dt_h: f64,
    cu_hours: [f64; 2],
    pending: [Vec<f64>; 2],
    tick: Option<&'a (dyn Fn(Progress) + Send + Sync)>,
}

impl Halves<'_> {
    fn new(mid_ms: i64, step_ms: i64, steps: usize) -> Self {
        Halves {
            tick: None,
            mid_ms,
            dt_h: step_ms as f64 / 3_600_000.0,
            cu_hours: [0.0; 2],
            pending: [
                Vec::with_capacity(steps / 2 + 1),
                Vec::with_capacity(steps / 2 + 1),
            ],
        }
    }

    fn figures(&mut self, s: &Summary, durations: [i64; 2]) -> [Figures; 2] {
        let mut out = [Figures::of(&Summary::default(), 0); 2];
        for (h, f) in out.iter_mut().enumerate() {
            let rescales = s
                .events
                .iter()
                .filter(|e| (e.at_ms >= self.mid_ms) == (h == 1))
                .count();
            let p = &mut self.pending[h];
            let p95 = if p.is_empty() {
                0.0
            } else {
                let i = (((p.len() - 1) as f64 * 0.95).round() as usize).min(p.len() - 1);
                *p.select_nth_unstable_by(i, f64::total_cmp).1
            };
            *f = Figures {
                cu_hours: self.cu_hours[h],
                pending_p95_ms: p95 * 1000.0,
                rescales,
                rescales_per_day: if durations[h] > 0 {
                    rescales as f64 * DAY_MS / durations[h] as f64
                } else {
                    0.0
                },
            };
        }
        out
    }
}

impl Observer for Halves<'_> {
    fn wants_steps(&self) -> bool {
        true
    }
    fn progress(&mut self, steps: u64) {
        if let Some(tick) = self.tick {
            tick(Progress::Done(steps));
        }
    }
    fn step(&mut self, _run: usize, _policy: &PolicySpec, s: &crate::sim::timeline::Step) {
        let h = usize::from(s.t_ms >= self.mid_ms);
        self.cu_hours[h] += s.cu * self.dt_h;
        self.pending[h].push(s.pending_s);
    }
}

/// The shared fill-ins of a spec (the keys the command line offered every policy), for a
/// schedule alone.
fn fill_ins(spec: &PolicySpec) -> Vec<Setting> {
    spec.keys
        .iter()
        .filter(|s| matches!(s.origin, Origin::Flag(_)))
        .cloned()
        .collect()
}

/// Whether `f` meets the pending target and the rescale cap.
pub fn meets(f: &Figures, goal_ms: f64, cap: Option<f64>) -> bool {
    f.pending_p95_ms <= goal_ms && cap.is_none_or(|c| f.rescales_per_day <= c)
}

/// Candidates best first: those that meet the target by CU-hours, rescales, p95, `changed`
/// and index; then those that do not, by p95, CU-hours and index.
pub fn ranking(f: &[Figures], changed: &[usize], goal_ms: f64, cap: Option<f64>) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..f.len()).collect();
    idx.sort_by(|&a, &b| {
        let (fa, fb) = (&f[a], &f[b]);
        let (ma, mb) = (meets(fa, goal_ms, cap), meets(fb, goal_ms, cap));
        mb.cmp(&ma).then_with(|| {
            if ma {
                fa.cu_hours
                    .total_cmp(&fb.cu_hours)
                    .then(fa.rescales.cmp(&fb.rescales))
                    .then(fa.pending_p95_ms.total_cmp(&fb.pending_p95_ms))
                    .then(changed[a].cmp(&changed[b]))
                    .then(a.cmp(&b))
            } else {
                fa.pending_p95_ms
                    .total_cmp(&fb.pending_p95_ms)
                    .then(fa.cu_hours.total_cmp(&fb.cu_hours))
                    .then(a.cmp(&b))
            }
        })
    });
    idx
}

/// The Pareto front (no other candidate dominates it), one per distinct figures, by CU-hours.
pub fn pareto(f: &[Figures]) -> Vec<usize> {
    let mut out: Vec<usize> = (0..f.len())
        .filter(|&i| !f.iter().any(|o| o.dominates(&f[i])))
        .collect();
    let mut seen: Vec<(u64, u64, u64)> = Vec::new();
    out.retain(|&i| {
        let k = (
            f[i].cu_hours.to_bits(),
            f[i].pending_p95_ms.to_bits(),
            f[i].rescales_per_day.to_bits(),
        );
        let new = !seen.contains(&k);
        seen.push(k);
        new
    });
    out.sort_by(|&a, &b| f[a].cu_hours.total_cmp(&f[b].cu_hours).then(a.cmp(&b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three days at 1 min steps of a source and one worker: 4,320 steps, so each replay ticks
    /// once (every 4,096 steps).
    fn small_request(budget: usize) -> TuneRequest {
        use crate::sim::run::{self, FillIns, PolicyRequest, Recorded};
        let rows: Vec<Vec<f64>> = (0..4320)
            .map(|i| vec![150.0 + 100.0 * ((i as f64) / 1440.0 * std::f64::consts::TAU).sin()])
            .collect();
        TuneRequest {
            simulate: SimulateRequest {
                policies: run::policies(PolicyRequest {
                    version: crate::scaler::Version::V1_16,
                    config: vec![],
                    defines: vec![],
                    files: vec![],
                    fill_ins: FillIns::default(),
                })
                .unwrap(),
                recorded: Recorded {
                    model: crate::sim::model::source_and_worker(100.0),
                    trace: Trace::from_rows(0, 60_000, &rows, vec![1, 2]),
                    step_ms: 60_000,
                    measured_restart: None,
                    metric_warnings: vec![],
                    recording_warnings: vec![],
                },
                cost: crate::resources::CostModel::per_vertex(vec![0.25, 0.25]),
                restart_ms: Some(60_000),
                interval_ms: None,
            },
            pending_p95_ms: 60_000,
            max_rescales_per_day: None,
            space: Space::default_space(),
            budget,
            schedule_periods: None,
        }
    }

    #[test]
    fn progress_counts_the_replays_and_changes_nothing() {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        let (total, done) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (t, d) = (total.clone(), done.clone());
        let watched = Tuner::new(small_request(6))
            .unwrap()
            .with_progress(move |p| match p {
                Progress::Total(n) => t.store(n, Ordering::Relaxed),
                Progress::Done(n) => {
                    d.fetch_add(n, Ordering::Relaxed);
                }
            })
            .run()
            .unwrap();
        let plain = Tuner::new(small_request(6)).unwrap().run().unwrap();
        // The candidates and the static baseline.
        let replays = (watched.evaluated.len() + watched.skipped.len() + 1) as u64;
        assert_eq!(total.load(Ordering::Relaxed), replays * 4320);
        assert_eq!(done.load(Ordering::Relaxed), replays * 4096);
        assert_eq!(watched.choice, plain.choice);
        let figures = |o: &TuneOutcome| -> Vec<(u64, u64, usize)> {
            o.evaluated
                .iter()
                .map(|e| {
                    (
                        e.figures.cu_hours.to_bits(),
                        e.figures.pending_p95_ms.to_bits(),
                        e.figures.rescales,
                    )
                })
                .collect()
        };
        assert_eq!(figures(&watched), figures(&plain));
    }

    fn f(cu: f64, p95: f64, r: f64) -> Figures {
        Figures {
            cu_hours: cu,
            pending_p95_ms: p95,
            rescales: r as usize,
            rescales_per_day: r,
        }
    }

    #[test]
    fn the_cheapest_that_meets_the_target_wins_and_ties_go_to_fewer_changes() {
        let figs = [
            f(10.0, 5.0, 1.0),
            f(8.0, 50.0, 1.0),
            f(9.0, 5.0, 9.0),
            f(9.0, 5.0, 9.0),
        ];
        assert_eq!(ranking(&figs, &[0, 0, 2, 1], 10.0, None), [3, 2, 0, 1]);
        assert_eq!(ranking(&figs, &[0, 0, 2, 1], 10.0, Some(2.0))[0], 0);
        // Nothing meets it: the least pending first, then the cheapest.
        assert_eq!(ranking(&figs, &[0; 4], 1.0, None), [2, 3, 0, 1]);
    }

    #[test]
    fn the_front_keeps_what_nothing_dominates_once() {
        let figs = [
            f(10.0, 5.0, 1.0),
            f(8.0, 50.0, 1.0),
            f(11.0, 6.0, 1.0),
            f(8.0, 50.0, 1.0),
        ];
        assert_eq!(pareto(&figs), [1, 0]);
        assert!(f(1.0, 1.0, 1.0).dominates(&f(1.0, 2.0, 1.0)));
        assert!(!f(1.0, 1.0, 1.0).dominates(&f(1.0, 1.0, 1.0)));
    }
}
