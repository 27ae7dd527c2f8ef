//! Metric names: what a column or `metric` cell means.
//!
//! A name is parsed into a scope (task-level, or operator-scoped with the operator's name), a base
//! Flink metric and an optional aggregation suffix (`.min/.max/.avg/.sum`, split on the LAST dot
//! because operator names and metric groups contain dots themselves). Prometheus reporter prefixes
//! are stripped first. [`usage`] then says which [`Field`]s of a sample the name feeds and how
//! values are aggregated over subtasks (spec/metrics.md, "Metric names").
//!
//! Invariants: parsing never fails (an unrecognised name is [`Usage::Unknown`], not an error);
//! two spellings of the same metric (with and without a Prometheus prefix) have the same
//! [`MetricName::canonical`] key, so they count as duplicates of each other.

/// Prometheus reporter prefixes, longest first so the operator one wins: `flink_` + the logical
/// scope of the metric's group joined by `_` (Flink's `AbstractPrometheusReporter#getScopedName`).
pub const PROMETHEUS_OPERATOR_PREFIX: &str = "flink_taskmanager_job_task_operator_";
pub const PROMETHEUS_TASK_PREFIX: &str = "flink_taskmanager_job_task_";
/// The operator group's part of a reporter name, after the task prefix.
pub const PROMETHEUS_OPERATOR_SCOPE: &str = "operator_";

/// The task-scope metrics planscale reads (names in a task's metric group, which the Prometheus
/// reporter exports as `flink_taskmanager_job_task_<name>`): every one feeds a [`Field`].
pub const TASK_METRICS: [&str; 8] = [
    "busyTimeMsPerSecond",
    "backPressuredTimeMsPerSecond",
    "idleTimeMsPerSecond",
    "numRecordsIn",
    "numRecordsOut",
    "numRecordsInPerSecond",
    "numRecordsOutPerSecond",
    "accumulateBusyTimeMs",
];

/// Operator-scope metrics read on any operator (`flink_taskmanager_job_task_operator_<name>`).
pub const OPERATOR_METRICS: [&str; 3] = [
    "pendingRecords",
    "currentFetchEventTimeLag",
    "currentEmitEventTimeLag",
];

/// Operator-scope record counters, read on source operators only (`Source__…`).
pub const SOURCE_OPERATOR_METRICS: [&str; 4] = [
    "numRecordsIn",
    "numRecordsOut",
    "numRecordsInPerSecond",
    "numRecordsOutPerSecond",
];

/// A name or label value as the Prometheus reporter writes it: every character outside
/// `[a-zA-Z0-9:_]` becomes `_` (`AbstractPrometheusReporter#replaceInvalidChars`, one `_` per
/// code point). Label values are written so too unless the reporter's
/// `filterLabelValueCharacters` is `false`.
pub fn prometheus_filtered(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ':' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A Prometheus reporter series as the metric id planscale reads (the REST spelling `record`
/// writes), from its name and labels; `None` for a name outside `task_prefix` (normally
/// [`PROMETHEUS_TASK_PREFIX`]) or an operator metric without `operator_name`.
///
/// Task metrics lose the prefix (`flink_taskmanager_job_task_busyTimeMsPerSecond` →
/// `busyTimeMsPerSecond`). Operator metrics get the operator as their scope, spelled by
/// [`rest_operator_name`] (`…_operator_pendingRecords` with `operator_name="Source:_events"` →
/// `Source__events.pendingRecords`), as the reader does with an `operator_name` column. Kafka's
/// per-partition groups are key-value groups, so topic and partition are labels
/// (`…_operator_KafkaSourceReader_topic_partition_currentOffset{topic,partition}`, and
/// `kafkaCluster_` before it with a `kafkaCluster` label): they become
/// `<op>.KafkaSourceReader.topic.<t>.partition.<n>.currentOffset`. Pulsar's consumer groups are
/// plain groups inside the name (`…_operator_PulsarConsumer_<topic>_partition_<n>_<consumer>_
/// numMsgsReceived`): `<op>.PulsarConsumer.<topic>-partition-<n>.<consumer>.numMsgsReceived`, with
/// the topic as the reporter filtered it (distinct topics stay distinct for counting).
pub fn from_prometheus<'a>(
    name: &str,
    task_prefix: &str,
    label: impl Fn(&str) -> Option<&'a str>,
) -> Option<String> {
    let rest = name.strip_prefix(task_prefix)?;
    let Some(op_metric) = rest.strip_prefix(PROMETHEUS_OPERATOR_SCOPE) else {
        return (!rest.is_empty()).then(|| rest.to_string());
    };
    let mut op = Vec::new();
    rest_operator_name(label("operator_name")?.as_bytes(), &mut op);
    let op = String::from_utf8(op).ok()?;
    const KAFKA: &str = "KafkaSourceReader_topic_partition_currentOffset";
    let kafka = |cluster: Option<&str>| -> Option<String> {
        let topic = label("topic")?;
        let partition = label("partition")?;
        let cluster = match cluster {
            Some(c) => format!(".kafkaCluster.{c}"),
            None => String::new(),
        };
        Some(format!(
            "{op}{cluster}.KafkaSourceReader.topic.{topic}.partition.{partition}.currentOffset"
        ))
    };
    if op_metric == KAFKA {
        return kafka(None);
    }
    if op_metric.strip_prefix("kafkaCluster_") == Some(KAFKA) {
        return kafka(Some(label("kafkaCluster")?));
    }
    if let Some(groups) = op_metric
        .strip_prefix("PulsarConsumer_")
        .and_then(|r| r.strip_suffix("_numMsgsReceived"))
    {
        if let Some((topic, tail)) = groups.rsplit_once("_partition_") {
            if let Some((digits, consumer)) = tail.split_once('_') {
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Some(format!(
                        "{op}.PulsarConsumer.{topic}-partition-{digits}.{consumer}.numMsgsReceived"
                    ));
                }
            }
        }
    }
    (!op_metric.is_empty()).then(|| format!("{op}.{op_metric}"))
}

/// Whether the reader uses values of this metric id: it feeds a [`Field`] or names a source
/// partition. What `fetch` keeps of the series it is sent.
pub fn is_read(id: &str) -> bool {
    matches!(usage(&parse(id)), Usage::Uses(_)) || source_partition_key(id).is_some()
}

/// Operator-scoped metrics of sources start with this (upstream matches `Source__<op>.…`).
const SOURCE_OPERATOR_PREFIX: &str = "Source__";

/// An operator name as Flink's REST metric names spell it (`MetricQueryService` replaces ` `,
/// `,`, `.` and `:` with `_`): `Source: events[7]` → `Source__events[7]`. The Prometheus reporter
/// replaces every character outside `[a-zA-Z0-9:_]` (`Source:_events_7_`); both start with
/// `Source_` + `_`, which is all that upstream's source test (`Source__` prefix) looks at.
pub fn rest_operator_name(label: &[u8], out: &mut Vec<u8>) {
    out.extend(label.iter().map(|&b| match b {
        b' ' | b',' | b'.' | b':' => b'_',
        b => b,
    }));
}

/// An aggregation over subtasks, either named by a suffix or applied by planscale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Agg {
    Min,
    Max,
    Avg,
    Sum,
}

impl Agg {
    fn from_suffix(s: &str) -> Option<Agg> {
        match s {
            "min" => Some(Agg::Min),
            "max" => Some(Agg::Max),
            "avg" => Some(Agg::Avg),
            "sum" => Some(Agg::Sum),
            _ => None,
        }
    }

    pub fn suffix(self) -> &'static str {
        match self {
            Agg::Min => "min",
            Agg::Max => "max",
            Agg::Avg => "avg",
            Agg::Sum => "sum",
        }
    }
}

/// Where a metric lives in Flink's metric tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Task (job vertex subtask) level, e.g. `busyTimeMsPerSecond`.
    Task,
    /// Operator level, e.g. `Source__events[7].numRecordsOutPerSecond`: everything before the base
    /// name. `None` when the name came with a Prometheus operator prefix, whose operator name is a
    /// label that a CSV column cannot carry.
    Operator(Option<&'a str>),
}

/// A parsed metric name. Borrowed from the input; see [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricName<'a> {
    pub scope: Scope<'a>,
    pub base: &'a str,
    pub agg: Option<Agg>,
}

/// Parses a metric name. Never fails: unknown names parse too, [`usage`] decides.
pub fn parse(raw: &str) -> MetricName<'_> {
    let name = raw.trim();
    let (prom_operator, name) = if let Some(rest) = name.strip_prefix(PROMETHEUS_OPERATOR_PREFIX) {
        (true, rest)
    } else if let Some(rest) = name.strip_prefix(PROMETHEUS_TASK_PREFIX) {
        (false, rest)
    } else {
        (false, name)
    };
    // The suffix first, on the last dot: `Source__events[7].numRecordsInPerSecond.avg`.
    let (name, agg) = match name.rsplit_once('.') {
        Some((head, tail)) => match Agg::from_suffix(tail) {
            Some(agg) => (head, Some(agg)),
            None => (name, None),
        },
        None => (name, None),
    };
    // Then the scope: everything before the last remaining dot.
    let (scope, base) = match name.rsplit_once('.') {
        Some((op, base)) => (Scope::Operator(Some(op)), base),
        None if prom_operator => (Scope::Operator(None), name),
        None => (Scope::Task, name),
    };
    MetricName { scope, base, agg }
}

impl MetricName<'_> {
    /// A key equal for every spelling of the same metric (Prometheus prefix or not), used to
    /// detect duplicates and to group values per operator.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        match self.scope {
            Scope::Task => {}
            Scope::Operator(Some(op)) => {
                s.push_str(op);
                s.push('.');
            }
            Scope::Operator(None) => s.push_str("<operator>."),
        }
        s.push_str(self.base);
        if let Some(agg) = self.agg {
            s.push('.');
            s.push_str(agg.suffix());
        }
        s
    }

    fn is_source_operator(&self) -> bool {
        matches!(self.scope, Scope::Operator(Some(op)) if op.starts_with(SOURCE_OPERATOR_PREFIX))
    }
}

/// One value of a [`Sample`](super::Sample): what planscale keeps per vertex and timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `busyTimeMsPerSecond`, max over subtasks: the autoscaler's default LOAD aggregator (MAX).
    BusyMax,
    /// `busyTimeMsPerSecond`, average over subtasks (AVG aggregator, reporting).
    BusyAvg,
    BackPressuredAvg,
    IdleAvg,
    RecordsInPerS,
    RecordsOutPerS,
    /// `Source__*.numRecordsInPerSecond`, summed over subtasks and source operators.
    SourceRecordsInPerS,
    SourceRecordsOutPerS,
    PendingRecords,
    FetchLagMax,
    EmitLagMax,
    /// The `parallelism` metric (the `parallelism` column is kept separately and wins).
    Parallelism,
    /// Cumulative task counters, when exported.
    RecordsIn,
    RecordsOut,
    SourceRecordsIn,
    SourceRecordsOut,
    /// `accumulateBusyTimeMs`, summed over subtasks (the AVG aggregator's ACCUMULATED_BUSY_TIME).
    AccumulatedBusyMs,
}

/// Number of [`Field`] variants (for per-field arrays).
pub const FIELD_COUNT: usize = 17;

impl Field {
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::BusyMax,
        Field::BusyAvg,
        Field::BackPressuredAvg,
        Field::IdleAvg,
        Field::RecordsInPerS,
        Field::RecordsOutPerS,
        Field::SourceRecordsInPerS,
        Field::SourceRecordsOutPerS,
        Field::PendingRecords,
        Field::FetchLagMax,
        Field::EmitLagMax,
        Field::Parallelism,
        Field::RecordsIn,
        Field::RecordsOut,
        Field::SourceRecordsIn,
        Field::SourceRecordsOut,
        Field::AccumulatedBusyMs,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// How values are aggregated over subtasks (and over operators, for operator-scoped fields):
    /// the table in spec/metrics.md.
    pub fn agg(self) -> Agg {
        match self {
            Field::BusyMax | Field::FetchLagMax | Field::EmitLagMax | Field::Parallelism => {
                Agg::Max
            }
            Field::BusyAvg | Field::BackPressuredAvg | Field::IdleAvg => Agg::Avg,
            Field::RecordsInPerS
            | Field::RecordsOutPerS
            | Field::SourceRecordsInPerS
            | Field::SourceRecordsOutPerS
            | Field::PendingRecords
            | Field::RecordsIn
            | Field::RecordsOut
            | Field::SourceRecordsIn
            | Field::SourceRecordsOut
            | Field::AccumulatedBusyMs => Agg::Sum,
        }
    }

    /// The Flink metric behind the field, for messages.
    pub fn metric_name(self) -> &'static str {
        match self {
            Field::BusyMax | Field::BusyAvg => "busyTimeMsPerSecond",
            Field::BackPressuredAvg => "backPressuredTimeMsPerSecond",
            Field::IdleAvg => "idleTimeMsPerSecond",
            Field::RecordsInPerS => "numRecordsInPerSecond",
            Field::RecordsOutPerS => "numRecordsOutPerSecond",
            Field::SourceRecordsInPerS => "Source__*.numRecordsInPerSecond",
            Field::SourceRecordsOutPerS => "Source__*.numRecordsOutPerSecond",
            Field::PendingRecords => "pendingRecords",
            Field::FetchLagMax => "currentFetchEventTimeLag",
            Field::EmitLagMax => "currentEmitEventTimeLag",
            Field::Parallelism => "parallelism",
            Field::RecordsIn => "numRecordsIn",
            Field::RecordsOut => "numRecordsOut",
            Field::SourceRecordsIn => "Source__*.numRecordsIn",
            Field::SourceRecordsOut => "Source__*.numRecordsOut",
            Field::AccumulatedBusyMs => "accumulateBusyTimeMs",
        }
    }
}

/// Whether a value is already aggregated over subtasks (named by a suffix) or raw per subtask
/// (or per vertex, when there is no subtask column). Aggregated values win when both are present
/// for the same sample: they are what Flink's REST endpoint computed over all subtasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Suffixed,
    Raw,
}

/// One field a metric name contributes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use {
    pub field: Field,
    pub origin: Origin,
}

/// What planscale does with values of a metric name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    /// Not a metric planscale uses (counted, listed once in verbose output).
    Unknown,
    /// A known metric at an aggregation or scope planscale does not need, e.g.
    /// `numRecordsInPerSecond.avg` (the sum is used) or a chained operator's own record rate
    /// (the task-level rate covers the vertex).
    Unused,
    /// Feeds these fields (busy time without a suffix feeds both max and average).
    Uses(Vec<Use>),
}

/// The fields a metric name feeds (spec/metrics.md table, scaling.md §4.1).
pub fn usage(name: &MetricName<'_>) -> Usage {
    let operator = !matches!(name.scope, Scope::Task);
    let source = name.is_source_operator();
    let fields: &[Field] = match name.base {
        // Task-level only: operator-scoped names with these bases are something else (e.g. a
        // FLIP-27 split's `split.0.watermark.idleTimeMsPerSecond`).
        "busyTimeMsPerSecond" if !operator => &[Field::BusyMax, Field::BusyAvg],
        "backPressuredTimeMsPerSecond" if !operator => &[Field::BackPressuredAvg],
        "idleTimeMsPerSecond" if !operator => &[Field::IdleAvg],
        "parallelism" if !operator => &[Field::Parallelism],
        "accumulateBusyTimeMs" if !operator => &[Field::AccumulatedBusyMs],
        // Records: task level, or a source operator's own counters (upstream's fallback for
        // legacy sources whose task-level input is 0).
        "numRecordsInPerSecond" if !operator => &[Field::RecordsInPerS],
        "numRecordsOutPerSecond" if !operator => &[Field::RecordsOutPerS],
        "numRecordsIn" if !operator => &[Field::RecordsIn],
        "numRecordsOut" if !operator => &[Field::RecordsOut],
        "numRecordsInPerSecond" if source => &[Field::SourceRecordsInPerS],
        "numRecordsOutPerSecond" if source => &[Field::SourceRecordsOutPerS],
        "numRecordsIn" if source => &[Field::SourceRecordsIn],
        "numRecordsOut" if source => &[Field::SourceRecordsOut],
        // Source backlog and lag: operator metrics, but accepted without a scope too.
        "pendingRecords" => &[Field::PendingRecords],
        "currentFetchEventTimeLag" => &[Field::FetchLagMax],
        "currentEmitEventTimeLag" => &[Field::EmitLagMax],
        "busyTimeMsPerSecond"
        | "backPressuredTimeMsPerSecond"
        | "idleTimeMsPerSecond"
        | "parallelism"
        | "accumulateBusyTimeMs"
        | "numRecordsInPerSecond"
        | "numRecordsOutPerSecond"
        | "numRecordsIn"
        | "numRecordsOut" => return Usage::Unused,
        _ => return Usage::Unknown,
    };
    let uses: Vec<Use> = fields
        .iter()
        .filter_map(|&field| match name.agg {
            None => Some(Use {
                field,
                origin: Origin::Raw,
            }),
            Some(agg) if agg == field.agg() => Some(Use {
                field,
                origin: Origin::Suffixed,
            }),
            Some(_) => None,
        })
        .collect();
    if uses.is_empty() {
        Usage::Unused
    } else {
        Usage::Uses(uses)
    }
}

/// §4.5: number of distinct partitions named by Kafka (`…KafkaSourceReader.topic.<t>.partition.<n>
/// .currentOffset`, optionally with `kafkaCluster.<c>`) or Pulsar (`…PulsarConsumer.<t>-partition-
/// <n>….numMsgsReceived`) metric names, summed over topics. Other names are ignored.
pub fn count_source_partitions<'a>(metric_names: impl IntoIterator<Item = &'a str>) -> i64 {
    let seen: std::collections::BTreeSet<String> = metric_names
        .into_iter()
        .filter_map(source_partition_key)
        .collect();
    seen.len() as i64
}

/// The partition a Kafka or Pulsar metric name stands for (cluster, topic and partition in one
/// key), as upstream's `ScalingMetricCollector` pattern reads it; `None` for other names.
pub fn source_partition_key(name: &str) -> Option<String> {
    if let Some((_, rest)) = name.split_once(".KafkaSourceReader.") {
        let rest = rest.strip_suffix(".currentOffset")?;
        let (cluster, rest) = match rest.strip_prefix("kafkaCluster.") {
            Some(r) => r.split_once(".topic.")?,
            None => ("", rest.strip_prefix("topic.")?),
        };
        let (topic, partition) = rest.rsplit_once(".partition.")?;
        partition.parse::<u64>().ok()?;
        // Upstream's cluster group sits before `.KafkaSourceReader`; both spellings count.
        let cluster = name
            .split_once(".kafkaCluster.")
            .and_then(|(_, r)| r.split_once(".KafkaSourceReader."))
            .map_or(cluster, |(c, _)| c);
        return Some(format!("kafka\u{0}{cluster}\u{0}{topic}\u{0}{partition}"));
    }
    let (_, rest) = name.split_once(".PulsarConsumer.")?;
    let rest = rest.strip_suffix(".numMsgsReceived")?;
    let (topic, tail) = rest.rsplit_once("-partition-")?;
    let (digits, consumer) = tail.split_once('.')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && !consumer.is_empty())
        .then(|| format!("pulsar\u{0}{topic}\u{0}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(raw: &str) -> Vec<(Field, Origin)> {
        match usage(&parse(raw)) {
            Usage::Uses(u) => u.into_iter().map(|u| (u.field, u.origin)).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn suffix_is_split_on_the_last_dot() {
        let n = parse("Source__events[7].numRecordsInPerSecond.avg");
        assert_eq!(n.scope, Scope::Operator(Some("Source__events[7]")));
        assert_eq!(n.base, "numRecordsInPerSecond");
        assert_eq!(n.agg, Some(Agg::Avg));
        let n = parse("Shuffle.Netty.Input.Buffers.inPoolUsage.max");
        assert_eq!(n.base, "inPoolUsage");
        assert_eq!(n.agg, Some(Agg::Max));
        // A last component that is not an aggregation stays part of the name.
        let n = parse("busyTimeMsPerSecond");
        assert_eq!(
            (n.scope, n.base, n.agg),
            (Scope::Task, "busyTimeMsPerSecond", None)
        );
    }

    #[test]
    fn prometheus_prefixes_are_stripped() {
        let n = parse("flink_taskmanager_job_task_busyTimeMsPerSecond");
        assert_eq!(
            (n.scope.clone(), n.base),
            (Scope::Task, "busyTimeMsPerSecond")
        );
        let n = parse("flink_taskmanager_job_task_operator_pendingRecords");
        assert_eq!(
            (n.scope.clone(), n.base),
            (Scope::Operator(None), "pendingRecords")
        );
        assert_eq!(
            parse("flink_taskmanager_job_task_busyTimeMsPerSecond.max").canonical(),
            parse("busyTimeMsPerSecond.max").canonical()
        );
        assert_eq!(
            fields("flink_taskmanager_job_task_operator_pendingRecords"),
            vec![(Field::PendingRecords, Origin::Raw)]
        );
    }

    #[test]
    fn busy_time_feeds_max_and_average() {
        assert_eq!(
            fields("busyTimeMsPerSecond"),
            vec![(Field::BusyMax, Origin::Raw), (Field::BusyAvg, Origin::Raw)]
        );
        assert_eq!(
            fields("busyTimeMsPerSecond.max"),
            vec![(Field::BusyMax, Origin::Suffixed)]
        );
        assert_eq!(
            fields("busyTimeMsPerSecond.avg"),
            vec![(Field::BusyAvg, Origin::Suffixed)]
        );
        assert_eq!(usage(&parse("busyTimeMsPerSecond.sum")), Usage::Unused);
        assert_eq!(usage(&parse("busyTimeMsPerSecond.min")), Usage::Unused);
    }

    #[test]
    fn aggregation_follows_the_table() {
        assert_eq!(
            fields("numRecordsInPerSecond.sum"),
            vec![(Field::RecordsInPerS, Origin::Suffixed)]
        );
        assert_eq!(usage(&parse("numRecordsInPerSecond.max")), Usage::Unused);
        assert_eq!(
            fields("backPressuredTimeMsPerSecond.avg"),
            vec![(Field::BackPressuredAvg, Origin::Suffixed)]
        );
        assert_eq!(
            fields("idleTimeMsPerSecond.avg"),
            vec![(Field::IdleAvg, Origin::Suffixed)]
        );
        assert_eq!(
            fields("Source__kafka.pendingRecords.sum"),
            vec![(Field::PendingRecords, Origin::Suffixed)]
        );
        assert_eq!(
            fields("Source__kafka.currentFetchEventTimeLag.max"),
            vec![(Field::FetchLagMax, Origin::Suffixed)]
        );
        assert_eq!(
            fields("parallelism"),
            vec![(Field::Parallelism, Origin::Raw)]
        );
        assert_eq!(
            fields("numRecordsIn"),
            vec![(Field::RecordsIn, Origin::Raw)]
        );
    }

    #[test]
    fn operator_scope_decides_source_fields() {
        assert_eq!(
            fields("Source__events[7].numRecordsOutPerSecond.sum"),
            vec![(Field::SourceRecordsOutPerS, Origin::Suffixed)]
        );
        assert_eq!(
            fields("Source__kafka.numRecordsIn"),
            vec![(Field::SourceRecordsIn, Origin::Raw)]
        );
        // A chained operator's own rate: known, not used.
        assert_eq!(
            usage(&parse("parse__drop_every_10th.numRecordsInPerSecond.sum")),
            Usage::Unused
        );
        // A split's idle time is not the task's idle time.
        assert_eq!(
            usage(&parse(
                "Source__numbers.split.0.watermark.idleTimeMsPerSecond"
            )),
            Usage::Unused
        );
        assert_eq!(
            usage(&parse("Source__numbers.sourceIdleTime.avg")),
            Usage::Unknown
        );
        assert_eq!(
            usage(&parse("Shuffle.Netty.Input.Buffers.inPoolUsage.avg")),
            Usage::Unknown
        );
        assert_eq!(usage(&parse("job_state")), Usage::Unknown);
    }

    #[test]
    fn the_fetched_names_are_the_names_the_reader_uses() {
        for m in TASK_METRICS {
            assert!(is_read(m), "{m}");
            let prom = format!("{PROMETHEUS_TASK_PREFIX}{m}");
            assert_eq!(parse(&prom).canonical(), parse(m).canonical());
        }
        for m in OPERATOR_METRICS {
            assert!(is_read(&format!("Map.{m}")), "{m}");
        }
        for m in SOURCE_OPERATOR_METRICS {
            assert!(is_read(&format!("Source__s.{m}")), "{m}");
            assert!(!is_read(&format!("Map.{m}")), "{m}");
        }
        assert_eq!(
            PROMETHEUS_OPERATOR_PREFIX,
            format!("{PROMETHEUS_TASK_PREFIX}{PROMETHEUS_OPERATOR_SCOPE}")
        );
    }

    #[test]
    fn prometheus_series_become_rest_ids() {
        let labels = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
        };
        let none = labels(&[]);
        let p = PROMETHEUS_TASK_PREFIX;
        assert_eq!(
            from_prometheus(&format!("{p}busyTimeMsPerSecond"), p, none).as_deref(),
            Some("busyTimeMsPerSecond")
        );
        assert_eq!(
            from_prometheus("flink_jobmanager_numRunningJobs", p, none),
            None
        );
        // The reporter filters label values: `Source: events[7]` arrives as `Source:_events_7_`.
        assert_eq!(
            prometheus_filtered("Source: events[7]"),
            "Source:_events_7_"
        );
        assert_eq!(prometheus_filtered("a\u{e9}b"), "a_b");
        let src = labels(&[("operator_name", "Source:_events_7_")]);
        let id = from_prometheus(&format!("{p}operator_numRecordsOutPerSecond"), p, src).unwrap();
        assert_eq!(id, "Source__events_7_.numRecordsOutPerSecond");
        assert!(is_read(&id));
        // Unfiltered label values get the REST spelling.
        let src = labels(&[("operator_name", "Source: events[7]")]);
        assert_eq!(
            from_prometheus(&format!("{p}operator_pendingRecords"), p, src).as_deref(),
            Some("Source__events[7].pendingRecords")
        );
        assert_eq!(
            from_prometheus(&format!("{p}operator_pendingRecords"), p, none),
            None
        );
        let kafka = labels(&[
            ("operator_name", "Source:_orders"),
            ("topic", "orders"),
            ("partition", "3"),
            ("kafkaCluster", "c1"),
        ]);
        let id = from_prometheus(
            &format!("{p}operator_KafkaSourceReader_topic_partition_currentOffset"),
            p,
            kafka,
        )
        .unwrap();
        assert_eq!(
            id,
            "Source__orders.KafkaSourceReader.topic.orders.partition.3.currentOffset"
        );
        let cluster = from_prometheus(
            &format!("{p}operator_kafkaCluster_KafkaSourceReader_topic_partition_currentOffset"),
            p,
            kafka,
        )
        .unwrap();
        assert_ne!(source_partition_key(&id), None);
        assert_ne!(source_partition_key(&cluster), source_partition_key(&id));
        let pulsar = from_prometheus(
            &format!(
                "{p}operator_PulsarConsumer_persistent___public_default_t_partition_2_abc_numMsgsReceived"
            ),
            p,
            labels(&[("operator_name", "Source:_pulsar")]),
        )
        .unwrap();
        assert_eq!(
            pulsar,
            "Source__pulsar.PulsarConsumer.persistent___public_default_t-partition-2.abc.numMsgsReceived"
        );
        assert!(source_partition_key(&pulsar).is_some());
        // Another prefix (series renamed by relabelling or recording rules).
        assert_eq!(
            from_prometheus(
                "team_flink_task_busyTimeMsPerSecond",
                "team_flink_task_",
                none
            )
            .as_deref(),
            Some("busyTimeMsPerSecond")
        );
    }

    #[test]
    fn metric_names_are_case_sensitive() {
        assert_eq!(usage(&parse("BusyTimeMsPerSecond")), Usage::Unknown);
        assert_eq!(usage(&parse("busyTimeMsPerSecond.MAX")), Usage::Unknown);
    }

    #[test]
    fn field_table_is_consistent() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
        }
    }

    #[test]
    fn partitions_counted_as_upstreams_collector_test_counts_them() {
        // MetricsCollectionAndEvaluationTest#testKafkaPulsarNumPartitions: 5, 6 and 5.
        let kafka = |c: &str, t: &str, p: u32| {
            match c {
            "" => format!("1.Source__Kafka_Source_(testTopic).KafkaSourceReader.topic.{t}.partition.{p}.currentOffset"),
            c => format!("1.Source__Kafka_Source_(testTopic).kafkaCluster.{c}.KafkaSourceReader.topic.{t}.partition.{p}.currentOffset"),
        }
        };
        let mut plain: Vec<String> = (0..4).map(|p| kafka("", "testTopic", p)).collect();
        plain.push(kafka("", "anotherTopic", 0));
        plain.push("1.Source__Kafka_Source_(testTopic).KafkaSourceReader.topic.anotherTopic.partition.0.anotherMetric".into());
        assert_eq!(count_source_partitions(plain.iter().map(String::as_str)), 5);
        let mut clusters = vec![
            kafka("my-cluster-1", "testTopic", 0),
            kafka("my-cluster-1", "anotherTopic", 0),
        ];
        clusters.extend((0..4).map(|p| kafka("my-cluster-2", "testTopic", p)));
        assert_eq!(
            count_source_partitions(clusters.iter().map(String::as_str)),
            6
        );
        let pulsar = |t: &str, p: u32, c: &str| {
            format!("0.Source__pulsar_source[1].PulsarConsumer.persistent_//public/default/{t}-partition-{p}.{c}.numMsgsReceived")
        };
        let p = [
            pulsar("testTopic", 1, "d842f"),
            pulsar("testTopic", 1, "660d2"),
            pulsar("testTopic", 2, "a"),
            pulsar("otherTopic", 2, "b"),
            pulsar("testTopic", 3, "c"),
            pulsar("testTopic", 4, "d"),
        ];
        assert_eq!(count_source_partitions(p.iter().map(String::as_str)), 5);
    }

    #[test]
    fn partitions_are_counted_from_metric_names() {
        let names = [
            "0.Source__k.KafkaSourceReader.topic.orders.partition.0.currentOffset",
            "1.Source__k.KafkaSourceReader.topic.orders.partition.0.currentOffset",
            "0.Source__k.KafkaSourceReader.topic.orders.partition.1.currentOffset",
            "0.Source__k.KafkaSourceReader.kafkaCluster.c1.topic.pay.partition.3.currentOffset",
            "0.Source__p.PulsarConsumer.persistent_tenant_ns_t-partition-2.abc.numMsgsReceived",
            "0.Source__k.KafkaSourceReader.topic.orders.partition.1.committedOffset",
        ];
        assert_eq!(count_source_partitions(names), 4);
    }
}
