//! The per-vertex decision (scaling.md §6): guards, scale factor, observed scalability, caps and
//! clamp, alignment to key groups or partitions, expected rate, ineffective scale-ups and delayed
//! scale-downs.
//!
//! Everything is over plain numbers plus the carried [`DelayedScaleDown`] and history, so the same
//! code serves a one-window `recommend` and a many-cycle simulation. Each result says which bound
//! shaped it ([`Limit`]) and why nothing changed ([`DecisionReason`]), because users ask "why not
//! 7?" more often than "what?". Parallelism is Java `int` upstream: inputs are saturated to that
//! range, and no input (NaN, ±∞, zero rates or parallelism) makes this code panic or spin.

use std::fmt;

use super::align::{align, int, AlignInput, AlignmentBasis, AlignmentOutcome, AlignmentStep};
use super::evaluate::{rate_thresholds, target_capacity, EvaluatedVertex, Thresholds};
use super::numeric::{ceil_2, java_ceil_to_int, java_max, java_min, round_metric};
use super::options::{AlignmentMode, AutoscalerOptions, Version};
use super::state::{DelayedScaleDown, ScalingRecord};
use super::topology::ShipStrategy;

/// A bound or rule that moved (or held) a vertex's parallelism, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The scale factor was capped at `1 + scale-up.max-factor`.
    ScaleUpMaxFactor,
    /// The scale factor was raised to `1 − scale-down.max-factor`.
    ScaleDownMaxFactor,
    /// The observed scalability coefficient (< 1) enlarged the factor.
    ObservedScalability,
    /// Raised to the lower limit `min(current, vertex.min-parallelism)`.
    MinParallelism,
    /// Capped at the upper limit `max(current, vertex.max-parallelism)`.
    MaxParallelism,
    /// Capped at the vertex's own max parallelism (number of key groups).
    OperatorMaxParallelism,
    /// Moved to align with the key groups of a keyed vertex.
    KeyGroupAlignment,
    /// Moved to align with the partitions of a source.
    PartitionAlignment,
    /// Legacy alignment found nothing in the scaling direction and kept the current parallelism.
    AlignmentBlocked,
    /// A delayed scale-down applied the largest recommendation of its window, not the latest.
    DelayedWindowMaximum,
    /// The vertex would change but no vertex of the job is outside its utilization band.
    UtilizationBand,
    /// Listed in `vertex.exclude.ids`.
    Excluded,
    /// The job is under GC or heap pressure.
    MemoryPressure,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::ScaleUpMaxFactor => "scale-up-max-factor",
            Limit::ScaleDownMaxFactor => "scale-down-max-factor",
            Limit::ObservedScalability => "observed-scalability",
            Limit::MinParallelism => "min-parallelism",
            Limit::MaxParallelism => "max-parallelism",
            Limit::OperatorMaxParallelism => "operator-max-parallelism",
            Limit::KeyGroupAlignment => "key-group-alignment",
            Limit::PartitionAlignment => "partition-alignment",
            Limit::AlignmentBlocked => "alignment-blocked",
            Limit::DelayedWindowMaximum => "delayed-window-maximum",
            Limit::UtilizationBand => "utilization-band",
            Limit::Excluded => "excluded",
            Limit::MemoryPressure => "memory-pressure",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `scale` call that upstream rejects with `IllegalArgumentException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleError {
    /// The lower parallelism limit is above the upper one.
    InvalidArgument { lower_limit: i64, upper_limit: i64 },
}

impl fmt::Display for ScaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaleError::InvalidArgument {
                lower_limit,
                upper_limit,
            } => write!(
                f,
                "parallelism lower limit {lower_limit} is above the upper limit {upper_limit}"
            ),
        }
    }
}

impl std::error::Error for ScaleError {}

/// Inputs of §6.4–6.5 (upstream's `scale`), with the limits already relative to the current
/// parallelism.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleInput<'a> {
    pub current_parallelism: i64,
    pub input_ship_strategies: &'a [ShipStrategy],
    pub num_source_partitions: i64,
    pub max_parallelism: i64,
    /// Already capped by the max factors.
    pub scale_factor: f64,
    pub parallelism_lower_limit: i64,
    pub parallelism_upper_limit: i64,
    /// See [`AlignInput::cap_at_partitions`].
    pub cap_at_partitions: bool,
}

/// Result of §6.4–6.5.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleOutcome {
    /// `min(ceil(f·p), 2³¹−1)`.
    pub raw_target: i64,
    /// `p₁`, after the limits.
    pub clamped_target: i64,
    pub new_parallelism: i64,
    /// `None` when `p₁ = p` stopped the computation before alignment.
    pub alignment: Option<AlignmentOutcome>,
    /// Bounds that moved the value, in the order applied.
    pub limits: Vec<Limit>,
}

/// §6.4 clamp and §6.5 alignment.
pub fn scale(input: &ScaleInput<'_>, mode: AlignmentMode) -> Result<ScaleOutcome, ScaleError> {
    let current = int(input.current_parallelism);
    let lower = int(input.parallelism_lower_limit);
    let upper_limit = int(input.parallelism_upper_limit);
    let max_parallelism = int(input.max_parallelism);
    if lower > upper_limit {
        return Err(ScaleError::InvalidArgument {
            lower_limit: lower,
            upper_limit,
        });
    }
    let raw = java_ceil_to_int(input.scale_factor * current as f64);
    let upper = max_parallelism.min(upper_limit);
    let lifted = lower.max(raw);
    let clamped = lifted.min(upper);
    let mut limits = Vec::new();
    if raw < lower && clamped == lower {
        limits.push(Limit::MinParallelism);
    }
    if lifted > upper {
        limits.push(if max_parallelism < upper_limit {
            Limit::OperatorMaxParallelism
        } else {
            Limit::MaxParallelism
        });
    }
    if clamped == current {
        return Ok(ScaleOutcome {
            raw_target: raw,
            clamped_target: clamped,
            new_parallelism: clamped,
            alignment: None,
            limits,
        });
    }
    let alignment = align(
        &AlignInput {
            current_parallelism: current,
            target: clamped,
            num_source_partitions: input.num_source_partitions,
            max_parallelism,
            parallelism_lower_limit: lower,
            parallelism_upper_limit: upper_limit,
            input_ship_strategies: input.input_ship_strategies,
            cap_at_partitions: input.cap_at_partitions,
        },
        mode,
    );
    if alignment.step == AlignmentStep::Blocked {
        limits.push(Limit::AlignmentBlocked);
    } else if alignment.new_parallelism != clamped {
        limits.push(match alignment.basis {
            AlignmentBasis::KeyGroups => Limit::KeyGroupAlignment,
            AlignmentBasis::Partitions => Limit::PartitionAlignment,
        });
    }
    Ok(ScaleOutcome {
        raw_target: raw,
        clamped_target: clamped,
        new_parallelism: alignment.new_parallelism,
        alignment: Some(alignment),
        limits,
    })
}

/// §6.3 observed scalability coefficient from the vertex's past scalings (oldest first): a
/// least-squares fit of `R = α·b·p`, clamped to `[coefficient-min, 1]` and rounded up to 2
/// decimals; 1 (linear) with too few records or any undefined input.
pub fn scaling_coefficient(
    history: &[ScalingRecord],
    min_observations: i64,
    coefficient_min: f64,
) -> f64 {
    if history.is_empty() || (history.len() as i64) < min_observations {
        return 1.0;
    }
    let baseline = baseline_processing_rate(history);
    if baseline.is_nan() {
        return 1.0;
    }
    let mut sum_pr = 0.0;
    let mut sum_p2 = 0.0;
    for r in history {
        if r.true_processing_rate.is_nan() {
            return 1.0;
        }
        let p = r.current_parallelism as f64;
        sum_pr += p * r.true_processing_rate;
        sum_p2 += p * p;
    }
    let alpha = sum_pr / (sum_p2 * baseline);
    let clamped = java_max(coefficient_min, java_min(1.0, alpha));
    if !clamped.is_finite() {
        return 1.0;
    }
    ceil_2(clamped)
}

/// Per-subtask rate at the smallest observed parallelism: the TPR at parallelism 1 if the vertex
/// ever ran with 1 (newest such record), else TPR/p of the newest record with the smallest p.
fn baseline_processing_rate(history: &[ScalingRecord]) -> f64 {
    let mut smallest: Option<&ScalingRecord> = None;
    for r in history.iter().rev() {
        if r.current_parallelism == 1 {
            return r.true_processing_rate;
        }
        if smallest.is_none_or(|s| r.current_parallelism < s.current_parallelism) {
            smallest = Some(r);
        }
    }
    match smallest {
        Some(r) => r.true_processing_rate / r.current_parallelism as f64,
        None => f64::NAN,
    }
}

/// Everything the vertex decision needs about one vertex.
#[derive(Debug, Clone, PartialEq)]
pub struct VertexInput {
    pub current_parallelism: i64,
    pub max_parallelism: i64,
    pub num_source_partitions: i64,
    pub input_ship_strategies: Vec<ShipStrategy>,
    pub true_processing_rate: f64,
    pub target_data_rate: f64,
    pub catch_up_data_rate: f64,
    pub restart_time_s: f64,
    pub processing_backlog: bool,
}

impl VertexInput {
    /// The input for an evaluated vertex of a window.
    pub fn from_evaluated(
        vertex: &EvaluatedVertex,
        restart_time_s: f64,
        processing_backlog: bool,
    ) -> VertexInput {
        let mut input = VertexInput {
            current_parallelism: 0,
            max_parallelism: 0,
            num_source_partitions: 0,
            input_ship_strategies: Vec::new(),
            true_processing_rate: f64::NAN,
            target_data_rate: f64::NAN,
            catch_up_data_rate: f64::NAN,
            restart_time_s,
            processing_backlog,
        };
        input.set_from_evaluated(vertex, restart_time_s, processing_backlog);
        input
    }

    /// [`VertexInput::from_evaluated`] in place, keeping the strategy list's buffer.
    pub fn set_from_evaluated(
        &mut self,
        vertex: &EvaluatedVertex,
        restart_time_s: f64,
        processing_backlog: bool,
    ) {
        self.current_parallelism = vertex.parallelism;
        self.max_parallelism = vertex.max_parallelism;
        self.num_source_partitions = vertex.num_source_partitions;
        self.input_ship_strategies
            .clone_from(&vertex.input_ship_strategies);
        self.true_processing_rate = vertex.true_processing_rate;
        self.target_data_rate = vertex.target_data_rate;
        self.catch_up_data_rate = vertex.catch_up_data_rate;
        self.restart_time_s = restart_time_s;
        self.processing_backlog = processing_backlog;
    }
}

/// Direction of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ScaleUp,
    ScaleDown,
    None,
}

impl Action {
    /// The direction from `current` to `new` parallelism.
    pub fn of(current: i64, new: i64) -> Action {
        match new.cmp(&current) {
            std::cmp::Ordering::Greater => Action::ScaleUp,
            std::cmp::Ordering::Less => Action::ScaleDown,
            std::cmp::Ordering::Equal => Action::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ScaleUp => "scale-up",
            Action::ScaleDown => "scale-down",
            Action::None => "none",
        }
    }
}

/// Why a decision is what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DecisionReason {
    /// The parallelism changes.
    Scaled,
    /// TPR is NaN (§6.1).
    NoTrueProcessingRate,
    /// Target capacity is NaN (§6.1).
    NoTargetCapacity,
    /// The computed parallelism equals the current one (limits or alignment included).
    AtTarget,
    /// Legacy alignment blocked the change (`ScalingLimited`).
    AlignmentBlocked,
    /// Scale-down recorded and waiting for `scale-down.interval` (§6.8).
    Delayed { first_trigger_ms: i64, due_ms: i64 },
    /// Scale-up dropped: the previous scale-up did not deliver (§6.7).
    Ineffective {
        expected_increase: f64,
        actual_increase: f64,
    },
    /// The window maximum of the delayed scale-down is the current parallelism (§6.8, 1.15+).
    WindowMaximumIsCurrent,
    /// The computation produced a parallelism below 1 (upstream would throw).
    InvalidParallelism(i64),
}

impl DecisionReason {
    /// The short tag the peer vectors use (`delayed`, `ineffective`), if any.
    pub fn tag(&self) -> Option<&'static str> {
        match self {
            DecisionReason::Delayed { .. } => Some("delayed"),
            DecisionReason::Ineffective { .. } => Some("ineffective"),
            _ => None,
        }
    }
}

/// An `IneffectiveScaling` event (sent whether or not the scale-up is blocked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IneffectiveScaling {
    pub expected_increase: f64,
    pub actual_increase: f64,
    pub blocked: bool,
}

/// The decision for one vertex, with what is needed to explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct VertexDecision {
    pub current_parallelism: i64,
    /// Equals `current_parallelism` when `action` is `None`.
    pub new_parallelism: i64,
    pub action: Action,
    pub reason: DecisionReason,
    /// §5.9 band test; for a delayed scale-down, the flag of the applied recommendation.
    pub outside_utilization_bound: bool,
    pub thresholds: Thresholds,
    pub true_processing_rate: f64,
    pub target_data_rate: f64,
    /// `K` at `utilization.target` with restart compensation.
    pub target_capacity: f64,
    /// `K / TPR` after the scalability coefficient, before the caps.
    pub scale_factor: f64,
    pub scaling_coefficient: f64,
    pub capped_scale_factor: f64,
    /// §6.6, recorded whenever the computed parallelism differs from the current one.
    pub expected_processing_rate: Option<f64>,
    pub scale: Option<ScaleOutcome>,
    pub limits: Vec<Limit>,
    pub ineffective_scaling: Option<IneffectiveScaling>,
}

impl VertexDecision {
    pub fn is_change(&self) -> bool {
        self.action != Action::None
    }
}

/// §6 decision for `vertex` at `now_ms`. `history` is the vertex's trimmed scaling history
/// (oldest first); `delayed` is updated (recorded, cleared) as upstream does.
pub fn decide_vertex(
    opts: &AutoscalerOptions,
    vertex: &str,
    input: &VertexInput,
    history: &[ScalingRecord],
    delayed: &mut DelayedScaleDown,
    now_ms: i64,
) -> VertexDecision {
    let thresholds = rate_thresholds(
        opts,
        input.target_data_rate,
        input.catch_up_data_rate,
        input.restart_time_s,
        input.processing_backlog,
    );
    decide_vertex_within(opts, vertex, input, thresholds, history, delayed, now_ms)
}

/// [`decide_vertex`] with the band edges of `input` already computed (an evaluation has them,
/// from the same rates, restart time and backlog flag).
pub(crate) fn decide_vertex_within(
    opts: &AutoscalerOptions,
    vertex: &str,
    input: &VertexInput,
    thresholds: Thresholds,
    history: &[ScalingRecord],
    delayed: &mut DelayedScaleDown,
    now_ms: i64,
) -> VertexDecision {
    let current = int(input.current_parallelism);
    let tpr = input.true_processing_rate;
    let outside = thresholds.is_outside(tpr);
    let mut d = VertexDecision {
        current_parallelism: current,
        new_parallelism: current,
        action: Action::None,
        reason: DecisionReason::AtTarget,
        outside_utilization_bound: outside,
        thresholds,
        true_processing_rate: tpr,
        target_data_rate: input.target_data_rate,
        target_capacity: f64::NAN,
        scale_factor: f64::NAN,
        scaling_coefficient: 1.0,
        capped_scale_factor: f64::NAN,
        expected_processing_rate: None,
        scale: None,
        limits: Vec::new(),
        ineffective_scaling: None,
    };
    if tpr.is_nan() {
        d.reason = DecisionReason::NoTrueProcessingRate;
        return d;
    }
    let capacity = target_capacity(
        input.target_data_rate,
        input.catch_up_data_rate,
        opts.utilization_target,
        true,
        input.restart_time_s,
        opts.catch_up_duration,
    );
    d.target_capacity = capacity;
    if capacity.is_nan() {
        d.reason = DecisionReason::NoTargetCapacity;
        return d;
    }
    let mut factor = capacity / tpr;
    if opts.observed_scalability_enabled {
        let coefficient = scaling_coefficient(
            history,
            opts.observed_scalability_min_observations,
            opts.observed_scalability_coefficient_min,
        );
        d.scaling_coefficient = coefficient;
        factor /= coefficient;
        if coefficient < 1.0 {
            d.limits.push(Limit::ObservedScalability);
        }
    }
    d.scale_factor = factor;
    let min_factor = 1.0 - opts.scale_down_max_factor;
    let max_factor = 1.0 + opts.scale_up_max_factor;
    if factor < min_factor {
        factor = min_factor;
        d.limits.push(Limit::ScaleDownMaxFactor);
    } else if factor > max_factor {
        factor = max_factor;
        d.limits.push(Limit::ScaleUpMaxFactor);
    }
    d.capped_scale_factor = factor;
    let capped_capacity = tpr * factor;

    let lower = current.min(int(opts.vertex_min_parallelism));
    let upper = current.max(int(opts.vertex_max_parallelism));
    let outcome = match scale(
        &ScaleInput {
            current_parallelism: current,
            input_ship_strategies: &input.input_ship_strategies,
            num_source_partitions: input.num_source_partitions,
            max_parallelism: input.max_parallelism,
            scale_factor: factor,
            parallelism_lower_limit: lower,
            parallelism_upper_limit: upper,
            cap_at_partitions: opts.version.caps_source_parallelism(),
        },
        opts.alignment_mode(),
    ) {
        Ok(o) => o,
        Err(_) => {
            // Unreachable with lower ≤ current ≤ upper; reported rather than trusted.
            d.reason = DecisionReason::InvalidParallelism(current);
            return d;
        }
    };
    d.limits.extend(outcome.limits.iter().copied());
    let computed = outcome.new_parallelism;
    let blocked = outcome
        .alignment
        .is_some_and(|a| a.step == AlignmentStep::Blocked);
    d.scale = Some(outcome);
    if computed == current {
        delayed.clear_vertex(vertex);
        d.reason = if blocked {
            DecisionReason::AlignmentBlocked
        } else {
            DecisionReason::AtTarget
        };
        return d;
    }
    if computed < 1 {
        d.reason = DecisionReason::InvalidParallelism(computed);
        return d;
    }
    let expected = |final_parallelism: i64| match opts.version {
        Version::V1_15 => round_metric(capped_capacity),
        Version::V1_16 | Version::Main => {
            round_metric(tpr / current as f64 * final_parallelism as f64)
        }
    };
    d.expected_processing_rate = Some(expected(computed));

    if computed > current {
        delayed.clear_vertex(vertex);
        if let Some(last) = history.last() {
            if current == last.new_parallelism && last.is_scale_up() {
                let expected_increase = last.expected_processing_rate - last.true_processing_rate;
                let actual_increase = tpr - last.true_processing_rate;
                let effective =
                    actual_increase / expected_increase >= opts.scaling_effectiveness_threshold;
                if !effective {
                    let blocked = opts.scaling_effectiveness_detection_enabled;
                    d.ineffective_scaling = Some(IneffectiveScaling {
                        expected_increase,
                        actual_increase,
                        blocked,
                    });
                    if blocked {
                        d.reason = DecisionReason::Ineffective {
                            expected_increase,
                            actual_increase,
                        };
                        return d;
                    }
                }
            }
        }
        return changed(d, computed, outside);
    }

    // Scale-down: delayed by the interval, then the window maximum (§6.8).
    let interval = opts.scale_down_interval.0;
    if interval <= 0 {
        return changed(d, computed, outside);
    }
    let window_start = now_ms.saturating_sub(interval);
    let record = delayed.trigger(vertex, now_ms, computed, outside);
    if window_start < record.first_trigger_ms {
        d.reason = DecisionReason::Delayed {
            first_trigger_ms: record.first_trigger_ms,
            due_ms: record.first_trigger_ms.saturating_add(interval),
        };
        return d;
    }
    let Some(max) = record.max_since(window_start) else {
        return changed(d, computed, outside);
    };
    if max.parallelism == current {
        d.reason = DecisionReason::WindowMaximumIsCurrent;
        return d;
    }
    if max.parallelism != computed {
        d.limits.push(Limit::DelayedWindowMaximum);
        d.expected_processing_rate = Some(expected(max.parallelism));
    }
    changed(d, max.parallelism, max.outside_utilization_bound)
}

fn changed(mut d: VertexDecision, new_parallelism: i64, outside: bool) -> VertexDecision {
    d.new_parallelism = new_parallelism;
    d.outside_utilization_bound = outside;
    d.reason = DecisionReason::Scaled;
    d.action = if new_parallelism > d.current_parallelism {
        Action::ScaleUp
    } else {
        Action::ScaleDown
    };
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::options::LegacyAdjustMode;

    const HASH: &[ShipStrategy] = &[ShipStrategy::Hash];
    const NONE: &[ShipStrategy] = &[];

    #[allow(clippy::too_many_arguments)]
    fn scale_p(
        p: i64,
        strategies: &[ShipStrategy],
        partitions: i64,
        max_p: i64,
        f: f64,
        lo: i64,
        hi: i64,
        mode: AlignmentMode,
    ) -> i64 {
        scale(
            &ScaleInput {
                current_parallelism: p,
                input_ship_strategies: strategies,
                num_source_partitions: partitions,
                max_parallelism: max_p,
                scale_factor: f,
                parallelism_lower_limit: lo,
                parallelism_upper_limit: hi,
                cap_at_partitions: false,
            },
            mode,
        )
        .unwrap()
        .new_parallelism
    }

    const MAX: i64 = i32::MAX as i64;

    #[test]
    fn spec_alignment_consequences() {
        use AlignmentMode::*;
        // 128 key groups, target 24 (16 × 1.5): EVENLY → 32, load-reducing → 26.
        assert_eq!(
            scale_p(16, HASH, 0, 128, 1.5, 1, MAX, LegacyEvenlySpread),
            32
        );
        assert_eq!(scale_p(16, HASH, 0, 128, 1.5, 1, MAX, Balanced), 26);
        assert_eq!(scale_p(16, HASH, 0, 128, 1.5, 1, MAX, Off), 24);
        // 36 key groups, current 6, target 5 → 6: the scale-down is swallowed.
        assert_eq!(scale_p(6, HASH, 0, 36, 0.8, 1, MAX, LegacyEvenlySpread), 6);
        // 35 partitions, current 22, target 25, upper bound 30, lower limit 20.
        assert_eq!(
            scale_p(22, NONE, 35, 30, 1.1, 20, MAX, LegacyEvenlySpread),
            22
        );
        assert_eq!(scale_p(22, NONE, 35, 30, 1.1, 20, MAX, Balanced), 25);
        // Relaxed legacy fallback: 720 key groups, target clamped to 300 → 240.
        assert_eq!(
            scale_p(200, HASH, 0, 720, 2.0, 1, 300, LegacyEvenlySpread),
            240
        );
        // A source without known partitions is not aligned.
        assert_eq!(scale_p(2, NONE, 0, 720, 3.5, 1, 200, LegacyEvenlySpread), 7);
    }

    #[test]
    fn scale_rejects_inverted_limits_and_survives_odd_numbers() {
        let bad = scale(
            &ScaleInput {
                current_parallelism: 5,
                input_ship_strategies: HASH,
                num_source_partitions: 0,
                max_parallelism: 128,
                scale_factor: 1.0,
                parallelism_lower_limit: 10,
                parallelism_upper_limit: 5,
                cap_at_partitions: false,
            },
            AlignmentMode::LegacyEvenlySpread,
        );
        assert!(matches!(bad, Err(ScaleError::InvalidArgument { .. })));
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -1.0, 1e300] {
            for mode in [
                AlignmentMode::LegacyEvenlySpread,
                AlignmentMode::LegacyMaximizeUtilisation,
                AlignmentMode::Balanced,
                AlignmentMode::EvenlySpread,
            ] {
                let _ = scale_p(7, HASH, 0, MAX, f, 1, MAX, mode);
                let _ = scale_p(0, HASH, 0, 0, f, 0, MAX, mode);
                let _ = scale_p(3, NONE, -4, -1, f, -5, 10, mode);
            }
        }
        // 2³¹−1 is prime: the search must not scan two billion candidates.
        assert_eq!(
            scale_p(
                1,
                HASH,
                0,
                MAX,
                1000.0,
                1,
                MAX,
                AlignmentMode::LegacyEvenlySpread
            ),
            MAX
        );
    }

    fn rec(p: i64, tpr: f64) -> ScalingRecord {
        ScalingRecord {
            t_ms: 0,
            current_parallelism: p,
            new_parallelism: p,
            true_processing_rate: tpr,
            expected_processing_rate: f64::NAN,
        }
    }

    #[test]
    fn coefficient_fits_and_rounds_up() {
        let linear = [rec(4, 200.0), rec(2, 100.0), rec(8, 400.0)];
        assert_eq!(scaling_coefficient(&linear, 3, 0.5), 1.0);
        let sharp = [rec(1, 50.0), rec(2, 80.0), rec(4, 100.0)];
        assert_eq!(scaling_coefficient(&sharp, 3, 0.5), 0.59);
        assert_eq!(scaling_coefficient(&sharp, 4, 0.5), 1.0, "too few records");
        assert_eq!(
            scaling_coefficient(&sharp, 3, 0.8),
            0.8,
            "clamped to the minimum"
        );
        let nan = [rec(1, f64::NAN), rec(2, 80.0), rec(4, 100.0)];
        assert_eq!(scaling_coefficient(&nan, 3, 0.5), 1.0);
        let two = [rec(2, 80.0), rec(4, 100.0)];
        assert_eq!(scaling_coefficient(&two, 1, 0.5), 0.7);
    }

    fn base_opts(pairs: &[(&str, &str)]) -> AutoscalerOptions {
        let mut all = vec![
            ("job.autoscaler.scale-down.max-factor", "1"),
            ("job.autoscaler.scale-up.max-factor", "2147483647"),
            ("job.autoscaler.catch-up.duration", "0"),
            ("job.autoscaler.scale-down.interval", "0"),
        ];
        all.extend_from_slice(pairs);
        AutoscalerOptions::from_map(Version::V1_15, all).unwrap()
    }

    fn input(p: i64, tpr: f64, target: f64, strategies: &[ShipStrategy]) -> VertexInput {
        VertexInput {
            current_parallelism: p,
            max_parallelism: 720,
            num_source_partitions: 0,
            input_ship_strategies: strategies.to_vec(),
            true_processing_rate: tpr,
            target_data_rate: target,
            catch_up_data_rate: 0.0,
            restart_time_s: 300.0,
            processing_backlog: false,
        }
    }

    /// §12 example 2: p = 10, TPR 100, T 50, target 0.8 → K = 63, ceil(6.3) = 7 → 8 (720 key
    /// groups); TPR 100 is inside the band [50, 100].
    #[test]
    fn worked_example_alignment_inside_band() {
        let o = base_opts(&[("job.autoscaler.utilization.target", "0.8")]);
        let mut delayed = DelayedScaleDown::default();
        let d = decide_vertex(&o, "v", &input(10, 100.0, 50.0, HASH), &[], &mut delayed, 0);
        assert_eq!(d.target_capacity, 63.0);
        assert_eq!(d.new_parallelism, 8);
        assert_eq!(d.action, Action::ScaleDown);
        assert!(!d.outside_utilization_bound);
        assert_eq!(
            (d.thresholds.scale_up, d.thresholds.scale_down),
            (50.0, 100.0)
        );
        assert!(d.limits.contains(&Limit::KeyGroupAlignment));
    }

    /// §12 example 3: interval 60 s, recommendations 80, 90, 72, 64, 70 at t = 0, 10, 40, 59,
    /// 60 s → nothing until t = 60, then 90.
    #[test]
    fn worked_example_delayed_scale_down_window_max() {
        let o = base_opts(&[
            ("job.autoscaler.utilization.target", "1"),
            ("job.autoscaler.scale-down.interval", "60 s"),
        ]);
        let mut delayed = DelayedScaleDown::default();
        let rebalance = [ShipStrategy::Rebalance];
        let mut last = None;
        for (t, target) in [
            (0, 800.0),
            (10, 900.0),
            (40, 720.0),
            (59, 640.0),
            (60, 700.0),
        ] {
            let d = decide_vertex(
                &o,
                "v",
                &input(100, 1000.0, target, &rebalance),
                &[],
                &mut delayed,
                t * 1000,
            );
            last = Some(d);
            if t < 60 {
                let d = last.as_ref().unwrap();
                assert_eq!(d.action, Action::None);
                assert_eq!(d.reason.tag(), Some("delayed"));
            }
        }
        let d = last.unwrap();
        assert_eq!((d.action, d.new_parallelism), (Action::ScaleDown, 90));
        assert!(!d.outside_utilization_bound);
        assert!(d.limits.contains(&Limit::DelayedWindowMaximum));
    }

    #[test]
    fn guards_and_ineffective_scale_up() {
        let o = base_opts(&[
            ("job.autoscaler.utilization.target", "1"),
            (
                "job.autoscaler.scaling.effectiveness.detection.enabled",
                "true",
            ),
        ]);
        let mut delayed = DelayedScaleDown::default();
        let nan = decide_vertex(
            &o,
            "v",
            &input(5, f64::NAN, 1.0, NONE),
            &[],
            &mut delayed,
            0,
        );
        assert_eq!(nan.reason, DecisionReason::NoTrueProcessingRate);
        let history = [
            ScalingRecord {
                t_ms: 0,
                current_parallelism: 5,
                new_parallelism: 10,
                true_processing_rate: 50.0,
                expected_processing_rate: 100.0,
            },
            ScalingRecord {
                t_ms: 0,
                current_parallelism: 10,
                new_parallelism: 20,
                true_processing_rate: 90.0,
                expected_processing_rate: 180.0,
            },
        ];
        let d = decide_vertex(
            &o,
            "v",
            &input(20, 94.0, 180.0, NONE),
            &history,
            &mut delayed,
            0,
        );
        assert_eq!(d.reason.tag(), Some("ineffective"));
        assert_eq!(d.new_parallelism, 20);
        let ok = decide_vertex(
            &o,
            "v",
            &input(20, 100.0, 180.0, NONE),
            &history,
            &mut delayed,
            0,
        );
        assert_eq!(ok.new_parallelism, 36);
        // Infinite TPR with zero demand goes straight to the lower limit.
        let idle = decide_vertex(
            &o,
            "v",
            &input(2, f64::INFINITY, 0.0, NONE),
            &[],
            &mut delayed,
            0,
        );
        assert_eq!((idle.action, idle.new_parallelism), (Action::ScaleDown, 1));
        assert!(idle.outside_utilization_bound);
    }

    /// No numeric input may panic: NaN, ±∞, zero and negative rates, zero and extreme parallelism.
    #[test]
    fn never_panics_on_odd_numbers() {
        let rates = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -1.0,
            1e-300,
            1e300,
        ];
        let parallelisms = [i64::MIN, -1, 0, 1, 7, i32::MAX as i64, i64::MAX];
        let mut o = base_opts(&[("job.autoscaler.scale-down.interval", "60 s")]);
        for version in [Version::V1_15, Version::Main] {
            o.version = version;
            for &p in &parallelisms {
                for &tpr in &rates {
                    for &target in &rates {
                        let mut i = input(p, tpr, target, HASH);
                        i.max_parallelism = p;
                        i.num_source_partitions = p;
                        i.catch_up_data_rate = target;
                        i.restart_time_s = tpr;
                        let mut delayed = DelayedScaleDown::default();
                        let history = [ScalingRecord {
                            t_ms: 0,
                            current_parallelism: p,
                            new_parallelism: p.saturating_add(1),
                            true_processing_rate: tpr,
                            expected_processing_rate: target,
                        }];
                        for now in [i64::MIN, 0, i64::MAX] {
                            let d = decide_vertex(&o, "v", &i, &history, &mut delayed, now);
                            assert!(d.new_parallelism == d.current_parallelism || d.is_change());
                        }
                    }
                }
            }
        }
        o.vertex_min_parallelism = i64::MAX;
        o.vertex_max_parallelism = i64::MIN;
        o.observed_scalability_enabled = true;
        let mut delayed = DelayedScaleDown::default();
        let _ = decide_vertex(&o, "v", &input(3, 1.0, 2.0, HASH), &[], &mut delayed, 0);
    }

    #[test]
    fn expected_rate_depends_on_version() {
        let mut o = base_opts(&[
            ("job.autoscaler.utilization.target", "1"),
            (
                "job.autoscaler.scaling.key-group.partitions.adjust.mode",
                "EVENLY_SPREAD",
            ),
        ]);
        let mut i = input(10, 100.0, 200.0, &[ShipStrategy::Rebalance]);
        i.num_source_partitions = 15;
        let mut delayed = DelayedScaleDown::default();
        let d = decide_vertex(&o, "v", &i, &[], &mut delayed, 0);
        assert_eq!(
            (d.new_parallelism, d.expected_processing_rate),
            (15, Some(200.0))
        );
        o.version = Version::Main;
        let d = decide_vertex(&o, "v", &i, &[], &mut delayed, 0);
        assert_eq!(
            (d.new_parallelism, d.expected_processing_rate),
            (15, Some(150.0))
        );
        o.key_group_partitions_adjust_mode = None::<LegacyAdjustMode>;
        let d = decide_vertex(&o, "v", &i, &[], &mut delayed, 0);
        assert_eq!(
            d.new_parallelism, 20,
            "BALANCED keeps the target (FLINK-40389)"
        );
    }
}
