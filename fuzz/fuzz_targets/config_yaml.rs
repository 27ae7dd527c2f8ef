//! `--config` YAML (flat and nested Flink configuration).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(pairs) = planscale::settings::parse_config("fuzz.yaml", text) {
        let _ =
            planscale::scaler::AutoscalerOptions::from_map(planscale::scaler::Version::Main, pairs);
    }
});
