//! Format D: Flink's REST job plan (`GET /jobs/:id/plan`) and job details (`GET /jobs/:id`).
//!
//! Both the 1.x shape (no `inputs` on sources, `optimizer_properties` an object) and the 2.x shape
//! (`inputs` possibly empty or null, `optimizer_properties` a string) are read; unknown keys are
//! ignored. Only job vertices are listed, so each vertex's operators are recovered from the vertex
//! name in job details (`A -> B -> C`) or, for a bare plan, from its description: in Flink 2.3 that
//! is a tree of operator descriptions (`[11]:Calc(...)<br/>+- [12]:WatermarkAssigner(...)`), in 1.x
//! the chain name. Recovered operators get ids `<vertex id>#<k>`, head first.

use std::collections::HashMap;

use jsonc_parser::ast::{Object, Value};

use crate::error::InputError;
use crate::json::{self, LineIndex, Num};
use crate::model::{Edge, Field, Job, Operator, Vertex};

/// The `stream-graph` of Flink 2.x job details, when present and non-empty.
pub fn embedded_stream_graph<'v, 'a>(value: &'v Value<'a>) -> Option<&'v Value<'a>> {
    let Value::Object(top) = value else {
        return None;
    };
    match json::get(top, "stream-graph") {
        Some(v @ Value::Object(sg)) if matches!(json::get(sg, "nodes"), Some(Value::Array(a)) if !a.elements.is_empty()) => {
            Some(v)
        }
        _ => None,
    }
}

/// A vertex input as read: producer vertex id, ship strategy, exchange, position.
type Input = (String, Option<String>, Option<String>, crate::model::Pos);

/// The `jid` of job details (top level) or of a job plan (`plan.jid`).
pub fn job_id(value: &Value<'_>) -> Option<String> {
    let Value::Object(top) = value else {
        return None;
    };
    let from = |o: &Object<'_>| json::get(o, "jid").and_then(json::string);
    from(top)
        .or_else(|| match json::get(top, "plan") {
            Some(Value::Object(p)) => from(p),
            _ => None,
        })
        .map(|j| j.trim().to_string())
        .filter(|j| !j.is_empty())
}

/// Per-vertex facts only job details have.
#[derive(Default, Clone)]
struct VertexDetails {
    name: Option<String>,
    max_parallelism: Option<i64>,
    parallelism: Option<i64>,
    slot_sharing_group: Option<String>,
}

fn int(o: &Object<'_>, key: &str) -> Option<i64> {
    match json::get(o, key).and_then(json::number) {
        Some(Num::Value(x)) if x.is_finite() && x.fract() == 0.0 => Some(x as i64),
        _ => None,
    }
}

fn details(top: &Object<'_>) -> HashMap<String, VertexDetails> {
    let mut m = HashMap::new();
    if let Some(Value::Array(vs)) = json::get(top, "vertices") {
        for v in &vs.elements {
            let Value::Object(v) = v else { continue };
            let Some(id) = json::get(v, "id").and_then(json::string) else {
                continue;
            };
            m.insert(
                id,
                VertexDetails {
                    name: json::get(v, "name").and_then(json::string),
                    max_parallelism: int(v, "maxParallelism").filter(|m| *m > 0),
                    parallelism: int(v, "parallelism"),
                    slot_sharing_group: json::get(v, "slotSharingGroupName")
                        .or_else(|| json::get(v, "slotSharingGroupId"))
                        .and_then(json::string),
                },
            );
        }
    }
    m
}

/// Copies job-details vertex facts (max parallelism, slot-sharing group) onto operators read from
/// an embedded stream graph.
pub fn merge_vertex_details(value: &Value<'_>, job: &mut Job) {
    let Value::Object(top) = value else { return };
    let d = details(top);
    for op in &mut job.operators {
        if let Some(vd) = op.job_vertex_id.as_ref().and_then(|v| d.get(v)) {
            if op.max_parallelism == Field::Absent {
                if let Some(m) = vd.max_parallelism {
                    op.max_parallelism = Field::Value(m);
                }
            }
        }
    }
    for v in &mut job.vertices {
        if let Some(vd) = d.get(&v.id) {
            v.max_parallelism = v.max_parallelism.or(vd.max_parallelism);
            v.slot_sharing_group = vd.slot_sharing_group.clone();
            if let Some(n) = &vd.name {
                v.name = n.clone();
            }
        }
    }
}

/// Undoes the HTML escaping Flink applies to descriptions.
pub fn unescape_html(s: &str) -> String {
    s.replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#92;", "\\")
        .replace("&amp;", "&")
}

/// Operator labels of a vertex, head first.
fn labels_from_description(desc: &str) -> Vec<String> {
    let has_tree = desc.contains("<br/>") || desc.contains('\n');
    let parts: Vec<String> = if has_tree {
        desc.split("<br/>")
            .flat_map(|l| l.split('\n'))
            .map(|l| {
                let t = l.trim_start();
                let t = t.strip_prefix("+- ").unwrap_or(t);
                let t = t.strip_prefix(":- ").unwrap_or(t);
                unescape_html(t.trim())
            })
            .collect()
    } else {
        unescape_html(desc)
            .split(" -> ")
            .map(|s| s.trim().to_string())
            .collect()
    };
    parts.into_iter().filter(|s| !s.is_empty()).collect()
}

pub fn read(file: &str, text: &str, value: &Value<'_>) -> Result<Job, InputError> {
    let lines = LineIndex::new(text);
    let top = json::top_object(file, &lines, value, "a job plan")?;
    let plan = match json::get(top, "plan") {
        Some(Value::Object(p)) => p,
        _ => top,
    };
    let nodes = match json::get(plan, "nodes") {
        Some(Value::Array(a)) => a,
        _ => {
            return Err(InputError::at(
                file,
                lines.pos(plan.range.start),
                "a job plan needs a `nodes` array",
            ))
        }
    };
    let d = details(top);
    let mut job = Job::default();
    let mut inputs: Vec<(String, Vec<Input>)> = Vec::new();
    for n in &nodes.elements {
        let pos = lines.pos(json::start(n));
        let Value::Object(o) = n else {
            return Err(InputError::at(
                file,
                pos,
                format!("a job vertex must be an object, found {}", json::kind(n)),
            ));
        };
        let vid = json::get(o, "id")
            .and_then(json::string)
            .ok_or_else(|| InputError::at(file, pos, "job vertex has no `id`"))?;
        let vd = d.get(&vid).cloned().unwrap_or_default();
        let description = json::get(o, "description")
            .and_then(json::string)
            .unwrap_or_default();
        let desc_labels = labels_from_description(&description);
        let (names, descs): (Vec<String>, Vec<Option<String>>) = match &vd.name {
            Some(name) => {
                let names: Vec<String> = name.split(" -> ").map(|s| s.trim().to_string()).collect();
                let descs = if desc_labels.len() == names.len() {
                    desc_labels.into_iter().map(Some).collect()
                } else {
                    vec![None; names.len()]
                };
                (names, descs)
            }
            None => {
                let n = desc_labels.len();
                (
                    desc_labels.clone(),
                    desc_labels.into_iter().map(Some).take(n).collect(),
                )
            }
        };
        let parallelism = int(o, "parallelism").or(vd.parallelism);
        let first = job.operators.len();
        for (k, (name, desc)) in names.iter().zip(descs).enumerate() {
            job.operators.push(Operator {
                id: format!("{vid}#{k}"),
                name: name.clone(),
                description: desc,
                parallelism: parallelism.map_or(Field::Absent, Field::Value),
                max_parallelism: vd.max_parallelism.map_or(Field::Absent, Field::Value),
                slot_sharing_group: vd.slot_sharing_group.clone(),
                job_vertex_id: Some(vid.clone()),
                pos,
                ..Operator::default()
            });
            if k > 0 {
                job.edges.push(Edge {
                    source: format!("{vid}#{}", k - 1),
                    target: format!("{vid}#{k}"),
                    index: 0,
                    ship_strategy: Some("FORWARD".to_string()),
                    exchange: None,
                    pos,
                    ..Edge::default()
                });
            }
        }
        job.vertices.push(Vertex {
            id: vid.clone(),
            name: vd
                .name
                .clone()
                .unwrap_or_else(|| unescape_html(&description)),
            operators: (first..job.operators.len()).collect(),
            parallelism,
            max_parallelism: vd.max_parallelism,
            slot_sharing_group: vd.slot_sharing_group.clone(),
            pos,
        });
        let mut ins = Vec::new();
        if let Some(Value::Array(a)) = json::get(o, "inputs") {
            for i in &a.elements {
                let ipos = lines.pos(json::start(i));
                let Value::Object(i) = i else { continue };
                if let Some(src) = json::get(i, "id").and_then(json::string) {
                    ins.push((
                        src,
                        json::get(i, "ship_strategy").and_then(json::string),
                        json::get(i, "exchange").and_then(json::string),
                        ipos,
                    ));
                }
            }
        }
        inputs.push((vid, ins));
    }
    // Cross-vertex edges: from the producer's last operator to the consumer's head.
    for (vid, ins) in inputs {
        let Some(consumer) = job.vertices.iter().find(|v| v.id == vid) else {
            continue;
        };
        let Some(&head) = consumer.operators.first() else {
            continue;
        };
        for (src, ship, exchange, pos) in ins {
            let Some(producer) = job.vertices.iter().find(|v| v.id == src) else {
                continue;
            };
            let Some(&tail) = producer.operators.last() else {
                continue;
            };
            job.edges.push(Edge {
                source: job.operators[tail].id.clone(),
                target: job.operators[head].id.clone(),
                index: 0,
                ship_strategy: ship,
                exchange,
                pos,
                ..Edge::default()
            });
        }
    }
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{ "plan": { "jid": "8c3f2a3a0f1d4b59a3cbf0a9f1e2d3c4", "name": "orders-totals", "type": "STREAMING",
  "nodes": [
    { "id": "bc764cd8ddf7a0cff126f51c16239658", "parallelism": 8, "operator": "", "operator_strategy": "",
      "description": "Source: orders -&gt; Calc", "optimizer_properties": {} },
    { "id": "0a448493b4782967b150582570326227", "parallelism": 16, "operator": "", "operator_strategy": "",
      "description": "GroupAggregate -&gt; Sink: totals",
      "inputs": [ { "num": 0, "id": "bc764cd8ddf7a0cff126f51c16239658", "ship_strategy": "HASH",
                    "exchange": "pipelined_bounded" } ],
      "optimizer_properties": {} } ] } }"#;

    /// 2.x typed plan: `inputs` empty on sources, `optimizer_properties` a string, tree descriptions.
    const V2: &str = r#"{"plan":{"jid":"b8390d4c97d8eb8c0cbd79b8e2c4cf05","name":"j","type":"STREAMING","nodes":[
 {"id":"bc764cd8ddf7a0cff126f51c16239658","parallelism":1,"operator":"","operator_strategy":"","description":"[10]:TableSourceScan(table=[[t]])<br/>","inputs":[],"optimizer_properties":"{}"},
 {"id":"20ba6b65f97481d5570070de90e4e791","parallelism":2,"operator":"","operator_strategy":null,
  "description":"[11]:Calc(select=[a])<br/>+- [12]:WatermarkAssigner(rowtime=[ts])<br/>   +- [13]:Calc(where=[(a &gt; 50)])<br/>",
  "inputs":[{"num":0,"id":"bc764cd8ddf7a0cff126f51c16239658","ship_strategy":"REBALANCE","exchange":"pipelined_bounded","local_strategy":null}],
  "optimizer_properties":"{}"}]}}"#;

    fn job(t: &str) -> Job {
        read("g", t, &json::parse("g", t).unwrap()).unwrap()
    }

    #[test]
    fn reads_1x_shape() {
        let j = job(V1);
        let names: Vec<_> = j.operators.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            ["Source: orders", "Calc", "GroupAggregate", "Sink: totals"]
        );
        assert_eq!(j.vertices.len(), 2);
        let cross: Vec<_> = j
            .edges
            .iter()
            .filter(|e| e.ship_strategy.as_deref() == Some("HASH"))
            .collect();
        assert_eq!(cross.len(), 1);
        assert_eq!(cross[0].source, "bc764cd8ddf7a0cff126f51c16239658#1");
        assert_eq!(cross[0].target, "0a448493b4782967b150582570326227#0");
    }

    #[test]
    fn reads_2x_shape() {
        let j = job(V2);
        let names: Vec<_> = j.operators.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "[10]:TableSourceScan(table=[[t]])",
                "[11]:Calc(select=[a])",
                "[12]:WatermarkAssigner(rowtime=[ts])",
                "[13]:Calc(where=[(a > 50)])"
            ]
        );
        assert_eq!(j.vertices[1].operators, vec![1, 2, 3]);
        assert_eq!(j.vertices[1].parallelism, Some(2));
    }

    #[test]
    fn job_details_names_and_max_parallelism() {
        let t = r#"{"jid":"x","vertices":[{"id":"bc764cd8ddf7a0cff126f51c16239658","name":"Source: orders[10]","maxParallelism":128,"parallelism":1,"slotSharingGroupId":"abc"}],
 "plan":{"jid":"x","nodes":[{"id":"bc764cd8ddf7a0cff126f51c16239658","parallelism":1,"description":"[10]:TableSourceScan(table=[[t]])<br/>"}]}}"#;
        let j = job(t);
        assert_eq!(j.operators[0].name, "Source: orders[10]");
        assert_eq!(
            j.operators[0].description.as_deref(),
            Some("[10]:TableSourceScan(table=[[t]])")
        );
        assert_eq!(j.operators[0].max_parallelism, Field::Value(128));
        assert_eq!(j.vertices[0].slot_sharing_group.as_deref(), Some("abc"));
    }
}
