//! Token format v1: the header layout and its constants. Bytes only; no cryptography here.
//!
//! ```text
//! raw token (before base64url):
//!  0       1       2       4                    24                     len-16     len
//!  +-------+-------+-------+--------------------+----------------------+----------+
//!  | ver=1 |  kid  | epoch | random (20 bytes)  | ciphertext (claims   | tag (16) |
//!  |       |       | lo16  |                    |  || payload)         |          |
//!  +-------+-------+-------+--------------------+----------------------+----------+
//!  \______ header = the 24-byte XChaCha20 nonce, _/
//!          sent in clear, authenticated as the nonce
//! AAD = empty: the purpose (never sent) is an input of the epoch key's derivation instead
//! ```
//! The normative description is `FORMAT.md` at the crate root.

use crate::error::OpenError;

/// The format version this release writes and reads.
pub(crate) const VERSION: u8 = 1;
/// Bytes of nonce (XChaCha20-Poly1305). The header *is* the nonce.
pub(crate) const NONCE_LEN: usize = 24;
/// Random bytes in the nonce, after version, key id and epoch.
pub(crate) const RANDOM_LEN: usize = 20;
/// Bytes of authentication tag (Poly1305).
pub(crate) const TAG_LEN: usize = 16;
/// Bytes of header: version, key id, low 16 bits of the epoch, 20 random bytes; all of it is the
/// AEAD nonce.
pub(crate) const HEADER_LEN: usize = NONCE_LEN;
/// The shortest plaintext a v1 token can carry: flags and two one-byte varints.
pub(crate) const MIN_CLAIMS_LEN: usize = 3;
/// The shortest raw v1 token.
pub(crate) const MIN_RAW_LEN: usize = HEADER_LEN + MIN_CLAIMS_LEN + TAG_LEN;
/// The longest purpose (a config limit: the purpose is an input of the key derivation).
pub(crate) const MAX_PURPOSE_LEN: usize = 255;
/// The AEAD's associated data: none. The header is the nonce, so the tag already covers it; the
/// purpose is bound through the epoch key (FORMAT.md R4.1, R5.1).
pub(crate) const AAD: &[u8] = &[];

const _: () = assert!(
    MIN_RAW_LEN == 43,
    "the spec states the shortest raw token as 43 bytes"
);
const _: () = assert!(
    HEADER_LEN == 4 + RANDOM_LEN,
    "the spec's byte diagram has a 24-byte header"
);

/// The clear-text header of a token. Untrusted until the AEAD tag verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) version: u8,
    pub(crate) key_id: u8,
    pub(crate) epoch_low: u16,
    pub(crate) random: [u8; RANDOM_LEN],
}

impl Header {
    /// The header's wire bytes, which are also the AEAD nonce.
    pub(crate) fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let [lo_hi, lo_lo] = self.epoch_low.to_be_bytes();
        let (fixed, random) = out.split_at_mut(4);
        fixed.copy_from_slice(&[self.version, self.key_id, lo_hi, lo_lo]);
        random.copy_from_slice(&self.random);
        out
    }
}

/// A raw token split into its parts, borrowing a mutable buffer so the body can be decrypted in
/// place.
pub(crate) struct Parts<'a> {
    pub(crate) header: Header,
    pub(crate) header_bytes: [u8; HEADER_LEN],
    pub(crate) body: &'a mut [u8],
    pub(crate) tag: [u8; TAG_LEN],
}

/// Splits a raw (decoded) token. Checks the version first, since it decides the layout.
pub(crate) fn split(raw: &mut [u8]) -> Result<Parts<'_>, OpenError> {
    let version = *raw.first().ok_or(OpenError::Malformed)?;
    if version != VERSION {
        return Err(OpenError::UnsupportedVersion { version });
    }
    if raw.len() < MIN_RAW_LEN {
        return Err(OpenError::Malformed);
    }
    let (head, rest) = raw
        .split_first_chunk_mut::<HEADER_LEN>()
        .ok_or(OpenError::Malformed)?;
    let (body, tag) = rest
        .split_last_chunk_mut::<TAG_LEN>()
        .ok_or(OpenError::Malformed)?;
    let header_bytes = *head;
    let tag = *tag;
    let [_, key_id, e_hi, e_lo, random @ ..] = header_bytes;
    Ok(Parts {
        header: Header {
            version,
            key_id,
            epoch_low: u16::from_be_bytes([e_hi, e_lo]),
            random,
        },
        header_bytes,
        body,
        tag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = Header {
            version: VERSION,
            key_id: 7,
            epoch_low: 0xBEEF,
            random: [9; RANDOM_LEN],
        };
        let mut raw = h.to_bytes().to_vec();
        raw.extend_from_slice(&[1; MIN_CLAIMS_LEN]);
        raw.extend_from_slice(&[2; TAG_LEN]);
        let parts = split(&mut raw).unwrap();
        assert_eq!(parts.header, h);
        assert_eq!(parts.body, &[1; MIN_CLAIMS_LEN]);
        assert_eq!(parts.tag, [2; TAG_LEN]);
    }

    #[test]
    fn split_refuses_short_and_foreign() {
        assert_eq!(split(&mut []).err(), Some(OpenError::Malformed));
        assert_eq!(
            split(&mut [2; 60]).err(),
            Some(OpenError::UnsupportedVersion { version: 2 })
        );
        let mut short = vec![VERSION; MIN_RAW_LEN - 1];
        assert_eq!(split(&mut short).err(), Some(OpenError::Malformed));
        let mut ok = vec![VERSION; MIN_RAW_LEN];
        assert!(split(&mut ok).is_ok());
    }
}
