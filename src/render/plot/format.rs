//! The file format of `simulate --plot`, chosen by the file's name: `.svg` or `.png`.
//!
//! The plot is drawn once, as SVG; a PNG is that SVG rasterised by resvg, so both formats show
//! the same picture. The name is checked on its own ([`PlotFormat::for_path`]) so that a command
//! can refuse a bad name before it spends time simulating.

use std::fmt;
use std::path::Path;

use resvg::{tiny_skia, usvg};

/// How the plot is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    Svg,
    Png,
}

/// Tallest PNG written (px). Each vertex adds about 210 px, so this is about 150 vertices; past
/// it the pixels alone would take hundreds of MiB, and many viewers refuse such pictures anyway.
pub const MAX_PNG_HEIGHT: u32 = 32_767;

/// Sans-serif families tried in order for the plot's text (it asks for `sans-serif`): fontdb's
/// own default, Arial, is missing on most Linux machines, where text would then fall back to a
/// serif face or to nothing.
const SANS_SERIF: [&str; 7] = [
    "DejaVu Sans",
    "Liberation Sans",
    "Noto Sans",
    "Arial",
    "Helvetica",
    "FreeSans",
    "Bitstream Vera Sans",
];

/// Why the plot cannot be written to a file: one line, naming the file as `--plot` was given it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotFormatError {
    path: String,
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Name,
    TooTall(u32),
    NoFont,
    Svg(String),
    Png(String),
}

impl fmt::Display for PlotFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--plot {}: ", self.path)?;
        match &self.problem {
            Problem::Name => f.write_str("the plot is written as .svg or .png"),
            Problem::TooTall(h) => write!(
                f,
                "the plot is {h} px tall, more than a PNG is written at ({MAX_PNG_HEIGHT} px); \
                 write it as .svg"
            ),
            Problem::NoFont => f.write_str(
                "no font found for the plot's text (install one, such as fonts-dejavu-core), \
                 or write it as .svg",
            ),
            Problem::Svg(e) => write!(f, "cannot read the plot's SVG back to rasterise it: {e}"),
            Problem::Png(e) => write!(f, "cannot encode the PNG: {e}"),
        }
    }
}

impl std::error::Error for PlotFormatError {}

impl PlotFormat {
    /// The format for a file name, by its extension in any case (`.svg`, `.PNG`).
    ///
    /// A name with neither extension is refused, unless it names something that exists and is
    /// not a regular file (`/dev/null`, `/dev/stdout`, a FIFO): such a name says nothing about a
    /// format, and SVG is the one the plot was always written in. Cheap (at most one `stat`), so
    /// it can run before the simulation.
    pub fn for_path(path: &Path) -> Result<PlotFormat, PlotFormatError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(PlotFormat::Svg),
            Some("png") => Ok(PlotFormat::Png),
            _ if is_special(path) => Ok(PlotFormat::Svg),
            _ => Err(error(path, Problem::Name)),
        }
    }
}

/// Whether the path exists and is neither a regular file nor a directory.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn error(path: &Path, problem: Problem) -> PlotFormatError {
    PlotFormatError {
        path: path.display().to_string(),
        problem,
    }
}

/// The bytes of the plot file `path`: `svg` itself, or its PNG, as the name asks.
///
/// Deterministic on one machine: the PNG depends only on the SVG and on the fonts installed.
pub fn encode(path: &Path, svg: &str) -> Result<Vec<u8>, PlotFormatError> {
    match PlotFormat::for_path(path)? {
        PlotFormat::Svg => Ok(svg.as_bytes().to_vec()),
        PlotFormat::Png => png(svg).map_err(|p| error(path, p)),
    }
}

/// The SVG rasterised at its own size (one SVG unit, one pixel), on its own white background.
fn png(svg: &str) -> Result<Vec<u8>, Problem> {
    let mut opt = usvg::Options::default();
    let fonts = opt.fontdb_mut();
    fonts.load_system_fonts();
    let family = sans_serif(fonts).ok_or(Problem::NoFont)?;
    fonts.set_sans_serif_family(family.clone());
    opt.font_family = family;
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| Problem::Svg(e.to_string()))?;
    let size = tree.size().to_int_size();
    if size.height() > MAX_PNG_HEIGHT {
        return Err(Problem::TooTall(size.height()));
    }
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Problem::Png(format!("no {}x{} picture", size.width(), size.height())))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| Problem::Png(e.to_string()))
}

/// The first of [`SANS_SERIF`] that is installed, else the family of any font at all (text in
/// some face beats no text).
fn sans_serif(fonts: &usvg::fontdb::Database) -> Option<String> {
    let installed = |name: &str| {
        fonts
            .faces()
            .any(|f| f.families.iter().any(|(n, _)| n == name))
    };
    if let Some(name) = SANS_SERIF.into_iter().find(|n| installed(n)) {
        return Some(name.to_string());
    }
    let mut any: Vec<&str> = fonts
        .faces()
        .filter_map(|f| f.families.first().map(|(n, _)| n.as_str()))
        .collect();
    // The smallest name, not the first loaded: directory order varies between machines.
    any.sort_unstable();
    any.first().map(|n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_names_the_format_in_any_case() {
        let f = |p: &str| PlotFormat::for_path(Path::new(p));
        assert_eq!(f("out.svg"), Ok(PlotFormat::Svg));
        assert_eq!(f("dir.png/out.SVG"), Ok(PlotFormat::Svg));
        assert_eq!(f("out.png"), Ok(PlotFormat::Png));
        assert_eq!(f("/tmp/x/Out.PnG"), Ok(PlotFormat::Png));
        for bad in [
            "out.pdf",
            "out",
            "png",
            ".png",
            "out.svg.gz",
            "out.png.",
            "-",
        ] {
            let e = f(bad).expect_err(bad);
            assert_eq!(
                e.to_string(),
                format!("--plot {bad}: the plot is written as .svg or .png")
            );
        }
        // Devices have no name to go by: the SVG, as before.
        assert_eq!(f("/dev/null"), Ok(PlotFormat::Svg));
    }

    #[test]
    fn svg_is_written_as_is_and_odd_svg_is_an_error() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3\" height=\"2\"/>";
        assert_eq!(encode(Path::new("a.svg"), svg).unwrap(), svg.as_bytes());
        let png = encode(Path::new("a.png"), svg).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let e = encode(Path::new("a.png"), "not svg")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--plot a.png: cannot read"), "{e}");
        assert_eq!(e.lines().count(), 1);
        let tall = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"40000\"/>";
        let e = encode(Path::new("a.png"), tall).unwrap_err().to_string();
        assert!(e.contains("40000 px tall"), "{e}");
    }
}
