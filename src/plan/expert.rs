//! Format B: the expert-mode `resourcePlan` of fully managed Realtime Compute / Ververica
//! (formats.md §2).
//!
//! The plan may be stored as an escaped JSON string inside an API response (`resourcePlan` or
//! `plan`); it is then decoded with a map back to the outer file, so every position and every
//! edit refers to the file the user has. Resources live on slot-sharing groups, not on nodes, and
//! the chains are fixed by the `vertices` map.

use jsonc_parser::ast::Value;

use crate::diagnostic::{Diagnostic, Rule};
use crate::error::InputError;
use crate::format::Format;
use crate::json::{self, Embedded, LineIndex};
use crate::model::{Edge, Field, Job, Operator, Pos, Role, SlotSharingGroup, Vertex};
use crate::plan::blink::{float_field, int_field};
use crate::plan::Plan;
use crate::units;

/// Where the plan's text is: the file itself or a string inside it.
struct Source<'a> {
    lines: LineIndex<'a>,
    embedded: Option<&'a Embedded>,
}

impl Source<'_> {
    fn pos(&self, inner: usize) -> Pos {
        match self.embedded {
            Some(e) => self.lines.pos(e.outer.get(inner).copied().unwrap_or(0)),
            None => self.lines.pos(inner),
        }
    }
}

/// Finds a string field `resourcePlan` or `plan` holding an expert plan, at any depth.
fn find_wrapped<'v, 'a>(v: &'v Value<'a>, depth: usize) -> Option<(usize, usize)> {
    if depth > 8 {
        return None;
    }
    match v {
        Value::Object(o) => o.properties.iter().find_map(|p| match &p.value {
            Value::StringLit(s)
                if matches!(p.name.as_str(), "resourcePlan" | "plan")
                    && s.value.contains("\"ssgProfiles\"") =>
            {
                Some((s.range.start, s.range.end))
            }
            other => find_wrapped(other, depth + 1),
        }),
        Value::Array(a) => a.elements.iter().find_map(|e| find_wrapped(e, depth + 1)),
        _ => None,
    }
}

pub fn read(file: &str, text: &str, value: &Value<'_>) -> Result<Plan, InputError> {
    let lines = LineIndex::new(text);
    let is_plan = matches!(value, Value::Object(o) if json::get(o, "ssgProfiles").is_some() || json::get(o, "vertices").is_some());
    if is_plan {
        let src = Source {
            lines,
            embedded: None,
        };
        return read_plan(file, value, &src);
    }
    let Some((start, end)) = find_wrapped(value, 0) else {
        return Err(InputError::at(
            file,
            lines.pos(json::start(value)),
            "not an expert resource plan: no `ssgProfiles`, and no `resourcePlan`/`plan` string holding one",
        ));
    };
    let embedded = json::decode_embedded(text, start, end).ok_or_else(|| {
        InputError::at(
            file,
            lines.pos(start),
            "the embedded plan string has an invalid escape",
        )
    })?;
    let inner = match json::parse(file, &embedded.text) {
        Ok(v) => v,
        Err(mut e) => {
            // Re-point the error at the outer file.
            if let (Some(l), Some(c)) = (e.line, e.column) {
                let inner_offset = nth_offset(&embedded.text, l, c);
                let p = lines.pos(embedded.outer.get(inner_offset).copied().unwrap_or(start));
                e.line = Some(p.line);
                e.column = Some(p.column);
                e.message = format!("in the embedded plan string: {}", e.message);
            }
            return Err(e);
        }
    };
    let src = Source {
        lines,
        embedded: Some(&embedded),
    };
    let mut plan = read_plan(file, &inner, &src)?;
    plan.embedded = Some(embedded.clone());
    Ok(plan)
}

/// Byte offset of a 1-based line/column (characters) in `text`.
fn nth_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    text[line_start..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| line_start + i)
}

/// A memory field: a Flink memory string, or for `managed` an object of such strings (summed).
/// `Invalid` carries the reason, ready for a message.
fn memory(v: Option<&Value<'_>>) -> Field<f64> {
    match v {
        None | Some(Value::NullKeyword(_)) => Field::Absent,
        Some(Value::StringLit(s)) => match units::parse_memory(&s.value) {
            Ok(b) => Field::Value(units::bytes_to_mb(b)),
            Err(reason) => Field::Invalid(reason),
        },
        Some(Value::NumberLit(n)) => match n.value.parse::<f64>() {
            // A bare number is bytes in Flink's grammar.
            Ok(b) if b.is_finite() && b >= 0.0 => Field::Value(units::bytes_to_mb(b)),
            Ok(_) => Field::Invalid(format!("{} is negative or not finite", n.value)),
            Err(_) => Field::Invalid(format!("{} is not a memory size", n.value)),
        },
        Some(Value::Object(o)) => {
            let mut total = 0.0;
            for p in &o.properties {
                match memory(Some(&p.value)) {
                    Field::Value(mb) => total += mb,
                    Field::Invalid(r) => return Field::Invalid(r),
                    Field::Absent => {}
                }
            }
            if o.properties.is_empty() {
                Field::Absent
            } else {
                Field::Value(total)
            }
        }
        Some(other) => Field::Invalid(format!("{} is not a memory size", json::kind(other))),
    }
}

fn role_of(kind: &str) -> Role {
    if kind.contains("Source") {
        Role::Source
    } else if kind.contains("Sink") {
        Role::Sink
    } else {
        Role::Operator
    }
}

fn read_plan(file: &str, value: &Value<'_>, src: &Source<'_>) -> Result<Plan, InputError> {
    let Value::Object(top) = value else {
        return Err(InputError::at(
            file,
            src.pos(json::start(value)),
            "an expert plan must be a JSON object",
        ));
    };
    let mut findings = Vec::new();
    let mut job = Job::default();

    if let Some(Value::Array(ssgs)) = json::get(top, "ssgProfiles") {
        for g in &ssgs.elements {
            let pos = src.pos(json::start(g));
            let Value::Object(g) = g else {
                findings.push(Diagnostic::new(
                    Rule::PlanStructure,
                    pos,
                    "an ssgProfiles entry must be an object",
                ));
                continue;
            };
            let cpu = float_field(g, "cpu");
            job.slot_sharing_groups.push(SlotSharingGroup {
                name: json::get(g, "name")
                    .and_then(json::string)
                    .unwrap_or_default(),
                cpu,
                heap_mb: memory(json::get(g, "heap")),
                off_heap_mb: memory(json::get(g, "offHeap")),
                managed_mb: memory(json::get(g, "managed")),
                pos,
                offset: g.range.start,
            });
        }
    }

    let nodes = match json::get(top, "nodes") {
        Some(Value::Array(a)) => a,
        _ => {
            return Err(InputError::at(
                file,
                src.pos(top.range.start),
                "an expert plan needs a `nodes` array",
            ))
        }
    };
    let nodes_pos = src.pos(nodes.range.start);
    for n in &nodes.elements {
        let pos = src.pos(json::start(n));
        let Value::Object(o) = n else {
            findings.push(Diagnostic::new(
                Rule::PlanStructure,
                pos,
                format!("a node must be an object, found {}", json::kind(n)),
            ));
            continue;
        };
        let id = match int_field(o, "id") {
            Field::Value(i) => i.to_string(),
            Field::Absent => {
                findings.push(Diagnostic::new(
                    Rule::PlanStructure,
                    pos,
                    "node has no `id`",
                ));
                continue;
            }
            Field::Invalid(r) => {
                findings.push(Diagnostic::new(
                    Rule::PlanStructure,
                    pos,
                    format!("node id {r} is not an integer"),
                ));
                continue;
            }
        };
        let kind = json::get(o, "type").and_then(json::string);
        let desc = json::get(o, "desc").and_then(json::string);
        let profile = match json::get(o, "profile") {
            Some(Value::Object(p)) => Some(p),
            _ => None,
        };
        let pf = |k: &str| profile.map_or(Field::Absent, |p| int_field(p, k));
        job.operators.push(Operator {
            id,
            name: desc.clone().or_else(|| kind.clone()).unwrap_or_default(),
            description: kind.clone(),
            declared_role: kind.as_deref().map(role_of),
            parallelism: pf("parallelism"),
            max_parallelism: pf("maxParallelism"),
            min_parallelism: pf("minParallelism"),
            slot_sharing_group: profile
                .and_then(|p| json::get(p, "group"))
                .and_then(json::string),
            pos,
            offset: o.range.start,
            parallelism_object: profile.map_or(o.range.start, |p| p.range.start),
            ..Operator::default()
        });
    }

    match json::get(top, "edges") {
        Some(Value::Array(_)) => {}
        _ => findings.push(Diagnostic::new(
            Rule::PlanStructure,
            src.pos(top.range.start),
            "an expert plan needs an `edges` array (it may be empty)",
        )),
    }
    if let Some(Value::Array(edges)) = json::get(top, "edges") {
        for e in &edges.elements {
            let pos = src.pos(json::start(e));
            let Value::Object(o) = e else {
                findings.push(Diagnostic::new(
                    Rule::PlanStructure,
                    pos,
                    "an edge must be an object",
                ));
                continue;
            };
            let end = |k: &str| match int_field(o, k) {
                Field::Value(i) => Ok(i.to_string()),
                _ => Err(format!("edge has no integer `{k}`")),
            };
            match (end("source"), end("target")) {
                (Ok(source), Ok(target)) => job.edges.push(Edge {
                    source,
                    target,
                    index: 0,
                    ship_strategy: json::get(o, "strategy").and_then(json::string),
                    exchange: json::get(o, "mode").and_then(json::string),
                    pos,
                    offset: o.range.start,
                }),
                (Err(m), _) | (_, Err(m)) => {
                    findings.push(Diagnostic::new(Rule::PlanStructure, pos, m))
                }
            }
        }
    }

    if let Some(Value::Object(vs)) = json::get(top, "vertices") {
        let idx: std::collections::HashMap<String, usize> = job
            .operators
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.clone(), i))
            .rev()
            .collect();
        for p in &vs.properties {
            let pos = src.pos(p.range.start);
            let vid = p.name.as_str().to_string();
            let mut ops = Vec::new();
            if let Value::Array(a) = &p.value {
                for n in &a.elements {
                    let id = json::string(n).unwrap_or_default();
                    match idx.get(&id) {
                        Some(&i) => ops.push(i),
                        None => findings.push(Diagnostic::new(
                            Rule::PlanStructure,
                            pos,
                            format!("vertex {vid} lists node {id}, which is not in the plan"),
                        )),
                    }
                }
            } else {
                findings.push(Diagnostic::new(
                    Rule::PlanStructure,
                    pos,
                    format!("vertex {vid} must map to an array of node ids"),
                ));
            }
            for &i in &ops {
                if job.operators[i].job_vertex_id.is_none() {
                    job.operators[i].job_vertex_id = Some(vid.clone());
                }
            }
            let first = ops.first().map(|&i| &job.operators[i]);
            job.vertices.push(Vertex {
                id: vid,
                name: ops
                    .iter()
                    .map(|&i| job.operators[i].name.clone())
                    .collect::<Vec<_>>()
                    .join(" -> "),
                parallelism: first.and_then(|o| o.parallelism.value()),
                max_parallelism: first.and_then(|o| o.max_parallelism.value()),
                slot_sharing_group: first.and_then(|o| o.slot_sharing_group.clone()),
                operators: ops,
                pos,
            });
        }
    }

    Ok(Plan {
        file: file.to_string(),
        format: Format::Expert,
        job,
        nodes_pos,
        findings,
        embedded: None,
    })
}

/// A newly written expert plan.
pub struct Written {
    pub text: String,
    /// True when the graph did not name its job vertices, so the `vertices` keys are placeholders
    /// derived from the chains rather than Flink's JobVertexIDs.
    pub placeholder_vertex_ids: bool,
}

/// Defaults for a new plan's single slot profile (the shape of the only public example).
pub const DEFAULT_SLOT_CPU: f64 = 0.5;
pub const DEFAULT_SLOT_HEAP_MB: i64 = 1024;

/// Writes an expert plan for a graph: one node per operator, the graph's chains as vertices,
/// one slot profile per slot-sharing group.
pub fn write_init(graph: &Job, settings: &crate::plan::blink::InitSettings) -> Written {
    use serde_json::{json, Map, Value as J};
    let chains = crate::chaining::graph_chains(graph);
    let roles = graph.structural_roles();
    let numeric = graph.operators.iter().all(|o| o.id.parse::<i64>().is_ok());
    let node_id = |i: usize| -> i64 {
        if numeric {
            graph.operators[i].id.parse().unwrap_or(i as i64 + 1)
        } else {
            i as i64 + 1
        }
    };
    // Slot-sharing groups: REST job details name them by opaque ids; the plan needs names.
    let mut groups: Vec<Option<String>> = Vec::new();
    for o in &graph.operators {
        if !groups.contains(&o.slot_sharing_group) {
            groups.push(o.slot_sharing_group.clone());
        }
    }
    let group_name = |g: &Option<String>| -> String {
        let k = groups.iter().position(|x| x == g).unwrap_or(0);
        match (k, g) {
            (0, _) => "default".to_string(),
            (_, Some(name)) if !name.chars().all(|c| c.is_ascii_hexdigit()) => name.clone(),
            _ => format!("group-{}", k + 1),
        }
    };
    let cpu = settings.cpu.unwrap_or(DEFAULT_SLOT_CPU);
    let heap = settings.heap_memory_mb.unwrap_or(DEFAULT_SLOT_HEAP_MB);
    let profiles: Vec<J> = groups
        .iter()
        .map(|g| json!({"name": group_name(g), "cpu": cpu, "heap": crate::units::format_memory_mb(heap), "offHeap": "64 mb", "managed": {}, "extended": {}}))
        .collect();
    let parallelism = |o: &crate::model::Operator| {
        o.parallelism
            .value()
            .filter(|p| *p > 0)
            .unwrap_or(settings.default_parallelism)
    };
    let nodes: Vec<J> = graph
        .operators
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let kind = match roles[i] {
                Role::Source => "Source",
                Role::Sink => "Sink",
                Role::Operator => "Operator",
            };
            json!({
                "id": node_id(i),
                "type": kind,
                "desc": o.name,
                "profile": {
                    "group": group_name(&o.slot_sharing_group),
                    "parallelism": parallelism(o),
                    "maxParallelism": o.max_parallelism.value().filter(|m| *m > 0)
                        .unwrap_or_else(|| crate::model::default_max_parallelism(parallelism(o))),
                    "minParallelism": 1
                }
            })
        })
        .collect();
    let idx = graph.index();
    let edges: Vec<J> = graph
        .edges
        .iter()
        .filter_map(|e| {
            let (a, b) = (*idx.get(e.source.as_str())?, *idx.get(e.target.as_str())?);
            let batch = e.exchange.as_deref().is_some_and(|x| x.eq_ignore_ascii_case("batch"));
            Some(json!({
                "source": node_id(a),
                "target": node_id(b),
                "mode": if batch { "BATCH" } else { "PIPELINED" },
                "strategy": e.ship_strategy.clone().unwrap_or_else(|| "FORWARD".into()).to_uppercase(),
            }))
        })
        .collect();
    let placeholder = graph.vertices.is_empty();
    let mut vertices = Map::new();
    for chain in &chains.chains {
        let key = match chain
            .first()
            .and_then(|&i| graph.operators[i].job_vertex_id.clone())
        {
            Some(vid) if !placeholder => vid,
            _ => placeholder_id(chain.iter().map(|&i| node_id(i))),
        };
        vertices.insert(
            key,
            J::from(chain.iter().map(|&i| node_id(i)).collect::<Vec<_>>()),
        );
    }
    let doc = json!({"ssgProfiles": profiles, "nodes": nodes, "edges": edges, "vertices": J::Object(vertices)});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    Written {
        text,
        placeholder_vertex_ids: placeholder,
    }
}

/// A deterministic 32-hex key for a chain whose JobVertexID the graph does not give
/// (FNV-1a over the member ids, twice with different seeds).
fn placeholder_id(ids: impl Iterator<Item = i64> + Clone) -> String {
    let h = |seed: u64| {
        ids.clone().fold(seed, |acc, id| {
            id.to_le_bytes()
                .iter()
                .fold(acc, |a, b| (a ^ u64::from(*b)).wrapping_mul(0x100000001b3))
        })
    };
    format!(
        "{:016x}{:016x}",
        h(0xcbf29ce484222325),
        h(0x84222325cbf29ce4)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"ssgProfiles":[{"name":"default","cpu":0.5,"heap":"1 gb","offHeap":"64 mb","managed":{},"extended":{}}],
 "nodes":[
  {"id":1,"type":"StreamExecTableSourceScan","desc":"Source: orders[1]","profile":{"group":"default","parallelism":4,"maxParallelism":128,"minParallelism":1}},
  {"id":2,"type":"StreamExecCalc","desc":"Calc[2]","profile":{"group":"default","parallelism":4,"maxParallelism":128,"minParallelism":1}},
  {"id":3,"type":"StreamExecGroupAggregate","desc":"GroupAggregate[4]","profile":{"group":"default","parallelism":8,"maxParallelism":128,"minParallelism":1}},
  {"id":4,"type":"StreamExecSink","desc":"Sink: totals[5]","profile":{"group":"default","parallelism":8,"maxParallelism":128,"minParallelism":1}}],
 "edges":[{"source":1,"target":2,"mode":"PIPELINED","strategy":"FORWARD"},
          {"source":2,"target":3,"mode":"PIPELINED","strategy":"HASH"},
          {"source":3,"target":4,"mode":"PIPELINED","strategy":"FORWARD"}],
 "vertices":{"0a448493b4782967b150582570326227":[1,2],"ea632d67b7d595e5b851708ae9ad79d6":[3,4]}}"#;

    #[test]
    fn reads_the_spec_example() {
        let p = crate::plan::read("p", EXAMPLE, None).unwrap();
        assert_eq!(p.format, Format::Expert);
        assert!(p.findings.is_empty(), "{:?}", p.findings);
        assert_eq!(p.job.operators.len(), 4);
        assert_eq!(p.job.vertices.len(), 2);
        assert_eq!(p.job.vertices[1].operators, vec![2, 3]);
        let g = &p.job.slot_sharing_groups[0];
        assert_eq!(
            (
                g.heap_mb.value(),
                g.off_heap_mb.value(),
                g.managed_mb.value()
            ),
            (Some(1024.0), Some(64.0), None)
        );
        assert_eq!(p.job.operators[0].declared_role, Some(Role::Source));
        assert_eq!(p.job.operators[2].pos, Pos { line: 5, column: 3 });
    }

    #[test]
    fn wrapped_plan_positions_point_into_the_outer_file() {
        let inner = serde_json::Value::String(EXAMPLE.to_string()).to_string();
        let outer = format!("{{\n  \"ticketStatus\": \"FINISHED\",\n  \"plan\": {inner}\n}}\n");
        let p = crate::plan::read("w", &outer, None).unwrap();
        assert_eq!(p.format, Format::Expert);
        assert_eq!(p.job.operators.len(), 4);
        // Everything is on line 3 of the outer file, at the node's `{` inside the string.
        let pos = p.job.operators[1].pos;
        assert_eq!(pos.line, 3);
        let line = outer.lines().nth(2).unwrap();
        let byte = line.char_indices().nth(pos.column - 1).unwrap().0;
        assert!(
            line[byte..].starts_with("{\\\"id\\\":2"),
            "{}",
            &line[byte..byte + 12]
        );
        assert!(p.embedded.is_some());
    }

    #[test]
    fn malformed_embedded_plan_error_points_into_the_outer_file() {
        let outer = "{\"resourcePlan\": \"{\\\"ssgProfiles\\\": [,]}\"}";
        let e = crate::plan::read("w", outer, None).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("embedded plan"), "{}", e.message);
        assert!(e.column.unwrap() > 17);
    }
}
