//! `simulate`'s pipeline on a fuzzed metric CSV against the lab's `udf_bottleneck` job: the
//! stream read into `sim::recording`, the model, the trace and a replay under the static
//! baseline and the Flink autoscaler (keeping every step, as `--timeline` does). Recordings of
//! more than 20,000 steps are skipped after the read, to keep executions fast.
#![no_main]
use libfuzzer_sys::fuzz_target;
use planscale::metrics::stream_metrics_from;
use planscale::recommend::vertices::job_vertices;
use planscale::scaler::Version;
use planscale::sim::engine::{self, Params};
use planscale::sim::policy::{self, Context, PolicySpec};
use planscale::sim::recording::Recorder;
use planscale::sim::{model, trace};

const GRAPH: &str = include_str!("../../fixtures/lab/udf_bottleneck/job.json");

fuzz_target!(|data: &[u8]| {
    let graph = planscale::graph::read("job.json", GRAPH, None).expect("the fixture reads");
    let vertices = job_vertices(&graph.job, graph.format);
    let mut recorder = Recorder::new(&vertices, None);
    if stream_metrics_from("fuzz.csv", data, None, &mut recorder).is_err() {
        return;
    }
    let Ok(mut recording) = recorder.finish() else {
        return;
    };
    let step_ms = recording.native_step_ms().max(1);
    if let Some((start, end)) = recording.span() {
        assert!(start <= end);
        if (end - start) / step_ms > 20_000 {
            return;
        }
    }
    let model = model::learn(vertices.clone(), &mut recording);
    let tr = trace::build(&model, &mut recording, step_ms);
    let initial = tr.recorded_at(0).to_vec();
    assert_eq!(initial.len(), vertices.len());
    let cost = planscale::resources::CostModel::per_vertex(vec![0.25; vertices.len()]);
    let params = Params {
        restart_ms: 30_000,
        cost: cost.clone(),
        expected_pending_s: Some(60.0),
        keep_steps: true,
    };
    let ctx = Context {
        model: &model,
        trace: &tr,
        initial: &initial,
        cost: &cost,
        version: Version::V1_15,
        interval_ms: 60_000,
    };
    for kind in ["static", "flink-autoscaler", "recorded"] {
        let spec = PolicySpec {
            name: kind.into(),
            kind: kind.into(),
            keys: vec![],
        };
        let mut p = policy::make(&spec, &ctx).expect("default policies build");
        let (run, summary) = engine::run(&model, &tr, &initial, p.as_mut(), &params, &|_| {}, None)
            .expect("the spool reads back");
        assert_eq!(run.steps.len(), tr.len());
        assert!(summary.cu_hours >= 0.0 && !summary.cu_hours.is_nan());
    }
});
