//! The limits browsers enforce (RFC 6265bis section 5.6, as Chromium and Firefox implement it): a
//! cookie whose name and value together exceed 4096 bytes is dropped whole and silently; an
//! attribute value over 1024 bytes is ignored, which silently changes the cookie's scope. The
//! settings are checked against them when built, and every cookie before it is emitted.

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

/// The longest cookie name accepted. It is also the sealer's purpose (the cookie layer binds the
/// two), so it must fit the purpose limit; and it leaves room for a token in one cookie.
pub(crate) const MAX_NAME_LEN: usize = 255;

const _: () = assert!(
    MAX_NAME_LEN <= crate::format::MAX_PURPOSE_LEN,
    "every valid cookie name must be a valid purpose"
);

/// Token characters one unchunked cookie named with `name_len` bytes has room for.
pub(crate) const fn single_room(name_len: usize) -> usize {
    MAX_NAME_VALUE_LEN.saturating_sub(name_len)
}

/// Whether a cookie of this name and value stays within what browsers keep.
pub(crate) const fn fits(name_len: usize, value_len: usize) -> bool {
    name_len.saturating_add(value_len) <= MAX_NAME_VALUE_LEN
}

/// Decimal digits of `n` (a `Max-Age`, a chunk index or count).
pub(crate) const fn decimal_len(n: u64) -> usize {
    let mut len: usize = 1;
    let mut rest = n / 10;
    while rest > 0 {
        len = len.saturating_add(1);
        rest /= 10;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_limits() {
        assert_eq!(single_room("__Host-session".len()), 4082);
        assert!(fits(14, 4082));
        assert!(!fits(14, 4083));
        assert!(!fits(usize::MAX, 1));
    }

    #[test]
    fn decimal_lengths() {
        assert_eq!(decimal_len(0), 1);
        assert_eq!(decimal_len(9), 1);
        assert_eq!(decimal_len(15), 2);
        assert_eq!(decimal_len(100), 3);
        assert_eq!(decimal_len(34_560_000), 8);
        assert_eq!(decimal_len(u64::MAX), 20);
    }
}
