//! Sessions in any framework: a plain hyper 1 server that uses only [`SessionCookie`] and the
//! `http` helpers (feature `http`). Request headers in, `Set-Cookie` headers out; three calls:
//!
//! 1. read our cookies from the request: `cookies.settings().read_headers(request.headers())`;
//! 2. open the session: `cookies.open::<T>(&read)`;
//! 3. write what the response carries: `seal` (login), `renew` (new value, or the same value
//!    when `meta.renewal_due()`), `reissue` (privilege change) or `remove` (logout, and any
//!    cookie that gave no session), then `set.append_to(response.headers_mut())`.
//!
//! ```sh
//! cargo run --example hyper_app --features http
//! curl -si -X POST 'http://127.0.0.1:3000/login?user=alice'      # Set-Cookie: __Host-session=...
//! curl -si -H 'Cookie: __Host-session=...' http://127.0.0.1:3000/  # hello alice
//! ```
//!
//! Environment: `APP_ADDR` (default `127.0.0.1:3000`), `APP_SESSION_KEYS` (`1:<base64 key>`;
//! without it a development key is generated and sessions die with the process).
//! `tests/hyper_app.rs` runs this server and checks it over real HTTP.
#![allow(
    dead_code,
    reason = "tests/hyper_app.rs includes this file and does not call `main`"
)]

use std::convert::Infallible;
use std::error::Error;

use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sealed_session::{
    CookieSettings, KeyError, Keyring, LoadError, LogLevel, MasterKey, SealError, Sealer,
    SessionCookie, SessionOptions, SetCookies,
};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let keyring = match Keyring::from_env("APP_SESSION_KEYS") {
        Err(KeyError::Missing { .. }) => {
            eprintln!("WARNING: APP_SESSION_KEYS is not set: a random development key");
            Keyring::new(1, MasterKey::generate()?)
        }
        other => other?,
    };
    let settings = CookieSettings::default();
    let sealer = Sealer::new(keyring, settings.config_builder().build()?);
    let cookies = SessionCookie::new(sealer, settings)?;
    let addr = std::env::var("APP_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!("hyper session demo on http://{}", listener.local_addr()?);
    serve(listener, cookies).await
}

/// Serves every connection on `listener` until an accept fails.
pub async fn serve(listener: TcpListener, cookies: SessionCookie) -> Result<(), Box<dyn Error>> {
    loop {
        let (stream, _) = listener.accept().await?;
        let cookies = cookies.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let response = handle(&cookies, &request);
                async move { Ok::<_, Infallible>(response) }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection error: {e}");
            }
        });
    }
}

/// `GET /`: who is signed in (only reads: renews when due, removes cookies that gave no
/// session). `POST /login?user=NAME`: a new session. `POST /logout`: ends it.
pub fn handle(cookies: &SessionCookie, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    // 1. Our cookies, from every `Cookie` header of the request.
    let read = cookies.settings().read_headers(request.headers());
    // 2. The session they carry: `Ok(None)` when there is none, `Err` when they gave none.
    let opened = cookies.open::<String>(&read);
    if let Err(e) = &opened {
        log(e);
    }
    // 3. The cookies the response carries, and its text.
    let (status, text, set): (StatusCode, String, Result<SetCookies, SealError>) =
        match (request.method(), request.uri().path()) {
            (&Method::POST, "/login") => {
                let user = request
                    .uri()
                    .query()
                    .and_then(|q| q.strip_prefix("user="))
                    .filter(|u| !u.is_empty() && u.len() <= 64)
                    .unwrap_or("guest")
                    .to_owned();
                let set = cookies.seal(&read, &user, &SessionOptions::default());
                (StatusCode::OK, format!("welcome {user}"), set)
            }
            (&Method::POST, "/logout") => (StatusCode::OK, "bye".into(), Ok(cookies.remove(&read))),
            (&Method::GET, "/") => match opened {
                Ok(Some(opened)) => {
                    let meta = opened.meta;
                    let text = format!("hello {}", opened.session);
                    // Renew when due (the same value: a new idle deadline). Never due past the
                    // absolute deadline (the token still opens inside the leeway; the next
                    // request after it removes the cookie); a renewal refused because the
                    // deadline passed since the open removes the cookie instead.
                    let set = if meta.renewal_due() {
                        match cookies.renew(&read, &opened.session, &meta) {
                            Err(SealError::Expired) => Ok(cookies.remove(&read)),
                            other => other,
                        }
                    } else {
                        Ok(SetCookies::default())
                    };
                    (StatusCode::OK, text, set)
                }
                Ok(None) => (
                    StatusCode::OK,
                    "signed out".into(),
                    Ok(SetCookies::default()),
                ),
                // Tampered, expired, stale chunks: no session, and the cookies are removed.
                Err(_) => (
                    StatusCode::OK,
                    "signed out".into(),
                    Ok(cookies.remove(&read)),
                ),
            },
            _ => (
                StatusCode::NOT_FOUND,
                "not found".into(),
                Ok(SetCookies::default()),
            ),
        };
    let (status, text, set) = match set {
        Ok(set) => (status, text, set),
        // Nothing is sent: the client keeps the session it had. No detail reaches it.
        Err(e) => {
            eprintln!("ERROR could not store the session: {e}");
            let text = "could not store the session".to_owned();
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                text,
                SetCookies::default(),
            )
        }
    };
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    set.append_to(response.headers_mut());
    response
}

/// Logs why the cookies gave no session: the kind only, never the value.
fn log(e: &LoadError) {
    let level = if e.log_level() >= LogLevel::Warn {
        "WARN"
    } else {
        "INFO"
    };
    eprintln!("{level} session cookie refused: {e}");
}
