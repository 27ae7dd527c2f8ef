//! Duration strings (`30s`, `5 min`, `1 d`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = planscale::scaler::parse_duration(text);
});
