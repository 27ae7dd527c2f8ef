//! Daily schedules derived from a recording's time-of-day pattern (`tune --schedule`).
//!
//! The day is cut into bins ([`BIN_MS`], or the step when longer); each bin's demand per vertex
//! is the highest the recording shows in that bin on any day (the replay's own per-vertex
//! demand: the sources' demand through each vertex's gain). A period's parallelism per vertex is
//! the least that processes the period's highest bin at `headroom` of its capacity (the model's
//! capacity curve, as the replay uses it); sources and vertices of unlimited capacity keep the
//! parallelism the job starts with. For each number of periods up to the limit, the cheapest
//! cut of the day into that many contiguous periods (CU × time, exact by dynamic programming
//! over the bins) is a candidate; every candidate at every headroom is then replayed by the
//! caller, and the figures of the replay decide, never this estimate. Deterministic.

use crate::resources::CostModel;
use crate::sim::model::JobModel;
use crate::sim::policy::scheduled::{Period, DAY_MS};

/// Time-of-day resolution of a schedule: periods start on these boundaries.
pub const BIN_MS: i64 = 15 * 60_000;

/// Most periods a schedule may have (Alibaba Realtime Compute's limit for scheduled plans).
pub const MAX_PERIODS: usize = 20;

/// Fractions of capacity a period is sized to use at its busiest bin, tried in turn.
pub const HEADROOMS: [f64; 8] = [1.0, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5];

/// The busiest demand per time-of-day bin and vertex: `bins[b][v]`, records/s. Bins the
/// recording never covers take the busiest of all.
pub fn daily_profile(
    model: &JobModel,
    rows: &[Vec<f64>],
    start_ms: i64,
    step_ms: i64,
) -> Vec<Vec<f64>> {
    let bin = BIN_MS.max(step_ms).min(DAY_MS);
    let nbins = ((DAY_MS + bin - 1) / bin) as usize;
    let nv = model.vertices.len();
    let mut bins: Vec<Option<Vec<f64>>> = vec![None; nbins];
    for (i, row) in rows.iter().enumerate() {
        let t = start_ms + i as i64 * step_ms;
        let b = ((t.rem_euclid(DAY_MS)) / bin) as usize;
        let slot = bins[b.min(nbins - 1)].get_or_insert_with(|| vec![0.0; nv]);
        for (v, vm) in model.vertices.iter().enumerate() {
            let d: f64 = vm.gain.iter().zip(row).map(|(g, x)| g * x).sum();
            if d > slot[v] {
                slot[v] = d;
            }
        }
    }
    let mut busiest = vec![0.0f64; nv];
    for b in bins.iter().flatten() {
        for v in 0..nv {
            busiest[v] = busiest[v].max(b[v]);
        }
    }
    bins.into_iter()
        .map(|b| b.unwrap_or_else(|| busiest.clone()))
        .collect()
}

/// The least parallelism of every vertex that processes `demand` at `headroom` of capacity.
pub fn sized(model: &JobModel, initial: &[i64], demand: &[f64], headroom: f64) -> Vec<i64> {
    model
        .vertices
        .iter()
        .enumerate()
        .map(|(v, vm)| {
            let keep = initial.get(v).copied().unwrap_or(1).max(1);
            if vm.vertex.is_source() || vm.capacity_per_subtask.is_none() {
                return keep;
            }
            let max = vm.vertex.max_parallelism.max(1);
            let need = demand[v] / headroom;
            let mut p = 1;
            while p < max && vm.capacity(p) < need {
                p += 1;
            }
            p
        })
        .collect()
}

/// For every number of periods from 1 to `max_periods`, the cheapest schedule of that many
/// periods at `headroom` (fewer when the day does not need more); duplicates dropped.
pub fn candidates(
    model: &JobModel,
    initial: &[i64],
    cost: &CostModel,
    profile: &[Vec<f64>],
    max_periods: usize,
    headroom: f64,
) -> Vec<Vec<Period>> {
    let n = profile.len();
    if n == 0 {
        return Vec::new();
    }
    let bin_ms = DAY_MS / n as i64;
    let nv = model.vertices.len();
    // seg[i][j]: parallelism and CU of the period of bins i..=j.
    let mut seg_p: Vec<Vec<Vec<i64>>> = vec![Vec::new(); n];
    let mut seg_cost = vec![vec![f64::INFINITY; n]; n];
    for i in 0..n {
        let mut peak = vec![0.0f64; nv];
        for j in i..n {
            for v in 0..nv {
                peak[v] = peak[v].max(profile[j][v]);
            }
            let p = sized(model, initial, &peak, headroom);
            seg_cost[i][j] = cost.total(&p) * (j - i + 1) as f64;
            seg_p[i].push(p);
        }
    }
    let k_max = max_periods.clamp(1, n);
    // best[k][j]: cheapest cover of bins 0..=j with k+1 periods, and where its last one starts.
    let mut best = vec![vec![(f64::INFINITY, 0usize); n]; k_max];
    for j in 0..n {
        best[0][j] = (seg_cost[0][j], 0);
    }
    for k in 1..k_max {
        for j in k..n {
            let mut b = (f64::INFINITY, 0);
            for s in k..=j {
                let c = best[k - 1][s - 1].0 + seg_cost[s][j];
                if c < b.0 - 1e-9 {
                    b = (c, s);
                }
            }
            best[k][j] = b;
        }
    }
    let mut out: Vec<Vec<Period>> = Vec::new();
    for k in 0..k_max {
        if !best[k][n - 1].0.is_finite() {
            continue;
        }
        let mut starts = Vec::new();
        let (mut kk, mut j) = (k, n - 1);
        loop {
            let s = best[kk][j].1;
            starts.push((s, j));
            if kk == 0 {
                break;
            }
            kk -= 1;
            j = s - 1;
        }
        starts.reverse();
        let mut periods: Vec<Period> = Vec::new();
        for (s, e) in starts {
            let p = seg_p[s][e - s].clone();
            // Neighbours at the same parallelism are one period.
            if periods.last().is_some_and(|l| l.parallelism == p) {
                continue;
            }
            periods.push(Period {
                start_ms: s as i64 * bin_ms,
                parallelism: p,
            });
        }
        if !out.contains(&periods) {
            out.push(periods);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> JobModel {
        crate::sim::model::source_and_worker(100.0)
    }

    #[test]
    fn a_day_of_two_levels_is_two_periods_at_the_least_parallelism_that_keeps_up() {
        let m = model();
        let step = 600_000;
        // 12 h at 150 rec/s, 12 h at 450 rec/s, two days.
        let rows: Vec<Vec<f64>> = (0..288)
            .map(|i| {
                let h = (i * 10 / 60) % 24;
                vec![if h < 12 { 150.0 } else { 450.0 }]
            })
            .collect();
        let profile = daily_profile(&m, &rows, 0, step);
        assert_eq!(profile.len(), 96);
        let cost = CostModel::per_vertex(vec![1.0, 1.0]);
        let c = candidates(&m, &[1, 1], &cost, &profile, 20, 1.0);
        assert_eq!(
            c[0],
            vec![Period {
                start_ms: 0,
                parallelism: vec![1, 5]
            }]
        );
        assert_eq!(
            c[1],
            vec![
                Period {
                    start_ms: 0,
                    parallelism: vec![1, 2]
                },
                Period {
                    start_ms: 12 * 3_600_000,
                    parallelism: vec![1, 5]
                },
            ]
        );
        assert_eq!(c.len(), 2, "more periods gain nothing: {c:?}");
        assert_eq!(sized(&m, &[1, 1], &[0.0, 450.0], 0.9), vec![1, 5]);
    }
}
