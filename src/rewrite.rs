//! Plan rewrites as whole operations: `plan break-chain` from the plan's text to the edited
//! text, with what was cut, what it does to the vertex count and CU, and which chain mismatches
//! against the job graph remain.
//!
//! The decisions live lower down (`plan::break_chain` chooses the cuts, `plan::edit` splices the
//! bytes); this module strings them together in the order the command promises: nothing is
//! edited unless the whole request is valid, and the edited text is read back as a plan before
//! anyone sees it, so an edit that breaks the file is an error here, not in the next tool.
//! Errors are typed so the command line can name its own flags in the hints.

use crate::diagnostic::{Diagnostic, Rule};
use crate::format::{self, Format};
use crate::graph;
use crate::io::read_document;
use crate::plan::break_chain::{self, Cut, CutError, Request};
use crate::plan::edit::{self, Edited};
use crate::plan::{self, Plan};
use crate::rules;
use crate::summary;

/// What to change in the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Blink plans: set `chainingStrategy: HEAD` where the request says.
    Cut(Request),
    /// Expert plans: move the named nodes (exactly one) into a new slot-sharing group.
    NewGroup { nodes: Vec<String>, group: String },
}

/// A job graph to check the edited plan against, read only once the edit succeeded.
#[derive(Debug, Clone)]
pub struct GraphInput<'a> {
    pub path: &'a str,
    pub format: Option<Format>,
}

#[derive(Debug, Clone)]
pub struct BreakChain<'a> {
    /// The plan's file name, for positions and errors.
    pub path: &'a str,
    pub text: &'a str,
    /// `Some` when the user forced the plan's format.
    pub format: Option<Format>,
    pub change: Change,
    pub graph: Option<GraphInput<'a>>,
}

/// What the rewrite did.
#[derive(Debug)]
pub struct BreakChainOutcome {
    /// The plan as it was read.
    pub before: Plan,
    pub edited: Edited,
    /// The nodes that now start a chain (empty for a new group).
    pub cuts: Vec<Cut>,
    /// A cut after every source found each source already alone: the plan is unchanged.
    pub nothing_to_cut: bool,
    /// Vertices a new group created whose keys are placeholders, not Flink's JobVertexIDs.
    pub placeholder_vertices: Vec<String>,
    /// Vertex (chain) counts before and after.
    pub chains: (usize, usize),
    /// Total CU before and after.
    pub cu: (f64, f64),
    /// `chain-mismatch` findings of the edited plan against the graph, when one was given.
    pub remaining: Vec<Diagnostic>,
}

#[derive(Debug)]
pub enum BreakChainError {
    /// An expert plan has no per-node chaining field; only a new group can split it.
    ExpertNeedsGroup,
    /// A new slot-sharing group was asked of a Blink plan.
    GroupNeedsExpert,
    /// A new group moves exactly one node.
    GroupMovesOneNode,
    /// The request names nodes or chains the plan does not have.
    Cut(CutError),
    /// Reading or editing a file failed.
    Input(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for BreakChainError {
    fn from(e: E) -> Self {
        BreakChainError::Input(e.into())
    }
}

/// Reads the plan, applies the change, reads the result back and checks it against the graph.
pub fn break_chain(r: &BreakChain) -> Result<BreakChainOutcome, BreakChainError> {
    let detected = match r.format {
        Some(f) => Some(f),
        None => format::detect(&crate::json::parse(r.path, r.text)?),
    };
    let group = matches!(r.change, Change::NewGroup { .. });
    let before = match (detected, group) {
        (Some(Format::Expert), false) => return Err(BreakChainError::ExpertNeedsGroup),
        (Some(Format::Expert), true) => plan::read(r.path, r.text, Some(Format::Expert))?,
        (_, true) => return Err(BreakChainError::GroupNeedsExpert),
        _ => plan::read(r.path, r.text, r.format)?,
    };
    let (cuts, placeholder_vertices, edited) = match &r.change {
        Change::NewGroup { nodes, group } => {
            let [node] = nodes.as_slice() else {
                return Err(BreakChainError::GroupMovesOneNode);
            };
            let inner = before.embedded.as_ref().map_or(r.text, |e| e.text.as_str());
            let ng = break_chain::new_group(&before, inner, node, group)
                .map_err(BreakChainError::Cut)?;
            let edited = match &before.embedded {
                Some(emb) => edit::apply_embedded(r.path, r.text, emb, &ng.fields, &ng.appends)?,
                None => edit::apply_all(r.path, r.text, &ng.fields, &ng.appends)?,
            };
            (Vec::new(), ng.placeholder_vertices, edited)
        }
        Change::Cut(request) => {
            let cuts = break_chain::plan_cuts(&before, request).map_err(BreakChainError::Cut)?;
            let edited = edit::apply(r.path, r.text, &break_chain::edits(&before, &cuts))?;
            (cuts, Vec::new(), edited)
        }
    };
    let after = plan::read(r.path, &edited.text, Some(before.format))?;
    let remaining = match &r.graph {
        Some(g) => {
            let text = read_document(g.path)?;
            let graph = graph::read(g.path, &text, g.format)?;
            rules::validate(&after, Some(&graph), &rules::Options::default())
                .diagnostics
                .into_iter()
                .filter(|d| d.rule == Rule::ChainMismatch)
                .collect()
        }
        None => Vec::new(),
    };
    let size = |p: &Plan| {
        let s = summary::summarize(p);
        (s.vertices.len(), s.totals.cu)
    };
    let ((chains_before, cu_before), (chains_after, cu_after)) = (size(&before), size(&after));
    let nothing_to_cut = matches!(r.change, Change::Cut(_)) && cuts.is_empty();
    Ok(BreakChainOutcome {
        before,
        edited,
        nothing_to_cut,
        cuts,
        placeholder_vertices,
        chains: (chains_before, chains_after),
        cu: (cu_before, cu_after),
        remaining,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"{
  "nodes" : [ {
    "id" : 1, "uid" : "1", "name" : "src", "pact" : "Source",
    "parallelism" : 1, "maxParallelism" : 128, "vcore" : 0.25, "heap_memory" : 256
  }, {
    "id" : 2, "uid" : "2", "name" : "map", "pact" : "Operator",
    "parallelism" : 1, "maxParallelism" : 128, "vcore" : 0.25, "heap_memory" : 256
  } ],
  "links" : [ { "source" : 1, "target" : 2, "ship_strategy" : "FORWARD" } ]
}"#;

    fn request(change: Change) -> BreakChain<'static> {
        BreakChain {
            path: "p.json",
            text: PLAN,
            format: None,
            change,
            graph: None,
        }
    }

    #[test]
    fn cutting_after_the_source_makes_two_chains_and_touches_one_node() {
        let o = break_chain(&request(Change::Cut(Request::AfterSources))).unwrap();
        assert_eq!(o.chains, (1, 2));
        assert_eq!(o.cuts.len(), 1);
        assert_eq!(o.before.job.operators[o.cuts[0].node].id, "2");
        assert!(o.edited.text.contains("\"chainingStrategy\" : \"HEAD\""));
        assert!(o.cu.1 > o.cu.0, "{:?}", o.cu);
    }

    #[test]
    fn cutting_after_the_sources_twice_changes_nothing_the_second_time() {
        let first = break_chain(&request(Change::Cut(Request::AfterSources))).unwrap();
        let mut again = request(Change::Cut(Request::AfterSources));
        again.text = &first.edited.text;
        let second = break_chain(&again).unwrap();
        assert!(second.nothing_to_cut && second.cuts.is_empty());
        assert_eq!(second.edited.text, first.edited.text);
        assert_eq!(second.chains, (2, 2));
    }

    #[test]
    fn a_new_group_on_a_blink_plan_is_refused_before_any_edit() {
        let r = request(Change::NewGroup {
            nodes: vec!["2".into()],
            group: "g".into(),
        });
        assert!(matches!(
            break_chain(&r),
            Err(BreakChainError::GroupNeedsExpert)
        ));
    }

    #[test]
    fn an_unknown_node_is_a_cut_error_with_the_valid_ids() {
        let r = request(Change::Cut(Request::Nodes(vec!["9".into()])));
        match break_chain(&r) {
            Err(BreakChainError::Cut(e)) => {
                assert_eq!(e.valid_ids(), Some(&["1".to_string(), "2".to_string()][..]))
            }
            other => panic!("{other:?}"),
        }
    }
}
