//! Cumulative counters per vertex, as the autoscaler's rates need them.
//!
//! Upstream computes input and output rates as `(M_last − M_first) / Δt` over cumulative counters
//! (NUM_RECORDS_IN/OUT, ACCUMULATED_BUSY_TIME; scaling.md §4.2, §5.1). Exports usually carry only
//! the per-second gauges, so when a counter is absent it is rebuilt by integrating its gauge over
//! the sample intervals, and the result says so ([`Provenance::Integrated`]) for the output to
//! report (scaling.md §11).
//!
//! Integration is by the trapezoid rule. Flink's `…PerSecond` gauges are averages over the
//! preceding minute (`MeterView`), so the true increment between two samples lies between what the
//! rates at both ends imply; the trapezoid uses both, is exact for rates that change linearly, and
//! makes the window rate `(C_last − C_first)/Δt` the time-weighted mean of the gauges with the two
//! end samples at half weight. The left rectangle would ignore the newest gauge, which is the one
//! that matters most right after a change in load. A sample whose gauge is missing gets no value
//! and the integral bridges it (linear interpolation of the rate); the first sample with a
//! defined rate is the zero point, so integrated counters are never negative.

use super::series::Sample;

/// Where a cumulative series comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Provenance {
    /// The file has the cumulative counter.
    Counter,
    /// Integrated from the per-second gauge (trapezoid rule).
    Integrated,
    /// Neither the counter nor the gauge is in the file.
    Absent,
}

/// One cumulative series, one value per sample (`None` where undefined).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cumulative {
    pub provenance: Provenance,
    pub values: Vec<Option<f64>>,
}

impl Cumulative {
    fn last_defined(&self) -> Option<f64> {
        self.values.iter().rev().find_map(|v| *v)
    }
}

/// The cumulative series of one vertex's samples.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CumulativeSeries {
    pub t_ms: Vec<i64>,
    /// Task-level records read (`numRecordsIn`, else ∫ `numRecordsInPerSecond`).
    pub records_in: Cumulative,
    /// Task-level records written.
    pub records_out: Cumulative,
    /// Source operators' records read (`Source__*.numRecordsIn`, else ∫ its per-second gauge).
    pub source_records_in: Cumulative,
    pub source_records_out: Cumulative,
    /// Busy ms summed over subtasks (`accumulateBusyTimeMs`, else ∫ busy avg × parallelism).
    pub accumulated_busy_ms: Cumulative,
}

impl CumulativeSeries {
    /// NUM_RECORDS_IN as upstream defines it (scaling.md §4.2): the task counter; for a source
    /// whose task counter stays 0 (legacy sources report no task input), the summed
    /// `Source__*.numRecordsIn`, and if that is 0 too, `Source__*.numRecordsOut`. Upstream
    /// falls back per sample; here the choice is made once per window (by the last value),
    /// because integrated series all start at 0 and mixing series sample by sample would put
    /// steps into the counter.
    pub fn num_records_in(&self, is_source: bool) -> &Cumulative {
        if !is_source {
            return &self.records_in;
        }
        [
            &self.records_in,
            &self.source_records_in,
            &self.source_records_out,
        ]
        .into_iter()
        .find(|c| c.last_defined().is_some_and(|v| v > 0.0))
        .unwrap_or(&self.records_in)
    }

    /// NUM_RECORDS_OUT: the task counter.
    pub fn num_records_out(&self) -> &Cumulative {
        &self.records_out
    }
}

/// Builds the cumulative series of `samples` (in time order, e.g. a [`VertexSeries`]'s samples
/// or [`VertexSeries::samples_since_rescale`]).
///
/// [`VertexSeries`]: super::VertexSeries
/// [`VertexSeries::samples_since_rescale`]: super::VertexSeries::samples_since_rescale
pub fn cumulative_series(samples: &[Sample]) -> CumulativeSeries {
    CumulativeSeries {
        t_ms: samples.iter().map(|s| s.t_ms).collect(),
        records_in: build(samples, |s| s.records_in, |s| s.records_in_per_s),
        records_out: build(samples, |s| s.records_out, |s| s.records_out_per_s),
        source_records_in: build(
            samples,
            |s| s.source_records_in,
            |s| s.source_records_in_per_s,
        ),
        source_records_out: build(
            samples,
            |s| s.source_records_out,
            |s| s.source_records_out_per_s,
        ),
        accumulated_busy_ms: build(
            samples,
            |s| s.accumulated_busy_ms,
            |s| Some(s.busy_avg? * s.parallelism? as f64),
        ),
    }
}

/// The counter when any sample has it, else the integrated gauge.
fn build(
    samples: &[Sample],
    counter: impl Fn(&Sample) -> Option<f64>,
    rate: impl Fn(&Sample) -> Option<f64>,
) -> Cumulative {
    if samples.iter().any(|s| counter(s).is_some()) {
        return Cumulative {
            provenance: Provenance::Counter,
            values: samples.iter().map(&counter).collect(),
        };
    }
    if samples.iter().any(|s| rate(s).is_some_and(f64::is_finite)) {
        return Cumulative {
            provenance: Provenance::Integrated,
            values: integrate_trapezoid(samples.iter().map(|s| (s.t_ms, rate(s)))),
        };
    }
    Cumulative {
        provenance: Provenance::Absent,
        values: vec![None; samples.len()],
    }
}

/// ∫ rate dt by the trapezoid rule over (epoch ms, per-second rate) points in time order. Points
/// without a finite rate get `None` and are bridged.
pub fn integrate_trapezoid(
    points: impl IntoIterator<Item = (i64, Option<f64>)>,
) -> Vec<Option<f64>> {
    let mut out = Vec::new();
    let mut prev: Option<(i64, f64, f64)> = None; // (t, rate, cumulative)
    for (t, rate) in points {
        let Some(r) = rate.filter(|r| r.is_finite()) else {
            out.push(None);
            continue;
        };
        let c = match prev {
            None => 0.0,
            Some((pt, pr, pc)) => pc + (pr + r) / 2.0 * (t - pt) as f64 / 1000.0,
        };
        prev = Some((t, r, c));
        out.push(Some(c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: i64, rin: Option<f64>) -> Sample {
        Sample {
            t_ms: t,
            records_in_per_s: rin,
            ..Sample::default()
        }
    }

    #[test]
    fn constant_rate_integrates_exactly() {
        let c = integrate_trapezoid((0..5).map(|i| (i * 10_000, Some(100.0))));
        assert_eq!(
            c,
            vec![
                Some(0.0),
                Some(1000.0),
                Some(2000.0),
                Some(3000.0),
                Some(4000.0)
            ]
        );
    }

    #[test]
    fn trapezoid_is_exact_for_linear_rates_and_bridges_gaps() {
        // Rate 0, 10, (missing), 30 per second at 1 s steps: ∫ = 5, then 5 + 40 = 45 over 2 s.
        let c = integrate_trapezoid([
            (0, Some(0.0)),
            (1000, Some(10.0)),
            (2000, None),
            (3000, Some(30.0)),
        ]);
        assert_eq!(c, vec![Some(0.0), Some(5.0), None, Some(45.0)]);
        let c = integrate_trapezoid([(0, Some(f64::NAN)), (1000, Some(2.0)), (3000, Some(4.0))]);
        assert_eq!(c, vec![None, Some(0.0), Some(6.0)]);
    }

    #[test]
    fn counters_win_over_gauges() {
        let mut s = vec![sample(0, Some(5.0)), sample(1000, Some(5.0))];
        let c = cumulative_series(&s);
        assert_eq!(c.records_in.provenance, Provenance::Integrated);
        assert_eq!(c.records_in.values, vec![Some(0.0), Some(5.0)]);
        assert_eq!(c.records_out.provenance, Provenance::Absent);
        s[0].records_in = Some(100.0);
        s[1].records_in = Some(180.0);
        let c = cumulative_series(&s);
        assert_eq!(c.records_in.provenance, Provenance::Counter);
        assert_eq!(c.records_in.values, vec![Some(100.0), Some(180.0)]);
    }

    #[test]
    fn accumulated_busy_time_uses_parallelism() {
        let s: Vec<Sample> = [0, 2000]
            .iter()
            .map(|&t| Sample {
                t_ms: t,
                parallelism: Some(2),
                busy_avg: Some(500.0),
                ..Sample::default()
            })
            .collect();
        let c = cumulative_series(&s);
        assert_eq!(c.accumulated_busy_ms.values, vec![Some(0.0), Some(2000.0)]);
    }

    #[test]
    fn sources_fall_back_like_upstream() {
        let s: Vec<Sample> = [0, 1000]
            .iter()
            .map(|&t| Sample {
                t_ms: t,
                records_in_per_s: Some(0.0),
                source_records_in_per_s: Some(0.0),
                source_records_out_per_s: Some(200.0),
                ..Sample::default()
            })
            .collect();
        let c = cumulative_series(&s);
        assert_eq!(c.num_records_in(true).values, vec![Some(0.0), Some(200.0)]);
        assert_eq!(c.num_records_in(false).values, vec![Some(0.0), Some(0.0)]);
    }
}
