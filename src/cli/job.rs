//! The job `recommend` and `simulate` size: from `--plan` or `--graph`, its vertices and what one
//! subtask of each costs.

use crate::error::UsageError;
use crate::graph;
use crate::io::read_document;
use crate::plan::{self, Plan};
use crate::recommend::vertices::{job_vertices, JobVertex};
use crate::resources::{cost_model, default_subtask_cu, CostModel};

pub struct LoadedJob {
    pub vertices: Vec<JobVertex>,
    /// What the job costs at a parallelism per vertex.
    pub cost: CostModel,
    /// The plan and its text, when the job came from `--plan` (for `--format plan`).
    pub plan: Option<(String, Plan)>,
}

pub fn load(plan_path: Option<&str>, graph_path: Option<&str>) -> anyhow::Result<LoadedJob> {
    match (plan_path, graph_path) {
        (Some(p), _) => {
            let text = read_document(p)?;
            let plan = plan::read(p, &text, None)?;
            let vertices = job_vertices(&plan.job, plan.format);
            let ops: Vec<&[usize]> = vertices.iter().map(|v| v.operators.as_slice()).collect();
            let cost = cost_model(&plan, &ops);
            Ok(LoadedJob {
                vertices,
                cost,
                plan: Some((text, plan)),
            })
        }
        (None, Some(g)) => {
            let text = read_document(g)?;
            let graph = graph::read(g, &text, None)?;
            let vertices = job_vertices(&graph.job, graph.format);
            let cost = CostModel::per_vertex(
                vertices
                    .iter()
                    .map(|v| default_subtask_cu(v.operators.len()))
                    .collect(),
            );
            Ok(LoadedJob {
                vertices,
                cost,
                plan: None,
            })
        }
        (None, None) => Err(UsageError("give the job's --plan or --graph".into()).into()),
    }
}
