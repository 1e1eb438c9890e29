//! Set-Cookie rendering: the session cookie (or its chunks) with the settings' attributes and an
//! expiry taken from the token's own deadlines, and removal cookies that match the live cookie's
//! name, Path, Domain and flags exactly (a removal that differs in any of them removes nothing).

use core::fmt;
use std::sync::Arc;

use time::{Month, OffsetDateTime, UtcOffset, Weekday};

use crate::cookie_layer::chunk;
use crate::cookie_layer::parse::Present;
use crate::cookie_layer::settings::{CookieSettings, SameSite};
use crate::cookie_layer::size;
use crate::error::SealError;
use crate::session::SessionMeta;

/// One `Set-Cookie` header: a cookie to set or to remove. Its [`Display`](fmt::Display) form is
/// the header value; its `Debug` form never shows the value.
///
/// # Example
/// ```
/// use sealed_session::*;
/// # let settings = CookieSettings::default();
/// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
/// let read = cookies.settings().read([b"__Host-session=QUJD".as_slice()]);
/// let removal = cookies.remove(&read);
/// assert_eq!(
///     removal.iter().next().unwrap().to_string(),
///     "__Host-session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// Shared with the settings for the single cookie; a chunk's own name otherwise.
    name: Arc<str>,
    value: String,
    /// `None`: a browser-session cookie. `Some((max_age, expires))` otherwise.
    expiry: Option<(u64, OffsetDateTime)>,
    path: Arc<str>,
    domain: Option<Arc<str>>,
    secure: bool,
    same_site: SameSite,
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.value.is_empty() {
            ""
        } else {
            "<redacted>"
        };
        f.debug_struct("SetCookie")
            .field("name", &self.name)
            .field("value", &format_args!("{value}"))
            .field("max_age", &self.max_age())
            .field("path", &self.path)
            .field("domain", &self.domain)
            .field("secure", &self.secure)
            .field("same_site", &self.same_site)
            .finish()
    }
}

impl SetCookie {
    /// The cookie name.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let read = cookies.settings().read([]);
    /// assert_eq!(cookies.remove(&read).iter().next().unwrap().name(), "__Host-session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cookie value (empty for a removal).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let read = cookies.settings().read([]);
    /// assert_eq!(cookies.remove(&read).iter().next().unwrap().value(), "");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `Max-Age` in seconds, or `None` for a browser-session cookie (gone when the browser
    /// closes). `Expires` is sent with the same instant whenever `Max-Age` is.
    pub(crate) fn max_age(&self) -> Option<u64> {
        self.expiry.map(|(age, _)| age)
    }

    /// Whether this removes the cookie.
    #[cfg(test)]
    pub(crate) fn is_removal(&self) -> bool {
        self.value.is_empty() && self.max_age() == Some(0)
    }

    /// The `Expires` instant, present exactly when `Max-Age` is.
    #[cfg(any(test, feature = "cookie"))]
    pub(crate) fn expires(&self) -> Option<OffsetDateTime> {
        self.expiry.map(|(_, at)| at)
    }

    /// The `Path` attribute.
    #[cfg(any(test, feature = "cookie"))]
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The `Domain` attribute.
    #[cfg(any(test, feature = "cookie"))]
    pub(crate) fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// Whether the cookie is `Secure`.
    #[cfg(any(test, feature = "cookie"))]
    pub(crate) fn secure(&self) -> bool {
        self.secure
    }

    /// The `SameSite` attribute.
    #[cfg(any(test, feature = "cookie"))]
    pub(crate) fn same_site(&self) -> SameSite {
        self.same_site
    }
}

impl SetCookie {
    /// The length of the [`Display`](fmt::Display) form, measured by rendering it into a counter
    /// (no allocation), so the header can be rendered once into a buffer of exactly this size.
    #[cfg(any(feature = "http", test))]
    pub(crate) fn rendered_len(&self) -> usize {
        struct Count(usize);
        impl fmt::Write for Count {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 = self.0.saturating_add(s.len());
                Ok(())
            }
        }
        let mut count = Count(0);
        // Writing to a counter cannot fail.
        let _ = self.write_to(&mut count);
        count.0
    }

    /// The `Set-Cookie` header value, rendered once into a `String` of exactly its length (a
    /// header value built from it takes the buffer over without a copy or a reallocation).
    #[cfg(any(feature = "http", test))]
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(self.rendered_len());
        // Writing to a `String` cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// The header value, piece by piece into any writer: the one rendering behind `Display`,
    /// the length count and the exact-size buffer (direct `write_str` calls, not the formatting
    /// machinery, which was most of the cost of a `Set-Cookie` header).
    fn write_to<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        w.write_str(&self.name)?;
        w.write_str("=")?;
        w.write_str(&self.value)?;
        if let Some((max_age, expires)) = self.expiry {
            w.write_str("; Max-Age=")?;
            write_decimal(w, max_age, 1)?;
            w.write_str("; Expires=")?;
            write_http_date(w, expires)?;
        }
        w.write_str("; Path=")?;
        w.write_str(&self.path)?;
        if let Some(domain) = &self.domain {
            w.write_str("; Domain=")?;
            w.write_str(domain)?;
        }
        if self.secure {
            w.write_str("; Secure")?;
        }
        w.write_str("; HttpOnly; SameSite=")?;
        w.write_str(self.same_site.as_str())
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

/// `n` in decimal, zero-padded to at least `width` digits (at most 20: a `u64`'s).
fn write_decimal<W: fmt::Write>(w: &mut W, mut n: u64, width: usize) -> fmt::Result {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    loop {
        start = start.saturating_sub(1);
        if let Some(d) = digits.get_mut(start) {
            // `n % 10` is below 10: the cast cannot truncate.
            *d = b'0'.saturating_add(u8::try_from(n % 10).unwrap_or(0));
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = start.min(digits.len().saturating_sub(width));
    let text = digits.get(start..).unwrap_or_default();
    // ASCII digits only.
    w.write_str(core::str::from_utf8(text).map_err(|_| fmt::Error)?)
}

/// The `Set-Cookie` headers one response must carry, in order: append every one (several
/// `Set-Cookie` headers are normal; replacing one with the next loses cookies). Its `Debug` form
/// never shows a value.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// # let settings = CookieSettings::default();
/// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
/// let read = cookies.settings().read([]);
/// let set = cookies.seal(&read, &"alice", &SessionOptions::default())?;
/// let headers: Vec<String> = set.iter().map(ToString::to_string).collect();
/// assert_eq!(headers.len(), 1);
/// assert!(!format!("{set:?}").contains(set.iter().next().unwrap().value()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetCookies(Vec<SetCookie>);

impl SetCookies {
    /// The cookies, in the order to send them.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// assert_eq!(SetCookies::default().iter().len(), 0);
    /// ```
    pub fn iter(&self) -> core::slice::Iter<'_, SetCookie> {
        self.0.iter()
    }
}

impl IntoIterator for SetCookies {
    type Item = SetCookie;
    type IntoIter = std::vec::IntoIter<SetCookie>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a SetCookies {
    type Item = &'a SetCookie;
    type IntoIter = core::slice::Iter<'a, SetCookie>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl CookieSettings {
    /// The `Set-Cookie` headers that store `token` (whose metadata is `meta`), plus removal
    /// cookies for whatever the request carried that is now stale (chunks left over when a
    /// session shrinks, the single cookie when it grows into chunks).
    ///
    /// A persistent session gets `Max-Age` and `Expires` from the token's own deadline (the
    /// earlier of its idle and absolute deadlines, never later); any other session gets a
    /// browser-session cookie (no `Max-Age`: gone when the browser closes, while the token still
    /// enforces its own expiry).
    ///
    /// [`SealError::TooLong`] when the token is longer than the cookies carry. The cookie layer
    /// binds its sealer's maximum token length to [`CookieSettings::max_token_len`], so a token
    /// it sealed is never refused here; nothing is emitted then.
    pub(crate) fn set_cookies(
        &self,
        token: String,
        meta: &SessionMeta,
        now: u64,
        present: Present,
    ) -> Result<SetCookies, SealError> {
        let too_long = SealError::TooLong {
            len: token.len(),
            max: self.max_token_len(),
        };
        let expiry = expiry(meta, now);
        let base_len = self.name().len();
        let mut out = Vec::new();
        if size::fits(base_len, token.len()) {
            // The token moves into the cookie: no copy.
            out.push(self.cookie(self.shared_name(), token, expiry));
            self.push_chunk_removals(&mut out, present, 0);
        } else {
            let values = chunk::split(&token, base_len, self.max_chunks()).ok_or(too_long)?;
            let count = values.len();
            for (index, value) in values.into_iter().enumerate() {
                out.push(self.cookie(chunk::chunk_name(self.name(), index).into(), value, expiry));
            }
            if present.single() {
                out.push(self.removal(self.shared_name()));
            }
            self.push_chunk_removals(&mut out, present, count);
        }
        Ok(SetCookies(out))
    }

    /// Removal cookies (logout): the single cookie always, and every chunk the request carried.
    /// Each carries exactly the live cookie's name, Path, Domain, Secure, HttpOnly and SameSite.
    pub(crate) fn removal_cookies(&self, present: Present) -> SetCookies {
        let mut out = vec![self.removal(self.shared_name())];
        self.push_chunk_removals(&mut out, present, 0);
        SetCookies(out)
    }

    /// Removal cookies for exactly what the request carried, without setting anything: for a
    /// request whose cookie did not open (tampered, expired), so the browser stops sending it.
    #[cfg(any(test, feature = "tower", feature = "actix-web"))]
    pub(crate) fn cleanup_cookies(&self, present: Present) -> SetCookies {
        let mut out = Vec::new();
        if present.single() {
            out.push(self.removal(self.shared_name()));
        }
        self.push_chunk_removals(&mut out, present, 0);
        SetCookies(out)
    }

    /// Removals for the chunks at `from` and above that the request carried.
    fn push_chunk_removals(&self, out: &mut Vec<SetCookie>, present: Present, from: usize) {
        for index in from..usize::from(chunk::MAX_CHUNKS) {
            if present.chunk(index) {
                out.push(self.removal(chunk::chunk_name(self.name(), index).into()));
            }
        }
    }

    fn cookie(
        &self,
        name: Arc<str>,
        value: String,
        expiry: Option<(u64, OffsetDateTime)>,
    ) -> SetCookie {
        SetCookie {
            name,
            value,
            expiry,
            path: self.shared_path(),
            domain: self.shared_domain(),
            secure: self.secure(),
            same_site: self.same_site(),
        }
    }

    fn removal(&self, name: Arc<str>) -> SetCookie {
        self.cookie(name, String::new(), Some((0, OffsetDateTime::UNIX_EPOCH)))
    }
}

/// `Max-Age` and `Expires` for a persistent session: up to the earlier deadline, never negative.
/// `None` for a browser-session session.
fn expiry(meta: &SessionMeta, now: u64) -> Option<(u64, OffsetDateTime)> {
    if !meta.is_persistent() {
        return None;
    }
    let deadline = meta.idle_deadline().min(meta.absolute_deadline());
    let left =
        u64::try_from(deadline.unix_timestamp()).map_or(0, |deadline| deadline.saturating_sub(now));
    Some((left, deadline))
}

/// RFC 9110 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
fn write_http_date<W: fmt::Write>(w: &mut W, at: OffsetDateTime) -> fmt::Result {
    let at = at.to_offset(UtcOffset::UTC);
    let day = match at.weekday() {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    };
    let month = match at.month() {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    };
    // Years before 1 cannot come from a token's deadline (unix seconds are unsigned).
    let year = u64::try_from(at.year()).unwrap_or(0);
    w.write_str(day)?;
    w.write_str(", ")?;
    write_decimal(w, u64::from(at.day()), 2)?;
    w.write_str(" ")?;
    w.write_str(month)?;
    w.write_str(" ")?;
    write_decimal(w, year, 4)?;
    w.write_str(" ")?;
    write_decimal(w, u64::from(at.hour()), 2)?;
    w.write_str(":")?;
    write_decimal(w, u64::from(at.minute()), 2)?;
    w.write_str(":")?;
    write_decimal(w, u64::from(at.second()), 2)?;
    w.write_str(" GMT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_dates_render_as_the_formatter_did() {
        let decimal = |n: u64, width: usize| {
            let mut s = String::new();
            write_decimal(&mut s, n, width).unwrap();
            s
        };
        for n in [0, 1, 9, 10, 59, 99, 100, 43_200, 1_000_000, u64::MAX] {
            for width in [1, 2, 4, 20] {
                assert_eq!(decimal(n, width), format!("{n:0width$}"), "{n} {width}");
            }
        }
        for secs in [
            0i64,
            59,
            86_399,
            1_767_830_400,
            1_800_000_000,
            253_402_300_799,
        ] {
            let at = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let mut ours = String::new();
            write_http_date(&mut ours, at).unwrap();
            let expected = format!(
                "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                &format!("{:?}", at.weekday())[..3],
                at.day(),
                &format!("{:?}", at.month())[..3],
                at.year(),
                at.hour(),
                at.minute(),
                at.second()
            );
            assert_eq!(ours, expected, "{secs}");
        }
    }
    use crate::clock::ManualClock;
    use crate::lifecycle::Lineage;
    use crate::sealer::Sealer;
    use crate::{Keyring, MasterKey, SessionOptions};

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    /// 2026-01-01 00:00:00 UTC.
    const T0: u64 = 1_767_225_600;

    /// A token sealed at `now` with these settings' bound config, and its metadata.
    fn sealed(settings: &CookieSettings, persistent: bool, now: u64) -> (String, SessionMeta) {
        let config = settings.config_builder().build().unwrap();
        let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config)
            .with_clock(ManualClock::at(at(now as i64)));
        let options = SessionOptions::default().persistent(persistent);
        let (token, meta, sealed_at) = sealer.seal_with_meta(&1u8, Lineage::New(&options)).unwrap();
        assert_eq!(sealed_at, now);
        (token, meta)
    }

    fn present(s: &CookieSettings, header: &str) -> Present {
        s.read([header.as_bytes()]).present()
    }

    #[test]
    fn http_dates() {
        struct D(OffsetDateTime);
        impl fmt::Display for D {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_http_date(f, self.0)
            }
        }
        assert_eq!(
            D(at(784_111_777)).to_string(),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            D(at(1_795_698_000).to_offset(UtcOffset::from_hms(1, 0, 0).unwrap())).to_string(),
            "Thu, 26 Nov 2026 13:00:00 GMT"
        );
    }

    #[test]
    fn rendering_measures_its_length_exactly() {
        let plain = CookieSettings::default();
        let custom = CookieSettings::builder()
            .name("sid")
            .domain("example.com")
            .path("/app")
            .chunks(3)
            .build()
            .unwrap();
        for s in [&plain, &custom] {
            for persistent in [false, true] {
                let (token, meta) = sealed(s, persistent, T0);
                let before = present(s, &format!("{}.0=a; {}.1=b", s.name(), s.name()));
                let set = s.set_cookies(token, &meta, T0, before).unwrap();
                let removals = s.removal_cookies(before);
                for c in set.iter().chain(removals.iter()) {
                    let text = c.to_string();
                    assert_eq!(c.rendered_len(), text.len(), "{text}");
                    let rendered = c.render();
                    assert_eq!(rendered, text);
                    // Exactly its length, so a header value takes it over as it is.
                    assert_eq!(rendered.capacity(), rendered.len());
                }
            }
        }
    }

    #[test]
    fn browser_session_has_no_max_age() {
        let s = CookieSettings::default();
        let (token, meta) = sealed(&s, false, T0);
        let c = s
            .set_cookies(token.clone(), &meta, T0, Present::default())
            .unwrap();
        assert_eq!(c.iter().len(), 1);
        assert_eq!(
            c.iter().next().unwrap().to_string(),
            format!("__Host-session={token}; Path=/; Secure; HttpOnly; SameSite=Lax")
        );
    }

    #[test]
    fn max_age_never_outlives_the_token() {
        let s = CookieSettings::default();
        let (token, meta) = sealed(&s, true, T0);
        let c = s
            .set_cookies(token.clone(), &meta, T0, Present::default())
            .unwrap();
        let c = c.iter().next().unwrap();
        // Persistent defaults: 7 days idle, 30 days absolute; the idle deadline decides.
        assert_eq!(c.max_age(), Some(7 * 86_400));
        assert_eq!(c.expires(), Some(at(T0 as i64 + 7 * 86_400)));
        assert!(
            c.to_string()
                .contains("Expires=Thu, 08 Jan 2026 00:00:00 GMT")
        );
        // Rendered later than sealed (a slow response): the time left, never more.
        let c = s
            .set_cookies(token.clone(), &meta, T0 + 100, Present::default())
            .unwrap();
        assert_eq!(c.iter().next().unwrap().max_age(), Some(7 * 86_400 - 100));
        // Past the deadline: 0, not negative.
        let c = s
            .set_cookies(token.clone(), &meta, T0 + 8 * 86_400, Present::default())
            .unwrap();
        assert_eq!(c.iter().next().unwrap().max_age(), Some(0));
    }

    #[test]
    fn a_token_longer_than_the_cookies_carry_is_refused() {
        let s = CookieSettings::default();
        let (_, meta) = sealed(&s, false, T0);
        let big = "A".repeat(4083);
        assert_eq!(
            s.set_cookies(big.clone(), &meta, T0, Present::default()),
            Err(SealError::TooLong {
                len: 4083,
                max: 4082
            })
        );
        assert!(
            s.set_cookies(big[..4082].to_owned(), &meta, T0, Present::default())
                .is_ok()
        );
    }

    #[test]
    fn chunks_and_stale_removals() {
        let s = CookieSettings::builder().chunks(3).build().unwrap();
        let (t, meta) = sealed(&s, false, T0);
        // Grows from single to 2 chunks: the single cookie is removed.
        let big = "B".repeat(6000);
        let before = present(&s, "__Host-session=QUJD");
        let c = s.set_cookies(big.clone(), &meta, T0, before).unwrap();
        let names: Vec<_> = c.iter().map(|c| (c.name(), c.is_removal())).collect();
        assert_eq!(
            names,
            [
                ("__Host-session.0", false),
                ("__Host-session.1", false),
                ("__Host-session", true)
            ]
        );
        // Shrinks from 3 chunks to the single cookie: every chunk is removed.
        let before = present(
            &s,
            "__Host-session.0=a; __Host-session.1=b; __Host-session.2=c",
        );
        let c = s.set_cookies(t.clone(), &meta, T0, before).unwrap();
        let names: Vec<_> = c.iter().map(|c| (c.name(), c.is_removal())).collect();
        assert_eq!(
            names,
            [
                ("__Host-session", false),
                ("__Host-session.0", true),
                ("__Host-session.1", true),
                ("__Host-session.2", true)
            ]
        );
        // Too big for 3 chunks.
        assert!(matches!(
            s.set_cookies("C".repeat(13_000), &meta, T0, Present::default()),
            Err(SealError::TooLong { len: 13_000, .. })
        ));
    }

    #[test]
    fn removal_matches_the_live_cookie() {
        let s = CookieSettings::builder()
            .name("__Secure-app")
            .domain("example.com")
            .path("/app")
            .same_site(SameSite::Strict)
            .build()
            .unwrap();
        let (t, meta) = sealed(&s, false, T0);
        let live = s
            .set_cookies(t.clone(), &meta, T0, Present::default())
            .unwrap();
        let live = live.iter().next().unwrap();
        let gone = s.removal_cookies(Present::default());
        let gone = gone.iter().next().unwrap();
        assert_eq!(
            (
                live.name(),
                live.path(),
                live.domain(),
                live.secure(),
                live.same_site()
            ),
            (
                gone.name(),
                gone.path(),
                gone.domain(),
                gone.secure(),
                gone.same_site()
            )
        );
        assert_eq!(
            gone.to_string(),
            "__Secure-app=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/app; \
             Domain=example.com; Secure; HttpOnly; SameSite=Strict"
        );
    }

    #[test]
    fn cleanup_removes_only_what_came() {
        let s = CookieSettings::builder().chunks(4).build().unwrap();
        let p = present(&s, "__Host-session.1=x; __Host-session.3=y");
        let names: Vec<_> = s
            .cleanup_cookies(p)
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        assert_eq!(names, ["__Host-session.1", "__Host-session.3"]);
        assert!(s.cleanup_cookies(Present::default()).iter().len() == 0);
    }

    #[test]
    fn debug_never_shows_a_value() {
        let s = CookieSettings::default();
        let (token, meta) = sealed(&s, true, T0);
        let set = s
            .set_cookies(token.clone(), &meta, T0, Present::default())
            .unwrap();
        for shown in [
            format!("{set:?}"),
            format!("{set:#?}"),
            format!("{:?}", set.iter().next().unwrap()),
        ] {
            assert!(!shown.contains(&token), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
            assert!(shown.contains("__Host-session"), "{shown}");
        }
    }
}
