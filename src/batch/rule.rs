//! The arithmetic of Flink 2.3's `DefaultVertexParallelismAndInputInfosDecider` and the helpers it
//! delegates to (`AllToAllVertexInputInfoComputer`, `PointwiseVertexInputInfoComputer`,
//! `VertexParallelismAndInputInfosDeciderUtils`), as pure functions of numbers.
//!
//! Invariants: every function here is total (no panics, no division by zero, saturating where
//! Flink's `int`s would overflow) and deterministic. Bytes are what the producers wrote into the
//! consumed results; the caller has already left broadcast inputs out where Flink does.
//!
//! One thing Flink knows that a finished job's REST answers do not: the bytes of each single
//! subpartition. Flink packs subpartitions ("subpartition slices") greedily into ranges of at most
//! `avg-data-volume-per-task`; here the slices are taken as evenly sized (the job's bytes over
//! the number of slices), which is what a hash over many keys gives. [`Packing`] says so.

/// Flink's `decideParallelism`: `ceil(bytes / per_task)` clamped to `[min, max]`; no
/// non-broadcast input at all gives `min`.
pub fn by_volume(bytes: Option<u64>, per_task: u64, min: u32, max: u32) -> Clamped {
    let Some(bytes) = bytes else {
        return Clamped {
            raw: None,
            value: min,
            bound: Some(Side::Min),
        };
    };
    let raw = ceil_div(bytes, per_task.max(1));
    let raw32 = u32::try_from(raw).unwrap_or(u32::MAX);
    if raw32 < min {
        Clamped {
            raw: Some(raw32),
            value: min,
            bound: Some(Side::Min),
        }
    } else if raw32 > max {
        Clamped {
            raw: Some(raw32),
            value: max,
            bound: Some(Side::Max),
        }
    } else {
        Clamped {
            raw: Some(raw32),
            value: raw32,
            bound: None,
        }
    }
}

/// A number and the bound that replaced it, if one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clamped {
    /// `ceil(bytes / per_task)` before the bounds; `None` when there were no bytes to divide.
    pub raw: Option<u32>,
    pub value: u32,
    pub bound: Option<Side>,
}

/// Which bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Min,
    Max,
}

/// The outcome of packing evenly sized slices into ranges of at most a byte limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packing {
    /// Slices (subpartitions, or for pointwise inputs subpartition groups) to distribute.
    pub slices: u32,
    /// Slices per range at the byte limit (at least one: a range always takes its first slice).
    pub per_range: u32,
    /// Ranges at the byte limit, before any adjustment to the bounds.
    pub ranges: u32,
    /// What became of `ranges`.
    pub result: PackResult,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackResult {
    /// Within the bounds: the parallelism.
    Legal(u32),
    /// Outside them, and `adjustToClosestLegalParallelism` found this legal count by moving the
    /// byte limit (slices per range `per_range`).
    Adjusted { parallelism: u32, per_range: u32 },
    /// No byte limit gives a legal count: the slices are spread evenly over this many tasks
    /// (`tryComputeSubpartitionSliceRangeEvenlyDistributedSubpartitionSlices`).
    EvenSlices(u32),
    /// Not even that (fewer slices than the lower bound): Flink falls back to the parallelism
    /// `decideParallelism` gave.
    Fallback,
}

impl Packing {
    /// The parallelism, given what `decideParallelism` gave for the fallback.
    pub fn parallelism(&self, fallback: u32) -> u32 {
        match self.result {
            PackResult::Legal(p) | PackResult::EvenSlices(p) => p,
            PackResult::Adjusted { parallelism, .. } => parallelism,
            PackResult::Fallback => fallback,
        }
    }
}

/// Ranges when every range holds `k` slices.
fn ranges_for(slices: u32, k: u32) -> u32 {
    slices.div_ceil(k.max(1))
}

/// Flink's `tryComputeSubpartitionSliceRange` on `slices` evenly sized slices holding `bytes` in
/// all, with ranges of at most `limit` bytes, to be brought within `[min, max]`.
///
/// Greedy packing puts `k = floor(limit / slice)` slices in a range (at least one), so
/// `ceil(slices / k)` ranges. When that is outside the bounds, Flink bisects the limit for the
/// closest legal count: below `min`, the largest limit that still gives at least `min` ranges;
/// above `max`, the smallest limit that gives at most `max`. With even slices that is the
/// nearest `k` whose count is legal, which is what is searched here.
pub fn pack(slices: u32, bytes: u64, limit: u64, min: u32, max: u32) -> Packing {
    let slices = slices.max(1);
    let k0 = if bytes == 0 {
        // All slices empty: every one fits in the first range.
        slices
    } else {
        // k * (bytes / slices) <= limit, in integers.
        let k = (u128::from(limit) * u128::from(slices)) / u128::from(bytes);
        u32::try_from(k).unwrap_or(u32::MAX).clamp(1, slices)
    };
    let ranges = ranges_for(slices, k0);
    let legal = |p: u32| p >= min && p <= max;
    let result = if legal(ranges) {
        PackResult::Legal(ranges)
    } else {
        let adjusted = if bytes == 0 {
            // No limit changes the count of a job without bytes.
            None
        } else if ranges < min {
            // Largest k (at most k0) whose count reaches min: ceil(s / k) >= min, that is
            // k < s / (min - 1) (min > 1 here, as ranges >= 1).
            let below = slices
                .div_ceil(min.saturating_sub(1).max(1))
                .saturating_sub(1);
            Some(k0.min(below)).filter(|&k| k >= 1)
        } else {
            // Smallest k (at least k0) whose count is at most max: k >= ceil(s / max).
            Some(k0.max(slices.div_ceil(max.max(1))))
        };
        match adjusted.map(|k| (k, ranges_for(slices, k))) {
            Some((k, p)) if legal(p) => PackResult::Adjusted {
                parallelism: p,
                per_range: k,
            },
            _ if slices >= min => PackResult::EvenSlices(slices.min(max)),
            _ => PackResult::Fallback,
        }
    };
    Packing {
        slices,
        per_range: k0,
        ranges,
        result,
    }
}

/// Subpartitions per producer partition of a result a not yet sized consumer reads
/// (`IntermediateResultPartition#computeNumberOfMaxPossiblePartitionConsumers`): all-to-all, one per
/// possible consumer subtask (the consumer's max parallelism); pointwise,
/// `ceil(consumer max / producer parallelism)`.
pub fn subpartitions(pointwise: bool, consumer_max: u32, producers: u32) -> u32 {
    if pointwise {
        consumer_max.max(1).div_ceil(producers.max(1))
    } else {
        consumer_max.max(1)
    }
}

/// The slices `PointwiseVertexInputInfoComputer` cuts a pointwise input into: all its
/// subpartitions, at most 32 per allowed task (`MAX_NUM_SUBPARTITION_SLICES_FACTOR`).
pub fn pointwise_slices(total_subpartitions: u32, max: u32) -> u32 {
    total_subpartitions.min(max.saturating_mul(32)).max(1)
}

/// `calculateDataVolumePerTaskForInput`: a group of inputs gets the share of the per-task volume
/// that its bytes are of all consumed bytes.
pub fn group_limit(per_task: u64, group_bytes: u64, all_bytes: u64) -> u64 {
    if all_bytes == 0 {
        return per_task;
    }
    (group_bytes as f64 / all_bytes as f64 * per_task as f64) as u64
}

/// The `[min, max]` a non-source vertex is decided within
/// (`decideParallelismAndInputInfosForVertex`): the global bounds, and the vertex's own max
/// parallelism where it is lower (then it is also the lower bound if the global minimum is
/// above it).
pub fn bounds(global_min: u32, global_max: u32, vertex_max: u32) -> Bounds {
    let mut b = Bounds {
        min: global_min,
        max: global_max,
        min_from_vertex: false,
        max_from_vertex: false,
    };
    if vertex_max < b.min {
        b.min = vertex_max;
        b.min_from_vertex = true;
    }
    if vertex_max < b.max {
        b.max = vertex_max;
        b.max_from_vertex = true;
    }
    b
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min: u32,
    pub max: u32,
    /// The vertex's max parallelism lowered the bound.
    pub min_from_vertex: bool,
    pub max_from_vertex: bool,
}

/// A source's parallelism (`computeSourceParallelismUpperBound`): the default source
/// parallelism, or the vertex's max parallelism when that is lower. Sources that infer their own
/// parallelism (`DynamicParallelismInference`) choose at most this.
pub fn source_upper_bound(default_source: u32, vertex_max: u32) -> (u32, bool) {
    if default_source > vertex_max {
        (vertex_max, true)
    } else {
        (default_source, false)
    }
}

fn ceil_div(a: u64, b: u64) -> u64 {
    a / b + u64::from(a % b != 0)
}

#[cfg(test)]
mod tests {
    //! Vectors from Flink's `DefaultVertexParallelismAndInputInfosDeciderTest`,
    //! `AllToAllVertexInputInfoComputerTest`, `PointwiseVertexInputInfoComputerTest` and
    //! `VertexParallelismAndInputInfosDeciderUtilsTest` (release 2.x), restated with this module's
    //! even slices where the upstream test uses them.
    use super::*;

    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;

    /// testDecideParallelism: 1 GiB avg volume, consumed 1 GiB + 7 GiB ... gives 8 tasks
    /// (min 1, max 10).
    #[test]
    fn volume_divided_by_the_volume_per_task_rounded_up() {
        let c = by_volume(Some(8 * GIB), GIB, 1, 10);
        assert_eq!((c.raw, c.value, c.bound), (Some(8), 8, None));
        let c = by_volume(Some(8 * GIB + 1), GIB, 1, 10);
        assert_eq!(c.value, 9, "ceil, not round");
    }

    /// testInitiallyDecidedParallelismIsLargerThanMaxParallelism / ...SmallerThanMinParallelism.
    #[test]
    fn bounds_replace_what_the_volume_gives() {
        let c = by_volume(Some(40 * GIB), GIB, 1, 10);
        assert_eq!((c.raw, c.value, c.bound), (Some(40), 10, Some(Side::Max)));
        let c = by_volume(Some(800 * MIB), GIB, 3, 10);
        assert_eq!((c.raw, c.value, c.bound), (Some(1), 3, Some(Side::Min)));
    }

    /// testAllEdgesAllBroadcast: no non-broadcast input, the vertex gets the minimum.
    #[test]
    fn all_inputs_broadcast_gives_the_minimum() {
        let c = by_volume(None, GIB, 2, 10);
        assert_eq!((c.raw, c.value), (None, 2));
    }

    /// testVertexMaxParallelismSmallerThanGlobalMin/Max: the vertex's max replaces both bounds.
    #[test]
    fn vertex_max_parallelism_lowers_the_bounds() {
        let b = bounds(4, 10, 3);
        assert_eq!((b.min, b.max), (3, 3));
        assert!(b.min_from_vertex && b.max_from_vertex);
        let b = bounds(1, 10, 5);
        assert_eq!(
            (b.min, b.max, b.min_from_vertex, b.max_from_vertex),
            (1, 5, false, true)
        );
        let b = bounds(1, 10, 128);
        assert_eq!((b.min, b.max), (1, 10));
    }

    /// testSourceJobVertex: the default source parallelism, capped at the vertex max.
    #[test]
    fn source_parallelism_is_the_default_capped_at_the_vertex_max() {
        assert_eq!(source_upper_bound(10, 128), (10, false));
        assert_eq!(source_upper_bound(10, 5), (5, true));
    }

    /// testEvenlyDistributeDataWithMaxSubpartitionLimitation / computeSubpartitionSliceRanges:
    /// a range takes slices while they fit and always its first one.
    #[test]
    fn greedy_ranges_of_even_slices() {
        // 10 slices of 1 MiB, 3 MiB per task: 3 per range, 4 ranges.
        let p = pack(10, 10 * MIB, 3 * MIB, 1, 10);
        assert_eq!(
            (p.per_range, p.ranges, p.result),
            (3, 4, PackResult::Legal(4))
        );
        // A slice above the limit still makes a range of its own.
        let p = pack(4, 40 * MIB, MIB, 1, 10);
        assert_eq!((p.per_range, p.ranges), (1, 4));
        // The packing can need more tasks than ceil(bytes / limit): 8 slices of 2 MiB at
        // 5 MiB per task fit 2 per range, 4 ranges, where ceil(16 / 5) = 4 too; at 3 MiB one
        // per range, 8 ranges where ceil(16 / 3) = 6.
        assert_eq!(pack(8, 16 * MIB, 5 * MIB, 1, 8).parallelism(0), 4);
        assert_eq!(pack(8, 16 * MIB, 3 * MIB, 1, 8).parallelism(0), 8);
    }

    /// testAdjustToClosestLegalParallelism: above max, the smallest limit that fits max; below
    /// min, the largest limit that still reaches min.
    #[test]
    fn counts_outside_the_bounds_move_to_the_closest_legal_count() {
        // 10 slices, 1 per range = 10 ranges, max 4: 3 per range gives 4.
        let p = pack(10, 10 * GIB, GIB, 1, 4);
        assert_eq!(
            p.result,
            PackResult::Adjusted {
                parallelism: 4,
                per_range: 3
            }
        );
        // Max 6: 2 per range gives 5 (no k gives 6).
        assert_eq!(pack(10, 10 * GIB, GIB, 1, 6).parallelism(0), 5);
        // 10 slices all in one range, min 3: 4 per range gives 3.
        let p = pack(10, 10 * MIB, GIB, 3, 10);
        assert_eq!(
            p.result,
            PackResult::Adjusted {
                parallelism: 3,
                per_range: 4
            }
        );
    }

    /// tryComputeSubpartitionSliceRangeEvenlyDistributedSubpartitionSlices, then the fallback to
    /// the decided parallelism.
    #[test]
    fn no_legal_limit_spreads_slices_evenly_or_falls_back() {
        // 8 slices, bounds [5, 5]: 2 per range gives 4, 1 gives 8: neither; spread: 5.
        assert_eq!(
            pack(8, 8 * GIB, GIB, 5, 5).result,
            PackResult::EvenSlices(5)
        );
        // 2 slices, min 3: fewer slices than min: the decided parallelism.
        assert_eq!(pack(2, 2 * GIB, GIB, 3, 10).result, PackResult::Fallback);
        assert_eq!(pack(2, 2 * GIB, GIB, 3, 10).parallelism(3), 3);
        // No bytes: one range, which no limit changes.
        assert_eq!(pack(8, 0, GIB, 1, 8).parallelism(0), 1);
        assert_eq!(pack(8, 0, GIB, 2, 8).result, PackResult::EvenSlices(8));
    }

    /// IntermediateResultPartitionTest#testGetNumberOfSubpartitionsForDynamicGraph (all-to-all:
    /// the consumer max; pointwise: ceil(max / producers)) and the pointwise slice cap.
    #[test]
    fn subpartitions_of_a_result_for_a_consumer_still_to_be_sized() {
        assert_eq!(subpartitions(false, 128, 4), 128);
        assert_eq!(subpartitions(true, 128, 6), 22);
        assert_eq!(subpartitions(true, 8, 8), 1);
        assert_eq!(pointwise_slices(8, 8), 8);
        assert_eq!(pointwise_slices(100_000, 8), 256);
    }

    /// calculateDataVolumePerTaskForInput.
    #[test]
    fn a_group_of_inputs_gets_its_share_of_the_volume_per_task() {
        assert_eq!(group_limit(100, 30, 120), 25);
        assert_eq!(group_limit(100, 0, 0), 100);
    }

    #[test]
    fn nothing_overflows() {
        let c = by_volume(Some(u64::MAX), 1, 1, u32::MAX);
        assert_eq!(c.value, u32::MAX);
        let p = pack(u32::MAX, u64::MAX, u64::MAX, 1, u32::MAX);
        assert!(p.parallelism(1) >= 1);
    }
}
