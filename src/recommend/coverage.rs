//! Which inputs the autoscaler's decision for a vertex reads, and which of them the recording
//! holds. Upstream's collector refuses to decide when a required metric is missing
//! (`MetricNotFoundException` for busy time, back-pressure and the source's input rate), so
//! planscale does not decide from the gap either: a missing required input means no decision
//! for the job, said per vertex. The source's backlog (`pendingRecords`) is the one input
//! upstream does without (it takes 0 and warns); it is listed, not required.

use crate::metrics::{Sample, VertexSeries};

/// An input of the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// A source's operator-scoped `Source__<op>.numRecordsIn(PerSecond)` or `…numRecordsOut…`.
    SourceInputRate,
    BusyTime,
    /// A source's `backPressuredTimeMsPerSecond`.
    Backpressure,
    /// A non-source's task `numRecordsIn(PerSecond)`.
    RecordsIn,
    /// `numRecordsOut(PerSecond)` of a vertex with outputs (output ratios).
    RecordsOut,
    /// A source's `pendingRecords` (optional: upstream takes 0).
    Lag,
}

impl Input {
    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Input::SourceInputRate => "source_input_rate",
            Input::BusyTime => "busy_time",
            Input::Backpressure => "backpressure",
            Input::RecordsIn => "records_in",
            Input::RecordsOut => "records_out",
            Input::Lag => "lag",
        }
    }

    /// The Flink metric a user would look for.
    pub fn metric(self) -> &'static str {
        match self {
            Input::SourceInputRate => "Source__<operator>.numRecordsInPerSecond (or numRecordsOut)",
            Input::BusyTime => "busyTimeMsPerSecond",
            Input::Backpressure => "backPressuredTimeMsPerSecond",
            Input::RecordsIn => "numRecordsInPerSecond",
            Input::RecordsOut => "numRecordsOutPerSecond",
            Input::Lag => "pendingRecords",
        }
    }

    fn present(self, s: &Sample) -> bool {
        match self {
            Input::SourceInputRate => {
                s.source_records_in_per_s.is_some()
                    || s.source_records_out_per_s.is_some()
                    || s.source_records_in.is_some()
                    || s.source_records_out.is_some()
            }
            Input::BusyTime => s.busy_max.is_some() || s.busy_avg.is_some(),
            Input::Backpressure => s.backpressured_avg.is_some(),
            Input::RecordsIn => s.records_in_per_s.is_some() || s.records_in.is_some(),
            Input::RecordsOut => s.records_out_per_s.is_some() || s.records_out.is_some(),
            Input::Lag => s.pending_records.is_some(),
        }
    }
}

/// What one vertex's decision needs and what the recording lacks of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub needs: Vec<Input>,
    pub missing: Vec<Input>,
    /// Inputs upstream does without: a source's lag (taken as 0) and a source's busy time
    /// (Flink 2.x legacy sources report NaN; upstream excludes the vertex).
    pub optional: Vec<Input>,
}

impl Coverage {
    /// The missing inputs without which no decision is made.
    pub fn missing_required(&self) -> impl Iterator<Item = Input> + '_ {
        self.missing
            .iter()
            .copied()
            .filter(|i| !self.optional.contains(i))
    }
}

/// The coverage of a vertex from its samples after `from_ms` (the window, after any restart).
pub fn of(is_source: bool, has_outputs: bool, series: &VertexSeries, from_ms: i64) -> Coverage {
    let from = series.samples.partition_point(|s| s.t_ms <= from_ms);
    let samples = &series.samples[from..];
    let mut needs = if is_source {
        vec![
            Input::SourceInputRate,
            Input::BusyTime,
            Input::Backpressure,
            Input::Lag,
        ]
    } else {
        vec![Input::BusyTime, Input::RecordsIn]
    };
    if has_outputs {
        needs.push(Input::RecordsOut);
    }
    let missing = needs
        .iter()
        .copied()
        .filter(|i| !samples.iter().any(|s| i.present(s)))
        .collect();
    let optional = if is_source {
        vec![Input::BusyTime, Input::Lag]
    } else {
        Vec::new()
    };
    Coverage {
        needs,
        missing,
        optional,
    }
}
