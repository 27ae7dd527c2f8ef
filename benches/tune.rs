//! `tune` on a 30-day recording at 10 s steps (259,200 steps) of a 10-vertex job, 200
//! candidates: the trace and job model of `benches/simulate.rs` (a daily sine with spikes, the
//! model built directly), so the bench measures the search alone. Prints the wall time of each
//! run and the figures of the choice (a plain timer, not criterion: one run takes seconds).
//!
//! ```sh
//! cargo bench --bench tune                          # both cores
//! RAYON_NUM_THREADS=1 cargo bench --bench tune      # one
//! PLANSCALE_BENCH_RUNS=3 cargo bench --bench tune   # more runs
//! PLANSCALE_BENCH_CANDIDATES=20 cargo bench --bench tune
//! ```

use std::time::Instant;

use planscale::resources::CostModel;
use planscale::scaler::Version;
use planscale::settings::Origin;
use planscale::sim::run::{self, FillIns, PolicyRequest, Recorded, SimulateRequest};
use planscale::tune::space::Space;
use planscale::tune::{TuneRequest, Tuner};

#[path = "common/job30d.rs"]
mod job30d;

use job30d::{model, trace, VERTICES};

/// Candidates searched; `PLANSCALE_BENCH_CANDIDATES` overrides it.
const CANDIDATES: usize = 200;

fn request(candidates: usize) -> TuneRequest {
    let policies = run::policies(PolicyRequest {
        version: Version::V1_16,
        config: vec![],
        defines: vec![],
        files: vec![],
        fill_ins: FillIns {
            expected_pending_ms: Some((60_000, Origin::Flag("--pending-p95"))),
            ..FillIns::default()
        },
    })
    .expect("the default policies resolve");
    TuneRequest {
        simulate: SimulateRequest {
            policies,
            recorded: Recorded {
                model: model(),
                trace: trace(),
                step_ms: 10_000,
                measured_restart: None,
                metric_warnings: vec![],
                recording_warnings: vec![],
            },
            cost: CostModel::per_vertex(vec![0.25; VERTICES]),
            restart_ms: Some(60_000),
            interval_ms: None,
        },
        pending_p95_ms: 60_000,
        max_rescales_per_day: None,
        space: Space::default_space(),
        budget: candidates,
        schedule_periods: None,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read.
    let runs: usize = std::env::var("PLANSCALE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let candidates: usize = std::env::var("PLANSCALE_BENCH_CANDIDATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CANDIDATES);
    for i in 0..runs {
        let start = Instant::now();
        let tuner = Tuner::new(request(candidates)).expect("the request is valid");
        let laid_out = start.elapsed();
        let o = tuner.run().expect("the search runs");
        let total = start.elapsed();
        let c = o.chosen();
        println!(
            "tune_30_days_10_vertices run {i}: {} candidates in {:.2} s (layout {:.2} s, {} threads); chosen {:.2} CU-hours, pending p95 {:.1} s, {} rescales",
            o.evaluated.len() + o.skipped.len(),
            total.as_secs_f64(),
            laid_out.as_secs_f64(),
            rayon::current_num_threads(),
            c.figures.cu_hours,
            c.figures.pending_p95_ms / 1000.0,
            c.figures.rescales
        );
    }
}
