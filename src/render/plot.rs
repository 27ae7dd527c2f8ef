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

mod format;

pub use format::{encode, PlotFormat, PlotFormatError, MAX_PNG_HEIGHT};

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::sim::timeline::{Step, Timeline};

/// Width of the picture (px).
const WIDTH: u32 = 1200;
const MARGIN_LEFT: u32 = 12;
const MARGIN_RIGHT: u32 = 24;
/// Room left of each plot for tick labels and the rotated axis title.
const Y_LABEL_AREA: u32 = 78;
/// Left edge of every plotting area, for the legend and the panel headers.
const PLOT_LEFT: i32 = (MARGIN_LEFT + Y_LABEL_AREA) as i32;
/// Width of every plotting area: the number of pixel columns a series is reduced to.
const PLOT_WIDTH: u32 = WIDTH - MARGIN_LEFT - MARGIN_RIGHT - Y_LABEL_AREA;
const TITLE_HEIGHT: u32 = 64;
const LEGEND_ROW: u32 = 24;
const PANEL_HEADER: u32 = 30;
/// Room above each strip's plot for the vertex name.
const STRIP_TOP: u32 = 24;
const X_TICKS_AREA: u32 = 30;
const X_TITLE_AREA: u32 = 26;
const PENDING_HEIGHT: u32 = 230;
const BOTTOM_PAD: u32 = 10;
/// Values beyond this size are skipped like infinities: axis ranges stay computable.
const MAX_ABS: f64 = 1e200;

const FONT: &str = "sans-serif";
/// Plotters sizes: the SVG font-size is this divided by 1.24 (22, 14, 16, 14 and 12 px).
const TITLE_SIZE: f64 = 22.0 * 1.24;
const SUBTITLE_SIZE: f64 = 14.0 * 1.24;
const HEADER_SIZE: f64 = 16.0 * 1.24;
const TEXT_SIZE: f64 = 14.0 * 1.24;
const LABEL_SIZE: f64 = 12.0 * 1.24;

/// Tableau 10 (matplotlib's default cycle) without its gray, which is demand's: distinct for the
/// usual 1–6 policies; more repeat.
const PALETTE: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const INK: RGBColor = RGBColor(40, 40, 40);
const MUTED: RGBColor = RGBColor(95, 95, 95);
const AXIS: RGBColor = RGBColor(120, 120, 120);
const GRID: RGBColor = RGBColor(228, 228, 228);
const CAPACITY_WIDTH: u32 = 2;
const DEMAND_WIDTH: u32 = 6;
/// Demand's line, in the key and in the strips alike: a neutral gray, lighter than every policy
/// color and opaque, so overlapping policies cannot tint it.
const DEMAND: RGBColor = RGBColor(200, 200, 200);

/// The color of the `i`-th policy (`Timeline::runs` order) in the plot.
pub fn policy_color(i: usize) -> (u8, u8, u8) {
    let c = PALETTE[i % PALETTE.len()];
    (c.0, c.1, c.2)
}

/// The color of the demand line in the plot (and in its key).
pub fn demand_color() -> (u8, u8, u8) {
    (DEMAND.0, DEMAND.1, DEMAND.2)
}

type Point = (f64, f64);
type Segment = Vec<Point>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

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

/// Sizes that depend on the plot's contents, and its time axis.
struct Layout {
    height: u32,
    legend_rows: Vec<Vec<(usize, i32)>>,
    strips: usize,
    rate_strip: u32,
    parallelism_strip: u32,
    time: TimeAxis,
}

impl Layout {
    fn new(meta: &PlotMeta) -> Layout {
        let strips = meta.vertices.len().max(1);
        let n = strips as u32;
        let rate_strip = (480 / n).clamp(118, 220);
        let parallelism_strip = (330 / n).clamp(92, 160);
        let legend_rows = legend_rows(&meta.policies);
        let height = TITLE_HEIGHT
            + LEGEND_ROW * legend_rows.len().max(1) as u32
            + 8
            + 3 * PANEL_HEADER
            + n * rate_strip
            + X_TICKS_AREA
            + n * parallelism_strip
            + X_TICKS_AREA
            + PENDING_HEIGHT
            + X_TICKS_AREA
            + X_TITLE_AREA
            + BOTTOM_PAD;
        Layout {
            height,
            legend_rows,
            strips,
            rate_strip,
            parallelism_strip,
            time: TimeAxis::new(meta),
        }
    }
}

/// Legend entries (policy index, x) laid out in rows that fit the plot's width.
fn legend_rows(policies: &[String]) -> Vec<Vec<(usize, i32)>> {
    let right = (WIDTH - MARGIN_RIGHT) as i32;
    let first = PLOT_LEFT;
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut x = first;
    for (i, name) in policies.iter().enumerate() {
        let w = 22 + text_width(&label(name, 60), TEXT_SIZE) + 26;
        if x + w > right && x > first {
            rows.push(Vec::new());
            x = first;
        }
        rows.last_mut().expect("one row at least").push((i, x));
        x += w;
    }
    rows
}

/// Estimated width (px) of a text in the sans-serif font, for laying out the legend.
fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size / 1.24 * 0.56).ceil() as i32
}

/// The time axis: time since the start in a unit chosen from the span.
struct TimeAxis {
    unit: &'static str,
    /// The span of the steps' times (and the start).
    span_ms: i64,
    /// Milliseconds per unit.
    ms: f64,
    lo: f64,
    hi: f64,
}

impl TimeAxis {
    fn new(meta: &PlotMeta) -> TimeAxis {
        let offsets = [meta.first_ms, meta.last_ms].map(|ms| ms.saturating_sub(meta.start_ms));
        let (mut lo, mut hi) = (0i64, 0i64);
        for d in offsets {
            lo = lo.min(d);
            hi = hi.max(d);
        }
        let span_ms = hi.saturating_sub(lo);
        let span_s = span_ms as f64 / 1000.0;
        let (unit, ms) = if span_s <= 180.0 {
            ("s", 1e3)
        } else if span_s <= 3.0 * 3600.0 {
            ("min", 60e3)
        } else if span_s <= 3.0 * 86400.0 {
            ("h", 3600e3)
        } else {
            ("d", 86400e3)
        };
        let (lo, hi) = (lo as f64 / ms, hi as f64 / ms);
        let hi = if hi - lo > 1e-9 { hi } else { lo + 1.0 };
        TimeAxis {
            unit,
            span_ms,
            ms,
            lo,
            hi,
        }
    }

    fn x(&self, start_ms: i64, s: &Step) -> f64 {
        s.t_ms.saturating_sub(start_ms) as f64 / self.ms
    }
}

/// Draws the plot from the reduced demand (per vertex) and series of each run; `steps` is the
/// largest number of steps of a run.
fn draw(
    root: &DrawingArea<SVGBackend, Shift>,
    meta: &PlotMeta,
    layout: &Layout,
    demand: &[Vec<Segment>],
    reduced: &[RunSeries],
    steps: usize,
) -> DrawResult {
    root.fill(&WHITE)?;
    let mut y = draw_title(root, meta, layout, steps)?;
    y = draw_legend(root, meta, layout, y)?;

    // Panel 1: demand vs capacity per vertex.
    header(root, y, "Demand vs capacity per vertex (records/s)")?;
    key(
        root,
        y,
        &[
            (Key::Demand, "demand"),
            (Key::Capacity, "capacity (while running)"),
        ],
    )?;
    y += PANEL_HEADER;
    for v in 0..layout.strips {
        let last = v + 1 == layout.strips;
        let h = layout.rate_strip + if last { X_TICKS_AREA } else { 0 };
        let area = root.clone().shrink((0, y), (WIDTH, h));
        rate_strip(&area, meta, layout, demand, reduced, v, last)?;
        y += h;
    }

    // Panel 2: parallelism per vertex.
    header(root, y, "Parallelism per vertex")?;
    y += PANEL_HEADER;
    for v in 0..layout.strips {
        let last = v + 1 == layout.strips;
        let h = layout.parallelism_strip + if last { X_TICKS_AREA } else { 0 };
        let area = root.clone().shrink((0, y), (WIDTH, h));
        parallelism_strip(&area, meta, layout, reduced, v, last)?;
        y += h;
    }

    // Panel 3: data pending time.
    let unit = PendingUnit::new(meta, reduced);
    header(root, y, &format!("Data pending time ({})", unit.name))?;
    if let Some(e) = expected(meta) {
        let text = format!("expected: {} {}", fmt_num(e / unit.s), unit.name);
        key(root, y, &[(Key::Expected, &text)])?;
    }
    y += PANEL_HEADER;
    let h = PENDING_HEIGHT + X_TICKS_AREA + X_TITLE_AREA;
    let area = root.clone().shrink((0, y), (WIDTH, h));
    pending_panel(&area, meta, layout, reduced, &unit, steps == 0)?;
    Ok(())
}

fn text_style(size: f64, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, size).into_font().color(color).pos(Pos::new(h, v))
}

fn draw_title(
    root: &DrawingArea<SVGBackend, Shift>,
    meta: &PlotMeta,
    layout: &Layout,
    steps: usize,
) -> Result<u32, Box<dyn std::error::Error>> {
    let style = (FONT, TITLE_SIZE)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(
        "Scaling simulation",
        (MARGIN_LEFT as i32, 10),
        style,
    ))?;
    let mut sub = format!(
        "{} · {} · ",
        count(meta.policies.len(), "policy", "policies"),
        count(meta.vertices.len(), "vertex", "vertices"),
    );
    if steps == 0 {
        sub.push_str("no steps");
    } else {
        sub.push_str(&format!(
            "{} of {} · {} from {}",
            count(steps, "step", "steps"),
            duration(meta.step_ms as f64 / 1000.0),
            duration(layout.time.span_ms as f64 / 1000.0),
            crate::metrics::time::format_rfc3339(meta.start_ms)
        ));
    }
    root.draw(&Text::new(
        sub,
        (MARGIN_LEFT as i32, 40),
        text_style(SUBTITLE_SIZE, &MUTED, HPos::Left, VPos::Top),
    ))?;
    Ok(TITLE_HEIGHT)
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration in seconds, in the largest unit that keeps it readable (`90 s`, `2.5 h`).
fn duration(s: f64) -> String {
    if !s.is_finite() || s <= 0.0 {
        return "0 s".into();
    }
    let (v, u) = if s < 180.0 {
        (s, "s")
    } else if s < 3.0 * 3600.0 {
        (s / 60.0, "min")
    } else if s < 3.0 * 86400.0 {
        (s / 3600.0, "h")
    } else {
        (s / 86400.0, "d")
    };
    format!("{} {u}", fmt_num((v * 10.0).round() / 10.0))
}

fn draw_legend(
    root: &DrawingArea<SVGBackend, Shift>,
    meta: &PlotMeta,
    layout: &Layout,
    y: u32,
) -> Result<u32, Box<dyn std::error::Error>> {
    let label_style = text_style(TEXT_SIZE, &MUTED, HPos::Right, VPos::Center);
    root.draw(&Text::new(
        "Policies",
        (PLOT_LEFT - 12, (y + LEGEND_ROW / 2) as i32),
        label_style,
    ))?;
    if meta.policies.is_empty() {
        let style = text_style(TEXT_SIZE, &MUTED, HPos::Left, VPos::Center);
        root.draw(&Text::new(
            "(none)",
            (PLOT_LEFT, (y + LEGEND_ROW / 2) as i32),
            style,
        ))?;
    }
    for (r, row) in layout.legend_rows.iter().enumerate() {
        let cy = (y + r as u32 * LEGEND_ROW + LEGEND_ROW / 2) as i32;
        for &(i, x) in row {
            let color = PALETTE[i % PALETTE.len()];
            root.draw(&Rectangle::new(
                [(x, cy - 7), (x + 15, cy + 7)],
                color.filled(),
            ))?;
            let style = text_style(TEXT_SIZE, &INK, HPos::Left, VPos::Center);
            root.draw(&Text::new(
                label(&meta.policies[i], 60),
                (x + 22, cy),
                style,
            ))?;
        }
    }
    Ok(y + LEGEND_ROW * layout.legend_rows.len().max(1) as u32 + 8)
}

/// A panel's title, at the left edge of the picture.
fn header(root: &DrawingArea<SVGBackend, Shift>, y: u32, title: &str) -> DrawResult {
    let style = (FONT, HEADER_SIZE)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let cy = (y + PANEL_HEADER / 2 + 2) as i32;
    root.draw(&Text::new(
        title.to_string(),
        (MARGIN_LEFT as i32, cy),
        style,
    ))?;
    Ok(())
}

/// A line kind in a panel's key.
#[derive(Clone, Copy)]
enum Key {
    Demand,
    Capacity,
    Expected,
}

/// A panel's key, right-aligned in its header: line samples in gray (not a policy's color), demand's
/// exactly as its line is drawn.
fn key(root: &DrawingArea<SVGBackend, Shift>, y: u32, entries: &[(Key, &str)]) -> DrawResult {
    let cy = (y + PANEL_HEADER / 2 + 2) as i32;
    let widths: Vec<i32> = entries
        .iter()
        .map(|(_, text)| 34 + text_width(text, TEXT_SIZE) + 24)
        .collect();
    let mut x = (WIDTH - MARGIN_RIGHT) as i32 - widths.iter().sum::<i32>() + 24;
    for ((kind, text), w) in entries.iter().zip(widths) {
        let sample = vec![(x, cy), (x + 28, cy)];
        match kind {
            Key::Demand => root.draw(&PathElement::new(sample, demand_style()))?,
            Key::Capacity => root.draw(&PathElement::new(
                sample,
                MUTED.stroke_width(CAPACITY_WIDTH),
            ))?,
            Key::Expected => {
                root.draw(&DashedPathElement::new(sample, 6, 4, INK.stroke_width(1)))?
            }
        }
        let style = text_style(TEXT_SIZE, &MUTED, HPos::Left, VPos::Center);
        root.draw(&Text::new(text.to_string(), (x + 34, cy), style))?;
        x += w;
    }
    Ok(())
}

/// Text from the timeline, safe for XML (no control characters) and at most `max` characters.
fn label(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            // Not allowed in XML 1.0.
            '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// One line to draw: its style (with the policy's color) and its pieces, split at skipped values.
struct Series<'a> {
    style: ShapeStyle,
    segments: &'a [Segment],
}

struct Axes<'a> {
    y_desc: &'a str,
    y_fmt: fn(f64) -> String,
    y_labels: usize,
    x_ticks: bool,
    x_title: bool,
    /// A name shown above the plot, left-aligned.
    name: Option<String>,
    note: Option<&'a str>,
}

/// Draws one chart on `area`: axes and grid, then the series, reduced to its pixels.
fn chart(
    area: &DrawingArea<SVGBackend, Shift>,
    layout: &Layout,
    y_range: (f64, f64),
    axes: &Axes,
    series: &[Series],
    hline: Option<f64>,
) -> DrawResult {
    let time = &layout.time;
    let x_area =
        if axes.x_ticks { X_TICKS_AREA } else { 0 } + if axes.x_title { X_TITLE_AREA } else { 0 };
    let mut chart = ChartBuilder::on(area)
        .margin_left(MARGIN_LEFT)
        .margin_right(MARGIN_RIGHT)
        .margin_top(STRIP_TOP)
        .x_label_area_size(x_area)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(time.lo..time.hi, y_range.0..y_range.1)?;
    let x_desc = format!("Time since start ({})", time.unit);
    let y_fmt = axes.y_fmt;
    let x_label = |v: &f64| fmt_num(*v);
    let y_label = |v: &f64| y_fmt(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(12)
        .y_labels(axes.y_labels)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .y_desc(axes.y_desc)
        .label_style((FONT, LABEL_SIZE).into_font().color(&MUTED))
        .axis_desc_style((FONT, LABEL_SIZE).into_font().color(&INK))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(AXIS);
    if axes.x_title {
        mesh.x_desc(x_desc);
    }
    mesh.draw()?;

    let (px, py) = chart.plotting_area().get_pixel_range();
    if let Some(name) = &axes.name {
        let style = text_style(TEXT_SIZE, &INK, HPos::Left, VPos::Bottom);
        area.draw(&Text::new(
            name.clone(),
            (px.start - area.get_base_pixel().0, STRIP_TOP as i32 - 2),
            style,
        ))?;
    }
    if let Some(note) = axes.note {
        let style = text_style(TEXT_SIZE, &MUTED, HPos::Center, VPos::Center);
        let base = area.get_base_pixel();
        let at = (
            (px.start + px.end) / 2 - base.0,
            (py.start + py.end) / 2 - base.1,
        );
        area.draw(&Text::new(note.to_string(), at, style))?;
    }

    for s in series {
        for seg in s.segments {
            let pts = thin(seg, |p| chart.backend_coord(p));
            if pts.len() == 1 {
                let mut dot = s.style;
                dot.filled = true;
                chart.draw_series(std::iter::once(Circle::new(
                    pts[0],
                    (s.style.stroke_width + 2) / 2,
                    dot,
                )))?;
            } else if !pts.is_empty() {
                chart.draw_series(LineSeries::new(pts, s.style))?;
            }
        }
    }
    if let Some(h) = hline {
        chart.draw_series(DashedLineSeries::new(
            vec![(time.lo, h), (time.hi, h)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
    }
    Ok(())
}

fn demand_style() -> ShapeStyle {
    DEMAND.stroke_width(DEMAND_WIDTH)
}

fn rate_strip(
    area: &DrawingArea<SVGBackend, Shift>,
    meta: &PlotMeta,
    layout: &Layout,
    demand: &[Vec<Segment>],
    reduced: &[RunSeries],
    v: usize,
    last: bool,
) -> DrawResult {
    let mut series = Vec::new();
    // Demand first, under every capacity line.
    if let Some(d) = demand.get(v) {
        series.push(Series {
            style: demand_style(),
            segments: d,
        });
    }
    for (i, run) in reduced.iter().enumerate() {
        if let Some(c) = run.capacity.get(v) {
            let style = PALETTE[i % PALETTE.len()].stroke_width(CAPACITY_WIDTH);
            series.push(Series { style, segments: c });
        }
    }
    let axes = Axes {
        y_desc: "records/s",
        y_fmt: si,
        y_labels: 4,
        x_ticks: last,
        x_title: false,
        name: meta.vertices.get(v).map(|n| label(n, 110)),
        note: meta.vertices.is_empty().then_some("no vertices"),
    };
    chart(area, layout, y_range(&series, None), &axes, &series, None)
}

fn parallelism_strip(
    area: &DrawingArea<SVGBackend, Shift>,
    meta: &PlotMeta,
    layout: &Layout,
    reduced: &[RunSeries],
    v: usize,
    last: bool,
) -> DrawResult {
    let mut series = Vec::new();
    for (i, run) in reduced.iter().enumerate() {
        if let Some(p) = run.parallelism.get(v) {
            let style = PALETTE[i % PALETTE.len()].stroke_width(CAPACITY_WIDTH);
            series.push(Series { style, segments: p });
        }
    }
    let (lo, hi) = y_range(&series, None);
    // Whole tasks: at least 0..2, so the ticks stay on integers.
    let y = (lo.floor(), hi.ceil().max(lo.floor() + 2.0));
    let axes = Axes {
        y_desc: "parallelism",
        y_fmt: integer,
        y_labels: 4,
        x_ticks: last,
        x_title: false,
        name: meta.vertices.get(v).map(|n| label(n, 110)),
        note: meta.vertices.is_empty().then_some("no vertices"),
    };
    chart(area, layout, y, &axes, &series, None)
}

/// The unit of the pending-time axis, chosen from the largest value shown.
struct PendingUnit {
    name: &'static str,
    /// Seconds per unit.
    s: f64,
}

impl PendingUnit {
    fn new(meta: &PlotMeta, reduced: &[RunSeries]) -> PendingUnit {
        let max = reduced
            .iter()
            .flat_map(|r| r.pending.iter().flatten())
            .map(|p| p.1.abs())
            .chain(expected(meta).map(f64::abs))
            .fold(0.0, f64::max);
        let (name, s) = if max <= 180.0 {
            ("s", 1.0)
        } else if max <= 3.0 * 3600.0 {
            ("min", 60.0)
        } else {
            ("h", 3600.0)
        };
        PendingUnit { name, s }
    }
}

fn expected(meta: &PlotMeta) -> Option<f64> {
    meta.expected_pending_s
        .filter(|e| e.is_finite() && e.abs() <= MAX_ABS)
}

fn pending_panel(
    area: &DrawingArea<SVGBackend, Shift>,
    meta: &PlotMeta,
    layout: &Layout,
    reduced: &[RunSeries],
    unit: &PendingUnit,
    no_steps: bool,
) -> DrawResult {
    let scaled: Vec<Vec<Segment>> = reduced
        .iter()
        .map(|r| {
            let scale = |seg: &Segment| seg.iter().map(|&(x, y)| (x, y / unit.s)).collect();
            r.pending.iter().map(scale).collect()
        })
        .collect();
    let series: Vec<Series> = scaled
        .iter()
        .enumerate()
        .map(|(i, segments)| Series {
            style: PALETTE[i % PALETTE.len()].stroke_width(CAPACITY_WIDTH),
            segments,
        })
        .collect();
    let hline = expected(meta).map(|e| e / unit.s);
    let y_desc = format!("pending time ({})", unit.name);
    let axes = Axes {
        y_desc: &y_desc,
        y_fmt: si,
        y_labels: 6,
        x_ticks: true,
        x_title: true,
        name: None,
        note: no_steps.then_some("no steps"),
    };
    chart(area, layout, y_range(&series, hline), &axes, &series, hline)
}

/// The y range of some series (and a reference value): from 0 or below up to a little above the
/// largest value, never empty.
fn y_range(series: &[Series], extra: Option<f64>) -> (f64, f64) {
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    let values = series
        .iter()
        .flat_map(|s| s.segments.iter().flatten())
        .map(|p| p.1)
        .chain(extra);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let span = hi - lo;
    if span < 1e-9 {
        return (lo, lo + 1.0);
    }
    (lo, hi + span * 0.08)
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
struct RunSeries {
    capacity: Vec<Vec<Segment>>,
    parallelism: Vec<Vec<Segment>>,
    pending: Vec<Segment>,
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
fn thin(seg: &[Point], to_px: impl Fn(&Point) -> (i32, i32)) -> Vec<Point> {
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

/// A tick label: up to 3 decimals, trailing zeros dropped.
fn fmt_num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A tick label with an SI suffix (`1.5k`, `20M`).
fn si(v: f64) -> String {
    let a = v.abs();
    let (d, suffix) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    format!("{}{suffix}", fmt_num(v / d))
}

/// A tick label for whole numbers only: parallelism has no fractions.
fn integer(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::timeline::PolicyRun;

    fn timeline(policies: usize, vertices: usize, steps: usize) -> Timeline {
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

    #[test]
    fn labels() {
        assert_eq!(si(1500.0), "1.5k");
        assert_eq!(si(2e6), "2M");
        assert_eq!(si(0.25), "0.25");
        assert_eq!(si(-0.0), "0");
        assert_eq!(integer(3.0), "3");
        assert_eq!(integer(2.5), "");
        assert_eq!(duration(5400.0), "90 min");
        assert_eq!(duration(12.0 * 86400.0), "12 d");
        assert_eq!(label("a\u{1}b", 10), "a b");
        assert_eq!(label("abcdef", 4), "abc…");
        assert_eq!(label("x\u{FFFF}", 4), "x\u{FFFD}");
    }

    #[test]
    fn time_unit_follows_the_span() {
        let unit = |steps: usize, step_ms: i64| {
            let mut t = timeline(1, 1, steps);
            for (i, s) in t.runs[0].steps.iter_mut().enumerate() {
                s.t_ms = t.start_ms + i as i64 * step_ms;
            }
            TimeAxis::new(&PlotMeta::from(&t)).unit
        };
        assert_eq!(unit(10, 1000), "s");
        assert_eq!(unit(100, 60_000), "min");
        assert_eq!(unit(30, 3_600_000), "h");
        assert_eq!(unit(30, 86_400_000), "d");
        assert_eq!(unit(0, 1000), "s");
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
