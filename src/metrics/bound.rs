//! Bounds on what one CSV record may cost, in memory and in messages, and where it really starts.
//!
//! The csv crate grows its record buffer to whatever one record holds, so a single 1 GB field, or
//! a 1 GB header with no line break, cost several GB before any check could look at it, and the
//! header error then echoed it whole. [`Limited`] sits between the input and the csv reader, sees
//! the bytes first, and stops the read as soon as a record passes [`max_line`] bytes, remembering
//! where the field that passed it starts and how it begins ([`TooLong`]). Messages quote at most
//! [`QUOTE_CHARS`] characters of any cell ([`show`]).
//!
//! It also records where each record starts (byte and line), because the csv crate's positions are
//! taken before the blank lines and the `\n` of a `\r\n` that it skips, and it counts only `\n`:
//! on CRLF files and after blank lines its line numbers are early. Mirroring the csv crate's record
//! splitting costs little, because only three bytes matter (`\n`, `\r`, `"`) and memchr finds
//! them: a quote opens a quoted field only at a field's start, `""` inside one is a quote, and
//! outside quotes `\r`, `\n` and `\r\n` end a record and an empty line is no record.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

/// Longest record (line, or lines of one quoted record) read by default: a metric row is under
/// 1 KiB and the widest header planscale has seen under 64 KiB.
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// Environment variable that sets the record limit in bytes (`K`, `M`, `G` suffixes: powers of
/// 1024).
pub const MAX_LINE_VAR: &str = "PLANSCALE_MAX_CSV_LINE";

/// Smallest limit accepted, so the header of any real file fits.
const MIN_MAX_LINE: usize = 1024;

/// Most characters of a cell quoted in a message.
pub const QUOTE_CHARS: usize = 40;

/// Most characters of a name (metric, column, vertex) quoted: Flink's operator-chain names run
/// to a few hundred.
pub const NAME_CHARS: usize = 256;

/// Record starts kept for error positions: the csv reader runs at most its buffer plus one record
/// behind the bytes seen here.
const START_HORIZON: u64 = 2 << 20;

/// The record limit: [`MAX_LINE_VAR`] when set, else [`DEFAULT_MAX_LINE`].
pub fn max_line() -> Result<usize, String> {
    match std::env::var(MAX_LINE_VAR) {
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_MAX_LINE),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{MAX_LINE_VAR} is not text")),
        Ok(text) => parse_size(&text).ok_or_else(|| {
            format!(
                "{MAX_LINE_VAR}=`{}` is not a size in bytes of at least {MIN_MAX_LINE} (such as \
                 1048576 or 4M)",
                show(text.as_bytes())
            )
        }),
    }
}

fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return None,
    };
    let n: usize = digits.parse().ok()?;
    n.checked_mul(1usize << shift)
        .filter(|&n| n >= MIN_MAX_LINE)
}

/// A cell for a message: lossy UTF-8, at most [`QUOTE_CHARS`] characters (then `…`), control
/// characters escaped so NUL bytes and escape sequences never reach the terminal.
pub fn show(bytes: &[u8]) -> String {
    show_at_most(bytes, QUOTE_CHARS)
}

/// A name for a message, like [`show`] with at most [`NAME_CHARS`] characters.
pub fn show_name(bytes: &[u8]) -> String {
    show_at_most(bytes, NAME_CHARS)
}

fn show_at_most(bytes: &[u8], max_chars: usize) -> String {
    // Enough bytes for max_chars + 1 characters of up to 4 bytes each.
    let head = &bytes[..bytes.len().min(4 * (max_chars + 1))];
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    let mut chars = text.chars();
    for c in chars.by_ref().take(max_chars) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if chars.next().is_some() || head.len() < bytes.len() {
        out.push('…');
    }
    out
}

/// A record that passed the limit: where the field that passed it starts, and how it begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    pub line: u64,
    /// Character column (1-based).
    pub column: u64,
    /// The first characters of that field as written, for the message ([`show`]).
    pub prefix: String,
    /// The record is the file's first (the header).
    pub header: bool,
    /// No line break at all before the limit.
    pub one_line: bool,
    pub limit: usize,
}

impl TooLong {
    pub fn message(&self) -> String {
        let what = if self.header {
            "the header row"
        } else {
            "this row"
        };
        let mut msg = format!(
            "{what} is longer than {} bytes, in the field that starts `{}`",
            self.limit, self.prefix
        );
        if self.one_line {
            msg.push_str(" (no line break so far: is this a CSV file?)");
        }
        msg.push_str(&format!("; set {MAX_LINE_VAR}=BYTES to read longer rows"));
        msg
    }
}

/// What the reader learns from [`Limited`] (shared: the csv reader owns the wrapper).
#[derive(Debug, Default)]
pub struct Track {
    /// (byte offset, line) of recent record starts, in order; offsets count from the start of
    /// what the csv reader reads (after a UTF-8 byte order mark).
    starts: VecDeque<(u64, u64)>,
    /// Set when a record passed the limit (the read then fails).
    pub too_long: Option<TooLong>,
}

impl Track {
    /// The byte offset and line where the record the csv reader positions at `byte` starts: the
    /// first record start at or after it.
    pub fn start_of(&self, byte: u64) -> Option<(u64, u64)> {
        let i = self.starts.partition_point(|&(b, _)| b < byte);
        self.starts.get(i).copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records (line breaks of empty lines are skipped here).
    Between,
    /// In a record, outside quotes.
    Plain,
    /// Inside a quoted field.
    Quoted,
    /// A quote inside a quoted field: the end, or the first of `""`.
    Closing,
}

/// Passes bytes through to the csv reader, refusing a record longer than `max` bytes and
/// recording where records start (see the module comment).
pub struct Limited<R> {
    inner: R,
    max: usize,
    delimiter: u8,
    track: Rc<RefCell<Track>>,
    /// Offset of the next byte read.
    offset: u64,
    /// Line of the next byte read.
    line: u64,
    /// The byte before the next one (`\n` at the start).
    last: u8,
    state: State,
    record_start: u64,
    record_line: u64,
    records: u64,
    /// The current record's bytes from earlier reads, kept only while it spans reads, so the
    /// field that passes the limit can be found and quoted. At most `max` bytes.
    carry: Vec<u8>,
    /// Set once the limit was passed: every later read fails.
    failed: bool,
}

impl<R: Read> Limited<R> {
    pub fn new(inner: R, max: usize, delimiter: u8) -> (Self, Rc<RefCell<Track>>) {
        let track = Rc::new(RefCell::new(Track::default()));
        let limited = Limited {
            inner,
            max,
            delimiter,
            track: Rc::clone(&track),
            offset: 0,
            line: 1,
            last: b'\n',
            state: State::Between,
            record_start: 0,
            record_line: 1,
            records: 0,
            carry: Vec::new(),
            failed: false,
        };
        (limited, track)
    }

    fn failure() -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, "CSV record too long")
    }

    /// Scans one chunk; returns the index of the first byte past the limit, if the limit is
    /// passed in it.
    fn scan(&mut self, b: &[u8]) -> Option<usize> {
        let base = self.offset;
        let n = b.len();
        let shared = Rc::clone(&self.track);
        let mut track = shared.borrow_mut();
        let mut crossed = false;
        let mut i = 0;
        while i < n {
            match self.state {
                State::Between => {
                    let c = b[i];
                    if c == b'\n' || c == b'\r' {
                        if !(c == b'\n' && self.prev(b, i) == b'\r') {
                            self.line += 1;
                        }
                        i += 1;
                        continue;
                    }
                    self.record_start = base + i as u64;
                    self.record_line = self.line;
                    self.records += 1;
                    while track
                        .starts
                        .front()
                        .is_some_and(|&(s, _)| s + START_HORIZON < self.record_start)
                    {
                        track.starts.pop_front();
                    }
                    track.starts.push_back((self.record_start, self.line));
                    if c == b'"' {
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::Plain;
                    }
                }
                State::Plain => match memchr::memchr3(b'\n', b'\r', b'"', &b[i..]) {
                    None => i = n,
                    Some(k) => {
                        let j = i + k;
                        if b[j] == b'"' {
                            if self.prev(b, j) == self.delimiter {
                                self.state = State::Quoted;
                            }
                            i = j + 1;
                        } else {
                            if self.record_len(base + j as u64) > self.max {
                                crossed = true;
                                break;
                            }
                            self.state = State::Between;
                            self.carry.clear();
                            i = j;
                        }
                    }
                },
                State::Quoted => match memchr::memchr3(b'"', b'\n', b'\r', &b[i..]) {
                    None => i = n,
                    Some(k) => {
                        let j = i + k;
                        match b[j] {
                            b'"' => self.state = State::Closing,
                            b'\n' if self.prev(b, j) == b'\r' => {}
                            _ => self.line += 1,
                        }
                        i = j + 1;
                    }
                },
                State::Closing => {
                    if b[i] == b'"' {
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::Plain;
                    }
                }
            }
        }
        drop(track);
        if crossed {
            return Some(self.crossing(base, b));
        }
        if self.state != State::Between {
            if self.record_len(base + n as u64) > self.max {
                return Some(self.crossing(base, b));
            }
            let from = self.record_start.saturating_sub(base) as usize;
            self.carry.extend_from_slice(&b[from..]);
        }
        if let Some(&c) = b.last() {
            self.last = c;
        }
        self.offset += n as u64;
        None
    }

    #[inline]
    fn prev(&self, b: &[u8], i: usize) -> u8 {
        if i == 0 {
            self.last
        } else {
            b[i - 1]
        }
    }

    #[inline]
    fn record_len(&self, end: u64) -> usize {
        usize::try_from(end - self.record_start).unwrap_or(usize::MAX)
    }

    /// The limit is passed in chunk `b` (at offset `base`): notes where and returns the index of
    /// the first byte past it.
    fn crossing(&mut self, base: u64, b: &[u8]) -> usize {
        let cut = (self.record_start + self.max as u64 - base) as usize;
        let from = self.record_start.saturating_sub(base) as usize;
        let mut record = std::mem::take(&mut self.carry);
        record.extend_from_slice(&b[from.min(cut)..cut]);
        let (line, column, start) = field_at(&record, self.record_line, self.delimiter);
        self.track.borrow_mut().too_long = Some(TooLong {
            line,
            column,
            prefix: show(&record[start..]),
            header: self.records == 1,
            one_line: line == 1 && !record.contains(&b'\n') && !record.contains(&b'\r'),
            limit: self.max,
        });
        self.failed = true;
        cut
    }
}

/// Line, character column and byte index of the start of the last field of `record` (a record's
/// first bytes, starting at line `line`, column 1).
fn field_at(record: &[u8], mut line: u64, delimiter: u8) -> (u64, u64, usize) {
    let mut column = 1u64;
    let mut at = (line, column, 0);
    let mut state = State::Plain;
    let mut prev = b'\n';
    for (i, &c) in record.iter().enumerate() {
        match state {
            State::Plain | State::Between => {
                if c == delimiter {
                    at = (line, column + 1, i + 1);
                } else if c == b'"' && (i == 0 || prev == delimiter) {
                    state = State::Quoted;
                }
            }
            State::Quoted => {
                if c == b'"' {
                    state = State::Closing;
                }
            }
            State::Closing => {
                state = if c == b'"' {
                    State::Quoted
                } else {
                    if c == delimiter {
                        at = (line, column + 1, i + 1);
                    }
                    State::Plain
                };
            }
        }
        if c == b'\n' || c == b'\r' {
            if !(c == b'\n' && prev == b'\r') {
                line += 1;
            }
            column = 1;
        } else if c & 0xC0 != 0x80 {
            column += 1;
        }
        prev = c;
    }
    at
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(Self::failure());
        }
        let n = self.inner.read(buf)?;
        match self.scan(&buf[..n]) {
            None => Ok(n),
            // The bytes before the limit go through (earlier records are read as usual); the
            // next read fails, so the long record is never completed.
            Some(cut) if cut > 0 => Ok(cut),
            Some(_) => Err(Self::failure()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` through a `Limited` in chunks of `chunk` bytes; returns what passed, the
    /// record starts and the failure.
    fn run(input: &[u8], max: usize, chunk: usize) -> (Vec<u8>, Vec<(u64, u64)>, Option<TooLong>) {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (mut r, track) = Limited::new(Chunks(input, chunk), max, b',');
        let mut out = Vec::new();
        let _ = r.read_to_end(&mut out);
        let t = track.borrow();
        (out, t.starts.iter().copied().collect(), t.too_long.clone())
    }

    #[test]
    fn record_starts_count_crlf_blank_lines_and_quoted_breaks() {
        let input = b"h1,h2\r\na,b\r\n\r\n\r\n\"x\r\ny\",z\r\nlast,1";
        for chunk in [1, 2, 3, 7, 1000] {
            let (out, starts, err) = run(input, 1 << 20, chunk);
            assert_eq!(out, input, "chunk {chunk}");
            assert_eq!(err, None);
            let lines: Vec<u64> = starts.iter().map(|s| s.1).collect();
            assert_eq!(lines, vec![1, 2, 5, 7], "chunk {chunk}");
            assert_eq!(starts[2].0, 16, "the byte of the quote");
        }
        // Lone CRs end lines too; a quote inside an unquoted field is a plain character.
        let (_, starts, _) = run(b"a,b\rc\"d,e\rf\n\ng", 1 << 20, 4);
        let lines: Vec<u64> = starts.iter().map(|s| s.1).collect();
        assert_eq!(lines, vec![1, 2, 3, 5]);
    }

    #[test]
    fn a_long_field_stops_the_read_at_the_limit() {
        let mut input = b"timestamp,vertex\n1000,".to_vec();
        input.extend(std::iter::repeat_n(b'a', 5000));
        input.extend_from_slice(b"\n2000,b\n");
        for chunk in [1, 100, 4096, 1 << 20] {
            let (out, _, err) = run(&input, 1024, chunk);
            assert_eq!(out.len(), 17 + 1024, "chunk {chunk}");
            let e = err.expect("too long");
            assert_eq!((e.line, e.column, e.header), (2, 6, false), "chunk {chunk}");
            assert_eq!(e.prefix, format!("{}…", "a".repeat(QUOTE_CHARS)));
        }
        // Quoted, with line breaks inside: the same record, so still one limit.
        let mut input = b"h\n\"".to_vec();
        input.extend(b"ab\n".repeat(1000));
        let (_, _, err) = run(&input, 1024, 100);
        let e = err.expect("too long");
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.prefix.starts_with("\"ab\\nab\\n"), "{}", e.prefix);
    }

    #[test]
    fn a_header_without_a_line_break_is_named() {
        let input = "é".repeat(3000);
        // The limit falls inside a two-byte character.
        let (_, _, err) = run(input.as_bytes(), 1025, 333);
        let e = err.expect("too long");
        assert!(e.header && e.one_line);
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e
            .message()
            .contains("the header row is longer than 1025 bytes"));
        assert_eq!(e.prefix.chars().count(), QUOTE_CHARS + 1);
    }

    #[test]
    fn records_at_the_limit_pass() {
        let mut input = b"h\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1024));
        input.extend_from_slice(b"\r\n");
        input.extend(std::iter::repeat_n(b'y', 1024));
        for chunk in [1, 5, 1 << 16] {
            let (out, _, err) = run(&input, 1024, chunk);
            assert_eq!((out.len(), err), (input.len(), None));
        }
    }

    #[test]
    fn sizes_and_messages() {
        assert_eq!(parse_size("4M"), Some(4 << 20));
        assert_eq!(parse_size(" 2048 "), Some(2048));
        assert_eq!(parse_size("1 KiB"), Some(1024));
        assert_eq!(parse_size("10"), None);
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("99999999999999999999G"), None);
        assert_eq!(show(b"a\0b"), "a\\u{0}b");
        assert_eq!(
            show("x".repeat(41).as_bytes()),
            format!("{}…", "x".repeat(40))
        );
        assert_eq!(show("x".repeat(40).as_bytes()), "x".repeat(40));
        assert_eq!(show(&[b'y'; 1000]), format!("{}…", "y".repeat(40)));
    }
}
