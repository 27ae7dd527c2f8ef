//! Which policies a simulation runs, and with which settings.
//!
//! The static baseline first (unless a policy file of kind `static` takes its place), then one
//! policy per file (its stem is its name), or one Flink autoscaler when no file is given. A
//! policy's settings are, in order of precedence from low to high: the shared `--config`, its
//! own file, `-D`; then the fill-ins (settings the command line offers for every policy, such as
//! a CU ceiling) for each key the policy leaves unset. Unknown and misspelled keys are warnings
//! through the same path `recommend` uses (`settings::key_warnings`).

use crate::settings::{self, KeyScope, Setting, SettingError, SettingWarning};
use crate::sim::policy::{self, PolicyKind, PolicySpec};

/// A policy file as read: its path and its settings.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub path: String,
    pub settings: Vec<Setting>,
}

/// The policies to run, and what their settings deserve a warning for.
#[derive(Debug, Clone)]
pub struct Policies {
    pub specs: Vec<PolicySpec>,
    pub warnings: Vec<SettingWarning>,
}

pub fn policies(
    config: &[Setting],
    defines: &[Setting],
    files: Vec<PolicyFile>,
    fill_ins: &[Setting],
) -> Result<Policies, SettingError> {
    let shared: Vec<Setting> = config.iter().chain(defines).cloned().collect();
    let mut specs = vec![PolicySpec {
        name: "static".into(),
        kind: PolicyKind::Static,
        keys: vec![],
    }];
    if files.is_empty() {
        specs.push(PolicySpec {
            name: "autoscaler".into(),
            kind: PolicyKind::FlinkAutoscaler,
            keys: shared.clone(),
        });
    }
    let mut own: Vec<(usize, Vec<Setting>)> = Vec::new();
    for file in files {
        let mut keys = config.to_vec();
        keys.extend(file.settings.iter().cloned());
        keys.extend(defines.iter().cloned());
        let kind_setting = keys
            .iter()
            .rev()
            .find(|s| s.key.trim() == "planscale.policy");
        let kind = match kind_setting {
            None => PolicyKind::FlinkAutoscaler,
            Some(s) => PolicyKind::from_name(s.value.trim()).ok_or_else(|| SettingError {
                key: "planscale.policy".into(),
                value: s.value.trim().to_string(),
                message: format!(
                    "not a policy kind; one of {}",
                    policy::kind_names().join(", ")
                ),
                origin: s.origin.clone(),
            })?,
        };
        let name = std::path::Path::new(&file.path)
            .file_stem()
            .map_or(file.path.clone(), |s| s.to_string_lossy().into_owned());
        own.push((specs.len(), file.settings));
        specs.push(PolicySpec { name, kind, keys });
    }
    let warnings = key_warnings(&shared, &specs, &own);
    // A static policy of the user's is the baseline: no second, implicit one beside it.
    if specs.iter().skip(1).any(|s| s.kind == PolicyKind::Static) {
        specs.remove(0);
    }
    for s in &mut specs {
        for f in fill_ins {
            if s.get(&f.key).is_none() {
                s.keys.push(f.clone());
            }
        }
    }
    Ok(Policies { specs, warnings })
}

/// Unknown, misplaced and ineffective keys: the shared settings against every policy kind,
/// each file's own settings against its policy's kind.
fn key_warnings(
    shared: &[Setting],
    specs: &[PolicySpec],
    own: &[(usize, Vec<Setting>)],
) -> Vec<SettingWarning> {
    let candidates = policy::all_policy_keys();
    let any = |k: &str| policy::is_policy_key(k);
    let mut out = settings::key_warnings(
        shared,
        &KeyScope {
            on: "simulate".into(),
            uses: &any,
            known_anywhere: &any,
            candidates: &candidates,
        },
    );
    for (i, own) in own {
        let spec = &specs[*i];
        let uses = |k: &str| policy::uses_key(spec.kind, k);
        out.extend(settings::key_warnings(
            own,
            &KeyScope {
                on: format!("the {} policy {}", spec.kind.name(), spec.name),
                uses: &uses,
                known_anywhere: &any,
                candidates: &candidates,
            },
        ));
        if spec.kind == PolicyKind::DliDynamicScaling
            && spec.bool("flink.dli.job.scale.enable", false) == Ok(false)
        {
            out.push(SettingWarning::NeverRescales {
                policy: spec.name.clone(),
                why: "flink.dli.job.scale.enable is not true".into(),
            });
        }
    }
    out
}
