//! The public handle: keys, config, clock and hooks, swapped at run time (hot reload), and
//! opening. Sealing (new, renew, reissue) and its size questions are in `lifecycle`; the
//! observer's types in `observe`; the AEAD pipeline in `token`; length arithmetic in `size`.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::{ArcSwap, ArcSwapOption, Guard};
use serde::de::DeserializeOwned;

use crate::clock::{self, Clock, SystemClock};
use crate::config::Config;
use crate::error::OpenError;
use crate::keyring::{KeyTable, Keyring};
use crate::observe::{Event, Observer, ObserverSlot};
use crate::payload;
use crate::session::{self, Opened, Revocation};
use crate::token;

/// Seals sessions into tokens and opens them again. `Send + Sync`, cheap to clone (one `Arc`);
/// clones share keys, config, clock and caches, and see [`Sealer::replace_keyring`] at once.
///
/// # Example
/// ```
/// use sealed_session::{Config, Keyring, MasterKey, Sealer, SessionOptions};
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// let token = sealer.seal(&("alice", 42u32), &SessionOptions::default())?;
/// let opened = sealer.open::<(String, u32)>(&token)?;
/// assert_eq!(opened.session, ("alice".to_string(), 42));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Sealer {
    inner: Arc<Inner>,
}

struct Inner {
    state: ArcSwap<State>,
    /// Held by `replace_keyring` and `replace_config` for their read-modify-write, so two
    /// writers at once never undo each other. Readers never take it.
    writer: Mutex<()>,
    revocation: ArcSwapOption<Hook>,
    /// Whether a revocation hook is set: an open without one skips loading it (an `ArcSwap` load
    /// and release cost about as much as the clock read).
    has_revocation: AtomicBool,
    observer: ObserverSlot,
    /// The config's maximum token length, readable without loading the state: a refusal of an
    /// over-long input touches nothing else, allocates nothing, and returns at once.
    max_token_len: AtomicUsize,
    /// Moves after every replacement of the config or keyring: a binding checked against the
    /// config (the cookie layer's) needs checking again only when it moved.
    config_version: AtomicU64,
    /// Read once per operation, as unix seconds.
    clock: Arc<dyn Clock>,
}

struct Hook(Arc<dyn Revocation>);

/// Keys and config, replaced together and atomically.
pub(crate) struct State {
    pub(crate) config: Config,
    /// The master keys, kept to rebuild `keys` when only the config changes.
    keyring: Keyring,
    pub(crate) keys: KeyTable,
}

impl State {
    /// Keys and config, with epoch-key caches for the epochs around unix time `now`.
    fn new(keyring: Keyring, config: Config, now: u64) -> Self {
        // The epoch keys depend on the period and the purpose: a new config gets new caches, so
        // no key derived for the old purpose is ever used for the new one.
        let keys = KeyTable::new(&keyring, &config, now);
        Self {
            config,
            keyring,
            keys,
        }
    }
}

impl Sealer {
    /// A sealer over a keyring and a config, reading the system clock. The primary key seals;
    /// every key opens.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let clone = sealer.clone(); // shares keys, config, clock and caches
    /// assert!(clone.open::<u8>(&sealer.seal(&5u8, &SessionOptions::default())?).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(keyring: Keyring, config: Config) -> Self {
        let clock = Arc::new(SystemClock);
        let now = clock::unsigned(clock.unix_seconds()).unwrap_or(0);
        Self {
            inner: Arc::new(Inner {
                max_token_len: AtomicUsize::new(config.max_token_len),
                config_version: AtomicU64::new(0),
                state: ArcSwap::from_pointee(State::new(keyring, config, now)),
                writer: Mutex::new(()),
                revocation: ArcSwapOption::empty(),
                has_revocation: AtomicBool::new(false),
                observer: ObserverSlot::empty(),
                clock,
            }),
        }
    }

    /// This sealer reading time from `clock` instead of the system clock: a
    /// [`ManualClock`](crate::clock::ManualClock) in tests, or the application's own time source.
    /// Call it when building the sealer. Called on a sealer that has clones, it returns a separate
    /// sealer with the same keys, config and hooks: the clones keep their clock, and later
    /// replacements of keys or config no longer reach across.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default())
    ///     .with_clock(clock.clone());
    /// let opened = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?;
    /// assert_eq!(opened.meta.sealed_at().unix_timestamp(), 1_800_000_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_clock(self, clock: impl Clock) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(clock);
        // The epoch-key caches follow the new clock.
        let now = clock::unsigned(clock.unix_seconds()).unwrap_or(0);
        let rebuilt = |old: &State| State::new(old.keyring.share(), old.config.clone(), now);
        let inner = match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.state = ArcSwap::from_pointee(rebuilt(&inner.state.load()));
                inner.clock = clock;
                inner
            }
            Err(shared) => Inner {
                state: ArcSwap::from_pointee(rebuilt(&shared.state.load())),
                writer: Mutex::new(()),
                revocation: ArcSwapOption::new(shared.revocation.load_full()),
                has_revocation: AtomicBool::new(shared.has_revocation.load(Ordering::Acquire)),
                observer: shared.observer.copy(),
                max_token_len: AtomicUsize::new(shared.max_token_len.load(Ordering::Relaxed)),
                config_version: AtomicU64::new(shared.config_version.load(Ordering::Acquire)),
                clock,
            },
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Replaces the keyring at run time (hot reload). Seals and opens already running finish with
    /// the old ring; every later one uses the new ring. Safe under concurrent use.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let old = sealer.seal(&1u8, &SessionOptions::default())?;
    /// sealer.replace_keyring(Keyring::new(2, MasterKey::generate()?));
    /// assert_eq!(sealer.open::<u8>(&old).unwrap_err(), OpenError::UnknownKeyId { id: 1 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replace_keyring(&self, keyring: Keyring) {
        let now = self.now().unwrap_or(0);
        self.write(|old| State::new(keyring, old.config.clone(), now));
    }

    /// Replaces the config at run time, for example to raise the generation floor or set a
    /// not-before cutoff (revoke without a restart). Keys are kept; cached epoch keys are
    /// derived afresh. The revocation hook, if any, is told the new config first
    /// ([`Revocation::on_config`]), so a revocation replica keeps its entries for the new
    /// lifetimes before any token is opened under them.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// sealer.replace_config(sealer.config().to_builder().generation_floor(1).build()?);
    /// assert_eq!(sealer.open::<u8>(&token).unwrap_err(), OpenError::Revoked);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replace_config(&self, config: Config) {
        let now = self.now().unwrap_or(0);
        self.write(|old| {
            // Under the writer lock, so a concurrent `set_revocation` cannot miss this config.
            if let Some(hook) = self.inner.revocation.load().as_deref() {
                hook.0.on_config(&config);
            }
            State::new(old.keyring.share(), config, now)
        });
    }

    /// Replaces `stale`, whose key caches do not serve unix time `now`, with the same keys and
    /// config and caches around `now` (once per few rotation periods in steady use), unless it
    /// was replaced meanwhile (a replacement is built with its own clock reading).
    #[cold]
    #[inline(never)]
    fn renew_key_caches(&self, stale: &Arc<State>, now: u64) {
        let _writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if Arc::ptr_eq(&self.inner.state.load(), stale) {
            let fresh = State {
                keys: stale.keys.moved_to(&stale.keyring, &stale.config, now),
                keyring: stale.keyring.share(),
                config: stale.config.clone(),
            };
            self.inner.state.store(Arc::new(fresh));
        }
    }

    /// The one read-modify-write of the state, under the writer lock; the token-length cap
    /// follows the stored config.
    fn write(&self, next: impl FnOnce(&State) -> State) {
        let _writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let state = next(&self.inner.state.load());
        let max = state.config.max_token_len;
        self.inner.state.store(Arc::new(state));
        self.inner.max_token_len.store(max, Ordering::Relaxed);
        self.inner.config_version.fetch_add(1, Ordering::Release);
    }

    /// Moves after every replacement of the config or keyring (read it before checking the
    /// config it vouches for).
    pub(crate) fn config_version(&self) -> u64 {
        self.inner.config_version.load(Ordering::Acquire)
    }

    /// Sets or clears the revocation hook consulted by every open after all built-in checks.
    /// The hook is told the config in force ([`Revocation::on_config`]) before it is installed,
    /// and every later config with [`Sealer::replace_config`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # use std::sync::Arc;
    /// struct Nobody;
    /// impl Revocation for Nobody {
    ///     fn is_revoked(&self, _: &SessionMeta) -> bool { true }
    /// }
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// sealer.set_revocation(Some(Arc::new(Nobody)));
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// assert_eq!(sealer.open::<u8>(&token).unwrap_err(), OpenError::Revoked);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_revocation(&self, hook: Option<Arc<dyn Revocation>>) {
        // The writer lock orders this with `replace_config`: the hook sees every config in force
        // while it is installed.
        let _writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(hook) = &hook {
            hook.on_config(&self.inner.state.load().config);
        }
        let set = hook.is_some();
        // Store the hook before raising the flag, and lower the flag before clearing the hook:
        // an open that sees the flag finds the hook (or, racing a clear, none: also correct).
        if !set {
            self.inner.has_revocation.store(false, Ordering::Release);
        }
        self.inner.revocation.store(hook.map(|h| Arc::new(Hook(h))));
        if set {
            self.inner.has_revocation.store(true, Ordering::Release);
        }
    }

    /// A copy of the config in force.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// assert_eq!(sealer.config(), Config::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> Config {
        self.inner.state.load().config.clone()
    }

    /// Sets or clears the observer told of every seal, open, renew, reissue and remove, by this
    /// sealer, its clones and the [`SessionCookie`](crate::SessionCookie)s over it. With none
    /// set (the default) an operation pays one atomic load and allocates nothing for it.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # use std::sync::{Arc, Mutex};
    /// struct Log(Mutex<Vec<Event>>);
    /// impl Observer for Log {
    ///     fn event(&self, e: &Event) { self.0.lock().unwrap().push(*e); }
    /// }
    /// let sealer = Sealer::new(Keyring::new(7, MasterKey::generate()?), Config::default());
    /// let log = Arc::new(Log(Mutex::new(Vec::new())));
    /// sealer.set_observer(Some(log.clone()));
    /// sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?;
    /// sealer.set_observer(None);
    /// let _ = sealer.open::<u8>("not seen");
    /// let log = log.0.lock().unwrap();
    /// assert_eq!(log.len(), 2);
    /// assert!(matches!(log[1], Event::Open { result: Ok(()), key_id: Some(7), .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_observer(&self, observer: Option<Arc<dyn Observer>>) {
        self.observer().store(observer);
    }

    /// Every open, told to the observer. `check_schema`: refuse another schema version.
    pub(crate) fn open_with<R>(
        &self,
        token: &[u8],
        check_schema: bool,
        decode: impl FnOnce(&[u8]) -> Result<R, OpenError>,
    ) -> Result<Opened<R>, OpenError> {
        let result = self.open_checked(token, check_schema, decode);
        self.observer()
            .notify(|| Event::opened(&result, token.len()));
        result
    }

    /// Opens a token now, checking everything (see the crate docs for the order).
    ///
    /// # Errors
    /// An [`OpenError`] saying which check failed. In a web app, any error means "no session".
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// assert_eq!(sealer.open::<u8>("garbage").unwrap_err(), OpenError::Malformed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open<T: DeserializeOwned>(&self, token: &str) -> Result<Opened<T>, OpenError> {
        self.open_with(token.as_bytes(), true, payload::decode::<T>)
    }

    /// Opens a token whatever its application schema version, returning the authenticated payload
    /// bytes undecoded, so the app can migrate an old session and re-seal it. Every other check
    /// still applies.
    ///
    /// # Errors
    /// As [`Sealer::open`], except that [`OpenError::SchemaMismatch`] and
    /// [`OpenError::Payload`] never occur.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let key = MasterKey::generate()?.to_base64url();
    /// let v1 = Sealer::new(Keyring::new(1, MasterKey::from_text(&key)?), Config::builder().schema_version(1).build()?);
    /// let v2 = Sealer::new(Keyring::new(1, MasterKey::from_text(&key)?), Config::builder().schema_version(2).build()?);
    /// let old = v1.seal(&7u8, &SessionOptions::default())?;
    /// assert_eq!(v2.open::<u16>(&old).unwrap_err(), OpenError::SchemaMismatch { found: 1, expected: 2 });
    /// let raw = v2.open_raw(&old)?;
    /// assert_eq!(raw.meta.schema_version(), 1);
    /// let migrated: u8 = postcard::from_bytes(&raw.session).unwrap();
    /// let _fresh = v2.renew(&u16::from(migrated), &raw.meta)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_raw(&self, token: &str) -> Result<Opened<Vec<u8>>, OpenError> {
        self.open_with(token.as_bytes(), false, |payload| Ok(payload.to_vec()))
    }

    /// The clock, read once, as unsigned unix seconds (`None` before 1970).
    pub(crate) fn now(&self) -> Option<u64> {
        clock::unsigned(self.inner.clock.unix_seconds())
    }

    pub(crate) fn observer(&self) -> &ObserverSlot {
        &self.inner.observer
    }

    /// The keys and config in force, for one operation at unix time `now`, with key caches
    /// that serve it.
    pub(crate) fn state_at(&self, now: u64) -> Guard<Arc<State>> {
        let state = self.inner.state.load();
        if state.keys.serves(now) {
            return state;
        }
        self.renew_key_caches(&state, now);
        drop(state);
        self.inner.state.load()
    }

    /// Runs `f` on the config in force (no copy).
    pub(crate) fn with_config<R>(&self, f: impl FnOnce(&Config) -> R) -> R {
        f(&self.inner.state.load().config)
    }

    /// The length cap, then the pipeline, then the revocation hook and `decode`. Not told to the
    /// observer: every open goes through `open_with`, or through the session middleware's open
    /// (`SessionCookie::open_bytes`), which tell it.
    pub(crate) fn open_checked<R>(
        &self,
        token: &[u8],
        check_schema: bool,
        decode: impl FnOnce(&[u8]) -> Result<R, OpenError>,
    ) -> Result<Opened<R>, OpenError> {
        // 1. Length cap, before any decoding, and before loading the state (which may allocate
        //    once per thread): an over-long input touches nothing else and returns at once.
        let max = self.inner.max_token_len.load(Ordering::Relaxed);
        if token.len() > max {
            return Err(OpenError::TooLong {
                len: token.len(),
                max,
            });
        }
        // A clock before 1970 reads as unix 0 (FORMAT.md R8.0): only a token sealed in the first
        // `leeway` seconds of 1970 still opens.
        let now = self.now().unwrap_or(0);
        let state = self.state_at(now);
        let config = &state.config;
        let schema = check_schema.then_some(config.schema_version);
        token::open(&state.keys, config, token, now, schema, |v| {
            let primary = state.keys.primary().id;
            let meta = session::meta_of(
                config,
                primary,
                &v.claims,
                v.deadlines,
                v.key_id,
                v.epoch,
                now,
            );
            // 7. The application's revocation hook, only for tokens that passed everything else.
            if self.inner.has_revocation.load(Ordering::Acquire)
                && let Some(hook) = self.inner.revocation.load().as_deref()
                && hook.0.is_revoked(&meta)
            {
                return Err(OpenError::Revoked);
            }
            // 8. The payload.
            Ok(Opened {
                session: decode(v.payload)?,
                meta,
            })
        })
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.load();
        f.debug_struct("Sealer")
            .field("primary_id", &state.keyring.primary_id())
            .field("config", &state.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::keys::MasterKey;
    use crate::open_cache::OpenCache;
    use crate::session::SessionOptions;

    const DAY: i64 = 86_400;
    const T0: i64 = 1_800_000_000;

    fn at(secs: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    /// The epoch-key caches cover a range of epochs fixed when the state is built; the state is
    /// built afresh (same keys and config) once the clock leaves it, and not before.
    #[test]
    fn the_state_follows_the_clock_out_of_its_key_cache_range() {
        let clock = ManualClock::at(at(T0));
        let sealer = Sealer::new(
            Keyring::new(1, MasterKey::generate().unwrap()),
            Config::default(),
        )
        .with_clock(clock.clone());
        let state_ptr = || Arc::as_ptr(&sealer.inner.state.load());
        let built = state_ptr();
        let (_, until) = sealer.inner.state.load().keys.served;
        let until = i64::try_from(until).unwrap();
        assert!(until > T0 + DAY, "the default window leaves room for days");

        // Inside the range: the same state, token after token.
        let mut tokens = Vec::new();
        for t in (T0..until).step_by(usize::try_from(DAY / 2).unwrap()) {
            clock.set(at(t));
            tokens.push(sealer.seal(&7u8, &SessionOptions::default()).unwrap());
            assert_eq!(state_ptr(), built, "rebuilt at {t}");
        }
        // Past it: one rebuild, and the token sealed then opens under the new state.
        clock.set(at(until));
        let late = sealer.seal(&7u8, &SessionOptions::default()).unwrap();
        let rebuilt = state_ptr();
        assert_ne!(rebuilt, built);
        assert_eq!(sealer.open::<u8>(&late).unwrap().session, 7);
        assert_eq!(state_ptr(), rebuilt, "no second rebuild");
        // The clock going back before the range rebuilds again; older tokens still open.
        clock.set(at(T0 + 60));
        assert_eq!(sealer.open::<u8>(&tokens[0]).unwrap().session, 7);
        assert_ne!(state_ptr(), rebuilt);
    }

    /// The open cache holds what this sealer sealed, and what it opened that passed every
    /// check; nothing it refused.
    #[test]
    fn the_open_cache_keeps_sealed_and_opened_tokens_only() {
        let config = Config::builder().open_cache(64).build().unwrap();
        let clock = ManualClock::at(at(T0));
        let key = MasterKey::generate().unwrap().to_base64url();
        let sealer = |config: Config| {
            Sealer::new(Keyring::new(1, MasterKey::from_text(&key).unwrap()), config)
                .with_clock(clock.clone())
        };
        let (cached, other) = (sealer(config.clone()), sealer(Config::default()));
        let holds = |token: &str| {
            let state = cached.inner.state.load();
            state.keys.open_cache().unwrap().holds(token.as_bytes())
        };
        let opts = SessionOptions::default();
        let sealed = cached.seal(&1u8, &opts).unwrap();
        assert!(holds(&sealed));
        let foreign = other.seal(&2u8, &opts).unwrap();
        assert!(!holds(&foreign));
        assert_eq!(cached.open::<u8>(&foreign).unwrap().session, 2);
        assert!(holds(&foreign));

        let stale = other.seal(&3u8, &opts).unwrap();
        clock.set(at(T0 + DAY));
        assert_eq!(cached.open::<u8>(&stale).unwrap_err(), OpenError::Expired);
        assert!(!holds(&stale), "authentic but refused");
        assert!(cached.open::<u8>("AQEAAAAA").is_err());

        cached.replace_config(config);
        assert!(
            !holds(&sealed) && !holds(&foreign),
            "a new config starts empty"
        );
    }

    /// A state rebuilt because the clock left its epoch-key range keeps the open cache (same
    /// keys, same answers); a replaced config does not.
    #[test]
    fn the_open_cache_outlives_a_rebuild_for_the_clock_only() {
        let clock = ManualClock::at(at(T0));
        let config = Config::builder().open_cache(8).build().unwrap();
        let sealer = Sealer::new(
            Keyring::new(1, MasterKey::generate().unwrap()),
            config.clone(),
        )
        .with_clock(clock.clone());
        let cache = || {
            let state = sealer.inner.state.load();
            let cache: *const OpenCache = state.keys.open_cache().unwrap();
            (Arc::as_ptr(&state), cache)
        };
        let token = sealer.seal(&7u8, &SessionOptions::default()).unwrap();
        let (state, built) = cache();
        let (_, until) = sealer.inner.state.load().keys.served;
        clock.set(at(i64::try_from(until).unwrap()));
        let _ = sealer.open::<u8>(&token);
        let (rebuilt_state, rebuilt) = cache();
        assert_ne!(rebuilt_state, state, "the state was rebuilt");
        assert_eq!(rebuilt, built, "with the same open cache");
        assert!(
            sealer
                .inner
                .state
                .load()
                .keys
                .open_cache()
                .unwrap()
                .holds(token.as_bytes())
        );
        sealer.replace_config(config);
        assert_ne!(cache().1, built);
    }
}
