//! Validation of a plan: against itself, against its job graph, and against a CU budget.
//!
//! Each submodule is one family of rules and only produces `Diagnostic`s; `validate` runs them in a
//! fixed order and sorts the result by position, so the same inputs always print the same report.

mod budget;
mod expert;
mod graph;
mod matching;
mod structure;
mod values;

use crate::chaining::{self, Chains};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::Graph;
use crate::plan::Plan;
use crate::resources::{self, ChainCost, Totals};

pub use matching::{match_nodes, names_match};

#[derive(Debug, Clone)]
pub struct Options {
    /// `--max-cu`: the plan's budget in CU.
    pub max_cu: Option<f64>,
    /// `--max-source-chain`: operators that may be chained to a source before a warning.
    pub max_source_chain: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_cu: None,
            max_source_chain: 4,
        }
    }
}

/// Everything `plan validate` reports for one plan.
#[derive(Debug, Clone)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub chains: Chains,
    pub costs: Vec<ChainCost>,
    pub totals: Totals,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// The Blink console's own words for a rejected plan (`resource validate failed！...`), which
/// users search for, appended to findings the console rejects a plan for; Ververica's expert
/// plans never see that console, so their findings go without it.
pub(crate) fn console_words(plan: &Plan) -> String {
    if plan.format == crate::format::Format::Blink {
        format!(": {}", crate::diagnostic::RESOURCE_VALIDATE_FAILED)
    } else {
        String::new()
    }
}

/// A graph that is not the plan's job: so many of the plan's nodes differ from it or are not in
/// it that ids taken from it would belong to other operators.
#[derive(Debug, Clone, PartialEq)]
pub struct NotThisJob {
    /// Plan nodes whose graph counterpart has another name (`node-mismatch`).
    pub differ: usize,
    /// Plan nodes the graph does not have (`node-missing`).
    pub missing: usize,
}

/// The JobVertexID of each given plan operator (a vertex's head) as the graph records it, once
/// the graph is known to be the plan's own job: every plan node is in it under its own name.
/// Matching by planner id alone (`Calc[11]`) pairs operators of different jobs.
pub fn job_vertex_ids(
    plan: &Plan,
    graph: &Graph,
    heads: &[usize],
) -> Result<Vec<Option<String>>, NotThisJob> {
    let report = validate(plan, Some(graph), &Options::default());
    let count = |rule| report.diagnostics.iter().filter(|d| d.rule == rule).count();
    let (differ, missing) = (
        count(crate::diagnostic::Rule::NodeMismatch),
        count(crate::diagnostic::Rule::NodeMissing),
    );
    if differ + missing > 0 {
        return Err(NotThisJob { differ, missing });
    }
    let m = match_nodes(plan, graph);
    Ok(heads
        .iter()
        .map(|&h| m[h].and_then(|gi| graph.job.operators[gi].job_vertex_id.clone()))
        .collect())
}

pub fn validate(plan: &Plan, graph: Option<&Graph>, opts: &Options) -> Report {
    let job = &plan.job;
    let expert = plan.format == crate::format::Format::Expert;
    let chains = chaining::plan_chains(job, expert);
    let (costs, totals) = if expert {
        (
            resources::slot_costs(job, &chains),
            resources::slot_totals(job),
        )
    } else {
        let costs = resources::chain_costs(job, &chains);
        let totals = resources::totals(job, &costs);
        (costs, totals)
    };

    let mut diags = plan.findings.clone();
    structure::check(plan, &mut diags);
    values::check(job, &mut diags);
    if expert {
        expert::check(job, &mut diags);
    }
    graph::check_source_chains(job, &chains, opts.max_source_chain, &mut diags);
    if let Some(g) = graph {
        graph::check(plan, g, &mut diags);
    }
    if let Some(max) = opts.max_cu {
        budget::check(plan, &totals, max, &mut diags);
    }
    diags.sort_by(|a, b| (a.pos, a.rule, &a.message).cmp(&(b.pos, b.rule, &b.message)));
    diags.dedup();
    Report {
        diagnostics: diags,
        chains,
        costs,
        totals,
    }
}

/// Formats a number of cores or CU for messages: at most two decimals, no trailing zeros.
pub(crate) fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
