//! `planscale record` and `planscale apply`: talking to a running Flink cluster.
//!
//! Flags to requests and outcomes to `render::live`: the two commands are the operations
//! `planscale::rest::recording::record` and `planscale::rest::rescale::apply`. Only the words that
//! name this command line's flags are here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::cli::OutputFormat;
use planscale::error::UsageError;
use planscale::render::live;
use planscale::rest::apply::{self, PairError};
use planscale::rest::lookup::StartError;
use planscale::rest::record::Note;
use planscale::rest::recording::{self, RecordError, RecordRequest, Skip};
use planscale::rest::rescale::{self, ApplyError, ApplyRequest, Targets, WaitEnd};
use planscale::rest::Client;
use planscale::value::DurationMs;

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("jobs-to-record").required(true).args(["jobs", "all_running"]),
    after_help = "Polls the REST API every --interval: the job details, then for every RUNNING \
vertex the aggregated subtask metrics (agg=min,max,avg,sum) of the metrics planscale reads that \
the vertex reports (busy/idle/backpressured time, record rates and counters, source lag and \
pending records, buffer pool usage). Writes the long CSV of docs/metrics.md (timestamp_ms,job_id,\
vertex_id,vertex_name,parallelism,metric,value), flushed after every poll, and the job details \
beside it as <CSV stem>.job.json (<CSV stem>.<job id>.job.json for several jobs), rewritten when \
the parallelism changes. Stops after --duration, on Ctrl-C, or when every job has ended. A cluster \
that stops answering mid-recording is a warning and polling goes on. Then: planscale recommend \
--metrics CSV --graph <CSV stem>.job.json"
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
    /// Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as
    /// curl's --cacert)
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
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
    /// The cluster's REST endpoint, e.g. http://127.0.0.1:8081 (not needed for --dry-run with
    /// --recommendation, which then prints the request without checking it against the job)
    #[arg(long, value_name = "URL", required_unless_present_all = ["dry_run", "recommendation"])]
    pub rest: Option<String>,
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
    /// Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as
    /// curl's --cacert)
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
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

fn client(url: &str, timeout: Duration, ca_cert: Option<&Path>) -> anyhow::Result<Client> {
    let ca = ca_cert.map(crate::cli::fetch::ca_certs).transpose()?;
    Client::with_ca(url, timeout, ca.as_ref()).map_err(|e| UsageError(format!("--rest {e}")).into())
}

/// The job named could not be read, as one `error:` line (plus hints).
fn start_error(e: StartError) -> anyhow::Error {
    match e {
        StartError::NotAJobId(job) => UsageError(format!("--job `{job}` is not a job id")).into(),
        StartError::NotFound(nf) => live::job_not_found(&nf).into(),
        StartError::Rest(e) => e.into(),
    }
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
    let request = RecordRequest {
        client: client(&a.rest, timeout, a.ca_cert.as_deref())?.interruptible(stop, None),
        jobs: &a.jobs,
        all_running: a.all_running,
        csv: &a.output,
        append: a.append,
        interval,
        duration: limit,
        stop,
    };
    let mut show = |p: recording::Progress| eprint!("{}", record_progress(&a, p));
    let o = match recording::record(request, &mut show) {
        Ok(o) => o,
        Err(e) if e.is_interrupted() => {
            eprint!("{}", live::INTERRUPTED_AT_START);
            return Ok(130);
        }
        Err(e) => return Err(record_error(e)),
    };
    eprint!("{}", live::recorded(&o));
    if o.rows == 0 {
        eprint!("{}", live::NO_ROWS);
        return Ok(1);
    }
    if let [plan] = o.plans.as_slice() {
        eprintln!(
            "next: planscale recommend --metrics {} --graph {}",
            o.csv.display(),
            plan.display()
        );
    }
    Ok(0)
}

/// What `record` says as it goes (all of it on stderr).
fn record_progress(a: &RecordArgs, p: recording::Progress) -> String {
    match p {
        recording::Progress::Skipped { job, why } => match why {
            Skip::Unreadable(e) => live::not_recording(job, &format!("{:#}", start_error(e))),
            Skip::Ended { name, state } => live::skipped_ended(job, &name, &state),
        },
        recording::Progress::Started(s) => live::recording(s, &a.interval, a.duration.as_deref()),
        recording::Progress::Note { after, note } => {
            let message = note_message(&note);
            live::stamped(after, note.is_warning(), &message)
        }
    }
}

/// The poll loop's notes; the two about --duration and --interval name them.
fn note_message(note: &Note) -> String {
    match note {
        Note::DeadlineDuringPoll { took } => format!(
            "--duration ended during a poll that had taken {:.1} s (the cluster answers slowly): \
             that poll's rows are not written",
            took.as_secs_f64()
        ),
        Note::SlowPoll { took, interval } => format!(
            "a poll took {:.1} s, longer than --interval {}: polls are further apart than asked",
            took.as_secs_f64(),
            DurationMs(interval.as_millis() as i64)
        ),
        n => live::note_message(n).unwrap_or_default(),
    }
}

fn record_error(e: RecordError) -> anyhow::Error {
    match e {
        RecordError::Start(e) => start_error(e),
        RecordError::Ended {
            url,
            id,
            name,
            state,
        } => live::record_ended(&url, &id, &name, &state).into(),
        RecordError::NoJobRunning { url } => live::no_job_running(&url).into(),
        RecordError::Rest(e) => e.into(),
        RecordError::Output(e) => e,
    }
}

pub(crate) fn run_apply(a: ApplyArgs) -> anyhow::Result<u8> {
    let timeout = duration("--timeout", &a.timeout)?;
    let wait_timeout = duration("--wait-timeout", &a.wait_timeout)?;
    // Everything local first: nothing is requested for an unreadable recommendation.
    let (targets, source) = match &a.recommendation {
        Some(path) => (
            Targets::Complete(apply::read_recommendation(path)?),
            path.as_str(),
        ),
        None => (
            Targets::Partial(apply::parse_pairs(&a.parallelism).map_err(pair_error)?),
            "--parallelism",
        ),
    };
    let Some(rest) = a.rest.as_deref() else {
        return offline_dry_run(&a, &targets);
    };
    let client = client(rest, timeout, a.ca_cert.as_deref())?;
    let request = ApplyRequest {
        client: &client,
        job: &a.job,
        targets,
        dry_run: a.dry_run,
        wait: a.wait.then_some(wait_timeout),
    };
    let text = a.format == OutputFormat::Text;
    let o = rescale::apply(request, &mut |p| apply_progress(text, p))
        .map_err(|e| apply_error(source, e))?;
    let mut out = std::io::stdout().lock();
    let failure = o
        .wait
        .as_ref()
        .and_then(|w| live::wait_failure(&o.planned, w));
    if let Some(f) = &failure {
        eprint!("{f}");
    }
    if !text {
        out.write_all(live::apply_json(&o).as_bytes())?;
    } else if o.dry_run {
        out.write_all(live::DRY_RUN.as_bytes())?;
    } else if let Some(WaitEnd::Reached(after)) = o.wait.as_ref().map(|w| &w.end) {
        out.write_all(live::reached(*after).as_bytes())?;
    }
    Ok(if o.succeeded() { 0 } else { 1 })
}

/// `--dry-run --recommendation` without `--rest`: the request, from the file alone.
fn offline_dry_run(a: &ApplyArgs, targets: &Targets) -> anyhow::Result<u8> {
    let Targets::Complete(targets) = targets else {
        return Err(UsageError(
            "--parallelism needs --rest: the job's current requirements fill in the other vertices"
                .into(),
        )
        .into());
    };
    // Job ids are 32 hex digits, as vertex ids are.
    if !apply::is_vertex_id(&a.job) {
        return Err(UsageError(format!("--job {}: not a job id (32 hex digits)", a.job)).into());
    }
    let body = apply::offline_body(targets);
    eprint!("{}", live::OFFLINE_NOTE);
    let out = match a.format {
        OutputFormat::Text => live::offline_dry_run(&a.job, &body),
        OutputFormat::Json => live::offline_dry_run_json(&a.job, &body),
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(0)
}

/// A --parallelism value that is not a VERTEX_ID=PARALLELISM target.
fn pair_error(e: PairError) -> UsageError {
    UsageError(match e {
        PairError::NoEquals { pair } => {
            format!("--parallelism `{pair}`: expected VERTEX_ID=PARALLELISM")
        }
        PairError::NotInteger { pair, value } => {
            format!("--parallelism `{pair}`: `{value}` is not an integer")
        }
        PairError::Invalid {
            message,
            hint: Some(h),
        } => format!("--parallelism: {message} ({h})"),
        PairError::Invalid {
            message,
            hint: None,
        } => format!("--parallelism: {message}"),
    })
}

/// Text output follows the request as it goes; warnings go to stderr in either format.
fn apply_progress(text: bool, p: rescale::Progress) -> std::io::Result<()> {
    let shown = match p {
        rescale::Progress::Warning(w) => {
            eprint!("{}", live::apply_warning(&w));
            return Ok(());
        }
        _ if !text => return Ok(()),
        rescale::Progress::Planned(p) => live::planned(p),
        rescale::Progress::Answered(r) => live::answered(r),
        rescale::Progress::Observed(ev) => live::wait_event(ev),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(shown.as_bytes())?;
    out.flush()
}

/// The operation's refusals, with this command's flags named where they help.
fn apply_error(source: &str, e: ApplyError) -> anyhow::Error {
    match e {
        ApplyError::Start(e) => start_error(e),
        ApplyError::Ended { url, name, state } => live::job_ended(&url, &name, &state).into(),
        ApplyError::Refused(r) => live::refusal(source, r).into(),
        ApplyError::NotAdaptive {
            url,
            name,
            scheduler,
        } => live::not_adaptive(&url, &name, &scheduler)
            .hint(
                "set jobmanager.scheduler: adaptive, or resubmit with \
                 pipeline.jobvertex-parallelism-overrides (planscale recommend --format overrides)",
            )
            .into(),
        ApplyError::Rest(e) => e.into(),
        ApplyError::Output(e) => e.into(),
    }
}
