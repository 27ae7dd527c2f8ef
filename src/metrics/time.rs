//! Timestamps of metric rows, all normalised to epoch milliseconds (UTC).
//!
//! Accepted (spec/metrics.md): epoch milliseconds, epoch seconds (any number below 10^11, which is
//! year 5138 in seconds but only March 1973 in milliseconds, so the two cannot be confused for
//! real captures), both possibly with a fraction, and RFC 3339 date-times with `Z` or a `±HH:MM`
//! offset. A date-time without an offset is refused rather than guessed: a wrong zone would shift
//! the metric window by hours. Only std is used (no chrono); the calendar arithmetic is the
//! proleptic Gregorian "days from civil" algorithm.

/// Numbers below this are epoch seconds, at or above it epoch milliseconds.
pub const SECONDS_LIMIT: f64 = 1e11;
/// Largest timestamp magnitude accepted, in ms.
const MAX_ABS_MS: u64 = 9_000_000_000_000_000;

/// Parses one timestamp cell into epoch milliseconds. The error is a short reason for the caller
/// to wrap with file and line.
pub fn parse_timestamp(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty timestamp".into());
    }
    let result = match parse_epoch(s) {
        Some(ms) => ms,
        None => parse_rfc3339(s),
    };
    // The reasons quote the cell; a long one is cut to its start.
    result.map_err(|m| {
        let shown = super::bound::show(s.as_bytes());
        if shown.len() < s.len() {
            m.replace(s, &shown)
        } else {
            m
        }
    })
}

/// Plain numbers: `Some(result)` when `s` looks numeric, `None` to try RFC 3339.
fn parse_epoch(s: &str) -> Option<Result<i64, String>> {
    let bytes = s.as_bytes();
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        // Integer fast path (the common case: epoch ms from Flink exports).
        // Bounded like the fractional path (±9e15 ms, about ±285,000 years), so time
        // arithmetic downstream (spans, gaps, windows) cannot overflow.
        return Some(match s.parse::<i64>() {
            Ok(v) if (v as f64).abs() < SECONDS_LIMIT => Ok(v * 1000),
            Ok(v) if v.unsigned_abs() <= MAX_ABS_MS => Ok(v),
            _ => Err(format!("timestamp `{s}` is out of range")),
        });
    }
    // Fractional or exponent forms (`1795368508.224`, Prometheus style).
    let numeric_chars = bytes
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !numeric_chars || bytes.iter().filter(|&&b| b == b'-').count() > 1 {
        return None;
    }
    let v: f64 = match s.parse() {
        Ok(v) => v,
        Err(_) => return Some(Err(format!("`{s}` is not a timestamp"))),
    };
    let ms = if v.abs() < SECONDS_LIMIT {
        v * 1000.0
    } else {
        v
    };
    if !ms.is_finite() || ms.abs() > MAX_ABS_MS as f64 {
        return Some(Err(format!("timestamp `{s}` is out of range")));
    }
    Some(Ok(ms.round() as i64))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`/`z` and a space for `T` are accepted.
fn parse_rfc3339(s: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "`{s}` is not a timestamp (expected epoch milliseconds, epoch seconds or RFC 3339 \
             such as 2026-11-22T10:00:00Z)"
        )
    };
    let b = s.as_bytes();
    if b.len() < 19 {
        return Err(bad());
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let sep_ok = b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':';
    if !sep_ok {
        return Err(bad());
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return Err(bad());
    };
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return Err(bad());
        }
        // Milliseconds: the first three digits, rounded by the fourth.
        let digits = &b[start..end];
        let mut ms = 0i64;
        for k in 0..3 {
            ms = ms * 10 + digits.get(k).map_or(0, |d| (d - b'0') as i64);
        }
        if digits.get(3).is_some_and(|d| *d >= b'5') {
            ms += 1;
        }
        frac_ms = ms;
        i = end;
    }
    let offset_min = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            let h = ((h1 - b'0') * 10 + (h2 - b'0')) as i64;
            let m = ((m1 - b'0') * 10 + (m2 - b'0')) as i64;
            if h > 23 || m > 59 {
                return Err(format!("`{s}`: time zone offset out of range"));
            }
            let v = h * 60 + m;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        [] => {
            return Err(format!(
                "`{s}` has no time zone: add `Z` (UTC) or an offset such as +01:00"
            ))
        }
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(format!("`{s}`: date or time out of range"));
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Ok(secs * 1000 + frac_ms)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Epoch milliseconds as RFC 3339 UTC (`2026-11-22T10:00:00.123Z`), for messages.
pub fn format_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (sod / 3600, sod % 3600 / 60, sod % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:03}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_milliseconds_and_seconds() {
        assert_eq!(parse_timestamp("1795368508174"), Ok(1_795_368_508_174));
        assert_eq!(parse_timestamp(" 1795368508 "), Ok(1_795_368_508_000));
        assert_eq!(parse_timestamp("1795368508.2245"), Ok(1_795_368_508_225));
        assert_eq!(parse_timestamp("1.795368508174e12"), Ok(1_795_368_508_174));
        assert_eq!(parse_timestamp("0"), Ok(0));
        // 10^11 - 1 is seconds, 10^11 is milliseconds.
        assert_eq!(parse_timestamp("99999999999"), Ok(99_999_999_999_000));
        assert_eq!(parse_timestamp("100000000000"), Ok(100_000_000_000));
    }

    #[test]
    fn rfc3339_with_offsets() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_timestamp("2026-11-22T10:00:00Z"),
            Ok(1_795_341_600_000)
        );
        assert_eq!(
            parse_timestamp("2026-11-22T11:00:00+01:00"),
            Ok(1_795_341_600_000)
        );
        assert_eq!(
            parse_timestamp("2026-11-22T05:30:00-04:30"),
            Ok(1_795_341_600_000)
        );
        assert_eq!(
            parse_timestamp("2026-11-22 10:00:00.5z"),
            Ok(1_795_341_600_500)
        );
        assert_eq!(
            parse_timestamp("2026-11-22T10:00:00.123456Z"),
            Ok(1_795_341_600_123)
        );
        assert_eq!(
            parse_timestamp("2024-02-29T00:00:00Z"),
            Ok(1_709_164_800_000)
        );
    }

    #[test]
    fn bad_timestamps_say_why() {
        assert!(parse_timestamp("").is_err());
        assert!(parse_timestamp("yesterday")
            .unwrap_err()
            .contains("not a timestamp"));
        assert!(parse_timestamp("2026-11-22T10:00:00")
            .unwrap_err()
            .contains("no time zone"));
        assert!(parse_timestamp("2026-02-30T10:00:00Z")
            .unwrap_err()
            .contains("out of range"));
        assert!(parse_timestamp("2026-11-22T10:00:00+25:00").is_err());
        assert!(parse_timestamp("2026-11-22T10:00Z").is_err());
        assert!(parse_timestamp("99999999999999999999").is_err());
        assert!(parse_timestamp("1e400").is_err());
        // Integers are bounded like fractions, so spans and gaps cannot overflow.
        for edge in [
            "9223372036854775807",
            "-9223372036854775808",
            "9000000000000001",
        ] {
            assert!(
                parse_timestamp(edge).unwrap_err().contains("out of range"),
                "{edge}"
            );
        }
        assert_eq!(
            parse_timestamp("9000000000000000"),
            Ok(9_000_000_000_000_000)
        );
    }

    #[test]
    fn formatting_round_trips() {
        for ms in [
            0,
            1_795_341_600_000,
            1_795_341_600_123,
            951_782_400_000,
            -1000,
        ] {
            let s = format_rfc3339(ms);
            assert_eq!(parse_timestamp(&s), Ok(ms), "{s}");
        }
        assert_eq!(format_rfc3339(1_795_341_600_000), "2026-11-22T10:00:00Z");
    }
}
