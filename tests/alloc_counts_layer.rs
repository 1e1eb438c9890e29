//! Heap allocations per request through the tower `SessionLayer` and the axum `Session<T>`
//! extractor, over the same router without the layer: what the session adds to a request that
//! writes the session, and one that only reads it. Counted by tests/common/alloc_count.rs; the request
//! is built and the cookie kept outside the count. Everything runs in one test function, since
//! the counters are global.
#![cfg(feature = "axum")]

#[path = "common/alloc_count.rs"]
mod alloc_count;
mod common;
use alloc_count::count;

use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, Request, StatusCode};
use sealed_session::axum::Session;
use sealed_session::tower::SessionLayer;
use sealed_session::{
    CookieSettings, Keyring, ManualClock, SealError, Sealer, SessionCookie, SessionOptions,
};
use tower_service::Service as _;

/// A session of the kind apps keep: a name (one allocation when decoded) and a counter.
type App = (String, u64);

async fn login(session: Session<App>) -> Result<&'static str, SealError> {
    session.seal(&("alice".to_owned(), 0), &SessionOptions::default())?;
    Ok("0")
}

async fn write(mut session: Session<App>) -> Result<Response, SealError> {
    let Some(mut value) = session.take() else {
        return Ok(StatusCode::UNAUTHORIZED.into_response());
    };
    value.1 += 1;
    session.renew(&value)?;
    Ok(value.1.to_string().into_response())
}

async fn read(session: Session<App>) -> Response {
    match session.get() {
        Some(value) => value.1.to_string().into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The bare router's handler: the same body work, no session.
async fn bare() -> String {
    0u64.to_string()
}

fn router() -> Router {
    let settings = CookieSettings::default();
    let config = settings.config_builder().build().unwrap();
    let sealer = Sealer::new(Keyring::new(1, common::key(1)), config)
        .with_clock(ManualClock::at(common::at(common::T0)));
    let cookies = SessionCookie::new(sealer, settings).unwrap();
    Router::new()
        .route("/login", get(login))
        .route("/write", get(write))
        .route("/read", get(read))
        .layer(SessionLayer::new(cookies))
        // Routes finalized as `axum::serve` does: called in process, an unfinalized router
        // rebuilds each route and applies its layers on every request, which a served app never
        // pays.
        .with_state(())
}

/// The `name=value` part of a `Set-Cookie` header.
fn pair(set: &HeaderValue) -> HeaderValue {
    let text = set.to_str().unwrap();
    HeaderValue::from_str(text.split(';').next().unwrap()).unwrap()
}

/// One request to `path` through `app`, carrying `cookie`; returns the allocations it made, and
/// the response's `Set-Cookie` pair if any.
fn request(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    path: &str,
    cookie: Option<&HeaderValue>,
) -> (usize, Option<HeaderValue>) {
    let mut request = Request::get(path).body(Body::empty()).unwrap();
    if let Some(c) = cookie {
        request.headers_mut().insert(COOKIE, c.clone());
    }
    let mut app = app.clone();
    let (n, response) = count(|| runtime.block_on(app.call(request)).unwrap());
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let set = response.headers().get(SET_COOKIE).map(pair);
    drop(response);
    (n, set)
}

/// The fewest allocations of `n` requests (the first ones build lazy state: routes, the thread's
/// scratch buffer, the epoch key).
fn fewest(mut f: impl FnMut() -> usize) -> usize {
    (0..20).map(|_| f()).min().unwrap()
}

#[test]
fn the_layer_adds_few_allocations_per_request() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let app = router();
    let without = Router::new().route("/bare", get(bare)).with_state(());
    let (_, login) = request(&runtime, &app, "/login", None);
    let mut cookie = login.expect("the login sets the cookie");

    // A router without the layer, the same handler work without a session.
    let bare = fewest(|| request(&runtime, &without, "/bare", None).0);
    // Writing: open, decode, renew, one Set-Cookie header.
    let write = fewest(|| {
        let (n, set) = request(&runtime, &app, "/write", Some(&cookie));
        cookie = set.expect("a write sets the cookie");
        n
    });
    // Reading: open and decode; nothing sent (renewal is not due).
    let read = fewest(|| {
        let (n, set) = request(&runtime, &app, "/read", Some(&cookie));
        assert!(set.is_none());
        n
    });
    // Reading: the request's session handle, its place in the request's extensions, the
    // decoded value's `String`, and axum's own cost of a layer around a route (the route's
    // service cloned and its future boxed per request). Writing adds one buffer: the token is
    // sealed into the `Set-Cookie` header's own.
    let (write, read) = (write - bare, read - bare);
    eprintln!("over the bare request: writing {write}, reading {read}");
    assert!(
        write <= 6,
        "writing: {write} allocations over the bare request"
    );
    assert!(
        read <= 5,
        "reading: {read} allocations over the bare request"
    );
}
