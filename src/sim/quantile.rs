//! Order statistics of a stream in bounded memory, for a simulation that replays recordings of
//! any length.
//!
//! Values are kept exactly up to a cap (so every recording of ordinary length gives exactly the
//! answer sorting would); past the cap they move into a histogram whose buckets keep the sign,
//! the exponent and the top `bits` mantissa bits of an `f64`, i.e. a relative width of 2⁻ᵇⁱᵗˢ
//! (10 bits ≈ 0.1%, 16 bits ≈ 0.0015%), and reports a bucket by the smallest value that fell
//! into it, so 0 stays exactly 0. There are at most 2ᵇⁱᵗˢ buckets per binade (power of two) the
//! values span, and never more than [`MAX_BUCKETS`]: values spread wider than that make the
//! buckets coarser (one bit at a time), so memory stays bounded whatever the input. Ordering
//! is `f64::total_cmp`'s; NaN is ignored. Deterministic: the same values in the same order give
//! the same answers.

use std::collections::BTreeMap;

/// Histogram buckets at most (about 6 MB).
pub const MAX_BUCKETS: usize = 1 << 17;

#[derive(Debug, Clone)]
pub struct Quantiles {
    cap: usize,
    /// Mantissa bits dropped to form a bucket.
    dropped: u32,
    exact: Vec<f64>,
    sorted: bool,
    /// Bucket → (count, smallest value in it). Empty while exact.
    buckets: BTreeMap<i64, (u64, f64)>,
    n: u64,
}

/// `f64::total_cmp`'s key: an integer with the same order as the floats.
fn order_key(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ ((((b >> 63) as u64) >> 1) as i64)
}

impl Quantiles {
    /// Exact for up to `cap` values, then within 2⁻¹⁰.
    pub fn with_cap(cap: usize) -> Self {
        Quantiles::with_precision(cap, 10)
    }

    /// Exact for up to `cap` values, then within 2^-`bits` (1..=52).
    pub fn with_precision(cap: usize, bits: u32) -> Self {
        Quantiles {
            cap,
            dropped: 52 - bits.clamp(1, 52),
            exact: Vec::new(),
            sorted: true,
            buckets: BTreeMap::new(),
            n: 0,
        }
    }

    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        if self.buckets.is_empty() && self.exact.len() < self.cap {
            if self.exact.last().is_some_and(|l| l.total_cmp(&x).is_gt()) {
                self.sorted = false;
            }
            self.exact.push(x);
            return;
        }
        for v in std::mem::take(&mut self.exact) {
            self.bucket(v);
        }
        self.bucket(x);
    }

    fn bucket(&mut self, x: f64) {
        let e = self
            .buckets
            .entry(order_key(x) >> self.dropped)
            .or_insert((0, x));
        e.0 += 1;
        if x.total_cmp(&e.1).is_lt() {
            e.1 = x;
        }
        while self.buckets.len() > MAX_BUCKETS && self.dropped < 63 {
            self.coarsen();
        }
    }

    /// Halves the resolution: merges each pair of neighbouring buckets.
    fn coarsen(&mut self) {
        self.dropped += 1;
        let mut merged: BTreeMap<i64, (u64, f64)> = BTreeMap::new();
        for (k, (n, min)) in std::mem::take(&mut self.buckets) {
            let e = merged.entry(k >> 1).or_insert((0, min));
            e.0 += n;
            if min.total_cmp(&e.1).is_lt() {
                e.1 = min;
            }
        }
        self.buckets = merged;
    }

    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Whether every answer is exact (the cap was never exceeded).
    pub fn is_exact(&self) -> bool {
        self.buckets.is_empty()
    }

    /// The `i`-th smallest value (0-based); `None` past the end.
    pub fn nth(&mut self, i: u64) -> Option<f64> {
        if i >= self.n {
            return None;
        }
        if self.buckets.is_empty() {
            if !self.sorted {
                // `total_cmp` equal means the same bits: unstable sorting gives the same list.
                self.exact.sort_unstable_by(f64::total_cmp);
                self.sorted = true;
            }
            return self.exact.get(i as usize).copied();
        }
        let mut seen = 0u64;
        for &(count, min) in self.buckets.values() {
            seen += count;
            if i < seen {
                return Some(min);
            }
        }
        None
    }

    pub fn max(&mut self) -> Option<f64> {
        self.n.checked_sub(1).and_then(|i| self.nth(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_below_the_cap() {
        let mut q = Quantiles::with_cap(100);
        for x in [5.0, -1.0, 3.0, f64::NAN, 0.0, 2.5] {
            q.push(x);
        }
        assert_eq!(q.len(), 5);
        assert!(q.is_exact());
        let all: Vec<f64> = (0..5).filter_map(|i| q.nth(i)).collect();
        assert_eq!(all, vec![-1.0, 0.0, 2.5, 3.0, 5.0]);
        assert_eq!(q.nth(5), None);
        assert_eq!(q.max(), Some(5.0));
    }

    #[test]
    fn past_the_cap_within_a_thousandth_and_bounded() {
        let mut q = Quantiles::with_cap(1000);
        let n = 200_000u64;
        // A shuffled ramp of distinct values, and many zeros.
        for i in 0..n {
            let x = ((i * 7919) % n) as f64 * 0.37 + 1.0;
            q.push(x);
            q.push(0.0);
        }
        assert!(!q.is_exact());
        assert!(q.buckets.len() < 20_000, "{} buckets", q.buckets.len());
        assert_eq!(q.nth(0), Some(0.0));
        assert_eq!(q.nth(n - 1), Some(0.0), "zeros stay exactly zero");
        for (rank, want) in [(n, 1.0), (n + n / 2, (n / 2) as f64 * 0.37 + 1.0)] {
            let got = q.nth(rank).unwrap();
            assert!(
                (got - want).abs() <= want / 1024.0,
                "rank {rank}: {got} vs {want}"
            );
        }
        let max = q.max().unwrap();
        let want = (n - 1) as f64 * 0.37 + 1.0;
        assert!(max <= want && max >= want * (1.0 - 1.0 / 1024.0));
    }

    #[test]
    fn values_spread_over_every_binade_stay_within_the_bucket_limit() {
        let mut q = Quantiles::with_precision(0, 10);
        let mut x = 1e-300f64;
        let mut n = 0u64;
        while x < 1e300 {
            for k in 0..64 {
                q.push(x * (1.0 + f64::from(k) / 64.0));
                n += 1;
            }
            x *= 1.7;
        }
        assert!(q.buckets.len() <= MAX_BUCKETS, "{}", q.buckets.len());
        assert!(q.dropped > 42, "the buckets were coarsened");
        assert_eq!(q.len(), n);
        assert_eq!(q.nth(0), Some(1e-300));
        let mut prev = f64::NEG_INFINITY;
        for i in (0..n).step_by(997) {
            let v = q.nth(i).unwrap();
            assert!(v >= prev, "ordered");
            prev = v;
        }
    }

    #[test]
    fn more_bits_are_closer() {
        let mut coarse = Quantiles::with_precision(0, 10);
        let mut fine = Quantiles::with_precision(0, 16);
        for i in 0..10_000 {
            let x = 1000.0 + f64::from(i) * 0.013;
            coarse.push(x);
            fine.push(x);
        }
        let want = 1000.0 + 5000.0 * 0.013;
        let (c, f) = (coarse.nth(5000).unwrap(), fine.nth(5000).unwrap());
        assert!((c - want).abs() <= want / 1024.0, "{c}");
        assert!((f - want).abs() <= want / 65536.0, "{f}");
        assert!(fine.buckets.len() > coarse.buckets.len());
    }

    #[test]
    fn negative_and_positive_values_keep_their_order_in_buckets() {
        let mut q = Quantiles::with_cap(0);
        for x in [3.0, -2.0, -1000.0, 0.5, -0.0, 0.0] {
            q.push(x);
        }
        let all: Vec<f64> = (0..6).filter_map(|i| q.nth(i)).collect();
        assert_eq!(all[0], -1000.0);
        assert_eq!(all[1], -2.0);
        assert!(all[2] == 0.0 && all[3] == 0.0);
        assert_eq!(&all[4..], &[0.5, 3.0]);
    }
}
