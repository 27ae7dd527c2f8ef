//! Job graphs: what Flink says the job is (spec/formats.md §3, §4).
//!
//! A stream graph (Format C) lists operators and leaves chaining to be derived; a REST job plan
//! (Format D) lists only job vertices (chains), so its operators are recovered from the vertex
//! names or descriptions and carry synthetic ids. Both become a `Job`; `Graph::vertex_level` tells
//! rules that operator ids cannot be compared, only names.

pub mod job_plan;
pub mod stream_graph;
pub mod vertices;

use crate::error::InputError;
use crate::format::{self, Format};
use crate::model::Job;

#[derive(Debug, Clone)]
pub struct Graph {
    pub file: String,
    pub format: Format,
    pub job: Job,
    /// The job's id (`jid`) where the file names it (REST job plan and job details), so metrics
    /// of another job are never matched to this graph by colliding vertex ids.
    pub job_id: Option<String>,
}

impl Graph {
    /// True when operator ids are synthetic (job plan): match plan nodes by name, not id.
    pub fn vertex_level(&self) -> bool {
        self.format == Format::JobPlan
    }
}

/// Reads a graph file's text. `forced` is the `--graph-format` override.
pub fn read(file: &str, text: &str, forced: Option<Format>) -> Result<Graph, InputError> {
    let value = crate::json::parse(file, text)?;
    let fmt = match forced {
        Some(f) => f,
        None => format::detect(&value).ok_or_else(|| format::unrecognised(file, &value))?,
    };
    let job = match fmt {
        Format::StreamGraph => stream_graph::read(file, text, &value)?,
        Format::JobPlan => {
            // Flink 2.x job details may carry the stream graph itself: operator ids and chains,
            // strictly more than the vertex list.
            if let Some(sg) = job_plan::embedded_stream_graph(&value) {
                let mut job = stream_graph::read(file, text, sg)?;
                job_plan::merge_vertex_details(&value, &mut job);
                return Ok(Graph {
                    file: file.to_string(),
                    format: Format::StreamGraph,
                    job,
                    job_id: job_plan::job_id(&value),
                });
            }
            job_plan::read(file, text, &value)?
        }
        Format::Blink | Format::Expert => {
            return Err(InputError::new(
                file,
                format!(
                    "this is {} resource plan, not a job graph",
                    if fmt == Format::Expert { "an expert" } else { "a Blink" }
                ),
            )
            .hint("a plan goes to --plan (recommend, simulate) or is the PLAN argument (plan validate, show, break-chain); --graph takes the job's execution plan (StreamExecutionEnvironment#getExecutionPlan) or REST job details (GET /jobs/:id)"))
        }
    };
    Ok(Graph {
        file: file.to_string(),
        format: fmt,
        job,
        job_id: job_plan::job_id(&value),
    })
}
