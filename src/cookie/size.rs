//! Exact size accounting against the limits browsers enforce (RFC 6265bis section 5.6, as
//! Chromium and Firefox implement it): a cookie whose name and value together exceed 4096 bytes
//! is dropped whole and silently; an attribute value over 1024 bytes is ignored, which silently
//! changes the cookie's scope. Both are checked here before anything is emitted.
//!
//! Chunk layout (see `chunk.rs`): chunk `i` of `n` is named `{name}.{i}` and holds
//! `{n}.{set id}.{part of the token}`, with a 6-character set id.

use crate::cookie::error::CookieError;

/// Browsers drop a cookie whose name and value together are longer than this many bytes.
///
/// # Example
/// ```
/// // The default name leaves 4096 - 14 bytes for the token.
/// assert_eq!(sealed_session::CookieSettings::default().max_token_len(), sealed_session::MAX_NAME_VALUE_LEN - 14);
/// ```
pub const MAX_NAME_VALUE_LEN: usize = 4096;

/// Browsers ignore a cookie attribute whose value is longer than this many bytes.
///
/// # Example
/// ```
/// let long = format!("/{}", "a".repeat(sealed_session::MAX_ATTRIBUTE_VALUE_LEN));
/// assert!(sealed_session::CookieSettings::builder().name("app").path(long).build().is_err());
/// ```
pub const MAX_ATTRIBUTE_VALUE_LEN: usize = 1024;

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

/// Characters of the set id that every chunk carries: the last characters of the whole token.
pub(crate) const SET_ID_LEN: usize = 6;

/// Decimal digits of `n`.
pub(crate) fn decimal_len(n: usize) -> usize {
    let mut len = 1usize;
    let mut rest = n / 10;
    while rest > 0 {
        len = len.saturating_add(1);
        rest /= 10;
    }
    len
}

/// Length of the name `{base}.{index}`.
pub(crate) fn chunk_name_len(base_len: usize, index: usize) -> usize {
    base_len
        .saturating_add(1)
        .saturating_add(decimal_len(index))
}

/// Length of the `{count}.{set id}.` prefix of every chunk value in a set of `count`.
pub(crate) fn chunk_prefix_len(count: usize) -> usize {
    decimal_len(count)
        .saturating_add(1)
        .saturating_add(SET_ID_LEN)
        .saturating_add(1)
}

/// Token characters chunk `index` of a set of `count` has room for.
pub(crate) fn chunk_room(base_len: usize, index: usize, count: usize) -> usize {
    MAX_NAME_VALUE_LEN
        .saturating_sub(chunk_name_len(base_len, index))
        .saturating_sub(chunk_prefix_len(count))
}

/// Token characters a set of `count` chunks has room for.
pub(crate) fn set_room(base_len: usize, count: usize) -> usize {
    (0..count).fold(0usize, |room, i| {
        room.saturating_add(chunk_room(base_len, i, count))
    })
}

/// Token characters one unchunked cookie has room for.
pub(crate) fn single_room(base_len: usize) -> usize {
    MAX_NAME_VALUE_LEN.saturating_sub(base_len)
}

/// The longest token the name can carry in at most `max_chunks` cookies.
pub(crate) fn token_room(base_len: usize, max_chunks: u8) -> usize {
    let single = single_room(base_len);
    if max_chunks <= 1 {
        single
    } else {
        single.max(set_room(base_len, usize::from(max_chunks)))
    }
}

/// How many cookies a token of `token_len` needs: 1 if it fits unchunked, else the smallest set
/// that holds it, counted past [`MAX_CHUNKS`] if need be (so an error can name it).
pub(crate) fn cookies_needed(base_len: usize, token_len: usize) -> usize {
    if token_len <= single_room(base_len) {
        return 1;
    }
    let mut count = 2usize;
    // Each chunk holds well over 3000 characters for any valid name, so this ends quickly.
    while set_room(base_len, count) < token_len && count < usize::from(u16::MAX) {
        count = count.saturating_add(1);
    }
    count
}

/// Refuses a name and value that browsers would drop.
///
/// # Errors
/// [`CookieError::TooLarge`] when `name_len + value_len` exceeds [`MAX_NAME_VALUE_LEN`].
pub(crate) fn check_name_value(name_len: usize, value_len: usize) -> Result<(), CookieError> {
    if name_len.saturating_add(value_len) > MAX_NAME_VALUE_LEN {
        return Err(CookieError::TooLarge {
            name_len,
            value_len,
            limit: MAX_NAME_VALUE_LEN,
        });
    }
    Ok(())
}

/// Refuses an attribute value that browsers would ignore.
///
/// # Errors
/// [`CookieError::AttributeTooLong`] over [`MAX_ATTRIBUTE_VALUE_LEN`].
pub(crate) fn check_attribute(attribute: &'static str, value: &str) -> Result<(), CookieError> {
    if value.len() > MAX_ATTRIBUTE_VALUE_LEN {
        return Err(CookieError::AttributeTooLong {
            attribute,
            len: value.len(),
            limit: MAX_ATTRIBUTE_VALUE_LEN,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_lengths() {
        assert_eq!(decimal_len(0), 1);
        assert_eq!(decimal_len(9), 1);
        assert_eq!(decimal_len(10), 2);
        assert_eq!(decimal_len(15), 2);
        assert_eq!(decimal_len(100), 3);
    }

    #[test]
    fn rooms_for_the_default_name() {
        let base = "__Host-session".len();
        assert_eq!(single_room(base), 4082);
        // "__Host-session.0" is 16 bytes, "2.abcdef." 9 bytes.
        assert_eq!(chunk_room(base, 0, 2), 4096 - 16 - 9);
        assert_eq!(set_room(base, 2), 2 * (4096 - 16 - 9));
        assert_eq!(token_room(base, 1), 4082);
        assert_eq!(token_room(base, 2), 2 * (4096 - 16 - 9));
    }

    #[test]
    fn cookies_needed_is_the_smallest_set() {
        let base = 14;
        assert_eq!(cookies_needed(base, 4082), 1);
        assert_eq!(cookies_needed(base, 4083), 2);
        assert_eq!(cookies_needed(base, set_room(base, 2)), 2);
        assert_eq!(cookies_needed(base, set_room(base, 2) + 1), 3);
        assert_eq!(cookies_needed(base, 100_000), 25);
    }

    #[test]
    fn exact_limits() {
        assert!(check_name_value(14, 4082).is_ok());
        assert_eq!(
            check_name_value(14, 4083),
            Err(CookieError::TooLarge {
                name_len: 14,
                value_len: 4083,
                limit: 4096
            })
        );
        assert!(check_attribute("Path", &"/".repeat(1024)).is_ok());
        assert!(check_attribute("Path", &"/".repeat(1025)).is_err());
    }
}
