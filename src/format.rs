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
//!          sent in clear, part of the AAD
//! AAD = header || len(purpose) as one byte || purpose || zeros to a multiple of 64 bytes
//!       (the purpose is never sent)
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
/// The longest purpose, so that its length fits the one-byte prefix in the AAD.
pub(crate) const MAX_PURPOSE_LEN: usize = 255;
/// The AAD is zero-padded to a multiple of this many bytes: four Poly1305 blocks. SIMD Poly1305
/// backends take 4 blocks at a time and fall back to one block at a time for the whole ciphertext
/// when the AAD leaves them mid-group (`poly1305` 0.8's AVX2 code does), which made the MAC of a
/// 3 KB token 1.8 times the instructions it needs.
pub(crate) const AAD_ALIGN: usize = 64;
/// The longest AAD: header, length byte, purpose, padded to [`AAD_ALIGN`].
pub(crate) const MAX_AAD_LEN: usize =
    (HEADER_LEN + 1 + MAX_PURPOSE_LEN).next_multiple_of(AAD_ALIGN);

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

/// Writes `header || len(purpose) || purpose || zeros` into `buf`, zero-padded to a multiple of
/// [`AAD_ALIGN`] bytes, and returns the used prefix.
pub(crate) fn aad<'a>(
    header: &[u8; HEADER_LEN],
    purpose: &[u8],
    buf: &'a mut [u8; MAX_AAD_LEN],
) -> &'a [u8] {
    let purpose = purpose
        .get(..MAX_PURPOSE_LEN.min(purpose.len()))
        .unwrap_or_default();
    let len_byte = u8::try_from(purpose.len()).unwrap_or(u8::MAX);
    let (h, rest) = buf.split_at_mut(HEADER_LEN);
    h.copy_from_slice(header);
    let total = HEADER_LEN
        .saturating_add(1)
        .saturating_add(purpose.len())
        .next_multiple_of(AAD_ALIGN);
    if let Some((len_slot, tail)) = rest.split_first_mut() {
        *len_slot = len_byte;
        let (dst, padding) = tail.split_at_mut(purpose.len().min(tail.len()));
        dst.copy_from_slice(purpose.get(..dst.len()).unwrap_or_default());
        padding.fill(0);
    }
    buf.get(..total).unwrap_or_default()
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

    #[test]
    fn aad_layout() {
        let mut buf = [0u8; MAX_AAD_LEN];
        buf.fill(0xff);
        let bytes = aad(&[3; HEADER_LEN], b"cookie", &mut buf).to_vec();
        assert_eq!(bytes.len(), 64);
        assert_eq!(bytes.get(..HEADER_LEN), Some(&[3; HEADER_LEN][..]));
        assert_eq!(bytes.get(HEADER_LEN), Some(&6));
        assert_eq!(
            bytes.get(HEADER_LEN + 1..HEADER_LEN + 7),
            Some(&b"cookie"[..])
        );
        assert!(bytes.get(HEADER_LEN + 7..).unwrap().iter().all(|&b| b == 0));
        // 24 + 1 + 39 = 64 exactly; one more byte of purpose takes the next 64.
        assert_eq!(aad(&[0; HEADER_LEN], &[b'p'; 39], &mut buf).len(), 64);
        assert_eq!(aad(&[0; HEADER_LEN], &[b'p'; 40], &mut buf).len(), 128);
        assert_eq!(aad(&[0; HEADER_LEN], &[b'p'; 255], &mut buf).len(), 320);
    }
}
