//! The Adaptive Batch Scheduler's options (`BatchExecutionOptions`, Flink 2.3) from settings.
//!
//! Each key is read with Flink's value grammar (`crate::value`) and checked against the range
//! the scheduler enforces (`DefaultVertexParallelismAndInputInfosDecider`'s preconditions), so a
//! value Flink would refuse is an error naming the key, the value and what is allowed, at the
//! setting that gave it. A key's deprecated spelling (`jobmanager.adaptive-batch-scheduler.*`) is
//! read as Flink reads it: only when the current key is not set. Defaults and fallbacks are
//! upstream's: max parallelism falls back to the job's parallelism
//! (`AdaptiveBatchSchedulerFactory#getDefaultMaxParallelism`), which in Flink 2.3 is
//! `ExecutionConfig#getParallelism` = `parallelism.default` with its default 1; only
//! `parallelism.default: -1` leaves the option's own default, 128. The default source
//! parallelism falls back to the max parallelism. (A real run without either key: every vertex
//! at 1, fixtures/lab-batch/join_agg_defaults.)

use crate::settings::{InEffect, Origin, Setting, SettingError, SettingWarning};
use crate::value;

pub const ENABLED: &str = "execution.batch.adaptive.auto-parallelism.enabled";
pub const MIN: &str = "execution.batch.adaptive.auto-parallelism.min-parallelism";
pub const MAX: &str = "execution.batch.adaptive.auto-parallelism.max-parallelism";
pub const AVG: &str = "execution.batch.adaptive.auto-parallelism.avg-data-volume-per-task";
pub const SOURCE: &str = "execution.batch.adaptive.auto-parallelism.default-source-parallelism";
pub const PARALLELISM_DEFAULT: &str = "parallelism.default";

/// Every key read, with its deprecated spelling.
const KEYS: &[(&str, Option<&str>)] = &[
    (ENABLED, None),
    (
        MIN,
        Some("jobmanager.adaptive-batch-scheduler.min-parallelism"),
    ),
    (
        MAX,
        Some("jobmanager.adaptive-batch-scheduler.max-parallelism"),
    ),
    (
        AVG,
        Some("jobmanager.adaptive-batch-scheduler.avg-data-volume-per-task"),
    ),
    (
        SOURCE,
        Some("jobmanager.adaptive-batch-scheduler.default-source-parallelism"),
    ),
    (PARALLELISM_DEFAULT, None),
];

/// Upstream's defaults.
pub const DEFAULT_MAX: u32 = 128;
pub const DEFAULT_AVG: u64 = 16 << 20;
pub const DEFAULT_MIN: u32 = 1;

/// Whether planscale reads `key` for the batch scheduler.
pub fn is_batch_key(key: &str) -> bool {
    KEYS.iter()
        .any(|(k, old)| *k == key || old.is_some_and(|o| o == key))
}

/// Every key in its current spelling, for suggestions.
pub fn keys() -> Vec<String> {
    KEYS.iter().map(|(k, _)| k.to_string()).collect()
}

/// The namespaces of the scheduler's options: an unknown key there is a warning with a
/// suggestion (a misspelt key is silently ignored by Flink too).
const NAMESPACES: &[&str] = &[
    "execution.batch.adaptive.auto-parallelism.",
    "jobmanager.adaptive-batch-scheduler.",
];

/// Warnings about settings `recommend batch` does not read: unknown keys in the scheduler's
/// namespaces (from anywhere), and `-D` keys it ignores (a file holds a whole cluster's options,
/// so its other keys are not named).
pub fn warnings(settings: &[Setting]) -> Vec<SettingWarning> {
    let candidates = keys();
    let mut out = Vec::new();
    for s in settings {
        let key = s.key.trim();
        if is_batch_key(key) {
            continue;
        }
        if NAMESPACES.iter().any(|n| key.starts_with(n)) {
            out.push(SettingWarning::Unknown {
                key: key.to_string(),
                origin: s.origin.clone(),
                suggestion: value::did_you_mean(key, candidates.iter().map(String::as_str))
                    .map(str::to_string),
            });
        } else if s.origin == Origin::Define {
            out.push(SettingWarning::NoEffect {
                key: key.to_string(),
                origin: s.origin.clone(),
                on: "recommend batch".into(),
            });
        }
    }
    out
}

/// Where the global max parallelism came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxFrom {
    Key,
    ParallelismDefault,
    Default,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchOptions {
    pub enabled: bool,
    pub min_parallelism: u32,
    pub max_parallelism: u32,
    pub max_from: MaxFrom,
    /// `avg-data-volume-per-task` in bytes (at least 1).
    pub avg_data_volume_per_task: u64,
    pub default_source_parallelism: u32,
    /// `default-source-parallelism` was not set: it is the max parallelism.
    pub source_from_max: bool,
    /// `parallelism.default` (Flink's default 1; `None` for -1, "not set"): the fallback of the
    /// max parallelism, and what every vertex gets with auto-parallelism off.
    pub parallelism_default: Option<u32>,
}

/// The options and every one in effect with its origin, for outputs.
#[derive(Debug, Clone)]
pub struct ResolvedBatch {
    pub opts: BatchOptions,
    pub in_effect: Vec<InEffect>,
}

/// The setting that decides `key`: the last one of the current spelling, else the last one of
/// the deprecated spelling.
fn pick<'s>(settings: &'s [Setting], key: &str, old: Option<&str>) -> Option<&'s Setting> {
    settings
        .iter()
        .rev()
        .find(|s| s.key.trim() == key)
        .or_else(|| old.and_then(|o| settings.iter().rev().find(|s| s.key.trim() == o)))
}

fn error(s: &Setting, message: impl Into<String>) -> SettingError {
    SettingError {
        key: s.key.trim().to_string(),
        value: s.value.clone(),
        message: message.into(),
        origin: s.origin.clone(),
    }
}

/// A positive `Integer` option.
fn positive_int(s: &Setting) -> Result<u32, SettingError> {
    let v = value::parse_int(&s.value).map_err(|m| error(s, m))?;
    u32::try_from(v)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| error(s, format!("allowed: 1 to {}", i32::MAX)))
}

/// Reads the options over upstream's defaults; a later setting wins over an earlier one.
pub fn resolve(settings: &[Setting]) -> Result<ResolvedBatch, SettingError> {
    let get = |i: usize| pick(settings, KEYS[i].0, KEYS[i].1);
    let mut in_effect = Vec::new();
    let mut note = |key: &str, value: String, origin: Origin| {
        in_effect.push(InEffect {
            key: key.to_string(),
            value,
            origin,
        })
    };

    let enabled = match get(0) {
        Some(s) => {
            let v = value::parse_bool(&s.value).map_err(|m| error(s, m))?;
            note(ENABLED, v.to_string(), s.origin.clone());
            v
        }
        None => {
            note(ENABLED, "true".into(), Origin::Default);
            true
        }
    };
    let parallelism_default = match get(5) {
        Some(s) => {
            let v = value::parse_int(&s.value).map_err(|m| error(s, m))?;
            // -1 is ExecutionConfig.PARALLELISM_DEFAULT: not set.
            if v == -1 {
                None
            } else {
                let p = u32::try_from(v).ok().filter(|v| *v >= 1).ok_or_else(|| {
                    error(s, format!("allowed: 1 to {}, or -1 (not set)", i32::MAX))
                })?;
                note(PARALLELISM_DEFAULT, p.to_string(), s.origin.clone());
                Some(p)
            }
        }
        None => {
            note(PARALLELISM_DEFAULT, "1".into(), Origin::Default);
            Some(1)
        }
    };
    let min = match get(1) {
        Some(s) => {
            let v = positive_int(s)?;
            note(MIN, v.to_string(), s.origin.clone());
            v
        }
        None => {
            note(MIN, DEFAULT_MIN.to_string(), Origin::Default);
            DEFAULT_MIN
        }
    };
    let (max, max_from) = match (get(2), parallelism_default) {
        (Some(s), _) => {
            let v = positive_int(s)?;
            if v < min {
                return Err(error(
                    s,
                    format!(
                        "allowed: {min} ({MIN}) to {}; the maximum must not be below the minimum",
                        i32::MAX
                    ),
                ));
            }
            note(MAX, v.to_string(), s.origin.clone());
            (v, MaxFrom::Key)
        }
        (None, Some(p)) => {
            let origin = get(5).map_or(Origin::Default, |s| s.origin.clone());
            note(MAX, p.to_string(), origin);
            (p, MaxFrom::ParallelismDefault)
        }
        (None, None) => {
            note(MAX, DEFAULT_MAX.to_string(), Origin::Default);
            (DEFAULT_MAX, MaxFrom::Default)
        }
    };
    if max_from == MaxFrom::ParallelismDefault && max < min {
        let message = format!(
            "is the max parallelism when {MAX} is not set, and must not be below {MIN} = {min}"
        );
        return Err(match (get(5), get(1)) {
            (Some(s), _) => error(s, message),
            // The default 1 is below the minimum the user set: the minimum is what to fix.
            (None, Some(s)) => error(
                s,
                format!(
                    "allowed: 1 to {max}: with {MAX} not set, the max parallelism is \
                     {PARALLELISM_DEFAULT} (default 1)"
                ),
            ),
            (None, None) => error(
                &Setting::new(MIN, min.to_string(), Origin::Default),
                message,
            ),
        });
    }
    let avg = match get(3) {
        Some(s) => {
            let v = value::parse_memory_size(&s.value).map_err(|m| error(s, m))?;
            if v == 0 {
                return Err(error(
                    s,
                    "allowed: 1 b or more (a task must take some data)",
                ));
            }
            note(AVG, s.value.trim().to_string(), s.origin.clone());
            v
        }
        None => {
            note(AVG, "16 mb".into(), Origin::Default);
            DEFAULT_AVG
        }
    };
    let (source, source_from_max) = match get(4) {
        Some(s) => {
            let v = positive_int(s)?;
            note(SOURCE, v.to_string(), s.origin.clone());
            (v, false)
        }
        None => (max, true),
    };
    Ok(ResolvedBatch {
        opts: BatchOptions {
            enabled,
            min_parallelism: min,
            max_parallelism: max,
            max_from,
            avg_data_volume_per_task: avg,
            default_source_parallelism: source,
            source_from_max,
            parallelism_default,
        },
        in_effect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn d(k: &str, v: &str) -> Setting {
        Setting::new(k, v, Origin::Define)
    }

    /// Flink 2.3: with neither max-parallelism nor parallelism.default set, the max is the job's
    /// parallelism, parallelism.default's default 1 (the real run join_agg_defaults ran every
    /// vertex at 1); 128 needs parallelism.default: -1.
    #[test]
    fn defaults_are_upstreams() {
        let o = resolve(&[]).unwrap().opts;
        assert!(o.enabled);
        assert_eq!(o.min_parallelism, 1);
        assert_eq!(o.max_parallelism, 1);
        assert_eq!(o.avg_data_volume_per_task, 16 << 20);
        assert_eq!((o.default_source_parallelism, o.source_from_max), (1, true));
        assert_eq!(o.max_from, MaxFrom::ParallelismDefault);
        assert_eq!(o.parallelism_default, Some(1));
        let o = resolve(&[d(PARALLELISM_DEFAULT, "-1")]).unwrap().opts;
        assert_eq!((o.max_parallelism, o.max_from), (128, MaxFrom::Default));
        assert_eq!(o.parallelism_default, None);
        let e = resolve(&[d(MIN, "2")]).unwrap_err();
        assert_eq!(e.key, MIN, "{e:?}");
        assert!(e.message.starts_with("allowed: 1 to 1"), "{}", e.message);
    }

    /// AdaptiveBatchSchedulerFactory#getDefaultMaxParallelism: the key, else the job's
    /// parallelism.default, else 128; the source default follows the max.
    #[test]
    fn max_parallelism_falls_back_to_parallelism_default() {
        let o = resolve(&[d(PARALLELISM_DEFAULT, "12")]).unwrap().opts;
        assert_eq!(
            (o.max_parallelism, o.max_from),
            (12, MaxFrom::ParallelismDefault)
        );
        assert_eq!(o.default_source_parallelism, 12);
        let o = resolve(&[d(PARALLELISM_DEFAULT, "12"), d(MAX, "40")])
            .unwrap()
            .opts;
        assert_eq!((o.max_parallelism, o.max_from), (40, MaxFrom::Key));
        let o = resolve(&[d(PARALLELISM_DEFAULT, "-1")]).unwrap().opts;
        assert_eq!(o.max_parallelism, 128);
    }

    #[test]
    fn values_use_flinks_grammar_and_deprecated_keys_lose_to_current_ones() {
        let o = resolve(&[
            d(AVG, "64 MB"),
            d(
                "jobmanager.adaptive-batch-scheduler.avg-data-volume-per-task",
                "1g",
            ),
            d("jobmanager.adaptive-batch-scheduler.min-parallelism", "3"),
            d(MAX, "8"),
        ])
        .unwrap()
        .opts;
        assert_eq!(o.avg_data_volume_per_task, 64 << 20);
        assert_eq!(o.min_parallelism, 3);
    }

    #[test]
    fn errors_name_the_key_the_value_and_the_range_at_the_setting() {
        let file = Origin::File {
            file: Arc::from("c.yaml"),
            pos: crate::source::Pos { line: 4, column: 3 },
        };
        let e = resolve(&[Setting::new(MIN, "0", file.clone())]).unwrap_err();
        assert_eq!((e.key.as_str(), e.value.as_str()), (MIN, "0"));
        assert_eq!(e.message, "allowed: 1 to 2147483647");
        assert_eq!(e.origin, file);
        let e = resolve(&[d(MIN, "10"), d(MAX, "4")]).unwrap_err();
        assert_eq!(e.key, MAX);
        assert!(e.message.starts_with("allowed: 10"), "{}", e.message);
        let e = resolve(&[d(AVG, "0")]).unwrap_err();
        assert!(e.message.starts_with("allowed: 1 b"));
        assert!(resolve(&[d(AVG, "16 parsecs")]).is_err());
        assert!(resolve(&[d(ENABLED, "yes")]).is_err());
        assert!(resolve(&[d(SOURCE, "1.5")]).is_err());
    }

    #[test]
    fn misspelt_keys_get_a_suggestion_and_foreign_defines_a_warning() {
        let w = warnings(&[
            d(
                "execution.batch.adaptive.auto-parallelism.max-paralelism",
                "4",
            ),
            d("job.autoscaler.enabled", "true"),
            Setting::new("rest.port", "8081", Origin::Default),
            d(MAX, "4"),
        ]);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].to_string().contains(&format!("did you mean {MAX}")),
            "{}",
            w[0]
        );
        assert!(w[1].to_string().contains("no effect on recommend batch"));
    }
}
