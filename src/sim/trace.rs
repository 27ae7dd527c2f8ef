//! The demand a simulation replays: records per second entering at each source over time, from
//! the recording. A source's demand is what it emitted plus the growth of its backlog
//! (`pendingRecords`) when it reports one; a backpressured source without a lag metric shows only
//! what the job let through, which the summary warns about.

use crate::metrics::MetricWindow;
use crate::sim::model::JobModel;

#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub start_ms: i64,
    pub step_ms: i64,
    /// demand[step][source index], records/s.
    pub demand: Vec<Vec<f64>>,
    /// The recorded parallelism per step and vertex (for the `recorded` policy).
    pub recorded_parallelism: Vec<Vec<i64>>,
}

/// The recording's own sample interval: the median gap between consecutive samples.
pub fn native_step_ms(rec: &MetricWindow) -> i64 {
    let mut gaps: Vec<i64> = rec
        .vertices
        .iter()
        .flat_map(|v| v.samples.windows(2).map(|w| w[1].t_ms - w[0].t_ms))
        .filter(|g| *g > 0)
        .collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied().unwrap_or(10_000)
}

pub fn build(model: &JobModel, rec: &MetricWindow, step_ms: i64) -> Trace {
    let start = rec
        .vertices
        .iter()
        .filter_map(|v| v.samples.first().map(|s| s.t_ms))
        .min()
        .unwrap_or(0);
    let end = rec
        .vertices
        .iter()
        .filter_map(|v| v.samples.last().map(|s| s.t_ms))
        .max()
        .unwrap_or(start);
    let step = step_ms.max(1);
    let n = ((end - start) / step + 1).max(1) as usize;
    let mut demand = vec![vec![0.0; model.sources.len()]; n];
    let mut recorded = vec![vec![0i64; model.vertices.len()]; n];
    for (i, vm) in model.vertices.iter().enumerate() {
        let samples = model.series[i].map_or(&[][..], |k| rec.vertices[k].samples.as_slice());
        let source_k = model.sources.iter().position(|&s| s == i);
        let mut j = 0usize;
        for (step_i, row) in recorded.iter_mut().enumerate() {
            let t = start + step_i as i64 * step;
            while j + 1 < samples.len() && samples[j + 1].t_ms <= t {
                j += 1;
            }
            let s = samples.get(j);
            row[i] = s
                .and_then(|s| s.parallelism)
                .unwrap_or(vm.vertex.parallelism)
                .max(1);
            if let (Some(k), Some(s)) = (source_k, s) {
                let emitted = [
                    s.source_records_out_per_s,
                    s.records_out_per_s,
                    s.source_records_in_per_s,
                ]
                .into_iter()
                .flatten()
                .find(|x| x.is_finite() && *x > 0.0)
                .unwrap_or(0.0);
                let lag_growth = match (samples.get(j.wrapping_sub(1)), s.pending_records) {
                    (Some(prev), Some(now)) if j > 0 => {
                        let dt = (s.t_ms - prev.t_ms).max(1) as f64 / 1000.0;
                        prev.pending_records
                            .map_or(0.0, |before| ((now - before) / dt).max(0.0))
                    }
                    _ => 0.0,
                };
                demand[step_i][k] = emitted + lag_growth;
            }
        }
    }
    Trace {
        start_ms: start,
        step_ms: step,
        demand,
        recorded_parallelism: recorded,
    }
}
