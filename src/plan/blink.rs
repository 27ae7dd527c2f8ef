//! Format A: the Blink PlanJSON (spec/formats.md §1).
//!
//! Reading is lenient where the Blink launcher is (comments, numeric strings, `"null"` and `""`
//! chaining strategies, `vcore` or `core`) and records everything else as findings so that one bad
//! node does not hide the rest of the report. The writer produces the Jackson default pretty-printer
//! style the console writes (`"key" : value`, two-space indent, `[ {` ... `}, {` ... `} ]`).

use jsonc_parser::ast::{Object, Value};

use crate::diagnostic::{Diagnostic, Rule};
use crate::error::InputError;
use crate::format::Format;
use crate::json::{self, LineIndex, Num};
use crate::model::{
    ChainingStrategy, Edge, Field, Job, JobManager, Operator, Pos, Resources, Role,
};
use crate::plan::Plan;

/// Top-level keys the launcher knows (§1.2); others are kept but reported.
const KNOWN_TOP_LEVEL: &[&str] = &[
    "nodes",
    "links",
    "global",
    "statefulNodes",
    "parameters",
    "resourceSettings",
    "autoConfig",
    "vertexAdjustments",
    "vertices",
    "subDags",
    "workers",
];

pub fn read(file: &str, text: &str, value: &Value<'_>) -> Result<Plan, InputError> {
    let lines = LineIndex::new(text);
    let top = json::top_object(file, &lines, value, "a Blink plan")?;
    let mut findings = Vec::new();
    let top_pos = lines.pos(top.range.start);

    let nodes = match json::get(top, "nodes") {
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(InputError::at(
                file,
                lines.pos(json::start(other)),
                format!("`nodes` must be an array, found {}", json::kind(other)),
            ))
        }
        None => {
            return Err(InputError::at(
                file,
                top_pos,
                "a Blink plan needs a `nodes` array",
            ))
        }
    };
    let nodes_pos = lines.pos(nodes.range.start);

    for prop in &top.properties {
        let key = prop.name.as_str();
        if !KNOWN_TOP_LEVEL.contains(&key) {
            findings.push(
                Diagnostic::new(
                    Rule::PlanStructure,
                    lines.pos(prop.range.start),
                    format!("unknown top-level key `{key}`: the Blink launcher rejects keys it does not know"),
                )
                .warning(),
            );
        }
    }

    let mut job = Job::default();
    for n in &nodes.elements {
        let pos = lines.pos(json::start(n));
        let Value::Object(o) = n else {
            findings.push(Diagnostic::new(
                Rule::PlanStructure,
                pos,
                format!("a node must be an object, found {}", json::kind(n)),
            ));
            continue;
        };
        match read_node(o, pos, o.range.start) {
            Ok(op) => job.operators.push(op),
            Err(msg) => findings.push(Diagnostic::new(Rule::PlanStructure, pos, msg)),
        }
    }

    match json::get(top, "links") {
        Some(Value::Array(links)) => {
            for l in &links.elements {
                let pos = lines.pos(json::start(l));
                let Value::Object(o) = l else {
                    findings.push(Diagnostic::new(
                        Rule::PlanStructure,
                        pos,
                        format!("a link must be an object, found {}", json::kind(l)),
                    ));
                    continue;
                };
                match read_link(o, pos, o.range.start) {
                    Ok(e) => job.edges.push(e),
                    Err(msg) => findings.push(Diagnostic::new(Rule::PlanStructure, pos, msg)),
                }
            }
        }
        Some(Value::NullKeyword(_)) | None => {}
        Some(other) => {
            return Err(InputError::at(
                file,
                lines.pos(json::start(other)),
                format!("`links` must be an array, found {}", json::kind(other)),
            ))
        }
    }

    job.job_manager = read_global(top);
    Ok(Plan {
        file: file.to_string(),
        format: Format::Blink,
        job,
        nodes_pos,
        findings,
        embedded: None,
    })
}

/// An integer id; Blink coerces numeric strings.
fn int_id(v: &Value<'_>) -> Result<String, String> {
    match json::number(v) {
        Some(Num::Value(x)) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
            Ok(format!("{}", x as i64))
        }
        Some(Num::Value(x)) => Err(format!("{x}")),
        Some(Num::Invalid(raw)) => Err(raw),
        None => Err("null".to_string()),
    }
}

/// An integer field (numeric strings accepted, as the platforms do); a fraction or an
/// out-of-range value is `Invalid` with its text.
pub(crate) fn int_field(o: &Object<'_>, key: &str) -> Field<i64> {
    match json::get(o, key).and_then(json::number) {
        None => Field::Absent,
        Some(Num::Value(x)) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
            Field::Value(x as i64)
        }
        Some(Num::Value(x)) => Field::Invalid(format!("{x}")),
        Some(Num::Invalid(raw)) => Field::Invalid(raw),
    }
}

/// A number field (numeric strings accepted); non-numbers are `Invalid` with their text.
pub(crate) fn float_field(o: &Object<'_>, key: &str) -> Field<f64> {
    match json::get(o, key).and_then(json::number) {
        None => Field::Absent,
        Some(Num::Value(x)) => Field::Value(x),
        Some(Num::Invalid(raw)) => Field::Invalid(raw),
    }
}

fn str_field(o: &Object<'_>, key: &str) -> Option<String> {
    json::get(o, key).and_then(json::string)
}

fn read_node(o: &Object<'_>, pos: Pos, offset: usize) -> Result<Operator, String> {
    let id = match json::get(o, "id") {
        None => return Err("node has no `id`".to_string()),
        Some(v) => int_id(v).map_err(|raw| format!("node id {raw} is not an integer"))?,
    };
    let (chaining, chaining_invalid) = match json::get(o, "chainingStrategy") {
        None | Some(Value::NullKeyword(_)) => (None, None),
        Some(v) => match json::string(v) {
            Some(s) if s.trim().is_empty() || s.trim() == "null" => (None, None),
            Some(s) => match ChainingStrategy::parse(&s) {
                // Blink has no HEAD_WITH_SOURCES (§1.7).
                Some(ChainingStrategy::HeadWithSources) | None => (None, Some(s)),
                Some(c) => (Some(c), None),
            },
            None => (None, Some(json::kind(v).to_string())),
        },
    };
    let cpu_key = if json::get(o, "vcore").is_some() || json::get(o, "core").is_none() {
        "vcore"
    } else {
        "core"
    };
    let resources = Resources {
        cpu: float_field(o, cpu_key),
        cpu_key,
        heap_mb: float_field(o, "heap_memory"),
        direct_mb: float_field(o, "direct_memory"),
        native_mb: float_field(o, "native_memory"),
        managed_mb: float_field(o, "managed_memory"),
    };
    Ok(Operator {
        id,
        name: str_field(o, "name").unwrap_or_default(),
        description: None,
        declared_role: str_field(o, "pact").as_deref().and_then(Role::from_pact),
        parallelism: int_field(o, "parallelism"),
        max_parallelism: int_field(o, "maxParallelism"),
        min_parallelism: Field::Absent,
        slot_sharing_group: str_field(o, "slotSharingGroup").filter(|s| !s.is_empty()),
        chaining,
        chaining_invalid,
        resources: Some(resources),
        job_vertex_id: None,
        pos,
        offset,
        parallelism_object: offset,
    })
}

fn read_link(o: &Object<'_>, pos: Pos, offset: usize) -> Result<Edge, String> {
    let end = |key: &str| match json::get(o, key) {
        None => Err(format!("link has no `{key}`")),
        Some(v) => int_id(v).map_err(|raw| format!("link {key} {raw} is not an integer node id")),
    };
    let source = end("source")?;
    let target = end("target")?;
    let index = match int_field(o, "index") {
        Field::Value(i) => i,
        _ => 0,
    };
    Ok(Edge {
        source,
        target,
        index,
        ship_strategy: str_field(o, "ship_strategy"),
        exchange: None,
        pos,
        offset,
    })
}

fn read_global(top: &Object<'_>) -> Option<JobManager> {
    let Some(Value::Array(g)) = json::get(top, "global") else {
        return None;
    };
    let Some(Value::Object(g)) = g.elements.first() else {
        return None;
    };
    let cpu = float_field(g, "jobManagerCpuCores").value();
    let mem = float_field(g, "jobManagerMemoryInMB").value();
    if cpu.is_none() && mem.is_none() {
        return None;
    }
    let clean = |x: Option<f64>| x.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0);
    Some(JobManager {
        cpu: clean(cpu),
        memory_mb: clean(mem),
    })
}

/// Settings for a newly written plan (what "acquire configuration" would choose). Resource
/// values are `None` unless the user set them, so each format can apply its own default.
#[derive(Debug, Clone)]
pub struct InitSettings {
    /// CPU cores: per operator (Blink) or per slot (expert).
    pub cpu: Option<f64>,
    /// Heap MB: per operator (Blink) or per slot (expert).
    pub heap_memory_mb: Option<i64>,
    /// Parallelism for nodes whose graph does not record one.
    pub default_parallelism: i64,
}

impl Default for InitSettings {
    fn default() -> Self {
        InitSettings {
            cpu: None,
            heap_memory_mb: None,
            default_parallelism: 1,
        }
    }
}

/// The generator's defaults (`blink.resource.allocation.operator.default.*`).
pub const DEFAULT_VCORE: f64 = 0.25;
pub const DEFAULT_HEAP_MB: i64 = 256;

/// Writes a fresh Blink plan for a graph, as the console's "acquire configuration" would:
/// ids and uids from the stream node ids, `pact` from the graph's shape, names normalised,
/// sources `HEAD`, defaults omitted, links with the graph's ship strategies.
pub fn write_init(graph: &Job, settings: &InitSettings) -> String {
    let roles = graph.structural_roles();
    // The generator walks stream nodes by id, and links source by source.
    let numeric = |id: &str| id.parse::<i64>().unwrap_or(i64::MAX);
    let mut order: Vec<usize> = (0..graph.operators.len()).collect();
    order.sort_by_key(|&i| numeric(&graph.operators[i].id));
    let mut edges: Vec<&crate::model::Edge> = graph.edges.iter().collect();
    edges.sort_by_key(|e| numeric(&e.source));
    let mut out = String::from("{\n  \"nodes\" : [ ");
    for (n, &i) in order.iter().enumerate() {
        let op = &graph.operators[i];
        if n > 0 {
            out.push_str(", ");
        }
        let graph_max = op.max_parallelism.value().filter(|m| *m > 0);
        let p = op
            .parallelism
            .value()
            .filter(|p| *p > 0)
            .unwrap_or(match graph_max {
                Some(m) => settings.default_parallelism.min(m),
                None => settings.default_parallelism,
            });
        // Without one in the graph (an execution plan has none), the max parallelism Flink
        // gives the job when none is configured: what its state is keyed by.
        let max_p = graph_max.unwrap_or_else(|| crate::model::default_max_parallelism(p));
        let pact = match roles[i] {
            Role::Source => "Source",
            Role::Sink => "Sink",
            Role::Operator => "Operator",
        };
        let mut fields: Vec<(&str, String)> = vec![
            ("id", op.id.clone()),
            ("uid", json_str(&op.id)),
            ("name", json_str(&node_name(&op.name))),
            ("pact", json_str(pact)),
        ];
        if let Some(g) = op.slot_sharing_group.as_deref().filter(|g| *g != "default") {
            fields.push(("slotSharingGroup", json_str(g)));
        }
        if roles[i] == Role::Source {
            fields.push(("chainingStrategy", json_str("HEAD")));
        }
        fields.push(("parallelism", p.to_string()));
        fields.push(("maxParallelism", max_p.to_string()));
        fields.push(("vcore", json_num(settings.cpu.unwrap_or(DEFAULT_VCORE))));
        fields.push((
            "heap_memory",
            settings
                .heap_memory_mb
                .unwrap_or(DEFAULT_HEAP_MB)
                .to_string(),
        ));
        out.push_str("{\n");
        for (k, (key, val)) in fields.iter().enumerate() {
            out.push_str(&format!("    \"{key}\" : {val}"));
            out.push_str(if k + 1 < fields.len() { ",\n" } else { "\n" });
        }
        out.push_str("  }");
    }
    out.push_str(" ],\n  \"links\" : [ ");
    let mut index_seen: std::collections::HashMap<(&str, &str), i64> = Default::default();
    for (i, e) in edges.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let idx = index_seen.entry((&e.source, &e.target)).or_insert(0);
        let mut fields = vec![("source", e.source.clone()), ("target", e.target.clone())];
        if *idx > 0 {
            fields.push(("index", idx.to_string()));
        }
        *idx += 1;
        fields.push((
            "ship_strategy",
            json_str(e.ship_strategy.as_deref().unwrap_or("FORWARD")),
        ));
        out.push_str("{\n");
        for (k, (key, val)) in fields.iter().enumerate() {
            out.push_str(&format!("    \"{key}\" : {val}"));
            out.push_str(if k + 1 < fields.len() { ",\n" } else { "\n" });
        }
        out.push_str("  }");
    }
    out.push_str(" ]\n}\n");
    out
}

/// The generator's name normalisation (§1.3): truncate to 168 characters, drop control
/// characters, trim, and remove the `Source: `/`Sink: ` prefix the console adds back itself.
pub fn node_name(name: &str) -> String {
    let truncated: String = name.chars().take(168).collect();
    let filtered: String = truncated.chars().filter(|c| !c.is_control()).collect();
    let t = filtered.trim();
    let t = t.strip_prefix("Source: ").unwrap_or(t);
    let t = t.strip_prefix("Sink: ").unwrap_or(t);
    t.to_string()
}

pub(crate) fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

pub(crate) fn json_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"// acquired 2026-11-20
{
  "global" : [ { "isChainingEnabled" : "true", "jobManagerCpuCores" : 1.0, "jobManagerMemoryInMB" : 4096 } ],
  "nodes" : [ {
    "id" : 1, "uid" : "1", "name" : "KafkaSource-orders", "pact" : "Source",
    "chainingStrategy" : "HEAD", "parallelism" : 8, "maxParallelism" : 32768,
    "vcore" : 0.25, "heap_memory" : 256
  }, {
    /* edited by hand */
    "id" : "2", "name" : "Calc", "pact" : "Operator", "chainingStrategy" : "null",
    "parallelism" : 8, "core" : "0.5", "heap_memory" : 256
  } ],
  "links" : [ { "source" : 1, "target" : 2, "ship_strategy" : "" } ],
  "custom" : 1
}"#;

    fn plan() -> Plan {
        let v = json::parse("p", EXAMPLE).unwrap();
        read("p", EXAMPLE, &v).unwrap()
    }

    #[test]
    fn reads_nodes_links_and_positions() {
        let p = plan();
        assert_eq!(p.job.operators.len(), 2);
        let n1 = &p.job.operators[0];
        assert_eq!(
            (n1.id.as_str(), n1.pos),
            (
                "1",
                Pos {
                    line: 4,
                    column: 15
                }
            )
        );
        assert_eq!(n1.chaining, Some(ChainingStrategy::Head));
        assert_eq!(n1.declared_role, Some(Role::Source));
        let n2 = &p.job.operators[1];
        assert_eq!(n2.id, "2");
        assert_eq!(n2.chaining, None, "\"null\" means the default");
        let r = n2.resources.as_ref().unwrap();
        assert_eq!((r.cpu_key, r.cpu.value()), ("core", Some(0.5)));
        assert_eq!(p.job.edges[0].ship_strategy.as_deref(), Some(""));
        assert_eq!(
            p.job.edges[0].pos,
            Pos {
                line: 13,
                column: 15
            }
        );
        assert_eq!(
            p.job.job_manager,
            Some(JobManager {
                cpu: 1.0,
                memory_mb: 4096.0
            })
        );
    }

    #[test]
    fn unknown_top_level_key_is_a_warning() {
        let p = plan();
        assert_eq!(p.findings.len(), 1);
        assert!(p.findings[0].message.contains("`custom`"));
        assert_eq!(p.findings[0].severity, crate::diagnostic::Severity::Warning);
    }

    #[test]
    fn bad_node_id_is_a_finding_not_a_crash() {
        let t = r#"{"nodes":[{"id":"x"},{"id":1.5},{"name":"n"},3],"links":[{"source":1}]}"#;
        let v = json::parse("p", t).unwrap();
        let p = read("p", t, &v).unwrap();
        assert!(p.job.operators.is_empty());
        assert_eq!(p.findings.len(), 5, "{:#?}", p.findings);
    }

    #[test]
    fn node_name_normalisation() {
        assert_eq!(node_name("Source: orders[10]"), "orders[10]");
        assert_eq!(node_name("  Sink: out "), "out");
        assert_eq!(node_name(&"x".repeat(200)).len(), 168);
    }
}
