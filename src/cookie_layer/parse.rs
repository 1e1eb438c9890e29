//! Reading our cookie(s) from `Cookie` request headers: raw bytes in (headers may hold anything),
//! no panics, exact name matches only (`__Host-session2` and `__Host-session.x` are not ours),
//! each of our names at most once, and nothing copied before its length has been checked.

use core::fmt;
use std::borrow::Cow;

use crate::cookie_layer::chunk::{self, ChunkBits, MAX_CHUNKS};
use crate::cookie_layer::error::LoadError;
use crate::cookie_layer::settings::CookieSettings;
use crate::cookie_layer::size;

/// Which of our cookies a request carried: the single cookie and which chunks. Every write uses it
/// to send removal cookies for whatever is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Present {
    single: bool,
    chunks: ChunkBits,
}

impl Present {
    /// Whether the single (unchunked) cookie came.
    pub(crate) const fn single(&self) -> bool {
        self.single
    }

    /// Whether any chunk came.
    pub(crate) const fn any_chunk(&self) -> bool {
        self.chunks != 0
    }

    /// Whether chunk `index` came.
    pub(crate) fn chunk(&self, index: usize) -> bool {
        u32::try_from(index)
            .ok()
            .and_then(|i| self.chunks.checked_shr(i))
            .is_some_and(|bits| bits & 1 == 1)
    }

    fn mark_chunk(&mut self, index: usize) {
        if let Some(bit) = u32::try_from(index)
            .ok()
            .and_then(|i| ChunkBits::from(1u8).checked_shl(i))
        {
            self.chunks |= bit;
        }
    }
}

/// What a request's `Cookie` headers carried for our session cookie: made by
/// [`CookieSettings::read`] (or its `http` and `cookie` crate variants), taken by every operation
/// of [`SessionCookie`](crate::SessionCookie), so a write also removes whatever the request carried
/// that is now stale. Its `Debug` form never shows the token.
///
/// # Example
/// ```
/// use sealed_session::CookieSettings;
/// let read = CookieSettings::default().read([b"theme=dark; __Host-session=QUJD".as_slice()]);
/// assert_eq!(format!("{read:?}"), "ReadCookies { token: Some(<redacted>), single: true, chunks: 0 }");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ReadCookies {
    /// `Ok(None)`: no session cookie came. `Err`: cookies came that do not form one token.
    token: Result<Option<String>, LoadError>,
    present: Present,
}

impl ReadCookies {
    /// The token, or why the cookies that came do not form one.
    pub(crate) fn token(&self) -> Result<Option<&str>, LoadError> {
        match &self.token {
            Ok(t) => Ok(t.as_deref()),
            Err(e) => Err(*e),
        }
    }

    /// Which of our cookies came.
    pub(crate) const fn present(&self) -> Present {
        self.present
    }
}

/// [`ReadCookies`] borrowing the token from the request's headers where it came in one cookie
/// (chunks are joined into an owned token): for the session middleware, which opens the token
/// at once and keeps only which cookies came ([`ReadRef::presence`]), so it copies nothing.
#[cfg(any(feature = "tower", feature = "actix-web"))]
pub(crate) struct ReadRef<'a> {
    /// Bytes, not `str`: the sealer reads bytes. A single cookie's value is not checked to be
    /// base64url here: the sealer's strict decoding refuses anything else anyway, and the
    /// middleware's open tells such a value apart only when it fails
    /// (`SessionCookie::open_bytes`): one pass over the token fewer.
    token: Result<Option<Cow<'a, [u8]>>, LoadError>,
    present: Present,
}

#[cfg(any(feature = "tower", feature = "actix-web"))]
impl ReadRef<'_> {
    /// The token, or why the cookies that came do not form one.
    pub(crate) fn token(&self) -> Result<Option<&[u8]>, LoadError> {
        match &self.token {
            Ok(t) => Ok(t.as_deref()),
            Err(e) => Err(*e),
        }
    }

    /// What every write needs of the request: which of our cookies came, without the token.
    pub(crate) fn presence(&self) -> ReadCookies {
        ReadCookies {
            token: Ok(None),
            present: self.present,
        }
    }
}

impl fmt::Debug for ReadCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
        let mut d = f.debug_struct("ReadCookies");
        match &self.token {
            Ok(Some(_)) => d.field("token", &Some(Redacted)),
            Ok(None) => d.field("token", &None::<Redacted>),
            Err(e) => d.field("token", &Err::<(), _>(e)),
        };
        d.field("single", &self.present.single)
            .field("chunks", &self.present.chunks)
            .finish()
    }
}

/// One name's value as collected from the request.
#[derive(Clone, Copy, Default)]
enum Slot<'a> {
    #[default]
    Empty,
    One(&'a [u8]),
    /// The name came more than once (with equal values or not).
    Repeated,
}

impl<'a> Slot<'a> {
    fn put(&mut self, value: &'a [u8]) {
        *self = match *self {
            Self::Empty => Self::One(value),
            _ => Self::Repeated,
        };
    }
}

/// The `name=value` pairs of one `Cookie` header value. Pairs are split at `;`, trimmed of spaces
/// and tabs, split at the first `=`; a pair without `=` or with an empty name is skipped. One pair
/// of surrounding double quotes is removed from a value.
pub(crate) fn pairs(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    split_semicolons(header).filter_map(|pair| {
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

/// `header.split(|&b| b == b';')`, but searching sixteen bytes at a time: a byte-at-a-time search
/// over a whole `Cookie` header was most of the cost of reading it.
fn split_semicolons(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(header);
    core::iter::from_fn(move || {
        let current = rest?;
        match find_semicolon(current) {
            Some(at) => {
                let (piece, after) = current.split_at_checked(at)?;
                rest = after.get(1..);
                Some(piece)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// The index of the first `;` in `bytes`, sixteen bytes at a time (a block holding a `;` has a
/// zero byte after the XOR; the lowest flagged byte is always a true match, whatever the width
/// the borrows run over). The last few bytes are read as the last sixteen: the ones read twice
/// hold no `;`, so the lowest flagged byte is still the first `;`. Fewer than sixteen bytes: one
/// at a time.
fn find_semicolon(bytes: &[u8]) -> Option<usize> {
    /// The index of the first `;` in `block`, if any.
    fn in_block(block: &[u8]) -> Option<usize> {
        const ONES: u128 = u128::from_le_bytes([1; 16]);
        const HIGHS: u128 = u128::from_le_bytes([0x80; 16]);
        const PATTERN: u128 = u128::from_le_bytes([b';'; 16]);
        let x = u128::from_le_bytes(<[u8; 16]>::try_from(block).ok()?) ^ PATTERN;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found == 0 {
            return None;
        }
        usize::try_from(found.trailing_zeros() >> 3).ok()
    }
    let Some(last) = bytes.len().checked_sub(16) else {
        return bytes.iter().position(|&b| b == b';');
    };
    let mut blocks = bytes.chunks_exact(16);
    for (index, block) in (&mut blocks).enumerate() {
        if let Some(byte) = in_block(block) {
            return Some(index.saturating_mul(16).saturating_add(byte));
        }
    }
    if blocks.remainder().is_empty() {
        return None;
    }
    in_block(bytes.get(last..)?).map(|byte| last.saturating_add(byte))
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

impl CookieSettings {
    /// Finds the session token in a request's `Cookie` header values (HTTP/2 may split one
    /// request's cookies over several headers: pass them all). Never panics, whatever the bytes,
    /// and copies nothing longer than these settings can carry.
    ///
    /// The token must come in exactly one form, each cookie exactly once: a partial or
    /// inconsistent chunk set, a token split into chunks although it fits one cookie, the single
    /// cookie together with chunks, or any of our cookies twice (even with equal values) is
    /// refused, and opening the result gives that [`LoadError`](crate::LoadError): no session.
    ///
    /// # Example
    /// ```
    /// use sealed_session::CookieSettings;
    /// let s = CookieSettings::default();
    /// let header = b"__Host-sessionX=1;  __Host-session = QUJD ;junk; \xff\xfe=\x80";
    /// assert!(format!("{:?}", s.read([header.as_slice()])).contains("token: Some(<redacted>)"));
    /// ```
    pub fn read<'a, I>(&self, cookie_headers: I) -> ReadCookies
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        self.read_pairs(cookie_headers.into_iter().flat_map(pairs))
    }

    /// [`CookieSettings::read`] over name/value pairs already split (by a framework's cookie jar).
    pub(crate) fn read_pairs<'a, I>(&self, pairs: I) -> ReadCookies
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let (token, present) = self.read_borrowed(pairs, true);
        // Checked to be base64url: the conversion to text cannot fail.
        let token = token.and_then(|t| {
            t.map(|t| String::from_utf8(t.into_owned()).map_err(|_| LoadError::Malformed))
                .transpose()
        });
        ReadCookies { token, present }
    }

    /// [`CookieSettings::read`] over every `Cookie` header value, borrowing the token from them
    /// where it came in one cookie.
    #[cfg(any(feature = "tower", feature = "actix-web"))]
    pub(crate) fn read_ref<'a, I>(&self, cookie_headers: I) -> ReadRef<'a>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let (token, present) =
            self.read_borrowed(cookie_headers.into_iter().flat_map(pairs), false);
        ReadRef { token, present }
    }

    /// The token (borrowed from `pairs` if it came in one cookie; checked to be base64url unless
    /// `check_alphabet` is false and it came in one cookie), and which cookies came.
    #[allow(
        clippy::type_complexity,
        reason = "one private function: the token or its refusal, and which cookies came"
    )]
    fn read_borrowed<'a, I>(
        &self,
        pairs: I,
        check_alphabet: bool,
    ) -> (Result<Option<Cow<'a, [u8]>>, LoadError>, Present)
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let base = self.name().as_bytes();
        let mut present = Present::default();
        let mut single = Slot::Empty;
        let mut chunks = [Slot::Empty; MAX_CHUNKS as usize];
        for (name, value) in pairs {
            if name == base {
                present.single = true;
                single.put(value);
            } else if let Some(index) = chunk::chunk_index(base, name) {
                present.mark_chunk(index);
                if let Some(slot) = chunks.get_mut(index) {
                    slot.put(value);
                }
            }
        }
        let token = match (single, present.chunks != 0) {
            (Slot::Empty, false) => Ok(None),
            (Slot::Empty, true) => self
                .chunked_token(&chunks)
                .map(|t| Some(Cow::Owned(t.into_bytes()))),
            (_, true) => Err(LoadError::MixedForms),
            (Slot::Repeated, false) => Err(LoadError::Duplicate),
            (Slot::One(value), false) => self
                .single_token(value, check_alphabet)
                .map(|t| Some(Cow::Borrowed(t))),
        };
        (token, present)
    }

    /// The single cookie's value as a token, refused by length before anything is copied, and
    /// by its alphabet if `check_alphabet`.
    fn single_token<'a>(
        &self,
        value: &'a [u8],
        check_alphabet: bool,
    ) -> Result<&'a [u8], LoadError> {
        if value.len() > size::single_room(self.name().len()) {
            return Err(LoadError::TooLong);
        }
        if check_alphabet {
            chunk::token_bytes(value)
        } else if value.is_empty() {
            Err(LoadError::Malformed)
        } else {
            Ok(value)
        }
    }

    fn chunked_token(&self, slots: &[Slot<'_>]) -> Result<String, LoadError> {
        let mut values: [Option<&[u8]>; MAX_CHUNKS as usize] = [None; MAX_CHUNKS as usize];
        for (slot, value) in slots.iter().zip(values.iter_mut()) {
            match slot {
                Slot::Empty => {}
                Slot::One(v) => *value = Some(v),
                Slot::Repeated => return Err(LoadError::Duplicate),
            }
        }
        chunk::assemble(
            &values,
            self.name().len(),
            self.max_chunks(),
            self.max_token_len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(header: &[u8]) -> ReadCookies {
        CookieSettings::default().read([header])
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "thousands of inputs: minutes under Miri; safe word arithmetic, the same search runs there in the other parse tests"
    )]
    fn the_word_search_splits_exactly_as_split_does() {
        let mut inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b";".to_vec(),
            b";;;".to_vec(),
            b"a=1".to_vec(),
            b"a=1;".to_vec(),
            b";a=1".to_vec(),
        ];
        // A `;` at every position of inputs of every length up to three blocks, among bytes
        // that differ from `;` by one bit or by a borrow (0x3a, 0x3c, 0x3f, 0xbb, 0x00, 0xff).
        for len in 0..=48usize {
            for filler in [b'x', 0x3a, 0x3c, 0x3f, 0xbb, 0x00, 0xff] {
                let base = vec![filler; len];
                inputs.push(base.clone());
                for at in 0..len {
                    let mut one = base.clone();
                    one[at] = b';';
                    inputs.push(one.clone());
                    if at + 1 < len {
                        one[at + 1] = b';';
                        inputs.push(one);
                    }
                }
            }
        }
        for input in &inputs {
            let ours: Vec<&[u8]> = split_semicolons(input).collect();
            let std: Vec<&[u8]> = input.split(|&b| b == b';').collect();
            assert_eq!(ours, std, "{input:?}");
        }
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
            assert_eq!(r.token(), Ok(None), "{}", String::from_utf8_lossy(header));
            assert_eq!(r.present(), Present::default());
        }
    }

    #[test]
    fn the_cookie_twice_is_refused_even_with_equal_values() {
        assert_eq!(
            read(b"__Host-session=QUJD; __Host-session=QUJD").token(),
            Err(LoadError::Duplicate)
        );
        assert_eq!(
            read(b"__Host-session=QUJD; __Host-session=QUJE").token(),
            Err(LoadError::Duplicate)
        );
        // Over two headers of one request, too.
        let r =
            CookieSettings::default().read([&b"__Host-session=QUJD"[..], b"__Host-session=QUJD"]);
        assert_eq!(r.token(), Err(LoadError::Duplicate));
    }

    #[test]
    fn several_headers_are_one_request() {
        let s = CookieSettings::default();
        let r = s.read([&b"a=1"[..], b"__Host-session=QUJD"]);
        assert_eq!(r.token(), Ok(Some("QUJD")));
    }

    #[test]
    fn bad_values() {
        assert_eq!(read(b"__Host-session=").token(), Err(LoadError::Malformed));
        assert_eq!(
            read(b"__Host-session=a+b").token(),
            Err(LoadError::Malformed)
        );
        assert_eq!(
            read(b"__Host-session=ab\xc3\xa9").token(),
            Err(LoadError::Malformed)
        );
    }

    #[test]
    fn a_value_longer_than_one_cookie_carries_is_refused() {
        let fits = format!("__Host-session={}", "A".repeat(4082));
        assert_eq!(
            read(fits.as_bytes()).token().map(|t| t.map(str::len)),
            Ok(Some(4082))
        );
        let over = format!("__Host-session={}", "A".repeat(4083));
        assert_eq!(read(over.as_bytes()).token(), Err(LoadError::TooLong));
    }

    #[test]
    fn mixed_forms() {
        let r = read(b"__Host-session=QUJD; __Host-session.0=2.abcdef.QUJD");
        assert_eq!(r.token(), Err(LoadError::MixedForms));
        assert!(r.present().single() && r.present().chunk(0));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let r = read(b"__Host-session=c2VjcmV0dG9rZW4");
        let shown = format!("{r:?} {r:#?}");
        assert!(!shown.contains("c2VjcmV0dG9rZW4"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    proptest::proptest! {
        #[test]
        #[cfg_attr(miri, ignore = "256 proptest cases: minutes under Miri; fuzzed natively by the cookie_header target")]
        fn any_bytes_read_without_panic(header in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let s = CookieSettings::builder().chunks(4).build().unwrap();
            let _ = s.read([header.as_slice()]);
        }

        #[test]
        #[cfg_attr(miri, ignore = "256 proptest cases: minutes under Miri; fuzzed natively by the cookie_header target")]
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
            proptest::prop_assert_eq!(r.token(), Ok(Some(token.as_str())));
        }
    }
}
