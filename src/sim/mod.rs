//! `simulate`: replay recorded traffic through scaling policies.
//!
//! Data flow: the metric file streams past once into a `Recording` (`recording`: sums, bounded
//! `quantile`s and the sources' demand samples in a `spool`, never the samples themselves), a
//! `JobModel` is learned from it (`model`), its demand becomes a `Trace` on a fixed step grid
//! (`trace`), and `engine` replays the trace once per policy (`policy`), producing a summary per
//! policy and handing each step (`timeline::Step`) to an observer: `--timeline` streams it to its
//! file, `--plot` reduces it to pixel columns. Memory does not grow with the recording.
//! Everything is deterministic: no clocks, no randomness, iteration in index order.
//!
//! `run` is the operation a caller uses: typed requests for the policies, the recording and the
//! replay, a typed outcome back ([`simulate`]).

pub mod engine;
pub mod model;
pub mod policy;
pub mod quantile;
pub mod recording;
pub mod replay;
pub mod restart;
pub mod run;
pub mod specs;
pub mod spool;
pub mod timeline;
pub mod trace;

pub use run::simulate;
