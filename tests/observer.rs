//! The observer hook: every event of a login, renew, tamper, expiry and logout sequence through
//! the cookie layer, at fixed times; the core API's events; and both ready observers (`metrics`,
//! `tracing`) receiving them.

mod common;

use std::sync::{Arc, Mutex};

use common::{HOUR, T0};
use sealed_session::{
    CookieSettings, Event, Keyring, LoadError, Observer, OpenError, ReadCookies, SealError, Sealer,
    SessionCookie, SessionOptions, SetCookies,
};

/// Keeps every event.
#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl Recorder {
    /// The events so far, and forgets them.
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// The one event recorded since the last call.
    fn one(&self) -> Event {
        let events = self.take();
        assert_eq!(events.len(), 1, "{events:?}");
        events[0]
    }
}

impl Observer for Recorder {
    fn event(&self, event: &Event) {
        self.0.lock().unwrap().push(*event);
    }
}

/// The cookie layer over key 1 on a manual clock at [`T0`].
fn cookies(settings: CookieSettings) -> (SessionCookie, common::Clocked) {
    let config = settings.config_builder().build().unwrap();
    let clocked = common::clocked(Sealer::new(Keyring::new(1, common::key(1)), config));
    let cookies = SessionCookie::new(clocked.sealer.clone(), settings).unwrap();
    (cookies, clocked)
}

/// The request a browser sends back with the cookies `set` asked it to keep.
fn request(cookies: &SessionCookie, set: &SetCookies) -> ReadCookies {
    let header = set
        .iter()
        .filter(|c| !c.value().is_empty())
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    cookies.settings().read([header.as_bytes()])
}

/// The token of a single-cookie response.
fn token(set: &SetCookies) -> String {
    let mut values = set.iter().filter(|c| !c.value().is_empty());
    let token = values.next().unwrap().value().to_owned();
    assert!(values.next().is_none());
    token
}

/// `token` with one character of its tag changed: authentic no more.
fn tampered(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = bytes.len() - 5;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_session_from_login_to_logout_reports_every_event() {
    let (cookies, clock) = cookies(CookieSettings::default());
    let recorder = Arc::new(Recorder::default());
    cookies.sealer().set_observer(Some(recorder.clone()));
    let opts = SessionOptions::default();

    // Login at T0: one seal, one cookie.
    let set = cookies
        .seal(&cookies.settings().read([]), &common::session(), &opts)
        .unwrap();
    let login = token(&set);
    let event = recorder.one();
    assert!(
        matches!(event, Event::Seal { result: Ok(()), token_len, chunks: 1, .. } if token_len == login.len()),
        "{event:?}"
    );
    assert_eq!((event.operation(), event.outcome()), ("seal", "ok"));

    // 70 minutes later (past half the 2-hour idle window): the open, then the renewal.
    clock.at(T0 + 70 * 60);
    let read = request(&cookies, &set);
    let opened = cookies.open::<common::Session>(&read).unwrap().unwrap();
    assert!(opened.meta.renewal_due());
    let event = recorder.one();
    assert!(
        matches!(event, Event::Open { result: Ok(()), token_len, key_id: Some(1), old_key: false, old_epoch: false, .. } if token_len == login.len()),
        "{event:?}"
    );
    let set = cookies.renew(&read, &opened.session, &opened.meta).unwrap();
    let renewed = token(&set);
    let event = recorder.one();
    assert!(
        matches!(event, Event::Renew { result: Ok(()), token_len, chunks: 1, .. } if token_len == renewed.len()),
        "{event:?}"
    );
    assert_eq!((event.operation(), event.outcome()), ("renew", "ok"));

    // A tampered cookie: refused, Authentication; no key id reported.
    let forged = format!("__Host-session={}", tampered(&renewed));
    let bad = cookies.settings().read([forged.as_bytes()]);
    assert_eq!(
        cookies.open::<common::Session>(&bad).unwrap_err(),
        LoadError::Open(OpenError::Authentication)
    );
    let event = recorder.one();
    assert!(
        matches!(
            event,
            Event::Open { result: Err(OpenError::Authentication), key_id: None, old_key: false, old_epoch: false, token_len, .. }
                if token_len == renewed.len()
        ),
        "{event:?}"
    );
    assert_eq!(event.outcome(), "authentication");

    // Idle past the renewed token's idle deadline (sealed at T0 + 70 min, 2 h idle, 60 s
    // leeway): IdleTimeout. Past the absolute deadline (T0 + 12 h): Expired.
    let read = request(&cookies, &set);
    clock.at(T0 + 70 * 60 + 2 * HOUR + 61);
    assert_eq!(
        cookies.open::<common::Session>(&read).unwrap_err(),
        LoadError::Open(OpenError::IdleTimeout)
    );
    assert!(matches!(
        recorder.one(),
        Event::Open {
            result: Err(OpenError::IdleTimeout),
            key_id: None,
            ..
        }
    ));
    clock.at(T0 + 12 * HOUR + 61);
    assert_eq!(
        cookies.open::<common::Session>(&read).unwrap_err(),
        LoadError::Open(OpenError::Expired)
    );
    let event = recorder.one();
    assert!(matches!(
        event,
        Event::Open {
            result: Err(OpenError::Expired),
            ..
        }
    ));
    assert_eq!(event.outcome(), "expired");
    // A renewal of the expired session is refused, and reported as such.
    assert_eq!(
        cookies
            .renew(&read, &opened.session, &opened.meta)
            .unwrap_err(),
        SealError::Expired
    );
    let event = recorder.one();
    assert!(matches!(
        event,
        Event::Renew {
            result: Err(SealError::Expired),
            token_len: 0,
            chunks: 0,
            ..
        }
    ));

    // Logout: one removal cookie.
    let set = cookies.remove(&read);
    assert_eq!(set.iter().len(), 1);
    let event = recorder.one();
    assert!(
        matches!(event, Event::Remove { cookies: 1, .. }),
        "{event:?}"
    );
    assert_eq!((event.operation(), event.outcome()), ("remove", "ok"));

    // Cleared: nothing more is reported.
    cookies.sealer().set_observer(None);
    let _ = cookies.open::<common::Session>(&read);
    assert!(recorder.take().is_empty());
}

#[test]
fn chunked_writes_and_reissue_report_their_cookies() {
    let (cookies, _clock) = cookies(CookieSettings::builder().chunks(3).build().unwrap());
    let recorder = Arc::new(Recorder::default());
    cookies.sealer().set_observer(Some(recorder.clone()));
    let big = common::noise(5000, 1);
    let set = cookies
        .seal(
            &cookies.settings().read([]),
            &big,
            &SessionOptions::default(),
        )
        .unwrap();
    let carrying = set.iter().filter(|c| !c.value().is_empty()).count();
    assert!(carrying >= 2, "{carrying} cookies");
    let event = recorder.one();
    assert!(
        matches!(event, Event::Seal { result: Ok(()), chunks, token_len, .. } if chunks == carrying && token_len > 4096),
        "{event:?}"
    );
    let read = request(&cookies, &set);
    let opened = cookies.open::<Vec<u8>>(&read).unwrap().unwrap();
    recorder.take();
    cookies
        .reissue(&read, &vec![1u8; 10], &opened.meta)
        .unwrap();
    let event = recorder.one();
    assert!(
        matches!(
            event,
            Event::Reissue {
                result: Ok(()),
                chunks: 1,
                ..
            }
        ),
        "{event:?}"
    );
    // Logout of a chunked session: the single cookie and every chunk the request carried.
    assert_eq!(cookies.remove(&read).iter().len(), 1 + carrying);
    let event = recorder.one();
    assert!(
        matches!(event, Event::Remove { cookies, .. } if cookies == 1 + carrying),
        "{event:?}"
    );
    // Too large even for three chunks: a refused seal, no length.
    let err = cookies
        .seal(
            &cookies.settings().read([]),
            &common::noise(20_000, 2),
            &SessionOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(err, SealError::TooLong { .. }));
    let event = recorder.one();
    assert!(matches!(
        event,
        Event::Seal {
            result: Err(SealError::TooLong { .. }),
            token_len: 0,
            chunks: 0,
            ..
        }
    ));
    assert_eq!(event.outcome(), "too_long");
}

#[test]
fn the_core_api_reports_seals_without_cookies_and_old_keys() {
    let sealer = common::sealer();
    let recorder = Arc::new(Recorder::default());
    sealer.set_observer(Some(recorder.clone()));
    let token = sealer.seal(&1u8, &SessionOptions::default()).unwrap();
    assert!(matches!(
        recorder.one(),
        Event::Seal { result: Ok(()), chunks: 0, token_len, .. } if token_len == token.len()
    ));
    // Rotate: key 2 primary, key 1 open-only. The old token opens under key 1, flagged.
    sealer.replace_keyring(
        Keyring::new(2, common::key(2))
            .with_open_only(1, common::key(1))
            .unwrap(),
    );
    let opened = sealer.open_raw(&token).unwrap();
    assert!(matches!(
        recorder.one(),
        Event::Open {
            result: Ok(()),
            key_id: Some(1),
            old_key: true,
            old_epoch: false,
            ..
        }
    ));
    sealer.reissue(&2u8, &opened.meta).unwrap();
    assert!(matches!(
        recorder.one(),
        Event::Reissue {
            result: Ok(()),
            chunks: 0,
            ..
        }
    ));
    // A clone shares the observer; garbage is refused as Malformed.
    let _ = sealer.clone().open::<u8>("garbage");
    let event = recorder.one();
    assert!(matches!(
        event,
        Event::Open {
            result: Err(OpenError::Malformed),
            token_len: 7,
            ..
        }
    ));
    // No event carries token bytes: its Debug form holds kinds, numbers and flags only.
    assert!(!format!("{event:?}").contains("garbage"));
}

/// The ready `metrics` observer, against a small recorder installed for this thread.
#[cfg(feature = "metrics")]
mod metrics_observer {
    use std::sync::{Arc, Mutex};

    use metrics::{
        Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
        SharedString, Unit,
    };
    use sealed_session::{MetricsObserver, SessionOptions};

    /// (name, labels as `k=v` joined by `,`, value) of every counter increment and histogram
    /// sample.
    type Samples = Arc<Mutex<Vec<(String, String, f64)>>>;

    #[derive(Default)]
    struct TestRecorder(Samples);

    struct Handle(Samples, Key);

    impl Handle {
        fn push(&self, value: f64) {
            let labels: Vec<String> = self
                .1
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            self.0
                .lock()
                .unwrap()
                .push((self.1.name().to_owned(), labels.join(","), value));
        }
    }

    impl CounterFn for Handle {
        fn increment(&self, value: u64) {
            self.push(value as f64);
        }
        fn absolute(&self, value: u64) {
            self.push(value as f64);
        }
    }

    impl HistogramFn for Handle {
        fn record(&self, value: f64) {
            self.push(value);
        }
    }

    impl Recorder for TestRecorder {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(Arc::new(Handle(self.0.clone(), key.clone())))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::from_arc(Arc::new(Handle(self.0.clone(), key.clone())))
        }
    }

    #[test]
    fn counts_operations_and_records_token_sizes() {
        let recorder = TestRecorder::default();
        let samples = recorder.0.clone();
        let sealer = super::common::sealer();
        sealer.set_observer(Some(Arc::new(MetricsObserver::default())));
        let token = metrics::with_local_recorder(&recorder, || {
            let token = sealer.seal(&7u32, &SessionOptions::default()).unwrap();
            sealer.open::<u32>(&token).unwrap();
            let _ = sealer.open::<u32>("garbage");
            token
        });
        let samples = samples.lock().unwrap().clone();
        let ops = "sealed_session_operations_total".to_owned();
        assert_eq!(
            samples,
            [
                (ops.clone(), "operation=seal,outcome=ok".to_owned(), 1.0),
                (
                    "sealed_session_token_bytes".to_owned(),
                    "operation=seal".to_owned(),
                    token.len() as f64
                ),
                (ops.clone(), "operation=open,outcome=ok".to_owned(), 1.0),
                (ops, "operation=open,outcome=malformed".to_owned(), 1.0),
            ]
        );
    }
}

/// The ready `tracing` observer, against a subscriber that collects events on this thread.
#[cfg(feature = "tracing")]
mod tracing_observer {
    use std::fmt::Debug;
    use std::sync::{Arc, Mutex};

    use sealed_session::{SessionOptions, TracingObserver};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Level, Metadata, Subscriber};

    /// (level, target, fields as `k=v` joined by ` `) of every event.
    type Events = Arc<Mutex<Vec<(Level, String, String)>>>;

    struct Collect(Events);

    struct Fields(Vec<String>);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            self.0.push(format!("{}={value:?}", field.name()));
        }
    }

    impl Subscriber for Collect {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let mut fields = Fields(Vec::new());
            event.record(&mut fields);
            let meta = event.metadata();
            self.0.lock().unwrap().push((
                *meta.level(),
                meta.target().to_owned(),
                fields.0.join(" "),
            ));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn logs_refusals_at_their_own_level() {
        let events = Events::default();
        let sealer = super::common::sealer();
        sealer.set_observer(Some(Arc::new(TracingObserver::default())));
        let token = tracing::subscriber::with_default(Collect(events.clone()), || {
            let token = sealer.seal(&7u32, &SessionOptions::default()).unwrap();
            sealer.open::<u32>(&token).unwrap();
            let _ = sealer.open::<u32>("garbage"); // Malformed: Warn
            let _ = sealer.open::<u32>(&super::tampered(&token)); // Authentication: Info
            sealer.at(super::T0 + 2 * super::HOUR + 61);
            let _ = sealer.open::<u32>(&token); // IdleTimeout: Debug
            // FromTheFuture: log_level() is Info, but it is a refusal of an authentic token, so
            // it is logged at the level every such refusal takes (Debug).
            let ahead = sealer
                .at(super::T0 + 5 * super::HOUR)
                .seal(&1u32, &SessionOptions::default())
                .unwrap();
            let _ = sealer.at(super::T0 + 4 * super::HOUR).open::<u32>(&ahead);
            token
        });
        let events = events.lock().unwrap().clone();
        let len = token.len();
        let expected = [
            (
                Level::DEBUG,
                format!(
                    "message=session sealed operation=\"seal\" outcome=\"ok\" token_len={len} chunks=0"
                ),
            ),
            (
                Level::TRACE,
                format!(
                    "message=session opened operation=\"open\" outcome=\"ok\" token_len={len} key_id=1 old_key=false old_epoch=false"
                ),
            ),
            (
                Level::WARN,
                "message=session refused operation=\"open\" outcome=\"malformed\" token_len=7 log_level=\"warn\""
                    .to_owned(),
            ),
            (
                Level::INFO,
                format!(
                    "message=session refused operation=\"open\" outcome=\"authentication\" token_len={len} log_level=\"info\""
                ),
            ),
            (
                Level::DEBUG,
                format!(
                    "message=session refused operation=\"open\" outcome=\"idle_timeout\" token_len={len} log_level=\"debug\""
                ),
            ),
            (
                Level::DEBUG,
                format!(
                    "message=session sealed operation=\"seal\" outcome=\"ok\" token_len={len} chunks=0"
                ),
            ),
            (
                Level::DEBUG,
                format!(
                    "message=session refused operation=\"open\" outcome=\"from_the_future\" token_len={len} log_level=\"info\""
                ),
            ),
        ];
        assert_eq!(events.len(), expected.len(), "{events:?}");
        for ((level, target, fields), (want_level, want_fields)) in events.iter().zip(&expected) {
            assert_eq!(target, "sealed_session");
            assert_eq!((level, fields), (want_level, want_fields));
        }
    }
}

/// The tower layer's open is reported with the verdict the layer acts on.
#[cfg(feature = "tower")]
mod tower_layer {
    use std::convert::Infallible;
    use std::future::{Ready, ready};
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use sealed_session::tower::SessionLayer;
    use sealed_session::{
        CookieSettings, Event, Keyring, OpenError, Sealer, SessionCookie, SessionOptions,
    };
    use tower_layer::Layer as _;
    use tower_service::Service;

    /// A handler that does not touch the session.
    #[derive(Clone)]
    struct Ok200;

    impl Service<http::Request<()>> for Ok200 {
        type Response = http::Response<()>;
        type Error = Infallible;
        type Future = Ready<Result<http::Response<()>, Infallible>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _: http::Request<()>) -> Self::Future {
            ready(Ok(http::Response::new(())))
        }
    }

    fn cookies(schema: u32) -> SessionCookie {
        let settings = CookieSettings::default();
        let config = settings
            .config_builder()
            .schema_version(schema)
            .build()
            .unwrap();
        let sealer =
            super::common::clocked(Sealer::new(Keyring::new(1, super::common::key(1)), config))
                .sealer;
        SessionCookie::new(sealer, settings).unwrap()
    }

    #[tokio::test]
    async fn a_session_of_another_schema_is_reported_refused() {
        let old = cookies(1);
        let header = sealed_session_cookie(&old);
        let current = cookies(2);
        let recorder = Arc::new(super::Recorder::default());
        current.sealer().set_observer(Some(recorder.clone()));
        let mut service = SessionLayer::new(current).layer(Ok200);
        let request = http::Request::builder()
            .header(http::header::COOKIE, header)
            .body(())
            .unwrap();
        let response = service.call(request).await.unwrap();
        // The layer removes the cookie that gave no session...
        assert!(response.headers().contains_key(http::header::SET_COOKIE));
        // ...and the observer heard the refusal it acted on.
        let event = recorder.one();
        assert!(
            matches!(
                event,
                Event::Open {
                    result: Err(OpenError::SchemaMismatch {
                        found: 1,
                        expected: 2
                    }),
                    ..
                }
            ),
            "{event:?}"
        );
    }

    /// The `Cookie` header for a fresh session sealed by `cookies`.
    fn sealed_session_cookie(cookies: &SessionCookie) -> String {
        let set = cookies
            .seal(
                &cookies.settings().read([]),
                &7u8,
                &SessionOptions::default(),
            )
            .unwrap();
        let c = set.iter().next().unwrap();
        format!("{}={}", c.name(), c.value())
    }
}
