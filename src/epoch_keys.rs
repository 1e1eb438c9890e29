//! Per-epoch encryption keys: the HKDF-SHA256 derivation with its frozen label, and a bounded,
//! lock-free cache so that seal and open run no HKDF in the steady state.
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
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use chacha20poly1305::{KeyInit as _, XChaCha20Poly1305};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::format::VERSION;
use crate::keys::MasterKey;

/// The frozen, versioned HKDF label. Changing it changes every key: a new format version.
pub(crate) const HKDF_LABEL: &[u8] = b"sealed-session v1 epoch key";

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

/// One cached epoch key. The cipher zeroizes its key on drop.
pub(crate) struct EpochKey {
    pub(crate) epoch: u64,
    pub(crate) cipher: XChaCha20Poly1305,
}

/// A master key with its id and its cache of epoch keys, derived for one rotation period and one
/// purpose: a config with another period or purpose needs a new entry (a sealer builds one with
/// every config it stores).
pub(crate) struct KeyEntry {
    pub(crate) id: u8,
    master: Arc<MasterKey>,
    slots: Box<[ArcSwapOption<EpochKey>]>,
    period: NonZeroU64,
    purpose: Arc<[u8]>,
}

impl KeyEntry {
    pub(crate) fn new(
        id: u8,
        master: Arc<MasterKey>,
        period: NonZeroU64,
        window_epochs: u64,
        purpose: Arc<[u8]>,
    ) -> Self {
        let slots = window_epochs.saturating_add(1).clamp(2, MAX_SLOTS_PER_KEY);
        let slots = (0..slots).map(|_| ArcSwapOption::empty()).collect();
        Self {
            id,
            master,
            slots,
            period,
            purpose,
        }
    }

    /// Runs `f` with the cipher for `epoch`, deriving and caching it on first use.
    pub(crate) fn with_cipher<R>(&self, epoch: u64, f: impl FnOnce(&XChaCha20Poly1305) -> R) -> R {
        let len = u64::try_from(self.slots.len()).unwrap_or(1).max(1);
        let slot = usize::try_from(epoch.checked_rem(len).unwrap_or(0))
            .ok()
            .and_then(|i| self.slots.get(i));
        if let Some(slot) = slot {
            let cached = slot.load();
            if let Some(key) = cached.as_deref().filter(|k| k.epoch == epoch) {
                return f(&key.cipher);
            }
        }
        let key = Arc::new(self.derive(epoch));
        let result = f(&key.cipher);
        if let Some(slot) = slot {
            slot.store(Some(key));
        }
        result
    }

    fn derive(&self, epoch: u64) -> EpochKey {
        let okm = derive_key(
            &self.master,
            self.id,
            self.period.get(),
            epoch,
            &self.purpose,
        );
        EpochKey {
            epoch,
            cipher: XChaCha20Poly1305::new(okm.as_ref().into()),
        }
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
        let entry = KeyEntry::new(
            3,
            master(),
            NonZeroU64::new(86_400).unwrap(),
            9,
            Arc::from(&b"session"[..]),
        );
        let expected = entry.derive(77).cipher;
        let probe = |c: &XChaCha20Poly1305| {
            use chacha20poly1305::aead::Aead as _;
            c.encrypt(&[0u8; 24].into(), &b"x"[..]).unwrap()
        };
        let want = probe(&expected);
        assert_eq!(entry.with_cipher(77, probe), want);
        assert_eq!(entry.with_cipher(77, probe), want, "cached");
        // A colliding slot is replaced, never confused.
        let other = 77 + entry.slots.len() as u64;
        assert_ne!(entry.with_cipher(other, probe), want);
        assert_eq!(entry.with_cipher(77, probe), want);
    }
}
