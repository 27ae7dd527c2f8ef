//! The per-step state of a simulation, for `--timeline`, `--plot` and the summary.
//!
//! One `PolicyRun` per policy over the same time axis; vectors inside a step are indexed like
//! `Timeline::vertices`. Rates are records per second; pending time is seconds.

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// Start of the simulated period (epoch ms) and the step length.
    pub start_ms: i64,
    pub step_ms: i64,
    /// Vertex display names, in topological order.
    pub vertices: Vec<String>,
    /// Expected pending time (s), when a goal was set.
    pub expected_pending_s: Option<f64>,
    pub runs: Vec<PolicyRun>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyRun {
    /// `static` first, then the policies in the order given.
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Step {
    pub t_ms: i64,
    /// Records per second each vertex must process (source input plus backlog growth,
    /// propagated along the edges).
    pub demand: Vec<f64>,
    /// Records per second each vertex can process at its current parallelism (0 while restarting).
    pub capacity: Vec<f64>,
    pub parallelism: Vec<i64>,
    /// Records waiting at the sources.
    pub backlog: f64,
    /// Data pending time: backlog divided by the drain rate (0 without backlog).
    pub pending_s: f64,
    /// CU in use during the step.
    pub cu: f64,
    /// True while the job restarts after a rescale (no throughput).
    pub restarting: bool,
}
