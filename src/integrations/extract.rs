//! The `Session<T>` extractor value, shared by the axum and the actix-web adapters: the decoded
//! session, why there is none, and the write verbs, all over the request's
//! [`SessionHandle`]. Each adapter only implements its framework's extractor trait for it.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cookie_layer::LoadError;
use crate::error::SealError;
use crate::integrations::handle::SessionHandle;
use crate::session::{SessionMeta, SessionOptions};

/// The whole body of the response a [`SealError`] becomes, in every framework: no detail
/// reaches the client.
pub(crate) const SEAL_FAILED_TEXT: &str = "could not store the session\n";

/// The session a request carried, decoded as `T`, and the verbs that write it: the extractor of
/// the axum and the actix-web adapters (one type, found as `sealed_session::axum::Session` and
/// `sealed_session::actix::Session`). Needs the framework's session middleware (the tower
/// `SessionLayer`, the actix `SessionMiddleware`); without it, extraction answers a 500 (a
/// deployment error, never caused by the client).
///
/// # Example
/// ```
/// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
/// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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

impl<T: DeserializeOwned> Session<T> {
    /// The request's session decoded as `T`. Never fails: a payload that is not a `T` is no
    /// session, and the middleware then removes its cookie instead of renewing it.
    pub(crate) fn from_handle(handle: SessionHandle) -> Self {
        let (value, error) = match handle.get::<T>() {
            Ok(value) => (value, None),
            Err(e) => {
                handle.refuse_payload(e);
                (None, Some(e))
            }
        };
        Self {
            handle,
            value,
            error,
        }
    }
}

impl<T> Session<T> {
    /// The session value, if a session opened.
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// fn persistent(session: &Session<String>) -> bool {
    ///     session.meta().is_some_and(|m| m.is_persistent())
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
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// use sealed_session::LogLevel;
    /// fn log(session: &Session<String>) {
    ///     if let Some(e) = session.error().filter(|e| e.log_level() >= LogLevel::Warn) {
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
    /// A [`SealError`] (it is a response in both frameworks: a 500 with a fixed text).
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
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
    /// # #[cfg(feature = "axum")] use sealed_session::axum::Session;
    /// # #[cfg(not(feature = "axum"))] use sealed_session::actix::Session;
    /// async fn logout(session: Session<String>) -> &'static str {
    ///     session.remove();
    ///     "bye"
    /// }
    /// ```
    pub fn remove(&self) {
        self.handle.remove();
    }
}
