//! Upstream's number semantics (scaling.md §4.4), reproduced bit for bit.
//!
//! The autoscaler is Java: thresholds use `Math.round` (half up, saturating at the `long` range,
//! NaN → 0), parallelism uses `(int) Math.ceil` (saturating, NaN → 0), evaluated metrics are
//! rounded half up to 3 decimals on the *decimal* text of the double (so 0.0005 rounds to 0.001,
//! not to whatever the binary neighbour says), and the scalability coefficient is rounded up to 2
//! decimals the same way. Getting any of these subtly wrong moves a parallelism by one, so they
//! live here, total over every `f64` (NaN and ±∞ included), and nothing here panics.

/// `x.floor()`, bit for bit, without the libm call a baseline x86-64 build makes for it (the
/// replays round several values per vertex and cycle): truncation is exact below 2^52, where a
/// double may have a fraction, and every larger double is whole already.
#[inline]
pub fn floor(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64 as f64;
        if t > x {
            t - 1.0
        } else if t == x {
            // `x` whole, and a −0 stays −0.
            x
        } else {
            t
        }
    } else {
        x
    }
}

/// `x.ceil()`, bit for bit, as [`floor`] is `x.floor()`.
#[inline]
pub fn ceil(x: f64) -> f64 {
    -floor(-x)
}

/// Java `Math.round(double)`, as a double: half up, NaN → 0, saturating at `i64::MIN/MAX`.
pub fn java_round(x: f64) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    if x >= i64::MAX as f64 {
        return i64::MAX as f64;
    }
    if x <= i64::MIN as f64 {
        return i64::MIN as f64;
    }
    let down = floor(x);
    // `x - down` is exact for every finite double, so this is exactly "half up".
    if x - down >= 0.5 {
        down + 1.0
    } else {
        down
    }
}

/// Java `(int) Math.min(Math.ceil(x), Integer.MAX_VALUE)`: NaN → 0, saturating at the `int` range.
pub fn java_ceil_to_int(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    // `as i32` saturates, exactly like Java's narrowing of a double.
    ceil(x) as i32 as i64
}

/// Rounding direction for [`round_decimal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalRounding {
    /// Away from zero on a tie, like `BigDecimal.ROUND_HALF_UP`.
    HalfUp,
    /// Towards +∞, like `RoundingMode.CEILING`.
    Ceiling,
}

/// `10^k` for the scales the fast path takes (each exact).
const POW10: [f64; 10] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/// Rounds `x` to `scale` decimals on its shortest decimal representation (what Java's
/// `Double.toString` feeds to `BigDecimal`). NaN and ±∞ come back unchanged.
pub fn round_decimal(x: f64, scale: u32, mode: DecimalRounding) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let negative = x < 0.0;
    // Fast path: away from a rounding boundary the decimal digits cannot change the outcome, and
    // `n / 10^scale` is the double nearest to the decimal result, as parsing it would give. Values
    // near a boundary (a tie, or already at `scale` decimals) take the exact path below.
    if scale <= 9 && x.abs() < 1e9 {
        let f = POW10[scale as usize];
        let y = x.abs() * f;
        // `y < 10^18`: its integer part fits a `u64`, so truncation is `floor` (y ≥ 0), exact,
        // and without the libm call `floor` is on a baseline x86-64.
        let fl = (y as u64) as f64;
        let frac = y - fl;
        // Half-up only depends on which side of .5 the first dropped digit is; near a whole
        // number both sides round to it. Ceiling needs to know whether anything is dropped at
        // all, which the digits decide near a whole number.
        let near_tie = (frac - 0.5).abs() <= 1e-6;
        let near_whole = frac <= 1e-6 || frac >= 1.0 - 1e-6;
        match mode {
            DecimalRounding::HalfUp if !near_tie => {
                let n = if frac > 0.5 { fl + 1.0 } else { fl };
                return if negative { -n / f } else { n / f };
            }
            DecimalRounding::Ceiling if !negative && !near_whole && !near_tie => {
                return (fl + 1.0) / f
            }
            _ => {}
        }
        if y < 1e15 {
            if let Some(r) = at_boundary(x.abs(), f, y, fl, mode, negative) {
                return if negative { -r } else { r };
            }
        }
    }
    round_decimal_exact(x, scale, mode)
}

/// `round_decimal` of `a = |x|` next to a boundary `b / f` (a tie `n + ½` or a whole `n` of
/// decimal units), decided without the digits; `None` for what it does not cover (negative
/// values rounded up). Why the digits are not needed:
/// - `b / f` has at most 15 significant digits (`y < 10^15`), so it round-trips through a double:
///   when `a` is the double nearest to it (`a == b / f`, IEEE division rounding correctly), the
///   shortest digits of `a` are `b`'s exactly.
/// - Otherwise the boundary lies outside the interval of reals that round to `a`, and the
///   shortest digits of `a` lie inside it: they are on `a`'s side of the boundary, which the sign
///   of the exact `a · f − b` tells (one rounding by `mul_add` keeps a sign).
fn at_boundary(
    a: f64,
    f: f64,
    y: f64,
    fl: f64,
    mode: DecimalRounding,
    negative: bool,
) -> Option<f64> {
    // `y - fl` is exact (`fl` is 0 or within a factor of two of `y`); the nearest whole number,
    // halves away from zero as `f64::round` has them.
    let whole = if y - fl < 0.5 { fl } else { fl + 1.0 };
    let (b, tie) = if ((y - fl) - 0.5).abs() <= 1e-6 {
        (fl + 0.5, true)
    } else {
        (whole, false)
    };
    let exactly = a == b / f;
    let above = a.mul_add(f, -b) > 0.0;
    match (mode, tie) {
        // Half up on `n + ½`: up when the digits are `…5` or more.
        (DecimalRounding::HalfUp, true) => {
            let n = b - 0.5;
            Some(if exactly || above { n + 1.0 } else { n } / f)
        }
        // Half up next to a whole `n`: never a tie, so to the nearest whole, `n` itself.
        (DecimalRounding::HalfUp, false) => Some(if exactly { a } else { b / f }),
        (DecimalRounding::Ceiling, _) if negative => None,
        // Ceiling next to `n + ½`: something is always dropped.
        (DecimalRounding::Ceiling, true) => Some((b + 0.5) / f),
        // Ceiling on a whole `n`: unchanged when the digits are `n`'s, else up to `n` or `n + 1`.
        (DecimalRounding::Ceiling, false) => Some(if exactly {
            a
        } else if above {
            (b + 1.0) / f
        } else {
            b / f
        }),
    }
}

/// [`round_decimal`] on the decimal digits themselves, for every value.
fn round_decimal_exact(x: f64, scale: u32, mode: DecimalRounding) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let negative = x < 0.0;
    // Shortest round-trip digits: "d.ddddde<exp>".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = match sci.split_once('e') {
        Some(parts) => parts,
        None => return x,
    };
    let exp: i64 = match exp.parse() {
        Ok(e) => e,
        Err(_) => return x,
    };
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // Number of leading digits that sit at or above the 10^-scale position.
    let keep = exp + 1 + scale as i64;
    if keep >= digits.len() as i64 {
        return x;
    }
    let (kept, dropped): (&[u8], &[u8]) = if keep <= 0 {
        (&[], if keep == 0 { &digits[..] } else { &[] })
    } else {
        digits.split_at(keep as usize)
    };
    let any_dropped = if keep < 0 {
        true
    } else {
        dropped.iter().any(|&d| d != 0)
    };
    let round_up = match mode {
        DecimalRounding::HalfUp => keep >= 0 && dropped.first().is_some_and(|&d| d >= 5),
        DecimalRounding::Ceiling => !negative && any_dropped,
    };
    let mut units: Vec<u8> = kept.to_vec();
    if units.is_empty() {
        units.push(0);
    }
    if round_up {
        let mut i = units.len();
        loop {
            if i == 0 {
                units.insert(0, 1);
                break;
            }
            i -= 1;
            if units[i] == 9 {
                units[i] = 0;
            } else {
                units[i] += 1;
                break;
            }
        }
    }
    let text: String = units.iter().map(|d| char::from(b'0' + d)).collect();
    let magnitude: f64 = format!("{text}e-{scale}").parse().unwrap_or(x.abs());
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// Upstream `ScalingMetrics.roundMetric`: half up to 3 decimals, but a value that would round to 0
/// keeps its raw value (a tiny rate is not the same as no rate).
#[inline]
pub fn round_metric(x: f64) -> f64 {
    // `round_decimal`'s half-up fast path at scale 3, inlined where evaluation calls it several
    // times per vertex and cycle; anything else (ties, large values, NaN, ±∞) takes the call.
    let a = x.abs();
    if a < 1e9 {
        let y = a * 1000.0;
        let fl = (y as u64) as f64;
        let frac = y - fl;
        if (frac - 0.5).abs() > 1e-6 {
            let n = if frac > 0.5 { fl + 1.0 } else { fl };
            if n == 0.0 {
                return x;
            }
            return if x < 0.0 { -n / 1000.0 } else { n / 1000.0 };
        }
    }
    let rounded = round_decimal(x, 3, DecimalRounding::HalfUp);
    if rounded == 0.0 {
        x
    } else {
        rounded
    }
}

/// Rounded up to 2 decimals (the observed scalability coefficient, §6.3).
pub fn ceil_2(x: f64) -> f64 {
    round_decimal(x, 2, DecimalRounding::Ceiling)
}

/// Java `Math.max(a, b)` for doubles: NaN wins (Rust's `f64::max` drops it).
pub fn java_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// Java `Math.min(a, b)` for doubles: NaN wins.
pub fn java_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn floor_and_ceil_are_std_bit_for_bit(bits in any::<u64>(), small in -1e6f64..1e6) {
            for x in [f64::from_bits(bits), small, small.trunc(), -0.0, 0.0] {
                prop_assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "{}", x);
                prop_assert_eq!(ceil(x).to_bits(), x.ceil().to_bits(), "{}", x);
            }
        }

        /// A whole number (or ±∞, NaN) keeps its value through `round_metric`, so the
        /// thresholds, `Math.round`ed already, skip it.
        #[test]
        fn rounded_capacities_are_their_own_metric(bits in any::<u64>(), small in -1e7f64..1e7) {
            for x in [f64::from_bits(bits), small] {
                let r = java_round(x);
                prop_assert_eq!(round_metric(r).to_bits(), r.to_bits(), "{}", x);
            }
        }

        /// `round_metric`'s inlined fast path is `round_decimal`'s, with upstream's "a value
        /// that rounds to 0 keeps its raw value".
        #[test]
        fn round_metric_is_half_up_at_3_decimals(bits in any::<u64>(), small in -1e4f64..1e4) {
            for x in [f64::from_bits(bits), small, small / 1e6] {
                let r = round_decimal(x, 3, DecimalRounding::HalfUp);
                let expected = if r == 0.0 { x } else { r };
                prop_assert_eq!(round_metric(x).to_bits(), expected.to_bits(), "{}", x);
            }
        }

        /// Values on and next to every kind of boundary, a few ulps either side.
        #[test]
        fn boundaries_agree_with_the_decimal_digits(
            n in 0u64..2_000_000_000,
            half in any::<bool>(),
            ulps in -3i64..=3,
            scale in prop::sample::select(vec![0u32, 2, 3, 6]),
            negative in any::<bool>(),
        ) {
            let f = 10f64.powi(scale as i32);
            let b = n as f64 + if half { 0.5 } else { 0.0 };
            let near = b / f;
            let bits = near.to_bits() as i64 + ulps;
            let a = f64::from_bits(bits.max(0) as u64);
            let v = if negative { -a } else { a };
            for mode in [DecimalRounding::HalfUp, DecimalRounding::Ceiling] {
                prop_assert_eq!(
                    round_decimal(v, scale, mode).to_bits(),
                    round_decimal_exact(v, scale, mode).to_bits(),
                    "{} {} {:?}", v, scale, mode
                );
            }
        }
    }

    #[test]
    fn fast_path_agrees_with_the_decimal_digits() {
        let mut x = 0.000_123_4_f64;
        while x < 1e8 {
            for v in [x, -x, x * 1.000_37, x / 3.0] {
                for mode in [DecimalRounding::HalfUp, DecimalRounding::Ceiling] {
                    for scale in [0u32, 2, 3] {
                        assert_eq!(
                            round_decimal(v, scale, mode),
                            round_decimal_exact(v, scale, mode),
                            "{v} {scale} {mode:?}"
                        );
                    }
                }
            }
            x *= 1.618_033;
        }
        // Values at or next to a rounding boundary, where only the digits can decide.
        for v in [
            0.7,
            0.125,
            1000.0,
            0.1229999999,
            0.1230000001,
            2.675,
            1.0005,
            0.0005,
            1e-7,
            123456.5,
        ] {
            for mode in [DecimalRounding::HalfUp, DecimalRounding::Ceiling] {
                for scale in [0u32, 2, 3] {
                    for w in [v, -v] {
                        assert_eq!(
                            round_decimal(w, scale, mode),
                            round_decimal_exact(w, scale, mode),
                            "{w} {scale} {mode:?}"
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_round_is_half_up_and_saturating() {
        assert_eq!(java_round(102.5), 103.0);
        assert_eq!(java_round(62.5), 63.0);
        assert_eq!(java_round(-2.5), -2.0);
        assert_eq!(java_round(0.49999999999999994), 0.0);
        assert_eq!(java_round(f64::NAN), 0.0);
        assert_eq!(java_round(f64::INFINITY), i64::MAX as f64);
        assert_eq!(java_round(f64::NEG_INFINITY), i64::MIN as f64);
    }

    #[test]
    fn ceil_to_int_saturates_and_maps_nan_to_zero() {
        assert_eq!(java_ceil_to_int(6.3), 7);
        assert_eq!(java_ceil_to_int(7.0), 7);
        assert_eq!(java_ceil_to_int(f64::NAN), 0);
        assert_eq!(java_ceil_to_int(1e300), i32::MAX as i64);
        assert_eq!(java_ceil_to_int(f64::NEG_INFINITY), i32::MIN as i64);
        assert_eq!(java_ceil_to_int(-3.5), -3);
    }

    #[test]
    fn metric_rounding_is_decimal_half_up() {
        assert_eq!(round_metric(142.857142857), 142.857);
        assert_eq!(round_metric(571.4285714), 571.429);
        assert_eq!(round_metric(466.66666666), 466.667);
        assert_eq!(round_metric(0.0005), 0.001);
        assert_eq!(round_metric(1.0005), 1.001);
        assert_eq!(round_metric(-1.0005), -1.001);
        assert_eq!(
            round_metric(0.0004),
            0.0004,
            "would round to 0: keep the raw value"
        );
        assert_eq!(round_metric(999.9996), 1000.0);
        assert_eq!(round_metric(1e20), 1e20);
        assert!(round_metric(f64::NAN).is_nan());
        assert_eq!(round_metric(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn coefficient_rounds_up_on_the_decimal_text() {
        // 0.7 is 0.6999999999999999555910790149937... in binary; upstream keeps 0.7.
        assert_eq!(ceil_2(0.7), 0.7);
        assert_eq!(ceil_2(560.0 / 800.0), 0.7);
        assert_eq!(ceil_2(0.68254), 0.69);
        assert_eq!(ceil_2(0.5809523809523809), 0.59);
        assert_eq!(ceil_2(1.0), 1.0);
        assert_eq!(ceil_2(0.001), 0.01);
        assert_eq!(ceil_2(-0.011), -0.01);
    }

    #[test]
    fn java_min_max_propagate_nan() {
        assert!(java_max(0.0, f64::NAN).is_nan());
        assert!(java_min(f64::NAN, 1.0).is_nan());
        assert_eq!(java_max(0.0, -5.0), 0.0);
    }
}
