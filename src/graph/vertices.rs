//! The job vertices the autoscaler reasons about, from a plan or a job graph.
//!
//! The autoscaler decides per job vertex (chain). A REST job plan lists them with their real
//! JobVertexIDs; a stream graph or a plan is chained here by the same rules `plan validate` uses
//! (`chaining`). A vertex is keyed by its JobVertexID when the input names it, else by its head
//! operator's id, which is also what a plan-keyed metric file would use. `recommend` and `sim`
//! both size these.

use crate::chaining::{self, Chains};
use crate::format::Format;
use crate::model::Job;

#[derive(Debug, Clone, PartialEq)]
pub struct JobVertex {
    pub id: String,
    /// True when `id` is a real JobVertexID (32 hex characters).
    pub has_job_vertex_id: bool,
    /// Operator names joined with ` -> `, as Flink names vertices.
    pub name: String,
    pub operator_names: Vec<String>,
    /// Operator indices in the source `Job`, head first.
    pub operators: Vec<usize>,
    pub node_ids: Vec<String>,
    pub parallelism: i64,
    pub max_parallelism: i64,
    /// `(input vertex id, ship strategy)`.
    pub inputs: Vec<(String, String)>,
}

impl JobVertex {
    pub fn is_source(&self) -> bool {
        self.inputs.is_empty()
    }
}

pub use crate::model::default_max_parallelism;

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Job vertices of a plan or graph, in topological order (ties by position in the file).
pub fn job_vertices(job: &Job, format: Format) -> Vec<JobVertex> {
    let chains: Chains = match format {
        Format::Blink => chaining::blink_chains(job),
        Format::Expert => chaining::vertex_chains(job),
        Format::StreamGraph | Format::JobPlan => chaining::graph_chains(job),
    };
    let n = chains.chains.len();
    let ordered = chaining::operators_in_chain_order(job, &chains);
    let id_of = |c: usize| -> String {
        let head = &job.operators[ordered[c][0]];
        head.job_vertex_id
            .clone()
            .unwrap_or_else(|| head.id.clone())
    };
    let mut inputs: Vec<Vec<(String, String)>> = vec![Vec::new(); n];
    for (a, b, e) in job.resolved_edges() {
        let (ca, cb) = (chains.chain_of[a], chains.chain_of[b]);
        if ca != cb {
            inputs[cb].push((
                id_of(ca),
                e.ship_strategy.clone().unwrap_or_else(|| "FORWARD".into()),
            ));
        }
    }
    let order = chaining::topological_order(job, &chains);
    order
        .into_iter()
        .map(|c| {
            let ops = &ordered[c];
            let parallelism = ops
                .iter()
                .filter_map(|&i| job.operators[i].parallelism.value())
                .max()
                .unwrap_or(1)
                .max(1);
            let max_parallelism = ops
                .iter()
                .filter_map(|&i| job.operators[i].max_parallelism.value())
                .filter(|m| *m > 0)
                .min()
                .unwrap_or_else(|| default_max_parallelism(parallelism));
            let id = id_of(c);
            let operator_names: Vec<String> =
                ops.iter().map(|&i| job.operators[i].name.clone()).collect();
            JobVertex {
                has_job_vertex_id: is_hex32(&id),
                id,
                name: operator_names.join(" -> "),
                operator_names,
                operators: ops.clone(),
                node_ids: ops.iter().map(|&i| job.operators[i].id.clone()).collect(),
                parallelism,
                max_parallelism,
                inputs: std::mem::take(&mut inputs[c]),
            }
        })
        .collect()
}
