//! Memory-size strings (`1 gb`, `64m`, `4 GiB`, `1.5 gb`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = planscale::units::parse_memory(text);
});
