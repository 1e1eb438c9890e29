//! The session layer for any tower-based server (feature `tower`): axum, hyper with
//! `tower::ServiceBuilder`, tonic's HTTP side, and so on.
//!
//! [`SessionLayer`] opens the session once per request and puts a [`SessionHandle`] in the
//! request's extensions. After the handler, unless the handler wrote the session itself:
//! - a session whose renewal is due ([`SessionMeta::renewal_due`]) is renewed, re-sealing the
//!   same authenticated payload bytes (the layer needs no session type);
//! - a session past its absolute deadline (it can still open inside the leeway) gets removal
//!   cookies, never an error;
//! - cookies that gave no session (tampered, expired, stale or partial chunks) are removed.
//!
//! A handler that writes (seal, renew, reissue, remove) wins: only its cookies are sent. So a
//! handler that only reads the session cannot log an active user out by forgetting a call.
//!
//! ```
//! use ::axum::{Extension, Router, routing::get};
//! use sealed_session::tower::{SessionHandle, SessionLayer};
//! use sealed_session::*;
//!
//! async fn home(Extension(session): Extension<SessionHandle>) -> String {
//!     // Only reads: the layer renews the session when due all the same.
//!     match session.get::<String>() {
//!         Ok(Some(user)) => format!("hello {user}"),
//!         _ => "signed out".to_owned(),
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = CookieSettings::default();
//! let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
//! let app: Router = Router::new()
//!     .route("/", get(home))
//!     .layer(SessionLayer::new(SessionCookie::new(sealer, settings)?));
//! # Ok(()) }
//! ```

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_layer::Layer;
use tower_service::Service;

use crate::cookie_layer::{LoadError, ReadCookies, SessionCookie, SetCookies};
use crate::error::SealError;
use crate::session::{Opened, SessionMeta, SessionOptions};

/// A tower [`Layer`] that opens the session of every request, and renews or cleans up its cookies
/// after the handler (see the [module docs](self)).
///
/// # Example
/// ```
/// use sealed_session::tower::SessionLayer;
/// use sealed_session::*;
/// let settings = CookieSettings::default();
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
/// let layer = SessionLayer::new(SessionCookie::new(sealer, settings)?);
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionLayer {
    cookies: SessionCookie,
}

impl SessionLayer {
    /// A layer over these session cookies.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let layer = sealed_session::tower::SessionLayer::new(cookies);
    /// # let _ = layer;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(cookies: SessionCookie) -> Self {
        Self { cookies }
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            cookies: self.cookies.clone(),
        }
    }
}

/// The service [`SessionLayer`] wraps around an inner service.
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    inner: S,
    cookies: SessionCookie,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let handle = SessionHandle::open(&self.cookies, request.headers());
        request.extensions_mut().insert(handle.clone());
        let response = self.inner.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            handle.finish().append_to(response.headers_mut());
            Ok(response)
        })
    }
}

/// What a handler writes, recorded for the layer.
enum Written {
    /// The handler did not write: the layer decides.
    Nothing,
    /// The handler's cookies: sent as they are.
    Cookies(SetCookies),
}

struct State {
    cookies: SessionCookie,
    read: ReadCookies,
    loaded: Result<Option<Opened<Vec<u8>>>, LoadError>,
    written: Written,
}

/// The request's session, opened once by [`SessionLayer`] and found in the request's extensions.
/// Clones share it. Reading never fails; writing records the cookies the response will carry
/// (the last write wins), and the layer then leaves the session alone. A write made after the
/// handler's response has gone through the layer (from a task the handler spawned) is not sent.
///
/// # Example
/// ```
/// use sealed_session::tower::SessionHandle;
/// fn user(request: &http::Request<()>) -> Option<String> {
///     let handle = request.extensions().get::<SessionHandle>()?;
///     handle.get::<String>().ok().flatten()
/// }
/// ```
#[derive(Clone)]
pub struct SessionHandle(Arc<Mutex<State>>);

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("SessionHandle")
            .field("open", &matches!(state.loaded, Ok(Some(_))))
            .field("error", &state.loaded.as_ref().err())
            .field("written", &matches!(state.written, Written::Cookies(_)))
            .finish_non_exhaustive()
    }
}

impl SessionHandle {
    fn open(cookies: &SessionCookie, headers: &http::HeaderMap) -> Self {
        let read = cookies.settings().read_headers(headers);
        let loaded = cookies.open_bytes(&read);
        Self(Arc::new(Mutex::new(State {
            cookies: cookies.clone(),
            read,
            loaded,
            written: Written::Nothing,
        })))
    }

    #[cfg(test)]
    pub(crate) fn open_for_test(cookies: &SessionCookie, headers: &http::HeaderMap) -> Self {
        Self::open(cookies, headers)
    }

    /// The state; a panic in another holder of the lock leaves it usable (every update is one
    /// assignment).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session value decoded as `T`: `Ok(None)` if the request carried no session.
    ///
    /// # Errors
    /// Why the session cookies that came gave no session, or
    /// [`OpenError::Payload`](crate::OpenError::Payload) if the payload is not a `T`. Either means "no session".
    ///
    /// # Example
    /// ```
    /// use sealed_session::tower::SessionHandle;
    /// fn user(handle: &SessionHandle) -> String {
    ///     handle.get::<String>().ok().flatten().unwrap_or_else(|| "anonymous".into())
    /// }
    /// ```
    pub fn get<T: DeserializeOwned>(&self) -> Result<Option<T>, LoadError> {
        match &self.lock().loaded {
            Ok(Some(opened)) => crate::payload::decode::<T>(&opened.session)
                .map(Some)
                .map_err(LoadError::Open),
            Ok(None) => Ok(None),
            Err(e) => Err(*e),
        }
    }

    /// The open session's metadata (deadlines, renewal hint, session id).
    ///
    /// # Example
    /// ```
    /// use sealed_session::tower::SessionHandle;
    /// fn persistent(handle: &SessionHandle) -> bool {
    ///     handle.meta().is_some_and(|m| m.is_persistent())
    /// }
    /// ```
    #[must_use]
    pub fn meta(&self) -> Option<SessionMeta> {
        match &self.lock().loaded {
            Ok(Some(opened)) => Some(opened.meta),
            _ => None,
        }
    }

    /// Starts a new session (login): fresh start and id, so nothing of a session the client had
    /// before carries over; stale cookies are removed.
    ///
    /// # Errors
    /// A [`SealError`]; nothing is sent then, and the layer leaves the session as it was.
    ///
    /// # Example
    /// ```
    /// use sealed_session::tower::SessionHandle;
    /// use sealed_session::{SealError, SessionOptions};
    /// fn login(handle: &SessionHandle, user: &str, remember: bool) -> Result<(), SealError> {
    ///     handle.seal(&user, &SessionOptions::default().persistent(remember))
    /// }
    /// ```
    pub fn seal<T: Serialize + ?Sized>(
        &self,
        value: &T,
        options: &SessionOptions,
    ) -> Result<(), SealError> {
        let mut state = self.lock();
        let set = state.cookies.seal(&state.read, value, options)?;
        state.written = Written::Cookies(set);
        Ok(())
    }

    /// Stores `value` in the open session (same start and deadlines, new idle deadline).
    ///
    /// # Errors
    /// [`SealError::NoSession`] if no session is open (a write never starts one: use
    /// [`SessionHandle::seal`]), or another [`SealError`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::tower::SessionHandle;
    /// fn bump(handle: &SessionHandle) -> Result<(), sealed_session::SealError> {
    ///     let count = handle.get::<u32>().ok().flatten().unwrap_or(0);
    ///     handle.renew(&(count + 1))
    /// }
    /// ```
    pub fn renew<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), SealError> {
        self.write_open(|cookies, read, meta| cookies.renew(read, value, meta))
    }

    /// Starts a fresh session from the open one after a privilege change (new start and id, same
    /// profile and generation).
    ///
    /// # Errors
    /// [`SealError::NoSession`] if no session is open, or another [`SealError`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::tower::SessionHandle;
    /// fn promote(handle: &SessionHandle, user: &str) -> Result<(), sealed_session::SealError> {
    ///     handle.reissue(&(user, true))
    /// }
    /// ```
    pub fn reissue<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), SealError> {
        self.write_open(|cookies, read, meta| cookies.reissue(read, value, meta))
    }

    /// Ends the session (logout): removal cookies matching the live cookie's name, Path, Domain
    /// and flags.
    ///
    /// # Example
    /// ```
    /// use sealed_session::tower::SessionHandle;
    /// fn logout(handle: &SessionHandle) {
    ///     handle.remove();
    /// }
    /// ```
    pub fn remove(&self) {
        let mut state = self.lock();
        let set = state.cookies.remove(&state.read);
        state.written = Written::Cookies(set);
    }

    /// Marks the payload as not the handler's type: no session, and the layer removes the cookie
    /// instead of renewing it.
    #[cfg(feature = "axum")]
    pub(crate) fn refuse_payload(&self, error: LoadError) {
        let mut state = self.lock();
        if state.loaded.is_ok() {
            state.loaded = Err(error);
        }
    }

    fn write_open(
        &self,
        write: impl FnOnce(&SessionCookie, &ReadCookies, &SessionMeta) -> Result<SetCookies, SealError>,
    ) -> Result<(), SealError> {
        let mut state = self.lock();
        let Ok(Some(opened)) = &state.loaded else {
            return Err(SealError::NoSession);
        };
        let set = write(&state.cookies, &state.read, &opened.meta)?;
        state.written = Written::Cookies(set);
        Ok(())
    }

    /// The cookies the response carries: the handler's, or what the layer decides.
    fn finish(&self) -> SetCookies {
        let mut state = self.lock();
        match core::mem::replace(&mut state.written, Written::Nothing) {
            Written::Cookies(set) => set,
            Written::Nothing => automatic(&state),
        }
    }
}

/// After a handler that did not write: renew when due, remove what gave no session or is past
/// its absolute deadline. Never an error: a renewal that fails leaves the cookie as it was.
fn automatic(state: &State) -> SetCookies {
    let cookies = &state.cookies;
    match &state.loaded {
        Ok(None) => SetCookies::default(),
        Err(_) => cookies.cleanup(&state.read),
        Ok(Some(opened)) => {
            let meta = &opened.meta;
            let deadline = u64::try_from(meta.absolute_deadline().unix_timestamp()).ok();
            let past_deadline = match (cookies.now(), deadline) {
                (Some(now), Some(deadline)) => now >= deadline,
                // A clock before 1970 cannot renew; leave the cookie as it is.
                _ => false,
            };
            if past_deadline {
                return cookies.remove(&state.read);
            }
            if !meta.renewal_due() {
                return SetCookies::default();
            }
            match cookies.renew_bytes(&state.read, &opened.session, meta) {
                Ok(set) => set,
                Err(SealError::Expired) => cookies.remove(&state.read),
                Err(_) => SetCookies::default(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CookieSettings, Keyring, MasterKey, Sealer};

    fn handle(cookie: &str) -> SessionHandle {
        let settings = CookieSettings::default();
        let config = settings.config_builder().build().unwrap();
        let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config)
            .with_clock(crate::ManualClock::at(
                time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            ));
        let cookies = SessionCookie::new(sealer, settings).unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, cookie.parse().unwrap());
        SessionHandle::open(&cookies, &headers)
    }

    #[test]
    fn writes_without_an_open_session_start_none() {
        for cookie in ["theme=dark", "__Host-session=junk"] {
            let h = handle(cookie);
            assert_eq!(h.renew(&1u8), Err(SealError::NoSession));
            assert_eq!(h.reissue(&1u8), Err(SealError::NoSession));
            assert!(h.meta().is_none());
            // Nothing was written: the layer decides (here: remove the junk, or nothing).
            let sent = h.finish();
            assert!(sent.iter().all(crate::SetCookie::is_removal), "{sent:?}");
        }
    }

    #[test]
    fn the_last_write_wins_and_is_sent_once() {
        let h = handle("theme=dark");
        h.seal(&"alice", &SessionOptions::default()).unwrap();
        h.remove();
        let sent = h.finish();
        assert_eq!(sent.iter().len(), 1);
        assert!(sent.iter().all(crate::SetCookie::is_removal));
        // After the response, nothing is left to send.
        assert!(h.finish().iter().len() == 0);
    }
}
