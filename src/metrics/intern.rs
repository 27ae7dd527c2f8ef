//! Byte-string interning for the hot loop: vertex keys and metric names are looked up once per
//! row, so they are hashed as raw bytes (no UTF-8 check, no allocation) with a fast
//! non-cryptographic hash. Hash flooding is not a concern for a local file the user chose.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (rustc's hasher): a multiply-rotate per 8 bytes.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    /// The multiply moves entropy upwards only, and the hash map takes its bucket from the low
    /// bits: rotate the well-mixed high bits down (as rustc-hash 2 does).
    #[inline]
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// Byte string → dense id.
#[derive(Default)]
pub struct Interner {
    map: HashMap<Box<[u8]>, u32, BuildHasherDefault<FxHasher>>,
}

impl Interner {
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        self.map.get(key).copied()
    }

    pub fn insert(&mut self, key: &[u8], id: u32) {
        self.map.insert(key.into(), id);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_by_bytes() {
        let mut i = Interner::default();
        i.insert(b"busyTimeMsPerSecond.max", 0);
        i.insert(b"busyTimeMsPerSecond.avg", 1);
        assert_eq!(i.get(b"busyTimeMsPerSecond.max"), Some(0));
        assert_eq!(i.get(b"busyTimeMsPerSecond.avg"), Some(1));
        assert_eq!(i.get(b"busyTimeMsPerSecond"), None);
        assert_eq!(i.len(), 2);
    }
}
