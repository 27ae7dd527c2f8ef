//! `planscale plan break-chain`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use clap::Args;
use serde_json::json;

use crate::cli::{GraphFormatArg, OutputFormat, PlanFormatArg};
use planscale::diagnostic::Rule;
use planscale::error::{InputError, UsageError};
use planscale::format::{self, Format};
use planscale::graph;
use planscale::io::{read_document, refuse_same_files, write_atomic, Named};
use planscale::plan::break_chain::{self, Request};
use planscale::plan::{self, edit};
use planscale::render::{self, diff};
use planscale::rules;

#[derive(Debug, Args)]
#[command(
    group = clap::ArgGroup::new("what").required(true).args(["node", "after_sources"]),
    after_help = "Sets \"chainingStrategy\" : \"HEAD\" on the node (or, when it already starts a chain, on the \
nodes chained right after it), inserting the key in the file's own style after slotSharingGroup or pact. \
Only those bytes change: comments, key order, indentation and number spellings stay as they are.\n\n\
Expert-mode plans have no per-node chaining field: there --new-group NAME moves the node into a \
slot-sharing group of its own, which Flink never chains across."
)]
pub(crate) struct BreakChainArgs {
    /// The plan to edit (Blink PlanJSON, or an expert plan with --new-group)
    #[arg(value_name = "PLAN")]
    pub plan: String,
    /// Make node ID start a new chain (repeatable)
    #[arg(long, value_name = "ID")]
    pub node: Vec<String>,
    /// Cut every chain right after each source
    #[arg(long)]
    pub after_sources: bool,
    /// Expert plans: move the --node into a new slot-sharing group NAME (groups never chain)
    #[arg(
        long,
        value_name = "NAME",
        requires = "node",
        conflicts_with = "after_sources"
    )]
    pub new_group: Option<String>,
    /// Write the edited plan to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE", conflicts_with = "in_place")]
    pub output: Option<String>,
    /// Edit PLAN in place (atomically, keeping its permissions)
    #[arg(long)]
    pub in_place: bool,
    /// Print the unified diff of the change and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Check the edited plan against the job graph and report what still does not match
    #[arg(long, value_name = "GRAPH")]
    pub graph: Option<String>,
    /// Read --graph as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Auto)]
    pub graph_format: GraphFormatArg,
    /// Read the plan as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Auto)]
    pub plan_format: PlanFormatArg,
    /// text: the edited plan (or diff) on stdout, a summary on stderr; json: a report on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

fn expert_refusal(file: &str) -> InputError {
    InputError::new(file, "expert-mode plans have no per-node chaining field, so a single chain cannot be cut in the plan")
        .hint("to split every chain, set `pipeline.operator-chaining: 'false'` in the deployment's configuration")
        .hint("to split one node off, move it to its own slot-sharing group (operators in different groups never chain): add --new-group NAME")
}

pub(crate) fn run(a: BreakChainArgs) -> anyhow::Result<u8> {
    if a.format == OutputFormat::Json && a.output.is_none() && !a.in_place && !a.dry_run {
        return Err(UsageError(
            "--format json prints a report, so the edited plan needs -o FILE, --in-place or --dry-run".into(),
        )
        .into());
    }
    // -o onto the plan itself is --in-place by another name; onto the graph it would replace it.
    if let Some(out) = a.output.as_deref() {
        let mut files = vec![Named::input("the plan", &a.plan), Named::output("-o", out)];
        files.extend(a.graph.as_deref().map(|g| Named::input("--graph", g)));
        refuse_same_files(&files)?;
    }
    let text = read_document(&a.plan)?;
    let detected = match a.plan_format.forced() {
        Some(f) => Some(f),
        None => format::detect(&planscale::json::parse(&a.plan, &text)?),
    };
    let to_input_error = |e: break_chain::CutError| {
        let mut ie = InputError::new(&a.plan, e.to_string());
        if let Some(valid) = e.valid_ids() {
            ie = ie.hint(format!("node ids in the plan: {}", valid.join(", ")));
        }
        ie
    };
    let before = match (detected, &a.new_group) {
        (Some(Format::Expert), None) => return Err(expert_refusal(&a.plan).into()),
        (Some(Format::Expert), Some(_)) => plan::read(&a.plan, &text, Some(Format::Expert))?,
        (_, Some(_)) => {
            return Err(UsageError(
                "--new-group applies to expert plans; for a Blink plan use --node alone".into(),
            )
            .into())
        }
        _ => plan::read(&a.plan, &text, a.plan_format.forced())?,
    };
    let (cuts, edited) = match &a.new_group {
        Some(group) => {
            if a.node.len() != 1 {
                return Err(UsageError("--new-group moves exactly one --node".into()).into());
            }
            let inner = before
                .embedded
                .as_ref()
                .map_or(text.as_str(), |e| e.text.as_str());
            let ng = break_chain::new_group(&before, inner, &a.node[0], group)
                .map_err(to_input_error)?;
            let edited = match &before.embedded {
                Some(emb) => edit::apply_embedded(&a.plan, &text, emb, &ng.fields, &ng.appends)?,
                None => edit::apply_all(&a.plan, &text, &ng.fields, &ng.appends)?,
            };
            if !ng.placeholder_vertices.is_empty() {
                eprintln!(
                    "warning: new vertices {} have placeholder keys, not Flink's JobVertexIDs: \
                     regenerate the vertex ids on the platform before using them for overrides",
                    ng.placeholder_vertices.join(", ")
                );
            }
            (Vec::new(), edited)
        }
        None => {
            let request = if a.after_sources {
                Request::AfterSources
            } else {
                Request::Nodes(a.node.clone())
            };
            let cuts = break_chain::plan_cuts(&before, &request).map_err(to_input_error)?;
            let edited = edit::apply(&a.plan, &text, &break_chain::edits(&before, &cuts))?;
            (cuts, edited)
        }
    };
    let after = plan::read(&a.plan, &edited.text, Some(before.format))?;

    let cu = |p: &plan::Plan| {
        let s = planscale::summary::summarize(p);
        (s.vertices.len(), s.totals.cu)
    };
    let ((chains_before, cu_before), (chains_after, cu_after)) = (cu(&before), cu(&after));

    let remaining: Vec<String> = match &a.graph {
        Some(g) => {
            let gtext = read_document(g)?;
            let graph = graph::read(g, &gtext, a.graph_format.forced())?;
            rules::validate(&after, Some(&graph), &rules::Options::default())
                .diagnostics
                .into_iter()
                .filter(|d| d.rule == Rule::ChainMismatch)
                .map(|d| {
                    format!(
                        "{}:{}:{}: {}[{}]: {}",
                        a.plan,
                        d.pos.line,
                        d.pos.column,
                        d.severity.as_str(),
                        d.rule.name(),
                        d.message
                    )
                })
                .collect()
        }
        None => Vec::new(),
    };

    let patch = diff::unified(&a.plan, &text, &edited.text);
    let destination = if a.dry_run {
        None
    } else if a.in_place {
        Some(a.plan.clone())
    } else {
        a.output.clone()
    };
    let ops = &before.job.operators;
    match a.format {
        OutputFormat::Json => {
            let cut_list: Vec<_> = cuts
                .iter()
                .map(|c| {
                    let op = &ops[c.node];
                    let change = edited.changes.iter().find(|ch| ch.object == op.offset);
                    json!({
                        "node": op.id,
                        "name": op.name,
                        "requested": c.requested,
                        "cut_from": ops[c.from].id,
                        "field": "chainingStrategy",
                        "old": change.and_then(|ch| ch.old.clone()),
                        "new": "HEAD",
                        "line": op.pos.line,
                        "column": op.pos.column,
                    })
                })
                .collect();
            let doc = json!({
                "planscale_version": render::VERSION,
                "plan": a.plan,
                "output": destination,
                "dry_run": a.dry_run,
                "cuts": cut_list,
                "chains_before": chains_before,
                "chains_after": chains_after,
                "total_cu_before": render::number(cu_before),
                "total_cu_after": render::number(cu_after),
                "remaining_chain_mismatches": remaining,
                "diff": patch,
            });
            if let Some(dest) = &destination {
                write_atomic(Path::new(dest), edited.text.as_bytes())?;
            }
            let mut out = std::io::stdout().lock();
            out.write_all(serde_json::to_string_pretty(&doc)?.as_bytes())?;
            out.write_all(b"\n")?;
        }
        OutputFormat::Text => {
            // Write first: a failed write must not be preceded by claims of what was cut.
            if a.dry_run {
                std::io::stdout().lock().write_all(patch.as_bytes())?;
            } else {
                write_atomic(
                    Path::new(destination.as_deref().unwrap_or("-")),
                    edited.text.as_bytes(),
                )?;
            }
            let mut err = std::io::stderr().lock();
            for c in &cuts {
                let op = &ops[c.node];
                writeln!(
                    err,
                    "cut: node {} ({:?}) now starts a chain (was chained to node {})",
                    op.id, op.name, ops[c.from].id
                )?;
            }
            writeln!(
                err,
                "chains: {chains_before} -> {chains_after}; CU: {} -> {}",
                render::short(cu_before),
                render::short(cu_after)
            )?;
            for r in &remaining {
                writeln!(err, "{r}")?;
            }
            if !a.dry_run && destination.is_some() && std::io::stderr().is_terminal() {
                err.write_all(patch.as_bytes())?;
            }
        }
    }
    Ok(0)
}
