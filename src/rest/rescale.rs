//! `planscale apply` as one operation: from a request (the job, the wanted parallelism, dry run or
//! not, how long to wait) to what happened (the changes, the request, Flink's answer, the states
//! the job went through).
//!
//! Every check comes before the PUT, so a refusal always means nothing was sent: the job is read
//! (and must be the job named), an ended job is refused, the targets must match its vertices
//! ([`apply::build_request`]), and a scheduler other than the adaptive one is refused. Every
//! request names the job as the user named it. Progress goes to an observer as it happens; an
//! observer that fails before the PUT (stdout closed) stops the operation there.

use std::time::{Duration, Instant};

use super::apply::{self, Change, Pending, Refusal, Seen, Target, WaitEvent, WaitOptions};
use super::lookup::{fetch_job, StartError};
use super::{Client, JobDetails, RestError};

/// Time between two reads of the job details while waiting.
const POLL: Duration = Duration::from_millis(250);

/// The parallelism wanted.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// A recommendation: must name exactly the job's vertices.
    Complete(Vec<Target>),
    /// Some vertices; the others keep their current requirements (or, when those cannot be read,
    /// their parallelism).
    Partial(Vec<Target>),
}

#[derive(Debug, Clone)]
pub struct ApplyRequest<'a> {
    pub client: &'a Client,
    /// The job as named; every request names it so.
    pub job: &'a str,
    pub targets: Targets,
    /// Plan and report, send nothing.
    pub dry_run: bool,
    /// Follow the job after the PUT until it runs at the new parallelism, at most this long.
    pub wait: Option<Duration>,
}

/// The request, ready to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The job's details as read before anything was sent.
    pub job: JobDetails,
    /// Every vertex of the job, in the job's order.
    pub changes: Vec<Change>,
    /// The URL of the `PUT`.
    pub url: String,
    /// Its body, exactly as sent.
    pub body: String,
}

/// Flink's answer to the `PUT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// As received (lossy where it is not UTF-8).
    pub body: String,
    pub latency: Duration,
}

/// Worth telling; the operation goes on.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// The current requirements could not be read: vertices without a target get their
    /// parallelism as upper bound.
    RequirementsUnread(RestError),
    /// The job is neither RUNNING nor ended (CREATED, RESTARTING, ...): the request is sent anyway.
    NotRunning { name: String, state: String },
    /// A read of the job failed while waiting (the first of a streak); waiting goes on.
    WaitReadFailed(RestError),
}

/// What the observer is told, in this order: warnings, [`Progress::Planned`], then (not in a dry
/// run) [`Progress::Answered`] and, when waiting, every [`Progress::Observed`] state.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<'a> {
    Warning(Warning),
    Planned(&'a Planned),
    Answered(&'a Response),
    Observed(&'a WaitEvent),
}

/// How waiting ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitEnd {
    /// Every vertex RUNNING at its new parallelism, this long after the PUT.
    Reached(Duration),
    /// The job reached this terminal state.
    Ended(String),
    /// Not there within the timeout.
    TimedOut {
        /// What is still different, from the last details read (`None`: no read succeeded).
        pending: Option<Vec<Pending>>,
        /// The cluster's free slots then, when it said.
        free_slots: Option<i64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Waited {
    /// How long was allowed.
    pub timeout: Duration,
    /// Every state seen, the first one included.
    pub events: Vec<WaitEvent>,
    pub end: WaitEnd,
}

/// What `apply` did.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyOutcome {
    pub planned: Planned,
    pub dry_run: bool,
    /// `None` in a dry run.
    pub response: Option<Response>,
    /// `None` unless asked to wait (and something was sent).
    pub wait: Option<Waited>,
}

impl ApplyOutcome {
    /// Sent, and (when asked to wait) the job runs at the new parallelism.
    pub fn succeeded(&self) -> bool {
        self.wait
            .as_ref()
            .is_none_or(|w| matches!(w.end, WaitEnd::Reached(_)))
    }
}

/// Why nothing was sent (or, for [`ApplyError::Rest`], why the PUT failed).
#[derive(Debug)]
pub enum ApplyError {
    /// The job named could not be read.
    Start(StartError),
    /// The job has ended: only a running job can be rescaled.
    Ended {
        url: String,
        name: String,
        state: String,
    },
    /// The targets do not fit the job.
    Refused(Refusal),
    /// A scheduler that does not rescale through resource requirements.
    NotAdaptive {
        url: String,
        name: String,
        scheduler: String,
    },
    /// The PUT failed.
    Rest(RestError),
    /// The observer failed (its output went away).
    Output(std::io::Error),
}

/// Plans the request for the job named, sends it unless it is a dry run, and waits when asked.
pub fn apply(
    r: ApplyRequest,
    observe: &mut dyn FnMut(Progress) -> std::io::Result<()>,
) -> Result<ApplyOutcome, ApplyError> {
    let client = r.client;
    let job = fetch_job(client, r.job).map_err(ApplyError::Start)?;
    if job.is_terminal() {
        return Err(ApplyError::Ended {
            url: client.url(&format!("/jobs/{}", job.id)),
            name: job.name,
            state: job.state,
        });
    }
    let changes = plan_changes(client, r.job, &job, &r.targets, observe)?;
    if let Some(s) = job.scheduler_type.as_deref() {
        if !s.eq_ignore_ascii_case("adaptive") {
            return Err(ApplyError::NotAdaptive {
                url: client.url(&format!("/jobs/{}", job.id)),
                scheduler: s.to_string(),
                name: job.name,
            });
        }
    }
    if job.state != "RUNNING" {
        let (name, state) = (job.name.clone(), job.state.clone());
        observe(Progress::Warning(Warning::NotRunning { name, state }))
            .map_err(ApplyError::Output)?;
    }
    let path = format!("/jobs/{}/resource-requirements", super::encode(r.job));
    let planned = Planned {
        url: client.url(&path),
        body: apply::body(&changes),
        job,
        changes,
    };
    observe(Progress::Planned(&planned)).map_err(ApplyError::Output)?;
    if r.dry_run {
        return Ok(ApplyOutcome {
            planned,
            dry_run: true,
            response: None,
            wait: None,
        });
    }
    let t_put = Instant::now();
    let answer = client
        .put_resource_requirements(r.job, &planned.body)
        .map_err(ApplyError::Rest)?;
    let response = Response {
        status: answer.status,
        body: answer.body,
        latency: t_put.elapsed(),
    };
    observe(Progress::Answered(&response)).map_err(ApplyError::Output)?;
    let wait = r
        .wait
        .map(|timeout| follow(client, r.job, &planned.changes, t_put, timeout, observe));
    Ok(ApplyOutcome {
        planned,
        dry_run: false,
        response: Some(response),
        wait,
    })
}

/// The changes for `targets`: checked against the job first, then, for a partial set, built
/// again on the requirements the scheduler has now.
fn plan_changes(
    client: &Client,
    job_id: &str,
    job: &JobDetails,
    targets: &Targets,
    observe: &mut dyn FnMut(Progress) -> std::io::Result<()>,
) -> Result<Vec<Change>, ApplyError> {
    let (targets, complete) = match targets {
        Targets::Complete(t) => (t, true),
        Targets::Partial(t) => (t, false),
    };
    let changes =
        apply::build_request(job, targets, complete, None).map_err(ApplyError::Refused)?;
    if complete || targets.len() >= job.vertices.len() {
        return Ok(changes);
    }
    match client.resource_requirements(job_id) {
        Ok(current) => {
            apply::build_request(job, targets, false, Some(&current)).map_err(ApplyError::Refused)
        }
        Err(e) => {
            observe(Progress::Warning(Warning::RequirementsUnread(e)))
                .map_err(ApplyError::Output)?;
            Ok(changes)
        }
    }
}

/// Follows the job from the PUT ([`apply::wait`]); a timeout also asks for the free slots.
fn follow(
    client: &Client,
    job_id: &str,
    changes: &[Change],
    t_put: Instant,
    timeout: Duration,
    observe: &mut dyn FnMut(Progress) -> std::io::Result<()>,
) -> Waited {
    let mut events = Vec::new();
    let options = WaitOptions {
        t_put,
        timeout,
        poll: POLL,
    };
    // What is seen while waiting is only reported: an observer that fails here does not stop
    // the wait (the request is sent; its outcome still decides the result).
    let outcome = apply::wait(client, job_id, changes, options, &mut |seen| match seen {
        Seen::State(ev) => {
            let _ = observe(Progress::Observed(ev));
            events.push(ev.clone());
        }
        Seen::ReadFailed(e) => {
            let _ = observe(Progress::Warning(Warning::WaitReadFailed(e)));
        }
    });
    let end = match outcome {
        apply::WaitOutcome::Reached(d) => WaitEnd::Reached(d),
        apply::WaitOutcome::Ended(state) => WaitEnd::Ended(state),
        apply::WaitOutcome::TimedOut(last) => WaitEnd::TimedOut {
            pending: last.map(|d| apply::pending(&d, changes)),
            free_slots: client.overview().ok().and_then(|o| o.slots_available),
        },
    };
    Waited {
        timeout,
        events,
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::fake_server::{fixture, flink, Behaviour, FakeFlink, Reply, Request};
    use crate::rest::fake_server::{AGG, JOB, SOURCE, UDF};

    fn client(server: &FakeFlink) -> Client {
        Client::new(&server.url, Duration::from_secs(5)).expect("a loopback URL")
    }

    fn target(vertex: &str, parallelism: i64) -> Target {
        Target {
            vertex: vertex.into(),
            parallelism,
            name: None,
        }
    }

    fn request<'a>(client: &'a Client, targets: Targets) -> ApplyRequest<'a> {
        ApplyRequest {
            client,
            job: JOB,
            targets,
            dry_run: false,
            wait: None,
        }
    }

    fn sent(server: &FakeFlink) -> Vec<String> {
        server
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect()
    }

    /// What the observer was told, as short tags.
    fn tag(p: &Progress) -> String {
        match p {
            Progress::Warning(w) => format!("warning {w:?}"),
            Progress::Planned(_) => "planned".into(),
            Progress::Answered(r) => format!("answered {}", r.status),
            Progress::Observed(ev) => format!("observed {}", ev.state),
        }
    }

    #[test]
    fn a_dry_run_plans_on_the_current_requirements_and_sends_nothing() {
        let server = FakeFlink::start(flink(Behaviour::default()));
        let c = client(&server);
        let mut r = request(&c, Targets::Partial(vec![target(UDF, 6)]));
        r.dry_run = true;
        let mut seen = Vec::new();
        let o = apply(r, &mut |p| {
            seen.push(tag(&p));
            Ok(())
        })
        .expect("the dry run succeeds");
        assert_eq!(seen, vec!["planned"]);
        assert!(o.dry_run && o.response.is_none() && o.wait.is_none() && o.succeeded());
        let bounds: Vec<(&str, u32, i64)> = o
            .planned
            .changes
            .iter()
            .map(|c| (c.vertex.as_str(), c.current, c.bounds.upper))
            .collect();
        assert_eq!(bounds, vec![(SOURCE, 1, 1), (UDF, 2, 6), (AGG, 2, 2)]);
        assert_eq!(
            o.planned.url,
            format!("{}/jobs/{JOB}/resource-requirements", server.url)
        );
        assert_eq!(o.planned.body, apply::body(&o.planned.changes));
        assert_eq!(
            sent(&server),
            vec![
                format!("GET /jobs/{JOB}"),
                format!("GET /jobs/{JOB}/resource-requirements")
            ]
        );
    }

    #[test]
    fn refusals_send_nothing() {
        let server = FakeFlink::start(flink(Behaviour::default()));
        let c = client(&server);
        let unknown = "0123456789abcdef0123456789abcdef";
        let r = request(&c, Targets::Partial(vec![target(unknown, 3)]));
        let e = apply(r, &mut |_| Ok(())).unwrap_err();
        assert!(
            matches!(&e, ApplyError::Refused(r) if r.message.contains(unknown)),
            "{e:?}"
        );
        // A recommendation must name every vertex.
        let r = request(&c, Targets::Complete(vec![target(UDF, 3)]));
        let e = apply(r, &mut |_| Ok(())).unwrap_err();
        assert!(matches!(e, ApplyError::Refused(_)), "{e:?}");
        assert!(server.requests().iter().all(|r| r.method == "GET"));

        for (from, to) in [
            (
                "\"schedulerType\": \"Adaptive\"",
                "\"schedulerType\": \"Default\"",
            ),
            ("\"state\": \"RUNNING\"", "\"state\": \"CANCELED\""),
        ] {
            let job = fixture("udf_bottleneck/job.json").replacen(from, to, 1);
            let server = FakeFlink::start(flink(Behaviour {
                job_details: Some(job),
                ..Behaviour::default()
            }));
            let c = client(&server);
            let r = request(&c, Targets::Partial(vec![target(UDF, 3)]));
            match apply(r, &mut |_| Ok(())).unwrap_err() {
                ApplyError::NotAdaptive { scheduler, .. } => assert_eq!(scheduler, "Default"),
                ApplyError::Ended { state, .. } => assert_eq!(state, "CANCELED"),
                e => panic!("{e:?}"),
            }
            assert!(server.requests().iter().all(|r| r.method == "GET"));
        }
    }

    #[test]
    fn an_observer_that_fails_before_the_put_stops_it() {
        let server = FakeFlink::start(flink(Behaviour::default()));
        let c = client(&server);
        let r = request(&c, Targets::Partial(vec![target(UDF, 6)]));
        let e = apply(r, &mut |_| Err(std::io::ErrorKind::BrokenPipe.into())).unwrap_err();
        assert!(matches!(e, ApplyError::Output(_)), "{e:?}");
        assert!(server.requests().iter().all(|r| r.method == "GET"));
    }

    #[test]
    fn the_put_and_the_wait_until_the_new_parallelism() {
        let server = FakeFlink::start(flink(Behaviour::default()));
        let c = client(&server);
        let mut r = request(&c, Targets::Partial(vec![target(UDF, 6)]));
        r.wait = Some(Duration::from_secs(10));
        let mut seen = Vec::new();
        let o = apply(r, &mut |p| {
            seen.push(tag(&p));
            Ok(())
        })
        .expect("the job rescales");
        assert_eq!(seen, vec!["planned", "answered 200", "observed RUNNING"]);
        assert!(o.succeeded());
        let puts: Vec<Request> = server
            .requests()
            .into_iter()
            .filter(|r| r.method == "PUT")
            .collect();
        assert_eq!(puts.len(), 1);
        assert_eq!(puts[0].body, o.planned.body);
        assert_eq!(o.response.as_ref().map(|r| r.body.as_str()), Some("{}"));
        let w = o.wait.expect("asked to wait");
        assert!(matches!(w.end, WaitEnd::Reached(_)), "{:?}", w.end);
        assert_eq!(w.events.len(), 1);
        assert_eq!(w.events[0].vertices[1].2, 6);
    }

    #[test]
    fn a_wait_that_times_out_says_what_is_pending_and_the_free_slots() {
        // The job never rescales.
        let base = flink(Behaviour::default());
        let server = FakeFlink::start(move |r: &Request| {
            if r.method == "GET" && r.path() == format!("/jobs/{JOB}") {
                Reply::json(200, fixture("udf_bottleneck/job.json"))
            } else {
                base(r)
            }
        });
        let c = client(&server);
        let mut r = request(&c, Targets::Partial(vec![target(UDF, 6)]));
        r.wait = Some(Duration::from_millis(400));
        let o = apply(r, &mut |_| Ok(())).expect("sent");
        assert!(!o.succeeded());
        let w = o.wait.expect("asked to wait");
        assert_eq!(
            w.end,
            WaitEnd::TimedOut {
                pending: Some(vec![Pending::Vertex {
                    id: UDF.into(),
                    name: "PythonCalc[8] -> Calc[9]".into(),
                    parallelism: 2,
                    status: "RUNNING".into(),
                    wanted: 6,
                }]),
                free_slots: Some(0),
            }
        );
        assert_eq!(w.events.len(), 1, "one state, reported once");
        assert_eq!(
            sent(&server).last().map(String::as_str),
            Some("GET /overview")
        );
    }
}
