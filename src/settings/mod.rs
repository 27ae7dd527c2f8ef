//! Settings: Flink options from `--config FILE`, policy files, `-D key=value` and flags, each
//! with where it came from, and the checks every command applies to them in one place: unknown
//! or misspelled keys (with a suggestion), autoscaler keys without their `job.autoscaler.`
//! prefix, values read with Flink's grammar (`crate::value`) and ranges (`scaler::options`).
//!
//! Later settings win over earlier ones: defaults, then the file, then `-D`, then flags. The
//! result of [`resolve_autoscaler`] lists every option in effect with its [`Origin`], so outputs
//! can say where each number came from.

use std::fmt;
use std::sync::Arc;

use crate::error::InputError;
use crate::model::Pos;
use crate::scaler::options::{self, AutoscalerOptions, Kind, Version};
use crate::value::{self, DurationMs, DurationSpelling};

pub mod file;
pub use file::ConfigDoc;

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Upstream's default.
    Default,
    /// A configuration or policy file, at the key.
    File {
        /// Shared by every setting of the file (policies copy the shared settings).
        file: Arc<str>,
        pos: Pos,
    },
    /// `-D key=value`.
    Define,
    /// A flag that sets the option (`--window`).
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { file, pos, .. } => write!(f, "{file}:{}:{}", pos.line, pos.column),
            Origin::Define => f.write_str("-D"),
            Origin::Flag(flag) => f.write_str(flag),
        }
    }
}

/// One `key: value` a user gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

impl Setting {
    pub fn new(key: impl Into<String>, value: impl Into<String>, origin: Origin) -> Self {
        Setting {
            key: key.into(),
            value: value.into(),
            origin,
        }
    }
}

/// A setting that cannot be used: its value does not parse or is out of range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub key: String,
    pub value: String,
    pub message: String,
    pub origin: Origin,
}

impl SettingError {
    /// The one-line error: `file:line:col: key = value: message` for a file, the flag otherwise.
    pub fn into_error(self) -> anyhow::Error {
        let what = format!(
            "{} = {}: {}",
            self.key,
            value::short(&self.value),
            self.message
        );
        match self.origin {
            Origin::File { file, pos, .. } => InputError::at(&*file, pos, what).into(),
            Origin::Define => crate::error::UsageError(format!(
                "-D {}={}: {}",
                self.key, self.value, self.message
            ))
            .into(),
            Origin::Flag(flag) => {
                crate::error::UsageError(format!("{flag} {}: {}", self.value, self.message)).into()
            }
            Origin::Default => crate::error::UsageError(what).into(),
        }
    }
}

/// Something about a setting the user should know; the command goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingWarning {
    /// A key in a namespace planscale reads that it does not know.
    Unknown {
        key: String,
        origin: Origin,
        suggestion: Option<String>,
    },
    /// An autoscaler key written without `job.autoscaler.`: Flink does not read it either.
    MissingPrefix {
        key: String,
        origin: Origin,
        full: String,
    },
    /// A known key that the command or policy kind does not use.
    NoEffect {
        key: String,
        origin: Origin,
        on: String,
    },
    /// A duration flag given as a bare number, read as milliseconds as Flink reads it.
    BareDuration { flag: &'static str, value: String },
    /// A policy that can never rescale as configured.
    NeverRescales { policy: String, why: String },
}

impl fmt::Display for SettingWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingWarning::Unknown {
                key,
                origin,
                suggestion,
            } => {
                write!(f, "{origin}: unknown option {key}, ignored")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean {s}?)")?;
                }
                Ok(())
            }
            SettingWarning::MissingPrefix { key, origin, full } => write!(
                f,
                "{origin}: {key} is not a Flink option (autoscaler options are written {full}), ignored"
            ),
            SettingWarning::NoEffect { key, origin, on } => {
                write!(f, "{origin}: {key} has no effect on {on}, ignored")
            }
            SettingWarning::BareDuration { flag, value } => write!(
                f,
                "{flag} {value} is read as {value} ms, as Flink reads a number without a unit;                  write {value}s or {value}min if you meant seconds or minutes"
            ),
            SettingWarning::NeverRescales { policy, why } => {
                write!(f, "policy {policy}: {why}: it never rescales")
            }
        }
    }
}

/// Reads `--config FILE`: any of the configuration files `settings::file` knows.
pub fn read_config_file(path: &str) -> anyhow::Result<(Vec<Setting>, ConfigDoc)> {
    let text = crate::io::read_document(path)?;
    let doc = file::read(path, &text)?;
    let shared: Arc<str> = Arc::from(path);
    let settings = doc
        .entries
        .iter()
        .map(|e| {
            Setting::new(
                e.key.clone(),
                e.value.clone(),
                Origin::File {
                    file: shared.clone(),
                    pos: e.key_pos,
                },
            )
        })
        .collect();
    Ok((settings, doc))
}

/// A duration flag, read as Flink reads durations; a bare number is milliseconds, with a warning.
pub fn flag_duration(
    flag: &'static str,
    text: &str,
    warnings: &mut Vec<SettingWarning>,
) -> anyhow::Result<DurationMs> {
    let (d, spelling) = value::parse_duration_spelled(text).map_err(|message| {
        SettingError {
            key: flag.into(),
            value: text.into(),
            message,
            origin: Origin::Flag(flag),
        }
        .into_error()
    })?;
    if spelling == DurationSpelling::BareMillis && d.0 != 0 {
        warnings.push(SettingWarning::BareDuration {
            flag,
            value: text.trim().to_string(),
        });
    }
    Ok(d)
}

/// Namespaces whose keys planscale reads: a key there that it does not know is a warning.
const OURS: &[&str] = &[
    options::PREFIX,
    "kubernetes.operator.job.autoscaler.",
    "planscale.",
    "flink.dli.",
];

fn is_ours(key: &str) -> bool {
    OURS.iter().any(|p| key.starts_with(p))
}

/// What a set of settings is checked against: the keys the command (or policy kind) uses, and
/// every key planscale knows anywhere, for "has no effect" and suggestions.
pub struct KeyScope<'a> {
    /// For messages: `recommend`, `a reactive policy`.
    pub on: String,
    pub uses: &'a dyn Fn(&str) -> bool,
    pub known_anywhere: &'a dyn Fn(&str) -> bool,
    pub candidates: &'a [String],
}

/// The warnings for settings a scope does not use. A `-D` key outside planscale's namespaces is
/// named too (it names one option on purpose); a file's are not (it holds the whole cluster's
/// settings).
pub fn key_warnings(settings: &[Setting], scope: &KeyScope<'_>) -> Vec<SettingWarning> {
    let mut out = Vec::new();
    for s in settings {
        let key = s.key.trim();
        if (scope.uses)(key) {
            continue;
        }
        if (scope.known_anywhere)(key) {
            out.push(SettingWarning::NoEffect {
                key: key.to_string(),
                origin: s.origin.clone(),
                on: scope.on.clone(),
            });
        } else if is_ours(key) {
            let suggestion = value::did_you_mean(key, scope.candidates.iter().map(String::as_str))
                .map(str::to_string);
            out.push(SettingWarning::Unknown {
                key: key.to_string(),
                origin: s.origin.clone(),
                suggestion,
            });
        } else if options::option_def(key).is_some() {
            out.push(SettingWarning::MissingPrefix {
                key: key.to_string(),
                origin: s.origin.clone(),
                full: format!("{}{key}", options::PREFIX),
            });
        } else if s.origin == Origin::Define {
            out.push(SettingWarning::NoEffect {
                key: key.to_string(),
                origin: s.origin.clone(),
                on: scope.on.clone(),
            });
        }
    }
    out
}

/// Every autoscaler key in its full spelling, for suggestions.
pub fn autoscaler_keys() -> Vec<String> {
    options::all_short_keys()
        .map(|k| format!("{}{k}", options::PREFIX))
        .collect()
}

/// One option in effect, for outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InEffect {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

/// The autoscaler's options from settings, read and range-checked, with every option in effect.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub opts: AutoscalerOptions,
    pub in_effect: Vec<InEffect>,
}

/// Reads the `job.autoscaler.*` settings over upstream's defaults for `version` and checks every
/// range; errors point at the setting (file:line:col, `-D` or the flag) that gave the value.
pub fn resolve_autoscaler(
    version: Version,
    settings: &[Setting],
) -> Result<Resolved, SettingError> {
    let ours: Vec<&Setting> = settings
        .iter()
        .filter(|s| AutoscalerOptions::is_known_key(&s.key))
        .collect();
    // Read one at a time into a scratch copy, so an unreadable value is reported against its
    // own origin; then all of them in upstream's order (deprecated keys first).
    let mut scratch = AutoscalerOptions::defaults(version);
    for s in &ours {
        if let Err(e) = scratch.set(&s.key, &s.value) {
            return Err(SettingError {
                key: e.key,
                value: s.value.clone(),
                message: e.message,
                origin: s.origin.clone(),
            });
        }
    }
    let opts = AutoscalerOptions::from_map(version, ours.iter().map(|s| (&s.key, &s.value)))
        .map_err(|e| SettingError {
            key: e.key,
            value: e.value,
            message: e.message,
            origin: Origin::Default,
        })?;
    // The setting that decided each short key (deprecated spellings resolved; the current key
    // wins over a deprecated one, as in `from_map`).
    let winner = |short: &str| -> Option<&Setting> {
        let resolved = |s: &&&Setting| {
            options::short_key(&s.key)
                .and_then(options::option_def)
                .is_some_and(|d| d.key == short)
        };
        let current = ours
            .iter()
            .rev()
            .filter(resolved)
            .find(|s| options::short_key(&s.key) == Some(short));
        current
            .or_else(|| ours.iter().rev().find(resolved))
            .copied()
    };
    if let Some(p) = opts.validate().into_iter().next() {
        let (setting, key) = p
            .keys
            .iter()
            .find_map(|k| winner(k).map(|s| (s, *k)))
            .map_or((None, p.keys[0]), |(s, k)| (Some(s), k));
        let full = setting.map_or(format!("{}{key}", options::PREFIX), |s| {
            s.key.trim().to_string()
        });
        return Err(SettingError {
            key: full,
            value: setting.map_or_else(|| p.value.clone(), |s| s.value.clone()),
            message: format!("allowed {}", p.allowed)
                + &if setting.is_some_and(|s| s.value.trim() != p.value) {
                    format!(" (read as {})", p.value)
                } else {
                    String::new()
                },
            origin: setting.map_or(Origin::Default, |s| s.origin.clone()),
        });
    }
    let in_effect = options::OPTIONS
        .iter()
        .map(|def| {
            let key = format!("{}{}", options::PREFIX, def.key);
            match winner(def.key) {
                Some(s) => InEffect {
                    key,
                    value: s.value.trim().to_string(),
                    origin: s.origin.clone(),
                },
                None => InEffect {
                    key,
                    value: def.default.to_string(),
                    origin: Origin::Default,
                },
            }
        })
        .collect();
    Ok(Resolved { opts, in_effect })
}

/// The kind of an autoscaler option, for readers that hold values in other units (the peer
/// vectors write durations in seconds).
pub fn autoscaler_kind(key: &str) -> Option<Kind> {
    options::short_key(key)
        .and_then(options::option_def)
        .map(|d| d.kind)
}

/// Parses `-D key=value` arguments.
pub fn parse_defines(defines: &[String]) -> Result<Vec<Setting>, String> {
    defines
        .iter()
        .map(|d| {
            d.split_once('=')
                .map(|(k, v)| Setting::new(k.trim(), v.trim(), Origin::Define))
                .ok_or_else(|| format!("-D {d}: expected KEY=VALUE"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(line: usize) -> Origin {
        Origin::File {
            file: Arc::from("c.yaml"),
            pos: Pos { line, column: 1 },
        }
    }

    #[test]
    fn range_errors_point_at_the_setting() {
        let settings = vec![
            Setting::new("job.autoscaler.utilization.target", "0", file(3)),
            Setting::new("job.autoscaler.metrics.window", "600000", Origin::Define),
        ];
        let e = resolve_autoscaler(Version::V1_16, &settings).unwrap_err();
        assert_eq!(e.origin, file(3));
        assert_eq!(e.message, "allowed in (0, 1]");
        let ok = resolve_autoscaler(Version::V1_16, &settings[1..]).unwrap();
        assert_eq!(ok.opts.metrics_window, DurationMs(600_000));
        let w = ok
            .in_effect
            .iter()
            .find(|i| i.key == "job.autoscaler.metrics.window")
            .unwrap();
        assert_eq!((w.value.as_str(), &w.origin), ("600000", &Origin::Define));
        let t = ok
            .in_effect
            .iter()
            .find(|i| i.key == "job.autoscaler.utilization.target")
            .unwrap();
        assert_eq!(t.origin, Origin::Default);
    }

    #[test]
    fn group_errors_name_the_key_that_was_set() {
        let settings = vec![Setting::new(
            "job.autoscaler.utilization.min",
            "0.9",
            Origin::Define,
        )];
        let e = resolve_autoscaler(Version::V1_16, &settings).unwrap_err();
        assert_eq!(e.key, "job.autoscaler.utilization.min");
        assert!(e.message.contains("[0, 0.7]"), "{}", e.message);
        let bad = vec![Setting::new(
            "kubernetes.operator.job.autoscaler.vertex.max-parallelism",
            "10.0",
            file(7),
        )];
        let e = resolve_autoscaler(Version::V1_16, &bad).unwrap_err();
        assert_eq!(e.origin, file(7));
        assert!(e.message.contains("whole number"));
    }

    #[test]
    fn deprecated_key_is_the_winner_only_without_the_current_one() {
        let s = vec![
            Setting::new("job.autoscaler.utilization.target", "0.8", file(1)),
            Setting::new("job.autoscaler.target.utilization", "0.5", file(2)),
        ];
        let r = resolve_autoscaler(Version::V1_16, &s).unwrap();
        assert_eq!(r.opts.utilization_target, 0.8);
        let t = r
            .in_effect
            .iter()
            .find(|i| i.key == "job.autoscaler.utilization.target")
            .unwrap();
        assert_eq!(t.origin, file(1));
    }

    #[test]
    fn unknown_misspelled_and_prefixless_keys() {
        let settings = vec![
            Setting::new("job.autoscaler.utilisation.target", "0.5", Origin::Define),
            Setting::new("target.utilization", "0.5", Origin::Define),
            Setting::new("pipeline.name", "x", file(1)),
            Setting::new("pipeline.name", "x", Origin::Define),
            Setting::new("job.autoscaler.enabled", "true", Origin::Define),
        ];
        let keys = autoscaler_keys();
        let uses = |k: &str| AutoscalerOptions::is_known_key(k);
        let scope = KeyScope {
            on: "recommend".into(),
            uses: &uses,
            known_anywhere: &uses,
            candidates: &keys,
        };
        let w = key_warnings(&settings, &scope);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0]
            .to_string()
            .contains("did you mean job.autoscaler.utilization.target?"));
        assert!(matches!(w[1], SettingWarning::MissingPrefix { .. }));
        assert!(
            matches!(w[2], SettingWarning::NoEffect { .. }),
            "only -D is strict"
        );
    }

    #[test]
    fn bare_duration_flags_warn() {
        let mut w = Vec::new();
        assert_eq!(
            flag_duration("--window", "5", &mut w).unwrap(),
            DurationMs(5)
        );
        assert_eq!(w.len(), 1);
        assert_eq!(
            flag_duration("--window", "5 min", &mut w).unwrap(),
            DurationMs(300_000)
        );
        assert_eq!(w.len(), 1);
        assert!(flag_duration("--window", "1.5s", &mut w).is_err());
    }
}
