//! The bounded store: per vertex, the cells (raw values per timestamp) that can still fall inside
//! the evaluation window `[end − window, end]` (inclusive, scaling.md §3.3).
//!
//! The end is either given (`at`) or the largest timestamp in the file, which is unknown until
//! the last row. In the second case the store keeps the largest timestamp seen so far and drops
//! cells older than `max_seen − window` as it goes: the final end can only be larger, so a dropped
//! cell can never be needed, and a late row older than that is dropped on arrival. Memory is thus
//! bounded by vertices × timestamps-in-window whatever the row order. Eviction runs when the cutoff
//! has advanced by a sixteenth of the window (not on every new timestamp), so the bound carries a
//! 1/16 slack; the exact cut is made at the end. Eviction takes the oldest cells from a time index
//! (timestamp → vertices with a cell there) rather than asking every vertex, so its cost is
//! proportional to the cells evicted, not to the vertices ever seen: walking them all made a file
//! of many short-lived vertex ids quadratic (250,000 ids took 8 s, a million 152 s).
//!
//! In stream mode ([`WindowStore::new_stream`], for `simulate`, which replays the whole
//! recording) the window is a reorder horizon instead: cells that fall out of it are not dropped
//! but handed over as finished, in time order ([`WindowStore::take_ready`]), and a row older than
//! the horizon cannot be placed any more, which the store remembers ([`WindowStore::late`]) so the
//! reader can fall back or fail.
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

/// Most values a new cell makes room for up front (a cell of a hostile file may hold millions).
const MAX_CELL_HINT: usize = 256;

pub struct VertexState {
    pub key: String,
    /// The key's bytes as the file has them (`key` is their lossy UTF-8).
    raw_key: Box<[u8]>,
    name: Option<String>,
    /// Timestamp of the row `name` came from.
    name_t: i64,
    /// Timestamp → slot in the slab.
    cells: BTreeMap<i64, u32>,
    pub parallelism: ParallelismTrack,
    /// Explicitly "not reported" values per field (whole file); a value is counted under the
    /// first field its metric feeds, so busy time is not counted twice.
    pub not_reported: [u64; FIELD_COUNT],
    /// Stream mode: samples handed over, and whether any had busy time.
    pub streamed: u64,
    pub streamed_busy: bool,
    /// A row of this vertex had no name, or another name than the one before it (see
    /// [`VertexState::note_name_checked`]).
    pub name_varies: bool,
}

pub struct WindowStore {
    window_ms: i64,
    at_ms: Option<i64>,
    vertices: Vec<VertexState>,
    index: Interner,
    /// Timestamp → the vertices with a cell there, the order eviction takes cells in.
    by_time: BTreeMap<i64, Vec<u32>>,
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
    /// Stream mode: evicted cells are finished samples, not garbage.
    stream: bool,
    /// Stream mode: (timestamp, vertex, slot) of evicted cells not yet taken.
    ready: Vec<(i64, u32, u32)>,
    /// Stream mode: the first timestamp that arrived behind the horizon.
    late: Option<i64>,
    /// See [`WindowStore::cell_hint`].
    cell_hint: usize,
}

impl WindowStore {
    pub fn new(window_ms: i64, at_ms: Option<i64>) -> Self {
        WindowStore {
            window_ms,
            at_ms,
            vertices: Vec::new(),
            index: Interner::default(),
            by_time: BTreeMap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            epoch: 0,
            max_seen: i64::MIN,
            evicted_to: i64::MIN,
            evict_step: (window_ms / 16).max(1),
            file_range: None,
            stream: false,
            ready: Vec::new(),
            late: None,
            cell_hint: 0,
        }
    }

    /// A store that hands over every cell once it is `horizon_ms` behind the newest timestamp.
    pub fn new_stream(horizon_ms: i64) -> Self {
        WindowStore {
            stream: true,
            ..WindowStore::new(horizon_ms, None)
        }
    }

    /// Stream mode: the first timestamp that came too late to be placed in time order.
    pub fn late(&self) -> Option<i64> {
        self.late
    }

    /// Stream mode: whether finished cells wait to be taken.
    #[inline]
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Stream mode: the finished cells as (timestamp, vertex, slot), in time order (then vertex
    /// order). Give each slot back with [`WindowStore::release`] after reading it.
    /// `into` is cleared first and its allocation reused.
    pub fn take_ready(&mut self, into: &mut Vec<(i64, u32, u32)>) {
        into.clear();
        std::mem::swap(into, &mut self.ready);
        into.sort_unstable();
    }

    /// Stream mode: finishes every cell still held (at the end of the input).
    pub fn finish_all(&mut self) {
        self.evict(i64::MAX);
        // `evict` takes cells strictly before the cutoff; cells at i64::MAX are left.
        self.take_oldest(None);
    }

    /// Returns a taken cell's slot for reuse.
    pub fn release(&mut self, slot: u32) {
        self.slab[slot as usize].reset();
        self.free.push(slot);
    }

    /// The slab cell behind a slot (read-only).
    pub fn cell_ref(&self, slot: u32) -> &Cell {
        &self.slab[slot as usize]
    }

    /// Vertex `v`'s key and latest name.
    pub fn vertex_label(&self, v: usize) -> (&str, Option<&str>) {
        let s = &self.vertices[v];
        (&s.key, s.name.as_deref())
    }

    /// Whether a vertex with this key exists.
    pub fn has_vertex(&self, key: &[u8]) -> bool {
        self.index.get(key).is_some()
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
            raw_key: key.into(),
            name: None,
            name_t: i64::MIN,
            cells: BTreeMap::new(),
            parallelism: ParallelismTrack::new(),
            not_reported: [0; FIELD_COUNT],
            streamed: 0,
            streamed_busy: false,
            name_varies: false,
        });
        i
    }

    pub fn vertex_count(&self) -> usize {
        self.vertices.len()
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
        // In stream mode a cell at `t` may already have been handed over (evicted_to), so that
        // is the bound; in window mode the provisional window start is.
        let admitted = if self.stream {
            t >= self.evicted_to
        } else {
            t >= self.max_seen.saturating_sub(self.window_ms)
        };
        if !admitted && self.stream && self.late.is_none() {
            self.late = Some(t);
        }
        admitted
    }

    fn evict(&mut self, cutoff: i64) {
        self.take_oldest(Some(cutoff));
        self.evicted_to = cutoff;
        self.epoch += 1;
    }

    /// Takes every cell before `cutoff` (all with `None`): into `ready` in stream mode, else back
    /// to the free list.
    fn take_oldest(&mut self, cutoff: Option<i64>) {
        while let Some(entry) = self.by_time.first_entry() {
            let t = *entry.key();
            if cutoff.is_some_and(|c| t >= c) {
                break;
            }
            for v in entry.remove() {
                let Some(slot) = self.vertices[v as usize].cells.remove(&t) else {
                    continue;
                };
                if self.stream {
                    self.ready.push((t, v, slot));
                } else {
                    self.slab[slot as usize].reset();
                    self.free.push(slot);
                }
            }
        }
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
            by_time,
            cell_hint,
            ..
        } = self;
        *vertices[v].cells.entry(t).or_insert_with(|| {
            by_time.entry(t).or_default().push(v as u32);
            match free.pop() {
                Some(slot) => slot,
                None => {
                    // The previous cell's size is the best guess for this one's.
                    if let Some(last) = slab.last() {
                        last.set_capacity_hint(cell_hint);
                    }
                    slab.push(Cell::with_capacity((*cell_hint).min(MAX_CELL_HINT)));
                    (slab.len() - 1) as u32
                }
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

    /// Advances the provisional end to `t` as [`WindowStore::admit`] does for a row at `t`
    /// (evicting, or in stream mode finishing, the cells that fell out), without admitting
    /// anything: the parallel reader's merge, after a chunk's cells are in.
    pub fn advance(&mut self, t: i64) {
        if self.at_ms.is_none() && t > self.max_seen {
            self.max_seen = t;
            let cutoff = t.saturating_sub(self.window_ms);
            if cutoff.saturating_sub(self.evicted_to) >= self.evict_step {
                self.evict(cutoff);
            }
        }
    }

    /// Widens the range of the job's timestamps by another part of the file's.
    pub fn note_file_range(&mut self, range: Option<(i64, i64)>) {
        if let Some((a, b)) = range {
            self.file_range = Some(match self.file_range {
                None => (a, b),
                Some((x, y)) => (x.min(a), y.max(b)),
            });
        }
    }

    /// The vertices, in order of first appearance.
    pub fn vertex_states(&self) -> &[VertexState] {
        &self.vertices
    }

    /// Folds the cells of `part` (a store of a later part of the file) into this store's, as if
    /// its rows had been read here: `vertex[v]` is this store's vertex for `part`'s vertex `v`,
    /// `def[d]` this reader's metric for `part`'s metric `d`. Values of `part` replace equal keys
    /// (they come later in the file). Returns the replacements (duplicate rows across the parts).
    /// A cell this store does not have yet is moved over whole when the metric ids agree (the
    /// usual case: both saw the metrics in the same order), so the cost is per cell, not per
    /// value. The cells are not checked against the window here: [`WindowStore::advance`] does
    /// that.
    pub fn merge_cells(&mut self, part: &mut WindowStore, vertex: &[usize], def: &[u32]) -> u64 {
        let same_ids = def.iter().enumerate().all(|(i, &d)| d as usize == i);
        let mut duplicates = 0;
        for (v, state) in part.vertices.iter().enumerate() {
            let v = vertex[v];
            for (&t, &slot) in &state.cells {
                let cell = &mut part.slab[slot as usize];
                if same_ids && !self.vertices[v].cells.contains_key(&t) {
                    let here = self.cell_slot(v, t);
                    std::mem::swap(&mut self.slab[here as usize], cell);
                    self.slab[here as usize].set_capacity_hint(&mut self.cell_hint);
                } else {
                    let here = self.cell_slot(v, t);
                    duplicates += self.slab[here as usize].merge(cell, def);
                }
            }
        }
        duplicates
    }

    /// The most values a cell of this store has held (as far as known): new cells start with
    /// room for that many, so they do not grow by rehashing every time.
    pub fn cell_hint(&self) -> usize {
        self.cell_hint
    }

    /// See [`WindowStore::cell_hint`]: carries a hint over from an earlier store.
    pub fn set_cell_hint(&mut self, hint: usize) {
        self.cell_hint = self.cell_hint.max(hint);
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
                    num_source_partitions: 0,
                }
            })
            .collect();
        (series, start, end)
    }
}

impl VertexState {
    /// The key's bytes as the file has them.
    pub fn raw_key(&self) -> &[u8] {
        &self.raw_key
    }

    /// The current name and the timestamp of the row it came from.
    pub fn name_at(&self) -> (Option<&str>, i64) {
        (self.name.as_deref(), self.name_t)
    }

    /// Takes `later`'s name where [`VertexState::note_name`] would have: `later` holds the rows
    /// that follow in the file, and a name replaces only one of a strictly older row.
    pub fn merge_name(&mut self, later: &VertexState) {
        if later.name.is_some() && later.name_t > self.name_t {
            self.name_t = later.name_t;
            self.name.clone_from(&later.name);
        }
    }

    /// [`VertexState::note_name`], also remembering whether any row's name was empty or differed
    /// from the vertex's name so far ([`VertexState::name_varies`]): a streamed read hands each
    /// sample over with the name current at that moment, which only a constant name makes
    /// independent of how far the reading has got.
    pub fn note_name_checked(&mut self, t: i64, name: &[u8]) {
        if name.is_empty() || self.name.as_deref().is_some_and(|n| n.as_bytes() != name) {
            self.name_varies = true;
        }
        self.note_name(t, name);
    }

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
    fn stream_mode_hands_over_every_cell_in_time_order_within_the_horizon() {
        let mut s = WindowStore::new_stream(1000);
        let a = s.vertex(b"a");
        let b = s.vertex(b"b");
        let mut got: Vec<(i64, u32)> = Vec::new();
        let mut peak = 0;
        let take = |s: &mut WindowStore, got: &mut Vec<(i64, u32)>| {
            let mut ready = Vec::new();
            s.take_ready(&mut ready);
            for (t, v, slot) in ready {
                got.push((t, v));
                s.release(slot);
            }
        };
        for i in 0..10_000i64 {
            // Pairs swapped and the second vertex a step late: out of order, within the horizon.
            let t = if i % 2 == 0 {
                (i + 1) * 10
            } else {
                (i - 1) * 10
            };
            assert!(put(&mut s, b, t - 10, 1.0));
            assert!(put(&mut s, a, t, 1.0));
            peak = peak.max(s.cells_held());
            take(&mut s, &mut got);
        }
        assert_eq!(s.late(), None);
        s.finish_all();
        take(&mut s, &mut got);
        assert!(peak <= 2 * (101 + 1000 / 16 / 10 + 2), "peak {peak}");
        let mut want = got.clone();
        want.sort_unstable();
        assert_eq!(got, want, "time order, then vertex order");
        assert_eq!(got.len(), 2 * 10_000);
        assert_eq!(s.cells_held(), 0);
        // A row behind what was handed over cannot be placed: remembered, not stored.
        let mut s = WindowStore::new_stream(1000);
        let v = s.vertex(b"a");
        assert!(put(&mut s, v, 5000, 1.0));
        assert!(put(&mut s, v, 4500, 1.0), "inside the horizon");
        assert!(!put(&mut s, v, 3000, 1.0));
        assert_eq!(s.late(), Some(3000));
    }

    #[test]
    fn eviction_does_not_walk_every_vertex_ever_seen() {
        // 300,000 vertices that each report once, a second apart, as a file of short-lived
        // vertex ids does: walking them all on every eviction takes about a minute (debug
        // build), the time index a few seconds.
        let started = std::time::Instant::now();
        for stream in [false, true] {
            let mut s = if stream {
                WindowStore::new_stream(900_000)
            } else {
                WindowStore::new(900_000, None)
            };
            let mut ready = Vec::new();
            for i in 0..300_000i64 {
                let v = s.vertex(format!("v{i}").as_bytes());
                assert!(put(&mut s, v, i * 1000, 1.0));
                s.take_ready(&mut ready);
                for &(_, _, slot) in &ready {
                    s.release(slot);
                }
            }
            assert!(s.cells_held() <= 900 + 900 / 16 + 2, "{}", s.cells_held());
        }
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(30), "{took:?}");
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
