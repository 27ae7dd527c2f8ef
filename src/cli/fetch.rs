//! `planscale fetch`, and the Prometheus flags `recommend --prometheus` shares with it.
//!
//! Flags to a `planscale::prometheus::fetch::FetchRequest`, the outcome and errors to
//! `render::fetch`. Credentials come from files or the environment, never from a flag's value.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use planscale::error::{InputError, UsageError};
use planscale::io::{refuse_same_files, AtomicFile, Named};
use planscale::metrics::names;
use planscale::prometheus::client::HeaderError;
use planscale::prometheus::fetch::{self, FetchOutcome, Progress, DEFAULT_WINDOW_POINTS};
use planscale::prometheus::{
    Auth, Client, ClientOptions, FetchRequest, Header, JobSelector, Secret,
};
use planscale::render::fetch as render;

/// The bearer token when no --bearer-token-file is given.
pub(crate) const TOKEN_ENV: &str = "PLANSCALE_PROMETHEUS_TOKEN";
/// The basic-auth password when no --basic-auth-password-file is given.
pub(crate) const PASSWORD_ENV: &str = "PLANSCALE_PROMETHEUS_PASSWORD";

/// The default `--step`: Prometheus' default scrape interval, and how often the operator's
/// autoscaler samples by default.
pub(crate) const STEP: &str = "1m";

/// Largest credential file read.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Which series, from when, and how to reach the server: everything of `fetch` but the URL, the
/// job id and the output, which `recommend` has flags of its own for.
#[derive(Debug, Args, Clone)]
pub(crate) struct PrometheusOptions {
    /// The job by its name (the reporter's job_name label) instead of its id
    #[arg(long, value_name = "NAME", conflicts_with = "job")]
    pub job_name: Option<String>,
    /// History up to now, e.g. 7d, 6h, 30min
    #[arg(long, value_name = "DUR", conflicts_with_all = ["from", "to"])]
    pub since: Option<String>,
    /// Start of the range: epoch ms or s, or RFC 3339 with an offset
    #[arg(long, value_name = "TIMESTAMP")]
    pub from: Option<String>,
    /// End of the range (default: now)
    #[arg(long, value_name = "TIMESTAMP", requires = "from")]
    pub to: Option<String>,
    /// What the task metrics' names start with, for series renamed by relabelling or recording rules
    #[arg(long, value_name = "PREFIX", default_value = names::PROMETHEUS_TASK_PREFIX)]
    pub metric_prefix: String,
    /// Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)
    #[arg(long, value_name = "FILE", conflicts_with = "basic_auth_user")]
    pub bearer_token_file: Option<PathBuf>,
    /// Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD
    #[arg(long, value_name = "USER")]
    pub basic_auth_user: Option<String>,
    /// The basic-auth password, read from this file
    #[arg(long, value_name = "FILE", requires = "basic_auth_user")]
    pub basic_auth_password_file: Option<PathBuf>,
    /// PEM file of the CA(s) an https:// server's certificate must chain to, instead of the public roots
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// An extra request header, e.g. 'X-Scope-OrgID: tenant-1' for Mimir (repeatable; not Authorization)
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Timeout of each request to the server
    #[arg(long = "prometheus-timeout", value_name = "DUR", default_value = "1m")]
    pub timeout: String,
    /// Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
}

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("fetch-job").required(true).args(["job", "job_name"]),
    group = clap::ArgGroup::new("fetch-range").required(true).args(["since", "from"]),
    after_help = "Reads the series of Flink's Prometheus reporter (flink-metrics-prometheus) for one \
job from a server with Prometheus' HTTP API (Prometheus, Thanos Query, Mimir, Cortex, \
VictoriaMetrics) and writes the long CSV of docs/metrics.md that recommend and simulate read: \
timestamp_ms,job_id,vertex_id,vertex_name,subtask,parallelism,metric,value, one row per step, \
vertex, subtask and metric (busy, backpressured and idle time, records in and out and their rates, \
source record rates, pendingRecords and lags, Kafka and Pulsar partition offsets). The parallelism \
is the highest subtask index reporting at that step, plus one. The range is queried in windows under the \
server's 11,000 points per series, one window in memory at a time; rows are written in time order \
and the file replaces -o only once complete. Credentials: --bearer-token-file or \
$PLANSCALE_PROMETHEUS_TOKEN, --basic-auth-user with --basic-auth-password-file or \
$PLANSCALE_PROMETHEUS_PASSWORD; https:// with the public roots, or --ca-cert FILE for a private CA. Then: \
planscale recommend --metrics CSV --graph JOB.json"
)]
pub(crate) struct FetchArgs {
    /// The server: the URL before /api/v1, e.g. http://127.0.0.1:9090
    #[arg(long, value_name = "URL")]
    pub prometheus: String,
    /// The job by its id (the reporter's job_id label)
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Time between rows: the range query's step (rows fall on its multiples)
    #[arg(long, value_name = "DUR", default_value = STEP)]
    pub step: String,
    #[command(flatten)]
    pub options: PrometheusOptions,
    /// The CSV to write; - is stdout
    #[arg(short = 'o', long = "output", value_name = "CSV", default_value = "-")]
    pub output: String,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

fn duration_ms(flag: &str, text: &str) -> anyhow::Result<i64> {
    let d = planscale::value::parse_duration(text).map_err(|e| usage(format!("{flag}: {e}")))?;
    if d.0 <= 0 {
        return Err(usage(format!("{flag}: `{text}` must be positive")));
    }
    Ok(d.0)
}

fn timestamp(flag: &str, text: &str) -> anyhow::Result<i64> {
    planscale::metrics::time::parse_timestamp(text)
        .map_err(|e| usage(format!("{flag} {text}: {e}")))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A credential from a file: one line, at most 64 KiB.
fn secret_file(flag: &str, path: &Path) -> anyhow::Result<Secret> {
    use std::io::Read;
    let name = path.display().to_string();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SECRET_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| {
            InputError::new(
                &name,
                format!("{flag}: cannot read: {}", planscale::io::describe_io(&e)),
            )
        })?;
    if text.len() as u64 > MAX_SECRET_BYTES {
        return Err(InputError::new(
            &name,
            format!("{flag}: larger than 64 KiB: not a credential"),
        )
        .into());
    }
    Secret::new(&text)
        .map_err(|why| InputError::new(&name, format!("{flag}: not a credential: {why}")).into())
}

fn secret_env(var: &str) -> anyhow::Result<Option<Secret>> {
    match std::env::var(var) {
        Ok(v) => Secret::new(&v)
            .map(Some)
            .map_err(|why| usage(format!("${var}: not a credential: {why}"))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(usage(format!("${var} is not UTF-8"))),
    }
}

fn auth(o: &PrometheusOptions) -> anyhow::Result<Auth> {
    if let Some(f) = &o.bearer_token_file {
        return Ok(Auth::Bearer(secret_file("--bearer-token-file", f)?));
    }
    if let Some(user) = &o.basic_auth_user {
        let password = match &o.basic_auth_password_file {
            Some(f) => secret_file("--basic-auth-password-file", f)?,
            None => secret_env(PASSWORD_ENV)?.ok_or_else(|| {
                usage(format!(
                    "--basic-auth-user needs a password: --basic-auth-password-file FILE or \
                     ${PASSWORD_ENV}"
                ))
            })?,
        };
        return Ok(Auth::Basic {
            user: user.clone(),
            password,
        });
    }
    Ok(secret_env(TOKEN_ENV)?.map_or(Auth::None, Auth::Bearer))
}

fn headers(o: &PrometheusOptions) -> anyhow::Result<Vec<Header>> {
    o.headers
        .iter()
        .map(|h| {
            Header::parse(h).map_err(|e| {
                usage(match e {
                    HeaderError::NoColon => format!("--header `{h}`: expected NAME: VALUE"),
                    HeaderError::BadName => format!("--header `{h}`: not a header name"),
                    HeaderError::BadValue => {
                        format!("--header `{h}`: the value has a control character")
                    }
                    HeaderError::Credential => format!(
                        "--header `{h}`: credentials are not taken from the command line (it is \
                         visible to every user of the machine): use --bearer-token-file, \
                         --basic-auth-password-file, ${TOKEN_ENV} or ${PASSWORD_ENV}"
                    ),
                })
            })
        })
        .collect()
}

/// `--ca-cert FILE`: its certificates, or an error naming the file.
pub(crate) fn ca_certs(path: &Path) -> anyhow::Result<planscale::rest::CaCerts> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        InputError::new(
            &name,
            format!("--ca-cert: cannot read: {}", planscale::io::describe_io(&e)),
        )
    })?;
    planscale::rest::CaCerts::from_pem(&bytes)
        .map_err(|why| InputError::new(&name, format!("--ca-cert: {why}")).into())
}

/// The client of `--prometheus URL` with these options.
pub(crate) fn client(url: &str, o: &PrometheusOptions) -> anyhow::Result<Client> {
    let options = ClientOptions {
        timeout: Duration::from_millis(duration_ms("--prometheus-timeout", &o.timeout)? as u64),
        auth: auth(o)?,
        headers: headers(o)?,
        ca: o.ca_cert.as_deref().map(ca_certs).transpose()?,
        retries: o.retries,
    };
    Client::new(url, options).map_err(|e| usage(format!("--prometheus {e}")))
}

/// The range of `--since` or `--from`/`--to`; `default` when neither is given.
pub(crate) fn range(
    o: &PrometheusOptions,
    default: Option<(i64, i64)>,
) -> anyhow::Result<(i64, i64)> {
    let now = now_ms();
    let (from, to) = match (&o.since, &o.from) {
        (Some(since), _) => (now.saturating_sub(duration_ms("--since", since)?), now),
        (None, Some(from)) => {
            let to = match &o.to {
                Some(t) => timestamp("--to", t)?,
                None => now,
            };
            (timestamp("--from", from)?, to)
        }
        (None, None) => default.ok_or_else(|| usage("give the range: --since DUR or --from T"))?,
    };
    if from > to {
        return Err(usage(format!(
            "--from {} is after --to {}",
            planscale::metrics::time::format_rfc3339(from),
            planscale::metrics::time::format_rfc3339(to)
        )));
    }
    Ok((from, to))
}

/// The request of these options for `job` (an id or the --job-name), at `step` (`--step`).
pub(crate) fn request<'a>(
    client: &'a Client,
    job: Option<&str>,
    o: &PrometheusOptions,
    (from_ms, to_ms): (i64, i64),
    step: &str,
) -> anyhow::Result<FetchRequest<'a>> {
    let job = match (job, &o.job_name) {
        (Some(id), _) => {
            let id = id.trim();
            if id.is_empty() {
                return Err(usage("--job: empty job id"));
            }
            // Flink writes JobIDs in lower-case hex.
            let id = if id.bytes().all(|b| b.is_ascii_hexdigit()) {
                id.to_ascii_lowercase()
            } else {
                id.to_string()
            };
            JobSelector::Id(id)
        }
        (None, Some(name)) if !name.trim().is_empty() => JobSelector::Name(name.clone()),
        (None, Some(_)) => return Err(usage("--job-name: empty name")),
        (None, None) => return Err(usage("which job: --job ID or --job-name NAME")),
    };
    let step_ms = duration_ms("--step", step)?;
    if step_ms < 1000 {
        return Err(usage(format!("--step {step}: at least 1 s")));
    }
    let prefix = o.metric_prefix.trim();
    let valid = !prefix.is_empty()
        && !prefix.starts_with(|c: char| c.is_ascii_digit())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if !valid {
        return Err(usage(format!(
            "--metric-prefix `{prefix}`: not the start of a Prometheus metric name \
             ([a-zA-Z_:][a-zA-Z0-9_:]*)"
        )));
    }
    Ok(FetchRequest {
        client,
        job,
        from_ms,
        to_ms,
        step_ms,
        prefix: prefix.to_string(),
        window_points: window_points()?,
    })
}

/// Points per query window: `PLANSCALE_PROMETHEUS_WINDOW_POINTS` (for tests and servers with
/// lower limits), else the default.
fn window_points() -> anyhow::Result<u64> {
    match std::env::var("PLANSCALE_PROMETHEUS_WINDOW_POINTS") {
        Ok(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                usage(format!(
                    "PLANSCALE_PROMETHEUS_WINDOW_POINTS=`{v}`: not a positive integer"
                ))
            }),
        Err(_) => Ok(DEFAULT_WINDOW_POINTS),
    }
}

/// The credential files, for `refuse_same_files`.
pub(crate) fn inputs(o: &PrometheusOptions) -> Vec<Named<'_>> {
    let mut v = Vec::new();
    for (flag, p) in [
        ("--bearer-token-file", &o.bearer_token_file),
        ("--basic-auth-password-file", &o.basic_auth_password_file),
        ("--ca-cert", &o.ca_cert),
    ] {
        if let Some(path) = p.as_deref().and_then(Path::to_str) {
            v.push(Named::input(flag, path));
        }
    }
    v
}

/// Runs the fetch into `out`; `talk` prints what was found (fetch does, recommend does not).
/// Retries are warnings either way; a progress bar is drawn on a terminal only.
pub(crate) fn run_fetch(
    request: &FetchRequest,
    out: &mut dyn std::io::Write,
    talk: bool,
) -> anyhow::Result<FetchOutcome> {
    let terminal = std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut observe = |p: Progress| match p {
        Progress::Found(plan) => {
            if talk {
                eprint!("{}", render::found(plan));
            }
            // Said by every command: the rows are of one run only.
            if let Some(note) = render::other_runs(plan) {
                eprint!("{note}");
            }
            if terminal && plan.windows > 1 {
                let b = indicatif::ProgressBar::new(plan.steps);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "fetching [{bar:30}] {pos}/{len} steps, {msg} ({eta})",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar = Some(b);
            }
        }
        Progress::Window { steps, rows } => {
            if let Some(b) = &bar {
                b.set_position(steps);
                b.set_message(format!("{rows} rows"));
            }
        }
        Progress::Retrying(r) => {
            let line = render::retrying(&r);
            match &bar {
                Some(b) => b.suspend(|| eprint!("{line}")),
                None => eprint!("{line}"),
            }
        }
    };
    let result = fetch::fetch(request, out, &mut observe);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    result.map_err(render::error)
}

/// What `recommend` and `simulate` fetch with `--prometheus`: the job's id (`--job`, else the
/// graph's own unless `--job-name` names it), the range, the step.
pub(crate) struct Source<'a> {
    pub url: &'a str,
    pub options: &'a PrometheusOptions,
    pub job: Option<&'a str>,
    pub graph_job: Option<&'a str>,
    /// The range when neither `--since` nor `--from` is given; `None` makes them required.
    pub default_range: Option<(i64, i64)>,
    pub step: &'a str,
}

/// Fetches `source` into an anonymous temporary file (removed by the OS however the process
/// ends), rewound for reading; the name messages give it (the server's URL), and the range
/// fetched (epoch ms, `--since` resolved against now).
pub(crate) fn fetch_to_temp(
    source: &Source,
) -> anyhow::Result<(String, std::fs::File, (i64, i64))> {
    use std::io::{Seek, Write};
    let o = source.options;
    let client = client(source.url, o)?;
    let range = range(o, source.default_range)?;
    let job = source.job.or(if o.job_name.is_some() {
        None
    } else {
        source.graph_job
    });
    if job.is_none() && o.job_name.is_none() {
        return Err(usage(
            "--prometheus: which job: --job ID or --job-name NAME (the graph names none)",
        ));
    }
    let request = request(&client, job, o, range, source.step)?;
    let mut file = tempfile::tempfile().map_err(|e| {
        anyhow::anyhow!(
            "cannot create a temporary file: {}",
            planscale::io::describe_io(&e)
        )
    })?;
    {
        let mut out = std::io::BufWriter::new(&mut file);
        run_fetch(&request, &mut out, false)?;
        out.flush()?;
    }
    file.rewind()?;
    Ok((client.base().to_string(), file, range))
}

/// The Prometheus-only flags without `--prometheus` (clap's `requires` gives way to the metric
/// group's other member, `--metrics`); `more` are the command's own such flags.
pub(crate) fn refuse_without_prometheus(
    prometheus: bool,
    o: &PrometheusOptions,
    more: &[(&str, bool)],
) -> anyhow::Result<()> {
    if prometheus {
        return Ok(());
    }
    let own = [
        ("--job-name", o.job_name.is_some()),
        ("--since", o.since.is_some()),
        ("--from", o.from.is_some()),
        ("--bearer-token-file", o.bearer_token_file.is_some()),
        ("--basic-auth-user", o.basic_auth_user.is_some()),
        ("--header", !o.headers.is_empty()),
        ("--ca-cert", o.ca_cert.is_some()),
    ];
    for (flag, given) in own.iter().chain(more) {
        if *given {
            return Err(usage(format!(
                "{flag} is for --prometheus URL; with --metrics the CSV is read whole"
            )));
        }
    }
    Ok(())
}

pub(crate) fn run(a: FetchArgs) -> anyhow::Result<u8> {
    let mut files = inputs(&a.options);
    files.push(Named::output("-o", &a.output));
    refuse_same_files(&files)?;
    let client = client(&a.prometheus, &a.options)?;
    let range = range(&a.options, None)?;
    let request = request(&client, a.job.as_deref(), &a.options, range, &a.step)?;
    let mut file = AtomicFile::create(Path::new(&a.output))?;
    let outcome = run_fetch(&request, &mut file, true)?;
    file.commit()?;
    let shown = if a.output == "-" {
        "stdout"
    } else {
        a.output.as_str()
    };
    eprint!("{}", render::summary(&outcome, shown));
    Ok(0)
}
