//! Inputs kept from fuzzing and the hostile-input work (README "Hardening"), replayed through the
//! readers the fuzz targets exercise (`fuzz/fuzz_targets/`) on the stable toolchain: no panic, and
//! the result or error each one is expected to give. `fixtures/fuzz/` holds them.

use planscale::format::Format;

fn text(name: &str) -> String {
    std::fs::read_to_string(format!("fixtures/fuzz/{name}")).unwrap()
}

/// What every JSON fuzz target does with one input; panics are the failure.
fn every_reader(text: &str) {
    for forced in [None, Some(Format::Blink), Some(Format::Expert)] {
        if let Ok(plan) = planscale::plan::read("f", text, forced) {
            let _ = planscale::summary::summarize(&plan);
            let _ = planscale::rules::validate(&plan, None, &Default::default());
        }
    }
    for forced in [None, Some(Format::StreamGraph), Some(Format::JobPlan)] {
        let _ = planscale::graph::read("f", text, forced);
    }
    let _ = planscale::plan::edit::apply("f", text, &[]);
    let _ = planscale::metrics::read_metrics_from("f", text.as_bytes(), &Default::default());
    // The stream mode into simulate's recorder (fuzz target `simulate`).
    let graph_text = std::fs::read_to_string("fixtures/lab/udf_bottleneck/job.json").unwrap();
    let graph = planscale::graph::read("g", &graph_text, None).unwrap();
    let vertices = planscale::recommend::vertices::job_vertices(&graph.job, graph.format);
    let mut recorder = planscale::sim::recording::Recorder::new(&vertices, None);
    let _ = planscale::metrics::stream_metrics_from("f", text.as_bytes(), None, &mut recorder);
    let _ = planscale::settings::file::read("f", text);
}

#[test]
fn every_kept_input_reads_without_panic() {
    for entry in std::fs::read_dir("fixtures/fuzz").unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        if let Ok(t) = String::from_utf8(bytes) {
            every_reader(&t);
        }
    }
}

#[test]
fn bom_is_an_error_at_1_1() {
    let e = planscale::plan::read("f", &text("bom.plan.json"), None).unwrap_err();
    assert_eq!((e.line, e.column), (Some(1), Some(1)));
    assert!(e.message.contains("byte order mark"), "{}", e.message);
}

#[test]
fn duplicate_key_last_one_wins() {
    let plan = planscale::plan::read("f", &text("duplicate-key.plan.json"), None).unwrap();
    assert_eq!(plan.job.operators[0].parallelism.value(), Some(3));
}

#[test]
fn nul_between_tokens_is_malformed_json() {
    let e = planscale::plan::read("f", &text("nul-between-tokens.plan.json"), None).unwrap_err();
    assert_eq!((e.line, e.column), (Some(6), Some(5)));
    assert!(e.message.starts_with("malformed JSON"), "{}", e.message);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let e = planscale::plan::read("f", &text("deep.json"), None).unwrap_err();
    assert!(
        e.message.contains("maximum nesting depth exceeded"),
        "{}",
        e.message
    );
}

#[test]
fn duplicate_key_the_editor_changes_the_value_that_is_read() {
    let t = text("duplicate-key.plan.json");
    let plan = planscale::plan::read("f", &t, None).unwrap();
    let edit = planscale::plan::edit::FieldEdit {
        object: plan.job.operators[0].parallelism_object,
        key: "parallelism".into(),
        value: "5".into(),
        after: vec![],
    };
    let edited = planscale::plan::edit::apply("f", &t, &[edit]).unwrap();
    assert!(edited
        .text
        .contains("\"parallelism\" : 1,\n    \"parallelism\" : 5,"));
    let again = planscale::plan::read("f", &edited.text, None).unwrap();
    assert_eq!(again.job.operators[0].parallelism.value(), Some(5));
}
