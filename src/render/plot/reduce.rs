//! The reduction of steps to pixel columns: [`PlotBuilder`] takes the steps one at a time and
//! keeps, per series, only the minimum and maximum of each pixel column, in time order.
//!
//! Invariants: the points held are bounded by the columns times the series (plus a few per gap
//! left by non-finite values), whatever the number of steps; runs pushed one after the other or
//! interleaved give the same plot; values that are not finite or beyond [`MAX_ABS`] end a
//! segment instead of reaching the axes.

use plotters::prelude::*;

use super::layout::*;
use super::panels::draw;
use super::PlotMeta;
use crate::sim::timeline::Step;

type Point = (f64, f64);
pub(super) type Segment = Vec<Point>;

/// Builds the plot step by step, without keeping the steps: each series is reduced to the plot's
/// pixel columns as it comes, so the memory held is bounded by the columns times the series (plus
/// a few points per gap left by non-finite values), whatever the number of steps.
pub struct PlotBuilder {
    meta: PlotMeta,
    layout: Layout,
    columns: Columns,
    runs: Vec<RunReducers>,
    /// Demand per vertex, of one run only (see the module's doc).
    demand: DemandReducers,
}

/// The demand of the lowest-numbered run that has pushed a step: the same run whether the runs
/// come one after the other or interleaved, so both orders draw the same plot.
struct DemandReducers {
    run: Option<usize>,
    /// Steps of `run` pushed so far.
    steps: usize,
    vertices: Vec<Reducer>,
}

impl DemandReducers {
    fn new(vertices: usize) -> DemandReducers {
        DemandReducers {
            run: None,
            steps: 0,
            vertices: (0..vertices).map(|_| Reducer::default()).collect(),
        }
    }

    fn push(&mut self, run: usize, col: usize, x: f64, s: &Step) {
        if self.run.is_none_or(|r| run < r) {
            *self = DemandReducers::new(self.vertices.len());
            self.run = Some(run);
        }
        if self.run != Some(run) {
            return;
        }
        let i = self.steps;
        self.steps += 1;
        for (v, r) in self.vertices.iter_mut().enumerate() {
            r.push(i, col, x, s.demand.get(v).copied().unwrap_or(f64::NAN));
        }
    }

    fn finish(self) -> Vec<Vec<Segment>> {
        self.vertices.into_iter().map(Reducer::finish).collect()
    }
}

impl PlotBuilder {
    pub fn new(meta: PlotMeta) -> PlotBuilder {
        let layout = Layout::new(&meta);
        let columns = Columns::new(PLOT_WIDTH as usize, layout.time.lo, layout.time.hi);
        let runs = meta
            .policies
            .iter()
            .map(|_| RunReducers::new(meta.vertices.len()))
            .collect();
        let demand = DemandReducers::new(meta.vertices.len());
        PlotBuilder {
            meta,
            layout,
            columns,
            runs,
            demand,
        }
    }

    /// The next step of run `run` (an index into `PlotMeta::policies`). Runs may be pushed one
    /// after the other or interleaved; each run's steps in time order. Values of `step` are
    /// indexed like `PlotMeta::vertices`; missing ones leave a gap.
    ///
    /// # Panics
    ///
    /// If `run` is not an index into `PlotMeta::policies`.
    pub fn push(&mut self, run: usize, step: &Step) {
        let n = self.runs.len();
        let Some(r) = self.runs.get_mut(run) else {
            panic!("plot: run {run} pushed, but there are {n} policies");
        };
        let x = self.layout.time.x(self.meta.start_ms, step);
        let col = self.columns.of(x);
        r.push(col, x, step);
        self.demand.push(run, col, x, step);
    }

    /// The SVG document. Never fails: drawing errors leave a partial picture.
    pub fn svg(self) -> String {
        let steps = self.runs.iter().map(|r| r.steps).max().unwrap_or(0);
        let reduced: Vec<RunSeries> = self.runs.into_iter().map(RunReducers::finish).collect();
        let demand = self.demand.finish();
        let (meta, layout) = (&self.meta, &self.layout);
        let mut out = String::new();
        {
            let root =
                SVGBackend::with_string(&mut out, (WIDTH, layout.height)).into_drawing_area();
            // Plotters' errors here are only the backend's, which writes to a String: nothing to
            // report, and the backend closes the document when dropped.
            let _ = draw(&root, meta, layout, &demand, &reduced, steps);
            let _ = root.present();
        }
        out
    }

    /// The points held by the reducers, to check that memory does not grow with the steps.
    #[cfg(test)]
    fn stored_points(&self) -> usize {
        let demand: usize = self
            .demand
            .vertices
            .iter()
            .map(Reducer::stored_points)
            .sum();
        demand
            + self
                .runs
                .iter()
                .map(RunReducers::stored_points)
                .sum::<usize>()
    }
}

/// One pixel column's extremes while reducing a series: (index, x, y).
struct Column {
    col: usize,
    min: (usize, f64, f64),
    max: (usize, f64, f64),
}

impl Column {
    fn push_to(&self, seg: &mut Segment) {
        let (a, b) = if self.min.0 <= self.max.0 {
            (self.min, self.max)
        } else {
            (self.max, self.min)
        };
        seg.push((a.1, a.2));
        if b.0 != a.0 {
            seg.push((b.1, b.2));
        }
    }
}

/// Pixel columns over the time axis.
#[derive(Clone, Copy)]
struct Columns {
    n: usize,
    lo: f64,
    scale: f64,
}

impl Columns {
    fn new(n: usize, lo: f64, hi: f64) -> Columns {
        let n = n.max(1);
        let scale = if hi > lo { n as f64 / (hi - lo) } else { 0.0 };
        Columns { n, lo, scale }
    }

    fn of(&self, x: f64) -> usize {
        // `as usize` saturates: NaN and negatives give 0.
        (((x - self.lo) * self.scale).floor() as usize).min(self.n - 1)
    }
}

/// Reduces one series, fed point by point, to the minimum and maximum of each pixel column in
/// time order, split into segments where values are missing or not finite.
#[derive(Default)]
struct Reducer {
    segments: Vec<Segment>,
    seg: Segment,
    column: Option<Column>,
}

impl Reducer {
    /// Adds the `i`-th point, at `x` in pixel column `col`.
    fn push(&mut self, i: usize, col: usize, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite() && y.abs() <= MAX_ABS) {
            self.close();
            return;
        }
        match &mut self.column {
            Some(c) if c.col == col => {
                if y < c.min.2 {
                    c.min = (i, x, y);
                }
                if y > c.max.2 {
                    c.max = (i, x, y);
                }
            }
            _ => {
                if let Some(c) = self.column.take() {
                    c.push_to(&mut self.seg);
                }
                self.column = Some(Column {
                    col,
                    min: (i, x, y),
                    max: (i, x, y),
                });
            }
        }
    }

    /// Ends the current segment.
    fn close(&mut self) {
        if let Some(c) = self.column.take() {
            c.push_to(&mut self.seg);
        }
        if !self.seg.is_empty() {
            self.segments.push(std::mem::take(&mut self.seg));
        }
    }

    fn finish(mut self) -> Vec<Segment> {
        self.close();
        self.segments
    }

    /// The points held: those of the segments, and the current column's extremes.
    #[cfg(test)]
    fn stored_points(&self) -> usize {
        let column = self
            .column
            .as_ref()
            .map_or(0, |c| 1 + usize::from(c.min.0 != c.max.0));
        self.segments
            .iter()
            .chain([&self.seg])
            .map(Vec::len)
            .sum::<usize>()
            + column
    }
}

#[cfg(test)]
fn reduce_to(points: impl Iterator<Item = Point>, cols: usize, lo: f64, hi: f64) -> Vec<Segment> {
    let columns = Columns::new(cols, lo, hi);
    let mut r = Reducer::default();
    for (i, (x, y)) in points.enumerate() {
        r.push(i, columns.of(x), x, y);
    }
    r.finish()
}

/// A policy's series, reduced to the plot's pixel columns: per vertex, then pending time (s).
pub(super) struct RunSeries {
    pub(super) capacity: Vec<Vec<Segment>>,
    pub(super) parallelism: Vec<Vec<Segment>>,
    pub(super) pending: Vec<Segment>,
}

/// A policy's reducers, fed step by step: per vertex, then pending time (s).
struct RunReducers {
    /// Steps pushed so far.
    steps: usize,
    capacity: Vec<Reducer>,
    parallelism: Vec<Reducer>,
    pending: Reducer,
}

impl RunReducers {
    fn new(vertices: usize) -> RunReducers {
        let new = || {
            (0..vertices)
                .map(|_| Reducer::default())
                .collect::<Vec<_>>()
        };
        RunReducers {
            steps: 0,
            capacity: new(),
            parallelism: new(),
            pending: Reducer::default(),
        }
    }

    /// Adds the next step, at `x` in pixel column `col`.
    fn push(&mut self, col: usize, x: f64, s: &Step) {
        let i = self.steps;
        self.steps += 1;
        for v in 0..self.capacity.len() {
            // Capacity is 0 while restarting: drawn, those dips fill long timelines with
            // vertical lines, and panel 2 and the pending time already show each rescale.
            if !s.restarting {
                let c = s.capacity.get(v).copied().unwrap_or(f64::NAN);
                self.capacity[v].push(i, col, x, c);
            }
            let p = s.parallelism.get(v).map_or(f64::NAN, |&p| p as f64);
            self.parallelism[v].push(i, col, x, p);
        }
        self.pending.push(i, col, x, s.pending_s);
    }

    fn finish(self) -> RunSeries {
        let done = |rs: Vec<Reducer>| rs.into_iter().map(Reducer::finish).collect();
        RunSeries {
            capacity: done(self.capacity),
            parallelism: done(self.parallelism),
            pending: self.pending.finish(),
        }
    }

    #[cfg(test)]
    fn stored_points(&self) -> usize {
        let series = [&self.capacity, &self.parallelism];
        series
            .into_iter()
            .flatten()
            .chain([&self.pending])
            .map(Reducer::stored_points)
            .sum()
    }
}

/// Drops the points that change nothing once drawn: those on the pixel of the previous point, and
/// those between two others on the same pixel row or column.
pub(super) fn thin(seg: &[Point], to_px: impl Fn(&Point) -> (i32, i32)) -> Vec<Point> {
    let mut kept: Vec<(Point, (i32, i32))> =
        Vec::with_capacity(seg.len().min(4 * PLOT_WIDTH as usize));
    for p in seg {
        let px = to_px(p);
        if kept.last().is_some_and(|k| k.1 == px) {
            continue;
        }
        kept.push((*p, px));
        while kept.len() >= 3 {
            let n = kept.len();
            let (a, b, c) = (kept[n - 3].1, kept[n - 2].1, kept[n - 1].1);
            let between = |a: i32, b: i32, c: i32| a.min(c) <= b && b <= a.max(c);
            let row = a.1 == b.1 && b.1 == c.1 && between(a.0, b.0, c.0);
            let column = a.0 == b.0 && b.0 == c.0 && between(a.1, b.1, c.1);
            if row || column {
                kept.remove(n - 2);
            } else {
                break;
            }
        }
    }
    kept.into_iter().map(|k| k.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::plot::svg;
    use crate::render::plot::tests::timeline;
    use crate::sim::timeline::Timeline;

    #[test]
    fn reduce_keeps_extremes_in_time_order() {
        let pts = [(0.0, 1.0), (0.1, 5.0), (0.2, -3.0), (0.3, 2.0), (1.5, 7.0)];
        let segs = reduce_to(pts.into_iter(), 2, 0.0, 2.0);
        assert_eq!(segs, vec![vec![(0.1, 5.0), (0.2, -3.0), (1.5, 7.0)]]);
    }

    #[test]
    fn reduce_splits_at_non_finite_values() {
        let pts = [
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, 2.0),
            (3.0, f64::INFINITY),
            (4.0, 1e300),
            (5.0, 3.0),
        ];
        let segs = reduce_to(pts.into_iter(), 100, 0.0, 5.0);
        assert_eq!(
            segs,
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0)], vec![(5.0, 3.0)]]
        );
        assert!(reduce_to(std::iter::empty(), 0, 0.0, 0.0).is_empty());
    }

    #[test]
    fn reduce_bounds_points_by_columns() {
        let pts = (0..1_000_000i64).map(|i| (i as f64, ((i * 7919) % 1000) as f64));
        let segs = reduce_to(pts, 500, 0.0, 1_000_000.0);
        assert_eq!(segs.len(), 1);
        assert!(segs[0].len() <= 1000, "{}", segs[0].len());
        let max = segs[0].iter().map(|p| p.1).fold(f64::MIN, f64::max);
        assert_eq!(max, 999.0);
    }

    #[test]
    fn thin_drops_runs_on_one_pixel_row_or_column() {
        let seg: Vec<Point> = vec![
            (0.0, 0.0),
            (1.0, 0.0),
            (2.0, 0.0),
            (2.0, 5.0),
            (2.0, 9.0),
            (3.0, 9.0),
        ];
        let px = |p: &Point| (p.0 as i32, p.1 as i32);
        assert_eq!(
            thin(&seg, px),
            vec![(0.0, 0.0), (2.0, 0.0), (2.0, 9.0), (3.0, 9.0)]
        );
        // A spike back down is kept.
        let seg: Vec<Point> = vec![(0.0, 0.0), (0.0, 9.0), (0.0, 1.0)];
        assert_eq!(thin(&seg, px), seg);
    }

    /// The meta a caller fills in before a replay of `steps` steps per run.
    fn meta_before_replay(t: &Timeline, steps: usize) -> PlotMeta {
        PlotMeta::before_replay(
            t.vertices.clone(),
            t.runs.iter().map(|r| r.name.clone()).collect(),
            t.expected_pending_s,
            t.start_ms,
            t.step_ms,
            steps,
        )
    }

    #[test]
    fn builder_fed_step_by_step_draws_the_same_plot() {
        let mut t = timeline(3, 2, 1500);
        for (i, s) in t.runs[0].steps.iter_mut().enumerate() {
            s.restarting = i % 300 < 4;
            if i % 211 == 0 {
                s.demand[1] = f64::NAN;
                s.pending_s = f64::INFINITY;
            }
        }
        t.runs[1].steps.truncate(700);
        t.runs[2].steps[40].capacity.clear();
        assert_eq!(PlotMeta::from(&t), meta_before_replay(&t, 1500));
        let want = svg(&t);

        // The runs interleaved, as a replay of all policies side by side would give them.
        let mut plot = PlotBuilder::new(meta_before_replay(&t, 1500));
        for i in 0..1500 {
            for (r, run) in t.runs.iter().enumerate() {
                if let Some(s) = run.steps.get(i) {
                    plot.push(r, s);
                }
            }
        }
        assert_eq!(plot.svg(), want);

        // No steps at all.
        let empty = timeline(2, 3, 0);
        let plot = PlotBuilder::new(meta_before_replay(&empty, 0));
        let out = plot.svg();
        assert_eq!(out, svg(&empty));
        assert!(out.contains("no steps"));
    }

    #[test]
    fn builder_memory_does_not_grow_with_the_steps() {
        const STEPS: usize = 2_000_000;
        let t = timeline(1, 3, 0);
        let mut plot = PlotBuilder::new(meta_before_replay(&t, STEPS));
        // 10 series (demand, capacity and parallelism of 3 vertices, pending time), each at most
        // the two extremes of every pixel column.
        let bound = 10 * 2 * (PLOT_WIDTH as usize + 1);
        let mut s = Step {
            demand: vec![0.0; 3],
            capacity: vec![0.0; 3],
            parallelism: vec![0; 3],
            ..Step::default()
        };
        let mut most = 0;
        for i in 0..STEPS {
            let wave = (i as f64 / 997.0).sin();
            s.t_ms = t.start_ms + i as i64 * t.step_ms;
            for v in 0..3 {
                s.demand[v] = 1000.0 * (v + 1) as f64 * (2.0 + wave);
                s.capacity[v] = 1500.0 * (v + 1) as f64 * (2.0 - wave);
                s.parallelism[v] = (1 + v + (i / 3001) % 5) as i64;
            }
            s.pending_s = 30.0 * wave * wave;
            s.restarting = i % 3001 < 3;
            plot.push(0, &s);
            if i % 4096 == 0 {
                most = most.max(plot.stored_points());
            }
        }
        most = most.max(plot.stored_points());
        assert!(most <= bound, "{most} points held, more than {bound}");
        // The series do fill the columns: the bound is not met by keeping nothing.
        assert!(most > 5 * PLOT_WIDTH as usize, "{most}");
        let out = plot.svg();
        assert!(out.contains("2000000 steps of 10 s"), "{}", &out[..800]);
    }
}
