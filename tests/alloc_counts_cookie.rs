//! Heap allocations of the cookie layer's request path, counted per thread by
//! tests/common/alloc_count.rs: reading the `Cookie` header, opening, renewing, and rendering the
//! `Set-Cookie` header value.
#![cfg(feature = "http")]

#[path = "common/alloc_count.rs"]
mod alloc_count;
mod common;
use alloc_count::count;

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use sealed_session::{CookieSettings, Keyring, ManualClock, Sealer, SessionCookie, SessionOptions};

#[test]
fn the_request_path_allocates_only_what_it_keeps() {
    let settings = CookieSettings::default();
    let config = settings.config_builder().build().unwrap();
    let sealer = Sealer::new(Keyring::new(1, common::key(1)), config)
        .with_clock(ManualClock::at(common::at(1_800_000_000)));
    let cookies = SessionCookie::new(sealer, settings).unwrap();
    let persistent = SessionOptions::default().persistent(true);
    // Warm-up: the thread's scratch buffer and the epoch's key are made once.
    for _ in 0..2 {
        let t = cookies.sealer().seal(&7u64, &persistent).unwrap();
        cookies.sealer().open::<u64>(&t).unwrap();
    }
    let token = cookies.sealer().seal(&7u64, &persistent).unwrap();
    let mut headers = HeaderMap::new();
    let header = format!("theme=dark; {}={token}; lang=en", cookies.settings().name());
    headers.insert(COOKIE, HeaderValue::from_str(&header).unwrap());

    // Reading: the token text only.
    let (n, read) = count(|| cookies.settings().read_headers(&headers));
    assert_eq!(n, 1, "read_headers allocated {n} times");
    let (n, opened) = count(|| cookies.open::<u64>(&read).unwrap().unwrap());
    assert_eq!(n, 0, "open of a u64 allocated {n} times");

    // Renewing: one buffer, the whole `Set-Cookie` header (name, token, attributes) sealed into
    // it; a single cookie needs no list.
    let (n, set) = count(|| cookies.renew(&read, &8u64, &opened.meta).unwrap());
    assert_eq!(n, 1, "renew allocated {n} times");

    // A copy of the header value: one buffer of exactly its length.
    let cookie = set.iter().next().unwrap();
    let (n, value) = count(|| cookie.to_header_value());
    assert_eq!(n, 1, "to_header_value allocated {n} times");
    assert_eq!(value.to_str().unwrap(), cookie.to_string());

    // The header value taken over: no allocation, no copy.
    let text = cookie.to_string();
    let (n, value) = count(|| HeaderValue::from(set.into_iter().next().unwrap()));
    assert_eq!(n, 0, "the conversion allocated {n} times");
    assert_eq!(value.to_str().unwrap(), text);
}
