//! Set-Cookie rendering: the session cookie (or its chunks) with the settings' attributes and an
//! expiry taken from the token's own deadlines, and removal cookies that match the live cookie's
//! name, Path, Domain and flags exactly (a removal that differs in any of them removes nothing).

use core::fmt;

use time::{Month, OffsetDateTime, UtcOffset, Weekday};

use crate::cookie_layer::chunk;
use crate::cookie_layer::parse::Present;
use crate::cookie_layer::settings::{CookieSettings, SameSite};
use crate::cookie_layer::size;
use crate::error::SealError;
use crate::session::SessionMeta;
use crate::unix_time;

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
    /// The header value, rendered once when the cookie is made: `name=value; attributes`, in a
    /// buffer of exactly its length (a header value takes it over without a copy). The
    /// attributes are read back from it when asked for (they come from the settings).
    line: String,
    /// Where the name ends in `line` (the `=` follows).
    name_end: usize,
    /// Where the value ends in `line` (the attributes follow).
    value_end: usize,
    /// `None`: a browser-session cookie. `Some((max_age, expires))` otherwise, `expires` in unix
    /// seconds.
    expiry: Option<(u64, u64)>,
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.value().is_empty() {
            ""
        } else {
            "<redacted>"
        };
        f.debug_struct("SetCookie")
            .field("name", &self.name())
            .field("value", &format_args!("{value}"))
            .field("max_age", &self.max_age())
            .field("path", &self.path())
            .field("domain", &self.domain())
            .field("secure", &self.secure())
            .field("same_site", &self.same_site())
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
        self.line.get(..self.name_end).unwrap_or_default()
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
        self.line
            .get(self.name_end.saturating_add(1)..self.value_end)
            .unwrap_or_default()
    }

    /// `Max-Age` in seconds, or `None` for a browser-session cookie (gone when the browser
    /// closes). `Expires` is sent with the same instant whenever `Max-Age` is.
    pub(crate) fn max_age(&self) -> Option<u64> {
        self.expiry.map(|(age, _)| age)
    }

    /// Whether this removes the cookie.
    #[cfg(test)]
    pub(crate) fn is_removal(&self) -> bool {
        self.value().is_empty() && self.max_age() == Some(0)
    }

    /// Whether the cookie carries a value (a removal carries none).
    pub(crate) fn has_value(&self) -> bool {
        self.value_end > self.name_end.saturating_add(1)
    }

    /// The `Expires` instant, present exactly when `Max-Age` is.
    #[cfg(any(test, feature = "cookie"))]
    pub(crate) fn expires(&self) -> Option<OffsetDateTime> {
        self.expiry.map(|(_, at)| unix_time::from_secs(at))
    }

    /// The attributes after the value, one by one (`Path=/`, `Secure`, ...).
    fn attributes(&self) -> impl Iterator<Item = &str> {
        // Attribute values never hold `;` (checked when the settings are built).
        self.line
            .get(self.value_end..)
            .unwrap_or_default()
            .split("; ")
            .skip(1)
    }

    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes().find_map(|a| a.strip_prefix(key))
    }

    /// The `Path` attribute.
    pub(crate) fn path(&self) -> &str {
        self.attribute("Path=").unwrap_or_default()
    }

    /// The `Domain` attribute.
    pub(crate) fn domain(&self) -> Option<&str> {
        self.attribute("Domain=")
    }

    /// Whether the cookie is `Secure`.
    pub(crate) fn secure(&self) -> bool {
        self.attributes().any(|a| a == "Secure")
    }

    /// The `SameSite` attribute.
    pub(crate) fn same_site(&self) -> SameSite {
        match self.attribute("SameSite=") {
            Some("Strict") => SameSite::Strict,
            Some("None") => SameSite::None,
            _ => SameSite::Lax,
        }
    }

    /// The `Set-Cookie` header value (the [`Display`](fmt::Display) form).
    #[cfg(any(feature = "http", test))]
    pub(crate) fn as_line(&self) -> &str {
        &self.line
    }

    /// The `Set-Cookie` header value, taken over: its buffer is exactly its length.
    #[cfg(any(feature = "http", feature = "actix-web", test))]
    pub(crate) fn into_line(self) -> String {
        self.line
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// The attributes after `name=value`, piece by piece (direct `write_str` calls, not the
/// formatting machinery, which was most of the cost of a `Set-Cookie` header).
fn write_attributes(w: &mut String, expiry: Option<(u64, u64)>, settings: &CookieSettings) {
    if let Some((max_age, expires)) = expiry {
        w.push_str("; Max-Age=");
        // Writing to a `String` cannot fail.
        let _ = write_decimal(w, max_age, 1);
        w.push_str("; Expires=");
        let _ = write_http_date(w, unix_time::from_secs(expires));
    }
    w.push_str("; Path=");
    w.push_str(settings.path());
    if let Some(domain) = settings.domain() {
        w.push_str("; Domain=");
        w.push_str(domain);
    }
    if settings.secure() {
        w.push_str("; Secure");
    }
    w.push_str("; HttpOnly; SameSite=");
    w.push_str(settings.same_site().as_str());
}

/// Length of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) with a four-digit year.
const HTTP_DATE_LEN: usize = 29;

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
#[derive(Clone, Default)]
pub struct SetCookies(Cookies);

/// The usual response carries one cookie or none: those need no `Vec`.
#[derive(Clone, Default)]
enum Cookies {
    #[default]
    None,
    One(SetCookie),
    Many(Vec<SetCookie>),
}

impl SetCookies {
    /// The cookies, in the order to send them.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// assert_eq!(SetCookies::default().iter().len(), 0);
    /// ```
    pub fn iter(&self) -> core::slice::Iter<'_, SetCookie> {
        self.as_slice().iter()
    }

    fn as_slice(&self) -> &[SetCookie] {
        match &self.0 {
            Cookies::None => &[],
            Cookies::One(cookie) => core::slice::from_ref(cookie),
            Cookies::Many(cookies) => cookies,
        }
    }

    fn push(&mut self, cookie: SetCookie) {
        self.0 = match core::mem::take(&mut self.0) {
            Cookies::None => Cookies::One(cookie),
            Cookies::One(first) => Cookies::Many(vec![first, cookie]),
            Cookies::Many(mut cookies) => {
                cookies.push(cookie);
                Cookies::Many(cookies)
            }
        };
    }
}

impl PartialEq for SetCookies {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SetCookies {}

impl fmt::Debug for SetCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SetCookies").field(&self.as_slice()).finish()
    }
}

/// The owned iterator over [`SetCookies`], in the order to send them.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// # let settings = CookieSettings::default();
/// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
/// let set = cookies.remove(&cookies.settings().read([]));
/// let mut iter: SetCookiesIntoIter = set.into_iter();
/// assert_eq!(iter.len(), 1);
/// assert_eq!(iter.next().map(|c| c.value().len()), Some(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SetCookiesIntoIter(IntoIterInner);

#[derive(Debug)]
enum IntoIterInner {
    One(core::option::IntoIter<SetCookie>),
    Many(std::vec::IntoIter<SetCookie>),
}

impl Iterator for SetCookiesIntoIter {
    type Item = SetCookie;
    fn next(&mut self) -> Option<SetCookie> {
        match &mut self.0 {
            IntoIterInner::One(one) => one.next(),
            IntoIterInner::Many(many) => many.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IntoIterInner::One(one) => one.size_hint(),
            IntoIterInner::Many(many) => many.size_hint(),
        }
    }
}

impl ExactSizeIterator for SetCookiesIntoIter {}

impl core::iter::FusedIterator for SetCookiesIntoIter {}

impl IntoIterator for SetCookies {
    type Item = SetCookie;
    type IntoIter = SetCookiesIntoIter;
    fn into_iter(self) -> Self::IntoIter {
        SetCookiesIntoIter(match self.0 {
            Cookies::None => IntoIterInner::One(None.into_iter()),
            Cookies::One(cookie) => IntoIterInner::One(Some(cookie).into_iter()),
            Cookies::Many(cookies) => IntoIterInner::Many(cookies.into_iter()),
        })
    }
}

impl<'a> IntoIterator for &'a SetCookies {
    type Item = &'a SetCookie;
    type IntoIter = core::slice::Iter<'a, SetCookie>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl CookieSettings {
    /// The `Set-Cookie` headers that store the token in `line` (which holds `name=` and then the
    /// token; its metadata is `meta`), plus removal cookies for whatever the request carried that
    /// is now stale (chunks left over when a session shrinks, the single cookie when it grows into
    /// chunks).
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
        line: String,
        meta: &SessionMeta,
        now: u64,
        present: Present,
    ) -> Result<SetCookies, SealError> {
        let base_len = self.name().len();
        let token_start = base_len.saturating_add(1);
        let token = line.get(token_start..).unwrap_or_default();
        let too_long = SealError::TooLong {
            len: token.len(),
            max: self.max_token_len(),
        };
        let expiry = expiry(meta, now);
        if size::fits(base_len, token.len()) {
            // The token's own buffer becomes the header: the sealer left room for the attributes.
            let mut out = SetCookies(Cookies::One(self.finish_cookie(line, base_len, expiry)));
            self.push_chunk_removals(&mut out, present, 0);
            Ok(out)
        } else {
            let mut out = SetCookies::default();
            let values = chunk::split(token, base_len, self.max_chunks()).ok_or(too_long)?;
            let count = values.len();
            for (index, value) in values.into_iter().enumerate() {
                let name = chunk::chunk_name(self.name(), index);
                out.push(self.cookie(&name, &value, expiry));
            }
            if present.single() {
                out.push(self.removal(self.name()));
            }
            self.push_chunk_removals(&mut out, present, count);
            Ok(out)
        }
    }

    /// Removal cookies (logout): the single cookie always, and every chunk the request carried.
    /// Each carries exactly the live cookie's name, Path, Domain, Secure, HttpOnly and SameSite.
    pub(crate) fn removal_cookies(&self, present: Present) -> SetCookies {
        let mut out = SetCookies(Cookies::One(self.removal(self.name())));
        self.push_chunk_removals(&mut out, present, 0);
        out
    }

    /// Removal cookies for exactly what the request carried, without setting anything: for a
    /// request whose cookie did not open (tampered, expired), so the browser stops sending it.
    #[cfg(any(test, feature = "tower", feature = "actix-web"))]
    pub(crate) fn cleanup_cookies(&self, present: Present) -> SetCookies {
        let mut out = SetCookies::default();
        if present.single() {
            out.push(self.removal(self.name()));
        }
        self.push_chunk_removals(&mut out, present, 0);
        out
    }

    /// Removals for the chunks at `from` and above that the request carried.
    fn push_chunk_removals(&self, out: &mut SetCookies, present: Present, from: usize) {
        if !present.any_chunk() {
            return;
        }
        for index in from..usize::from(chunk::MAX_CHUNKS) {
            if present.chunk(index) {
                out.push(self.removal(&chunk::chunk_name(self.name(), index)));
            }
        }
    }

    /// The length of the attributes a cookie with this expiry carries after its value: the room
    /// the sealer leaves after the token, so the rendered header needs no second buffer.
    pub(crate) fn attributes_len(&self, expiry: Option<(u64, u64)>) -> usize {
        // Constant pieces, each a few bytes: their sum cannot overflow.
        const PATH: usize = "; Path=".len();
        const TAIL: usize = "; HttpOnly; SameSite=".len();
        const DOMAIN: usize = "; Domain=".len();
        const SECURE: usize = "; Secure".len();
        const DATES: usize = "; Max-Age=".len() + "; Expires=".len() + HTTP_DATE_LEN;
        let mut len = (PATH + TAIL)
            .saturating_add(self.path().len())
            .saturating_add(self.same_site().as_str().len());
        if let Some(domain) = self.domain() {
            len = len.saturating_add(DOMAIN).saturating_add(domain.len());
        }
        if self.secure() {
            len = len.saturating_add(SECURE);
        }
        if let Some((max_age, _)) = expiry {
            len = len
                .saturating_add(DATES)
                .saturating_add(size::decimal_len(max_age));
        }
        len
    }

    /// The room to leave after a token sealed with this metadata at `now` (see
    /// [`CookieSettings::attributes_len`]).
    pub(crate) fn room_after_token(&self, meta: &SessionMeta, now: u64) -> usize {
        self.attributes_len(expiry(meta, now))
    }

    /// A cookie `name=value` with these settings' attributes, in one buffer of its exact length.
    fn cookie(&self, name: &str, value: &str, expiry: Option<(u64, u64)>) -> SetCookie {
        let mut line = String::with_capacity(
            name.len()
                .saturating_add(1)
                .saturating_add(value.len())
                .saturating_add(self.attributes_len(expiry)),
        );
        line.push_str(name);
        line.push('=');
        line.push_str(value);
        self.finish_cookie(line, name.len(), expiry)
    }

    /// Appends the attributes to `line` (`name=value`, the name `name_end` bytes long).
    fn finish_cookie(
        &self,
        mut line: String,
        name_end: usize,
        expiry: Option<(u64, u64)>,
    ) -> SetCookie {
        let value_end = line.len();
        write_attributes(&mut line, expiry, self);
        SetCookie {
            line,
            name_end,
            value_end,
            expiry,
        }
    }

    fn removal(&self, name: &str) -> SetCookie {
        self.cookie(name, "", Some((0, 0)))
    }
}

/// `Max-Age` and `Expires` (unix seconds) for a persistent session: up to the earlier deadline,
/// never negative. `None` for a browser-session session.
fn expiry(meta: &SessionMeta, now: u64) -> Option<(u64, u64)> {
    if !meta.is_persistent() {
        return None;
    }
    let deadline = meta.idle_deadline_secs.min(meta.absolute_deadline_secs);
    Some((deadline.saturating_sub(now), deadline))
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
        let (token, meta, sealed_at) = sealer
            .seal_with_meta(&1u8, Lineage::New(&options), &[], |_, _| 0)
            .unwrap();
        assert_eq!(sealed_at, now);
        (token, meta)
    }

    /// What the cookie layer hands `set_cookies`: `name=` and the token.
    fn line(s: &CookieSettings, token: &str) -> String {
        format!("{}={token}", s.name())
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
    fn every_header_is_rendered_into_a_buffer_of_its_exact_length() {
        let plain = CookieSettings::default();
        let custom = CookieSettings::builder()
            .name("sid")
            .domain("example.com")
            .path("/app")
            .chunks(3)
            .build()
            .unwrap();
        for s in [&plain, &custom] {
            let config = s.config_builder().build().unwrap();
            let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config)
                .with_clock(ManualClock::at(at(T0 as i64)));
            let cookies = crate::SessionCookie::new(sealer, s.clone()).unwrap();
            let before = s.read([format!("{}.0=a; {}.1=b", s.name(), s.name()).as_bytes()]);
            for persistent in [false, true] {
                let options = SessionOptions::default().persistent(persistent);
                // One cookie (sealed into the header's own buffer), chunks where they are allowed.
                let small = cookies.seal(&before, &1u8, &options).unwrap();
                let big = cookies.seal(&before, &"x".repeat(5000), &options);
                let removals = s.removal_cookies(before.present());
                let all = small
                    .into_iter()
                    .chain(big.into_iter().flatten())
                    .chain(removals);
                for c in all {
                    let text = c.to_string();
                    let line = c.into_line();
                    assert_eq!(line, text);
                    // Exactly its length, so a header value takes it over as it is.
                    assert_eq!(line.capacity(), line.len(), "{text}");
                }
            }
        }
    }

    #[test]
    fn browser_session_has_no_max_age() {
        let s = CookieSettings::default();
        let (token, meta) = sealed(&s, false, T0);
        let c = s
            .set_cookies(line(&s, &token), &meta, T0, Present::default())
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
            .set_cookies(line(&s, &token), &meta, T0, Present::default())
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
            .set_cookies(line(&s, &token), &meta, T0 + 100, Present::default())
            .unwrap();
        assert_eq!(c.iter().next().unwrap().max_age(), Some(7 * 86_400 - 100));
        // Past the deadline: 0, not negative.
        let c = s
            .set_cookies(line(&s, &token), &meta, T0 + 8 * 86_400, Present::default())
            .unwrap();
        assert_eq!(c.iter().next().unwrap().max_age(), Some(0));
    }

    #[test]
    fn a_token_longer_than_the_cookies_carry_is_refused() {
        let s = CookieSettings::default();
        let (_, meta) = sealed(&s, false, T0);
        let big = "A".repeat(4083);
        assert_eq!(
            s.set_cookies(line(&s, &big), &meta, T0, Present::default()),
            Err(SealError::TooLong {
                len: 4083,
                max: 4082
            })
        );
        assert!(
            s.set_cookies(line(&s, &big[..4082]), &meta, T0, Present::default())
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
        let c = s.set_cookies(line(&s, &big), &meta, T0, before).unwrap();
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
        let c = s.set_cookies(line(&s, &t), &meta, T0, before).unwrap();
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
            s.set_cookies(line(&s, &"C".repeat(13_000)), &meta, T0, Present::default()),
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
            .set_cookies(line(&s, &t), &meta, T0, Present::default())
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
            .set_cookies(line(&s, &token), &meta, T0, Present::default())
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
