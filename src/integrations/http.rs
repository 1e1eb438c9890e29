//! `http::HeaderMap` helpers (feature `http`): read our cookie(s) from every `Cookie` header,
//! append every `Set-Cookie` header. Any framework built on the `http` crate can use these.

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue};

use crate::cookie_layer::{CookieSettings, ReadCookies, SetCookie, SetCookies};

impl CookieSettings {
    /// [`CookieSettings::read`] over every `Cookie` header of a request (HTTP/2 clients may send
    /// several).
    ///
    /// # Example
    /// ```
    /// use http::{HeaderMap, HeaderValue, header::COOKIE};
    /// use sealed_session::CookieSettings;
    /// let mut headers = HeaderMap::new();
    /// headers.append(COOKIE, HeaderValue::from_static("a=1"));
    /// headers.append(COOKIE, HeaderValue::from_static("__Host-session=QUJD"));
    /// let read = CookieSettings::default().read_headers(&headers);
    /// assert_eq!(read, CookieSettings::default().read([b"__Host-session=QUJD".as_slice()]));
    /// ```
    #[must_use]
    pub fn read_headers(&self, headers: &HeaderMap) -> ReadCookies {
        self.read(headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes))
    }
}

impl SetCookie {
    /// This cookie as a `Set-Cookie` header value.
    ///
    /// # Example
    /// ```
    /// use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let removal = cookies.remove(&cookies.settings().read([]));
    /// let value = removal.iter().next().unwrap().to_header_value();
    /// assert!(value.to_str()?.starts_with("__Host-session=; Max-Age=0"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_header_value(&self) -> HeaderValue {
        header_value(self.as_line().to_owned())
    }
}

/// The rendered header as a `HeaderValue`. Every byte is visible ASCII or a space: the name is
/// checked to be token characters, Path and Domain to be visible ASCII when the settings are
/// built, the value is base64url or the chunk format, and the dates are digits and letters. So
/// the conversion cannot fail; the empty fallback (which browsers ignore) keeps it panic-free all
/// the same. The buffer is exactly its length, so the header value takes it over as it is.
fn header_value(line: String) -> HeaderValue {
    HeaderValue::try_from(line).unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl From<SetCookie> for HeaderValue {
    /// As [`SetCookie::to_header_value`], taking the rendered header over (no copy, no
    /// allocation).
    ///
    /// # Example
    /// ```
    /// use http::HeaderValue;
    /// use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// for cookie in cookies.remove(&cookies.settings().read([])) {
    ///     let value = HeaderValue::from(cookie);
    ///     assert!(value.to_str()?.starts_with("__Host-session=; Max-Age=0"));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from(cookie: SetCookie) -> Self {
        header_value(cookie.into_line())
    }
}

impl SetCookies {
    /// Appends one `Set-Cookie` header per cookie (appends: inserting would keep only the last).
    /// Each rendered header becomes its header value as it is: no copy, no allocation.
    ///
    /// # Example
    /// ```
    /// use http::{HeaderMap, header::SET_COOKIE};
    /// use sealed_session::*;
    /// # let settings = CookieSettings::builder().chunks(2).build()?;
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let read = cookies.settings().read([b"__Host-session.0=a; __Host-session.1=b".as_slice()]);
    /// let mut headers = HeaderMap::new();
    /// cookies.remove(&read).append_to(&mut headers);
    /// assert_eq!(headers.get_all(SET_COOKIE).iter().count(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn append_to(self, headers: &mut HeaderMap) {
        for cookie in self {
            headers.append(SET_COOKIE, HeaderValue::from(cookie));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keyring, MasterKey, Sealer, SessionCookie, SessionOptions};

    #[test]
    #[cfg_attr(
        miri,
        ignore = "a 5000-byte session over chunks: about a minute under Miri"
    )]
    fn headers_round_trip() {
        let settings = CookieSettings::builder()
            .name("__Secure-x")
            .path("/a b")
            .domain("example.com")
            .chunks(3)
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
                &"z".repeat(5000),
                &SessionOptions::default().persistent(true),
            )
            .unwrap();
        let mut response = HeaderMap::new();
        set.clone().append_to(&mut response);
        assert_eq!(response.get_all(SET_COOKIE).iter().count(), 2);
        // Every header is the cookie's text, unchanged (no fallback taken).
        for (value, cookie) in response.get_all(SET_COOKIE).iter().zip(&set) {
            assert_eq!(value.to_str().unwrap(), cookie.to_string());
        }
        // A browser sends name=value pairs back, here over two Cookie headers.
        let mut request = HeaderMap::new();
        for v in response.get_all(SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
            request.append(COOKIE, HeaderValue::try_from(pair).unwrap());
        }
        let read = cookies.settings().read_headers(&request);
        let opened = cookies.open::<String>(&read).unwrap().unwrap();
        assert_eq!(opened.session.len(), 5000);
    }
}
