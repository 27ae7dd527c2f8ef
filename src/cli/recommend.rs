//! `planscale recommend`.

use std::path::Path;

use clap::{Args, ValueEnum};

use crate::cli::scaling::{print_warnings, LoadedSettings, ScalingArgs};
use planscale::error::{InputError, UsageError};
use planscale::io::{refuse_same_files, write_atomic, Named};
use planscale::metrics::{self, ReadOptions};
use planscale::recommend::{self, plan_edit, Params};
use planscale::render::recommend as render;
use planscale::scaler::AutoscalerOptions;
use planscale::settings::file::Resource;
use planscale::settings::{self, KeyScope, Origin, Setting};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RecommendFormat {
    Text,
    Json,
    Overrides,
    ResourceRequirements,
    Plan,
    /// A merge patch for the FlinkDeployment/FlinkSessionJob given with --config
    Flinkdeployment,
}

/// `recommend batch`: the batch jobs' decision, which reads job details instead of metrics.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum RecommendKind {
    /// Per-vertex parallelism of a batch job, as Flink's Adaptive Batch Scheduler derives it
    /// from the data each vertex consumes
    Batch(Box<crate::cli::batch::BatchArgs>),
}

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    disable_help_subcommand = true,
    group = clap::ArgGroup::new("topology").required(true).args(["plan", "graph"]),
    group = clap::ArgGroup::new("metric-source").required(true).args(["metrics", "prometheus"]),
    after_help = "Evaluates the metric window ending at --at (default: the last timestamp) of length --window \
(default job.autoscaler.metrics.window) and decides every vertex as the Flink Kubernetes-operator \
autoscaler would (operator release 1.16.0 unless --flink-autoscaler-version says otherwise). Options use the upstream \
job.autoscaler.* keys, from --config (flat or nested YAML) and -D (which wins). Samples before a \
rescale inside the window are dropped, as the autoscaler resets its history at a restart. \
--expected-pending-time sets the catch-up duration, so sources can work off their backlog within it \
(the Alibaba AutoScale goal). CU: a plan's own resources, or for a graph what `plan init` would \
give each subtask. --prometheus reads the window from a Prometheus-compatible server instead of a CSV, as `planscale fetch` would write it (the job: --job, --job-name, else the graph's job id; the range: --since or --from/--to, else the window ending at --at or now)."
)]
pub(crate) struct RecommendArgs {
    #[command(subcommand)]
    pub kind: Option<RecommendKind>,
    /// Metric CSV (long or wide, see docs/metrics.md); - reads stdin
    #[arg(long, value_name = "CSV")]
    pub metrics: Option<String>,
    /// Read the metrics from this Prometheus-compatible server instead (see planscale fetch)
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    #[command(flatten)]
    pub prometheus_options: crate::cli::fetch::PrometheusOptions,
    /// With --prometheus: time between samples, the range query's step (default 1m)
    #[arg(long, value_name = "DUR")]
    pub step: Option<String>,
    #[command(flatten)]
    pub topology: crate::cli::job::JobArgs,
    #[command(flatten)]
    pub scaling: ScalingArgs,
    /// The sources' data pending time goal (e.g. 30s): used as the catch-up duration
    #[arg(long, value_name = "DUR")]
    pub expected_pending_time: Option<String>,
    /// CU ceiling: scale-ups that would take the job above it are held back, largest first
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = crate::cli::cu_bound)]
    pub max_cu: Option<f64>,
    /// CU floor: scale-downs that would take the job below it are held back, largest first
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = crate::cli::cu_bound)]
    pub min_cu: Option<f64>,
    /// End of the evaluated window: epoch ms or s, or RFC 3339
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<String>,
    /// Length of the evaluated window (e.g. 10m)
    #[arg(long, value_name = "DUR")]
    pub window: Option<String>,
    /// The job to read when the CSV holds several, or to fetch (default: the graph's own job id)
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Only the autoscaler's own decision: no planscale estimate of demand hidden by backpressure
    #[arg(long)]
    pub exact: bool,
    /// What to print: the decision (text, json) or what to apply it with
    #[arg(long, value_enum, default_value_t = RecommendFormat::Text)]
    pub format: RecommendFormat,
    /// Write the result to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// The resource `--format flinkdeployment` patches: the FlinkDeployment or FlinkSessionJob of
/// `--config`, and its `metadata.name`.
fn patch_target(loaded: &LoadedSettings) -> anyhow::Result<(&Resource, &str)> {
    loaded
        .config_doc
        .as_ref()
        .and_then(|d| d.resource.as_ref())
        .and_then(|r| Some((r, r.name.as_deref()?)))
        .ok_or_else(|| {
            usage(
                "--format flinkdeployment patches the FlinkDeployment or FlinkSessionJob given \
                 with --config (with its metadata.name)",
            )
        })
}

/// Options: upstream defaults, then the file, then -D, then the flags that map onto keys; the
/// warnings about keys recommend does not read are printed here, once.
fn options(a: &RecommendArgs, loaded: &LoadedSettings) -> anyhow::Result<settings::Resolved> {
    let mut warnings = Vec::new();
    let mut settings: Vec<Setting> = loaded.config.clone();
    settings.extend(loaded.defines.iter().cloned());
    for (flag, key, value) in [
        (
            "--expected-pending-time",
            "job.autoscaler.catch-up.duration",
            &a.expected_pending_time,
        ),
        ("--window", "job.autoscaler.metrics.window", &a.window),
    ] {
        if let Some(v) = value {
            settings::flag_duration(flag, v, &mut warnings)?;
            settings.push(Setting::new(key, v.clone(), Origin::Flag(flag)));
        }
    }
    let candidates = settings::autoscaler_keys();
    let uses = |k: &str| AutoscalerOptions::is_known_key(k);
    warnings.extend(settings::key_warnings(
        &settings,
        &KeyScope {
            on: "recommend".into(),
            uses: &uses,
            known_anywhere: &|k: &str| uses(k) || planscale::sim::policy::is_policy_key(k),
            candidates: &candidates,
        },
    ));
    print_warnings(&warnings);
    settings::resolve_autoscaler(loaded.version, &settings)
        .map_err(settings::SettingError::into_error)
}

/// The flags' own checks, before any file is read; returns `--at` in epoch ms.
fn checked_flags(a: &RecommendArgs) -> anyhow::Result<Option<i64>> {
    let at_ms = match &a.at {
        Some(t) => {
            Some(metrics::time::parse_timestamp(t).map_err(|e| usage(format!("--at {t}: {e}")))?)
        }
        None => None,
    };
    for (flag, v) in [("--max-cu", a.max_cu), ("--min-cu", a.min_cu)] {
        if v.is_some_and(|x| !x.is_finite() || x <= 0.0) {
            return Err(usage(format!("{flag} must be a positive number")));
        }
    }
    if a.format == RecommendFormat::Plan && a.topology.plan.is_none() {
        return Err(usage("--format plan edits a plan: give it with --plan"));
    }
    Ok(at_ms)
}

/// Outputs that address vertices by JobVertexID refuse a vertex that has none.
fn require_ids(format: RecommendFormat, outcome: &recommend::Outcome) -> anyhow::Result<()> {
    let name = match format {
        RecommendFormat::Overrides => "overrides",
        RecommendFormat::Flinkdeployment => "flinkdeployment",
        RecommendFormat::ResourceRequirements => "resource-requirements",
        _ => return Ok(()),
    };
    match outcome.first_without_job_vertex_id() {
        Some(v) => Err(usage(format!(
            "--format {name} needs JobVertexIDs, but vertex {:?} has none: give the REST job plan or job details as --graph, or an expert plan",
            v.vertex.name
        ))),
        None => Ok(()),
    }
}

/// The window's metrics: the CSV, or fetched from `--prometheus` (the range: the window ending
/// at `--at` or now, unless `--since`/`--from` say otherwise). The name is what messages call
/// the source.
fn read_window(
    a: &RecommendArgs,
    read: &ReadOptions,
    graph_job: Option<&str>,
) -> anyhow::Result<(String, metrics::MetricWindow)> {
    let Some(url) = &a.prometheus else {
        let path = a.metrics.as_deref().unwrap_or("-");
        return Ok((path.to_string(), metrics::read_metrics(path, read)?));
    };
    let end = read.at_ms.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    });
    let (name, file, _) = crate::cli::fetch::fetch_to_temp(&crate::cli::fetch::Source {
        url,
        options: &a.prometheus_options,
        job: a.job.as_deref(),
        graph_job,
        default_range: Some((end - read.window_ms, end)),
        step: a.step.as_deref().unwrap_or(crate::cli::fetch::STEP),
    })?;
    let window = metrics::read_metrics_from(&name, std::io::BufReader::new(file), read)?;
    Ok((name, window))
}

/// `-o` must not be one of the inputs.
fn check_output(a: &RecommendArgs) -> anyhow::Result<()> {
    if let Some(out) = a.output.as_deref() {
        let mut files = Vec::new();
        if let Some(m) = a.metrics.as_deref() {
            files.push(Named::input("--metrics", m));
        }
        files.extend(crate::cli::fetch::inputs(&a.prometheus_options));
        files.push(Named::output("-o", out));
        files.extend(a.topology.inputs());
        files.extend(a.scaling.inputs());
        refuse_same_files(&files)?;
    }
    Ok(())
}

pub(crate) fn run(a: RecommendArgs) -> anyhow::Result<u8> {
    if let Some(RecommendKind::Batch(b)) = a.kind {
        return crate::cli::batch::run(*b);
    }
    check_output(&a)?;
    crate::cli::fetch::refuse_without_prometheus(
        a.prometheus.is_some(),
        &a.prometheus_options,
        &[("--step", a.step.is_some())],
    )?;
    let loaded = a.scaling.load()?;
    if a.format == RecommendFormat::Flinkdeployment {
        patch_target(&loaded)?;
    }
    let settings::Resolved { opts, in_effect } = options(&a, &loaded)?;
    let at_ms = checked_flags(&a)?;

    // The job's vertices and what one subtask of each costs.
    let loaded_job = crate::cli::job::load(&a.topology)?;
    let read = ReadOptions {
        at_ms,
        window_ms: opts.metrics_window.0,
        job: loaded_job.identity.metric_job(a.job.as_deref())?,
    };
    let graph_job = loaded_job.identity.job_id.clone();
    let (source, recording) = read_window(&a, &read, graph_job.as_deref()).map_err(|e| {
        match e.downcast::<InputError>() {
            Ok(ie) => loaded_job
                .identity
                .explain_job_error(a.job.as_deref(), ie)
                .into(),
            Err(e) => e,
        }
    })?;
    let crate::cli::job::LoadedJob {
        vertices,
        cost,
        plan: plan_source,
        ..
    } = loaded_job;
    let params = Params {
        opts,
        max_cu: a.max_cu,
        min_cu: a.min_cu,
        exact: a.exact,
    };
    let outcome = recommend::recommend(vertices, &recording, &cost, &params)
        .map_err(|e| InputError::new(&source, e.to_string()))?;
    for w in &outcome.warnings {
        eprintln!("warning: {}", render::warning_text(w));
    }
    require_ids(a.format, &outcome)?;
    let text = match a.format {
        RecommendFormat::Text => render::text(&outcome),
        RecommendFormat::Json => render::json(&outcome, &in_effect),
        RecommendFormat::Overrides => render::overrides(&outcome),
        RecommendFormat::ResourceRequirements => render::resource_requirements(&outcome),
        RecommendFormat::Flinkdeployment => {
            let (r, name) = patch_target(&loaded)?;
            render::flinkdeployment_patch(&outcome, &r.kind, name, r.namespace.as_deref())
        }
        RecommendFormat::Plan => {
            let Some((text, plan)) = plan_source else {
                return Err(usage("--format plan needs --plan"));
            };
            plan_edit::edit_plan(&outcome, &plan, &text)?.text
        }
    };
    write_atomic(
        Path::new(a.output.as_deref().unwrap_or("-")),
        text.as_bytes(),
    )?;
    Ok(0)
}
