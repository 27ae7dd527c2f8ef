//! Plan reader with format detection (Blink, expert, wrapped expert), then what `plan show` and
//! `plan validate` compute from a plan that reads: vertices, resources and every rule.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(plan) = planscale::plan::read("fuzz.json", text, None) {
        let _ = planscale::summary::summarize(&plan);
        let opts = planscale::rules::Options {
            max_cu: Some(1.0),
            ..Default::default()
        };
        let _ = planscale::rules::validate(&plan, None, &opts);
    }
});
