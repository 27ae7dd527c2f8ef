//! What `recommend` decided for each vertex, and what it wants the user to know, as data.
//!
//! The core returns these enums with the numbers behind them; the words are written once, in
//! `render::recommend` (ripgrep's searcher/printer split), so the text, the JSON and a future
//! renderer cannot drift apart, and no core message names a command-line flag.

/// The change a vertex gets: the scaler's own direction (its `as_str` is the contract's name).
pub use crate::scaler::Action;

/// The bound that limited a vertex (the contract's `bounded_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    ScaleUpMaxFactor,
    ScaleDownMaxFactor,
    MinParallelism,
    MaxParallelism,
    KeyGroupAlignment,
    SourcePartitions,
    UtilizationBand,
    Excluded,
    NoMetrics,
    MissingMetrics,
    CuBudget,
}

/// Why a vertex got its parallelism, with the figures the sentence needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    Excluded,
    MemoryPressure,
    /// Upstream would change it, but no changing vertex is outside its band.
    WithinBand {
        from: i64,
        to: i64,
    },
    /// Sized by the autoscaler: `subtasks` of `per_subtask` rec/s for `target` at `utilization`.
    Sized {
        target: f64,
        utilization: f64,
        subtasks: i64,
        per_subtask: f64,
    },
    /// A scale-down the autoscaler delays by its scale-down interval.
    DelayedScaleDown {
        processing: f64,
        band_top: f64,
        to: i64,
        interval_s: i64,
        keeps: i64,
    },
    NoTrueProcessingRate,
    NoTargetRate,
    AlignmentBlocked,
    Ineffective,
    InsideBand {
        processing: f64,
        target: f64,
        low: f64,
        high: f64,
    },
    KeptByBounds {
        processing: f64,
        target: f64,
        keeps: i64,
        bound: Option<Bound>,
    },
    NoMetrics,
    /// planscale's estimate of demand hidden by a backpressured source without a lag metric.
    HiddenDemand {
        busy: f64,
        source: String,
        backpressured_ms: f64,
        processed: f64,
        subtasks: i64,
        utilization: f64,
    },
    /// No decision for any vertex: `vertex` lacks `metric`, without which upstream decides nothing.
    NoDecision {
        vertex: String,
        metric: &'static str,
    },
}

/// A vertex's reason, and whether the CU budget then held it at its recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub reason: Reason,
    pub held_by_budget: bool,
}

impl From<Reason> for Explained {
    fn from(reason: Reason) -> Self {
        Explained {
            reason,
            held_by_budget: false,
        }
    }
}

/// What the user should know about the recommendation as a whole.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Said by the metric reader, already in words.
    Recording(crate::metrics::ReadWarning),
    RescaledInWindow {
        after_ms: i64,
    },
    /// The recording lacks these metrics of the vertex; `lag_zero`: only optional ones, which
    /// upstream reads as a lag of 0.
    MissingInputs {
        vertex: String,
        metrics: Vec<&'static str>,
        lag_zero: bool,
    },
    NoMetrics {
        vertex: String,
    },
    HiddenDemand {
        source: String,
        backpressured_ms: f64,
        emitted: f64,
    },
    Integrated,
    /// `--exact`: upstream keeps a saturated vertex behind a hidden-demand source.
    Stall {
        vertex: String,
        current: i64,
        busy: f64,
        source: String,
        backpressured_ms: f64,
        processed: f64,
        estimate: i64,
    },
    /// The CU ceiling cannot be met even without any scale-up.
    OverBudget {
        cu: f64,
        max: f64,
    },
    HeldByBudget {
        vertex: String,
        parallelism: i64,
    },
}
