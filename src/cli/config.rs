//! `planscale config validate`.

use std::io::Write;

use clap::{Args, Subcommand};

use crate::cli::scaling::AutoscalerVersion;
use crate::cli::validate::ValidateFormat;
use crate::cli::GraphFormatArg;
use planscale::graph;
use planscale::io::read_document;
use planscale::lint::{self, Request};
use planscale::render::config::{self as render, ConfigResult, ConfigRun};

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments,
    /// FlinkSessionJobs and the operator's Helm values
    Validate(ConfigValidateArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Files: Flink config.yaml (flat or nested), flink-conf.yaml, FlinkDeployment and \
FlinkSessionJob resources (any number of YAML documents per file; a FlinkSessionJob is checked \
with the settings of its session cluster when that FlinkDeployment is in the same file) and the \
operator's Helm values (defaultConfiguration).\n\n\
Rules: unknown-option, deprecated-option, duplicate-option, invalid-value, value-out-of-range, \
inconsistent-options, window-below-reconcile-interval, rescale-not-in-place, \
flink-version-unsupported, autoscaler-no-effect, parallelism-above-max, unknown-vertex, \
quota-below-usage (the last two, and vertex max parallelism, need --graph).\n\n\
Exit codes: 0 no errors, 1 errors found (or warnings with --deny-warnings), 2 unusable input."
)]
pub(crate) struct ConfigValidateArgs {
    /// Configuration files to check
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// The job's graph (REST job details or job plan for JobVertexIDs; an execution plan for max
    /// parallelism only): checks vertex ids, max parallelism and quotas against it
    #[arg(long, value_name = "GRAPH")]
    pub graph: Option<String>,
    /// Read --graph as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Auto)]
    pub graph_format: GraphFormatArg,
    /// Which release of the Flink Kubernetes operator's autoscaler and validator to check against
    #[arg(long, value_enum, default_value_t = AutoscalerVersion::V1_16)]
    pub flink_autoscaler_version: AutoscalerVersion,
    /// text: findings and a table per document; json, sarif, github: for tools and CI annotations
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Treat warnings as errors for the exit code
    #[arg(long)]
    pub deny_warnings: bool,
}

pub(crate) fn run(command: ConfigCommand) -> anyhow::Result<u8> {
    match command {
        ConfigCommand::Validate(a) => validate(a),
    }
}

fn validate(a: ConfigValidateArgs) -> anyhow::Result<u8> {
    let graph = match &a.graph {
        Some(path) => {
            let text = read_document(path)?;
            Some(graph::read(path, &text, a.graph_format.forced())?)
        }
        None => None,
    };
    let req = Request {
        version: a.flink_autoscaler_version.version(),
        graph: graph.as_ref(),
    };
    let results = a
        .files
        .iter()
        .map(|path| ConfigResult {
            file: path,
            outcome: read_document(path).and_then(|t| lint::check_text(path, &t, &req)),
        })
        .collect();
    let run = ConfigRun {
        results,
        graph: a.graph.as_deref(),
        version: req.version,
        deny_warnings: a.deny_warnings,
    };

    let mut code = 0u8;
    for r in &run.results {
        match &r.outcome {
            Err(e) => {
                crate::cli::report_error(&anyhow::Error::new(e.clone()));
                code = 2;
            }
            Ok(_) if !run.passed(r) => code = code.max(1),
            Ok(_) => {}
        }
    }
    let out = match a.format {
        ValidateFormat::Text => {
            for n in run.notes() {
                eprintln!("note: {n}");
            }
            render::text(&run)
        }
        ValidateFormat::Json => render::json(&run),
        ValidateFormat::Sarif => planscale::render::sarif::log(&render::annotate_run(&run)),
        ValidateFormat::Github => {
            planscale::render::github::annotations(&render::annotate_run(&run))
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(code)
}
