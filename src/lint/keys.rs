//! Keys: unknown, deprecated and repeated.
//!
//! Upstream: `AutoScalerOptions` (which keys exist in which release, `withDeprecatedKeys`,
//! `withFallbackKeys(oldOperatorConfigKey(..))`, `@Deprecated`), Flink's `ConfigOption` lookup
//! order (the key, then fallback keys, then deprecated keys), and that Flink ignores keys it does
//! not know (nothing reads them).

use std::collections::HashMap;

use crate::diagnostic::Rule;
use crate::lint::{at_key, Ctx, Opt};
use crate::scaler::options::{self, Version, DEPRECATED_KEYS, DEPRECATED_OPTIONS, PREFIX};
use crate::settings::file::ConfigKind;
use crate::value;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let version = ctx.version;
    let own: Vec<Opt<'_>> = ctx.opts.iter().filter(|o| o.own).copied().collect();
    for o in &own {
        if let Some(short) = options::short_key(o.key) {
            autoscaler_key(ctx, o, short, version);
        } else if let Some(full) = missing_prefix(o.key) {
            ctx.push(at_key(
                Rule::UnknownOption,
                o,
                format!(
                    "{} is not a Flink option: autoscaler options are written {full}",
                    o.key
                ),
            ));
        }
    }
    duplicates(ctx, &own);
}

/// An autoscaler key: known in the release, or not; deprecated spellings and options.
fn autoscaler_key(ctx: &mut Ctx<'_>, o: &Opt<'_>, short: &str, version: Version) {
    if !options::known_in(short, version) {
        let message = if options::known_in(short, Version::Main) {
            format!(
                "{} is not an option of autoscaler {} (it came after 1.15), ignored",
                o.key,
                version.label()
            )
        } else {
            let candidates: Vec<&str> = options::all_short_keys()
                .filter(|k| options::known_in(k, version))
                .collect();
            match value::did_you_mean(short, candidates) {
                Some(s) => format!(
                    "unknown option {}, ignored (did you mean {PREFIX}{s}?)",
                    o.key
                ),
                None => format!("unknown option {}, ignored", o.key),
            }
        };
        ctx.push(at_key(Rule::UnknownOption, o, message));
        return;
    }
    let legacy_prefix = o.key.starts_with(options::OPERATOR_PREFIX);
    let renamed = DEPRECATED_KEYS
        .iter()
        .find(|(old, _)| *old == short)
        .map(|(_, new)| *new);
    if legacy_prefix || renamed.is_some() {
        let current = format!("{PREFIX}{}", renamed.unwrap_or(short));
        let why = match (legacy_prefix, renamed) {
            (true, None) => "uses the legacy kubernetes.operator. prefix",
            (false, Some(_)) => "is deprecated",
            _ => "is deprecated, under the legacy kubernetes.operator. prefix",
        };
        ctx.push(at_key(
            Rule::DeprecatedOption,
            o,
            format!("{} {why}: write {current}", o.key),
        ));
    }
    let current = renamed.unwrap_or(short);
    if let Some(d) = DEPRECATED_OPTIONS
        .iter()
        .find(|d| d.key == current && version >= d.since)
    {
        ctx.push(at_key(
            Rule::DeprecatedOption,
            o,
            format!(
                "{PREFIX}{} is deprecated in autoscaler {}: use {}",
                d.key,
                version.label(),
                d.use_instead
            ),
        ));
    }
}

/// An autoscaler option written without `job.autoscaler.` (`metrics.window: 5 min`), which no
/// part of Flink reads. One-word keys (`enabled`) are left alone: too likely to be something
/// else.
fn missing_prefix(key: &str) -> Option<String> {
    if !key.contains('.') {
        return None;
    }
    options::option_def(key).map(|_| format!("{PREFIX}{key}"))
}

/// The same option given twice in one document: every setting but the one Flink reads is named,
/// with the one that wins.
fn duplicates(ctx: &mut Ctx<'_>, own: &[Opt<'_>]) {
    // Group by option: an autoscaler option by its current short key (every spelling), any other
    // key by itself.
    let mut groups: HashMap<String, Vec<Opt<'_>>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for o in own {
        let id = options::short_key(o.key)
            .and_then(options::option_def)
            .map_or_else(|| o.key.to_string(), |d| format!("{PREFIX}{}", d.key));
        let group = groups.entry(id.clone()).or_default();
        if group.is_empty() {
            order.push(id);
        }
        group.push(*o);
    }
    let legacy = ctx.doc.kind == ConfigKind::LegacyFlinkConf
        || (ctx.doc.kind == ConfigKind::HelmValues
            && ctx
                .doc
                .helm
                .as_ref()
                .is_some_and(|h| h.embedded == Some(ConfigKind::LegacyFlinkConf)));
    for id in order {
        let group = &groups[&id];
        if group.len() < 2 {
            continue;
        }
        let keys: Vec<String> = match options::short_key(&id) {
            Some(short) => options::lookup_order(short),
            None => vec![id.clone()],
        };
        let Some(winner) = keys
            .iter()
            .find_map(|k| group.iter().rev().find(|o| o.key == k.as_str()))
        else {
            continue;
        };
        for o in group {
            if std::ptr::eq(o, winner) {
                continue;
            }
            let used = value::short(winner.value.trim());
            let at = format!("{}:{}", winner.key_pos.line, winner.key_pos.column);
            let message = if o.key == winner.key {
                let how = if legacy {
                    "the later line wins"
                } else {
                    "the later one wins where the reader accepts a repeated key"
                };
                format!("{} is set again at {at}: {how}, so {used} is used", o.key)
            } else {
                format!(
                    "{} is also set as {} at {at}: Flink reads {} first, so {used} is used",
                    o.key, winner.key, winner.key
                )
            };
            ctx.push(at_key(Rule::DuplicateOption, o, message));
        }
    }
}
