//! The job model a simulation replays traffic through, learned from recorded metrics.
//!
//! Per vertex: how many records it must handle per record entering the job (the product of the
//! selectivities along the paths from each source) and its capacity per subtask (records/s at
//! 100% busy). Capacity is learned from samples where the vertex did measurable work, as the
//! upper quartile of `input rate / busy fraction / parallelism`, so start-up ramps and idle samples do not
//! skew it. A scaling-efficiency exponent `α` (capacity ∝ p^α) is 1 unless the recording holds the
//! same vertex at two parallelisms, in which case it is fitted to both.

use crate::graph::vertices::JobVertex;
use crate::sim::quantile::Quantiles;
use crate::sim::recording::Recording;

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
    /// A source's Kafka/Pulsar partitions as its metric names show them (upstream's
    /// `ScalingMetricCollector` counts them so, and aligns and caps a source's parallelism to
    /// them); 0 when none.
    pub num_source_partitions: i64,
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
}

impl JobModel {
    /// The names of the vertices besides sources that did no measurable work in the recording,
    /// whose capacity the model takes as unlimited (both `simulate` and `tune` warn of them).
    pub fn unlimited(&self) -> Vec<String> {
        self.vertices
            .iter()
            .filter(|m| m.capacity_per_subtask.is_none() && !m.vertex.is_source())
            .map(|m| m.vertex.name.clone())
            .collect()
    }
}

/// The upper quartile of the capacity samples. Flink's `…PerSecond` gauges average the last
/// minute, so after a start or a change the input rate lags behind what the vertex really does
/// at 100% busy; those lagging samples sit in the lower part of the distribution. The upper
/// quartile reads the plateau without trusting a single spike.
fn upper_quartile(q: &mut Quantiles) -> Option<f64> {
    let n = q.len();
    q.nth((n * 3) / 4)
}

fn mean((sum, n): (f64, u64)) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Learns the model from a recording gathered for these `vertices` (in the same order).
pub fn learn(vertices: Vec<JobVertex>, rec: &mut Recording) -> JobModel {
    let sources: Vec<usize> = (0..vertices.len())
        .filter(|&i| vertices[i].is_source())
        .collect();
    let mut models: Vec<VertexModel> = Vec::with_capacity(vertices.len());
    for (v, r) in vertices.iter().zip(rec.vertices.iter_mut()) {
        let selectivity = if v.is_source() {
            1.0
        } else {
            let (rin, rout) = (mean(r.rate_in), mean(r.rate_out));
            if rin > 0.0 && rout.is_finite() {
                rout / rin
            } else {
                1.0
            }
        };
        let (capacity_per_subtask, reference_parallelism, alpha) = if v.is_source() {
            (None, v.parallelism, 1.0)
        } else {
            let per_p: Vec<(i64, f64)> = r
                .capacity
                .iter_mut()
                .filter_map(|(&p, cs)| Some((p, upper_quartile(cs)?)))
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
            num_source_partitions: 0,
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
    JobModel {
        vertices: models,
        sources,
    }
}

/// A source `src` feeding one vertex `work` whose subtask handles `capacity` records/s, for
/// the unit tests of the policies and of `tune`.
#[cfg(test)]
pub(crate) fn source_and_worker(capacity: f64) -> JobModel {
    use crate::graph::vertices::JobVertex;
    let v = |id: &str, inputs: Vec<(String, String)>, cap: Option<f64>| VertexModel {
        vertex: JobVertex {
            id: id.into(),
            has_job_vertex_id: true,
            name: id.into(),
            operator_names: vec![id.into()],
            operators: vec![0],
            node_ids: vec![id.into()],
            parallelism: 1,
            max_parallelism: 128,
            inputs,
        },
        gain: vec![1.0],
        capacity_per_subtask: cap,
        reference_parallelism: 1,
        alpha: 1.0,
        selectivity: 1.0,
        num_source_partitions: 0,
    };
    JobModel {
        vertices: vec![
            v("src", vec![], None),
            v(
                "work",
                vec![("src".into(), "REBALANCE".into())],
                Some(capacity),
            ),
        ],
        sources: vec![0],
    }
}
