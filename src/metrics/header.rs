//! The header row: which shape the file has (long or wide) and which column plays which role.
//!
//! Long format has both `metric` and `value`; anything else is wide, where every column that is
//! not a role (or a known status column) is a metric. Column names are matched case-insensitively
//! and trimmed (spreadsheet exports capitalise); metric names are not (Flink's are
//! case-sensitive). When several aliases of one role are present, the first in the alias list
//! wins and the others are ignored, never read as metrics.

use super::bound::show_name;
use crate::error::InputError;
use crate::model::Pos;

/// Header names quoted in one message at most.
const MAX_LISTED: usize = 20;

/// Aliases per role, in priority order (spec/metrics.md).
const TIMESTAMP: &[&str] = &["timestamp", "timestamp_ms", "time"];
const VERTEX: &[&str] = &["vertex", "vertex_id", "task_id"];
const SUBTASK: &[&str] = &["subtask", "subtask_index"];
const JOB: &[&str] = &["job", "job_id"];
const VERTEX_NAME: &[&str] = &["vertex_name", "task_name"];
/// The Prometheus reporter's `operator_name` label: with an operator-scoped metric
/// (`flink_taskmanager_job_task_operator_*`) it says which operator, and so whether it is a source.
const OPERATOR_NAME: &[&str] = &["operator_name"];
const PARALLELISM: &[&str] = &["parallelism"];
const METRIC: &[&str] = &["metric"];
const VALUE: &[&str] = &["value"];
/// Status columns the lab's wide captures carry; neither roles nor metrics.
const IGNORED: &[&str] = &["job_state", "vertex_status", "job_name"];

/// The file's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Shape {
    /// One value per row: `metric` and `value` columns.
    Long,
    /// One row per timestamp and vertex (and subtask), one column per metric.
    Wide,
}

/// Column indexes (0-based) of each role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub shape: Shape,
    pub names: Vec<String>,
    pub timestamp: usize,
    pub vertex: usize,
    pub subtask: Option<usize>,
    pub job: Option<usize>,
    pub vertex_name: Option<usize>,
    /// Long format only: the operator of a Prometheus operator-scoped metric.
    pub operator_name: Option<usize>,
    pub parallelism: Option<usize>,
    /// Long format only.
    pub metric: Option<usize>,
    pub value: Option<usize>,
    /// Wide format only: metric columns, in file order.
    pub metric_columns: Vec<usize>,
}

fn find(names: &[String], aliases: &[&str]) -> Option<usize> {
    aliases
        .iter()
        .find_map(|a| names.iter().position(|n| n.eq_ignore_ascii_case(a)))
}

fn is_role(name: &str) -> bool {
    [
        TIMESTAMP,
        VERTEX,
        SUBTASK,
        JOB,
        VERTEX_NAME,
        OPERATOR_NAME,
        PARALLELISM,
        METRIC,
        VALUE,
        IGNORED,
    ]
    .iter()
    .any(|aliases| aliases.iter().any(|a| name.eq_ignore_ascii_case(a)))
}

/// Reads the header row. `raw` are the header cells as read.
pub fn detect(file: &str, raw: &[String]) -> Result<Header, InputError> {
    let names: Vec<String> = raw
        .iter()
        .map(|n| n.trim().trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    if names.iter().all(String::is_empty) {
        return Err(InputError::new(file, "file is empty: no header row"));
    }
    let at_header = |msg: String| {
        InputError::at(file, Pos { line: 1, column: 1 }, msg).hint(
            "a metrics CSV has a header row with `timestamp` and `vertex` columns, and either \
             `metric` and `value` (long format) or one column per metric (wide format)",
        )
    };
    // Names are quoted cut short, and at most MAX_LISTED of them: the header is user input.
    let found = || {
        let mut list = names
            .iter()
            .take(MAX_LISTED)
            .map(|n| format!("`{}`", show_name(n.as_bytes())))
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > MAX_LISTED {
            list.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
        }
        list
    };
    let require = |role: &str, aliases: &[&str]| {
        find(&names, aliases).ok_or_else(|| {
            at_header(format!(
                "missing the {role} column (one of {}); the header has {}",
                aliases.join(", "),
                found()
            ))
        })
    };
    let metric = find(&names, METRIC);
    let value = find(&names, VALUE);
    let shape = match (metric, value) {
        (Some(_), Some(_)) => Shape::Long,
        (Some(_), None) => return Err(require("value", VALUE).unwrap_err()),
        (None, Some(_)) => return Err(require("metric", METRIC).unwrap_err()),
        (None, None) => Shape::Wide,
    };
    let timestamp = require("timestamp", TIMESTAMP)?;
    let vertex = require("vertex", VERTEX)?;
    let metric_columns: Vec<usize> = match shape {
        Shape::Long => Vec::new(),
        Shape::Wide => (0..names.len())
            .filter(|&i| !names[i].is_empty() && !is_role(&names[i]))
            .collect(),
    };
    if shape == Shape::Wide && metric_columns.is_empty() {
        return Err(at_header(format!(
            "no metric columns: the header has {} (a wide file needs columns such as \
             busyTimeMsPerSecond; a long file needs `metric` and `value`)",
            found()
        )));
    }
    Ok(Header {
        shape,
        timestamp,
        vertex,
        subtask: find(&names, SUBTASK),
        job: find(&names, JOB),
        vertex_name: find(&names, VERTEX_NAME),
        operator_name: find(&names, OPERATOR_NAME),
        parallelism: find(&names, PARALLELISM),
        metric,
        value,
        metric_columns,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &str) -> Result<Header, InputError> {
        let raw: Vec<String> = cols.split(',').map(str::to_string).collect();
        detect("m.csv", &raw)
    }

    #[test]
    fn long_format_with_aliases() {
        let h =
            header("timestamp_ms,job_id,vertex_id,vertex_name,parallelism,metric,value").unwrap();
        assert_eq!(h.shape, Shape::Long);
        assert_eq!(
            (h.timestamp, h.job, h.vertex, h.vertex_name),
            (0, Some(1), 2, Some(3))
        );
        assert_eq!(
            (h.parallelism, h.metric, h.value),
            (Some(4), Some(5), Some(6))
        );
        assert_eq!(h.subtask, None);
        let h = header("\u{feff}Time, Task_ID ,Subtask_Index,Metric,Value").unwrap();
        assert_eq!((h.timestamp, h.vertex, h.subtask), (0, 1, Some(2)));
    }

    #[test]
    fn wide_format_metric_columns_exclude_roles() {
        let h = header(
            "timestamp_ms,job_id,vertex_id,vertex_name,parallelism,job_state,vertex_status,\
             busyTimeMsPerSecond.max,Source__x.numRecordsInPerSecond.sum",
        )
        .unwrap();
        assert_eq!(h.shape, Shape::Wide);
        assert_eq!(h.metric_columns, vec![7, 8]);
        // A second alias of a role is neither the role nor a metric.
        let h = header("timestamp,time,vertex,busyTimeMsPerSecond").unwrap();
        assert_eq!((h.timestamp, h.metric_columns.clone()), (0, vec![3]));
    }

    #[test]
    fn missing_columns_are_named() {
        let e = header("time,metric,value").unwrap_err();
        assert!(e.message.contains("missing the vertex column"), "{e}");
        assert!(e.message.contains("`metric`"), "{e}");
        assert_eq!(e.line, Some(1));
        let e = header("vertex,metric,value").unwrap_err();
        assert!(e.message.contains("timestamp"), "{e}");
        let e = header("timestamp,vertex,metric").unwrap_err();
        assert!(e.message.contains("missing the value column"), "{e}");
        let e = header("timestamp,vertex,parallelism").unwrap_err();
        assert!(e.message.contains("no metric columns"), "{e}");
        let e = header("").unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
    }
}
