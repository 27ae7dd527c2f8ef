//! Where everything sits in the picture, and how it looks: the fixed sizes, fonts and colors,
//! the [`Layout`] that sizes the strips and legend rows to the plot's contents, and the time
//! axis shared by every panel.
//!
//! Invariant: everything here depends on the [`PlotMeta`] alone, never on the steps, so the
//! layout (and with it the pixel columns the steps are reduced to) is fixed before the first
//! step arrives.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::labels::label;
use super::PlotMeta;
use crate::sim::timeline::Step;

/// Width of the picture (px).
pub(super) const WIDTH: u32 = 1200;
pub(super) const MARGIN_LEFT: u32 = 12;
pub(super) const MARGIN_RIGHT: u32 = 24;
/// Room left of each plot for tick labels and the rotated axis title.
pub(super) const Y_LABEL_AREA: u32 = 78;
/// Left edge of every plotting area, for the legend and the panel headers.
pub(super) const PLOT_LEFT: i32 = (MARGIN_LEFT + Y_LABEL_AREA) as i32;
/// Width of every plotting area: the number of pixel columns a series is reduced to.
pub(super) const PLOT_WIDTH: u32 = WIDTH - MARGIN_LEFT - MARGIN_RIGHT - Y_LABEL_AREA;
pub(super) const TITLE_HEIGHT: u32 = 64;
pub(super) const LEGEND_ROW: u32 = 24;
pub(super) const PANEL_HEADER: u32 = 30;
/// Room above each strip's plot for the vertex name.
pub(super) const STRIP_TOP: u32 = 24;
pub(super) const X_TICKS_AREA: u32 = 30;
pub(super) const X_TITLE_AREA: u32 = 26;
pub(super) const PENDING_HEIGHT: u32 = 230;
const BOTTOM_PAD: u32 = 10;
/// Values beyond this size are skipped like infinities: axis ranges stay computable.
pub(super) const MAX_ABS: f64 = 1e200;

pub(super) const FONT: &str = "sans-serif";
/// Plotters sizes: the SVG font-size is this divided by 1.24 (22, 14, 16, 14 and 12 px).
pub(super) const TITLE_SIZE: f64 = 22.0 * 1.24;
pub(super) const SUBTITLE_SIZE: f64 = 14.0 * 1.24;
pub(super) const HEADER_SIZE: f64 = 16.0 * 1.24;
pub(super) const TEXT_SIZE: f64 = 14.0 * 1.24;
pub(super) const LABEL_SIZE: f64 = 12.0 * 1.24;

/// Tableau 10 (matplotlib's default cycle) without its gray, which is demand's: distinct for the
/// usual 1–6 policies; more repeat.
pub(super) const PALETTE: [RGBColor; 9] = [
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
pub(super) const INK: RGBColor = RGBColor(40, 40, 40);
pub(super) const MUTED: RGBColor = RGBColor(95, 95, 95);
pub(super) const AXIS: RGBColor = RGBColor(120, 120, 120);
pub(super) const GRID: RGBColor = RGBColor(228, 228, 228);
pub(super) const CAPACITY_WIDTH: u32 = 2;
pub(super) const DEMAND_WIDTH: u32 = 6;
/// Demand's line, in the key and in the strips alike: a neutral gray, lighter than every policy
/// color and opaque, so overlapping policies cannot tint it.
pub(super) const DEMAND: RGBColor = RGBColor(200, 200, 200);

/// The color of the `i`-th policy (`Timeline::runs` order) in the plot.
pub fn policy_color(i: usize) -> (u8, u8, u8) {
    let c = PALETTE[i % PALETTE.len()];
    (c.0, c.1, c.2)
}

/// The color of the demand line in the plot (and in its key).
pub fn demand_color() -> (u8, u8, u8) {
    (DEMAND.0, DEMAND.1, DEMAND.2)
}

pub(super) fn text_style(size: f64, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, size).into_font().color(color).pos(Pos::new(h, v))
}

/// Sizes that depend on the plot's contents, and its time axis.
pub(super) struct Layout {
    pub(super) height: u32,
    pub(super) legend_rows: Vec<Vec<(usize, i32)>>,
    pub(super) strips: usize,
    pub(super) rate_strip: u32,
    pub(super) parallelism_strip: u32,
    pub(super) time: TimeAxis,
}

impl Layout {
    pub(super) fn new(meta: &PlotMeta) -> Layout {
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
pub(super) fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size / 1.24 * 0.56).ceil() as i32
}

/// The time axis: time since the start in a unit chosen from the span.
pub(super) struct TimeAxis {
    pub(super) unit: &'static str,
    /// The span of the steps' times (and the start).
    pub(super) span_ms: i64,
    /// Milliseconds per unit.
    ms: f64,
    pub(super) lo: f64,
    pub(super) hi: f64,
}

impl TimeAxis {
    pub(super) fn new(meta: &PlotMeta) -> TimeAxis {
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

    pub(super) fn x(&self, start_ms: i64, s: &Step) -> f64 {
        s.t_ms.saturating_sub(start_ms) as f64 / self.ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::plot::tests::timeline;

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
}
