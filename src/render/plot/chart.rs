//! One chart: axes, grid, tick labels and the reduced series of a strip, drawn by plotters.
//!
//! It knows nothing of policies or vertices: a panel hands it styled series, the formatting of
//! the y ticks and the y range (from [`y_range`], so that every strip of a panel is scaled the
//! same way). The x axis is always the layout's time axis, so strips line up column for column.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::labels::fmt_num;
use super::layout::*;
use super::reduce::{thin, Segment};

pub(super) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// One line to draw: its style (with the policy's color) and its pieces, split at skipped values.
pub(super) struct Series<'a> {
    pub(super) style: ShapeStyle,
    pub(super) segments: &'a [Segment],
}

pub(super) struct Axes<'a> {
    pub(super) y_desc: &'a str,
    pub(super) y_fmt: fn(f64) -> String,
    pub(super) y_labels: usize,
    pub(super) x_ticks: bool,
    pub(super) x_title: bool,
    /// A name shown above the plot, left-aligned.
    pub(super) name: Option<String>,
    pub(super) note: Option<&'a str>,
}

/// Draws one chart on `area`: axes and grid, then the series, reduced to its pixels.
pub(super) fn chart(
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

/// The y range of some series (and a reference value): from 0 or below up to a little above the
/// largest value, never empty.
pub(super) fn y_range(series: &[Series], extra: Option<f64>) -> (f64, f64) {
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
