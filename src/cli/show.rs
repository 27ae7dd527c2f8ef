//! `planscale plan show`.

use std::io::Write;

use clap::Args;

use crate::cli::{GraphFormatArg, OutputFormat, PlanFormatArg};
use planscale::error::InputError;
use planscale::graph;
use planscale::io::read_document;
use planscale::plan;
use planscale::render::show;
use planscale::rules;
use planscale::summary;

#[derive(Debug, Args)]
#[command(
    after_help = "cpu and memory are per subtask of a vertex; CU is for all its subtasks \
(Blink: parallelism x max(cpu, memory / 4096 MB)). Expert plans price slots per slot-sharing \
group, so their per-vertex CU is shown as - (null in JSON) and only the totals carry CU."
)]
pub(crate) struct ShowArgs {
    /// The plan (Blink PlanJSON or expert resource plan)
    #[arg(value_name = "PLAN")]
    pub plan: String,
    /// The job graph, to add the JobVertexID of each vertex where the graph knows it (refused
    /// when the graph is another job's)
    #[arg(long, value_name = "GRAPH")]
    pub graph: Option<String>,
    /// Read --graph as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Auto)]
    pub graph_format: GraphFormatArg,
    /// Read the plan as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Auto)]
    pub plan_format: PlanFormatArg,
    /// text: the node table and totals; json: the same as data
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

pub(crate) fn run(a: ShowArgs) -> anyhow::Result<u8> {
    let text = read_document(&a.plan)?;
    let p = plan::read(&a.plan, &text, a.plan_format.forced())?;
    let s = summary::summarize(&p);
    let job_vertex_ids = match &a.graph {
        Some(g) => {
            let gtext = read_document(g)?;
            let graph = graph::read(g, &gtext, a.graph_format.forced())?;
            let heads: Vec<usize> = s.vertices.iter().map(|v| v.operators[0]).collect();
            let ids = rules::job_vertex_ids(&p, &graph, &heads).map_err(|e| {
                InputError::new(g, show::not_this_job(&e)).hint(format!(
                    "`planscale plan validate {} --graph {g}` lists the differences",
                    a.plan
                ))
            })?;
            Some(ids)
        }
        None => None,
    };
    let out = match a.format {
        OutputFormat::Text => show::text(
            &a.plan,
            p.format.name(),
            &s,
            &|i| p.job.operators[i].name.clone(),
            job_vertex_ids.as_deref(),
        ),
        OutputFormat::Json => show::json(
            p.format.name(),
            &s,
            &job_vertex_ids.unwrap_or_else(|| vec![None; s.vertices.len()]),
        ),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    Ok(0)
}
