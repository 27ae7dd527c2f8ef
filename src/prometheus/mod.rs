//! Prometheus as a metric source: the metrics Flink's Prometheus reporter
//! (`flink-metrics-prometheus`) exports, read back from a server that speaks Prometheus' HTTP API
//! (Prometheus, Thanos Query, Mimir, Cortex, VictoriaMetrics) into the long metric CSV that
//! `planscale record` writes and `recommend` and `simulate` read (docs/metrics.md).
//!
//! [`client`] is the HTTP side: the three endpoints, credentials and extra headers, retries of
//! transient failures, typed errors. [`fetch`] is the operation: find the job's series, query
//! them window by window, write rows.
//!
//! Names: the reporter writes `flink_` + the metric group's logical scope joined by `_` + the
//! metric name, and every group variable as a label (`job_id`, `job_name`, `task_id`,
//! `task_name`, `subtask_index`, `operator_id`, `operator_name`, `tm_id`, `task_attempt_num`, …),
//! with every character outside `[a-zA-Z0-9:_]` replaced by `_` in names and (unless
//! `filterLabelValueCharacters` is off) label values; key-value groups (Kafka's `topic` and
//! `partition`) are labels too (Flink's `AbstractPrometheusReporter`, `GenericValueMetricGroup`).
//! The mapping back to the metric ids planscale reads is the metric reader's own
//! ([`crate::metrics::names::from_prometheus`]), not a second one.
//!
//! Invariants: memory is bounded by one query window's points, never by the range; credentials
//! never appear in a URL, a message or `Debug` output; only loopback hosts bypass a proxy from
//! the environment, as for Flink REST.

pub mod client;
pub mod fetch;

pub use client::{Auth, Client, ClientOptions, Header, PromError, Secret};
pub use fetch::{fetch, FetchError, FetchOutcome, FetchRequest, JobSelector};
