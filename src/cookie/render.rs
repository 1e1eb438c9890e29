//! Set-Cookie rendering: the session cookie (or its chunks) with the settings' attributes and an
//! expiry taken from the token's own deadlines, and removal cookies that match the live cookie's
//! name, Path, Domain and flags exactly (a removal that differs in any of them removes nothing).

use core::fmt;

use time::{Month, OffsetDateTime, UtcOffset, Weekday};

use crate::cookie::chunk;
use crate::cookie::error::CookieError;
use crate::cookie::parse::{Present, is_base64url};
use crate::cookie::settings::{CookieSettings, SameSite};
use crate::cookie::size;
use crate::session::SessionMeta;

/// One `Set-Cookie` header: a cookie to set or to remove. Its [`Display`](fmt::Display) form is
/// the header value.
///
/// # Example
/// ```
/// use sealed_session::{CookieSettings, Present};
/// let removal = CookieSettings::default().removal_cookies(Present::none());
/// assert_eq!(
///     removal.iter().next().unwrap().to_string(),
///     "__Host-session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: String,
    /// `None`: a browser-session cookie. `Some((max_age, expires))` otherwise.
    expiry: Option<(u64, OffsetDateTime)>,
    path: String,
    domain: Option<String>,
    secure: bool,
    same_site: SameSite,
}

impl SetCookie {
    /// The cookie name.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert_eq!(c.iter().next().unwrap().name(), "__Host-session");
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
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert_eq!(c.iter().next().unwrap().value(), "");
    /// ```
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `Max-Age` in seconds, or `None` for a browser-session cookie (gone when the browser closes).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert_eq!(c.iter().next().unwrap().max_age(), Some(0));
    /// ```
    #[must_use]
    pub fn max_age(&self) -> Option<u64> {
        self.expiry.map(|(age, _)| age)
    }

    /// The `Expires` instant, present exactly when `Max-Age` is.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert_eq!(c.iter().next().unwrap().expires(), Some(time::OffsetDateTime::UNIX_EPOCH));
    /// ```
    #[must_use]
    pub fn expires(&self) -> Option<OffsetDateTime> {
        self.expiry.map(|(_, at)| at)
    }

    /// Whether this removes the cookie.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert!(c.iter().all(|c| c.is_removal()));
    /// ```
    #[must_use]
    pub fn is_removal(&self) -> bool {
        self.value.is_empty() && self.max_age() == Some(0)
    }

    /// The `Path` attribute.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert_eq!(c.iter().next().unwrap().path(), "/");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `Domain` attribute.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert_eq!(c.iter().next().unwrap().domain(), None);
    /// ```
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// Whether the cookie is `Secure`.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert!(c.iter().next().unwrap().secure());
    /// ```
    #[must_use]
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Whether the cookie is `HttpOnly` (always).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert!(c.iter().next().unwrap().http_only());
    /// ```
    #[must_use]
    pub fn http_only(&self) -> bool {
        true
    }

    /// The `SameSite` attribute.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let c = CookieSettings::default().removal_cookies(Present::none());
    /// assert_eq!(c.iter().next().unwrap().same_site(), SameSite::Lax);
    /// ```
    #[must_use]
    pub fn same_site(&self) -> SameSite {
        self.same_site
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        if let Some((max_age, expires)) = self.expiry {
            write!(f, "; Max-Age={max_age}; Expires=")?;
            write_http_date(f, expires)?;
        }
        write!(f, "; Path={}", self.path)?;
        if let Some(domain) = &self.domain {
            write!(f, "; Domain={domain}")?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        write!(f, "; HttpOnly; SameSite={}", self.same_site)
    }
}

/// The `Set-Cookie` headers one response must carry, in order: append every one (several
/// `Set-Cookie` headers are normal; replacing one with the next loses cookies).
///
/// # Example
/// ```
/// use sealed_session::{CookieSettings, Present};
/// let headers: Vec<String> = CookieSettings::default()
///     .removal_cookies(Present::unknown())
///     .iter()
///     .map(ToString::to_string)
///     .collect();
/// assert_eq!(headers.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetCookies(Vec<SetCookie>);

impl SetCookies {
    /// The cookies, in the order to send them.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// assert_eq!(CookieSettings::default().removal_cookies(Present::none()).iter().count(), 1);
    /// ```
    pub fn iter(&self) -> core::slice::Iter<'_, SetCookie> {
        self.0.iter()
    }

    /// How many headers.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// assert_eq!(SetCookies::default().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is nothing to send.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::SetCookies::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends the cookies of `other` after these.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let mut a = CookieSettings::default().removal_cookies(Present::none());
    /// a.extend(CookieSettings::default().removal_cookies(Present::none()));
    /// assert_eq!(a.len(), 2);
    /// ```
    pub fn extend(&mut self, other: SetCookies) {
        self.0.extend(other.0);
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
    /// The `Set-Cookie` headers that store `token` (whose opened metadata is `meta`), plus removal
    /// cookies for whatever the request carried that is now stale (`present`, from
    /// [`CookieSettings::read`]; chunks left over when a session shrinks, the single cookie when
    /// it grows into chunks).
    ///
    /// A persistent session gets `Max-Age` and `Expires` from the token's own deadline (the
    /// earlier of its idle and absolute deadlines, never later); any other session gets a
    /// browser-session cookie (no `Max-Age`: gone when the browser closes, while the token still
    /// enforces its own expiry).
    ///
    /// # Errors
    /// [`CookieError::TooLarge`] if the token does not fit one cookie and chunking is off,
    /// [`CookieError::TooManyChunks`] if it needs more chunks than allowed,
    /// [`CookieError::InvalidValue`] if it is not base64url. Nothing is emitted then.
    ///
    /// # Example
    /// ```
    /// use sealed_session::*;
    /// let settings = CookieSettings::default();
    /// let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?)
    ///     .with_clock(ManualClock::at(now));
    /// let token = sealer.seal(&42u32, &SessionOptions::default().persistent(true))?;
    /// let meta = sealer.open::<u32>(&token)?.meta;
    /// let cookies = settings.set_cookies(&token, &meta, now, Present::none())?;
    /// let header = cookies.iter().next().unwrap().to_string();
    /// assert!(header.starts_with(&format!("__Host-session={token}; Max-Age=604800; Expires=")));
    /// assert!(header.ends_with("; Path=/; Secure; HttpOnly; SameSite=Lax"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_cookies(
        &self,
        token: &str,
        meta: &SessionMeta,
        now: OffsetDateTime,
        present: Present,
    ) -> Result<SetCookies, CookieError> {
        if token.is_empty() || !token.bytes().all(is_base64url) {
            return Err(CookieError::InvalidValue);
        }
        size::check_attribute("Path", self.path())?;
        if let Some(domain) = self.domain() {
            size::check_attribute("Domain", domain)?;
        }
        let expiry = expiry(meta, now);
        let base_len = self.name().len();
        let needed = size::cookies_needed(base_len, token.len());
        let mut out = Vec::new();
        if needed == 1 {
            size::check_name_value(base_len, token.len())?;
            out.push(self.cookie(self.name().to_owned(), token.to_owned(), expiry));
            self.push_chunk_removals(&mut out, present, 0);
        } else {
            if self.max_chunks() <= 1 {
                return Err(CookieError::TooLarge {
                    name_len: base_len,
                    value_len: token.len(),
                    limit: size::MAX_NAME_VALUE_LEN,
                });
            }
            if needed > usize::from(self.max_chunks()) {
                return Err(CookieError::TooManyChunks {
                    token_len: token.len(),
                    needed,
                    max: self.max_chunks(),
                });
            }
            let values =
                chunk::split(token, base_len, needed).ok_or(CookieError::TooManyChunks {
                    token_len: token.len(),
                    needed,
                    max: self.max_chunks(),
                })?;
            for (index, value) in values.into_iter().enumerate() {
                let name = format!("{}.{index}", self.name());
                size::check_name_value(name.len(), value.len())?;
                out.push(self.cookie(name, value, expiry));
            }
            if present.single() || present.is_unknown() {
                out.push(self.removal(self.name().to_owned()));
            }
            self.push_chunk_removals(&mut out, present, needed);
        }
        Ok(SetCookies(out))
    }

    /// Removal cookies (logout): the single cookie always, and every chunk the request carried
    /// (or, for [`Present::unknown`], every chunk the settings allow). Each carries exactly the
    /// live cookie's name, Path, Domain, Secure, HttpOnly and SameSite.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, Present};
    /// let s = CookieSettings::builder().chunks(3).build()?;
    /// let read = s.read([b"__Host-session.0=x; __Host-session.1=y".as_slice()]);
    /// let names: Vec<_> = s.removal_cookies(read.present).iter().map(|c| c.name().to_owned()).collect();
    /// assert_eq!(names, ["__Host-session", "__Host-session.0", "__Host-session.1"]);
    /// # Ok::<(), sealed_session::CookieSettingsError>(())
    /// ```
    #[must_use]
    pub fn removal_cookies(&self, present: Present) -> SetCookies {
        let mut out = vec![self.removal(self.name().to_owned())];
        self.push_chunk_removals(&mut out, present, 0);
        SetCookies(out)
    }

    /// Removal cookies for whatever the request carried, without setting anything: for a request
    /// whose cookie did not open (tampered, expired), so the browser stops sending it.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, Present};
    /// let s = CookieSettings::default();
    /// assert!(s.cleanup_cookies(Present::none()).is_empty());
    /// let read = s.read([b"__Host-session=bad".as_slice()]);
    /// assert_eq!(s.cleanup_cookies(read.present).len(), 1);
    /// ```
    #[must_use]
    pub fn cleanup_cookies(&self, present: Present) -> SetCookies {
        let mut out = Vec::new();
        if present.single() || present.is_unknown() {
            out.push(self.removal(self.name().to_owned()));
        }
        self.push_chunk_removals(&mut out, present, 0);
        SetCookies(out)
    }

    fn chunk_may_exist(&self, present: Present, index: usize) -> bool {
        let configured = self.max_chunks() > 1 && index < usize::from(self.max_chunks());
        present.chunk(index) || (present.is_unknown() && configured)
    }

    /// Removals for the chunks at `from` and above that may exist.
    fn push_chunk_removals(&self, out: &mut Vec<SetCookie>, present: Present, from: usize) {
        for index in from..usize::from(size::MAX_CHUNKS) {
            if self.chunk_may_exist(present, index) {
                out.push(self.removal(format!("{}.{index}", self.name())));
            }
        }
    }

    fn cookie(
        &self,
        name: String,
        value: String,
        expiry: Option<(u64, OffsetDateTime)>,
    ) -> SetCookie {
        SetCookie {
            name,
            value,
            expiry,
            path: self.path().to_owned(),
            domain: self.domain().map(str::to_owned),
            secure: self.secure(),
            same_site: self.same_site(),
        }
    }

    fn removal(&self, name: String) -> SetCookie {
        self.cookie(name, String::new(), Some((0, OffsetDateTime::UNIX_EPOCH)))
    }
}

/// `Max-Age` and `Expires` for a persistent session: up to the earlier deadline, rounded down
/// to whole seconds, never negative. `None` for a browser-session session.
fn expiry(meta: &SessionMeta, now: OffsetDateTime) -> Option<(u64, OffsetDateTime)> {
    if !meta.persistent {
        return None;
    }
    let deadline = meta.idle_deadline().min(meta.absolute_deadline());
    let left = deadline
        .unix_timestamp()
        .checked_sub(now.unix_timestamp())
        .and_then(|secs| {
            // `now` past a whole second leaves less than `secs` whole seconds.
            if now.nanosecond() > 0 {
                secs.checked_sub(1)
            } else {
                Some(secs)
            }
        })
        .and_then(|secs| u64::try_from(secs).ok())
        .unwrap_or(0);
    Some((left, deadline))
}

/// RFC 9110 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
fn write_http_date(f: &mut fmt::Formatter<'_>, at: OffsetDateTime) -> fmt::Result {
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
    write!(
        f,
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        at.day(),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::{Config, Keyring, MasterKey, Sealer, SessionOptions};

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    /// 2027-01-15T08:00:00Z.
    const T0: i64 = 1_800_000_000;

    fn sealer(settings: &CookieSettings) -> Sealer {
        sealer_on(settings, ManualClock::at(at(T0)))
    }

    fn sealer_on(settings: &CookieSettings, clock: ManualClock) -> Sealer {
        let config: Config = settings.config_builder().build().unwrap();
        Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config).with_clock(clock)
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
    fn browser_session_has_no_max_age() {
        let s = CookieSettings::default();
        let sealer = sealer(&s);
        let now = at(T0);
        let token = sealer.seal(&1u8, &SessionOptions::default()).unwrap();
        let meta = sealer.open::<u8>(&token).unwrap().meta;
        let c = s.set_cookies(&token, &meta, now, Present::none()).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.iter().next().unwrap().to_string(),
            format!("__Host-session={token}; Path=/; Secure; HttpOnly; SameSite=Lax")
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn max_age_never_outlives_the_token() {
        let s = CookieSettings::default();
        let t0 = at(1_767_225_600); // 2026-01-01 00:00:00 UTC
        let clock = ManualClock::at(t0);
        let sealer = sealer_on(&s, clock.clone());
        let token = sealer
            .seal(&1u8, &SessionOptions::default().persistent(true))
            .unwrap();
        let opened = sealer.open::<u8>(&token).unwrap();
        // Late in the absolute lifetime: the absolute deadline, not the idle one, decides.
        let late = t0 + time::Duration::days(29) + time::Duration::milliseconds(500);
        clock.set(late);
        let renewed = sealer.renew(&1u8, &opened.meta).unwrap();
        let meta = sealer.open::<u8>(&renewed).unwrap().meta;
        let c = s
            .set_cookies(&renewed, &meta, late, Present::none())
            .unwrap();
        let c = c.iter().next().unwrap();
        assert_eq!(c.expires(), Some(t0 + time::Duration::days(30)));
        // 1 day minus half a second left: rounded down.
        assert_eq!(c.max_age(), Some(86_399));
        assert!(
            c.to_string()
                .contains("Expires=Sat, 31 Jan 2026 00:00:00 GMT")
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn oversized_without_chunking_is_refused() {
        let s = CookieSettings::default();
        let meta_sealer = sealer(&s);
        let now = at(T0);
        let t = meta_sealer.seal(&1u8, &SessionOptions::default()).unwrap();
        let meta = meta_sealer.open::<u8>(&t).unwrap().meta;
        let big = "A".repeat(4083);
        assert_eq!(
            s.set_cookies(&big, &meta, now, Present::none()),
            Err(CookieError::TooLarge {
                name_len: 14,
                value_len: 4083,
                limit: 4096
            })
        );
        assert!(
            s.set_cookies(&big[..4082], &meta, now, Present::none())
                .is_ok()
        );
        assert_eq!(
            s.set_cookies("a.b", &meta, now, Present::none()),
            Err(CookieError::InvalidValue)
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn chunks_and_stale_removals() {
        let s = CookieSettings::builder().chunks(3).build().unwrap();
        let sealer = sealer(&s);
        let now = at(T0);
        let t = sealer.seal(&1u8, &SessionOptions::default()).unwrap();
        let meta = sealer.open::<u8>(&t).unwrap().meta;
        // Grows from single to 2 chunks: the single cookie is removed.
        let big = "B".repeat(6000);
        let before = s.read([b"__Host-session=QUJD".as_slice()]).present;
        let c = s.set_cookies(&big, &meta, now, before).unwrap();
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
        let before = s
            .read([b"__Host-session.0=a; __Host-session.1=b; __Host-session.2=c".as_slice()])
            .present;
        let c = s.set_cookies(&t, &meta, now, before).unwrap();
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
            s.set_cookies(&"C".repeat(13_000), &meta, now, Present::none()),
            Err(CookieError::TooManyChunks {
                needed: 4,
                max: 3,
                ..
            })
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
        let sealer = sealer(&s);
        let now = at(T0);
        let t = sealer.seal(&1u8, &SessionOptions::default()).unwrap();
        let meta = sealer.open::<u8>(&t).unwrap().meta;
        let live = s.set_cookies(&t, &meta, now, Present::none()).unwrap();
        let live = live.iter().next().unwrap();
        let gone = s.removal_cookies(Present::none());
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
        let p = s
            .read([b"__Host-session.1=x; __Host-session.3=y".as_slice()])
            .present;
        let names: Vec<_> = s
            .cleanup_cookies(p)
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        assert_eq!(names, ["__Host-session.1", "__Host-session.3"]);
        assert_eq!(s.cleanup_cookies(Present::unknown()).len(), 5);
    }
}
