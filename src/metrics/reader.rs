//! The streaming pass: CSV records → cells of the [`WindowStore`].
//!
//! One pass over `csv::Reader::read_byte_record` with one reused record: no row is kept after it
//! has been folded into its (vertex, timestamp) cell, so memory does not depend on the number of
//! rows. The hot loop works on bytes, and leans on how exports are laid out (a poll's values of
//! one vertex together, metrics in a repeating order) without depending on it for correctness:
//! - in long files whose `metric` and `value` are the last columns, the "context" (every other
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

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::rc::Rc;

use csv::ByteRecord;

use super::bound::{self, show, show_name, Limited, Track};
use super::cell::{MetricDef, NO_SUBTASK};
use super::header::{self, Header, Shape};
use super::intern::Interner;
use super::location;
use super::names::{self, Field, Usage};
use super::series::{MetricWindow, ReadStats, Sample, VertexSeries, MAX_LISTED_NAMES};
use super::time::{format_rfc3339, parse_timestamp};
use super::window::WindowStore;
use super::ReadOptions;
use crate::error::InputError;
use crate::model::Pos;

/// Bytes looked at to find the header line's delimiter.
const SNIFF_BYTES: usize = 64 * 1024;
/// Interned raw metric names; beyond this, names are resolved without being remembered, so a
/// file of unique names cannot grow memory.
const MAX_INTERNED_NAMES: usize = 100_000;
/// Distinct vertices read at most. A job graph has at most a few thousand; the bound keeps the
/// per-vertex state (some 600 bytes each, also after the window) from growing with a file of ids
/// that change on every row.
const MAX_VERTICES: usize = 100_000;
/// Job ids listed in an ambiguity error.
const MAX_LISTED_JOBS: usize = 20;
/// Distinct Kafka/Pulsar partitions tracked (a topic with more is rare; past it, names count as
/// unknown and the count stops growing).
const MAX_PARTITIONS: usize = 1 << 16;

/// What a raw metric name resolves to, packed in the interner's u32.
const UNKNOWN: u32 = u32::MAX;
const UNUSED: u32 = u32::MAX - 1;
/// Codes from here (below UNUSED) are Kafka/Pulsar partition metrics: index into `partitions`.
const PARTITION_BASE: u32 = u32::MAX / 2;
/// No raw name id.
const NO_RAW: u32 = u32::MAX;

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
enum Outcome {
    Window(Box<MetricWindow>),
    /// Stream mode: the row at `line` has a timestamp behind the horizon.
    Unsorted {
        line: u64,
        t_ms: i64,
    },
}

/// Where the input comes from, for error positions.
enum Source<'a> {
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
            w.warnings.push(format!(
                "the rows are not in time order (line {line} is at {}, more than {} min behind an \
                 earlier row), so the whole recording was read into memory; sort the rows by \
                 time for a one-pass read in bounded memory",
                format_rfc3339(t_ms),
                STREAM_HORIZON_MS / 60_000
            ));
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

/// The error for a row too far out of time order for a streamed read.
fn unsorted(name: &str, line: u64, t_ms: i64, hint: &str) -> InputError {
    InputError::at(
        name,
        Pos {
            line: line as usize,
            column: 1,
        },
        format!(
            "rows are not in time order: this row is at {}, more than {} min behind an earlier \
             one{hint}",
            format_rfc3339(t_ms),
            STREAM_HORIZON_MS / 60_000
        ),
    )
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
    let file =
        std::fs::File::open(path).map_err(|e| InputError::new(path, crate::io::describe_io(&e)))?;
    let input = crate::io::with_progress(file, meta.len(), path);
    read(path, input, opts, Source::File(path), sink)
}

fn read<'a, R: Read>(
    name: &'a str,
    mut input: R,
    opts: &'a ReadOptions,
    source: Source<'a>,
    sink: Option<&'a mut dyn SampleSink>,
) -> Result<Outcome, InputError> {
    if opts.window_ms < 0 {
        return Err(InputError::new(
            name,
            "the metric window must not be negative",
        ));
    }
    // Peek at the start: a UTF-8 byte order mark is dropped, and the header line decides the
    // delimiter (comma, else tab or semicolon when the header has no comma).
    let mut head = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    while head.len() < SNIFF_BYTES && !head.contains(&b'\n') {
        let n = input
            .read(&mut chunk)
            .map_err(|e| InputError::new(name, crate::io::describe_io(&e)))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    if let Some(why) = bound::utf16(&head) {
        return Err(InputError::at(
            name,
            Pos { line: 1, column: 1 },
            format!("the file is UTF-16 ({why}); save it as UTF-8"),
        ));
    }
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::new(name, "file is empty (no header row)"));
    }
    let max_line = bound::max_line().map_err(|m| InputError::new(name, m))?;
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let first_line = head[bom..].split(|&b| b == b'\n').next().unwrap_or(&[]);
    let delimiter = if first_line.contains(&b',') {
        b','
    } else if first_line.contains(&b'\t') {
        b'\t'
    } else if first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let stream = std::io::Cursor::new(head[bom..].to_vec()).chain(input);
    let (stream, track) = Limited::new(stream, max_line, delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(256 * 1024)
        .from_reader(stream);
    let header_cells: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| csv_error(name, &e, &track))?
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let header = header::detect(name, &header_cells)?;
    let streamed = sink.is_some();
    let layout = Layout {
        bom: bom as u64,
        delimiter,
        track,
    };
    let mut ingest = Ingest::new(name, source, layout, header, opts, sink);
    let mut rec = ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(name, &e, &ingest.track)),
        }
        ingest.stats.rows += 1;
        let job = match ingest.header.shape {
            Shape::Long => ingest.long_row(&rec)?,
            Shape::Wide => ingest.wide_row(&rec)?,
        };
        match job {
            JobCheck::Keep => {}
            JobCheck::Skip => ingest.stats.other_jobs += 1,
            JobCheck::Ambiguous => return Err(ingest.several_jobs(&mut rdr, &rec)),
        }
        if streamed {
            if let Some(t_ms) = ingest.store.late() {
                let line = ingest.record_start(&rec).map_or(0, |s| s.1);
                return Ok(Outcome::Unsorted { line, t_ms });
            }
            if ingest.store.has_ready() {
                ingest.hand_over()?;
            }
        }
    }
    ingest.finish().map(|w| Outcome::Window(Box::new(w)))
}

fn csv_error(file: &str, e: &csv::Error, track: &Rc<RefCell<Track>>) -> InputError {
    let track = track.borrow();
    if let Some(t) = &track.too_long {
        let pos = Pos {
            line: usize::try_from(t.line).unwrap_or(usize::MAX),
            column: usize::try_from(t.column).unwrap_or(usize::MAX),
        };
        return InputError::at(file, pos, t.message());
    }
    match e.kind() {
        csv::ErrorKind::Io(io) => InputError::new(file, crate::io::describe_io(io)),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => {
            let msg = format!("this row has {len} fields but the header has {expected_len}");
            match pos {
                Some(p) => {
                    let line = track.start_of(p.byte()).map_or(p.line(), |s| s.1);
                    line_error(file, line, msg)
                }
                None => InputError::new(file, msg),
            }
        }
        _ => InputError::new(
            file,
            format!("cannot read CSV: {}", show(e.to_string().as_bytes())),
        ),
    }
}

/// An error with a line but no column.
fn line_error(file: &str, line: u64, msg: String) -> InputError {
    InputError {
        line: usize::try_from(line).ok(),
        ..InputError::new(file, msg)
    }
}

/// How the file's bytes are laid out: a UTF-8 BOM's length, the delimiter, and where records
/// start.
struct Layout {
    bom: u64,
    delimiter: u8,
    track: Rc<RefCell<Track>>,
}

/// Whether a row belongs to the job being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobCheck {
    Keep,
    Skip,
    /// A second job id and no `--job`.
    Ambiguous,
}

/// What a long row's context columns decide: reused for following rows with the same bytes.
#[derive(Debug, Clone, Copy)]
struct Context {
    job: JobCheck,
    /// (timestamp, vertex, parallelism column); `None` after the window end or for other jobs.
    key: Option<(i64, usize, Option<i64>)>,
    subtask: u32,
}

/// The previous long row's context bytes and field ends.
#[derive(Default)]
struct ContextCache {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    value: Option<Context>,
}

/// A field's bytes without surrounding ASCII whitespace.
#[inline]
fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

#[inline]
fn field(rec: &ByteRecord, i: usize) -> &[u8] {
    rec.get(i).unwrap_or(b"")
}

/// Parses a value of a used metric: `Ok(NaN)` for the "not reported" spellings.
#[inline]
fn parse_value(b: &[u8]) -> Option<f64> {
    let b = trim(b);
    if b.is_empty() || b.eq_ignore_ascii_case(b"null") {
        return Some(f64::NAN);
    }
    if let Some(v) = parse_plain_decimal(b) {
        return Some(v);
    }
    // `str::parse` also accepts NaN/nan and inf/Infinity (Java's spelling).
    std::str::from_utf8(b).ok()?.parse::<f64>().ok()
}

/// Exact powers of ten representable in f64.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[-]digits[.digits]` with at most 15 digits in all: the mantissa and the power of ten are both
/// exact in f64, so one division is correctly rounded (Clinger's fast path) and equals what
/// `str::parse` returns. Anything else (exponents, long mantissas, NaN) returns `None`.
#[inline]
fn parse_plain_decimal(b: &[u8]) -> Option<f64> {
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa: u64 = 0;
    let mut count = 0usize;
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
                if seen_dot {
                    frac_digits += 1;
                }
                if count > 15 {
                    return None;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    let v = mantissa as f64 / POW10[frac_digits];
    Some(if negative { -v } else { v })
}

/// A non-negative integer (subtask index, parallelism); `2.0` is accepted for exports that write
/// every number as a float.
fn parse_count(b: &[u8]) -> Option<i64> {
    let b = trim(b);
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')));
    }
    let v: f64 = std::str::from_utf8(b).ok()?.parse().ok()?;
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1e15).then_some(v as i64)
}

fn is_not_reported(b: &[u8]) -> bool {
    let b = trim(b);
    b.is_empty() || b.eq_ignore_ascii_case(b"null") || b.eq_ignore_ascii_case(b"nan")
}

struct Ingest<'a> {
    file: &'a str,
    source: Source<'a>,
    bom: u64,
    delimiter: u8,
    header: Header,
    opts: &'a ReadOptions,
    store: WindowStore,
    /// Raw metric name → raw id (index into the three vectors below).
    raw_ids: Interner,
    raw_names: Vec<Box<[u8]>>,
    /// Raw id → def id, or UNKNOWN / UNUSED.
    raw_res: Vec<u32>,
    /// Raw id → the raw id that followed it last time (NO_RAW if none yet).
    successor: Vec<u32>,
    prev_raw: u32,
    /// Long files with `metric` and `value` last: the number of leading context columns.
    context_columns: Option<usize>,
    context: ContextCache,
    /// (vertex, timestamp, slab epoch, slot) of the previous row's cell.
    slot_cache: Option<(usize, i64, u64, u32)>,
    /// Canonical metric key → def id.
    canonical: HashMap<String, u32>,
    defs: Vec<MetricDef>,
    /// Wide format: (column, resolution).
    wide_columns: Vec<(usize, u32)>,
    /// Reused buffer of a wide row's (def, value).
    wide_values: Vec<(u32, f64)>,
    /// Partition keys of the Kafka/Pulsar offset metrics seen, and which vertex showed which.
    partitions: Vec<String>,
    vertex_partitions: BTreeSet<(usize, u32)>,
    /// Scratch for a Prometheus operator metric named with its `operator_name` label.
    composed_name: Vec<u8>,
    unknown_names: BTreeSet<String>,
    stats: ReadStats,
    // Caches of the previous row's cells.
    prev_t: Option<(Vec<u8>, i64)>,
    prev_vertex: Option<(Vec<u8>, usize)>,
    prev_parallelism: Option<(Vec<u8>, Option<i64>)>,
    prev_job: Option<(Vec<u8>, bool)>,
    /// The one job seen (no `--job`), or whether the chosen job was seen.
    the_job: Option<Vec<u8>>,
    other_jobs: BTreeSet<String>,
    /// Stream mode: where finished samples go.
    sink: Option<&'a mut dyn SampleSink>,
    /// Stream mode: the finished cells being handed over (allocation reused).
    ready: Vec<(i64, u32, u32)>,
    /// Where records really start (see [`bound`]).
    track: Rc<RefCell<Track>>,
}

impl<'a> Ingest<'a> {
    fn new(
        file: &'a str,
        source: Source<'a>,
        layout: Layout,
        header: Header,
        opts: &'a ReadOptions,
        sink: Option<&'a mut dyn SampleSink>,
    ) -> Self {
        let Layout {
            bom,
            delimiter,
            track,
        } = layout;
        let mut ingest = Ingest {
            track,
            file,
            source,
            bom,
            delimiter,
            opts,
            store: if sink.is_some() {
                WindowStore::new_stream(opts.window_ms)
            } else {
                WindowStore::new(opts.window_ms, opts.at_ms)
            },
            sink,
            ready: Vec::new(),
            raw_ids: Interner::default(),
            raw_names: Vec::new(),
            raw_res: Vec::new(),
            successor: Vec::new(),
            prev_raw: NO_RAW,
            context_columns: None,
            context: ContextCache::default(),
            slot_cache: None,
            canonical: HashMap::new(),
            defs: Vec::new(),
            wide_columns: Vec::new(),
            wide_values: Vec::new(),
            composed_name: Vec::new(),
            partitions: Vec::new(),
            vertex_partitions: BTreeSet::new(),
            unknown_names: BTreeSet::new(),
            stats: ReadStats::default(),
            prev_t: None,
            prev_vertex: None,
            prev_parallelism: None,
            prev_job: None,
            the_job: None,
            other_jobs: BTreeSet::new(),
            header,
        };
        let columns = ingest.header.metric_columns.clone();
        for c in columns {
            let name = ingest.header.names[c].clone();
            let r = ingest.resolve_name(name.as_bytes());
            ingest.wide_columns.push((c, r));
        }
        let h = &ingest.header;
        if let (Some(m), Some(v)) = (h.metric, h.value) {
            let n = h.names.len();
            if n >= 3 && m.min(v) == n - 2 && m.max(v) == n - 1 {
                ingest.context_columns = Some(n - 2);
            }
        }
        ingest
    }

    /// A long row's metric name → def id, UNKNOWN or UNUSED, predicting from the previous row.
    #[inline]
    fn resolve_row(&mut self, raw: &[u8]) -> u32 {
        if let Some(&guess) = self.successor.get(self.prev_raw as usize) {
            if guess != NO_RAW && *self.raw_names[guess as usize] == *raw {
                self.prev_raw = guess;
                return self.raw_res[guess as usize];
            }
        }
        let id = match self.raw_ids.get(raw) {
            Some(id) => id,
            None if self.raw_names.len() >= MAX_INTERNED_NAMES => {
                self.prev_raw = NO_RAW;
                return self.resolve_name(raw);
            }
            None => {
                let r = self.resolve_name(raw);
                let id = self.raw_names.len() as u32;
                self.raw_ids.insert(raw, id);
                self.raw_names.push(raw.into());
                self.raw_res.push(r);
                self.successor.push(NO_RAW);
                id
            }
        };
        if let Some(s) = self.successor.get_mut(self.prev_raw as usize) {
            *s = id;
        }
        self.prev_raw = id;
        self.raw_res[id as usize]
    }

    /// A raw metric name → def id, UNKNOWN or UNUSED (not cached here).
    fn resolve_name(&mut self, raw: &[u8]) -> u32 {
        let text = String::from_utf8_lossy(raw);
        let parsed = names::parse(&text);
        let r = match names::usage(&parsed) {
            Usage::Unknown if self.partitions.len() < MAX_PARTITIONS => {
                // `Source__k.KafkaSourceReader.topic.t.partition.3.currentOffset[.max]`.
                let name = text.trim();
                let name = match name.rsplit_once('.') {
                    Some((head, "min" | "max" | "avg" | "sum")) => head,
                    _ => name,
                };
                match names::source_partition_key(name) {
                    Some(key) => {
                        let id = match self.partitions.iter().position(|k| *k == key) {
                            Some(i) => i,
                            None => {
                                self.partitions.push(key);
                                self.partitions.len() - 1
                            }
                        };
                        PARTITION_BASE + id as u32
                    }
                    None => self.unknown(&text),
                }
            }
            Usage::Unknown => self.unknown(&text),
            Usage::Unused => UNUSED,
            Usage::Uses(uses) => {
                let key = parsed.canonical();
                match self.canonical.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = self.defs.len() as u32;
                        self.defs.push(MetricDef { uses });
                        self.canonical.insert(key, id);
                        id
                    }
                }
            }
        };
        r
    }

    fn unknown(&mut self, text: &str) -> u32 {
        if self.unknown_names.len() < MAX_LISTED_NAMES {
            self.unknown_names.insert(show_name(text.trim().as_bytes()));
        }
        UNKNOWN
    }

    /// Byte offset (after a BOM) and line where `rec` starts.
    fn record_start(&self, rec: &ByteRecord) -> Option<(u64, u64)> {
        let p = rec.position()?;
        Some(
            self.track
                .borrow()
                .start_of(p.byte())
                .unwrap_or((p.byte(), p.line())),
        )
    }

    /// The error for field `col` of `rec`, placed exactly where possible.
    fn error_at(&self, rec: &ByteRecord, col: usize, msg: String) -> InputError {
        let Some((byte, line)) = self.record_start(rec) else {
            return InputError::new(self.file, msg);
        };
        let pos = match self.source {
            Source::File(path) => {
                location::locate_in_file(path, byte + self.bom, line, col, self.delimiter)
            }
            Source::Stream => {
                let fields: Vec<&[u8]> = rec.iter().collect();
                location::locate_by_requoting(&fields, line, col, self.delimiter)
            }
        };
        match pos {
            Some(pos) => InputError::at(self.file, pos, msg),
            None => line_error(self.file, line, msg),
        }
    }

    fn column_name(&self, col: usize) -> String {
        self.header
            .names
            .get(col)
            .map_or_else(|| "?".to_string(), |n| show_name(n.as_bytes()))
    }

    fn job_check(&mut self, rec: &ByteRecord) -> JobCheck {
        let Some(col) = self.header.job else {
            return JobCheck::Keep;
        };
        let job = trim(field(rec, col));
        if job.is_empty() {
            // A row without a job id belongs to whichever job is read.
            return JobCheck::Keep;
        }
        if let Some((prev, ok)) = &self.prev_job {
            if prev.as_slice() == job {
                return if *ok { JobCheck::Keep } else { JobCheck::Skip };
            }
        }
        let ok = match &self.opts.job {
            Some(chosen) => {
                let ok = chosen.trim().as_bytes() == job;
                if ok {
                    self.the_job = Some(job.to_vec());
                } else if self.other_jobs.len() < MAX_LISTED_JOBS {
                    self.other_jobs.insert(show(job));
                }
                ok
            }
            None => match &self.the_job {
                None => {
                    self.the_job = Some(job.to_vec());
                    true
                }
                Some(j) if j.as_slice() == job => true,
                Some(_) => return JobCheck::Ambiguous,
            },
        };
        self.prev_job = Some((job.to_vec(), ok));
        if ok {
            JobCheck::Keep
        } else {
            JobCheck::Skip
        }
    }

    /// Several jobs and no `--job`: reads the rest of the job column to list them all.
    fn several_jobs<R: Read>(&self, rdr: &mut csv::Reader<R>, rec: &ByteRecord) -> InputError {
        let col = self.header.job.unwrap_or(0);
        let mut jobs: BTreeSet<String> = BTreeSet::new();
        if let Some(j) = &self.the_job {
            jobs.insert(show(j));
        }
        let line = self.record_start(rec).map_or(0, |s| s.1);
        let mut rec = rec.clone();
        loop {
            let job = trim(field(&rec, col));
            if !job.is_empty() && jobs.len() <= MAX_LISTED_JOBS {
                jobs.insert(show(job));
            }
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return csv_error(self.file, &e, &self.track),
            }
        }
        let list: Vec<String> = jobs.into_iter().collect();
        let more = if list.len() > MAX_LISTED_JOBS {
            ", …"
        } else {
            ""
        };
        InputError::new(
            self.file,
            format!(
                "the file holds metrics of {} jobs ({}{more}; the second starts at line {line}); \
                 choose one with --job ID",
                list.len(),
                list.iter()
                    .take(MAX_LISTED_JOBS)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    }

    /// Timestamp, vertex, name and parallelism of a row; `None` when the row is after `at`.
    #[inline]
    fn row_key(
        &mut self,
        rec: &ByteRecord,
    ) -> Result<Option<(i64, usize, Option<i64>)>, InputError> {
        let h = &self.header;
        let ts_col = h.timestamp;
        let raw_t = field(rec, ts_col);
        let t = match &self.prev_t {
            Some((b, t)) if b.as_slice() == raw_t => *t,
            _ => {
                let text = std::str::from_utf8(raw_t).unwrap_or("\u{fffd}");
                let t = parse_timestamp(text).map_err(|m| {
                    self.error_at(
                        rec,
                        ts_col,
                        format!("column `{}`: {m}", self.column_name(ts_col)),
                    )
                })?;
                self.prev_t = Some((raw_t.to_vec(), t));
                t
            }
        };
        if !self.store.observe_time(t) {
            return Ok(None);
        }
        let v_col = self.header.vertex;
        let raw_v = trim(field(rec, v_col));
        let v = match &self.prev_vertex {
            Some((b, v)) if b.as_slice() == raw_v => *v,
            _ => {
                if raw_v.is_empty() {
                    return Err(self.error_at(
                        rec,
                        v_col,
                        format!(
                            "column `{}` is empty: every row needs a vertex",
                            self.column_name(v_col)
                        ),
                    ));
                }
                if self.store.vertex_count() >= MAX_VERTICES && !self.store.has_vertex(raw_v) {
                    return Err(self.error_at(
                        rec,
                        v_col,
                        format!(
                            "more than {MAX_VERTICES} distinct vertices (this row's is `{}`); a \
                             Flink job has at most a few thousand: is `{}` the vertex column?",
                            show(raw_v),
                            self.column_name(v_col)
                        ),
                    ));
                }
                let v = self.store.vertex(raw_v);
                self.prev_vertex = Some((raw_v.to_vec(), v));
                v
            }
        };
        if let Some(c) = self.header.vertex_name {
            let name = trim(field(rec, c));
            self.store.vertex_mut(v).note_name(t, name);
        }
        let mut parallelism = None;
        if let Some(c) = self.header.parallelism {
            let raw = field(rec, c);
            parallelism = match &self.prev_parallelism {
                Some((b, p)) if b.as_slice() == raw => *p,
                _ => {
                    let p = if is_not_reported(raw) {
                        None
                    } else {
                        Some(parse_count(raw).filter(|&p| p > 0).ok_or_else(|| {
                            self.error_at(
                                rec,
                                c,
                                format!(
                                    "column `{}`: `{}` is not a parallelism (a positive integer)",
                                    self.column_name(c),
                                    show(trim(raw))
                                ),
                            )
                        })?)
                    };
                    self.prev_parallelism = Some((raw.to_vec(), p));
                    p
                }
            };
            if let Some(p) = parallelism {
                self.store.vertex_mut(v).parallelism.observe(t, p);
            }
        }
        Ok(Some((t, v, parallelism)))
    }

    #[inline]
    fn subtask(&self, rec: &ByteRecord) -> Result<u32, InputError> {
        let Some(c) = self.header.subtask else {
            return Ok(NO_SUBTASK);
        };
        let raw = trim(field(rec, c));
        if raw.is_empty() {
            return Ok(NO_SUBTASK);
        }
        parse_count(raw)
            .and_then(|s| u32::try_from(s).ok())
            .filter(|&s| s < NO_SUBTASK)
            .ok_or_else(|| {
                self.error_at(
                    rec,
                    c,
                    format!(
                        "column `{}`: `{}` is not a subtask index (an integer from 0)",
                        self.column_name(c),
                        show(raw)
                    ),
                )
            })
    }

    fn value_error(&self, rec: &ByteRecord, col: usize, metric: &[u8]) -> InputError {
        self.error_at(
            rec,
            col,
            format!(
                "column `{}`: `{}` is not a number (metric {}); only empty, NaN and null mean \
                 \"not reported\"",
                self.column_name(col),
                show(trim(field(rec, col))),
                show_name(trim(metric)),
            ),
        )
    }

    /// Counts a "not reported" value under the first field its metric feeds.
    fn count_not_reported(&mut self, v: usize, def: u32) {
        self.stats.skipped_not_reported += 1;
        if let Some(u) = self.defs[def as usize].uses.first() {
            self.store.vertex_mut(v).not_reported[u.field.index()] += 1;
        }
    }

    /// The job decision, row key and subtask of a long row, reused from the previous row when
    /// the context columns hold the same bytes.
    #[inline]
    fn context(&mut self, rec: &ByteRecord) -> Result<Context, InputError> {
        let Some(k) = self.context_columns else {
            return self.context_uncached(rec);
        };
        let Some(end) = rec.range(k - 1).map(|r| r.end) else {
            return self.context_uncached(rec);
        };
        let bytes = &rec.as_slice()[..end];
        if let Some(value) = self.context.value {
            if self.context.bytes == bytes
                && (0..k).all(|i| rec.range(i).map(|r| r.end) == Some(self.context.ends[i]))
            {
                return Ok(value);
            }
        }
        // Invalid until the new value is known: an error must not leave a stale cache.
        self.context.value = None;
        let value = self.context_uncached(rec)?;
        let cache = &mut self.context;
        cache.bytes.clear();
        cache.bytes.extend_from_slice(bytes);
        cache.ends.clear();
        cache
            .ends
            .extend((0..k).map(|i| rec.range(i).map_or(0, |r| r.end)));
        cache.value = Some(value);
        Ok(value)
    }

    fn context_uncached(&mut self, rec: &ByteRecord) -> Result<Context, InputError> {
        let job = self.job_check(rec);
        if job != JobCheck::Keep {
            return Ok(Context {
                job,
                key: None,
                subtask: NO_SUBTASK,
            });
        }
        let key = self.row_key(rec)?;
        let subtask = match key {
            Some(_) => self.subtask(rec)?,
            None => NO_SUBTASK,
        };
        Ok(Context { job, key, subtask })
    }

    /// The slot of the cell at (v, t), reusing the previous row's while valid.
    #[inline]
    fn slot(&mut self, v: usize, t: i64) -> u32 {
        let epoch = self.store.epoch();
        match self.slot_cache {
            Some((cv, ct, ce, slot)) if cv == v && ct == t && ce == epoch => slot,
            _ => {
                let slot = self.store.cell_slot(v, t);
                self.slot_cache = Some((v, t, epoch, slot));
                slot
            }
        }
    }

    fn long_row(&mut self, rec: &ByteRecord) -> Result<JobCheck, InputError> {
        let ctx = self.context(rec)?;
        let Some((t, v, parallelism)) = ctx.key else {
            return Ok(ctx.job);
        };
        let m_col = self.header.metric.unwrap_or(0);
        let v_col = self.header.value.unwrap_or(0);
        let raw = trim(field(rec, m_col));
        let def = match self.header.operator_name {
            Some(o_col) if raw.starts_with(names::PROMETHEUS_OPERATOR_PREFIX.as_bytes()) => {
                // `flink_taskmanager_job_task_operator_numRecordsOut` with `operator_name` =
                // `Source: events[7]` is `Source__events[7].numRecordsOut` in REST terms.
                let mut composed = std::mem::take(&mut self.composed_name);
                composed.clear();
                names::rest_operator_name(trim(field(rec, o_col)), &mut composed);
                composed.push(b'.');
                composed.extend_from_slice(&raw[names::PROMETHEUS_OPERATOR_PREFIX.len()..]);
                let def = self.resolve_row(&composed);
                self.composed_name = composed;
                def
            }
            _ => self.resolve_row(raw),
        };
        match def {
            UNKNOWN => {
                self.stats.unknown_metrics += 1;
                return Ok(ctx.job);
            }
            UNUSED => {
                self.stats.unused_aggregations += 1;
                return Ok(ctx.job);
            }
            p if p >= PARTITION_BASE => {
                self.vertex_partitions.insert((v, p - PARTITION_BASE));
                return Ok(ctx.job);
            }
            _ => {}
        }
        let Some(value) = parse_value(field(rec, v_col)) else {
            return Err(self.value_error(rec, v_col, field(rec, m_col)));
        };
        if value.is_nan() {
            self.count_not_reported(v, def);
        } else {
            self.stats.values += 1;
        }
        if !self.store.admit(t) {
            return Ok(ctx.job);
        }
        let slot = self.slot(v, t);
        let cell = self.store.cell_at(slot);
        if let Some(p) = parallelism {
            cell.note_parallelism(p);
        }
        if cell.insert(def, ctx.subtask, value) {
            self.stats.duplicates += 1;
        }
        Ok(ctx.job)
    }

    fn wide_row(&mut self, rec: &ByteRecord) -> Result<JobCheck, InputError> {
        let job = self.job_check(rec);
        if job != JobCheck::Keep {
            return Ok(job);
        }
        let Some((t, v, parallelism)) = self.row_key(rec)? else {
            return Ok(job);
        };
        let subtask = self.subtask(rec)?;
        let mut values = std::mem::take(&mut self.wide_values);
        values.clear();
        for i in 0..self.wide_columns.len() {
            let (col, def) = self.wide_columns[i];
            let raw = trim(field(rec, col));
            if raw.is_empty() {
                // The vertex lacks this metric (the capture's union of columns).
                continue;
            }
            match def {
                UNKNOWN => self.stats.unknown_metrics += 1,
                UNUSED => self.stats.unused_aggregations += 1,
                p if p >= PARTITION_BASE => {
                    self.vertex_partitions.insert((v, p - PARTITION_BASE));
                }
                _ => {
                    let Some(value) = parse_value(raw) else {
                        let name = self.header.names[col].clone();
                        return Err(self.value_error(rec, col, name.as_bytes()));
                    };
                    if value.is_nan() {
                        self.count_not_reported(v, def);
                    } else {
                        self.stats.values += 1;
                    }
                    values.push((def, value));
                }
            }
        }
        if !values.is_empty() && self.store.admit(t) {
            let cell = self.store.cell(v, t);
            if let Some(p) = parallelism {
                cell.note_parallelism(p);
            }
            for &(def, value) in &values {
                if cell.insert(def, subtask, value) {
                    self.stats.duplicates += 1;
                }
            }
        }
        self.wide_values = values;
        Ok(job)
    }

    /// Stream mode: aggregates the store's finished cells and hands them to the sink.
    fn hand_over(&mut self) -> Result<(), InputError> {
        let file = self.file;
        let mut ready = std::mem::take(&mut self.ready);
        self.store.take_ready(&mut ready);
        for &(t, v, slot) in &ready {
            let cell = self.store.cell_ref(slot);
            let sample = Sample::from_fields(t, cell.parallelism, &cell.aggregate(&self.defs));
            self.store.release(slot);
            let state = self.store.vertex_mut(v as usize);
            state.streamed += 1;
            state.streamed_busy |= sample.busy_max.is_some() || sample.busy_avg.is_some();
            if let Some(sink) = self.sink.as_mut() {
                let (key, name) = self.store.vertex_label(v as usize);
                sink.sample(v as usize, key, name, sample)
                    .map_err(|m| InputError::new(file, m))?;
            }
        }
        self.ready = ready;
        Ok(())
    }

    fn finish(mut self) -> Result<MetricWindow, InputError> {
        let file = self.file;
        let streamed = self.sink.is_some();
        if streamed && self.stats.rows > 0 {
            self.store.finish_all();
            self.hand_over()?;
        }
        // Per vertex: samples, and whether one has busy time. A streamed read counted them as
        // they were handed over (the store is empty now); a window read counts its samples below.
        let streamed_counts: Option<Vec<(u64, bool)>> = streamed.then(|| {
            (0..self.store.vertex_count())
                .map(|v| {
                    let s = self.store.vertex_mut(v);
                    (s.streamed, s.streamed_busy)
                })
                .collect()
        });
        if self.stats.rows == 0 {
            return Err(InputError::at(
                file,
                Pos { line: 2, column: 1 },
                "the file has a header row but no data rows",
            ));
        }
        let mut warnings = Vec::new();
        let mut notes = Vec::new();
        match (&self.opts.job, self.header.job) {
            (Some(chosen), Some(_)) if self.the_job.is_none() && !self.other_jobs.is_empty() => {
                let known: Vec<String> = self.other_jobs.iter().cloned().collect();
                return Err(InputError::new(
                    file,
                    format!(
                        "no rows of job `{chosen}`; the file has job{} {}",
                        if known.len() == 1 { "" } else { "s" },
                        known.join(", ")
                    ),
                ));
            }
            (Some(chosen), Some(_)) if self.the_job.is_none() => warnings.push(format!(
                "the job column is empty, so the rows cannot be checked to be of job {chosen}: \
                 all rows were read"
            )),
            (Some(chosen), None) => warnings.push(format!(
                "the file has no job column, so the rows cannot be checked to be of job \
                 {chosen}: all rows were read"
            )),
            _ => {}
        }
        let Some((file_start, file_end)) = self.store.file_range else {
            return Err(InputError::new(
                file,
                format!(
                    "no rows up to the window end {} (the file starts later)",
                    self.opts.at_ms.map_or_else(String::new, format_rfc3339)
                ),
            ));
        };
        if self.stats.values == 0 && self.stats.skipped_not_reported == 0 {
            let mut msg = format!(
                "none of the {} rows has a metric planscale uses (such as busyTimeMsPerSecond or \
                 numRecordsInPerSecond)",
                self.stats.rows
            );
            if !self.unknown_names.is_empty() {
                msg.push_str(&format!("; found {}", list_names(&self.unknown_names)));
            }
            return Err(InputError::new(file, msg));
        }
        self.stats.unknown_metric_names = self.unknown_names.iter().cloned().collect();
        let stats = std::mem::take(&mut self.stats);
        let shape = self.header.shape;
        let job = self
            .the_job
            .as_ref()
            .map(|j| String::from_utf8_lossy(j).into_owned());
        let window_ms = self.opts.window_ms;
        let (mut vertices, start, end) = self.store.finish(&self.defs);
        for &(v, _) in &self.vertex_partitions {
            if let Some(series) = vertices.get_mut(v) {
                series.num_source_partitions += 1;
            }
        }
        let (start, window_ms) = if streamed {
            (file_start, end.saturating_sub(file_start))
        } else {
            (start, window_ms)
        };
        let counts: Vec<(u64, bool)> = streamed_counts.unwrap_or_else(|| {
            vertices
                .iter()
                .map(|v| {
                    let busy = v
                        .samples
                        .iter()
                        .any(|s| s.busy_max.is_some() || s.busy_avg.is_some());
                    (v.samples.len() as u64, busy)
                })
                .collect()
        });
        if counts.iter().all(|c| c.0 == 0) {
            return Err(InputError::new(
                file,
                format!(
                    "no samples in the metric window {} .. {}; the file covers {} .. {}",
                    format_rfc3339(start),
                    format_rfc3339(end),
                    format_rfc3339(file_start),
                    format_rfc3339(file_end)
                ),
            ));
        }
        if stats.duplicates > 0 {
            warnings.push(format!(
                "{} duplicate value{} (same timestamp, vertex, subtask and metric): the last one \
                 of each was kept",
                stats.duplicates,
                if stats.duplicates == 1 { "" } else { "s" }
            ));
        }
        for (v, &(n, busy)) in vertices.iter().zip(&counts) {
            vertex_warnings(v, n, busy, &mut warnings, &mut notes);
        }
        notes.push(format!(
            "metric window {} .. {} ({} s); the file covers {} .. {}",
            format_rfc3339(start),
            format_rfc3339(end),
            window_ms / 1000,
            format_rfc3339(file_start),
            format_rfc3339(file_end)
        ));
        if stats.unknown_metrics > 0 {
            notes.push(format!(
                "ignored {} value{} of metrics planscale does not use: {}",
                stats.unknown_metrics,
                if stats.unknown_metrics == 1 { "" } else { "s" },
                list_names(&self.unknown_names)
            ));
        }
        if stats.unused_aggregations > 0 {
            notes.push(format!(
                "ignored {} value{} of known metrics at an aggregation or scope that is not used \
                 (e.g. numRecordsInPerSecond.avg, where the .sum is used)",
                stats.unused_aggregations,
                if stats.unused_aggregations == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        if stats.other_jobs > 0 {
            notes.push(format!("skipped {} rows of other jobs", stats.other_jobs));
        }
        Ok(MetricWindow {
            shape,
            job,
            vertices,
            window_start_ms: start,
            window_end_ms: end,
            file_start_ms: file_start,
            file_end_ms: file_end,
            warnings,
            notes,
            stats,
        })
    }
}

fn list_names(names: &BTreeSet<String>) -> String {
    let mut s = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() >= MAX_LISTED_NAMES {
        s.push_str(", …");
    }
    s
}

/// `samples`: how many the vertex has in the window, `any_busy`: whether one has busy time.
fn vertex_warnings(
    v: &VertexSeries,
    samples: u64,
    any_busy: bool,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) {
    let key = show_name(v.key.as_bytes());
    let label = match &v.name {
        Some(n) => format!("vertex `{}` ({key})", show_name(n.as_bytes())),
        None => format!("vertex `{key}`"),
    };
    if samples == 0 {
        warnings.push(format!("{label}: no samples in the metric window"));
        return;
    }
    if !any_busy {
        let reported_nan = v
            .not_reported
            .iter()
            .any(|(m, _)| *m == Field::BusyMax.metric_name());
        warnings.push(if reported_nan {
            format!(
                "{label}: busyTimeMsPerSecond is not reported (NaN) in any sample of the window, \
                 as for a legacy source running in its own thread; the autoscaler excludes such \
                 a vertex"
            )
        } else {
            format!("{label}: the file has no busyTimeMsPerSecond for it in the window")
        });
    }
    if let Some(r) = v.rescale {
        notes.push(match r.first_new_ms {
            Some(t) => format!(
                "{label}: parallelism {} → {} at {} (last seen at {}: {})",
                r.from,
                r.to,
                format_rfc3339(t),
                r.from,
                format_rfc3339(r.last_old_ms)
            ),
            None => format!(
                "{label}: parallelism {} → {} after {} (the rows are not in time order, so the \
                 exact change time is unknown)",
                r.from,
                r.to,
                format_rfc3339(r.last_old_ms)
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(csv: &str, opts: &ReadOptions) -> Result<MetricWindow, InputError> {
        read_metrics_from("t.csv", csv.as_bytes(), opts)
    }

    fn opts() -> ReadOptions {
        ReadOptions::default()
    }

    #[test]
    fn plain_decimals_parse_exactly_like_std() {
        for text in [
            "0",
            "0.0",
            "-0.0",
            "1000.0",
            "206.55",
            "37.71666666666667",
            "0.16666667",
            "-1.0",
            "+3.25",
            "123456789012345",
            "1.00000000000001",
            "999.999",
            ".5",
            "5.",
        ] {
            let fast = parse_plain_decimal(text.as_bytes());
            let std: f64 = text.parse().unwrap();
            if let Some(v) = fast {
                assert_eq!(v.to_bits(), std.to_bits(), "{text}");
            }
            assert_eq!(
                parse_value(text.as_bytes()).map(f64::to_bits),
                Some(std.to_bits())
            );
        }
        // Long mantissas and exponents go to the general parser.
        assert_eq!(parse_plain_decimal(b"1234567890123456"), None);
        assert_eq!(parse_plain_decimal(b"1e3"), None);
        assert_eq!(parse_plain_decimal(b"1.2.3"), None);
        assert_eq!(parse_plain_decimal(b"-"), None);
        assert_eq!(parse_plain_decimal(b"."), None);
    }

    proptest::proptest! {
        #[test]
        fn fast_path_matches_std(
            int in 0u64..10_000_000_000,
            frac in 0u64..10_000_000,
            width in 0usize..8,
            negative in proptest::bool::ANY,
        ) {
            let frac = frac % 10u64.pow(width as u32);
            let sign = if negative { "-" } else { "" };
            let text = if width == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac:0width$}")
            };
            let std: f64 = text.parse().unwrap();
            proptest::prop_assert_eq!(
                parse_value(text.as_bytes()).map(f64::to_bits),
                Some(std.to_bits()),
                "{}", text
            );
        }
    }

    #[test]
    fn values_and_counts_parse() {
        assert_eq!(parse_value(b" 1.5 "), Some(1.5));
        assert!(parse_value(b"NaN").is_some_and(f64::is_nan));
        assert!(parse_value(b"null").is_some_and(f64::is_nan));
        assert!(parse_value(b"").is_some_and(f64::is_nan));
        assert_eq!(parse_value(b"Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_value(b"abc"), None);
        assert_eq!(parse_count(b"12"), Some(12));
        assert_eq!(parse_count(b"2.0"), Some(2));
        assert_eq!(parse_count(b"2.5"), None);
        assert_eq!(parse_count(b"-1"), None);
    }

    #[test]
    fn long_rows_per_subtask_are_aggregated() {
        let w = read_str(
            "timestamp,vertex,subtask,metric,value\n\
             1000,a,0,busyTimeMsPerSecond,200\n\
             1000,a,1,busyTimeMsPerSecond,600\n\
             1000,a,0,numRecordsInPerSecond,10\n\
             1000,a,1,numRecordsInPerSecond,15\n",
            &opts(),
        )
        .unwrap();
        let s = &w.vertices[0].samples[0];
        assert_eq!(
            (s.busy_max, s.busy_avg, s.records_in_per_s),
            (Some(600.0), Some(400.0), Some(25.0))
        );
        assert_eq!(s.t_ms, 1_000_000, "1000 is epoch seconds");
    }

    #[test]
    fn tab_separated_with_bom() {
        let w = read_str(
            "\u{feff}timestamp\tvertex\tbusyTimeMsPerSecond\n1795368508174\ta\t500\n",
            &opts(),
        )
        .unwrap();
        assert_eq!(w.shape, Shape::Wide);
        assert_eq!(w.vertices[0].samples[0].busy_max, Some(500.0));
    }

    #[test]
    fn bad_value_names_line_and_column() {
        let e = read_str(
            "timestamp,vertex,metric,value\n1000,\"a, b\",busyTimeMsPerSecond,1\n1000,\"a, b\",busyTimeMsPerSecond,x1\n",
            &opts(),
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(33)), "{e}");
        assert!(e.message.contains("`x1` is not a number"), "{e}");
        assert!(e.message.contains("busyTimeMsPerSecond"), "{e}");
        // Unknown metrics are not parsed, so their values may be anything.
        read_str(
            "timestamp,vertex,metric,value\n1000,a,busyTimeMsPerSecond,1\n1000,a,job_state,RUNNING\n",
            &opts(),
        )
        .unwrap();
    }

    #[test]
    fn several_jobs_need_a_choice() {
        let csv = "timestamp,job,vertex,metric,value\n\
                   1000,j1,a,busyTimeMsPerSecond,1\n\
                   1000,j2,a,busyTimeMsPerSecond,2\n\
                   1000,j3,a,busyTimeMsPerSecond,3\n";
        let e = read_str(csv, &opts()).unwrap_err();
        assert!(e.message.contains("3 jobs (j1, j2, j3"), "{e}");
        assert!(e.message.contains("--job"), "{e}");
        let w = read_str(
            csv,
            &ReadOptions {
                job: Some("j2".into()),
                ..opts()
            },
        )
        .unwrap();
        assert_eq!(w.job.as_deref(), Some("j2"));
        assert_eq!(w.vertices[0].samples[0].busy_max, Some(2.0));
        assert_eq!(w.stats.other_jobs, 2);
        let e = read_str(
            csv,
            &ReadOptions {
                job: Some("j9".into()),
                ..opts()
            },
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("no rows of job `j9`; the file has jobs j1, j2, j3"),
            "{e}"
        );
    }

    #[test]
    fn context_fast_path_matches_the_general_path() {
        // The same rows with `metric,value` last (fast path) and first (field by field).
        let rows = [
            ("1000", "j1", "a", "0", "2", "busyTimeMsPerSecond", "100"),
            ("1000", "j1", "a", "0", "2", "numRecordsInPerSecond", "5"),
            ("1000", "j2", "a", "0", "2", "busyTimeMsPerSecond", "999"),
            ("1000", "j1", "a", "1", "2", "busyTimeMsPerSecond", "300"),
            ("1000", "j1", "a", "1", "2", "busyTimeMsPerSecond", "500"),
            ("1010", "j1", "a", "0", "3", "busyTimeMsPerSecond", "NaN"),
            ("1010", "j1", "b", "0", "3", "numRecordsInPerSecond", "7"),
            ("1000", "j1", "b", "0", "3", "numRecordsInPerSecond", "1"),
        ];
        let mut last = String::from("timestamp,job,vertex,subtask,parallelism,metric,value\n");
        let mut first = String::from("metric,value,timestamp,job,vertex,subtask,parallelism\n");
        for (t, j, v, s, p, m, x) in rows {
            last.push_str(&format!("{t},{j},{v},{s},{p},{m},{x}\n"));
            first.push_str(&format!("{m},{x},{t},{j},{v},{s},{p}\n"));
        }
        let opts = ReadOptions {
            job: Some("j1".into()),
            ..opts()
        };
        let a = read_str(&last, &opts).unwrap();
        let b = read_str(&first, &opts).unwrap();
        assert_eq!(a.vertices, b.vertices);
        assert_eq!(a.stats, b.stats);
        assert_eq!((a.stats.other_jobs, a.stats.duplicates), (1, 1));
        let s = &a.vertices[0].samples[0];
        assert_eq!((s.busy_max, s.busy_avg), (Some(500.0), Some(300.0)));
        assert_eq!(a.vertices[0].rescale.map(|r| (r.from, r.to)), Some((2, 3)));
    }

    #[test]
    fn ragged_rows_are_errors() {
        let e = read_str(
            "timestamp,vertex,metric,value\n1000,a,busyTimeMsPerSecond\n",
            &opts(),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("3 fields but the header has 4"), "{e}");
    }

    /// A file's and a pipe's error for the same bytes: (line, column, message) each.
    fn both_errors(csv: &[u8]) -> [(Option<usize>, Option<usize>, String); 2] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, csv).unwrap();
        let file = read_metrics(path.to_str().unwrap(), &opts()).unwrap_err();
        let pipe = read_metrics_from("t.csv", csv, &opts()).unwrap_err();
        [file, pipe].map(|e| (e.line, e.column, e.message))
    }

    #[test]
    fn crlf_and_blank_lines_keep_line_numbers() {
        let bad_value = "timestamp,vertex,metric,value\r\n1000,a,busyTimeMsPerSecond,1\r\n\r\n\
                         1000,a,busyTimeMsPerSecond,x\r\n";
        for (line, column, msg) in both_errors(bad_value.as_bytes()) {
            assert_eq!((line, column), (Some(4), Some(28)), "{msg}");
        }
        let lf_blank = bad_value.replace("\r\n", "\n");
        for (line, column, _) in both_errors(lf_blank.as_bytes()) {
            assert_eq!((line, column), (Some(4), Some(28)));
        }
        let ragged = "timestamp,vertex,metric,value\r\n1000,a,busyTimeMsPerSecond,1\r\n\
                      1000,a,busyTimeMsPerSecond\r\n";
        for (line, _, msg) in both_errors(ragged.as_bytes()) {
            assert_eq!(line, Some(3), "{msg}");
        }
        // A quoted line break moves the next record's line.
        let quoted = "timestamp,vertex,metric,value\r\n1000,\"a\r\nb\",busyTimeMsPerSecond,1\r\n\
                      1000,a,busyTimeMsPerSecond,x\r\n";
        for (line, column, _) in both_errors(quoted.as_bytes()) {
            assert_eq!((line, column), (Some(4), Some(28)));
        }
    }

    #[test]
    fn utf16_files_are_named() {
        let text = "timestamp,vertex,metric,value\n1000,a,busyTimeMsPerSecond,1\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [le, be] {
            let e = read_metrics_from("t.csv", bytes.as_slice(), &opts()).unwrap_err();
            assert!(e.message.starts_with("the file is UTF-16"), "{e}");
            assert!(e.message.ends_with("; save it as UTF-8"), "{e}");
            assert!(!e.to_string().contains('\0'));
        }
    }

    #[test]
    fn a_row_past_the_limit_is_one_short_error() {
        let mut csv = b"timestamp,vertex,metric,value\n1000,".to_vec();
        csv.extend(std::iter::repeat_n(b'v', 2 << 20));
        csv.extend_from_slice(b",busyTimeMsPerSecond,1\n");
        for (line, column, msg) in both_errors(&csv) {
            assert_eq!((line, column), (Some(2), Some(6)), "{msg}");
            assert!(msg.contains("longer than 1048576 bytes"), "{msg}");
            assert!(msg.len() < 300, "{msg}");
        }
        let header = vec![b'h'; 2 << 20];
        for (line, column, msg) in both_errors(&header) {
            assert_eq!((line, column), (Some(1), Some(1)), "{msg}");
            assert!(msg.starts_with("the header row is longer than"), "{msg}");
            assert!(msg.len() < 300, "{msg}");
        }
    }

    #[test]
    fn messages_quote_cells_cut_short() {
        let long = "x".repeat(100_000);
        let cases = [
            format!("timestamp,vertex,metric,value\n1000,a,busyTimeMsPerSecond,{long}\n"),
            format!("timestamp,vertex,metric,value\n{long},a,busyTimeMsPerSecond,1\n"),
            format!("timestamp,vertex,parallelism,metric,value\n1000,a,{long},busyTimeMsPerSecond,1\n"),
            format!("timestamp,vertex,subtask,metric,value\n1000,a,{long},busyTimeMsPerSecond,1\n"),
            format!("timestamp,vertex,metric,value\n1000,a,{long},1\n"),
            format!("{long},vertex,metric,value\n1000,a,busyTimeMsPerSecond,1\n"),
            format!("timestamp,job,vertex,metric,value\n1,j{long},a,busyTimeMsPerSecond,1\n1,k{long},a,busyTimeMsPerSecond,1\n"),
        ];
        for csv in cases {
            let e = read_str(&csv, &opts()).unwrap_err();
            let shown = e.to_string() + &e.hints.join("\n");
            let start: String = shown.chars().take(1000).collect();
            assert!(shown.len() < 1000, "{start}");
        }
    }

    #[test]
    fn vertex_ids_beyond_any_job_graph_are_one_error() {
        let mut csv = String::from("timestamp,vertex,metric,value\n");
        for i in 0..=MAX_VERTICES {
            csv.push_str(&format!(
                "{},v{i},busyTimeMsPerSecond,1\n",
                1_700_000_000_000i64 + i as i64
            ));
        }
        let e = read_str(&csv, &opts()).unwrap_err();
        assert_eq!(
            (e.line, e.column),
            (Some(MAX_VERTICES + 2), Some(15)),
            "{e}"
        );
        assert!(
            e.message
                .starts_with("more than 100000 distinct vertices (this row's is `v100000`)"),
            "{e}"
        );
        // Rows of known vertices still come after the bound.
        let at = csv.rfind("1700000100000").unwrap();
        csv.truncate(at);
        csv.push_str("1700000100000,v7,busyTimeMsPerSecond,1\n");
        let w = read_str(&csv, &opts()).unwrap();
        assert_eq!(w.vertices.len(), MAX_VERTICES);
    }

    #[test]
    fn window_end_given() {
        let csv = "timestamp,vertex,parallelism,metric,value\n\
                   1000,a,1,busyTimeMsPerSecond,1\n\
                   1010,a,2,busyTimeMsPerSecond,2\n\
                   1020,a,3,busyTimeMsPerSecond,3\n";
        let w = read_str(
            csv,
            &ReadOptions {
                at_ms: Some(1_010_000),
                window_ms: 10_000,
                job: None,
            },
        )
        .unwrap();
        let v = &w.vertices[0];
        assert_eq!(v.samples.len(), 2);
        // Rows after the end do not count for parallelism either.
        assert_eq!(v.parallelism, Some(2));
        assert_eq!(
            v.rescale.map(|r| (r.from, r.to, r.first_new_ms)),
            Some((1, 2, Some(1_010_000)))
        );
        let e = read_str(
            csv,
            &ReadOptions {
                at_ms: Some(5_000_000),
                window_ms: 10_000,
                job: None,
            },
        )
        .unwrap_err();
        assert!(e.message.contains("no samples in the metric window"), "{e}");
    }
}
