//! What seal takes besides the value ([`SessionOptions`]) and what open gives back besides it
//! ([`Opened`], [`SessionMeta`], [`SessionId`]), and how the metadata follows from the claims.

use std::fmt;

use time::OffsetDateTime;

use crate::claims::{Claims, Deadlines, SESSION_ID_LEN};
use crate::config::Config;
use crate::epoch;
use crate::error::OpenError;
use crate::unix_time;

/// Options for a new session. The defaults: a browser-session (not persistent), generation 0.
///
/// # Example
/// ```
/// use sealed_session::SessionOptions;
/// let remember_me = SessionOptions::default().persistent(true).generation(3);
/// assert_ne!(remember_me, SessionOptions::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct SessionOptions {
    pub(crate) persistent: bool,
    pub(crate) generation: u64,
}

impl SessionOptions {
    /// Use the persistent lifetimes ("remember me"): the cookie layer then sets `Max-Age`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&1u8, &SessionOptions::default().persistent(true))?;
    /// assert!(sealer.open::<u8>(&token)?.meta.is_persistent());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn persistent(mut self, persistent: bool) -> Self {
        self.persistent = persistent;
        self
    }

    /// The generation counter sealed into the token: raise the config's generation floor above
    /// it to revoke every token of lower generation.
    ///
    /// # Example
    /// ```
    /// let _opts = sealed_session::SessionOptions::default().generation(7);
    /// ```
    pub fn generation(mut self, generation: u64) -> Self {
        self.generation = generation;
        self
    }
}

/// A random 16-byte session id, present when the config enables session ids. Not a secret (it
/// cannot forge a token), but an identifier: log it, revoke by it.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// let config = Config::builder().session_ids(true).build()?;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config);
/// let opened = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?;
/// let id = opened.meta.session_id().expect("enabled");
/// assert_eq!(id.to_string().len(), 32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub(crate) [u8; SESSION_ID_LEN]);

impl SessionId {
    /// The id's bytes.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::builder().session_ids(true).build()?);
    /// # let opened = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?;
    /// assert_eq!(opened.meta.session_id().unwrap().as_bytes().len(), 16);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SESSION_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// What an authentic, valid token says about its session, besides the session value.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// let token = sealer.seal(&"alice".to_string(), &SessionOptions::default())?;
/// let meta = sealer.open::<String>(&token)?.meta;
/// assert_eq!(meta.key_id(), 1);
/// assert!(meta.idle_deadline() <= meta.absolute_deadline());
/// assert!(!meta.renewal_due());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionMeta {
    /// The four instants are kept as unix seconds and turned into `OffsetDateTime`s only when
    /// asked for (calendar arithmetic is a measurable part of an open).
    pub(crate) session_start_secs: u64,
    pub(crate) sealed_at_secs: u64,
    pub(crate) absolute_deadline_secs: u64,
    pub(crate) idle_deadline_secs: u64,
    /// When the token was opened (or sealed, for the metadata of a token just made), by the
    /// sealer's clock: the "now" of [`SessionMeta::authenticated_within`].
    pub(crate) opened_at_secs: u64,
    pub(crate) key_id: u8,
    pub(crate) epoch: u64,
    pub(crate) generation: u64,
    pub(crate) schema_version: u32,
    pub(crate) persistent: bool,
    pub(crate) session_id: Option<SessionId>,
    pub(crate) renewal_due: bool,
    pub(crate) old_key: bool,
    pub(crate) old_epoch: bool,
}

impl SessionMeta {
    /// Whether to renew (re-seal) now, the one notion of it in every layer: the configured part
    /// of the idle window has passed, or the token was sealed under a key that is no longer
    /// primary or in another epoch than the current one; and the session is still before its
    /// absolute deadline (a token opened inside the leeway after that deadline is not due:
    /// renewing it could not give a live token).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default())
    ///     .with_clock(clock.clone());
    /// let token = sealer.seal(&7u8, &SessionOptions::default())?;
    /// assert!(!sealer.open::<u8>(&token)?.meta.renewal_due());
    /// clock.advance(time::Duration::minutes(61)); // over half the 2-hour idle window
    /// let opened = sealer.open::<u8>(&token)?;
    /// assert!(opened.meta.renewal_due());
    /// let _fresh = sealer.renew(&opened.session, &opened.meta)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn renewal_due(&self) -> bool {
        self.renewal_due
    }

    /// Sealed under a key that is no longer primary (informative: [`SessionMeta::renewal_due`]
    /// already counts it).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert!(!meta.old_key());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn old_key(&self) -> bool {
        self.old_key
    }

    /// Sealed in another rotation epoch than the current one: an earlier one, or the next one
    /// when the sealing server's clock ran ahead within the leeway (informative:
    /// [`SessionMeta::renewal_due`] already counts it).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert!(!meta.old_epoch());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn old_epoch(&self) -> bool {
        self.old_epoch
    }

    /// The id of the master key that sealed the token.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(4, MasterKey::generate()?), Config::default());
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert_eq!(meta.key_id(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn key_id(&self) -> u8 {
        self.key_id
    }

    /// The rotation epoch the token was sealed in.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(clock);
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert_eq!(meta.epoch(), 1_800_000_000 / 86_400); // daily rotation
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The generation counter the app sealed in.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&1u8, &SessionOptions::default().generation(9))?;
    /// assert_eq!(sealer.open::<u8>(&token)?.meta.generation(), 9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The application schema version of the payload.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::builder().schema_version(3).build()?);
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert_eq!(meta.schema_version(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Whether the session uses the persistent ("remember me") lifetimes.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&1u8, &SessionOptions::default().persistent(true))?;
    /// assert!(sealer.open::<u8>(&token)?.meta.is_persistent());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_persistent(&self) -> bool {
        self.persistent
    }

    /// The session id, if the config enabled them when the session began.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert!(meta.session_id().is_none()); // off by default
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn session_id(&self) -> Option<SessionId> {
        self.session_id
    }

    /// When the session began (login or the last reissue).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let login = time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
    /// let clock = ManualClock::at(login);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(clock.clone());
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// clock.advance(time::Duration::minutes(30));
    /// let renewed = sealer.renew(&1u8, &sealer.open::<u8>(&token)?.meta)?;
    /// assert_eq!(sealer.open::<u8>(&renewed)?.meta.session_start(), login);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn session_start(&self) -> OffsetDateTime {
        unix_time::from_secs(self.session_start_secs)
    }

    /// Whether the user authenticated at most `within` before this token was opened: the step-up
    /// check before a sensitive action (change a password, pay, delete the account). The last
    /// authentication is [`SessionMeta::session_start`]: the login, or the last
    /// [`Sealer::reissue`](crate::Sealer::reissue). Renewal keeps it, so an active session does
    /// not count as freshly authenticated; after asking the user to authenticate again (password,
    /// MFA), reissue the session. "Now" is the instant of the open, read from the sealer's clock.
    /// A negative `within` is never satisfied; fractions of a second are ignored.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// use time::Duration;
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default())
    ///     .with_clock(clock.clone());
    /// let token = sealer.seal(&"alice", &SessionOptions::default())?; // login
    /// clock.advance(Duration::minutes(20));
    /// let opened = sealer.open::<String>(&token)?;
    /// assert!(!opened.meta.authenticated_within(Duration::minutes(15))); // ask again
    /// // ... the user re-enters the password or an MFA code; then:
    /// let fresh = sealer.reissue(&opened.session, &opened.meta)?;
    /// assert!(sealer.open::<String>(&fresh)?.meta.authenticated_within(Duration::minutes(15)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn authenticated_within(&self, within: time::Duration) -> bool {
        u64::try_from(within.whole_seconds()).is_ok_and(|within| {
            self.opened_at_secs.saturating_sub(self.session_start_secs) <= within
        })
    }

    /// When this token was sealed (the last renewal).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let t = time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(ManualClock::at(t));
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// assert_eq!(sealer.open::<u8>(&token)?.meta.sealed_at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sealed_at(&self) -> OffsetDateTime {
        unix_time::from_secs(self.sealed_at_secs)
    }

    /// The session ends at this instant however active it is (renewal never moves it).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let t = time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(ManualClock::at(t));
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert_eq!(meta.absolute_deadline(), t + time::Duration::hours(12)); // the default
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn absolute_deadline(&self) -> OffsetDateTime {
        unix_time::from_secs(self.absolute_deadline_secs)
    }

    /// The session ends at this instant unless renewed first; never after the absolute deadline.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let t = time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(ManualClock::at(t));
    /// let meta = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?.meta;
    /// assert_eq!(meta.idle_deadline(), t + time::Duration::hours(2)); // the default
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn idle_deadline(&self) -> OffsetDateTime {
        unix_time::from_secs(self.idle_deadline_secs)
    }
}

/// What a token with these claims, sealed under `key_id` in `epoch`, says when opened at `now`
/// under `config` with `primary_id` the sealing key.
pub(crate) fn meta_of(
    config: &Config,
    primary_id: u8,
    claims: &Claims,
    deadlines: Deadlines,
    key_id: u8,
    epoch: u64,
    now: u64,
) -> SessionMeta {
    let idle = config.lifetimes(claims.persistent).idle_secs();
    let renew_after = idle.saturating_mul(u64::from(config.renew_after_percent)) / 100;
    let old_key = key_id != primary_id;
    let old_epoch = epoch != epoch::epoch_of(now, config.rotation_period);
    let renew_from = claims.sealed_at.saturating_add(renew_after);
    SessionMeta {
        session_start_secs: claims.session_start,
        sealed_at_secs: claims.sealed_at,
        absolute_deadline_secs: deadlines.absolute,
        idle_deadline_secs: deadlines.idle,
        opened_at_secs: now,
        key_id,
        epoch,
        generation: claims.generation,
        schema_version: claims.schema_version,
        persistent: claims.persistent,
        session_id: claims.session_id.map(SessionId),
        renewal_due: renewal_due(now, renew_from, old_key, old_epoch, deadlines.absolute),
        old_key,
        old_epoch,
    }
}

/// The metadata of a token just sealed with these claims at `now` under the primary key, as an
/// open at that instant would report it.
pub(crate) fn sealed_meta(
    config: &Config,
    primary_id: u8,
    claims: &Claims,
    now: u64,
) -> SessionMeta {
    let lifetimes = config.lifetimes(claims.persistent);
    let deadlines = Deadlines::of(claims, lifetimes.absolute_secs(), lifetimes.idle_secs());
    let epoch = epoch::epoch_of(claims.sealed_at, config.rotation_period);
    meta_of(
        config, primary_id, claims, deadlines, primary_id, epoch, now,
    )
}

/// The one notion of "should renew": the configured part of the idle window has passed, or the
/// token was sealed under an old key or in another epoch; and a renewal can still give a live
/// token (`now` before the absolute deadline: a token opened inside the leeway after it is not
/// due, since renewing it would be refused).
fn renewal_due(now: u64, renew_from: u64, old_key: bool, old_epoch: bool, absolute: u64) -> bool {
    (now >= renew_from || old_key || old_epoch) && now < absolute
}

/// A session opened from an authentic, valid token: the value and what the token said about it.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// let token = sealer.seal(&vec!["admin".to_string()], &SessionOptions::default())?;
/// let Opened { session, meta, .. } = sealer.open::<Vec<String>>(&token)?;
/// assert_eq!(session, ["admin"]);
/// assert!(!meta.is_persistent());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Opened<T> {
    /// The session value.
    pub session: T,
    /// What the token said about the session.
    pub meta: SessionMeta,
}

impl<T> Opened<T> {
    /// Refuses the session if its generation is below `minimum`: the per-subject revocation check,
    /// for an app that keeps a generation counter per user and looks it up by a field of the
    /// session value.
    ///
    /// # Errors
    /// [`OpenError::Revoked`] when the generation is lower.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&42u64, &SessionOptions::default().generation(2))?;
    /// let opened = sealer.open::<u64>(&token)?;
    /// let user_generation_in_db = 3; // looked up by opened.session
    /// assert_eq!(opened.require_generation(user_generation_in_db).unwrap_err(), OpenError::Revoked);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require_generation(self, minimum: u64) -> Result<Self, OpenError> {
        if self.meta.generation >= minimum {
            Ok(self)
        } else {
            Err(OpenError::Revoked)
        }
    }
}

/// An application hook consulted after a token authenticated and passed every built-in check:
/// the app's own database answers whether this session is revoked.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use sealed_session::*;
/// struct Blocklist(Vec<SessionId>);
/// impl Revocation for Blocklist {
///     fn is_revoked(&self, meta: &SessionMeta) -> bool {
///         meta.session_id().is_some_and(|id| self.0.contains(&id))
///     }
/// }
/// let config = Config::builder().session_ids(true).build()?;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config);
/// let token = sealer.seal(&1u8, &SessionOptions::default())?;
/// let id = sealer.open::<u8>(&token)?.meta.session_id().unwrap();
/// sealer.set_revocation(Some(Arc::new(Blocklist(vec![id]))));
/// assert_eq!(sealer.open::<u8>(&token).unwrap_err(), OpenError::Revoked);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Revocation: Send + Sync {
    /// True if the session described by `meta` must be refused.
    fn is_revoked(&self, meta: &SessionMeta) -> bool;

    /// Told the sealer's config when the hook is set ([`Sealer::set_revocation`]) and again,
    /// before the new config takes effect, on every [`Sealer::replace_config`], so a hook whose
    /// bookkeeping depends on the token lifetimes (how long a revocation must be kept) follows
    /// the config in force. Called under the sealer's writer lock: it must not call the sealer
    /// (not even `open`, which may take that lock to refresh its key caches). Does nothing by
    /// default.
    ///
    /// [`Sealer::set_revocation`]: crate::Sealer::set_revocation
    /// [`Sealer::replace_config`]: crate::Sealer::replace_config
    ///
    /// # Example
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use sealed_session::*;
    /// #[derive(Default)]
    /// struct Longest(Mutex<Duration>);
    /// impl Revocation for Longest {
    ///     fn is_revoked(&self, _: &SessionMeta) -> bool { false }
    ///     fn on_config(&self, config: &Config) {
    ///         let mut longest = self.0.lock().unwrap();
    ///         *longest = (*longest).max(config.persistent().absolute());
    ///     }
    /// }
    /// let hook = Arc::new(Longest::default());
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// sealer.set_revocation(Some(hook.clone()));
    /// assert_eq!(*hook.0.lock().unwrap(), Config::default().persistent().absolute());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn on_config(&self, config: &Config) {
        let _ = config;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta_at(start: u64, now: u64) -> SessionMeta {
        let claims = Claims {
            persistent: false,
            sealed_at: start,
            session_start: start,
            generation: 0,
            schema_version: 0,
            session_id: None,
        };
        let meta = sealed_meta(&Config::default(), 1, &claims, start);
        SessionMeta {
            opened_at_secs: now,
            ..meta
        }
    }

    #[test]
    fn authenticated_within_counts_from_the_session_start_to_the_open() {
        use time::Duration;
        let start = 1_800_000_000;
        let at_login = meta_at(start, start);
        assert!(at_login.authenticated_within(Duration::ZERO));
        let later = meta_at(start, start + 900);
        assert!(
            later.authenticated_within(Duration::seconds(900)),
            "bound included"
        );
        assert!(!later.authenticated_within(Duration::seconds(899)));
        assert!(!later.authenticated_within(Duration::milliseconds(899_999)));
        assert!(!at_login.authenticated_within(Duration::seconds(-1)));
        // A clock behind the one that started the session: no negative age.
        assert!(meta_at(start, start - 5).authenticated_within(Duration::ZERO));
    }

    #[test]
    fn renewal_due_is_one_rule() {
        let (from, abs) = (100, 200);
        assert!(!renewal_due(99, from, false, false, abs), "too early");
        assert!(renewal_due(100, from, false, false, abs), "idle part used");
        assert!(renewal_due(10, from, true, false, abs), "old key");
        assert!(renewal_due(10, from, false, true, abs), "old epoch");
        assert!(
            !renewal_due(200, from, true, true, abs),
            "at the absolute deadline"
        );
        assert!(
            !renewal_due(230, from, true, true, abs),
            "inside the leeway after it"
        );
    }
}
