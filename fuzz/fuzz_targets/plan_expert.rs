//! Expert plan reader, plain and in the string-wrapped form of API responses
//! (`{"resourcePlan": "<the plan as an escaped JSON string>"}`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use planscale::format::Format;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = planscale::plan::read("fuzz.json", text, Some(Format::Expert));
    let inner = serde_json_escape(text);
    let wrapped = format!("{{\"code\": \"0\", \"resourcePlan\": {inner}}}");
    let _ = planscale::plan::read("fuzz.json", &wrapped, None);
    let _ = planscale::plan::read("fuzz.json", &wrapped, Some(Format::Expert));
});

/// `text` as a JSON string literal, escaping what JSON requires (and `/` sometimes, as some
/// servers do, so the reader's offset map sees multi-byte escapes).
fn serde_json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
