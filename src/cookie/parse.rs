//! Reading our cookie(s) from `Cookie` request headers: raw bytes in (headers may hold anything),
//! no panics, exact name matches only (`__Host-session2` and `__Host-session.x` are not ours).

use crate::cookie::chunk;
use crate::cookie::error::ReadError;
use crate::cookie::settings::CookieSettings;
use crate::cookie::size::MAX_CHUNKS;

/// Which of our cookies a request carried: the single cookie and which chunks. The writer uses it
/// to send removal cookies for whatever is stale.
///
/// # Example
/// ```
/// use sealed_session::CookieSettings;
/// let read = CookieSettings::default().read([b"__Host-session.3=x; other=1".as_slice()]);
/// assert!(!read.present.single());
/// assert!(read.present.chunk(3));
/// assert!(read.present.any());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Present {
    single: bool,
    chunks: u16,
    unknown: bool,
}

impl Present {
    /// Nothing of ours was in the request.
    ///
    /// # Example
    /// ```
    /// assert!(!sealed_session::Present::none().any());
    /// ```
    #[must_use]
    pub const fn none() -> Self {
        Self {
            single: false,
            chunks: 0,
            unknown: false,
        }
    }

    /// The request is not known (no `Cookie` header at hand): writers then remove every name the
    /// settings could have used.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::Present::unknown().is_unknown());
    /// ```
    #[must_use]
    pub const fn unknown() -> Self {
        Self {
            single: false,
            chunks: 0,
            unknown: true,
        }
    }

    /// Whether this stands for an unknown request.
    ///
    /// # Example
    /// ```
    /// assert!(!sealed_session::Present::none().is_unknown());
    /// ```
    #[must_use]
    pub const fn is_unknown(&self) -> bool {
        self.unknown
    }

    /// Whether the single (unchunked) cookie came.
    ///
    /// # Example
    /// ```
    /// let read = sealed_session::CookieSettings::default().read([b"__Host-session=AAAA".as_slice()]);
    /// assert!(read.present.single());
    /// ```
    #[must_use]
    pub const fn single(&self) -> bool {
        self.single
    }

    /// Whether chunk `index` came.
    ///
    /// # Example
    /// ```
    /// assert!(!sealed_session::Present::none().chunk(0));
    /// ```
    #[must_use]
    pub fn chunk(&self, index: usize) -> bool {
        u32::try_from(index)
            .ok()
            .and_then(|i| self.chunks.checked_shr(i))
            .is_some_and(|bits| bits & 1 == 1)
    }

    /// Whether anything of ours came (or the request is unknown).
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::Present::unknown().any());
    /// ```
    #[must_use]
    pub const fn any(&self) -> bool {
        self.single || self.chunks != 0 || self.unknown
    }

    fn mark_chunk(&mut self, index: usize) {
        if let Some(bit) = u32::try_from(index).ok().and_then(|i| 1u16.checked_shl(i)) {
            self.chunks |= bit;
        }
    }
}

/// What [`CookieSettings::read`] found: the token, if one could be put together, and which of our
/// cookies came.
///
/// # Example
/// ```
/// use sealed_session::CookieSettings;
/// let read = CookieSettings::default().read([b"theme=dark; __Host-session=QUJD".as_slice()]);
/// assert_eq!(read.token, Ok(Some("QUJD".to_string())));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadCookies {
    /// `Ok(None)`: no session cookie came. `Err`: cookies came that do not form one token.
    pub token: Result<Option<String>, ReadError>,
    /// Which of our cookies came.
    pub present: Present,
}

/// One name's value(s) as collected from the request.
#[derive(Clone, Copy, Default)]
pub(crate) enum Slot<'a> {
    #[default]
    Empty,
    One(&'a [u8]),
    /// The name came twice with different values.
    Conflict,
}

impl<'a> Slot<'a> {
    fn put(&mut self, value: &'a [u8]) {
        *self = match *self {
            Self::Empty => Self::One(value),
            Self::One(v) if v == value => Self::One(v),
            _ => Self::Conflict,
        };
    }
}

/// The `name=value` pairs of one `Cookie` header value. Pairs are split at `;`, trimmed of spaces
/// and tabs, split at the first `=`; a pair without `=` or with an empty name is skipped. One pair
/// of surrounding double quotes is removed from a value.
pub(crate) fn pairs(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    header.split(|&b| b == b';').filter_map(|pair| {
        let pair = trim(pair);
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (name, rest) = pair.split_at_checked(eq)?;
        let value = trim(rest.get(1..)?);
        let name = trim(name);
        if name.is_empty() {
            return None;
        }
        let value = value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value);
        Some((name, value))
    })
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The chunk index in `name` if it is `{base}.{index}` with a canonical decimal index below
/// [`MAX_CHUNKS`].
fn chunk_index(base: &[u8], name: &[u8]) -> Option<usize> {
    let digits = name.strip_prefix(base)?.strip_prefix(b".")?;
    let canonical = match digits {
        [d] => d.is_ascii_digit(),
        [first, second] => (b'1'..=b'9').contains(first) && second.is_ascii_digit(),
        _ => false,
    };
    if !canonical {
        return None;
    }
    let index = digits.iter().try_fold(0usize, |n, d| {
        n.checked_mul(10)?
            .checked_add(usize::from(d.checked_sub(b'0')?))
    })?;
    (index < usize::from(MAX_CHUNKS)).then_some(index)
}

impl CookieSettings {
    /// Finds the session token in a request's `Cookie` header values (HTTP/2 may split one
    /// request's cookies over several headers: pass them all). Never panics, whatever the bytes.
    ///
    /// A partial or inconsistent chunk set, the single cookie together with chunks, or the
    /// cookie twice with different values, all give an error: no session.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, ReadError};
    /// let s = CookieSettings::default();
    /// let header = b"__Host-sessionX=1;  __Host-session = QUJD ;junk; \xff\xfe=\x80";
    /// assert_eq!(s.read([header.as_slice()]).token, Ok(Some("QUJD".into())));
    /// assert_eq!(s.read([b"a=1".as_slice()]).token, Ok(None));
    /// assert_eq!(s.read([b"__Host-session=\xff".as_slice()]).token, Err(ReadError::Malformed));
    /// ```
    pub fn read<'a, I>(&self, cookie_headers: I) -> ReadCookies
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        self.read_pairs(cookie_headers.into_iter().flat_map(pairs))
    }

    /// [`CookieSettings::read`] over name/value pairs already split (for example by a framework's
    /// cookie jar).
    ///
    /// # Example
    /// ```
    /// use sealed_session::CookieSettings;
    /// let pairs = [(b"__Host-session".as_slice(), b"QUJD".as_slice())];
    /// assert_eq!(CookieSettings::default().read_pairs(pairs).token, Ok(Some("QUJD".into())));
    /// ```
    pub fn read_pairs<'a, I>(&self, pairs: I) -> ReadCookies
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let base = self.name().as_bytes();
        let mut present = Present::none();
        let mut single = Slot::Empty;
        let mut chunks = [Slot::Empty; MAX_CHUNKS as usize];
        for (name, value) in pairs {
            if name == base {
                present.single = true;
                single.put(value);
            } else if let Some(index) = chunk_index(base, name) {
                present.mark_chunk(index);
                if let Some(slot) = chunks.get_mut(index) {
                    slot.put(value);
                }
            }
        }
        let token = if present.single && present.chunks != 0 {
            Err(ReadError::MixedForms)
        } else if present.single {
            single_token(single)
        } else if present.chunks != 0 {
            chunk::assemble(&chunks, self.max_chunks()).map(Some)
        } else {
            Ok(None)
        };
        ReadCookies { token, present }
    }
}

fn single_token(slot: Slot<'_>) -> Result<Option<String>, ReadError> {
    match slot {
        Slot::Empty => Ok(None),
        Slot::Conflict => Err(ReadError::Duplicate),
        Slot::One(value) => token_text(value).map(|t| Some(t.to_owned())),
    }
}

/// The value as text if every byte is base64url.
pub(crate) fn token_text(value: &[u8]) -> Result<&str, ReadError> {
    if value.is_empty() || !value.iter().all(|&b| is_base64url(b)) {
        return Err(ReadError::Malformed);
    }
    core::str::from_utf8(value).map_err(|_| ReadError::Malformed)
}

pub(crate) fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(header: &[u8]) -> ReadCookies {
        CookieSettings::default().read([header])
    }

    #[test]
    fn pairs_tolerate_odd_input() {
        let got: Vec<_> = pairs(b" a=1;b = 2 ;;c;=d; e=\"q\" ;f==g; \t").collect();
        assert_eq!(
            got,
            [
                (&b"a"[..], &b"1"[..]),
                (b"b", b"2"),
                (b"e", b"q"),
                (b"f", b"=g"),
            ]
        );
        assert_eq!(pairs(b"").count(), 0);
        assert_eq!(pairs(b";;;").count(), 0);
        assert_eq!(pairs(b"=").count(), 0);
    }

    #[test]
    fn names_sharing_a_prefix_are_not_ours() {
        for header in [
            &b"__Host-sessionx=AAAA"[..],
            b"__Host-session.x=AAAA",
            b"__Host-session.=AAAA",
            b"__Host-session.01=AAAA",
            b"__Host-session.16=AAAA",
            b"__Host-session.-1=AAAA",
            b"x__Host-session=AAAA",
            b"__host-session=AAAA",
        ] {
            let r = read(header);
            assert_eq!(r.token, Ok(None), "{}", String::from_utf8_lossy(header));
            assert!(!r.present.any());
        }
    }

    #[test]
    fn duplicates() {
        assert_eq!(
            read(b"__Host-session=QUJD; __Host-session=QUJD").token,
            Ok(Some("QUJD".into()))
        );
        assert_eq!(
            read(b"__Host-session=QUJD; __Host-session=QUJE").token,
            Err(ReadError::Duplicate)
        );
    }

    #[test]
    fn several_headers_are_one_request() {
        let s = CookieSettings::default();
        let r = s.read([&b"a=1"[..], b"__Host-session=QUJD"]);
        assert_eq!(r.token, Ok(Some("QUJD".into())));
    }

    #[test]
    fn bad_values() {
        assert_eq!(read(b"__Host-session=").token, Err(ReadError::Malformed));
        assert_eq!(read(b"__Host-session=a+b").token, Err(ReadError::Malformed));
        assert_eq!(
            read(b"__Host-session=ab\xc3\xa9").token,
            Err(ReadError::Malformed)
        );
    }

    #[test]
    fn mixed_forms() {
        let r = read(b"__Host-session=QUJD; __Host-session.0=2.abcdef.QUJD");
        assert_eq!(r.token, Err(ReadError::MixedForms));
        assert!(r.present.single() && r.present.chunk(0));
    }

    #[test]
    fn chunk_index_parsing() {
        assert_eq!(chunk_index(b"s", b"s.0"), Some(0));
        assert_eq!(chunk_index(b"s", b"s.15"), Some(15));
        assert_eq!(chunk_index(b"s", b"s.16"), None);
        assert_eq!(chunk_index(b"s", b"s.00"), None);
        assert_eq!(chunk_index(b"s", b"s.100"), None);
        assert_eq!(chunk_index(b"s", b"s0"), None);
    }

    proptest::proptest! {
        #[test]
        #[cfg_attr(miri, ignore = "256 proptest cases of safe parsing code, fuzzed natively by cookie_header")]
        fn any_bytes_read_without_panic(header in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let s = CookieSettings::builder().chunks(4).build().unwrap();
            let _ = s.read([header.as_slice()]);
        }

        #[test]
        #[cfg_attr(miri, ignore = "256 proptest cases of safe parsing code, fuzzed natively by cookie_header")]
        fn our_cookie_is_found_among_any_others(
            others in proptest::collection::vec("[!#-+\\--:<-\\[\\]-~]{0,12}=[ -:<-~]{0,20}", 0..8),
            token in "[A-Za-z0-9_-]{1,64}",
            at in 0usize..8,
        ) {
            // Other cookies never named exactly ours (prefix-sharing names included).
            let mut pairs: Vec<String> = others
                .into_iter()
                .filter(|p| {
                    let name = p.split('=').next().unwrap_or("").trim();
                    name != "__Host-session" && !name.starts_with("__Host-session.")
                })
                .collect();
            pairs.push(format!("__Host-session{}=1", "x"));
            pairs.insert(at.min(pairs.len()), format!("__Host-session={token}"));
            let header = pairs.join("; ");
            let r = CookieSettings::default().read([header.as_bytes()]);
            proptest::prop_assert_eq!(r.token, Ok(Some(token)));
        }
    }
}
