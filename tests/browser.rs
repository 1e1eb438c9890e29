//! End-to-end tests in a real browser: headless Chromium against the example app
//! (examples/axum_app), served in-process on 127.0.0.1:0.
//!
//! Each Chromium run is a fresh browser with a fresh profile, so each flow fits in one
//! navigation: a test page whose inline script makes `fetch()` calls (cookies are set and sent
//! exactly as for navigations) and writes `key=value` lines into `<pre id=result>`, which
//! `--dump-dom` prints.
//!
//! Chromium missing: under `CI=true` these tests fail; elsewhere they fail unless
//! `SKIP_BROWSER_TESTS=1` is set, which skips them loudly. `scripts/test` installs Chromium.
#![cfg(feature = "axum")]

#[path = "../examples/axum_app/app.rs"]
mod app;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sealed_session::tower::SessionLayer;
use sealed_session::{Keyring, ManualClock, MasterKey, Sealer, SessionOptions};
use serde::Deserialize;
use time::OffsetDateTime;

use app::{AppConfig, AppSession};

// --- the browser ------------------------------------------------------------------------------

/// The Chromium binary, or `None` when the tests are to be skipped (outside CI, with
/// `SKIP_BROWSER_TESTS=1`). Panics with instructions otherwise.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
                .find(|p| p.is_file())
        })
    });
    if let Some(path) = found {
        return Some(path);
    }
    let install = "install it with: apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                   apt-get install -y -qq chromium (bash scripts/test does this)";
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("chromium is not installed, and CI must run the browser tests: {install}");
    }
    if std::env::var("SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!(
            "\n########## SKIPPED: browser test (chromium not installed, SKIP_BROWSER_TESTS=1) ##########\n"
        );
        return None;
    }
    panic!("chromium is not installed: {install}; or set SKIP_BROWSER_TESTS=1 to skip these tests");
}

static RUN: AtomicUsize = AtomicUsize::new(0);

/// Loads `url` in a fresh headless Chromium and returns the DOM after load.
fn dump_dom(chromium: &Path, url: &str, extra: &[&str]) -> String {
    let n = RUN.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("sealed-session-browser-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("dom.html");
    let err_path = dir.join("stderr.txt");
    let mut command = Command::new(chromium);
    if std::env::var_os("HOME").is_none() {
        // Chromium wants a home directory for its caches; CI environments may not set one.
        command.env("HOME", &dir);
    }
    let mut child = command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(extra)
        .args(["--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within 90 s for {url}; stderr:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let dom = std::fs::read_to_string(&out_path).unwrap_or_default();
    assert!(
        status.success() && !dom.is_empty(),
        "chromium failed ({status}) for {url}; stderr:\n{}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    let _ = std::fs::remove_dir_all(&dir);
    dom
}

/// The `key=value` lines a flow script wrote into `<pre id="result">`.
fn results(dom: &str) -> HashMap<String, String> {
    let start = dom
        .find("<pre id=\"result\">")
        .unwrap_or_else(|| panic!("no result in the page; the DOM was:\n{dom}"));
    let body = &dom[start + "<pre id=\"result\">".len()..];
    let body = &body[..body.find("</pre>").expect("closed pre")];
    body.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("&amp;", "&")))
        .collect()
}

// --- the app, with test pages -----------------------------------------------------------------

/// The example app on 127.0.0.1:0, in-process, until dropped.
struct Server {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(config: &AppConfig) -> Self {
        let key = MasterKey::generate().unwrap().to_base64url();
        let keyring = || Keyring::new(1, MasterKey::from_text(&key).unwrap());
        let cookies = config.session_cookie(keyring()).unwrap();
        // The same key and config, for the test pages that plant cookies the app would not set.
        let planter = Planter {
            sealer: Sealer::new(keyring(), cookies.sealer().config()),
            name: cookies.settings().name().to_owned(),
        };
        let router = app::routes()
            .merge(test_pages(planter))
            .layer(SessionLayer::new(cookies));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, router).await });
        Self {
            addr,
            _runtime: runtime,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The same server under a name that is not loopback (mapped to 127.0.0.1 by Chromium).
    fn app_test_url(&self, path: &str) -> String {
        format!("http://app.test:{}{path}", self.addr.port())
    }
}

/// Shared by every flow page: `log(key, value)`, `post`, `who` (the `/whoami` line), and the
/// `<pre id=result>` written when `run()` ends.
const PRELUDE: &str = r#"
const out = [];
const log = (k, v) => out.push(k + '=' + v);
const post = (path, params) => fetch(path, {method: 'POST', body: new URLSearchParams(params || {})});
const who = async () => (await fetch('/whoami')).text();
const path = (r) => new URL(r.url).pathname + new URL(r.url).search;
window.addEventListener('load', () => {
  run().catch((e) => log('exception', String(e))).finally(() => {
    const pre = document.createElement('pre');
    pre.id = 'result';
    pre.textContent = out.join('\n');
    document.body.appendChild(pre);
  });
});
"#;

fn flow_page(script: &'static str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=utf-8></head><body>\
         <script>{PRELUDE}\nasync function run() {{\n{script}\n}}</script></body></html>"
    ))
}

const LOGIN_FLOW: &str = r#"
document.cookie = 'visible=1; path=/';
log('before', await who());
const r = await post('/login', {user: 'alice', password: 'demo'});
log('login_status', r.status);
log('login_path', path(r));
log('private_shows_user', (await r.text()).includes('<b id=user>alice</b>'));
log('after', await who());
log('document_cookie', document.cookie);
"#;

const LOGOUT_FLOW: &str = r#"
await post('/login', {user: 'bob', password: 'demo'});
log('logged_in', await who());
const r = await post('/logout');
log('logout_path', path(r));
log('after', await who());
const p = await fetch('/private');
log('private_path', path(p));
"#;

const COUNTER_FLOW: &str = r#"
await post('/login', {user: 'carol', password: 'demo', remember: '1'});
for (let i = 0; i < 3; i++) { await post('/counter'); }
log('counted', await who());
const r = await post('/admin');
log('admin_path', path(r));
log('after_admin', await who());
"#;

const PLANTED_FLOW: &str = r#"
await fetch('/t/plant' + location.search);
log('who', await who());
await fetch('/t/plant' + location.search);
const r = await fetch('/private');
log('private_status', r.status);
log('private_path', path(r));
log('ended_note', (await r.text()).includes('id=expired'));
log('after', await who());
"#;

const IDLE_FLOW: &str = r#"
await post('/login', {user: 'dave', password: 'demo'});
log('fresh', await who());
await fetch('/t/sleep?ms=3500');
log('after_idle', await who());
"#;

const RENEW_FLOW: &str = r#"
const sealedAt = async () => {
  const r = await fetch('/private');
  const m = /id=sealed-at>(\d+)</.exec(await r.text());
  return m ? Number(m[1]) : 'signed-out:' + path(r);
};
const sleep = (ms) => fetch('/t/sleep?ms=' + ms);
await post('/login', {user: 'gina', password: 'demo'});
const first = await sealedAt();
await sleep(1500);
await sealedAt(); // not due yet: this response must not renew
log('not_due_yet', (await sealedAt()) === first);
await sleep(3000);
await sealedAt(); // due now: this response renews
const renewed = await sealedAt();
log('renewed_later', typeof renewed === 'number' && renewed > first);
await sleep(7000);
log('alive_after_idle_time', await who());
"#;

/// A user who only ever visits `/` after login, every 1.5 s, until past the absolute deadline.
/// Logs, per visit, the seconds since login (server clock) and whether `/` showed the user.
const HOME_ONLY_FLOW: &str = r#"
const now = async () => Number(await (await fetch('/t/now')).text());
await post('/login', {user: 'hana', password: 'demo'});
const start = await now();
const visits = [];
for (let i = 0; i < 11; i++) {
  await fetch('/t/sleep?ms=1500');
  const home = await (await fetch('/')).text();
  const t = ((await now()) - start) / 1000;
  visits.push(t.toFixed(1) + ':' + (home.includes('<b id=user>hana</b>') ? 'in' : 'out'));
}
log('visits', visits.join(','));
"#;

/// The admin route asked for without a session: no one becomes admin anonymously.
const ANONYMOUS_ADMIN_FLOW: &str = r#"
const r = await post('/admin');
log('admin_path', path(r));
log('after', await who());
"#;

const CHUNK_FLOW: &str = r#"
await post('/login', {user: 'erin', password: 'demo'});
const big = 'n'.repeat(7000);
const r = await post('/note', {note: big});
log('big_status', r.status);
log('big', await who());
const p = await (await fetch('/private')).text();
log('big_note_intact', p.includes(big));
await post('/note', {note: 'short'});
log('small', await who());
"#;

const TOO_BIG_FLOW: &str = r#"
await post('/login', {user: 'frank', password: 'demo'});
await post('/note', {note: 'kept'});
const r = await post('/note', {note: 'n'.repeat(5000)});
log('status', r.status);
log('body', (await r.text()).trim());
log('after', await who());
"#;

const MAX_SIZE_FLOW: &str = r#"
await fetch('/t/plant-max');
log('who', await who());
"#;

#[derive(Deserialize)]
struct PlantQuery {
    kind: String,
}

#[derive(Deserialize)]
struct SleepQuery {
    ms: u64,
}

/// Seals tokens as the app's sealer would, at any time, for cookies a browser could not
/// otherwise get.
struct Planter {
    sealer: Sealer,
    name: String,
}

/// Test-only pages: the flows, and cookies a browser could not otherwise get.
fn test_pages(planter: Planter) -> Router {
    let planter = std::sync::Arc::new(planter);
    let plant_with = planter.clone();
    Router::new()
        .route("/t/login", get(|| async { flow_page(LOGIN_FLOW) }))
        .route("/t/logout", get(|| async { flow_page(LOGOUT_FLOW) }))
        .route("/t/counter", get(|| async { flow_page(COUNTER_FLOW) }))
        .route("/t/planted", get(|| async { flow_page(PLANTED_FLOW) }))
        .route("/t/idle", get(|| async { flow_page(IDLE_FLOW) }))
        .route("/t/renew", get(|| async { flow_page(RENEW_FLOW) }))
        .route("/t/home-only", get(|| async { flow_page(HOME_ONLY_FLOW) }))
        .route("/t/chunks", get(|| async { flow_page(CHUNK_FLOW) }))
        .route("/t/too-big", get(|| async { flow_page(TOO_BIG_FLOW) }))
        .route("/t/max-size", get(|| async { flow_page(MAX_SIZE_FLOW) }))
        .route(
            "/t/anonymous-admin",
            get(|| async { flow_page(ANONYMOUS_ADMIN_FLOW) }),
        )
        .route(
            "/t/sleep",
            get(|Query(q): Query<SleepQuery>| async move {
                tokio::time::sleep(Duration::from_millis(q.ms)).await;
                "slept"
            }),
        )
        .route(
            "/t/now",
            get(|| async {
                format!(
                    "{}",
                    OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000
                )
            }),
        )
        .route(
            "/t/plant",
            get(move |Query(q): Query<PlantQuery>| async move { plant(&plant_with, &q.kind) }),
        )
        .route(
            "/t/plant-max",
            get(move || async move { plant_max(&planter) }),
        )
}

/// Sets a session cookie that must not open: `tampered` (one character of a valid token
/// changed) or `expired` (sealed just over the idle lifetime ago, a browser-session cookie, so
/// the browser keeps it while the token inside is past its idle deadline).
fn plant(planter: &Planter, kind: &str) -> Response {
    let value = AppSession {
        user: "mallory".into(),
        ..AppSession::default()
    };
    let now = OffsetDateTime::now_utc();
    // Expired: sealed one second longer ago than the idle lifetime and leeway allow, so the
    // token is past its idle deadline but still from an accepted epoch at any time of day.
    let config = planter.sealer.config();
    let too_old =
        config.browser_session().idle() + config.leeway() + std::time::Duration::from_secs(1);
    let at = if kind == "expired" {
        now - too_old
    } else {
        now
    };
    let mut token = planter
        .sealer
        .clone()
        .with_clock(ManualClock::at(at))
        .seal(&value, &SessionOptions::default())
        .unwrap();
    if kind == "tampered" {
        let mut bytes = token.into_bytes();
        bytes[40] = if bytes[40] == b'A' { b'B' } else { b'A' };
        token = String::from_utf8(bytes).unwrap();
    }
    set_cookie_response(&format!(
        "{}={token}; Path=/; Secure; HttpOnly; SameSite=Lax",
        planter.name
    ))
}

/// A cookie of exactly 4096 bytes of name and value (the most the cookie layer emits), next to
/// a raw cookie one byte over the limit, to show the browser keeps the one and drops the other.
fn plant_max(planter: &Planter) -> Response {
    let room = 4096 - planter.name.len();
    let mut res = set_cookie_response(&format!(
        "{}={}; Path=/; Secure; HttpOnly; SameSite=Lax",
        planter.name,
        "A".repeat(room)
    ));
    // "probe" + "=" is not counted: name (5) + value (4092) = 4097 bytes.
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::try_from(format!("probe={}; Path=/", "p".repeat(4092))).unwrap(),
    );
    res
}

fn set_cookie_response(cookie: &str) -> Response {
    let mut res = "planted".into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::try_from(cookie).unwrap());
    res
}

// --- the checks -------------------------------------------------------------------------------

#[test]
fn login_sets_an_httponly_cookie_that_the_next_request_carries() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&AppConfig::default());
    let r = results(&dump_dom(&chromium, &server.url("/t/login"), &[]));
    assert_eq!(r["before"], "signed-out cookies=visible", "{r:?}");
    assert_eq!(r["login_status"], "200", "{r:?}");
    assert_eq!(r["login_path"], "/private", "{r:?}");
    assert_eq!(r["private_shows_user"], "true", "{r:?}");
    assert_eq!(
        r["after"],
        "signed-in user=alice admin=false counter=0 note=0 persistent=false cookies=__Host-session,visible",
        "{r:?}"
    );
    // The script sees its own cookie but not the HttpOnly session cookie.
    assert_eq!(r["document_cookie"], "visible=1", "{r:?}");
}

#[test]
fn logout_removes_the_cookie() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&AppConfig::default());
    let r = results(&dump_dom(&chromium, &server.url("/t/logout"), &[]));
    assert!(r["logged_in"].starts_with("signed-in user=bob"), "{r:?}");
    assert_eq!(r["logout_path"], "/", "{r:?}");
    assert_eq!(r["after"], "signed-out cookies=", "{r:?}");
    assert_eq!(r["private_path"], "/login", "{r:?}");
}

#[test]
fn counter_lives_in_the_session_and_a_privilege_change_reissues() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&AppConfig::default());
    let r = results(&dump_dom(&chromium, &server.url("/t/counter"), &[]));
    assert_eq!(
        r["counted"],
        "signed-in user=carol admin=false counter=3 note=0 persistent=true cookies=__Host-session",
        "{r:?}"
    );
    assert_eq!(r["admin_path"], "/private", "{r:?}");
    assert_eq!(
        r["after_admin"],
        "signed-in user=carol admin=true counter=3 note=0 persistent=true cookies=__Host-session",
        "{r:?}"
    );
}

#[test]
fn a_tampered_cookie_means_logged_out_not_an_error() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&AppConfig::default());
    let r = results(&dump_dom(
        &chromium,
        &server.url("/t/planted?kind=tampered"),
        &[],
    ));
    assert_eq!(
        r["who"], "signed-out error=Open(Authentication) cookies=__Host-session",
        "{r:?}"
    );
    assert_eq!(r["private_status"], "200", "{r:?}");
    assert_eq!(r["private_path"], "/login?ended=1", "{r:?}");
    assert_eq!(r["ended_note"], "true", "{r:?}");
    // The refused cookie was removed.
    assert_eq!(r["after"], "signed-out cookies=", "{r:?}");
}

#[test]
fn an_expired_cookie_means_logged_out_not_an_error() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&AppConfig::default());
    let r = results(&dump_dom(
        &chromium,
        &server.url("/t/planted?kind=expired"),
        &[],
    ));
    assert_eq!(
        r["who"], "signed-out error=Open(IdleTimeout) cookies=__Host-session",
        "{r:?}"
    );
    assert_eq!(r["private_status"], "200", "{r:?}");
    assert_eq!(r["private_path"], "/login?ended=1", "{r:?}");
    assert_eq!(r["ended_note"], "true", "{r:?}");
    assert_eq!(r["after"], "signed-out cookies=", "{r:?}");
}

#[test]
fn an_idle_session_expires_with_a_short_idle_time() {
    let Some(chromium) = chromium() else { return };
    let config = AppConfig {
        idle: Duration::from_secs(2),
        ..AppConfig::default()
    };
    let server = Server::start(&config);
    let r = results(&dump_dom(&chromium, &server.url("/t/idle"), &[]));
    assert!(r["fresh"].starts_with("signed-in user=dave"), "{r:?}");
    assert_eq!(
        r["after_idle"], "signed-out error=Open(IdleTimeout) cookies=__Host-session",
        "{r:?}"
    );
}

#[test]
fn renewal_happens_only_when_due_and_keeps_an_active_session_alive() {
    let Some(chromium) = chromium() else { return };
    // Idle 8 s, renewal due after 4 s, leeway 2 s; times inside tokens are whole seconds.
    // Without renewal the session would end at most 11 s after login; the flow checks at 12 s.
    let config = AppConfig {
        idle: Duration::from_secs(8),
        ..AppConfig::default()
    };
    let server = Server::start(&config);
    let r = results(&dump_dom(&chromium, &server.url("/t/renew"), &[]));
    assert_eq!(r["not_due_yet"], "true", "{r:?}");
    assert_eq!(r["renewed_later"], "true", "{r:?}");
    assert!(
        r["alive_after_idle_time"].starts_with("signed-in user=gina"),
        "{r:?}"
    );
}

#[test]
fn a_session_that_needs_chunks_round_trips_and_stale_chunks_are_removed() {
    let Some(chromium) = chromium() else { return };
    let config = AppConfig {
        max_chunks: 4,
        ..AppConfig::default()
    };
    let server = Server::start(&config);
    let r = results(&dump_dom(&chromium, &server.url("/t/chunks"), &[]));
    assert_eq!(r["big_status"], "200", "{r:?}");
    assert_eq!(
        r["big"],
        "signed-in user=erin admin=false counter=0 note=7000 persistent=false \
         cookies=__Host-session.0,__Host-session.1,__Host-session.2",
        "{r:?}"
    );
    assert_eq!(r["big_note_intact"], "true", "{r:?}");
    assert_eq!(
        r["small"],
        "signed-in user=erin admin=false counter=0 note=5 persistent=false cookies=__Host-session",
        "{r:?}"
    );
}

#[test]
fn a_session_over_the_limit_is_refused_by_the_server_not_dropped_by_the_browser() {
    let Some(chromium) = chromium() else { return };
    let config = AppConfig {
        max_chunks: 1,
        ..AppConfig::default()
    };
    let server = Server::start(&config);
    let r = results(&dump_dom(&chromium, &server.url("/t/too-big"), &[]));
    assert_eq!(r["status"], "500", "{r:?}");
    // A fixed text: no sizes or messages reach the client.
    assert_eq!(r["body"], "could not store the session", "{r:?}");
    // The browser still holds the session it had before.
    assert_eq!(
        r["after"],
        "signed-in user=frank admin=false counter=0 note=4 persistent=false cookies=__Host-session",
        "{r:?}"
    );
}

#[test]
fn the_largest_cookie_we_emit_is_kept_and_one_byte_more_is_dropped() {
    let Some(chromium) = chromium() else { return };
    let config = AppConfig {
        max_chunks: 1,
        ..AppConfig::default()
    };
    let server = Server::start(&config);
    let r = results(&dump_dom(&chromium, &server.url("/t/max-size"), &[]));
    // Our 4096-byte cookie came back (it is not a real token, so it does not open); the
    // 4097-byte probe did not.
    assert!(r["who"].starts_with("signed-out error=Open("), "{r:?}");
    assert!(r["who"].ends_with(" cookies=__Host-session"), "{r:?}");
}

#[test]
fn secure_is_enforced_for_a_host_that_is_not_loopback() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&AppConfig::default());
    let map = "--host-resolver-rules=MAP app.test 127.0.0.1";
    let r = results(&dump_dom(
        &chromium,
        &server.app_test_url("/t/login"),
        &[map],
    ));
    // Over plain http to app.test the Secure cookie is refused by the browser: the login
    // redirect lands on the private page without a session, which sends it to the login page.
    assert_eq!(r["login_path"], "/login", "{r:?}");
    assert_eq!(r["after"], "signed-out cookies=visible", "{r:?}");

    // The explicitly insecure development mode works there (no Secure, no prefix).
    let dev = AppConfig {
        insecure_dev_cookies: true,
        ..AppConfig::default()
    };
    let server = Server::start(&dev);
    let r = results(&dump_dom(
        &chromium,
        &server.app_test_url("/t/login"),
        &[map],
    ));
    assert_eq!(r["login_path"], "/private", "{r:?}");
    assert_eq!(
        r["after"],
        "signed-in user=alice admin=false counter=0 note=0 persistent=false cookies=session,visible",
        "{r:?}"
    );
    assert_eq!(r["document_cookie"], "visible=1", "{r:?}");
}

#[test]
fn a_user_who_only_visits_home_stays_signed_in_until_the_absolute_deadline() {
    let Some(chromium) = chromium() else { return };
    // Idle 4 s (leeway 1 s), renewal due after 2 s, absolute 12 s. Without renewal by the layer
    // the session would end about 5 s after login, since `/` only reads it.
    let config = AppConfig {
        idle: Duration::from_secs(4),
        absolute: Duration::from_secs(12),
        renew_after_percent: 50,
        ..AppConfig::default()
    };
    let server = Server::start(&config);
    let r = results(&dump_dom(&chromium, &server.url("/t/home-only"), &[]));
    let visits: Vec<(f64, bool)> = r["visits"]
        .split(',')
        .map(|v| {
            let (t, state) = v.split_once(':').unwrap();
            (t.parse().unwrap(), state == "in")
        })
        .collect();
    // Signed in at every visit before the absolute deadline (whole seconds in the token: the
    // deadline falls between 11 and 13 s after login), across several idle windows...
    let last_in = visits
        .iter()
        .filter(|v| v.1)
        .map(|v| v.0)
        .fold(0.0, f64::max);
    assert!(last_in >= 10.0, "{visits:?}");
    for &(t, signed_in) in &visits {
        if t < 10.5 {
            assert!(signed_in, "signed out at {t} s: {visits:?}");
        }
    }
    // ...and signed out at the absolute deadline, for good.
    let first_out = visits.iter().find(|v| !v.1).map(|v| v.0);
    let first_out = first_out.unwrap_or_else(|| panic!("never signed out: {visits:?}"));
    assert!((11.0..=14.5).contains(&first_out), "{visits:?}");
    assert!(
        visits
            .iter()
            .all(|&(t, signed_in)| t < first_out || !signed_in),
        "{visits:?}"
    );
}

#[test]
fn an_anonymous_request_cannot_become_admin() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&AppConfig::default());
    let r = results(&dump_dom(&chromium, &server.url("/t/anonymous-admin"), &[]));
    assert_eq!(r["admin_path"], "/login", "{r:?}");
    assert_eq!(r["after"], "signed-out cookies=", "{r:?}");
}
