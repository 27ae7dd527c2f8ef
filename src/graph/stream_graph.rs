//! Format C: Flink's stream graph, as `getExecutionPlan()` / `flink info` write it (integer ids,
//! `type`, `pact`, `contents`, `predecessors`) and as the 2.x REST API writes it (string ids,
//! `operator`, `description`, `inputs`, `job_vertex_id`).
//!
//! Invariant: operator ids are the stream node ids as decimal text, the same id space as a Blink
//! plan's node ids. Chaining is not recorded here (except through `job_vertex_id`); when the REST
//! form names job vertices, they become `Job::vertices`.

use std::collections::HashMap;

use jsonc_parser::ast::{Object, Value};

use crate::error::InputError;
use crate::json::{self, LineIndex, Num};
use crate::model::{Edge, Field, Job, Operator, Role, Vertex};

pub fn read(file: &str, text: &str, value: &Value<'_>) -> Result<Job, InputError> {
    let lines = LineIndex::new(text);
    let top = json::top_object(file, &lines, value, "a stream graph")?;
    let nodes = match json::get(top, "nodes") {
        Some(Value::Array(a)) => a,
        _ => {
            return Err(InputError::at(
                file,
                lines.pos(top.range.start),
                "a stream graph needs a `nodes` array",
            ))
        }
    };
    let mut job = Job::default();
    // Edges seen per (source, target), to number parallel edges without rescanning.
    let mut pair_count: HashMap<(String, String), i64> = HashMap::new();
    for n in &nodes.elements {
        let pos = lines.pos(json::start(n));
        let Value::Object(o) = n else {
            return Err(InputError::at(
                file,
                pos,
                format!("a node must be an object, found {}", json::kind(n)),
            ));
        };
        let id = json::get(o, "id")
            .and_then(json::node_id)
            .ok_or_else(|| InputError::at(file, pos, "stream graph node has no `id`"))?;
        let pact = json::get(o, "pact").and_then(json::string);
        if pact.as_deref() == Some("IterativeDataStream") {
            return Err(InputError::at(
                file,
                pos,
                "DataStream iterations are not supported (node with pact IterativeDataStream)",
            ));
        }
        let name = json::get(o, "type")
            .or_else(|| json::get(o, "operator"))
            .and_then(json::string)
            .unwrap_or_default();
        let description = json::get(o, "contents")
            .or_else(|| json::get(o, "description"))
            .and_then(json::string);
        let int = |key: &str| match json::get(o, key).and_then(json::number) {
            Some(Num::Value(x)) if x.fract() == 0.0 && x.is_finite() => Field::Value(x as i64),
            Some(Num::Value(x)) => Field::Invalid(x.to_string()),
            Some(Num::Invalid(r)) => Field::Invalid(r),
            None => Field::Absent,
        };
        job.operators.push(Operator {
            id: id.clone(),
            name,
            description,
            declared_role: pact.as_deref().and_then(Role::from_pact),
            parallelism: int("parallelism"),
            max_parallelism: int("maxParallelism"),
            min_parallelism: Field::Absent,
            slot_sharing_group: json::get(o, "slotSharingGroup").and_then(json::string),
            chaining: None,
            chaining_invalid: None,
            resources: None,
            job_vertex_id: json::get(o, "job_vertex_id").and_then(json::string),
            pos,
            offset: o.range.start,
            parallelism_object: o.range.start,
        });
        read_inputs(file, &lines, o, &id, &mut job, &mut pair_count)?;
    }
    group_vertices(&mut job);
    Ok(job)
}

fn read_inputs(
    file: &str,
    lines: &LineIndex<'_>,
    o: &Object<'_>,
    target: &str,
    job: &mut Job,
    pair_count: &mut HashMap<(String, String), i64>,
) -> Result<(), InputError> {
    let list = match json::get(o, "predecessors").or_else(|| json::get(o, "inputs")) {
        Some(Value::Array(a)) => a,
        None | Some(Value::NullKeyword(_)) => return Ok(()),
        Some(other) => {
            return Err(InputError::at(
                file,
                lines.pos(json::start(other)),
                format!("node inputs must be an array, found {}", json::kind(other)),
            ))
        }
    };
    for p in &list.elements {
        let pos = lines.pos(json::start(p));
        let Value::Object(p) = p else {
            return Err(InputError::at(file, pos, "an input must be an object"));
        };
        let source = json::get(p, "id")
            .and_then(json::node_id)
            .ok_or_else(|| InputError::at(file, pos, "input has no `id`"))?;
        let seen = pair_count
            .entry((source.clone(), target.to_string()))
            .or_insert(0);
        let index = *seen;
        *seen += 1;
        job.edges.push(Edge {
            source,
            target: target.to_string(),
            index,
            ship_strategy: json::get(p, "ship_strategy").and_then(json::string),
            exchange: json::get(p, "exchange").and_then(json::string),
            pos,
            ..Edge::default()
        });
    }
    Ok(())
}

/// Builds vertices from `job_vertex_id` when every node has one (REST stream graph of a running
/// job); otherwise chains stay to be derived.
fn group_vertices(job: &mut Job) {
    if job.operators.is_empty() || job.operators.iter().any(|o| o.job_vertex_id.is_none()) {
        return;
    }
    let mut vertices: Vec<Vertex> = Vec::new();
    for (i, op) in job.operators.iter().enumerate() {
        let vid = op.job_vertex_id.clone().unwrap_or_default();
        match vertices.iter_mut().find(|v| v.id == vid) {
            Some(v) => v.operators.push(i),
            None => vertices.push(Vertex {
                id: vid,
                name: op.name.clone(),
                operators: vec![i],
                parallelism: op.parallelism.value(),
                max_parallelism: op.max_parallelism.value(),
                slot_sharing_group: None,
                pos: op.pos,
            }),
        }
    }
    job.vertices = vertices;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_execution_plan_shape() {
        let t = r#"{ "nodes": [
  { "id": 1, "type": "Source: orders", "pact": "Data Source", "contents": "Source: orders", "parallelism": 8 },
  { "id": 2, "type": "Calc", "pact": "Operator", "contents": "Calc(select=[id])", "parallelism": 8,
    "predecessors": [ { "id": 1, "ship_strategy": "FORWARD", "side": "second" } ] } ] }"#;
        let job = read("g", t, &json::parse("g", t).unwrap()).unwrap();
        assert_eq!(job.operators.len(), 2);
        assert_eq!(job.edges[0].source, "1");
        assert_eq!(job.edges[0].target, "2");
        assert_eq!(job.edges[0].ship_strategy.as_deref(), Some("FORWARD"));
        assert!(job.vertices.is_empty());
    }

    #[test]
    fn reads_rest_stream_graph_shape() {
        let t = r#"{"nodes":[
 {"id":"1","parallelism":2,"operator":"Source: s","description":"Source: s","job_vertex_id":"aa"},
 {"id":"2","parallelism":2,"operator":"Map","description":"Map","job_vertex_id":"aa",
  "inputs":[{"num":0,"id":"1","ship_strategy":"FORWARD","exchange":"PIPELINED"}]}]}"#;
        let job = read("g", t, &json::parse("g", t).unwrap()).unwrap();
        assert_eq!(job.operators[1].name, "Map");
        assert_eq!(job.edges[0].exchange.as_deref(), Some("PIPELINED"));
        assert_eq!(job.vertices.len(), 1);
        assert_eq!(job.vertices[0].operators, vec![0, 1]);
    }
}
