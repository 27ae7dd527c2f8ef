//! `resource-over-budget`: the plan's total against `--max-cu` (formats.md §1.12, cause (b) of the
//! console's "resource validate failed").

use crate::diagnostic::{Diagnostic, Rule};
use crate::plan::Plan;
use crate::resources::{Totals, MB_PER_CU};
use crate::rules::console_words;
use crate::rules::num;

pub(super) fn check(plan: &Plan, t: &Totals, max_cu: f64, out: &mut Vec<Diagnostic>) {
    let mut over = Vec::new();
    if t.cu > max_cu + 1e-9 {
        over.push(format!("{} CU", num(t.cu)));
    }
    if t.cpu > max_cu + 1e-9 {
        over.push(format!("{} cores", num(t.cpu)));
    }
    if t.memory_mb > max_cu * MB_PER_CU + 1e-6 {
        over.push(format!(
            "{} MB of memory (max {} MB)",
            num(t.memory_mb),
            num(max_cu * MB_PER_CU)
        ));
    }
    if over.is_empty() {
        return;
    }
    out.push(Diagnostic::new(
        Rule::ResourceOverBudget,
        plan.nodes_pos,
        format!(
            "the plan needs {} but max CU is {}{}",
            over.join(", "),
            num(max_cu),
            console_words(plan)
        ),
    ));
}
