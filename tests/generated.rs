//! The committed completion scripts and man pages must match what the binary generates.
//! Regenerate with `PLANSCALE_BLESS=1 cargo test --test generated`.

mod common;

use std::path::Path;

use clap_complete::Shell;
use planscale::cli::completions::{completion_file, completion_script, man_pages};

fn check(path: &Path, expected: &[u8], stale: &mut Vec<String>) {
    if std::env::var_os("PLANSCALE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
        return;
    }
    match std::fs::read(path) {
        Ok(actual) if actual == expected => {}
        _ => stale.push(path.display().to_string()),
    }
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        check(
            &root.join("completions").join(completion_file(shell)),
            &completion_script(shell),
            &mut stale,
        );
    }
    let pages = man_pages().unwrap();
    assert!(pages.iter().any(|(n, _)| n == "planscale-plan-validate.1"));
    for (name, text) in &pages {
        check(&root.join("man").join(name), text, &mut stale);
    }
    // No page left behind for a subcommand that no longer exists.
    for entry in std::fs::read_dir(root.join("man")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !pages.iter().any(|(n, _)| *n == name) {
            stale.push(format!("man/{name} (no such page any more)"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `PLANSCALE_BLESS=1 cargo test --test generated`): {stale:?}"
    );
}

#[test]
fn binary_prints_the_same_completions() {
    let out = common::output(common::bin().args(["completions", "bash"]));
    assert!(out.status.success());
    assert_eq!(out.stdout, completion_script(Shell::Bash));
}
