//! The demand a simulation replays: records per second entering at each source over time, from
//! the recording. A source's demand is what it emitted plus the growth of its backlog
//! (`pendingRecords`) when it reports one; a backpressured source without a lag metric shows only
//! what the job let through, which the summary warns about.
//!
//! The trace is a fixed step grid. At each step a vertex shows its latest sample at or before the
//! step (its first sample before it has one). The demand is not laid out on the grid: a replay
//! walks the recording's demand samples ([`super::spool`]) alongside the steps, so a trace costs
//! no memory per step. The recorded parallelism is kept where it changes.
//!
//! A recorded restart is not demand: from the last sample at the old parallelism until the rate
//! gauges have caught up (records flowing again plus [`RATE_SPAN_MS`]), each source's demand is
//! the straight line from its demand before the restart to its demand after the ramp, so a
//! policy that does not restart never sees the recorded dip. Where the source reports a backlog,
//! its growth after the restart is demand as everywhere else.
//!
//! [`RATE_SPAN_MS`]: crate::sim::recording::RATE_SPAN_MS

use std::io;

use crate::sim::model::JobModel;
use crate::sim::recording::{Outage, Recording};
use crate::sim::spool::{Record, SpoolReader, Spooled};

#[derive(Debug)]
enum Demand {
    /// One row per step (hand-built traces).
    Rows(Vec<f64>),
    /// The recording's samples, and each source's value before its first sample.
    Samples { spool: Spooled, first: Vec<f64> },
}

#[derive(Debug)]
pub struct Trace {
    pub start_ms: i64,
    pub step_ms: i64,
    pub steps: usize,
    /// Number of sources.
    pub sources: usize,
    demand: Demand,
    /// (first step, parallelism per vertex) where the recorded parallelism changes; the first
    /// entry is at step 0.
    pub recorded: Vec<(usize, Vec<i64>)>,
    /// The recorded restarts, across which the demand is a straight line (module docs).
    pub outages: Vec<Outage>,
}

impl Trace {
    /// A trace of `demand` rows (one per step, one value per source) and a constant recorded
    /// parallelism.
    pub fn from_rows(
        start_ms: i64,
        step_ms: i64,
        rows: &[Vec<f64>],
        parallelism: Vec<i64>,
    ) -> Self {
        let sources = rows.first().map_or(0, Vec::len);
        Trace {
            start_ms,
            step_ms,
            steps: rows.len(),
            sources,
            demand: Demand::Rows(rows.iter().flatten().copied().collect()),
            recorded: vec![(0, parallelism)],
            outages: Vec::new(),
        }
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The demand per source, step after step from the first.
    pub fn demand(&self) -> io::Result<DemandRows<'_>> {
        Ok(match &self.demand {
            Demand::Rows(rows) => DemandRows {
                trace: self,
                step: 0,
                row: Vec::new(),
                rows: Some(rows),
                reader: None,
                next: None,
                outage: 0,
                bridged: Vec::new(),
            },
            Demand::Samples { spool, first } => {
                let mut reader = spool.reader()?;
                let next = reader.next_record()?;
                DemandRows {
                    trace: self,
                    step: 0,
                    row: first.clone(),
                    rows: None,
                    reader: Some(reader),
                    next,
                    outage: 0,
                    bridged: Vec::new(),
                }
            }
        })
    }

    /// The recorded parallelism at step `i`.
    pub fn recorded_at(&self, i: usize) -> &[i64] {
        let k = self.recorded.partition_point(|(s, _)| *s <= i);
        self.recorded
            .get(k.saturating_sub(1))
            .map_or(&[][..], |(_, p)| p.as_slice())
    }
}

/// Walks a trace's demand one step at a time.
pub struct DemandRows<'a> {
    trace: &'a Trace,
    step: usize,
    row: Vec<f64>,
    rows: Option<&'a [f64]>,
    reader: Option<SpoolReader<'a>>,
    /// The next sample not yet applied.
    next: Option<Record>,
    /// The first outage that has not ended before the current step.
    outage: usize,
    /// The row across an outage (the recorded one stays in `row`).
    bridged: Vec<f64>,
}

impl DemandRows<'_> {
    /// Demand per source at the next step: each source's latest sample at or before it.
    pub fn next_row(&mut self) -> io::Result<&[f64]> {
        let ns = self.trace.sources;
        let i = self.step;
        self.step += 1;
        if let Some(rows) = self.rows {
            return Ok(rows.get(i * ns..(i + 1) * ns).unwrap_or(&[]));
        }
        let t = self.trace.start_ms + i as i64 * self.trace.step_ms;
        while let Some(r) = self.next.filter(|r| r.t_ms <= t) {
            if let Some(x) = self.row.get_mut(r.source as usize) {
                *x = r.value;
            }
            self.next = match &mut self.reader {
                Some(rd) => rd.next_record()?,
                None => None,
            };
        }
        // Across a recorded restart and the rate gauges' ramp after it, the rates show the
        // outage, not the demand: a straight line from the demand before to the demand after.
        let outages = &self.trace.outages;
        while outages
            .get(self.outage)
            .is_some_and(|o| o.ramp_end_ms() <= t)
        {
            self.outage += 1;
        }
        if let Some(o) = outages.get(self.outage).filter(|o| o.last_old_ms < t) {
            let (a, b) = (o.last_old_ms, o.ramp_end_ms());
            let f = (t - a) as f64 / (b - a).max(1) as f64;
            self.bridged.clear();
            self.bridged.extend((0..ns).map(|k| {
                let before = o.before.get(k).copied().unwrap_or(0.0);
                let after = o.after.get(k).copied().flatten().unwrap_or(before);
                before + (after - before) * f
            }));
            return Ok(&self.bridged);
        }
        Ok(&self.row)
    }
}

/// The latest entry at or before `t` of a time-ordered list, else its first; `j` is a cursor that
/// only moves forward as `t` grows.
fn at<T: Copy>(list: &[(i64, T)], j: &mut usize, t: i64) -> Option<T> {
    while *j + 1 < list.len() && list[*j + 1].0 <= t {
        *j += 1;
    }
    list.get(*j).map(|e| e.1)
}

/// The trace of a recording on a grid of `step_ms`; it takes over the recording's demand samples.
pub fn build(model: &JobModel, rec: &mut Recording, step_ms: i64) -> Trace {
    let (start, end) = rec.span().unwrap_or((0, 0));
    let step = step_ms.max(1);
    let n = ((end - start) / step + 1).max(1) as usize;
    let ns = model.sources.len();
    let nv = model.vertices.len();
    let mut recorded: Vec<(usize, Vec<i64>)> = Vec::new();
    let mut cursors = vec![0usize; nv];
    let mut row = vec![0i64; nv];
    for i in 0..n {
        let t = start + i as i64 * step;
        for (v, vm) in model.vertices.iter().enumerate() {
            let r = &rec.vertices[v];
            row[v] = at(&r.parallelism, &mut cursors[v], t)
                .unwrap_or(vm.vertex.parallelism)
                .max(1);
        }
        if recorded.last().is_none_or(|(_, last)| *last != row) {
            recorded.push((i, row.clone()));
        }
    }
    let mut first = std::mem::take(&mut rec.first_demand);
    first.resize(ns, 0.0);
    Trace {
        start_ms: start,
        step_ms: step,
        steps: n,
        sources: ns,
        demand: Demand::Samples {
            spool: std::mem::take(&mut rec.demand),
            first,
        },
        recorded,
        outages: std::mem::take(&mut rec.outages),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::spool::Spool;

    fn trace_of(records: &[Record], first: Vec<f64>, mem_limit: usize) -> Trace {
        let mut spool = Spool::with_mem_limit(mem_limit);
        for r in records {
            spool.push(*r).unwrap();
        }
        Trace {
            start_ms: 1000,
            step_ms: 10,
            steps: 6,
            sources: 2,
            demand: Demand::Samples {
                spool: spool.finish().unwrap(),
                first,
            },
            recorded: vec![(0, vec![1, 1]), (3, vec![2, 1])],
            outages: Vec::new(),
        }
    }

    #[test]
    fn each_step_shows_the_latest_sample_at_or_before_it() {
        let r = |source, t_ms, value| Record {
            source,
            t_ms,
            value,
        };
        // Source 1 starts late: before its first sample it shows that sample's value.
        let recs = [
            r(0, 1000, 5.0),
            r(0, 1012, 6.0),
            r(1, 1015, 50.0),
            r(0, 1020, 7.0),
            r(0, 1021, 8.0),
            r(1, 1040, 60.0),
        ];
        for limit in [100, 2, 0] {
            let tr = trace_of(&recs, vec![5.0, 50.0], limit);
            for pass in 0..2 {
                let mut rows = tr.demand().unwrap();
                let got: Vec<Vec<f64>> = (0..tr.len())
                    .map(|_| rows.next_row().unwrap().to_vec())
                    .collect();
                assert_eq!(
                    got,
                    vec![
                        vec![5.0, 50.0], // 1000
                        vec![5.0, 50.0], // 1010
                        vec![7.0, 50.0], // 1020
                        vec![8.0, 50.0], // 1030
                        vec![8.0, 60.0], // 1040
                        vec![8.0, 60.0], // 1050: the last sample holds
                    ],
                    "limit {limit}, pass {pass}"
                );
            }
        }
        let tr = trace_of(&recs, vec![5.0, 50.0], 100);
        assert_eq!(tr.recorded_at(0), &[1, 1]);
        assert_eq!(tr.recorded_at(2), &[1, 1]);
        assert_eq!(tr.recorded_at(3), &[2, 1]);
        assert_eq!(tr.recorded_at(5), &[2, 1]);
    }
}
