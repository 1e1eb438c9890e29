//! The layer's work outside a request, for the "own cost" ratio: `Sealer::open` and
//! `Sealer::renew` of the same session in a loop (also on a sealer with the open cache, where the
//! open is a hit and the renew fills a slot), and the whole axum router called in process
//! (no socket) with and without the session layer. Timed by the thread's CPU time, as the
//! served request is (its server's CPU time), so time other processes take on the same core
//! counts in neither.

use rustix::time::{ClockId, clock_gettime};
use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, Request};
use sealed_session::{CookieSettings, Keyring, MasterKey, Sealer, SessionOptions};
use tower::ServiceExt as _;

use bench_web::apps::{self, AppSession, Contender};

/// Microseconds per operation.
pub struct Micro {
    pub open_us: f64,
    pub renew_us: f64,
    /// `open` of a token the sealer's open cache holds (it sealed it).
    pub open_cached_us: f64,
    /// `renew` on a sealer with the open cache (the seal fills a slot).
    pub renew_cached_us: f64,
    /// The router with the layer, writing, minus the router without it.
    pub layer_write_us: f64,
    /// The router with the layer, reading, minus the router without it.
    pub layer_read_us: f64,
    /// As `layer_write_us`, with the open cache.
    pub layer_write_cached_us: f64,
    /// As `layer_read_us`, with the open cache.
    pub layer_read_cached_us: f64,
}

impl Micro {
    /// Open plus renew: the work of a request that writes.
    pub fn write_us(&self) -> f64 {
        self.open_us + self.renew_us
    }

    /// The same with the open cache: a cached open plus a renew that fills a slot.
    pub fn write_cached_us(&self) -> f64 {
        self.open_cached_us + self.renew_cached_us
    }
}

/// The calling thread's CPU time so far, in seconds.
fn cpu_secs() -> f64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

const BATCH: usize = 2_000;
const BATCHES: usize = 31;

/// Median over batches of the time per call of `f`, in microseconds.
fn time_us(mut f: impl FnMut()) -> f64 {
    for _ in 0..BATCH {
        f();
    }
    let mut per = Vec::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let start = cpu_secs();
        for _ in 0..BATCH {
            f();
        }
        per.push((cpu_secs() - start) * 1e6 / BATCH as f64);
    }
    per.sort_by(f64::total_cmp);
    per[BATCHES / 2]
}

pub fn measure() -> Micro {
    let settings = CookieSettings::default();
    let config = settings.config_builder().build().expect("config");
    let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().expect("key")), config);
    let value = AppSession::login();
    let token = sealer
        .seal(&value, &SessionOptions::default())
        .expect("seal");
    let opened = sealer.open::<AppSession>(&token).expect("open");
    let open_us = time_us(|| {
        black_box(sealer.open::<AppSession>(black_box(&token)).expect("open"));
    });
    let renew_us = time_us(|| {
        black_box(
            sealer
                .renew(black_box(&value), &opened.meta)
                .expect("renew"),
        );
    });

    let cached_config = settings
        .config_builder()
        .open_cache(apps::OPEN_CACHE_SLOTS)
        .build()
        .expect("config");
    let cached = Sealer::new(
        Keyring::new(1, MasterKey::generate().expect("key")),
        cached_config,
    );
    let cached_token = cached
        .seal(&value, &SessionOptions::default())
        .expect("seal");
    let open_cached_us = time_us(|| {
        black_box(
            cached
                .open::<AppSession>(black_box(&cached_token))
                .expect("open"),
        );
    });
    let renew_cached_us = time_us(|| {
        black_box(
            cached
                .renew(black_box(&value), &opened.meta)
                .expect("renew"),
        );
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let in_process = |contender: Contender| -> f64 {
        runtime.block_on(async {
            let router = apps::app(contender, None).await;
            let mut cookie = login_cookie(&router).await;
            let mut per = Vec::with_capacity(BATCHES);
            for batch in 0..=BATCHES {
                let start = cpu_secs();
                for _ in 0..BATCH {
                    let mut request = Request::get("/").body(Body::empty()).expect("request");
                    if let Some(c) = &cookie {
                        request.headers_mut().insert(COOKIE, c.clone());
                    }
                    let response = router.clone().oneshot(request).await.expect("infallible");
                    assert!(response.status().is_success(), "{}", response.status());
                    if let Some(set) = response.headers().get(SET_COOKIE) {
                        cookie = Some(pair(set));
                    }
                }
                // The first batch warms up.
                if batch > 0 {
                    per.push((cpu_secs() - start) * 1e6 / BATCH as f64);
                }
            }
            per.sort_by(f64::total_cmp);
            per[BATCHES / 2]
        })
    };
    let none = in_process(Contender::None);
    let write = in_process(Contender::SealedWrite);
    let read = in_process(Contender::SealedRead);
    let write_cached = in_process(Contender::SealedWriteCache);
    let read_cached = in_process(Contender::SealedReadCache);
    Micro {
        open_us,
        renew_us,
        open_cached_us,
        renew_cached_us,
        layer_write_us: write - none,
        layer_read_us: read - none,
        layer_write_cached_us: write_cached - none,
        layer_read_cached_us: read_cached - none,
    }
}

/// The `name=value` part of a `Set-Cookie` header.
fn pair(set: &HeaderValue) -> HeaderValue {
    let text = set.to_str().expect("ASCII");
    HeaderValue::from_str(text.split(';').next().unwrap_or("")).expect("cookie")
}

async fn login_cookie(router: &Router) -> Option<HeaderValue> {
    let request = Request::get("/login").body(Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    response.headers().get(SET_COOKIE).map(pair)
}

pub fn print(m: &Micro) {
    println!(
        "open_us {} renew_us {} open_cached_us {} renew_cached_us {} layer_write_us {} layer_read_us {} layer_write_cached_us {} layer_read_cached_us {}",
        m.open_us,
        m.renew_us,
        m.open_cached_us,
        m.renew_cached_us,
        m.layer_write_us,
        m.layer_read_us,
        m.layer_write_cached_us,
        m.layer_read_cached_us
    );
}

pub fn parse(text: &str) -> Micro {
    let mut words = text.split_whitespace();
    let mut get = |name: &str| -> f64 {
        assert_eq!(words.next(), Some(name), "micro output: {text:?}");
        words
            .next()
            .and_then(|v| v.parse().ok())
            .expect("micro figure")
    };
    Micro {
        open_us: get("open_us"),
        renew_us: get("renew_us"),
        open_cached_us: get("open_cached_us"),
        renew_cached_us: get("renew_cached_us"),
        layer_write_us: get("layer_write_us"),
        layer_read_us: get("layer_read_us"),
        layer_write_cached_us: get("layer_write_cached_us"),
        layer_read_cached_us: get("layer_read_cached_us"),
    }
}

/// Runs one piece of work `n` times, for instruction counts under valgrind (deterministic on a
/// busy machine; run two counts and subtract): `open`, `renew` (`Sealer` level), or `none`,
/// `sealed-write`, `sealed-read` (the router in process, one request each).
pub fn repeat(what: &str, n: usize) {
    let settings = CookieSettings::default();
    let config = settings.config_builder().build().expect("config");
    let sealer = Sealer::new(Keyring::new(1, MasterKey::generate().expect("key")), config);
    let value = AppSession::login();
    let token = sealer
        .seal(&value, &SessionOptions::default())
        .expect("seal");
    let opened = sealer.open::<AppSession>(&token).expect("open");
    match what {
        "open" => (0..n).for_each(|_| {
            black_box(sealer.open::<AppSession>(black_box(&token)).expect("open"));
        }),
        "renew" => (0..n).for_each(|_| {
            black_box(
                sealer
                    .renew(black_box(&value), &opened.meta)
                    .expect("renew"),
            );
        }),
        app => {
            let contender = Contender::parse(app).expect("an app name");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let router = apps::app(contender, None).await;
                let mut cookie = login_cookie(&router).await;
                for _ in 0..n {
                    let mut request = Request::get("/").body(Body::empty()).expect("request");
                    if let Some(c) = &cookie {
                        request.headers_mut().insert(COOKIE, c.clone());
                    }
                    let response = router.clone().oneshot(request).await.expect("infallible");
                    if let Some(set) = response.headers().get(SET_COOKIE) {
                        cookie = Some(pair(set));
                    }
                }
            });
        }
    }
}
