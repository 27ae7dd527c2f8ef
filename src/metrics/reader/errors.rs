//! The input errors of a pass: a bad cell placed by line and column, a ragged row, a line too
//! long, several jobs without `--job`, rows out of time order.
//!
//! Invariants: every message quotes cells through [`show`] or [`show_name`], so it stays short
//! whatever the file holds; the line is where the record starts (a quoted line break, CRLF or
//! blank lines do not shift it), and the column counts characters from a file's own bytes, or
//! from the record re-quoted when the input cannot be read again.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::Read;
use std::rc::Rc;

use csv::ByteRecord;

use crate::error::InputError;
use crate::metrics::bound::{show, show_name, Track};
use crate::metrics::location;
use crate::metrics::time::format_rfc3339;
use crate::model::Pos;

use super::ingest::{Ingest, MAX_LISTED_JOBS};
use super::numbers::{field, trim};
use super::{Source, STREAM_HORIZON_MS};

/// The error for a row too far out of time order for a streamed read.
pub(super) fn unsorted(name: &str, line: u64, t_ms: i64, hint: &str) -> InputError {
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

pub(super) fn csv_error(file: &str, e: &csv::Error, track: &Rc<RefCell<Track>>) -> InputError {
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

impl Ingest<'_> {
    /// Byte offset (after a BOM) and line where `rec` starts.
    pub(super) fn record_start(&self, rec: &ByteRecord) -> Option<(u64, u64)> {
        let p = rec.position()?;
        Some(
            self.track
                .borrow()
                .start_of(p.byte())
                .unwrap_or((p.byte(), p.line())),
        )
    }

    /// The error for field `col` of `rec`, placed exactly where possible.
    pub(super) fn error_at(&self, rec: &ByteRecord, col: usize, msg: String) -> InputError {
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

    pub(super) fn column_name(&self, col: usize) -> String {
        self.header
            .names
            .get(col)
            .map_or_else(|| "?".to_string(), |n| show_name(n.as_bytes()))
    }

    /// Several jobs and no `--job`: reads the rest of the job column to list them all.
    pub(super) fn several_jobs<R: Read>(
        &self,
        rdr: &mut csv::Reader<R>,
        rec: &ByteRecord,
    ) -> InputError {
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

    pub(super) fn value_error(&self, rec: &ByteRecord, col: usize, metric: &[u8]) -> InputError {
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
}

#[cfg(test)]
mod tests {
    use crate::metrics::reader::tests::{opts, read_str};
    use crate::metrics::reader::{read_metrics, read_metrics_from};
    use crate::metrics::ReadOptions;

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
}
