//! What the autoscaler remembers between cycles (scaling.md §6.7, §6.8, §7.6, §7.7): pending
//! delayed scale-downs, per-vertex scaling history and tracked restart durations.
//!
//! The decision functions are pure over numbers *plus* this state, so a caller that replays many
//! cycles (the simulator) carries one [`ScalerState`] and a caller that looks at one window (the
//! `recommend` command) starts from [`ScalerState::default`]. Invariants kept here, not by
//! callers: a vertex's delayed scale-down list is strictly decreasing in parallelism and
//! increasing in time (a sliding-window maximum); history is trimmed to `history.max.count` newest
//! records no older than `history.max.age` whenever it is read for a decision.

use std::collections::{BTreeMap, VecDeque};

use super::options::AutoscalerOptions;

/// One scale-down recommendation kept for the delay window (§6.8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecommendedParallelism {
    pub t_ms: i64,
    pub parallelism: i64,
    /// The §5.9 band test of the vertex when this recommendation was made.
    pub outside_utilization_bound: bool,
}

/// Pending scale-down of one vertex: when it was first recommended and the sliding-window maxima.
#[derive(Debug, Clone, PartialEq)]
pub struct VertexDelayedScaleDown {
    pub first_trigger_ms: i64,
    recommendations: VecDeque<RecommendedParallelism>,
}

impl VertexDelayedScaleDown {
    fn new(first_trigger_ms: i64) -> Self {
        VertexDelayedScaleDown {
            first_trigger_ms,
            recommendations: VecDeque::new(),
        }
    }

    /// Adds a recommendation; every older one not larger than it can never be a window maximum
    /// again, so it is evicted (equal values thereby refresh their timestamp).
    pub fn add(&mut self, recommendation: RecommendedParallelism) {
        while self
            .recommendations
            .back()
            .is_some_and(|r| r.parallelism <= recommendation.parallelism)
        {
            self.recommendations.pop_back();
        }
        self.recommendations.push_back(recommendation);
    }

    /// The largest recommendation at or after `window_start_ms`, dropping older ones for good
    /// (the window only moves forward).
    pub fn max_since(&mut self, window_start_ms: i64) -> Option<RecommendedParallelism> {
        while self
            .recommendations
            .front()
            .is_some_and(|r| r.t_ms < window_start_ms)
        {
            self.recommendations.pop_front();
        }
        self.recommendations.front().copied()
    }

    /// The kept recommendations, oldest (and largest) first.
    pub fn recommendations(&self) -> impl Iterator<Item = &RecommendedParallelism> {
        self.recommendations.iter()
    }
}

/// Pending scale-downs of all vertices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DelayedScaleDown {
    vertices: BTreeMap<String, VertexDelayedScaleDown>,
}

impl DelayedScaleDown {
    /// Records a scale-down recommendation, opening the vertex's record at `t_ms` if needed.
    pub fn trigger(
        &mut self,
        vertex: &str,
        t_ms: i64,
        parallelism: i64,
        outside_utilization_bound: bool,
    ) -> &mut VertexDelayedScaleDown {
        let entry = self
            .vertices
            .entry(vertex.to_string())
            .or_insert_with(|| VertexDelayedScaleDown::new(t_ms));
        entry.add(RecommendedParallelism {
            t_ms,
            parallelism,
            outside_utilization_bound,
        });
        entry
    }

    pub fn get(&self, vertex: &str) -> Option<&VertexDelayedScaleDown> {
        self.vertices.get(vertex)
    }

    pub fn get_mut(&mut self, vertex: &str) -> Option<&mut VertexDelayedScaleDown> {
        self.vertices.get_mut(vertex)
    }

    pub fn is_pending(&self, vertex: &str) -> bool {
        self.vertices.contains_key(vertex)
    }

    /// The vertex recommended its current parallelism or a scale-up.
    pub fn clear_vertex(&mut self, vertex: &str) {
        self.vertices.remove(vertex);
    }

    /// A rescale was executed.
    pub fn clear_all(&mut self) {
        self.vertices.clear();
    }
}

/// One executed (or replayed) scaling of a vertex (§7.7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalingRecord {
    pub t_ms: i64,
    /// Parallelism before the scaling.
    pub current_parallelism: i64,
    pub new_parallelism: i64,
    /// Evaluated TPR when the decision was made.
    pub true_processing_rate: f64,
    /// §6.6 expectation recorded with the decision (NaN when unknown).
    pub expected_processing_rate: f64,
}

impl ScalingRecord {
    pub fn is_scale_up(&self) -> bool {
        self.new_parallelism > self.current_parallelism
    }
}

/// Per-vertex scaling history, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScalingHistory {
    vertices: BTreeMap<String, Vec<ScalingRecord>>,
}

impl ScalingHistory {
    pub fn add(&mut self, vertex: &str, record: ScalingRecord) {
        self.vertices
            .entry(vertex.to_string())
            .or_default()
            .push(record);
    }

    /// The records a decision at `now_ms` may use: no older than `history.max.age`, at most the
    /// newest `history.max.count`, oldest first. Trims the stored list the same way.
    pub fn trimmed(
        &mut self,
        opts: &AutoscalerOptions,
        vertex: &str,
        now_ms: i64,
    ) -> &[ScalingRecord] {
        let oldest = now_ms.saturating_sub(opts.history_max_age.0);
        let max_count = opts.history_max_count.max(0) as usize;
        match self.vertices.get_mut(vertex) {
            Some(list) => {
                list.retain(|r| r.t_ms >= oldest);
                if list.len() > max_count {
                    let excess = list.len() - max_count;
                    list.drain(..excess);
                }
                list
            }
            None => &[],
        }
    }

    /// All records of a vertex as stored, oldest first.
    pub fn records(&self, vertex: &str) -> &[ScalingRecord] {
        self.vertices.get(vertex).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Restart durations measured after rescales (§7.6), with the time of the rescale.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RestartTracking {
    records: Vec<(i64, f64)>,
}

impl RestartTracking {
    /// A rescale decided at `t_ms` whose job was RUNNING again `restart_s` seconds later (only
    /// when the actual parallelisms matched the targets; the caller checks that).
    pub fn add(&mut self, t_ms: i64, restart_s: f64) {
        self.records.push((t_ms, restart_s));
    }

    /// Tracked durations in seconds, trimmed like the history.
    pub fn durations(&mut self, opts: &AutoscalerOptions, now_ms: i64) -> Vec<f64> {
        let oldest = now_ms.saturating_sub(opts.history_max_age.0);
        self.records.retain(|(t, _)| *t >= oldest);
        let max_count = opts.history_max_count.max(0) as usize;
        if self.records.len() > max_count {
            let excess = self.records.len() - max_count;
            self.records.drain(..excess);
        }
        self.records.iter().map(|(_, d)| *d).collect()
    }
}

/// Everything carried from one cycle to the next.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScalerState {
    pub delayed: DelayedScaleDown,
    pub history: ScalingHistory,
    pub restarts: RestartTracking,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(t_ms: i64, parallelism: i64, outside: bool) -> RecommendedParallelism {
        RecommendedParallelism {
            t_ms,
            parallelism,
            outside_utilization_bound: outside,
        }
    }

    #[test]
    fn sliding_window_maximum() {
        let mut d = DelayedScaleDown::default();
        for (t, p, o) in [
            (0, 5, true),
            (1, 9, false),
            (2, 4, true),
            (3, 5, true),
            (4, 6, true),
        ] {
            d.trigger("v", t, p, o);
        }
        let v = d.get_mut("v").unwrap();
        assert_eq!(v.first_trigger_ms, 0);
        assert_eq!(v.max_since(0), Some(rec(1, 9, false)));
        assert_eq!(v.max_since(1), Some(rec(1, 9, false)));
        assert_eq!(v.max_since(2), Some(rec(4, 6, true)));
        assert_eq!(v.max_since(5), None);
    }

    #[test]
    fn equal_values_refresh_their_timestamp() {
        let mut d = DelayedScaleDown::default();
        d.trigger("v", 0, 60, true);
        d.trigger("v", 30, 60, false);
        let kept: Vec<_> = d.get("v").unwrap().recommendations().copied().collect();
        assert_eq!(kept, [rec(30, 60, false)]);
        d.clear_vertex("v");
        assert!(!d.is_pending("v"));
    }

    #[test]
    fn history_is_trimmed_by_age_and_count() {
        let opts = AutoscalerOptions::default();
        let mut h = ScalingHistory::default();
        for i in 0..5 {
            h.add(
                "v",
                ScalingRecord {
                    t_ms: i * 1000,
                    current_parallelism: i,
                    new_parallelism: i + 1,
                    true_processing_rate: 1.0,
                    expected_processing_rate: 2.0,
                },
            );
        }
        let kept: Vec<i64> = h
            .trimmed(&opts, "v", 4000)
            .iter()
            .map(|r| r.current_parallelism)
            .collect();
        assert_eq!(kept, [2, 3, 4]);
        let day = opts.history_max_age.0;
        assert!(h.trimmed(&opts, "v", 5000 + day).is_empty());
    }
}
