//! The words and numbers written on the plot: tick labels, durations and counts in the title,
//! and the names taken from the timeline.
//!
//! Invariant: a name from the timeline reaches the SVG only through [`label`], which makes it
//! valid XML text and bounds its length; numbers are finite by the time they get here (the
//! reduction skips the others).

/// A tick label: up to 3 decimals, trailing zeros dropped.
pub(super) fn fmt_num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A tick label with an SI suffix (`1.5k`, `20M`).
pub(super) fn si(v: f64) -> String {
    let a = v.abs();
    let (d, suffix) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    format!("{}{suffix}", fmt_num(v / d))
}

/// A tick label for whole numbers only: parallelism has no fractions.
pub(super) fn integer(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration in seconds, in the largest unit that keeps it readable (`90 s`, `2.5 h`).
pub(super) fn duration(s: f64) -> String {
    if !s.is_finite() || s <= 0.0 {
        return "0 s".into();
    }
    let (v, u) = if s < 180.0 {
        (s, "s")
    } else if s < 3.0 * 3600.0 {
        (s / 60.0, "min")
    } else if s < 3.0 * 86400.0 {
        (s / 3600.0, "h")
    } else {
        (s / 86400.0, "d")
    };
    format!("{} {u}", fmt_num((v * 10.0).round() / 10.0))
}

/// Text from the timeline, safe for XML (no control characters) and at most `max` characters.
pub(super) fn label(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            // Not allowed in XML 1.0.
            '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(si(1500.0), "1.5k");
        assert_eq!(si(2e6), "2M");
        assert_eq!(si(0.25), "0.25");
        assert_eq!(si(-0.0), "0");
        assert_eq!(integer(3.0), "3");
        assert_eq!(integer(2.5), "");
        assert_eq!(duration(5400.0), "90 min");
        assert_eq!(duration(12.0 * 86400.0), "12 d");
        assert_eq!(label("a\u{1}b", 10), "a b");
        assert_eq!(label("abcdef", 4), "abc…");
        assert_eq!(label("x\u{FFFF}", 4), "x\u{FFFD}");
    }
}
