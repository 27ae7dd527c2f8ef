//! The job `recommend` and `simulate` size: from `--plan` or `--graph`, its vertices and what one
//! subtask of each costs.

use clap::Args;

use crate::cli::{GraphFormatArg, PlanFormatArg};
use planscale::error::{InputError, UsageError};
use planscale::graph;
use planscale::graph::vertices::{job_vertices, JobVertex};
use planscale::io::read_document;
use planscale::plan::{self, Plan};
use planscale::resources::{cost_model, default_subtask_cu, CostModel};

/// The job to size, as `recommend` and `simulate` take it: one flag group, declared once. The
/// commands that flatten it require one of `--plan`/`--graph` (their `topology` group).
#[derive(Args, Debug, Clone)]
pub(crate) struct JobArgs {
    /// The job as a resource plan (Blink or expert): its vertices and what each subtask costs
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<String>,
    /// The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)
    #[arg(long, value_name = "GRAPH")]
    pub graph: Option<String>,
    /// Read --plan as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Auto)]
    pub plan_format: PlanFormatArg,
    /// Read --graph as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Auto)]
    pub graph_format: GraphFormatArg,
}

impl JobArgs {
    /// The files these flags name, for `io::refuse_same_files`.
    pub(crate) fn inputs(&self) -> impl Iterator<Item = planscale::io::Named<'_>> {
        let plan = self
            .plan
            .as_deref()
            .map(|p| planscale::io::Named::input("--plan", p));
        let graph = self
            .graph
            .as_deref()
            .map(|p| planscale::io::Named::input("--graph", p));
        plan.into_iter().chain(graph)
    }
}

pub(crate) struct LoadedJob {
    pub vertices: Vec<JobVertex>,
    /// What the job costs at a parallelism per vertex.
    pub cost: CostModel,
    /// The plan and its text, when the job came from `--plan` (for `--format plan`).
    pub plan: Option<(String, Plan)>,
    pub identity: JobIdentity,
}

/// Which job the graph is, for choosing and checking the metrics' job.
#[derive(Debug, Clone, Default)]
pub(crate) struct JobIdentity {
    /// The job id the graph names (REST job plan or job details).
    pub job_id: Option<String>,
    /// The `--graph` file, for messages.
    pub graph_file: Option<String>,
}

impl JobIdentity {
    /// The job whose metrics to read: `--job`, else the graph's own id, so that a file with
    /// several jobs selects the graph's and metrics of another job are refused rather than
    /// matched by colliding vertex ids.
    pub(crate) fn metric_job(&self, flag: Option<&str>) -> anyhow::Result<Option<String>> {
        match (flag.map(str::trim), self.job_id.as_deref()) {
            (Some(f), Some(g)) if f != g => Err(UsageError(format!(
                "--job {f} is not the job of --graph {} (jid {g}): metrics are never matched \
                 across jobs",
                self.graph_file.as_deref().unwrap_or("?")
            ))
            .into()),
            (Some(f), _) => Ok(Some(f.to_string())),
            (None, g) => Ok(g.map(str::to_string)),
        }
    }

    /// Adds to a metric-reading error that the job was chosen from the graph.
    pub(crate) fn explain_job_error(&self, flag: Option<&str>, e: InputError) -> InputError {
        match (&self.job_id, flag) {
            (Some(g), None) if e.message.starts_with("no rows of job") => e.hint(format!(
                "job {g} is the job of --graph {}: give that job's metrics, or the graph of \
                 the job the metrics are of",
                self.graph_file.as_deref().unwrap_or("?")
            )),
            _ => e,
        }
    }
}

pub(crate) fn load(args: &JobArgs) -> anyhow::Result<LoadedJob> {
    match (args.plan.as_deref(), args.graph.as_deref()) {
        (Some(p), _) => {
            let text = read_document(p)?;
            let plan = plan::read(p, &text, args.plan_format.forced())?;
            let vertices = job_vertices(&plan.job, plan.format);
            let ops: Vec<&[usize]> = vertices.iter().map(|v| v.operators.as_slice()).collect();
            let cost = cost_model(&plan, &ops);
            Ok(LoadedJob {
                vertices,
                cost,
                plan: Some((text, plan)),
                identity: JobIdentity::default(),
            })
        }
        (None, Some(g)) => {
            let text = read_document(g)?;
            let graph = graph::read(g, &text, args.graph_format.forced())?;
            let vertices = job_vertices(&graph.job, graph.format);
            let cost = CostModel::per_vertex(
                vertices
                    .iter()
                    .map(|v| default_subtask_cu(v.operators.len()))
                    .collect(),
            );
            Ok(LoadedJob {
                vertices,
                cost,
                plan: None,
                identity: JobIdentity {
                    job_id: graph.job_id.clone(),
                    graph_file: Some(g.to_string()),
                },
            })
        }
        (None, None) => Err(UsageError("give the job's --plan or --graph".into()).into()),
    }
}
