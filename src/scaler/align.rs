//! Alignment of a target parallelism to key groups or source partitions (scaling.md §6.5).
//!
//! Keyed state is split into `maxParallelism` key groups and a Kafka/Pulsar source reads whole
//! partitions, so a parallelism that does not divide them leaves some subtasks with more work than
//! others. Upstream scans candidates one by one; here the same scans are closed forms (the first
//! divisor via divisor enumeration in O(√N), the first "fewer per subtask" value via one
//! division), so a vertex with 2³¹−1 key groups costs microseconds and identical answers are
//! checked against the literal scans in the tests. Inputs are saturated to Java's `int` range.

use super::options::AlignmentMode;
use super::topology::ShipStrategy;

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;

/// Saturates to Java's `int`, the type of every parallelism upstream.
pub(crate) fn int(x: i64) -> i64 {
    x.clamp(INT_MIN, INT_MAX)
}

/// What the alignment was counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignmentBasis {
    KeyGroups,
    Partitions,
}

/// How the alignment step ended (§6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignmentStep {
    /// Neither a partitioned source nor a keyed vertex.
    NotApplicable,
    /// Mode `OFF`.
    Off,
    /// An accepted parallelism was found in the search region.
    Found,
    /// main built-in modes: nothing found, the target is kept.
    KeptTarget,
    /// Legacy modes: nothing found, the relaxed downward fallback was used.
    Relaxed,
    /// Legacy modes: the fallback would invert the direction; the current parallelism is kept.
    Blocked,
    /// 1.16.0 (FLINK-40389): nothing found, and a source is capped at its partition count.
    CappedAtPartitions,
}

/// Inputs of the alignment step alone.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignInput<'a> {
    pub current_parallelism: i64,
    /// `p₁`, the clamped target.
    pub target: i64,
    pub num_source_partitions: i64,
    pub max_parallelism: i64,
    pub parallelism_lower_limit: i64,
    pub parallelism_upper_limit: i64,
    pub input_ship_strategies: &'a [ShipStrategy],
    /// 1.16.0's FLINK-40389: a partitioned source's parallelism never exceeds its partition
    /// count, also when no aligned value is found (before, the target was kept).
    pub cap_at_partitions: bool,
}

/// Result of the alignment step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlignmentOutcome {
    pub mode: AlignmentMode,
    pub applicable: bool,
    pub basis: AlignmentBasis,
    /// Key groups or partitions (`N`).
    pub n: i64,
    /// `A = min(N, maxParallelism, upper limit)`.
    pub upper_bound: i64,
    pub target: i64,
    pub new_parallelism: i64,
    pub step: AlignmentStep,
    /// Upstream would emit a `ScalingLimited` warning (legacy modes only).
    pub scaling_limited: bool,
}

/// §6.5 alignment of a clamped target to key groups or partitions.
pub fn align(input: &AlignInput<'_>, mode: AlignmentMode) -> AlignmentOutcome {
    let current = int(input.current_parallelism);
    let target = int(input.target);
    let partitions = int(input.num_source_partitions);
    let max_parallelism = int(input.max_parallelism);
    let (basis, n) = if partitions > 0 {
        (AlignmentBasis::Partitions, partitions)
    } else {
        (AlignmentBasis::KeyGroups, max_parallelism)
    };
    let upper_bound = n.min(max_parallelism.min(int(input.parallelism_upper_limit)));
    let applicable = partitions > 0 || input.input_ship_strategies.contains(&ShipStrategy::Hash);
    let mut out = AlignmentOutcome {
        mode,
        applicable,
        basis,
        n,
        upper_bound,
        target,
        new_parallelism: target,
        step: AlignmentStep::NotApplicable,
        scaling_limited: false,
    };
    if !applicable {
        return out;
    }
    if mode == AlignmentMode::Off {
        out.step = AlignmentStep::Off;
        return out;
    }
    if target < 1 {
        // Nothing to divide by; upstream would fail here. Keep the target.
        out.step = AlignmentStep::KeptTarget;
        return out;
    }
    let scale_up = target > current;
    let region_end = if scale_up {
        upper_bound
    } else {
        current.min(upper_bound)
    };
    if let Some(found) = first_aligned(n, target, region_end, mode.accepts_load_reducing()) {
        out.new_parallelism = found;
        out.step = AlignmentStep::Found;
        return out;
    }
    if !mode.is_legacy() {
        if input.cap_at_partitions && basis == AlignmentBasis::Partitions && target > upper_bound {
            out.new_parallelism = upper_bound;
            out.step = AlignmentStep::CappedAtPartitions;
        } else {
            out.step = AlignmentStep::KeptTarget;
        }
        return out;
    }
    let candidate = relaxed_downward(n, target).max(int(input.parallelism_lower_limit));
    let inverts = if scale_up {
        candidate <= current
    } else {
        candidate >= current
    };
    if inverts {
        out.new_parallelism = current;
        out.step = AlignmentStep::Blocked;
        out.scaling_limited = true;
    } else {
        out.new_parallelism = candidate;
        out.step = AlignmentStep::Relaxed;
        out.scaling_limited = candidate != target;
    }
    out
}

/// First `q` in `[start, end]` with `n mod q = 0`, or (load-reducing modes) `⌊n/q⌋ < ⌊n/start⌋`.
/// Closed forms of upstream's linear scan; `start ≥ 1`.
fn first_aligned(n: i64, start: i64, end: i64, load_reducing: bool) -> Option<i64> {
    if start > end {
        return None;
    }
    if n == 0 {
        return Some(start);
    }
    let mut best = smallest_divisor_in(n.abs(), start, end);
    if load_reducing && n > 0 {
        let k = n / start;
        if k >= 1 {
            // ⌊n/q⌋ < k  ⇔  q > n/k.
            let q = n / k + 1;
            if q <= end {
                best = Some(best.map_or(q, |b| b.min(q)));
            }
        }
    }
    best
}

/// Smallest divisor of `m > 0` in `[start, end]` (`start ≥ 1`).
fn smallest_divisor_in(m: i64, start: i64, end: i64) -> Option<i64> {
    let end = end.min(m);
    if start > end {
        return None;
    }
    let root = isqrt(m);
    if end - start <= root {
        return (start..=end).find(|q| m % q == 0);
    }
    let mut best: Option<i64> = None;
    let mut consider = |d: i64| {
        if d >= start && d <= end && best.is_none_or(|b| d < b) {
            best = Some(d);
        }
    };
    let mut i = 1;
    while i <= root {
        if m % i == 0 {
            consider(i);
            consider(m / i);
        }
        i += 1;
    }
    best
}

fn isqrt(m: i64) -> i64 {
    let mut r = (m as f64).sqrt() as i64;
    while r > 0 && r.saturating_mul(r) > m {
        r -= 1;
    }
    while (r + 1).saturating_mul(r + 1) <= m {
        r += 1;
    }
    r
}

/// Legacy fallback: walking down from the target, the first `q` where each subtask gets more
/// key groups than at the target, stepped back up by one unless it divides `n`; 0 if none.
fn relaxed_downward(n: i64, target: i64) -> i64 {
    if n <= 0 || target < 1 {
        return 0;
    }
    let k = n / target;
    let q = n / (k + 1);
    if q < 1 {
        0
    } else if n % q != 0 {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: &[ShipStrategy] = &[];

    #[test]
    fn pr_1179_table_before_the_fix() {
        use AlignmentMode::*;
        let run = |target: i64, mode| {
            align(
                &AlignInput {
                    current_parallelism: 100,
                    target,
                    num_source_partitions: 15,
                    max_parallelism: 180,
                    parallelism_lower_limit: 1,
                    parallelism_upper_limit: 200,
                    cap_at_partitions: false,
                    input_ship_strategies: NONE,
                },
                mode,
            )
            .new_parallelism
        };
        assert_eq!(
            [run(180, Balanced), run(50, Balanced), run(10, Balanced)],
            [180, 50, 15]
        );
        assert_eq!(
            [
                run(180, LegacyEvenlySpread),
                run(50, LegacyEvenlySpread),
                run(10, LegacyEvenlySpread)
            ],
            [100, 15, 15]
        );
    }

    /// The closed forms agree with upstream's linear scans on small inputs.
    #[test]
    fn closed_forms_match_linear_scans() {
        for n in 1..=60i64 {
            for start in 1..=65i64 {
                for end in 0..=65i64 {
                    for load in [false, true] {
                        let scan =
                            (start..=end).find(|q| n % q == 0 || (load && n / q < n / start));
                        assert_eq!(
                            first_aligned(n, start, end, load),
                            scan,
                            "{n} {start} {end}"
                        );
                    }
                }
                let mut p = start;
                while p > 0 {
                    if n / p > n / start {
                        if n % p != 0 {
                            p += 1;
                        }
                        break;
                    }
                    p -= 1;
                }
                assert_eq!(relaxed_downward(n, start), p, "{n} {start}");
            }
        }
    }
}
