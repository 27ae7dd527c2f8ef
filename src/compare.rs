//! What changed between two versions of a plan: nodes added, removed or renamed, parallelism,
//! chaining, resources, and the CU total. Works across formats (a Blink plan and the expert plan
//! of the same job): nodes are paired by id within one format and by name across formats.

use std::collections::HashMap;

use crate::chaining;
use crate::format::Format;
use crate::model::Operator;
use crate::plan::Plan;
use crate::rules::names_match;
use crate::summary::{summarize, Summary};

#[derive(Debug, Clone, PartialEq)]
pub struct NodeRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `renamed`, `parallelism`, `max-parallelism`, `chaining`, `cpu`, `memory`, `slot-sharing-group`
    pub kind: &'static str,
    /// Node id in the new plan (or the old one for removals).
    pub node: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanDiff {
    pub added: Vec<NodeRef>,
    pub removed: Vec<NodeRef>,
    pub changes: Vec<Change>,
    pub old: Summary,
    pub new: Summary,
}

fn pair(old: &Plan, new: &Plan) -> Vec<Option<usize>> {
    let mut taken = vec![false; new.job.operators.len()];
    let same_format = old.format == new.format;
    let idx: HashMap<&str, usize> = new.job.index();
    old.job
        .operators
        .iter()
        .map(|o| {
            let found = if same_format {
                idx.get(o.id.as_str()).copied()
            } else {
                (0..new.job.operators.len())
                    .find(|&i| !taken[i] && names_match(&o.name, &new.job.operators[i].name))
            };
            let i = found.filter(|&i| !taken[i])?;
            taken[i] = true;
            Some(i)
        })
        .collect()
}

fn fmt_opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("-".to_string(), |x| x.to_string())
}

fn num(x: f64) -> String {
    crate::units::short(x)
}

/// Per-subtask (cpu, memory MB) of an operator: its own in Blink, its group's slot in expert.
fn resources_of(p: &Plan, op: &Operator) -> (f64, f64) {
    match p.format {
        Format::Expert => p
            .job
            .slot_sharing_groups
            .iter()
            .find(|g| Some(&g.name) == op.slot_sharing_group.as_ref())
            .map_or((0.0, 0.0), |g| {
                (g.cpu.value().unwrap_or(0.0), g.memory_mb())
            }),
        _ => op
            .resources
            .as_ref()
            .map_or((0.0, 0.0), |r| (r.cpu_or_zero(), r.memory_mb())),
    }
}

impl PlanDiff {
    /// No node, link or value changed: the plans mean the same (their bytes may still differ).
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty() && self.changes.is_empty()
    }
}

pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    let m = pair(old, new);
    let mut matched_new = vec![false; new.job.operators.len()];
    let mut removed = Vec::new();
    let mut changes = Vec::new();
    let old_chains = chaining::plan_chains(&old.job, old.format == Format::Expert);
    let new_chains = chaining::plan_chains(&new.job, new.format == Format::Expert);
    let chain_ids = |p: &Plan, c: &chaining::Chains, i: usize| -> Vec<String> {
        c.chains[c.chain_of[i]]
            .iter()
            .map(|&k| p.job.operators[k].id.clone())
            .collect()
    };
    for (oi, o) in old.job.operators.iter().enumerate() {
        let Some(ni) = m[oi] else {
            removed.push(NodeRef {
                id: o.id.clone(),
                name: o.name.clone(),
            });
            continue;
        };
        matched_new[ni] = true;
        let n = &new.job.operators[ni];
        let mut push = |kind, old: String, new: String| {
            if old != new {
                changes.push(Change {
                    kind,
                    node: n.id.clone(),
                    old,
                    new,
                });
            }
        };
        // Blink drops the `Source: `/`Sink: ` prefix the console adds back: not a rename.
        if crate::plan::blink::node_name(&o.name) != crate::plan::blink::node_name(&n.name) {
            push("renamed", o.name.clone(), n.name.clone());
        }
        push(
            "parallelism",
            fmt_opt(o.parallelism.value()),
            fmt_opt(n.parallelism.value()),
        );
        push(
            "max-parallelism",
            fmt_opt(o.max_parallelism.value()),
            fmt_opt(n.max_parallelism.value()),
        );
        push(
            "slot-sharing-group",
            o.slot_sharing_group
                .clone()
                .unwrap_or_else(|| "default".into()),
            n.slot_sharing_group
                .clone()
                .unwrap_or_else(|| "default".into()),
        );
        // Blink prices operators and expert plans price slots: only compare like with like.
        if old.format == new.format {
            let (oc, om) = resources_of(old, o);
            let (nc, nm) = resources_of(new, n);
            push("cpu", num(oc), num(nc));
            push("memory", num(om), num(nm));
        }
        // Chaining: compare the members of the node's chain as sets of new-plan ids (in the new
        // plan's order; removed nodes last), so a different file order is not a change.
        let mut before: Vec<(usize, String)> = old_chains.chains[old_chains.chain_of[oi]]
            .iter()
            .map(|&k| match m[k] {
                Some(j) => (j, new.job.operators[j].id.clone()),
                None => (usize::MAX, format!("(removed {})", old.job.operators[k].id)),
            })
            .collect();
        before.sort();
        let before: Vec<String> = before.into_iter().map(|(_, id)| id).collect();
        let after = chain_ids(new, &new_chains, ni);
        let strategy = |op: &Operator| op.chaining.map_or("ALWAYS", |c| c.as_str()).to_string();
        if old.format == new.format {
            push("chaining", strategy(o), strategy(n));
        }
        if before != after {
            changes.push(Change {
                kind: "chain",
                node: n.id.clone(),
                old: before.join(","),
                new: after.join(","),
            });
        }
    }
    let added = new
        .job
        .operators
        .iter()
        .enumerate()
        .filter(|(i, _)| !matched_new[*i])
        .map(|(_, n)| NodeRef {
            id: n.id.clone(),
            name: n.name.clone(),
        })
        .collect();
    PlanDiff {
        added,
        removed,
        changes,
        old: summarize(old),
        new: summarize(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> Plan {
        let p = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        crate::plan::read(path, &std::fs::read_to_string(p).unwrap(), None).unwrap()
    }

    #[test]
    fn identical_plans_have_no_changes() {
        let a = read("fixtures/plans/window_agg.plan.json");
        let d = diff(&a, &a);
        assert!(
            d.added.is_empty() && d.removed.is_empty() && d.changes.is_empty(),
            "{d:?}"
        );
    }

    #[test]
    fn blink_and_expert_of_the_same_job_pair_by_name() {
        let a = read("fixtures/plans/window_agg.plan.json");
        let b = read("fixtures/expert/window_agg.expert.json");
        let d = diff(&a, &b);
        assert!(d.added.is_empty() && d.removed.is_empty(), "{d:?}");
        assert!(
            d.changes.iter().all(|c| c.kind != "parallelism"),
            "{:?}",
            d.changes
        );
    }
}
