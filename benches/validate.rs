//! `plan validate` on a generated 10,000-node job: parse the plan and the graph, then run every
//! rule. Inputs are generated with fixed shapes (no randomness), so runs are comparable.

use criterion::{criterion_group, criterion_main, Criterion};
use planscale::{graph, plan, rules};

const NODES: usize = 10_000;
const CHAIN: usize = 5;

/// A Blink plan in the console's style: chains of CHAIN nodes joined by HASH links, the first
/// node of each pipeline a source. Parallelism alternates per chain so chains cannot merge.
fn blink_plan() -> String {
    let mut s = String::from("{\n  \"nodes\" : [ ");
    for i in 0..NODES {
        if i > 0 {
            s.push_str(", ");
        }
        let p = 2 + (i / CHAIN) % 3;
        let pact = if i % 100 == 0 {
            "Source"
        } else if i % 100 == 99 {
            "Sink"
        } else {
            "Operator"
        };
        let strategy = if i % 100 == 0 {
            ",\n    \"chainingStrategy\" : \"HEAD\""
        } else {
            ""
        };
        s.push_str(&format!(
            "{{\n    \"id\" : {id},\n    \"uid\" : \"{id}\",\n    \"name\" : \"Calc[{id}]\",\n    \"pact\" : \"{pact}\"{strategy},\n    \"parallelism\" : {p},\n    \"maxParallelism\" : 32768,\n    \"vcore\" : 0.25,\n    \"heap_memory\" : 256\n  }}",
            id = i + 1
        ));
    }
    s.push_str(" ],\n  \"links\" : [ ");
    let mut first = true;
    for i in 0..NODES {
        if i % 100 == 99 {
            continue;
        }
        if !first {
            s.push_str(", ");
        }
        first = false;
        let ship = if (i + 1) % CHAIN == 0 {
            "HASH"
        } else {
            "FORWARD"
        };
        s.push_str(&format!(
            "{{\n    \"source\" : {},\n    \"target\" : {},\n    \"ship_strategy\" : \"{ship}\"\n  }}",
            i + 1,
            i + 2
        ));
    }
    s.push_str(" ]\n}\n");
    s
}

/// The matching execution plan (Format C).
fn stream_graph() -> String {
    let mut nodes = Vec::with_capacity(NODES);
    for i in 0..NODES {
        let p = 2 + (i / CHAIN) % 3;
        let pred = if i % 100 == 0 {
            String::new()
        } else {
            let ship = if i % CHAIN == 0 { "HASH" } else { "FORWARD" };
            format!(", \"predecessors\": [ {{ \"id\": {i}, \"ship_strategy\": \"{ship}\", \"side\": \"second\" }} ]")
        };
        let pact = if i % 100 == 0 {
            "Data Source"
        } else {
            "Operator"
        };
        nodes.push(format!(
            "{{ \"id\": {id}, \"type\": \"Calc[{id}]\", \"pact\": \"{pact}\", \"contents\": \"[{id}]:Calc(select=[a])\", \"parallelism\": {p}{pred} }}",
            id = i + 1
        ));
    }
    format!("{{ \"nodes\": [\n{}\n] }}\n", nodes.join(",\n"))
}

fn bench(c: &mut Criterion) {
    let plan_text = blink_plan();
    let graph_text = stream_graph();
    let opts = rules::Options::default();

    // The generated inputs must be clean, or the bench would measure error paths.
    let p = plan::read("plan.json", &plan_text, None).unwrap();
    let g = graph::read("graph.json", &graph_text, None).unwrap();
    let report = rules::validate(&p, Some(&g), &opts);
    assert_eq!(
        report.diagnostics,
        vec![],
        "generated inputs must validate clean"
    );
    assert_eq!(report.chains.chains.len(), NODES / CHAIN);

    let mut group = c.benchmark_group("validate_10k_nodes");
    group.sample_size(20);
    group.bench_function("read_plan", |b| {
        b.iter(|| plan::read("plan.json", &plan_text, None).unwrap())
    });
    group.bench_function("read_graph", |b| {
        b.iter(|| graph::read("graph.json", &graph_text, None).unwrap())
    });
    group.bench_function("rules_only", |b| {
        b.iter(|| rules::validate(&p, Some(&g), &opts))
    });
    group.bench_function("end_to_end", |b| {
        b.iter(|| {
            let p = plan::read("plan.json", &plan_text, None).unwrap();
            let g = graph::read("graph.json", &graph_text, None).unwrap();
            rules::validate(&p, Some(&g), &opts)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
