//! The axum adapter (feature `axum`; depends on `axum-core`, not on axum itself).
//!
//! Install the [`SessionLayer`](crate::tower::SessionLayer) around the router; then
//! [`Session<T>`] extracts the request's session. Extraction never fails because of what the
//! client sent: any read or open error means "no session", and [`Session::error`] tells which,
//! for logging. Handlers that only read need nothing else: the layer renews the session when due
//! and removes dead cookies. Handlers that write call [`Session::seal`] (login),
//! [`Session::renew`], [`Session::reissue`] (privilege change) or [`Session::remove`] (logout);
//! the layer sends their cookies with the response. A [`SealError`] is a response too: a 500 with
//! a fixed text, and the client keeps the session it had.
//!
//! ```
//! use ::axum::{Router, routing::get};
//! use sealed_session::axum::Session;
//! use sealed_session::tower::SessionLayer;
//! use sealed_session::*;
//!
//! async fn visits(mut session: Session<u64>) -> Result<String, SealError> {
//!     let Some(count) = session.take() else {
//!         session.seal(&1u64, &SessionOptions::default())?; // a new session
//!         return Ok("visit 1".to_owned());
//!     };
//!     session.renew(&(count + 1))?; // the value changed: seal it again
//!     Ok(format!("visit {}", count + 1))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = CookieSettings::default();
//! let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
//! let app: Router = Router::new()
//!     .route("/", get(visits))
//!     .layer(SessionLayer::new(SessionCookie::new(sealer, settings)?));
//! # Ok(()) }
//! ```

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cookie_layer::LoadError;
use crate::error::SealError;
use crate::integrations::tower::SessionHandle;
use crate::session::{SessionMeta, SessionOptions};

/// The session a request carried, decoded as `T`, and the verbs that write it. Needs the
/// [`SessionLayer`](crate::tower::SessionLayer); without it, extraction answers a 500 (a
/// deployment error, never caused by the client).
///
/// # Example
/// ```
/// use sealed_session::axum::Session;
///
/// async fn page(session: Session<String>) -> String {
///     if let Some(e) = session.error() {
///         eprintln!("session cookie refused: {e}"); // log the kind, never the value
///     }
///     match session.get() {
///         Some(user) => format!("hello {user}"),
///         None => "signed out".to_string(),
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Session<T> {
    handle: SessionHandle,
    value: Option<T>,
    error: Option<LoadError>,
}

impl<S, T> FromRequestParts<S> for Session<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let handle = parts
            .extensions
            .get::<SessionHandle>()
            .cloned()
            .ok_or((StatusCode::INTERNAL_SERVER_ERROR, "internal server error"))?;
        let (value, error) = match handle.get::<T>() {
            Ok(value) => (value, None),
            Err(e) => {
                // A payload that is not a `T` is no session: the layer then removes its cookie
                // instead of renewing it.
                handle.refuse_payload(e);
                (None, Some(e))
            }
        };
        Ok(Self {
            handle,
            value,
            error,
        })
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
        self.value.as_ref()
    }

    /// Moves the session value out (to change it and [`renew`](Session::renew) it without a
    /// clone); [`Session::get`] gives `None` afterwards. The session stays open.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn bump(mut session: Session<Vec<u32>>) -> Result<(), sealed_session::SealError> {
    ///     let mut items = session.take().unwrap_or_default();
    ///     items.push(1);
    ///     session.renew(&items)
    /// }
    /// ```
    pub fn take(&mut self) -> Option<T> {
        self.value.take()
    }

    /// The open session's metadata (deadlines, renewal hint, session id).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// fn persistent(session: &Session<String>) -> bool {
    ///     session.meta().is_some_and(|m| m.persistent)
    /// }
    /// ```
    #[must_use]
    pub fn meta(&self) -> Option<SessionMeta> {
        self.handle.meta()
    }

    /// Why session cookies that came gave no session: log it (it never holds the value).
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
    pub fn error(&self) -> Option<LoadError> {
        self.error
    }

    /// Starts a new session (login): fresh start and id, so nothing of a session the client had
    /// before carries over; stale cookies are removed.
    ///
    /// # Errors
    /// A [`SealError`] (it is a response: a 500 with a fixed text).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// # use sealed_session::{SessionOptions, SealError};
    /// async fn login(session: Session<String>) -> Result<&'static str, SealError> {
    ///     let remember_me = SessionOptions::default().persistent(true);
    ///     session.seal(&"alice".to_string(), &remember_me)?;
    ///     Ok("welcome")
    /// }
    /// ```
    pub fn seal<V: Serialize + ?Sized>(
        &self,
        value: &V,
        options: &SessionOptions,
    ) -> Result<(), SealError> {
        self.handle.seal(value, options)
    }

    /// Stores `value` in the open session (same start and deadlines, new idle deadline).
    ///
    /// # Errors
    /// [`SealError::NoSession`] if no session is open: a write never logs anyone in (use
    /// [`Session::seal`]). Otherwise a [`SealError`], notably a session too large for the
    /// cookies.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// # use sealed_session::SealError;
    /// async fn rename(session: Session<String>) -> Result<(), SealError> {
    ///     session.renew(&"bob".to_string())
    /// }
    /// ```
    pub fn renew<V: Serialize + ?Sized>(&self, value: &V) -> Result<(), SealError> {
        self.handle.renew(value)
    }

    /// Starts a fresh session from the open one after a privilege change (new start and id, same
    /// profile and generation).
    ///
    /// # Errors
    /// [`SealError::NoSession`] if no session is open (an anonymous request gets no session, let
    /// alone a privileged one), or another [`SealError`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// # use sealed_session::SealError;
    /// async fn sudo(mut session: Session<(String, bool)>) -> Result<(), SealError> {
    ///     let Some((user, _)) = session.take() else { return Err(SealError::NoSession) };
    ///     session.reissue(&(user, true))
    /// }
    /// ```
    pub fn reissue<V: Serialize + ?Sized>(&self, value: &V) -> Result<(), SealError> {
        self.handle.reissue(value)
    }

    /// Ends the session (logout): removal cookies matching the live cookie's name, Path, Domain
    /// and flags.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::axum::Session;
    /// async fn logout(session: Session<String>) -> &'static str {
    ///     session.remove();
    ///     "bye"
    /// }
    /// ```
    pub fn remove(&self) {
        self.handle.remove();
    }
}

impl IntoResponse for SealError {
    /// A `500 Internal Server Error` with a fixed text (no detail reaches the client: log the
    /// error itself); no cookie is set, so the client keeps the session it had.
    fn into_response(self) -> Response {
        let mut res = (
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not store the session\n",
        )
            .into_response();
        res.headers_mut().insert(
            CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        res
    }
}
