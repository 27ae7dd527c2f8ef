//! Output of `simulate`: the per-policy summary table, the JSON of spec/outputs.md, and the
//! per-step timeline CSV.

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};

use crate::render::{number, short, VERSION};
use crate::sim::engine::{Summary, WarmUp};
use crate::sim::restart::{Restart, RestartSource};
use crate::sim::timeline::Step;

/// One policy's result with what the renderers need to label it.
pub struct PolicyResult<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    /// A closed platform's policy is a model, and every output says so.
    pub model: bool,
    pub summary: &'a Summary,
    /// The settings the policy ran with, and where each came from.
    pub options: &'a [crate::settings::InEffect],
}

fn secs(ms: f64) -> String {
    if !ms.is_finite() {
        return "∞".into();
    }
    let s = ms / 1000.0;
    if s < 120.0 {
        format!("{}s", short(s))
    } else if s < 7200.0 {
        format!("{}m", short(s / 60.0))
    } else {
        format!("{}h", short(s / 3600.0))
    }
}

/// Rescales per settled change (mean) and the longest time to settle, over the changes kept.
fn settling(s: &Summary) -> (Option<f64>, Option<i64>) {
    let settled: Vec<&crate::sim::engine::Change> = s
        .changes
        .iter()
        .filter(|c| c.settled_after_ms.is_some())
        .collect();
    if settled.is_empty() {
        return (None, None);
    }
    let mean = settled.iter().map(|c| c.rescales as f64).sum::<f64>() / settled.len() as f64;
    (
        mean.into(),
        settled.iter().filter_map(|c| c.settled_after_ms).max(),
    )
}

pub fn text(results: &[PolicyResult<'_>], expected_set: bool) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "policy",
        "rescales",
        "CU-hours (over)",
        "peak CU",
        "pending p50 / p95 / max",
        "over expected",
        "processed",
        "pending at end",
        "settled (rescales, time)",
    ]);
    for r in results {
        let s = r.summary;
        let label = if r.model {
            format!("{} (model)", r.name)
        } else {
            r.name.to_string()
        };
        let right = |x: String| Cell::new(x).set_alignment(CellAlignment::Right);
        let (rescales, longest) = settling(s);
        let mut settled = format!("{}/{}", s.settled_count, s.change_count);
        if let (Some(r), Some(t)) = (rescales, longest) {
            settled.push_str(&format!(" ({}, ≤{})", short(r), secs(t as f64)));
        }
        t.add_row(vec![
            Cell::new(label),
            right(s.rescales.to_string()),
            right(format!(
                "{} (+{})",
                short(s.cu_hours),
                short(s.over_provisioned_cu_hours)
            )),
            right(short(s.peak_cu)),
            right(format!(
                "{} / {} / {}",
                secs(s.pending_p50_ms),
                secs(s.pending_p95_ms),
                secs(s.pending_max_ms)
            )),
            right(match (expected_set, s.seconds_over_expected) {
                (true, Some(x)) => secs(x * 1000.0),
                _ => "-".into(),
            }),
            right(format!("{:.0}", s.records_processed)),
            right(format!("{:.0}", s.records_pending_at_end)),
            right(settled),
        ]);
    }
    crate::render::fit(&mut t);
    format!("{t}\n")
}

/// What the user should know about the restart time a replay used: a note when it was measured
/// from the recording, a warning when the recording is shorter than it.
pub fn restart_words(r: &Restart, duration_ms: i64) -> (Option<String>, Option<String>) {
    let note = match &r.source {
        RestartSource::Recording { restarts } => Some(format!(
            "restart time {}, measured from the recording ({}: last sample at the old parallelism to records flowing again); --restart-time or job.autoscaler.restart.time overrides it",
            secs(r.ms as f64),
            if *restarts == 1 { "its one restart".to_string() } else { format!("the median of its {restarts} restarts") }
        )),
        _ => None,
    };
    let warning = r.outlasts(duration_ms).then(|| {
        let whence = match &r.source {
            RestartSource::Flag => "--restart-time".to_string(),
            RestartSource::Option(o) => format!("job.autoscaler.restart.time from {o}"),
            RestartSource::Default => "the default of job.autoscaler.restart.time; the recording shows no restart to measure".to_string(),
            RestartSource::Recording { .. } => "measured".to_string(),
        };
        format!(
            "the recording ({}) is shorter than the restart time ({}, {whence}): a simulated rescale keeps the job down longer than the whole recording; pass --restart-time with the job's real restart",
            secs(duration_ms as f64),
            secs(r.ms as f64)
        )
    });
    (note, warning)
}

/// What the recorder noticed, in words.
pub fn recording_warning(w: &crate::sim::recording::RecordingWarning) -> String {
    use crate::sim::recording::RecordingWarning;
    match w {
        RecordingWarning::SecondSeries { series, vertex } => format!(
            "metric vertex {series} is a second series for vertex {vertex}; the series whose samples start first is used, this one is ignored"
        ),
        RecordingWarning::TooManyChanges { vertex, kept } => format!(
            "vertex {vertex}: its parallelism changes more than {kept} times in the recording; later changes are not replayed by the `recorded` policy"
        ),
    }
}

/// A vertex the model cannot size: it never worked measurably in the recording.
pub fn unlimited_capacity(vertex: &str) -> String {
    format!("vertex {vertex} did no measurable work in the recording: its capacity is taken as unlimited")
}

/// What a policy wants said after its run, in words.
pub fn note(policy: &str, n: &crate::sim::replay::Note, duration_ms: i64) -> String {
    match n {
        crate::sim::replay::Note::Policy(crate::sim::engine::PolicyNote::QuotaVetoed {
            policy,
            count,
            first_ms,
            cu,
            quota,
        }) => format!(
            "{policy}: {count} rescale{} not executed: over the --max-cu quota {quota} (ResourceQuotaReached; the first at {}, for {cu:.2} CU)",
            if *count == 1 { " was" } else { "s were" },
            crate::metrics::time::format_rfc3339(*first_ms)
        ),
        crate::sim::replay::Note::CouldNotAct(w) => could_not_act(policy, w, duration_ms),
    }
}

/// A policy that watches longer than the recording lasts never had the chance to decide.
pub fn could_not_act(policy: &str, w: &WarmUp, duration_ms: i64) -> String {
    let parts: Vec<String> = w
        .parts
        .iter()
        .map(|(k, ms)| format!("{k} ({})", secs(*ms as f64)))
        .collect();
    format!(
        "policy {policy} could not act: the recording ({}) is shorter than {} = {}, what it watches before its first decision; record longer or shorten {}",
        secs(duration_ms as f64),
        parts.join(" + "),
        secs(w.ms() as f64),
        if w.parts.len() == 1 { "it" } else { "them" }
    )
}

fn restart_json(r: &Restart) -> Value {
    let (source, restarts) = match &r.source {
        RestartSource::Flag => ("flag", None),
        RestartSource::Option(_) => ("option", None),
        RestartSource::Recording { restarts } => ("recording", Some(*restarts)),
        RestartSource::Default => ("default", None),
    };
    json!({"ms": r.ms, "source": source, "restarts_measured": restarts})
}

pub fn json(
    results: &[PolicyResult<'_>],
    step_ms: i64,
    duration_ms: i64,
    restart: &Restart,
    vertex_ids: &[String],
    warnings: &[String],
) -> String {
    let by_vertex = |p: &[i64]| -> Value {
        let mut m = Map::new();
        for (id, x) in vertex_ids.iter().zip(p) {
            m.insert(id.clone(), json!(x));
        }
        Value::Object(m)
    };
    let policies: Vec<Value> = results
        .iter()
        .map(|r| {
            let s = r.summary;
            json!({
                "name": r.name,
                "kind": r.kind,
                "model": r.model,
                "rescales": s.rescales,
                "cu_hours": number(s.cu_hours),
                "peak_cu": number(s.peak_cu),
                "pending_time_ms": {"p50": number(s.pending_p50_ms), "p95": number(s.pending_p95_ms), "max": number(s.pending_max_ms)},
                "seconds_over_expected": s.seconds_over_expected.map(number),
                "records_processed": number(s.records_processed.round()),
                "records_pending_at_end": number(s.records_pending_at_end.round()),
                "final_parallelism": by_vertex(&s.final_parallelism),
                "options": r.options.iter().map(|i| json!({
                    "key": i.key,
                    "value": i.value,
                    "source": i.origin.to_string(),
                })).collect::<Vec<_>>(),
                "least_cu_hours": number(s.least_cu_hours),
                "over_provisioned_cu_hours": number(s.over_provisioned_cu_hours),
                "convergence": {
                    "changes": s.change_count,
                    "settled": s.settled_count,
                    "rescales_per_settled_change": settling(s).0.map(number),
                    "longest_time_to_settle_ms": settling(s).1,
                    "first_changes": s.changes.iter().map(|c| json!({
                        "at": c.at_ms,
                        "demand": number(c.demand),
                        "rescales": c.rescales,
                        "settled_after_ms": c.settled_after_ms,
                    })).collect::<Vec<_>>(),
                },
                "events": s.events.iter().map(|e| json!({
                    "at": e.at_ms, "parallelism": by_vertex(&e.parallelism), "cu": number(e.cu), "reason": e.reason,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "planscale_version": VERSION,
        "step_ms": step_ms,
        "duration_ms": duration_ms,
        "restart": restart_json(restart),
        "policies": policies,
        "warnings": warnings,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn num(x: f64) -> String {
    if !x.is_finite() {
        return if x > 0.0 { "inf".into() } else { String::new() };
    }
    let r = (x * 1000.0).round() / 1000.0;
    format!("{r}")
}

/// The header line of `--timeline` (grouped by policy, then time: rows can be written as each
/// policy's replay produces them).
pub fn timeline_header(vertex_ids: &[String]) -> String {
    let mut out = String::from("policy,timestamp_ms,restarting,backlog,pending_s,cu");
    for id in vertex_ids {
        out.push_str(&format!(",{id}.parallelism,{id}.demand,{id}.capacity"));
    }
    out.push('\n');
    out
}

/// Appends one step of policy `name` as a `--timeline` row.
pub fn timeline_row(out: &mut String, name: &str, s: &Step) {
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "{},{},{},{},{},{}",
        name,
        s.t_ms,
        s.restarting,
        num(s.backlog),
        num(s.pending_s),
        num(s.cu)
    );
    for v in 0..s.parallelism.len() {
        let _ = write!(
            out,
            ",{},{},{}",
            s.parallelism[v],
            num(s.demand.get(v).copied().unwrap_or(f64::NAN)),
            num(s.capacity.get(v).copied().unwrap_or(f64::NAN))
        );
    }
    out.push('\n');
}
