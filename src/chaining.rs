//! Operator chaining: which edges fuse two operators into one task (job vertex).
//!
//! Two rule sets over the same model. `blink` is the Blink launcher's calculator (formats.md §1.9):
//! it sees only what a PlanJSON records. `flink` is Flink's own `StreamingJobGraphGenerator` rule
//! (§6.1), evaluated on a job graph with the plan's explicit settings applied. Both answer per edge
//! and say why an edge does not chain, so a mismatch can be explained rather than just reported.
//! Chains are the connected components of chainable edges.

use std::fmt;

use crate::model::{ChainingStrategy, Edge, Job};

/// Why an edge does not chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Cut {
    /// The downstream operator has several inputs (or, in a plan, no single link).
    InDegree(usize),
    SlotSharingGroup(String, String),
    /// The downstream operator's strategy forbids chaining to its input (`HEAD`, `NEVER`).
    TargetStrategy(ChainingStrategy),
    /// The upstream operator is `NEVER`.
    SourceNever,
    ShipStrategy(String),
    BatchExchange,
    Parallelism(i64, i64),
    /// Several links join the same pair.
    ParallelLinks,
    /// The job graph puts the two operators in different job vertices.
    SeparateVertices,
    /// A plan that lists its vertices (expert) puts the two nodes in different ones.
    PlanVertices,
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cut::InDegree(n) => write!(f, "the downstream node has {n} inputs"),
            Cut::SlotSharingGroup(a, b) => {
                write!(f, "slot-sharing groups differ: \"{a}\" vs \"{b}\"")
            }
            Cut::TargetStrategy(s) => write!(f, "the downstream node is {}", s.as_str()),
            Cut::SourceNever => write!(f, "the upstream node is NEVER"),
            Cut::ShipStrategy(s) => write!(f, "the edge is {s}, not FORWARD"),
            Cut::BatchExchange => write!(f, "the exchange is BATCH"),
            Cut::Parallelism(a, b) => write!(f, "parallelism differs: {a} vs {b}"),
            Cut::ParallelLinks => write!(f, "several links join the two nodes"),
            Cut::SeparateVertices => write!(f, "the job runs them as separate job vertices"),
            Cut::PlanVertices => write!(f, "the plan lists them in separate vertices"),
        }
    }
}

/// Chains of a job: a chain id per operator and the operators of each chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Chains {
    pub chain_of: Vec<usize>,
    /// Operator indices per chain, in operator order; chains ordered by their first operator.
    pub chains: Vec<Vec<usize>>,
}

impl Chains {
    /// Connected components of the given chained operator pairs.
    pub fn from_pairs(n: usize, pairs: impl IntoIterator<Item = (usize, usize)>) -> Chains {
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for (a, b) in pairs {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
        let mut chain_of = vec![usize::MAX; n];
        let mut chains: Vec<Vec<usize>> = Vec::new();
        let mut id_of_root = vec![usize::MAX; n];
        for (i, chain) in chain_of.iter_mut().enumerate() {
            let r = find(&mut parent, i);
            if id_of_root[r] == usize::MAX {
                id_of_root[r] = chains.len();
                chains.push(Vec::new());
            }
            *chain = id_of_root[r];
            chains[id_of_root[r]].push(i);
        }
        Chains { chain_of, chains }
    }
}

fn in_degrees(job: &Job) -> Vec<usize> {
    let mut d = vec![0; job.operators.len()];
    for (_, t, _) in job.resolved_edges() {
        d[t] += 1;
    }
    d
}

fn ssg(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("default")
}

/// Blink's calculator (§1.9) for one link of a plan: `Ok` when it chains.
pub fn blink_edge(
    job: &Job,
    in_degree: &[usize],
    a: usize,
    b: usize,
    link: &Edge,
    links_between: usize,
) -> Result<(), Cut> {
    let (ua, ub) = (&job.operators[a], &job.operators[b]);
    if in_degree[b] != 1 {
        return Err(Cut::InDegree(in_degree[b]));
    }
    if ssg(&ua.slot_sharing_group) != ssg(&ub.slot_sharing_group) {
        return Err(Cut::SlotSharingGroup(
            ssg(&ua.slot_sharing_group).into(),
            ssg(&ub.slot_sharing_group).into(),
        ));
    }
    match ub.chaining.unwrap_or(ChainingStrategy::Always) {
        ChainingStrategy::Always => {}
        other => return Err(Cut::TargetStrategy(other)),
    }
    if ua.chaining == Some(ChainingStrategy::Never) {
        return Err(Cut::SourceNever);
    }
    if links_between != 1 {
        return Err(Cut::ParallelLinks);
    }
    // Exact, uppercase FORWARD only; absent means FORWARD, "null" and "" do not (§1.9 rule 5).
    let ship = link.ship_strategy.as_deref().unwrap_or("FORWARD");
    if ship != "FORWARD" {
        return Err(Cut::ShipStrategy(if ship.is_empty() {
            "\"\"".into()
        } else {
            ship.to_string()
        }));
    }
    let (pa, pb) = (ua.parallelism_or(1), ub.parallelism_or(1));
    if pa != pb {
        return Err(Cut::Parallelism(pa, pb));
    }
    Ok(())
}

/// Per resolved edge of a plan, whether Blink's calculator chains it.
pub fn blink_edges(job: &Job) -> Vec<(usize, usize, Result<(), Cut>)> {
    let deg = in_degrees(job);
    let resolved = job.resolved_edges();
    let mut pair_count: std::collections::HashMap<(usize, usize), usize> = Default::default();
    for (a, b, _) in &resolved {
        *pair_count.entry((*a, *b)).or_default() += 1;
    }
    resolved
        .iter()
        .map(|(a, b, e)| {
            (
                *a,
                *b,
                blink_edge(job, &deg, *a, *b, e, pair_count[&(*a, *b)]),
            )
        })
        .collect()
}

/// Chains of a Blink plan.
pub fn blink_chains(job: &Job) -> Chains {
    let pairs: Vec<_> = blink_edges(job)
        .into_iter()
        .filter(|(_, _, r)| r.is_ok())
        .map(|(a, b, _)| (a, b))
        .collect();
    Chains::from_pairs(job.operators.len(), pairs)
}

/// Chains of a plan whose file fixes them (`vertices` of an expert plan); an operator in no
/// vertex is a chain of its own.
pub fn vertex_chains(job: &Job) -> Chains {
    let mut pairs = Vec::new();
    for v in &job.vertices {
        for w in v.operators.windows(2) {
            pairs.push((w[0], w[1]));
        }
    }
    Chains::from_pairs(job.operators.len(), pairs)
}

/// Per resolved edge of a plan, whether the plan chains it: Blink's calculator for Blink plans,
/// "same vertex" for plans that list their vertices.
pub fn plan_edges(job: &Job, fixed_vertices: bool) -> Vec<(usize, usize, Result<(), Cut>)> {
    if !fixed_vertices {
        return blink_edges(job);
    }
    let chains = vertex_chains(job);
    job.resolved_edges()
        .into_iter()
        .map(|(a, b, _)| {
            let r = if chains.chain_of[a] == chains.chain_of[b] {
                Ok(())
            } else {
                Err(Cut::PlanVertices)
            };
            (a, b, r)
        })
        .collect()
}

/// Chains of a plan (see `plan_edges`).
pub fn plan_chains(job: &Job, fixed_vertices: bool) -> Chains {
    if fixed_vertices {
        vertex_chains(job)
    } else {
        blink_chains(job)
    }
}

/// What Flink needs to know about an operator to decide chaining, after the plan's explicit
/// settings are applied to the graph.
#[derive(Debug, Clone)]
pub struct FlinkNode {
    pub chaining: ChainingStrategy,
    pub slot_sharing_group: String,
    pub parallelism: Option<i64>,
    pub is_source: bool,
}

/// Every operator as Flink sees it when the file records no more: its own chaining strategy if
/// recorded, else `HEAD` for sources and `ALWAYS` otherwise; its group, else `default`.
pub fn flink_nodes(job: &Job) -> Vec<FlinkNode> {
    let deg = in_degrees(job);
    job.operators
        .iter()
        .enumerate()
        .map(|(i, o)| FlinkNode {
            chaining: o.chaining.unwrap_or(if deg[i] == 0 {
                ChainingStrategy::Head
            } else {
                ChainingStrategy::Always
            }),
            slot_sharing_group: o
                .slot_sharing_group
                .clone()
                .unwrap_or_else(|| "default".into()),
            parallelism: o.parallelism.value(),
            is_source: deg[i] == 0,
        })
        .collect()
}

/// Flink's rule (§6.1) for one graph edge U→D; chaining assumed enabled for the job.
pub fn flink_edge(
    u: &FlinkNode,
    d: &FlinkNode,
    d_in_degree: usize,
    edge: &Edge,
) -> Result<(), Cut> {
    if d_in_degree != 1 {
        return Err(Cut::InDegree(d_in_degree));
    }
    if u.slot_sharing_group != d.slot_sharing_group {
        return Err(Cut::SlotSharingGroup(
            u.slot_sharing_group.clone(),
            d.slot_sharing_group.clone(),
        ));
    }
    if u.chaining == ChainingStrategy::Never {
        return Err(Cut::SourceNever);
    }
    match d.chaining {
        ChainingStrategy::Always => {}
        ChainingStrategy::HeadWithSources if u.is_source => {}
        other => return Err(Cut::TargetStrategy(other)),
    }
    if let (Some(a), Some(b)) = (u.parallelism, d.parallelism) {
        if a != b {
            return Err(Cut::Parallelism(a, b));
        }
    }
    let ship = edge.ship_strategy.as_deref().unwrap_or("FORWARD");
    if !ship.eq_ignore_ascii_case("FORWARD") {
        return Err(Cut::ShipStrategy(ship.to_string()));
    }
    if edge
        .exchange
        .as_deref()
        .is_some_and(|x| x.eq_ignore_ascii_case("BATCH"))
    {
        return Err(Cut::BatchExchange);
    }
    Ok(())
}

/// Chains of a job graph as Flink would build them, where the graph records no chaining
/// strategies or groups: sources `HEAD`, everything else `ALWAYS`, one slot-sharing group unless
/// the graph names them.
pub fn graph_chains(job: &Job) -> Chains {
    if !job.vertices.is_empty() {
        return vertex_chains(job);
    }
    let deg = in_degrees(job);
    let nodes = flink_nodes(job);
    let pairs: Vec<_> = job
        .resolved_edges()
        .into_iter()
        .filter(|(a, b, e)| flink_edge(&nodes[*a], &nodes[*b], deg[*b], e).is_ok())
        .map(|(a, b, _)| (a, b))
        .collect();
    Chains::from_pairs(job.operators.len(), pairs)
}

/// Chains in topological order of the graph between them, ties broken by position in the file;
/// chains on a cycle (a finding of the rules) come last, in file order.
pub fn topological_order(job: &Job, chains: &Chains) -> Vec<usize> {
    let n = chains.chains.len();
    let mut indeg = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, b, _) in job.resolved_edges() {
        let (ca, cb) = (chains.chain_of[a], chains.chain_of[b]);
        if ca != cb && !succ[ca].contains(&cb) {
            succ[ca].push(cb);
            indeg[cb] += 1;
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..n).filter(|&c| indeg[c] == 0).collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while let Some(c) = ready.pop_first() {
        order.push(c);
        placed[c] = true;
        for &d in &succ[c] {
            indeg[d] -= 1;
            if indeg[d] == 0 {
                ready.insert(d);
            }
        }
    }
    order.extend((0..n).filter(|&c| !placed[c]));
    order
}

/// Each chain's operators head first, following the edges inside the chain (Flink names a
/// vertex after its operators in this order); ties by position in the file.
pub fn operators_in_chain_order(job: &Job, chains: &Chains) -> Vec<Vec<usize>> {
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); job.operators.len()];
    let mut indeg = vec![0usize; job.operators.len()];
    for (a, b, _) in job.resolved_edges() {
        if chains.chain_of[a] == chains.chain_of[b] && a != b {
            succ[a].push(b);
            indeg[b] += 1;
        }
    }
    // Each chain only decrements its own operators' counts, so one copy serves all chains.
    let mut left = indeg.clone();
    chains
        .chains
        .iter()
        .map(|ops| {
            let mut ready: std::collections::BTreeSet<usize> =
                ops.iter().copied().filter(|&o| indeg[o] == 0).collect();
            let mut sorted = Vec::with_capacity(ops.len());
            while let Some(o) = ready.pop_first() {
                sorted.push(o);
                for &d in &succ[o] {
                    left[d] -= 1;
                    if left[d] == 0 {
                        ready.insert(d);
                    }
                }
            }
            // Operators on a cycle inside the chain keep their file order.
            let mut placed: std::collections::HashSet<usize> = sorted.iter().copied().collect();
            for &o in ops {
                if placed.insert(o) {
                    sorted.push(o);
                }
            }
            sorted
        })
        .collect()
}

/// In-degree of every operator of a graph.
pub fn graph_in_degrees(job: &Job) -> Vec<usize> {
    in_degrees(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, Operator};

    fn op(id: &str, p: i64, chaining: Option<ChainingStrategy>) -> Operator {
        Operator {
            id: id.into(),
            parallelism: Field::Value(p),
            chaining,
            ..Operator::default()
        }
    }

    fn link(s: &str, t: &str, ship: Option<&str>) -> Edge {
        Edge {
            source: s.into(),
            target: t.into(),
            ship_strategy: ship.map(String::from),
            ..Edge::default()
        }
    }

    /// The example of formats.md §1.13: chains {1,2} and {4,5}.
    fn example() -> Job {
        Job {
            operators: vec![
                op("1", 8, Some(ChainingStrategy::Head)),
                op("2", 8, None),
                op("4", 16, None),
                op("5", 16, None),
            ],
            edges: vec![
                link("1", "2", None),
                link("2", "4", Some("HASH")),
                link("4", "5", None),
            ],
            ..Job::default()
        }
    }

    #[test]
    fn blink_chains_of_the_spec_example() {
        let c = blink_chains(&example());
        assert_eq!(c.chains, vec![vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn head_cuts_and_null_strategy_does_not_chain() {
        let mut j = example();
        j.operators[1].chaining = Some(ChainingStrategy::Head);
        assert_eq!(blink_chains(&j).chains.len(), 3);
        let mut j = example();
        j.edges[0].ship_strategy = Some("null".into());
        assert_eq!(blink_chains(&j).chains.len(), 3);
        let mut j = example();
        j.edges[0].ship_strategy = Some("forward".into());
        assert_eq!(
            blink_chains(&j).chains.len(),
            3,
            "Blink compares FORWARD exactly"
        );
    }

    #[test]
    fn blink_parallelism_and_ssg_cut() {
        let mut j = example();
        j.operators[3].parallelism = Field::Value(4);
        let edges = blink_edges(&j);
        assert_eq!(edges[2].2, Err(Cut::Parallelism(16, 4)));
        let mut j = example();
        j.operators[1].slot_sharing_group = Some("g".into());
        assert!(matches!(
            blink_edges(&j)[0].2,
            Err(Cut::SlotSharingGroup(_, _))
        ));
    }

    #[test]
    fn flink_rules() {
        let n = |c, p| FlinkNode {
            chaining: c,
            slot_sharing_group: "default".into(),
            parallelism: Some(p),
            is_source: false,
        };
        let fwd = link("a", "b", Some("FORWARD"));
        assert_eq!(
            flink_edge(
                &n(ChainingStrategy::Head, 2),
                &n(ChainingStrategy::Always, 2),
                1,
                &fwd
            ),
            Ok(())
        );
        assert_eq!(
            flink_edge(
                &n(ChainingStrategy::Always, 2),
                &n(ChainingStrategy::Head, 2),
                1,
                &fwd
            ),
            Err(Cut::TargetStrategy(ChainingStrategy::Head))
        );
        assert_eq!(
            flink_edge(
                &n(ChainingStrategy::Always, 1),
                &n(ChainingStrategy::Always, 2),
                1,
                &fwd
            ),
            Err(Cut::Parallelism(1, 2))
        );
        assert_eq!(
            flink_edge(
                &n(ChainingStrategy::Always, 2),
                &n(ChainingStrategy::Always, 2),
                2,
                &fwd
            ),
            Err(Cut::InDegree(2))
        );
        let mut batch = fwd.clone();
        batch.exchange = Some("BATCH".into());
        assert_eq!(
            flink_edge(
                &n(ChainingStrategy::Always, 2),
                &n(ChainingStrategy::Always, 2),
                1,
                &batch
            ),
            Err(Cut::BatchExchange)
        );
        let mut src = n(ChainingStrategy::Head, 2);
        src.is_source = true;
        assert_eq!(
            flink_edge(&src, &n(ChainingStrategy::HeadWithSources, 2), 1, &fwd),
            Ok(())
        );
    }
}
