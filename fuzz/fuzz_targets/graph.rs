//! Stream graph / job plan reader: detected, and forced to each graph format; a graph that reads
//! is checked against a real plan (every rule that compares plan and graph).
#![no_main]
use libfuzzer_sys::fuzz_target;
use planscale::format::Format;

const PLAN: &str = include_str!("../../fixtures/plans/window_agg.plan.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(graph) = planscale::graph::read("fuzz.json", text, None) {
        let plan = planscale::plan::read("plan.json", PLAN, None).expect("fixture plan reads");
        let _ = planscale::rules::validate(&plan, Some(&graph), &Default::default());
    }
    let _ = planscale::graph::read("fuzz.json", text, Some(Format::StreamGraph));
    let _ = planscale::graph::read("fuzz.json", text, Some(Format::JobPlan));
});
