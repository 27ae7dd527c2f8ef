//! Rules that compare a plan with its job graph: node identity (`node-missing`, `node-unplanned`,
//! `node-mismatch`), links (`edge-missing`, `edge-mismatch`), chaining (`chain-mismatch`) and pinned
//! parallelism (`parallelism-mismatch`); plus `chain-heavy-source`, which needs only the plan.
//!
//! Chaining is compared edge by edge: the plan's chains come from Blink's calculator on the file,
//! the job's from Flink's rules on the graph with the plan's explicit `chainingStrategy` applied, so
//! a deliberate `HEAD`/`NEVER` cut is never a mismatch while a cut the file does not explain is.

use std::collections::HashMap;

use crate::chaining::{self, Chains, Cut, FlinkNode};
use crate::diagnostic::{Diagnostic, Rule};
use crate::graph::Graph;
use crate::model::{ChainingStrategy, Field, Job, Role};
use crate::plan::Plan;
use crate::rules::console_words;
use crate::rules::matching::{match_nodes, operator_kind, same_name};

fn label(job: &Job, i: usize) -> String {
    let op = &job.operators[i];
    format!("{} ({:?})", op.id, op.name)
}

pub(super) fn check(plan: &Plan, graph: &Graph, out: &mut Vec<Diagnostic>) {
    let pj = &plan.job;
    let gj = &graph.job;
    let m = match_nodes(plan, graph);
    let mut plan_of: Vec<Option<usize>> = vec![None; gj.operators.len()];
    for (p, g) in m.iter().enumerate() {
        if let Some(g) = g {
            plan_of[*g] = Some(p);
        }
    }
    let graph_roles = gj.structural_roles();

    // Nodes. A repeated id is a structure finding only, not also a missing node.
    let mut seen_ids = std::collections::HashSet::new();
    for (p, op) in pj.operators.iter().enumerate() {
        if !seen_ids.insert(op.id.as_str()) {
            continue;
        }
        let Some(g) = m[p] else {
            out.push(
                Diagnostic::new(
                    Rule::NodeMissing,
                    op.pos,
                    format!("node {} does not exist in the job graph", label(pj, p)),
                )
                .node(&op.id),
            );
            continue;
        };
        let gop = &gj.operators[g];
        // What the graph says (its `pact`), and its shape only where it says nothing. A terminal
        // writer is `Operator` in Flink 2.x's own execution plan (Sink V2 `…: Writer`) and
        // `Sink` by shape: a plan may call it either.
        let graph_role = gop.declared_role.unwrap_or(graph_roles[g]);
        let terminal_writer = graph_roles[g] == Role::Sink
            && matches!(
                (op.declared_role, graph_role),
                (Some(Role::Operator), Role::Sink) | (Some(Role::Sink), Role::Operator)
            );
        if let Some(role) = op.declared_role.filter(|_| !terminal_writer) {
            if role != graph_role {
                out.push(
                    Diagnostic::new(
                        Rule::NodeMismatch,
                        op.pos,
                        format!(
                            "node mismatch: node {} is {} in the plan but {} in the job graph",
                            op.id,
                            role.with_article(),
                            graph_role.with_article()
                        ),
                    )
                    .node(&op.id),
                );
                continue;
            }
        }
        let name_differs = if graph.vertex_level() {
            // Matched by planner id or kind: the operator kind must still agree with the
            // vertex's operator name (job details) or description (bare job plan).
            let kind = operator_kind(&op.name);
            !kind.is_empty()
                && operator_kind(&gop.name) != kind
                && gop
                    .description
                    .as_deref()
                    .is_none_or(|d| operator_kind(d) != kind)
        } else {
            !same_name(&op.name, &gop.name)
        };
        if !op.name.is_empty() && name_differs {
            out.push(
                Diagnostic::new(
                    Rule::NodeMismatch,
                    op.pos,
                    format!(
                        "node mismatch: node {} is {:?} in the plan but {:?} in the job graph",
                        op.id, op.name, gop.name
                    ),
                )
                .node(&op.id),
            );
        }
        check_parallelism(op, gop, out);
    }
    for (g, gop) in gj.operators.iter().enumerate() {
        if plan_of[g].is_none() {
            let what = if graph.vertex_level() {
                format!(
                    "operator {:?} of job vertex {}",
                    gop.name,
                    gop.job_vertex_id.as_deref().unwrap_or("?")
                )
            } else {
                format!("node {} ({:?})", gop.id, gop.name)
            };
            out.push(
                Diagnostic::new(
                    Rule::NodeUnplanned,
                    plan.nodes_pos,
                    format!("job-graph {what} has no entry in the plan"),
                )
                .node(&gop.id),
            );
        }
    }

    // Links, compared per node pair with multiplicity.
    let p_edges = pj.resolved_edges();
    let g_edges = gj.resolved_edges();
    let mut g_pairs: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (k, (s, t, _)) in g_edges.iter().enumerate() {
        g_pairs.entry((*s, *t)).or_default().push(k);
    }
    let mut used = vec![false; g_edges.len()];
    for (ps, pt, e) in &p_edges {
        let (Some(gs), Some(gt)) = (m[*ps], m[*pt]) else {
            continue;
        };
        let slot = g_pairs
            .get(&(gs, gt))
            .and_then(|ks| ks.iter().copied().find(|&k| !used[k]));
        match slot {
            None => out.push(
                Diagnostic::new(
                    Rule::EdgeMissing,
                    e.pos,
                    format!(
                        "link {}->{} does not exist in the job graph",
                        e.source, e.target
                    ),
                )
                .edge(&e.source, &e.target),
            ),
            Some(k) => {
                used[k] = true;
                let ge = g_edges[k].2;
                if let (Some(a), Some(b)) = (
                    plan_strategy(e.ship_strategy.as_deref()),
                    ge.ship_strategy.as_deref(),
                ) {
                    if !a.eq_ignore_ascii_case(b) {
                        out.push(
                            Diagnostic::new(
                                Rule::EdgeMismatch,
                                e.pos,
                                format!(
                                    "link {}->{} is {a} in the plan but {b} in the job graph",
                                    e.source, e.target
                                ),
                            )
                            .edge(&e.source, &e.target),
                        );
                    }
                }
            }
        }
    }
    for (k, (gs, gt, ge)) in g_edges.iter().enumerate() {
        if used[k] {
            continue;
        }
        let (Some(ps), Some(pt)) = (plan_of[*gs], plan_of[*gt]) else {
            continue;
        };
        let (s, t) = (&pj.operators[ps], &pj.operators[pt]);
        out.push(
            Diagnostic::new(
                Rule::EdgeMissing,
                t.pos,
                format!(
                    "the job graph has an edge {}->{} ({}) that is missing from the plan's links",
                    s.id,
                    t.id,
                    ge.ship_strategy.as_deref().unwrap_or("FORWARD")
                ),
            )
            .node(&t.id)
            .edge(&s.id, &t.id),
        );
    }

    check_chains(plan, graph, &plan_of, out);
}

/// The strategy a plan link asks for: absent means FORWARD; `"null"` and `""` ask for nothing.
fn plan_strategy(s: Option<&str>) -> Option<&str> {
    match s {
        None => Some("FORWARD"),
        Some(x) if x.trim().is_empty() || x.trim() == "null" => None,
        Some(x) => Some(x),
    }
}

fn check_parallelism(
    op: &crate::model::Operator,
    gop: &crate::model::Operator,
    out: &mut Vec<Diagnostic>,
) {
    let gp = gop.parallelism.value();
    let gmax = gop.max_parallelism.value().filter(|m| *m > 0);
    let p = op.parallelism.value();
    if let (Some(p), Some(gmax)) = (p, gmax) {
        if p > gmax {
            out.push(
                Diagnostic::new(
                    Rule::ParallelismMismatch,
                    op.pos,
                    format!(
                        "node {}: parallelism {p} exceeds the job's max parallelism {gmax}",
                        op.id
                    ),
                )
                .node(&op.id),
            );
        } else if gp == Some(gmax) && Some(p) != gp {
            out.push(
                Diagnostic::new(
                    Rule::ParallelismMismatch,
                    op.pos,
                    format!(
                        "node {}: parallelism {p}, but the job pins it to {gmax}",
                        op.id
                    ),
                )
                .node(&op.id),
            );
        }
    }
    if let (Field::Value(pm), Some(gmax)) = (&op.max_parallelism, gmax) {
        if *pm != gmax {
            out.push(
                Diagnostic::new(
                    Rule::ParallelismMismatch,
                    op.pos,
                    format!(
                        "node {}: maxParallelism {pm} differs from the job's {gmax}; changing it makes existing state unrestorable",
                        op.id
                    ),
                )
                .node(&op.id),
            );
        }
    }
}

/// Whether the job chains graph edge `gu -> gd`, with the plan's explicit strategies applied.
fn graph_chains_edge(
    graph: &Graph,
    nodes: &[FlinkNode],
    in_deg: &[usize],
    gu: usize,
    gd: usize,
    edge: &crate::model::Edge,
) -> Result<(), Cut> {
    let gj = &graph.job;
    if !gj.vertices.is_empty() {
        // Chains are fixed by the file; only the plan's own cuts can separate them.
        let (a, b) = (
            &gj.operators[gu].job_vertex_id,
            &gj.operators[gd].job_vertex_id,
        );
        if a != b {
            return Err(Cut::SeparateVertices);
        }
        if nodes[gu].chaining == ChainingStrategy::Never {
            return Err(Cut::SourceNever);
        }
        return match nodes[gd].chaining {
            ChainingStrategy::Head | ChainingStrategy::Never => {
                Err(Cut::TargetStrategy(nodes[gd].chaining))
            }
            _ => Ok(()),
        };
    }
    chaining::flink_edge(&nodes[gu], &nodes[gd], in_deg[gd], edge)
}

fn check_chains(plan: &Plan, graph: &Graph, plan_of: &[Option<usize>], out: &mut Vec<Diagnostic>) {
    let pj = &plan.job;
    let gj = &graph.job;
    let roles = gj.structural_roles();
    let nodes: Vec<FlinkNode> = gj
        .operators
        .iter()
        .enumerate()
        .map(|(g, gop)| {
            let pop = plan_of[g].map(|p| &pj.operators[p]);
            let is_source = roles[g] == Role::Source;
            let default = if is_source {
                ChainingStrategy::Head
            } else {
                ChainingStrategy::Always
            };
            FlinkNode {
                chaining: pop
                    .and_then(|p| p.chaining)
                    .or(gop.chaining)
                    .unwrap_or(default),
                slot_sharing_group: gop
                    .slot_sharing_group
                    .clone()
                    .filter(|_| gj.vertices.is_empty())
                    .or_else(|| pop.and_then(|p| p.slot_sharing_group.clone()))
                    .unwrap_or_else(|| "default".to_string()),
                parallelism: gop.parallelism.value(),
                is_source,
            }
        })
        .collect();
    let in_deg = chaining::graph_in_degrees(gj);

    let plan_edges = chaining::plan_edges(pj, plan.format == crate::format::Format::Expert);
    let mut plan_edge: HashMap<(usize, usize), Result<(), Cut>> = HashMap::new();
    for (a, b, r) in plan_edges {
        plan_edge.entry((a, b)).or_insert(r);
    }

    for (gu, gd, ge) in gj.resolved_edges() {
        let (Some(pu), Some(pd)) = (plan_of[gu], plan_of[gd]) else {
            continue;
        };
        let Some(p_result) = plan_edge.get(&(pu, pd)) else {
            continue;
        };
        let g_result = graph_chains_edge(graph, &nodes, &in_deg, gu, gd, ge);
        let (u, d) = (&pj.operators[pu], &pj.operators[pd]);
        let expert = plan.format == crate::format::Format::Expert;
        // An expert plan that moves a node into a slot-sharing group of its own (break-chain
        // --new-group) splits a chain on purpose: the job runs it chained until it is deployed
        // with this plan, and then Flink cannot chain across the groups.
        let regrouped = expert && u.slot_sharing_group != d.slot_sharing_group;
        let msg = match (&g_result, p_result) {
            (Ok(()), Err(_)) if regrouped => format!(
                "nodes {} and {} run chained in the job, but the plan puts them in slot-sharing groups {:?} and {:?}: deployed with this plan, Flink runs them as separate vertices",
                u.id,
                d.id,
                u.slot_sharing_group.as_deref().unwrap_or("default"),
                d.slot_sharing_group.as_deref().unwrap_or("default"),
            ),
            (Ok(()), Err(cut)) if expert => format!(
                "nodes {} and {} chain in the job but the plan puts them in different chains ({cut})",
                u.id, d.id
            ),
            (Ok(()), Err(cut)) => format!(
                "nodes {} and {} chain in the job but the plan puts them in different chains ({cut}), so their resources are counted twice{}",
                u.id, d.id, console_words(plan)
            ),
            (Err(cut), Ok(())) => format!(
                "nodes {} and {} are planned as one chain but cannot chain in the job ({cut}){}",
                u.id, d.id, console_words(plan)
            ),
            _ => continue,
        };
        let mut diagnostic = Diagnostic::new(Rule::ChainMismatch, d.pos, msg)
            .node(&d.id)
            .edge(&u.id, &d.id);
        if regrouped && g_result.is_ok() {
            diagnostic = diagnostic.warning();
        }
        out.push(diagnostic);
    }
}

/// `chain-heavy-source`: too many operators chained to a source keep autoscaling from scaling them
/// separately (AutoScale FAQ).
pub(super) fn check_source_chains(
    job: &Job,
    chains: &Chains,
    max: usize,
    out: &mut Vec<Diagnostic>,
) {
    let roles = job.structural_roles();
    for chain in &chains.chains {
        let Some(&src) = chain.iter().find(|&&i| {
            job.operators[i].declared_role == Some(Role::Source)
                || (job.operators[i].declared_role.is_none() && roles[i] == Role::Source)
        }) else {
            continue;
        };
        let chained = chain.len() - 1;
        if chained > max {
            let op = &job.operators[src];
            out.push(
                Diagnostic::new(
                    Rule::ChainHeavySource,
                    op.pos,
                    format!(
                        "source node {} has {chained} operators chained to it (more than {max}): consider `planscale plan break-chain --after-sources`",
                        op.id
                    ),
                )
                .node(&op.id),
            );
        }
    }
}
