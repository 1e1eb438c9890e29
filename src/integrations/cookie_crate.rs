//! Conversions to and from the `cookie` crate's `Cookie` (feature `cookie`), for frameworks that
//! speak it (actix-web, rocket, axum-extra's jars, tower-cookies).

use crate::cookie::{CookieSettings, Loaded, ReadCookies, SameSite, SessionCookie, SetCookie};
use serde::de::DeserializeOwned;

impl From<&SetCookie> for cookie::Cookie<'static> {
    /// The same cookie, attribute for attribute.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, Present};
    /// let removal = CookieSettings::default().removal_cookies(Present::none());
    /// let c = cookie::Cookie::from(removal.iter().next().unwrap());
    /// assert_eq!(c.name(), "__Host-session");
    /// assert_eq!(c.max_age(), Some(time::Duration::ZERO));
    /// assert_eq!((c.secure(), c.http_only(), c.path()), (Some(true), Some(true), Some("/")));
    /// ```
    fn from(c: &SetCookie) -> Self {
        let mut b = cookie::Cookie::build((c.name().to_owned(), c.value().to_owned()))
            .path(c.path().to_owned())
            .secure(c.secure())
            .http_only(c.http_only())
            .same_site(match c.same_site() {
                SameSite::Strict => cookie::SameSite::Strict,
                SameSite::None => cookie::SameSite::None,
                _ => cookie::SameSite::Lax,
            });
        if let Some(domain) = c.domain() {
            b = b.domain(domain.to_owned());
        }
        if let (Some(age), Some(at)) = (c.max_age(), c.expires()) {
            b = b
                .max_age(time::Duration::seconds(
                    i64::try_from(age).unwrap_or(i64::MAX),
                ))
                .expires(at);
        }
        b.build()
    }
}

impl From<SetCookie> for cookie::Cookie<'static> {
    /// As the conversion from `&SetCookie`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, Present};
    /// for c in CookieSettings::default().removal_cookies(Present::none()) {
    ///     let c: cookie::Cookie<'static> = c.into();
    ///     assert_eq!(c.value(), "");
    /// }
    /// ```
    fn from(c: SetCookie) -> Self {
        Self::from(&c)
    }
}

impl CookieSettings {
    /// [`CookieSettings::read`] over cookies already parsed by the `cookie` crate (a
    /// `CookieJar`'s iterator, or `Cookie::split_parse` results).
    ///
    /// # Example
    /// ```
    /// use cookie::Cookie;
    /// let cookies: Vec<Cookie> = Cookie::split_parse("a=1; __Host-session=QUJD").flatten().collect();
    /// let read = sealed_session::CookieSettings::default().read_cookies(&cookies);
    /// assert_eq!(read.token, Ok(Some("QUJD".into())));
    /// ```
    pub fn read_cookies<'a, 'c: 'a, I>(&self, cookies: I) -> ReadCookies
    where
        I: IntoIterator<Item = &'a cookie::Cookie<'c>>,
    {
        self.read_pairs(
            cookies
                .into_iter()
                .map(|c| (c.name().as_bytes(), c.value().as_bytes())),
        )
    }
}

impl SessionCookie {
    /// [`SessionCookie::load`] over cookies already parsed by the `cookie` crate.
    ///
    /// # Example
    /// ```
    /// use cookie::CookieJar;
    /// use sealed_session::*;
    /// let settings = CookieSettings::default();
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
    /// let cookies = SessionCookie::new(sealer, settings);
    /// let mut jar = CookieJar::new();
    /// for c in cookies.issue(&7u8, &SessionOptions::default(), Present::none())? {
    ///     jar.add_original(cookie::Cookie::from(c));
    /// }
    /// assert_eq!(cookies.load_from_cookies::<u8>(jar.iter()).session.unwrap().session, 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_from_cookies<'a, 'c: 'a, T: DeserializeOwned>(
        &self,
        cookies: impl IntoIterator<Item = &'a cookie::Cookie<'c>>,
    ) -> Loaded<T> {
        let read = self.settings().read_cookies(cookies);
        self.load_read(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keyring, MasterKey, Present, Sealer, SessionOptions};

    #[test]
    fn conversion_keeps_every_attribute() {
        let settings = CookieSettings::builder()
            .name("__Secure-app")
            .domain("example.com")
            .path("/app")
            .same_site(SameSite::Strict)
            .build()
            .unwrap();
        let config = settings.config_builder().build().unwrap();
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let cookies = SessionCookie::new(
            Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config)
                .with_clock(crate::clock::ManualClock::at(now)),
            settings,
        );
        let set = cookies
            .issue(
                &1u8,
                &SessionOptions::default().persistent(true),
                Present::none(),
            )
            .unwrap();
        let ours = set.iter().next().unwrap();
        // Our header, parsed by the cookie crate, equals our conversion.
        let parsed = cookie::Cookie::parse(ours.to_string()).unwrap();
        let converted = cookie::Cookie::from(ours);
        for c in [&parsed, &converted] {
            assert_eq!(c.name(), "__Secure-app");
            assert_eq!(c.value(), ours.value());
            assert_eq!(c.path(), Some("/app"));
            assert_eq!(c.domain(), Some("example.com"));
            assert_eq!(c.secure(), Some(true));
            assert_eq!(c.http_only(), Some(true));
            assert_eq!(c.same_site(), Some(cookie::SameSite::Strict));
            assert_eq!(c.max_age(), Some(time::Duration::days(7)));
            assert_eq!(c.expires_datetime(), Some(now + time::Duration::days(7)));
        }
        // And back: the jar's cookies load the session.
        let loaded = cookies.load_from_cookies::<u8>([&converted]);
        assert_eq!(loaded.session.unwrap().session, 1);
    }
}
