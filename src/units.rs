//! Units: Flink memory sizes.
//!
//! Flink's `MemorySize` grammar (formats.md §2.3): digits, optional whitespace, optional unit,
//! case-insensitive, units powers of 1024 (`b`/`bytes`, `k`/`kb`/`kibibytes`, `m`/`mb`/`mebibytes`,
//! `g`/`gb`/`gibibytes`, `t`/`tb`/`tebibytes`), no unit meaning bytes. Plans written by other tools
//! also use `KiB`/`MiB`/`GiB`/`TiB` and decimals (`"4 GiB"`, `"1.5 gb"`), so reading accepts those
//! too; untouched strings are never rewritten.

/// `n` and the noun in the number it needs: "1 vertex", "3 vertices".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Parses a memory size into bytes.
pub fn parse_memory(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let split = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(t.len(), |(i, _)| i);
    let (num, unit) = (&t[..split], t[split..].trim());
    if num.is_empty() {
        return Err(if t.starts_with('-') {
            format!("{s:?} is negative")
        } else {
            format!("{s:?} is not a memory size (expected e.g. \"1 gb\", \"512 mb\")")
        });
    }
    let value: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a memory size"))?;
    let factor: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1.0,
        "k" | "kb" | "kibibytes" | "kib" => 1024.0,
        "m" | "mb" | "mebibytes" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gibibytes" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tebibytes" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("{s:?} has an unknown memory unit {other:?}")),
    };
    let bytes = value * factor;
    if !bytes.is_finite() || bytes > 9.0e18 {
        return Err(format!("{s:?} is too large"));
    }
    Ok(bytes)
}

/// Bytes in MB (MiB), the unit Blink plans and CU arithmetic use.
pub fn bytes_to_mb(b: f64) -> f64 {
    b / (1024.0 * 1024.0)
}

/// Flink's canonical spelling of a size: the largest unit that divides it exactly
/// (`1024` MB → `"1 gb"`, `1536` MB → `"1536 mb"`).
pub fn format_memory_mb(mb: i64) -> String {
    let bytes = mb.max(0) as u128 * 1024 * 1024;
    for (unit, factor) in [
        ("tb", 1u128 << 40),
        ("gb", 1 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
    ] {
        if bytes >= factor && bytes % factor == 0 {
            return format!("{} {unit}", bytes / factor);
        }
    }
    format!("{bytes} bytes")
}

/// A number for people: at most two decimals, no trailing zeros (`1.5`, `2`, `0.25`).
pub fn short(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_grammar_and_lenient_units() {
        assert_eq!(parse_memory("1 gb"), Ok(1073741824.0));
        assert_eq!(parse_memory("32 mb"), Ok(33554432.0));
        assert_eq!(parse_memory("64m"), Ok(67108864.0));
        assert_eq!(parse_memory("4 GiB"), Ok(4294967296.0));
        assert_eq!(parse_memory("1.5 g"), Ok(1610612736.0));
        assert_eq!(parse_memory("1024"), Ok(1024.0));
        assert_eq!(parse_memory("0 bytes"), Ok(0.0));
        assert!(parse_memory("-1 mb").unwrap_err().contains("negative"));
        assert!(parse_memory("lots").is_err());
        assert!(parse_memory("1 pb")
            .unwrap_err()
            .contains("unknown memory unit"));
        assert!(parse_memory("99999999999 tb").is_err());
        assert_eq!(format_memory_mb(1024), "1 gb");
        assert_eq!(format_memory_mb(1536), "1536 mb");
        assert_eq!(format_memory_mb(0), "0 bytes");
    }
}
