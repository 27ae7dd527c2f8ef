//! The module graph flows one way: a top-level module uses only modules on lower floors
//! (`planscale::LAYERS`, written down in `src/lib.rs`), so it cannot have cycles either.

use std::collections::BTreeSet;
use std::path::Path;

fn floor_of(module: &str) -> Option<usize> {
    planscale::LAYERS
        .iter()
        .position(|floor| floor.contains(&module))
}

/// Every `.rs` file under `dir`, with the top-level module it belongs to.
fn files(dir: &Path, top: Option<&str>, out: &mut Vec<(String, std::path::PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let module = top.map_or(name.clone(), str::to_string);
        if path.is_dir() {
            files(&path, Some(&module), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((module, path));
        }
    }
}

#[test]
fn no_module_uses_a_module_on_its_own_floor_or_above() {
    let mut all = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut all,
    );
    let mut wrong = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for (module, path) in &all {
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(floor) = floor_of(module) else {
            panic!(
                "src module `{module}` is on no floor of planscale::LAYERS; add it in src/lib.rs"
            );
        };
        seen.insert(module.clone());
        let text = std::fs::read_to_string(path).unwrap();
        for (i, _) in text.match_indices("crate::") {
            let used: String = text[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if used.is_empty() || used == *module {
                continue;
            }
            match floor_of(&used) {
                Some(f) if f < floor => {}
                Some(f) => {
                    wrong.insert(format!(
                        "{} (floor {floor}) uses crate::{used} (floor {f})",
                        path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                            .unwrap()
                            .display()
                    ));
                }
                None => {
                    wrong.insert(format!("{} uses unknown crate::{used}", path.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "uses that go sideways or up:\n{}",
        wrong.into_iter().collect::<Vec<_>>().join("\n")
    );
    // Every floor names modules that exist.
    for floor in planscale::LAYERS {
        for m in *floor {
            assert!(
                seen.contains(*m),
                "planscale::LAYERS names `{m}`, which is not a module"
            );
        }
    }
}
