//! Metric timestamps (epoch ms/s with fractions, RFC 3339).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = planscale::metrics::time::parse_timestamp(text);
});
