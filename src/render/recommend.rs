//! Output of `recommend`: a table with the reasons, the JSON of spec/outputs.md, and the formats
//! Flink and the platforms accept (parallelism overrides, the resource-requirements REST body).

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use serde_json::{json, Map, Value};

use crate::recommend::Outcome;
use crate::render::{number, short, VERSION};
use crate::settings::InEffect;

fn opt(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_infinite() => "∞".into(),
        Some(v) if v.is_finite() => short(v),
        _ => "-".into(),
    }
}

pub fn text(o: &Outcome) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(100)
        .set_header(vec![
            "vertex",
            "p",
            "→",
            "TPR rec/s",
            "target rec/s",
            "busy",
            "action",
            "bounded by",
        ]);
    for v in &o.vertices {
        t.add_row(vec![
            Cell::new(&v.vertex.name),
            Cell::new(v.current_parallelism).set_alignment(CellAlignment::Right),
            Cell::new(v.recommended_parallelism).set_alignment(CellAlignment::Right),
            Cell::new(opt(v.true_processing_rate)).set_alignment(CellAlignment::Right),
            Cell::new(opt(v.target_rate)).set_alignment(CellAlignment::Right),
            Cell::new(opt(v.utilization)).set_alignment(CellAlignment::Right),
            Cell::new(v.action),
            Cell::new(v.bounded_by.unwrap_or("")),
        ]);
    }
    let mut s = format!("{t}\n");
    for v in &o.vertices {
        s.push_str(&format!("{}: {}", v.vertex.name, v.reason));
        if v.num_source_partitions > 0 {
            s.push_str(&format!(
                " ({} partitions, counted from its offset metrics: its parallelism is aligned to them{})",
                v.num_source_partitions,
                if o.caps_at_partitions { " and capped at them" } else { "" }
            ));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "CU: {} -> {}\n",
        short(o.cu_current),
        short(o.cu_recommended)
    ));
    s
}

/// `options`: every autoscaler option in effect, with where its value came from.
pub fn json(o: &Outcome, options: &[InEffect]) -> String {
    let vertices: Vec<Value> = o
        .vertices
        .iter()
        .map(|v| {
            json!({
                "id": v.vertex.id,
                "name": v.vertex.name,
                "is_source": v.vertex.is_source(),
                "current_parallelism": v.current_parallelism,
                "recommended_parallelism": v.recommended_parallelism,
                "max_parallelism": v.vertex.max_parallelism,
                "true_processing_rate": v.true_processing_rate.map(number),
                "target_rate": v.target_rate.map(number),
                "catch_up_rate": v.catch_up_rate.map(number),
                "observed_rate": v.observed_rate.map(number),
                "utilization": v.utilization.map(number),
                "action": v.action,
                "bounded_by": v.bounded_by,
                "reason": v.reason,
                "num_source_partitions": v.num_source_partitions,
                "coverage": {
                    "needs": v.coverage.needs.iter().map(|i| i.name()).collect::<Vec<_>>(),
                    "missing": v.coverage.missing.iter().map(|i| i.name()).collect::<Vec<_>>(),
                },
                "nodes": v.vertex.node_ids,
            })
        })
        .collect();
    let doc = json!({
        "planscale_version": VERSION,
        "evaluated_at": o.evaluated_at_ms,
        "window_ms": o.window_ms,
        "vertices": vertices,
        "total_cu": {"current": number(o.cu_current), "recommended": number(o.cu_recommended)},
        "warnings": o.warnings,
        "options": options.iter().map(|i| json!({
            "key": i.key,
            "value": i.value,
            "source": i.origin.to_string(),
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `pipeline.jobvertex-parallelism-overrides: id:p,id:p` for every vertex, as the autoscaler
/// writes it.
pub fn overrides(o: &Outcome) -> String {
    let pairs: Vec<String> = o
        .vertices
        .iter()
        .map(|v| format!("{}:{}", v.vertex.id, v.recommended_parallelism))
        .collect();
    format!(
        "pipeline.jobvertex-parallelism-overrides: {}\n",
        pairs.join(",")
    )
}

/// A JSON merge patch for the `FlinkDeployment` (or `FlinkSessionJob`) given with `--config`: it
/// sets `spec.flinkConfiguration."pipeline.jobvertex-parallelism-overrides"`, the key the
/// operator's own realizer writes, for every vertex. `kubectl patch KIND NAME --type merge
/// --patch-file FILE` applies it; JSON is YAML too.
pub fn flinkdeployment_patch(
    o: &Outcome,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> String {
    let pairs: Vec<String> = o
        .vertices
        .iter()
        .map(|v| format!("{}:{}", v.vertex.id, v.recommended_parallelism))
        .collect();
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    let doc = json!({
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": kind,
        "metadata": metadata,
        "spec": {"flinkConfiguration": {
            "pipeline.jobvertex-parallelism-overrides": pairs.join(","),
        }},
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The body of `PUT /jobs/<id>/resource-requirements`: every vertex, lower bound 1, upper bound
/// the recommendation.
pub fn resource_requirements(o: &Outcome) -> String {
    let mut m = Map::new();
    for v in &o.vertices {
        m.insert(
            v.vertex.id.clone(),
            json!({"parallelism": {"lowerBound": 1, "upperBound": v.recommended_parallelism}}),
        );
    }
    let mut s = serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default();
    s.push('\n');
    s
}
