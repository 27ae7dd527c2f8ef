//! `plan-structure`: the plan must be a well-formed graph on its own: nodes with unique ids,
//! links between existing nodes, no cycles, at least one node, valid chaining strategies.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Rule};
use crate::plan::Plan;

pub(super) fn check(plan: &Plan, out: &mut Vec<Diagnostic>) {
    let job = &plan.job;
    if job.operators.is_empty() {
        out.push(Diagnostic::new(
            Rule::PlanStructure,
            plan.nodes_pos,
            "the plan is empty: `nodes` has no usable node",
        ));
        return;
    }

    let mut first: HashMap<&str, usize> = HashMap::new();
    for op in &job.operators {
        match first.get(op.id.as_str()) {
            Some(&line) => out.push(
                Diagnostic::new(
                    Rule::PlanStructure,
                    op.pos,
                    format!(
                        "duplicate node id {} (first defined on line {line}); the console keeps only the first",
                        op.id
                    ),
                )
                .node(&op.id),
            ),
            None => {
                first.insert(&op.id, op.pos.line);
            }
        }
        if let Some(raw) = &op.chaining_invalid {
            out.push(
                Diagnostic::new(
                    Rule::PlanStructure,
                    op.pos,
                    format!(
                        "node {}: chainingStrategy {raw:?} is not one of ALWAYS, NEVER, HEAD",
                        op.id
                    ),
                )
                .node(&op.id),
            );
        }
    }

    // Quirks of the Blink launcher only matter for Blink plans.
    let blink = plan.format == crate::format::Format::Blink;
    let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
    for e in &job.edges {
        for end in [&e.source, &e.target] {
            if !first.contains_key(end.as_str()) {
                out.push(
                    Diagnostic::new(
                        Rule::PlanStructure,
                        e.pos,
                        format!(
                            "link {}->{} refers to node {end}, which is not in the plan",
                            e.source, e.target
                        ),
                    )
                    .edge(&e.source, &e.target),
                );
            }
        }
        let seen = pairs.entry((&e.source, &e.target)).or_default();
        *seen += 1;
        if *seen == 2 && blink {
            out.push(
                Diagnostic::new(
                    Rule::PlanStructure,
                    e.pos,
                    format!(
                        "more than one link {}->{}: the Blink launcher keeps only one link per node pair",
                        e.source, e.target
                    ),
                )
                .warning()
                .edge(&e.source, &e.target),
            );
        }
    }
    if blink && job.edges.is_empty() && job.operators.len() > 1 {
        out.push(
            Diagnostic::new(
                Rule::PlanStructure,
                plan.nodes_pos,
                format!(
                    "{} nodes but no links: the Blink launcher cannot compute chains (\"the graph has no vertex\")",
                    job.operators.len()
                ),
            )
            .warning(),
        );
    }

    if let Some(cycle) = find_cycle(plan) {
        let at = cycle[0];
        let names: Vec<&str> = cycle
            .iter()
            .map(|&i| job.operators[i].id.as_str())
            .collect();
        out.push(
            Diagnostic::new(
                Rule::PlanStructure,
                job.operators[at].pos,
                format!("links form a cycle: {} -> {}", names.join(" -> "), names[0]),
            )
            .node(&job.operators[at].id),
        );
    }
}

/// One cycle among the plan's links, starting at its node that appears first in the file.
fn find_cycle(plan: &Plan) -> Option<Vec<usize>> {
    let job = &plan.job;
    let n = job.operators.len();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (s, t, _) in job.resolved_edges() {
        succ[s].push(t);
    }
    // Iterative DFS with colours; on a back edge, the stack from the target is the cycle.
    let mut colour = vec![0u8; n];
    for root in 0..n {
        if colour[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        colour[root] = 1;
        while let Some(&mut (v, ref mut k)) = stack.last_mut() {
            if *k < succ[v].len() {
                let w = succ[v][*k];
                *k += 1;
                match colour[w] {
                    0 => {
                        colour[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => {
                        let start = stack.iter().position(|&(x, _)| x == w).unwrap_or(0);
                        let mut cycle: Vec<usize> =
                            stack[start..].iter().map(|&(x, _)| x).collect();
                        let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                        cycle.rotate_left(first);
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                colour[v] = 2;
                stack.pop();
            }
        }
    }
    None
}
