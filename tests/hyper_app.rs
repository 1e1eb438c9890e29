//! The "any other framework" example (examples/hyper_app.rs), served on a loopback port and
//! driven over real HTTP/1.1 with a raw `TcpStream`, on a manual clock.
#![cfg(feature = "http")]

#[path = "../examples/hyper_app.rs"]
mod hyper_app;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use sealed_session::{
    CookieSettings, Keyring, Lifetimes, ManualClock, MasterKey, Sealer, SessionCookie,
};
use time::OffsetDateTime;

/// 2027-01-15 08:00:00 UTC.
const T0: i64 = 1_800_000_000;

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

/// Idle 1 h, absolute 3 h, renewal after 50 %, on `clock`.
fn cookies(clock: &ManualClock) -> SessionCookie {
    let settings = CookieSettings::default();
    let config = settings
        .config_builder()
        .browser_session(Lifetimes::new(
            Duration::from_secs(3 * 3600),
            Duration::from_secs(3600),
        ))
        .renew_after_percent(50)
        .build()
        .unwrap();
    let key: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(31) ^ 0xa5).collect();
    let sealer = Sealer::new(
        Keyring::new(1, MasterKey::from_bytes(&key).unwrap()),
        config,
    )
    .with_clock(clock.clone());
    SessionCookie::new(sealer, settings).unwrap()
}

struct Reply {
    status: u16,
    set_cookies: Vec<String>,
    body: String,
}

/// One request over a fresh connection; the server closes it after the response.
fn call(addr: SocketAddr, method: &str, path: &str, cookie: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let set_cookies = lines
        .filter_map(|l| l.split_once(": "))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.to_owned())
        .collect();
    Reply {
        status,
        set_cookies,
        body: body.to_owned(),
    }
}

/// The `name=value` part of a Set-Cookie header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// The example server on 127.0.0.1:0 on `clock`, until the runtime is dropped.
fn serve(clock: &ManualClock) -> (tokio::runtime::Runtime, SocketAddr) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let served = cookies(clock);
    runtime.spawn(async move {
        hyper_app::serve(listener, served)
            .await
            .map_err(|e| e.to_string())
    });
    (runtime, addr)
}

#[test]
fn the_three_calls_log_in_renew_when_due_clean_up_and_log_out() {
    let clock = ManualClock::at(at(T0));
    let (_server, addr) = serve(&clock);

    // No cookie: signed out, nothing sent.
    let r = call(addr, "GET", "/", None);
    assert_eq!((r.status, r.body.as_str()), (200, "signed out"));
    assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);

    // Login: one cookie with the secure defaults.
    let r = call(addr, "POST", "/login?user=alice", None);
    assert_eq!((r.status, r.body.as_str()), (200, "welcome alice"));
    assert_eq!(r.set_cookies.len(), 1, "{:?}", r.set_cookies);
    assert!(r.set_cookies[0].starts_with("__Host-session="));
    assert!(r.set_cookies[0].ends_with("; Path=/; Secure; HttpOnly; SameSite=Lax"));
    let cookie = pair(&r.set_cookies[0]);

    // Read, renewal not due: nothing sent.
    clock.set(at(T0 + 600));
    let r = call(addr, "GET", "/", Some(&cookie));
    assert_eq!(r.body, "hello alice");
    assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);

    // Read past half the idle window: renewed, and the renewed cookie opens after the old
    // one's idle deadline.
    clock.set(at(T0 + 2400));
    let r = call(addr, "GET", "/", Some(&cookie));
    assert_eq!(r.body, "hello alice");
    assert_eq!(r.set_cookies.len(), 1, "{:?}", r.set_cookies);
    let renewed = pair(&r.set_cookies[0]);
    assert_ne!(renewed, cookie);
    clock.set(at(T0 + 3600 + 120));
    assert_eq!(call(addr, "GET", "/", Some(&renewed)).body, "hello alice");
    // The old cookie is past its idle deadline: signed out, and the cookie removed.
    let r = call(addr, "GET", "/", Some(&cookie));
    assert_eq!(r.body, "signed out");
    assert_eq!(r.set_cookies.len(), 1);
    assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));

    // A tampered cookie: signed out and removed, no detail in the response.
    let r = call(addr, "GET", "/", Some("__Host-session=AAAA; theme=dark"));
    assert_eq!((r.status, r.body.as_str()), (200, "signed out"));
    assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));

    // Logout: the removal cookie.
    let r = call(addr, "POST", "/logout", Some(&renewed));
    assert_eq!(r.body, "bye");
    assert_eq!(r.set_cookies.len(), 1);
    assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));

    // Unknown path: 404, nothing sent.
    let r = call(addr, "GET", "/nope", Some(&renewed));
    assert_eq!(r.status, 404);
    assert!(r.set_cookies.is_empty());
}

#[test]
fn a_user_who_only_reads_stays_until_the_absolute_deadline() {
    let clock = ManualClock::at(at(T0));
    let (_server, addr) = serve(&clock);
    let r = call(addr, "POST", "/login?user=bob", None);
    let mut cookie = pair(&r.set_cookies[0]);
    // Every 40 minutes (past the renewal point, inside the 1 h idle window): renewed each time.
    for t in [2400, 4800, 7200, 9600] {
        clock.set(at(T0 + t));
        let r = call(addr, "GET", "/", Some(&cookie));
        assert_eq!(r.body, "hello bob", "at {t}");
        assert_eq!(r.set_cookies.len(), 1, "at {t}");
        assert!(!r.set_cookies[0].starts_with("__Host-session=;"), "at {t}");
        cookie = pair(&r.set_cookies[0]);
    }
    // Past the absolute deadline, inside the leeway: it still opens, and no renewal is due
    // (none could give a live token), so nothing is sent.
    clock.set(at(T0 + 3 * 3600 + 30));
    let r = call(addr, "GET", "/", Some(&cookie));
    assert_eq!((r.status, r.body.as_str()), (200, "hello bob"));
    assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);
    // After the leeway: signed out, and the cookie removed.
    clock.set(at(T0 + 3 * 3600 + 61));
    let r = call(addr, "GET", "/", Some(&cookie));
    assert_eq!((r.status, r.body.as_str()), (200, "signed out"));
    assert_eq!(r.set_cookies.len(), 1);
    assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0"));
}
