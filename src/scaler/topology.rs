//! The job graph as the autoscaler sees it (scaling.md §4.1, §11): vertices with parallelism,
//! max parallelism, source partition count and input edges with ship strategies.
//!
//! A topology is validated once on construction (unique ids, known inputs, no cycle) and keeps its
//! vertices in topological order, because evaluation (§5.4) needs every upstream result before a
//! downstream vertex. A source is a vertex without inputs.

use std::collections::BTreeMap;
use std::fmt;

/// How records travel along an edge. Only `HASH` (keyBy) changes the decision: it makes the
/// downstream vertex keyed, so its parallelism is aligned to the key groups (§6.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ShipStrategy {
    Hash,
    Rebalance,
    Rescale,
    Forward,
    Broadcast,
    Global,
    Custom,
    Other(String),
}

impl ShipStrategy {
    /// Reads upstream's names (`HASH`, `REBALANCE`, …), case-insensitively; anything else is kept.
    pub fn parse(name: &str) -> ShipStrategy {
        match name.trim().to_ascii_uppercase().as_str() {
            "HASH" => ShipStrategy::Hash,
            "REBALANCE" => ShipStrategy::Rebalance,
            "RESCALE" => ShipStrategy::Rescale,
            "FORWARD" => ShipStrategy::Forward,
            "BROADCAST" => ShipStrategy::Broadcast,
            "GLOBAL" => ShipStrategy::Global,
            "CUSTOM" => ShipStrategy::Custom,
            _ => ShipStrategy::Other(name.trim().to_string()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ShipStrategy::Hash => "HASH",
            ShipStrategy::Rebalance => "REBALANCE",
            ShipStrategy::Rescale => "RESCALE",
            ShipStrategy::Forward => "FORWARD",
            ShipStrategy::Broadcast => "BROADCAST",
            ShipStrategy::Global => "GLOBAL",
            ShipStrategy::Custom => "CUSTOM",
            ShipStrategy::Other(s) => s,
        }
    }
}

/// One input edge of a vertex.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub from: String,
    pub ship_strategy: ShipStrategy,
}

/// One job vertex (a chain of operators).
#[derive(Debug, Clone, PartialEq)]
pub struct VertexInfo {
    pub id: String,
    pub parallelism: i64,
    /// Number of key groups for keyed state; the hard upper bound of the parallelism.
    pub max_parallelism: i64,
    /// Distinct source partitions (§4.5); 0 when unknown or not a partitioned source.
    pub num_source_partitions: i64,
    pub inputs: Vec<Input>,
}

impl VertexInfo {
    pub fn is_source(&self) -> bool {
        self.inputs.is_empty()
    }

    pub fn input_ship_strategies(&self) -> Vec<ShipStrategy> {
        self.inputs
            .iter()
            .map(|i| i.ship_strategy.clone())
            .collect()
    }

    /// Distinct upstream vertex ids, in edge order (upstream keys inputs by vertex).
    pub fn input_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for input in &self.inputs {
            if !ids.contains(&input.from.as_str()) {
                ids.push(&input.from);
            }
        }
        ids
    }
}

/// Why a topology was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyError {
    DuplicateVertex(String),
    UnknownInput { vertex: String, input: String },
    Cycle(Vec<String>),
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::DuplicateVertex(id) => write!(f, "vertex `{id}` is listed twice"),
            TopologyError::UnknownInput { vertex, input } => {
                write!(f, "vertex `{vertex}` reads from unknown vertex `{input}`")
            }
            TopologyError::Cycle(ids) => {
                write!(f, "the graph has a cycle through {}", ids.join(", "))
            }
        }
    }
}

impl std::error::Error for TopologyError {}

/// A validated job graph in topological order.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    vertices: Vec<VertexInfo>,
    index: BTreeMap<String, usize>,
    /// Distinct downstream ids per vertex, by index.
    outputs: Vec<Vec<String>>,
    /// Distinct upstream positions per vertex, in edge order (what `input_ids` names).
    input_positions: Vec<Vec<usize>>,
}

impl Topology {
    /// Validates `vertices` and orders them topologically (stable: among ready vertices the one
    /// listed first comes first).
    pub fn new(vertices: Vec<VertexInfo>) -> Result<Topology, TopologyError> {
        let mut position = BTreeMap::new();
        for (i, v) in vertices.iter().enumerate() {
            if position.insert(v.id.clone(), i).is_some() {
                return Err(TopologyError::DuplicateVertex(v.id.clone()));
            }
        }
        for v in &vertices {
            for input in &v.inputs {
                if !position.contains_key(&input.from) {
                    return Err(TopologyError::UnknownInput {
                        vertex: v.id.clone(),
                        input: input.from.clone(),
                    });
                }
            }
        }
        // Kahn's algorithm; among ready vertices the one listed first goes first.
        let n = vertices.len();
        let mut pending = vec![0usize; n];
        let mut downstream = vec![Vec::<usize>::new(); n];
        for (i, v) in vertices.iter().enumerate() {
            for from in v.input_ids() {
                pending[i] += 1;
                downstream[position[from]].push(i);
            }
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&i| pending[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &d in &downstream[i] {
                pending[d] -= 1;
                if pending[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        if order.len() < n {
            let stuck = (0..n)
                .filter(|&i| pending[i] > 0)
                .map(|i| vertices[i].id.clone())
                .collect();
            return Err(TopologyError::Cycle(stuck));
        }
        let mut slots: Vec<Option<VertexInfo>> = vertices.into_iter().map(Some).collect();
        let ordered: Vec<VertexInfo> = order.iter().filter_map(|&i| slots[i].take()).collect();
        let index: BTreeMap<String, usize> = ordered
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id.clone(), i))
            .collect();
        let mut outputs = vec![Vec::<String>::new(); ordered.len()];
        for v in &ordered {
            for from in v.input_ids() {
                let list = &mut outputs[index[from]];
                if !list.contains(&v.id) {
                    list.push(v.id.clone());
                }
            }
        }
        let input_positions = ordered
            .iter()
            .map(|v| v.input_ids().iter().map(|from| index[*from]).collect())
            .collect();
        Ok(Topology {
            vertices: ordered,
            index,
            outputs,
            input_positions,
        })
    }

    /// Vertices in topological order.
    pub fn vertices(&self) -> &[VertexInfo] {
        &self.vertices
    }

    /// The position of `id` in [`Topology::vertices`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The positions of the distinct upstream vertices of the vertex at `position`, in edge
    /// order: every one is before `position`.
    pub fn input_positions(&self, position: usize) -> &[usize] {
        &self.input_positions[position]
    }

    /// How many distinct downstream vertices the vertex at `position` has.
    pub fn output_count(&self, position: usize) -> usize {
        self.outputs[position].len()
    }

    pub fn get(&self, id: &str) -> Option<&VertexInfo> {
        self.index.get(id).map(|&i| &self.vertices[i])
    }

    pub fn is_source(&self, id: &str) -> bool {
        self.get(id).is_some_and(VertexInfo::is_source)
    }

    /// Distinct downstream vertex ids of `id`.
    pub fn outputs(&self, id: &str) -> &[String] {
        match self.index.get(id) {
            Some(&i) => &self.outputs[i],
            None => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: &str, inputs: &[(&str, &str)]) -> VertexInfo {
        VertexInfo {
            id: id.into(),
            parallelism: 1,
            max_parallelism: 128,
            num_source_partitions: 0,
            inputs: inputs
                .iter()
                .map(|(f, s)| Input {
                    from: (*f).into(),
                    ship_strategy: ShipStrategy::parse(s),
                })
                .collect(),
        }
    }

    #[test]
    fn orders_topologically_and_counts_outputs() {
        let t = Topology::new(vec![
            v("sink", &[("map", "HASH")]),
            v("map", &[("src", "REBALANCE"), ("src2", "FORWARD")]),
            v("src", &[]),
            v("src2", &[]),
        ])
        .unwrap();
        let ids: Vec<&str> = t.vertices().iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["src", "src2", "map", "sink"]);
        assert_eq!(t.outputs("src"), ["map".to_string()]);
        assert_eq!(t.input_positions(2), [0, 1]);
        assert_eq!((t.output_count(0), t.output_count(3)), (1, 0));
        assert_eq!(t.position("map"), Some(2));
        assert!(t.is_source("src2"));
        assert!(!t.is_source("map"));
        assert_eq!(
            t.get("sink").unwrap().input_ship_strategies(),
            [ShipStrategy::Hash]
        );
    }

    #[test]
    fn rejects_cycles_duplicates_and_dangling_inputs() {
        assert!(matches!(
            Topology::new(vec![v("a", &[("b", "HASH")]), v("b", &[("a", "HASH")])]),
            Err(TopologyError::Cycle(_))
        ));
        assert!(matches!(
            Topology::new(vec![v("a", &[]), v("a", &[])]),
            Err(TopologyError::DuplicateVertex(_))
        ));
        assert!(matches!(
            Topology::new(vec![v("a", &[("zzz", "HASH")])]),
            Err(TopologyError::UnknownInput { .. })
        ));
    }
}
