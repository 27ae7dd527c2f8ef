//! `simulate` on a 30-day trace at 10 s steps (259,200 steps) for a 10-vertex job under the five
//! scaling policies plus the static baseline. The trace is generated (a daily sine with noise-free
//! spikes), the job model built directly, so the bench measures the replay alone.

use criterion::{criterion_group, criterion_main, Criterion};
use planscale::scaler::Version;
use planscale::sim::engine::{self, Params};
use planscale::sim::policy::{self, Context, PolicySpec};

#[path = "common/job30d.rs"]
mod job30d;

use job30d::{model, trace, VERTICES};

fn specs() -> Vec<PolicySpec> {
    let s = |name: &str, kind: &str, keys: &[(&str, &str)]| PolicySpec {
        name: name.into(),
        kind: planscale::sim::policy::PolicyKind::from_name(kind).expect("a policy kind"),
        keys: keys
            .iter()
            .map(|(k, v)| {
                planscale::settings::Setting::new(*k, *v, planscale::settings::Origin::Default)
            })
            .collect(),
    };
    vec![
        s("static", "static", &[]),
        s("autoscaler", "flink-autoscaler", &[]),
        s(
            "alibaba",
            "alibaba-autoscale",
            &[("planscale.alibaba.max-cu", "100")],
        ),
        s(
            "dli",
            "dli-dynamic-scaling",
            &[
                ("flink.dli.job.scale.enable", "true"),
                ("flink.dli.job.cu.max", "100"),
            ],
        ),
        s(
            "reactive",
            "reactive",
            &[("taskmanager.numberOfTaskSlots", "2")],
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let model = model();
    let trace = trace();
    let initial = vec![4i64; VERTICES];
    let cost = planscale::resources::CostModel::per_vertex(vec![0.25; VERTICES]);
    let params = Params {
        restart_ms: 60_000,
        cost: cost.clone(),
        expected_pending_s: Some(60.0),
        keep_steps: false,
    };
    let ctx = Context {
        model: &model,
        trace: &trace,
        initial: &initial,
        cost: &cost,
        version: Version::V1_15,
        interval_ms: 60_000,
        restart_ms: params.restart_ms,
    };
    let mut group = c.benchmark_group("simulate_30_days_10_vertices");
    group.sample_size(10);
    group.bench_function("five_policies_and_baseline", |b| {
        b.iter(|| {
            let mut rescales = 0;
            for spec in specs() {
                let mut p = policy::make(&spec, &ctx).unwrap();
                let (_, summary) =
                    engine::run(&model, &trace, &initial, p.as_mut(), &params, &|_| {}, None)
                        .expect("an in-memory trace cannot fail to read");
                rescales += summary.rescales;
            }
            rescales
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
