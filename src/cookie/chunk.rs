//! Splitting a token over several cookies and putting it back together.
//!
//! Chunk `i` of a set of `n` is named `{name}.{i}` and its value is
//! ```text
//! {n} "." {set id} "." {part i of the token}
//! ```
//! where the set id is the last 6 characters of the whole token (they come from its AEAD tag, so
//! two tokens practically never share them). `.` is not a base64url character, so the fields
//! split without ambiguity. A reader accepts a set only if chunk 0 came, every chunk below `n`
//! came once, none at or above `n` came, every chunk names the same `n` and set id, and the
//! assembled token ends with the set id. A set spliced from two tokens fails here, and would
//! fail authentication anyway.

use crate::cookie::error::ReadError;
use crate::cookie::parse::{Slot, is_base64url, token_text};
use crate::cookie::size::{self, SET_ID_LEN};

/// The chunk values for `token` split over `count` cookies named after a `base_len`-byte name;
/// `None` if it does not fit (the caller has checked with [`size::cookies_needed`]).
pub(crate) fn split(token: &str, base_len: usize, count: usize) -> Option<Vec<String>> {
    let set_id = token.get(token.len().checked_sub(SET_ID_LEN)?..)?;
    let mut rest = token;
    let mut values = Vec::with_capacity(count);
    for index in 0..count {
        let room = size::chunk_room(base_len, index, count);
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

fn parse_chunk(value: &[u8]) -> Result<Chunk<'_>, ReadError> {
    let mut fields = value.splitn(3, |&b| b == b'.');
    let (Some(count), Some(set_id), Some(part)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(ReadError::Inconsistent);
    };
    let count = match count {
        [d @ b'2'..=b'9'] => usize::from(d.saturating_sub(b'0')),
        [b'1', d @ b'0'..=b'9'] => 10usize.saturating_add(usize::from(d.saturating_sub(b'0'))),
        _ => return Err(ReadError::Inconsistent),
    };
    if set_id.len() != SET_ID_LEN || !set_id.iter().all(|&b| is_base64url(b)) {
        return Err(ReadError::Inconsistent);
    }
    Ok(Chunk {
        count,
        set_id,
        part: token_text(part)?,
    })
}

/// Puts a token back together from the chunk slots of one request.
pub(crate) fn assemble(slots: &[Slot<'_>], max_chunks: u8) -> Result<String, ReadError> {
    let first = match slots.first() {
        Some(Slot::One(v)) => parse_chunk(v)?,
        Some(Slot::Conflict) => return Err(ReadError::Duplicate),
        Some(Slot::Empty) | None => return Err(ReadError::Incomplete),
    };
    if first.count > usize::from(max_chunks) {
        return Err(ReadError::TooManyChunks);
    }
    let mut token = String::new();
    for (index, slot) in slots.iter().enumerate() {
        match (index < first.count, slot) {
            (true, Slot::One(v)) => {
                let chunk = parse_chunk(v)?;
                if chunk.count != first.count || chunk.set_id != first.set_id {
                    return Err(ReadError::Inconsistent);
                }
                token.push_str(chunk.part);
            }
            (true, Slot::Empty) => return Err(ReadError::Incomplete),
            (_, Slot::Conflict) => return Err(ReadError::Duplicate),
            (false, Slot::One(_)) => return Err(ReadError::Inconsistent),
            (false, Slot::Empty) => {}
        }
    }
    let tail = token
        .len()
        .checked_sub(SET_ID_LEN)
        .and_then(|start| token.as_bytes().get(start..));
    if tail != Some(first.set_id) {
        return Err(ReadError::Inconsistent);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CookieSettings;

    fn settings(max: u8) -> CookieSettings {
        CookieSettings::builder().chunks(max).build().unwrap()
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

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn round_trip_every_size() {
        let s = settings(4);
        let base = s.name().len();
        for len in [4083, 5000, 8130, 8131, 12000, s.max_token_len()] {
            let t = token(len, 1);
            let n = size::cookies_needed(base, len);
            let values = split(&t, base, n).unwrap();
            assert_eq!(values.len(), n);
            for (i, v) in values.iter().enumerate() {
                assert!(size::chunk_name_len(base, i) + v.len() <= 4096);
            }
            let h = header(s.name(), &values);
            assert_eq!(s.read([h.as_bytes()]).token, Ok(Some(t)), "len {len}");
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn partial_sets_fail() {
        let s = settings(4);
        let t = token(9000, 2);
        let values = split(&t, 14, 3).unwrap();
        let only_two = header(s.name(), &values[..2]);
        assert_eq!(
            s.read([only_two.as_bytes()]).token,
            Err(ReadError::Incomplete)
        );
        let without_first = format!(
            "__Host-session.1={}; __Host-session.2={}",
            values[1], values[2]
        );
        assert_eq!(
            s.read([without_first.as_bytes()]).token,
            Err(ReadError::Incomplete)
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn mixed_sets_fail_structurally() {
        let s = settings(4);
        let a = split(&token(9000, 3), 14, 3).unwrap();
        let b = split(&token(9000, 4), 14, 3).unwrap();
        let mixed = header(s.name(), &[a[0].clone(), b[1].clone(), a[2].clone()]);
        assert_eq!(
            s.read([mixed.as_bytes()]).token,
            Err(ReadError::Inconsistent)
        );
        // A 2-chunk set next to a stale third chunk of a 3-chunk set.
        let c = split(&token(5000, 5), 14, 2).unwrap();
        let stale = format!("{}; __Host-session.2={}", header(s.name(), &c), a[2]);
        assert_eq!(
            s.read([stale.as_bytes()]).token,
            Err(ReadError::Inconsistent)
        );
        // Parts of one set swapped between names pass the structure (same count and set id,
        // same tail); the token they give is not the sealed one, so authentication refuses it.
        let swapped = header(s.name(), &[a[1].clone(), a[0].clone(), a[2].clone()]);
        assert_ne!(s.read([swapped.as_bytes()]).token, Ok(Some(token(9000, 3))));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn too_many_chunks_for_the_settings() {
        let values = split(&token(9000, 6), 14, 3).unwrap();
        let h = header("__Host-session", &values);
        assert_eq!(
            settings(2).read([h.as_bytes()]).token,
            Err(ReadError::TooManyChunks)
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
            assert!(s.read([h.as_bytes()]).token.is_err(), "{v}");
        }
    }
}
