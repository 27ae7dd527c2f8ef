//! The parallel pass over a regular file: its records split into chunks, each chunk read by a
//! pass of its own on a worker thread, the chunks' results folded in file order into one
//! [`Ingest`] that then finishes exactly as the streaming pass does.
//!
//! Chunks are cut after the first `\n` at or after every `chunk` bytes; each worker opens the
//! file itself, seeks and reads its range with the same csv settings (no memory map: the crate
//! forbids unsafe code). A cut may fall inside a quoted field, which cannot be seen locally, so
//! every chunk but the last is read with a marker line appended: after a cut at a record
//! boundary the marker is a record of its own, after a cut inside quotes it is swallowed by the
//! quoted field (the `\n` before it is part of that field), so a chunk that does not end on the
//! marker record proves its cut wrong. The chunk before a cut always starts at a true boundary
//! (the first starts after the header), so checking each chunk's end checks every cut.
//!
//! Invariant: the result is the streaming pass's to the bit, or [`Chunked::Fallback`] and the
//! caller reads the file with the streaming pass. Everything the merge cannot reproduce exactly
//! falls back: any error in a chunk (the streaming pass then finds the first one in file order
//! and places it), a cut inside quotes, a chunk whose rows start more than the window before the
//! largest timestamp of the chunks before it (unsorted input: the window or the reorder horizon
//! would have treated them by a different running maximum), parallelism that goes back in time
//! across a cut, a vertex name that changes in stream mode (samples are handed over with the name
//! current at that moment), bounded sets that reach their bound (unknown names, job ids,
//! partitions, vertices), a sink error in the middle of the read. Memory: each chunk's store holds
//! at most its own rows' cells, and workers stay at most a few chunks ahead of the merge.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use csv::ByteRecord;

use crate::error::InputError;
use crate::metrics::bound::Track;
use crate::metrics::cell::MetricDef;
use crate::metrics::header::Header;
use crate::metrics::names::FIELD_COUNT;
use crate::metrics::series::{ReadStats, MAX_LISTED_NAMES};
use crate::metrics::window::WindowStore;
use crate::metrics::ReadOptions;

use super::ingest::{open, reader_builder, Ingest, JobCheck, Layout, Opened};
use super::ingest::{MAX_LISTED_JOBS, MAX_PARTITIONS, MAX_VERTICES};
use super::{Outcome, SampleSink, Source};

/// Chunk size in bytes (`K`, `M` suffixes: powers of 1024). Setting it also makes small files
/// go through the parallel pass (tests use it to put cuts everywhere).
pub(super) const CHUNK_VAR: &str = "PLANSCALE_INGEST_CHUNK";
/// Worker threads; 0 = the streaming pass only. Default: the available cores.
pub(super) const THREADS_VAR: &str = "PLANSCALE_INGEST_THREADS";
/// When set, stderr says why a file the parallel pass started on went to the streaming pass
/// (for benchmarks and debugging; off by default, so outputs never depend on it).
pub(super) const TRACE_VAR: &str = "PLANSCALE_INGEST_TRACE";
/// Default chunk: large enough that per-chunk setup (a file handle, a csv reader, an
/// interner, the merge of its cells) is noise, small enough that every core gets many.
const DEFAULT_CHUNK: u64 = 8 << 20;
/// How far past a cut point a line break is looked for; without one the file is read by the
/// streaming pass (a file of one enormous line, or of `\r`-only line ends).
const BREAK_SEARCH: u64 = 1 << 20;
/// Appended to every chunk but the last (module doc): no delimiter, quote or line break in it.
const MARK: &[u8] = b"planscale-chunk-end";
/// Chunks read ahead of the merge, per worker.
const AHEAD_PER_WORKER: usize = 2;

/// How the parallel pass splits a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Plan {
    pub(super) chunk: u64,
    pub(super) threads: usize,
}

/// The plan for a regular file of `len` bytes, from [`CHUNK_VAR`] and [`THREADS_VAR`]; `None`:
/// read it with the streaming pass (one core, or a file of less than two chunks).
pub(super) fn plan(len: u64) -> Result<Option<Plan>, String> {
    let threads = match env_number(THREADS_VAR)? {
        Some(n) => n as usize,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let forced = env_number(CHUNK_VAR)?;
    let chunk = forced.unwrap_or(DEFAULT_CHUNK).max(1);
    if threads == 0 || (forced.is_none() && (threads < 2 || len < 2 * chunk)) {
        return Ok(None);
    }
    Ok(Some(Plan {
        chunk,
        threads: threads.min(64),
    }))
}

/// A whole number from the environment, with an optional `K`/`M`/`G` (powers of 1024).
fn env_number(var: &str) -> Result<Option<u64>, String> {
    let text = match std::env::var(var) {
        Err(std::env::VarError::NotPresent) => return Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => return Err(format!("{var} is not text")),
        Ok(t) => t,
    };
    let t = text.trim();
    let (digits, shift) = match t.as_bytes().last() {
        Some(b'K' | b'k') => (&t[..t.len() - 1], 10),
        Some(b'M' | b'm') => (&t[..t.len() - 1], 20),
        Some(b'G' | b'g') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{var}=`{}` is not a whole number (such as 2, or 8M for a size)",
                crate::metrics::bound::show(text.as_bytes())
            )
        })
}

/// What the parallel pass came to.
pub(super) enum Chunked {
    Done(Outcome),
    /// Read the file with the streaming pass; `handed_over`: the sink has received samples.
    Fallback {
        why: &'static str,
        handed_over: bool,
    },
}

/// A reason to read the file with the streaming pass instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fallback(&'static str);

/// What one chunk's pass leaves for the merge.
struct Part {
    store: WindowStore,
    defs: Vec<MetricDef>,
    /// Canonical metric key of each def.
    def_keys: Vec<String>,
    partitions: Vec<String>,
    vertex_partitions: Vec<(usize, u32)>,
    unknown_names: Vec<String>,
    stats: ReadStats,
    the_job: Option<Vec<u8>>,
    other_jobs: Vec<String>,
    admitted: Option<(i64, i64)>,
    behind: bool,
}

impl Part {
    fn from_ingest(ingest: Ingest<'_>) -> Part {
        let mut def_keys = vec![String::new(); ingest.defs.len()];
        for (k, &id) in &ingest.canonical {
            def_keys[id as usize].clone_from(k);
        }
        Part {
            store: ingest.store,
            defs: ingest.defs,
            def_keys,
            partitions: ingest.partitions,
            vertex_partitions: ingest.vertex_partitions.into_iter().collect(),
            unknown_names: ingest.unknown_names.into_iter().collect(),
            stats: ingest.stats,
            the_job: ingest.the_job,
            other_jobs: ingest.other_jobs.into_iter().collect(),
            admitted: ingest.admitted,
            behind: ingest.behind,
        }
    }
}

/// What every chunk's pass shares.
struct Job<'a> {
    path: &'a str,
    header: &'a Header,
    opts: &'a ReadOptions,
    delimiter: u8,
    max_line: usize,
    streamed: bool,
    data_start: u64,
    len: u64,
    chunk: u64,
    chunks: usize,
    /// The metrics of the first chunk, in its order: every later chunk starts with them, so its
    /// metric ids are the whole's and its cells move over whole ([`WindowStore::merge_cells`]).
    seed: (HashMap<String, u32>, Vec<MetricDef>),
}

/// Reads `path` in parallel (module doc). Errors are final (the header's, and what the merged
/// state shows at the end); everything else that is not certain to match the streaming pass is
/// a [`Chunked::Fallback`].
pub(super) fn read_chunked<'a: 'b, 'b>(
    path: &'a str,
    opts: &'a ReadOptions,
    sink: Option<&'b mut (dyn SampleSink + 'b)>,
    plan: Plan,
) -> Result<Chunked, InputError> {
    let file = File::open(path).map_err(|e| InputError::new(path, crate::io::describe_io(&e)))?;
    let len = file
        .metadata()
        .map_err(|e| InputError::new(path, crate::io::describe_io(&e)))?
        .len();
    let Opened {
        rdr,
        header,
        layout,
    } = open(path, &file, opts)?;
    let data_start = layout.bom + rdr.position().byte();
    drop(rdr);
    let streamed = sink.is_some();
    let mut job = Job {
        path,
        header: &header,
        opts,
        delimiter: layout.delimiter,
        max_line: layout.max_line,
        streamed,
        data_start,
        len,
        chunk: plan.chunk,
        chunks: (len.saturating_sub(data_start).div_ceil(plan.chunk)).max(1) as usize,
        seed: (HashMap::new(), Vec::new()),
    };
    let mut whole = Ingest::new(path, Source::File(path), layout, header.clone(), opts, sink);
    let mut handed_over = false;
    let mut fold = |whole: &mut Ingest<'_>, part: Part| -> Result<(), Fallback> {
        merge(whole, part, streamed)?;
        if streamed && whole.store.has_ready() {
            handed_over = true;
            whole
                .hand_over()
                .map_err(|_| Fallback("the sink refused a sample"))?;
        }
        Ok(())
    };
    // The first chunk here, before the workers start: its metrics seed theirs.
    let mut merged = read_chunk(&job, 0, &mut 0).and_then(|part| fold(&mut whole, part));
    if merged.is_ok() && job.chunks > 1 {
        job.seed = (whole.canonical.clone(), whole.defs.clone());
        merged = run(&job, plan.threads, 1, |part| fold(&mut whole, part));
    }
    if let Err(Fallback(why)) = merged {
        return Ok(Chunked::Fallback { why, handed_over });
    }
    whole
        .finish()
        .map(|w| Chunked::Done(Outcome::Window(Box::new(w))))
}

/// Reads the chunks from `first` on, on `threads` workers, and hands their parts to `merge` in
/// file order.
fn run(
    job: &Job<'_>,
    threads: usize,
    first: usize,
    mut merge: impl FnMut(Part) -> Result<(), Fallback>,
) -> Result<(), Fallback> {
    let ahead = threads * AHEAD_PER_WORKER;
    // On a terminal, the bar moves as chunks are merged (the first is merged before this).
    let bar = crate::io::progress_bar(job.len, job.path);
    // (next chunk to claim, chunks merged)
    let progress = Mutex::new((first, first));
    let moved = Condvar::new();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<(usize, Result<Part, Fallback>)>();
        for _ in 0..threads.min(job.chunks) {
            let tx = tx.clone();
            let (progress, moved, stop) = (&progress, &moved, &stop);
            s.spawn(move || {
                let mut hint = 0;
                loop {
                    let i = {
                        let Ok(mut p) = progress.lock() else { return };
                        loop {
                            if stop.load(Ordering::Relaxed) || p.0 >= job.chunks {
                                return;
                            }
                            if p.0 < p.1 + ahead {
                                break;
                            }
                            p = match moved.wait(p) {
                                Ok(p) => p,
                                Err(_) => return,
                            };
                        }
                        p.0 += 1;
                        p.0 - 1
                    };
                    if tx.send((i, read_chunk(job, i, &mut hint))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<usize, Result<Part, Fallback>> = BTreeMap::new();
        let mut next = first;
        let result = 'merge: loop {
            if next == job.chunks {
                break Ok(());
            }
            let Ok((i, part)) = rx.recv() else {
                break Err(Fallback("a worker stopped"));
            };
            pending.insert(i, part);
            while let Some(part) = pending.remove(&next) {
                if let Err(f) = part.and_then(&mut merge) {
                    break 'merge Err(f);
                }
                next += 1;
                if let Some(b) = &bar {
                    b.set_position((job.data_start + next as u64 * job.chunk).min(job.len));
                }
                if let Ok(mut p) = progress.lock() {
                    p.1 = next;
                }
                moved.notify_all();
            }
        };
        stop.store(true, Ordering::Relaxed);
        moved.notify_all();
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        result
    })
}

/// The byte offset where chunk `i` starts: after the first line break at or after its cut.
fn chunk_start(job: &Job<'_>, file: &mut File, i: usize) -> Result<u64, Fallback> {
    if i == 0 {
        return Ok(job.data_start);
    }
    let at = job.data_start + i as u64 * job.chunk;
    if at >= job.len {
        return Ok(job.len);
    }
    file.seek(SeekFrom::Start(at))
        .map_err(|_| Fallback("seek"))?;
    // Lines are short: a small read usually holds the break.
    let mut buf = [0u8; 4096];
    let mut seen = 0u64;
    while seen < BREAK_SEARCH {
        let n = file.read(&mut buf).map_err(|_| Fallback("read"))?;
        if n == 0 {
            return Ok(job.len.min(at + seen));
        }
        if let Some(k) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(at + seen + k as u64 + 1);
        }
        seen += n as u64;
    }
    Err(Fallback("no line break near a cut"))
}

/// One chunk's pass: its records folded into an [`Ingest`] of its own.
/// `hint`: the cell size the worker's chunks so far have shown ([`WindowStore::cell_hint`]).
fn read_chunk(job: &Job<'_>, i: usize, hint: &mut usize) -> Result<Part, Fallback> {
    let mut file = File::open(job.path).map_err(|_| Fallback("open"))?;
    let start = chunk_start(job, &mut file, i)?;
    let last = i + 1 == job.chunks;
    let end = if last {
        None
    } else {
        Some(chunk_start(job, &mut file, i + 1)?)
    };
    file.seek(SeekFrom::Start(start))
        .map_err(|_| Fallback("seek"))?;
    // The csv reader drops a UTF-8 byte order mark at the start of its input; inside the file
    // those bytes are data.
    let mut peek = [0u8; 3];
    let n = read_full(&mut file, &mut peek)?;
    if i > 0 && n == 3 && peek == *b"\xEF\xBB\xBF" {
        return Err(Fallback("a byte order mark at a cut"));
    }
    file.seek(SeekFrom::Start(start))
        .map_err(|_| Fallback("seek"))?;
    let body: Box<dyn Read> = match end {
        None => Box::new(file),
        Some(end) => Box::new(file.take(end.saturating_sub(start)).chain(MARK)),
    };
    let mut rdr = reader_builder(job.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let layout = Layout {
        bom: 0,
        delimiter: job.delimiter,
        track: Rc::new(RefCell::new(Track::default())),
        max_line: job.max_line,
    };
    let mut ingest = Ingest::new(
        job.path,
        Source::Stream,
        layout,
        job.header.clone(),
        job.opts,
        None,
    );
    ingest.check_names = job.streamed;
    if !job.seed.1.is_empty() {
        // A superset of what `Ingest::new` resolved (the header's metric columns come first).
        ingest.canonical.clone_from(&job.seed.0);
        ingest.defs.clone_from(&job.seed.1);
    }
    if job.streamed {
        // The chunk's cells stay until the merge: the reorder horizon is the merge's.
        ingest.store = WindowStore::new(i64::MAX, None);
    }
    ingest.store.set_cell_hint(*hint);
    let width = job.header.names.len();
    let max_line = job.max_line as u64;
    let mut rec = ByteRecord::new();
    let mut prev_start: Option<u64> = None;
    let mut marked = false;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(Fallback("a csv error")),
        }
        // Record starts as the csv reader counts them are at or before the real ones, so the
        // distance between two bounds the first record's length from above.
        let at = rec.position().map_or(0, |p| p.byte());
        if prev_start.is_some_and(|p| at.saturating_sub(p) >= max_line) {
            return Err(Fallback("a record near the length limit"));
        }
        prev_start = Some(at);
        if marked {
            return Err(Fallback("a record after the chunk's end mark"));
        }
        if end.is_some() && rec.len() == 1 && &rec[0] == MARK {
            marked = true;
            continue;
        }
        if rec.len() != width {
            return Err(Fallback("a record of another width"));
        }
        ingest.stats.rows += 1;
        match ingest.row(&rec) {
            Ok(JobCheck::Keep) => {}
            Ok(JobCheck::Skip) => ingest.stats.other_jobs += 1,
            Ok(JobCheck::Ambiguous) => return Err(Fallback("a second job")),
            Err(_) => return Err(Fallback("an input error")),
        }
    }
    if end.is_some() && !marked {
        return Err(Fallback("a cut inside a quoted field"));
    }
    if end.is_none() {
        let to = rdr.position().byte();
        if prev_start.is_some_and(|p| to.saturating_sub(p) >= max_line) {
            return Err(Fallback("a record near the length limit"));
        }
    }
    *hint = ingest.store.cell_hint();
    Ok(Part::from_ingest(ingest))
}

fn read_full(file: &mut File, buf: &mut [u8]) -> Result<usize, Fallback> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return Err(Fallback("read")),
        }
    }
    Ok(n)
}

/// Folds the next chunk's part into the whole, as if its rows had been read by the whole's pass
/// (module doc: what cannot be folded exactly is a fallback).
fn merge(whole: &mut Ingest<'_>, mut part: Part, streamed: bool) -> Result<(), Fallback> {
    // Jobs: the first job id seen is the job (a second is the streaming pass's error), or the
    // chosen one was seen.
    match &whole.opts.job {
        None => match (&whole.the_job, part.the_job) {
            (Some(a), Some(b)) if *a != b => return Err(Fallback("a second job")),
            (None, Some(b)) => whole.the_job = Some(b),
            _ => {}
        },
        Some(_) => {
            if part.the_job.is_some() {
                whole.the_job = part.the_job;
            }
            if part.other_jobs.len() >= MAX_LISTED_JOBS {
                return Err(Fallback("many job ids"));
            }
            whole.other_jobs.extend(part.other_jobs);
            if whole.other_jobs.len() >= MAX_LISTED_JOBS {
                return Err(Fallback("many job ids"));
            }
        }
    }
    // Order: the part's rows were admitted against its own running maximum; the whole's would
    // have been the same only if none is a window behind the maximum before the part.
    if let Some((lo, hi)) = part.admitted {
        let window = whole.opts.window_ms;
        if let Some((_, top)) = whole.admitted {
            if whole.opts.at_ms.is_none() && lo < top.saturating_sub(window) {
                return Err(Fallback("rows a window behind an earlier chunk"));
            }
        }
        if streamed && part.behind {
            return Err(Fallback("rows a window behind within a chunk"));
        }
        whole.admitted = Some(match whole.admitted {
            None => (lo, hi),
            Some((a, b)) => (a.min(lo), b.max(hi)),
        });
    }
    let def: Vec<u32> = part
        .def_keys
        .into_iter()
        .zip(part.defs)
        .map(|(key, d)| match whole.canonical.get(&key) {
            Some(&id) => id,
            None => {
                let id = whole.defs.len() as u32;
                whole.defs.push(d);
                whole.canonical.insert(key, id);
                id
            }
        })
        .collect();
    if part.partitions.len() >= MAX_PARTITIONS {
        return Err(Fallback("many partitions"));
    }
    let partition: Vec<u32> = part
        .partitions
        .into_iter()
        .map(
            |key| match whole.partitions.iter().position(|k| *k == key) {
                Some(i) => i as u32,
                None => {
                    whole.partitions.push(key);
                    (whole.partitions.len() - 1) as u32
                }
            },
        )
        .collect();
    if whole.partitions.len() >= MAX_PARTITIONS {
        return Err(Fallback("many partitions"));
    }
    let named = whole.header.vertex_name.is_some();
    let mut vertex = Vec::with_capacity(part.store.vertex_count());
    for state in part.store.vertex_states() {
        let key = state.raw_key();
        let known = whole.store.has_vertex(key);
        if !known && whole.store.vertex_count() >= MAX_VERTICES {
            return Err(Fallback("many vertices"));
        }
        let v = whole.store.vertex(key);
        let here = whole.store.vertex_mut(v);
        if streamed && named {
            // Samples are handed over with the name current at that moment.
            let same = if known {
                here.name_at().0 == state.name_at().0
            } else {
                state.name_at().0.is_some()
            };
            if state.name_varies || !same {
                return Err(Fallback("a vertex name that changes"));
            }
        }
        if !here.parallelism.append(&state.parallelism) {
            return Err(Fallback("parallelism out of time order across a cut"));
        }
        here.merge_name(state);
        for f in 0..FIELD_COUNT {
            here.not_reported[f] += state.not_reported[f];
        }
        vertex.push(v);
    }
    for (v, p) in part.vertex_partitions {
        whole
            .vertex_partitions
            .insert((vertex[v], partition[p as usize]));
    }
    whole.stats.duplicates += whole.store.merge_cells(&mut part.store, &vertex, &def);
    whole.store.note_file_range(part.store.file_range);
    let s = &part.stats;
    let w = &mut whole.stats;
    w.rows += s.rows;
    w.values += s.values;
    w.skipped_not_reported += s.skipped_not_reported;
    w.duplicates += s.duplicates;
    w.unknown_metrics += s.unknown_metrics;
    w.unused_aggregations += s.unused_aggregations;
    w.outside_window += s.outside_window;
    w.other_jobs += s.other_jobs;
    if part.unknown_names.len() >= MAX_LISTED_NAMES {
        return Err(Fallback("many unknown metric names"));
    }
    whole.unknown_names.extend(part.unknown_names);
    if whole.unknown_names.len() > MAX_LISTED_NAMES {
        return Err(Fallback("many unknown metric names"));
    }
    if let Some((_, hi)) = whole.admitted {
        whole.store.advance(hi);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::reader::ingest::read;
    use crate::metrics::Sample;
    use std::io::Write;

    /// Records what a sink receives.
    #[derive(Default)]
    struct Tape(Vec<(usize, String, Option<String>, Sample)>);

    impl SampleSink for Tape {
        fn sample(
            &mut self,
            vertex: usize,
            key: &str,
            name: Option<&str>,
            sample: Sample,
        ) -> Result<(), String> {
            self.0
                .push((vertex, key.into(), name.map(String::from), sample));
            Ok(())
        }
        fn reset(&mut self) {
            self.0.clear();
        }
    }

    fn temp(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        f
    }

    fn window_opts() -> ReadOptions {
        ReadOptions::default()
    }

    fn stream_opts() -> ReadOptions {
        super::super::stream_options(None)
    }

    /// The streaming pass over the same file, in the same mode.
    fn sequential<'a>(
        path: &'a str,
        opts: &'a ReadOptions,
        sink: Option<&'a mut dyn SampleSink>,
    ) -> Result<Outcome, InputError> {
        read(
            path,
            File::open(path).unwrap(),
            opts,
            Source::File(path),
            sink,
        )
    }

    /// Compares the parallel pass with the streaming pass on `bytes`, in both modes, for one
    /// plan. Returns whether the parallel pass finished without falling back (window mode).
    fn check(bytes: &[u8], plan: Plan) -> Result<bool, String> {
        let f = temp(bytes);
        let path = f.path().to_str().unwrap();
        let opts = window_opts();
        let want = sequential(path, &opts, None);
        let got = read_chunked(path, &opts, None, plan);
        let done = match (&want, got) {
            (_, Ok(Chunked::Fallback { .. })) => false,
            (Ok(Outcome::Window(a)), Ok(Chunked::Done(Outcome::Window(b)))) => {
                if a != &b {
                    return Err(format!("windows differ:\n{a:?}\n{b:?}"));
                }
                true
            }
            (Err(a), Err(b)) => {
                if a != &b {
                    return Err(format!("errors differ: {a} / {b}"));
                }
                true
            }
            (a, b) => {
                return Err(format!(
                    "outcomes differ: {:?} / {:?}",
                    a.as_ref().err(),
                    b.err()
                ))
            }
        };
        let opts = stream_opts();
        let mut tape_a = Tape::default();
        let mut tape_b = Tape::default();
        let want = sequential(path, &opts, Some(&mut tape_a));
        let got = read_chunked(path, &opts, Some(&mut tape_b), plan);
        match (&want, got) {
            (_, Ok(Chunked::Fallback { .. })) => {}
            (Ok(Outcome::Window(a)), Ok(Chunked::Done(Outcome::Window(b)))) => {
                if a != &b {
                    return Err(format!("stream windows differ:\n{a:?}\n{b:?}"));
                }
                if tape_a.0 != tape_b.0 {
                    return Err(format!("samples differ:\n{:?}\n{:?}", tape_a.0, tape_b.0));
                }
            }
            (Err(a), Err(b)) => {
                if a != &b {
                    return Err(format!("stream errors differ: {a} / {b}"));
                }
            }
            (Ok(Outcome::Unsorted { .. }), Ok(Chunked::Done(_))) => {
                return Err("the parallel pass read unsorted rows".into())
            }
            (a, b) => {
                return Err(format!(
                    "stream outcomes differ: {:?} / {:?}",
                    a.as_ref().err(),
                    b.err()
                ))
            }
        }
        Ok(done)
    }

    fn lab() -> Vec<u8> {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read(here.join("fixtures/metrics/udf_bottleneck.long.csv")).unwrap()
    }

    #[test]
    fn the_lab_recording_reads_the_same_with_cuts_everywhere() {
        let bytes = lab();
        let mut done = 0;
        for chunk in [61, 333, 4096, 1 << 20] {
            for threads in [1, 2, 3] {
                let plan = Plan { chunk, threads };
                if check(&bytes, plan).unwrap() {
                    done += 1;
                }
            }
        }
        assert_eq!(done, 12, "no fallback on a sorted, well-formed file");
    }

    #[test]
    fn a_cut_inside_a_quoted_field_is_found() {
        // Names with line breaks: most cuts fall inside them.
        let mut csv = String::from("timestamp,vertex,vertex_name,metric,value\n");
        for t in 0..40 {
            for v in ["a", "b"] {
                csv.push_str(&format!(
                    "{},{v},\"line\none, \"\"{v}\"\"\n\n\",busyTimeMsPerSecond,{}\n",
                    1_700_000_000_000i64 + t * 10_000,
                    t * 7 % 1000
                ));
            }
        }
        let f = temp(csv.as_bytes());
        let path = f.path().to_str().unwrap();
        let mut fallbacks = 0;
        for chunk in 1..80 {
            let plan = Plan { chunk, threads: 2 };
            check(csv.as_bytes(), plan).unwrap();
            if let Ok(Chunked::Fallback { why, .. }) =
                read_chunked(path, &window_opts(), None, plan)
            {
                // The chunk before the first bad cut ends in the quoted field: shorter than
                // the header, or of the right width but without its end mark.
                assert!(
                    ["a cut inside a quoted field", "a record of another width"].contains(&why),
                    "{why}"
                );
                fallbacks += 1;
            }
        }
        assert!(fallbacks > 0);
    }

    #[test]
    fn unsorted_and_broken_files_fall_back_or_agree() {
        let cases: [&[u8]; 6] = [
            // Rows far behind an earlier chunk's.
            b"timestamp,vertex,metric,value\n9000000,a,busyTimeMsPerSecond,1\n\
              1000,a,busyTimeMsPerSecond,2\n9000010,a,busyTimeMsPerSecond,3\n",
            // A bad value in the middle.
            b"timestamp,vertex,metric,value\n1000,a,busyTimeMsPerSecond,1\n\
              1010,a,busyTimeMsPerSecond,x\n1020,a,busyTimeMsPerSecond,3\n",
            // A short row.
            b"timestamp,vertex,metric,value\n1000,a,busyTimeMsPerSecond,1\n1010,a\n",
            // Two jobs.
            b"timestamp,job,vertex,metric,value\n1000,j1,a,busyTimeMsPerSecond,1\n\
              1010,j2,a,busyTimeMsPerSecond,2\n",
            // CRLF, blank lines, a BOM.
            b"\xEF\xBB\xBFtimestamp,vertex,metric,value\r\n\r\n1000,a,busyTimeMsPerSecond,1\r\n\
              \r\n1010,a,busyTimeMsPerSecond,2\r\n",
            // Header only.
            b"timestamp,vertex,metric,value\n",
        ];
        for bytes in cases {
            for chunk in 1..40 {
                for threads in [1, 2] {
                    check(bytes, Plan { chunk, threads })
                        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(bytes)));
                }
            }
        }
    }

    /// One random row: mostly well-formed, sometimes broken in one of the ways files are.
    fn row_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        (
            0i64..30,
            0usize..3,
            0u32..3,
            0usize..6,
            0u32..2000,
            0usize..4,
            0usize..40,
            prop::bool::ANY,
        )
            .prop_map(|(t, v, sub, m, x, name, broken, crlf)| {
                let metric = [
                    "busyTimeMsPerSecond",
                    "numRecordsInPerSecond",
                    "numRecordsOutPerSecond",
                    "idleTimeMsPerSecond",
                    "someUnknownMetric",
                    "Source__s.numRecordsOutPerSecond",
                ][m];
                let vname = ["", "\"a, b\"", "\"x\ny\"", "\"q \"\"z\"\"\""][name];
                let ts = 1_700_000_000_000i64 + t * 10_000;
                let value = format!("{}.{}", x / 10, x % 10);
                let p = 1 + (t / 10) % 3;
                let mut row = match broken {
                    0 => format!("{ts},v{v},{sub},{metric},oops,{vname},{p}"),
                    1 => format!("{ts},v{v},{sub},{metric}"),
                    2 => format!("nope,v{v},{sub},{metric},{value},{vname},{p}"),
                    3 => String::new(),
                    4 => format!("{ts},v{v},{sub},{metric},NaN,{vname},{p}"),
                    5 => format!("{},v{v},{sub},{metric},{value},{vname},{p}", ts - 3_600_000),
                    _ => format!("{ts},v{v},{sub},{metric},{value},{vname},{p}"),
                };
                row.push_str(if crlf { "\r\n" } else { "\n" });
                row
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn chunked_equals_streaming(
            bom in proptest::bool::ANY,
            rows in proptest::collection::vec(row_strategy(), 0..30),
            chunk in 1u64..120,
            threads in 1usize..3,
        ) {
            let mut csv = Vec::new();
            if bom {
                csv.extend_from_slice(b"\xEF\xBB\xBF");
            }
            csv.extend_from_slice(b"timestamp,vertex,subtask,metric,value,vertex_name,parallelism\n");
            for r in &rows {
                csv.extend_from_slice(r.as_bytes());
            }
            let r = check(&csv, Plan { chunk, threads });
            proptest::prop_assert!(r.is_ok(), "{}\n{}", r.unwrap_err(), String::from_utf8_lossy(&csv));
        }
    }
}
