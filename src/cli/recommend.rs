//! `planscale recommend`.

use std::path::Path;

use clap::{Args, ValueEnum};

use crate::error::{InputError, UsageError};
use crate::io::{read_document, write_atomic};
use crate::metrics::{self, ReadOptions};
use crate::plan::edit;
use crate::recommend::{self, Params};
use crate::render::recommend as render;
use crate::scaler::{AutoscalerOptions, Version};
use crate::settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecommendFormat {
    Text,
    Json,
    Overrides,
    ResourceRequirements,
    Plan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AutoscalerVersion {
    #[value(name = "1.15")]
    V1_15,
    Main,
}

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("topology").required(true).args(["plan", "graph"]),
    after_help = "Evaluates the metric window ending at --at (default: the last timestamp) of length --window \
(default job.autoscaler.metrics.window) and decides every vertex as the Flink Kubernetes-operator \
autoscaler would (release 1.15.0 unless --flink-autoscaler-version main). Options use the upstream \
job.autoscaler.* keys, from --config (flat or nested YAML) and -D (which wins). Samples before a \
rescale inside the window are dropped, as the autoscaler resets its history at a restart. \
--expected-pending-time sets the catch-up duration, so sources can work off their backlog within it \
(the Alibaba AutoScale goal). CU: a plan's own resources, or for a graph what `plan init` would \
give each subtask."
)]
pub struct RecommendArgs {
    /// Metric CSV (long or wide, see metrics.md); - reads stdin
    #[arg(long, value_name = "CSV")]
    pub metrics: String,
    /// The plan whose vertices to size (Blink or expert); needed for --format plan
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<String>,
    /// The job graph (REST job plan or job details give real JobVertexIDs)
    #[arg(long, value_name = "GRAPH")]
    pub graph: Option<String>,
    /// Autoscaler option (job.autoscaler.*), repeatable; wins over --config
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    pub defines: Vec<String>,
    /// Flink config.yaml / flink-conf.yaml with job.autoscaler.* options
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// The sources' data pending time goal (e.g. 30s): used as the catch-up duration
    #[arg(long, value_name = "DUR")]
    pub expected_pending_time: Option<String>,
    #[arg(long, value_name = "N")]
    pub max_cu: Option<f64>,
    #[arg(long, value_name = "N")]
    pub min_cu: Option<f64>,
    /// End of the evaluated window: epoch ms or s, or RFC 3339
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<String>,
    /// Length of the evaluated window (e.g. 10m)
    #[arg(long, value_name = "DUR")]
    pub window: Option<String>,
    /// The job to read when the CSV holds several
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Only the autoscaler's own decision: no planscale estimate of demand hidden by backpressure
    #[arg(long)]
    pub exact: bool,
    #[arg(long, value_enum, default_value_t = AutoscalerVersion::V1_15)]
    pub flink_autoscaler_version: AutoscalerVersion,
    #[arg(long, value_enum, default_value_t = RecommendFormat::Text)]
    pub format: RecommendFormat,
    /// Write the result to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

pub fn run(a: RecommendArgs) -> anyhow::Result<u8> {
    // Options: upstream defaults, then the file, then -D, then the flags that map onto keys.
    let mut entries: Vec<(String, String)> = Vec::new();
    if let Some(c) = &a.config {
        entries.extend(settings::parse_config(c, &read_document(c)?)?);
    }
    entries.extend(settings::parse_defines(&a.defines).map_err(usage)?);
    if let Some(ept) = &a.expected_pending_time {
        entries.push(("job.autoscaler.catch-up.duration".into(), ept.clone()));
    }
    if let Some(w) = &a.window {
        entries.push(("job.autoscaler.metrics.window".into(), w.clone()));
    }
    let entries: Vec<(String, String)> = entries
        .into_iter()
        .filter(|(k, _)| {
            let ours = k.starts_with("job.autoscaler.")
                || k.starts_with("kubernetes.operator.job.autoscaler.");
            if ours && !AutoscalerOptions::is_known_key(k) {
                eprintln!("warning: unknown option {k}, ignored");
                return false;
            }
            ours
        })
        .collect();
    let version = match a.flink_autoscaler_version {
        AutoscalerVersion::V1_15 => Version::V1_15,
        AutoscalerVersion::Main => Version::Main,
    };
    let opts = AutoscalerOptions::from_map(version, entries).map_err(|e| usage(e.to_string()))?;
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
    if a.format == RecommendFormat::Plan && a.plan.is_none() {
        return Err(usage("--format plan edits a plan: give it with --plan"));
    }

    // The job's vertices and what one subtask of each costs.
    let crate::cli::job::LoadedJob {
        vertices,
        cost,
        plan: plan_source,
    } = crate::cli::job::load(a.plan.as_deref(), a.graph.as_deref())?;

    let read = ReadOptions {
        at_ms,
        window_ms: opts.metrics_window.0,
        job: a.job.clone(),
    };
    let recording = metrics::read_metrics(&a.metrics, &read)?;
    let params = Params {
        opts,
        max_cu: a.max_cu,
        min_cu: a.min_cu,
        exact: a.exact,
    };
    let outcome = recommend::recommend(vertices, &recording, &cost, &params)
        .map_err(|e| InputError::new(&a.metrics, e.to_string()))?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }

    let needs_ids = matches!(
        a.format,
        RecommendFormat::Overrides | RecommendFormat::ResourceRequirements
    );
    if needs_ids {
        if let Some(v) = outcome
            .vertices
            .iter()
            .find(|v| !v.vertex.has_job_vertex_id)
        {
            return Err(usage(format!(
                "--format {} needs JobVertexIDs, but vertex {:?} has none: give the REST job plan or job details as --graph, or an expert plan",
                if a.format == RecommendFormat::Overrides { "overrides" } else { "resource-requirements" },
                v.vertex.name
            )));
        }
    }
    let text = match a.format {
        RecommendFormat::Text => render::text(&outcome),
        RecommendFormat::Json => render::json(&outcome),
        RecommendFormat::Overrides => render::overrides(&outcome),
        RecommendFormat::ResourceRequirements => render::resource_requirements(&outcome),
        RecommendFormat::Plan => {
            let Some((text, plan)) = plan_source else {
                return Err(usage("--format plan needs --plan"));
            };
            let ops = &plan.job.operators;
            let edits: Vec<edit::FieldEdit> = outcome
                .vertices
                .iter()
                .flat_map(|v| {
                    v.vertex.operators.iter().map(move |&i| edit::FieldEdit {
                        object: ops[i].parallelism_object,
                        key: "parallelism".into(),
                        value: v.recommended_parallelism.to_string(),
                        after: vec!["chainingStrategy".into(), "pact".into()],
                    })
                })
                .collect();
            let edited = match &plan.embedded {
                Some(emb) => edit::apply_embedded(&plan.file, &text, emb, &edits, &[])?,
                None => edit::apply(&plan.file, &text, &edits)?,
            };
            edited.text
        }
    };
    write_atomic(
        Path::new(a.output.as_deref().unwrap_or("-")),
        text.as_bytes(),
    )?;
    Ok(0)
}
