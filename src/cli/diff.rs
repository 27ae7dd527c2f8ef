//! `planscale plan diff`.

use std::io::Write;

use clap::Args;

use crate::cli::{OutputFormat, PlanFormatArg};
use planscale::compare;
use planscale::io::read_document;
use planscale::plan;
use planscale::render::diff::{plan_diff_json, plan_diff_text, Side};

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The old plan
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new plan (Blink or expert; across formats nodes are paired by name)
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Read the plan as this format instead of detecting it
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Auto)]
    pub plan_format: PlanFormatArg,
    /// text: a summary table and a unified diff of the files as written; json: the changes
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit 1 when the plans differ in meaning (a node, link or value changed), as `git diff
    /// --exit-code` does; without it the exit code is 0 for any two readable plans
    #[arg(long)]
    pub exit_code: bool,
}

pub(crate) fn run(a: DiffArgs) -> anyhow::Result<u8> {
    let old_text = read_document(&a.old)?;
    let new_text = read_document(&a.new)?;
    let old = plan::read(&a.old, &old_text, a.plan_format.forced())?;
    let new = plan::read(&a.new, &new_text, a.plan_format.forced())?;
    let d = compare::diff(&old, &new);
    let (old, new) = (
        Side {
            path: &a.old,
            text: &old_text,
            plan: &old,
        },
        Side {
            path: &a.new,
            text: &new_text,
            plan: &new,
        },
    );
    let out = match a.format {
        OutputFormat::Json => plan_diff_json(&old, &new, &d),
        OutputFormat::Text => plan_diff_text(&old, &new, &d),
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(u8::from(a.exit_code && !d.is_empty()))
}
