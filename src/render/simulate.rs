//! Output of `simulate`: the per-policy summary table, the JSON of spec/outputs.md, the
//! per-step timeline CSV, and the words of its notes, warnings and errors.

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};

use crate::render::plot::PlotMeta;
use crate::render::{number, short, VERSION};
use crate::sim::engine::{Summary, WarmUp};
use crate::sim::restart::{Restart, RestartSource};
use crate::sim::run::{SimulateOutcome, SimulateRequest, MAX_STEPS};
use crate::sim::timeline::Step;

/// What a simulation tells the user besides its table: a note on the restart time, and the
/// warnings in the order they arose (the JSON lists the same warnings).
#[derive(Debug, Clone, PartialEq)]
pub struct Said {
    pub note: Option<String>,
    pub warnings: Vec<String>,
}

/// The note and the warnings of `o`: the metric reader's, the recorder's, the restart time's,
/// the vertices of unlimited capacity, then each policy's notes.
pub fn said(o: &SimulateOutcome) -> Said {
    let mut warnings: Vec<String> = o
        .metric_warnings
        .iter()
        .map(crate::render::metrics::read_warning)
        .collect();
    warnings.extend(o.recording_warnings.iter().map(recording_warning));
    let (restart_note, restart_warning) = restart_words(&o.restart, o.duration_ms);
    warnings.extend(restart_warning);
    warnings.extend(o.unlimited.iter().map(|v| unlimited_capacity(v)));
    for run in &o.runs {
        warnings.extend(run.notes.iter().map(|n| note(&run.name, n, o.duration_ms)));
    }
    Said {
        note: restart_note,
        warnings,
    }
}

/// What the plot of `r` needs before its replay: names, goal and time axis.
pub fn plot_meta(r: &SimulateRequest) -> PlotMeta {
    plot_meta_of(
        r,
        r.policies.specs.iter().map(|s| s.name.clone()).collect(),
        r.policies.expected_pending_ms,
    )
}

/// [`plot_meta`] for other policies than the request's and another pending-time goal (`tune`
/// plots the defaults, the choice and the schedules against its target).
pub fn plot_meta_of(r: &SimulateRequest, policies: Vec<String>, goal_ms: Option<i64>) -> PlotMeta {
    let trace = &r.recorded.trace;
    PlotMeta::before_replay(
        r.recorded
            .model
            .vertices
            .iter()
            .map(|v| v.vertex.name.clone())
            .collect(),
        policies,
        goal_ms.map(|m| m as f64 / 1000.0),
        trace.start_ms,
        r.recorded.step_ms,
        trace.len(),
    )
}

/// A recording too long for its step (`run::RecordError::TooManySteps`).
pub fn too_many_steps(start_ms: i64, end_ms: i64, steps: i64, step_ms: i64) -> String {
    format!(
        "the recording spans {} .. {} ({} steps of {} ms), more than {MAX_STEPS} steps \
         (16 years at 10 s); is a timestamp wrong? Otherwise pass a larger --step",
        crate::metrics::time::format_rfc3339(start_ms),
        crate::metrics::time::format_rfc3339(end_ms),
        steps,
        step_ms
    )
}

/// The recording's demand could not be read back during the replay.
pub fn spool_read_error(e: &std::io::Error) -> String {
    format!(
        "cannot read the recording's demand back from its temporary file: {}",
        crate::io::describe_io(e)
    )
}

/// A duration in ms as `90s`, `15m` or `3h` (∞ when not finite), as `tune` words it too.
pub(crate) fn secs(ms: f64) -> String {
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

/// The table: one row per policy.
pub fn text(o: &SimulateOutcome) -> String {
    let expected_set = o.expected_pending_ms.is_some();
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
    for r in &o.runs {
        let s = &r.summary;
        let label = if r.model {
            format!("{} (model)", r.name)
        } else {
            r.name.clone()
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

/// The JSON document of spec/outputs.md, with `warnings` (`said`'s).
pub fn json(o: &SimulateOutcome, warnings: &[String]) -> String {
    let by_vertex = |p: &[i64]| -> Value {
        let mut m = Map::new();
        for (id, x) in o.vertex_ids.iter().zip(p) {
            m.insert(id.clone(), json!(x));
        }
        Value::Object(m)
    };
    let policies: Vec<Value> = o
        .runs
        .iter()
        .map(|r| {
            let s = &r.summary;
            json!({
                "name": r.name,
                "kind": r.kind.name(),
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
        "step_ms": o.step_ms,
        "duration_ms": o.duration_ms,
        "restart": restart_json(&o.restart),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::policy::PolicyKind;
    use crate::sim::recording::RecordingWarning;
    use crate::sim::replay::Note;
    use crate::sim::run::PolicyOutcome;

    fn outcome() -> SimulateOutcome {
        let run = |name: &str, notes: Vec<Note>| PolicyOutcome {
            name: name.into(),
            kind: PolicyKind::FlinkAutoscaler,
            model: false,
            summary: Summary::default(),
            notes,
            options: vec![],
        };
        SimulateOutcome {
            step_ms: 10_000,
            duration_ms: 120_000,
            restart: Restart {
                ms: 16_000,
                source: RestartSource::Recording { restarts: 3 },
            },
            expected_pending_ms: None,
            vertex_ids: vec!["a".into(), "b".into()],
            metric_warnings: vec![crate::metrics::ReadWarning::Duplicates(1)],
            recording_warnings: vec![RecordingWarning::TooManyChanges {
                vertex: "b".into(),
                kept: 7,
            }],
            unlimited: vec!["Sink".into()],
            runs: vec![
                run("static", vec![]),
                run(
                    "slow",
                    vec![Note::CouldNotAct(WarmUp {
                        parts: vec![("job.autoscaler.metrics.window".into(), 900_000)],
                    })],
                ),
            ],
        }
    }

    #[test]
    fn warnings_come_in_the_order_they_arose_and_the_measured_restart_is_a_note() {
        let said = said(&outcome());
        assert!(
            said.note.as_deref().is_some_and(|n| n.starts_with(
                "restart time 16s, measured from the recording (the median of its 3 restarts"
            )),
            "{said:?}"
        );
        let heads: Vec<&str> = said
            .warnings
            .iter()
            .map(|w| w.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            heads,
            [
                "1 duplicate value (same timestamp, vertex, subtask and metric)",
                "vertex b",
                "vertex Sink did no measurable work in the recording",
                "policy slow could not act",
            ]
        );
    }

    #[test]
    fn json_has_one_entry_per_run_and_the_warnings_given() {
        let o = outcome();
        let doc: Value = serde_json::from_str(&json(&o, &["w".to_string()])).unwrap();
        assert_eq!(doc["step_ms"], 10_000);
        assert_eq!(doc["restart"]["source"], "recording");
        assert_eq!(doc["policies"][1]["name"], "slow");
        assert_eq!(doc["policies"][1]["kind"], "flink-autoscaler");
        assert_eq!(doc["warnings"], json!(["w"]));
        assert_eq!(text(&o).matches("slow").count(), 1);
    }
}
