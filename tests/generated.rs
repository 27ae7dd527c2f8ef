//! The committed completion scripts and man pages must match what the binary generates.
//! Regenerate with `PLANSCALE_BLESS=1 cargo test --test generated`.

mod common;

use std::path::Path;

/// The shells whose scripts are committed, with the file name each shell looks for.
const SHELLS: &[(&str, &str)] = &[
    ("bash", "planscale.bash"),
    ("zsh", "_planscale"),
    ("fish", "planscale.fish"),
    ("elvish", "planscale.elv"),
    ("powershell", "_planscale.ps1"),
];

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

fn generated(args: &[&str]) -> Vec<u8> {
    let out = common::output(common::bin().args(args));
    assert!(out.status.success(), "planscale {args:?} failed");
    out.stdout
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (shell, file) in SHELLS {
        let script = generated(&["completions", shell]);
        check(&root.join("completions").join(file), &script, &mut stale);
    }

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    generated(&["man", "--out-dir", out_dir]);
    let mut pages: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    pages.sort();
    assert!(pages.iter().any(|(n, _)| n == "planscale-plan-validate.1"));
    // `planscale man` alone prints the main page, the same one --out-dir writes.
    let main_page = pages.iter().find(|(n, _)| n == "planscale.1").unwrap();
    assert_eq!(generated(&["man"]), main_page.1);
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
