//! Output of `recommend`: a table with the reasons, the JSON of spec/outputs.md, and the formats
//! Flink and the platforms accept (parallelism overrides, the resource-requirements REST body).

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};

use crate::recommend::{Bound, Explained, Outcome, Reason, Warning};
use crate::render::{number, short, VERSION};
use crate::settings::InEffect;

fn opt(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_infinite() => "∞".into(),
        Some(v) if v.is_finite() => short(v),
        _ => "-".into(),
    }
}

/// The contract's name of a bound (outputs.md `bounded_by`).
pub fn bound_name(b: Bound) -> &'static str {
    match b {
        Bound::ScaleUpMaxFactor => "scale-up-max-factor",
        Bound::ScaleDownMaxFactor => "scale-down-max-factor",
        Bound::MinParallelism => "min-parallelism",
        Bound::MaxParallelism => "max-parallelism",
        Bound::KeyGroupAlignment => "key-group-alignment",
        Bound::SourcePartitions => "source-partitions",
        Bound::UtilizationBand => "utilization-band",
        Bound::Excluded => "excluded",
        Bound::NoMetrics => "no-metrics",
        Bound::MissingMetrics => "missing-metrics",
        Bound::CuBudget => "cu-budget",
    }
}

/// A rate as the reasons print it: whole records per second.
fn rate(x: f64) -> String {
    if !x.is_finite() {
        return if x > 0.0 {
            "unlimited".into()
        } else {
            "unknown".into()
        };
    }
    format!("{:.0}", x)
}

/// Why a vertex got its parallelism, in words.
/// `recommended`: the parallelism it ends at (named when the CU budget held it there).
pub fn reason_text(e: &Explained, recommended: i64) -> String {
    let mut s = match &e.reason {
        Reason::Excluded => {
            "excluded: no busy time to judge it by (or listed in vertex.exclude.ids)".to_string()
        }
        Reason::MemoryPressure => "held: the job is under memory pressure".to_string(),
        Reason::WithinBand { from, to } => format!(
            "would go {from} -> {to}, but every changing vertex is inside its utilization band"
        ),
        Reason::Sized {
            target,
            utilization,
            subtasks,
            per_subtask,
        } => format!(
            "target {} rec/s at utilization {utilization} needs {subtasks} subtasks of {} rec/s",
            rate(*target),
            rate(*per_subtask)
        ),
        Reason::DelayedScaleDown {
            processing,
            band_top,
            to,
            interval_s,
            keeps,
        } => format!(
            "processing {} rec/s is above the band's top {} rec/s; the autoscaler delays scale-downs (to {to} here) by job.autoscaler.scale-down.interval ({interval_s} s) and keeps {keeps} for now",
            rate(*processing),
            rate(*band_top)
        ),
        Reason::NoTrueProcessingRate => {
            "no true processing rate in the window (no busy time or no input)".to_string()
        }
        Reason::NoTargetRate => "no target rate in the window".to_string(),
        Reason::AlignmentBlocked => {
            "alignment to key groups or partitions found no parallelism in the scaling direction"
                .to_string()
        }
        Reason::Ineffective => {
            "the previous scale-up did not deliver the expected throughput".to_string()
        }
        Reason::InsideBand {
            processing,
            target,
            low,
            high,
        } => format!(
            "processing {} rec/s against a target of {} rec/s is inside the band [{}, {}]",
            rate(*processing),
            rate(*target),
            rate(*low),
            rate(*high)
        ),
        Reason::KeptByBounds {
            processing,
            target,
            keeps,
            bound,
        } => format!(
            "processing {} rec/s against a target of {} rec/s, but the bounds keep it at {keeps}{}",
            rate(*processing),
            rate(*target),
            bound.map_or(String::new(), |b| format!(" ({})", bound_name(b)))
        ),
        Reason::NoMetrics => "no metrics for this vertex".to_string(),
        Reason::HiddenDemand {
            busy,
            source,
            backpressured_ms,
            processed,
            subtasks,
            utilization,
        } => format!(
            "busy {:.0}% behind source {source}, backpressured {backpressured_ms:.0} ms/s without a lag metric: its demand is at least the {} rec/s it processes; {subtasks} subtasks bring it to utilization {utilization} (planscale estimate; --exact for the autoscaler alone)",
            busy * 100.0,
            rate(*processed)
        ),
        Reason::NoDecision { vertex, metric } => format!(
            "no decision: vertex {vertex} has no {metric} in the recording, and the autoscaler decides nothing without it (upstream's collector stops with MetricNotFoundException)"
        ),
    };
    if e.held_by_budget {
        s.push_str(&format!("; held at {recommended} by the CU budget"));
    }
    s
}

/// A warning about the recommendation, in words (without the `warning: ` prefix).
pub fn warning_text(w: &Warning) -> String {
    match w {
        Warning::Recording(w) => crate::render::metrics::read_warning(w),
        Warning::RescaledInWindow { after_ms } => format!(
            "the job was rescaled inside the window: only samples after {after_ms} ms are evaluated, as the autoscaler resets its metric history at a restart"
        ),
        Warning::MissingInputs {
            vertex,
            metrics,
            lag_zero,
        } => format!(
            "vertex {vertex}: the recording has no {}{}",
            metrics.join(", no "),
            if *lag_zero {
                " (upstream takes a lag of 0)"
            } else {
                ""
            }
        ),
        Warning::NoMetrics { vertex } => {
            format!("vertex {vertex} has no metrics and keeps its parallelism")
        }
        Warning::HiddenDemand {
            source,
            backpressured_ms,
            emitted,
        } => format!(
            "source {source} is backpressured ({backpressured_ms:.0} ms/s) and reports no lag (pendingRecords): its true demand is unknown and at least the {emitted:.0} rec/s it emits"
        ),
        Warning::Integrated => "records in/out were integrated from the per-second rates (the file has no cumulative counters)".to_string(),
        Warning::Stall {
            vertex,
            current,
            busy,
            source,
            backpressured_ms,
            processed,
            estimate,
        } => format!(
            "vertex {vertex}: the autoscaler alone keeps it at {current} although it is busy {:.0}% behind source {source} (backpressured {backpressured_ms:.0} ms/s, no lag metric): it sees the {} rec/s it processes as its whole demand and stalls there; without --exact planscale estimates {estimate}",
            busy * 100.0,
            rate(*processed)
        ),
        Warning::OverBudget { cu, max } => {
            format!("even without scale-ups the job needs {cu:.2} CU, above --max-cu {max}")
        }
        Warning::HeldByBudget {
            vertex,
            parallelism,
        } => format!("vertex {vertex} held at parallelism {parallelism} by the CU budget"),
    }
}

pub fn text(o: &Outcome) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
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
            Cell::new(crate::render::short_vertex_name(&v.vertex.name)),
            Cell::new(v.current_parallelism).set_alignment(CellAlignment::Right),
            Cell::new(v.recommended_parallelism).set_alignment(CellAlignment::Right),
            Cell::new(opt(v.true_processing_rate)).set_alignment(CellAlignment::Right),
            Cell::new(opt(v.target_rate)).set_alignment(CellAlignment::Right),
            Cell::new(opt(v.utilization)).set_alignment(CellAlignment::Right),
            Cell::new(v.action.as_str()),
            Cell::new(v.bounded_by.map_or("", bound_name)),
        ]);
    }
    crate::render::fit(&mut t);
    let mut s = format!("{t}\n");
    for v in &o.vertices {
        s.push_str(&format!(
            "{}: {}",
            crate::render::short_vertex_name(&v.vertex.name),
            reason_text(&v.reason, v.recommended_parallelism)
        ));
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
                "action": v.action.as_str(),
                "bounded_by": v.bounded_by.map(bound_name),
                "reason": reason_text(&v.reason, v.recommended_parallelism),
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
        "warnings": o.warnings.iter().map(warning_text).collect::<Vec<_>>(),
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
    let mut conf = Map::new();
    conf.insert(
        "pipeline.jobvertex-parallelism-overrides".into(),
        json!(pairs.join(",")),
    );
    merge_patch(kind, name, namespace, conf)
}

/// A JSON merge patch of a `FlinkDeployment` or `FlinkSessionJob` that sets `conf` in
/// `spec.flinkConfiguration` (what `recommend` and `tune` write with `--write-patch`).
pub(crate) fn merge_patch(
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    conf: Map<String, Value>,
) -> String {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    let doc = json!({
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": kind,
        "metadata": metadata,
        "spec": {"flinkConfiguration": Value::Object(conf)},
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
