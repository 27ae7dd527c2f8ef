//! planscale: Flink resource plans, offline.
//!
//! Data flows one way: files are read by `plan` and `graph` into the `model`; `chaining`,
//! `resources` and `rules` analyse it (`lint` checks Flink configurations read by `settings`); `render` turns results into text. The binary's `cli`
//! (`src/cli/`, not part of the library) wires flags to all of the above. Lower modules never use
//! higher ones.
//!
//! The floors, lowest first ([`LAYERS`]; `tests/layering.rs` fails on any `use crate::` that
//! points sideways or up, so the module graph stays acyclic):
//!
//! | floor | modules |
//! | --- | --- |
//! | 0 | `source` (positions), `value` (Flink's value grammar), `units`, `signals` |
//! | 1 | `error`, `model`, `scaler` (the autoscaler, which imports nothing but `value`) |
//! | 2 | `json`, `diagnostic`, `chaining`, `io` |
//! | 3 | `format` |
//! | 4 | `plan`, `graph` (the readers) |
//! | 5 | `resources`, `metrics`, `settings` |
//! | 6 | `rules`, `summary`, `lint` (configuration checks of `config validate`) |
//! | 7 | `recommend`, `rest`, `compare`, `rewrite` (break-chain as one operation), `batch` (the Adaptive Batch Scheduler's decision) |
//! | 8 | `sim`, `prometheus` (Prometheus' HTTP API as a metric source) |
//! | 9 | `tune` (settings and schedules searched by replaying a recording through `sim`) |
//! | 10 | `render` (every word the user reads) |
//! | 11 | `cli`, in the binary (flags to requests, results to renderers) |

pub mod batch;
pub mod chaining;
pub mod compare;
pub mod diagnostic;
pub mod error;
pub mod format;
pub mod graph;
pub mod io;
pub mod json;
pub mod lint;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod prometheus;
pub mod recommend;
pub mod render;
pub mod resources;
pub mod rest;
pub mod rewrite;
pub mod rules;
pub mod scaler;
pub mod settings;
pub mod signals;
pub mod sim;
pub mod source;
pub mod summary;
pub mod tune;
pub mod units;
pub mod value;

/// The floors of the module graph, lowest first: a module may use only modules on lower floors.
#[doc(hidden)]
pub const LAYERS: &[&[&str]] = &[
    &["source", "value", "units", "signals"],
    &["error", "model", "scaler"],
    &["json", "diagnostic", "chaining", "io"],
    &["format"],
    &["plan", "graph"],
    &["resources", "metrics", "settings"],
    &["rules", "summary", "lint"],
    &["recommend", "rest", "compare", "rewrite", "batch"],
    &["sim", "prometheus"],
    &["tune"],
    &["render"],
    &["cli"],
];
