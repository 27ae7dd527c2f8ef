//! `simulate --plot`: the SVG, read back as XML the way a viewer would, and its PNG, decoded.

mod common;

use std::path::Path;

use planscale::render::plot::{demand_color, encode, svg, PlotFormat};
use planscale::sim::timeline::{PolicyRun, Step, Timeline};
use resvg::tiny_skia::Pixmap;

const START: i64 = 1_795_000_000_000;

/// `policies` × `vertices` × `steps` of 10 s, with a daily wave, noise and rescales.
fn timeline(policies: usize, vertices: usize, steps: usize) -> Timeline {
    let runs = (0..policies)
        .map(|p| PolicyRun {
            name: format!("policy <{p}>"),
            steps: (0..steps)
                .map(|i| {
                    let wave = (i as f64 / 500.0).sin();
                    Step {
                        t_ms: START + i as i64 * 10_000,
                        demand: (0..vertices)
                            .map(|v| 1000.0 * (v + 1) as f64 * (2.0 + wave) + (i % 7) as f64)
                            .collect(),
                        capacity: (0..vertices)
                            .map(|v| 1000.0 * (v + 1) as f64 * (2.0 + (p + i / 250) as f64 % 3.0))
                            .collect(),
                        parallelism: (0..vertices)
                            .map(|v| (1 + v + p + (i / 250) % 3) as i64)
                            .collect(),
                        backlog: 0.0,
                        pending_s: (i % 100) as f64 * (p + 1) as f64 / 10.0,
                        cu: 1.0,
                        restarting: i % 250 == 0 && i > 0,
                    }
                })
                .collect(),
        })
        .collect();
    Timeline {
        start_ms: START,
        step_ms: 10_000,
        vertices: (0..vertices)
            .map(|v| format!("Vertex {v}: Map -> Filter"))
            .collect(),
        expected_pending_s: Some(5.0),
        runs,
    }
}

/// The texts of the document, trimmed, with their y.
fn texts(doc: &roxmltree::Document) -> Vec<(String, f64)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let text = n.text().unwrap_or("").trim().to_string();
            let y = n.attribute("y").and_then(|y| y.parse().ok()).unwrap_or(0.0);
            (text, y)
        })
        .collect()
}

/// Each policy's color, read off the legend: the swatch just before the policy's name.
fn legend_colors(doc: &roxmltree::Document, t: &Timeline) -> Vec<String> {
    let elements: Vec<_> = doc.descendants().filter(|n| n.is_element()).collect();
    t.runs
        .iter()
        .map(|run| {
            let at = elements
                .iter()
                .position(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(&run.name))
                .unwrap_or_else(|| panic!("no legend entry for {}", run.name));
            let swatch = elements[at - 1];
            assert!(swatch.has_tag_name("rect"), "{swatch:?}");
            swatch
                .attribute("fill")
                .expect("the swatch is filled")
                .to_string()
        })
        .collect()
}

struct Line {
    stroke: String,
    opacity: String,
    width: u32,
    ys: (f64, f64),
    points: usize,
}

fn polylines(doc: &roxmltree::Document) -> Vec<Line> {
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| {
            let pts: Vec<(f64, f64)> = n
                .attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            let ys = pts.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
                (lo.min(p.1), hi.max(p.1))
            });
            Line {
                stroke: n.attribute("stroke").unwrap_or("").to_string(),
                opacity: n.attribute("opacity").unwrap_or("1").to_string(),
                width: n
                    .attribute("stroke-width")
                    .and_then(|w| w.parse().ok())
                    .unwrap_or(0),
                ys,
                points: pts.len(),
            }
        })
        .collect()
}

#[test]
fn panels_axes_legend_and_one_series_per_policy_and_vertex() {
    let t = timeline(2, 3, 1000);
    let out = svg(&t);
    let doc = roxmltree::Document::parse(&out).expect("the plot is well-formed XML");
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"));
    let texts = texts(&doc);
    let has = |s: &str| texts.iter().filter(|t| t.0 == s).count();

    assert_eq!(has("Scaling simulation"), 1);
    for panel in [
        "Demand vs capacity per vertex (records/s)",
        "Parallelism per vertex",
        "Data pending time (s)",
    ] {
        assert_eq!(has(panel), 1, "panel {panel}");
    }
    // 1000 steps of 10 s: minutes. One time axis title, at the bottom.
    assert_eq!(has("Time since start (min)"), 1);
    assert_eq!(has("records/s"), 3);
    assert_eq!(has("parallelism"), 3);
    assert_eq!(has("pending time (s)"), 1);
    assert_eq!(has("expected: 5 s"), 1);
    for v in &t.vertices {
        assert_eq!(has(v), 2, "{v} names a strip in panels 1 and 2");
    }

    let colors = legend_colors(&doc, &t);
    assert_eq!(colors.len(), 2);
    assert_ne!(colors[0], colors[1]);

    // The strips, top to bottom: three of panel 1, three of panel 2, then panel 3. A line
    // belongs to the strip whose name is the last above it.
    let mut tops: Vec<f64> = texts
        .iter()
        .filter(|(s, _)| t.vertices.contains(s) || s == "Data pending time (s)")
        .map(|t| t.1)
        .collect();
    tops.sort_by(f64::total_cmp);
    assert_eq!(tops.len(), 7);
    let lines = polylines(&doc);
    for color in &colors {
        // (strip, stroke width) → lines.
        let mut seen = std::collections::BTreeMap::new();
        for l in lines.iter().filter(|l| &l.stroke == color) {
            assert!(l.points >= 2, "a line of {color} with {} points", l.points);
            let strip = tops
                .iter()
                .rposition(|&y| y < l.ys.0)
                .expect("below a strip's name");
            if let Some(next) = tops.get(strip + 1) {
                assert!(
                    l.ys.1 < *next,
                    "a line of {color} crosses into the next strip"
                );
            }
            *seen.entry((strip, l.width)).or_insert(0) += 1;
        }
        let mut want = std::collections::BTreeMap::new();
        for v in 0..3 {
            want.insert((v, 2), 1); // capacity
            want.insert((3 + v, 2), 1); // parallelism
        }
        want.insert((6, 2), 1); // pending time
        assert_eq!(seen, want, "series of {color}");
    }
}

#[test]
fn same_timeline_same_bytes() {
    let t = timeline(3, 2, 500);
    let a = svg(&t);
    assert_eq!(a, svg(&t.clone()));
    assert!(!a.contains(" id="), "no generated ids");
}

#[test]
fn empty_timelines_still_draw_the_panels() {
    let cases = [
        Timeline::default(),
        timeline(2, 3, 0),
        timeline(0, 3, 10),
        timeline(2, 0, 10),
    ];
    for t in &cases {
        let out = svg(t);
        let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
        let texts = texts(&doc);
        for panel in [
            "Demand vs capacity per vertex (records/s)",
            "Parallelism per vertex",
        ] {
            assert!(texts.iter().any(|x| x.0 == panel), "{panel} in {t:?}");
        }
        assert!(texts.iter().any(|x| x.0.starts_with("Data pending time")));
        assert!(texts.iter().any(|x| x.0.starts_with("Time since start")));
        if t.vertices.is_empty() {
            assert_eq!(texts.iter().filter(|x| x.0 == "no vertices").count(), 2);
        }
    }
}

#[test]
fn skips_values_that_cannot_be_drawn() {
    let mut t = timeline(2, 2, 300);
    for (i, s) in t.runs[0].steps.iter_mut().enumerate() {
        if i % 3 == 0 {
            s.demand[0] = f64::NAN;
            s.capacity[1] = f64::INFINITY;
            s.pending_s = f64::NEG_INFINITY;
        }
    }
    t.runs[1].steps[10].demand.clear();
    t.runs[1].steps[11].parallelism.clear();
    t.expected_pending_s = Some(f64::NAN);
    let out = svg(&t);
    let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
    for l in polylines(&doc) {
        assert!(l.ys.0.is_finite() && l.ys.1.is_finite());
    }
    assert!(!out.contains("NaN") && !out.contains("inf"));
}

#[test]
fn long_timelines_are_reduced() {
    let t = timeline(2, 2, 200_000);
    let started = std::time::Instant::now();
    let out = svg(&t);
    let took = started.elapsed();
    assert!(out.len() < 1_500_000, "{} bytes", out.len());
    // Generous for unoptimized builds on a busy machine; release takes a few milliseconds.
    assert!(took.as_secs() < 10, "{took:?}");
    let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
    let most = polylines(&doc).iter().map(|l| l.points).max().unwrap_or(0);
    assert!(most <= 2 * 1100, "{most} points in one line");
}

/// The key's sample for `what` in a panel header: the line just before the text.
fn key_sample<'a>(doc: &'a roxmltree::Document, what: &str) -> roxmltree::Node<'a, 'a> {
    let elements: Vec<_> = doc.descendants().filter(|n| n.is_element()).collect();
    let at = elements
        .iter()
        .position(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(what))
        .unwrap_or_else(|| panic!("no key entry {what}"));
    elements[at - 1]
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

#[test]
fn demand_is_drawn_once_per_vertex_in_the_color_its_key_shows() {
    let t = timeline(3, 2, 600);
    let out = svg(&t);
    let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
    let sample = key_sample(&doc, "demand");
    let key = (
        sample.attribute("stroke").expect("a stroked sample"),
        sample.attribute("stroke-width").expect("a wide sample"),
        sample.attribute("opacity").unwrap_or("1"),
    );
    assert_eq!(key, (hex(demand_color()).as_str(), "6", "1"));
    let policy_colors = legend_colors(&doc, &t);
    assert!(
        !policy_colors.contains(&key.0.to_string()),
        "{policy_colors:?}"
    );

    // Every demand line is drawn exactly as the key shows it, one per vertex strip (the key's own
    // sample is the one more), and no line of a policy's color is as wide.
    let lines = polylines(&doc);
    let demand: Vec<&Line> = lines.iter().filter(|l| l.stroke == key.0).collect();
    assert_eq!(demand.len(), t.vertices.len() + 1);
    for l in &demand {
        assert_eq!((l.width, l.opacity.as_str()), (6, "1"));
    }
    assert!(lines
        .iter()
        .filter(|l| policy_colors.contains(&l.stroke))
        .all(|l| l.width == 2));
}

#[test]
fn demand_is_the_first_policys() {
    // The replay gives every policy the same demand; should a timeline differ, the first policy's
    // (the baseline's) is drawn and the others' change nothing.
    let t = timeline(3, 2, 300);
    let mut other = t.clone();
    for run in &mut other.runs[1..] {
        for s in &mut run.steps {
            s.demand.iter_mut().for_each(|d| *d *= 3.0);
        }
    }
    assert_eq!(svg(&other), svg(&t));
    let mut first = t.clone();
    first.runs[0]
        .steps
        .iter_mut()
        .for_each(|s| s.demand[0] *= 3.0);
    assert_ne!(svg(&first), svg(&t));
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// How many pixels in the rectangle satisfy `want` (r, g, b).
fn pixels(
    p: &Pixmap,
    x: std::ops::Range<u32>,
    y: std::ops::Range<u32>,
    want: impl Fn(u8, u8, u8) -> bool,
) -> usize {
    y.flat_map(|y| x.clone().map(move |x| (x, y)))
        .filter_map(|(x, y)| p.pixel(x, y))
        .filter(|c| want(c.red(), c.green(), c.blue()))
        .count()
}

#[test]
fn png_is_the_svg_rasterised_at_its_size_the_same_bytes_each_time() {
    let t = timeline(3, 2, 2000);
    let out = svg(&t);
    let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
    let size = |a: &str| -> u32 { doc.root_element().attribute(a).unwrap().parse().unwrap() };
    let (width, height) = (size("width"), size("height"));

    let png = encode(Path::new("plot.png"), &out).expect("the plot rasterises");
    assert!(png.starts_with(PNG_SIGNATURE));
    // The first chunk, IHDR, read by hand: its length (13), its name, then width and height.
    assert_eq!(&png[8..16], b"\0\0\0\x0dIHDR");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (width, height));
    assert_eq!(
        encode(Path::new("PLOT.PNG"), &out).unwrap(),
        png,
        "deterministic, and the extension's case does not matter"
    );

    let p = Pixmap::decode_png(&png).expect("the PNG decodes");
    assert_eq!((p.width(), p.height()), (width, height));
    let all = (0..width, 0..height);
    let white = pixels(&p, all.0.clone(), all.1.clone(), |r, g, b| {
        (r, g, b) == (255, 255, 255)
    });
    assert!(white > (width * height / 2) as usize, "a white background");
    // The demand line, in its gray, and every policy's color.
    let (dr, dg, db) = demand_color();
    let demand = pixels(&p, all.0.clone(), all.1.clone(), |r, g, b| {
        (r, g, b) == (dr, dg, db)
    });
    assert!(demand > 2000, "{demand} pixels of demand");
    for i in 0..t.runs.len() {
        let c = planscale::render::plot::policy_color(i);
        let n = pixels(&p, all.0.clone(), all.1.clone(), |r, g, b| (r, g, b) == c);
        assert!(n > 100, "{n} pixels of policy {i}'s color");
    }
    // The title's text is drawn (a font was found): dark ink where it stands, at the top left.
    let ink = pixels(&p, 12..240, 8..38, |r, g, b| r.max(g).max(b) < 110);
    assert!(ink > 300, "{ink} dark pixels in the title");
}

#[test]
fn svg_is_written_as_drawn() {
    let out = svg(&timeline(2, 1, 50));
    for name in ["plot.svg", "dir.png/PLOT.SVG"] {
        assert_eq!(encode(Path::new(name), &out).unwrap(), out.as_bytes());
    }
    assert_eq!(
        PlotFormat::for_path(Path::new("a.Png")),
        Ok(PlotFormat::Png)
    );
    for bad in ["plot.pdf", "plot", "plot.svgz", "plot.png.bak"] {
        let e = encode(Path::new(bad), &out).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("--plot {bad}: the plot is written as .svg or .png")
        );
    }
}

fn simulate_plot(plot: &Path) -> common::Outcome {
    common::planscale(&[
        "simulate",
        "--metrics",
        "fixtures/metrics/udf_bottleneck.long.csv",
        "--graph",
        &common::job_details("udf_bottleneck"),
        "--plot",
        plot.to_str().unwrap(),
    ])
}

#[test]
fn a_plot_name_other_than_svg_or_png_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["out.pdf", "out", "out.svg.gz"] {
        let path = dir.path().join(name);
        let out = simulate_plot(&path);
        assert_eq!(out.code, 2, "{}", out.stderr);
        // One line, and nothing else: the recording was not even read (it warns when it is).
        assert_eq!(
            out.stderr,
            format!(
                "error: --plot {}: the plot is written as .svg or .png\n",
                path.display()
            )
        );
        assert_eq!(out.stdout, "");
        assert!(!path.exists(), "{name} written");
    }
}

#[test]
fn simulate_writes_the_format_the_name_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let (svg_path, png_path) = (dir.path().join("p.svg"), dir.path().join("p.PNG"));
    for p in [&svg_path, &png_path] {
        let out = simulate_plot(p);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let svg_bytes = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg_bytes.starts_with("<svg"));
    let png = std::fs::read(&png_path).unwrap();
    assert!(png.starts_with(PNG_SIGNATURE));
    // The same picture: the PNG is the SVG of the same run, rasterised.
    assert_eq!(encode(Path::new("p.png"), &svg_bytes).unwrap(), png);
}

mod any {
    use super::*;
    use proptest::prelude::*;

    fn step(vertices: usize) -> impl Strategy<Value = Step> {
        let rates = || proptest::collection::vec(proptest::num::f64::ANY, 0..=vertices + 1);
        (
            0i64..10_000_000,
            rates(),
            rates(),
            proptest::collection::vec(any::<i64>(), 0..=vertices + 1),
            proptest::num::f64::ANY,
            any::<bool>(),
        )
            .prop_map(
                |(t_ms, demand, capacity, parallelism, pending_s, restarting)| Step {
                    t_ms,
                    demand,
                    capacity,
                    parallelism,
                    backlog: 0.0,
                    pending_s,
                    cu: 0.0,
                    restarting,
                },
            )
    }

    fn timeline() -> impl Strategy<Value = Timeline> {
        (0usize..4).prop_flat_map(|vertices| {
            (
                any::<i64>(),
                proptest::collection::vec(any::<String>(), vertices),
                proptest::option::of(proptest::num::f64::ANY),
                proptest::collection::vec(
                    (
                        any::<String>(),
                        proptest::collection::vec(step(vertices), 0..40),
                    ),
                    0..4,
                ),
            )
                .prop_map(|(start_ms, vertices, expected_pending_s, runs)| Timeline {
                    start_ms,
                    step_ms: 1000,
                    vertices,
                    expected_pending_s,
                    runs: runs
                        .into_iter()
                        .map(|(name, steps)| PolicyRun { name, steps })
                        .collect(),
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the values and names, the plot is a well-formed SVG document.
        #[test]
        fn any_timeline_gives_well_formed_svg(t in timeline()) {
            let out = svg(&t);
            let doc = roxmltree::Document::parse(&out);
            prop_assert!(doc.is_ok(), "{:?}", doc.err());
        }
    }
}
