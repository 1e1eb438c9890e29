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
use serde::de::DeserializeOwned;

use crate::error::SealError;
use crate::integrations::extract::SEAL_FAILED_TEXT;
pub use crate::integrations::extract::Session;
use crate::integrations::handle::SessionHandle;

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
        Ok(Self::from_handle(handle))
    }
}

impl IntoResponse for SealError {
    /// A `500 Internal Server Error` with a fixed text (no detail reaches the client: log the
    /// error itself); no cookie is set, so the client keeps the session it had.
    fn into_response(self) -> Response {
        let mut res = (StatusCode::INTERNAL_SERVER_ERROR, SEAL_FAILED_TEXT).into_response();
        res.headers_mut().insert(
            CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        res
    }
}

#[cfg(test)]
mod tests {
    use ::axum::Router;
    use ::axum::body::Body;
    use ::axum::routing::{get, post};
    use http::header::{COOKIE, SET_COOKIE};
    use http::{Request, StatusCode};
    use tower_service::Service as _;

    use super::{Session, SessionHandle};
    use crate::integrations::fixtures::{T0, at, clocked, key, pair};
    use crate::tower::SessionLayer;
    use crate::{CookieSettings, Keyring, ManualClock, SealError, SessionCookie, SessionOptions};

    fn cookies(settings: CookieSettings) -> SessionCookie {
        clocked(settings, &ManualClock::at(at(T0)))
    }

    /// The `reissue` example of the adapter's first release, as written: it read an absent
    /// session as the default user and reissued it as admin.
    async fn old_sudo_example(session: Session<(String, bool)>) -> Result<(), SealError> {
        let user = session.get().map(|(u, _)| u.clone()).unwrap_or_default();
        session.reissue(&(user, true))
    }

    fn app(cookies: SessionCookie) -> Router {
        Router::new()
            .route(
                "/read",
                get(|s: Session<(String, bool)>| async move {
                    format!("{:?} {:?}", s.get(), s.error().map(|e| e.to_string()))
                }),
            )
            .route(
                "/login",
                post(|s: Session<(String, bool)>| async move {
                    s.seal(&("alice".to_owned(), false), &SessionOptions::default())
                }),
            )
            .route(
                "/rename",
                post(|mut s: Session<(String, bool)>| async move {
                    let (_, admin) = s.take().unwrap_or_default();
                    s.renew(&("bob".to_owned(), admin))
                }),
            )
            .route("/sudo", post(old_sudo_example))
            .route(
                "/logout",
                post(|s: Session<(String, bool)>| async move { s.remove() }),
            )
            .layer(SessionLayer::new(cookies))
    }

    struct Reply {
        status: StatusCode,
        set_cookies: Vec<String>,
        body: String,
    }

    fn call(app: &Router, method: &str, path: &str, cookie: Option<&str>) -> Reply {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let request = request.body(Body::empty()).unwrap();
        runtime.block_on(async {
            let response = app.clone().call(request).await.unwrap();
            let status = response.status();
            let set_cookies = response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect();
            let body = ::axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            Reply {
                status,
                set_cookies,
                body: String::from_utf8(body.to_vec()).unwrap(),
            }
        })
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn an_anonymous_request_is_never_reissued_as_admin() {
        let app = app(cookies(CookieSettings::default()));
        let r = call(&app, "POST", "/sudo", None);
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);
        // Renewing nothing is refused the same way.
        let r = call(&app, "POST", "/rename", None);
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn a_logged_in_session_is_reissued_and_renewed() {
        let app = app(cookies(CookieSettings::default()));
        let login = call(&app, "POST", "/login", None);
        assert_eq!(login.set_cookies.len(), 1);
        let cookie = pair(&login.set_cookies[0]).to_owned();
        let sudo = call(&app, "POST", "/sudo", Some(&cookie));
        assert_eq!(sudo.status, StatusCode::OK);
        let admin = pair(&sudo.set_cookies[0]).to_owned();
        let read = call(&app, "GET", "/read", Some(&admin));
        assert_eq!(read.body, "Some((\"alice\", true)) None");
        let rename = call(&app, "POST", "/rename", Some(&admin));
        let read = call(&app, "GET", "/read", Some(pair(&rename.set_cookies[0])));
        assert_eq!(read.body, "Some((\"bob\", true)) None");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn a_handler_that_only_reads_sends_no_cookie_for_a_fresh_session() {
        let app = app(cookies(CookieSettings::default()));
        let login = call(&app, "POST", "/login", None);
        let read = call(&app, "GET", "/read", Some(pair(&login.set_cookies[0])));
        assert_eq!(read.body, "Some((\"alice\", false)) None");
        assert!(read.set_cookies.is_empty(), "{:?}", read.set_cookies);
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn a_handler_that_only_reads_keeps_the_session_alive_until_the_absolute_deadline() {
        let clock = ManualClock::at(at(T0));
        let app = app(clocked(CookieSettings::default(), &clock));
        let login = call(&app, "POST", "/login", None);
        let mut cookie = pair(&login.set_cookies[0]).to_owned();
        // Half the idle window not yet used: nothing sent.
        clock.set(at(T0 + 1799));
        assert!(
            call(&app, "GET", "/read", Some(&cookie))
                .set_cookies
                .is_empty()
        );
        // Every 40 minutes, past the renewal point each time, for longer than the idle window:
        // the layer renews and the session lives on, with the same start.
        let mut t = T0;
        let mut renewals = 0;
        while t + 2400 < T0 + 3 * 3600 {
            t += 2400;
            clock.set(at(t));
            let r = call(&app, "GET", "/read", Some(&cookie));
            assert_eq!(r.body, "Some((\"alice\", false)) None", "at {}", t - T0);
            assert_eq!(r.set_cookies.len(), 1, "at {}", t - T0);
            assert!(!r.set_cookies[0].starts_with("__Host-session=;"));
            cookie = pair(&r.set_cookies[0]).to_owned();
            renewals += 1;
        }
        assert_eq!(renewals, 4);
        // Past the absolute deadline, inside the leeway: the token still opens, but the layer
        // removes the cookie instead of failing a renewal.
        clock.set(at(T0 + 3 * 3600 + 30));
        let r = call(&app, "GET", "/read", Some(&cookie));
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, "Some((\"alice\", false)) None");
        assert_eq!(r.set_cookies.len(), 1);
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
        // After the leeway: no session, and the cookie is removed all the same.
        clock.set(at(T0 + 3 * 3600 + 61));
        let r = call(&app, "GET", "/read", Some(&cookie));
        assert!(
            r.body
                .starts_with("None Some(\"session cookie refused: session expired"),
            "{}",
            r.body
        );
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn a_session_under_a_retiring_key_is_moved_to_the_new_one_by_the_layer() {
        let clock = ManualClock::at(at(T0));
        let c = clocked(CookieSettings::default(), &clock);
        let app = app(c.clone());
        let login = call(&app, "POST", "/login", None);
        let cookie = pair(&login.set_cookies[0]).to_owned();
        // Rotation: a new primary key; the old one only opens. A minute later (renewal is not
        // due by time), the next request that only reads moves the session to the new key.
        let ring = Keyring::new(2, key(2)).with_open_only(1, key(1)).unwrap();
        c.sealer().replace_keyring(ring);
        clock.set(at(T0 + 60));
        let r = call(&app, "GET", "/read", Some(&cookie));
        assert_eq!(r.body, "Some((\"alice\", false)) None");
        assert_eq!(r.set_cookies.len(), 1);
        let renewed = pair(&r.set_cookies[0]).to_owned();
        // The old key retired: the renewed cookie opens, the old one does not.
        c.sealer().replace_keyring(Keyring::new(2, key(2)));
        assert!(
            call(&app, "GET", "/read", Some(&renewed))
                .body
                .starts_with("Some(")
        );
        assert!(
            call(&app, "GET", "/read", Some(&cookie))
                .body
                .starts_with("None")
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn a_handler_that_writes_wins_over_a_due_renewal() {
        let clock = ManualClock::at(at(T0));
        let app = app(clocked(CookieSettings::default(), &clock));
        let login = call(&app, "POST", "/login", None);
        let cookie = pair(&login.set_cookies[0]).to_owned();
        clock.set(at(T0 + 2400));
        let r = call(&app, "POST", "/logout", Some(&cookie));
        assert_eq!(r.set_cookies.len(), 1);
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn dead_cookies_are_removed_and_the_handler_sees_no_session() {
        let app = app(cookies(
            CookieSettings::builder().chunks(3).build().unwrap(),
        ));
        let r = call(
            &app,
            "GET",
            "/read",
            Some("__Host-session.0=junk; __Host-session.2=x; theme=dark"),
        );
        assert!(
            r.body.starts_with("None Some(\"session cookie unreadable"),
            "{}",
            r.body
        );
        let removed: Vec<_> = r.set_cookies.iter().map(|c| pair(c)).collect();
        assert_eq!(removed, ["__Host-session.0=", "__Host-session.2="]);
        // Nothing of ours: nothing sent.
        let r = call(&app, "GET", "/read", Some("theme=dark"));
        assert!(r.set_cookies.is_empty());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn a_payload_of_another_type_is_no_session_and_its_cookie_is_removed() {
        let c = cookies(CookieSettings::default());
        let set = c
            .seal(&c.settings().read([]), &7u8, &SessionOptions::default())
            .unwrap();
        let cookie = format!("__Host-session={}", set.iter().next().unwrap().value());
        let app = app(c);
        let r = call(&app, "GET", "/read", Some(&cookie));
        assert!(r.body.starts_with("None Some("), "{}", r.body);
        assert_eq!(r.set_cookies.len(), 1);
        assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
        // And a write to it is refused: it is no session.
        let r = call(&app, "POST", "/rename", Some(&cookie));
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn a_handler_that_writes_wins() {
        let app = app(cookies(CookieSettings::default()));
        let login = call(&app, "POST", "/login", None);
        let logout = call(&app, "POST", "/logout", Some(pair(&login.set_cookies[0])));
        assert_eq!(logout.set_cookies.len(), 1);
        assert!(logout.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
        // A login over a dead cookie: the new session, not a removal of it.
        let login = call(&app, "POST", "/login", Some("__Host-session=junk"));
        assert_eq!(login.set_cookies.len(), 1);
        assert!(!login.set_cookies[0].starts_with("__Host-session=;"));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn errors_reach_the_client_without_detail() {
        let too_big = SealError::TooLong {
            len: 5000,
            max: 4082,
        };
        for e in [too_big, SealError::NoSession, SealError::Serialize] {
            let r = ::axum::response::IntoResponse::into_response(e);
            assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let body = runtime
                .block_on(::axum::body::to_bytes(r.into_body(), 1024))
                .unwrap();
            assert_eq!(&body[..], b"could not store the session\n");
        }
        // Without the layer: a 500, with a fixed text.
        let bare: Router = Router::new().route("/", get(|_: Session<u8>| async { "" }));
        let r = call(&bare, "GET", "/", None);
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.body, "internal server error");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an async runtime and several seals per test: minutes under Miri"
    )]
    fn debug_never_shows_a_value() {
        let c = cookies(CookieSettings::default());
        let set = c
            .seal(
                &c.settings().read([]),
                &("alice", false),
                &SessionOptions::default(),
            )
            .unwrap();
        let token = set.iter().next().unwrap().value().to_owned();
        let handle_debug = {
            let mut headers = http::HeaderMap::new();
            headers.insert(COOKIE, format!("__Host-session={token}").parse().unwrap());
            let read = c.settings().read_ref(
                headers
                    .get_all(COOKIE)
                    .iter()
                    .map(http::HeaderValue::as_bytes),
            );
            format!("{:?}", SessionHandle::open(&c, &read))
        };
        for shown in [format!("{set:?}"), handle_debug] {
            assert!(!shown.contains(&token), "{shown}");
        }
    }
}
