//! Metric CSV reader (long and wide headers, any delimiter) over raw bytes, as `--metrics -`
//! streams them; the first byte picks the window options so `--at` and `--job` paths run too.
#![no_main]
use libfuzzer_sys::fuzz_target;
use planscale::metrics::ReadOptions;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, csv)) = data.split_first() else {
        return;
    };
    let opts = ReadOptions {
        at_ms: (mode & 1 == 1).then_some(1_700_000_000_000),
        window_ms: if mode & 2 == 2 { 0 } else { 600_000 },
        job: (mode & 4 == 4).then(|| "a".to_string()),
    };
    let _ = planscale::metrics::read_metrics_from("fuzz.csv", csv, &opts);
});
