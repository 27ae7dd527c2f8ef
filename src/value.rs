//! Flink's value grammar: how Flink turns the text of a configuration value into a duration, a
//! memory size, a boolean, a number or a list.
//!
//! Every place planscale reads a value a user could also give Flink (`-D`, `--config`, policy
//! files, duration flags) goes through here, so `600000` is read as Flink reads it (600,000 ms)
//! and never as something planscale made up. The rules follow Flink's own parsers:
//! - durations: `org.apache.flink.util.TimeUtils#parseDuration` (digits, optional spaces, an
//!   optional unit label from `TimeUtils.TimeUnit`; no unit = milliseconds; no sign, no decimals);
//! - memory sizes: `org.apache.flink.configuration.MemorySize#parse` (digits, optional unit, powers
//!   of 1024; no unit = bytes);
//! - booleans, integers, doubles: `ConfigurationUtils.convertToBoolean/Int/Long/Double`
//!   (`true`/`false` in any case; Java's `Integer.parseInt` and `Double.parseDouble`);
//! - lists: `;`-separated (`StructuredOptionsSplitter`), a quoted item may hold `;`;
//! - maps: `k:v,k:v` (`ConfigurationUtils.convertToProperties`), each key once.
//!
//! Errors are plain text naming what was expected; callers add the key and where it came from.

use std::fmt;

/// A duration in milliseconds, as the autoscaler uses it. Signed so arithmetic on differences
/// stays simple; parsed values are never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DurationMs(pub i64);

impl DurationMs {
    pub const fn from_secs(s: i64) -> Self {
        DurationMs(s.saturating_mul(1000))
    }

    /// Whole seconds, rounded towards −∞ like Java's `Duration.toSeconds()`. Upstream feeds
    /// whole seconds into every rate formula, so `1500ms` of catch-up counts as 1 s.
    pub fn whole_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl fmt::Display for DurationMs {
    /// The shortest exact Flink spelling (`15 min`, `90 s`, `1500 ms`), which reads back as is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms % 86_400_000 == 0 && ms != 0 {
            write!(f, "{} d", ms / 86_400_000)
        } else if ms % 3_600_000 == 0 && ms != 0 {
            write!(f, "{} h", ms / 3_600_000)
        } else if ms % 60_000 == 0 && ms != 0 {
            write!(f, "{} min", ms / 60_000)
        } else if ms % 1000 == 0 {
            write!(f, "{} s", ms / 1000)
        } else {
            write!(f, "{} ms", ms)
        }
    }
}

/// Nanoseconds per unit label, exactly the labels of Flink's `TimeUtils.TimeUnit` (each long
/// name also with a plural `s`; `m` is minutes, as in Flink).
const TIME_UNITS: &[(&str, u128)] = &[
    ("d", 86_400_000_000_000),
    ("day", 86_400_000_000_000),
    ("days", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("hour", 3_600_000_000_000),
    ("hours", 3_600_000_000_000),
    ("min", 60_000_000_000),
    ("m", 60_000_000_000),
    ("minute", 60_000_000_000),
    ("minutes", 60_000_000_000),
    ("s", 1_000_000_000),
    ("sec", 1_000_000_000),
    ("secs", 1_000_000_000),
    ("second", 1_000_000_000),
    ("seconds", 1_000_000_000),
    ("ms", 1_000_000),
    ("milli", 1_000_000),
    ("millis", 1_000_000),
    ("millisecond", 1_000_000),
    ("milliseconds", 1_000_000),
    ("µs", 1_000),
    ("micro", 1_000),
    ("micros", 1_000),
    ("microsecond", 1_000),
    ("microseconds", 1_000),
    ("ns", 1),
    ("nano", 1),
    ("nanos", 1),
    ("nanosecond", 1),
    ("nanoseconds", 1),
];

/// The unit labels, for messages.
pub const TIME_UNIT_HINT: &str = "ms, s, min, h, d (or milli(s), sec(s), minute(s), hour(s), \
                                  day(s), µs, ns); no unit means milliseconds";

/// How a duration was written: with a unit, or a bare number (milliseconds in Flink), which
/// flags warn about because people often mean seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationSpelling {
    WithUnit,
    BareMillis,
}

/// Parses a duration as Flink's `TimeUtils.parseDuration` does.
pub fn parse_duration(text: &str) -> Result<DurationMs, String> {
    parse_duration_spelled(text).map(|(d, _)| d)
}

/// [`parse_duration`], also saying whether a unit was given.
pub fn parse_duration_spelled(text: &str) -> Result<(DurationMs, DurationSpelling), String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration (expected e.g. 30 s, 5 min, 600000 ms)".into());
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(if t.starts_with('-') {
            format!("{} is negative: a Flink duration has no sign", short(t))
        } else if t.starts_with(['P', 'p']) {
            format!(
                "{}: ISO-8601 durations are read by Flink 2.x's own options only; the operator \
                 (built on Flink 1.20) refuses them for autoscaler options: write e.g. 5 min",
                short(t)
            )
        } else {
            format!(
                "{} is not a duration: it must start with a whole number (e.g. 30 s, 5 min)",
                short(t)
            )
        });
    }
    let (number, unit) = t.split_at(digits);
    let unit = unit.trim().to_lowercase();
    let per_unit_ns = if unit.is_empty() {
        1_000_000
    } else {
        match TIME_UNITS.iter().find(|(label, _)| *label == unit) {
            Some((_, ns)) => *ns,
            None => {
                return Err(if unit.starts_with('.') || unit.starts_with(',') {
                    format!(
                        "{}: a Flink duration is a whole number; write it in a smaller unit \
                         (e.g. 1500 ms for 1.5 s)",
                        short(t)
                    )
                } else {
                    format!(
                        "{}: unknown time unit {:?}; Flink knows {TIME_UNIT_HINT}",
                        short(t),
                        short(&unit)
                    )
                })
            }
        }
    };
    let overflow = || format!("{} is too large for a duration", short(t));
    let n: u128 = number.parse().map_err(|_| overflow())?;
    let ns = n.checked_mul(per_unit_ns).ok_or_else(overflow)?;
    // Java's Duration holds up to 2^63 s; planscale keeps milliseconds in an i64.
    let ms = i64::try_from(ns / 1_000_000).map_err(|_| overflow())?;
    let spelling = if unit.is_empty() {
        DurationSpelling::BareMillis
    } else {
        DurationSpelling::WithUnit
    };
    Ok((DurationMs(ms), spelling))
}

/// Parses a memory size into bytes as Flink's `MemorySize.parse` does.
pub fn parse_memory_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(format!(
            "{} is not a memory size: it must start with a whole number (e.g. 512 mb, 4 gb)",
            short(t)
        ));
    }
    let (number, unit) = t.split_at(digits);
    let factor: u64 = match unit.trim().to_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        other => {
            return Err(format!(
                "{}: unknown memory unit {:?}; Flink knows b, k/kb, m/mb, g/gb, t/tb \
                 (powers of 1024; no unit means bytes)",
                short(t),
                short(other)
            ))
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|b| *b <= i64::MAX as u64)
        .ok_or_else(|| format!("{} is too large for a memory size", short(t)))
}

/// `true` or `false` in any letter case, as Flink's `convertToBoolean`.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if t.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(format!(
            "{} is not a boolean: expected true or false",
            short(t)
        ))
    }
}

/// An `Integer` option, as Java's `Integer.parseInt`: an optional sign and digits, nothing else
/// (`10.0` and `1e3` are refused, as Flink refuses them).
pub fn parse_int(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{} is not a whole number", short(t)));
    }
    match t.parse::<i64>() {
        Ok(v) if i32::try_from(v).is_ok() => Ok(v),
        _ => Err(format!(
            "{} is out of range for an integer option (at most {})",
            short(t),
            i32::MAX
        )),
    }
}

/// A `Double` option, as Java's `Double.parseDouble`: decimal or exponent notation, an optional
/// `d`/`f` suffix, `NaN` and `Infinity` (callers' ranges refuse those two).
pub fn parse_double(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let body = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    let unsigned = body.strip_prefix(['+', '-']).unwrap_or(body);
    let special = matches!(unsigned, "NaN" | "Infinity");
    let numeric = !unsigned.is_empty()
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && unsigned.bytes().any(|b| b.is_ascii_digit());
    if !(special && body.len() == t.len() || numeric) {
        return Err(format!("{} is not a number", short(t)));
    }
    body.parse::<f64>()
        .map_err(|_| format!("{} is not a number", short(t)))
}

/// A `List<String>` option: items separated by `;`, each trimmed; an item in single or double
/// quotes may hold `;` (a doubled quote inside stands for one), as `StructuredOptionsSplitter`.
pub fn parse_list(text: &str) -> Result<Vec<String>, String> {
    // A YAML flow sequence (`[a, b]`), as Flink 2.x and the operator's structured config read it.
    if let Some(inner) = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
    {
        return Ok(inner
            .split(',')
            .map(|i| i.trim().trim_matches(['\'', '"']).to_string())
            .filter(|i| !i.is_empty())
            .collect());
    }
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted_item = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' if current.trim().is_empty() => {
                current.clear();
                quoted_item = true;
                let q = c;
                loop {
                    match chars.next() {
                        Some(x) if x == q && chars.peek() == Some(&q) => {
                            chars.next();
                            current.push(q);
                        }
                        Some(x) if x == q => break,
                        Some(x) => current.push(x),
                        None => return Err(format!("{}: a quote is not closed", short(text))),
                    }
                }
            }
            ';' => {
                push_item(&mut items, &mut current, quoted_item);
                quoted_item = false;
            }
            c => {
                if quoted_item && !c.is_whitespace() {
                    return Err(format!(
                        "{}: text after a quoted list item (separate items with ;)",
                        short(text)
                    ));
                }
                current.push(c);
            }
        }
    }
    push_item(&mut items, &mut current, quoted_item);
    Ok(items)
}

fn push_item(items: &mut Vec<String>, current: &mut String, quoted: bool) {
    let item = if quoted {
        std::mem::take(current)
    } else {
        std::mem::take(current).trim().to_string()
    };
    if quoted || !item.is_empty() {
        items.push(item);
    }
}

/// Splits `text` at `delimiter` as Flink's `StructuredOptionsSplitter.splitEscaped` does: a part
/// in single, double or back quotes may hold the delimiter (a doubled quote inside stands for
/// one), unquoted parts are trimmed, two delimiters in a row give an empty part, and text right
/// after a closing quote is refused ("illegal quoting").
pub fn split_escaped(text: &str, delimiter: char) -> Result<Vec<String>, String> {
    enum Tok {
        Part(String, bool),
        Delim,
    }
    let mut toks = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' || c == '`' {
            let mut part = String::new();
            loop {
                match chars.next() {
                    Some(x) if x == c && chars.peek() == Some(&c) => {
                        chars.next();
                        part.push(c);
                    }
                    Some(x) if x == c => break,
                    Some(x) => part.push(x),
                    None => return Err(format!("{}: a quote is not closed", short(text))),
                }
            }
            toks.push(Tok::Part(part, true));
        } else if c == delimiter {
            toks.push(Tok::Delim);
        } else if !c.is_whitespace() {
            let mut part = String::from(c);
            while let Some(&n) = chars.peek() {
                if n == delimiter {
                    break;
                }
                part.push(n);
                chars.next();
            }
            toks.push(Tok::Part(part.trim().to_string(), false));
        }
    }
    let mut parts = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Part(p, quoted) => {
                if *quoted && matches!(toks.get(i + 1), Some(Tok::Part(..))) {
                    return Err(format!(
                        "{}: text after a quoted part (separate parts with {delimiter})",
                        short(text)
                    ));
                }
                parts.push(p.clone());
            }
            Tok::Delim => {
                if matches!(toks.get(i + 1), Some(Tok::Delim)) {
                    parts.push(String::new());
                }
            }
        }
    }
    Ok(parts)
}

/// A `Map<String, String>` option (`pipeline.jobvertex-parallelism-overrides`), as Flink's
/// `ConfigurationUtils.convertToProperties` reads it: entries split at `,`, each split at `:` into
/// exactly a key and a value ([`split_escaped`]), and a key given twice refused, as the
/// `Collectors.toMap` there refuses it. Entries come back in written order.
pub fn parse_map(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for entry in split_escaped(text, ',')? {
        let pair = split_escaped(&entry, ':')?;
        let [k, v] = pair.as_slice() else {
            return Err(format!(
                "{} is not a key:value pair (Flink: \"Map item is not a key-value pair (missing ':'?)\")",
                short(&entry)
            ));
        };
        if out.iter().any(|(seen, _)| seen == k) {
            return Err(format!(
                "{} is given twice (Flink refuses a map with a duplicate key)",
                short(k)
            ));
        }
        out.push((k.clone(), v.clone()));
    }
    Ok(out)
}

/// User text in a message: quoted, at most 60 characters.
pub fn short(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("`{s}`")
}

/// Levenshtein distance, for "did you mean" suggestions on option keys.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The candidate closest to `key`, when it is close enough to be a likely misspelling.
pub fn did_you_mean<'a>(
    key: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = key.chars().count();
    let limit = (len / 4).clamp(2, 6);
    candidates
        .into_iter()
        // The distance is at least the difference in length: skip what cannot be close, so a
        // long key costs nothing (edit_distance is quadratic).
        .filter(|c| len.abs_diff(c.chars().count()) <= limit)
        .map(|c| (edit_distance(key, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_flink_reads_them() {
        assert_eq!(
            parse_duration("600000"),
            Ok(DurationMs(600_000)),
            "bare = ms"
        );
        assert_eq!(parse_duration("5"), Ok(DurationMs(5)));
        assert_eq!(parse_duration("30s"), Ok(DurationMs(30_000)));
        assert_eq!(parse_duration("30 s"), Ok(DurationMs(30_000)));
        assert_eq!(parse_duration("5 min"), Ok(DurationMs(300_000)));
        assert_eq!(parse_duration("1m"), Ok(DurationMs(60_000)));
        assert_eq!(parse_duration("2 HOURS"), Ok(DurationMs(7_200_000)));
        assert_eq!(parse_duration("1 d"), Ok(DurationMs(86_400_000)));
        assert_eq!(parse_duration("1500 millis"), Ok(DurationMs(1500)));
        assert_eq!(parse_duration("10 secs"), Ok(DurationMs(10_000)));
        assert_eq!(parse_duration("1500000 µs"), Ok(DurationMs(1500)));
        assert_eq!(parse_duration("999999 ns"), Ok(DurationMs(0)));
        assert_eq!(parse_duration("0"), Ok(DurationMs(0)));
        assert_eq!(
            parse_duration_spelled("900").unwrap().1,
            DurationSpelling::BareMillis
        );
        for bad in [
            "",
            "1.5s",
            "-1 s",
            "5 mins",
            "5 fortnights",
            "abc",
            "s",
            "1 hr",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(parse_duration("1.5").unwrap_err().contains("whole number"));
        assert!(parse_duration("99999999999999999999999 d")
            .unwrap_err()
            .contains("too large"));
        assert_eq!(DurationMs(1500).whole_secs(), 1);
        assert_eq!(DurationMs(-500).whole_secs(), -1);
    }

    #[test]
    fn durations_display_in_a_spelling_that_reads_back() {
        for ms in [0, 1, 1500, 60_000, 90_000, 3_600_000, 86_400_000, 900_000] {
            let d = DurationMs(ms);
            assert_eq!(parse_duration(&d.to_string()), Ok(d));
        }
        assert_eq!(DurationMs(900_000).to_string(), "15 min");
    }

    #[test]
    fn memory_sizes_read_as_flink_reads_them() {
        assert_eq!(parse_memory_size("1024"), Ok(1024));
        assert_eq!(parse_memory_size("64m"), Ok(64 << 20));
        assert_eq!(parse_memory_size("4 GB"), Ok(4 << 30));
        assert_eq!(parse_memory_size("1 tebibytes"), Ok(1 << 40));
        for bad in ["", "1.5 g", "-1", "4 GiB", "lots", "99999999999 tb"] {
            assert!(parse_memory_size(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn scalars_read_as_java_reads_them() {
        assert_eq!(parse_bool("TRUE"), Ok(true));
        assert_eq!(parse_bool(" false "), Ok(false));
        assert!(parse_bool("yes").is_err());
        assert!(parse_bool("1").is_err());
        assert_eq!(parse_int("+5"), Ok(5));
        assert_eq!(parse_int("-3"), Ok(-3));
        for bad in ["10.0", "1e3", "", "+", "0x10", "3000000000"] {
            assert!(parse_int(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(parse_double("0.7"), Ok(0.7));
        assert_eq!(parse_double("1e3"), Ok(1000.0));
        assert_eq!(parse_double("1.5d"), Ok(1.5));
        assert_eq!(parse_double("-2"), Ok(-2.0));
        assert!(parse_double("NaN").unwrap().is_nan());
        assert_eq!(parse_double("-Infinity"), Ok(f64::NEG_INFINITY));
        for bad in ["inf", "", "0.7.", "seventy", "1,5", "e"] {
            assert!(parse_double(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn lists_split_at_semicolons_only() {
        assert_eq!(parse_list("a; b ;;c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            parse_list("a,b").unwrap(),
            ["a,b"],
            "a comma is no separator"
        );
        assert_eq!(parse_list("'x;y';z").unwrap(), ["x;y", "z"]);
        assert_eq!(parse_list("\"it\"\"s\"").unwrap(), ["it\"s"]);
        assert!(parse_list("'open").is_err());
        assert!(parse_list("").unwrap().is_empty());
        assert_eq!(
            parse_list("[a, 'b']").unwrap(),
            ["a", "b"],
            "YAML flow list"
        );
    }

    #[test]
    fn maps_split_as_flink_splits_them() {
        assert_eq!(
            parse_map("a:1, b : 2").unwrap(),
            [("a".into(), "1".into()), ("b".into(), "2".into())]
        );
        // As in Flink: the quotes of the entry are gone before the `:` split, and text after a
        // quoted part is illegal quoting.
        assert!(parse_map("'x:y':3").is_err());
        assert!(parse_map("").unwrap().is_empty());
        assert!(parse_map("a:1,,b:2").unwrap_err().contains("key:value"));
        assert!(parse_map("a=1").unwrap_err().contains("key:value"));
        assert!(parse_map("a:1:2").is_err());
        assert!(parse_map("a:1,a:2").unwrap_err().contains("twice"));
        assert!(parse_map("'a'b:1").unwrap_err().contains("quoted"));
        assert_eq!(split_escaped("a,,b", ',').unwrap(), ["a", "", "b"]);
        assert_eq!(split_escaped("a,b,", ',').unwrap(), ["a", "b"]);
        assert_eq!(split_escaped("`a,b`", ',').unwrap(), ["a,b"]);
    }

    #[test]
    fn suggestions_for_misspelled_keys() {
        let keys = [
            "utilization.target",
            "metrics.window",
            "scale-up.max-factor",
        ];
        assert_eq!(
            did_you_mean("utilisation.target", keys),
            Some("utilization.target")
        );
        assert_eq!(did_you_mean("metric.window", keys), Some("metrics.window"));
        assert_eq!(did_you_mean("something.else", keys), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
