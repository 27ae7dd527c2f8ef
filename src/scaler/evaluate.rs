//! Evaluation of one metric window (scaling.md §5): per vertex the target data rate, catch-up
//! rate, true processing rate, LOAD, LAG and the utilization band, plus job-wide backlog detection.
//!
//! Invariants: vertices are evaluated in topological order, so every downstream rate is built
//! from already-rounded upstream results (as upstream does); every evaluated metric passes through
//! [`round_metric`] exactly once; thresholds are Java-`Math.round`ed capacities. Nothing here
//! fails on odd numbers (zero rates give ∞ or NaN by IEEE rules, §4.4); the only error is a source
//! whose ingestion rate is undefined, which upstream treats as "cannot evaluate this cycle".

use std::fmt;

use super::metrics::{MetricWindow, ScalingMetric, VertexWindow};
use super::numeric::{floor, java_max, java_round, round_metric};
use super::options::{AutoscalerOptions, BusyTimeAggregator, DurationMs, Version};
use super::topology::{ShipStrategy, Topology};

/// Where the true processing rate came from (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TprSource {
    /// `input rate / busy fraction`.
    BusyTime,
    /// Average of the observed TPR samples of a source in catch-up.
    Observed,
}

/// The two edges of the utilization band, as record rates (§5.9).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Below this TPR the vertex is too slow: `capacity(u_up, no restart)`.
    pub scale_up: f64,
    /// Above this TPR the vertex is oversized: `capacity(u_down, with restart)`.
    pub scale_down: f64,
}

impl Thresholds {
    /// The strict band test of §5.9 (a NaN TPR is never outside).
    pub fn is_outside(&self, true_processing_rate: f64) -> bool {
        true_processing_rate < self.scale_up || true_processing_rate > self.scale_down
    }
}

/// Evaluated metrics of one vertex, already rounded as upstream publishes them.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedVertex {
    pub id: String,
    pub parallelism: i64,
    pub max_parallelism: i64,
    pub num_source_partitions: i64,
    pub input_ship_strategies: Vec<ShipStrategy>,
    pub is_source: bool,
    pub target_data_rate: f64,
    pub catch_up_data_rate: f64,
    pub true_processing_rate: f64,
    pub tpr_source: TprSource,
    /// Average busy fraction of the aggregated subtask (busy ms per s ÷ 1000).
    pub load: f64,
    /// Latest LAG, when the latest sample holds one (sources).
    pub lag: Option<f64>,
    /// Numerator of the busy-time TPR (records/s, unrounded).
    pub input_rate: f64,
    pub thresholds: Thresholds,
}

/// Job-wide metrics used by the memory-pressure gate (§7.2).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GlobalMetrics {
    /// Latest GC time share (NaN when not collected).
    pub gc_pressure: f64,
    /// Window-average heap usage ratio (NaN when not collected).
    pub heap_max_usage_ratio: f64,
}

/// The result of evaluating one window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    pub processing_backlog: bool,
    /// In topological order.
    pub vertices: Vec<EvaluatedVertex>,
    pub global: GlobalMetrics,
}

impl EvaluatedVertex {
    /// The evaluated value of `metric` as upstream publishes it; `None` for metrics a vertex
    /// does not carry (LAG of a non-source, or metrics that are not evaluated per vertex).
    pub fn metric(&self, metric: ScalingMetric) -> Option<f64> {
        match metric {
            ScalingMetric::TargetDataRate => Some(self.target_data_rate),
            ScalingMetric::CatchUpDataRate => Some(self.catch_up_data_rate),
            ScalingMetric::TrueProcessingRate => Some(self.true_processing_rate),
            ScalingMetric::Load => Some(self.load),
            ScalingMetric::Lag => self.lag,
            ScalingMetric::Parallelism => Some(self.parallelism as f64),
            ScalingMetric::MaxParallelism => Some(self.max_parallelism as f64),
            ScalingMetric::NumSourcePartitions => Some(self.num_source_partitions as f64),
            ScalingMetric::ScaleUpRateThreshold => Some(self.thresholds.scale_up),
            ScalingMetric::ScaleDownRateThreshold => Some(self.thresholds.scale_down),
            _ => None,
        }
    }
}

impl Evaluation {
    pub fn vertex(&self, id: &str) -> Option<&EvaluatedVertex> {
        self.vertices.iter().find(|v| v.id == id)
    }
}

/// Why a window could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvaluateError {
    /// Rates need two samples (§3.3).
    TooFewSamples(usize),
    /// A source without a defined ingestion rate (§5.3): upstream aborts the cycle.
    NoIngestionRate { vertex: String },
}

impl fmt::Display for EvaluateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvaluateError::TooFewSamples(n) => {
                write!(
                    f,
                    "the metric window holds {n} sample(s); at least 2 are needed"
                )
            }
            EvaluateError::NoIngestionRate { vertex } => write!(
                f,
                "source `{vertex}` has no ingestion rate (NUM_RECORDS_IN needs two samples)"
            ),
        }
    }
}

impl std::error::Error for EvaluateError {}

/// §5.9 target capacity: `round(C + R + T/u')` with `u' = clamp(u, 0, 1)`, `R = T·restart/catchUp`
/// when `with_restart` and catch-up > 0. NaN if C or T is NaN; +∞ when `u' = 0`. Durations count
/// in whole seconds, like upstream.
pub fn target_capacity(
    target_data_rate: f64,
    catch_up_data_rate: f64,
    utilization: f64,
    with_restart: bool,
    restart_time_s: f64,
    catch_up_duration: DurationMs,
) -> f64 {
    if catch_up_data_rate.is_nan() || target_data_rate.is_nan() {
        return f64::NAN;
    }
    let u = if utilization.is_nan() {
        f64::NAN
    } else {
        utilization.clamp(0.0, 1.0)
    };
    if u == 0.0 {
        return f64::INFINITY;
    }
    let catch_up_s = catch_up_duration.whole_secs() as f64;
    let restart_s = whole_secs(restart_time_s);
    let restart_rate = if !with_restart || catch_up_s == 0.0 {
        0.0
    } else {
        target_data_rate * restart_s / catch_up_s
    };
    java_round(catch_up_data_rate + restart_rate + target_data_rate / u)
}

/// Seconds truncated like `Duration.toSeconds()` (towards −∞); NaN counts as 0.
pub(crate) fn whole_secs(s: f64) -> f64 {
    if s.is_nan() {
        0.0
    } else {
        floor(s)
    }
}

/// §5.9 band edges: the configured band, or `[1, 0]` while processing backlog (no scale-down
/// while catching up).
pub fn utilization_band(opts: &AutoscalerOptions, processing_backlog: bool) -> (f64, f64) {
    if processing_backlog {
        (1.0, 0.0)
    } else {
        (opts.utilization_upper(), opts.utilization_lower())
    }
}

/// §5.9 scale-up and scale-down thresholds of a vertex. Upstream passes them through
/// `roundMetric`, which keeps a `Math.round`ed capacity (a whole number, ±∞ or NaN) as it is, so
/// it is not called here.
pub fn rate_thresholds(
    opts: &AutoscalerOptions,
    target_data_rate: f64,
    catch_up_data_rate: f64,
    restart_time_s: f64,
    processing_backlog: bool,
) -> Thresholds {
    let (up, down) = utilization_band(opts, processing_backlog);
    Thresholds {
        scale_up: target_capacity(
            target_data_rate,
            catch_up_data_rate,
            up,
            false,
            restart_time_s,
            opts.catch_up_duration,
        ),
        scale_down: target_capacity(
            target_data_rate,
            catch_up_data_rate,
            down,
            true,
            restart_time_s,
            opts.catch_up_duration,
        ),
    }
}

/// §5.5 busy milliseconds per second of the aggregated subtask over the window.
pub fn busy_time_ms_per_s(
    window: &MetricWindow,
    vertex: &str,
    parallelism: i64,
    aggregator: BusyTimeAggregator,
) -> f64 {
    busy_time_of(window.vertex(vertex), parallelism, aggregator)
}

fn busy_time_of(window: VertexWindow<'_>, parallelism: i64, aggregator: BusyTimeAggregator) -> f64 {
    match aggregator {
        BusyTimeAggregator::Avg => {
            window.rate(ScalingMetric::AccumulatedBusyTime) / parallelism as f64
        }
        BusyTimeAggregator::Max | BusyTimeAggregator::Min => {
            window.average(ScalingMetric::Load, 1) * 1000.0
        }
    }
}

/// §5.6 numerator of the busy-time TPR. 1.15.0: `rate(NUM_RECORDS_IN)`. main with MAX/MIN: the
/// average per-second gauge when finite (sources never store it, so they fall back to the rate).
pub fn tpr_input_rate(
    window: &MetricWindow,
    vertex: &str,
    aggregator: BusyTimeAggregator,
    version: Version,
) -> f64 {
    let w = window.vertex(vertex);
    tpr_input_rate_of(w, w.rate(ScalingMetric::NumRecordsIn), aggregator, version)
}

/// [`tpr_input_rate`] with the vertex's `rate(NUM_RECORDS_IN)` already read.
fn tpr_input_rate_of(
    window: VertexWindow<'_>,
    rate_in: f64,
    aggregator: BusyTimeAggregator,
    version: Version,
) -> f64 {
    if version.after_1_15() && aggregator != BusyTimeAggregator::Avg {
        let per_second = window.average(ScalingMetric::NumRecordsInPerSecond, 1);
        if per_second.is_finite() {
            return per_second;
        }
    }
    rate_in
}

/// §5.6: busy-time TPR `N / (B/1000)` (+∞ when `N = 0`), replaced by the observed average when
/// the busy-time value is undefined or infinite, or exceeds it by more than the switch threshold.
pub fn true_processing_rate(
    busy_time_ms_per_s: f64,
    input_rate: f64,
    observed_average: f64,
    switch_threshold: f64,
) -> (f64, TprSource) {
    let busy_tpr = if input_rate == 0.0 {
        f64::INFINITY
    } else {
        input_rate / (busy_time_ms_per_s / 1000.0)
    };
    if observed_average.is_nan() {
        return (busy_tpr, TprSource::BusyTime);
    }
    if !busy_tpr.is_finite() || busy_tpr > observed_average * (1.0 + switch_threshold) {
        (observed_average, TprSource::Observed)
    } else {
        (busy_tpr, TprSource::BusyTime)
    }
}

/// What evaluation reads of one vertex's window more than once, read once: the edges, the
/// backlog test and the vertex itself all ask for `rate(NUM_RECORDS_IN)`. By topology position.
#[derive(Clone, Copy)]
struct Readings<'a> {
    window: VertexWindow<'a>,
    rate_in: f64,
}

fn readings<'a>(topology: &Topology, window: &'a MetricWindow) -> Vec<Readings<'a>> {
    topology
        .vertices()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let window = window.vertex_hinted(&v.id, i);
            Readings {
                window,
                rate_in: window.rate(ScalingMetric::NumRecordsIn),
            }
        })
        .collect()
}

/// §5.4 records per second flowing along `from → to`.
pub fn edge_data_rate(topology: &Topology, window: &MetricWindow, from: &str, to: &str) -> f64 {
    match (topology.position(from), topology.position(to)) {
        (Some(from), Some(to)) => {
            edge_data_rate_at(topology, &readings(topology, window), from, to)
        }
        _ => f64::NAN,
    }
}

fn edge_data_rate_at(topology: &Topology, r: &[Readings<'_>], from: usize, to: usize) -> f64 {
    let inputs = topology.input_positions(to);
    if inputs.len() == 1 {
        return r[to].rate_in;
    }
    let mut others = 0.0;
    let mut usable = true;
    for &input in inputs.iter().filter(|&&i| i != from) {
        if topology.output_count(input) == 1 {
            others += r[input].window.rate(ScalingMetric::NumRecordsOut);
        } else {
            usable = false;
            break;
        }
    }
    if usable && !others.is_nan() {
        return r[to].rate_in - others;
    }
    r[from].window.rate(ScalingMetric::NumRecordsOut)
}

/// §5.4 output ratio of an edge, relative to the upstream vertex's *input*; 0 when either rate is
/// not positive (an idle upstream must not multiply into a huge downstream target).
pub fn edge_output_ratio(topology: &Topology, window: &MetricWindow, from: &str, to: &str) -> f64 {
    match (topology.position(from), topology.position(to)) {
        (Some(from), Some(to)) => {
            edge_output_ratio_at(topology, &readings(topology, window), from, to)
        }
        _ => 0.0,
    }
}

fn edge_output_ratio_at(topology: &Topology, r: &[Readings<'_>], from: usize, to: usize) -> f64 {
    let input_rate = r[from].rate_in;
    if input_rate > 0.0 {
        let edge_rate = edge_data_rate_at(topology, r, from, to);
        if edge_rate > 0.0 {
            return edge_rate / input_rate;
        }
    }
    0.0
}

/// §5.8: any source whose latest LAG exceeds `backlog-processing.lag-threshold` seconds of its
/// input rate. An undefined rate does not count.
pub fn is_processing_backlog(
    opts: &AutoscalerOptions,
    topology: &Topology,
    window: &MetricWindow,
) -> bool {
    processing_backlog_of(opts, topology, &readings(topology, window))
}

fn processing_backlog_of(
    opts: &AutoscalerOptions,
    topology: &Topology,
    r: &[Readings<'_>],
) -> bool {
    let threshold = opts.backlog_processing_lag_threshold.whole_secs() as f64;
    topology
        .vertices()
        .iter()
        .zip(r)
        .filter(|(v, _)| v.is_source())
        .any(|(_, r)| {
            let lag = r.window.latest_value(ScalingMetric::Lag).unwrap_or(0.0);
            !r.rate_in.is_nan() && lag / r.rate_in > threshold
        })
}

/// §5 whole evaluation of one window. `restart_time_s` only enters the thresholds.
pub fn evaluate(
    opts: &AutoscalerOptions,
    topology: &Topology,
    window: &MetricWindow,
    restart_time_s: f64,
) -> Result<Evaluation, EvaluateError> {
    let mut out = Evaluation::default();
    evaluate_into(opts, topology, window, restart_time_s, &mut out)?;
    Ok(out)
}

/// [`evaluate`] into `out`, reusing its vertex records (their ids and strategy lists keep their
/// buffers): a replay evaluates a window every cycle. After an error `out` is partly written.
pub fn evaluate_into(
    opts: &AutoscalerOptions,
    topology: &Topology,
    window: &MetricWindow,
    restart_time_s: f64,
    out: &mut Evaluation,
) -> Result<(), EvaluateError> {
    if window.len() < 2 {
        return Err(EvaluateError::TooFewSamples(window.len()));
    }
    let r = readings(topology, window);
    let processing_backlog = processing_backlog_of(opts, topology, &r);
    out.processing_backlog = processing_backlog;
    for (i, info) in topology.vertices().iter().enumerate() {
        let w = r[i].window;
        let rate_in = r[i].rate_in;
        let latest_lag = w.latest_value(ScalingMetric::Lag);
        let (target, catch_up) = if info.is_source() {
            let lag_rate = w.rate(ScalingMetric::Lag);
            let ingestion = java_max(0.0, rate_in + lag_rate);
            if ingestion.is_nan() {
                return Err(EvaluateError::NoIngestionRate {
                    vertex: info.id.clone(),
                });
            }
            let lag = latest_lag.unwrap_or(0.0);
            let catch_up_s = opts.catch_up_duration.whole_secs() as f64;
            let catch_up = if catch_up_s == 0.0 {
                0.0
            } else {
                lag / catch_up_s
            };
            (round_metric(ingestion), round_metric(catch_up))
        } else {
            let mut target = 0.0;
            let mut catch_up = 0.0;
            for &from in topology.input_positions(i) {
                let ratio = edge_output_ratio_at(topology, &r, from, i);
                let up = &out.vertices[from];
                target += up.target_data_rate * ratio;
                catch_up += up.catch_up_data_rate * ratio;
            }
            (round_metric(target), round_metric(catch_up))
        };
        let busy = busy_time_of(w, info.parallelism, opts.busy_time_aggregator);
        let input_rate = tpr_input_rate_of(w, rate_in, opts.busy_time_aggregator, opts.version);
        let observed = w.average(
            ScalingMetric::ObservedTpr,
            opts.observed_tpr_min_observations,
        );
        let (tpr, tpr_source) = true_processing_rate(
            busy,
            input_rate,
            observed,
            opts.observed_tpr_switch_threshold,
        );
        let thresholds =
            rate_thresholds(opts, target, catch_up, restart_time_s, processing_backlog);
        let (mut id, mut strategies) = match out.vertices.get_mut(i) {
            Some(old) => (
                std::mem::take(&mut old.id),
                std::mem::take(&mut old.input_ship_strategies),
            ),
            None => (String::new(), Vec::new()),
        };
        id.clone_from(&info.id);
        strategies.clear();
        strategies.extend(info.inputs.iter().map(|i| i.ship_strategy.clone()));
        let evaluated = EvaluatedVertex {
            id,
            parallelism: info.parallelism,
            max_parallelism: info.max_parallelism,
            num_source_partitions: info.num_source_partitions,
            input_ship_strategies: strategies,
            is_source: info.is_source(),
            target_data_rate: target,
            catch_up_data_rate: catch_up,
            true_processing_rate: round_metric(tpr),
            tpr_source,
            load: round_metric(busy / 1000.0),
            lag: latest_lag.map(round_metric),
            input_rate,
            thresholds,
        };
        match out.vertices.get_mut(i) {
            Some(slot) => *slot = evaluated,
            None => out.vertices.push(evaluated),
        }
    }
    out.vertices.truncate(topology.vertices().len());
    out.global = GlobalMetrics {
        gc_pressure: round_metric(window.global_latest(ScalingMetric::GcPressure)),
        heap_max_usage_ratio: round_metric(window.global_average(ScalingMetric::HeapMaxUsageRatio)),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::metrics::Sample;
    use crate::scaler::topology::{Input, VertexInfo};

    fn opts(pairs: &[(&str, &str)]) -> AutoscalerOptions {
        AutoscalerOptions::from_map(Version::V1_15, pairs.iter().copied()).unwrap()
    }

    fn vertex(id: &str, p: i64, inputs: &[&str]) -> VertexInfo {
        VertexInfo {
            id: id.into(),
            parallelism: p,
            max_parallelism: 720,
            num_source_partitions: 0,
            inputs: inputs
                .iter()
                .map(|f| Input {
                    from: (*f).into(),
                    ship_strategy: ShipStrategy::Rebalance,
                })
                .collect(),
        }
    }

    #[test]
    fn capacity_rounds_half_up_and_clips_utilization() {
        let catch_up = DurationMs::from_secs(0);
        assert_eq!(target_capacity(50.0, 0.0, 0.8, true, 300.0, catch_up), 63.0);
        assert_eq!(
            target_capacity(700.0, 0.0, 1.3, false, 0.0, catch_up),
            700.0
        );
        assert_eq!(
            target_capacity(700.0, 0.0, -0.1, true, 0.0, catch_up),
            f64::INFINITY
        );
        assert!(target_capacity(f64::NAN, 0.0, 0.5, true, 0.0, catch_up).is_nan());
        // restart term only with a catch-up duration
        let two = DurationMs::from_secs(2);
        assert_eq!(target_capacity(700.0, 350.0, 0.7, true, 1.0, two), 1700.0);
        assert_eq!(target_capacity(700.0, 350.0, 0.9, false, 1.0, two), 1128.0);
    }

    #[test]
    fn thresholds_follow_explicit_min_max_and_backlog() {
        let o = opts(&[
            ("job.autoscaler.utilization.target", "0.8"),
            ("job.autoscaler.utilization.max", "0.9"),
            ("job.autoscaler.utilization.min", "0.7"),
            ("job.autoscaler.catch-up.duration", "2 s"),
        ]);
        let t = rate_thresholds(&o, 700.0, 0.0, 1.0, false);
        assert_eq!((t.scale_up, t.scale_down), (778.0, 1350.0));
        let b = rate_thresholds(&o, 0.0, 1000.0, 1.0, true);
        assert_eq!((b.scale_up, b.scale_down), (1000.0, f64::INFINITY));
        assert!(!b.is_outside(1800.0));
        assert!(b.is_outside(999.0));
        assert!(!b.is_outside(f64::NAN));
    }

    #[test]
    fn tpr_selection() {
        assert_eq!(true_processing_rate(100.0, 35.0, f64::NAN, 0.15).0, 350.0);
        assert_eq!(
            true_processing_rate(0.0, 100.0, f64::NAN, 0.15).0,
            f64::INFINITY
        );
        assert_eq!(
            true_processing_rate(1.0, 0.0, f64::NAN, 0.15).0,
            f64::INFINITY
        );
        assert_eq!(true_processing_rate(f64::NAN, 1.0, 300.0, 0.15).0, 300.0);
        assert_eq!(true_processing_rate(100.0, 35.0, 300.0, 0.2).0, 350.0);
        assert_eq!(
            true_processing_rate(100.0, 35.0, 300.0, 0.1),
            (300.0, TprSource::Observed)
        );
    }

    #[test]
    fn busy_time_by_aggregator() {
        let w = MetricWindow::new(vec![
            Sample::new(1000).with("v", ScalingMetric::Load, 0.2).with(
                "v",
                ScalingMetric::AccumulatedBusyTime,
                10000.0,
            ),
            Sample::new(2000).with("v", ScalingMetric::Load, 0.3).with(
                "v",
                ScalingMetric::AccumulatedBusyTime,
                10200.0,
            ),
            Sample::new(3000).with("v", ScalingMetric::Load, 0.4).with(
                "v",
                ScalingMetric::AccumulatedBusyTime,
                10400.0,
            ),
        ]);
        let max = busy_time_ms_per_s(&w, "v", 0, BusyTimeAggregator::Max);
        assert!((max - 300.0).abs() < 1e-9);
        assert_eq!(
            busy_time_ms_per_s(&w, "v", 2, BusyTimeAggregator::Avg),
            100.0
        );
        assert_eq!(
            busy_time_ms_per_s(&w, "v", 0, BusyTimeAggregator::Avg),
            f64::INFINITY
        );
    }

    /// §12 example 1: source p = 1, 500 rec/s in, lag 2000 flat, busy 850 ms/s; catch-up 2 s,
    /// restart 1 s, target 0.8.
    #[test]
    fn worked_example_backlog_evaluation() {
        let o = opts(&[
            ("job.autoscaler.utilization.target", "0.8"),
            ("job.autoscaler.utilization.max", "0.9"),
            ("job.autoscaler.utilization.min", "0.7"),
            ("job.autoscaler.catch-up.duration", "2 s"),
            ("job.autoscaler.backlog-processing.lag-threshold", "1 s"),
        ]);
        let topo = Topology::new(vec![vertex("src", 1, &[]), vertex("sink", 1, &["src"])]).unwrap();
        let samples = (0..4)
            .map(|i| {
                Sample::new(i * 1000)
                    .with("src", ScalingMetric::NumRecordsIn, 500.0 * i as f64)
                    .with("src", ScalingMetric::NumRecordsOut, 500.0 * i as f64)
                    .with("src", ScalingMetric::Lag, 2000.0)
                    .with("src", ScalingMetric::Load, 0.85)
                    .with("sink", ScalingMetric::NumRecordsIn, 500.0 * i as f64)
                    .with("sink", ScalingMetric::Load, 0.85)
            })
            .collect();
        let e = evaluate(&o, &topo, &MetricWindow::new(samples), 1.0).unwrap();
        assert!(e.processing_backlog, "4 s of lag > 1 s threshold");
        let src = e.vertex("src").unwrap();
        assert_eq!(src.target_data_rate, 500.0);
        assert_eq!(src.catch_up_data_rate, 1000.0);
        assert_eq!(src.true_processing_rate, 588.235);
        assert_eq!(src.thresholds.scale_up, 1500.0);
        assert_eq!(src.thresholds.scale_down, f64::INFINITY);
        let sink = e.vertex("sink").unwrap();
        assert_eq!(sink.target_data_rate, 500.0, "edge ratio 1");
        assert_eq!(sink.lag, None);
    }

    #[test]
    fn edge_ratios_subtract_other_inputs_or_fall_back_to_records_out() {
        let topo = Topology::new(vec![
            vertex("s1", 1, &[]),
            vertex("s2", 1, &[]),
            vertex("op", 1, &["s1", "s2"]),
        ])
        .unwrap();
        let w = MetricWindow::new(vec![
            Sample::new(1000)
                .with("s1", ScalingMetric::NumRecordsIn, 100.0)
                .with("s1", ScalingMetric::NumRecordsOut, 100.0)
                .with("s2", ScalingMetric::NumRecordsIn, 100.0)
                .with("s2", ScalingMetric::NumRecordsOut, 100.0)
                .with("op", ScalingMetric::NumRecordsIn, 100.0),
            Sample::new(2000)
                .with("s1", ScalingMetric::NumRecordsIn, 200.0)
                .with("s1", ScalingMetric::NumRecordsOut, 300.0)
                .with("s2", ScalingMetric::NumRecordsIn, 200.0)
                .with("s2", ScalingMetric::NumRecordsOut, 150.0)
                .with("op", ScalingMetric::NumRecordsIn, 350.0),
        ]);
        assert_eq!(edge_output_ratio(&topo, &w, "s1", "op"), 2.0);
        assert_eq!(edge_output_ratio(&topo, &w, "s2", "op"), 0.5);
        assert_eq!(
            edge_output_ratio(&topo, &w, "missing", "op"),
            0.0,
            "no input rate"
        );
    }

    #[test]
    fn source_without_rate_is_an_error_not_a_panic() {
        let topo = Topology::new(vec![vertex("src", 1, &[])]).unwrap();
        let w = MetricWindow::new(vec![
            Sample::new(0).with("src", ScalingMetric::Load, 0.5),
            Sample::new(1000).with("src", ScalingMetric::Load, 0.5),
        ]);
        assert_eq!(
            evaluate(&AutoscalerOptions::default(), &topo, &w, 0.0),
            Err(EvaluateError::NoIngestionRate {
                vertex: "src".into()
            })
        );
        assert_eq!(
            evaluate(
                &AutoscalerOptions::default(),
                &topo,
                &MetricWindow::default(),
                0.0
            ),
            Err(EvaluateError::TooFewSamples(0))
        );
    }

    #[test]
    fn odd_samples_do_not_panic() {
        let values = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -5.0, 1e308];
        for aggregator in ["MAX", "AVG"] {
            for version in [Version::V1_15, Version::Main] {
                let o = AutoscalerOptions::from_map(
                    version,
                    [("job.autoscaler.metrics.busy-time.aggregator", aggregator)],
                )
                .unwrap();
                for p in [0, -3, 4] {
                    let topo =
                        Topology::new(vec![vertex("src", p, &[]), vertex("sink", p, &["src"])])
                            .unwrap();
                    for &a in &values {
                        for &b in &values {
                            let sample = |t: i64, v: f64| {
                                let mut s = Sample::new(t);
                                for id in ["src", "sink"] {
                                    for m in [
                                        ScalingMetric::NumRecordsIn,
                                        ScalingMetric::NumRecordsOut,
                                        ScalingMetric::Lag,
                                        ScalingMetric::Load,
                                        ScalingMetric::AccumulatedBusyTime,
                                        ScalingMetric::ObservedTpr,
                                        ScalingMetric::NumRecordsInPerSecond,
                                    ] {
                                        s = s.with(id, m, v);
                                    }
                                }
                                s
                            };
                            let w =
                                MetricWindow::new(vec![sample(i64::MIN, a), sample(i64::MAX, b)]);
                            let _ = evaluate(&o, &topo, &w, a);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn backlog_needs_a_defined_rate() {
        let o = AutoscalerOptions::default();
        let topo = Topology::new(vec![vertex("src", 1, &[])]).unwrap();
        let w = |lag: f64| {
            MetricWindow::new(vec![
                Sample::new(0)
                    .with("src", ScalingMetric::NumRecordsIn, 0.0)
                    .with("src", ScalingMetric::Lag, 0.0),
                Sample::new(1000)
                    .with("src", ScalingMetric::NumRecordsIn, 200.0)
                    .with("src", ScalingMetric::Lag, lag),
            ])
        };
        assert!(is_processing_backlog(&o, &topo, &w(75_000.0)));
        assert!(!is_processing_backlog(&o, &topo, &w(54_000.0)));
        let single = MetricWindow::new(vec![Sample::new(0).with("src", ScalingMetric::Lag, 1e9)]);
        assert!(!is_processing_backlog(&o, &topo, &single));
    }
}
