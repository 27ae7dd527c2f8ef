//! The end of a pass: the store's cells become the [`MetricWindow`], and what the pass counted
//! becomes its warnings (what may make the recommendation wrong) and notes (what was read and
//! skipped).
//!
//! Invariant: a file with nothing usable is an error here, never an empty window: no data rows,
//! no rows of the chosen job, no used metric, or no sample in the window.

use std::collections::BTreeSet;

use crate::error::InputError;
use crate::metrics::bound::show_name;
use crate::metrics::names::Field;
use crate::metrics::series::{MetricWindow, VertexSeries, MAX_LISTED_NAMES};
use crate::metrics::time::format_rfc3339;
use crate::metrics::{ReadWarning, VertexLabel};
use crate::model::Pos;

use super::ingest::Ingest;

impl Ingest<'_> {
    pub(super) fn finish(mut self) -> Result<MetricWindow, InputError> {
        let file = self.file;
        let streamed = self.sink.is_some();
        if streamed && self.stats.rows > 0 {
            self.store.finish_all();
            self.hand_over()?;
        }
        // Per vertex: samples, and whether one has busy time. A streamed read counted them as
        // they were handed over (the store is empty now); a window read counts its samples below.
        let streamed_counts: Option<Vec<(u64, bool)>> = streamed.then(|| {
            (0..self.store.vertex_count())
                .map(|v| {
                    let s = self.store.vertex_mut(v);
                    (s.streamed, s.streamed_busy)
                })
                .collect()
        });
        if self.stats.rows == 0 {
            return Err(InputError::at(
                file,
                Pos { line: 2, column: 1 },
                "the file has a header row but no data rows",
            ));
        }
        let mut warnings = Vec::new();
        let mut notes = Vec::new();
        match (&self.opts.job, self.header.job) {
            (Some(chosen), Some(_)) if self.the_job.is_none() && !self.other_jobs.is_empty() => {
                let known: Vec<String> = self.other_jobs.iter().cloned().collect();
                return Err(InputError::new(
                    file,
                    format!(
                        "no rows of job `{chosen}`; the file has job{} {}",
                        if known.len() == 1 { "" } else { "s" },
                        known.join(", ")
                    ),
                ));
            }
            (Some(chosen), Some(_)) if self.the_job.is_none() => {
                warnings.push(ReadWarning::JobUnchecked {
                    job: chosen.clone(),
                    column_empty: true,
                })
            }
            (Some(chosen), None) => warnings.push(ReadWarning::JobUnchecked {
                job: chosen.clone(),
                column_empty: false,
            }),
            _ => {}
        }
        let Some((file_start, file_end)) = self.store.file_range else {
            return Err(InputError::new(
                file,
                format!(
                    "no rows up to the window end {} (the file starts later)",
                    self.opts.at_ms.map_or_else(String::new, format_rfc3339)
                ),
            ));
        };
        if self.stats.values == 0 && self.stats.skipped_not_reported == 0 {
            let rows = if self.stats.rows == 1 {
                "the one row has no metric".to_string()
            } else {
                format!("none of the {} rows has a metric", self.stats.rows)
            };
            let mut msg = format!(
                "{rows} planscale uses (such as busyTimeMsPerSecond or numRecordsInPerSecond)"
            );
            if !self.unknown_names.is_empty() {
                msg.push_str(&format!("; found {}", list_names(&self.unknown_names)));
            }
            return Err(InputError::new(file, msg));
        }
        self.stats.unknown_metric_names = self.unknown_names.iter().cloned().collect();
        let stats = std::mem::take(&mut self.stats);
        let shape = self.header.shape;
        let job = self
            .the_job
            .as_ref()
            .map(|j| String::from_utf8_lossy(j).into_owned());
        let window_ms = self.opts.window_ms;
        let (mut vertices, start, end) = self.store.finish(&self.defs);
        for &(v, _) in &self.vertex_partitions {
            if let Some(series) = vertices.get_mut(v) {
                series.num_source_partitions += 1;
            }
        }
        let (start, window_ms) = if streamed {
            (file_start, end.saturating_sub(file_start))
        } else {
            (start, window_ms)
        };
        let counts: Vec<(u64, bool)> = streamed_counts.unwrap_or_else(|| {
            vertices
                .iter()
                .map(|v| {
                    let busy = v
                        .samples
                        .iter()
                        .any(|s| s.busy_max.is_some() || s.busy_avg.is_some());
                    (v.samples.len() as u64, busy)
                })
                .collect()
        });
        if counts.iter().all(|c| c.0 == 0) {
            return Err(InputError::new(
                file,
                format!(
                    "no samples in the metric window {} .. {}; the file covers {} .. {}",
                    format_rfc3339(start),
                    format_rfc3339(end),
                    format_rfc3339(file_start),
                    format_rfc3339(file_end)
                ),
            ));
        }
        if stats.duplicates > 0 {
            warnings.push(ReadWarning::Duplicates(stats.duplicates));
        }
        for (v, &(n, busy)) in vertices.iter().zip(&counts) {
            vertex_warnings(v, n, busy, &mut warnings, &mut notes);
        }
        notes.push(format!(
            "metric window {} .. {} ({} s); the file covers {} .. {}",
            format_rfc3339(start),
            format_rfc3339(end),
            window_ms / 1000,
            format_rfc3339(file_start),
            format_rfc3339(file_end)
        ));
        if stats.unknown_metrics > 0 {
            notes.push(format!(
                "ignored {} value{} of metrics planscale does not use: {}",
                stats.unknown_metrics,
                if stats.unknown_metrics == 1 { "" } else { "s" },
                list_names(&self.unknown_names)
            ));
        }
        if stats.unused_aggregations > 0 {
            notes.push(format!(
                "ignored {} value{} of known metrics at an aggregation or scope that is not used \
                 (e.g. numRecordsInPerSecond.avg, where the .sum is used)",
                stats.unused_aggregations,
                if stats.unused_aggregations == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        if stats.other_jobs > 0 {
            notes.push(format!("skipped {} rows of other jobs", stats.other_jobs));
        }
        Ok(MetricWindow {
            shape,
            job,
            vertices,
            window_start_ms: start,
            window_end_ms: end,
            file_start_ms: file_start,
            file_end_ms: file_end,
            warnings,
            notes,
            stats,
        })
    }
}

fn list_names(names: &BTreeSet<String>) -> String {
    let mut s = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() >= MAX_LISTED_NAMES {
        s.push_str(", …");
    }
    s
}

/// `samples`: how many the vertex has in the window, `any_busy`: whether one has busy time.
fn vertex_warnings(
    v: &VertexSeries,
    samples: u64,
    any_busy: bool,
    warnings: &mut Vec<ReadWarning>,
    notes: &mut Vec<String>,
) {
    let vertex = VertexLabel {
        key: show_name(v.key.as_bytes()),
        name: v.name.as_ref().map(|n| show_name(n.as_bytes())),
    };
    let label = match &vertex.name {
        Some(n) => format!("vertex `{n}` ({})", vertex.key),
        None => format!("vertex `{}`", vertex.key),
    };
    if samples == 0 {
        warnings.push(ReadWarning::NoSamples(vertex));
        return;
    }
    if !any_busy {
        let reported_nan = v
            .not_reported
            .iter()
            .any(|(m, _)| *m == Field::BusyMax.metric_name());
        warnings.push(ReadWarning::NoBusyTime {
            vertex: vertex.clone(),
            reported_nan,
        });
    }
    if let Some(r) = v.rescale {
        notes.push(match r.first_new_ms {
            Some(t) => format!(
                "{label}: parallelism {} → {} at {} (last seen at {}: {})",
                r.from,
                r.to,
                format_rfc3339(t),
                r.from,
                format_rfc3339(r.last_old_ms)
            ),
            None => format!(
                "{label}: parallelism {} → {} after {} (the rows are not in time order, so the \
                 exact change time is unknown)",
                r.from,
                r.to,
                format_rfc3339(r.last_old_ms)
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::reader::tests::read_str;
    use crate::metrics::ReadOptions;

    #[test]
    fn window_end_given() {
        let csv = "timestamp,vertex,parallelism,metric,value\n\
                   1000,a,1,busyTimeMsPerSecond,1\n\
                   1010,a,2,busyTimeMsPerSecond,2\n\
                   1020,a,3,busyTimeMsPerSecond,3\n";
        let w = read_str(
            csv,
            &ReadOptions {
                at_ms: Some(1_010_000),
                window_ms: 10_000,
                job: None,
            },
        )
        .unwrap();
        let v = &w.vertices[0];
        assert_eq!(v.samples.len(), 2);
        // Rows after the end do not count for parallelism either.
        assert_eq!(v.parallelism, Some(2));
        assert_eq!(
            v.rescale.map(|r| (r.from, r.to, r.first_new_ms)),
            Some((1, 2, Some(1_010_000)))
        );
        let e = read_str(
            csv,
            &ReadOptions {
                at_ms: Some(5_000_000),
                window_ms: 10_000,
                job: None,
            },
        )
        .unwrap_err();
        assert!(e.message.contains("no samples in the metric window"), "{e}");
    }
}
