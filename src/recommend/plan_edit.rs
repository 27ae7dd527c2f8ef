//! `recommend --format plan`: the recommendation written into the plan it was made for.
//!
//! Only each node's `parallelism` value changes (inserted after `chainingStrategy` or `pact`
//! where the node has none); every other byte of the file stays as it was, embedded expert
//! plans (a plan inside a JSON string) included.

use crate::error::InputError;
use crate::plan::edit::{self, Edited, FieldEdit};
use crate::plan::Plan;
use crate::recommend::Outcome;

/// One `parallelism` edit per node of every recommended vertex.
pub fn plan_edits(outcome: &Outcome, plan: &Plan) -> Vec<FieldEdit> {
    let ops = &plan.job.operators;
    outcome
        .vertices
        .iter()
        .flat_map(|v| {
            v.vertex.operators.iter().map(move |&i| FieldEdit {
                object: ops[i].parallelism_object,
                key: "parallelism".into(),
                value: v.recommended_parallelism.to_string(),
                after: vec!["chainingStrategy".into(), "pact".into()],
            })
        })
        .collect()
}

/// The plan's text with the recommended parallelism in it.
pub fn edit_plan(outcome: &Outcome, plan: &Plan, text: &str) -> Result<Edited, InputError> {
    let edits = plan_edits(outcome, plan);
    match &plan.embedded {
        Some(emb) => edit::apply_embedded(&plan.file, text, emb, &edits, &[]),
        None => edit::apply(&plan.file, text, &edits),
    }
}
