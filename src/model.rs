//! The one internal model every plan and graph format converts into.
//!
//! A `Job` is a set of operators (stream nodes) joined by edges, optionally grouped into vertices
//! (chains) when the format fixes them (REST job plan, expert plan). Plans and graphs share the
//! type: a graph simply lacks resources, and a format that does not record a property leaves it
//! `None` rather than guessing, so rules can tell "not recorded" from "recorded as the default".
//! Operator ids are strings: Blink and stream-graph ids are integers written as text, so they compare
//! equal across formats; operators read from a REST job plan get synthetic ids (`<vertex>#<k>`).

use std::collections::HashMap;

pub use crate::source::Pos;

/// Source, operator or sink: the `pact` of a Blink node, or what the graph's degrees say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Source,
    Operator,
    Sink,
}

impl Role {
    /// Reads Blink's and Flink's spellings (`Source`/`Data Source`, `Sink`/`Data Sink`, `Operator`,
    /// the very old `Data Stream`). Unknown spellings are `None`: not recorded.
    pub fn from_pact(pact: &str) -> Option<Role> {
        match pact.trim() {
            "Source" | "Data Source" => Some(Role::Source),
            "Sink" | "Data Sink" => Some(Role::Sink),
            "Operator" | "Data Stream" => Some(Role::Operator),
            _ => None,
        }
    }

    /// "a source", "an operator", "a sink": for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            Role::Source => "a source",
            Role::Operator => "an operator",
            Role::Sink => "a sink",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Operator => "operator",
            Role::Sink => "sink",
        }
    }
}

/// Flink's `ChainingStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainingStrategy {
    Always,
    Never,
    Head,
    HeadWithSources,
}

impl ChainingStrategy {
    pub fn parse(s: &str) -> Option<ChainingStrategy> {
        match s {
            "ALWAYS" => Some(ChainingStrategy::Always),
            "NEVER" => Some(ChainingStrategy::Never),
            "HEAD" => Some(ChainingStrategy::Head),
            "HEAD_WITH_SOURCES" => Some(ChainingStrategy::HeadWithSources),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChainingStrategy::Always => "ALWAYS",
            ChainingStrategy::Never => "NEVER",
            ChainingStrategy::Head => "HEAD",
            ChainingStrategy::HeadWithSources => "HEAD_WITH_SOURCES",
        }
    }
}

/// A numeric field as the file recorded it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Field<T> {
    #[default]
    Absent,
    Value(T),
    /// Present but not a usable number; the raw text is kept for the message.
    Invalid(String),
}

impl<T: Copy> Field<T> {
    pub fn value(&self) -> Option<T> {
        match self {
            Field::Value(v) => Some(*v),
            _ => None,
        }
    }
}

/// Per-subtask resources of one operator (Blink units: cores and MB).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resources {
    pub cpu: Field<f64>,
    /// Which key the CPU came from (`vcore` or `core`), so edits write back to the same key.
    pub cpu_key: &'static str,
    pub heap_mb: Field<f64>,
    pub direct_mb: Field<f64>,
    pub native_mb: Field<f64>,
    pub managed_mb: Field<f64>,
}

impl Resources {
    /// CPU cores, absent or invalid counting as zero (rules report invalid values separately).
    pub fn cpu_or_zero(&self) -> f64 {
        finite_or_zero(self.cpu.value())
    }

    /// Sum of the memory kinds that count towards CU (formats.md §1.12), in MB.
    pub fn memory_mb(&self) -> f64 {
        [
            &self.heap_mb,
            &self.direct_mb,
            &self.native_mb,
            &self.managed_mb,
        ]
        .iter()
        .map(|f| finite_or_zero(f.value()))
        .sum()
    }
}

fn finite_or_zero(v: Option<f64>) -> f64 {
    match v {
        Some(x) if x.is_finite() && x > 0.0 => x,
        _ => 0.0,
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Operator {
    pub id: String,
    /// The operator name as the format writes it (Blink `name`, stream-graph `type`).
    pub name: String,
    /// Longer description where the format has one (stream-graph `contents`).
    pub description: Option<String>,
    /// Role the file states (`pact`); `None` when not recorded.
    pub declared_role: Option<Role>,
    pub parallelism: Field<i64>,
    pub max_parallelism: Field<i64>,
    /// Lower bound for autotuning (expert plans' `profile.minParallelism`).
    pub min_parallelism: Field<i64>,
    pub slot_sharing_group: Option<String>,
    /// Chaining strategy the file records; `None` when the format does not record it.
    pub chaining: Option<ChainingStrategy>,
    /// A `chainingStrategy` value that is not one of the enum names (kept for the message).
    pub chaining_invalid: Option<String>,
    pub resources: Option<Resources>,
    pub job_vertex_id: Option<String>,
    pub pos: Pos,
    /// Byte offset of the node's JSON object in its file, so editors can find it again.
    pub offset: usize,
    /// Byte offset of the object that holds the node's `parallelism` (the node itself in Blink
    /// plans, its `profile` in expert plans).
    pub parallelism_object: usize,
}

impl Operator {
    pub fn parallelism_or(&self, default: i64) -> i64 {
        self.parallelism.value().unwrap_or(default)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Edge {
    pub source: String,
    pub target: String,
    /// Distinguishes several edges between the same pair (Blink `index`).
    pub index: i64,
    /// Partitioner name as written (`FORWARD`, `HASH`, ...); `None` when absent.
    pub ship_strategy: Option<String>,
    /// Exchange mode where recorded (`PIPELINED`, `pipelined_bounded`, `BATCH`, ...).
    pub exchange: Option<String>,
    pub pos: Pos,
    /// Byte offset of the link's JSON object in its file.
    pub offset: usize,
}

/// A job vertex (chain) as fixed by the format (REST job plan, expert plan).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vertex {
    pub id: String,
    pub name: String,
    /// Indices into `Job::operators`, head first.
    pub operators: Vec<usize>,
    pub parallelism: Option<i64>,
    pub max_parallelism: Option<i64>,
    pub slot_sharing_group: Option<String>,
    pub pos: Pos,
}

/// Per-slot resources of a slot-sharing group (fine-grained resource management; expert plans'
/// `ssgProfiles`). A slot holds one subtask of every vertex in the group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlotSharingGroup {
    pub name: String,
    pub cpu: Field<f64>,
    pub heap_mb: Field<f64>,
    pub off_heap_mb: Field<f64>,
    pub managed_mb: Field<f64>,
    pub pos: Pos,
    pub offset: usize,
}

impl SlotSharingGroup {
    /// Memory per slot in MB, invalid parts counting as zero.
    pub fn memory_mb(&self) -> f64 {
        [&self.heap_mb, &self.off_heap_mb, &self.managed_mb]
            .iter()
            .map(|f| finite_or_zero(f.value()))
            .sum()
    }
}

/// JobManager resources when the plan records them (Blink `global[0]`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct JobManager {
    pub cpu: f64,
    pub memory_mb: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Job {
    pub operators: Vec<Operator>,
    pub edges: Vec<Edge>,
    /// Chains fixed by the file; empty when chains must be derived (Blink plan, stream graph).
    pub vertices: Vec<Vertex>,
    /// Slot-sharing-group resource profiles, where the format records them (expert plans).
    pub slot_sharing_groups: Vec<SlotSharingGroup>,
    pub job_manager: Option<JobManager>,
}

impl Job {
    /// Index of the first operator with each id (duplicates are a rule finding, not a crash).
    pub fn index(&self) -> HashMap<&str, usize> {
        let mut m = HashMap::with_capacity(self.operators.len());
        for (i, op) in self.operators.iter().enumerate() {
            m.entry(op.id.as_str()).or_insert(i);
        }
        m
    }

    /// Edges whose both ends exist, as operator indices.
    pub fn resolved_edges(&self) -> Vec<(usize, usize, &Edge)> {
        let idx = self.index();
        self.edges
            .iter()
            .filter_map(|e| {
                Some((
                    *idx.get(e.source.as_str())?,
                    *idx.get(e.target.as_str())?,
                    e,
                ))
            })
            .collect()
    }

    /// Role from the graph's shape: no inputs = source, no outputs = sink. This is how the Blink
    /// generator assigns `pact`, and the only reliable signal in Flink 2.x, whose sink writers are
    /// plain `Operator`s in the execution plan.
    pub fn structural_roles(&self) -> Vec<Role> {
        let mut has_in = vec![false; self.operators.len()];
        let mut has_out = vec![false; self.operators.len()];
        for (s, t, _) in self.resolved_edges() {
            has_out[s] = true;
            has_in[t] = true;
        }
        (0..self.operators.len())
            .map(|i| match (has_in[i], has_out[i]) {
                (false, _) => Role::Source,
                (true, false) => Role::Sink,
                (true, true) => Role::Operator,
            })
            .collect()
    }
}

/// Flink's default max parallelism for a vertex whose max parallelism is not set
/// (`KeyGroupRangeAssignment#computeDefaultMaxParallelism`): 1.5 × parallelism rounded up to a
/// power of two, within 128..=32768. A job started without `pipeline.max-parallelism` runs with
/// it, and its state can only be restored at the same value.
pub fn default_max_parallelism(parallelism: i64) -> i64 {
    let p = parallelism.max(1) as u64;
    let target = p + p / 2;
    (target.next_power_of_two() as i64).clamp(128, 32768)
}
