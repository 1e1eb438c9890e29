//! Heap allocations (plus reallocations) per request through each app, counted by a global
//! allocator that wraps the system one, and the steps of sealed-session's layer one by one.
//! Deterministic, so it runs on a busy machine: `cargo run --release --bin allocs` (add
//! `-- --redis redis://127.0.0.1:PORT` for the Redis store).

use std::alloc::System;

use axum::Router;
use axum::body::Body;
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Request};
use sealed_session::{CookieSettings, Keyring, MasterKey, Sealer, SessionCookie, SessionOptions};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::ServiceExt as _;

use bench_web::apps::{self, AppSession, Contender};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REQUESTS: usize = 200;

/// Allocations plus reallocations, and bytes allocated, while `f` runs.
fn count<R>(f: impl FnOnce() -> R) -> (usize, usize, R) {
    let region = Region::new(GLOBAL);
    let r = f();
    let s = region.change();
    (
        s.allocations + s.reallocations,
        s.bytes_allocated + s.bytes_reallocated.max(0) as usize,
        r,
    )
}

fn pair(set: &HeaderValue) -> HeaderValue {
    let text = set.to_str().expect("ASCII");
    HeaderValue::from_str(text.split(';').next().unwrap_or("")).expect("cookie")
}

/// Allocations and bytes per request through `router`, the request built and the cookie kept
/// outside the count (that is the client's work).
async fn per_request(router: &Router) -> (f64, f64) {
    let login = Request::get("/login").body(Body::empty()).expect("request");
    let response = router.clone().oneshot(login).await.expect("infallible");
    let mut cookie = response.headers().get(SET_COOKIE).map(pair);
    let (mut allocs, mut bytes) = (0, 0);
    for i in 0..REQUESTS + 10 {
        let mut request = Request::get("/").body(Body::empty()).expect("request");
        if let Some(c) = &cookie {
            request.headers_mut().insert(COOKIE, c.clone());
        }
        let router = router.clone();
        let region = Region::new(GLOBAL);
        let response = router.oneshot(request).await.expect("infallible");
        let s = region.change();
        assert!(response.status().is_success(), "{}", response.status());
        if let Some(set) = response.headers().get(SET_COOKIE) {
            cookie = Some(pair(set));
        }
        drop(response);
        // The first requests warm up (lazily built routes, pools).
        if i >= 10 {
            allocs += s.allocations + s.reallocations;
            bytes += s.bytes_allocated;
        }
    }
    (
        allocs as f64 / REQUESTS as f64,
        bytes as f64 / REQUESTS as f64,
    )
}

fn main() {
    let redis = std::env::args().skip_while(|a| a != "--redis").nth(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("| app | allocations per request | bytes allocated per request |");
    println!("|---|---:|---:|");
    for contender in Contender::ALL {
        if contender == Contender::TowerRedis && redis.is_none() {
            continue;
        }
        let (allocs, bytes) = runtime.block_on(async {
            let router = apps::app(contender, redis.as_deref()).await;
            per_request(&router).await
        });
        println!("| {} | {allocs:.1} | {bytes:.0} |", contender.label());
    }
    println!();
    steps();
}

/// sealed-session's layer, step by step, through the public API.
fn steps() {
    let settings = CookieSettings::default();
    let config = settings.config_builder().build().expect("config");
    let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().expect("key")), config);
    let cookies = SessionCookie::new(sealer, settings).expect("bound");
    let token = cookies
        .sealer()
        .seal(&AppSession::login(), &SessionOptions::default())
        .expect("seal");
    let mut headers = HeaderMap::new();
    let cookie = format!("theme=dark; {}={token}", cookies.settings().name());
    headers.insert(COOKIE, HeaderValue::from_str(&cookie).expect("header"));

    let (a_read, _, read) = count(|| cookies.settings().read_headers(&headers));
    let (a_open, _, opened) = count(|| {
        cookies
            .open::<AppSession>(&read)
            .expect("open")
            .expect("a session")
    });
    let mut value = opened.session;
    value.counter += 1;
    let (a_renew, _, set) = count(|| cookies.renew(&read, &value, &opened.meta).expect("renew"));
    // The map's own storage is made outside the count: only the header values are counted.
    let mut out = HeaderMap::with_capacity(4);
    let (a_append, _, ()) = count(|| set.append_to(&mut out));
    println!("| sealed-session step | allocations |");
    println!("|---|---:|");
    println!("| read the Cookie headers (`read_headers`) | {a_read} |");
    println!("| open and decode (`open::<AppSession>`; the value itself owns 5) | {a_open} |");
    println!("| renew: seal into the Set-Cookie header's buffer (`renew`) | {a_renew} |");
    println!("| Set-Cookie header values (`append_to`: takes that buffer over) | {a_append} |");
}
