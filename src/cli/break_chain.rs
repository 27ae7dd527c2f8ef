//! `planscale plan break-chain`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use clap::Args;

use crate::cli::{GraphFormatArg, OutputFormat, PlanFormatArg};
use planscale::error::{InputError, UsageError};
use planscale::io::{read_document, refuse_same_files, write_atomic, Named};
use planscale::plan::break_chain::Request;
use planscale::render::{self, diff};
use planscale::rewrite::{self, BreakChain, BreakChainError, Change, GraphInput};

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

/// The core's refusals, with this command's flags named in them.
fn explain(plan: &str, e: BreakChainError) -> anyhow::Error {
    match e {
        BreakChainError::ExpertNeedsGroup => expert_refusal(plan).into(),
        BreakChainError::GroupNeedsExpert => UsageError(
            "--new-group applies to expert plans; for a Blink plan use --node alone".into(),
        )
        .into(),
        BreakChainError::GroupMovesOneNode => {
            UsageError("--new-group moves exactly one --node".into()).into()
        }
        BreakChainError::Cut(e) => {
            let mut ie = InputError::new(plan, e.to_string());
            if let Some(valid) = e.valid_ids() {
                ie = ie.hint(format!("node ids in the plan: {}", valid.join(", ")));
            }
            ie.into()
        }
        BreakChainError::Input(e) => e,
    }
}

fn request<'a>(a: &'a BreakChainArgs, text: &'a str) -> BreakChain<'a> {
    let change = match &a.new_group {
        Some(group) => Change::NewGroup {
            nodes: a.node.clone(),
            group: group.clone(),
        },
        None if a.after_sources => Change::Cut(Request::AfterSources),
        None => Change::Cut(Request::Nodes(a.node.clone())),
    };
    BreakChain {
        path: &a.plan,
        text,
        format: a.plan_format.forced(),
        change,
        graph: a.graph.as_deref().map(|path| GraphInput {
            path,
            format: a.graph_format.forced(),
        }),
    }
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
    let o = rewrite::break_chain(&request(&a, &text)).map_err(|e| explain(&a.plan, e))?;
    if let Some(w) = render::break_chain::placeholder_warning(&o.placeholder_vertices) {
        eprintln!("{w}");
    }
    let patch = diff::unified(&a.plan, &text, &o.edited.text);
    let destination = if a.dry_run {
        None
    } else if a.in_place {
        Some(a.plan.as_str())
    } else {
        a.output.as_deref()
    };
    match a.format {
        OutputFormat::Json => {
            let doc = render::break_chain::json(&a.plan, destination, a.dry_run, &patch, &o);
            if let Some(dest) = destination {
                write_atomic(Path::new(dest), o.edited.text.as_bytes())?;
            }
            std::io::stdout().lock().write_all(doc.as_bytes())?;
        }
        OutputFormat::Text => {
            // Write first: a failed write must not be preceded by claims of what was cut.
            if a.dry_run {
                std::io::stdout().lock().write_all(patch.as_bytes())?;
            } else {
                write_atomic(
                    Path::new(destination.unwrap_or("-")),
                    o.edited.text.as_bytes(),
                )?;
            }
            let mut err = std::io::stderr().lock();
            err.write_all(render::break_chain::summary(&a.plan, &o).as_bytes())?;
            if !a.dry_run && destination.is_some() && std::io::stderr().is_terminal() {
                err.write_all(patch.as_bytes())?;
            }
        }
    }
    Ok(0)
}
