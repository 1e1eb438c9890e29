//! The actix-web adapter (feature `actix-web`): the same behaviour as the tower layer and the
//! axum extractor, with the same names.
//!
//! Wrap the app in [`SessionMiddleware`]: it opens the session once per request and, after the
//! handler, unless the handler wrote the session itself, renews it when due
//! ([`SessionMeta::renewal_due`](crate::SessionMeta::renewal_due)), removes the cookies past the
//! absolute deadline (never an error) and removes cookies that gave no session (tampered,
//! expired, stale or partial chunks). [`Session<T>`] extracts the request's session and never
//! rejects because of what the client sent: no session is `None`, and [`Session::error`] says
//! why, for logging. Handlers write with [`Session::seal`] (login), [`Session::renew`],
//! [`Session::reissue`] (privilege change) and [`Session::remove`] (logout); a handler that
//! writes wins. A [`SealError`] is a response: a 500 with a fixed text, and the client keeps the
//! session it had.
//!
//! ```
//! use actix_web::{App, HttpResponse, web};
//! use sealed_session::actix::{Session, SessionMiddleware};
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
//! let cookies = SessionCookie::new(sealer, settings)?;
//! // In `HttpServer::new(move || ...)`: one app per worker, all sharing the cookies.
//! let app = App::new()
//!     .wrap(SessionMiddleware::new(cookies.clone()))
//!     .route("/", web::get().to(visits));
//! # let _ = app;
//! # Ok(()) }
//! ```

use core::future::{Future, Ready, ready};
use core::pin::Pin;

use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
use serde::de::DeserializeOwned;

use crate::cookie_layer::{SessionCookie, SetCookies};
use crate::error::SealError;
use crate::integrations::extract::SEAL_FAILED_TEXT;
pub use crate::integrations::extract::Session;
pub use crate::integrations::handle::SessionHandle;

/// The actix-web middleware that opens the session of every request, and renews or cleans up its
/// cookies after the handler (see the [module docs](self)). Cheap to clone: build it once and
/// clone it into each worker's `App`.
///
/// # Example
/// ```
/// use sealed_session::actix::SessionMiddleware;
/// use sealed_session::*;
/// let settings = CookieSettings::default();
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?);
/// let middleware = SessionMiddleware::new(SessionCookie::new(sealer, settings)?);
/// let app = actix_web::App::new().wrap(middleware);
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionMiddleware {
    cookies: SessionCookie,
}

impl SessionMiddleware {
    /// A middleware over these session cookies.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let settings = CookieSettings::default();
    /// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
    /// let middleware = sealed_session::actix::SessionMiddleware::new(cookies);
    /// # let _ = middleware;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(cookies: SessionCookie) -> Self {
        Self { cookies }
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = SessionService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionService {
            service,
            cookies: self.cookies.clone(),
        }))
    }
}

/// The service [`SessionMiddleware`] wraps around the app's service; actix builds it, and an app
/// never names it.
///
/// # Example
/// ```
/// use actix_web::{App, test, web};
/// use sealed_session::actix::SessionMiddleware;
/// # use sealed_session::*;
/// # actix_web::rt::System::new().block_on(async {
/// # let settings = CookieSettings::default();
/// # let cookies = SessionCookie::new(Sealer::new(Keyring::new(1, MasterKey::generate()?), settings.config_builder().build()?), settings)?;
/// // `init_service` builds the app's service, wrapped in a `SessionService`.
/// let app = test::init_service(
///     App::new()
///         .wrap(SessionMiddleware::new(cookies))
///         .route("/", web::get().to(|| async { "ok" })),
/// )
/// .await;
/// let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
/// assert!(response.status().is_success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct SessionService<S> {
    service: S,
    cookies: SessionCookie,
}

impl<S, B> Service<ServiceRequest> for SessionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let read = self
            .cookies
            .settings()
            .read_ref(request.headers().get_all(COOKIE).map(HeaderValue::as_bytes));
        let handle = SessionHandle::open(&self.cookies, &read);
        request.extensions_mut().insert(handle.clone());
        let response = self.service.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            append(handle.finish(), response.headers_mut());
            Ok(response)
        })
    }
}

/// One `Set-Cookie` header per cookie (appended: several may be sent).
fn append(set: SetCookies, headers: &mut HeaderMap) {
    for cookie in set {
        // Visible ASCII and spaces only (see `SetCookie::to_string`): the conversion cannot fail,
        // and a cookie that could not be sent is skipped rather than a panic. The rendered header
        // is taken over as it is (its buffer is exactly its length).
        if let Ok(value) = HeaderValue::try_from(cookie.into_line()) {
            headers.append(SET_COOKIE, value);
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Session<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    /// The request's session; never fails because of what the client sent. Without the
    /// [`SessionMiddleware`] (a deployment error): a 500 with a fixed text.
    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let handle = request.extensions().get::<SessionHandle>().cloned();
        ready(match handle {
            Some(handle) => Ok(Self::from_handle(handle)),
            None => Err(actix_web::error::InternalError::new(
                "internal server error",
                StatusCode::INTERNAL_SERVER_ERROR,
            )
            .into()),
        })
    }
}

impl ResponseError for SealError {
    /// Always `500 Internal Server Error`.
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    /// A 500 with a fixed text (no detail reaches the client: log the error itself); no cookie
    /// is set, so the client keeps the session it had.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body(SEAL_FAILED_TEXT)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use actix_web::dev::ServiceResponse;
    use actix_web::http::StatusCode;
    use actix_web::http::header::{COOKIE, SET_COOKIE};
    use actix_web::test::{TestRequest, call_service, init_service, read_body};
    use actix_web::{App, web};

    use super::{Session, SessionMiddleware};
    use crate::integrations::fixtures::{T0, at, clocked as cookies, pair};
    use crate::{CookieSettings, ManualClock, SealError, SessionOptions};

    async fn read_handler(s: Session<(String, bool)>) -> String {
        format!("{:?} {:?}", s.get(), s.error().map(|e| e.to_string()))
    }

    async fn login(s: Session<(String, bool)>) -> Result<&'static str, SealError> {
        s.seal(&("alice".to_owned(), false), &SessionOptions::default())?;
        Ok("")
    }

    async fn sudo(mut s: Session<(String, bool)>) -> Result<&'static str, SealError> {
        let (user, _) = s.take().unwrap_or_default();
        s.reissue(&(user, true))?;
        Ok("")
    }

    async fn logout(s: Session<(String, bool)>) -> &'static str {
        s.remove();
        ""
    }

    struct Reply {
        status: StatusCode,
        set_cookies: Vec<String>,
        body: String,
    }

    async fn reply<B: MessageBody>(response: ServiceResponse<B>) -> Reply {
        let status = response.status();
        let set_cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body = String::from_utf8(read_body(response).await.to_vec()).unwrap();
        Reply {
            status,
            set_cookies,
            body,
        }
    }

    macro_rules! app {
        ($cookies:expr) => {
            init_service(
                App::new()
                    .wrap(SessionMiddleware::new($cookies))
                    .route("/read", web::get().to(read_handler))
                    .route("/login", web::post().to(login))
                    .route("/sudo", web::post().to(sudo))
                    .route("/logout", web::post().to(logout)),
            )
            .await
        };
    }

    /// Sends a request with this method, path and `Cookie` header to the app: its [`Reply`].
    macro_rules! send {
        ($app:expr, $method:expr, $path:expr, $cookie:expr) => {
            reply(call_service(&$app, request($method, $path, $cookie).to_request()).await).await
        };
    }

    fn request(method: &str, path: &str, cookie: Option<&str>) -> TestRequest {
        let mut r = match method {
            "POST" => TestRequest::post(),
            _ => TestRequest::get(),
        }
        .uri(path);
        if let Some(cookie) = cookie {
            r = r.insert_header((COOKIE, cookie.to_owned()));
        }
        r
    }

    #[actix_web::test]
    #[cfg_attr(
        miri,
        ignore = "an actix runtime and several seals per test: minutes under Miri"
    )]
    async fn login_read_reissue_and_logout_use_the_same_verbs() {
        let clock = ManualClock::at(at(T0));
        let app = app!(cookies(CookieSettings::default(), &clock));
        // Anonymous: reissuing nothing is refused, with a fixed text and no cookie.
        let r = send!(app, "POST", "/sudo", None);
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.body, "could not store the session\n");
        assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);

        let r = send!(app, "POST", "/login", None);
        assert_eq!(r.set_cookies.len(), 1);
        assert!(r.set_cookies[0].starts_with("__Host-session="));
        assert!(r.set_cookies[0].contains("; Secure; HttpOnly; SameSite=Lax"));
        let cookie = pair(&r.set_cookies[0]).to_owned();
        // A handler that only reads a fresh session sends nothing.
        let r = send!(app, "GET", "/read", Some(&cookie));
        assert_eq!(r.body, "Some((\"alice\", false)) None");
        assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);
        let r = send!(app, "POST", "/sudo", Some(&cookie));
        assert_eq!(r.status, StatusCode::OK);
        let admin = pair(&r.set_cookies[0]).to_owned();
        let r = send!(app, "GET", "/read", Some(&admin));
        assert_eq!(r.body, "Some((\"alice\", true)) None");
        // A handler that writes wins over a due renewal.
        clock.set(at(T0 + 2400));
        let r = send!(app, "POST", "/logout", Some(&admin));
        assert_eq!(r.set_cookies.len(), 1);
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
    }

    #[actix_web::test]
    #[cfg_attr(
        miri,
        ignore = "an actix runtime and several seals per test: minutes under Miri"
    )]
    async fn a_handler_that_only_reads_keeps_the_session_alive_until_the_absolute_deadline() {
        let clock = ManualClock::at(at(T0));
        let app = app!(cookies(CookieSettings::default(), &clock));
        let r = send!(app, "POST", "/login", None);
        let mut cookie = pair(&r.set_cookies[0]).to_owned();
        let mut t = T0;
        let mut renewals = 0;
        while t + 2400 < T0 + 3 * 3600 {
            t += 2400;
            clock.set(at(t));
            let r = send!(app, "GET", "/read", Some(&cookie));
            assert_eq!(r.body, "Some((\"alice\", false)) None", "at {}", t - T0);
            assert_eq!(r.set_cookies.len(), 1, "at {}", t - T0);
            assert!(!r.set_cookies[0].starts_with("__Host-session=;"));
            cookie = pair(&r.set_cookies[0]).to_owned();
            renewals += 1;
        }
        assert_eq!(renewals, 4);
        // Past the absolute deadline, inside the leeway: removal cookies, never an error.
        clock.set(at(T0 + 3 * 3600 + 30));
        let r = send!(app, "GET", "/read", Some(&cookie));
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
        // After the leeway: no session, the reason for the log, and the cookie removed.
        clock.set(at(T0 + 3 * 3600 + 61));
        let r = send!(app, "GET", "/read", Some(&cookie));
        assert!(
            r.body
                .starts_with("None Some(\"session cookie refused: session expired"),
            "{}",
            r.body
        );
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
    }

    #[actix_web::test]
    #[cfg_attr(
        miri,
        ignore = "an actix runtime and several seals per test: minutes under Miri"
    )]
    async fn dead_cookies_and_payloads_of_another_type_are_removed() {
        let clock = ManualClock::at(at(T0));
        let c = cookies(CookieSettings::builder().chunks(3).build().unwrap(), &clock);
        let other = c
            .seal(&c.settings().read([]), &7u8, &SessionOptions::default())
            .unwrap();
        let other = format!("__Host-session={}", other.iter().next().unwrap().value());
        let app = app!(c);
        let junk = "__Host-session.0=junk; __Host-session.2=x; theme=dark";
        let r = send!(app, "GET", "/read", Some(junk));
        assert!(
            r.body.starts_with("None Some(\"session cookie unreadable"),
            "{}",
            r.body
        );
        let removed: Vec<_> = r.set_cookies.iter().map(|c| pair(c)).collect();
        assert_eq!(removed, ["__Host-session.0=", "__Host-session.2="]);
        let r = send!(app, "GET", "/read", Some(&other));
        assert!(r.body.starts_with("None Some("), "{}", r.body);
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
        // Nothing of ours: nothing sent.
        let r = reply(
            call_service(
                &app,
                request("GET", "/read", Some("theme=dark")).to_request(),
            )
            .await,
        )
        .await;
        assert!(r.set_cookies.is_empty());
    }

    #[actix_web::test]
    #[cfg_attr(
        miri,
        ignore = "an actix runtime and several seals per test: minutes under Miri"
    )]
    async fn without_the_middleware_extraction_is_a_500_without_detail() {
        let app = init_service(App::new().route("/read", web::get().to(read_handler))).await;
        let r = send!(app, "GET", "/read", None);
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.body, "internal server error");
    }
}
