//! SVG plot of a simulation (`simulate --plot`).
//!
//! One column of panels over one shared time axis:
//!
//! 1. demand vs capacity (records/s), one strip per vertex;
//! 2. parallelism, one strip per vertex;
//! 3. data pending time, with the expected pending time as a dashed line when a goal was set.
//!
//! Vertices are small multiples (a strip each, named at its top left), policies are colors (the
//! legend under the title). In panel 1 each policy's capacity is a thin line in its color, over
//! one wide light gray line of demand, so demand above capacity shows as a gray band above the
//! line. Demand is drawn once, not per policy: it is the recording's input, the same for every
//! policy (the replay derives it from the recorded rates and the job graph alone), and one line
//! per policy would read as policy lines of its own. Capacity skips the steps where the job
//! restarts (it is 0 then); rescales show in panel 2 and their cost in panel 3.
//!
//! Long timelines are reduced to at most two points per pixel column (the column's minimum and
//! maximum, in time order, so peaks stay), and points that land on the pixel of the previous one,
//! or in the middle of a horizontal or vertical run, are dropped. The SVG's size depends on the
//! plot's width and on how much the series move, not on the number of steps. Non-finite values
//! (and finite ones too large to plot, beyond ±1e200) are skipped and leave a gap in the line.
//!
//! The reduction streams: a [`PlotBuilder`] takes the steps one at a time and keeps only the
//! reduced series, so a long simulation can be plotted without keeping its steps. [`svg`] feeds
//! it a whole [`Timeline`].
//!
//! The output is a pure function of the timeline (of the [`PlotMeta`] and the steps pushed): no
//! dates of rendering, no generated ids. [`encode`] turns it into the bytes of a `.svg` or `.png`
//! file.
//!
//! The parts, in the order a step travels: `reduce` (steps to pixel columns, the builder),
//! `layout` (sizes, colors, the time axis), `panels` (title, legend, the strips of each
//! panel), `chart` (one strip's axes and lines), `labels` (the text written on it) and
//! `format` (SVG or PNG bytes).

mod chart;
mod format;
mod front;
mod labels;
mod layout;
mod panels;
mod reduce;

pub use format::{encode, PlotFormat, PlotFormatError, MAX_PNG_HEIGHT};
pub use front::{front_svg, stack, FrontPoint};
pub use layout::{demand_color, policy_color};
pub use reduce::PlotBuilder;

use crate::sim::timeline::Timeline;

/// The SVG document for a timeline. Never fails: drawing errors leave a partial picture.
///
/// The same as feeding every step to a [`PlotBuilder`]; for timelines too long to keep in
/// memory, use the builder while the steps are produced.
pub fn svg(t: &Timeline) -> String {
    let mut plot = PlotBuilder::new(PlotMeta::from(t));
    for (i, run) in t.runs.iter().enumerate() {
        for s in &run.steps {
            plot.push(i, s);
        }
    }
    plot.svg()
}

/// What the plot needs to know before the first step: the names, the goal and the time axis.
///
/// The time axis spans from `start_ms` (time 0 of the axis) to the earliest and the latest step
/// (`first_ms`, `last_ms`); it must be known before the first step, since the steps are reduced
/// to the axis' pixel columns as they come. Steps outside `first_ms..=last_ms` are reduced into
/// the edge columns and drawn beyond the axis' range: keep them within it.
///
/// A caller that knows before the replay that every run has `steps` steps at
/// `start_ms + i * step_ms` (`i` in `0..steps`) uses [`PlotMeta::before_replay`]; a whole
/// timeline gives its meta with `PlotMeta::from`.
///
/// The number of steps in the title is counted by [`PlotBuilder::push`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlotMeta {
    /// Vertex display names (`Timeline::vertices`): one strip each in panels 1 and 2.
    pub vertices: Vec<String>,
    /// Policy names (`PolicyRun::name`), in run order: the legend, and the `run` of
    /// [`PlotBuilder::push`].
    pub policies: Vec<String>,
    /// Expected pending time (s), when a goal was set (`Timeline::expected_pending_s`).
    pub expected_pending_s: Option<f64>,
    /// Start of the simulated period (epoch ms, `Timeline::start_ms`): time 0 of the axis, and
    /// the date in the title.
    pub start_ms: i64,
    /// Step length (`Timeline::step_ms`), for the title.
    pub step_ms: i64,
    /// Time (epoch ms) of the earliest step of any run; `start_ms` when there are none.
    pub first_ms: i64,
    /// Time (epoch ms) of the latest step of any run; `start_ms` when there are none.
    pub last_ms: i64,
}

impl PlotMeta {
    /// The meta of a replay whose runs each have `steps` steps at `start_ms + i * step_ms`.
    pub fn before_replay(
        vertices: Vec<String>,
        policies: Vec<String>,
        expected_pending_s: Option<f64>,
        start_ms: i64,
        step_ms: i64,
        steps: usize,
    ) -> PlotMeta {
        PlotMeta {
            vertices,
            policies,
            expected_pending_s,
            start_ms,
            step_ms,
            first_ms: start_ms,
            // No steps: the plot says so.
            last_ms: start_ms + (steps.max(1) as i64 - 1) * step_ms,
        }
    }
}

impl From<&Timeline> for PlotMeta {
    /// The meta of a whole timeline: `first_ms` and `last_ms` are the extreme times of its steps.
    fn from(t: &Timeline) -> PlotMeta {
        let times = t.runs.iter().flat_map(|r| r.steps.iter()).map(|s| s.t_ms);
        let (first_ms, last_ms) = times
            .fold(None, |acc: Option<(i64, i64)>, ms| {
                Some(acc.map_or((ms, ms), |(lo, hi)| (lo.min(ms), hi.max(ms))))
            })
            .unwrap_or((t.start_ms, t.start_ms));
        PlotMeta {
            vertices: t.vertices.clone(),
            policies: t.runs.iter().map(|r| r.name.clone()).collect(),
            expected_pending_s: t.expected_pending_s,
            start_ms: t.start_ms,
            step_ms: t.step_ms,
            first_ms,
            last_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::layout::PALETTE;
    use super::*;
    use crate::sim::timeline::{PolicyRun, Step};

    pub(super) fn timeline(policies: usize, vertices: usize, steps: usize) -> Timeline {
        Timeline {
            start_ms: 1_700_000_000_000,
            step_ms: 10_000,
            vertices: (0..vertices).map(|v| format!("vertex {v}")).collect(),
            expected_pending_s: Some(30.0),
            runs: (0..policies)
                .map(|p| PolicyRun {
                    name: format!("policy-{p}"),
                    steps: (0..steps)
                        .map(|i| Step {
                            t_ms: 1_700_000_000_000 + i as i64 * 10_000,
                            demand: (0..vertices)
                                .map(|v| 1000.0 * (v + 1) as f64 + (i % 97) as f64)
                                .collect(),
                            capacity: (0..vertices)
                                .map(|v| 1200.0 * (v + 1) as f64 + p as f64)
                                .collect(),
                            parallelism: (0..vertices)
                                .map(|v| (v + p + 1 + i / 500) as i64)
                                .collect(),
                            backlog: 0.0,
                            pending_s: (i % 50) as f64,
                            cu: 1.0,
                            restarting: false,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn draws_every_series_and_is_deterministic() {
        let t = timeline(2, 3, 1000);
        let a = svg(&t);
        assert_eq!(a, svg(&t));
        assert!(a.starts_with("<svg"), "{}", &a[..100]);
        assert!(a.trim_end().ends_with("</svg>"));
        let lines_of = |(r, g, b): (u8, u8, u8)| {
            let stroke = format!("stroke=\"#{r:02X}{g:02X}{b:02X}\"");
            a.lines()
                .filter(|l| l.starts_with("<polyline") && l.contains(&stroke))
                .count()
        };
        // Per policy: capacity per vertex, parallelism per vertex, pending time.
        for (i, _) in t.runs.iter().enumerate() {
            assert_eq!(lines_of(policy_color(i)), 2 * 3 + 1, "policy {i}");
        }
        // Demand once per vertex, whatever the number of policies, and its sample in the key.
        assert_eq!(lines_of(demand_color()), 3 + 1);
        assert!((0..PALETTE.len()).all(|i| policy_color(i) != demand_color()));
        for text in [
            "Demand vs capacity",
            "Parallelism per vertex",
            "Data pending time (s)",
            "Time since start (min)",
            "policy-1",
            "vertex 2",
        ] {
            assert!(a.contains(text), "{text} missing");
        }
    }

    #[test]
    fn odd_timelines_do_not_panic() {
        let mut odd = timeline(3, 2, 20);
        odd.runs[0].steps[3].demand[0] = f64::NAN;
        odd.runs[0].steps[4].capacity = vec![];
        odd.runs[1].steps[5].pending_s = f64::INFINITY;
        odd.runs[2]
            .steps
            .iter_mut()
            .for_each(|s| s.demand = vec![f64::NEG_INFINITY, f64::MAX]);
        odd.runs[2].steps.truncate(1);
        odd.expected_pending_s = Some(f64::NAN);
        let mut tiny = timeline(1, 1, 5);
        tiny.runs[0].steps.iter_mut().for_each(|s| {
            s.demand = vec![1e-320];
            s.capacity = vec![-1e-300];
            s.t_ms = 0;
        });
        let mut far = timeline(2, 1, 3);
        far.runs[0].steps[0].t_ms = i64::MIN;
        far.runs[1].steps[2].t_ms = i64::MAX;
        far.step_ms = -5;
        let mut early = timeline(1, 1, 2);
        early.start_ms = i64::MAX;
        let mut late = timeline(1, 1, 2);
        late.start_ms = i64::MIN;
        let cases = [
            Timeline::default(),
            timeline(0, 3, 0),
            timeline(2, 0, 10),
            timeline(2, 2, 0),
            timeline(1, 1, 1),
            timeline(12, 11, 3),
            odd,
            tiny,
            far,
            early,
            late,
        ];
        for t in &cases {
            let s = svg(t);
            assert!(s.trim_end().ends_with("</svg>"), "{t:?}");
        }
    }
}
