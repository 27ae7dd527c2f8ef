//! `planscale apply`: turn a recommendation into a `PUT /jobs/:id/resource-requirements` body
//! (formats.md §7.1) for a running job, and follow the job until it runs at the new parallelism.
//!
//! Flink wants every vertex of the job in the body and rejects unknown ids; planscale checks both
//! against the job's vertices before sending anything, so a recommendation made for another job
//! (or an older version of this one) is refused with the difference spelled out.
//!
//! These are the parts; [`super::rescale::apply`] runs them in the command's order.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::types::{integer, is_terminal_state};
use super::{Bounds, Client, JobDetails, Requirements, RestError};
use crate::error::InputError;

/// A wanted parallelism for one vertex.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub vertex: String,
    pub parallelism: i64,
    /// The name the recommendation gives the vertex, for messages.
    pub name: Option<String>,
}

/// Whether `id` looks like a JobVertexID (32 hex digits).
pub fn is_vertex_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn not_ids_hint() -> String {
    "JobVertexIDs are 32 hex digits; run `planscale recommend --graph` on the job details \
     (the .job.json `planscale record` writes beside its CSV) or the REST job plan to get them"
        .to_string()
}

/// Reads `recommend --format json` (`vertices[].id`, `recommended_parallelism`) or a
/// resource-requirements body (`recommend --format resource-requirements`).
pub fn read_recommendation(path: &str) -> Result<Vec<Target>, InputError> {
    let text = crate::io::read_document(path)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        InputError::at(
            path,
            crate::model::Pos {
                line: e.line().max(1),
                column: e.column().max(1),
            },
            format!("not JSON: {e}"),
        )
    })?;
    let shape_error = || {
        InputError::new(
            path,
            "neither a `planscale recommend --format json` document (vertices[].id, \
             recommended_parallelism) nor a resource-requirements body",
        )
    };
    let mut out: Vec<Target> = Vec::new();
    if let Some(vertices) = value.get("vertices").and_then(Value::as_array) {
        for (i, v) in vertices.iter().enumerate() {
            let id = v.get("id").and_then(Value::as_str).ok_or_else(|| {
                InputError::new(path, format!("vertices[{i}] has no string `id`"))
            })?;
            let p = v
                .get("recommended_parallelism")
                .and_then(integer)
                .ok_or_else(|| {
                    InputError::new(
                        path,
                        format!("vertex {id} has no integer `recommended_parallelism`"),
                    )
                })?;
            out.push(Target {
                vertex: id.to_string(),
                parallelism: p,
                name: v.get("name").and_then(Value::as_str).map(str::to_string),
            });
        }
    } else if let Some(o) = value.as_object().filter(|o| !o.is_empty()) {
        for (id, r) in o {
            let p = r
                .get("parallelism")
                .and_then(|p| p.get("upperBound"))
                .and_then(integer)
                .ok_or_else(shape_error)?;
            out.push(Target {
                vertex: id.clone(),
                parallelism: p,
                name: None,
            });
        }
    } else {
        return Err(shape_error());
    }
    if out.is_empty() {
        return Err(InputError::new(
            path,
            "the recommendation lists no vertices",
        ));
    }
    check_targets(&out).map_err(|(msg, hint)| {
        let e = InputError::new(path, msg);
        match hint {
            Some(h) => e.hint(h),
            None => e,
        }
    })?;
    for t in &mut out {
        t.vertex = t.vertex.to_ascii_lowercase();
    }
    Ok(out)
}

fn check_targets(targets: &[Target]) -> Result<(), (String, Option<String>)> {
    let bad: Vec<&str> = targets
        .iter()
        .filter(|t| !is_vertex_id(&t.vertex))
        .map(|t| t.vertex.as_str())
        .collect();
    if !bad.is_empty() {
        return Err((
            format!("not JobVertexIDs: {}", bad.join(", ")),
            Some(not_ids_hint()),
        ));
    }
    for (i, t) in targets.iter().enumerate() {
        if t.parallelism < 1 {
            return Err((
                format!(
                    "vertex {}: parallelism {} (must be at least 1)",
                    t.vertex, t.parallelism
                ),
                None,
            ));
        }
        if targets[..i]
            .iter()
            .any(|o| o.vertex.eq_ignore_ascii_case(&t.vertex))
        {
            return Err((format!("vertex {} is listed twice", t.vertex), None));
        }
    }
    Ok(())
}

/// Why a `VERTEX_ID=PARALLELISM` pair is not one.
#[derive(Debug, Clone, PartialEq)]
pub enum PairError {
    /// No `=` in the pair.
    NoEquals { pair: String },
    /// The part after `=` is not an integer.
    NotInteger { pair: String, value: String },
    /// Read, but not targets: not JobVertexIDs, a parallelism below 1, a vertex twice.
    Invalid {
        message: String,
        hint: Option<String>,
    },
}

/// Parses `VERTEX_ID=PARALLELISM` pairs (ids lower-cased).
pub fn parse_pairs(pairs: &[String]) -> Result<Vec<Target>, PairError> {
    let mut out = Vec::new();
    for pair in pairs {
        let (id, p) = pair
            .split_once('=')
            .ok_or_else(|| PairError::NoEquals { pair: pair.clone() })?;
        let p: i64 = p.trim().parse().map_err(|_| PairError::NotInteger {
            pair: pair.clone(),
            value: p.to_string(),
        })?;
        out.push(Target {
            vertex: id.trim().to_ascii_lowercase(),
            parallelism: p,
            name: None,
        });
    }
    check_targets(&out).map_err(|(message, hint)| PairError::Invalid { message, hint })?;
    Ok(out)
}

/// One vertex of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub vertex: String,
    pub name: String,
    pub current: u32,
    pub bounds: Bounds,
}

/// Why a request was not built: a message and hints, nothing sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub hints: Vec<String>,
}

fn job_vertices_hint(job: &JobDetails) -> String {
    let list: Vec<String> = job
        .vertices
        .iter()
        .map(|v| format!("{} {} (p={})", v.id, v.name, v.parallelism))
        .collect();
    format!("the job's vertices: {}", list.join("; "))
}

/// Builds the request for `job`: every vertex with lower bound 1 and upper bound the target.
///
/// With `complete` (a recommendation file) the targets must name exactly the job's vertices.
/// Otherwise (explicit pairs) vertices without a target keep `current` requirements, else their
/// parallelism. Unknown ids and upper bounds above a vertex's max parallelism are refused.
pub fn build_request(
    job: &JobDetails,
    targets: &[Target],
    complete: bool,
    current: Option<&Requirements>,
) -> Result<Vec<Change>, Refusal> {
    let unknown: Vec<&Target> = targets
        .iter()
        .filter(|t| job.vertex(&t.vertex).is_none())
        .collect();
    let missing: Vec<String> = if complete {
        job.vertices
            .iter()
            .filter(|v| !targets.iter().any(|t| t.vertex == v.id))
            .map(|v| format!("{} ({})", v.id, v.name))
            .collect()
    } else {
        Vec::new()
    };
    if !unknown.is_empty() || !missing.is_empty() {
        let mut parts = Vec::new();
        if !unknown.is_empty() {
            let list: Vec<String> = unknown
                .iter()
                .map(|t| match &t.name {
                    Some(n) => format!("{} ({n})", t.vertex),
                    None => t.vertex.clone(),
                })
                .collect();
            parts.push(format!("not vertices of the job: {}", list.join(", ")));
        }
        if !missing.is_empty() {
            parts.push(format!(
                "vertices of the job the recommendation lacks: {}",
                missing.join(", ")
            ));
        }
        return Err(Refusal {
            message: format!(
                "the vertices differ from job {} ({}): {}; nothing was sent",
                job.name,
                job.id,
                parts.join("; ")
            ),
            hints: vec![
                job_vertices_hint(job),
                "a recommendation made for another job, or for an earlier version of this one, \
                 cannot be applied: record the job and run recommend again"
                    .to_string(),
            ],
        });
    }
    let mut changes = Vec::with_capacity(job.vertices.len());
    for v in &job.vertices {
        let bounds = match targets.iter().find(|t| t.vertex == v.id) {
            Some(t) => Bounds {
                lower: 1,
                upper: t.parallelism,
            },
            None => current
                .and_then(|r| r.iter().find(|(id, _)| *id == v.id).map(|(_, b)| *b))
                .unwrap_or(Bounds {
                    lower: 1,
                    upper: v.parallelism.max(1) as i64,
                }),
        };
        if let Some(max) = v.max_parallelism {
            if bounds.upper > max as i64 {
                return Err(Refusal {
                    message: format!(
                        "vertex {} ({}): parallelism {} is above its max parallelism {max}; \
                         nothing was sent",
                        v.id, v.name, bounds.upper
                    ),
                    hints: vec![
                        "the max parallelism (key groups) is fixed for a job's state; lower \
                         the value, or resubmit the job with a higher pipeline.max-parallelism"
                            .to_string(),
                    ],
                });
            }
        }
        changes.push(Change {
            vertex: v.id.clone(),
            name: v.name.clone(),
            current: v.parallelism,
            bounds,
        });
    }
    Ok(changes)
}

/// The body a complete set of targets (a recommendation file) asks for, built without the
/// running job: lower bound 1 and upper bound the target, for exactly the vertices named. What
/// `build_request` would check against the job (unknown or missing vertices, max parallelism,
/// current requirements) is not checked here.
pub fn offline_body(targets: &[Target]) -> String {
    let entries: Requirements = targets
        .iter()
        .map(|t| {
            (
                t.vertex.clone(),
                Bounds {
                    lower: 1,
                    upper: t.parallelism,
                },
            )
        })
        .collect();
    super::types::requirements_body(&entries)
}

/// The body for `changes`, exactly as sent.
pub fn body(changes: &[Change]) -> String {
    let entries: Requirements = changes
        .iter()
        .map(|c| (c.vertex.clone(), c.bounds))
        .collect();
    super::types::requirements_body(&entries)
}

/// Whether the job runs every vertex at its requested upper bound, all subtasks RUNNING.
pub fn reached(job: &JobDetails, changes: &[Change]) -> bool {
    job.state == "RUNNING"
        && job.vertices.iter().all(|v| v.status == "RUNNING")
        && changes.iter().all(|c| {
            job.vertex(&c.vertex)
                .is_some_and(|v| v.parallelism as i64 == c.bounds.upper)
        })
}

/// One observed state of the job while waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitEvent {
    /// Seconds since the PUT.
    pub after_s: f64,
    pub state: String,
    /// `(id, name, parallelism, status)` per vertex.
    pub vertices: Vec<(String, String, u32, String)>,
}

/// What [`wait`] reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen<'a> {
    /// The job's state, a parallelism or a vertex status changed (and the first read).
    State(&'a WaitEvent),
    /// A read of the job details failed, the first of a streak; waiting goes on.
    ReadFailed(RestError),
}

/// How waiting ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitOutcome {
    /// Every vertex RUNNING at its new parallelism this long after the PUT.
    Reached(Duration),
    /// The job reached a terminal state.
    Ended(String),
    /// Still not there; the last details seen (if any request succeeded).
    TimedOut(Option<Box<JobDetails>>),
}

/// When and how long [`wait`] follows the job.
#[derive(Debug, Clone, Copy)]
pub struct WaitOptions {
    /// When the PUT was sent: times are reported from here.
    pub t_put: Instant,
    /// Give up this long after the PUT.
    pub timeout: Duration,
    /// Time between two reads of the job details.
    pub poll: Duration,
}

/// What [`wait`] compares between two reads: job state and `(vertex, parallelism, status)`.
type Signature = (String, Vec<(String, u32, String)>);

/// Follows the job from the PUT until [`reached`], a terminal state or the timeout, reporting
/// every change of state, parallelism or vertex status. Failed requests are reported once per
/// streak and waited through (the REST server may be busy during a restart).
pub fn wait(
    client: &Client,
    job: &str,
    changes: &[Change],
    options: WaitOptions,
    on: &mut dyn FnMut(Seen),
) -> WaitOutcome {
    let WaitOptions {
        t_put,
        timeout,
        poll,
    } = options;
    let mut last_sig: Option<Signature> = None;
    let mut last: Option<JobDetails> = None;
    let mut warned = false;
    loop {
        match client.job_details(job) {
            Ok(d) => {
                warned = false;
                let sig = (
                    d.state.clone(),
                    d.vertices
                        .iter()
                        .map(|v| (v.id.clone(), v.parallelism, v.status.clone()))
                        .collect::<Vec<_>>(),
                );
                if last_sig.as_ref() != Some(&sig) {
                    on(Seen::State(&WaitEvent {
                        after_s: t_put.elapsed().as_secs_f64(),
                        state: d.state.clone(),
                        vertices: d
                            .vertices
                            .iter()
                            .map(|v| {
                                (
                                    v.id.clone(),
                                    v.name.clone(),
                                    v.parallelism,
                                    v.status.clone(),
                                )
                            })
                            .collect(),
                    }));
                    last_sig = Some(sig);
                }
                if reached(&d, changes) {
                    return WaitOutcome::Reached(t_put.elapsed());
                }
                if is_terminal_state(&d.state) {
                    return WaitOutcome::Ended(d.state);
                }
                last = Some(d);
            }
            Err(e) => {
                if !warned {
                    on(Seen::ReadFailed(e));
                    warned = true;
                }
            }
        }
        if t_put.elapsed() >= timeout {
            return WaitOutcome::TimedOut(last.map(Box::new));
        }
        let left = timeout.saturating_sub(t_put.elapsed());
        std::thread::sleep(poll.min(left));
    }
}

/// One reason the job is not at the requested parallelism yet.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    /// The job is not RUNNING.
    Job { state: String },
    /// A vertex at another parallelism than requested, or not RUNNING.
    Vertex {
        id: String,
        name: String,
        parallelism: u32,
        status: String,
        wanted: i64,
    },
}

/// Why the job is not at the requested parallelism yet, for the timeout message.
pub fn pending(job: &JobDetails, changes: &[Change]) -> Vec<Pending> {
    let mut out = Vec::new();
    if job.state != "RUNNING" {
        out.push(Pending::Job {
            state: job.state.clone(),
        });
    }
    for c in changes {
        if let Some(v) = job.vertex(&c.vertex) {
            if v.parallelism as i64 != c.bounds.upper || v.status != "RUNNING" {
                out.push(Pending::Vertex {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    parallelism: v.parallelism,
                    status: v.status.clone(),
                    wanted: c.bounds.upper,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs() {
        let t = parse_pairs(&["20BA6B65F97481D5570070DE90E4E791=6".into()]).unwrap();
        assert_eq!(t[0].vertex, "20ba6b65f97481d5570070de90e4e791");
        assert_eq!(t[0].parallelism, 6);
        assert!(matches!(
            parse_pairs(&["x=1".into()]),
            Err(PairError::Invalid { message, hint: Some(h) })
                if message == "not JobVertexIDs: x" && h.contains("32 hex digits")
        ));
        assert_eq!(
            parse_pairs(&["20ba6b65f97481d5570070de90e4e791".into()]),
            Err(PairError::NoEquals {
                pair: "20ba6b65f97481d5570070de90e4e791".into()
            })
        );
        assert_eq!(
            parse_pairs(&["20ba6b65f97481d5570070de90e4e791= x".into()]),
            Err(PairError::NotInteger {
                pair: "20ba6b65f97481d5570070de90e4e791= x".into(),
                value: " x".into()
            })
        );
        assert!(matches!(
            parse_pairs(&["20ba6b65f97481d5570070de90e4e791=0".into()]),
            Err(PairError::Invalid { message, hint: None }) if message.contains("at least 1")
        ));
        assert!(matches!(
            parse_pairs(&[
                "20ba6b65f97481d5570070de90e4e791=2".into(),
                "20ba6b65f97481d5570070de90e4e791=3".into()
            ]),
            Err(PairError::Invalid { message, .. }) if message.contains("twice")
        ));
    }
}
