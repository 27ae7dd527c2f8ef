//! `planscale record` as one operation: from a request (which jobs, where to, how often, how
//! long) to what was recorded (polls, rows, the files, why it stopped).
//!
//! Jobs named must be there and not ended, or nothing is written; jobs found RUNNING by
//! `all_running` may end or vanish before their details are read, which is only reported. Every
//! file is written by [`Recorder`] once all jobs are read. The client should be interruptible by
//! the request's stop flag ([`Client::interruptible`]) so that even the first requests give way to
//! Ctrl-C ([`RecordError::is_interrupted`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::lookup::{fetch_job, StartError};
use super::record::{Note, Recorder, StopReason};
use super::{Client, JobDetails, JobSummary, RestError};

#[derive(Debug, Clone)]
pub struct RecordRequest<'a> {
    pub client: Client,
    /// Jobs named: each must be there and not ended.
    pub jobs: &'a [String],
    /// Also every job RUNNING now.
    pub all_running: bool,
    pub csv: &'a Path,
    /// Add to an existing CSV of the same header instead of replacing it.
    pub append: bool,
    pub interval: Duration,
    /// Stop after this long (`None`: when stopped or every job ended).
    pub duration: Option<Duration>,
    pub stop: &'static AtomicBool,
}

/// Why a job found by `all_running` is not recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Skip {
    /// Its details could not be read.
    Unreadable(StartError),
    /// It has ended since the list was read.
    Ended { name: String, state: String },
}

/// A job being recorded, as it was when recording started.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedJob {
    pub id: String,
    pub name: String,
    pub state: String,
}

/// Recording has started: every file is open or written.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub jobs: Vec<RecordedJob>,
    /// The cluster's base URL.
    pub base: String,
    /// From `GET /overview`, when it answered.
    pub flink_version: Option<String>,
    pub csv: PathBuf,
    /// The job details files, one per job.
    pub plans: Vec<PathBuf>,
}

/// What the observer is told, in this order: skipped jobs, [`Progress::Started`], then the notes
/// of the polls.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<'a> {
    Skipped {
        job: &'a str,
        why: Skip,
    },
    Started(&'a Started),
    /// `after` counts from just after `Started` was reported.
    Note {
        after: Duration,
        note: Note,
    },
}

/// What was recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    pub polls: u64,
    /// Rows written (without the header).
    pub rows: u64,
    /// From just after `Started` to the end.
    pub elapsed: Duration,
    pub csv: PathBuf,
    pub plans: Vec<PathBuf>,
    pub reason: StopReason,
}

/// Why recording did not start (nothing was written), or a file that could not be written.
#[derive(Debug)]
pub enum RecordError {
    /// A job named could not be read.
    Start(StartError),
    /// A job named has ended.
    Ended {
        url: String,
        id: String,
        name: String,
        state: String,
    },
    /// No job is left to record.
    NoJobRunning { url: String },
    /// The job list (`all_running`) could not be read.
    Rest(RestError),
    /// Writing the CSV or a plan file failed.
    Output(anyhow::Error),
}

impl RecordError {
    /// Stopped (Ctrl-C, SIGTERM) before recording started.
    pub fn is_interrupted(&self) -> bool {
        match self {
            RecordError::Start(e) => e.is_interrupted(),
            RecordError::Rest(e) => e.is_interrupted(),
            RecordError::Output(e) => e.chain().any(|c| {
                c.downcast_ref::<RestError>()
                    .is_some_and(RestError::is_interrupted)
            }),
            RecordError::Ended { .. } | RecordError::NoJobRunning { .. } => false,
        }
    }
}

/// Reads the jobs, starts the files, polls until the duration, the stop flag or the end of
/// every job.
pub fn record(
    r: RecordRequest,
    observe: &mut dyn FnMut(Progress),
) -> Result<RecordOutcome, RecordError> {
    let jobs = read_jobs(&r, observe)?;
    let recorded: Vec<RecordedJob> = jobs
        .iter()
        .map(|d| RecordedJob {
            id: d.id.clone(),
            name: d.name.clone(),
            state: d.state.clone(),
        })
        .collect();
    let mut recorder =
        Recorder::start(r.client.clone(), jobs, r.csv, r.append).map_err(RecordError::Output)?;
    let started = Started {
        jobs: recorded,
        base: r.client.base().to_string(),
        flink_version: r.client.overview().ok().and_then(|o| o.flink_version),
        csv: r.csv.to_path_buf(),
        plans: recorder.plan_paths(),
    };
    observe(Progress::Started(&started));
    let t0 = Instant::now();
    let reason = recorder
        .run(r.interval, r.duration, r.stop, &mut |note| {
            observe(Progress::Note {
                after: t0.elapsed(),
                note,
            })
        })
        .map_err(RecordError::Output)?;
    Ok(RecordOutcome {
        polls: recorder.polls,
        rows: recorder.rows,
        elapsed: t0.elapsed(),
        csv: recorder.csv_path().to_path_buf(),
        plans: started.plans,
        reason,
    })
}

/// The ids to read, each with whether it was named: the named ones in their order, then the
/// RUNNING ones of `listed` not named.
pub fn candidates(named: &[String], listed: Option<Vec<JobSummary>>) -> Vec<(String, bool)> {
    let mut ids: Vec<(String, bool)> = named.iter().map(|j| (j.clone(), true)).collect();
    for j in listed
        .into_iter()
        .flatten()
        .filter(|j| j.state == "RUNNING")
    {
        if !ids.iter().any(|(id, _)| *id == j.id) {
            ids.push((j.id, false));
        }
    }
    ids
}

/// The details of every job to record.
fn read_jobs(
    r: &RecordRequest,
    observe: &mut dyn FnMut(Progress),
) -> Result<Vec<JobDetails>, RecordError> {
    let listed = if r.all_running {
        Some(r.client.jobs().map_err(RecordError::Rest)?)
    } else {
        None
    };
    let mut jobs: Vec<JobDetails> = Vec::new();
    for (id, named) in &candidates(r.jobs, listed) {
        if jobs.iter().any(|d| d.id == *id) {
            continue;
        }
        let d = match fetch_job(&r.client, id) {
            Ok(d) => d,
            Err(e) if !named => {
                let why = Skip::Unreadable(e);
                observe(Progress::Skipped { job: id, why });
                continue;
            }
            Err(e) => return Err(RecordError::Start(e)),
        };
        if d.is_terminal() {
            if !named {
                let (name, state) = (d.name, d.state);
                observe(Progress::Skipped {
                    job: id,
                    why: Skip::Ended { name, state },
                });
                continue;
            }
            return Err(RecordError::Ended {
                url: r.client.url(&format!("/jobs/{id}")),
                id: id.clone(),
                name: d.name,
                state: d.state,
            });
        }
        jobs.push(d);
    }
    if jobs.is_empty() {
        return Err(RecordError::NoJobRunning {
            url: r.client.url("/jobs/overview"),
        });
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::fake_server::{fixture, flink, Behaviour, FakeFlink, JOB};
    use crate::rest::lookup::NotFound;

    static NOT_STOPPED: AtomicBool = AtomicBool::new(false);
    static STOPPED: AtomicBool = AtomicBool::new(true);

    fn request<'a>(
        server: &FakeFlink,
        jobs: &'a [String],
        csv: &'a Path,
        stop: &'static AtomicBool,
    ) -> RecordRequest<'a> {
        let client = Client::new(&server.url, Duration::from_secs(5)).expect("a loopback URL");
        RecordRequest {
            client: client.interruptible(stop, None),
            jobs,
            all_running: false,
            csv,
            append: false,
            interval: Duration::from_secs(1),
            duration: Some(Duration::from_millis(300)),
            stop,
        }
    }

    fn summary(id: &str, state: &str) -> JobSummary {
        JobSummary {
            id: id.into(),
            name: None,
            state: state.into(),
        }
    }

    #[test]
    fn named_jobs_first_then_the_running_ones_not_named() {
        let named = vec!["b".to_string(), "a".to_string()];
        let listed = vec![
            summary("a", "RUNNING"),
            summary("c", "FINISHED"),
            summary("d", "RUNNING"),
        ];
        assert_eq!(
            candidates(&named, Some(listed)),
            vec![
                ("b".to_string(), true),
                ("a".to_string(), true),
                ("d".to_string(), false)
            ]
        );
        assert_eq!(candidates(&named, None).len(), 2);
    }

    #[test]
    fn one_poll_of_one_job() {
        let server = FakeFlink::start(flink(Behaviour::default()));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let csv = dir.path().join("run.csv");
        let jobs = vec![JOB.to_string()];
        let mut started = None;
        let o = record(request(&server, &jobs, &csv, &NOT_STOPPED), &mut |p| {
            if let Progress::Started(s) = p {
                started = Some(s.clone());
            }
        })
        .expect("recorded");
        assert_eq!((o.polls, o.reason), (1, StopReason::Duration));
        assert!(o.rows > 0);
        let plan = dir.path().join("run.job.json");
        assert_eq!(o.plans, vec![plan.clone()]);
        let s = started.expect("started is reported");
        assert_eq!(s.flink_version.as_deref(), Some("2.3.0"));
        assert_eq!(s.jobs[0].name, "udf_bottleneck");
        assert_eq!(s.plans, o.plans);
        let rows = std::fs::read_to_string(&csv).expect("the CSV is written");
        assert_eq!(rows.lines().count() as u64, o.rows + 1);
        assert!(plan.exists());
    }

    #[test]
    fn nothing_is_written_for_an_ended_job_or_a_stop_before_the_start() {
        let job = fixture("udf_bottleneck/job.json").replacen(
            "\"state\": \"RUNNING\"",
            "\"state\": \"FINISHED\"",
            1,
        );
        let server = FakeFlink::start(flink(Behaviour {
            job_details: Some(job),
            ..Behaviour::default()
        }));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let csv = dir.path().join("run.csv");
        let jobs = vec![JOB.to_string()];
        let e = record(request(&server, &jobs, &csv, &NOT_STOPPED), &mut |_| {}).unwrap_err();
        assert!(
            matches!(&e, RecordError::Ended { state, .. } if state == "FINISHED"),
            "{e:?}"
        );
        assert!(!e.is_interrupted());
        // Found by all_running instead, it is skipped, and then there is nothing to record.
        let mut r = request(&server, &[], &csv, &NOT_STOPPED);
        r.all_running = true;
        let mut skipped = Vec::new();
        let e = record(r, &mut |p| {
            if let Progress::Skipped { job, why } = p {
                skipped.push((job.to_string(), why));
            }
        })
        .unwrap_err();
        assert!(matches!(e, RecordError::NoJobRunning { .. }), "{e:?}");
        // The overview's other two jobs are not served (404); this one has ended.
        assert_eq!(skipped.len(), 3);
        assert!(matches!(
            &skipped[0].1,
            Skip::Unreadable(StartError::NotFound(NotFound { .. }))
        ));
        assert_eq!(
            skipped[1],
            (
                JOB.to_string(),
                Skip::Ended {
                    name: "udf_bottleneck".into(),
                    state: "FINISHED".into()
                }
            )
        );

        let e = record(request(&server, &jobs, &csv, &STOPPED), &mut |_| {}).unwrap_err();
        assert!(e.is_interrupted(), "{e:?}");
        assert_eq!(
            std::fs::read_dir(dir.path()).map(|d| d.count()).ok(),
            Some(0)
        );
    }
}
