//! The open cache (opt-in, [`ConfigBuilder::open_cache`](crate::ConfigBuilder::open_cache)):
//! tokens these keys have already authenticated, so opening the same token again skips the
//! AEAD. A slot holds one token's exact text, the epoch it opened in and its decrypted claims and
//! payload; everything after the AEAD (the claims checks, revocation, decoding) still runs on a
//! hit.
//!
//! - Only tokens these keys sealed or authenticated enter it; a lookup never inserts.
//! - A hit needs the whole token text and the epoch to match, compared in constant time over
//!   the input's length against fixed-size slots, so the time of a lookup says nothing about what
//!   a slot holds beyond "this exact token or not".
//! - Direct-mapped by the token's random nonce bytes (drawn by our CSPRNG for every token that
//!   can enter); a slot that is busy on another thread is a miss, so no call ever waits.
//! - Every slot is wiped before it is refilled and when the cache is dropped: with the key table
//!   it belongs to, on every keyring or config replacement.

use std::sync::{Mutex, MutexGuard, TryLockError};

use subtle::{Choice, ConstantTimeEq as _};
use zeroize::Zeroize;

use crate::format::{HEADER_LEN, RANDOM_LEN, TAG_LEN};

/// The longest token text the cache holds; longer tokens are opened without it.
pub(crate) const MAX_CACHED_TOKEN_LEN: usize = 512;
/// The most slots a config may ask for.
pub(crate) const MAX_SLOTS: usize = 1 << 16;
/// The longest plaintext (claims and payload) of a token of `MAX_CACHED_TOKEN_LEN` characters.
const MAX_PLAINTEXT_LEN: usize = MAX_CACHED_TOKEN_LEN / 4 * 3 - HEADER_LEN - TAG_LEN;
/// A slot's bytes: the token text, then its plaintext right after it.
const SLOT_BYTES: usize = MAX_CACHED_TOKEN_LEN + MAX_PLAINTEXT_LEN;

/// Bytes compared at a time.
const WORD: usize = 8;
const _: () = assert!(MAX_CACHED_TOKEN_LEN.is_multiple_of(WORD));

/// A fixed number of slots, allocated together when the cache is built (about 0.9 KiB each), so
/// that one token's text, plaintext and lock lie side by side in memory.
pub(crate) struct OpenCache {
    slots: Box<[Mutex<Slot>]>,
}

/// One token. Empty (`token_len == 0`) until filled; no token is empty, so an empty slot
/// matches nothing.
struct Slot {
    epoch: u64,
    token_len: usize,
    plaintext_len: usize,
    /// The token text in `..token_len`, its plaintext in `token_len..` for `plaintext_len`
    /// bytes; zero beyond (they start so, a fill writes only up to the lengths it sets, and every
    /// wipe zeroes up to them).
    bytes: [u8; SLOT_BYTES],
}

impl Slot {
    const EMPTY: Self = Self {
        epoch: 0,
        token_len: 0,
        plaintext_len: 0,
        bytes: [0; SLOT_BYTES],
    };

    /// Zeroes what the slot holds (only the bytes in use: the rest is zero already).
    fn wipe(&mut self) {
        let used = self.token_len.saturating_add(self.plaintext_len);
        if let Some(used) = self.bytes.get_mut(..used) {
            used.zeroize();
        }
        self.epoch = 0;
        self.token_len = 0;
        self.plaintext_len = 0;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl OpenCache {
    /// A cache of `slots` tokens (at most `MAX_SLOTS`), or none for 0.
    pub(crate) fn new(slots: usize) -> Option<Self> {
        (slots > 0).then(|| Self {
            slots: (0..slots.min(MAX_SLOTS))
                .map(|_| Mutex::new(Slot::EMPTY))
                .collect(),
        })
    }

    /// The slot of a token with these random nonce bytes, unless another thread holds it.
    fn take(&self, random: &[u8; RANDOM_LEN]) -> Option<MutexGuard<'_, Slot>> {
        let [a, b, c, d, e, f, g, h, ..] = *random;
        let bits = u64::from_le_bytes([a, b, c, d, e, f, g, h]);
        // `slots` is never empty and at most `MAX_SLOTS` long, so both conversions are exact.
        let n = u64::try_from(self.slots.len()).ok()?;
        let slot = self
            .slots
            .get(usize::try_from(bits.checked_rem(n)?).ok()?)?;
        match slot.try_lock() {
            Ok(slot) => Some(slot),
            // A slot is consistent at every instant (a fill cut short wipes it), so a panic on
            // another thread while it held the slot leaves nothing to distrust.
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// If `token` (the text, whose header carries `random`) is the token held in its slot,
    /// authenticated in `epoch`, writes the plaintext it decrypted to into `body` and returns
    /// true. `body` is the token's decoded ciphertext, so its length follows from the token's.
    pub(crate) fn recall(
        &self,
        random: &[u8; RANDOM_LEN],
        epoch: u64,
        token: &[u8],
        body: &mut [u8],
    ) -> bool {
        if token.len() > MAX_CACHED_TOKEN_LEN {
            return false;
        }
        let Some(slot) = self.take(random) else {
            return false;
        };
        let same = bytes_ct_eq(&slot.bytes, token)
            & slot.token_len.ct_eq(&token.len())
            & slot.epoch.ct_eq(&epoch)
            & slot.plaintext_len.ct_eq(&body.len());
        if !bool::from(same) {
            return false;
        }
        let plaintext = token
            .len()
            .checked_add(body.len())
            .and_then(|end| slot.bytes.get(token.len()..end));
        match plaintext {
            Some(plaintext) => {
                body.copy_from_slice(plaintext);
                true
            }
            None => false,
        }
    }

    /// Starts filling the slot for a token of `token_len` characters whose header carries
    /// `random`: takes the slot and wipes what it held. `None` for a token too long to cache or
    /// when another thread holds the slot.
    pub(crate) fn fill(&self, random: &[u8; RANDOM_LEN], token_len: usize) -> Option<Fill<'_>> {
        if token_len > MAX_CACHED_TOKEN_LEN {
            return None;
        }
        let mut slot = self.take(random)?;
        slot.wipe();
        Some(Fill { slot, token_len })
    }
}

#[cfg(test)]
impl OpenCache {
    /// Whether some slot holds exactly this token.
    pub(crate) fn holds(&self, token: &[u8]) -> bool {
        self.slots.iter().any(|slot| {
            let slot = slot.lock().unwrap();
            slot.token_len == token.len() && slot.bytes.get(..token.len()) == Some(token)
        })
    }
}

/// A slot being filled: the plaintext first (sealing encrypts it in place), then the token of
/// the length announced. Dropped before [`Fill::finish`], the slot stays empty and wiped.
pub(crate) struct Fill<'a> {
    slot: MutexGuard<'a, Slot>,
    token_len: usize,
}

impl Fill<'_> {
    /// Copies the plaintext (claims and payload); false, leaving the slot empty, if it is longer
    /// than a token of the announced length carries.
    pub(crate) fn plaintext(&mut self, plaintext: &[u8]) -> bool {
        let at = self.token_len;
        let to = at
            .checked_add(plaintext.len())
            .filter(|_| plaintext.len() <= MAX_PLAINTEXT_LEN)
            .and_then(|end| self.slot.bytes.get_mut(at..end));
        match to {
            Some(to) => {
                to.copy_from_slice(plaintext);
                self.slot.plaintext_len = plaintext.len();
                true
            }
            None => false,
        }
    }

    /// Completes the slot with the token's text (of the announced length) and the epoch it was
    /// sealed or opened in.
    pub(crate) fn finish(mut self, epoch: u64, token: &[u8]) {
        let slot = &mut *self.slot;
        if slot.plaintext_len == 0 || token.len() != self.token_len {
            return;
        }
        if let Some(to) = slot.bytes.get_mut(..token.len()) {
            to.copy_from_slice(token);
            slot.token_len = token.len();
            slot.epoch = epoch;
        }
    }
}

impl Drop for Fill<'_> {
    fn drop(&mut self) {
        if self.slot.token_len == 0 {
            // Unfinished: the plaintext may be in place, at the announced offset.
            let used = self.token_len.saturating_add(self.slot.plaintext_len);
            if let Some(used) = self.slot.bytes.get_mut(..used) {
                used.zeroize();
            }
            self.slot.plaintext_len = 0;
        }
    }
}

/// `held[..input.len()] == input`, eight bytes at a time and in constant time for a given
/// `input` length; `held` is a full slot buffer, at least as long as any input that reaches it.
fn bytes_ct_eq(held: &[u8; SLOT_BYTES], input: &[u8]) -> Choice {
    let mut diff = 0u64;
    for (mine, theirs) in held.chunks(WORD).zip(input.chunks(WORD)) {
        let mine = mine.get(..theirs.len()).unwrap_or(mine);
        diff |= load(mine) ^ load(theirs);
    }
    diff.ct_eq(&0)
}

/// Up to eight bytes as a little-endian word, zero-padded.
fn load(bytes: &[u8]) -> u64 {
    let mut word = [0u8; WORD];
    if let Some(to) = word.get_mut(..bytes.len()) {
        to.copy_from_slice(bytes);
    }
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: [u8; RANDOM_LEN] = [7; RANDOM_LEN];

    fn filled(cache: &OpenCache, epoch: u64, token: &[u8], plaintext: &[u8]) {
        let Some(mut fill) = cache.fill(&RANDOM, token.len()) else {
            return;
        };
        assert!(fill.plaintext(plaintext));
        fill.finish(epoch, token);
    }

    #[test]
    fn zero_slots_is_no_cache() {
        assert!(OpenCache::new(0).is_none());
        assert_eq!(OpenCache::new(3).unwrap().slots.len(), 3);
    }

    #[test]
    fn a_hit_needs_the_same_token_and_epoch() {
        let cache = OpenCache::new(4).unwrap();
        let token = b"AQEAAb-exact_token-text-of-some-length";
        filled(&cache, 9, token, b"claims and payload");
        let mut body = [0u8; 18];
        assert!(cache.recall(&RANDOM, 9, token, &mut body));
        assert_eq!(&body, b"claims and payload");

        let mut body = [0u8; 18];
        assert!(!cache.recall(&RANDOM, 10, token, &mut body), "other epoch");
        for at in 0..token.len() {
            let mut changed = token.to_vec();
            changed[at] ^= 1;
            assert!(!cache.recall(&RANDOM, 9, &changed, &mut body), "byte {at}");
        }
        assert!(
            !cache.recall(&RANDOM, 9, &token[..token.len() - 1], &mut body),
            "prefix"
        );
        let mut longer = token.to_vec();
        longer.push(b'A');
        assert!(!cache.recall(&RANDOM, 9, &longer, &mut body), "longer");
        assert!(
            !cache.recall(&RANDOM, 9, token, &mut [0u8; 17]),
            "body length"
        );
        assert_eq!(body, [0; 18], "a miss writes nothing");
    }

    #[test]
    fn refilling_a_slot_forgets_the_old_token_entirely() {
        let cache = OpenCache::new(1).unwrap();
        filled(&cache, 1, b"a-rather-long-first-token", b"first plaintext");
        filled(&cache, 1, b"short", b"second");
        let slot = cache.slots[0].lock().unwrap();
        assert_eq!(&slot.bytes[..11], b"shortsecond");
        assert!(slot.bytes[11..].iter().all(|&b| b == 0));
        drop(slot);
        let mut body = [0u8; 15];
        assert!(!cache.recall(&RANDOM, 1, b"a-rather-long-first-token", &mut body));
    }

    #[test]
    fn an_unfinished_fill_leaves_the_slot_empty_and_wiped() {
        let cache = OpenCache::new(1).unwrap();
        filled(&cache, 1, b"token", b"plain");
        let mut fill = cache.fill(&RANDOM, 5).unwrap();
        assert!(fill.plaintext(b"secret"));
        drop(fill);
        let slot = cache.slots[0].lock().unwrap();
        assert_eq!(slot.token_len, 0);
        assert!(slot.bytes.iter().all(|&b| b == 0));
        drop(slot);
        assert!(!cache.recall(&RANDOM, 1, b"token", &mut [0u8; 5]));
    }

    #[test]
    fn oversized_inputs_are_not_cached() {
        let cache = OpenCache::new(1).unwrap();
        let mut fill = cache.fill(&RANDOM, MAX_CACHED_TOKEN_LEN).unwrap();
        assert!(!fill.plaintext(&[1; MAX_PLAINTEXT_LEN + 1]));
        drop(fill);
        let long = [b'A'; MAX_CACHED_TOKEN_LEN + 1];
        assert!(cache.fill(&RANDOM, long.len()).is_none());
        let mut fill = cache.fill(&RANDOM, 8).unwrap();
        assert!(fill.plaintext(b"p"));
        fill.finish(1, b"123456789");
        assert_eq!(
            cache.slots[0].lock().unwrap().token_len,
            0,
            "another length than announced"
        );
        assert!(cache.slots[0].lock().unwrap().bytes.iter().all(|&b| b == 0));
        assert!(!cache.recall(&RANDOM, 1, &long, &mut [0u8; 1]));
    }

    #[test]
    fn a_busy_slot_is_a_miss_and_is_not_filled() {
        let cache = OpenCache::new(1).unwrap();
        filled(&cache, 1, b"token", b"plain");
        let held = cache.slots[0].lock().unwrap();
        assert!(!cache.recall(&RANDOM, 1, b"token", &mut [0u8; 5]));
        assert!(cache.fill(&RANDOM, 5).is_none());
        drop(held);
        assert!(cache.recall(&RANDOM, 1, b"token", &mut [0u8; 5]));
    }

    #[test]
    fn word_comparison_covers_every_length() {
        let mut held = [0u8; SLOT_BYTES];
        for (i, b) in held.iter_mut().enumerate() {
            *b = u8::try_from(i % 251).unwrap() | 1;
        }
        for len in 0..40 {
            let input = held[..len].to_vec();
            assert!(bool::from(bytes_ct_eq(&held, &input)), "len {len}");
            for at in 0..len {
                let mut other = input.clone();
                other[at] = 0;
                assert!(!bool::from(bytes_ct_eq(&held, &other)), "len {len} at {at}");
            }
        }
    }
}
