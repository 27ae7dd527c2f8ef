//! The picture's parts from top to bottom: title, legend, and the three panels (demand vs
//! capacity and parallelism, a strip per vertex; data pending time), each with its header and
//! key.
//!
//! Invariants: a policy's color is `PALETTE[i % len]` everywhere (legend and every strip);
//! demand is drawn once per vertex, under the capacity lines; the heights used here add up to
//! [`Layout`]'s `height`.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{chart, y_range, Axes, DrawResult, Series};
use super::labels::{count, duration, fmt_num, integer, label, si};
use super::layout::*;
use super::reduce::{RunSeries, Segment};
use super::PlotMeta;

/// Draws the plot from the reduced demand (per vertex) and series of each run; `steps` is the
/// largest number of steps of a run.
pub(super) fn draw(
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
