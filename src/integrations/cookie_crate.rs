//! Conversions to and from the `cookie` crate's `Cookie` (feature `cookie`), for frameworks that
//! speak it (actix-web, rocket, axum-extra's jars, tower-cookies).

use crate::cookie_layer::{CookieSettings, ReadCookies, SameSite, SetCookie};

impl From<&SetCookie> for cookie::Cookie<'static> {
    /// The same cookie, attribute for attribute.
    ///
    /// # Example
    /// ```
    /// use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let removal = cookies.remove(&cookies.settings().read([]));
    /// let c = cookie::Cookie::from(removal.iter().next().unwrap());
    /// assert_eq!(c.name(), "__Host-session");
    /// assert_eq!(c.max_age(), Some(time::Duration::ZERO));
    /// assert_eq!((c.secure(), c.http_only(), c.path()), (Some(true), Some(true), Some("/")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from(c: &SetCookie) -> Self {
        let mut b = cookie::Cookie::build((c.name().to_owned(), c.value().to_owned()))
            .path(c.path().to_owned())
            .secure(c.secure())
            .http_only(true)
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
    /// use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// for c in cookies.remove(&cookies.settings().read([])) {
    ///     let c: cookie::Cookie<'static> = c.into();
    ///     assert_eq!(c.value(), "");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// use sealed_session::CookieSettings;
    /// let cookies: Vec<Cookie> = Cookie::split_parse("a=1; __Host-session=QUJD").flatten().collect();
    /// let read = CookieSettings::default().read_cookies(&cookies);
    /// assert_eq!(read, CookieSettings::default().read([b"__Host-session=QUJD".as_slice()]));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keyring, MasterKey, Sealer, SessionCookie, SessionOptions};

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
        let cookies = SessionCookie::new(
            Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config).with_clock(
                crate::ManualClock::at(
                    time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
                ),
            ),
            settings,
        )
        .unwrap();
        let set = cookies
            .seal(
                &cookies.settings().read([]),
                &1u8,
                &SessionOptions::default().persistent(true),
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
            assert_eq!(c.expires_datetime(), ours.expires());
        }
        // And back: the jar's cookies open the session.
        let read = cookies.settings().read_cookies([&converted]);
        assert_eq!(cookies.open::<u8>(&read).unwrap().unwrap().session, 1);
    }
}
