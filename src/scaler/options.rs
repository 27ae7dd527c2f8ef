//! The `job.autoscaler.*` options (scaling.md §8), their upstream defaults, and the one switch
//! that selects which upstream behaviour to reproduce ([`Version`]).
//!
//! Options are read from a flat map of upstream keys to strings, the way a Flink configuration
//! file holds them, so a user can paste their deployment's settings unchanged. Keys may carry the
//! operator's `kubernetes.operator.` prefix; deprecated keys are honoured unless the current key
//! is also present. Durations accept Flink's unit suffixes; a bare number means **seconds**
//! (planscale's convention, matching the peer vectors; Flink itself would read milliseconds).
//! Parsing never checks ranges: upstream validates only when the autoscaler is enabled, and the
//! vectors deliberately use out-of-range factors, so range checks live in [`AutoscalerOptions::validate`].

use std::fmt;

/// Which upstream release to reproduce. The differences are listed in scaling.md §1 and §11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Version {
    /// Release 1.15.0, the behaviour users run today (the default).
    #[default]
    V1_15,
    /// `main` at the snapshot (1.16-SNAPSHOT): new alignment modes, expected rate from the final
    /// parallelism, per-second TPR numerator.
    Main,
}

impl Version {
    /// Reads a version label such as `1.15.0`, `1.15`, `main` or `main@6e9caeb4`.
    pub fn parse(label: &str) -> Option<Version> {
        let label = label.trim();
        if label == "main" || label.starts_with("main@") {
            Some(Version::Main)
        } else if label == "1.15" || label == "1.15.0" {
            Some(Version::V1_15)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Version::V1_15 => "1.15.0",
            Version::Main => "main",
        }
    }
}

/// A duration in milliseconds. Signed because `scale-down.interval ≤ 0` is meaningful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DurationMs(pub i64);

impl DurationMs {
    pub const fn from_secs(s: i64) -> Self {
        DurationMs(s.saturating_mul(1000))
    }

    /// Whole seconds, rounded towards −∞ like Java's `Duration.toSeconds()`. Upstream feeds
    /// whole seconds into every rate formula, so `1500ms` of catch-up counts as 1 s.
    pub fn whole_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl fmt::Display for DurationMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms % 3_600_000 == 0 && ms != 0 {
            write!(f, "{} h", ms / 3_600_000)
        } else if ms % 60_000 == 0 && ms != 0 {
            write!(f, "{} min", ms / 60_000)
        } else if ms % 1000 == 0 {
            write!(f, "{} s", ms / 1000)
        } else {
            write!(f, "{} ms", ms)
        }
    }
}

/// Parses a Flink duration: `30s`, `5 min`, `1m`, `2h`, `500ms`, `1 d`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<DurationMs, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (expected e.g. 30s, 5 min, 2h)"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let ms_per_unit: f64 = match unit.as_str() {
        "" => 1000.0,
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1e-6,
        "µs" | "us" | "micro" | "micros" | "microsecond" | "microseconds" => 1e-3,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        _ => return Err(format!("`{text}`: unknown time unit `{unit}`")),
    };
    let ms = number * ms_per_unit;
    if !ms.is_finite() || ms.abs() > i64::MAX as f64 {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(DurationMs(ms.round() as i64))
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

/// Every `job.autoscaler.*` option of scaling.md §8, with upstream defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerOptions {
    pub version: Version,
    pub enabled: bool,
    pub scaling_enabled: bool,
    pub metrics_window: DurationMs,
    pub stabilization_interval: DurationMs,
    /// Raw `;`-separated specs; not evaluated offline (cron calendars).
    pub excluded_periods: Vec<String>,
    pub utilization_target: f64,
    pub utilization_boundary: f64,
    pub utilization_max: Option<f64>,
    pub utilization_min: Option<f64>,
    pub scale_down_interval: DurationMs,
    pub vertex_min_parallelism: i64,
    pub vertex_max_parallelism: i64,
    pub scale_down_max_factor: f64,
    pub scale_up_max_factor: f64,
    pub catch_up_duration: DurationMs,
    pub restart_time: DurationMs,
    pub restart_time_tracking_enabled: bool,
    pub restart_time_tracking_limit: DurationMs,
    pub backlog_processing_lag_threshold: DurationMs,
    pub observed_tpr_lag_threshold: DurationMs,
    pub observed_tpr_switch_threshold: f64,
    pub observed_tpr_min_observations: i64,
    pub scaling_effectiveness_detection_enabled: bool,
    pub scaling_effectiveness_threshold: f64,
    pub observed_scalability_enabled: bool,
    pub observed_scalability_min_observations: i64,
    pub observed_scalability_coefficient_min: f64,
    pub busy_time_aggregator: BusyTimeAggregator,
    pub vertex_exclude_ids: Vec<String>,
    pub history_max_count: i64,
    pub history_max_age: DurationMs,
    pub gc_pressure_threshold: f64,
    pub heap_usage_threshold: f64,
    pub memory_tuning_enabled: bool,
    pub memory_tuning_overhead: f64,
    pub memory_tuning_scale_down_compensation_enabled: bool,
    pub memory_tuning_maximize_managed_memory: bool,
    pub quota_cpu: Option<f64>,
    /// Raw memory size text (e.g. `100g`); only reported.
    pub quota_memory: Option<String>,
    pub scaling_event_interval: DurationMs,
    pub rest_client_timeout: DurationMs,
    /// The deprecated key, when set explicitly.
    pub key_group_partitions_adjust_mode: Option<LegacyAdjustMode>,
    /// `scaling.parallelism-alignment.mode` (main only), when set explicitly; may be a custom name.
    pub parallelism_alignment_mode: Option<String>,
    pub custom_evaluators: Vec<String>,
    pub custom_executors: Vec<String>,
}

impl Default for AutoscalerOptions {
    fn default() -> Self {
        Self::defaults(Version::default())
    }
}

const PREFIX: &str = "job.autoscaler.";
const OPERATOR_PREFIX: &str = "kubernetes.operator.";

/// Deprecated short keys and the current key they stand for.
const DEPRECATED_KEYS: &[(&str, &str)] = &[
    ("target.utilization", "utilization.target"),
    ("scale-up.grace-period", "scale-down.interval"),
];

/// Short keys (after `job.autoscaler.`) this module reads.
const KNOWN_KEYS: &[&str] = &[
    "enabled",
    "scaling.enabled",
    "metrics.window",
    "stabilization.interval",
    "excluded.periods",
    "utilization.target",
    "target.utilization.boundary",
    "utilization.max",
    "utilization.min",
    "scale-down.interval",
    "vertex.min-parallelism",
    "vertex.max-parallelism",
    "scale-down.max-factor",
    "scale-up.max-factor",
    "catch-up.duration",
    "restart.time",
    "restart.time-tracking.enabled",
    "restart.time-tracking.limit",
    "backlog-processing.lag-threshold",
    "observed-true-processing-rate.lag-threshold",
    "observed-true-processing-rate.switch-threshold",
    "observed-true-processing-rate.min-observations",
    "scaling.effectiveness.detection.enabled",
    "scaling.effectiveness.threshold",
    "observed-scalability.enabled",
    "observed-scalability.min-observations",
    "observed-scalability.coefficient-min",
    "metrics.busy-time.aggregator",
    "vertex.exclude.ids",
    "history.max.count",
    "history.max.age",
    "memory.gc-pressure.threshold",
    "memory.heap-usage.threshold",
    "memory.tuning.enabled",
    "memory.tuning.overhead",
    "memory.tuning.scale-down-compensation.enabled",
    "memory.tuning.maximize-managed-memory",
    "quota.cpu",
    "quota.memory",
    "scaling.event.interval",
    "flink.rest-client.timeout",
    "scaling.key-group.partitions.adjust.mode",
    "scaling.parallelism-alignment.mode",
    "metrics.custom-evaluators",
    "scaling.custom-executors",
];

/// Strips `kubernetes.operator.` and `job.autoscaler.`; `None` for keys of other components.
pub fn short_key(key: &str) -> Option<&str> {
    let key = key.trim();
    let key = key.strip_prefix(OPERATOR_PREFIX).unwrap_or(key);
    key.strip_prefix(PREFIX)
}

impl AutoscalerOptions {
    /// Upstream defaults for `version`.
    pub fn defaults(version: Version) -> Self {
        AutoscalerOptions {
            version,
            enabled: false,
            scaling_enabled: true,
            metrics_window: DurationMs::from_secs(15 * 60),
            stabilization_interval: DurationMs::from_secs(5 * 60),
            excluded_periods: Vec::new(),
            utilization_target: 0.7,
            utilization_boundary: 0.3,
            utilization_max: None,
            utilization_min: None,
            scale_down_interval: DurationMs::from_secs(3600),
            vertex_min_parallelism: 1,
            vertex_max_parallelism: 200,
            scale_down_max_factor: 0.6,
            scale_up_max_factor: 100_000.0,
            catch_up_duration: DurationMs::from_secs(30 * 60),
            restart_time: DurationMs::from_secs(5 * 60),
            restart_time_tracking_enabled: false,
            restart_time_tracking_limit: DurationMs::from_secs(15 * 60),
            backlog_processing_lag_threshold: DurationMs::from_secs(5 * 60),
            observed_tpr_lag_threshold: DurationMs::from_secs(30),
            observed_tpr_switch_threshold: 0.15,
            observed_tpr_min_observations: 2,
            scaling_effectiveness_detection_enabled: false,
            scaling_effectiveness_threshold: 0.1,
            observed_scalability_enabled: false,
            observed_scalability_min_observations: 3,
            observed_scalability_coefficient_min: 0.5,
            busy_time_aggregator: BusyTimeAggregator::Max,
            vertex_exclude_ids: Vec::new(),
            history_max_count: 3,
            history_max_age: DurationMs::from_secs(24 * 3600),
            gc_pressure_threshold: 1.0,
            heap_usage_threshold: 1.0,
            memory_tuning_enabled: false,
            memory_tuning_overhead: 0.2,
            memory_tuning_scale_down_compensation_enabled: true,
            memory_tuning_maximize_managed_memory: false,
            quota_cpu: None,
            quota_memory: None,
            scaling_event_interval: DurationMs::from_secs(30 * 60),
            rest_client_timeout: DurationMs::from_secs(10),
            key_group_partitions_adjust_mode: None,
            parallelism_alignment_mode: None,
            custom_evaluators: Vec::new(),
            custom_executors: Vec::new(),
        }
    }

    /// Reads options from upstream keys and string values, over the defaults of `version`.
    /// Keys of other components are ignored; unknown `job.autoscaler.*` keys too (see
    /// [`AutoscalerOptions::is_known_key`] to warn about them).
    pub fn from_map<I, K, V>(version: Version, entries: I) -> Result<Self, OptionsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut current = Vec::new();
        let mut deprecated = Vec::new();
        for (key, value) in entries {
            let full = key.as_ref().trim().to_string();
            let Some(short) = short_key(&full) else {
                continue;
            };
            let value = value.as_ref().to_string();
            if let Some((_, new)) = DEPRECATED_KEYS.iter().find(|(old, _)| *old == short) {
                deprecated.push((full.clone(), (*new).to_string(), value));
            } else {
                current.push((full.clone(), short.to_string(), value));
            }
        }
        let mut opts = Self::defaults(version);
        // Deprecated keys first, so the current key wins when both are given.
        for (full, short, value) in deprecated {
            opts.set(&full, &short, &value)?;
        }
        for (full, short, value) in current {
            opts.set(&full, &short, &value)?;
        }
        Ok(opts)
    }

    /// Whether `key` is an autoscaler key this module understands (current or deprecated).
    pub fn is_known_key(key: &str) -> bool {
        match short_key(key) {
            Some(short) => {
                KNOWN_KEYS.contains(&short)
                    || DEPRECATED_KEYS.iter().any(|(old, _)| *old == short)
                    || (short.starts_with("scaling.parallelism-alignment.mode.")
                        && short.ends_with(".class"))
            }
            None => false,
        }
    }

    fn set(&mut self, full: &str, short: &str, value: &str) -> Result<(), OptionsError> {
        let err = |message: String| OptionsError {
            key: full.to_string(),
            value: value.to_string(),
            message,
        };
        let dur = || parse_duration(value).map_err(&err);
        let num = || parse_f64(value).map_err(&err);
        let int = || parse_i64(value).map_err(&err);
        let boolean = || parse_bool(value).map_err(&err);
        match short {
            "enabled" => self.enabled = boolean()?,
            "scaling.enabled" => self.scaling_enabled = boolean()?,
            "metrics.window" => self.metrics_window = dur()?,
            "stabilization.interval" => self.stabilization_interval = dur()?,
            "excluded.periods" => self.excluded_periods = parse_list(value),
            "utilization.target" => self.utilization_target = num()?,
            "target.utilization.boundary" => self.utilization_boundary = num()?,
            "utilization.max" => self.utilization_max = Some(num()?),
            "utilization.min" => self.utilization_min = Some(num()?),
            "scale-down.interval" => self.scale_down_interval = dur()?,
            "vertex.min-parallelism" => self.vertex_min_parallelism = int()?,
            "vertex.max-parallelism" => self.vertex_max_parallelism = int()?,
            "scale-down.max-factor" => self.scale_down_max_factor = num()?,
            "scale-up.max-factor" => self.scale_up_max_factor = num()?,
            "catch-up.duration" => self.catch_up_duration = dur()?,
            "restart.time" => self.restart_time = dur()?,
            "restart.time-tracking.enabled" => self.restart_time_tracking_enabled = boolean()?,
            "restart.time-tracking.limit" => self.restart_time_tracking_limit = dur()?,
            "backlog-processing.lag-threshold" => self.backlog_processing_lag_threshold = dur()?,
            "observed-true-processing-rate.lag-threshold" => {
                self.observed_tpr_lag_threshold = dur()?
            }
            "observed-true-processing-rate.switch-threshold" => {
                self.observed_tpr_switch_threshold = num()?
            }
            "observed-true-processing-rate.min-observations" => {
                self.observed_tpr_min_observations = int()?
            }
            "scaling.effectiveness.detection.enabled" => {
                self.scaling_effectiveness_detection_enabled = boolean()?
            }
            "scaling.effectiveness.threshold" => self.scaling_effectiveness_threshold = num()?,
            "observed-scalability.enabled" => self.observed_scalability_enabled = boolean()?,
            "observed-scalability.min-observations" => {
                self.observed_scalability_min_observations = int()?
            }
            "observed-scalability.coefficient-min" => {
                self.observed_scalability_coefficient_min = num()?
            }
            "metrics.busy-time.aggregator" => {
                self.busy_time_aggregator = match value.trim().to_ascii_uppercase().as_str() {
                    "MAX" => BusyTimeAggregator::Max,
                    "MIN" => BusyTimeAggregator::Min,
                    "AVG" => BusyTimeAggregator::Avg,
                    _ => return Err(err("expected MAX, MIN or AVG".into())),
                }
            }
            "vertex.exclude.ids" => self.vertex_exclude_ids = parse_list(value),
            "history.max.count" => self.history_max_count = int()?,
            "history.max.age" => self.history_max_age = dur()?,
            "memory.gc-pressure.threshold" => self.gc_pressure_threshold = num()?,
            "memory.heap-usage.threshold" => self.heap_usage_threshold = num()?,
            "memory.tuning.enabled" => self.memory_tuning_enabled = boolean()?,
            "memory.tuning.overhead" => self.memory_tuning_overhead = num()?,
            "memory.tuning.scale-down-compensation.enabled" => {
                self.memory_tuning_scale_down_compensation_enabled = boolean()?
            }
            "memory.tuning.maximize-managed-memory" => {
                self.memory_tuning_maximize_managed_memory = boolean()?
            }
            "quota.cpu" => self.quota_cpu = Some(num()?),
            "quota.memory" => self.quota_memory = Some(value.trim().to_string()),
            "scaling.event.interval" => self.scaling_event_interval = dur()?,
            "flink.rest-client.timeout" => self.rest_client_timeout = dur()?,
            "scaling.key-group.partitions.adjust.mode" => {
                self.key_group_partitions_adjust_mode =
                    Some(match value.trim().to_ascii_uppercase().as_str() {
                        "EVENLY_SPREAD" => LegacyAdjustMode::EvenlySpread,
                        "MAXIMIZE_UTILISATION" => LegacyAdjustMode::MaximizeUtilisation,
                        _ => {
                            return Err(
                                err("expected EVENLY_SPREAD or MAXIMIZE_UTILISATION".into()),
                            )
                        }
                    })
            }
            "scaling.parallelism-alignment.mode" => {
                let v = value.trim();
                if v.is_empty() {
                    return Err(err("empty alignment mode".into()));
                }
                self.parallelism_alignment_mode = Some(v.to_string())
            }
            "metrics.custom-evaluators" => self.custom_evaluators = parse_list(value),
            "scaling.custom-executors" => self.custom_executors = parse_list(value),
            _ => {}
        }
        Ok(())
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
            Version::Main => match self.parallelism_alignment_mode.as_deref() {
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

    /// Upstream's validation (§8), which runs only when the autoscaler is enabled. Returns every
    /// problem, not just the first.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.enabled {
            return problems;
        }
        let t = self.utilization_target;
        if !(0.0..=1.0).contains(&t) {
            problems.push(format!("utilization.target {t} is not in [0, 1]"));
        }
        if self.utilization_boundary.is_nan() || self.utilization_boundary < 0.0 {
            problems.push("target.utilization.boundary must be >= 0".into());
        }
        if let Some(max) = self.utilization_max {
            if !(max >= t && max <= 1.0) {
                problems.push(format!("utilization.max {max} is not in [{t}, 1]"));
            }
        }
        if let Some(min) = self.utilization_min {
            if !(min >= 0.0 && min <= t) {
                problems.push(format!("utilization.min {min} is not in [0, {t}]"));
            }
        }
        if self.scale_down_max_factor.is_nan() || self.scale_down_max_factor < 0.0 {
            problems.push("scale-down.max-factor must be >= 0".into());
        }
        if self.scale_up_max_factor.is_nan() || self.scale_up_max_factor < 0.0 {
            problems.push("scale-up.max-factor must be >= 0".into());
        }
        let c = self.observed_scalability_coefficient_min;
        if !(0.01..=1.0).contains(&c) {
            problems.push(format!(
                "observed-scalability.coefficient-min {c} is not in [0.01, 1]"
            ));
        }
        if self.vertex_min_parallelism > self.vertex_max_parallelism {
            problems.push("vertex.min-parallelism is above vertex.max-parallelism".into());
        }
        problems
    }
}

fn parse_f64(value: &str) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .map_err(|_| "not a number".to_string())
}

fn parse_i64(value: &str) -> Result<i64, String> {
    let v = value.trim();
    if let Ok(i) = v.parse::<i64>() {
        return Ok(i);
    }
    match v.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err("not an integer".to_string()),
    }
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("expected true or false".to_string()),
    }
}

/// Flink list values are `;`-separated; `,` is accepted too (ids and class names hold neither).
fn parse_list(value: &str) -> Vec<String> {
    value
        .split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_flink_units_and_bare_seconds() {
        assert_eq!(parse_duration("30s"), Ok(DurationMs(30_000)));
        assert_eq!(parse_duration("5 min"), Ok(DurationMs(300_000)));
        assert_eq!(parse_duration("1m"), Ok(DurationMs(60_000)));
        assert_eq!(parse_duration("2h"), Ok(DurationMs(7_200_000)));
        assert_eq!(parse_duration("500ms"), Ok(DurationMs(500)));
        assert_eq!(parse_duration("1 d"), Ok(DurationMs(86_400_000)));
        assert_eq!(parse_duration("900"), Ok(DurationMs(900_000)));
        assert_eq!(parse_duration("0"), Ok(DurationMs(0)));
        assert_eq!(parse_duration("1.5"), Ok(DurationMs(1500)));
        assert!(parse_duration("5 fortnights").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("abc").is_err());
        assert_eq!(DurationMs(1500).whole_secs(), 1);
        assert_eq!(DurationMs(-500).whole_secs(), -1);
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
        assert!(AutoscalerOptions::from_map(
            Version::V1_15,
            [("job.autoscaler.vertex.max-parallelism", "10.0")]
        )
        .is_ok());
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
    fn validation_only_when_enabled() {
        let mut o = AutoscalerOptions::defaults(Version::V1_15);
        o.utilization_max = Some(1.2);
        assert!(o.validate().is_empty());
        o.enabled = true;
        assert_eq!(o.validate().len(), 1);
    }
}
