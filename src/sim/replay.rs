//! Every policy replayed over one trace: the replay of `run::simulate`.
//!
//! Policies run one after the other, in the order given (the baseline first), each from the
//! recorded starting parallelism; an [`Observer`] sees the progress and, when it asks, every
//! step of every run as it is simulated (a timeline file and a plot are observers), so no run is
//! kept in memory. The words of what a policy wants said stay data here ([`Note`]);
//! `render::simulate` writes them.

use std::cell::RefCell;

use crate::settings::SettingError;
use crate::sim::engine::{self, Params, PolicyNote, Summary, WarmUp};
use crate::sim::model::JobModel;
use crate::sim::policy::{self, Context, PolicySpec};
use crate::sim::timeline::Step;
use crate::sim::trace::Trace;

/// What a policy wants the user to know after its run, in the order it came.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The policy's own note (a quota that vetoed rescales).
    Policy(PolicyNote),
    /// The policy watches longer than the recording lasts: it never had the chance to decide.
    CouldNotAct(WarmUp),
}

/// One policy's run.
pub struct Run {
    pub summary: Summary,
    pub notes: Vec<Note>,
}

#[derive(Debug)]
pub enum ReplayError {
    /// A policy's setting is unreadable or out of range.
    Setting(SettingError),
    /// The recording's demand could not be read back from its spool file.
    Spool(std::io::Error),
}

/// Sees a replay as it runs. Every method has a default that ignores what it is told.
pub trait Observer {
    /// Whether to see every step: a replay nobody watches does not build them.
    fn wants_steps(&self) -> bool {
        false
    }

    /// One step of run `run` (the index of `policy` among the policies), when
    /// [`Observer::wants_steps`] said so.
    fn step(&mut self, _run: usize, _policy: &PolicySpec, _step: &Step) {}

    /// `steps` more steps are done (every 4,096 steps of a run), for progress bars.
    fn progress(&mut self, _steps: u64) {}
}

/// Sees nothing.
impl Observer for () {}

/// Replays `trace` under every policy of `specs`.
pub fn replay(
    specs: &[PolicySpec],
    ctx: &Context<'_>,
    model: &JobModel,
    trace: &Trace,
    params: &Params,
    observer: &mut dyn Observer,
) -> Result<Vec<Run>, ReplayError> {
    let duration_ms = trace.len() as i64 * trace.step_ms;
    let mut runs = Vec::with_capacity(specs.len());
    let observing = observer.wants_steps();
    // The engine reports progress and steps through two callbacks; they take turns (neither
    // calls the other), so one observer behind a RefCell serves both.
    let observer = RefCell::new(observer);
    let tick = |n: u64| observer.borrow_mut().progress(n);
    for (i, spec) in specs.iter().enumerate() {
        let mut p = policy::make(spec, ctx).map_err(ReplayError::Setting)?;
        let mut step = |s: &Step| observer.borrow_mut().step(i, spec, s);
        let on_step: Option<&mut dyn FnMut(&Step)> = if observing { Some(&mut step) } else { None };
        let (_, summary) = engine::run(
            model,
            trace,
            ctx.initial,
            p.as_mut(),
            params,
            &tick,
            on_step,
        )
        .map_err(ReplayError::Spool)?;
        let mut notes: Vec<Note> = p.notes().into_iter().map(Note::Policy).collect();
        if let Some(w) = p.warm_up().filter(|w| duration_ms < w.ms()) {
            notes.push(Note::CouldNotAct(w));
        }
        runs.push(Run { summary, notes });
    }
    Ok(runs)
}
