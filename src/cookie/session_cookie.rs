//! A sealer and cookie settings together: open the session a request carries, write the cookies
//! for a new, saved, renewed or reissued session, remove it. Framework adapters are thin layers
//! over this.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Sealer;
use crate::cookie::error::{LoadError, WriteError};
use crate::cookie::parse::{Present, ReadCookies};
use crate::cookie::render::SetCookies;
use crate::cookie::settings::CookieSettings;
use crate::lifecycle::Lineage;
use crate::session::{Opened, SessionMeta, SessionOptions};

/// A [`Sealer`] and the [`CookieSettings`] its tokens travel in. Cheap to clone.
///
/// Every write (issue, save, renew, reissue) reads the new token's deadlines back by opening it
/// once, so the cookie's `Max-Age` comes from the token itself and can never outlive it; a
/// revocation hook is consulted for that open too.
///
/// # Example
/// ```
/// use sealed_session::*;
/// let settings = CookieSettings::default();
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
/// let cookies = SessionCookie::new(sealer, settings);
///
/// // Login: a fresh session, its Set-Cookie headers.
/// let set = cookies.issue(&"alice", &SessionOptions::default(), Present::none())?;
/// let header = set.iter().next().unwrap().to_string();
///
/// // The next request sends the cookie back.
/// let pair = header.split(';').next().unwrap();
/// let loaded = cookies.load::<String>([pair.as_bytes()]);
/// assert_eq!(loaded.session.as_ref().map(|s| s.session.as_str()), Some("alice"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionCookie {
    sealer: Sealer,
    settings: Arc<CookieSettings>,
}

/// What a request's cookies gave: the opened session, or why there is none, and which of our
/// cookies came (for the response's cookies).
///
/// # Example
/// ```
/// # use sealed_session::*;
/// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()), CookieSettings::default());
/// let loaded = cookies.load::<u32>([b"__Host-session=garbage".as_slice()]);
/// assert!(loaded.session.is_none());
/// assert_eq!(loaded.error, Some(LoadError::Open(OpenError::Malformed)));
/// assert!(loaded.present.single());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Loaded<T> {
    /// The session, if the request carried one that opened.
    pub session: Option<Opened<T>>,
    /// Why a session cookie that came gave no session (`None` if none came, or it opened).
    pub error: Option<LoadError>,
    /// Which of our cookies came.
    pub present: Present,
}

impl SessionCookie {
    /// Pairs a sealer with cookie settings. Build the sealer's config with
    /// [`CookieSettings::config_builder`], so its purpose is the cookie name and its maximum
    /// token length what the cookies can carry.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let settings = CookieSettings::default();
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
    /// let cookies = SessionCookie::new(sealer, settings);
    /// assert_eq!(cookies.settings().name(), cookies.sealer().config().purpose());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(sealer: Sealer, settings: CookieSettings) -> Self {
        Self {
            sealer,
            settings: Arc::new(settings),
        }
    }

    /// The sealer.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()), CookieSettings::default());
    /// assert!(cookies.sealer().open::<u8>(&cookies.sealer().seal(&1u8, &SessionOptions::default())?).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// The cookie settings.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()), CookieSettings::default());
    /// assert_eq!(cookies.settings().name(), "__Host-session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn settings(&self) -> &CookieSettings {
        &self.settings
    }

    /// The largest session payload (postcard bytes) that fits the cookies with these options.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let settings = CookieSettings::default();
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
    /// let cookies = SessionCookie::new(sealer, settings);
    /// assert!(cookies.max_payload_len(&SessionOptions::default()) > 3000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_payload_len(&self, options: &SessionOptions) -> usize {
        self.settings.max_payload_len(&self.sealer, options)
    }

    /// Opens the session carried by a request's `Cookie` header values, now.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()), CookieSettings::default());
    /// let loaded = cookies.load::<u8>([b"theme=dark".as_slice()]);
    /// assert!(loaded.session.is_none() && loaded.error.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load<'a, T: DeserializeOwned>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a [u8]>,
    ) -> Loaded<T> {
        self.load_read(self.settings.read(cookie_headers))
    }

    /// Opens the token of an already read request, now.
    pub(crate) fn load_read<T: DeserializeOwned>(&self, read: ReadCookies) -> Loaded<T> {
        let (session, error) = match read.token {
            Ok(None) => (None, None),
            Ok(Some(token)) => match self.sealer.open::<T>(&token) {
                Ok(opened) => (Some(opened), None),
                Err(e) => (None, Some(LoadError::Open(e))),
            },
            Err(e) => (None, Some(LoadError::Cookie(e))),
        };
        Loaded {
            session,
            error,
            present: read.present,
        }
    }

    /// Seals `value` as a new session (login) and renders its cookies, removing stale ones the
    /// request carried. A new session has a new start and, where enabled, a new session id:
    /// whatever session the client had before does not carry over (fixation defence).
    ///
    /// # Errors
    /// [`WriteError::Seal`] (notably [`SealError::TooLong`](crate::SealError::TooLong) for a
    /// session larger than the cookies can carry), [`WriteError::Cookie`].
    /// Nothing is emitted then.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), CookieSettings::default().config_builder().build()?), CookieSettings::default());
    /// let set = cookies.issue(&vec![0u8; 2000], &SessionOptions::default(), Present::none())?;
    /// assert_eq!(set.len(), 1);
    /// let too_big = cookies.issue(&vec![0u8; 4000], &SessionOptions::default(), Present::none());
    /// assert!(matches!(too_big, Err(WriteError::Seal(SealError::TooLong { .. }))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue<T: Serialize + ?Sized>(
        &self,
        value: &T,
        options: &SessionOptions,
        present: Present,
    ) -> Result<SetCookies, WriteError> {
        let sealed = self.sealer.seal_with_meta(value, Lineage::New(options))?;
        self.render(sealed, present)
    }

    /// Seals a changed value of an open session (same session start, deadlines and id; a new
    /// idle deadline) and renders its cookies. Call it when the value changed; for an unchanged
    /// value, renew only when [`SessionMeta::renewal_due`] says so.
    ///
    /// # Errors
    /// As [`SessionCookie::issue`], and [`SealError::Expired`](crate::SealError::Expired) past the
    /// absolute deadline.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()), CookieSettings::default());
    /// # let set = cookies.issue(&1u32, &SessionOptions::default(), Present::none())?;
    /// # let header = format!("__Host-session={}", set.iter().next().unwrap().value());
    /// let loaded = cookies.load::<u32>([header.as_bytes()]);
    /// let opened = loaded.session.unwrap();
    /// let set = cookies.save(&(opened.session + 1), &opened.meta, loaded.present)?;
    /// assert_eq!(set.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save<T: Serialize + ?Sized>(
        &self,
        value: &T,
        meta: &SessionMeta,
        present: Present,
    ) -> Result<SetCookies, WriteError> {
        let sealed = self.sealer.seal_with_meta(value, Lineage::Renew(meta))?;
        self.render(sealed, present)
    }

    /// Renews an open session only if its metadata says so ([`SessionMeta::renewal_due`]:
    /// half the idle window used, or an old key or epoch); otherwise returns no cookies. Call it
    /// on every request that had a session and did not change it.
    ///
    /// # Errors
    /// As [`SessionCookie::save`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(clock.clone());
    /// let cookies = SessionCookie::new(sealer, CookieSettings::default());
    /// let token = cookies.sealer().seal(&1u8, &SessionOptions::default())?;
    /// let opened = cookies.sealer().open::<u8>(&token)?;
    /// assert!(cookies.renew_if_due(&1u8, &opened.meta, Present::none())?.is_empty());
    /// clock.advance(time::Duration::minutes(90));
    /// let meta = cookies.sealer().open::<u8>(&token)?.meta;
    /// assert_eq!(cookies.renew_if_due(&1u8, &meta, Present::none())?.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renew_if_due<T: Serialize + ?Sized>(
        &self,
        value: &T,
        meta: &SessionMeta,
        present: Present,
    ) -> Result<SetCookies, WriteError> {
        if meta.renewal_due() {
            self.save(value, meta, present)
        } else {
            Ok(SetCookies::default())
        }
    }

    /// Starts a fresh session from an open one after a privilege change: new session start and
    /// id (fixation defence), same profile and generation; renders its cookies.
    ///
    /// # Errors
    /// As [`SessionCookie::issue`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()), CookieSettings::default());
    /// let opened = cookies.sealer().open::<String>(&cookies.sealer().seal("user", &SessionOptions::default())?)?;
    /// let set = cookies.reissue(&"admin", &opened.meta, Present::none())?;
    /// assert_eq!(set.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reissue<T: Serialize + ?Sized>(
        &self,
        value: &T,
        meta: &SessionMeta,
        present: Present,
    ) -> Result<SetCookies, WriteError> {
        let sealed = self.sealer.seal_with_meta(value, Lineage::Reissue(meta))?;
        self.render(sealed, present)
    }

    /// Removal cookies for logout (see [`CookieSettings::removal_cookies`]).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()), CookieSettings::default());
    /// assert!(cookies.remove(Present::none()).iter().all(SetCookie::is_removal));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn remove(&self, present: Present) -> SetCookies {
        self.settings.removal_cookies(present)
    }

    /// The token's cookies, with the expiry read back from the token itself.
    /// The cookies for a token just sealed, with the expiry its own metadata gives.
    fn render(
        &self,
        (token, meta, now): (String, SessionMeta, u64),
        present: Present,
    ) -> Result<SetCookies, WriteError> {
        let now = crate::unix_time::from_secs(now);
        Ok(self.settings.set_cookies(&token, &meta, now, present)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    use crate::clock::ManualClock;
    use crate::{Keyring, LoadError, MasterKey, OpenError, ReadError};

    /// 2027-01-15T08:00:00Z.
    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    fn cookies(settings: CookieSettings) -> SessionCookie {
        cookies_with_clock(settings, ManualClock::at(t0()))
    }

    fn cookies_with_clock(settings: CookieSettings, clock: ManualClock) -> SessionCookie {
        let config = settings.config_builder().build().unwrap();
        SessionCookie::new(
            Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config).with_clock(clock),
            settings,
        )
    }

    /// What a browser would send back for these Set-Cookie headers, given what it had.
    fn jar(mut had: Vec<(String, String)>, set: &SetCookies) -> Vec<(String, String)> {
        for c in set {
            had.retain(|(n, _)| n != c.name());
            if !c.is_removal() {
                had.push((c.name().to_owned(), c.value().to_owned()));
            }
        }
        had
    }

    fn header(jar: &[(String, String)]) -> String {
        jar.iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn chunked_session_grows_and_shrinks() {
        let c = cookies(CookieSettings::builder().chunks(4).build().unwrap());
        let opts = SessionOptions::default();
        let set = c.issue(&"x".repeat(5000), &opts, Present::none()).unwrap();
        let j = jar(vec![("other".into(), "1".into())], &set);
        assert_eq!(j.len(), 3);
        let h = header(&j);
        let loaded = c.load::<String>([h.as_bytes()]);
        let opened = loaded.session.unwrap();
        assert_eq!(opened.session.len(), 5000);
        // Shrink: back to one cookie, chunks removed.
        let set = c.save(&"small", &opened.meta, loaded.present).unwrap();
        let j = jar(j, &set);
        assert_eq!(
            j.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["other", "__Host-session"]
        );
        let h = header(&j);
        assert_eq!(
            c.load::<String>([h.as_bytes()]).session.unwrap().session,
            "small"
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn spliced_chunks_do_not_open() {
        let c = cookies(CookieSettings::builder().chunks(4).build().unwrap());
        let opts = SessionOptions::default();
        let a = c.issue(&"a".repeat(7000), &opts, Present::none()).unwrap();
        let b = c.issue(&"b".repeat(7000), &opts, Present::none()).unwrap();
        let (a, b): (Vec<_>, Vec<_>) = (a.into_iter().collect(), b.into_iter().collect());
        let h = format!(
            "{}={}; {}={}",
            a[0].name(),
            a[0].value(),
            b[1].name(),
            b[1].value()
        );
        let loaded = c.load::<String>([h.as_bytes()]);
        assert!(loaded.session.is_none());
        assert_eq!(
            loaded.error,
            Some(LoadError::Cookie(ReadError::Inconsistent))
        );
        // Same set id forged onto b's part: structure passes, authentication does not.
        let forged_value = {
            let (_, rest) = b[1].value().split_at(2);
            let (_, part) = rest.split_at(7);
            let set_id = &a[0].value()[2..8];
            format!("2.{set_id}.{part}")
        };
        let h = format!(
            "{}={}; {}={}",
            a[0].name(),
            a[0].value(),
            b[1].name(),
            forged_value
        );
        let loaded = c.load::<String>([h.as_bytes()]);
        assert!(loaded.session.is_none());
        assert!(loaded.error.is_some());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn purpose_binds_the_cookie_name() {
        let key = MasterKey::generate().unwrap().to_base64url();
        let make = |name: &str| {
            let s = CookieSettings::builder().name(name).build().unwrap();
            let config = s.config_builder().build().unwrap();
            SessionCookie::new(
                Sealer::new(Keyring::new(1, MasterKey::from_text(&key).unwrap()), config),
                s,
            )
        };
        let (a, b) = (make("__Host-a"), make("__Host-b"));
        let set = a
            .issue(&1u8, &SessionOptions::default(), Present::none())
            .unwrap();
        let value = set.iter().next().unwrap().value().to_owned();
        let as_b = format!("__Host-b={value}");
        assert_eq!(
            b.load::<u8>([as_b.as_bytes()]).error,
            Some(LoadError::Open(OpenError::Authentication))
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn renewal_only_when_due() {
        // Next to the daily epoch boundary too: 59 minutes after 23:30 is another epoch.
        for start in [t0(), t0() + time::Duration::minutes(15 * 60 + 30)] {
            let clock = ManualClock::at(start);
            let c = cookies_with_clock(CookieSettings::default(), clock.clone());
            let set = c
                .issue(&5u8, &SessionOptions::default(), Present::none())
                .unwrap();
            let h = header(&jar(vec![], &set));
            for (minutes, due) in [(0, false), (59, start != t0()), (61, true)] {
                clock.set(start + time::Duration::minutes(minutes));
                let loaded = c.load::<u8>([h.as_bytes()]);
                let opened = loaded.session.unwrap();
                let set = c
                    .renew_if_due(&opened.session, &opened.meta, loaded.present)
                    .unwrap();
                assert_eq!(!set.is_empty(), due, "after {minutes} min from {start}");
            }
        }
    }

    /// The largest payload one default cookie carries; a change here changes what apps can
    /// store, so it is pinned (README and CHANGELOG quote it).
    #[test]
    #[cfg_attr(
        miri,
        ignore = "seals and opens tokens of several KB: minutes under Miri; the same code runs in the smaller tests"
    )]
    fn largest_payload_in_one_default_cookie() {
        let c = cookies(CookieSettings::default());
        let browser = SessionOptions::default();
        let persistent = SessionOptions::default().persistent(true);
        assert_eq!(c.max_payload_len(&browser), 3014);
        assert_eq!(c.max_payload_len(&persistent), 3013);
        // A payload of exactly that size (a 3012-byte Vec: 2 bytes of length prefix) fits and
        // its cookie is within the browser limit; one byte more is refused before emitting.
        let fits = vec![1u8; 3012];
        let set = c.issue(&fits, &browser, Present::none()).unwrap();
        let cookie = set.iter().next().unwrap();
        assert!(cookie.name().len() + cookie.value().len() <= 4096);
        let over = vec![1u8; 3013 + 3];
        assert!(c.issue(&over, &browser, Present::none()).is_err());
    }
}
