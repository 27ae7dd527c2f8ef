//! The front of `tune --plot`: every candidate's CU-hours against its pending p95, the Pareto
//! front joined by a line, the target as a dashed line, and the defaults, the current settings and
//! the choice named; and [`stack`], which puts SVG documents of this module one above the other in
//! one document (the front above the timelines). Pure functions of their input.

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::*;

/// One candidate as the front plot shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontPoint {
    pub cu_hours: f64,
    pub pending_p95_s: f64,
    pub on_front: bool,
    /// `chosen`, `defaults`, `current`: drawn larger and named.
    pub mark: Option<&'static str>,
}

const HEIGHT: u32 = 520;

/// The front as an SVG document of the timeline plot's width.
pub fn front_svg(points: &[FrontPoint], goal_s: f64) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = draw(&root, points, goal_s);
        let _ = root.present();
    }
    out
}

fn draw(
    root: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    points: &[FrontPoint],
    goal_s: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    root.fill(&WHITE)?;
    let finite = |x: f64| x.is_finite() && x.abs() < MAX_ABS;
    let pts: Vec<&FrontPoint> = points
        .iter()
        .filter(|p| finite(p.cu_hours) && finite(p.pending_p95_s))
        .collect();
    let (mut x0, mut x1) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.cu_hours), b.max(p.cu_hours))
        });
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    let pad = ((x1 - x0) * 0.08).max(x1.abs() * 0.01).max(1e-6);
    let y1 = pts
        .iter()
        .map(|p| p.pending_p95_s)
        .fold(if finite(goal_s) { goal_s } else { 0.0 }, f64::max)
        * 1.1
        + 1e-6;
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Candidates: CU-hours against pending p95 (the front joined)",
            (FONT, HEADER_SIZE).into_font().color(&INK),
        )
        .margin_left(MARGIN_LEFT)
        .margin_right(MARGIN_RIGHT)
        .margin_top(10)
        .x_label_area_size(X_TICKS_AREA + X_TITLE_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d((x0 - pad)..(x1 + pad), 0.0..y1)?;
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .x_desc("CU-hours")
        .y_desc("pending p95 (s)")
        .label_style((FONT, LABEL_SIZE).into_font().color(&MUTED))
        .draw()?;
    if finite(goal_s) {
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(x0 - pad, goal_s), (x1 + pad, goal_s)],
            6,
            4,
            MUTED.stroke_width(1),
        )))?;
    }
    chart.draw_series(
        pts.iter()
            .filter(|p| !p.on_front)
            .map(|p| Circle::new((p.cu_hours, p.pending_p95_s), 3, DEMAND.filled())),
    )?;
    let mut front: Vec<&&FrontPoint> = pts.iter().filter(|p| p.on_front).collect();
    front.sort_by(|a, b| a.cu_hours.total_cmp(&b.cu_hours));
    let blue = PALETTE[0];
    chart.draw_series(std::iter::once(PathElement::new(
        front
            .iter()
            .map(|p| (p.cu_hours, p.pending_p95_s))
            .collect::<Vec<_>>(),
        blue.stroke_width(1),
    )))?;
    chart.draw_series(
        front
            .iter()
            .map(|p| Circle::new((p.cu_hours, p.pending_p95_s), 4, blue.filled())),
    )?;
    for (i, name) in ["defaults", "current", "chosen"].iter().enumerate() {
        let color = PALETTE[(i + 1) % PALETTE.len()];
        for p in pts.iter().filter(|p| p.mark == Some(*name)) {
            chart.draw_series(std::iter::once(Circle::new(
                (p.cu_hours, p.pending_p95_s),
                7,
                color.stroke_width(3),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                name.to_string(),
                (p.cu_hours, p.pending_p95_s),
                text_style(TEXT_SIZE, &color, HPos::Left, VPos::Bottom),
            )))?;
        }
    }
    Ok(())
}

/// The size of an SVG document from its root's `width` and `height`.
fn size(svg: &str) -> (f64, f64) {
    let head = svg.split('>').next().unwrap_or("");
    let attr = |name: &str| {
        head.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.trim_end_matches("px").parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (attr("width"), attr("height"))
}

/// SVG documents one above the other, as one document (each nested as its own `<svg>`).
pub fn stack(docs: &[String]) -> String {
    let sizes: Vec<(f64, f64)> = docs.iter().map(|d| size(d)).collect();
    let width = sizes.iter().map(|s| s.0).fold(0.0, f64::max);
    let height: f64 = sizes.iter().map(|s| s.1).sum();
    let mut out = format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    let mut y = 0.0;
    for (d, (_, h)) in docs.iter().zip(&sizes) {
        let body = d.trim_start();
        let body = body
            .strip_prefix("<?xml")
            .map_or(body, |r| r.split_once("?>").map_or(r, |x| x.1));
        let body = body.trim_start();
        // Give the nested document its place: `<svg` becomes `<svg y="Y"`.
        let nested = body
            .strip_prefix("<svg")
            .map_or(body.to_string(), |r| format!("<svg y=\"{y}\"{r}"));
        out.push_str(&nested);
        out.push('\n');
        y += h;
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_names_its_marks_and_stacks_under_one_root() {
        let p = |cu: f64, s: f64, front: bool, mark| FrontPoint {
            cu_hours: cu,
            pending_p95_s: s,
            on_front: front,
            mark,
        };
        let svg = front_svg(
            &[
                p(10.0, 5.0, true, Some("chosen")),
                p(12.0, 2.0, true, Some("defaults")),
                p(14.0, 9.0, false, None),
                p(f64::NAN, 1.0, false, None),
            ],
            30.0,
        );
        assert!(svg.contains("chosen") && svg.contains("defaults"));
        assert_eq!(
            svg,
            front_svg(
                &[
                    p(10.0, 5.0, true, Some("chosen")),
                    p(12.0, 2.0, true, Some("defaults")),
                    p(14.0, 9.0, false, None),
                    p(f64::NAN, 1.0, false, None)
                ],
                30.0
            )
        );
        let both = stack(&[svg.clone(), svg]);
        assert!(
            both.starts_with("<svg width=\"1200\" height=\"1040\""),
            "{}",
            &both[..80]
        );
        assert!(both.contains("<svg y=\"520\""));
        assert!(front_svg(&[], f64::NAN).contains("</svg>"));
    }
}
