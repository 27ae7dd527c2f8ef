//! One (vertex, timestamp) cell: the raw values read for it, and their aggregation into one
//! sample's [`Field`]s.
//!
//! Values are kept raw, keyed by (canonical metric, subtask), until the window is final, because
//! rows may arrive in any order and a later duplicate must replace an earlier one (last wins,
//! spec/metrics.md). Aggregation happens once, at the end: per metric over subtasks with the
//! field's aggregation (sum, max or average), then over operators (several `Source__*`
//! operators, several `pendingRecords` names) with the same rule. Values already aggregated by
//! Flink (a `.sum/.max/.avg` suffix) win over values planscale aggregates itself.
//!
//! Invariants: one value per key (a hash map, so any arrival order costs the same and a duplicate
//! is found at insert time); "not reported" values are stored as NaN (so they still replace an
//! earlier duplicate) and skipped by aggregation. Cells are reused after eviction ([`Cell::reset`]
//! keeps the map's allocation).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::intern::FxHasher;
use super::names::{Agg, Field, Origin, Use, FIELD_COUNT};

/// Subtask index of rows that carry no subtask (already per vertex).
pub const NO_SUBTASK: u32 = u32::MAX;

/// A canonical metric (one per distinct [`super::names::MetricName::canonical`] key) and the fields
/// it feeds.
#[derive(Debug, Clone, Default)]
pub struct MetricDef {
    pub uses: Vec<Use>,
}

#[derive(Debug, Default, Clone)]
pub struct Cell {
    /// The `parallelism` column, max over the rows of this cell.
    pub parallelism: Option<i64>,
    /// (metric << 32 | subtask) → value.
    values: HashMap<u64, f64, BuildHasherDefault<FxHasher>>,
}

impl Cell {
    /// Stores one value; returns true when it replaced an earlier value for the same metric and
    /// subtask (a duplicate row).
    #[inline]
    pub fn insert(&mut self, metric: u32, subtask: u32, value: f64) -> bool {
        let key = (u64::from(metric) << 32) | u64::from(subtask);
        self.values.insert(key, value).is_some()
    }

    /// An empty cell with room for `n` values.
    pub fn with_capacity(n: usize) -> Cell {
        Cell {
            parallelism: None,
            values: HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default()),
        }
    }

    /// Raises `hint` to the number of values this cell holds.
    pub fn set_capacity_hint(&self, hint: &mut usize) {
        *hint = (*hint).max(self.values.len());
    }

    /// Folds in the values of `later` (a cell of the same vertex and timestamp from rows that
    /// follow in the file), its metric ids mapped through `def`; returns how many replaced a
    /// value already here, as [`Cell::insert`] would have.
    pub fn merge(&mut self, later: &Cell, def: &[u32]) -> u64 {
        self.values.reserve(later.values.len());
        if let Some(p) = later.parallelism {
            self.note_parallelism(p);
        }
        let mut replaced = 0;
        for (&key, &value) in &later.values {
            let metric = def[(key >> 32) as usize];
            if self.insert(metric, key as u32, value) {
                replaced += 1;
            }
        }
        replaced
    }

    /// Empties the cell for reuse, keeping its allocation.
    pub fn reset(&mut self) {
        self.parallelism = None;
        self.values.clear();
    }

    pub fn note_parallelism(&mut self, p: i64) {
        self.parallelism = Some(self.parallelism.map_or(p, |q| q.max(p)));
    }

    /// The cell's fields, `None` where nothing was reported.
    pub fn aggregate(&self, defs: &[MetricDef]) -> [Option<f64>; FIELD_COUNT] {
        // Per field and origin (suffixed, raw): the running cross-operator combination.
        let mut acc = [[Acc::default(); 2]; FIELD_COUNT];
        // Grouped by metric: sorted by key, whose high half is the metric.
        let mut values: Vec<(u64, f64)> = self.values.iter().map(|(&k, &v)| (k, v)).collect();
        values.sort_unstable_by_key(|&(k, _)| k);
        let mut i = 0;
        while i < values.len() {
            let metric = (values[i].0 >> 32) as usize;
            let mut j = i;
            while j < values.len() && (values[j].0 >> 32) as usize == metric {
                j += 1;
            }
            let group = &values[i..j];
            if let Some(def) = defs.get(metric) {
                for u in &def.uses {
                    let agg = u.field.agg();
                    let mut over_subtasks = Acc::default();
                    for &(_, v) in group {
                        over_subtasks.add(agg, v);
                    }
                    if let Some(v) = over_subtasks.value(agg) {
                        let slot = match u.origin {
                            Origin::Suffixed => 0,
                            Origin::Raw => 1,
                        };
                        acc[u.field.index()][slot].add(agg, v);
                    }
                }
            }
            i = j;
        }
        let mut out = [None; FIELD_COUNT];
        for f in Field::ALL {
            let [suffixed, raw] = acc[f.index()];
            out[f.index()] = suffixed.value(f.agg()).or_else(|| raw.value(f.agg()));
        }
        out
    }
}

/// Sum or max, and a count; NaN is skipped ("not reported").
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    total: f64,
    n: u32,
}

impl Acc {
    fn add(&mut self, agg: Agg, v: f64) {
        if v.is_nan() {
            return;
        }
        if self.n == 0 {
            self.total = v;
        } else {
            match agg {
                Agg::Max => self.total = self.total.max(v),
                Agg::Min => self.total = self.total.min(v),
                Agg::Sum | Agg::Avg => self.total += v,
            }
        }
        self.n += 1;
    }

    fn value(self, agg: Agg) -> Option<f64> {
        match (self.n, agg) {
            (0, _) => None,
            (n, Agg::Avg) => Some(self.total / f64::from(n)),
            _ => Some(self.total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::names::{parse, usage, Usage};

    fn defs(names: &[&str]) -> Vec<MetricDef> {
        names
            .iter()
            .map(|n| MetricDef {
                uses: match usage(&parse(n)) {
                    Usage::Uses(u) => u,
                    _ => vec![],
                },
            })
            .collect()
    }

    #[test]
    fn per_subtask_values_aggregate_per_field() {
        let defs = defs(&[
            "busyTimeMsPerSecond",
            "numRecordsInPerSecond",
            "backPressuredTimeMsPerSecond",
        ]);
        let mut c = Cell::default();
        for (s, busy, rin, bp) in [
            (0, 200.0, 10.0, 0.0),
            (1, 900.0, 30.0, 100.0),
            (2, 400.0, 20.0, f64::NAN),
        ] {
            c.insert(0, s, busy);
            c.insert(1, s, rin);
            c.insert(2, s, bp);
        }
        let f = c.aggregate(&defs);
        assert_eq!(f[Field::BusyMax.index()], Some(900.0));
        assert_eq!(f[Field::BusyAvg.index()], Some(500.0));
        assert_eq!(f[Field::RecordsInPerS.index()], Some(60.0));
        // NaN is skipped: the average is over the two subtasks that reported.
        assert_eq!(f[Field::BackPressuredAvg.index()], Some(50.0));
        assert_eq!(f[Field::IdleAvg.index()], None);
    }

    #[test]
    fn duplicates_last_wins_in_any_order() {
        let defs = defs(&["numRecordsInPerSecond"]);
        let mut c = Cell::default();
        assert!(!c.insert(0, 1, 5.0));
        assert!(!c.insert(0, 0, 1.0));
        assert!(c.insert(0, 1, 7.0));
        assert_eq!(c.aggregate(&defs)[Field::RecordsInPerS.index()], Some(8.0));
        // A later "not reported" replaces the earlier value too.
        assert!(c.insert(0, 1, f64::NAN));
        assert_eq!(c.aggregate(&defs)[Field::RecordsInPerS.index()], Some(1.0));
    }

    #[test]
    fn suffixed_values_win_and_operators_combine() {
        let defs = defs(&[
            "busyTimeMsPerSecond.max",
            "busyTimeMsPerSecond",
            "Source__a.pendingRecords.sum",
            "Source__b.pendingRecords.sum",
            "Source__a.currentFetchEventTimeLag.max",
            "Source__b.currentFetchEventTimeLag.max",
        ]);
        let mut c = Cell::default();
        c.insert(0, NO_SUBTASK, 750.0);
        c.insert(1, 0, 100.0);
        c.insert(1, 1, 300.0);
        c.insert(2, NO_SUBTASK, 10.0);
        c.insert(3, NO_SUBTASK, 5.0);
        c.insert(4, NO_SUBTASK, 40.0);
        c.insert(5, NO_SUBTASK, 90.0);
        let f = c.aggregate(&defs);
        assert_eq!(f[Field::BusyMax.index()], Some(750.0));
        assert_eq!(f[Field::BusyAvg.index()], Some(200.0));
        assert_eq!(f[Field::PendingRecords.index()], Some(15.0));
        assert_eq!(f[Field::FetchLagMax.index()], Some(90.0));
    }

    #[test]
    fn only_nan_is_absent() {
        let defs = defs(&["busyTimeMsPerSecond.max"]);
        let mut c = Cell::default();
        c.insert(0, NO_SUBTASK, f64::NAN);
        assert_eq!(c.aggregate(&defs)[Field::BusyMax.index()], None);
    }
}
