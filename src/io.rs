//! Reading input files and writing outputs safely.
//!
//! Invariants: an input is read whole only after its size is checked (plans and graphs are small;
//! a multi-gigabyte "plan" is refused before it is loaded), bytes are checked to be UTF-8 with the
//! position of the first bad byte, and every output file is written to a temporary file in the same
//! directory, synced and renamed over the target, so a failed write never leaves half a file
//! (devices, FIFOs and descriptors are written into instead: see [`AtomicFile`]).

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::InputError;
use crate::model::Pos;

/// Plans and graphs above this size are refused, stated up front rather than found out by the
/// memory: the span-keeping JSON tree costs about 11 bytes per byte of input (`plan validate` of
/// a 46 MB plan against its 30 MB graph peaked at 817 MB), so 32 MiB keeps a command that reads a
/// plan and a graph under 1 GB, and the largest real plans are a few megabytes. `plan init`
/// refuses to write a plan above it.
pub const MAX_DOCUMENT_BYTES: u64 = 32 * 1024 * 1024;

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
    // Before decoding: UTF-16 text of ASCII is valid UTF-8 (NUL every other byte), and would
    // otherwise surface as a puzzling JSON or YAML error.
    if let Some(why) = utf16(&bytes) {
        return Err(InputError::at(
            path,
            Pos { line: 1, column: 1 },
            format!("the file is UTF-16 ({why}); save it as UTF-8"),
        ));
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

/// `Some(reason)` when the start of a file looks like UTF-16 (a byte order mark, or NUL bytes in
/// every other position of ASCII text) rather than UTF-8.
pub fn utf16(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Some("it starts with a UTF-16 byte order mark");
    }
    let sample = &head[..head.len().min(512)];
    if sample.len() < 4 {
        return None;
    }
    let zeros = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let pairs = sample.len() / 2;
    let (even, odd) = (zeros(0), zeros(1));
    ((even * 2 >= pairs && odd == 0) || (odd * 2 >= pairs && even == 0))
        .then_some("every other byte is NUL")
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
/// See [`AtomicFile`] for what "atomically" means for each kind of target.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(contents)
        .map_err(|e| cannot_write(&f.target, e))?;
    f.commit()
}

/// An output file written as a stream (e.g. `simulate --timeline`, one row per simulated step).
///
/// A regular file (or a name that does not exist yet) gets the bytes in a temporary file beside
/// it, which replaces it only on [`AtomicFile::commit`]; dropped without a commit (an error, a
/// panic) or ended by a signal (`signals`), the temporary file is removed and the target left as
/// it was. The replacement keeps the target's mode, owner and group, and a warning says when the
/// target had other hard links (they keep the old bytes). A symbolic link is written through: the
/// file it points to is replaced, the link stays. A target that exists and is not a regular file
/// (`/dev/null`, `/dev/full`, a FIFO, a terminal) and anything reached through `/dev/stdout`,
/// `/dev/fd/N` or `/proc/self/fd/N` is written into, never replaced: renaming over a device node
/// would turn it into a regular file (as root, which is how CI runs). `-` is standard output.
pub struct AtomicFile {
    /// The path as the user gave it, for messages.
    target: std::path::PathBuf,
    sink: Option<Sink>,
}

enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// Written into as it is (devices, FIFOs, descriptors).
    Direct(std::io::BufWriter<fs::File>),
    /// A temporary file renamed over `dest` (the target with its links resolved).
    Temp {
        file: std::io::BufWriter<fs::File>,
        tmp: std::path::PathBuf,
        dest: std::path::PathBuf,
    },
}

/// The error of a failed write to `path`. A broken pipe (stdout closed by `head`) stays an
/// `io::Error` in the chain, so the CLI ends quietly as it does for every other output.
pub fn cannot_write(path: &Path, e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return e.into();
    }
    anyhow::anyhow!("{}: cannot write: {}", path.display(), describe_io(&e))
}

/// Symbolic links followed by hand, at most as many as the kernel follows (40).
const MAX_LINKS: usize = 40;

/// Where the bytes for `path` go: the path with every symbolic link resolved, and whether one of
/// the hops is a descriptor alias (`/dev/stdout` -> `/proc/self/fd/1`), which must be written into.
fn resolve_links(path: &Path) -> std::io::Result<(std::path::PathBuf, bool)> {
    let is_fd_alias = |p: &Path| {
        p == Path::new("/dev/stdout")
            || p == Path::new("/dev/stderr")
            || p.starts_with("/dev/fd")
            || (p.starts_with("/proc") && p.components().any(|c| c.as_os_str() == "fd"))
    };
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        // A descriptor alias is opened as it is: the kernel's link names no path (`pipe:[42]`).
        if is_fd_alias(&current) {
            return Ok((current, true));
        }
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok((current, false)),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

impl AtomicFile {
    pub fn create(path: &Path) -> anyhow::Result<AtomicFile> {
        use anyhow::Context;
        if path == Path::new("-") {
            return Ok(AtomicFile {
                target: path.to_path_buf(),
                sink: Some(Sink::Stdout(std::io::BufWriter::new(std::io::stdout()))),
            });
        }
        let (dest, alias) = resolve_links(path).map_err(|e| cannot_write(path, e))?;
        let direct = match fs::metadata(&dest) {
            Ok(m) if m.is_dir() => {
                anyhow::bail!("{}: cannot write: is a directory", path.display())
            }
            Ok(m) => alias || !m.file_type().is_file(),
            Err(_) => alias,
        };
        if direct {
            let file = fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&dest)
                .map_err(|e| cannot_write(path, e))?;
            return Ok(AtomicFile {
                target: path.to_path_buf(),
                sink: Some(Sink::Direct(std::io::BufWriter::with_capacity(
                    1 << 16,
                    file,
                ))),
            });
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let file_name = dest
            .file_name()
            .with_context(|| format!("{}: not a file path", path.display()))?
            .to_string_lossy()
            .into_owned();
        let tmp = dir.join(format!(".{file_name}.planscale-{}.tmp", std::process::id()));
        // Registered before it exists, so that a signal between the two still removes it.
        crate::signals::register_temp(tmp.clone());
        let file = match fs::File::create(&tmp) {
            Ok(f) => f,
            Err(e) => {
                crate::signals::unregister_temp(&tmp);
                return Err(cannot_write(path, e));
            }
        };
        Ok(AtomicFile {
            target: path.to_path_buf(),
            sink: Some(Sink::Temp {
                file: std::io::BufWriter::with_capacity(1 << 16, file),
                tmp,
                dest,
            }),
        })
    }

    /// Flushes; for a temporary file also syncs it, gives it the target's mode, owner and group,
    /// and renames it over the target.
    pub fn commit(mut self) -> anyhow::Result<()> {
        match self.sink.take() {
            None => Ok(()),
            Some(Sink::Stdout(mut out)) => {
                out.flush()?;
                Ok(())
            }
            Some(Sink::Direct(w)) => {
                let f = w
                    .into_inner()
                    .map_err(|e| cannot_write(&self.target, e.into_error()))?;
                // Devices and FIFOs cannot be synced (EINVAL); their bytes are handed over.
                let _ = f.sync_all();
                Ok(())
            }
            Some(Sink::Temp { file, tmp, dest }) => {
                let result = (|| -> std::io::Result<()> {
                    let f = file.into_inner().map_err(|e| e.into_error())?;
                    if let Ok(meta) = fs::metadata(&dest) {
                        keep_attributes(&f, &meta, &self.target);
                    }
                    f.sync_all()?;
                    fs::rename(&tmp, &dest)
                })();
                if let Err(e) = result {
                    let _ = fs::remove_file(&tmp);
                    crate::signals::unregister_temp(&tmp);
                    return Err(cannot_write(&self.target, e));
                }
                crate::signals::unregister_temp(&tmp);
                Ok(())
            }
        }
    }
}

/// Mode, owner and group of the file being replaced, onto its replacement. Owner and group need
/// the right to give the file away (root, or a group the user is in); without it the new file is
/// the user's and a warning says so. Other hard links cannot follow a rename: also a warning.
fn keep_attributes(f: &fs::File, old: &fs::Metadata, shown: &Path) {
    use std::os::unix::fs::MetadataExt;
    let _ = f.set_permissions(old.permissions());
    if let Ok(new) = f.metadata() {
        if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
            let uid = (new.uid() != old.uid()).then_some(old.uid());
            if let Err(e) = std::os::unix::fs::fchown(f, uid, Some(old.gid())) {
                eprintln!(
                    "warning: {}: cannot keep its owner {}:{} ({}); the new file is {}:{}",
                    shown.display(),
                    old.uid(),
                    old.gid(),
                    describe_io(&e),
                    new.uid(),
                    new.gid()
                );
            } else {
                // Changing the owner clears set-id bits: put the mode back.
                let _ = f.set_permissions(old.permissions());
            }
        }
    }
    if old.nlink() > 1 {
        eprintln!(
            "warning: {}: had {} hard links; it is replaced by a new file under this name, and {} keep{} the old content",
            shown.display(),
            old.nlink(),
            if old.nlink() == 2 { "the other link".to_string() } else { format!("the other {} links", old.nlink() - 1) },
            if old.nlink() == 2 { "s" } else { "" }
        );
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.sink {
            Some(Sink::Temp { file, .. }) | Some(Sink::Direct(file)) => file.write(buf),
            Some(Sink::Stdout(out)) => out.write(buf),
            None => Err(std::io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Some(Sink::Temp { file, .. }) | Some(Sink::Direct(file)) => file.flush(),
            Some(Sink::Stdout(out)) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(Sink::Temp { tmp, .. }) = self.sink.take() {
            let _ = fs::remove_file(&tmp);
            crate::signals::unregister_temp(&tmp);
        }
    }
}

/// One file a command reads or writes, named by the flag that gave it.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub flag: &'a str,
    pub path: &'a str,
    pub output: bool,
}

impl<'a> Named<'a> {
    pub fn input(flag: &'a str, path: &'a str) -> Self {
        Named {
            flag,
            path,
            output: false,
        }
    }
    pub fn output(flag: &'a str, path: &'a str) -> Self {
        Named {
            flag,
            path,
            output: true,
        }
    }
}

/// What a path denotes, for telling whether two names are one file: device and inode when it
/// exists (links, `./x` and `x` alike), else its absolute spelling under the resolved directory.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    Path(std::path::PathBuf),
}

fn identity(path: &str) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    match fs::metadata(path) {
        // Devices and FIFOs are written into, not replaced: two outputs to /dev/null are fine.
        Ok(m) if !m.file_type().is_file() => None,
        Ok(m) => Some(Identity::Inode(m.dev(), m.ino())),
        Err(_) => {
            let p = Path::new(path);
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let dir = fs::canonicalize(dir).ok()?;
            Some(Identity::Path(dir.join(p.file_name()?)))
        }
    }
}

/// Refuses, before anything runs, two outputs that name one file and an output that names an
/// input: the second would overwrite the first, or the command would replace what it reads
/// (`simulate --timeline rec.csv --metrics rec.csv`). `-` (standard streams) is never compared.
pub fn refuse_same_files(files: &[Named]) -> Result<(), crate::error::UsageError> {
    let ids: Vec<Option<Identity>> = files
        .iter()
        .map(|f| {
            if f.path == "-" {
                None
            } else {
                identity(f.path)
            }
        })
        .collect();
    for j in 0..files.len() {
        for i in 0..j {
            let (x, y) = (&files[i], &files[j]);
            if !(x.output || y.output) || ids[j].is_none() || ids[i] != ids[j] {
                continue;
            }
            // Named input first, then the output that would replace it; two outputs in order.
            let (a, b) = if x.output && !y.output {
                (y, x)
            } else {
                (x, y)
            };
            let what = if a.output {
                "one output would overwrite the other"
            } else {
                "the output would replace an input"
            };
            return Err(crate::error::UsageError(format!(
                "{} {} and {} {} name the same file: {what}",
                a.flag, a.path, b.flag, b.path
            )));
        }
    }
    Ok(())
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
    let Some(bar) = progress_bar(len, label) else {
        return Box::new(inner);
    };
    Box::new(ProgressRead {
        inner: bar.wrap_read(inner),
        bar,
    })
}

/// The bar of [`with_progress`] for a reader that moves it itself (the parallel metric reader,
/// which reads a file on several threads): `None` for small inputs and when stderr is not a
/// terminal.
pub fn progress_bar(len: u64, label: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if len < PROGRESS_MIN_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    Some(bar)
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
    fn utf16_is_recognised() {
        let text = "timestamp,vertex\n1,a\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(utf16(&le), Some("every other byte is NUL"));
        assert_eq!(utf16(&be), Some("every other byte is NUL"));
        assert!(utf16(b"\xFF\xFEt\0").is_some());
        assert_eq!(utf16(text.as_bytes()), None);
        assert_eq!(utf16(b"a,\0,b\n"), None);
    }

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
