//! The chunk wire format and every length that follows from it, in one place.
//!
//! A token that fits one cookie is sent as `{name}={token}`. A longer one is split over the
//! smallest number `n` of cookies that holds it (2 to the configured maximum), each filled to the
//! browser limit except the last. Chunk `i` is named `{name}.{i}` and its value is
//! ```text
//! {n} "." {set id} "." {part i of the token}
//! ```
//! where the set id is the last 6 characters of the whole token (they come from its AEAD tag, so
//! two tokens practically never share them). `.` is not a base64url character, so the fields
//! split without ambiguity. Counts and indexes are canonical decimals (no leading zero).
//!
//! A reader accepts exactly that form and nothing else: chunk 0 came, every chunk below `n` came
//! once, none at or above `n` came, every chunk names the same `n` and set id, `n` is the smallest
//! count that holds the assembled token, every chunk but the last is full, and the assembled
//! token ends with the set id. A set spliced from two tokens fails here, and would fail
//! authentication anyway.

use crate::cookie_layer::error::LoadError;
use crate::cookie_layer::size::{self, MAX_NAME_VALUE_LEN};

/// The most chunks one session may be split over. Far fewer is wise: a request's `Cookie` header
/// then carries `4 KiB × chunks`, and proxies commonly refuse request headers over 8 KiB.
///
/// # Example
/// ```
/// let b = sealed_session::CookieSettings::builder;
/// assert!(b().chunks(sealed_session::MAX_CHUNKS).build().is_ok());
/// assert!(b().chunks(sealed_session::MAX_CHUNKS + 1).build().is_err());
/// ```
pub const MAX_CHUNKS: u8 = 16;

/// One bit per chunk index: which chunks a request carried.
pub(crate) type ChunkBits = u16;

const _: () = assert!(
    MAX_CHUNKS as u32 <= ChunkBits::BITS,
    "every chunk index needs a bit in the chunk bitmap"
);
const _: () = assert!(
    MAX_CHUNKS >= 2 && MAX_CHUNKS <= 99,
    "chunk counts and indexes are parsed as one or two decimal digits"
);

/// Characters of the set id that every chunk carries: the last characters of the whole token.
pub(crate) const SET_ID_LEN: usize = 6;

/// Whether every byte of `bytes` is base64url (the token alphabet; `.` is not one of them). Branch-free per byte and without an early exit, so
/// the compiler vectorizes it: a token's characters are random, and a per-byte branch on the
/// character class mispredicts on most of them (this check was the costliest part of reading the
/// `Cookie` header).
pub(crate) fn all_base64url(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |ok, &b| {
        let upper = b.wrapping_sub(b'A') < 26;
        let lower = b.wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        ok & (upper | lower | digit | (b == b'-') | (b == b'_'))
    })
}

/// The value as token bytes, if it is non-empty and every byte is base64url.
pub(crate) fn token_bytes(value: &[u8]) -> Result<&[u8], LoadError> {
    if value.is_empty() || !all_base64url(value) {
        return Err(LoadError::Malformed);
    }
    Ok(value)
}

/// The value as token text, if it is non-empty and every byte is base64url.
pub(crate) fn token_text(value: &[u8]) -> Result<&str, LoadError> {
    core::str::from_utf8(token_bytes(value)?).map_err(|_| LoadError::Malformed)
}

/// A canonical decimal of one or two digits (no leading zero unless it is `0`).
fn parse_decimal(digits: &[u8]) -> Option<usize> {
    let digit = |d: &u8| {
        d.is_ascii_digit()
            .then(|| usize::from(d.saturating_sub(b'0')))
    };
    match digits {
        [d] => digit(d),
        [first @ b'1'..=b'9', second] => digit(first)?.checked_mul(10)?.checked_add(digit(second)?),
        _ => None,
    }
}

/// The name of chunk `index`.
pub(crate) fn chunk_name(base: &str, index: usize) -> String {
    format!("{base}.{index}")
}

/// The chunk index in `name` if it is `{base}.{index}` with a canonical index below
/// [`MAX_CHUNKS`].
pub(crate) fn chunk_index(base: &[u8], name: &[u8]) -> Option<usize> {
    let digits = name.strip_prefix(base)?.strip_prefix(b".")?;
    parse_decimal(digits).filter(|&i| i < usize::from(MAX_CHUNKS))
}

/// Length of the name `{base}.{index}`.
pub(crate) const fn chunk_name_len(base_len: usize, index: usize) -> usize {
    base_len
        .saturating_add(1)
        .saturating_add(size::decimal_len(index as u64))
}

/// Length of the `{count}.{set id}.` prefix of every chunk value in a set of `count`.
const fn chunk_prefix_len(count: usize) -> usize {
    size::decimal_len(count as u64).saturating_add(1 + SET_ID_LEN + 1)
}

/// Token characters chunk `index` of a set of `count` has room for.
pub(crate) const fn chunk_room(base_len: usize, index: usize, count: usize) -> usize {
    MAX_NAME_VALUE_LEN
        .saturating_sub(chunk_name_len(base_len, index))
        .saturating_sub(chunk_prefix_len(count))
}

/// Token characters a set of `count` chunks has room for.
fn set_room(base_len: usize, count: usize) -> usize {
    (0..count).fold(0usize, |room, i| {
        room.saturating_add(chunk_room(base_len, i, count))
    })
}

/// The longest token a name of `base_len` bytes can carry in at most `max_chunks` cookies.
pub(crate) fn token_room(base_len: usize, max_chunks: u8) -> usize {
    let single = size::single_room(base_len);
    if max_chunks <= 1 {
        single
    } else {
        single.max(set_room(base_len, usize::from(max_chunks)))
    }
}

/// How many cookies a token of `token_len` needs: 1 if it fits unchunked, else the smallest set
/// that holds it (at most [`MAX_CHUNKS`] + 1, which no settings allow).
pub(crate) fn cookies_needed(base_len: usize, token_len: usize) -> usize {
    if token_len <= size::single_room(base_len) {
        return 1;
    }
    (2..=usize::from(MAX_CHUNKS))
        .find(|&count| set_room(base_len, count) >= token_len)
        .unwrap_or(usize::from(MAX_CHUNKS).saturating_add(1))
}

/// The chunk values for `token` over the smallest set that holds it; `None` if the token fits one
/// cookie, is shorter than a set id, or needs more than `max_chunks` cookies.
pub(crate) fn split(token: &str, base_len: usize, max_chunks: u8) -> Option<Vec<String>> {
    let count = cookies_needed(base_len, token.len());
    if count < 2 || count > usize::from(max_chunks) {
        return None;
    }
    let set_id = token.get(token.len().checked_sub(SET_ID_LEN)?..)?;
    let mut rest = token;
    let mut values = Vec::with_capacity(count);
    for index in 0..count {
        let room = chunk_room(base_len, index, count);
        let (part, tail) = rest.split_at_checked(room.min(rest.len()))?;
        if part.is_empty() {
            return None;
        }
        values.push(format!("{count}.{set_id}.{part}"));
        rest = tail;
    }
    rest.is_empty().then_some(values)
}

/// One chunk's fields.
struct Chunk<'a> {
    count: usize,
    set_id: &'a [u8],
    part: &'a str,
}

fn parse_chunk(value: &[u8]) -> Result<Chunk<'_>, LoadError> {
    let mut fields = value.splitn(3, |&b| b == b'.');
    let (Some(count), Some(set_id), Some(part)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(LoadError::Inconsistent);
    };
    let count = parse_decimal(count)
        .filter(|&n| n >= 2)
        .ok_or(LoadError::Inconsistent)?;
    if set_id.len() != SET_ID_LEN || !all_base64url(set_id) {
        return Err(LoadError::Inconsistent);
    }
    Ok(Chunk {
        count,
        set_id,
        part: token_text(part)?,
    })
}

/// Puts a token back together from the chunk values of one request (index `i` holds chunk `i`,
/// each sent exactly once), refusing anything but the form [`split`] writes. Nothing is copied
/// before the whole set has been checked, and never more than `max_len` bytes.
pub(crate) fn assemble(
    chunks: &[Option<&[u8]>],
    base_len: usize,
    max_chunks: u8,
    max_len: usize,
) -> Result<String, LoadError> {
    let first = match chunks.first() {
        Some(Some(v)) => parse_chunk(v)?,
        Some(None) | None => return Err(LoadError::Incomplete),
    };
    if first.count > usize::from(max_chunks) {
        return Err(LoadError::TooManyChunks);
    }
    let mut parts: [&str; MAX_CHUNKS as usize] = [""; MAX_CHUNKS as usize];
    let mut total = 0usize;
    for (index, value) in chunks.iter().enumerate() {
        match (index < first.count, value) {
            (true, Some(v)) => {
                let chunk = parse_chunk(v)?;
                if chunk.count != first.count || chunk.set_id != first.set_id {
                    return Err(LoadError::Inconsistent);
                }
                let slot = parts.get_mut(index).ok_or(LoadError::Inconsistent)?;
                *slot = chunk.part;
                total = total.saturating_add(chunk.part.len());
            }
            (true, None) => return Err(LoadError::Incomplete),
            (false, Some(_)) => return Err(LoadError::Inconsistent),
            (false, None) => {}
        }
    }
    if total > max_len {
        return Err(LoadError::TooLong);
    }
    // The one form the writer produces: the smallest count, every chunk but the last full.
    let last = first.count.saturating_sub(1);
    let canonical = cookies_needed(base_len, total) == first.count
        && parts
            .iter()
            .take(last)
            .enumerate()
            .all(|(i, part)| part.len() == chunk_room(base_len, i, first.count));
    if !canonical {
        return Err(LoadError::Inconsistent);
    }
    let mut token = String::with_capacity(total);
    for part in parts.iter().take(first.count) {
        token.push_str(part);
    }
    let ends_with_set_id = token
        .len()
        .checked_sub(SET_ID_LEN)
        .and_then(|start| token.as_bytes().get(start..))
        == Some(first.set_id);
    if !ends_with_set_id {
        return Err(LoadError::Inconsistent);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie_layer::settings::CookieSettings;

    fn settings(max: u8) -> CookieSettings {
        CookieSettings::builder().chunks(max).build().unwrap()
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "2 100 scans of 300 bytes take about a minute under Miri; safe byte arithmetic that the cookie tests reach too"
    )]
    fn the_alphabet_check_accepts_exactly_base64url() {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for b in 0..=u8::MAX {
            assert_eq!(all_base64url(&[b]), ALPHABET.contains(&b), "byte {b:#04x}");
        }
        // One bad byte anywhere in a long run of good ones is found (no lane of a vectorized
        // loop, and no tail, is skipped).
        let good = token(300, 1).into_bytes();
        assert!(all_base64url(&good));
        assert!(all_base64url(&[]));
        for at in 0..good.len() {
            for bad in [b'.', b'=', b'+', b'/', b' ', 0x80, 0xff] {
                let mut v = good.clone();
                v[at] = bad;
                assert!(!all_base64url(&v), "{bad:#04x} at {at}");
            }
        }
    }

    fn token(len: usize, seed: u8) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..len)
            .map(|i| ALPHABET[(i * 7 + usize::from(seed) * 13 + i / 64) % 64] as char)
            .collect()
    }

    fn header(name: &str, values: &[String]) -> String {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{name}.{i}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn read(s: &CookieSettings, h: &str) -> Result<Option<String>, LoadError> {
        s.read([h.as_bytes()]).token().map(|t| t.map(str::to_owned))
    }

    #[test]
    fn lengths_for_the_default_name() {
        let base = "__Host-session".len();
        // "__Host-session.0" is 16 bytes, "2.abcdef." 9 bytes.
        assert_eq!(chunk_room(base, 0, 2), 4096 - 16 - 9);
        assert_eq!(set_room(base, 2), 2 * (4096 - 16 - 9));
        assert_eq!(token_room(base, 1), 4082);
        assert_eq!(token_room(base, 2), 2 * (4096 - 16 - 9));
        assert_eq!(cookies_needed(base, 4082), 1);
        assert_eq!(cookies_needed(base, 4083), 2);
        assert_eq!(cookies_needed(base, set_room(base, 2)), 2);
        assert_eq!(cookies_needed(base, set_room(base, 2) + 1), 3);
        assert_eq!(cookies_needed(base, 100_000), 17);
    }

    #[test]
    fn names_and_numbers_are_canonical() {
        assert_eq!(chunk_index(b"s", b"s.0"), Some(0));
        assert_eq!(chunk_index(b"s", b"s.15"), Some(15));
        assert_eq!(chunk_index(b"s", b"s.16"), None);
        assert_eq!(chunk_index(b"s", b"s.00"), None);
        assert_eq!(chunk_index(b"s", b"s.05"), None);
        assert_eq!(chunk_index(b"s", b"s.100"), None);
        assert_eq!(chunk_index(b"s", b"s0"), None);
        assert_eq!(chunk_name("s", 12), "s.12");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "parses sets of 5-16 KB: slow under Miri; the parsing paths run there in bad_chunk_headers"
    )]
    fn round_trip_every_size() {
        let s = settings(4);
        let base = s.name().len();
        for len in [4083, 5000, 8130, 8131, 12000, s.max_token_len()] {
            let t = token(len, 1);
            let values = split(&t, base, 4).unwrap();
            assert_eq!(values.len(), cookies_needed(base, len));
            for (i, v) in values.iter().enumerate() {
                assert!(size::fits(chunk_name_len(base, i), v.len()));
            }
            assert_eq!(
                read(&s, &header(s.name(), &values)),
                Ok(Some(t)),
                "len {len}"
            );
        }
        // Nothing to split, or too much.
        assert_eq!(split(&token(4082, 1), base, 4), None);
        assert_eq!(split(&token(s.max_token_len() + 1, 1), base, 4), None);
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "parses sets of 5-16 KB: slow under Miri; the parsing paths run there in bad_chunk_headers"
    )]
    fn partial_sets_fail() {
        let s = settings(4);
        let values = split(&token(9000, 2), 14, 4).unwrap();
        assert_eq!(values.len(), 3);
        let only_two = header(s.name(), &values[..2]);
        assert_eq!(read(&s, &only_two), Err(LoadError::Incomplete));
        let without_first = format!(
            "__Host-session.1={}; __Host-session.2={}",
            values[1], values[2]
        );
        assert_eq!(read(&s, &without_first), Err(LoadError::Incomplete));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "parses sets of 5-16 KB: slow under Miri; the parsing paths run there in bad_chunk_headers"
    )]
    fn a_chunk_sent_twice_is_refused_even_with_equal_values() {
        let s = settings(4);
        let values = split(&token(9000, 2), 14, 4).unwrap();
        let twice = format!(
            "{}; __Host-session.1={}",
            header(s.name(), &values),
            values[1]
        );
        assert_eq!(read(&s, &twice), Err(LoadError::Duplicate));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "parses sets of 5-16 KB: slow under Miri; the parsing paths run there in bad_chunk_headers"
    )]
    fn only_the_form_the_writer_produces_is_read() {
        let s = settings(4);
        let base = s.name().len();
        // A token that fits one cookie, split by the client into two chunks.
        let small = token(100, 7);
        let set_id = &small[100 - SET_ID_LEN..];
        let forged = format!(
            "__Host-session.0=2.{set_id}.{}; __Host-session.1=2.{set_id}.{}",
            &small[..50],
            &small[50..]
        );
        assert_eq!(read(&s, &forged), Err(LoadError::Inconsistent));
        // A token that needs 2 chunks, spread over 3 (more than the smallest set).
        let t = token(5000, 8);
        let id = &t[5000 - SET_ID_LEN..];
        let three = format!(
            "__Host-session.0=3.{id}.{}; __Host-session.1=3.{id}.{}; __Host-session.2=3.{id}.{}",
            &t[..2000],
            &t[2000..4000],
            &t[4000..]
        );
        assert_eq!(read(&s, &three), Err(LoadError::Inconsistent));
        // The smallest set, but its first chunk not filled.
        let short_first = format!(
            "__Host-session.0=2.{id}.{}; __Host-session.1=2.{id}.{}",
            &t[..1000],
            &t[1000..]
        );
        assert_eq!(read(&s, &short_first), Err(LoadError::Inconsistent));
        // The written form of the same token reads.
        let written = header(s.name(), &split(&t, base, 4).unwrap());
        assert_eq!(read(&s, &written), Ok(Some(t)));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "parses sets of 5-16 KB: slow under Miri; the parsing paths run there in bad_chunk_headers"
    )]
    fn mixed_sets_fail_structurally() {
        let s = settings(4);
        let a = split(&token(9000, 3), 14, 4).unwrap();
        let b = split(&token(9000, 4), 14, 4).unwrap();
        let mixed = header(s.name(), &[a[0].clone(), b[1].clone(), a[2].clone()]);
        assert_eq!(read(&s, &mixed), Err(LoadError::Inconsistent));
        // A 2-chunk set next to a stale third chunk of a 3-chunk set.
        let c = split(&token(5000, 5), 14, 4).unwrap();
        let stale = format!("{}; __Host-session.2={}", header(s.name(), &c), a[2]);
        assert_eq!(read(&s, &stale), Err(LoadError::Inconsistent));
        // Parts of one set swapped between names: the first two chunks are equally full, so the
        // structure passes; the token they give is not the sealed one (authentication refuses it).
        let swapped = header(s.name(), &[a[1].clone(), a[0].clone(), a[2].clone()]);
        assert_ne!(read(&s, &swapped), Ok(Some(token(9000, 3))));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "parses sets of 5-16 KB: slow under Miri; the parsing paths run there in bad_chunk_headers"
    )]
    fn a_set_larger_than_the_settings_allow() {
        let values = split(&token(9000, 6), 14, 4).unwrap();
        let h = header("__Host-session", &values);
        assert_eq!(read(&settings(2), &h), Err(LoadError::TooManyChunks));
        // Chunking turned off since the set was written: still a clean refusal, and one that an
        // honest browser causes, so not logged as an attack.
        assert_eq!(read(&settings(1), &h), Err(LoadError::TooManyChunks));
        assert_eq!(
            LoadError::TooManyChunks.log_level(),
            crate::error::LogLevel::Debug
        );
    }

    #[test]
    fn bad_chunk_headers() {
        let s = settings(4);
        for v in [
            "QUJD",
            "1.abcdef.QUJD",
            "2.abc.QUJD",
            "02.abcdef.QUJD",
            "2.abcdef.",
            "2.abc+ef.QUJD",
        ] {
            let h = format!("__Host-session.0={v}; __Host-session.1=2.abcdef.QUJD");
            assert!(read(&s, &h).is_err(), "{v}");
        }
    }
}
