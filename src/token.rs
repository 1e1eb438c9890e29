//! The token pipeline, the only caller of the AEAD: seal and open of bytes, in the spec's order
//! (FORMAT.md). Keys, config and claims come in; a token string or the authenticated claims and
//! payload come out. No clock is read here and no session type is known.

use chacha20poly1305::aead::AeadInOut as _;
use serde::Serialize;

use crate::claims::{self, Claims, Deadlines, Policy};
use crate::config::Config;
use crate::encoding;
use crate::epoch;
use crate::epoch_keys::KeyEntry;
use crate::error::{OpenError, SealError};
use crate::format::{self, HEADER_LEN, Header, RANDOM_LEN, TAG_LEN, VERSION};
use crate::keyring::KeyTable;
use crate::scratch::{self, with_scratch};
use crate::size;

/// Where a sealed token goes: appended to `out` after `prefix`, with `room_after` more bytes
/// reserved in the same allocation for what the caller appends next (the cookie layer writes
/// `name=`, the token and the cookie's attributes into one buffer: the header value).
pub(crate) struct Output<'a> {
    pub(crate) out: &'a mut String,
    pub(crate) prefix: &'a [&'a str],
    pub(crate) room_after: usize,
}

#[cfg(test)]
impl<'a> Output<'a> {
    /// Just the token, appended to `out`.
    pub(crate) fn plain(out: &'a mut String) -> Self {
        Self {
            out,
            prefix: &[],
            room_after: 0,
        }
    }
}

/// Builds `header || encrypt(claims || payload) || tag` in the scratch buffer under the primary
/// key, in the epoch of the claims' seal time, and appends its base64url form to `output`. The
/// header is the nonce: version, key id, epoch bits, `random`. On error the output is unchanged.
pub(crate) fn seal<T: Serialize + ?Sized>(
    keys: &KeyTable,
    config: &Config,
    claims: &Claims,
    value: &T,
    random: [u8; RANDOM_LEN],
    output: Output<'_>,
) -> Result<(), SealError> {
    let Output {
        out,
        prefix,
        room_after,
    } = output;
    let entry = keys.primary();
    let period = config.rotation_period;
    let epoch = epoch::epoch_of(claims.sealed_at, period);
    let header = Header {
        version: VERSION,
        key_id: entry.id,
        epoch_low: epoch::low_bits(epoch),
        random,
    }
    .to_bytes();
    with_scratch(|raw| {
        // The plaintext grows only through `scratch::reserve`, which wipes what it leaves behind:
        // room for the header and the largest claims first, then the payload, then the tag.
        let largest_claims = claims::encoded_len_of(u64::MAX, u64::MAX, u64::MAX, u32::MAX, true);
        scratch::reserve(raw, HEADER_LEN.saturating_add(largest_claims));
        raw.extend_from_slice(&header);
        claims.encode(period, raw);
        let payload_start = raw.len();
        scratch::serialize_into(value, raw).map_err(|_| SealError::Serialize)?;
        scratch::reserve(raw, TAG_LEN);
        // Judged by the longest token these claims could give at any instant, so the verdict
        // never depends on the time of day.
        let payload_len = raw.len().saturating_sub(payload_start);
        let len = size::worst_token_len(config, claims, payload_len);
        if len > config.max_token_len {
            return Err(SealError::TooLong {
                len,
                max: config.max_token_len,
            });
        }
        let (_, body) = raw.split_at_mut(HEADER_LEN.min(payload_start));
        let text_len = encoding::encoded_len(raw_len_with_tag(body.len())).unwrap_or(len);
        // The open cache (if any) keeps the plaintext before it is encrypted in place, and
        // the token once it is written: the next open of this token skips the AEAD.
        let mut fill = keys
            .open_cache()
            .and_then(|cache| cache.fill(&random, text_len));
        if let Some(f) = &mut fill
            && !f.plaintext(body)
        {
            fill = None;
        }
        // The AEAD refuses only messages over 256 GiB; the length check above keeps every token
        // under the 1 MiB ceiling of `max_token_len`, so this error cannot occur (were it to,
        // it would mean exactly that: too long).
        let tag = entry
            .with_cipher(epoch, |cipher| {
                cipher.encrypt_inout_detached(&header.into(), format::AAD, body.into())
            })
            .map_err(|_| SealError::TooLong {
                len,
                max: config.max_token_len,
            })?;
        raw.extend_from_slice(&tag);
        let needed = prefix
            .iter()
            .fold(text_len, |n, piece| n.saturating_add(piece.len()))
            .saturating_add(room_after);
        if out.capacity() == 0 {
            // A fresh output (every seal's): one allocation of the exact size, without `reserve`'s
            // growth path.
            *out = String::with_capacity(needed);
        } else {
            out.reserve(needed);
        }
        for piece in prefix {
            out.push_str(piece);
        }
        let start = out.len();
        encoding::encode_token_into(raw, out);
        if let Some(fill) = fill {
            fill.finish(epoch, out.as_bytes().get(start..).unwrap_or_default());
        }
        Ok(())
    })
}

/// The raw length of a token whose plaintext (claims and payload) is `body_len` bytes.
fn raw_len_with_tag(body_len: usize) -> usize {
    HEADER_LEN.saturating_add(body_len).saturating_add(TAG_LEN)
}

/// Steps 2 to 4 of an open up to the key: strict base64url into `raw`, the header (version
/// first), the key by id.
#[inline(always)]
fn read_header<'r, 'k>(
    keys: &'k KeyTable,
    token: &[u8],
    raw: &'r mut Vec<u8>,
) -> Result<(format::Parts<'r>, &'k KeyEntry), OpenError> {
    raw.reserve(encoding::decoded_capacity(token.len()));
    if !encoding::decode_token_into(token, raw) {
        return Err(OpenError::Malformed);
    }
    let parts = format::split(raw)?;
    let key_id = parts.header.key_id;
    let entry = keys
        .get(key_id)
        .ok_or(OpenError::UnknownKeyId { id: key_id })?;
    Ok((parts, entry))
}

/// Step 5: decrypts `body` in place under `entry`'s key for `epoch` and the purpose; false when
/// the tag does not verify, and then `body` is as it was (the tag is verified before decryption).
#[inline(always)]
fn decrypt_in_place(
    entry: &KeyEntry,
    epoch: u64,
    nonce: [u8; HEADER_LEN],
    body: &mut [u8],
    tag: [u8; TAG_LEN],
) -> bool {
    entry
        .with_cipher(epoch, |cipher| {
            cipher.decrypt_inout_detached(&nonce.into(), format::AAD, body.into(), &tag.into())
        })
        .is_ok()
}

/// What an authentic token that passed every built-in check carries.
pub(crate) struct Verified<'a> {
    pub(crate) claims: Claims,
    pub(crate) deadlines: Deadlines,
    pub(crate) key_id: u8,
    pub(crate) epoch: u64,
    /// The authenticated postcard payload, still encoded.
    pub(crate) payload: &'a [u8],
}

/// Runs the checks of FORMAT.md in order on `token` at `now`, then `finish` on what they
/// verified (the caller's revocation hook and payload decoding, steps 7 and 8). `schema`: the
/// schema version to require, or `None` to accept the token's own.
pub(crate) fn open<R>(
    keys: &KeyTable,
    config: &Config,
    token: &[u8],
    now: u64,
    schema: Option<u32>,
    finish: impl FnOnce(Verified<'_>) -> Result<R, OpenError>,
) -> Result<R, OpenError> {
    with_scratch(|raw| {
        // 1. The length cap is the caller's, before anything is loaded.
        // 2. to 4. (key id): base64url, header, key.
        let (parts, entry) = read_header(keys, token, raw)?;
        let key_id = parts.header.key_id;
        // 4. The epoch within the accepted window.
        let period = config.rotation_period;
        let window = config.window_at(now);
        let epoch = window
            .recover(parts.header.epoch_low)
            .ok_or(OpenError::RetiredEpoch)?;
        // 5. AEAD open, in place, under the epoch key of this key, epoch and purpose; or, for
        //    the exact token these keys authenticated in this epoch before, its plaintext from
        //    the open cache.
        let nonce = parts.header_bytes;
        let tag = parts.tag;
        let body = parts.body;
        let random = parts.header.random;
        let cache = keys.open_cache();
        let recalled = cache.is_some_and(|cache| cache.recall(&random, epoch, token, body));
        if !recalled && !decrypt_in_place(entry, epoch, nonce, body, tag) {
            return Err(OpenError::Authentication);
        }
        // 6. Claims, all checked in constant time with one branch.
        let (claims, offset, payload) = Claims::decode(body, epoch::start_of(epoch, period))?;
        let schema = schema.unwrap_or(claims.schema_version);
        let policy = Policy::new(config, now, claims.persistent, schema);
        let deadlines = claims::validate(&claims, offset, &policy)?;
        if !recalled
            && let Some(mut fill) = cache.and_then(|cache| cache.fill(&random, token.len()))
            && fill.plaintext(body)
        {
            fill.finish(epoch, token);
        }
        finish(Verified {
            claims,
            deadlines,
            key_id,
            epoch,
            payload,
        })
    })
}

/// What an authentic token claims, judged or not: for [`authenticate_unjudged`].
#[cfg(feature = "forensics")]
pub(crate) struct Authentic {
    pub(crate) claims: Claims,
    pub(crate) key_id: u8,
    pub(crate) epoch: u64,
    /// What the checks of R8.7 say at `now` (with the epoch window of R3.4 first): `open`'s
    /// verdict before the application's revocation hook and the payload.
    pub(crate) verdict: Result<(), OpenError>,
}

/// Authenticates `token` and decodes its claims WITHOUT letting the post-authentication checks
/// stop it: they are computed into [`Authentic::verdict`] instead. For the operators' `inspect`
/// only (through `forensics`); `open` never uses it. A token whose epoch bits match no epoch of
/// the window is tried under the latest earlier epoch with those bits, then the next later one
/// (its verdict is `RetiredEpoch`). Whatever fails before the claims decode (length, base64url,
/// header, key id, authentication, claims encoding) is the error, as in `open`.
#[cfg(feature = "forensics")]
pub(crate) fn authenticate_unjudged(
    keys: &KeyTable,
    config: &Config,
    token: &[u8],
    now: u64,
) -> Result<Authentic, OpenError> {
    if token.len() > config.max_token_len {
        return Err(OpenError::TooLong {
            len: token.len(),
            max: config.max_token_len,
        });
    }
    with_scratch(|raw| {
        let (parts, entry) = read_header(keys, token, raw)?;
        let key_id = parts.header.key_id;
        let period = config.rotation_period;
        let window = config.window_at(now);
        let low = parts.header.epoch_low;
        let in_window = window.recover(low);
        let hi_low = epoch::low_bits(window.hi);
        let candidates = match in_window {
            Some(epoch) => [Some(epoch), None],
            None => [
                window.hi.checked_sub(u64::from(hi_low.wrapping_sub(low))),
                window.hi.checked_add(u64::from(low.wrapping_sub(hi_low))),
            ],
        };
        let nonce = parts.header_bytes;
        let tag = parts.tag;
        let body = parts.body;
        // A failed attempt leaves `body` as it was (`decrypt_in_place`).
        let epoch = candidates
            .into_iter()
            .flatten()
            .find(|&epoch| decrypt_in_place(entry, epoch, nonce, body, tag))
            .ok_or(OpenError::Authentication)?;
        let (claims, offset, _payload) = Claims::decode(body, epoch::start_of(epoch, period))?;
        let verdict = if in_window.is_some() {
            let policy = Policy::new(config, now, claims.persistent, config.schema_version);
            claims::validate(&claims, offset, &policy).map(|_| ())
        } else {
            Err(OpenError::RetiredEpoch)
        };
        Ok(Authentic {
            claims,
            key_id,
            epoch,
            verdict,
        })
    })
}
