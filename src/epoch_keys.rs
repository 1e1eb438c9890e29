//! Per-epoch encryption keys: the HKDF-SHA256 derivation with its frozen label, and a bounded,
//! lock-free cache so that seal and open run no HKDF in the steady state.
//!
//! The cache covers a fixed range of epochs, chosen when the sealer's state is built (the
//! accepted window, or its newest epochs): one write-once slot per epoch, so a cached key costs
//! one atomic load of the slot and no reference counting (the sealer's state is the only
//! `ArcSwap` an operation loads). When the clock leaves the range the sealer builds its state
//! afresh; until then, and for epochs outside it, the key is derived for the one operation.
//!
//! ```text
//! epoch key = HKDF-SHA256(salt = none, ikm = master key,
//!                         info = LABEL || version || key id || rotation period (u64 BE)
//!                                || epoch (u64 BE) || purpose,
//!                         length = 32)
//! ```
//! Every field before the purpose has a fixed length, so the info encodes its inputs without
//! ambiguity. The purpose binds through the key (the AEAD has no associated data): the same
//! master key gives independent keys to different purposes.

use std::num::NonZeroU64;
use std::sync::{Arc, OnceLock};

use chacha20poly1305::{KeyInit as _, XChaCha20Poly1305};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::format::VERSION;
use crate::keys::MasterKey;

/// The frozen, versioned HKDF label. Changing it changes every key: a new format version.
pub(crate) const HKDF_LABEL: &[u8] = b"sealed-session v1 epoch key";

/// The wiping SECURITY.md describes needs the `zeroize` features of `chacha20poly1305` (the cached
/// cipher's key, the per-message cipher state) and `sha2` (the derivation's hash states): without
/// them the library does not build.
const _: fn() = || {
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<XChaCha20Poly1305>();
    wiped_on_drop::<Sha256>();
};

/// Never keep more than this many cached epochs per master key.
const MAX_SLOTS_PER_KEY: u64 = 256;

/// The HKDF `info` input for one epoch key: the fixed-length fields, then the purpose last.
pub(crate) fn hkdf_info(key_id: u8, period: u64, epoch: u64, purpose: &[u8]) -> Vec<u8> {
    let mut info = Vec::with_capacity(
        HKDF_LABEL
            .len()
            .saturating_add(18)
            .saturating_add(purpose.len()),
    );
    info.extend_from_slice(HKDF_LABEL);
    info.push(VERSION);
    info.push(key_id);
    info.extend_from_slice(&period.to_be_bytes());
    info.extend_from_slice(&epoch.to_be_bytes());
    info.extend_from_slice(purpose);
    info
}

/// Derives the 32-byte key for one epoch and purpose (zeroized on drop).
pub(crate) fn derive_key(
    master: &MasterKey,
    key_id: u8,
    period: u64,
    epoch: u64,
    purpose: &[u8],
) -> Zeroizing<[u8; 32]> {
    let mut okm = Zeroizing::new([0u8; 32]);
    let hk = Hkdf::<Sha256>::new(None, master.expose());
    // 32 bytes is far below HKDF-SHA256's limit of 8160, so expand cannot fail.
    if hk
        .expand(
            &hkdf_info(key_id, period, epoch, purpose),
            okm.as_mut_slice(),
        )
        .is_err()
    {
        okm.fill(0);
    }
    okm
}

/// The epochs an epoch-key cache covers: `first` and the `len - 1` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EpochRange {
    pub(crate) first: u64,
    pub(crate) len: usize,
}

impl EpochRange {
    /// The range for a sealer at `current` (the epoch of now) whose accepted window starts at
    /// `window_lo` and spans `window_epochs`: the whole window and as many epochs again ahead
    /// of it, at most [`MAX_SLOTS_PER_KEY`] in all; a longer window keeps its newest epochs.
    pub(crate) fn around(current: u64, window_lo: u64, window_epochs: u64) -> Self {
        let len = window_epochs.saturating_mul(2).clamp(4, MAX_SLOTS_PER_KEY);
        // `current + 1`: a clock ahead within the leeway may seal in the next epoch.
        let first = window_lo.max(current.saturating_add(2).saturating_sub(len));
        Self {
            first,
            len: usize::try_from(len).unwrap_or(4),
        }
    }

    /// The slot of `epoch`, if the range holds it.
    fn index(self, epoch: u64) -> Option<usize> {
        let i = usize::try_from(epoch.checked_sub(self.first)?).ok()?;
        (i < self.len).then_some(i)
    }

    /// Whether the range still serves a clock in epoch `current` (and the next one, for the
    /// leeway): if not, the sealer builds its state afresh.
    #[cfg(test)]
    fn covers(self, current: u64) -> bool {
        self.index(current).is_some() && self.index(current.saturating_add(1)).is_some()
    }

    /// The unix seconds, `[from, until)`, at which the clock's epoch and the next one are in the
    /// range ([`EpochRange::covers`] without a division per operation).
    pub(crate) fn served_seconds(self, period: NonZeroU64) -> (u64, u64) {
        let len = u64::try_from(self.len).unwrap_or(u64::MAX);
        let last_current = self.first.saturating_add(len).saturating_sub(1);
        (
            self.first.saturating_mul(period.get()),
            last_current.saturating_mul(period.get()),
        )
    }
}

/// A master key with its id and its cache of epoch keys, derived for one rotation period and one
/// purpose: a config with another period or purpose needs a new entry (a sealer builds one with
/// every config it stores).
pub(crate) struct KeyEntry {
    pub(crate) id: u8,
    master: Arc<MasterKey>,
    /// One write-once slot per epoch of `range`. The cipher zeroizes its key on drop.
    slots: Box<[OnceLock<XChaCha20Poly1305>]>,
    range: EpochRange,
    period: NonZeroU64,
    purpose: Arc<[u8]>,
}

impl KeyEntry {
    pub(crate) fn new(
        id: u8,
        master: Arc<MasterKey>,
        period: NonZeroU64,
        range: EpochRange,
        purpose: Arc<[u8]>,
    ) -> Self {
        let slots = (0..range.len).map(|_| OnceLock::new()).collect();
        Self {
            id,
            master,
            slots,
            range,
            period,
            purpose,
        }
    }

    /// Runs `f` with the cipher for `epoch`: cached (derived on first use) inside the range,
    /// derived for this call alone outside it.
    pub(crate) fn with_cipher<R>(&self, epoch: u64, f: impl FnOnce(&XChaCha20Poly1305) -> R) -> R {
        match self.range.index(epoch).and_then(|i| self.slots.get(i)) {
            Some(slot) => f(slot.get_or_init(|| self.derive(epoch))),
            None => f(&self.derive(epoch)),
        }
    }

    fn derive(&self, epoch: u64) -> XChaCha20Poly1305 {
        let okm = derive_key(
            &self.master,
            self.id,
            self.period.get(),
            epoch,
            &self.purpose,
        );
        XChaCha20Poly1305::new((&*okm).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> Arc<MasterKey> {
        Arc::new(MasterKey::generate().unwrap())
    }

    #[test]
    fn derivation_binds_every_input() {
        let m = MasterKey::generate().unwrap();
        let base = derive_key(&m, 1, 86_400, 20_000, b"session");
        assert_eq!(*base, *derive_key(&m, 1, 86_400, 20_000, b"session"));
        assert_ne!(*base, *derive_key(&m, 2, 86_400, 20_000, b"session"));
        assert_ne!(*base, *derive_key(&m, 1, 3_600, 20_000, b"session"));
        assert_ne!(*base, *derive_key(&m, 1, 86_400, 20_001, b"session"));
        assert_ne!(*base, *derive_key(&m, 1, 86_400, 20_000, b"session2"));
        assert_ne!(*base, *derive_key(&m, 1, 86_400, 20_000, b"sessio"));
        assert_ne!(
            *base,
            *derive_key(
                &MasterKey::generate().unwrap(),
                1,
                86_400,
                20_000,
                b"session"
            )
        );
    }

    #[test]
    fn info_is_the_fixed_fields_then_the_purpose() {
        let info = hkdf_info(7, 0x0102, 0x0304, b"__Host-session");
        let mut want = b"sealed-session v1 epoch key".to_vec();
        want.extend_from_slice(&[1, 7, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 3, 4]);
        want.extend_from_slice(b"__Host-session");
        assert_eq!(info, want);
    }

    #[test]
    fn cache_returns_the_derived_key() {
        let range = EpochRange::around(80, 72, 9);
        assert_eq!(range, EpochRange { first: 72, len: 18 });
        let entry = KeyEntry::new(
            3,
            master(),
            NonZeroU64::new(86_400).unwrap(),
            range,
            Arc::from(&b"session"[..]),
        );
        let probe = |c: &XChaCha20Poly1305| {
            use chacha20poly1305::aead::AeadInOut as _;
            let mut body = *b"x";
            let tag = c
                .encrypt_inout_detached(&[0u8; 24].into(), b"", (&mut body[..]).into())
                .unwrap();
            (body, tag)
        };
        for epoch in [71, 72, 77, 89, 90, 1_000] {
            let want = probe(&entry.derive(epoch));
            assert_eq!(entry.with_cipher(epoch, probe), want, "epoch {epoch}");
            assert_eq!(entry.with_cipher(epoch, probe), want, "epoch {epoch} again");
        }
        // Only the epochs of the range are kept.
        let kept: Vec<usize> = (0..entry.slots.len())
            .filter(|&i| entry.slots[i].get().is_some())
            .collect();
        assert_eq!(kept, [0, 5, 17]);
    }

    #[test]
    fn the_range_covers_the_window_or_its_newest_epochs() {
        // A short window: all of it, and as much again ahead.
        let r = EpochRange::around(100, 95, 7);
        assert_eq!(r, EpochRange { first: 95, len: 14 });
        assert!(r.covers(100) && r.covers(107));
        assert!(!r.covers(108), "the next epoch is past the end");
        assert!(!r.covers(94));
        // A window longer than the cache: its newest epochs, the next one included.
        let r = EpochRange::around(10_000, 9_000, 1_002);
        assert_eq!(
            r,
            EpochRange {
                first: 10_002 - 256,
                len: 256
            }
        );
        assert!(r.covers(10_000));
        assert!(!r.covers(10_001));
        // Near zero nothing underflows.
        let r = EpochRange::around(0, 0, 2);
        assert_eq!(r, EpochRange { first: 0, len: 4 });
        assert!(r.covers(0));
    }

    #[test]
    fn served_seconds_agree_with_covers() {
        let period = NonZeroU64::new(3_600).unwrap();
        for r in [
            EpochRange::around(100, 95, 7),
            EpochRange::around(10_000, 9_000, 1_002),
            EpochRange::around(0, 0, 2),
        ] {
            let (from, until) = r.served_seconds(period);
            for now in (0..12_000 * 3_600).step_by(1_799) {
                let covered = r.covers(now / period.get());
                assert_eq!(covered, (from..until).contains(&now), "{r:?} at {now}");
            }
        }
    }
}
