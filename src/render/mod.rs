//! Rendering results for people (tables, diagnostic lines) and programs (JSON).
//!
//! Renderers take finished results and return text; they never compute findings. Numbers in JSON
//! go through `number` so the same input always prints the same bytes.

pub mod diff;
pub mod github;
pub mod live;
pub mod plot;
pub mod recommend;
pub mod sarif;
pub mod show;
pub mod simulate;
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

/// Tables print numbers as `units::short` writes them.
pub use crate::units::short;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Fits a result table to where it is read: `COLUMNS` when set, else the terminal's width, and
/// no limit at all in a pipe or a file (so scripts and tests see every row on one line). Rows
/// wrap only where the width is too small for them.
pub fn fit(t: &mut comfy_table::Table) {
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    if let Some(w) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20)
    {
        t.set_width(w);
    }
}

/// What the renderers' tests share: a clean one-node plan's report with chosen diagnostics.
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
