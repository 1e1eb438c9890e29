//! `http::HeaderMap` helpers (feature `http`): read our cookie(s) from every `Cookie` header,
//! append every `Set-Cookie` header. Any framework built on the `http` crate can use these.

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use crate::cookie::{
    CookieError, CookieSettings, Loaded, ReadCookies, SessionCookie, SetCookie, SetCookies,
};

impl CookieSettings {
    /// [`CookieSettings::read`] over every `Cookie` header of a request (HTTP/2 clients may send
    /// several).
    ///
    /// # Example
    /// ```
    /// use http::{HeaderMap, HeaderValue, header::COOKIE};
    /// let mut headers = HeaderMap::new();
    /// headers.append(COOKIE, HeaderValue::from_static("a=1"));
    /// headers.append(COOKIE, HeaderValue::from_static("__Host-session=QUJD"));
    /// let read = sealed_session::CookieSettings::default().read_headers(&headers);
    /// assert_eq!(read.token, Ok(Some("QUJD".into())));
    /// ```
    #[must_use]
    pub fn read_headers(&self, headers: &HeaderMap) -> ReadCookies {
        self.read(headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes))
    }
}

impl SessionCookie {
    /// [`SessionCookie::load`] over every `Cookie` header of a request.
    ///
    /// # Example
    /// ```
    /// use http::HeaderMap;
    /// use sealed_session::*;
    /// let settings = CookieSettings::default();
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
    /// let cookies = SessionCookie::new(sealer, settings);
    /// let loaded = cookies.load_from_headers::<u64>(&HeaderMap::new());
    /// assert!(loaded.session.is_none() && loaded.error.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn load_from_headers<T: DeserializeOwned>(&self, headers: &HeaderMap) -> Loaded<T> {
        self.load(headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes))
    }
}

impl SetCookie {
    /// This cookie as a `Set-Cookie` header value.
    ///
    /// # Errors
    /// [`CookieError::InvalidValue`] if the rendered cookie holds a byte a header cannot (it
    /// cannot, for cookies this crate built; the check keeps the conversion panic-free).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{CookieSettings, Present};
    /// let removal = CookieSettings::default().removal_cookies(Present::none());
    /// let value = removal.iter().next().unwrap().to_header_value()?;
    /// assert!(value.to_str()?.starts_with("__Host-session=; Max-Age=0"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_header_value(&self) -> Result<HeaderValue, CookieError> {
        HeaderValue::try_from(self.to_string()).map_err(|_| CookieError::InvalidValue)
    }
}

impl SetCookies {
    /// Appends one `Set-Cookie` header per cookie (appends: inserting would keep only the last).
    ///
    /// # Errors
    /// As [`SetCookie::to_header_value`]; on error, no header was added.
    ///
    /// # Example
    /// ```
    /// use http::{HeaderMap, header::SET_COOKIE};
    /// use sealed_session::{CookieSettings, Present};
    /// let settings = CookieSettings::builder().chunks(2).build()?;
    /// let mut headers = HeaderMap::new();
    /// settings.removal_cookies(Present::unknown()).append_to(&mut headers)?;
    /// assert_eq!(headers.get_all(SET_COOKIE).iter().count(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn append_to(&self, headers: &mut HeaderMap) -> Result<(), CookieError> {
        let values = self
            .iter()
            .map(SetCookie::to_header_value)
            .collect::<Result<Vec<_>, _>>()?;
        for value in values {
            headers.append(SET_COOKIE, value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keyring, MasterKey, Present, Sealer, SessionOptions};

    #[test]
    #[cfg_attr(
        miri,
        ignore = "4 KB tokens through the AEAD: over a minute under Miri"
    )]
    fn headers_round_trip() {
        let settings = CookieSettings::builder().chunks(3).build().unwrap();
        let config = settings.config_builder().build().unwrap();
        let cookies = SessionCookie::new(
            Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config),
            settings,
        );
        let set = cookies
            .issue(
                &"z".repeat(5000),
                &SessionOptions::default(),
                Present::none(),
            )
            .unwrap();
        let mut response = HeaderMap::new();
        set.append_to(&mut response).unwrap();
        assert_eq!(response.get_all(SET_COOKIE).iter().count(), 2);
        // A browser sends name=value pairs back, here over two Cookie headers.
        let mut request = HeaderMap::new();
        for v in response.get_all(SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
            request.append(COOKIE, HeaderValue::try_from(pair).unwrap());
        }
        let loaded = cookies.load_from_headers::<String>(&request);
        assert_eq!(loaded.session.unwrap().session.len(), 5000);
    }
}
