//! Reading input files and writing outputs safely.
//!
//! Invariants: an input is read whole only after its size is checked (plans and graphs are small;
//! a multi-gigabyte "plan" is refused before it is loaded), bytes are checked to be UTF-8 with the
//! position of the first bad byte, and every output file is written to a temporary file in the same
//! directory, synced and renamed over the target, so a failed write never leaves half a file.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::InputError;
use crate::model::Pos;

/// Plans and graphs above this size are refused: the largest real plans are a few megabytes.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a whole text document (plan or graph), `-` meaning standard input.
pub fn read_document(path: &str) -> Result<String, InputError> {
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin(), MAX_DOCUMENT_BYTES + 1),
            &mut buf,
        )
        .map_err(|e| InputError::new(path, format!("cannot read standard input: {e}")))?;
        if buf.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(too_large(path));
        }
        buf
    } else {
        let meta = fs::metadata(path).map_err(|e| InputError::new(path, describe_io(&e)))?;
        if meta.is_dir() {
            return Err(InputError::new(path, "is a directory, not a file"));
        }
        if meta.len() > MAX_DOCUMENT_BYTES {
            return Err(too_large(path));
        }
        fs::read(path).map_err(|e| InputError::new(path, describe_io(&e)))?
    };
    if bytes.is_empty() {
        return Err(InputError::new(path, "file is empty (0 bytes)"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Valid prefix, so the lossy conversion is exact and positions are right.
        let prefix = String::from_utf8_lossy(good);
        let pos = Pos::of_offset(&prefix, prefix.len());
        InputError::at(
            path,
            pos,
            "invalid UTF-8: the file must be UTF-8 encoded text",
        )
    })
}

fn too_large(path: &str) -> InputError {
    InputError::new(
        path,
        format!(
            "file is larger than {} MiB; this is not a plan or graph",
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        ),
    )
}

/// A short, stable description of an I/O error without Rust's "(os error 2)" noise.
pub fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// Writes `contents` to `path` atomically, or to stdout when `path` is `-`.
///
/// The temporary file lives next to the target so the final rename never crosses file systems;
/// when the target exists its permissions are kept.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(contents)
        .map_err(|e| cannot_write(&f.target, e))?;
    f.commit()
}

/// An output file written as a stream (e.g. `simulate --timeline`, one row per simulated step)
/// with the same guarantee as [`write_atomic`]: the bytes go to a temporary file beside the
/// target, which replaces the target only on [`AtomicFile::commit`]. Dropped without a commit
/// (an error, a panic), the temporary file is removed and the target left as it was. `-` is
/// standard output, as for [`write_atomic`].
pub struct AtomicFile {
    target: std::path::PathBuf,
    tmp: std::path::PathBuf,
    file: Option<std::io::BufWriter<fs::File>>,
    stdout: Option<std::io::BufWriter<std::io::Stdout>>,
}

/// The error of a failed write to `path`. A broken pipe (stdout closed by `head`) stays an
/// `io::Error` in the chain, so the CLI ends quietly as it does for every other output.
pub fn cannot_write(path: &Path, e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return e.into();
    }
    anyhow::anyhow!("{}: cannot write: {}", path.display(), describe_io(&e))
}

impl AtomicFile {
    pub fn create(path: &Path) -> anyhow::Result<AtomicFile> {
        use anyhow::Context;
        if path == Path::new("-") {
            return Ok(AtomicFile {
                target: path.to_path_buf(),
                tmp: path.to_path_buf(),
                file: None,
                stdout: Some(std::io::BufWriter::new(std::io::stdout())),
            });
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let file_name = path
            .file_name()
            .with_context(|| format!("{}: not a file path", path.display()))?
            .to_string_lossy()
            .into_owned();
        let tmp = dir.join(format!(".{file_name}.planscale-{}.tmp", std::process::id()));
        let file = fs::File::create(&tmp).map_err(|e| cannot_write(path, e))?;
        Ok(AtomicFile {
            target: path.to_path_buf(),
            tmp,
            file: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
            stdout: None,
        })
    }

    /// Flushes, syncs and renames the temporary file over the target.
    pub fn commit(mut self) -> anyhow::Result<()> {
        if let Some(mut out) = self.stdout.take() {
            out.flush()?;
            return Ok(());
        }
        let Some(w) = self.file.take() else {
            return Ok(());
        };
        let result = (|| -> std::io::Result<()> {
            let f = w.into_inner().map_err(|e| e.into_error())?;
            if let Ok(meta) = fs::metadata(&self.target) {
                f.set_permissions(meta.permissions())?;
            }
            f.sync_all()?;
            fs::rename(&self.tmp, &self.target)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&self.tmp);
            return Err(cannot_write(&self.target, e));
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match (&mut self.file, &mut self.stdout) {
            (Some(f), _) => f.write(buf),
            (None, Some(out)) => out.write(buf),
            (None, None) => Err(std::io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match (&mut self.file, &mut self.stdout) {
            (Some(f), _) => f.flush(),
            (None, Some(out)) => out.flush(),
            (None, None) => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Inputs below this size finish before a progress bar would be worth drawing (~1 s).
const PROGRESS_MIN_BYTES: u64 = 64 * 1024 * 1024;

/// A reader that draws a progress bar on stderr while it is consumed, for large files and only
/// when stderr is a terminal (never in pipelines or CI logs). The bar clears itself when done.
pub fn with_progress<R: std::io::Read + 'static>(
    inner: R,
    len: u64,
    label: &str,
) -> Box<dyn std::io::Read> {
    use std::io::IsTerminal;
    if len < PROGRESS_MIN_BYTES || !std::io::stderr().is_terminal() {
        return Box::new(inner);
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    Box::new(ProgressRead {
        inner: bar.wrap_read(inner),
        bar,
    })
}

struct ProgressRead<R> {
    inner: indicatif::ProgressBarIter<R>,
    bar: indicatif::ProgressBar,
}

impl<R: std::io::Read> std::io::Read for ProgressRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.bar.finish_and_clear();
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_file_replaces_the_target_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("timeline.csv");
        fs::write(&p, b"old\n").unwrap();
        let names = || {
            let mut n: Vec<String> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"half of it").unwrap();
            assert_eq!(fs::read(&p).unwrap(), b"old\n", "untouched while writing");
            // Dropped without commit: an error path.
        }
        assert_eq!(fs::read(&p).unwrap(), b"old\n");
        assert_eq!(names(), vec!["timeline.csv"], "no temporary file left");
        let mut f = AtomicFile::create(&p).unwrap();
        for i in 0..100_000 {
            writeln!(f, "row {i}").unwrap();
        }
        f.commit().unwrap();
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("row 0\n") && text.ends_with("row 99999\n"));
        assert_eq!(names(), vec!["timeline.csv"]);
    }

    #[test]
    fn invalid_utf8_reports_position() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.json");
        fs::write(&p, b"{\n  \"a\": \"\xff\"\n}").unwrap();
        let e = read_document(p.to_str().unwrap()).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(9)));
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn empty_and_missing_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.json");
        fs::write(&p, b"").unwrap();
        assert!(read_document(p.to_str().unwrap())
            .unwrap_err()
            .message
            .contains("empty"));
        let missing = dir.path().join("nope.json");
        assert_eq!(
            read_document(missing.to_str().unwrap())
                .unwrap_err()
                .message,
            "no such file"
        );
        assert!(read_document(dir.path().to_str().unwrap())
            .unwrap_err()
            .message
            .contains("directory"));
    }

    #[test]
    fn atomic_write_replaces_and_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        fs::write(&p, b"old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left behind"
        );
    }
}
