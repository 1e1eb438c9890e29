//! One handler over one session (the benchmarks' 66-byte small session plus a counter), served
//! six ways. Every app answers `GET /login` (starts the session, body `0`) and `GET /` (body: the
//! counter after this request); a request without a session gets a 401, which the client counts
//! as an error.

use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::PrivateCookieJar;
use axum_extra::extract::cookie::{Cookie, Key, SameSite};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::axum::Session;
use sealed_session::tower::SessionLayer;
use sealed_session::{
    CookieSettings, Keyring, MasterKey, SealError, Sealer, SessionCookie, SessionOptions,
};
use serde::{Deserialize, Serialize};
use tower_sessions::{MemoryStore, SessionManagerLayer, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config as RedisConfig, Pool};

use crate::session::{SmallSession, small_session};

/// The session every app carries: the small session and a counter the handler bumps.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct AppSession {
    pub session: SmallSession,
    pub counter: u64,
}

impl AppSession {
    /// The session a login starts.
    pub fn login() -> Self {
        Self {
            session: small_session(),
            counter: 0,
        }
    }
}

/// The open cache's size in the cached apps (and `bench-web micro`): sixteen slots per
/// connection at 64 connections, room for every session with few evictions.
pub const OPEN_CACHE_SLOTS: usize = 1024;

/// The ways to serve the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// No session at all: the cost of axum and hyper alone.
    None,
    /// sealed-session, the handler writes the session on every request.
    SealedWrite,
    /// sealed-session, the handler only reads; the layer renews when due.
    SealedRead,
    /// As [`Contender::SealedWrite`], with the open cache (`Config::open_cache`).
    SealedWriteCache,
    /// As [`Contender::SealedRead`], with the open cache.
    SealedReadCache,
    /// tower-sessions with its memory store, writing on every request.
    TowerMemory,
    /// tower-sessions with its Redis store, writing on every request.
    TowerRedis,
    /// axum-extra's `PrivateCookieJar` carrying the postcard bytes, writing on every request.
    PrivateJar,
    /// No session, but the request carries a cookie as long as sealed-session's (HTTP and
    /// kernel work for the same bytes, nothing opened): the baseline of the read-mostly app.
    NoneCookie,
    /// As [`Contender::NoneCookie`], and every response sends back a `Set-Cookie` header as
    /// long as sealed-session's: the baseline of the writing app.
    NoneSetCookie,
}

impl Contender {
    pub const ALL: [Self; 8] = [
        Self::None,
        Self::SealedWrite,
        Self::SealedRead,
        Self::SealedWriteCache,
        Self::SealedReadCache,
        Self::TowerMemory,
        Self::TowerRedis,
        Self::PrivateJar,
    ];

    /// The command-line name.
    pub fn id(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::SealedWrite => "sealed-write",
            Self::SealedRead => "sealed-read",
            Self::SealedWriteCache => "sealed-write-cache",
            Self::SealedReadCache => "sealed-read-cache",
            Self::TowerMemory => "tower-memory",
            Self::TowerRedis => "tower-redis",
            Self::PrivateJar => "private-jar",
            Self::NoneCookie => "none-cookie",
            Self::NoneSetCookie => "none-set-cookie",
        }
    }

    /// The name in tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "no session",
            Self::SealedWrite => "sealed-session, write every request",
            Self::SealedRead => "sealed-session, read-mostly",
            Self::SealedWriteCache => "sealed-session, write every request, open cache",
            Self::SealedReadCache => "sealed-session, read-mostly, open cache",
            Self::TowerMemory => "tower-sessions, memory store",
            Self::TowerRedis => "tower-sessions, Redis store",
            Self::PrivateJar => "axum-extra PrivateCookieJar",
            Self::NoneCookie => "no session, a cookie of the same length sent",
            Self::NoneSetCookie => "no session, the same cookie sent and set",
        }
    }

    /// Baselines for the layer's own cost, not in the main table (`--contenders` names them).
    pub const BASELINES: [Self; 2] = [Self::NoneCookie, Self::NoneSetCookie];

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain(Self::BASELINES)
            .find(|c| c.id() == id)
    }

    /// Whether every request changes the counter (the client checks it goes up by one).
    pub fn writes(self) -> bool {
        !matches!(
            self,
            Self::None
                | Self::SealedRead
                | Self::SealedReadCache
                | Self::NoneCookie
                | Self::NoneSetCookie
        )
    }
}

/// The app for `contender`; `redis_url` is needed for [`Contender::TowerRedis`] only. Its routes
/// are finalized (`with_state`) as `axum::serve` does, so a router called in process does the
/// per-request work a served one does (unfinalized, axum rebuilds each route and applies its
/// layers on every request).
pub async fn app(contender: Contender, redis_url: Option<&str>) -> Router {
    let router: Router = match contender {
        Contender::None => Router::new()
            .route("/login", get(async || "0"))
            // The same body work as the others: the counter as text.
            .route("/", get(async || 0u64.to_string())),
        Contender::SealedWrite
        | Contender::SealedRead
        | Contender::SealedWriteCache
        | Contender::SealedReadCache => {
            let settings = CookieSettings::default();
            let cache = matches!(
                contender,
                Contender::SealedWriteCache | Contender::SealedReadCache
            );
            let slots = if cache { OPEN_CACHE_SLOTS } else { 0 };
            let config = settings
                .config_builder()
                .open_cache(slots)
                .build()
                .expect("config");
            let keyring = Keyring::new(1, MasterKey::generate().expect("key"));
            let cookies =
                SessionCookie::new(Sealer::new(keyring, config), settings).expect("bound");
            let router = Router::new().route("/login", get(sealed_login));
            let router = if contender.writes() {
                router.route("/", get(sealed_write))
            } else {
                router.route("/", get(sealed_read))
            };
            router.layer(SessionLayer::new(cookies))
        }
        Contender::TowerMemory => tower_sessions_app(MemoryStore::default()),
        Contender::TowerRedis => {
            let url = redis_url.expect("tower-redis needs --redis URL");
            let config = RedisConfig::from_url(url).expect("redis url");
            let pool = Pool::new(config, None, None, None, 4).expect("redis pool");
            pool.init().await.expect("redis connect");
            tower_sessions_app(RedisStore::new(pool))
        }
        Contender::NoneCookie | Contender::NoneSetCookie => {
            let set = same_length_set_cookie();
            let login = set.clone();
            let router = Router::new().route(
                "/login",
                get(move || async move { ([(SET_COOKIE, login)], "0") }),
            );
            if contender == Contender::NoneSetCookie {
                router.route(
                    "/",
                    get(move || async move { ([(SET_COOKIE, set)], 0u64.to_string()) }),
                )
            } else {
                router.route("/", get(async || 0u64.to_string()))
            }
        }
        Contender::PrivateJar => Router::new()
            .route("/login", get(jar_login))
            .route("/", get(jar_write))
            .with_state(JarState {
                key: Key::generate(),
            }),
    };
    router.with_state(())
}

/// A `Set-Cookie` header exactly as sealed-session writes it for the app's session (a real token,
/// never opened by the baseline apps).
fn same_length_set_cookie() -> HeaderValue {
    let settings = CookieSettings::default();
    let config = settings.config_builder().build().expect("config");
    let keyring = Keyring::new(1, MasterKey::generate().expect("key"));
    let cookies = SessionCookie::new(Sealer::new(keyring, config), settings).expect("bound");
    let set = cookies
        .seal(
            &cookies.settings().read([]),
            &AppSession::login(),
            &SessionOptions::default(),
        )
        .expect("seal");
    set.iter().next().expect("one cookie").to_header_value()
}

fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, "no session").into_response()
}

// sealed-session

async fn sealed_login(session: Session<AppSession>) -> Result<&'static str, SealError> {
    session.seal(&AppSession::login(), &SessionOptions::default())?;
    Ok("0")
}

async fn sealed_write(mut session: Session<AppSession>) -> Result<Response, SealError> {
    let Some(mut value) = session.take() else {
        return Ok(unauthorized());
    };
    value.counter += 1;
    session.renew(&value)?;
    Ok(value.counter.to_string().into_response())
}

async fn sealed_read(session: Session<AppSession>) -> Response {
    match session.get() {
        Some(value) => value.counter.to_string().into_response(),
        None => unauthorized(),
    }
}

// tower-sessions

fn tower_sessions_app<S: SessionStore + Clone>(store: S) -> Router {
    Router::new()
        .route("/login", get(tower_login))
        .route("/", get(tower_write))
        .layer(
            SessionManagerLayer::new(store).with_expiry(tower_sessions::Expiry::OnInactivity(
                time::Duration::hours(12),
            )),
        )
}

const KEY: &str = "s";

async fn tower_login(session: tower_sessions::Session) -> Response {
    match session.insert(KEY, AppSession::login()).await {
        Ok(()) => "0".into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn tower_write(session: tower_sessions::Session) -> Response {
    let Ok(Some(mut value)) = session.get::<AppSession>(KEY).await else {
        return unauthorized();
    };
    value.counter += 1;
    match session.insert(KEY, &value).await {
        Ok(()) => value.counter.to_string().into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

// axum-extra PrivateCookieJar: AES-256-GCM over the base64url text of the postcard bytes (a
// cookie value is text). It checks no expiry.

#[derive(Clone)]
struct JarState {
    key: Key,
}

impl FromRef<JarState> for Key {
    fn from_ref(state: &JarState) -> Self {
        state.key.clone()
    }
}

const JAR_COOKIE: &str = "session";

fn jar_cookie(value: &AppSession) -> Cookie<'static> {
    let bytes = postcard::to_allocvec(value).expect("postcard");
    Cookie::build((JAR_COOKIE, URL_SAFE_NO_PAD.encode(bytes)))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie_duration())
        .build()
}

fn cookie_duration() -> time::Duration {
    time::Duration::try_from(Duration::from_secs(12 * 3600)).expect("duration")
}

async fn jar_login(jar: PrivateCookieJar) -> (PrivateCookieJar, &'static str) {
    (jar.add(jar_cookie(&AppSession::login())), "0")
}

async fn jar_write(jar: PrivateCookieJar) -> Response {
    let Some(mut value) = jar
        .get(JAR_COOKIE)
        .and_then(|c| URL_SAFE_NO_PAD.decode(c.value()).ok())
        .and_then(|bytes| postcard::from_bytes::<AppSession>(&bytes).ok())
    else {
        return unauthorized();
    };
    value.counter += 1;
    let body = value.counter.to_string();
    (jar.add(jar_cookie(&value)), body).into_response()
}
