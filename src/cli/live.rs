//! `planscale record` and `planscale apply`: talking to a running Flink cluster.
//!
//! Flags and messages only; the REST client and the logic of both commands are in `planscale::rest`.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use crate::cli::OutputFormat;
use planscale::error::{InputError, UsageError};
use planscale::rest::apply::{self, Change, WaitOutcome};
use planscale::rest::record::{Note, Recorder, StopReason};
use planscale::rest::{Client, JobDetails, RestError};

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("jobs-to-record").required(true).args(["jobs", "all_running"]),
    after_help = "Polls the REST API every --interval: the job details, then for every RUNNING \
vertex the aggregated subtask metrics (agg=min,max,avg,sum) of the metrics planscale reads that \
the vertex reports (busy/idle/backpressured time, record rates and counters, source lag and \
pending records, buffer pool usage). Writes the long CSV of metrics.md (timestamp_ms,job_id,\
vertex_id,vertex_name,parallelism,metric,value), flushed after every poll, and the job details \
beside it as <CSV stem>.plan.json (<CSV stem>.<job id>.plan.json for several jobs), rewritten when \
the parallelism changes. Stops after --duration, on Ctrl-C, or when every job has ended. A cluster \
that stops answering mid-recording is a warning and polling goes on. Then: planscale recommend \
--metrics CSV --graph <CSV stem>.plan.json"
)]
pub(crate) struct RecordArgs {
    /// The cluster's REST endpoint, e.g. http://127.0.0.1:8081
    #[arg(long, value_name = "URL")]
    pub rest: String,
    /// A job to record (repeatable)
    #[arg(long = "job", value_name = "ID")]
    pub jobs: Vec<String>,
    /// Record every job that is RUNNING now
    #[arg(long)]
    pub all_running: bool,
    /// Time between polls (Flink refreshes REST metrics every metrics.fetcher.update-interval, 10 s by default)
    #[arg(long, value_name = "DUR", default_value = "5s")]
    pub interval: String,
    /// Stop after this long (default: until Ctrl-C or the jobs end)
    #[arg(long, value_name = "DUR")]
    pub duration: Option<String>,
    /// The metric CSV to write
    #[arg(short = 'o', long = "output", value_name = "CSV")]
    pub output: PathBuf,
    /// Add to an existing CSV of the same header instead of replacing it
    #[arg(long)]
    pub append: bool,
    /// Timeout of each REST request
    #[arg(long, value_name = "DUR", default_value = "10s")]
    pub timeout: String,
}

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("parallelism-source").required(true).args(["recommendation", "parallelism"]),
    after_help = "Sends PUT /jobs/<id>/resource-requirements (needs jobmanager.scheduler: adaptive) \
with every vertex of the job, lowerBound 1 and upperBound the new parallelism. --recommendation \
reads `planscale recommend --format json` (or --format resource-requirements) and must name \
exactly the job's vertices by JobVertexID; --parallelism sets some vertices and keeps the current \
requirements of the others. Nothing is sent when the ids differ from the job's (exit 2). \
--dry-run prints the body and sends nothing. --wait follows the job until every vertex is RUNNING \
at its new parallelism (exit 1 if it is not within --wait-timeout). In Flink 2.x the adaptive \
scheduler rescales after its stabilization timeout, at the next completed checkpoint."
)]
pub(crate) struct ApplyArgs {
    /// The cluster's REST endpoint, e.g. http://127.0.0.1:8081
    #[arg(long, value_name = "URL")]
    pub rest: String,
    /// The running job to rescale
    #[arg(long, value_name = "ID")]
    pub job: String,
    /// `planscale recommend --format json` output (vertices[].id, recommended_parallelism)
    #[arg(long, value_name = "FILE.json")]
    pub recommendation: Option<String>,
    /// A vertex's new parallelism (repeatable)
    #[arg(long = "parallelism", value_name = "VID=P")]
    pub parallelism: Vec<String>,
    /// Print the request and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Follow the job until it runs at the new parallelism
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits
    #[arg(long, value_name = "DUR", default_value = "5min")]
    pub wait_timeout: String,
    /// Timeout of each REST request
    #[arg(long, value_name = "DUR", default_value = "10s")]
    pub timeout: String,
    /// text: the changes and the wait as they happen; json: one document at the end
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

fn duration(flag: &str, text: &str) -> anyhow::Result<Duration> {
    let d =
        planscale::scaler::parse_duration(text).map_err(|e| UsageError(format!("{flag}: {e}")))?;
    if d.0 <= 0 {
        return Err(UsageError(format!("{flag}: `{text}` must be positive")).into());
    }
    Ok(Duration::from_millis(d.0 as u64))
}

fn client(url: &str, timeout: Duration) -> anyhow::Result<Client> {
    Client::new(url, timeout).map_err(|e| UsageError(format!("--rest {e}")).into())
}

/// A REST failure before anything was done, as one `error:` line (plus hints).
fn startup_error(client: &Client, e: RestError, job: &str) -> anyhow::Error {
    if e.is_not_found() {
        let mut err = InputError::new(
            client.url(&format!("/jobs/{job}")),
            format!(
                "job {job} not found (404): a wrong id, or a job that ended and left the \
                 cluster's history"
            ),
        );
        if let Ok(jobs) = client.jobs() {
            let running: Vec<String> = jobs
                .iter()
                .filter(|j| j.state == "RUNNING")
                .map(|j| format!("{} {}", j.id, j.name.as_deref().unwrap_or("")))
                .collect();
            err = err.hint(if running.is_empty() {
                "no job is RUNNING on this cluster".to_string()
            } else {
                format!("running jobs: {}", running.join("; "))
            });
        }
        return err.into();
    }
    e.into()
}

fn fetch_job(client: &Client, job: &str) -> anyhow::Result<JobDetails> {
    if job.trim().is_empty() || job.contains('/') {
        return Err(UsageError(format!("--job `{job}` is not a job id")).into());
    }
    client
        .job_details(job)
        .map_err(|e| startup_error(client, e, job))
}

pub(crate) fn run_record(a: RecordArgs) -> anyhow::Result<u8> {
    let interval = duration("--interval", &a.interval)?;
    let limit = a
        .duration
        .as_deref()
        .map(|d| duration("--duration", d))
        .transpose()?;
    let timeout = duration("--timeout", &a.timeout)?;
    if a.output.as_os_str() == "-" {
        return Err(UsageError(
            "record writes a file that grows while it records: -o needs a file name".into(),
        )
        .into());
    }
    // First Ctrl-C (or SIGTERM, SIGHUP): give up the request in flight within 50 ms, write
    // nothing of the poll it belongs to, and stop; a second one ends the process at once
    // (`signals`). Asked for before the first request, so even a cluster that hangs at startup
    // is left at once.
    let stop = planscale::signals::graceful_stop();
    let client = client(&a.rest, timeout)?.interruptible(stop, None);
    match record(a, interval, limit, client, stop) {
        Err(e) if is_interrupted(&e) => {
            eprintln!("interrupted before recording started: nothing was written");
            Ok(130)
        }
        other => other,
    }
}

fn is_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<RestError>()
            .is_some_and(RestError::is_interrupted)
    })
}

fn record(
    a: RecordArgs,
    interval: Duration,
    limit: Option<Duration>,
    client: Client,
    stop: &'static std::sync::atomic::AtomicBool,
) -> anyhow::Result<u8> {
    // Jobs named with --job must be there; jobs found by --all-running may end before their
    // details are read, which is only a warning.
    let mut ids: Vec<(String, bool)> = a.jobs.iter().map(|j| (j.clone(), true)).collect();
    if a.all_running {
        for j in client.jobs()?.into_iter().filter(|j| j.state == "RUNNING") {
            if !ids.iter().any(|(id, _)| *id == j.id) {
                ids.push((j.id, false));
            }
        }
    }
    let mut jobs: Vec<JobDetails> = Vec::new();
    for (id, named) in &ids {
        if jobs.iter().any(|d| d.id == *id) {
            continue;
        }
        let d = match fetch_job(&client, id) {
            Ok(d) => d,
            Err(e) if !named => {
                eprintln!("warning: not recording job {id}: {e:#}");
                continue;
            }
            Err(e) => return Err(e),
        };
        if d.is_terminal() {
            let msg = format!("job {} ({id}) is {}: nothing to record", d.name, d.state);
            if !named {
                eprintln!("warning: {msg}");
                continue;
            }
            return Err(InputError::new(client.url(&format!("/jobs/{id}")), msg).into());
        }
        jobs.push(d);
    }
    if jobs.is_empty() {
        return Err(InputError::new(client.url("/jobs/overview"), "no job is RUNNING").into());
    }
    let names: Vec<String> = jobs
        .iter()
        .map(|d| format!("{} ({}, {})", d.name, d.id, d.state))
        .collect();

    let mut recorder = Recorder::start(client.clone(), jobs, &a.output, a.append)?;
    let version = client.overview().ok().and_then(|o| o.flink_version);
    let plans: Vec<String> = recorder
        .plan_paths()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    eprintln!(
        "recording {} on {}{} every {}{} into {} (plan: {}); Ctrl-C stops",
        names.join(", "),
        client.base(),
        version.map(|v| format!(" (Flink {v})")).unwrap_or_default(),
        a.interval,
        a.duration
            .as_deref()
            .map(|d| format!(" for {d}"))
            .unwrap_or_default(),
        a.output.display(),
        plans.join(", ")
    );

    let t0 = Instant::now();
    let mut notes = |n: Note| match n {
        Note::Info(m) => eprintln!("[{:>6.1} s] {m}", t0.elapsed().as_secs_f64()),
        Note::Warning(m) => eprintln!("warning: [{:>6.1} s] {m}", t0.elapsed().as_secs_f64()),
    };
    let reason = recorder.run(interval, limit, stop, &mut notes)?;
    let why = match reason {
        StopReason::Duration => "duration reached",
        StopReason::Interrupted => "interrupted",
        StopReason::AllJobsEnded => "every job ended",
    };
    eprintln!(
        "recorded {} poll{}, {} rows in {:.1} s into {} ({why})",
        recorder.polls,
        if recorder.polls == 1 { "" } else { "s" },
        recorder.rows,
        t0.elapsed().as_secs_f64(),
        recorder.csv_path().display()
    );
    if recorder.rows == 0 {
        eprintln!("error: no metric was recorded (no vertex was RUNNING and answering)");
        return Ok(1);
    }
    if let [plan] = plans.as_slice() {
        eprintln!(
            "next: planscale recommend --metrics {} --graph {plan}",
            recorder.csv_path().display()
        );
    }
    Ok(0)
}

fn change_lines(changes: &[Change]) -> Vec<String> {
    let width = changes
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    changes
        .iter()
        .map(|c| {
            let name: String = c.name.chars().take(60).collect();
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

pub(crate) fn run_apply(a: ApplyArgs) -> anyhow::Result<u8> {
    let timeout = duration("--timeout", &a.timeout)?;
    let wait_timeout = duration("--wait-timeout", &a.wait_timeout)?;
    // Everything local first: nothing is requested for an unreadable recommendation.
    let (targets, complete, source) = match &a.recommendation {
        Some(path) => (apply::read_recommendation(path)?, true, path.clone()),
        None => (
            apply::parse_pairs(&a.parallelism).map_err(UsageError)?,
            false,
            "--parallelism".to_string(),
        ),
    };
    let client = client(&a.rest, timeout)?;
    let job = fetch_job(&client, &a.job)?;
    let refuse = |r: apply::Refusal| -> anyhow::Error {
        let mut e = InputError::new(source.clone(), r.message);
        for h in r.hints {
            e = e.hint(h);
        }
        e.into()
    };
    if job.is_terminal() {
        return Err(InputError::new(
            client.url(&format!("/jobs/{}", job.id)),
            format!(
                "job {} is {}: only a running job can be rescaled",
                job.name, job.state
            ),
        )
        .into());
    }
    // Every request names the job the user named (the details were checked to be its own).
    let job_id = a.job.as_str();
    let mut changes = apply::build_request(&job, &targets, complete, None).map_err(refuse)?;
    if !complete && targets.len() < job.vertices.len() {
        // Vertices without a value keep what the scheduler has now.
        match client.resource_requirements(job_id) {
            Ok(current) => {
                changes =
                    apply::build_request(&job, &targets, false, Some(&current)).map_err(refuse)?;
            }
            Err(e) => {
                eprintln!("warning: {e}; the other vertices keep their parallelism as upper bound")
            }
        }
    }
    if let Some(s) = job.scheduler_type.as_deref() {
        if !s.eq_ignore_ascii_case("adaptive") {
            return Err(InputError::new(
                client.url(&format!("/jobs/{}", job.id)),
                format!(
                    "job {} runs under the {s} scheduler: only the adaptive scheduler changes \
                     parallelism through resource requirements; nothing was sent",
                    job.name
                ),
            )
            .hint("set jobmanager.scheduler: adaptive, or resubmit with pipeline.jobvertex-parallelism-overrides (planscale recommend --format overrides)")
            .into());
        }
    }
    if job.state != "RUNNING" {
        eprintln!(
            "warning: job {} is {}, not RUNNING; sending anyway",
            job.name, job.state
        );
    }

    let path = format!(
        "/jobs/{}/resource-requirements",
        planscale::rest::encode(job_id)
    );
    let url = client.url(&path);
    let body = apply::body(&changes);
    let text = a.format == OutputFormat::Text;
    let mut out = std::io::stdout().lock();
    if text {
        writeln!(
            out,
            "job {} ({}), {}{}",
            job.name,
            job.id,
            job.state,
            job.scheduler_type
                .as_deref()
                .map(|s| format!(", {s} scheduler"))
                .unwrap_or_default()
        )?;
        for l in change_lines(&changes) {
            writeln!(out, "{l}")?;
        }
        writeln!(out, "PUT {url}")?;
        write!(out, "{body}")?;
        out.flush()?;
    }
    let mut doc = json!({
        "job_id": job.id,
        "job_name": job.name,
        "request": {
            "method": "PUT",
            "url": url,
            "body": serde_json::from_str::<serde_json::Value>(&body)?,
        },
        "changes": changes.iter().map(|c| json!({
            "id": c.vertex, "name": c.name, "current_parallelism": c.current,
            "lower_bound": c.bounds.lower, "upper_bound": c.bounds.upper,
        })).collect::<Vec<_>>(),
        "dry_run": a.dry_run,
        "response": null,
        "wait": null,
    });
    if a.dry_run {
        if text {
            writeln!(out, "dry run: nothing was sent")?;
        } else {
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        return Ok(0);
    }

    let t_put = Instant::now();
    let answer = client.put_resource_requirements(job_id, &body)?;
    let latency = t_put.elapsed();
    if text {
        let shown = if answer.body.trim().is_empty() {
            "(empty body)"
        } else {
            answer.body.trim()
        };
        writeln!(
            out,
            "Flink answered {} in {:.2} s: {shown}",
            answer.status,
            latency.as_secs_f64()
        )?;
        out.flush()?;
    }
    doc["response"] =
        json!({ "status": answer.status, "body": answer.body, "latency_s": latency.as_secs_f64() });
    if !a.wait {
        if !text {
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        return Ok(0);
    }

    let mut events = Vec::new();
    let outcome = apply::wait(
        &client,
        job_id,
        &changes,
        apply::WaitOptions {
            t_put,
            timeout: wait_timeout,
            poll: Duration::from_millis(250),
        },
        &mut |ev| {
            if text {
                let _ = writeln!(std::io::stdout(), "{}", ev.line());
            }
            events.push(json!({
                "after_s": (ev.after_s * 1000.0).round() / 1000.0,
                "state": ev.state,
                "vertices": ev.vertices.iter().map(|(id, name, p, status)| json!({
                    "id": id, "name": name, "parallelism": p, "status": status
                })).collect::<Vec<_>>(),
            }));
        },
        &mut |w| eprintln!("warning: {w}"),
    );
    let (code, outcome_name, after) = match &outcome {
        WaitOutcome::Reached(d) => {
            if text {
                writeln!(
                    out,
                    "running at the new parallelism {:.1} s after the PUT",
                    d.as_secs_f64()
                )?;
            }
            (0u8, "running", Some(d.as_secs_f64()))
        }
        WaitOutcome::Ended(state) => {
            eprintln!("error: job {} ({}) is {state}", job.name, job.id);
            (1, "ended", None)
        }
        WaitOutcome::TimedOut(last) => {
            let mut why = last
                .as_deref()
                .map(|d| apply::pending(d, &changes))
                .unwrap_or_else(|| vec!["no answer from the cluster".to_string()]);
            if let Some(free) = client.overview().ok().and_then(|o| o.slots_available) {
                why.push(format!("the cluster has {free} free slots"));
            }
            eprintln!(
                "error: job {} is not at the new parallelism {} after the PUT: {}",
                job.name,
                planscale::value::DurationMs(wait_timeout.as_millis() as i64),
                why.join("; ")
            );
            eprintln!(
                "  hint: the adaptive scheduler rescales after its resource stabilization \
                 timeout, at the next completed checkpoint, and only with enough free slots"
            );
            (1, "timeout", None)
        }
    };
    if !text {
        doc["wait"] = json!({
            "outcome": outcome_name,
            "running_after_s": after.map(|s| (s * 1000.0).round() / 1000.0),
            "events": events,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    Ok(code)
}
