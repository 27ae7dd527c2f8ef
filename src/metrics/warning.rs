//! What the metric reader warns about: facts about the file, as data. `render::metrics` words
//! them once, for `recommend` and `simulate` alike.

/// A vertex as the file names it: its key (JobVertexID or name column) and, when the file has
/// one, its display name. Both are already made printable (`reader::show_name`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VertexLabel {
    pub key: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ReadWarning {
    /// A job was chosen, but the rows cannot be checked against it: the job column is empty
    /// (`column_empty`) or absent. Every row was read.
    JobUnchecked { job: String, column_empty: bool },
    /// Values repeated at the same timestamp, vertex, subtask and metric; the last one was kept.
    Duplicates(u64),
    /// A vertex has no samples inside the metric window.
    NoSamples(VertexLabel),
    /// A vertex has no busy time in the window: reported as NaN (a legacy source in its own
    /// thread, which the autoscaler excludes) or not in the file at all.
    NoBusyTime {
        vertex: VertexLabel,
        reported_nan: bool,
    },
    /// The rows are out of time order by more than the streaming horizon, so the whole file was
    /// read into memory: `line` is at `t_ms`.
    Unsorted {
        line: u64,
        t_ms: i64,
        horizon_min: i64,
    },
}

impl ReadWarning {
    /// The vertex the warning is about, if it is about one.
    pub fn vertex_mut(&mut self) -> Option<&mut VertexLabel> {
        match self {
            ReadWarning::NoSamples(v) | ReadWarning::NoBusyTime { vertex: v, .. } => Some(v),
            ReadWarning::JobUnchecked { .. }
            | ReadWarning::Duplicates(_)
            | ReadWarning::Unsorted { .. } => None,
        }
    }
}
