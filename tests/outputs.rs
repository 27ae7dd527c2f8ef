//! Output targets that are not plain files, and outputs that collide.
//!
//! A device node, a FIFO or `/dev/stdout` is written into, never replaced; a symbolic link is
//! written through; a replaced file keeps its mode, owner and group; two names of one file are
//! refused before anything runs; a termination signal leaves no temporary file. Device nodes are
//! made in a private tmpfs (`unshare -m`, as root only), never the machine's real `/dev`.

mod common;

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GRAPH: &str = "fixtures/lab/udf_bottleneck/execution_plan.json";

fn root(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The bytes `plan init` writes for the lab graph, to compare outputs against.
fn init_bytes() -> Vec<u8> {
    let out = common::planscale(&["plan", "init", "--graph", GRAPH]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.into_bytes()
}

fn init_to(target: &Path) -> common::Outcome {
    common::planscale(&[
        "plan",
        "init",
        "--graph",
        GRAPH,
        "-o",
        target.to_str().unwrap(),
    ])
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn device_nodes_are_written_into_not_replaced() {
    if !is_root() {
        eprintln!("skipped: mknod and a private mount namespace need root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A tmpfs of its own in a private mount namespace: the nodes exist only there.
    let script = r#"set -e
mount -t tmpfs -o size=1m planscale-test "$D"
mknod "$D/null" c 1 3
mknod "$D/full" c 1 7
"$P" plan init --graph "$G" -o "$D/null"; echo "null rc=$?"
set +e
"$P" plan init --graph "$G" -o "$D/full" 2>"$D/full.err"; echo "full rc=$?"
head -c 300 "$D/full.err"; echo
"$P" recommend --metrics "$M" --graph "$J" -o "$D/null" 2>/dev/null; echo "recommend rc=$?"
stat -c '%n %F' "$D/null" "$D/full"
ls -a "$D"
"#;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .env("D", dir.path())
        .env("P", common::bin_path())
        .env("G", root(GRAPH))
        .env("M", root("fixtures/metrics/udf_bottleneck.long.csv"))
        .env("J", root("fixtures/lab/udf_bottleneck/job.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() && text.is_empty() {
        eprintln!(
            "skipped: cannot make a private tmpfs here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    assert!(text.contains("null rc=0"), "{text}");
    assert!(text.contains("recommend rc=0"), "{text}");
    assert!(text.contains("full rc=2"), "{text}");
    assert!(
        text.contains("/full: cannot write: No space left on device"),
        "{text}"
    );
    assert!(text.contains("/null character special file"), "{text}");
    assert!(text.contains("/full character special file"), "{text}");
    assert!(
        !text.contains(".planscale-"),
        "no temporary file left: {text}"
    );
}

#[test]
fn dev_stdout_is_the_standard_output_whatever_it_is() {
    let want = init_bytes();
    // A pipe.
    let out = common::planscale(&["plan", "init", "--graph", GRAPH, "-o", "/dev/stdout"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.as_bytes(), want.as_slice());
    // A regular file the shell opened: the bytes land in it, the file stays the same inode.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redirected.json");
    fs::write(&file, b"OLD CONTENT THAT IS LONGER THAN NOTHING").unwrap();
    let inode = fs::metadata(&file).unwrap().ino();
    let status = common::process()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "init", "--graph", GRAPH, "-o", "/dev/stdout"])
        .stdout(fs::File::create(&file).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(fs::read(&file).unwrap(), want);
    assert_eq!(fs::metadata(&file).unwrap().ino(), inode);
    assert_eq!(names_in(dir.path()), vec!["redirected.json"]);
}

#[test]
fn a_fifo_is_written_into() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plan.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let out = init_to(&fifo);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(reader.join().unwrap(), init_bytes());
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names_in(dir.path()), vec!["plan.fifo"]);
}

#[test]
fn a_symlink_is_written_through_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    let file = dir.path().join("real/plan.json");
    fs::write(&file, b"OLD").unwrap();
    let link = dir.path().join("plan.json");
    std::os::unix::fs::symlink("real/plan.json", &link).unwrap();
    let out = init_to(&link);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(&file).unwrap(), init_bytes());
    // A dangling link is written through too: its target is created.
    fs::remove_file(&file).unwrap();
    let out = init_to(&link);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fs::read(&file).unwrap(), init_bytes());
    assert_eq!(names_in(&dir.path().join("real")), vec!["plan.json"]);
}

#[test]
fn a_replaced_file_keeps_mode_owner_group_and_says_when_a_hard_link_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    fs::write(&file, b"OLD").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    if is_root() {
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
    }
    let other = dir.path().join("other-name.json");
    fs::hard_link(&file, &other).unwrap();
    let out = init_to(&file);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "had 2 hard links; it is replaced by a new file under this name, and the other link keeps the old content"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read(&other).unwrap(), b"OLD");
    let meta = fs::metadata(&file).unwrap();
    assert_eq!(fs::read(&file).unwrap(), init_bytes());
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    if is_root() {
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    }
}

#[test]
fn a_directory_target_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = init_to(dir.path());
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot write: is a directory"),
        "{}",
        out.stderr
    );
    assert!(names_in(dir.path()).is_empty());
}

#[test]
fn two_names_of_one_file_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.csv");
    fs::copy(root("fixtures/metrics/udf_bottleneck.long.csv"), &rec).unwrap();
    let alias = dir.path().join("alias.csv");
    std::os::unix::fs::symlink(&rec, &alias).unwrap();
    let spelled = format!("{}/./rec.csv", dir.path().display());
    let job = root("fixtures/lab/udf_bottleneck/job.json");
    let before = fs::read(&rec).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            [
                "simulate",
                "--metrics",
                rec.to_str().unwrap(),
                "--graph",
                &job,
                "--timeline",
                &spelled,
            ]
            .map(String::from)
            .to_vec(),
            "name the same file: the output would replace an input",
        ),
        (
            [
                "simulate",
                "--metrics",
                rec.to_str().unwrap(),
                "--graph",
                &job,
                "--timeline",
                alias.to_str().unwrap(),
            ]
            .map(String::from)
            .to_vec(),
            "name the same file: the output would replace an input",
        ),
        (
            [
                "simulate",
                "--metrics",
                rec.to_str().unwrap(),
                "--graph",
                &job,
                "--timeline",
                dir.path().join("t.out").to_str().unwrap(),
                "--plot",
                dir.path().join("t.out").to_str().unwrap(),
            ]
            .map(String::from)
            .to_vec(),
            "name the same file: one output would overwrite the other",
        ),
        (
            [
                "recommend",
                "--metrics",
                rec.to_str().unwrap(),
                "--graph",
                &job,
                "-o",
                alias.to_str().unwrap(),
            ]
            .map(String::from)
            .to_vec(),
            "name the same file: the output would replace an input",
        ),
        (
            ["plan", "init", "--graph", &job, "-o", &job]
                .map(String::from)
                .to_vec(),
            "--graph",
        ),
    ];
    for (args, want) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = common::planscale(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
        assert!(out.stderr.contains(want), "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    assert_eq!(fs::read(&rec).unwrap(), before);
    assert_eq!(names_in(dir.path()), vec!["alias.csv", "rec.csv"]);
    // Two outputs into /dev/null are fine: it is written into, not replaced.
    let out = common::planscale(&[
        "simulate",
        "--metrics",
        rec.to_str().unwrap(),
        "--graph",
        &job,
        "--timeline",
        "/dev/null",
        "--plot",
        "/dev/null",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_termination_signal_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("metrics.csv");
    fs::write(&metrics, common::long_recording(60_000)).unwrap();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("timeline.csv");
    for signal in ["INT", "TERM", "HUP"] {
        fs::write(&target, b"OLD").unwrap();
        let mut child = common::process()
            .args(["simulate", "--metrics"])
            .arg(&metrics)
            .args([
                "--graph",
                &root("fixtures/lab/udf_bottleneck/job.json"),
                "--timeline",
            ])
            .arg(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the temporary file, then signal while it is being written.
        let start = Instant::now();
        while names_in(&out_dir).len() < 2 {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no temporary file appeared"
            );
            if child.try_wait().unwrap().is_some() {
                panic!("simulate ended before it could be signalled; make the recording longer");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let sent = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "SIG{signal}: {status:?}");
        assert_eq!(fs::read(&target).unwrap(), b"OLD", "SIG{signal}");
        assert_eq!(names_in(&out_dir), vec!["timeline.csv"], "SIG{signal}");
    }
}

#[test]
fn an_unprivileged_user_can_write_to_dev_null() {
    // Before: the temporary file went beside the target, into /dev, which only root may write:
    // "permission denied" for everyone else (and a replaced device node for root). Real
    // /dev/null is safe here: an unprivileged user cannot replace it whatever planscale does.
    if !is_root() || Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipped: needs root and setpriv to run as another user");
        return;
    }
    // The graph on stdin: the checkout may sit in a directory only root can read (mktemp -d).
    let mut child = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(common::bin_path())
        .args(["plan", "init", "--graph", "-", "-o", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let graph = fs::read(root(GRAPH)).unwrap();
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write as _;
        // A child that could not start closes the pipe: its stderr says why.
        let _ = stdin.write_all(&graph);
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && err.contains("planscale") && !err.starts_with("error:")
    {
        eprintln!("skipped: the binary is not executable by uid 65534: {err}");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn break_chain_in_place_keeps_mode_and_owner_and_names_the_broken_hard_link() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("job.plan.json");
    fs::copy(root("fixtures/plans/udf_bottleneck.plan.json"), &plan).unwrap();
    fs::set_permissions(&plan, fs::Permissions::from_mode(0o600)).unwrap();
    if is_root() {
        std::os::unix::fs::chown(&plan, Some(65534), Some(65534)).unwrap();
    }
    let backup = dir.path().join("backup.plan.json");
    fs::hard_link(&plan, &backup).unwrap();
    let before = fs::read(&plan).unwrap();
    let out = common::planscale(&[
        "plan",
        "break-chain",
        plan.to_str().unwrap(),
        "--node",
        "13",
        "--in-place",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("had 2 hard links"), "{}", out.stderr);
    assert_ne!(fs::read(&plan).unwrap(), before, "the plan was edited");
    assert_eq!(
        fs::read(&backup).unwrap(),
        before,
        "the other link keeps the old bytes"
    );
    let meta = fs::metadata(&plan).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    if is_root() {
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    }
    assert_eq!(
        names_in(dir.path()),
        vec!["backup.plan.json", "job.plan.json"]
    );
}
