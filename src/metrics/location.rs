//! Exact file positions (line, character column) of a CSV field, for error messages.
//!
//! The csv crate reports where a record starts (byte offset and line) but not where its fields
//! are, and quoting shifts columns (`"Source: numbers -> parse, drop"` takes two more characters
//! than its value). Errors are rare, so the position is recomputed only then: by re-reading the
//! record's raw bytes from the file, or, for standard input whose bytes are gone, by re-quoting the
//! parsed fields the way standard writers do (quotes only where needed), which matches files
//! written by Python's csv module, pandas and the csv crate.

use std::io::{Read, Seek, SeekFrom};

use crate::model::Pos;

/// Raw bytes read at most, from the record start, to find a field.
const MAX_RECORD_BYTES: u64 = 1 << 20;

/// The position of field `field` of the record starting at byte `record_byte` / line
/// `record_line` of file `path`. `None` when the file cannot be re-read.
pub fn locate_in_file(
    path: &str,
    record_byte: u64,
    record_line: u64,
    field: usize,
    delimiter: u8,
) -> Option<Pos> {
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(record_byte)).ok()?;
    let mut raw = Vec::new();
    f.take(MAX_RECORD_BYTES).read_to_end(&mut raw).ok()?;
    locate_in_raw(&raw, record_line, field, delimiter)
}

/// Same, from the parsed fields of a record (standard input).
pub fn locate_by_requoting(
    fields: &[&[u8]],
    record_line: u64,
    field: usize,
    delimiter: u8,
) -> Option<Pos> {
    let mut raw = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            raw.push(delimiter);
        }
        let quote = f
            .iter()
            .any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r');
        if quote {
            raw.push(b'"');
            for &b in f.iter() {
                if b == b'"' {
                    raw.push(b'"');
                }
                raw.push(b);
            }
            raw.push(b'"');
        } else {
            raw.extend_from_slice(f);
        }
    }
    raw.push(b'\n');
    locate_in_raw(&raw, record_line, field, delimiter)
}

/// Walks raw CSV bytes from a record start to the start of field `field`.
fn locate_in_raw(raw: &[u8], record_line: u64, field: usize, delimiter: u8) -> Option<Pos> {
    let mut line = usize::try_from(record_line).ok()?;
    let mut column = 1;
    let mut current = 0;
    let mut in_quotes = false;
    let mut field_start = true;
    for &b in raw {
        if current == field && field_start {
            return Some(Pos { line, column });
        }
        field_start = false;
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => return None,
            _ if b == delimiter && !in_quotes => {
                current += 1;
                field_start = true;
            }
            _ => {}
        }
        if b == b'\n' {
            line += 1;
            column = 1;
        } else if b & 0xC0 != 0x80 {
            // Count characters, not bytes: skip UTF-8 continuation bytes.
            column += 1;
        }
    }
    (current == field && field_start).then_some(Pos { line, column })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_shift_columns() {
        let raw = b"1,\"a, b\",x\xc3\xa9,NaN\n2,next";
        assert_eq!(
            locate_in_raw(raw, 7, 0, b','),
            Some(Pos { line: 7, column: 1 })
        );
        assert_eq!(
            locate_in_raw(raw, 7, 1, b','),
            Some(Pos { line: 7, column: 3 })
        );
        assert_eq!(
            locate_in_raw(raw, 7, 2, b','),
            Some(Pos {
                line: 7,
                column: 10
            })
        );
        assert_eq!(
            locate_in_raw(raw, 7, 3, b','),
            Some(Pos {
                line: 7,
                column: 13
            })
        );
        assert_eq!(locate_in_raw(raw, 7, 4, b','), None);
    }

    #[test]
    fn quoted_newlines_move_to_the_next_line() {
        let raw = b"1,\"two\nlines\",bad\n";
        assert_eq!(
            locate_in_raw(raw, 3, 2, b','),
            Some(Pos { line: 4, column: 8 })
        );
    }

    #[test]
    fn requoting_matches_minimal_quoting() {
        let fields: [&[u8]; 3] = [b"1", b"Source: numbers -> parse, drop", b"abc"];
        assert_eq!(
            locate_by_requoting(&fields, 2, 2, b','),
            Some(Pos {
                line: 2,
                column: 36
            })
        );
        // An empty last field still has a position.
        let fields: [&[u8]; 2] = [b"1", b""];
        assert_eq!(
            locate_by_requoting(&fields, 2, 1, b','),
            Some(Pos { line: 2, column: 3 })
        );
    }
}
