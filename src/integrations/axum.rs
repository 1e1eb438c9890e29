//! The axum adapter (feature `axum`; depends on `axum-core` and `http`, not on axum itself).
//!
//! - [`Session<T>`]: an extractor that yields the opened session or none. It never rejects: any
//!   read or open error means "no session", and [`Session::error`] tells which, for logging.
//! - [`SessionUpdate`]: a response part that appends the `Set-Cookie` headers (set, renew,
//!   reissue, remove); return it in a tuple before the body.
//! - [`WriteError`] is a response too: a 500 with a plain message, for a session that grew past
//!   what the cookie settings can carry.
//!
//! The state must give a [`SessionCookie`] through `FromRef`.
//!
//! ```
//! use ::axum::{Router, extract::FromRef, routing::get};
//! use sealed_session::axum::{Session, SessionUpdate};
//! use sealed_session::*;
//!
//! #[derive(Clone)]
//! struct AppState { cookies: SessionCookie }
//! impl FromRef<AppState> for SessionCookie {
//!     fn from_ref(state: &AppState) -> Self { state.cookies.clone() }
//! }
//!
//! async fn visits(session: Session<u64>) -> Result<(SessionUpdate, String), WriteError> {
//!     let count = session.get().copied().unwrap_or(0) + 1;
//!     let update = session.save(&count)?; // the value changed: seal it again
//!     Ok((update, format!("visit {count}")))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = CookieSettings::default();
//! let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
//! let app: Router = Router::new()
//!     .route("/", get(visits))
//!     .with_state(AppState { cookies: SessionCookie::new(sealer, settings) });
//! # Ok(()) }
//! ```

use core::convert::Infallible;

use axum_core::extract::{FromRef, FromRequestParts};
use axum_core::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use http::header::{CONTENT_TYPE, SET_COOKIE};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cookie::{LoadError, Loaded, Present, SessionCookie, SetCookie, SetCookies, WriteError};
use crate::session::{Opened, SessionMeta, SessionOptions};

/// The session a request carried, if it opened. Extracting never fails.
///
/// # Example
/// ```
/// use sealed_session::axum::{Session, SessionUpdate};
/// use sealed_session::WriteError;
///
/// async fn page(session: Session<String>) -> Result<(SessionUpdate, String), WriteError> {
///     if let Some(e) = session.error() {
///         eprintln!("session cookie refused: {e}"); // log the kind, never the value
///     }
///     match session.get() {
///         // Renew only when due (idle window half used, old key or epoch), not every time.
///         Some(user) => Ok((session.renew_if_due()?, format!("hello {user}"))),
///         // A cookie that did not open is removed, so the browser stops sending it.
///         None => Ok((session.cleanup(), "logged out".to_string())),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Session<T> {
    loaded: Loaded<T>,
    cookies: SessionCookie,
}

impl<S, T> FromRequestParts<S> for Session<T>
where
    SessionCookie: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let cookies = SessionCookie::from_ref(state);
        let loaded = cookies.load_from_headers(&parts.headers);
        Ok(Self { loaded, cookies })
    }
}

impl<T> Session<T> {
    /// The session value, if a session opened.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn user(session: &Session<String>) -> &str {
    ///     session.get().map_or("anonymous", String::as_str)
    /// }
    /// ```
    #[must_use]
    pub fn get(&self) -> Option<&T> {
        self.loaded.session.as_ref().map(|o| &o.session)
    }

    /// The opened session with its metadata.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn persistent(session: &Session<String>) -> bool {
    ///     session.opened().is_some_and(|o| o.meta.is_persistent())
    /// }
    /// ```
    #[must_use]
    pub fn opened(&self) -> Option<&Opened<T>> {
        self.loaded.session.as_ref()
    }

    /// The session's metadata (deadlines, renewal hint, session id).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn due(session: &Session<String>) -> bool {
    ///     session.meta().is_some_and(|m| m.renewal_due())
    /// }
    /// ```
    #[must_use]
    pub fn meta(&self) -> Option<&SessionMeta> {
        self.loaded.session.as_ref().map(|o| &o.meta)
    }

    /// Why a session cookie that came gave no session: log it (it never holds the value).
    /// [`LoadError::is_attack_signal`] separates tampering from expiry.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn log(session: &Session<String>) {
    ///     if let Some(e) = session.error().filter(|e| e.is_attack_signal()) {
    ///         eprintln!("suspicious session cookie: {e}");
    ///     }
    /// }
    /// ```
    #[must_use]
    pub fn error(&self) -> Option<&LoadError> {
        self.loaded.error.as_ref()
    }

    /// Which of our cookies the request carried.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn had_cookie(session: &Session<String>) -> bool {
    ///     session.present().any()
    /// }
    /// ```
    #[must_use]
    pub fn present(&self) -> Present {
        self.loaded.present
    }

    /// Everything that was loaded.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn take(session: Session<String>) -> Option<String> {
    ///     session.into_loaded().session.map(|o| o.session)
    /// }
    /// ```
    #[must_use]
    pub fn into_loaded(self) -> Loaded<T> {
        self.loaded
    }

    /// Starts a new session (login): fresh start and id, so nothing of a session the client had
    /// before carries over; stale cookies are removed.
    ///
    /// # Errors
    /// A [`WriteError`] (it is a response: a 500 with a plain message).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::{Session, SessionUpdate};
    /// # use sealed_session::{SessionOptions, WriteError};
    /// async fn login(session: Session<String>) -> Result<(SessionUpdate, &'static str), WriteError> {
    ///     let remember_me = SessionOptions::default().persistent(true);
    ///     Ok((session.login(&"alice".to_string(), &remember_me)?, "welcome"))
    /// }
    /// ```
    pub fn login<V: Serialize + ?Sized>(
        &self,
        value: &V,
        options: &SessionOptions,
    ) -> Result<SessionUpdate, WriteError> {
        self.cookies
            .issue(value, options, self.loaded.present)
            .map(SessionUpdate)
    }

    /// Stores a changed value in the open session (same start and deadlines, new idle
    /// deadline). With no open session, starts one with default options, as [`Session::login`].
    ///
    /// # Errors
    /// A [`WriteError`]; notably a session too large for the cookie settings.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::{Session, SessionUpdate};
    /// # use sealed_session::WriteError;
    /// async fn bump(session: Session<u32>) -> Result<SessionUpdate, WriteError> {
    ///     session.save(&(session.get().copied().unwrap_or(0) + 1))
    /// }
    /// ```
    pub fn save<V: Serialize + ?Sized>(&self, value: &V) -> Result<SessionUpdate, WriteError> {
        match self.meta() {
            Some(meta) => self.cookies.save(value, meta, self.loaded.present),
            None => self
                .cookies
                .issue(value, &SessionOptions::default(), self.loaded.present),
        }
        .map(SessionUpdate)
    }

    /// Re-seals the unchanged session only if its metadata says so
    /// ([`SessionMeta::renewal_due`]); otherwise an empty update. Never renews on every request.
    ///
    /// # Errors
    /// A [`WriteError`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::{Session, SessionUpdate};
    /// # use sealed_session::WriteError;
    /// async fn page(session: Session<u32>) -> Result<(SessionUpdate, &'static str), WriteError> {
    ///     Ok((session.renew_if_due()?, "page"))
    /// }
    /// ```
    pub fn renew_if_due(&self) -> Result<SessionUpdate, WriteError>
    where
        T: Serialize,
    {
        match self.opened() {
            Some(o) => self
                .cookies
                .renew_if_due(&o.session, &o.meta, self.loaded.present)
                .map(SessionUpdate),
            None => Ok(SessionUpdate::none()),
        }
    }

    /// Starts a fresh session from the open one after a privilege change (new start and id,
    /// same profile and generation). With no open session, as [`Session::login`] with defaults.
    ///
    /// # Errors
    /// A [`WriteError`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::{Session, SessionUpdate};
    /// # use sealed_session::WriteError;
    /// async fn sudo(session: Session<(String, bool)>) -> Result<SessionUpdate, WriteError> {
    ///     let user = session.get().map(|(u, _)| u.clone()).unwrap_or_default();
    ///     session.reissue(&(user, true))
    /// }
    /// ```
    pub fn reissue<V: Serialize + ?Sized>(&self, value: &V) -> Result<SessionUpdate, WriteError> {
        match self.meta() {
            Some(meta) => self.cookies.reissue(value, meta, self.loaded.present),
            None => self
                .cookies
                .issue(value, &SessionOptions::default(), self.loaded.present),
        }
        .map(SessionUpdate)
    }

    /// Removal cookies for logout, matching the live cookie's name, Path, Domain and flags.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::{Session, SessionUpdate};
    /// async fn logout(session: Session<String>) -> (SessionUpdate, &'static str) {
    ///     (session.logout(), "bye")
    /// }
    /// ```
    pub fn logout(&self) -> SessionUpdate {
        SessionUpdate(self.cookies.remove(self.loaded.present))
    }

    /// Removal cookies for session cookies that came but gave no session (tampered, expired,
    /// partial chunks); empty otherwise.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::{Session, SessionUpdate};
    /// async fn page(session: Session<String>) -> (SessionUpdate, &'static str) {
    ///     (session.cleanup(), "hello")
    /// }
    /// ```
    pub fn cleanup(&self) -> SessionUpdate {
        if self.loaded.session.is_none() && self.loaded.present.any() {
            SessionUpdate(self.cookies.settings().cleanup_cookies(self.loaded.present))
        } else {
            SessionUpdate::none()
        }
    }
}

/// `Set-Cookie` headers for a response, appended (never inserted) one per cookie.
///
/// # Example
/// ```
/// use axum_core::response::IntoResponse;
/// use sealed_session::axum::SessionUpdate;
/// use sealed_session::{CookieSettings, Present};
/// let update = SessionUpdate::from(CookieSettings::builder().chunks(2).build()?.removal_cookies(Present::unknown()));
/// let response = (update, "bye").into_response();
/// assert_eq!(response.headers().get_all(http::header::SET_COOKIE).iter().count(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct SessionUpdate(SetCookies);

impl SessionUpdate {
    /// No cookie to set.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::axum::SessionUpdate::none().cookies().is_empty());
    /// ```
    pub fn none() -> Self {
        Self::default()
    }

    /// The cookies this update sets or removes.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::axum::SessionUpdate::none().cookies().len(), 0);
    /// ```
    #[must_use]
    pub fn cookies(&self) -> &SetCookies {
        &self.0
    }

    /// This update followed by `other`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::axum::SessionUpdate;
    /// assert!(SessionUpdate::none().and(SessionUpdate::none()).cookies().is_empty());
    /// ```
    pub fn and(mut self, other: SessionUpdate) -> Self {
        self.0.extend(other.0);
        self
    }
}

impl From<SetCookies> for SessionUpdate {
    fn from(cookies: SetCookies) -> Self {
        Self(cookies)
    }
}

impl IntoResponseParts for SessionUpdate {
    type Error = Response;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        let values = self
            .0
            .iter()
            .map(SetCookie::to_header_value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| WriteError::Cookie(e).into_response())?;
        for value in values {
            res.headers_mut().append(SET_COOKIE, value);
        }
        Ok(res)
    }
}

impl IntoResponse for WriteError {
    /// A `500 Internal Server Error` with the error's message as plain text; no cookie is set, so
    /// the client keeps the session it had.
    fn into_response(self) -> Response {
        let mut res = format!("could not store the session: {self}\n").into_response();
        *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        res
    }
}
