//! The hash of the session-id map: session ids are 16 random bytes from the OS generator, so two
//! multiplications of their halves with a per-process random key spread them as well as SipHash
//! does, in a fraction of its time (the lookup is on every open). Only a server that revokes can
//! insert an id, so nobody outside can aim inserts at one bucket.

use std::hash::{BuildHasher, Hasher, RandomState};

/// Builds [`IdHasher`]s with one random key per map.
#[derive(Clone)]
pub(crate) struct IdHashBuilder {
    key: u64,
}

impl Default for IdHashBuilder {
    fn default() -> Self {
        Self {
            key: RandomState::new().hash_one(0x5eed_u64) | 1,
        }
    }
}

#[cfg(test)]
impl IdHashBuilder {
    /// A builder with a chosen key, so a test's outcome does not depend on the process.
    fn with_key(key: u64) -> Self {
        Self { key: key | 1 }
    }
}

impl BuildHasher for IdHashBuilder {
    type Hasher = IdHasher;

    fn build_hasher(&self) -> IdHasher {
        IdHasher {
            key: self.key,
            state: 0,
        }
    }
}

/// Folds what it is fed (the 16 id bytes; the length prefix is ignored) into one word.
pub(crate) struct IdHasher {
    key: u64,
    state: u64,
}

/// The high and low halves of the 128-bit product, xored (the "folded multiply").
fn fold(a: u64, b: u64) -> u64 {
    let wide = u128::from(a).wrapping_mul(u128::from(b)).to_le_bytes();
    let (lo, hi) = wide.split_at(8);
    let half = |h: &[u8]| u64::from_le_bytes(h.try_into().unwrap_or([0; 8]));
    half(lo) ^ half(hi)
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word.iter_mut().zip(chunk).for_each(|(w, b)| *w = *b);
            self.state = fold(
                self.state ^ u64::from_le_bytes(word),
                self.key ^ 0x9e37_79b9_7f4a_7c15,
            );
        }
    }

    fn write_usize(&mut self, _len: usize) {}

    fn finish(&self) -> u64 {
        fold(self.state, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_ids_hash_equal_and_ids_differing_in_any_byte_do_not() {
        let build = IdHashBuilder::default();
        let base = [7u8; 16];
        assert_eq!(build.hash_one(base), build.hash_one(base));
        for i in 0..16 {
            let mut other = base;
            other[i] ^= 1;
            assert_ne!(build.hash_one(base), build.hash_one(other), "byte {i}");
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "64 000 hashes take minutes under Miri; plain integer arithmetic, no unsafe code"
    )]
    fn sequential_ids_spread_over_buckets() {
        // Sixteen fixed keys (xorshift from a fixed seed), not the process's random one: with a
        // random key about 3 runs in 1 000 put one bucket of sequential ids just past these
        // bounds (up to 1.3x the mean), which is harmless for a map of random ids but would make
        // the test fail at random.
        let mut key = 0x0123_4567_89ab_cdefu64;
        for _ in 0..16 {
            key ^= key << 13;
            key ^= key >> 7;
            key ^= key << 17;
            let build = IdHashBuilder::with_key(key);
            let mut buckets = [0u32; 64];
            for n in 0u32..64_000 {
                let mut id = [0u8; 16];
                id[12..].copy_from_slice(&n.to_be_bytes());
                buckets[(build.hash_one(id) >> 58) as usize] += 1;
            }
            assert!(
                buckets.iter().all(|&b| (800..1200).contains(&b)),
                "key {key:#x}: {buckets:?}"
            );
        }
    }
}
