//! The example app without its framework: what the session holds, the configuration from the
//! environment, and every page. `examples/axum_app` and `examples/actix_app` only route requests
//! here and turn a [`Reply`] into their framework's response; `tests/browser.rs` drives both.
//! Included with `#[path]` by each app and by the browser tests.
#![allow(
    dead_code,
    reason = "each app and the browser tests use a different part of this module"
)]

use std::fmt::Write as _;
use std::time::Duration;

#[cfg(not(feature = "axum"))]
use sealed_session::actix::Session;
#[cfg(feature = "axum")]
use sealed_session::axum::Session;
use sealed_session::{
    CookieSettings, KeyError, Keyring, Lifetimes, LogLevel, MasterKey, SealError, Sealer,
    SessionCookie, SessionOptions,
};
use serde::{Deserialize, Serialize};

/// What a page answers, for the framework to send.
#[derive(Debug)]
pub enum Reply {
    /// An HTML page with this status code.
    Html(u16, String),
    /// Plain text (200).
    Text(String),
    /// A `303 See Other` to this path.
    Redirect(&'static str),
    /// The session could not be stored: the framework's response for a `SealError` (a 500 with a
    /// fixed text; the browser keeps the session it had).
    SealFailed(SealError),
}

/// What the app keeps in the session cookie.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppSession {
    pub user: String,
    pub admin: bool,
    pub counter: u64,
    pub note: String,
}

/// Settings read from the environment (see `from_env`).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Idle lifetime of a session (`APP_IDLE_SECS`, default 1800).
    pub idle: Duration,
    /// Absolute lifetime of a session (`APP_ABSOLUTE_SECS`, default 8 hours).
    pub absolute: Duration,
    /// Most cookies one session may span (`APP_COOKIE_CHUNKS`, default 3; 1 turns chunking off).
    pub max_chunks: u8,
    /// `APP_INSECURE_DEV_COOKIES=1`: plain-http development cookies (no Secure, no prefix).
    /// Debug builds only: a release build refuses it (see `session_cookie`).
    pub insecure_dev_cookies: bool,
    /// Part of the idle window after which a session is renewed, in percent (default 50).
    pub renew_after_percent: u8,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(1800),
            absolute: Duration::from_secs(8 * 3600),
            max_chunks: 3,
            insecure_dev_cookies: false,
            renew_after_percent: 50,
        }
    }
}

fn env_number<T: std::str::FromStr>(var: &str) -> Result<Option<T>, String> {
    match std::env::var(var) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{var} must be a number, not {v:?}")),
        Err(_) => Ok(None),
    }
}

impl AppConfig {
    /// Reads `APP_IDLE_SECS`, `APP_ABSOLUTE_SECS`, `APP_COOKIE_CHUNKS` and
    /// `APP_INSECURE_DEV_COOKIES`.
    pub fn from_env() -> Result<Self, String> {
        let mut c = Self::default();
        if let Some(idle) = env_number::<u64>("APP_IDLE_SECS")? {
            c.idle = Duration::from_secs(idle);
        }
        if let Some(absolute) = env_number::<u64>("APP_ABSOLUTE_SECS")? {
            c.absolute = Duration::from_secs(absolute);
        }
        if let Some(chunks) = env_number::<u8>("APP_COOKIE_CHUNKS")? {
            c.max_chunks = chunks;
        }
        c.insecure_dev_cookies = std::env::var("APP_INSECURE_DEV_COOKIES").is_ok_and(|v| v == "1");
        Ok(c)
    }

    /// Cookie settings and the sealer, bound together: the sealer's purpose is the cookie name and
    /// its token limit what the cookies carry.
    pub fn session_cookie(&self, keyring: Keyring) -> Result<SessionCookie, String> {
        let mut settings = CookieSettings::builder().chunks(self.max_chunks);
        if self.insecure_dev_cookies {
            // Debug builds only: in a release build `build` refuses it, so the environment
            // variable cannot turn off Secure in production.
            settings = settings.insecure_plain_http_dev_mode();
        }
        let settings = settings.build().map_err(|e| e.to_string())?;
        // The leeway must not exceed the idle lifetime; with a 2 s idle time (tests) it is 0.
        let leeway = Duration::from_secs((self.idle.as_secs() / 4).min(60));
        let lifetimes = Lifetimes::new(self.absolute, self.idle);
        let config = settings
            .config_builder()
            .browser_session(lifetimes)
            // "Remember me" sessions last longer but expire when idle just the same.
            .persistent(Lifetimes::new(
                self.absolute.max(Duration::from_secs(30 * 86_400)),
                self.idle,
            ))
            .leeway(leeway)
            .renew_after_percent(self.renew_after_percent)
            .build()
            .map_err(|e| format!("session config: {e}"))?;
        SessionCookie::new(Sealer::new(keyring, config), settings).map_err(|e| e.to_string())
    }
}

/// The keyring from `APP_SESSION_KEYS` (or the file named by `APP_SESSION_KEYS_FILE`), as a list
/// `ID:KEY, ID:KEY` whose first entry seals. When neither is set: a generated key, with a loud
/// warning (sessions then die with the process and cannot be shared between servers).
pub fn keyring_from_env() -> Result<Keyring, KeyError> {
    match Keyring::from_env("APP_SESSION_KEYS") {
        Ok(ring) => Ok(ring),
        Err(KeyError::Missing { .. }) => {
            let key = MasterKey::generate()?;
            eprintln!(
                "\n!!! WARNING: APP_SESSION_KEYS is not set: using a random DEVELOPMENT key.\n\
                 !!! Every session ends when this process stops, and no other server can open them.\n\
                 !!! For production set APP_SESSION_KEYS=1:<key>, e.g. this one just generated:\n\
                 !!!     export APP_SESSION_KEYS=1:{}\n",
                *MasterKey::generate()?.to_base64url()
            );
            Ok(Keyring::new(1, key))
        }
        Err(e) => Err(e),
    }
}

/// What both apps read from the environment before they serve: the settings, the session
/// cookies (with the dev-mode warning printed) and the address (`APP_ADDR`).
pub struct Startup {
    pub config: AppConfig,
    pub cookies: SessionCookie,
    pub addr: String,
}

impl Startup {
    pub fn from_env() -> Result<Self, Box<dyn std::error::Error>> {
        let config = AppConfig::from_env()?;
        let cookies = config.session_cookie(keyring_from_env()?)?;
        if let Some(warning) = cookies.settings().dev_mode_warning() {
            eprintln!("\n!!! {warning}\n");
        }
        let addr = std::env::var("APP_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
        Ok(Self {
            config,
            cookies,
            addr,
        })
    }

    /// The line printed once the server listens on `bound`.
    pub fn banner(&self, framework: &str, bound: std::net::SocketAddr) -> String {
        format!(
            "sealed-session demo ({framework}) on http://{bound} (cookie {}, idle timeout {} s, up to {} chunks)",
            self.cookies.settings().name(),
            self.config.idle.as_secs(),
            self.config.max_chunks,
        )
    }
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}\
         <p><a href=\"/\">home</a> · <a href=\"/private\">private page</a> · \
         <a href=\"/login\">log in</a></p></body></html>"
    )
}

/// Names of the cookies in these `Cookie` header values, sorted and comma-separated (values are
/// never shown).
pub fn cookie_names<'a>(cookie_headers: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut names: Vec<String> = cookie_headers
        .into_iter()
        .flat_map(|v| v.split(|&b| b == b';'))
        .filter_map(|pair| pair.split(|&b| b == b'=').next())
        .map(|n| String::from_utf8_lossy(n).trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.join(",")
}

/// Logs why a session cookie gave no session: the kind only, never the value.
fn log_refusal(session: &Session<AppSession>) {
    if let Some(e) = session.error() {
        let level = match e.log_level() {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            _ => "WARN",
        };
        eprintln!("{level} session cookie refused: {e}");
    }
}

/// `GET /`: who is signed in, and the cookies the server got next to those scripts can see (the
/// session cookie is HttpOnly: sent, but hidden from `document.cookie`). Only reads the session:
/// the middleware renews it when due.
pub fn home(session: &Session<AppSession>, cookie_names: &str) -> Reply {
    log_refusal(session);
    let status = match session.get() {
        Some(s) => format!(
            "<p id=status>signed in as <b id=user>{}</b></p>",
            esc(&s.user)
        ),
        None => "<p id=status>signed out</p>".to_owned(),
    };
    let body = format!(
        "{status}\
         <p>Cookies the server received: <code id=server-cookies>{}</code></p>\
         <p>Cookies scripts can see (<code>document.cookie</code>): <code id=js-cookies></code></p>\
         <script>document.getElementById('js-cookies').textContent = \
           document.cookie === '' ? '(none)' : document.cookie;</script>",
        esc(cookie_names)
    );
    Reply::Html(200, page("sealed-session demo", &body))
}

/// The query of `GET /login`.
#[derive(Deserialize)]
pub struct LoginQuery {
    pub ended: Option<String>,
}

/// `GET /login`: the form, with a note when the session ended.
pub fn login_form(session: &Session<AppSession>, query: &LoginQuery) -> Reply {
    log_refusal(session);
    let note = if query.ended.is_some() || session.error().is_some() {
        "<p id=expired>Your session ended (expired, or the cookie was not valid). Please log in again.</p>"
    } else {
        ""
    };
    let body = format!(
        "{note}<p id=status>{}</p>\
         <form method=post action=/login>\
         <label>User <input name=user required></label> \
         <label>Password <input name=password type=password required></label> \
         <label><input type=checkbox name=remember value=1> remember me</label> \
         <button>Log in</button></form><p>(demo: any user name, password <code>demo</code>)</p>",
        if session.get().is_some() {
            "signed in"
        } else {
            "signed out"
        }
    );
    Reply::Html(200, page("Log in", &body))
}

/// The form of `POST /login`.
#[derive(Deserialize)]
pub struct LoginForm {
    pub user: String,
    pub password: String,
    pub remember: Option<String>,
}

/// `POST /login`: a new session (new start and id: nothing of an earlier session carries over).
pub fn login(session: &Session<AppSession>, form: LoginForm) -> Reply {
    if form.password != "demo" || form.user.is_empty() || form.user.len() > 64 {
        let body = "<p id=status>wrong user name or password</p>";
        return Reply::Html(401, page("Log in", body));
    }
    let value = AppSession {
        user: form.user,
        ..AppSession::default()
    };
    let options = SessionOptions::default().persistent(form.remember.is_some());
    match session.seal(&value, &options) {
        Ok(()) => Reply::Redirect("/private"),
        Err(e) => {
            eprintln!("ERROR {e}");
            Reply::SealFailed(e)
        }
    }
}

/// `GET /private`: needs a session. Without one (never had one, logged out, expired, tampered)
/// the visitor is sent to the login page, not shown an error.
pub fn private(session: &Session<AppSession>) -> Reply {
    log_refusal(session);
    let (Some(s), Some(meta)) = (session.get(), session.meta()) else {
        // A cookie came but gave no session: the middleware removes it; say the session ended.
        return Reply::Redirect(if session.error().is_some() {
            "/login?ended=1"
        } else {
            "/login"
        });
    };
    let now = time::OffsetDateTime::now_utc();
    let idle_left = (meta.idle_deadline() - now).whole_seconds();
    let mut body = String::new();
    let _ = write!(
        body,
        "<p id=status>signed in as <b id=user>{user}</b></p>\
         <p>admin: <b id=admin>{admin}</b> · counter: <b id=counter>{counter}</b> · \
         note: <b id=note-len>{note_len}</b> bytes</p>\
         <p>persistent: {persistent} · sealed at: <span id=sealed-at>{sealed_at}</span> · \
         idle deadline: {idle} (in {idle_left} s) · absolute deadline: {absolute}</p>\
         <form method=post action=/counter><button>count +1</button></form>\
         <form method=post action=/note><textarea name=note>{note}</textarea><button>save note</button></form>\
         <form method=post action=/admin><button>become admin (reissues the session)</button></form>\
         <form method=post action=/logout><button>log out</button></form>",
        user = esc(&s.user),
        admin = s.admin,
        counter = s.counter,
        note_len = s.note.len(),
        note = esc(&s.note),
        persistent = meta.is_persistent(),
        sealed_at = meta.sealed_at().unix_timestamp(),
        idle = meta.idle_deadline(),
        absolute = meta.absolute_deadline(),
    );
    Reply::Html(200, page("Private", &body))
}

/// `GET /whoami`: plain-text status, for scripts and tests.
pub fn whoami(session: &Session<AppSession>, cookies: &str) -> Reply {
    Reply::Text(match (session.get(), session.meta(), session.error()) {
        (Some(s), Some(m), _) => format!(
            "signed-in user={} admin={} counter={} note={} persistent={} cookies={cookies}",
            s.user,
            s.admin,
            s.counter,
            s.note.len(),
            m.is_persistent()
        ),
        (_, _, Some(e)) => format!("signed-out error={e:?} cookies={cookies}"),
        _ => format!("signed-out cookies={cookies}"),
    })
}

/// Runs `change` on the open session and stores the result; without a session, to the login page.
fn update(session: &mut Session<AppSession>, change: impl FnOnce(&mut AppSession)) -> Reply {
    // Taken, not cloned: the session value is ours to change.
    let Some(mut value) = session.take() else {
        return Reply::Redirect("/login");
    };
    change(&mut value);
    match session.renew(&value) {
        Ok(()) => Reply::Redirect("/private"),
        // Too large for the cookie settings: a 500 with a fixed text; nothing is emitted, so the
        // browser keeps the session it had. The log says why.
        Err(e) => {
            eprintln!("ERROR {e}");
            Reply::SealFailed(e)
        }
    }
}

/// `POST /counter`: a counter kept in the session.
pub fn counter(session: &mut Session<AppSession>) -> Reply {
    update(session, |s| s.counter = s.counter.saturating_add(1))
}

/// The form of `POST /note`.
#[derive(Deserialize)]
pub struct NoteForm {
    pub note: String,
}

/// `POST /note`: a note kept in the session (large notes span several cookies).
pub fn note(session: &mut Session<AppSession>, form: NoteForm) -> Reply {
    update(session, |s| s.note = form.note)
}

/// `POST /admin`: a privilege change reissues (new session start and id), never just re-saves.
/// Without a session, `reissue` would refuse (`SealError::NoSession`): nobody becomes admin
/// anonymously.
pub fn admin(session: &mut Session<AppSession>) -> Reply {
    let Some(current) = session.take() else {
        return Reply::Redirect("/login");
    };
    match session.reissue(&AppSession {
        admin: true,
        ..current
    }) {
        Ok(()) => Reply::Redirect("/private"),
        Err(e) => Reply::SealFailed(e),
    }
}

/// `POST /logout`: removal cookies.
pub fn logout(session: &Session<AppSession>) -> Reply {
    session.remove();
    Reply::Redirect("/")
}
