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
//! PLANSCALE_BENCH_STOP_BOUND=1 cargo bench --bench tune   # and what early stopping could save
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
        if std::env::var_os("PLANSCALE_BENCH_STOP_BOUND").is_some() {
            println!(
                "stopping dominated candidates early would save at most {:.1}% of the replays",
                100.0 * stop_bound(&o.evaluated)
            );
        }
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

/// The most early stopping could save, as a fraction of the replays, from the final figures and
/// an optimistic assumption: a candidate's CU-hours and rescales grow in proportion to time, so
/// it is known to be dominated at the first moment its figures pass those of two candidates with
/// no higher pending p95 (two, so that neither the choice nor the runner-up is ever stopped).
fn stop_bound(evaluated: &[planscale::tune::Evaluated]) -> f64 {
    let f: Vec<(f64, f64, f64)> = evaluated
        .iter()
        .map(|e| {
            let f = &e.figures;
            (f.cu_hours, f.pending_p95_ms, f.rescales as f64)
        })
        .collect();
    let mut saved = 0.0;
    for (i, &(cu, p95, r)) in f.iter().enumerate() {
        let mut at: Vec<f64> = f
            .iter()
            .enumerate()
            .filter(|&(j, &(_, p, _))| j != i && p <= p95)
            .map(|(_, &(c, _, rr))| {
                let by_rescales = if r > 0.0 {
                    rr / r
                } else if rr == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                };
                (c / cu).max(by_rescales)
            })
            .filter(|&t| t < 1.0)
            .collect();
        at.sort_by(f64::total_cmp);
        if let Some(&t) = at.get(1) {
            saved += 1.0 - t;
        }
    }
    saved / f.len().max(1) as f64
}
