//! The session layer for any tower-based server (feature `tower`): axum, hyper with
//! `tower::ServiceBuilder`, tonic's HTTP side, and so on.
//!
//! [`SessionLayer`] opens the session once per request and puts a [`SessionHandle`] in the
//! request's extensions. After the handler, unless the handler wrote the session itself:
//! - a session whose renewal is due ([`SessionMeta::renewal_due`](crate::SessionMeta::renewal_due)) is renewed, re-sealing the
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

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use http::header::COOKIE;
use http::{HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::cookie_layer::SessionCookie;
pub use crate::integrations::handle::SessionHandle;

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
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The token is opened while it is borrowed from the request: nothing is copied.
        let read = self.cookies.settings().read_ref(
            request
                .headers()
                .get_all(COOKIE)
                .iter()
                .map(HeaderValue::as_bytes),
        );
        let handle = SessionHandle::open(&self.cookies, &read);
        request.extensions_mut().insert(handle.clone());
        ResponseFuture {
            inner: self.inner.call(request),
            handle: Some(handle),
        }
    }
}

pin_project! {
    /// The response future of [`SessionService`]: the inner service's, then the session's
    /// `Set-Cookie` headers (see the [module docs](self)). A named type, so no box per request.
    ///
    /// # Example
    /// ```
    /// use sealed_session::tower::{ResponseFuture, SessionService};
    /// use tower_service::Service;
    /// // The future type can be named, for example in a wrapper's own `Service` impl.
    /// fn call<S, B>(service: &mut SessionService<S>, request: http::Request<B>) -> ResponseFuture<S::Future>
    /// where
    ///     S: Service<http::Request<B>, Response = http::Response<B>>,
    /// {
    ///     service.call(request)
    /// }
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        // Taken when the response is ready: `finish` runs once.
        handle: Option<SessionHandle>,
    }
}

impl<F> core::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = core::task::ready!(this.inner.poll(cx))?;
        if let Some(handle) = this.handle.take() {
            handle.finish().append_to(response.headers_mut());
        }
        Poll::Ready(Ok(response))
    }
}
