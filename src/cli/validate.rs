//! `planscale plan validate`.

use std::io::Write;

use clap::Args;

use crate::cli::{GraphFormatArg, PlanFormatArg};
use planscale::graph;
use planscale::io::read_document;
use planscale::plan;
use planscale::render::validate::{self as render, FileResult};
use planscale::rules::{self, Options};

/// Output formats of `plan validate`: people, programs, code-scanning tools and CI logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ValidateFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Rules: node-missing, node-unplanned, node-mismatch, edge-missing, edge-mismatch, \
chain-mismatch, resource-over-budget, parallelism-invalid, resource-invalid, plan-structure, \
parallelism-mismatch, chain-heavy-source.\n\n\
CU model (docs/formats.md §6): a chain's CPU is the max vcore of its nodes, its memory the sum of \
heap, direct, native and managed memory; it costs parallelism x max(CPU, memory / 4096 MB) CU. \
The JobManager from `global` is added when the plan records it.\n\n\
Exit codes: 0 no errors, 1 errors found (or warnings with --deny-warnings), 2 unusable input."
)]
pub(crate) struct ValidateArgs {
    /// Plan files to check (Blink PlanJSON or expert resource plans)
    #[arg(required = true, value_name = "PLAN")]
    pub plans: Vec<String>,
    /// The job's graph: execution plan / stream graph, or REST job plan / job details
    #[arg(long, value_name = "GRAPH")]
    pub graph: Option<String>,
    /// Budget in CU (1 CU = 1 core + 4 GiB)
    #[arg(long, value_name = "N")]
    pub max_cu: Option<f64>,
    /// Warn when more than N operators are chained to a source
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_source_chain: usize,
    /// Read the plan as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Auto)]
    pub plan_format: PlanFormatArg,
    /// Read --graph as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Auto)]
    pub graph_format: GraphFormatArg,
    /// text: a table per run; json, sarif, github: for tools and CI annotations
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Treat warnings as errors for the exit code
    #[arg(long)]
    pub deny_warnings: bool,
}

/// 2 when a plan could not be read (each such error is reported here), else 1 when a plan
/// failed its checks, else 0.
fn exit_code(results: &[FileResult]) -> u8 {
    let mut code = 0u8;
    for r in results {
        match &r.outcome {
            Err(e) => {
                crate::cli::report_error(&anyhow::Error::new(e.clone()));
                code = 2;
            }
            Ok(_) if !r.passed() => code = code.max(1),
            Ok(_) => {}
        }
    }
    code
}

pub(crate) fn run(a: ValidateArgs) -> anyhow::Result<u8> {
    if let Some(m) = a.max_cu {
        if !m.is_finite() || m <= 0.0 {
            return Err(planscale::error::UsageError(format!(
                "--max-cu must be a positive number, got {m}"
            ))
            .into());
        }
    }
    let graph = match &a.graph {
        Some(path) => {
            let text = read_document(path)?;
            Some(graph::read(path, &text, a.graph_format.forced())?)
        }
        None => None,
    };
    let opts = Options {
        max_cu: a.max_cu,
        max_source_chain: a.max_source_chain,
    };
    let mut results = Vec::with_capacity(a.plans.len());
    for path in &a.plans {
        let read = read_document(path).and_then(|t| plan::read(path, &t, a.plan_format.forced()));
        let (format, nodes, outcome) = match read {
            Ok(p) => (
                Some(p.format.name()),
                p.job.operators.len(),
                Ok(rules::validate(&p, graph.as_ref(), &opts)),
            ),
            Err(e) => (None, 0, Err(e)),
        };
        results.push(FileResult {
            plan: path,
            graph: a.graph.as_deref(),
            format,
            max_cu: a.max_cu,
            nodes,
            outcome,
            deny_warnings: a.deny_warnings,
        });
    }

    let code = exit_code(&results);
    let out = match a.format {
        ValidateFormat::Text => render::text(&results),
        ValidateFormat::Json => render::json(&results),
        ValidateFormat::Sarif => planscale::render::sarif::render(&results),
        ValidateFormat::Github => planscale::render::github::render(&results),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(code)
}
