//! The cells of the hot loop: values, counts and the "not reported" spellings, parsed from
//! the record's bytes without allocating.
//!
//! Invariant: [`parse_value`] returns exactly what `str::parse::<f64>` would (its fast path is
//! checked against it), and NaN for every "not reported" spelling, so a value that is not
//! reported never reads as zero.

use csv::ByteRecord;

/// A field's bytes without surrounding ASCII whitespace.
#[inline]
pub(super) fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

#[inline]
pub(super) fn field(rec: &ByteRecord, i: usize) -> &[u8] {
    rec.get(i).unwrap_or(b"")
}

/// Parses a value of a used metric: `Ok(NaN)` for the "not reported" spellings.
#[inline]
pub(super) fn parse_value(b: &[u8]) -> Option<f64> {
    let b = trim(b);
    if b.is_empty() || b.eq_ignore_ascii_case(b"null") {
        return Some(f64::NAN);
    }
    if let Some(v) = parse_plain_decimal(b) {
        return Some(v);
    }
    // `str::parse` also accepts NaN/nan and inf/Infinity (Java's spelling).
    std::str::from_utf8(b).ok()?.parse::<f64>().ok()
}

/// Exact powers of ten representable in f64.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[-]digits[.digits]` with at most 15 digits in all: the mantissa and the power of ten are both
/// exact in f64, so one division is correctly rounded (Clinger's fast path) and equals what
/// `str::parse` returns. Anything else (exponents, long mantissas, NaN) returns `None`.
#[inline]
fn parse_plain_decimal(b: &[u8]) -> Option<f64> {
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa: u64 = 0;
    let mut count = 0usize;
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
                if seen_dot {
                    frac_digits += 1;
                }
                if count > 15 {
                    return None;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    let v = mantissa as f64 / POW10[frac_digits];
    Some(if negative { -v } else { v })
}

/// A non-negative integer (subtask index, parallelism); `2.0` is accepted for exports that write
/// every number as a float.
pub(super) fn parse_count(b: &[u8]) -> Option<i64> {
    let b = trim(b);
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')));
    }
    let v: f64 = std::str::from_utf8(b).ok()?.parse().ok()?;
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1e15).then_some(v as i64)
}

pub(super) fn is_not_reported(b: &[u8]) -> bool {
    let b = trim(b);
    b.is_empty() || b.eq_ignore_ascii_case(b"null") || b.eq_ignore_ascii_case(b"nan")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse_exactly_like_std() {
        for text in [
            "0",
            "0.0",
            "-0.0",
            "1000.0",
            "206.55",
            "37.71666666666667",
            "0.16666667",
            "-1.0",
            "+3.25",
            "123456789012345",
            "1.00000000000001",
            "999.999",
            ".5",
            "5.",
        ] {
            let fast = parse_plain_decimal(text.as_bytes());
            let std: f64 = text.parse().unwrap();
            if let Some(v) = fast {
                assert_eq!(v.to_bits(), std.to_bits(), "{text}");
            }
            assert_eq!(
                parse_value(text.as_bytes()).map(f64::to_bits),
                Some(std.to_bits())
            );
        }
        // Long mantissas and exponents go to the general parser.
        assert_eq!(parse_plain_decimal(b"1234567890123456"), None);
        assert_eq!(parse_plain_decimal(b"1e3"), None);
        assert_eq!(parse_plain_decimal(b"1.2.3"), None);
        assert_eq!(parse_plain_decimal(b"-"), None);
        assert_eq!(parse_plain_decimal(b"."), None);
    }

    proptest::proptest! {
        #[test]
        fn fast_path_matches_std(
            int in 0u64..10_000_000_000,
            frac in 0u64..10_000_000,
            width in 0usize..8,
            negative in proptest::bool::ANY,
        ) {
            let frac = frac % 10u64.pow(width as u32);
            let sign = if negative { "-" } else { "" };
            let text = if width == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac:0width$}")
            };
            let std: f64 = text.parse().unwrap();
            proptest::prop_assert_eq!(
                parse_value(text.as_bytes()).map(f64::to_bits),
                Some(std.to_bits()),
                "{}", text
            );
        }
    }

    #[test]
    fn values_and_counts_parse() {
        assert_eq!(parse_value(b" 1.5 "), Some(1.5));
        assert!(parse_value(b"NaN").is_some_and(f64::is_nan));
        assert!(parse_value(b"null").is_some_and(f64::is_nan));
        assert!(parse_value(b"").is_some_and(f64::is_nan));
        assert_eq!(parse_value(b"Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_value(b"abc"), None);
        assert_eq!(parse_count(b"12"), Some(12));
        assert_eq!(parse_count(b"2.0"), Some(2));
        assert_eq!(parse_count(b"2.5"), None);
        assert_eq!(parse_count(b"-1"), None);
    }
}
