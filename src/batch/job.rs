//! Reading a batch job from Flink's REST job details (`GET /jobs/:id`).
//!
//! The details carry what the scheduler's decision needs: every job vertex with the
//! parallelism Flink chose, its max parallelism and its I/O counters (`metrics.write-bytes` ...),
//! and in `plan.nodes` the edges with their ship strategy. Nothing is guessed: a vertex without a
//! counter keeps `None`, and the decision says which vertex lacked what. Structural problems
//! (not an object, no `vertices`, an edge to an unknown vertex) are input errors at the value's
//! position.

use std::collections::BTreeMap;

use jsonc_parser::ast::{Object, Value};

use crate::error::InputError;
use crate::json::{self, LineIndex, Num};
use crate::source::Pos;

/// How a consumer reads a producer's result (`StreamPartitioner#toString` in the plan's
/// `ship_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// `HASH[...]`, `KEYGROUP`, `CUSTOM`, `GLOBAL`: all-to-all, records with the same key go to
    /// the same subpartition (Flink: inter-inputs keys correlated).
    Keyed,
    /// `REBALANCE`, `SHUFFLE`: all-to-all without keys.
    Unkeyed,
    /// `BROADCAST`: every consumer task reads everything.
    Broadcast,
    /// `FORWARD`: pointwise, one to one; consumer and producer are one forward group.
    Forward,
    /// `RESCALE`: pointwise.
    Rescale,
}

impl Exchange {
    pub fn from_ship_strategy(s: &str) -> Option<Exchange> {
        let head = s.split('[').next().unwrap_or(s).trim().to_ascii_uppercase();
        Some(match head.as_str() {
            "HASH" | "KEYGROUP" | "KEY_GROUP" | "CUSTOM" | "GLOBAL" | "PARTITION_HASH" => {
                Exchange::Keyed
            }
            "REBALANCE" | "SHUFFLE" => Exchange::Unkeyed,
            "BROADCAST" => Exchange::Broadcast,
            "FORWARD" => Exchange::Forward,
            "RESCALE" => Exchange::Rescale,
            _ => return None,
        })
    }

    pub fn is_pointwise(self) -> bool {
        matches!(self, Exchange::Forward | Exchange::Rescale)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The producer's job vertex id.
    pub from: String,
    pub exchange: Exchange,
    /// As the plan writes it (`HASH[id]`).
    pub ship_strategy: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vertex {
    pub id: String,
    pub name: String,
    /// What Flink chose (`vertices[].parallelism`).
    pub parallelism: Option<u32>,
    pub max_parallelism: Option<u32>,
    pub status: Option<String>,
    pub inputs: Vec<Input>,
    /// `metrics.write-bytes` / `read-bytes`, when present and marked complete.
    pub write_bytes: Option<u64>,
    pub read_bytes: Option<u64>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchJob {
    pub job_id: Option<String>,
    pub name: Option<String>,
    pub state: Option<String>,
    /// `job-type` (`BATCH` or `STREAMING`) when the details say.
    pub job_type: Option<String>,
    /// In the order of the details' `vertices`.
    pub vertices: Vec<Vertex>,
}

impl BatchJob {
    pub fn vertex(&self, id: &str) -> Option<&Vertex> {
        self.vertices.iter().find(|v| v.id == id)
    }

    /// How many edges read each vertex's output.
    pub fn consumer_edges(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for v in &self.vertices {
            for i in &v.inputs {
                *out.entry(i.from.as_str()).or_insert(0) += 1;
            }
        }
        out
    }
}

fn err(file: &str, lines: &LineIndex, at: usize, msg: impl Into<String>) -> InputError {
    InputError::at(file, lines.pos(at), msg)
}

fn count(v: &Value<'_>) -> Option<u64> {
    match json::number(v) {
        Some(Num::Value(x)) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 9.0e18 => {
            Some(x as u64)
        }
        _ => None,
    }
}

fn field_u32(o: &Object<'_>, key: &str) -> Option<u32> {
    json::get(o, key)
        .and_then(count)
        .and_then(|x| u32::try_from(x).ok())
        .filter(|x| *x >= 1)
}

/// A counter of `metrics`, unless Flink marked it incomplete (`<name>-complete: false`).
fn metric(m: Option<&Object<'_>>, key: &str) -> Option<u64> {
    let m = m?;
    let complete = !matches!(
        json::get(m, &format!("{key}-complete")),
        Some(Value::BooleanLit(b)) if !b.value
    );
    json::get(m, key).and_then(count).filter(|_| complete)
}

/// Reads REST job details. `file` names the input in messages.
pub fn read(file: &str, text: &str) -> Result<BatchJob, InputError> {
    let value = json::parse(file, text)?;
    let lines = LineIndex::new(text);
    let top = json::top_object(file, &lines, &value, "REST job details (GET /jobs/:id)")?;
    let Some(Value::Array(vertices)) = json::get(top, "vertices") else {
        return Err(err(
            file,
            &lines,
            top.range.start,
            "REST job details (GET /jobs/:id) need a `vertices` array; a job plan alone \
             (GET /jobs/:id/plan) has no metrics to decide from",
        ));
    };
    let s = |k: &str| json::get(top, k).and_then(json::string);
    let mut job = BatchJob {
        job_id: s("jid"),
        name: s("name"),
        state: s("state"),
        job_type: s("job-type"),
        vertices: Vec::new(),
    };
    for v in &vertices.elements {
        let at = json::start(v);
        let Value::Object(o) = v else {
            return Err(err(
                file,
                &lines,
                at,
                format!("a job vertex must be an object, found {}", json::kind(v)),
            ));
        };
        let id = json::get(o, "id")
            .and_then(json::string)
            .ok_or_else(|| err(file, &lines, at, "job vertex has no `id`"))?;
        if job.vertex(&id).is_some() {
            return Err(err(
                file,
                &lines,
                at,
                format!("job vertex {id} is listed twice"),
            ));
        }
        let metrics = match json::get(o, "metrics") {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        };
        job.vertices.push(Vertex {
            name: json::get(o, "name")
                .and_then(json::string)
                .unwrap_or_else(|| id.clone()),
            id,
            parallelism: field_u32(o, "parallelism"),
            max_parallelism: field_u32(o, "maxParallelism"),
            status: json::get(o, "status").and_then(json::string),
            inputs: Vec::new(),
            write_bytes: metric(metrics, "write-bytes"),
            read_bytes: metric(metrics, "read-bytes"),
            pos: lines.pos(at),
        });
    }
    let nodes = match json::get(top, "plan") {
        Some(Value::Object(p)) => match json::get(p, "nodes") {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(err(
                    file,
                    &lines,
                    p.range.start,
                    "`plan` has no `nodes` array",
                ))
            }
        },
        _ => {
            return Err(err(
                file,
                &lines,
                top.range.start,
                "REST job details need the job's `plan` (its edges and their ship strategies)",
            ))
        }
    };
    for n in &nodes.elements {
        let at = json::start(n);
        let Value::Object(o) = n else {
            return Err(err(file, &lines, at, "a plan node must be an object"));
        };
        let id = json::get(o, "id")
            .and_then(json::string)
            .ok_or_else(|| err(file, &lines, at, "plan node has no `id`"))?;
        let Some(index) = job.vertices.iter().position(|v| v.id == id) else {
            return Err(err(
                file,
                &lines,
                at,
                format!("plan node {id} is not among the job's `vertices`"),
            ));
        };
        let mut inputs = Vec::new();
        if let Some(Value::Array(a)) = json::get(o, "inputs") {
            for i in &a.elements {
                let iat = json::start(i);
                let Value::Object(io) = i else {
                    return Err(err(file, &lines, iat, "a plan input must be an object"));
                };
                let from = json::get(io, "id")
                    .and_then(json::string)
                    .ok_or_else(|| err(file, &lines, iat, "plan input has no `id`"))?;
                if job.vertex(&from).is_none() {
                    return Err(err(
                        file,
                        &lines,
                        iat,
                        format!("vertex {id} reads from {from}, which is not among the job's `vertices`"),
                    ));
                }
                let ship = json::get(io, "ship_strategy")
                    .and_then(json::string)
                    .unwrap_or_default();
                let exchange = Exchange::from_ship_strategy(&ship).ok_or_else(|| {
                    err(
                        file,
                        &lines,
                        iat,
                        format!(
                            "unknown ship_strategy {ship:?} on the edge {from} -> {id} (known: \
                             HASH, REBALANCE, SHUFFLE, BROADCAST, FORWARD, RESCALE, GLOBAL, CUSTOM)"
                        ),
                    )
                })?;
                inputs.push(Input {
                    from,
                    exchange,
                    ship_strategy: ship,
                });
            }
        }
        job.vertices[index].inputs = inputs;
    }
    Ok(job)
}

/// The vertices in an order where every producer comes before its consumers; `Err` names a
/// vertex on a cycle (REST details of a real job have none).
pub fn topological(job: &BatchJob) -> Result<Vec<usize>, String> {
    let n = job.vertices.len();
    let index: BTreeMap<&str, usize> = job
        .vertices
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.as_str(), i))
        .collect();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS: (vertex, next input to visit).
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let inputs = &job.vertices[v].inputs;
            if *next < inputs.len() {
                let p = index.get(inputs[*next].from.as_str()).copied();
                *next += 1;
                match p.map(|p| (p, state[p])) {
                    Some((p, 0)) => {
                        state[p] = 1;
                        stack.push((p, 0));
                    }
                    Some((p, 1)) => return Err(job.vertices[p].id.clone()),
                    _ => {}
                }
            } else {
                state[v] = 2;
                order.push(v);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DETAILS: &str = r#"{
  "jid": "j1", "name": "n", "state": "FINISHED", "job-type": "BATCH",
  "vertices": [
    {"id": "a", "name": "Source: a", "parallelism": 2, "maxParallelism": 8,
     "metrics": {"write-bytes": 100, "write-bytes-complete": true, "read-bytes": 0}},
    {"id": "b", "name": "Agg", "parallelism": 4, "maxParallelism": 8,
     "metrics": {"write-bytes": 5, "write-bytes-complete": false, "read-bytes": 100}}
  ],
  "plan": {"nodes": [
    {"id": "b", "inputs": [{"num": 0, "id": "a", "ship_strategy": "HASH[k]"}]},
    {"id": "a", "inputs": []}
  ]}
}"#;

    #[test]
    fn reads_vertices_metrics_and_edges() {
        let job = read("d.json", DETAILS).unwrap();
        assert_eq!(job.job_id.as_deref(), Some("j1"));
        let b = job.vertex("b").unwrap();
        assert_eq!((b.parallelism, b.max_parallelism), (Some(4), Some(8)));
        assert_eq!(b.write_bytes, None, "an incomplete counter is no counter");
        assert_eq!(b.read_bytes, Some(100));
        assert_eq!(b.inputs[0].exchange, Exchange::Keyed);
        assert_eq!(topological(&job).unwrap(), vec![0, 1]);
    }

    #[test]
    fn ship_strategies() {
        for (s, e) in [
            ("HASH[id]", Exchange::Keyed),
            ("REBALANCE", Exchange::Unkeyed),
            ("BROADCAST", Exchange::Broadcast),
            ("FORWARD", Exchange::Forward),
            ("RESCALE", Exchange::Rescale),
            ("GLOBAL", Exchange::Keyed),
        ] {
            assert_eq!(Exchange::from_ship_strategy(s), Some(e), "{s}");
        }
        assert_eq!(Exchange::from_ship_strategy("TELEPORT"), None);
    }

    #[test]
    fn structural_errors_point_at_the_value() {
        let e = read("d.json", "[1]").unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(1)));
        let e = read("d.json", "{\"plan\": {\"nodes\": []}}").unwrap_err();
        assert!(e.message.contains("`vertices`"), "{}", e.message);
        let bad = DETAILS.replace("\"id\": \"a\", \"ship", "\"id\": \"zz\", \"ship");
        let e = read("d.json", &bad).unwrap_err();
        assert!(e.message.contains("reads from zz"), "{}", e.message);
        assert_eq!(e.line, Some(10));
        let bad = DETAILS.replace("HASH[k]", "TELEPORT");
        assert!(read("d.json", &bad)
            .unwrap_err()
            .message
            .contains("TELEPORT"));
    }
}
