//! The job vertices `recommend` reasons about, from a plan or a job graph.
//!
//! The autoscaler decides per job vertex (chain). A REST job plan lists them with their real
//! JobVertexIDs; a stream graph or a plan is chained here by the same rules `plan validate` uses
//! (`chaining`). A vertex is keyed by its JobVertexID when the input names it, else by its head
//! operator's id, which is also what a plan-keyed metric file would use.

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

/// Flink's default max parallelism for a vertex whose max parallelism is not set
/// (`KeyGroupRangeAssignment#computeDefaultMaxParallelism`): 1.5 × parallelism rounded up to a
/// power of two, within 128..=32768.
pub fn default_max_parallelism(parallelism: i64) -> i64 {
    let p = parallelism.max(1) as u64;
    let target = p + p / 2;
    (target.next_power_of_two() as i64).clamp(128, 32768)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(path: &str) -> crate::graph::Graph {
        let p = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        crate::graph::read(path, &std::fs::read_to_string(p).unwrap(), None).unwrap()
    }

    #[test]
    fn job_details_give_real_vertices() {
        let g = graph("fixtures/lab/udf_bottleneck/job.json");
        let v = job_vertices(&g.job, g.format);
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|v| v.has_job_vertex_id));
        assert_eq!(v[1].name, "PythonCalc[8] -> Calc[9]");
        assert_eq!((v[1].parallelism, v[1].max_parallelism), (2, 128));
        assert_eq!(
            v[1].inputs,
            vec![(v[0].id.clone(), "REBALANCE".to_string())]
        );
        assert!(v[0].is_source());
    }

    #[test]
    fn stream_graph_is_chained_like_flink() {
        let g = graph("fixtures/lab/udf_bottleneck/execution_plan.json");
        let v = job_vertices(&g.job, g.format);
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Source: events[7]",
                "PythonCalc[8] -> Calc[9]",
                "GroupAggregate[11] -> score_sink[12]: Writer"
            ]
        );
        assert_eq!(v[1].max_parallelism, 128);
    }

    #[test]
    fn default_max_parallelism_matches_flink() {
        assert_eq!(default_max_parallelism(1), 128);
        assert_eq!(default_max_parallelism(100), 256);
        assert_eq!(default_max_parallelism(30000), 32768);
    }
}

/// Which job vertex a metric file's vertex column means: by JobVertexID, then by name (operator
/// names joined with ` -> `, the SQL `[n]` ids of Flink 2.x names compared as such), then by a
/// plan node id inside the vertex.
pub fn match_metric_vertex(key: &str, name: Option<&str>, vertices: &[JobVertex]) -> Option<usize> {
    if let Some(i) = vertices.iter().position(|v| v.id.eq_ignore_ascii_case(key)) {
        return Some(i);
    }
    for label in name.into_iter().chain(std::iter::once(key)) {
        let parts: Vec<&str> = label.split(" -> ").map(str::trim).collect();
        let found = vertices.iter().position(|v| {
            v.operator_names.len() == parts.len()
                && v.operator_names
                    .iter()
                    .zip(&parts)
                    .all(|(a, b)| crate::rules::names_match(a, b))
        });
        if found.is_some() {
            return found;
        }
    }
    vertices
        .iter()
        .position(|v| v.node_ids.iter().any(|n| n == key))
}

#[cfg(test)]
mod match_tests {
    use super::*;

    #[test]
    fn metric_vertices_match_by_id_name_or_node() {
        let p = format!(
            "{}/fixtures/plans/udf_bottleneck.plan.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let plan = crate::plan::read("p", &std::fs::read_to_string(p).unwrap(), None).unwrap();
        let v = job_vertices(&plan.job, plan.format);
        assert_eq!(
            match_metric_vertex("x", Some("PythonCalc[8] -> Calc[9]"), &v),
            Some(1)
        );
        assert_eq!(
            match_metric_vertex("x", Some("Source: events[7]"), &v),
            Some(0)
        );
        assert_eq!(match_metric_vertex("15", None, &v), Some(2));
        assert_eq!(match_metric_vertex("nope", Some("Map"), &v), None);
    }
}
