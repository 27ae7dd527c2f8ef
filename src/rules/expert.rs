//! Rules only expert plans need (formats.md §2.6): slot-sharing-group profiles, the `vertices`
//! map, and chaining per §2.4 (a vertex must be a chain Flink would build, and Flink would not
//! chain across two vertices).

use std::collections::HashMap;

use crate::chaining;
use crate::diagnostic::{Diagnostic, Rule};
use crate::model::{Field, Job};

pub(super) fn check(job: &Job, out: &mut Vec<Diagnostic>) {
    // Slot-sharing groups.
    let mut names: HashMap<&str, usize> = HashMap::new();
    for g in &job.slot_sharing_groups {
        if let Some(line) = names.insert(&g.name, g.pos.line) {
            out.push(Diagnostic::new(
                Rule::PlanStructure,
                g.pos,
                format!(
                    "duplicate slot-sharing group {:?} (also on line {line})",
                    g.name
                ),
            ));
        }
        let bad = |msg: String| {
            Diagnostic::new(
                Rule::ResourceInvalid,
                g.pos,
                format!("slot-sharing group {:?}: {msg}", g.name),
            )
        };
        match &g.cpu {
            Field::Value(c) if !c.is_finite() || *c <= 0.0 => {
                out.push(bad(format!("cpu {c} must be a positive number of cores")))
            }
            Field::Invalid(r) => out.push(bad(format!("cpu {r} is not a number"))),
            Field::Absent => out.push(bad("cpu is missing".into())),
            _ => {}
        }
        for (key, f, required) in [
            ("heap", &g.heap_mb, true),
            ("offHeap", &g.off_heap_mb, false),
            ("managed", &g.managed_mb, false),
        ] {
            match f {
                Field::Invalid(reason) => out.push(bad(format!("{key} {reason}"))),
                Field::Value(mb) if required && *mb <= 0.0 => {
                    out.push(bad(format!("{key} must be positive")))
                }
                Field::Absent if required => out.push(bad(format!("{key} is missing"))),
                _ => {}
            }
        }
    }
    for op in &job.operators {
        match &op.slot_sharing_group {
            Some(g) if !names.contains_key(g.as_str()) => out.push(
                Diagnostic::new(
                    Rule::PlanStructure,
                    op.pos,
                    format!("node {}: profile.group {g:?} is not in ssgProfiles", op.id),
                )
                .node(&op.id),
            ),
            None => out.push(
                Diagnostic::new(
                    Rule::PlanStructure,
                    op.pos,
                    format!("node {} has no profile.group", op.id),
                )
                .node(&op.id),
            ),
            _ => {}
        }
    }

    // The vertices map.
    let mut vertex_count = vec![0usize; job.operators.len()];
    for v in &job.vertices {
        if !(v.id.len() == 32 && v.id.bytes().all(|b| b.is_ascii_hexdigit())) {
            out.push(Diagnostic::new(
                Rule::PlanStructure,
                v.pos,
                format!(
                    "vertex key {:?} is not a 32-character hex JobVertexID",
                    v.id
                ),
            ));
        }
        for &i in &v.operators {
            vertex_count[i] += 1;
        }
    }
    for (i, op) in job.operators.iter().enumerate() {
        let msg = match vertex_count[i] {
            1 => continue,
            0 => format!("node {} is in no vertex", op.id),
            n => format!("node {} is in {n} vertices", op.id),
        };
        out.push(Diagnostic::new(Rule::PlanStructure, op.pos, msg).node(&op.id));
    }

    // Chaining: a vertex is one chain, so exactly one of its nodes (the head, wherever the file
    // lists it) has no input edge from inside the vertex; every further such node is unjoined.
    let edges = job.resolved_edges();
    for v in &job.vertices {
        // A node listed in several vertices is already a structure finding.
        let unjoined: Vec<usize> = v
            .operators
            .iter()
            .copied()
            .filter(|&i| vertex_count[i] == 1)
            .filter(|&i| {
                !edges
                    .iter()
                    .any(|(a, b, _)| *b == i && v.operators.contains(a))
            })
            .collect();
        for &i in unjoined.iter().skip(1) {
            let op = &job.operators[i];
            out.push(
                Diagnostic::new(
                    Rule::ChainMismatch,
                    op.pos,
                    format!(
                        "node {} is in vertex {} but no edge joins it to the vertex's other nodes",
                        op.id, v.id
                    ),
                )
                .node(&op.id),
            );
        }
    }

    // Every edge inside a vertex must chain, and no edge between vertices could.
    let in_deg = chaining::graph_in_degrees(job);
    // Expert plans record no chaining strategy, so Flink's defaults apply.
    let nodes = chaining::flink_nodes(job);
    let mut first_edge: std::collections::HashMap<(usize, usize), &crate::model::Edge> =
        Default::default();
    let resolved = job.resolved_edges();
    for (x, y, e) in &resolved {
        first_edge.entry((*x, *y)).or_insert(e);
    }
    for (a, b, r) in chaining::plan_edges(job, true) {
        let Some(e) = first_edge.get(&(a, b)) else {
            continue;
        };
        let flink = chaining::flink_edge(&nodes[a], &nodes[b], in_deg[b], e);
        let (u, d) = (&job.operators[a], &job.operators[b]);
        let msg = match (r, flink) {
            (Ok(()), Err(cut)) => format!(
                "nodes {} and {} share a vertex but Flink cannot chain them ({cut})",
                u.id, d.id
            ),
            (Err(_), Ok(())) => format!(
                "nodes {} and {} are in different vertices but Flink chains them (same group and parallelism, FORWARD)",
                u.id, d.id
            ),
            _ => continue,
        };
        out.push(
            Diagnostic::new(Rule::ChainMismatch, d.pos, msg)
                .node(&d.id)
                .edge(&u.id, &d.id),
        );
    }
}
