//! The job model a simulation replays traffic through, learned from recorded metrics.
//!
//! Per vertex: how many records it must handle per record entering the job (the product of the
//! selectivities along the paths from each source) and its capacity per subtask (records/s at
//! 100% busy). Capacity is learned from samples where the vertex did measurable work, as the
//! upper quartile of `input rate / busy fraction / parallelism`, so start-up ramps and idle samples do not
//! skew it. A scaling-efficiency exponent `α` (capacity ∝ p^α) is 1 unless the recording holds the
//! same vertex at two parallelisms, in which case it is fitted to both.

use crate::metrics::{MetricWindow, Sample};
use crate::recommend::vertices::{match_metric_vertex, JobVertex};

/// Busy fraction below which a sample says too little about capacity.
const MIN_BUSY: f64 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub struct VertexModel {
    pub vertex: JobVertex,
    /// Records this vertex receives per record emitted by each source (by source index).
    pub gain: Vec<f64>,
    /// Capacity of one subtask at the reference parallelism, records/s; `None` = unlimited
    /// (sources, and vertices that never did measurable work).
    pub capacity_per_subtask: Option<f64>,
    pub reference_parallelism: i64,
    /// Scaling efficiency exponent: capacity(p) = c · p_ref · (p / p_ref)^α.
    pub alpha: f64,
    /// Records out per record in, learned from the rates.
    pub selectivity: f64,
}

impl VertexModel {
    /// Records/s the vertex can process at parallelism `p`.
    pub fn capacity(&self, p: i64) -> f64 {
        match self.capacity_per_subtask {
            None => f64::INFINITY,
            Some(c) => {
                let r = self.reference_parallelism.max(1) as f64;
                c * r * (p.max(0) as f64 / r).powf(self.alpha)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobModel {
    pub vertices: Vec<VertexModel>,
    /// Indices of the source vertices.
    pub sources: Vec<usize>,
    /// Which recorded series belongs to each vertex.
    pub series: Vec<Option<usize>>,
}

/// The upper quartile of the capacity samples. Flink's `…PerSecond` gauges average the last
/// minute, so after a start or a change the input rate lags behind what the vertex really does
/// at 100% busy; those lagging samples sit in the lower part of the distribution. The upper
/// quartile reads the plateau without trusting a single spike.
fn upper_quartile(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[(v.len() * 3) / 4])
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v.filter(|x| x.is_finite()) {
        s += x;
        n += 1;
    }
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

fn input_rate(s: &Sample) -> Option<f64> {
    s.records_in_per_s.filter(|r| r.is_finite())
}

/// Per-subtask capacities of the samples where the vertex worked measurably.
fn capacity_samples(samples: &[Sample], default_p: i64) -> Vec<(i64, f64)> {
    samples
        .iter()
        .filter_map(|s| {
            let busy = s.busy_max.or(s.busy_avg)? / 1000.0;
            let rin = input_rate(s)?;
            let p = s.parallelism.unwrap_or(default_p).max(1);
            (busy >= MIN_BUSY && rin > 0.0).then(|| (p, rin / busy.min(1.0) / p as f64))
        })
        .collect()
}

/// Learns the model. `learn_until_ms` limits capacity learning to earlier samples (to validate a
/// model against what happened later).
pub fn learn(
    vertices: Vec<JobVertex>,
    rec: &MetricWindow,
    learn_until_ms: Option<i64>,
) -> Result<JobModel, String> {
    let mut series: Vec<Option<usize>> = vec![None; vertices.len()];
    for (k, s) in rec.vertices.iter().enumerate() {
        match match_metric_vertex(&s.key, s.name.as_deref(), &vertices) {
            Some(i) => series[i] = Some(k),
            None => {
                return Err(format!(
                    "the metrics name a vertex that is not in the graph or plan: {}",
                    s.display_name()
                ))
            }
        }
    }
    let sources: Vec<usize> = (0..vertices.len())
        .filter(|&i| vertices[i].is_source())
        .collect();
    let cut = learn_until_ms.unwrap_or(i64::MAX);
    let mut models: Vec<VertexModel> = Vec::with_capacity(vertices.len());
    for (i, v) in vertices.iter().enumerate() {
        let samples: &[Sample] = series[i].map_or(&[], |k| rec.vertices[k].samples.as_slice());
        let learn_from: Vec<Sample> = samples.iter().filter(|s| s.t_ms <= cut).cloned().collect();
        let selectivity = if v.is_source() {
            1.0
        } else {
            let rin = mean(samples.iter().filter_map(input_rate));
            let rout = mean(samples.iter().filter_map(|s| s.records_out_per_s));
            if rin > 0.0 && rout.is_finite() {
                rout / rin
            } else {
                1.0
            }
        };
        let (capacity_per_subtask, reference_parallelism, alpha) = if v.is_source() {
            (None, v.parallelism, 1.0)
        } else {
            let caps = capacity_samples(&learn_from, v.parallelism);
            let mut by_p: std::collections::BTreeMap<i64, Vec<f64>> = Default::default();
            for (p, c) in caps {
                by_p.entry(p).or_default().push(c);
            }
            let per_p: Vec<(i64, f64)> = by_p
                .into_iter()
                .filter_map(|(p, cs)| Some((p, upper_quartile(cs)?)))
                .collect();
            match per_p.as_slice() {
                [] => (None, v.parallelism, 1.0),
                [(p, c)] => (Some(*c), *p, 1.0),
                [(pa, ca), .., (pb, cb)] => {
                    // c(p)·p ∝ p^α  ⇒  α = 1 + ln(c_b / c_a) / ln(p_b / p_a)
                    let alpha =
                        (1.0 + (cb / ca).ln() / (*pb as f64 / *pa as f64).ln()).clamp(0.1, 1.0);
                    (Some(*ca), *pa, if alpha.is_finite() { alpha } else { 1.0 })
                }
            }
        };
        models.push(VertexModel {
            vertex: v.clone(),
            gain: vec![0.0; sources.len()],
            capacity_per_subtask,
            reference_parallelism,
            alpha,
            selectivity,
        });
    }
    // Gains in topological order (vertices come topologically ordered).
    let index: std::collections::HashMap<String, usize> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.vertex.id.clone(), i))
        .collect();
    for (k, &s) in sources.iter().enumerate() {
        models[s].gain[k] = 1.0;
    }
    for i in 0..models.len() {
        let inputs = models[i].vertex.inputs.clone();
        for (from, _) in inputs {
            if let Some(&u) = index.get(&from) {
                for k in 0..sources.len() {
                    let add = models[u].gain[k] * models[u].selectivity;
                    models[i].gain[k] += add;
                }
            }
        }
    }
    Ok(JobModel {
        vertices: models,
        sources,
        series,
    })
}
