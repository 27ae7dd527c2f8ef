//! The sources' demand samples of a recording, in time order, kept where they cost no memory.
//!
//! A simulation replays every timestamp of a recording, and a recording may be a year of 10 s
//! samples. The demand samples (20 bytes each) stay in memory up to [`MEM_RECORDS`], then move
//! to an anonymous temporary file (`tempfile::tempfile`, in `$TMPDIR`, gone when the process
//! ends) that every replay reads sequentially. So memory does not grow with the recording's
//! length; the disk holds 20 bytes per source and timestamp.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Samples kept in memory before spilling (1.3 MB).
pub const MEM_RECORDS: usize = 1 << 16;
const RECORD_BYTES: usize = 20;

/// One demand sample: source index, time, records/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    pub source: u32,
    pub t_ms: i64,
    pub value: f64,
}

impl Record {
    fn to_bytes(self) -> [u8; RECORD_BYTES] {
        let mut b = [0u8; RECORD_BYTES];
        b[..4].copy_from_slice(&self.source.to_le_bytes());
        b[4..12].copy_from_slice(&self.t_ms.to_le_bytes());
        b[12..].copy_from_slice(&self.value.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8; RECORD_BYTES]) -> Record {
        let mut s = [0u8; 4];
        let mut t = [0u8; 8];
        let mut v = [0u8; 8];
        s.copy_from_slice(&b[..4]);
        t.copy_from_slice(&b[4..12]);
        v.copy_from_slice(&b[12..]);
        Record {
            source: u32::from_le_bytes(s),
            t_ms: i64::from_le_bytes(t),
            value: f64::from_le_bytes(v),
        }
    }
}

#[derive(Debug, Default)]
pub struct Spool {
    mem: Vec<Record>,
    file: Option<BufWriter<File>>,
    len: u64,
    mem_limit: Option<usize>,
}

impl Spool {
    pub fn new() -> Self {
        Spool::default()
    }

    /// A spool that spills past `records` in memory (for tests).
    pub fn with_mem_limit(records: usize) -> Self {
        Spool {
            mem_limit: Some(records),
            ..Spool::default()
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, r: Record) -> io::Result<()> {
        self.len += 1;
        if self.file.is_none() && self.mem.len() < self.mem_limit.unwrap_or(MEM_RECORDS) {
            self.mem.push(r);
            return Ok(());
        }
        if self.file.is_none() {
            let mut f = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
            for m in std::mem::take(&mut self.mem) {
                f.write_all(&m.to_bytes())?;
            }
            self.file = Some(f);
        }
        match &mut self.file {
            Some(f) => f.write_all(&r.to_bytes()),
            None => Ok(()),
        }
    }

    /// Ends writing; the result can be read any number of times.
    pub fn finish(self) -> io::Result<Spooled> {
        Ok(match self.file {
            None => Spooled::Memory(self.mem),
            Some(f) => Spooled::File(f.into_inner().map_err(|e| e.into_error())?),
        })
    }
}

#[derive(Debug)]
pub enum Spooled {
    Memory(Vec<Record>),
    File(File),
}

impl Default for Spooled {
    fn default() -> Self {
        Spooled::Memory(Vec::new())
    }
}

impl Spooled {
    /// Reads the records from the start. Readers of a spilled spool share the file's position,
    /// so use one at a time.
    pub fn reader(&self) -> io::Result<SpoolReader<'_>> {
        Ok(match self {
            Spooled::Memory(v) => SpoolReader::Memory(v.iter()),
            Spooled::File(f) => {
                let mut f = f.try_clone()?;
                f.seek(SeekFrom::Start(0))?;
                SpoolReader::File(BufReader::with_capacity(1 << 16, f))
            }
        })
    }
}

pub enum SpoolReader<'a> {
    Memory(std::slice::Iter<'a, Record>),
    File(BufReader<File>),
}

impl SpoolReader<'_> {
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        match self {
            SpoolReader::Memory(it) => Ok(it.next().copied()),
            SpoolReader::File(r) => {
                let mut b = [0u8; RECORD_BYTES];
                match r.read_exact(&mut b) {
                    Ok(()) => Ok(Some(Record::from_bytes(&b))),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(s: &Spooled) -> Vec<Record> {
        let mut r = s.reader().unwrap();
        let mut out = Vec::new();
        while let Some(x) = r.next_record().unwrap() {
            out.push(x);
        }
        out
    }

    #[test]
    fn spilled_and_in_memory_spools_read_back_the_same_twice() {
        let recs: Vec<Record> = (0..1000)
            .map(|i| Record {
                source: i % 3,
                t_ms: i64::from(i) * 10_000 - 5,
                value: f64::from(i) * 0.1 - 3.0,
            })
            .collect();
        for limit in [10_000, 100, 0] {
            let mut s = Spool::with_mem_limit(limit);
            for r in &recs {
                s.push(*r).unwrap();
            }
            assert_eq!(s.len(), 1000);
            let done = s.finish().unwrap();
            assert_eq!(matches!(done, Spooled::File(_)), limit < 1000);
            assert_eq!(read_all(&done), recs);
            assert_eq!(
                read_all(&done),
                recs,
                "a second replay reads from the start"
            );
        }
    }
}
