//! The `job.autoscaler.*` options (scaling.md §8): one table ([`OPTIONS`]) gives each option its
//! key, Flink type, upstream default and allowed range, and the struct, the defaults, the parser
//! and the range check are all generated from it, so a key cannot be known to one and not the
//! others. [`Version`] selects which upstream behaviour to reproduce.
//!
//! Values are read with Flink's own grammar (`crate::value`): a bare duration is milliseconds, as
//! `TimeUtils.parseDuration` reads it. Keys may carry the operator's `kubernetes.operator.` prefix;
//! deprecated keys are honoured unless the current key is also present. Reading never checks
//! ranges: upstream's autoscaler library does not (the operator's validator does, before it runs
//! it), and the peer vectors deliberately use out-of-range values, so ranges live in
//! [`AutoscalerOptions::validate`], which every planscale command runs.

use std::fmt;

use crate::value::{parse_bool, parse_double, parse_int, parse_list, parse_memory_size};
pub use crate::value::{parse_duration, DurationMs};

/// Which upstream release to reproduce. The differences are listed in scaling.md §1 and §11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Version {
    /// Release 1.15.0.
    V1_15,
    /// Release 1.16.0 (2026-08-06), the newest release and the default.
    #[default]
    V1_16,
    /// `main` at the peer vectors' snapshot (6e9caeb4, 1.16-SNAPSHOT).
    Main,
}

impl Version {
    /// Reads a version label such as `1.16.0`, `1.15`, `main` or `main@6e9caeb4`.
    pub fn parse(label: &str) -> Option<Version> {
        let label = label.trim();
        if label == "main" || label.starts_with("main@") {
            Some(Version::Main)
        } else if label == "1.15" || label == "1.15.0" {
            Some(Version::V1_15)
        } else if label == "1.16" || label == "1.16.0" {
            Some(Version::V1_16)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Version::V1_15 => "1.15.0",
            Version::V1_16 => "1.16.0",
            Version::Main => "main",
        }
    }

    /// Whether the version has the changes made on main after 1.15.0 (new alignment modes,
    /// expected rate from the final parallelism, per-second TPR numerator).
    pub fn after_1_15(self) -> bool {
        self != Version::V1_15
    }

    /// FLINK-40389 (released in 1.16.0, after the peer vectors' main snapshot): a partitioned
    /// source's parallelism is capped at its partition count.
    pub fn caps_source_parallelism(self) -> bool {
        self == Version::V1_16
    }
}

/// How an option's value is written, as Flink's `ConfigOption` type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Boolean,
    Integer,
    Double,
    Duration,
    MemorySize,
    List,
    Enum(&'static [&'static str]),
    /// Free text (a class or mode name).
    Text,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Boolean => "boolean",
            Kind::Integer => "integer",
            Kind::Double => "double",
            Kind::Duration => "duration",
            Kind::MemorySize => "memory size",
            Kind::List => "list",
            Kind::Enum(_) => "enum",
            Kind::Text => "string",
        }
    }
}

/// The values an option may take once read (upstream's validator and documented meaning).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    Any,
    /// `>= x`.
    AtLeast(f64),
    /// `> x`.
    Above(f64),
    /// `(lo, hi]`.
    AboveUpTo(f64, f64),
    /// `[lo, hi]`.
    Between(f64, f64),
}

impl Range {
    pub fn contains(self, x: f64) -> bool {
        if x.is_nan() {
            return matches!(self, Range::Any);
        }
        match self {
            Range::Any => true,
            Range::AtLeast(lo) => x >= lo,
            Range::Above(lo) => x > lo,
            Range::AboveUpTo(lo, hi) => x > lo && x <= hi,
            Range::Between(lo, hi) => x >= lo && x <= hi,
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Range::Any => write!(f, "any value"),
            Range::AtLeast(lo) => write!(f, ">= {lo}"),
            Range::Above(lo) => write!(f, "> {lo}"),
            Range::AboveUpTo(lo, hi) => write!(f, "in ({lo}, {hi}]"),
            Range::Between(lo, hi) => write!(f, "in [{lo}, {hi}]"),
        }
    }
}

/// One row of the option table.
#[derive(Debug, Clone, Copy)]
pub struct OptionDef {
    /// The key after `job.autoscaler.`.
    pub key: &'static str,
    pub kind: Kind,
    /// Upstream's default, in Flink's spelling (empty: unset).
    pub default: &'static str,
    pub range: Range,
}

/// A Rust type an option is read into.
trait OptionValue: Sized {
    const KIND: Kind;
    fn parse_flink(text: &str) -> Result<Self, String>;
    /// The default text of the table (empty means "unset" for optional values).
    fn parse_default(text: &str) -> Result<Self, String> {
        Self::parse_flink(text)
    }
    /// The number a [`Range`] applies to.
    fn number(&self) -> Option<f64> {
        None
    }
}

impl OptionValue for bool {
    const KIND: Kind = Kind::Boolean;
    fn parse_flink(text: &str) -> Result<Self, String> {
        parse_bool(text)
    }
}

impl OptionValue for i64 {
    const KIND: Kind = Kind::Integer;
    fn parse_flink(text: &str) -> Result<Self, String> {
        parse_int(text)
    }
    fn number(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl OptionValue for f64 {
    const KIND: Kind = Kind::Double;
    fn parse_flink(text: &str) -> Result<Self, String> {
        parse_double(text)
    }
    fn number(&self) -> Option<f64> {
        Some(*self)
    }
}

impl OptionValue for DurationMs {
    const KIND: Kind = Kind::Duration;
    fn parse_flink(text: &str) -> Result<Self, String> {
        parse_duration(text)
    }
    fn number(&self) -> Option<f64> {
        Some(self.0 as f64)
    }
}

impl OptionValue for Vec<String> {
    const KIND: Kind = Kind::List;
    fn parse_flink(text: &str) -> Result<Self, String> {
        parse_list(text)
    }
}

impl OptionValue for BusyTimeAggregator {
    const KIND: Kind = Kind::Enum(&["MAX", "MIN", "AVG"]);
    fn parse_flink(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_uppercase().as_str() {
            "MAX" => Ok(BusyTimeAggregator::Max),
            "MIN" => Ok(BusyTimeAggregator::Min),
            "AVG" => Ok(BusyTimeAggregator::Avg),
            _ => Err(format!(
                "{} is not one of MAX, MIN, AVG",
                crate::value::short(text)
            )),
        }
    }
}

impl OptionValue for LegacyAdjustMode {
    const KIND: Kind = Kind::Enum(&["EVENLY_SPREAD", "MAXIMIZE_UTILISATION"]);
    fn parse_flink(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_uppercase().as_str() {
            "EVENLY_SPREAD" => Ok(LegacyAdjustMode::EvenlySpread),
            "MAXIMIZE_UTILISATION" => Ok(LegacyAdjustMode::MaximizeUtilisation),
            _ => Err(format!(
                "{} is not one of EVENLY_SPREAD, MAXIMIZE_UTILISATION",
                crate::value::short(text)
            )),
        }
    }
}

/// A memory size in bytes (`quota.memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl OptionValue for Bytes {
    const KIND: Kind = Kind::MemorySize;
    fn parse_flink(text: &str) -> Result<Self, String> {
        parse_memory_size(text).map(Bytes)
    }
    fn number(&self) -> Option<f64> {
        Some(self.0 as f64)
    }
}

/// A mode or class name, kept as written.
impl OptionValue for String {
    const KIND: Kind = Kind::Text;
    fn parse_flink(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty value".into());
        }
        Ok(t.to_string())
    }
}

/// An option without a default: empty in the table means unset.
impl<T: OptionValue> OptionValue for Option<T> {
    const KIND: Kind = T::KIND;
    fn parse_flink(text: &str) -> Result<Self, String> {
        T::parse_flink(text).map(Some)
    }
    fn parse_default(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            Ok(None)
        } else {
            T::parse_flink(text).map(Some)
        }
    }
    fn number(&self) -> Option<f64> {
        self.as_ref().and_then(T::number)
    }
}

/// Declares the option table and everything generated from it.
macro_rules! autoscaler_options {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty = $key:literal, $default:literal, $range:expr; )*) => {
        /// Every `job.autoscaler.*` option of scaling.md §8, read over upstream's defaults.
        #[derive(Debug, Clone, PartialEq)]
        pub struct AutoscalerOptions {
            pub version: Version,
            $( $(#[$doc])* pub $field: $ty, )*
        }

        /// The option table: key, kind, default and range of every option planscale reads.
        pub const OPTIONS: &[OptionDef] = &[
            $( OptionDef {
                key: $key,
                kind: <$ty as OptionValue>::KIND,
                default: $default,
                range: $range,
            }, )*
        ];

        impl AutoscalerOptions {
            /// Upstream defaults for `version`.
            pub fn defaults(version: Version) -> Self {
                AutoscalerOptions {
                    version,
                    $( $field: match <$ty as OptionValue>::parse_default($default) {
                        Ok(v) => v,
                        // The table is ours; `defaults_parse` tests every row.
                        Err(e) => panic!("default of {}: {e}", $key),
                    }, )*
                }
            }

            /// Sets the option with short key `short`; `None` when the key is not in the table.
            fn set_short(&mut self, short: &str, value: &str) -> Option<Result<(), String>> {
                match short {
                    $( $key => Some(
                        <$ty as OptionValue>::parse_flink(value).map(|v| self.$field = v),
                    ), )*
                    _ => None,
                }
            }

            /// The number the option's range applies to (`None` for non-numeric or unset).
            fn number_of(&self, short: &str) -> Option<f64> {
                match short {
                    $( $key => OptionValue::number(&self.$field), )*
                    _ => None,
                }
            }
        }
    };
}

autoscaler_options! {
    enabled: bool = "enabled", "false", Range::Any;
    scaling_enabled: bool = "scaling.enabled", "true", Range::Any;
    metrics_window: DurationMs = "metrics.window", "15 min", Range::Above(0.0);
    stabilization_interval: DurationMs = "stabilization.interval", "5 min", Range::Any;
    /// Raw specs; not evaluated offline (cron calendars).
    excluded_periods: Vec<String> = "excluded.periods", "", Range::Any;
    utilization_target: f64 = "utilization.target", "0.7", Range::AboveUpTo(0.0, 1.0);
    utilization_boundary: f64 = "target.utilization.boundary", "0.3", Range::AtLeast(0.0);
    utilization_max: Option<f64> = "utilization.max", "", Range::Between(0.0, 1.0);
    utilization_min: Option<f64> = "utilization.min", "", Range::Between(0.0, 1.0);
    scale_down_interval: DurationMs = "scale-down.interval", "1 h", Range::Any;
    vertex_min_parallelism: i64 = "vertex.min-parallelism", "1", Range::AtLeast(1.0);
    vertex_max_parallelism: i64 = "vertex.max-parallelism", "200", Range::AtLeast(1.0);
    scale_down_max_factor: f64 = "scale-down.max-factor", "0.6", Range::AtLeast(0.0);
    scale_up_max_factor: f64 = "scale-up.max-factor", "100000.0", Range::AtLeast(0.0);
    catch_up_duration: DurationMs = "catch-up.duration", "30 min", Range::Any;
    restart_time: DurationMs = "restart.time", "5 min", Range::Any;
    restart_time_tracking_enabled: bool = "restart.time-tracking.enabled", "false", Range::Any;
    restart_time_tracking_limit: DurationMs = "restart.time-tracking.limit", "15 min", Range::Any;
    backlog_processing_lag_threshold: DurationMs =
        "backlog-processing.lag-threshold", "5 min", Range::Any;
    observed_tpr_lag_threshold: DurationMs =
        "observed-true-processing-rate.lag-threshold", "30 s", Range::Any;
    observed_tpr_switch_threshold: f64 =
        "observed-true-processing-rate.switch-threshold", "0.15", Range::AtLeast(0.0);
    observed_tpr_min_observations: i64 =
        "observed-true-processing-rate.min-observations", "2", Range::AtLeast(1.0);
    scaling_effectiveness_detection_enabled: bool =
        "scaling.effectiveness.detection.enabled", "false", Range::Any;
    scaling_effectiveness_threshold: f64 =
        "scaling.effectiveness.threshold", "0.1", Range::AtLeast(0.0);
    observed_scalability_enabled: bool = "observed-scalability.enabled", "false", Range::Any;
    observed_scalability_min_observations: i64 =
        "observed-scalability.min-observations", "3", Range::AtLeast(1.0);
    observed_scalability_coefficient_min: f64 =
        "observed-scalability.coefficient-min", "0.5", Range::Between(0.01, 1.0);
    busy_time_aggregator: BusyTimeAggregator =
        "metrics.busy-time.aggregator", "MAX", Range::Any;
    vertex_exclude_ids: Vec<String> = "vertex.exclude.ids", "", Range::Any;
    history_max_count: i64 = "history.max.count", "3", Range::AtLeast(0.0);
    history_max_age: DurationMs = "history.max.age", "1 d", Range::Any;
    gc_pressure_threshold: f64 = "memory.gc-pressure.threshold", "1.0", Range::Between(0.0, 1.0);
    heap_usage_threshold: f64 = "memory.heap-usage.threshold", "1.0", Range::Between(0.0, 1.0);
    memory_tuning_enabled: bool = "memory.tuning.enabled", "false", Range::Any;
    memory_tuning_overhead: f64 = "memory.tuning.overhead", "0.2", Range::AtLeast(0.0);
    memory_tuning_scale_down_compensation_enabled: bool =
        "memory.tuning.scale-down-compensation.enabled", "true", Range::Any;
    memory_tuning_maximize_managed_memory: bool =
        "memory.tuning.maximize-managed-memory", "false", Range::Any;
    quota_cpu: Option<f64> = "quota.cpu", "", Range::Above(0.0);
    /// Parsed, not applied: it needs TaskManager sizes.
    quota_memory: Option<Bytes> = "quota.memory", "", Range::Above(0.0);
    scaling_event_interval: DurationMs = "scaling.event.interval", "30 min", Range::Any;
    rest_client_timeout: DurationMs = "flink.rest-client.timeout", "10 s", Range::Above(0.0);
    /// The deprecated key, when set explicitly.
    key_group_partitions_adjust_mode: Option<LegacyAdjustMode> =
        "scaling.key-group.partitions.adjust.mode", "", Range::Any;
    /// `scaling.parallelism-alignment.mode` (after 1.15), when set explicitly; may be a custom name.
    parallelism_alignment_mode: Option<String> =
        "scaling.parallelism-alignment.mode", "", Range::Any;
    custom_evaluators: Vec<String> = "metrics.custom-evaluators", "", Range::Any;
    custom_executors: Vec<String> = "scaling.custom-executors", "", Range::Any;
}

/// How LOAD aggregates busy time over subtasks (`metrics.busy-time.aggregator`, §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BusyTimeAggregator {
    Max,
    Min,
    Avg,
}

impl BusyTimeAggregator {
    pub fn name(self) -> &'static str {
        match self {
            BusyTimeAggregator::Max => "MAX",
            BusyTimeAggregator::Min => "MIN",
            BusyTimeAggregator::Avg => "AVG",
        }
    }
}

/// The alignment step of §6.5 as it will actually run, after resolving both option keys and the
/// version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlignmentMode {
    /// Legacy blocking search, divisors only (1.11–1.15 default).
    LegacyEvenlySpread,
    /// Legacy blocking search that also accepts fewer key groups per subtask.
    LegacyMaximizeUtilisation,
    /// main default: divisor or fewer key groups per subtask; keeps the target when none found.
    Balanced,
    /// main: divisors only; keeps the target when none found.
    EvenlySpread,
    /// main: no alignment.
    Off,
}

impl AlignmentMode {
    pub fn name(self) -> &'static str {
        match self {
            AlignmentMode::LegacyEvenlySpread => "EVENLY_SPREAD (legacy)",
            AlignmentMode::LegacyMaximizeUtilisation => "MAXIMIZE_UTILISATION (legacy)",
            AlignmentMode::Balanced => "BALANCED",
            AlignmentMode::EvenlySpread => "EVENLY_SPREAD",
            AlignmentMode::Off => "OFF",
        }
    }

    /// Legacy modes block (keep the current parallelism) when alignment would invert the
    /// direction; the main built-ins never block.
    pub fn is_legacy(self) -> bool {
        matches!(
            self,
            AlignmentMode::LegacyEvenlySpread | AlignmentMode::LegacyMaximizeUtilisation
        )
    }

    /// Whether a parallelism with fewer key groups per subtask than the target is accepted.
    pub fn accepts_load_reducing(self) -> bool {
        matches!(
            self,
            AlignmentMode::LegacyMaximizeUtilisation | AlignmentMode::Balanced
        )
    }
}

/// Value of the deprecated `scaling.key-group.partitions.adjust.mode` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyAdjustMode {
    EvenlySpread,
    MaximizeUtilisation,
}

/// An option that could not be read. Callers report it against the key; they never guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsError {
    pub key: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = `{}`: {}", self.key, self.value, self.message)
    }
}

impl std::error::Error for OptionsError {}

/// A value outside what upstream allows, or two options that contradict each other. `keys` are
/// short keys (after `job.autoscaler.`), the one to point at first.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeProblem {
    pub keys: Vec<&'static str>,
    /// The value as read, in the option's own terms.
    pub value: String,
    /// What is allowed.
    pub allowed: String,
}

impl Default for AutoscalerOptions {
    fn default() -> Self {
        Self::defaults(Version::default())
    }
}

pub const PREFIX: &str = "job.autoscaler.";
pub const OPERATOR_PREFIX: &str = "kubernetes.operator.";

/// Deprecated short keys and the current key they stand for (upstream's fallback keys).
pub const DEPRECATED_KEYS: &[(&str, &str)] = &[
    ("target.utilization", "utilization.target"),
    ("scale-up.grace-period", "scale-down.interval"),
];

/// Options that release 1.15.0 does not have: they are absent from its `AutoScalerOptions` and
/// present in `main` at 6e9caeb4 (1.16-SNAPSHOT, before the 1.16 branch was cut), so in 1.16.0.
pub const ADDED_AFTER_1_15: &[&str] = &[
    "scaling.parallelism-alignment.mode",
    "metrics.custom-evaluators",
    "scaling.custom-executors",
];

/// Plugin namespaces (after 1.15): `<prefix><name>.class` names a plugin's class and
/// `<prefix><name>.<parameter>` its free-form options (`AutoScalerOptions`' documentation-only
/// template options and `prefixStrippedConfiguration`).
pub const PLUGIN_PREFIXES: &[&str] = &[
    "metrics.custom-evaluator.",
    "scaling.custom-executor.",
    "scaling.parallelism-alignment.mode.",
];

/// An option upstream marks `@Deprecated` (the whole option, not a spelling of it).
#[derive(Debug, Clone, Copy)]
pub struct Deprecation {
    pub key: &'static str,
    /// The first release of [`Version`] in which it is deprecated.
    pub since: Version,
    pub use_instead: &'static str,
}

/// `@Deprecated` options of `AutoScalerOptions`: `target.utilization.boundary` since before
/// 1.15 (release-1.12.0 already), `scaling.key-group.partitions.adjust.mode` after 1.15 (main:
/// "Deprecated, use scaling.parallelism-alignment.mode instead").
pub const DEPRECATED_OPTIONS: &[Deprecation] = &[
    Deprecation {
        key: "target.utilization.boundary",
        since: Version::V1_15,
        use_instead: "utilization.min and utilization.max",
    },
    Deprecation {
        key: "scaling.key-group.partitions.adjust.mode",
        since: Version::V1_16,
        use_instead: "scaling.parallelism-alignment.mode",
    },
];

/// Whether `version` has the option with short key `short` (table, deprecated spellings and
/// plugin namespaces).
pub fn known_in(short: &str, version: Version) -> bool {
    let current = DEPRECATED_KEYS
        .iter()
        .find(|(old, _)| *old == short)
        .map_or(short, |(_, new)| new);
    let plugin = PLUGIN_PREFIXES
        .iter()
        .any(|p| short.strip_prefix(p).is_some_and(|rest| rest.contains('.')));
    if plugin {
        return version.after_1_15();
    }
    option_def(current).is_some() && (version.after_1_15() || !ADDED_AFTER_1_15.contains(&current))
}

/// The full keys Flink looks an option up under, first match wins: the key itself, then its
/// fallback keys (the legacy `kubernetes.operator.` spellings, in declaration order), then its
/// deprecated keys. `ConfigOption.withFallbackKeys` puts fallback keys before the deprecated
/// ones ("put fallback keys first so that they are prioritized"), and `AutoScalerOptions`
/// declares `utilization.target` with fallbacks `kubernetes.operator.job.autoscaler.
/// utilization.target`, `...target.utilization` and `scale-down.interval` with
/// `...scale-up.grace-period`, `...scale-down.interval`. Empty for a key not in the table.
pub fn lookup_order(short: &str) -> Vec<String> {
    let Some(def) = option_def(short) else {
        return Vec::new();
    };
    let full = |k: &str| format!("{PREFIX}{k}");
    let legacy = |k: &str| format!("{OPERATOR_PREFIX}{PREFIX}{k}");
    match def.key {
        "utilization.target" => vec![
            full("utilization.target"),
            legacy("utilization.target"),
            legacy("target.utilization"),
            full("target.utilization"),
        ],
        "scale-down.interval" => vec![
            full("scale-down.interval"),
            legacy("scale-up.grace-period"),
            legacy("scale-down.interval"),
            full("scale-up.grace-period"),
        ],
        k => vec![full(k), legacy(k)],
    }
}

/// Strips `kubernetes.operator.` and `job.autoscaler.`; `None` for keys of other components.
pub fn short_key(key: &str) -> Option<&str> {
    let key = key.trim();
    let key = key.strip_prefix(OPERATOR_PREFIX).unwrap_or(key);
    key.strip_prefix(PREFIX)
}

/// The table row of a short key, deprecated spellings resolved.
pub fn option_def(short: &str) -> Option<&'static OptionDef> {
    let short = DEPRECATED_KEYS
        .iter()
        .find(|(old, _)| *old == short)
        .map_or(short, |(_, new)| new);
    OPTIONS.iter().find(|d| d.key == short)
}

/// Every short key a user may write: the table's and the deprecated ones.
pub fn all_short_keys() -> impl Iterator<Item = &'static str> {
    OPTIONS
        .iter()
        .map(|d| d.key)
        .chain(DEPRECATED_KEYS.iter().map(|(old, _)| *old))
}

impl AutoscalerOptions {
    /// Reads options from upstream keys and string values, over the defaults of `version`.
    /// Keys of other components are ignored; unknown `job.autoscaler.*` keys too (see
    /// [`AutoscalerOptions::is_known_key`] to warn about them).
    pub fn from_map<I, K, V>(version: Version, entries: I) -> Result<Self, OptionsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let entries: Vec<(K, V)> = entries.into_iter().collect();
        let deprecated = |key: &str| {
            short_key(key).is_some_and(|short| DEPRECATED_KEYS.iter().any(|(old, _)| *old == short))
        };
        let mut opts = Self::defaults(version);
        // Deprecated keys first, so the current key wins when both are given.
        for pass_deprecated in [true, false] {
            for (key, value) in &entries {
                if deprecated(key.as_ref()) == pass_deprecated {
                    opts.set(key.as_ref(), value.as_ref())?;
                }
            }
        }
        Ok(opts)
    }

    /// Sets one option from its upstream key (either prefix, deprecated spellings resolved);
    /// keys of other components and unknown keys change nothing.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), OptionsError> {
        let Some(short) = short_key(key) else {
            return Ok(());
        };
        let short = DEPRECATED_KEYS
            .iter()
            .find(|(old, _)| *old == short)
            .map_or(short, |(_, new)| new);
        match self.set_short(short, value) {
            Some(Err(message)) => Err(OptionsError {
                key: key.trim().to_string(),
                value: value.to_string(),
                message,
            }),
            _ => Ok(()),
        }
    }

    /// Whether `key` is an autoscaler key this module understands (current or deprecated).
    pub fn is_known_key(key: &str) -> bool {
        match short_key(key) {
            Some(short) => {
                option_def(short).is_some()
                    || (short.starts_with("scaling.parallelism-alignment.mode.")
                        && short.ends_with(".class"))
            }
            None => false,
        }
    }

    /// The alignment step that runs (§6.5 "Mode selection"). 1.15.0 knows only the legacy key
    /// (default `EVENLY_SPREAD`); main prefers the new key, then the legacy key, then `BALANCED`.
    /// A custom mode name cannot be loaded offline and falls back to `BALANCED`, as upstream does
    /// when the plugin class is not found.
    pub fn alignment_mode(&self) -> AlignmentMode {
        let legacy = |m: LegacyAdjustMode| match m {
            LegacyAdjustMode::EvenlySpread => AlignmentMode::LegacyEvenlySpread,
            LegacyAdjustMode::MaximizeUtilisation => AlignmentMode::LegacyMaximizeUtilisation,
        };
        match self.version {
            Version::V1_15 => legacy(
                self.key_group_partitions_adjust_mode
                    .unwrap_or(LegacyAdjustMode::EvenlySpread),
            ),
            Version::V1_16 | Version::Main => match self.parallelism_alignment_mode.as_deref() {
                Some("BALANCED") => AlignmentMode::Balanced,
                Some("EVENLY_SPREAD") => AlignmentMode::EvenlySpread,
                Some("OFF") => AlignmentMode::Off,
                Some(_) => AlignmentMode::Balanced,
                None => self
                    .key_group_partitions_adjust_mode
                    .map(legacy)
                    .unwrap_or(AlignmentMode::Balanced),
            },
        }
    }

    /// Upper edge of the utilization band outside backlog (§5.9); explicit max wins.
    pub fn utilization_upper(&self) -> f64 {
        self.utilization_max
            .unwrap_or(self.utilization_target + self.utilization_boundary)
    }

    /// Lower edge of the utilization band outside backlog (§5.9); explicit min wins.
    pub fn utilization_lower(&self) -> f64 {
        self.utilization_min
            .unwrap_or(self.utilization_target - self.utilization_boundary)
    }

    /// Whether `vertex_id` is listed in `vertex.exclude.ids` (hex ids compare case-insensitively).
    pub fn is_excluded(&self, vertex_id: &str) -> bool {
        self.vertex_exclude_ids
            .iter()
            .any(|id| id.eq_ignore_ascii_case(vertex_id.trim()))
    }

    /// Every range problem: each option against its table range, then the groups upstream's
    /// validator checks together (`utilization.min <= utilization.target <= utilization.max`) and
    /// `vertex.min-parallelism <= vertex.max-parallelism`. Upstream runs its validator only when
    /// the autoscaler is enabled; planscale runs the autoscaler, so it always checks.
    pub fn validate(&self) -> Vec<RangeProblem> {
        let mut problems = Vec::new();
        for def in OPTIONS {
            if let Some(x) = self.number_of(def.key) {
                if !def.range.contains(x) {
                    let value = match def.kind {
                        Kind::Duration => DurationMs(x as i64).to_string(),
                        _ => x.to_string(),
                    };
                    problems.push(RangeProblem {
                        keys: vec![def.key],
                        value,
                        allowed: def.range.to_string(),
                    });
                }
            }
        }
        if !problems.is_empty() {
            return problems;
        }
        let t = self.utilization_target;
        if let Some(max) = self.utilization_max {
            if max < t {
                problems.push(RangeProblem {
                    keys: vec!["utilization.max", "utilization.target"],
                    value: format!("{max} (utilization.target is {t})"),
                    allowed: format!("in [utilization.target, 1] = [{t}, 1]"),
                });
            }
        }
        if let Some(min) = self.utilization_min {
            if min > t {
                problems.push(RangeProblem {
                    keys: vec!["utilization.min", "utilization.target"],
                    value: format!("{min} (utilization.target is {t})"),
                    allowed: format!("in [0, utilization.target] = [0, {t}]"),
                });
            }
        }
        if self.vertex_min_parallelism > self.vertex_max_parallelism {
            problems.push(RangeProblem {
                keys: vec!["vertex.min-parallelism", "vertex.max-parallelism"],
                value: format!(
                    "{} (vertex.max-parallelism is {})",
                    self.vertex_min_parallelism, self.vertex_max_parallelism
                ),
                allowed: format!(
                    "<= vertex.max-parallelism ({})",
                    self.vertex_max_parallelism
                ),
            });
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        for version in [Version::V1_15, Version::V1_16, Version::Main] {
            let o = AutoscalerOptions::defaults(version);
            assert!(o.validate().is_empty(), "{:?}", o.validate());
        }
        for def in OPTIONS {
            assert!(option_def(def.key).is_some());
        }
    }

    #[test]
    fn defaults_match_the_spec_table() {
        let o = AutoscalerOptions::defaults(Version::V1_15);
        assert_eq!(o.metrics_window, DurationMs::from_secs(900));
        assert_eq!(o.utilization_target, 0.7);
        assert_eq!(o.utilization_upper(), 0.7 + 0.3);
        assert_eq!(o.scale_down_max_factor, 0.6);
        assert_eq!(o.scale_up_max_factor, 100_000.0);
        assert_eq!(o.vertex_max_parallelism, 200);
        assert_eq!(o.alignment_mode(), AlignmentMode::LegacyEvenlySpread);
        assert_eq!(
            AutoscalerOptions::defaults(Version::Main).alignment_mode(),
            AlignmentMode::Balanced
        );
    }

    #[test]
    fn keys_with_operator_prefix_and_deprecated_names() {
        let o = AutoscalerOptions::from_map(
            Version::V1_15,
            [
                (
                    "kubernetes.operator.job.autoscaler.utilization.target",
                    "0.8",
                ),
                ("job.autoscaler.target.utilization", "0.5"),
                ("job.autoscaler.scale-up.grace-period", "10 min"),
                ("job.autoscaler.vertex.exclude.ids", "ab12;CD34"),
                ("job.autoscaler.metrics.busy-time.aggregator", "avg"),
                ("pipeline.name", "ignored"),
            ],
        )
        .unwrap();
        assert_eq!(
            o.utilization_target, 0.8,
            "current key wins over deprecated"
        );
        assert_eq!(o.scale_down_interval, DurationMs(600_000));
        assert!(o.is_excluded("cd34"));
        assert_eq!(o.busy_time_aggregator, BusyTimeAggregator::Avg);
        assert!(AutoscalerOptions::is_known_key(
            "job.autoscaler.target.utilization"
        ));
        assert!(!AutoscalerOptions::is_known_key("job.autoscaler.typo"));
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let e = AutoscalerOptions::from_map(Version::V1_15, [("job.autoscaler.enabled", "yes")])
            .unwrap_err();
        assert_eq!(e.key, "job.autoscaler.enabled");
        assert!(AutoscalerOptions::from_map(
            Version::V1_15,
            [("job.autoscaler.vertex.max-parallelism", "1.5")]
        )
        .is_err());
        // Java's Integer.parseInt refuses "10.0", and so does Flink.
        assert!(AutoscalerOptions::from_map(
            Version::V1_15,
            [("job.autoscaler.vertex.max-parallelism", "10.0")]
        )
        .is_err());
        let bare = AutoscalerOptions::from_map(
            Version::V1_16,
            [("job.autoscaler.metrics.window", "600000")],
        )
        .unwrap();
        assert_eq!(
            bare.metrics_window,
            DurationMs(600_000),
            "a bare duration is ms"
        );
    }

    #[test]
    fn alignment_mode_resolution_by_version() {
        let both = [
            (
                "job.autoscaler.scaling.key-group.partitions.adjust.mode",
                "MAXIMIZE_UTILISATION",
            ),
            ("job.autoscaler.scaling.parallelism-alignment.mode", "OFF"),
        ];
        let v115 = AutoscalerOptions::from_map(Version::V1_15, both).unwrap();
        assert_eq!(
            v115.alignment_mode(),
            AlignmentMode::LegacyMaximizeUtilisation
        );
        let main = AutoscalerOptions::from_map(Version::Main, both).unwrap();
        assert_eq!(
            main.alignment_mode(),
            AlignmentMode::Off,
            "new key wins on main"
        );
        let legacy_only = AutoscalerOptions::from_map(
            Version::Main,
            [(
                "job.autoscaler.scaling.key-group.partitions.adjust.mode",
                "EVENLY_SPREAD",
            )],
        )
        .unwrap();
        assert_eq!(
            legacy_only.alignment_mode(),
            AlignmentMode::LegacyEvenlySpread
        );
        let custom = AutoscalerOptions::from_map(
            Version::Main,
            [("job.autoscaler.scaling.parallelism-alignment.mode", "mine")],
        )
        .unwrap();
        assert_eq!(custom.alignment_mode(), AlignmentMode::Balanced);
    }

    #[test]
    fn ranges_and_groups_are_checked() {
        let bad = |pairs: &[(&str, &str)]| {
            let o = AutoscalerOptions::from_map(Version::V1_16, pairs.iter().copied()).unwrap();
            o.validate()
        };
        let p = bad(&[("job.autoscaler.utilization.target", "0")]);
        assert_eq!(p[0].keys, ["utilization.target"]);
        assert_eq!(p[0].allowed, "in (0, 1]");
        assert_eq!(bad(&[("job.autoscaler.utilization.target", "5")]).len(), 1);
        assert_eq!(
            bad(&[("job.autoscaler.scale-up.max-factor", "-1")])[0].allowed,
            ">= 0"
        );
        assert_eq!(
            bad(&[("job.autoscaler.utilization.target", "NaN")]).len(),
            1
        );
        assert_eq!(bad(&[("job.autoscaler.metrics.window", "0")]).len(), 1);
        let g = bad(&[
            ("job.autoscaler.utilization.target", "0.8"),
            ("job.autoscaler.utilization.min", "0.9"),
        ]);
        assert_eq!(g[0].keys, ["utilization.min", "utilization.target"]);
        let v = bad(&[
            ("job.autoscaler.vertex.min-parallelism", "8"),
            ("job.autoscaler.vertex.max-parallelism", "4"),
        ]);
        assert_eq!(v[0].keys[0], "vertex.min-parallelism");
        assert!(bad(&[("job.autoscaler.utilization.target", "1")]).is_empty());
    }

    #[test]
    fn versions_deprecations_and_lookup_order() {
        assert!(known_in(
            "scaling.parallelism-alignment.mode",
            Version::V1_16
        ));
        assert!(!known_in(
            "scaling.parallelism-alignment.mode",
            Version::V1_15
        ));
        assert!(known_in(
            "metrics.custom-evaluator.mine.class",
            Version::Main
        ));
        assert!(!known_in(
            "metrics.custom-evaluator.mine.class",
            Version::V1_15
        ));
        assert!(!known_in("metrics.custom-evaluator.", Version::Main));
        assert!(known_in("target.utilization", Version::V1_15));
        assert!(!known_in("utilisation.target", Version::V1_16));
        for d in DEPRECATED_OPTIONS {
            assert!(option_def(d.key).is_some(), "{}", d.key);
        }
        assert_eq!(
            lookup_order("target.utilization"),
            [
                "job.autoscaler.utilization.target",
                "kubernetes.operator.job.autoscaler.utilization.target",
                "kubernetes.operator.job.autoscaler.target.utilization",
                "job.autoscaler.target.utilization",
            ]
        );
        assert_eq!(
            lookup_order("metrics.window"),
            [
                "job.autoscaler.metrics.window",
                "kubernetes.operator.job.autoscaler.metrics.window"
            ]
        );
        assert!(lookup_order("nope").is_empty());
    }
}
