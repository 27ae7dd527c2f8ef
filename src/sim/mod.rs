//! `simulate`: replay recorded traffic through scaling policies.
//!
//! Data flow: a `JobModel` is learned from the recording (`model`), the recording's demand
//! becomes a `Trace` on a fixed step grid (`trace`), and `engine` replays the trace once per
//! policy (`policy`), producing a `Timeline` and a summary per policy. Everything is
//! deterministic: no clocks, no randomness, iteration in index order.

pub mod engine;
pub mod model;
pub mod policy;
pub mod quantile;
pub mod recording;
pub mod spool;
pub mod timeline;
pub mod trace;
