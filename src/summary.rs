//! A plan as the platform will run it: its vertices (chains) in topological order, each with its
//! operators, parallelism, per-subtask resources and CU, plus the plan's totals. `plan show`
//! prints this, `plan diff` compares two of them.

use crate::chaining;
use crate::format::Format;
use crate::plan::Plan;
use crate::resources::{self, Totals};

#[derive(Debug, Clone, PartialEq)]
pub struct VertexRow {
    /// The JobVertexID when the plan records it (expert), else the head node's id.
    pub id: String,
    pub name: String,
    /// Operator indices, head first.
    pub operators: Vec<usize>,
    pub node_ids: Vec<String>,
    pub parallelism: i64,
    pub max_parallelism: Option<i64>,
    pub slot_sharing_group: String,
    /// Cores per subtask.
    pub cpu: f64,
    /// MB per subtask.
    pub memory_mb: f64,
    /// CU of all subtasks; NaN where the format prices slots, not vertices (expert).
    pub cu: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub vertices: Vec<VertexRow>,
    /// The JobManager's own resources, when the plan records them (Blink's `global`): counted
    /// in the totals, so shown as a row of its own.
    pub job_manager: Option<JobManagerRow>,
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobManagerRow {
    pub cpu: f64,
    pub memory_mb: f64,
    pub cu: f64,
}

pub fn summarize(plan: &Plan) -> Summary {
    let job = &plan.job;
    let expert = plan.format == Format::Expert;
    let chains = chaining::plan_chains(job, expert);
    let (costs, totals) = if expert {
        (
            resources::slot_costs(job, &chains),
            resources::slot_totals(job),
        )
    } else {
        let c = resources::chain_costs(job, &chains);
        let t = resources::totals(job, &c);
        (c, t)
    };
    let order = chaining::topological_order(job, &chains);
    let vertices = order
        .into_iter()
        .map(|c| {
            let ops = &chains.chains[c];
            let head = &job.operators[ops[0]];
            let cost = &costs[c];
            VertexRow {
                id: head
                    .job_vertex_id
                    .clone()
                    .filter(|_| expert)
                    .unwrap_or_else(|| head.id.clone()),
                name: ops
                    .iter()
                    .map(|&i| job.operators[i].name.as_str())
                    .collect::<Vec<_>>()
                    .join(" -> "),
                operators: ops.clone(),
                node_ids: ops.iter().map(|&i| job.operators[i].id.clone()).collect(),
                parallelism: cost.parallelism,
                max_parallelism: ops
                    .iter()
                    .filter_map(|&i| job.operators[i].max_parallelism.value())
                    .min(),
                slot_sharing_group: head
                    .slot_sharing_group
                    .clone()
                    .unwrap_or_else(|| "default".into()),
                cpu: cost.cpu,
                memory_mb: cost.memory_mb,
                cu: cost.cu,
            }
        })
        .collect();
    let job_manager = job.job_manager.filter(|_| !expert).map(|jm| JobManagerRow {
        cpu: jm.cpu,
        memory_mb: jm.memory_mb,
        cu: resources::cu_of(jm.cpu, jm.memory_mb),
    });
    Summary {
        vertices,
        job_manager,
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_in_topological_order() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/spec/blink_example.plan.json"
        ))
        .unwrap();
        let s = summarize(&crate::plan::read("p", &text, None).unwrap());
        assert_eq!(s.vertices.len(), 2);
        assert_eq!(s.vertices[0].node_ids, ["1", "2"]);
        // 2 + 8 CU of chains and the JobManager's 1 CU make the 11 of the total.
        let jm = s
            .job_manager
            .as_ref()
            .expect("the example records its JobManager");
        assert_eq!((jm.cpu, jm.memory_mb, jm.cu), (1.0, 4096.0, 1.0));
        let chains: f64 = s.vertices.iter().map(|v| v.cu).sum();
        assert_eq!(chains + jm.cu, s.totals.cu);
        assert_eq!(s.vertices[1].node_ids, ["4", "5"]);
        assert_eq!(
            (s.vertices[1].cpu, s.vertices[1].memory_mb, s.vertices[1].cu),
            (0.5, 1152.0, 8.0)
        );
        assert_eq!(s.totals.cu, 11.0);
    }
}
