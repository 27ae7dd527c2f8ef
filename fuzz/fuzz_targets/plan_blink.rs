//! Blink PlanJSON reader, format forced (as `--plan-format blink`) and detected.
#![no_main]
use libfuzzer_sys::fuzz_target;
use planscale::format::Format;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = planscale::plan::read("fuzz.json", text, Some(Format::Blink));
    let _ = planscale::plan::read("fuzz.json", text, None);
});
