//! The recording a replay reads, `--metrics CSV` or `--prometheus URL` with its selection flags:
//! declared once for `simulate` and `tune`, read once into `sim::run::Recorded`.

use clap::Args;

use crate::cli::fetch::{self, PrometheusOptions};
use crate::cli::job::JobIdentity;
use planscale::error::{InputError, UsageError};
use planscale::io::Named;
use planscale::settings::{self, SettingWarning};
use planscale::sim::run::{self, RecordError, RecordRequest, Recorded};

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("metric-source").required(true).args(["metrics", "prometheus"]))]
pub(crate) struct ReplaySource {
    /// Metric CSV (long or wide)
    #[arg(long, value_name = "CSV")]
    pub metrics: Option<String>,
    /// Replay the job's history from this Prometheus-compatible server instead (see planscale fetch)
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    #[command(flatten)]
    pub prometheus_options: PrometheusOptions,
}

impl ReplaySource {
    /// What messages call the recording: the CSV's path, or the server's URL.
    pub(crate) fn name(&self) -> &str {
        (self.prometheus.as_deref())
            .or(self.metrics.as_deref())
            .unwrap_or("-")
    }

    /// The files it reads, for `refuse_same_files`.
    pub(crate) fn inputs(&self) -> Vec<Named<'_>> {
        let mut files: Vec<Named> = (self.metrics.iter())
            .map(|m| Named::input("--metrics", m))
            .collect();
        files.extend(fetch::inputs(&self.prometheus_options));
        files
    }

    /// The Prometheus flags without `--prometheus` are refused, before anything is read.
    pub(crate) fn check(&self) -> anyhow::Result<()> {
        fetch::refuse_without_prometheus(self.prometheus.is_some(), &self.prometheus_options, &[])
    }

    /// Reads the recording of `request` (whose `metrics` this source replaces): the CSV, or the
    /// range fetched into a temporary file. `job` is `--job`, `graph_job` the graph's own id,
    /// `step` the replay's `--step` (with `--prometheus` also the query's, default 1m).
    pub(crate) fn record(
        &self,
        request: RecordRequest<'_>,
        job: Option<&str>,
        graph_job: Option<&str>,
        step: Option<&str>,
    ) -> anyhow::Result<Read> {
        let Some(url) = &self.prometheus else {
            let path = self.metrics.as_deref().unwrap_or("-");
            return Ok(Read {
                recorded: run::record(RecordRequest {
                    metrics: path,
                    ..request
                }),
                again: format!("--metrics {path}"),
            });
        };
        let (name, file, (from_ms, to_ms)) = fetch::fetch_to_temp(&fetch::Source {
            url,
            options: &self.prometheus_options,
            job,
            graph_job,
            default_range: None,
            step: step.unwrap_or(fetch::STEP),
        })?;
        let recorded = run::record_from(
            RecordRequest {
                metrics: &name,
                ..request
            },
            std::io::BufReader::new(file),
        );
        Ok(Read {
            recorded,
            again: self.prometheus_again(url, from_ms, to_ms),
        })
    }

    /// The flags that fetch the same range again: `--since` becomes the `--from`/`--to` it
    /// resolved to, so a later run replays the same history. (`--job` and `--step` are the
    /// command's own flags.)
    fn prometheus_again(&self, url: &str, from_ms: i64, to_ms: i64) -> String {
        let o = &self.prometheus_options;
        let mut out = vec![format!("--prometheus {url}")];
        if let Some(name) = &o.job_name {
            out.push(format!("--job-name '{name}'"));
        }
        out.push(format!("--from {from_ms} --to {to_ms}"));
        if o.metric_prefix != planscale::metrics::names::PROMETHEUS_TASK_PREFIX {
            out.push(format!("--metric-prefix {}", o.metric_prefix));
        }
        for (flag, path) in [
            ("--bearer-token-file", &o.bearer_token_file),
            ("--basic-auth-password-file", &o.basic_auth_password_file),
            ("--ca-cert", &o.ca_cert),
        ] {
            if let Some(p) = path {
                out.push(format!("{flag} {}", p.display()));
            }
        }
        if let Some(user) = &o.basic_auth_user {
            out.push(format!("--basic-auth-user {user}"));
        }
        for h in &o.headers {
            out.push(format!("--header '{h}'"));
        }
        out.join(" ")
    }
}

impl ReplaySource {
    /// A recording that cannot be replayed, in words, with the flags that help (`job` is
    /// `--job`).
    pub(crate) fn record_error(
        &self,
        job: Option<&str>,
        identity: &JobIdentity,
        e: RecordError,
    ) -> anyhow::Error {
        match e {
            RecordError::StepNotPositive(_) => UsageError("--step must be positive".into()).into(),
            RecordError::Metrics(e) => identity.explain_job_error(job, e).into(),
            RecordError::Spool(message) => anyhow::anyhow!(message),
            RecordError::TooManySteps {
                start_ms,
                end_ms,
                steps,
                step_ms,
            } => InputError::new(
                self.name(),
                planscale::render::simulate::too_many_steps(start_ms, end_ms, steps, step_ms),
            )
            .into(),
        }
    }
}

/// A replay's duration flag in ms (`--step`, `--interval`, `--restart-time`, ...), read with
/// Flink's grammar; a bare number's reading is a warning.
pub(crate) fn duration(
    flag: &'static str,
    v: &Option<String>,
    warnings: &mut Vec<SettingWarning>,
) -> anyhow::Result<Option<i64>> {
    v.as_ref()
        .map(|s| settings::flag_duration(flag, s, warnings).map(|d| d.0))
        .transpose()
}

/// A recording read, and the flags that read it again (for a command a user can run to confirm
/// what was replayed).
pub(crate) struct Read {
    pub recorded: Result<Recorded, RecordError>,
    pub again: String,
}
