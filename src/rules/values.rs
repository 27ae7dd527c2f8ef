//! `parallelism-invalid` and `resource-invalid`: each node's numbers on their own.

use crate::diagnostic::{Diagnostic, Rule};
use crate::model::{Field, Job};

/// Flink's hard upper bound for max parallelism (key groups).
const MAX_MAX_PARALLELISM: i64 = 32768;

/// Why a number that did not read as an `i64` is invalid: a whole number too large in magnitude
/// is out of range (said the way an in-range value out of Flink's bounds is), anything else is
/// not an integer.
fn not_an_i64(name: &str, raw: &str) -> String {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v < 1.0 => format!("{name} {raw} is below 1"),
        Ok(v) if v.is_finite() && v.fract() == 0.0 => {
            format!("{name} {raw} is above Flink's limit {MAX_MAX_PARALLELISM}")
        }
        _ => format!("{name} {raw} is not an integer"),
    }
}

pub(super) fn check(job: &Job, out: &mut Vec<Diagnostic>) {
    for op in &job.operators {
        let bad = |rule, msg: String| {
            Diagnostic::new(rule, op.pos, format!("node {}: {msg}", op.id)).node(&op.id)
        };
        let p = match &op.parallelism {
            Field::Invalid(raw) => {
                out.push(bad(
                    Rule::ParallelismInvalid,
                    not_an_i64("parallelism", raw),
                ));
                None
            }
            Field::Value(p) if *p < 1 => {
                out.push(bad(
                    Rule::ParallelismInvalid,
                    format!("parallelism {p} is below 1"),
                ));
                None
            }
            Field::Value(p) if *p > MAX_MAX_PARALLELISM => {
                out.push(bad(
                    Rule::ParallelismInvalid,
                    format!("parallelism {p} is above Flink's limit {MAX_MAX_PARALLELISM}"),
                ));
                None
            }
            f => f.value(),
        };
        let m = match &op.max_parallelism {
            Field::Invalid(raw) => {
                out.push(bad(
                    Rule::ParallelismInvalid,
                    not_an_i64("maxParallelism", raw),
                ));
                None
            }
            Field::Value(m) if !(1..=MAX_MAX_PARALLELISM).contains(m) => {
                out.push(bad(
                    Rule::ParallelismInvalid,
                    format!("maxParallelism {m} is outside 1..={MAX_MAX_PARALLELISM}"),
                ));
                None
            }
            f => f.value(),
        };
        match &op.min_parallelism {
            Field::Invalid(raw) => out.push(bad(
                Rule::ParallelismInvalid,
                not_an_i64("minParallelism", raw),
            )),
            Field::Value(lo) if *lo < 1 => out.push(bad(
                Rule::ParallelismInvalid,
                format!("minParallelism {lo} is below 1"),
            )),
            Field::Value(lo) if p.is_some_and(|p| p < *lo) => out.push(bad(
                Rule::ParallelismInvalid,
                format!(
                    "parallelism {} is below minParallelism {lo}",
                    p.unwrap_or_default()
                ),
            )),
            _ => {}
        }
        if let (Some(p), Some(m)) = (p, m) {
            if p > m {
                out.push(bad(
                    Rule::ParallelismInvalid,
                    format!("parallelism {p} exceeds maxParallelism {m}"),
                ));
            }
        }

        let Some(r) = &op.resources else { continue };
        let fields = [
            (r.cpu_key, &r.cpu, true),
            ("heap_memory", &r.heap_mb, false),
            ("direct_memory", &r.direct_mb, false),
            ("native_memory", &r.native_mb, false),
            ("managed_memory", &r.managed_mb, false),
        ];
        for (key, f, is_cpu) in fields {
            let msg = match f {
                Field::Absent => None,
                Field::Invalid(raw) => Some(format!("{key} {raw} is not a number")),
                Field::Value(x) if !x.is_finite() => {
                    Some(format!("{key} is {x}, not a finite number"))
                }
                Field::Value(x) if is_cpu && *x <= 0.0 => {
                    Some(format!("{key} {x} must be a positive number of cores"))
                }
                Field::Value(x) if *x < 0.0 => Some(format!("{key} {x} is negative")),
                Field::Value(_) => None,
            };
            if let Some(msg) = msg {
                out.push(bad(Rule::ResourceInvalid, msg));
            }
        }
    }
}
