//! Where to cut a Blink plan's chains (formats.md §1.10).
//!
//! A cut before node B is recorded by setting B's `chainingStrategy` to `HEAD`: B no longer chains
//! to its input but its successors may still chain to it. When B already starts a chain (a source,
//! or already `HEAD`), the cut goes to the nodes chained right after it. A named node that cuts
//! nothing is an error, never a silent no-op; "after every source" is idempotent (a plan whose
//! sources already stand alone needs no cut, and the caller says so). This module only decides;
//! `edit` writes the bytes.

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
    /// `--new-group` problems (expert plans).
    Group(String),
}

impl fmt::Display for CutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CutError::UnknownNode { id, .. } => write!(f, "node {id} does not exist in the plan"),
            CutError::NoChain { id, why, .. } => {
                write!(f, "there is no chain to cut at node {id}: {why}")
            }
            CutError::NoSourceChain => {
                write!(
                    f,
                    "the plan has no source node, so there is nothing to cut after"
                )
            }
            CutError::Group(msg) => f.write_str(msg),
        }
    }
}

impl CutError {
    /// The node ids a user could have meant, for the hint.
    pub fn valid_ids(&self) -> Option<&[String]> {
        match self {
            CutError::UnknownNode { valid, .. } | CutError::NoChain { valid, .. } => Some(valid),
            CutError::NoSourceChain | CutError::Group(_) => None,
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
            let sources: Vec<usize> = (0..job.operators.len())
                .filter(|&i| is_source(plan, i, &has_input))
                .collect();
            if sources.is_empty() {
                return Err(CutError::NoSourceChain);
            }
            // Idempotent: a plan whose sources already stand alone is left as it is.
            for s in sources {
                cuts.extend(chained_after(s).into_iter().map(|t| Cut {
                    node: t,
                    requested: job.operators[s].id.clone(),
                    from: s,
                }));
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

/// The edits that move one node of an expert plan into a new slot-sharing group, the documented
/// way to keep it out of its neighbours' chain (formats.md §2.4): the node's `profile.group`, a copy
/// of its old group's profile under the new name, and its vertex split where the node leaves it.
/// New vertices get placeholder keys: Flink derives JobVertexIDs from hashes planscale does not
/// recompute, so the platform has to regenerate them ("Get Plan Now").
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub fields: Vec<FieldEdit>,
    pub appends: Vec<crate::plan::edit::ArrayAppend>,
    pub placeholder_vertices: Vec<String>,
}

pub fn new_group(plan: &Plan, text: &str, node: &str, group: &str) -> Result<NewGroup, CutError> {
    use jsonc_parser::ast::Value;
    let job = &plan.job;
    let Some(&n) = job.index().get(node) else {
        let mut valid: Vec<String> = job.operators.iter().map(|o| o.id.clone()).collect();
        valid.sort_by_key(|id| (id.parse::<i64>().unwrap_or(i64::MAX), id.clone()));
        return Err(CutError::UnknownNode {
            id: node.to_string(),
            valid,
        });
    };
    if job.slot_sharing_groups.iter().any(|g| g.name == group) {
        return Err(CutError::Group(format!(
            "slot-sharing group {group:?} already exists; name a new one"
        )));
    }
    let op = &job.operators[n];
    let old_group = op.slot_sharing_group.clone().unwrap_or_default();
    let profile = job
        .slot_sharing_groups
        .iter()
        .find(|g| g.name == old_group)
        .ok_or_else(|| {
            CutError::Group(format!(
                "node {node}'s group {old_group:?} has no profile in ssgProfiles"
            ))
        })?;
    let bad = |what: &str| CutError::Group(format!("cannot edit the plan: {what}"));
    let root = crate::json::parse(&plan.file, text).map_err(|e| bad(&e.message))?;
    let Value::Object(top) = &root else {
        return Err(bad("not an object"));
    };
    let Some(Value::Array(ssgs)) = crate::json::get(top, "ssgProfiles") else {
        return Err(bad("no ssgProfiles"));
    };
    let Some(Value::Object(vertices)) = crate::json::get(top, "vertices") else {
        return Err(bad("no vertices"));
    };
    let Some(Value::Array(nodes)) = crate::json::get(top, "nodes") else {
        return Err(bad("no nodes"));
    };

    // The node's profile object, and the copy of its group's profile under the new name.
    let node_obj = nodes.elements.iter().find_map(|v| match v {
        Value::Object(o) if o.range.start == op.offset => Some(o),
        _ => None,
    });
    let Some(Value::Object(prof)) = node_obj.and_then(|o| crate::json::get(o, "profile")) else {
        return Err(bad("the node has no profile object"));
    };
    let group_json = serde_json::Value::String(group.to_string()).to_string();
    let profile_obj = ssgs.elements.iter().find_map(|v| match v {
        Value::Object(o) if o.range.start == profile.offset => Some(o),
        _ => None,
    });
    let Some(profile_obj) = profile_obj else {
        return Err(bad("group profile not found"));
    };
    let Some(name_value) = crate::json::get(profile_obj, "name") else {
        return Err(bad("group profile has no name"));
    };
    let (ps, pe) = (profile_obj.range.start, profile_obj.range.end);
    let (ns, ne) = (
        crate::json::start(name_value),
        crate::plan::edit::value_end(name_value),
    );
    let copy = format!("{}{group_json}{}", &text[ps..ns], &text[ne..pe]);

    let mut fields = vec![FieldEdit {
        object: prof.range.start,
        key: "group".into(),
        value: group_json,
        after: vec![],
    }];
    let appends = vec![crate::plan::edit::ArrayAppend {
        array: ssgs.range.start,
        value: copy,
    }];

    // Split the node's vertex: [before], [node], [after].
    let mut placeholder_vertices = Vec::new();
    if let Some(v) = job.vertices.iter().find(|v| v.operators.contains(&n)) {
        let k = v.operators.iter().position(|&i| i == n).unwrap_or(0);
        let parts: Vec<&[usize]> = [
            &v.operators[..k],
            &v.operators[k..=k],
            &v.operators[k + 1..],
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
        if parts.len() > 1 {
            let Some(prop) = vertices.properties.iter().find(|p| p.name.as_str() == v.id) else {
                return Err(bad("vertex not found"));
            };
            let raw =
                &text[crate::json::start(&prop.value)..crate::plan::edit::value_end(&prop.value)];
            let ids = |part: &[usize]| -> Vec<String> {
                part.iter().map(|&i| job.operators[i].id.clone()).collect()
            };
            let render = |part: &[usize]| render_array_like(raw, &ids(part));
            fields.push(FieldEdit {
                object: vertices.range.start,
                key: v.id.clone(),
                value: render(parts[0]),
                after: vec![],
            });
            for part in &parts[1..] {
                let key = placeholder_key(&v.id, &ids(part));
                // All new vertices go right after the one they were split from, in order.
                fields.push(FieldEdit {
                    object: vertices.range.start,
                    key: key.clone(),
                    value: render(part),
                    after: vec![v.id.clone()],
                });
                placeholder_vertices.push(key);
            }
        }
    }
    Ok(NewGroup {
        fields,
        appends,
        placeholder_vertices,
    })
}

/// `[a, b]` in the style of `original` (an array of ids as written in the file).
fn render_array_like(original: &str, items: &[String]) -> String {
    if original.contains('\n') {
        // Pretty: one item per line at the original items' indentation.
        let indent: String = original
            .lines()
            .nth(1)
            .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
            .unwrap_or_default();
        let closing: String = original
            .lines()
            .last()
            .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
            .unwrap_or_default();
        let body: Vec<String> = items.iter().map(|i| format!("{indent}{i}")).collect();
        format!("[\n{}\n{closing}]", body.join(",\n"))
    } else {
        let sep = if original.contains(", ") { ", " } else { "," };
        let pad = if original.starts_with("[ ") { " " } else { "" };
        format!("[{pad}{}{pad}]", items.join(sep))
    }
}

/// A deterministic 32-hex placeholder for a vertex split off `parent`.
fn placeholder_key(parent: &str, ids: &[String]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut h2: u64 = 0x84222325cbf29ce4;
    for b in parent.bytes().chain(
        ids.iter()
            .flat_map(|s| s.bytes().chain(std::iter::once(b','))),
    ) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
        h2 = (h2 ^ u64::from(b))
            .wrapping_mul(0x100000001b3)
            .rotate_left(5);
    }
    format!("{h:016x}{h2:016x}")
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
