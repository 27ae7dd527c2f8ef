//! Output of `record` and `apply`: the lines they print as they go, the JSON document of
//! `apply --format json`, and the errors of the two operations in words.
//!
//! Every function takes a finished piece of a `rest::recording` or `rest::rescale` result and
//! returns text; lines end in `\n`, errors are [`InputError`]s naming the URL or file at fault.
//! Nothing here names a flag: the command line adds the hints that do.

use std::time::Duration;

use serde_json::{json, Value};

use crate::error::InputError;
use crate::rest::apply::{Change, Pending, Refusal, WaitEvent};
use crate::rest::lookup::NotFound;
use crate::rest::record::{JobLabel, Note, StopReason};
use crate::rest::recording::{RecordOutcome, Started};
use crate::rest::rescale::{ApplyOutcome, Planned, Response, WaitEnd, Waited, Warning};
use crate::value::DurationMs;

/// Longest vertex name in the table of changes.
const NAME_WIDTH: usize = 60;

// ---------------------------------------------------------------------------------------------
// Errors of both commands

/// A job the cluster does not know, with the jobs it runs as a hint (when they could be read).
pub fn job_not_found(nf: &NotFound) -> InputError {
    let job = &nf.job;
    let err = InputError::new(
        nf.url.clone(),
        format!(
            "job {job} not found (404): a wrong id, or a job that ended and left the cluster's \
             history"
        ),
    );
    match &nf.running {
        None => err,
        Some(running) if running.is_empty() => err.hint("no job is RUNNING on this cluster"),
        Some(running) => {
            let list: Vec<String> = running
                .iter()
                .map(|j| format!("{} {}", j.id, j.name.as_deref().unwrap_or("")))
                .collect();
            err.hint(format!("running jobs: {}", list.join("; ")))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// apply

/// An ended job, which `apply` refuses.
pub fn job_ended(url: &str, name: &str, state: &str) -> InputError {
    InputError::new(
        url,
        format!("job {name} is {state}: only a running job can be rescaled"),
    )
}

/// Targets that do not fit the job; `source` is where they came from.
pub fn refusal(source: &str, r: Refusal) -> InputError {
    r.hints
        .into_iter()
        .fold(InputError::new(source, r.message), InputError::hint)
}

/// A job under a scheduler that does not rescale through resource requirements.
pub fn not_adaptive(url: &str, name: &str, scheduler: &str) -> InputError {
    InputError::new(
        url,
        format!(
            "job {name} runs under the {scheduler} scheduler: only the adaptive scheduler changes \
             parallelism through resource requirements; nothing was sent"
        ),
    )
}

pub fn apply_warning(w: &Warning) -> String {
    match w {
        Warning::RequirementsUnread(e) => {
            format!("warning: {e}; the other vertices keep their parallelism as upper bound\n")
        }
        Warning::NotRunning { name, state } => {
            format!("warning: job {name} is {state}, not RUNNING; sending anyway\n")
        }
        Warning::WaitReadFailed(e) => format!("warning: {e}; still waiting\n"),
    }
}

/// The job, one line per vertex (`*` where the parallelism changes), and the request as sent.
pub fn planned(p: &Planned) -> String {
    let job = &p.job;
    let scheduler = job
        .scheduler_type
        .as_deref()
        .map(|s| format!(", {s} scheduler"))
        .unwrap_or_default();
    let mut out = format!("job {} ({}), {}{scheduler}\n", job.name, job.id, job.state);
    for line in change_lines(&p.changes) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!("PUT {}\n", p.url));
    out.push_str(&p.body);
    out
}

fn change_lines(changes: &[Change]) -> Vec<String> {
    let width = changes
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(NAME_WIDTH);
    changes
        .iter()
        .map(|c| {
            let name: String = c.name.chars().take(NAME_WIDTH).collect();
            let mark = if c.bounds.upper == c.current as i64 {
                ""
            } else {
                "  *"
            };
            format!(
                "  {name:<width$}  {}  {} -> {}{mark}",
                c.vertex, c.current, c.bounds.upper
            )
        })
        .collect()
}

pub const DRY_RUN: &str = "dry run: nothing was sent\n";

/// `apply --dry-run` without a cluster: the request a recommendation file asks for.
pub fn offline_dry_run(job: &str, body: &str) -> String {
    format!("PUT /jobs/{job}/resource-requirements\n{body}{DRY_RUN}")
}

/// `apply --dry-run --format json` without a cluster: the request, and `offline: true` in place
/// of the job's own state.
pub fn offline_dry_run_json(job: &str, body: &str) -> String {
    let doc = json!({
        "job_id": job,
        "offline": true,
        "request": {
            "method": "PUT",
            "url": format!("/jobs/{job}/resource-requirements"),
            "body": serde_json::from_str::<Value>(body).unwrap_or_else(|_| body.into()),
        },
        "dry_run": true,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// What an offline dry run could not check, on stderr.
pub const OFFLINE_NOTE: &str = "note: built from the recommendation alone: not checked against \
the running job (its vertices, their max parallelism and current requirements)\n";

pub fn answered(r: &Response) -> String {
    let body = r.body.trim();
    let shown = if body.is_empty() {
        "(empty body)"
    } else {
        body
    };
    format!(
        "Flink answered {} in {:.2} s: {shown}\n",
        r.status,
        r.latency.as_secs_f64()
    )
}

/// `+12.8 s  RESTARTING  PythonCalc[8] -> Calc[9]: 6 INITIALIZING, ...`
pub fn wait_event(ev: &WaitEvent) -> String {
    let v: Vec<String> = ev
        .vertices
        .iter()
        .map(|(_, name, p, status)| format!("{name}: {p} {status}"))
        .collect();
    format!("+{:.1} s  {}  {}\n", ev.after_s, ev.state, v.join(", "))
}

pub fn reached(after: Duration) -> String {
    format!(
        "running at the new parallelism {:.1} s after the PUT\n",
        after.as_secs_f64()
    )
}

/// The error lines of a wait that did not reach the new parallelism (`None` when it did).
pub fn wait_failure(p: &Planned, w: &Waited) -> Option<String> {
    let job = &p.job;
    match &w.end {
        WaitEnd::Reached(_) => None,
        WaitEnd::Ended(state) => Some(format!("error: job {} ({}) is {state}\n", job.name, job.id)),
        WaitEnd::TimedOut {
            pending,
            free_slots,
        } => {
            let mut why: Vec<String> = match pending {
                Some(p) => p.iter().map(pending_text).collect(),
                None => vec!["no answer from the cluster".to_string()],
            };
            if let Some(free) = free_slots {
                why.push(format!("the cluster has {free} free slots"));
            }
            Some(format!(
                "error: job {} is not at the new parallelism {} after the PUT: {}\n  hint: the \
                 adaptive scheduler rescales after its resource stabilization timeout, at the \
                 next completed checkpoint, and only with enough free slots\n",
                job.name,
                DurationMs(w.timeout.as_millis() as i64),
                why.join("; ")
            ))
        }
    }
}

fn pending_text(p: &Pending) -> String {
    match p {
        Pending::Job { state } => format!("the job is {state}"),
        Pending::Vertex {
            id,
            name,
            parallelism,
            status,
            wanted,
        } => {
            let short: String = id.chars().take(8).collect();
            format!("{name} ({short}) is at {parallelism} {status}, wanted {wanted}")
        }
    }
}

/// Seconds rounded to the millisecond, as the JSON has them.
fn ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

/// The document of `apply --format json`: the request, the changes, Flink's answer and the wait.
pub fn apply_json(o: &ApplyOutcome) -> String {
    let p = &o.planned;
    let changes: Vec<Value> = p
        .changes
        .iter()
        .map(|c| {
            json!({
                "id": c.vertex, "name": c.name, "current_parallelism": c.current,
                "lower_bound": c.bounds.lower, "upper_bound": c.bounds.upper,
            })
        })
        .collect();
    let response = o.response.as_ref().map(
        |r| json!({ "status": r.status, "body": r.body, "latency_s": r.latency.as_secs_f64() }),
    );
    let doc = json!({
        "job_id": p.job.id,
        "job_name": p.job.name,
        "request": {
            "method": "PUT",
            "url": p.url,
            // The body is ours, pretty JSON: it always parses.
            "body": serde_json::from_str::<Value>(&p.body).unwrap_or_else(|_| p.body.clone().into()),
        },
        "changes": changes,
        "dry_run": o.dry_run,
        "response": response,
        "wait": o.wait.as_ref().map(wait_json),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn wait_json(w: &Waited) -> Value {
    let (outcome, after) = match &w.end {
        WaitEnd::Reached(d) => ("running", Some(ms(d.as_secs_f64()))),
        WaitEnd::Ended(_) => ("ended", None),
        WaitEnd::TimedOut { .. } => ("timeout", None),
    };
    let events: Vec<Value> = w
        .events
        .iter()
        .map(|ev| {
            json!({
                "after_s": ms(ev.after_s),
                "state": ev.state,
                "vertices": ev.vertices.iter().map(|(id, name, p, status)| json!({
                    "id": id, "name": name, "parallelism": p, "status": status
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "outcome": outcome, "running_after_s": after, "events": events })
}

// ---------------------------------------------------------------------------------------------
// record

/// A job named that has ended, which `record` refuses.
pub fn record_ended(url: &str, id: &str, name: &str, state: &str) -> InputError {
    InputError::new(url, nothing_to_record(id, name, state))
}

fn nothing_to_record(id: &str, name: &str, state: &str) -> String {
    format!("job {name} ({id}) is {state}: nothing to record")
}

pub fn no_job_running(url: &str) -> InputError {
    InputError::new(url, "no job is RUNNING")
}

/// A job found RUNNING whose details could not be read (`why`, one line).
pub fn not_recording(job: &str, why: &str) -> String {
    format!("warning: not recording job {job}: {why}\n")
}

/// A job found RUNNING that ended before its details were read.
pub fn skipped_ended(job: &str, name: &str, state: &str) -> String {
    format!("warning: {}\n", nothing_to_record(job, name, state))
}

/// What is recorded where; `interval` and `duration` as the user wrote them.
pub fn recording(s: &Started, interval: &str, duration: Option<&str>) -> String {
    let names: Vec<String> = s
        .jobs
        .iter()
        .map(|j| format!("{} ({}, {})", j.name, j.id, j.state))
        .collect();
    let plans: Vec<String> = s.plans.iter().map(|p| p.display().to_string()).collect();
    format!(
        "recording {} on {}{} every {interval}{} into {} (job details: {}); Ctrl-C stops\n",
        names.join(", "),
        s.base,
        s.flink_version
            .as_deref()
            .map(|v| format!(" (Flink {v})"))
            .unwrap_or_default(),
        duration.map(|d| format!(" for {d}")).unwrap_or_default(),
        s.csv.display(),
        plans.join(", ")
    )
}

/// A note of the poll loop's `message`, stamped with the time since recording started.
pub fn stamped(after: Duration, warning: bool, message: &str) -> String {
    let t = after.as_secs_f64();
    let warning = if warning { "warning: " } else { "" };
    format!("{warning}[{t:>6.1} s] {message}\n")
}

/// The words of a note; `None` for the two that are about what the user set (the duration, the
/// interval), which the command line words with its own flags.
pub fn note_message(n: &Note) -> Option<String> {
    Some(match n {
        Note::Failing { job, error } => {
            let what = if error.is_not_found() {
                "the job is not on the cluster (any more)"
            } else if error.is_unreachable() {
                "the cluster does not answer"
            } else {
                "a request failed"
            };
            format!(
                "{}: {what}: {error}; keeps polling, what was recorded stays in the file",
                label(job)
            )
        }
        Note::Recovered { job, failed_polls } => format!(
            "{}: polling again after {failed_polls} failed poll{}",
            label(job),
            if *failed_polls == 1 { "" } else { "s" }
        ),
        Note::StateChanged { job, from, to } => {
            format!("{}: {} -> {to}", label(job), from.as_deref().unwrap_or("?"))
        }
        Note::Ended { job, state } => {
            format!("{} is {state}: nothing more to record for it", label(job))
        }
        Note::Rescaled {
            job,
            vertices,
            plan,
        } => {
            let changes: Vec<String> = vertices
                .iter()
                .map(|v| match v.from {
                    Some(from) => format!("{} {from} -> {}", v.name, v.to),
                    None => format!("{} (new) {}", v.name, v.to),
                })
                .collect();
            format!(
                "{}: parallelism changed: {}; {} rewritten",
                label(job),
                changes.join(", "),
                plan.display()
            )
        }
        Note::InterruptedDuringPoll => {
            "interrupted during a poll: that poll's rows are not written".to_string()
        }
        Note::DeadlineDuringPoll { .. } | Note::SlowPoll { .. } => return None,
    })
}

fn label(job: &JobLabel) -> String {
    if job.name.is_empty() {
        format!("job {}", job.id)
    } else {
        format!("job {} ({})", job.name, job.id)
    }
}

pub fn recorded(o: &RecordOutcome) -> String {
    let why = match o.reason {
        StopReason::Duration => "duration reached",
        StopReason::Interrupted => "interrupted",
        StopReason::AllJobsEnded => "every job ended",
    };
    format!(
        "recorded {} poll{}, {} rows in {:.1} s into {} ({why})\n",
        o.polls,
        if o.polls == 1 { "" } else { "s" },
        o.rows,
        o.elapsed.as_secs_f64(),
        o.csv.display()
    )
}

pub const NO_ROWS: &str = "error: no metric was recorded (no vertex was RUNNING and answering)\n";

pub const INTERRUPTED_AT_START: &str =
    "interrupted before recording started: nothing was written\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::Bounds;

    fn change(vertex: &str, name: &str, current: u32, upper: i64) -> Change {
        Change {
            vertex: vertex.into(),
            name: name.into(),
            current,
            bounds: Bounds { lower: 1, upper },
        }
    }

    #[test]
    fn changes_are_aligned_and_marked() {
        let long = "x".repeat(70);
        let lines = change_lines(&[change("a", "src", 1, 1), change("b", &long, 2, 6)]);
        assert_eq!(lines[0], format!("  src{}  a  1 -> 1", " ".repeat(57)));
        assert_eq!(lines[1], format!("  {}  b  2 -> 6  *", "x".repeat(60)));
    }

    #[test]
    fn notes_in_words() {
        let job = JobLabel {
            id: "j1".into(),
            name: String::new(),
        };
        let rescaled = Note::Rescaled {
            job: job.clone(),
            vertices: vec![
                crate::rest::record::Rescaled {
                    name: "udf".into(),
                    from: Some(2),
                    to: 6,
                },
                crate::rest::record::Rescaled {
                    name: "sink".into(),
                    from: None,
                    to: 1,
                },
            ],
            plan: "run.job.json".into(),
        };
        assert_eq!(
            note_message(&rescaled).as_deref(),
            Some("job j1: parallelism changed: udf 2 -> 6, sink (new) 1; run.job.json rewritten")
        );
        let state = Note::StateChanged {
            job,
            from: None,
            to: "RUNNING".into(),
        };
        assert_eq!(
            note_message(&state).as_deref(),
            Some("job j1: ? -> RUNNING")
        );
        let slow = Note::SlowPoll {
            took: Duration::from_secs(2),
            interval: Duration::from_secs(1),
        };
        assert_eq!(note_message(&slow), None, "the command line words it");
        assert!(slow.is_warning() && !state.is_warning());
        assert_eq!(
            stamped(Duration::from_millis(12_345), true, "m"),
            "warning: [  12.3 s] m\n"
        );
    }

    #[test]
    fn a_timeout_says_what_is_still_different() {
        let job = crate::rest::types::parse_job_details(
            r#"{"jid":"j","name":"n","state":"RUNNING","vertices":[]}"#.to_string(),
        )
        .expect("minimal job details");
        let p = Planned {
            job,
            changes: Vec::new(),
            url: "u".into(),
            body: "{}\n".into(),
        };
        let w = |end| Waited {
            timeout: Duration::from_secs(90),
            events: Vec::new(),
            end,
        };
        assert_eq!(wait_failure(&p, &w(WaitEnd::Reached(Duration::ZERO))), None);
        let text = wait_failure(
            &p,
            &w(WaitEnd::TimedOut {
                pending: Some(vec![
                    Pending::Job {
                        state: "RESTARTING".into(),
                    },
                    Pending::Vertex {
                        id: "20ba6b65f97481d5".into(),
                        name: "udf".into(),
                        parallelism: 2,
                        status: "DEPLOYING".into(),
                        wanted: 6,
                    },
                ]),
                free_slots: Some(0),
            }),
        )
        .expect("a timeout is a failure");
        assert!(
            text.starts_with(
                "error: job n is not at the new parallelism 90 s after the PUT: the job is \
                 RESTARTING; udf (20ba6b65) is at 2 DEPLOYING, wanted 6; the cluster has 0 free \
                 slots\n  hint: "
            ),
            "{text}"
        );
        let text = wait_failure(
            &p,
            &w(WaitEnd::TimedOut {
                pending: None,
                free_slots: None,
            }),
        )
        .expect("a timeout is a failure");
        assert!(
            text.contains("after the PUT: no answer from the cluster\n"),
            "{text}"
        );
    }
}
