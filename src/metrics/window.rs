//! The bounded store: per vertex, the cells (raw values per timestamp) that can still fall inside
//! the evaluation window `[end − window, end]` (inclusive, scaling.md §3.3).
//!
//! The end is either given (`at`) or the largest timestamp in the file, which is unknown until
//! the last row. In the second case the store keeps the largest timestamp seen so far and drops
//! cells older than `max_seen − window` as it goes: the final end can only be larger, so a dropped
//! cell can never be needed, and a late row older than that is dropped on arrival. Memory is thus
//! bounded by vertices × timestamps-in-window whatever the row order. Eviction runs when the cutoff
//! has advanced by a sixteenth of the window (not on every new timestamp), so the bound carries a
//! 1/16 slack and the cost stays proportional to evicted cells; the exact cut is made at the end.
//!
//! Cells live in a slab and per-vertex maps hold slot numbers, so the reader can keep the slot of
//! the previous row's cell and skip the map lookup (consecutive rows usually share a cell); the
//! slab's epoch changes on every eviction, which invalidates such remembered slots. Evicted cells
//! are reset and reused, keeping their allocations.

use std::collections::BTreeMap;

use super::cell::{Cell, MetricDef};
use super::intern::Interner;
use super::names::{Field, FIELD_COUNT};
use super::parallelism::ParallelismTrack;
use super::series::{Sample, VertexSeries};

pub struct VertexState {
    pub key: String,
    name: Option<String>,
    /// Timestamp of the row `name` came from.
    name_t: i64,
    /// Timestamp → slot in the slab.
    cells: BTreeMap<i64, u32>,
    pub parallelism: ParallelismTrack,
    /// Explicitly "not reported" values per field (whole file); a value is counted under the
    /// first field its metric feeds, so busy time is not counted twice.
    pub not_reported: [u64; FIELD_COUNT],
}

pub struct WindowStore {
    window_ms: i64,
    at_ms: Option<i64>,
    vertices: Vec<VertexState>,
    index: Interner,
    slab: Vec<Cell>,
    free: Vec<u32>,
    /// Incremented by every eviction pass.
    epoch: u64,
    /// Largest admitted timestamp (`i64::MIN` before the first).
    max_seen: i64,
    /// Cutoff of the last eviction pass.
    evicted_to: i64,
    /// Minimum cutoff advance between eviction passes.
    evict_step: i64,
    /// Range of all timestamps of the job (before windowing), for messages.
    pub file_range: Option<(i64, i64)>,
}

impl WindowStore {
    pub fn new(window_ms: i64, at_ms: Option<i64>) -> Self {
        WindowStore {
            window_ms,
            at_ms,
            vertices: Vec::new(),
            index: Interner::default(),
            slab: Vec::new(),
            free: Vec::new(),
            epoch: 0,
            max_seen: i64::MIN,
            evicted_to: i64::MIN,
            evict_step: (window_ms / 16).max(1),
            file_range: None,
        }
    }

    /// The vertex with this key, created on first sight.
    pub fn vertex(&mut self, key: &[u8]) -> usize {
        if let Some(i) = self.index.get(key) {
            return i as usize;
        }
        let i = self.vertices.len();
        self.index.insert(key, i as u32);
        self.vertices.push(VertexState {
            key: String::from_utf8_lossy(key).into_owned(),
            name: None,
            name_t: i64::MIN,
            cells: BTreeMap::new(),
            parallelism: ParallelismTrack::new(),
            not_reported: [0; FIELD_COUNT],
        });
        i
    }

    pub fn vertex_mut(&mut self, v: usize) -> &mut VertexState {
        &mut self.vertices[v]
    }

    /// Records that a row of the job has timestamp `t`. Returns false when the row is after the
    /// given window end and must be ignored entirely (also for parallelism: it is the future).
    pub fn observe_time(&mut self, t: i64) -> bool {
        if self.at_ms.is_some_and(|at| t > at) {
            return false;
        }
        self.file_range = Some(match self.file_range {
            None => (t, t),
            Some((a, b)) => (a.min(t), b.max(t)),
        });
        true
    }

    /// Whether a value at `t` can still be inside the final window; advances the provisional end
    /// and evicts cells that fell out. Call after [`WindowStore::observe_time`] returned true.
    pub fn admit(&mut self, t: i64) -> bool {
        if let Some(at) = self.at_ms {
            return t >= at.saturating_sub(self.window_ms);
        }
        if t > self.max_seen {
            self.max_seen = t;
            let cutoff = t.saturating_sub(self.window_ms);
            if cutoff.saturating_sub(self.evicted_to) >= self.evict_step {
                self.evict(cutoff);
            }
        }
        t >= self.max_seen.saturating_sub(self.window_ms)
    }

    fn evict(&mut self, cutoff: i64) {
        for v in &mut self.vertices {
            while v.cells.first_key_value().is_some_and(|(&t, _)| t < cutoff) {
                if let Some((_, slot)) = v.cells.pop_first() {
                    self.slab[slot as usize].reset();
                    self.free.push(slot);
                }
            }
        }
        self.evicted_to = cutoff;
        self.epoch += 1;
    }

    /// Changes whenever slots may have been reused.
    #[inline]
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The slot of vertex `v`'s cell at `t` (admitted), created on first use. Valid until the
    /// epoch changes.
    pub fn cell_slot(&mut self, v: usize, t: i64) -> u32 {
        let WindowStore {
            vertices,
            slab,
            free,
            ..
        } = self;
        *vertices[v]
            .cells
            .entry(t)
            .or_insert_with(|| match free.pop() {
                Some(slot) => slot,
                None => {
                    slab.push(Cell::default());
                    (slab.len() - 1) as u32
                }
            })
    }

    #[inline]
    pub fn cell_at(&mut self, slot: u32) -> &mut Cell {
        &mut self.slab[slot as usize]
    }

    /// The cell of vertex `v` at `t` (admitted), created on first use.
    pub fn cell(&mut self, v: usize, t: i64) -> &mut Cell {
        let slot = self.cell_slot(v, t);
        self.cell_at(slot)
    }

    /// Cells currently held (for tests of the memory bound).
    pub fn cells_held(&self) -> usize {
        self.vertices.iter().map(|v| v.cells.len()).sum()
    }

    /// The window end: `at`, else the largest timestamp seen.
    pub fn end(&self) -> Option<i64> {
        self.at_ms.or(self.file_range.map(|r| r.1))
    }

    /// Aggregates the cells inside the final window into series, in vertex order.
    pub fn finish(self, defs: &[MetricDef]) -> (Vec<VertexSeries>, i64, i64) {
        let end = self.end().unwrap_or(0);
        let start = end.saturating_sub(self.window_ms);
        let slab = self.slab;
        let series = self
            .vertices
            .into_iter()
            .map(|v| {
                let samples: Vec<Sample> = v
                    .cells
                    .range(start..=end)
                    .map(|(&t, &slot)| {
                        let c = &slab[slot as usize];
                        Sample::from_fields(t, c.parallelism, &c.aggregate(defs))
                    })
                    .collect();
                let par: Vec<(i64, Option<i64>)> =
                    samples.iter().map(|s| (s.t_ms, s.parallelism)).collect();
                // Per Flink metric (busy time's two fields merge into one entry).
                let mut not_reported: Vec<(&'static str, u64)> = Vec::new();
                for f in Field::ALL {
                    let n = v.not_reported[f.index()];
                    if n == 0 {
                        continue;
                    }
                    match not_reported.iter_mut().find(|e| e.0 == f.metric_name()) {
                        Some(e) => e.1 += n,
                        None => not_reported.push((f.metric_name(), n)),
                    }
                }
                VertexSeries {
                    rescale: v.parallelism.rescale(start, &par),
                    parallelism: v
                        .parallelism
                        .latest()
                        .or_else(|| samples.iter().rev().find_map(|s| s.parallelism)),
                    key: v.key,
                    name: v.name,
                    samples,
                    not_reported,
                }
            })
            .collect();
        (series, start, end)
    }
}

impl VertexState {
    /// Keeps the vertex name of the latest row that has one.
    /// At one timestamp the first name wins, so rows of the same poll cost one comparison.
    pub fn note_name(&mut self, t: i64, name: &[u8]) {
        if name.is_empty() || t <= self.name_t {
            return;
        }
        self.name_t = t;
        if self.name.as_deref().map(str::as_bytes) != Some(name) {
            self.name = Some(String::from_utf8_lossy(name).into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::cell::NO_SUBTASK;
    use crate::metrics::names::{parse, usage, Usage};

    fn defs() -> Vec<MetricDef> {
        let Usage::Uses(uses) = usage(&parse("busyTimeMsPerSecond.max")) else {
            unreachable!()
        };
        vec![MetricDef { uses }]
    }

    fn put(s: &mut WindowStore, v: usize, t: i64, value: f64) -> bool {
        if !s.observe_time(t) || !s.admit(t) {
            return false;
        }
        s.cell(v, t).insert(0, NO_SUBTASK, value);
        true
    }

    #[test]
    fn window_ends_at_the_largest_timestamp_for_unsorted_rows() {
        let mut s = WindowStore::new(100, None);
        let v = s.vertex(b"a");
        for t in [50, 300, 120, 250, 200, 199, 10, 260] {
            put(&mut s, v, t, t as f64);
        }
        let (series, start, end) = s.finish(&defs());
        assert_eq!((start, end), (200, 300));
        let ts: Vec<i64> = series[0].samples.iter().map(|x| x.t_ms).collect();
        assert_eq!(ts, vec![200, 250, 260, 300]);
        assert_eq!(series[0].samples[0].busy_max, Some(200.0));
    }

    #[test]
    fn memory_is_bounded_by_the_window() {
        let mut s = WindowStore::new(1000, None);
        let v = s.vertex(b"a");
        let w = s.vertex(b"b");
        let mut peak = 0;
        for i in 0..100_000i64 {
            // Mildly unsorted: pairs swapped.
            let t = if i % 2 == 0 {
                (i + 1) * 10
            } else {
                (i - 1) * 10
            };
            put(&mut s, v, t, 1.0);
            put(&mut s, w, t, 1.0);
            peak = peak.max(s.cells_held());
        }
        // 101 timestamps per vertex fit in 1000 ms at 10 ms spacing, plus the 1/16 slack.
        assert!(peak <= 2 * (101 + 1000 / 16 / 10 + 2), "peak {peak}");
    }

    #[test]
    fn given_end_excludes_later_rows() {
        let mut s = WindowStore::new(100, Some(250));
        let v = s.vertex(b"a");
        assert!(!put(&mut s, v, 300, 1.0));
        assert!(!put(&mut s, v, 100, 1.0));
        assert!(put(&mut s, v, 150, 1.0));
        assert!(put(&mut s, v, 250, 1.0));
        let (series, start, end) = s.finish(&defs());
        assert_eq!((start, end), (150, 250));
        assert_eq!(series[0].samples.len(), 2);
    }

    #[test]
    fn names_follow_the_latest_row() {
        let mut s = WindowStore::new(100, None);
        let v = s.vertex(b"a");
        s.vertex_mut(v).note_name(10, b"old");
        s.vertex_mut(v).note_name(5, b"older");
        s.vertex_mut(v).note_name(10, b"");
        s.vertex_mut(v).note_name(10, b"same poll");
        assert_eq!(s.vertex_mut(v).name.as_deref(), Some("old"));
        s.vertex_mut(v).note_name(20, b"new");
        assert_eq!(s.vertex_mut(v).name.as_deref(), Some("new"));
    }
}
