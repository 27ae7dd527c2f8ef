//! The pass over the records: the delimiter sniffed from the header line, then one reused
//! `ByteRecord` folded row by row into the window store, with the caches that let consecutive
//! rows of one poll skip re-parsing what they share (see the parent module).
//!
//! Invariants: no row outlives its iteration; every cache is keyed by the bytes it was computed
//! from (or, for the cell slot, by the store's epoch), so a hit gives what the general path
//! would; the interner, the partitions and the vertices are bounded, so a hostile file cannot grow
//! memory with unique names.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::rc::Rc;

use csv::ByteRecord;

use crate::error::InputError;
use crate::metrics::bound::{self, show, show_name, Limited, Track};
use crate::metrics::cell::{MetricDef, NO_SUBTASK};
use crate::metrics::header::{self, Header, Shape};
use crate::metrics::intern::Interner;
use crate::metrics::names::{self, Usage};
use crate::metrics::series::{ReadStats, Sample, MAX_LISTED_NAMES};
use crate::metrics::time::parse_timestamp;
use crate::metrics::window::WindowStore;
use crate::metrics::ReadOptions;
use crate::model::Pos;

use super::errors::csv_error;
use super::numbers::{field, is_not_reported, parse_count, parse_value, trim};
use super::{Outcome, SampleSink, Source};

/// Bytes looked at to find the header line's delimiter.
const SNIFF_BYTES: usize = 64 * 1024;
/// Interned raw metric names; beyond this, names are resolved without being remembered, so a
/// file of unique names cannot grow memory.
const MAX_INTERNED_NAMES: usize = 100_000;
/// Distinct vertices read at most. A job graph has at most a few thousand; the bound keeps the
/// per-vertex state (some 600 bytes each, also after the window) from growing with a file of ids
/// that change on every row.
pub(super) const MAX_VERTICES: usize = 100_000;
/// Job ids listed in an ambiguity error.
pub(super) const MAX_LISTED_JOBS: usize = 20;
/// Distinct Kafka/Pulsar partitions tracked (a topic with more is rare; past it, names count as
/// unknown and the count stops growing).
pub(super) const MAX_PARTITIONS: usize = 1 << 16;

/// What a raw metric name resolves to, packed in the interner's u32.
const UNKNOWN: u32 = u32::MAX;
const UNUSED: u32 = u32::MAX - 1;
/// Codes from here (below UNUSED) are Kafka/Pulsar partition metrics: index into `partitions`.
const PARTITION_BASE: u32 = u32::MAX / 2;
/// No raw name id.
const NO_RAW: u32 = u32::MAX;

/// A file opened up to its first data record: the header decided, the csv reader positioned
/// after it.
pub(super) struct Opened<R: Read> {
    pub(super) rdr: csv::Reader<Limited<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>>,
    pub(super) header: Header,
    pub(super) layout: Layout,
}

/// Sniffs the delimiter, drops a BOM and reads the header row.
pub(super) fn open<R: Read>(
    name: &str,
    mut input: R,
    opts: &ReadOptions,
) -> Result<Opened<R>, InputError> {
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
    if let Some(why) = crate::io::utf16(&head) {
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
    let mut rdr = reader_builder(delimiter).from_reader(stream);
    let header_cells: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| csv_error(name, &e, &track))?
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let header = header::detect(name, &header_cells)?;
    Ok(Opened {
        rdr,
        header,
        layout: Layout {
            bom: bom as u64,
            delimiter,
            track,
            max_line,
        },
    })
}

/// The csv reader's settings, shared by the streaming pass and the parallel reader's chunks.
pub(super) fn reader_builder(delimiter: u8) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(256 * 1024);
    b
}

pub(super) fn read<'a, R: Read>(
    name: &'a str,
    input: R,
    opts: &'a ReadOptions,
    source: Source<'a>,
    sink: Option<&'a mut dyn SampleSink>,
) -> Result<Outcome, InputError> {
    let Opened {
        mut rdr,
        header,
        layout,
    } = open(name, input, opts)?;
    let streamed = sink.is_some();
    let mut ingest = Ingest::new(name, source, layout, header, opts, sink);
    let mut rec = ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(name, &e, &ingest.track)),
        }
        ingest.stats.rows += 1;
        match ingest.row(&rec)? {
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

/// Whether the context fields (all but `lo` and `lo + 1`) end where `ends` says, as a plain
/// loop: the iterator chain it replaces was 3% of a profile.
#[inline]
fn same_ends(ends: &[usize], lo: usize, n: usize, end_of: impl Fn(usize) -> usize) -> bool {
    let mut k = 0;
    for i in 0..n {
        if i == lo || i == lo + 1 {
            continue;
        }
        if end_of(i) != ends[k] {
            return false;
        }
        k += 1;
    }
    true
}

/// How the file's bytes are laid out: a UTF-8 BOM's length, the delimiter, and where records
/// start.
pub(super) struct Layout {
    pub(super) bom: u64,
    pub(super) delimiter: u8,
    pub(super) track: Rc<RefCell<Track>>,
    /// The record limit ([`bound::max_line`]).
    pub(super) max_line: usize,
}

/// Whether a row belongs to the job being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JobCheck {
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

pub(super) struct Ingest<'a> {
    pub(super) file: &'a str,
    pub(super) source: Source<'a>,
    pub(super) bom: u64,
    pub(super) delimiter: u8,
    pub(super) header: Header,
    pub(super) opts: &'a ReadOptions,
    pub(super) store: WindowStore,
    /// Raw metric name → raw id (index into the three vectors below).
    pub(super) raw_ids: Interner,
    raw_names: Vec<Box<[u8]>>,
    /// Raw id → def id, or UNKNOWN / UNUSED.
    raw_res: Vec<u32>,
    /// Raw id → the raw id that followed it last time (NO_RAW if none yet).
    successor: Vec<u32>,
    prev_raw: u32,
    /// Long files whose `metric` and `value` columns are adjacent: their indexes (every other
    /// column is context).
    context_columns: Option<(usize, usize)>,
    context: ContextCache,
    /// (vertex, timestamp, slab epoch, slot) of the previous row's cell.
    slot_cache: Option<(usize, i64, u64, u32)>,
    /// Canonical metric key → def id.
    pub(super) canonical: HashMap<String, u32>,
    pub(super) defs: Vec<MetricDef>,
    /// Wide format: (column, resolution).
    wide_columns: Vec<(usize, u32)>,
    /// Reused buffer of a wide row's (def, value).
    wide_values: Vec<(u32, f64)>,
    /// Partition keys of the Kafka/Pulsar offset metrics seen, and which vertex showed which.
    pub(super) partitions: Vec<String>,
    pub(super) vertex_partitions: BTreeSet<(usize, u32)>,
    /// Scratch for a Prometheus operator metric named with its `operator_name` label.
    composed_name: Vec<u8>,
    pub(super) unknown_names: BTreeSet<String>,
    pub(super) stats: ReadStats,
    // Caches of the previous row's cells.
    prev_t: Option<(Vec<u8>, i64)>,
    prev_vertex: Option<(Vec<u8>, usize)>,
    prev_parallelism: Option<(Vec<u8>, Option<i64>)>,
    prev_job: Option<(Vec<u8>, bool)>,
    /// The one job seen (no `--job`), or whether the chosen job was seen.
    pub(super) the_job: Option<Vec<u8>>,
    pub(super) other_jobs: BTreeSet<String>,
    /// Stream mode: where finished samples go.
    pub(super) sink: Option<&'a mut dyn SampleSink>,
    /// Stream mode: the finished cells being handed over (allocation reused).
    ready: Vec<(i64, u32, u32)>,
    /// Where records really start (see [`bound`]).
    pub(super) track: Rc<RefCell<Track>>,
    /// The smallest and largest timestamp of the rows that reached the window store (every
    /// row with a used metric's value, of the job, up to `at`).
    pub(super) admitted: Option<(i64, i64)>,
    /// Some such row was more than the window behind the largest one before it (unsorted).
    pub(super) behind: bool,
    /// A chunk of the parallel reader: vertex names are checked to be constant
    /// ([`crate::metrics::window::VertexState::note_name_checked`]).
    pub(super) check_names: bool,
}

impl<'a> Ingest<'a> {
    pub(super) fn new(
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
            max_line: _,
        } = layout;
        let mut ingest = Ingest {
            track,
            admitted: None,
            behind: false,
            check_names: false,
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
            if n >= 3 && m.abs_diff(v) == 1 {
                ingest.context_columns = Some((m.min(v), m.max(v)));
            }
        }
        ingest
    }

    /// One record, long or wide.
    #[inline]
    pub(super) fn row(&mut self, rec: &ByteRecord) -> Result<JobCheck, InputError> {
        match self.header.shape {
            Shape::Long => self.long_row(rec),
            Shape::Wide => self.wide_row(rec),
        }
    }

    /// Notes a row at `t` about to reach [`WindowStore::admit`] (see `admitted`, `behind`).
    #[inline]
    fn note_admit(&mut self, t: i64) {
        match &mut self.admitted {
            None => self.admitted = Some((t, t)),
            Some((lo, hi)) => {
                if t < hi.saturating_sub(self.opts.window_ms) {
                    self.behind = true;
                }
                *lo = (*lo).min(t);
                *hi = (*hi).max(t);
            }
        }
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
            if self.check_names {
                self.store.vertex_mut(v).note_name_checked(t, name);
            } else {
                self.store.vertex_mut(v).note_name(t, name);
            }
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
        let Some((lo, hi)) = self.context_columns else {
            return self.context_uncached(rec);
        };
        let (Some(m), Some(v)) = (rec.range(lo), rec.range(hi)) else {
            return self.context_uncached(rec);
        };
        // The context is the record's bytes without the metric and value fields, which are
        // adjacent: the fields before them, then (`shift` bytes on) the fields after them.
        let all = rec.as_slice();
        let (before, after) = (&all[..m.start], &all[v.end..]);
        let shift = v.end - m.start;
        let n = rec.len();
        let end_of = |i: usize| {
            rec.range(i)
                .map_or(0, |r| if i > hi { r.end - shift } else { r.end })
        };
        if let Some(value) = self.context.value {
            let cached = &self.context.bytes;
            if cached.len() == before.len() + after.len()
                && cached[..before.len()] == *before
                && cached[before.len()..] == *after
                && self.context.ends.len() == n - 2
                && same_ends(&self.context.ends, lo, n, end_of)
            {
                return Ok(value);
            }
        }
        // Invalid until the new value is known: an error must not leave a stale cache.
        self.context.value = None;
        let value = self.context_uncached(rec)?;
        let cache = &mut self.context;
        cache.bytes.clear();
        cache.bytes.extend_from_slice(before);
        cache.bytes.extend_from_slice(after);
        cache.ends.clear();
        cache
            .ends
            .extend((0..n).filter(|&i| i < lo || i > hi).map(end_of));
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
        self.note_admit(t);
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
        if !values.is_empty() {
            self.note_admit(t);
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
    pub(super) fn hand_over(&mut self) -> Result<(), InputError> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::reader::read_metrics_from;
    use crate::metrics::reader::tests::{opts, read_str};
    use crate::metrics::ReadOptions;

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
        let mut middle = String::from("timestamp,job,vertex,metric,value,subtask,parallelism\n");
        let mut apart = String::from("timestamp,metric,job,vertex,value,subtask,parallelism\n");
        for (t, j, v, s, p, m, x) in rows {
            last.push_str(&format!("{t},{j},{v},{s},{p},{m},{x}\n"));
            first.push_str(&format!("{m},{x},{t},{j},{v},{s},{p}\n"));
            middle.push_str(&format!("{t},{j},{v},{m},{x},{s},{p}\n"));
            apart.push_str(&format!("{t},{m},{j},{v},{x},{s},{p}\n"));
        }
        let opts = ReadOptions {
            job: Some("j1".into()),
            ..opts()
        };
        let a = read_str(&last, &opts).unwrap();
        for other in [&first, &middle, &apart] {
            let b = read_str(other, &opts).unwrap();
            assert_eq!(a.vertices, b.vertices);
            assert_eq!(a.stats, b.stats);
        }
        assert_eq!((a.stats.other_jobs, a.stats.duplicates), (1, 1));
        let s = &a.vertices[0].samples[0];
        assert_eq!((s.busy_max, s.busy_avg), (Some(500.0), Some(300.0)));
        assert_eq!(a.vertices[0].rescale.map(|r| (r.from, r.to)), Some((2, 3)));
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
}
