//! The 30-day, 10-vertex job the `simulate` and `tune` benches replay: a daily sine of demand
//! with noise-free spikes at 10 s steps, and a job model built directly (no recording read), so
//! each bench measures its own work alone. Included by both with `#[path]`.

use planscale::recommend::vertices::JobVertex;
use planscale::sim::model::{JobModel, VertexModel};
use planscale::sim::trace::Trace;

pub(crate) const VERTICES: usize = 10;
pub(crate) const STEPS: usize = 30 * 24 * 360;

pub(crate) fn model() -> JobModel {
    let vertices: Vec<VertexModel> = (0..VERTICES)
        .map(|i| {
            let id = format!("{i:032x}");
            let inputs = if i == 0 {
                vec![]
            } else {
                vec![(
                    format!("{:032x}", i - 1),
                    if i % 3 == 0 { "HASH" } else { "REBALANCE" }.to_string(),
                )]
            };
            VertexModel {
                vertex: JobVertex {
                    id: id.clone(),
                    has_job_vertex_id: true,
                    name: format!("vertex {i}"),
                    operator_names: vec![format!("vertex {i}")],
                    operators: vec![i],
                    node_ids: vec![i.to_string()],
                    parallelism: 4,
                    max_parallelism: 128,
                    inputs,
                },
                gain: vec![1.0],
                capacity_per_subtask: if i == 0 {
                    None
                } else {
                    Some(300.0 + 50.0 * i as f64)
                },
                reference_parallelism: 4,
                alpha: 1.0,
                selectivity: 1.0,
                num_source_partitions: 0,
            }
        })
        .collect();
    JobModel {
        vertices,
        sources: vec![0],
    }
}

pub(crate) fn trace() -> Trace {
    let demand: Vec<Vec<f64>> = (0..STEPS)
        .map(|i| {
            let t = i as f64 * 10.0;
            let daily = 1000.0 + 600.0 * (2.0 * std::f64::consts::PI * t / 86_400.0).sin();
            let spike = if i % 8640 < 30 { 800.0 } else { 0.0 };
            vec![daily + spike]
        })
        .collect();
    Trace::from_rows(1_795_000_000_000, 10_000, &demand, vec![4; VERTICES])
}
