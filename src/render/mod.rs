//! Rendering results for people (tables, diagnostic lines) and programs (JSON).
//!
//! Renderers take finished results and return text; they never compute findings. Numbers in JSON
//! go through `number` so the same input always prints the same bytes.

pub mod diff;
pub mod github;
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

    pub fn report(diagnostics: Vec<Diagnostic>) -> Report {
        let plan = crate::plan::read("t.plan.json", PLAN, None).expect("the test plan reads");
        let mut rep = rules::validate(&plan, None, &rules::Options::default());
        assert!(rep.diagnostics.is_empty(), "{:?}", rep.diagnostics);
        rep.diagnostics = diagnostics;
        rep
    }
}
