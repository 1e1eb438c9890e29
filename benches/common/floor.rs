//! The floor: exactly the raw work a sealed session cannot avoid, and nothing else.
//!
//! seal: a fresh 24-byte nonce from the OS, postcard, XChaCha20-Poly1305 in place, base64url.
//! The nonce comes from the fastest source that is safe for random nonces (SECURITY.md, "Nonce
//! source"): `getrandom` through the C library, exactly the call the library makes; a user-space
//! generator would be faster but repeats nonces after a fork or a VM snapshot restore.
//! open: base64url, XChaCha20-Poly1305 in place, postcard. No header, no key id, no epoch, no
//! claims, no AAD, no expiry or any other check. Token = base64url(nonce || ciphertext || tag).
//!
//! The scratch buffer is a plain field reused across calls (the cheapest possible), and the key is
//! fixed, so no key derivation or lookup either. Shared with the `bench-peers` crate.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{AeadInOut as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::Serialize;
use serde::de::DeserializeOwned;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Fixed bytes a floor token adds to the payload: nonce and tag.
pub const FLOOR_OVERHEAD_BYTES: usize = NONCE_LEN + TAG_LEN;

/// Raw XChaCha20-Poly1305 sealing with a random nonce; see the module docs.
pub struct Floor {
    cipher: XChaCha20Poly1305,
    buf: Vec<u8>,
}

impl Floor {
    /// A floor sealer with a random key.
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("getrandom");
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
            buf: Vec::with_capacity(4096),
        }
    }

    /// Seals `value` into a new string.
    pub fn seal<T: Serialize + ?Sized>(&mut self, value: &T) -> String {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("getrandom");
        buf.extend_from_slice(&nonce);
        let mut buf = postcard::to_extend(value, buf).expect("postcard");
        let tag = self
            .cipher
            .encrypt_inout_detached(&XNonce::from(nonce), b"", (&mut buf[NONCE_LEN..]).into())
            .expect("encrypt");
        buf.extend_from_slice(&tag);
        let token = URL_SAFE_NO_PAD.encode(&buf);
        self.buf = buf;
        token
    }

    /// Opens a token from [`Floor::seal`]; `None` if it does not authenticate or decode.
    pub fn open<T: DeserializeOwned>(&mut self, token: &str) -> Option<T> {
        self.buf.clear();
        URL_SAFE_NO_PAD.decode_vec(token, &mut self.buf).ok()?;
        if self.buf.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, rest) = self.buf.split_at_mut(NONCE_LEN);
        let (body, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        self.cipher
            .decrypt_inout_detached(
                (&*nonce).try_into().ok()?,
                b"",
                body.into(),
                (&*tag).try_into().ok()?,
            )
            .ok()?;
        postcard::from_bytes(body).ok()
    }
}

impl Default for Floor {
    fn default() -> Self {
        Self::new()
    }
}
