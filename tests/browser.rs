//! End-to-end tests in a real browser: headless Chromium against the example app, on every
//! framework it is written for (examples/axum_app and examples/actix_app, which share their pages
//! in examples/common), each served in-process on 127.0.0.1:0.
//!
//! Each flow is a function of the app under test ([`App`]); [`every_app`] runs it against every
//! app in [`apps`] at the same time, so adding a framework adds one entry there and one `start_*`
//! function, and no flow is written twice.
//!
//! Each Chromium run is a fresh browser with a fresh profile, so each flow fits in one
//! navigation: a test page whose inline script makes `fetch()` calls (cookies are set and sent
//! exactly as for navigations) and writes `key=value` lines into `<pre id=result>`, which
//! `--dump-dom` prints.
//!
//! Chromium missing: under `CI=true` these tests fail; elsewhere they fail unless
//! `SKIP_BROWSER_TESTS=1` is set, which skips them loudly. `scripts/test` installs Chromium.
#![cfg(any(feature = "axum", feature = "actix-web"))]

#[cfg(feature = "actix-web")]
#[path = "../examples/actix_app/app.rs"]
mod actix_app;
#[cfg(feature = "axum")]
#[path = "../examples/axum_app/app.rs"]
mod axum_app;
#[path = "../examples/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sealed_session::{Config, Keyring, ManualClock, MasterKey, Sealer, SessionOptions};
use time::OffsetDateTime;

use common::{AppConfig, AppSession};

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

// --- the apps, with test pages -----------------------------------------------------------------

/// An app under test: the example app on one framework.
#[derive(Debug, Clone, Copy)]
enum App {
    #[cfg(feature = "axum")]
    Axum,
    #[cfg(feature = "actix-web")]
    Actix,
}

/// Every app the enabled features build: each flow runs against all of them. `BROWSER_APPS`
/// (a comma-separated list of names, e.g. `actix-web`) keeps only those, to time or debug one.
#[allow(
    clippy::vec_init_then_push,
    reason = "each push has its own feature; vec![] cannot leave an element out"
)]
fn apps() -> Vec<App> {
    let mut apps = Vec::new();
    #[cfg(feature = "axum")]
    apps.push(App::Axum);
    #[cfg(feature = "actix-web")]
    apps.push(App::Actix);
    if let Ok(only) = std::env::var("BROWSER_APPS") {
        apps.retain(|app| only.split(',').any(|name| name.trim() == app.name()));
    }
    apps
}

impl App {
    fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "axum")]
            Self::Axum => "axum",
            #[cfg(feature = "actix-web")]
            Self::Actix => "actix-web",
        }
    }
}

/// Runs `flow` against every app at the same time (one thread each, named after the app, so a
/// failure says which framework it was), and fails if it failed against any.
fn every_app(name: &str, flow: fn(&Path, App)) {
    let Some(chromium) = chromium() else { return };
    let failed: Vec<&str> = std::thread::scope(|scope| {
        let runs: Vec<_> = apps()
            .into_iter()
            .map(|app| {
                let chromium = chromium.as_path();
                let run = std::thread::Builder::new()
                    .name(app.name().to_owned())
                    .spawn_scoped(scope, move || {
                        let start = Instant::now();
                        flow(chromium, app);
                        let took = start.elapsed().as_secs_f64();
                        eprintln!("{name} against {}: {took:.1} s", app.name());
                    })
                    .unwrap();
                (app, run)
            })
            .collect();
        runs.into_iter()
            .filter_map(|(app, run)| run.join().is_err().then_some(app.name()))
            .collect()
    });
    assert!(
        failed.is_empty(),
        "the flow failed against {failed:?} (panics above)"
    );
}

/// The example app of one framework on 127.0.0.1:0, in-process, until dropped.
struct Server {
    addr: SocketAddr,
    /// The test-page sealer's config, for checks that depend on it.
    config: Config,
    _running: Running,
}

enum Running {
    #[cfg(feature = "axum")]
    Axum { _runtime: tokio::runtime::Runtime },
    #[cfg(feature = "actix-web")]
    Actix(actix_web::dev::ServerHandle),
}

impl Drop for Running {
    fn drop(&mut self) {
        match self {
            #[cfg(feature = "axum")]
            Self::Axum { .. } => {} // dropping the runtime stops the server
            // Sends the stop command now; the server's thread ends on its own.
            #[cfg(feature = "actix-web")]
            Self::Actix(handle) => drop(handle.stop(false)),
        }
    }
}

impl Server {
    fn start(app: App, config: &AppConfig) -> Self {
        let key = MasterKey::generate().unwrap().to_base64url();
        let keyring = || Keyring::new(1, MasterKey::from_text(&key).unwrap());
        let cookies = config.session_cookie(keyring()).unwrap();
        // The same key and config, for the test pages that plant cookies the app would not set.
        let planter = Arc::new(Planter {
            sealer: Sealer::new(keyring(), cookies.sealer().config()),
            name: cookies.settings().name().to_owned(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let running = match app {
            #[cfg(feature = "axum")]
            App::Axum => Running::Axum {
                _runtime: start_axum(listener, cookies, planter.clone()),
            },
            #[cfg(feature = "actix-web")]
            App::Actix => Running::Actix(start_actix(listener, cookies, planter.clone())),
        };
        Self {
            addr,
            config: planter.sealer.config(),
            _running: running,
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

/// The axum app with the test pages as its fallback, behind the session layer.
#[cfg(feature = "axum")]
fn start_axum(
    listener: std::net::TcpListener,
    cookies: sealed_session::SessionCookie,
    planter: Arc<Planter>,
) -> tokio::runtime::Runtime {
    use axum::http::{HeaderValue, StatusCode, Uri, header};
    use axum::response::{Html, IntoResponse, Response};

    let test_pages = move |uri: Uri| {
        let planter = planter.clone();
        async move {
            let Some(reply) = test_page(&planter, uri.path(), uri.query().unwrap_or("")).await
            else {
                return StatusCode::NOT_FOUND.into_response();
            };
            let mut res: Response = if reply.html {
                Html(reply.body).into_response()
            } else {
                reply.body.into_response()
            };
            for cookie in reply.set_cookies {
                res.headers_mut()
                    .append(header::SET_COOKIE, HeaderValue::try_from(cookie).unwrap());
            }
            res
        }
    };
    let router = axum_app::routes()
        .fallback(test_pages)
        .layer(sealed_session::tower::SessionLayer::new(cookies));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    listener.set_nonblocking(true).unwrap();
    let listener = runtime.block_on(async { tokio::net::TcpListener::from_std(listener) });
    let listener = listener.unwrap();
    runtime.spawn(async move { axum::serve(listener, router).await });
    runtime
}

/// The actix app with the test pages as its default service, behind the session middleware, on
/// its own thread (actix runs each worker on a single-threaded runtime).
#[cfg(feature = "actix-web")]
fn start_actix(
    listener: std::net::TcpListener,
    cookies: sealed_session::SessionCookie,
    planter: Arc<Planter>,
) -> actix_web::dev::ServerHandle {
    use actix_web::http::header::SET_COOKIE;
    use actix_web::{HttpRequest, HttpResponse, web};

    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let middleware = sealed_session::actix::SessionMiddleware::new(cookies);
            let server = actix_web::HttpServer::new(move || {
                let planter = planter.clone();
                let test_pages = move |request: HttpRequest| {
                    let planter = planter.clone();
                    async move {
                        let uri = request.uri();
                        let Some(reply) =
                            test_page(&planter, uri.path(), uri.query().unwrap_or("")).await
                        else {
                            return HttpResponse::NotFound().finish();
                        };
                        let mut res = HttpResponse::Ok();
                        res.content_type(if reply.html {
                            "text/html; charset=utf-8"
                        } else {
                            "text/plain; charset=utf-8"
                        });
                        for cookie in reply.set_cookies {
                            res.append_header((SET_COOKIE, cookie));
                        }
                        res.body(reply.body)
                    }
                };
                actix_web::App::new()
                    .wrap(middleware.clone())
                    .configure(actix_app::routes)
                    .default_service(web::to(test_pages))
            })
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
            sender.send(server.handle()).unwrap();
            server.await
        })
    });
    receiver.recv().unwrap()
}

/// Shared by every flow page: `log(key, value)`, `post`, `who` (the `/whoami` line), and the
/// `<pre id=result>` written when `run()` ends.
const PRELUDE: &str = r#"
const out = [];
const log = (k, v) => out.push(k + '=' + v);
const post = (path, params) => fetch(path, {method: 'POST', body: new URLSearchParams(params || {})});
const who = async () => (await fetch('/whoami')).text();
const path = (r) => new URL(r.url).pathname + new URL(r.url).search;
// The test helpers (/t/sleep, /t/now) are fetched without cookies: a request that carries the
// session is activity, and the middleware would renew a due session at its end.
const helper = (p) => fetch(p, {credentials: 'omit'});
window.addEventListener('load', () => {
  run().catch((e) => log('exception', String(e))).finally(() => {
    const pre = document.createElement('pre');
    pre.id = 'result';
    pre.textContent = out.join('\n');
    document.body.appendChild(pre);
  });
});
"#;

/// A flow's page. No favicon request: it would go through the session middleware at a moment the
/// flow does not control, and remove a planted cookie before the flow looks at it.
fn flow_page(script: &'static str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=utf-8><link rel=icon href=\"data:,\"></head><body>\
         <script>{PRELUDE}\nasync function run() {{\n{script}\n}}</script></body></html>"
    )
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
await helper('/t/sleep?ms=3500');
log('after_idle', await who());
"#;

const RENEW_FLOW: &str = r#"
const sealedAt = async () => {
  const r = await fetch('/private');
  const m = /id=sealed-at>(\d+)</.exec(await r.text());
  return m ? Number(m[1]) : 'signed-out:' + path(r);
};
const sleep = (ms) => helper('/t/sleep?ms=' + ms);
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
const now = async () => Number(await (await helper('/t/now')).text());
await post('/login', {user: 'hana', password: 'demo'});
const start = await now();
const visits = [];
for (let i = 0; i < 11; i++) {
  await helper('/t/sleep?ms=1500');
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

/// Seals tokens as the app's sealer would, at any time, for cookies a browser could not
/// otherwise get.
struct Planter {
    sealer: Sealer,
    name: String,
}

/// What a test page answers; each framework turns it into its response.
struct TestReply {
    html: bool,
    body: String,
    set_cookies: Vec<String>,
}

impl TestReply {
    fn text(body: impl Into<String>) -> Self {
        Self {
            html: false,
            body: body.into(),
            set_cookies: Vec::new(),
        }
    }
}

/// Test-only pages, the same on every framework: the flows, a sleep, the server clock, and
/// cookies a browser could not otherwise get. `None`: no such page.
async fn test_page(planter: &Planter, path: &str, query: &str) -> Option<TestReply> {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or("")
            .to_owned()
    };
    let script = match path {
        "/t/login" => LOGIN_FLOW,
        "/t/logout" => LOGOUT_FLOW,
        "/t/counter" => COUNTER_FLOW,
        "/t/planted" => PLANTED_FLOW,
        "/t/idle" => IDLE_FLOW,
        "/t/renew" => RENEW_FLOW,
        "/t/home-only" => HOME_ONLY_FLOW,
        "/t/chunks" => CHUNK_FLOW,
        "/t/too-big" => TOO_BIG_FLOW,
        "/t/max-size" => MAX_SIZE_FLOW,
        "/t/anonymous-admin" => ANONYMOUS_ADMIN_FLOW,
        "/t/sleep" => {
            let ms = param("ms").parse().unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return Some(TestReply::text("slept"));
        }
        "/t/now" => {
            let millis = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            return Some(TestReply::text(millis.to_string()));
        }
        "/t/plant" => return Some(plant(planter, &param("kind"))),
        "/t/plant-max" => return Some(plant_max(planter)),
        _ => return None,
    };
    Some(TestReply {
        html: true,
        body: flow_page(script),
        set_cookies: Vec::new(),
    })
}

/// Sets a session cookie that must not open: `tampered` (one character of a valid token
/// changed) or `expired` (sealed just over the idle lifetime ago, a browser-session cookie, so
/// the browser keeps it while the token inside is past its idle deadline).
fn plant(planter: &Planter, kind: &str) -> TestReply {
    let value = AppSession {
        user: "mallory".into(),
        ..AppSession::default()
    };
    let now = OffsetDateTime::now_utc();
    // Expired: sealed one second longer ago than the idle lifetime and leeway allow (see
    // `idle_refusals` for what that means next to a rotation boundary).
    let at = if kind == "expired" {
        now - too_old(&planter.sealer.config())
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
    TestReply {
        html: false,
        body: "planted".into(),
        set_cookies: vec![format!(
            "{}={token}; Path=/; Secure; HttpOnly; SameSite=Lax",
            planter.name
        )],
    }
}

/// How long before now the `expired` cookie is sealed: one second past the idle deadline and
/// the leeway.
fn too_old(config: &Config) -> Duration {
    config.browser_session().idle() + config.leeway() + Duration::from_secs(1)
}

/// A cookie of exactly 4096 bytes of name and value (the most the cookie layer emits), next to
/// a raw cookie one byte over the limit, to show the browser keeps the one and drops the other.
fn plant_max(planter: &Planter) -> TestReply {
    let room = 4096 - planter.name.len();
    TestReply {
        html: false,
        body: "planted".into(),
        set_cookies: vec![
            format!(
                "{}={}; Path=/; Secure; HttpOnly; SameSite=Lax",
                planter.name,
                "A".repeat(room)
            ),
            // "probe" + "=" is not counted: name (5) + value (4092) = 4097 bytes.
            format!("probe={}; Path=/", "p".repeat(4092)),
        ],
    }
}

/// Unix seconds now, by the wall clock (as the apps read it).
fn wall_seconds() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The `Open(..)` reasons a token past its idle deadline may be refused with, when it was sealed
/// at or after `sealed_from` and opened at or before `opened_by` (unix seconds). `IdleTimeout`;
/// and, only if a rotation boundary fell between the seal and the start of the accepted epoch
/// window at the open (a few seconds a day: the window starts the longest token age before now),
/// `RetiredEpoch`, which the epoch check reports first. So the flows pass at any hour.
fn idle_refusals(config: &Config, sealed_from: i64, opened_by: i64) -> Vec<&'static str> {
    let period = i64::try_from(config.rotation_period().as_secs()).unwrap();
    let idle = config
        .browser_session()
        .idle()
        .max(config.persistent().idle());
    let max_age = i64::try_from((idle + config.leeway()).as_secs()).unwrap();
    let epoch = |t: i64| t.div_euclid(period);
    if epoch(sealed_from) == epoch(opened_by - max_age) {
        vec!["Open(IdleTimeout)"]
    } else {
        vec!["Open(IdleTimeout)", "Open(RetiredEpoch)"]
    }
}

/// Checks that the `/whoami` line logged as `key` is the refusal of an idle-expired session
/// sealed at or after `sealed_from`, opened just now, whose cookie was sent.
fn assert_idle_refusal(r: &HashMap<String, String>, key: &str, config: &Config, sealed_from: i64) {
    let reasons = idle_refusals(config, sealed_from, wall_seconds() + 1);
    let (reason, cookies) = r[key]
        .strip_prefix("signed-out error=")
        .and_then(|rest| rest.split_once(' '))
        .unwrap_or_else(|| panic!("{key}: {r:?}"));
    assert!(
        reasons.contains(&reason),
        "{reason} not in {reasons:?}: {r:?}"
    );
    assert_eq!(cookies, "cookies=__Host-session", "{r:?}");
}

/// Whether `from` and `to` (unix seconds) lie in the same rotation epoch.
fn same_epoch(config: &Config, from: i64, to: i64) -> bool {
    let period = i64::try_from(config.rotation_period().as_secs()).unwrap();
    from.div_euclid(period) == to.div_euclid(period)
}

// --- the flows: each a function of the app under test -------------------------------------------------------------------------------

fn login_sets_an_httponly_cookie_that_the_next_request_carries(chromium: &Path, app: App) {
    let server = Server::start(app, &AppConfig::default());
    let r = results(&dump_dom(chromium, &server.url("/t/login"), &[]));
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

fn logout_removes_the_cookie(chromium: &Path, app: App) {
    let server = Server::start(app, &AppConfig::default());
    let r = results(&dump_dom(chromium, &server.url("/t/logout"), &[]));
    assert!(r["logged_in"].starts_with("signed-in user=bob"), "{r:?}");
    assert_eq!(r["logout_path"], "/", "{r:?}");
    assert_eq!(r["after"], "signed-out cookies=", "{r:?}");
    assert_eq!(r["private_path"], "/login", "{r:?}");
}

fn counter_lives_in_the_session_and_a_privilege_change_reissues(chromium: &Path, app: App) {
    let server = Server::start(app, &AppConfig::default());
    let r = results(&dump_dom(chromium, &server.url("/t/counter"), &[]));
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

fn a_tampered_cookie_means_logged_out_not_an_error(chromium: &Path, app: App) {
    let server = Server::start(app, &AppConfig::default());
    let r = results(&dump_dom(
        chromium,
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

fn an_expired_cookie_means_logged_out_not_an_error(chromium: &Path, app: App) {
    let server = Server::start(app, &AppConfig::default());
    let sealed_from = wall_seconds() - i64::try_from(too_old(&server.config).as_secs()).unwrap();
    let r = results(&dump_dom(
        chromium,
        &server.url("/t/planted?kind=expired"),
        &[],
    ));
    assert_idle_refusal(&r, "who", &server.config, sealed_from);
    assert_eq!(r["private_status"], "200", "{r:?}");
    assert_eq!(r["private_path"], "/login?ended=1", "{r:?}");
    assert_eq!(r["ended_note"], "true", "{r:?}");
    assert_eq!(r["after"], "signed-out cookies=", "{r:?}");
}

fn an_idle_session_expires_with_a_short_idle_time(chromium: &Path, app: App) {
    let config = AppConfig {
        idle: Duration::from_secs(2),
        ..AppConfig::default()
    };
    let server = Server::start(app, &config);
    let sealed_from = wall_seconds();
    let r = results(&dump_dom(chromium, &server.url("/t/idle"), &[]));
    assert!(r["fresh"].starts_with("signed-in user=dave"), "{r:?}");
    assert_idle_refusal(&r, "after_idle", &server.config, sealed_from);
}

fn renewal_happens_only_when_due_and_keeps_an_active_session_alive(chromium: &Path, app: App) {
    // Idle 8 s, renewal due after 4 s, leeway 2 s; times inside tokens are whole seconds.
    // Without renewal the session would end at most 11 s after login; the flow checks at 12 s.
    let config = AppConfig {
        idle: Duration::from_secs(8),
        ..AppConfig::default()
    };
    let server = Server::start(app, &config);
    let start = wall_seconds();
    let r = results(&dump_dom(chromium, &server.url("/t/renew"), &[]));
    // A session sealed in the previous epoch is due at once (it moves to the new epoch's key):
    // across a rotation boundary the early check cannot hold.
    if same_epoch(&server.config, start, wall_seconds()) {
        assert_eq!(r["not_due_yet"], "true", "{r:?}");
    }
    assert_eq!(r["renewed_later"], "true", "{r:?}");
    assert!(
        r["alive_after_idle_time"].starts_with("signed-in user=gina"),
        "{r:?}"
    );
}

fn a_session_that_needs_chunks_round_trips_and_stale_chunks_are_removed(chromium: &Path, app: App) {
    let config = AppConfig {
        max_chunks: 4,
        ..AppConfig::default()
    };
    let server = Server::start(app, &config);
    let r = results(&dump_dom(chromium, &server.url("/t/chunks"), &[]));
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

fn a_session_over_the_limit_is_refused_by_the_server_not_dropped_by_the_browser(
    chromium: &Path,
    app: App,
) {
    let config = AppConfig {
        max_chunks: 1,
        ..AppConfig::default()
    };
    let server = Server::start(app, &config);
    let r = results(&dump_dom(chromium, &server.url("/t/too-big"), &[]));
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

fn the_largest_cookie_we_emit_is_kept_and_one_byte_more_is_dropped(chromium: &Path, app: App) {
    let config = AppConfig {
        max_chunks: 1,
        ..AppConfig::default()
    };
    let server = Server::start(app, &config);
    let r = results(&dump_dom(chromium, &server.url("/t/max-size"), &[]));
    // Our 4096-byte cookie came back (it is not a real token, so it does not open); the
    // 4097-byte probe did not.
    assert!(r["who"].starts_with("signed-out error=Open("), "{r:?}");
    assert!(r["who"].ends_with(" cookies=__Host-session"), "{r:?}");
}

fn secure_is_enforced_for_a_host_that_is_not_loopback(chromium: &Path, app: App) {
    let server = Server::start(app, &AppConfig::default());
    let map = "--host-resolver-rules=MAP app.test 127.0.0.1";
    let r = results(&dump_dom(
        chromium,
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
    let server = Server::start(app, &dev);
    let r = results(&dump_dom(
        chromium,
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

fn a_user_who_only_visits_home_stays_signed_in_until_the_absolute_deadline(
    chromium: &Path,
    app: App,
) {
    // Idle 4 s (leeway 1 s), renewal due after 2 s, absolute 12 s. Without renewal by the layer
    // the session would end about 5 s after login, since `/` only reads it.
    let config = AppConfig {
        idle: Duration::from_secs(4),
        absolute: Duration::from_secs(12),
        renew_after_percent: 50,
        ..AppConfig::default()
    };
    let server = Server::start(app, &config);
    let r = results(&dump_dom(chromium, &server.url("/t/home-only"), &[]));
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
    // Twice the idle window and more: without renewal the session ends about 5 s after login.
    // (Not later than 8 s: on a busy machine the visits drift apart, ~2 s each.)
    assert!(last_in >= 8.0, "{visits:?}");
    for &(t, signed_in) in &visits {
        if t < 10.5 {
            assert!(signed_in, "signed out at {t} s: {visits:?}");
        }
    }
    // ...and signed out at the absolute deadline, for good.
    let first_out = visits.iter().find(|v| !v.1).map(|v| v.0);
    let first_out = first_out.unwrap_or_else(|| panic!("never signed out: {visits:?}"));
    assert!(first_out >= 11.0, "{visits:?}");
    // The token lives until its absolute deadline plus the leeway, in whole seconds from the
    // login: under 14 s after it (0.5 s more for the clock read after each visit). Checked on
    // the last visit signed in, not the first signed out: on a busy machine visits drift apart.
    assert!(last_in <= 14.5, "{visits:?}");
    assert!(
        visits
            .iter()
            .all(|&(t, signed_in)| t < first_out || !signed_in),
        "{visits:?}"
    );
}

fn an_anonymous_request_cannot_become_admin(chromium: &Path, app: App) {
    let server = Server::start(app, &AppConfig::default());
    let r = results(&dump_dom(chromium, &server.url("/t/anonymous-admin"), &[]));
    assert_eq!(r["admin_path"], "/login", "{r:?}");
    assert_eq!(r["after"], "signed-out cookies=", "{r:?}");
}

// --- every flow against every app -------------------------------------------------------------

/// One `#[test]` per flow, running it against every app ([`every_app`]).
macro_rules! against_every_app {
    ($($flow:ident),* $(,)?) => {
        mod every_app {
            $(
                #[test]
                fn $flow() {
                    super::every_app(stringify!($flow), super::$flow);
                }
            )*
        }
    };
}

against_every_app!(
    login_sets_an_httponly_cookie_that_the_next_request_carries,
    logout_removes_the_cookie,
    counter_lives_in_the_session_and_a_privilege_change_reissues,
    a_tampered_cookie_means_logged_out_not_an_error,
    an_expired_cookie_means_logged_out_not_an_error,
    an_idle_session_expires_with_a_short_idle_time,
    renewal_happens_only_when_due_and_keeps_an_active_session_alive,
    a_session_that_needs_chunks_round_trips_and_stale_chunks_are_removed,
    a_session_over_the_limit_is_refused_by_the_server_not_dropped_by_the_browser,
    the_largest_cookie_we_emit_is_kept_and_one_byte_more_is_dropped,
    secure_is_enforced_for_a_host_that_is_not_loopback,
    a_user_who_only_visits_home_stays_signed_in_until_the_absolute_deadline,
    an_anonymous_request_cannot_become_admin,
);
