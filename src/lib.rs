//! planscale: Flink resource plans, offline.
//!
//! Data flows one way: files are read by `plan` and `graph` into the `model`; `chaining`,
//! `resources` and `rules` analyse it; `render` turns results into text; `cli` wires flags to
//! all of the above. Lower modules never use higher ones.

pub mod chaining;
pub mod cli;
pub mod compare;
pub mod diagnostic;
pub mod error;
pub mod format;
pub mod graph;
pub mod io;
pub mod json;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod recommend;
pub mod render;
pub mod resources;
pub mod rest;
pub mod rules;
pub mod scaler;
pub mod settings;
pub mod signals;
pub mod sim;
pub mod summary;
pub mod units;
pub mod value;
