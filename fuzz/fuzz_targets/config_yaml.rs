//! `--config`: every kind of file settings::file reads, then the autoscaler's options from it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(doc) = planscale::settings::file::read("fuzz.yaml", text) {
        let pairs = doc.entries.into_iter().map(|e| (e.key, e.value));
        let _ =
            planscale::scaler::AutoscalerOptions::from_map(planscale::scaler::Version::V1_16, pairs);
    }
});
