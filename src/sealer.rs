//! Seal and open: the only module that calls the AEAD.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use arc_swap::{ArcSwap, ArcSwapOption};
use chacha20poly1305::aead::AeadInPlace as _;
use chacha20poly1305::aead::rand_core::{OsRng, RngCore as _};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::claims::{self, Claims, Deadlines, Policy, SESSION_ID_LEN};
use crate::clock::{self, Clock, SystemClock};
use crate::config::Config;
use crate::encoding;
use crate::epoch_keys::KeyTable;
use crate::error::{OpenError, SealError};
use crate::format::{self, HEADER_LEN, Header, MAX_AAD_LEN, RANDOM_LEN, TAG_LEN, VERSION};
use crate::keyring::Keyring;
use crate::scratch::{self, with_scratch};
use crate::session::{Opened, Revocation, SessionId, SessionMeta, SessionOptions};

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
    revocation: ArcSwapOption<Hook>,
    /// Whether a revocation hook is set: an open without one skips loading it (an `ArcSwap` load
    /// and release cost about as much as the clock read).
    has_revocation: AtomicBool,
    /// The config's maximum token length, readable without loading the state: a refusal of an
    /// over-long input touches nothing else, allocates nothing, and returns at once.
    max_token_len: AtomicUsize,
    /// Read once per operation, as unix seconds.
    clock: Arc<dyn Clock>,
}

struct Hook(Arc<dyn Revocation>);

/// Keys and config, replaced together and atomically.
struct State {
    config: Config,
    keys: KeyTable,
    primary_id: u8,
}

impl State {
    fn new(keys: Vec<(u8, Arc<crate::MasterKey>)>, config: Config) -> Self {
        let primary_id = keys.first().map_or(0, |(id, _)| *id);
        let keys = KeyTable::new(keys, config.rotation_period, config.window_epochs());
        Self {
            config,
            keys,
            primary_id,
        }
    }
}

/// Fresh randomness for one seal: the nonce's random part, and a session id when one is minted.
#[derive(Clone, Copy)]
struct Fresh {
    random: [u8; RANDOM_LEN],
    session_id: Option<[u8; SESSION_ID_LEN]>,
}

impl Fresh {
    /// One call to the OS generator for both values: each call is a system call, which costs
    /// more than the rest of a small seal's non-crypto work (see BENCHMARKS.md). Only the bytes
    /// needed are asked for: Linux serves up to 32 bytes from one ChaCha block and runs another
    /// block for more, so a seal without a new session id (20 bytes) is cheaper than one with
    /// (36 bytes).
    fn draw(with_session_id: bool) -> Result<Self, SealError> {
        let mut bytes = [0u8; RANDOM_LEN + SESSION_ID_LEN];
        let wanted = if with_session_id {
            &mut bytes[..]
        } else {
            bytes.get_mut(..RANDOM_LEN).ok_or(SealError::Rng)?
        };
        OsRng.try_fill_bytes(wanted).map_err(|_| SealError::Rng)?;
        let (random, session_id) = bytes
            .split_first_chunk::<RANDOM_LEN>()
            .ok_or(SealError::Rng)?;
        let session_id: [u8; SESSION_ID_LEN] = session_id.try_into().map_err(|_| SealError::Rng)?;
        Ok(Self {
            random: *random,
            session_id: with_session_id.then_some(session_id),
        })
    }
}

/// How the claims of a new token relate to an earlier one.
#[derive(Clone, Copy)]
pub(crate) enum Lineage<'a> {
    /// A new session (login).
    New(&'a SessionOptions),
    /// The same session, resealed: keeps start, id, generation and profile.
    Renew(&'a SessionMeta),
    /// A fresh session carrying the old one's profile and generation (privilege change).
    Reissue(&'a SessionMeta),
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
        let keys = keyring
            .into_entries()
            .into_iter()
            .map(|(id, k)| (id, Arc::new(k)))
            .collect();
        Self {
            inner: Arc::new(Inner {
                max_token_len: AtomicUsize::new(config.max_token_len),
                state: ArcSwap::from_pointee(State::new(keys, config)),
                revocation: ArcSwapOption::empty(),
                has_revocation: AtomicBool::new(false),
                clock: Arc::new(SystemClock),
            }),
        }
    }

    /// This sealer reading time from `clock` instead of the system clock: a [`ManualClock`]
    /// in tests, or the application's own source of time. Call it when building the sealer:
    /// clones made before keep the clock they had.
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
        let inner = match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.clock = clock;
                inner
            }
            Err(shared) => Inner {
                state: ArcSwap::new(shared.state.load_full()),
                revocation: ArcSwapOption::new(shared.revocation.load_full()),
                has_revocation: AtomicBool::new(shared.has_revocation.load(Ordering::Acquire)),
                max_token_len: AtomicUsize::new(shared.max_token_len.load(Ordering::Relaxed)),
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
        let config = self.inner.state.load().config.clone();
        let keys = keyring
            .into_entries()
            .into_iter()
            .map(|(id, k)| (id, Arc::new(k)))
            .collect();
        self.inner.state.store(Arc::new(State::new(keys, config)));
    }

    /// Replaces the config at run time, for example to raise the generation floor or set a
    /// not-before cutoff (revoke without a restart). Keys are kept; cached epoch keys are
    /// derived afresh.
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
        let keys = self.inner.state.load().keys.masters();
        let max = config.max_token_len;
        self.inner.state.store(Arc::new(State::new(keys, config)));
        self.inner.max_token_len.store(max, Ordering::Relaxed);
    }

    /// Sets or clears the revocation hook consulted by every open after all built-in checks.
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

    /// Seals `value` as a new session (login), now: a new session start and, where the config
    /// enables them, a new session id. `options` picks the profile ("remember me") and the
    /// generation.
    ///
    /// The size limit does not depend on the time of day: a session is refused when its token
    /// could exceed the configured maximum at some instant (the largest seal offset and session
    /// age the config allows), even if this second's encoding would fit, so the same session is
    /// accepted or refused at every hour. [`Sealer::max_payload_len`] gives the bound.
    ///
    /// # Errors
    /// [`SealError::TooLong`] if the token could exceed the configured maximum,
    /// [`SealError::Serialize`] if postcard cannot serialize the value, [`SealError::Rng`] or
    /// [`SealError::Clock`] if the system's random generator fails or the clock reads before 1970.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&"hello", &SessionOptions::default())?;
    /// assert!(token.len() <= 72 + 6);
    /// let remember = sealer.seal(&"hello", &SessionOptions::default().persistent(true))?;
    /// assert!(sealer.open::<String>(&remember)?.meta.is_persistent());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seal<T: Serialize + ?Sized>(
        &self,
        value: &T,
        options: &SessionOptions,
    ) -> Result<String, SealError> {
        self.seal_string(value, Lineage::New(options))
    }

    /// [`Sealer::seal`], appending the token to `out`. With a reused `out` whose capacity
    /// suffices, this makes no heap allocation at all.
    ///
    /// # Errors
    /// As [`Sealer::seal`]; on error `out` is left as it was.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let mut buf = String::with_capacity(256);
    /// sealer.seal_into(&1u8, &SessionOptions::default(), &mut buf)?;
    /// assert!(sealer.open::<u8>(&buf).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seal_into<T: Serialize + ?Sized>(
        &self,
        value: &T,
        options: &SessionOptions,
        out: &mut String,
    ) -> Result<(), SealError> {
        self.seal_lineage(value, Lineage::New(options), self.now(), out, false)
            .map(|_| ())
    }

    /// Re-seals an opened session now: same session start, absolute deadline, id, generation and
    /// profile; new seal time (so a new idle deadline), current primary key and epoch. `value`
    /// may be the same session or a changed one.
    ///
    /// # Errors
    /// [`SealError::Expired`] if the session is past its absolute deadline (renewal never
    /// extends it), and the errors of [`Sealer::seal`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let opened = sealer.open::<u32>(&sealer.seal(&1u32, &SessionOptions::default())?)?;
    /// let renewed = sealer.renew(&(opened.session + 1), &opened.meta)?;
    /// let again = sealer.open::<u32>(&renewed)?;
    /// assert_eq!(again.session, 2);
    /// assert_eq!(again.meta.session_start(), opened.meta.session_start());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renew<T: Serialize + ?Sized>(
        &self,
        value: &T,
        meta: &SessionMeta,
    ) -> Result<String, SealError> {
        self.seal_string(value, Lineage::Renew(meta))
    }

    /// Starts a fresh session for the same user after login or a privilege change: new session
    /// start, new session id (where enabled), same profile and generation. This is the session
    /// fixation defence: a token planted before the change does not become privileged.
    ///
    /// # Errors
    /// As [`Sealer::seal`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::builder().session_ids(true).build()?);
    /// let anon = sealer.open::<String>(&sealer.seal("guest", &SessionOptions::default())?)?;
    /// let admin = sealer.open::<String>(&sealer.reissue("admin", &anon.meta)?)?;
    /// assert_ne!(admin.meta.session_id(), anon.meta.session_id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reissue<T: Serialize + ?Sized>(
        &self,
        value: &T,
        meta: &SessionMeta,
    ) -> Result<String, SealError> {
        self.seal_string(value, Lineage::Reissue(meta))
    }

    /// The seal for the published test vectors: explicit claims and fixed nonce bytes. Crate-private
    /// and compiled only for tests; never reachable from the public API, since a repeated nonce
    /// would break confidentiality.
    #[cfg(test)]
    pub(crate) fn seal_claims_with_nonce<T: Serialize + ?Sized>(
        &self,
        value: &T,
        claims: &Claims,
        random: [u8; RANDOM_LEN],
    ) -> Result<String, SealError> {
        let mut out = String::new();
        seal_claims(&self.inner.state.load(), claims, value, random, &mut out)?;
        Ok(out)
    }

    /// The clock, read once, as unsigned unix seconds (`None` before 1970).
    pub(crate) fn now(&self) -> Option<u64> {
        clock::unsigned(self.inner.clock.unix_seconds())
    }

    /// Seals into a new string with fresh randomness: the body of every `String`-returning seal.
    fn seal_string<T: Serialize + ?Sized>(
        &self,
        value: &T,
        lineage: Lineage<'_>,
    ) -> Result<String, SealError> {
        let mut out = String::new();
        self.seal_lineage(value, lineage, self.now(), &mut out, false)?;
        Ok(out)
    }

    /// Seals now and also returns the new token's metadata, as `open` would report it at that
    /// instant, computed from the claims just sealed, and that instant in unix seconds (the
    /// cookie layer needs the deadlines for Max-Age; this spares it a decryption of the token it
    /// just made).
    pub(crate) fn seal_with_meta<T: Serialize + ?Sized>(
        &self,
        value: &T,
        lineage: Lineage<'_>,
    ) -> Result<(String, SessionMeta, u64), SealError> {
        let mut out = String::new();
        let now = self.now().ok_or(SealError::Clock)?;
        let meta = self.seal_lineage(value, lineage, Some(now), &mut out, true)?;
        Ok((out, meta.ok_or(SealError::Clock)?, now))
    }

    fn seal_lineage<T: Serialize + ?Sized>(
        &self,
        value: &T,
        lineage: Lineage<'_>,
        now: Option<u64>,
        out: &mut String,
        want_meta: bool,
    ) -> Result<Option<SessionMeta>, SealError> {
        let now = now.ok_or(SealError::Clock)?;
        let state = self.inner.state.load();
        let config = &state.config;
        // Renewal keeps the session's id; new sessions and reissues mint one if ids are on.
        let mints_id = config.session_ids && !matches!(lineage, Lineage::Renew(_));
        let fresh = Fresh::draw(mints_id)?;
        let new_id = fresh.session_id;
        let claims = match lineage {
            Lineage::New(o) => Claims {
                persistent: o.persistent,
                sealed_at: now,
                session_start: now,
                generation: o.generation,
                schema_version: config.schema_version,
                session_id: new_id,
            },
            Lineage::Renew(m) => {
                let start = m.session_start_secs;
                let lifetime = config.lifetimes(m.persistent).absolute_secs();
                if now > start.saturating_add(lifetime) {
                    return Err(SealError::Expired);
                }
                Claims {
                    persistent: m.persistent,
                    // A server whose clock is behind the one that started the session seals
                    // at the start, not before it.
                    sealed_at: now.max(start),
                    session_start: start,
                    generation: m.generation,
                    schema_version: config.schema_version,
                    session_id: m.session_id.map(|id| id.0),
                }
            }
            Lineage::Reissue(m) => Claims {
                persistent: m.persistent,
                sealed_at: now,
                session_start: now,
                generation: m.generation,
                schema_version: config.schema_version,
                session_id: new_id,
            },
        };
        seal_claims(&state, &claims, value, fresh.random, out)?;
        if !want_meta {
            return Ok(None);
        }
        let lifetimes = config.lifetimes(claims.persistent);
        let deadlines = Deadlines::of(&claims, lifetimes.absolute_secs(), lifetimes.idle_secs());
        let epoch = epoch_of(claims.sealed_at, config.rotation_period);
        Ok(Some(meta_of(
            &state,
            &claims,
            deadlines,
            state.primary_id,
            epoch,
            now,
        )))
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
        // A clock before 1970 reads as 1970, so every live token is refused (its epoch is
        // outside the window).
        let now = self.now().unwrap_or(0);
        self.open_with(token.as_bytes(), now, true, crate::payload::decode::<T>)
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
        let now = self.now().unwrap_or(0);
        self.open_with(token.as_bytes(), now, false, |payload| Ok(payload.to_vec()))
    }

    /// The longest token (in characters) a payload of `payload_len` postcard bytes can give with
    /// these options under this config, over every time of day: exact for the largest seal
    /// offset and session age the config allows, so every such token is at most this long and
    /// some reach it. [`Sealer::seal`] refuses exactly when this exceeds the config's
    /// `max_token_len`.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let opts = SessionOptions::default();
    /// let token = sealer.seal(&vec![7u8; 60], &opts)?; // 61 bytes of postcard
    /// assert!(token.len() <= sealer.sealed_len(61, &opts));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sealed_len(&self, payload_len: usize, options: &SessionOptions) -> usize {
        let state = self.inner.state.load();
        let raw = max_raw_len(&state.config, options).saturating_add(payload_len);
        encoding::encoded_len(raw).unwrap_or(usize::MAX)
    }

    /// The largest postcard payload [`Sealer::seal`] accepts with these options, at any time of
    /// day: the config's `max_token_len` less the worst-case overhead. `None` when not even an
    /// empty payload fits.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let opts = SessionOptions::default();
    /// let n = sealer.max_payload_len(&opts).expect("the default config has room");
    /// assert!(sealer.sealed_len(n, &opts) <= 4096);
    /// assert!(sealer.sealed_len(n + 1, &opts) > 4096);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_payload_len(&self, options: &SessionOptions) -> Option<usize> {
        let max = self.inner.state.load().config.max_token_len;
        self.payload_room(max, options)
    }

    /// The largest postcard payload that fits in `token_len` characters at any time of day.
    pub(crate) fn payload_room(&self, token_len: usize, options: &SessionOptions) -> Option<usize> {
        let state = self.inner.state.load();
        encoding::decoded_capacity(token_len).checked_sub(max_raw_len(&state.config, options))
    }

    /// The checks, in spec order, then `decode` on the authenticated payload.
    fn open_with<R>(
        &self,
        token: &[u8],
        now: u64,
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
        let state = self.inner.state.load();
        let config = &state.config;
        with_scratch(|raw| {
            // 2. base64url, strict.
            raw.reserve(encoding::decoded_capacity(token.len()));
            if !encoding::decode_token_into(token, raw) {
                return Err(OpenError::Malformed);
            }
            // 3. Header (version first).
            let parts = format::split(raw)?;
            // 4. Key lookup: key id, then the epoch within the accepted window.
            let entry = state
                .keys
                .get(parts.header.key_id)
                .ok_or(OpenError::UnknownKeyId {
                    id: parts.header.key_id,
                })?;
            let period = config.rotation_period;
            let epoch_lo = epoch_of(now.saturating_sub(config.max_token_age()), period);
            let epoch_hi = epoch_of(now.saturating_add(config.leeway), period);
            let epoch = format::full_epoch(parts.header.epoch_low, epoch_lo, epoch_hi)
                .ok_or(OpenError::RetiredEpoch)?;
            // 5. AEAD open, in place.
            let mut aad_buf = [0u8; MAX_AAD_LEN];
            let aad = format::aad(&parts.header_bytes, config.purpose.as_bytes(), &mut aad_buf);
            let nonce = parts.header_bytes;
            let tag = parts.tag;
            let body = parts.body;
            entry
                .with_cipher(epoch, |cipher| {
                    cipher.decrypt_in_place_detached(&nonce.into(), aad, body, &tag.into())
                })
                .map_err(|_| OpenError::Authentication)?;
            // 6. Claims, all checked in constant time with one branch.
            let epoch_start = epoch.checked_mul(period).ok_or(OpenError::Malformed)?;
            let (claims, offset, payload) = Claims::decode(body, epoch_start)?;
            let lifetimes = config.lifetimes(claims.persistent);
            let policy = Policy {
                now,
                leeway: config.leeway,
                period,
                epoch_lo,
                epoch_hi,
                absolute_lifetime: lifetimes.absolute_secs(),
                idle_lifetime: lifetimes.idle_secs(),
                generation_floor: config.generation_floor,
                not_before: config.not_before,
                schema_version: if check_schema {
                    config.schema_version
                } else {
                    claims.schema_version
                },
            };
            let deadlines = claims::validate(&claims, epoch, offset, &policy)?;
            let meta = meta_of(&state, &claims, deadlines, parts.header.key_id, epoch, now);
            // 7. The application's revocation hook, only for tokens that passed everything else.
            if self.inner.has_revocation.load(Ordering::Acquire)
                && let Some(hook) = self.inner.revocation.load().as_deref()
                && hook.0.is_revoked(&meta)
            {
                return Err(OpenError::Revoked);
            }
            // 8. The payload.
            Ok(Opened {
                session: decode(payload)?,
                meta,
            })
        })
    }
}

/// The rotation epoch of an instant. The config guarantees a non-zero period.
fn epoch_of(secs: u64, period: u64) -> u64 {
    secs.checked_div(period).unwrap_or(0)
}

/// The raw length without payload at its largest under this config (the worst case for the
/// varints: the last second of an epoch, the oldest renewable session).
fn max_raw_len(config: &Config, options: &SessionOptions) -> usize {
    let max_offset = config.rotation_period.saturating_sub(1);
    let max_age = config.lifetimes(options.persistent).absolute_secs();
    let claims = claims::encoded_len_of(
        max_offset,
        max_age,
        options.generation,
        config.schema_version,
        config.session_ids,
    );
    HEADER_LEN.saturating_add(claims).saturating_add(TAG_LEN)
}

/// The one notion of "should renew": the configured part of the idle window has passed, or the
/// token was sealed under an old key or in another epoch; and a renewal can still give a live
/// token (`now` before the absolute deadline: a token opened inside the leeway after it is not
/// due, since renewing it would fail).
fn renewal_due(now: u64, renew_from: u64, old_key: bool, old_epoch: bool, absolute: u64) -> bool {
    (now >= renew_from || old_key || old_epoch) && now < absolute
}

/// The encoded claims' length at their largest for these claims under this config: the last
/// second of an epoch, the oldest session the profile's absolute lifetime allows.
fn worst_claims_len(config: &Config, claims: &Claims) -> usize {
    claims::encoded_len_of(
        config.rotation_period.saturating_sub(1),
        config.lifetimes(claims.persistent).absolute_secs(),
        claims.generation,
        claims.schema_version,
        claims.session_id.is_some(),
    )
}

fn meta_of(
    state: &State,
    claims: &Claims,
    d: Deadlines,
    key_id: u8,
    epoch: u64,
    now: u64,
) -> SessionMeta {
    let config = &state.config;
    let idle = config.lifetimes(claims.persistent).idle_secs();
    let renew_after = idle.saturating_mul(u64::from(config.renew_after_percent)) / 100;
    let old_key = key_id != state.primary_id;
    let old_epoch = epoch != epoch_of(now, config.rotation_period);
    SessionMeta {
        session_start_secs: claims.session_start,
        sealed_at_secs: claims.sealed_at,
        absolute_deadline_secs: d.absolute,
        idle_deadline_secs: d.idle,
        key_id,
        epoch,
        generation: claims.generation,
        schema_version: claims.schema_version,
        persistent: claims.persistent,
        session_id: claims.session_id.map(SessionId),
        renewal_due: renewal_due(
            now,
            claims.sealed_at.saturating_add(renew_after),
            old_key,
            old_epoch,
            d.absolute,
        ),
        old_key,
        old_epoch,
    }
}

/// Builds `header || encrypt(claims || payload) || tag` in the scratch buffer and appends its
/// base64url form to `out`. The header is the nonce: version, key id, epoch bits, `random`.
fn seal_claims<T: Serialize + ?Sized>(
    state: &State,
    claims: &Claims,
    value: &T,
    random: [u8; RANDOM_LEN],
    out: &mut String,
) -> Result<(), SealError> {
    let config = &state.config;
    let entry = state.keys.primary().ok_or(SealError::Clock)?;
    let period = config.rotation_period;
    let epoch = epoch_of(claims.sealed_at, period);
    let epoch_start = epoch.checked_mul(period).ok_or(SealError::Clock)?;
    let header = Header {
        version: VERSION,
        key_id: entry.id,
        epoch_low: u16::try_from(epoch & 0xffff).unwrap_or(0),
        random,
    }
    .to_bytes();
    with_scratch(|raw| {
        // The plaintext grows only through `scratch::reserve`, which wipes what it leaves behind:
        // room for the header and the largest claims first, then the payload, then the tag.
        let largest_claims = claims::encoded_len_of(u64::MAX, u64::MAX, u64::MAX, u32::MAX, true);
        scratch::reserve(raw, HEADER_LEN.saturating_add(largest_claims));
        raw.extend_from_slice(&header);
        claims.encode(epoch_start, raw).ok_or(SealError::Clock)?;
        let payload_start = raw.len();
        scratch::serialize_into(value, raw).map_err(|_| SealError::Serialize)?;
        scratch::reserve(raw, TAG_LEN);
        // The length judged is the worst case over every instant this session could be sealed
        // at (largest seal offset and age), so the verdict never depends on the time of day.
        let payload_len = raw.len().saturating_sub(payload_start);
        let worst_raw = HEADER_LEN
            .saturating_add(worst_claims_len(config, claims))
            .saturating_add(payload_len)
            .saturating_add(TAG_LEN);
        let len = encoding::encoded_len(worst_raw).unwrap_or(usize::MAX);
        if len > config.max_token_len {
            return Err(SealError::TooLong {
                len,
                max: config.max_token_len,
            });
        }
        let mut aad_buf = [0u8; MAX_AAD_LEN];
        let aad = format::aad(&header, config.purpose.as_bytes(), &mut aad_buf);
        let body = raw.get_mut(HEADER_LEN..).ok_or(SealError::Serialize)?;
        let tag = entry
            .with_cipher(epoch, |cipher| {
                cipher.encrypt_in_place_detached(&header.into(), aad, body)
            })
            .map_err(|_| SealError::TooLong {
                len,
                max: config.max_token_len,
            })?;
        raw.extend_from_slice(&tag);
        out.reserve(len);
        encoding::encode_token_into(raw, out);
        Ok(())
    })
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.load();
        f.debug_struct("Sealer")
            .field("primary_id", &state.primary_id)
            .field("config", &state.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MasterKey;
    use crate::clock::ManualClock;

    /// 2027-01-15T08:00:00Z.
    const T0: i64 = 1_800_000_000;

    fn at(secs: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn sealer_with(config: Config) -> Sealer {
        Sealer::new(Keyring::new(1, MasterKey::generate().unwrap()), config)
            .with_clock(ManualClock::at(at(T0)))
    }

    fn sealer() -> Sealer {
        sealer_with(Config::default())
    }

    #[test]
    fn sealer_is_send_sync_and_clone() {
        fn assert_traits<T: Send + Sync + Clone>() {}
        assert_traits::<Sealer>();
    }

    #[test]
    fn too_long_refused_before_decoding() {
        let s = sealer();
        let long = "A".repeat(5000);
        assert_eq!(
            s.open::<u8>(&long).unwrap_err(),
            OpenError::TooLong {
                len: 5000,
                max: 4096
            }
        );
    }

    #[test]
    fn seal_refuses_oversized_tokens() {
        let s = sealer();
        let opts = SessionOptions::default();
        let big = vec![0u8; 4000];
        assert!(matches!(
            s.seal(&big, &opts),
            Err(SealError::TooLong { max: 4096, .. })
        ));
        let fits = vec![0u8; s.max_payload_len(&opts).unwrap() - 2]; // 2 bytes of length prefix
        assert!(s.seal(&fits, &opts).is_ok());
    }

    /// The same session is accepted or refused at every time of day: at 00:00:30 the seal
    /// offset takes one varint byte instead of three, which must not let a larger payload in.
    #[test]
    fn size_verdict_does_not_depend_on_the_time_of_day() {
        let day_start = T0 - T0.rem_euclid(86_400);
        for opts in [
            SessionOptions::default(),
            SessionOptions::default().persistent(true),
        ] {
            let clock = ManualClock::at(at(day_start));
            let s = sealer().with_clock(clock.clone());
            let max = s.max_payload_len(&opts).unwrap();
            // A Vec<u8> of n bytes is n + 2 bytes of postcard at these sizes.
            let largest = vec![1u8; max - 2];
            let over = vec![1u8; max - 1];
            for secs in [30, 12 * 3600, 86_399] {
                clock.set(at(day_start + secs));
                let token = s.seal(&largest, &opts).unwrap();
                assert!(token.len() <= 4096);
                assert_eq!(
                    s.seal(&over, &opts).err(),
                    Some(SealError::TooLong {
                        len: s.sealed_len(max + 1, &opts),
                        max: 4096
                    }),
                    "{secs} s into the day"
                );
                let meta = s.open::<Vec<u8>>(&token).unwrap().meta;
                assert!(s.renew(&over, &meta).is_err());
                assert!(s.renew(&largest, &meta).is_ok());
            }
        }
    }

    #[test]
    fn max_payload_len_says_when_nothing_fits() {
        let smallest = encoding::encoded_len(format::MIN_RAW_LEN).unwrap();
        let s = sealer_with(Config::builder().max_token_len(smallest).build().unwrap());
        let opts = SessionOptions::default();
        assert_eq!(s.max_payload_len(&opts), None);
        assert!(matches!(s.seal(&(), &opts), Err(SealError::TooLong { .. })));
        let roomy = sealer();
        assert_eq!(
            roomy.sealed_len(roomy.max_payload_len(&opts).unwrap(), &opts),
            4096
        );
    }

    #[test]
    fn purpose_is_bound() {
        let key = MasterKey::generate().unwrap().to_base64url();
        let a = Sealer::new(
            Keyring::new(1, MasterKey::from_text(&key).unwrap()),
            Config::default(),
        );
        let b = Sealer::new(
            Keyring::new(1, MasterKey::from_text(&key).unwrap()),
            Config::builder().purpose("other").build().unwrap(),
        );
        let token = a.seal(&1u8, &SessionOptions::default()).unwrap();
        assert!(a.open::<u8>(&token).is_ok());
        assert_eq!(b.open::<u8>(&token).unwrap_err(), OpenError::Authentication);
    }

    #[test]
    fn with_clock_on_a_shared_sealer_keeps_the_state() {
        let s = sealer();
        let shared = s.clone();
        let clock = ManualClock::at(at(T0 + 60));
        let moved = shared.with_clock(clock);
        let token = moved.seal(&1u8, &SessionOptions::default()).unwrap();
        assert_eq!(s.open::<u8>(&token).unwrap().meta.sealed_at(), at(T0 + 60));
    }

    #[test]
    fn randomness_is_drawn_for_a_session_id_only_when_one_is_minted() {
        let plain = Fresh::draw(false).unwrap();
        assert!(plain.session_id.is_none());
        let with_id = Fresh::draw(true).unwrap();
        let id = with_id.session_id.unwrap();
        assert_ne!(id, [0; SESSION_ID_LEN]);
        assert_ne!(with_id.random, plain.random);
        // Renewal keeps the id; reissue mints a new one.
        let s = sealer_with(Config::builder().session_ids(true).build().unwrap());
        let opts = SessionOptions::default();
        let meta = s.open::<u8>(&s.seal(&1u8, &opts).unwrap()).unwrap().meta;
        let renewed = s.open::<u8>(&s.renew(&1u8, &meta).unwrap()).unwrap().meta;
        assert_eq!(renewed.session_id(), meta.session_id());
        let reissued = s.open::<u8>(&s.reissue(&1u8, &meta).unwrap()).unwrap().meta;
        assert!(reissued.session_id().is_some());
        assert_ne!(reissued.session_id(), meta.session_id());
    }

    #[test]
    fn debug_redacts_keys() {
        let s = sealer();
        let shown = format!("{s:?}");
        assert!(shown.contains("primary_id"));
        assert!(!shown.contains("MasterKey {"));
    }
}
