//! The metric reader's warnings in words, for `recommend` and `simulate` alike.

use crate::metrics::time::format_rfc3339;
use crate::metrics::{ReadWarning, VertexLabel};

fn label(v: &VertexLabel) -> String {
    match &v.name {
        Some(n) => format!("vertex `{n}` ({})", v.key),
        None => format!("vertex `{}`", v.key),
    }
}

pub fn read_warning(w: &ReadWarning) -> String {
    match w {
        ReadWarning::JobUnchecked {
            job,
            column_empty: true,
        } => format!(
            "the job column is empty, so the rows cannot be checked to be of job {job}: all rows were read"
        ),
        ReadWarning::JobUnchecked {
            job,
            column_empty: false,
        } => format!(
            "the file has no job column, so the rows cannot be checked to be of job {job}: all rows were read"
        ),
        ReadWarning::Duplicates(n) => format!(
            "{n} duplicate value{} (same timestamp, vertex, subtask and metric): the last one of each was kept",
            if *n == 1 { "" } else { "s" }
        ),
        ReadWarning::NoSamples(v) => format!("{}: no samples in the metric window", label(v)),
        ReadWarning::NoBusyTime {
            vertex,
            reported_nan: true,
        } => format!(
            "{}: busyTimeMsPerSecond is not reported (NaN) in any sample of the window, as for a legacy source running in its own thread; the autoscaler excludes such a vertex",
            label(vertex)
        ),
        ReadWarning::NoBusyTime {
            vertex,
            reported_nan: false,
        } => format!(
            "{}: the file has no busyTimeMsPerSecond for it in the window",
            label(vertex)
        ),
        ReadWarning::Unsorted {
            line,
            t_ms,
            horizon_min,
        } => format!(
            "the rows are not in time order (line {line} is at {}, more than {horizon_min} min behind an earlier row), so the whole recording was read into memory; sort the rows by time for a one-pass read in bounded memory",
            format_rfc3339(*t_ms)
        ),
    }
}
