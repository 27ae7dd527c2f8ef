//! The recording a replay reads, `--metrics CSV` or `--prometheus URL` with its selection flags:
//! declared once for `simulate` and `tune`, read once into `sim::run::Recorded`.

use clap::Args;

use crate::cli::fetch::{self, PrometheusOptions};
use planscale::io::Named;
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
    ) -> anyhow::Result<Result<Recorded, RecordError>> {
        let Some(url) = &self.prometheus else {
            return Ok(run::record(RecordRequest {
                metrics: self.metrics.as_deref().unwrap_or("-"),
                ..request
            }));
        };
        let (name, file) = fetch::fetch_to_temp(&fetch::Source {
            url,
            options: &self.prometheus_options,
            job,
            graph_job,
            default_range: None,
            step: step.unwrap_or(fetch::STEP),
        })?;
        Ok(run::record_from(
            RecordRequest {
                metrics: &name,
                ..request
            },
            std::io::BufReader::new(file),
        ))
    }
}
