//! Resource plans: reading them into the model, and writing new ones.
//!
//! `Plan` is a `Job` plus what only a plan file has: where its parts are (for diagnostics) and the
//! problems the reader met that are findings rather than unusable input.

pub mod blink;
pub mod break_chain;
pub mod edit;
pub mod expert;

use crate::diagnostic::Diagnostic;
use crate::error::InputError;
use crate::format::{self, Format};
use crate::model::{Job, Pos};

#[derive(Debug, Clone)]
pub struct Plan {
    pub file: String,
    pub format: Format,
    pub job: Job,
    /// Position of the `nodes` array: where file-level findings point.
    pub nodes_pos: Pos,
    /// Findings made while reading (invalid ids, unknown top-level keys, ...).
    pub findings: Vec<Diagnostic>,
    /// Set when the plan was read from a JSON string inside the file (expert API responses):
    /// operator and edge offsets then index into `embedded.text`.
    pub embedded: Option<crate::json::Embedded>,
}

/// Reads a plan file's text. `forced` is the `--plan-format` override.
pub fn read(file: &str, text: &str, forced: Option<Format>) -> Result<Plan, InputError> {
    let value = crate::json::parse(file, text)?;
    let fmt = match forced {
        Some(f) => f,
        None => match format::detect(&value) {
            Some(f) => f,
            None => return Err(crate::format::unrecognised(file, &value)),
        },
    };
    match fmt {
        Format::Blink => blink::read(file, text, &value),
        Format::Expert => expert::read(file, text, &value),
        // The hint names a command that works on this very file: a Blink plan is keyed by
        // stream nodes, which a REST job plan does not list, so there only an expert plan.
        Format::StreamGraph => Err(InputError::new(
            file,
            "this is a Flink execution plan (a job graph), not a resource plan",
        )
        .hint(format!(
            "pass it as --graph {file}; `planscale plan init --graph {file}` writes a plan for it"
        ))),
        Format::JobPlan => Err(InputError::new(
            file,
            "this is a Flink REST job plan (a job graph), not a resource plan",
        )
        .hint(format!(
            "pass it as --graph {file}; `planscale plan init --graph {file} --plan-format expert` writes a plan for it (a Blink plan needs the execution plan's stream nodes)"
        ))),
    }
}
