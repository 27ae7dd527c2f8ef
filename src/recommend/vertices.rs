//! Which job vertex a metric series is of (`match_metric_vertex`), over the vertices
//! `graph::vertices` builds from a plan or a job graph (re-exported here).

pub use crate::graph::vertices::{default_max_parallelism, job_vertices, JobVertex};

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

/// Names the vertices of the metric reader's warnings as the job graph does, where the file's
/// vertex is one of the graph's: a Prometheus reporter's `task_name` has its spaces and brackets
/// replaced (`Source:_readings_1_` for `Source: readings[1]`), which is not what a user looks
/// for in the graph.
pub fn graph_names(warnings: &mut [crate::metrics::ReadWarning], vertices: &[JobVertex]) {
    for label in warnings.iter_mut().filter_map(|w| w.vertex_mut()) {
        if let Some(i) = match_metric_vertex(&label.key, label.name.as_deref(), vertices) {
            label.name = Some(vertices[i].name.clone());
        }
    }
}

#[cfg(test)]
mod match_tests {
    use super::*;

    #[test]
    fn warnings_name_vertices_as_the_graph_does() {
        use crate::metrics::{ReadWarning, VertexLabel};
        let p = format!(
            "{}/fixtures/plans/udf_bottleneck.plan.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let plan = crate::plan::read("p", &std::fs::read_to_string(p).unwrap(), None).unwrap();
        let v = job_vertices(&plan.job, plan.format);
        let label = |key: &str, name: Option<&str>| VertexLabel {
            key: key.into(),
            name: name.map(String::from),
        };
        let mut w = vec![
            ReadWarning::NoSamples(label(&v[0].id, Some("Source:_events_7_"))),
            ReadWarning::NoBusyTime {
                vertex: label("f00", Some("Unknown")),
                reported_nan: true,
            },
            ReadWarning::Duplicates(3),
        ];
        graph_names(&mut w, &v);
        assert_eq!(
            w[0],
            ReadWarning::NoSamples(label(&v[0].id, Some(&v[0].name)))
        );
        assert_eq!(v[0].name, "events[7]");
        assert_eq!(
            w[1],
            ReadWarning::NoBusyTime {
                vertex: label("f00", Some("Unknown")),
                reported_nan: true,
            }
        );
        assert_eq!(w[2], ReadWarning::Duplicates(3));
    }

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
