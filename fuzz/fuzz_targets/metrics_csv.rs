//! Metric CSV reader (long and wide headers, any delimiter) over raw bytes, as `--metrics -`
//! streams them; the first byte picks the window options so `--at` and `--job` paths run too,
//! and the stream mode `simulate` uses (every sample handed over once, in time order, which the
//! sink asserts).
#![no_main]
use libfuzzer_sys::fuzz_target;
use planscale::metrics::{ReadOptions, Sample, SampleSink};

#[derive(Default)]
struct InOrder {
    last: Option<(i64, usize)>,
    seen: std::collections::HashSet<(usize, i64)>,
}

impl SampleSink for InOrder {
    fn sample(
        &mut self,
        v: usize,
        _key: &str,
        _name: Option<&str>,
        s: Sample,
    ) -> Result<(), String> {
        if let Some(last) = self.last {
            assert!(
                last < (s.t_ms, v),
                "out of order: {last:?} then {:?}",
                (s.t_ms, v)
            );
        }
        assert!(self.seen.insert((v, s.t_ms)), "handed over twice");
        self.last = Some((s.t_ms, v));
        Ok(())
    }
    fn reset(&mut self) {
        *self = InOrder::default();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, csv)) = data.split_first() else {
        return;
    };
    let job = (mode & 4 == 4).then(|| "a".to_string());
    if mode & 8 == 8 {
        let mut sink = InOrder::default();
        let _ = planscale::metrics::stream_metrics_from("fuzz.csv", csv, job, &mut sink);
        return;
    }
    let opts = ReadOptions {
        at_ms: (mode & 1 == 1).then_some(1_700_000_000_000),
        window_ms: if mode & 2 == 2 { 0 } else { 600_000 },
        job,
    };
    let _ = planscale::metrics::read_metrics_from("fuzz.csv", csv, &opts);
});
