//! Rendering results for people (tables, diagnostic lines) and programs (JSON).
//!
//! Renderers take finished results and return text; they never compute findings. Numbers in JSON
//! go through `number` so the same input always prints the same bytes.

pub mod annotate;
pub mod batch;
pub mod break_chain;
pub mod config;
pub mod diff;
pub mod fetch;
pub mod github;
pub mod live;
pub mod metrics;
pub mod plot;
pub mod recommend;
pub mod sarif;
pub mod show;
pub mod simulate;
pub mod tune;
pub mod validate;

/// A JSON number for a measured quantity: integral values print without a fraction, others are
/// rounded to 6 decimals so float noise never reaches the output.
pub fn number(x: f64) -> serde_json::Value {
    if !x.is_finite() {
        return serde_json::Value::Null;
    }
    let r = (x * 1e6).round() / 1e6;
    if r.fract() == 0.0 && r.abs() < 9e15 {
        serde_json::Value::from(r as i64)
    } else {
        serde_json::Value::from(r)
    }
}

/// A vertex name short enough for a table row: Flink 2.x job plans name each operator by its
/// whole description (`[7]:TableSourceScan(table=[[default_catalog, ...]], fields=[...])`),
/// which tables show as `TableSourceScan[7]`, the way job details name it. Names without such a
/// description pass unchanged; JSON always carries the full name.
pub fn short_vertex_name(name: &str) -> String {
    name.split(" -> ")
        .map(short_operator_name)
        .collect::<Vec<_>>()
        .join(" -> ")
}

fn short_operator_name(part: &str) -> String {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((id, rest)) = part
        .strip_prefix('[')
        .and_then(|p| p.split_once("]:"))
        .filter(|(id, _)| digits(id))
    else {
        return part.to_string();
    };
    let operator = rest.split('(').next().unwrap_or(rest).trim();
    if operator.is_empty() {
        return part.to_string();
    }
    format!("{operator}[{id}]")
}

/// Tables print numbers as `units::short` writes them.
pub use crate::units::short;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Fits a finished result table (header and rows added) to where it is read: `COLUMNS` when
/// set, else the terminal's width, and no limit at all in a pipe or a file (so scripts and tests
/// see every row on one line). Rows wrap only where the width is too small for them, and then
/// only between words: no column gets narrower than its longest word or number, so a count is
/// never printed over two lines (the table grows past the width instead).
pub fn fit(t: &mut comfy_table::Table) {
    use comfy_table::{ColumnConstraint, Width};
    use unicode_width::UnicodeWidthStr;
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20);
    if let Some(w) = width {
        t.set_width(w);
    }
    let Some(available) = t.width() else {
        return; // a pipe or a file: no limit, every row on one line
    };
    // Per column: the widest word (it must fit) and the widest line (all it could use).
    let mut words: Vec<usize> = Vec::new();
    let mut lines: Vec<usize> = Vec::new();
    let header = t.header().into_iter();
    for row in header.chain(t.row_iter()) {
        for (i, cell) in row.cell_iter().enumerate() {
            if words.len() <= i {
                words.resize(i + 1, 0);
                lines.resize(i + 1, 0);
            }
            for line in cell.content().lines() {
                lines[i] = lines[i].max(line.width());
                let word = line.split_whitespace().map(|w| w.width()).max();
                words[i] = words[i].max(word.unwrap_or(0));
            }
        }
    }
    // Borders and one space of padding either side of every column.
    let overhead = 3 * lines.len() + 1;
    let mut widths = lines.clone();
    let total = |w: &[usize]| w.iter().sum::<usize>() + overhead;
    // Narrow the widest column that still has room above its longest word, one cell at a time,
    // until the table fits or every column is down to its longest word.
    while total(&widths) > usize::from(available) {
        let widest = (0..widths.len())
            .filter(|&i| widths[i] > words[i])
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    for (column, w) in t.column_iter_mut().zip(widths) {
        // comfy-table's absolute widths include the column's padding.
        let w = u16::try_from(w + 2).unwrap_or(u16::MAX);
        column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(w)));
    }
}

/// What the renderers' tests share: a clean one-node plan's report with chosen diagnostics.
#[cfg(test)]
mod tests {
    use super::short_vertex_name;

    #[test]
    fn descriptions_shorten_to_operator_and_id() {
        assert_eq!(
            short_vertex_name(
                "[10]:TableSourceScan(table=[[default_catalog, default_database, orders]], fields=[a]) -> [11]:Calc(select=[a])"
            ),
            "TableSourceScan[10] -> Calc[11]"
        );
        // Job-details names, and names that only look alike, stay as they are.
        for kept in [
            "Source: orders[10]",
            "window_sink[18]: Writer",
            "[x]:Calc(a)",
            "[12]:(odd)",
        ] {
            assert_eq!(short_vertex_name(kept), kept);
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::diagnostic::Diagnostic;
    use crate::rules::{self, Report};

    const PLAN: &str = r#"{
  "nodes" : [ {
    "id" : 1, "uid" : "1", "name" : "src", "pact" : "Source",
    "parallelism" : 1, "maxParallelism" : 128, "vcore" : 0.25, "heap_memory" : 256
  } ],
  "links" : [ ]
}"#;

    pub(crate) fn report(diagnostics: Vec<Diagnostic>) -> Report {
        let plan = crate::plan::read("t.plan.json", PLAN, None).expect("the test plan reads");
        let mut rep = rules::validate(&plan, None, &rules::Options::default());
        assert!(rep.diagnostics.is_empty(), "{:?}", rep.diagnostics);
        rep.diagnostics = diagnostics;
        rep
    }
}
