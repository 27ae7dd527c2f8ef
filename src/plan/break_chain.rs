//! Where to cut a Blink plan's chains (formats.md §1.10).
//!
//! A cut before node B is recorded by setting B's `chainingStrategy` to `HEAD`: B no longer chains
//! to its input but its successors may still chain to it. When B already starts a chain (a source,
//! or already `HEAD`), the cut goes to the nodes chained right after it. A request that cuts
//! nothing is an error, never a silent no-op. This module only decides; `edit` writes the bytes.

use std::fmt;

use crate::chaining;
use crate::model::{ChainingStrategy, Role};
use crate::plan::edit::FieldEdit;
use crate::plan::Plan;

/// What the user asked to cut.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Nodes(Vec<String>),
    AfterSources,
}

/// One node that will start a new chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    /// Operator index of the node that gets `HEAD`.
    pub node: usize,
    /// The node the user named (or the source, for `--after-sources`).
    pub requested: String,
    /// The upstream node it is cut from.
    pub from: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CutError {
    UnknownNode {
        id: String,
        valid: Vec<String>,
    },
    NoChain {
        id: String,
        why: String,
        valid: Vec<String>,
    },
    NoSourceChain,
}

impl fmt::Display for CutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CutError::UnknownNode { id, .. } => write!(f, "node {id} does not exist in the plan"),
            CutError::NoChain { id, why, .. } => {
                write!(f, "there is no chain to cut at node {id}: {why}")
            }
            CutError::NoSourceChain => write!(
                f,
                "no source has an operator chained to it: there is no chain to cut"
            ),
        }
    }
}

impl CutError {
    /// The node ids a user could have meant, for the hint.
    pub fn valid_ids(&self) -> Option<&[String]> {
        match self {
            CutError::UnknownNode { valid, .. } | CutError::NoChain { valid, .. } => Some(valid),
            CutError::NoSourceChain => None,
        }
    }
}

fn is_source(plan: &Plan, i: usize, has_input: &[bool]) -> bool {
    match plan.job.operators[i].declared_role {
        Some(r) => r == Role::Source,
        None => !has_input[i],
    }
}

/// Decides the cuts for a request. Cuts are deduplicated and ordered by node position.
pub fn plan_cuts(plan: &Plan, request: &Request) -> Result<Vec<Cut>, CutError> {
    let job = &plan.job;
    let edges = chaining::blink_edges(job);
    let mut has_input = vec![false; job.operators.len()];
    for (_, b, _) in &edges {
        has_input[*b] = true;
    }
    let chained_after = |a: usize| -> Vec<usize> {
        edges
            .iter()
            .filter(|(x, _, r)| *x == a && r.is_ok())
            .map(|(_, b, _)| *b)
            .collect()
    };
    let valid = || -> Vec<String> {
        let mut ids: Vec<String> = job.operators.iter().map(|o| o.id.clone()).collect();
        ids.sort_by_key(|id| (id.parse::<i64>().unwrap_or(i64::MAX), id.clone()));
        ids.dedup();
        ids
    };
    let mut cuts: Vec<Cut> = Vec::new();
    match request {
        Request::Nodes(ids) => {
            let idx = job.index();
            for id in ids {
                let Some(&b) = idx.get(id.as_str()) else {
                    return Err(CutError::UnknownNode {
                        id: id.clone(),
                        valid: valid(),
                    });
                };
                let starts_chain = job.operators[b].chaining == Some(ChainingStrategy::Head)
                    || is_source(plan, b, &has_input);
                if starts_chain {
                    let next = chained_after(b);
                    if next.is_empty() {
                        return Err(CutError::NoChain {
                            id: id.clone(),
                            why: "it already starts a chain and no operator is chained after it"
                                .into(),
                            valid: valid(),
                        });
                    }
                    cuts.extend(next.into_iter().map(|t| Cut {
                        node: t,
                        requested: id.clone(),
                        from: b,
                    }));
                    continue;
                }
                match edges.iter().find(|(_, t, _)| *t == b) {
                    Some((a, _, Ok(()))) => cuts.push(Cut {
                        node: b,
                        requested: id.clone(),
                        from: *a,
                    }),
                    Some((a, _, Err(cut))) => {
                        return Err(CutError::NoChain {
                            id: id.clone(),
                            why: format!(
                                "it is not chained to node {} ({cut})",
                                job.operators[*a].id
                            ),
                            valid: valid(),
                        })
                    }
                    None => {
                        return Err(CutError::NoChain {
                            id: id.clone(),
                            why: "it has no input link".into(),
                            valid: valid(),
                        })
                    }
                }
            }
        }
        Request::AfterSources => {
            for s in (0..job.operators.len()).filter(|&i| is_source(plan, i, &has_input)) {
                cuts.extend(chained_after(s).into_iter().map(|t| Cut {
                    node: t,
                    requested: job.operators[s].id.clone(),
                    from: s,
                }));
            }
            if cuts.is_empty() {
                return Err(CutError::NoSourceChain);
            }
        }
    }
    cuts.sort_by_key(|c| c.node);
    cuts.dedup_by_key(|c| c.node);
    Ok(cuts)
}

/// The byte edits that record the cuts: `"chainingStrategy" : "HEAD"`, inserted after
/// `slotSharingGroup` or `pact` (the generator's key order) when absent.
pub fn edits(plan: &Plan, cuts: &[Cut]) -> Vec<FieldEdit> {
    cuts.iter()
        .map(|c| FieldEdit {
            object: plan.job.operators[c.node].offset,
            key: "chainingStrategy".into(),
            value: "\"HEAD\"".into(),
            after: vec!["slotSharingGroup".into(), "pact".into()],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"{
  "nodes" : [ {
    "id" : 1, "name" : "src", "pact" : "Source", "chainingStrategy" : "HEAD", "parallelism" : 8
  }, {
    "id" : 2, "name" : "calc", "pact" : "Operator", "parallelism" : 8
  }, {
    "id" : 3, "name" : "map", "pact" : "Operator", "parallelism" : 8
  }, {
    "id" : 4, "name" : "agg", "pact" : "Operator", "parallelism" : 16
  } ],
  "links" : [ { "source" : 1, "target" : 2 }, { "source" : 2, "target" : 3 },
              { "source" : 3, "target" : 4, "ship_strategy" : "HASH" } ]
}"#;

    fn plan() -> Plan {
        crate::plan::read("p", PLAN, None).unwrap()
    }

    fn cut_ids(r: &Request) -> Vec<String> {
        let p = plan();
        plan_cuts(&p, r)
            .unwrap()
            .iter()
            .map(|c| p.job.operators[c.node].id.clone())
            .collect()
    }

    #[test]
    fn cut_before_a_chained_node() {
        assert_eq!(cut_ids(&Request::Nodes(vec!["3".into()])), ["3"]);
    }

    #[test]
    fn a_source_passes_the_cut_to_its_successor() {
        assert_eq!(cut_ids(&Request::Nodes(vec!["1".into()])), ["2"]);
        assert_eq!(cut_ids(&Request::AfterSources), ["2"]);
    }

    #[test]
    fn errors() {
        let p = plan();
        let e = plan_cuts(&p, &Request::Nodes(vec!["9".into()])).unwrap_err();
        assert_eq!(e.to_string(), "node 9 does not exist in the plan");
        assert_eq!(e.valid_ids().unwrap(), ["1", "2", "3", "4"]);
        let e = plan_cuts(&p, &Request::Nodes(vec!["4".into()])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "there is no chain to cut at node 4: it is not chained to node 3 (the edge is HASH, not FORWARD)"
        );
    }
}
