//! The byte-exact editor on fuzzed text: edits at the offsets the reader recorded (as
//! `break-chain` and `recommend --format plan` make them) and at arbitrary offsets. It must not
//! panic, and an applied edit followed by its inverse must give the original bytes back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use planscale::plan::edit::{apply, inverse, splice_all, FieldEdit};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut edits = Vec::new();
    if let Ok(plan) = planscale::plan::read("fuzz.json", text, None) {
        for (i, op) in plan.job.operators.iter().enumerate() {
            if plan.embedded.is_some() {
                break;
            }
            if i % 2 == usize::from(seed & 1) {
                edits.push(FieldEdit {
                    object: op.offset,
                    key: "chainingStrategy".into(),
                    value: "\"HEAD\"".into(),
                    after: vec!["slotSharingGroup".into(), "pact".into()],
                });
            }
            edits.push(FieldEdit {
                object: op.parallelism_object,
                key: "parallelism".into(),
                value: (u32::from(seed) + 1).to_string(),
                after: vec![],
            });
        }
    }
    if let Ok(edited) = apply("fuzz.json", text, &edits) {
        let back = splice_all(&edited.text, &inverse(text, &edited.splices));
        assert_eq!(back, text, "edit + inverse must give the original bytes");
    }
    // An arbitrary offset: no object there is an error, not a panic.
    let at = usize::from(seed) * text.len() / 256;
    let _ = apply(
        "fuzz.json",
        text,
        &[FieldEdit {
            object: at,
            key: "k\"\\".into(),
            value: "1".into(),
            after: vec!["pact".into()],
        }],
    );
});
