//! The streaming pass: CSV records → cells of the [`WindowStore`](super::window::WindowStore).
//!
//! One pass over `csv::Reader::read_byte_record` with one reused record: no row is kept after it
//! has been folded into its (vertex, timestamp) cell, so memory does not depend on the number of
//! rows. The hot loop works on bytes, and leans on how exports are laid out (a poll's values of
//! one vertex together, metrics in a repeating order) without depending on it for correctness:
//! - in long files whose `metric` and `value` are adjacent columns, the "context" (every other
//!   column) is compared as one byte string with the previous row's, and when equal the previous
//!   row's job decision, timestamp, vertex, parallelism and subtask are reused;
//! - otherwise timestamp, vertex and parallelism cells are parsed only when they differ from the
//!   previous row's;
//! - a metric name is first compared with the name that followed the previous row's name last
//!   time (the repeating order), else looked up in a byte interner;
//! - the previous row's cell slot is reused while vertex, timestamp and slab epoch are unchanged;
//! - values of metrics planscale does not use are not parsed at all.
//!
//! Two modes share the loop: [`read_metrics`] folds rows into the bounded window `recommend`
//! evaluates; [`stream_metrics`] (for `simulate`, which replays the whole recording) lets finished
//! samples leave the store in time order into a [`SampleSink`] as the rows stream past, so
//! neither mode keeps more than a window of cells.
//!
//! Error rules (spec/metrics.md): a value of a used metric that is not a number is an input error
//! with file, line and column, except the "not reported" spellings (empty, NaN, null); a bad
//! timestamp, subtask or parallelism is an error too; a row with the wrong number of fields is an
//! error. Rows of other jobs are skipped with `--job`; without it, a second job id is an error that
//! lists every job in the file.
//!
//! A regular file is read by `chunked` on every core instead: chunks cut at record boundaries,
//! each folded by its own pass, merged in file order into one pass's state, which then finishes
//! as the streaming pass does; the result is the streaming pass's to the bit, and whatever the
//! merge could not reproduce exactly (an error anywhere, unsorted rows, ...) makes it read the
//! file with the streaming pass after all. Pipes and standard input always stream.
//!
//! The parts: `ingest` is the pass itself (the sniffing of the delimiter, the loop, the
//! per-row state and caches); `chunked` the parallel pass over a file; `numbers` parses the
//! cells of the hot loop; `errors` builds the messages that place a bad cell by line and column;
//! `finish` turns the pass's state into the [`MetricWindow`] with its warnings and notes. This
//! file holds the entry points.

mod chunked;
mod errors;
mod finish;
mod ingest;
mod numbers;

use std::io::Read;

use super::series::{MetricWindow, Sample};
use super::ReadOptions;
use crate::error::InputError;

use errors::unsorted;
use ingest::read;

/// How far behind the newest timestamp a row may arrive in a streamed read and still be placed
/// in time order (a poll's rows, a few polls out of order). Older rows make the input unsorted.
pub const STREAM_HORIZON_MS: i64 = super::DEFAULT_WINDOW_MS;

/// Receives the samples of a streamed read ([`stream_metrics`]): every sample once, in time
/// order (all samples at one timestamp, in vertex order, before any later one). `vertex` numbers
/// the file's vertices in order of first appearance; `name` is the latest name seen so far.
pub trait SampleSink {
    fn sample(
        &mut self,
        vertex: usize,
        key: &str,
        name: Option<&str>,
        sample: Sample,
    ) -> Result<(), String>;
    /// Forgets every sample: the input turned out not to be in time order and is read again.
    fn reset(&mut self);
}

/// What one pass produced.
pub(super) enum Outcome {
    Window(Box<MetricWindow>),
    /// Stream mode: the row at `line` has a timestamp behind the horizon.
    Unsorted {
        line: u64,
        t_ms: i64,
    },
}

/// Where the input comes from, for error positions.
pub(super) enum Source<'a> {
    /// A file that can be re-read to place a column exactly.
    File(&'a str),
    Stream,
}

/// Reads a metrics CSV file (`-` = standard input) into the evaluation window.
pub fn read_metrics(path: &str, opts: &ReadOptions) -> Result<MetricWindow, InputError> {
    window(path, read_path(path, opts, None)?)
}

/// Reads metrics from any reader; `name` is used in messages.
pub fn read_metrics_from<R: Read>(
    name: &str,
    input: R,
    opts: &ReadOptions,
) -> Result<MetricWindow, InputError> {
    window(name, read(name, input, opts, Source::Stream, None)?)
}

/// Reads a whole recording (`-` = standard input) and hands every sample to `sink` in time order,
/// in memory bounded by vertices × the timestamps of [`STREAM_HORIZON_MS`]. The returned window
/// carries the file's metadata, warnings and statistics, with no samples.
///
/// A file whose rows are further out of time order than the horizon is read a second time whole
/// (memory then grows with the recording; a warning says so); from a pipe that is an error.
pub fn stream_metrics(
    path: &str,
    job: Option<String>,
    sink: &mut dyn SampleSink,
) -> Result<MetricWindow, InputError> {
    let opts = stream_options(job);
    match read_path(path, &opts, Some(&mut *sink))? {
        Outcome::Window(w) => Ok(*w),
        // Only a regular file can be read again (not `-`, a FIFO or `<(cmd)`).
        Outcome::Unsorted { line, t_ms }
            if path != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file()) =>
        {
            sink.reset();
            let whole = ReadOptions {
                window_ms: i64::MAX / 4,
                ..opts
            };
            let mut w = read_metrics(path, &whole)?;
            replay(&mut w, sink).map_err(|m| InputError::new(path, m))?;
            w.warnings.push(crate::metrics::ReadWarning::Unsorted {
                line,
                t_ms,
                horizon_min: STREAM_HORIZON_MS / 60_000,
            });
            Ok(w)
        }
        Outcome::Unsorted { line, t_ms } => Err(unsorted(
            path,
            line,
            t_ms,
            "; a pipe is read once, so sort the rows by time first or pass a regular file",
        )),
    }
}

fn stream_options(job: Option<String>) -> ReadOptions {
    ReadOptions {
        at_ms: None,
        window_ms: STREAM_HORIZON_MS,
        job,
    }
}

/// Like [`stream_metrics`], from any reader (an unsorted input is an error).
pub fn stream_metrics_from<R: Read>(
    name: &str,
    input: R,
    job: Option<String>,
    sink: &mut dyn SampleSink,
) -> Result<MetricWindow, InputError> {
    let opts = stream_options(job);
    match read(name, input, &opts, Source::Stream, Some(sink))? {
        Outcome::Window(w) => Ok(*w),
        Outcome::Unsorted { line, t_ms } => Err(unsorted(name, line, t_ms, "")),
    }
}

/// Hands a whole window's samples to `sink` in time order and empties them.
fn replay(w: &mut MetricWindow, sink: &mut dyn SampleSink) -> Result<(), String> {
    let mut order: Vec<(i64, usize, usize)> = w
        .vertices
        .iter()
        .enumerate()
        .flat_map(|(v, s)| {
            s.samples
                .iter()
                .enumerate()
                .map(move |(i, x)| (x.t_ms, v, i))
        })
        .collect();
    order.sort_unstable();
    for (_, v, i) in order {
        let s = &w.vertices[v];
        sink.sample(v, &s.key, s.name.as_deref(), s.samples[i].clone())?;
    }
    for v in &mut w.vertices {
        v.samples = Vec::new();
    }
    Ok(())
}

fn window(name: &str, outcome: Outcome) -> Result<MetricWindow, InputError> {
    match outcome {
        Outcome::Window(w) => Ok(*w),
        // Only a streamed read reports this.
        Outcome::Unsorted { .. } => Err(InputError::new(name, "rows are not in time order")),
    }
}

fn read_path<'a>(
    path: &'a str,
    opts: &'a ReadOptions,
    sink: Option<&'a mut dyn SampleSink>,
) -> Result<Outcome, InputError> {
    if path == "-" {
        let stdin = std::io::stdin();
        return read(path, stdin.lock(), opts, Source::Stream, sink);
    }
    let meta =
        std::fs::metadata(path).map_err(|e| InputError::new(path, crate::io::describe_io(&e)))?;
    if meta.is_dir() {
        return Err(InputError::new(path, "is a directory, not a file"));
    }
    let mut sink = sink;
    if meta.is_file() {
        if let Some(plan) = chunked::plan(meta.len()).map_err(|m| InputError::new(path, m))? {
            let reborrowed: Option<&mut dyn SampleSink> = match &mut sink {
                Some(s) => Some(&mut **s),
                None => None,
            };
            match chunked::read_chunked(path, opts, reborrowed, plan)? {
                chunked::Chunked::Done(outcome) => return Ok(outcome),
                chunked::Chunked::Fallback { why, handed_over } => {
                    if std::env::var_os(chunked::TRACE_VAR).is_some() {
                        eprintln!(
                            "{}: {path}: the streaming pass reads it: {why}",
                            chunked::TRACE_VAR
                        );
                    }
                    if let (true, Some(s)) = (handed_over, &mut sink) {
                        s.reset();
                    }
                }
            }
        }
    }
    let file =
        std::fs::File::open(path).map_err(|e| InputError::new(path, crate::io::describe_io(&e)))?;
    let input = crate::io::with_progress(file, meta.len(), path);
    read(path, input, opts, Source::File(path), sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn read_str(csv: &str, opts: &ReadOptions) -> Result<MetricWindow, InputError> {
        read_metrics_from("t.csv", csv.as_bytes(), opts)
    }

    pub(super) fn opts() -> ReadOptions {
        ReadOptions::default()
    }
}
