//! The in-memory replica of the revocations that can still matter, read by every open.
//!
//! Three kinds of entry, each with the time it was revoked: a session id (refused outright), a
//! subject (its sessions that started before that second are refused) and one global cut-off
//! (every session that started before it). A session started in the revocation's own second
//! opens, so "log out everywhere else" can revoke the subject and reissue the current session at
//! once. An entry is dropped once no token it could match can still be
//! live: `revoked_at + max_age < now`, where `max_age` is the longest absolute lifetime plus the
//! leeway of any config the replica has served (a session started before `revoked_at` is past its
//! absolute deadline by then). It only grows: the sealer tells its hook every config it puts in
//! force, before the first open under it (`Revocation::on_config`), so a longer lifetime never
//! meets a replica that already dropped what that lifetime needs; an operator can raise it
//! further for the fleet (`raise_max_age`).
//!
//! The hot path (`is_revoked`) takes one read lock of one shard out of 64 and one hash lookup,
//! and skips the lookup while no session id is revoked. Writers (the follower task, `revoke` on
//! this server) take the write lock of one shard for one insert.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use time::OffsetDateTime;

use super::id_hash::IdHashBuilder;
use super::wire::{RevocationTarget, valid_subject};
use crate::claims::SESSION_ID_LEN;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::OpenError;
use crate::session::{Revocation, SessionMeta};

const SHARDS: usize = 64;
/// `SHARDS - 1`: shard indices are taken with a mask.
const SHARD_MASK: u8 = 63;
const _: () = assert!(SHARD_MASK as usize + 1 == SHARDS);

/// What an open does while the replica has not heard from its store for a while.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use sealed_session::revocation::StalePolicy;
/// // Refuse every session once the replica is more than 5 minutes behind.
/// let strict = StalePolicy::Refuse { after: Duration::from_secs(300) };
/// assert_ne!(strict, StalePolicy::Serve);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StalePolicy {
    /// Keep serving from the last known state; [`RevocationReplica::staleness`] says how old it is
    /// (alert on it). A revocation made while this server cannot see the store is not enforced
    /// here until the store comes back.
    Serve,
    /// Refuse every session (open returns `OpenError::Revoked`) once the last confirmed sync is
    /// more than `after` old; serve again as soon as the replica has caught up.
    Refuse {
        /// How old the replica may be; keep it well above the reconciliation interval.
        after: Duration,
    },
}

/// The application's session type names its subject (its user), so "log out everywhere" can
/// refuse every session of that user without a claim in the token (zero bytes on the wire).
///
/// # Example
/// ```
/// use sealed_session::revocation::RevocationSubject;
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct UserSession { user: String, theme: u8 }
/// impl RevocationSubject for UserSession {
///     fn revocation_subject(&self) -> &str { &self.user }
/// }
/// let s = UserSession { user: "alice".into(), theme: 1 };
/// assert_eq!(s.revocation_subject(), "alice");
/// ```
pub trait RevocationSubject {
    /// The subject whose revocation refuses this session (a user id, an account name).
    fn revocation_subject(&self) -> &str;
}

type Shard<K, S = RandomState> = RwLock<HashMap<K, i64, S>>;

/// The revocations that can still matter, in memory: the sealer's revocation hook
/// (`Sealer::set_revocation`) reads it on every open. A [`RedisRevocations`](super::RedisRevocations)
/// keeps it in step with Redis; it can also be filled by hand ([`RevocationReplica::insert`]).
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use sealed_session::*;
/// use sealed_session::revocation::{RevocationReplica, RevocationTarget, StalePolicy};
/// let config = Config::builder().session_ids(true).build()?;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config.clone());
/// let replica = Arc::new(RevocationReplica::new(&config, SystemClock, StalePolicy::Serve));
/// sealer.set_revocation(Some(replica.clone()));
/// let token = sealer.seal(&1u8, &SessionOptions::default())?;
/// let id = sealer.open::<u8>(&token)?.meta.session_id().unwrap();
/// replica.insert(&RevocationTarget::Session(id), SystemClock.unix_seconds());
/// assert_eq!(sealer.open::<u8>(&token).unwrap_err(), OpenError::Revoked);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RevocationReplica {
    clock: Arc<dyn Clock>,
    /// Seconds an entry is kept: the largest of every config's longest absolute lifetime +
    /// leeway and of every `raise_max_age`. Never lowered.
    max_age: AtomicI64,
    /// `Some(secs)` under [`StalePolicy::Refuse`].
    refuse_after: Option<i64>,
    /// Sessions that started before this instant are refused (0 = none).
    global_before: AtomicI64,
    ids: [Shard<[u8; SESSION_ID_LEN], IdHashBuilder>; SHARDS],
    id_count: AtomicUsize,
    subjects: [Shard<Box<str>>; SHARDS],
    subject_count: AtomicUsize,
    subject_shard: RandomState,
    /// Clock seconds of the last confirmed sync with the store; `i64::MIN` = never.
    last_sync: AtomicI64,
    connected: AtomicBool,
}

impl RevocationReplica {
    /// An empty replica for tokens of `config` (it reads the longest absolute lifetime and the
    /// leeway), reading time from `clock`, applying `policy` when its store is out of reach.
    /// Once it is the hook of a sealer (`Sealer::set_revocation`), it also follows that sealer's
    /// config: a longer lifetime set with `Sealer::replace_config` raises its max age.
    /// It counts as never synced until [`RevocationReplica::mark_synced`] (the Redis follower
    /// does that), so under [`StalePolicy::Refuse`] it refuses until then.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Config, SystemClock};
    /// use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// assert!(replica.is_empty());
    /// ```
    pub fn new(config: &Config, clock: impl Clock, policy: StalePolicy) -> Self {
        Self {
            clock: Arc::new(clock),
            max_age: AtomicI64::new(max_age_of(config)),
            refuse_after: match policy {
                StalePolicy::Serve => None,
                StalePolicy::Refuse { after } => {
                    Some(i64::try_from(after.as_secs()).unwrap_or(i64::MAX))
                }
            },
            global_before: AtomicI64::new(0),
            ids: core::array::from_fn(|_| {
                RwLock::new(HashMap::with_hasher(IdHashBuilder::default()))
            }),
            id_count: AtomicUsize::new(0),
            subjects: core::array::from_fn(|_| RwLock::default()),
            subject_count: AtomicUsize::new(0),
            subject_shard: RandomState::new(),
            last_sync: AtomicI64::new(i64::MIN),
            connected: AtomicBool::new(false),
        }
    }

    /// How long an entry is kept after its revocation: the longest absolute lifetime plus the
    /// leeway of any config the replica was built with or told of, or more if
    /// [`RevocationReplica::raise_max_age`] asked for more.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Config, SystemClock};
    /// use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// assert_eq!(replica.max_age().as_secs(), 30 * 86_400 + 60); // persistent 30 days + leeway
    /// ```
    #[must_use]
    pub fn max_age(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.max_age_secs()).unwrap_or(0))
    }

    /// Keeps entries for at least `age` after their revocation from now on (never lowers the
    /// max age). For a fleet about to lengthen its session lifetimes: every server keeps, and
    /// trims Redis by, the longest age any server will need (docs/revocation.md, "Lengthening
    /// lifetimes"). A Redis-backed replica takes it from `RedisOptions::min_max_age`.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use sealed_session::{Config, SystemClock};
    /// use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// replica.raise_max_age(Duration::from_secs(90 * 86_400));
    /// assert_eq!(replica.max_age().as_secs(), 90 * 86_400);
    /// replica.raise_max_age(Duration::from_secs(60)); // never lowered
    /// assert_eq!(replica.max_age().as_secs(), 90 * 86_400);
    /// ```
    pub fn raise_max_age(&self, age: Duration) {
        let secs = i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
        self.max_age.fetch_max(secs, Ordering::AcqRel);
    }

    /// Records that `target` was revoked at `revoked_at` (unix seconds). Keeps the later time
    /// when the target is already present; ignores an entry that has already expired and a
    /// subject that is empty or too long.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Clock, Config, SystemClock};
    /// use sealed_session::revocation::{RevocationReplica, RevocationTarget, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// replica.insert(&RevocationTarget::Subject("alice".into()), SystemClock.unix_seconds());
    /// assert_eq!(replica.len(), 1);
    /// ```
    pub fn insert(&self, target: &RevocationTarget, revoked_at: i64) {
        if self.expired(revoked_at, self.clock.unix_seconds()) {
            return;
        }
        match target {
            RevocationTarget::Session(id) => {
                let shard = shard_of_id(&self.ids, id.as_bytes());
                if upsert(shard, *id.as_bytes(), revoked_at) {
                    self.id_count.fetch_add(1, Ordering::Relaxed);
                }
            }
            RevocationTarget::Subject(subject) => {
                if !valid_subject(subject) {
                    return;
                }
                let shard = self.subject_shard(subject);
                if upsert(shard, subject.as_str().into(), revoked_at) {
                    self.subject_count.fetch_add(1, Ordering::Relaxed);
                }
            }
            RevocationTarget::All => {
                self.global_before.fetch_max(revoked_at, Ordering::AcqRel);
            }
        }
    }

    /// Drops the entries that can no longer match a live token. The follower calls it on every
    /// reconciliation; returns how many it dropped.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Config, SystemClock};
    /// use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// assert_eq!(replica.sweep(), 0);
    /// ```
    pub fn sweep(&self) -> usize {
        let now = self.clock.unix_seconds();
        let ids = sweep_shards(&self.ids, |at| self.expired(at, now));
        self.id_count.fetch_sub(ids, Ordering::Relaxed);
        let subjects = sweep_shards(&self.subjects, |at| self.expired(at, now));
        self.subject_count.fetch_sub(subjects, Ordering::Relaxed);
        let global = self.global_before.load(Ordering::Acquire);
        let global_dropped = global != 0
            && self.expired(global, now)
            && self
                .global_before
                .compare_exchange(global, 0, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        ids.saturating_add(subjects)
            .saturating_add(usize::from(global_dropped))
    }

    /// How many entries the replica holds (session ids + subjects + the global cut-off).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Config, SystemClock};
    /// # use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// assert_eq!(replica.len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        let global = usize::from(self.global_before.load(Ordering::Relaxed) != 0);
        self.id_count
            .load(Ordering::Relaxed)
            .saturating_add(self.subject_count.load(Ordering::Relaxed))
            .saturating_add(global)
    }

    /// Whether the replica holds no entry.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Config, SystemClock};
    /// # use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// assert!(RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `target` is revoked for a session that started at `session_start` (unix seconds).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Clock, Config, SystemClock};
    /// # use sealed_session::revocation::{RevocationReplica, RevocationTarget, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// let now = SystemClock.unix_seconds();
    /// let bob = RevocationTarget::Subject("bob".into());
    /// replica.insert(&bob, now);
    /// assert!(replica.contains(&bob, now - 10)); // started before: refused
    /// assert!(!replica.contains(&bob, now));     // logged in again in that second: fine
    /// ```
    #[must_use]
    pub fn contains(&self, target: &RevocationTarget, session_start: i64) -> bool {
        match target {
            RevocationTarget::Session(id) => self.id_revoked(id.as_bytes()),
            RevocationTarget::Subject(subject) => self.subject_revoked(subject, session_start),
            RevocationTarget::All => session_start < self.global_before.load(Ordering::Acquire),
        }
    }

    /// The subject check, after the payload is decoded: refuses the session if its subject was
    /// revoked after the second the session started in. The sealer's hook has already checked the
    /// session id, the global cut-off and staleness. Takes the value and its metadata apart, so
    /// it serves `Opened<T>` (`check(&opened.session, &opened.meta)`) as well as the web
    /// adapters (`session.get()` and `session.meta()`).
    ///
    /// # Errors
    /// [`OpenError::Revoked`] when the session's subject is revoked.
    ///
    /// # Example
    /// ```
    /// # use std::sync::Arc;
    /// # use sealed_session::*;
    /// # use sealed_session::revocation::*;
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct User { name: String }
    /// impl RevocationSubject for User {
    ///     fn revocation_subject(&self) -> &str { &self.name }
    /// }
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default())
    ///     .with_clock(clock.clone());
    /// let replica = Arc::new(RevocationReplica::new(&sealer.config(), clock.clone(), StalePolicy::Serve));
    /// sealer.set_revocation(Some(replica.clone()));
    /// let token = sealer.seal(&User { name: "alice".into() }, &SessionOptions::default())?;
    /// clock.advance(time::Duration::seconds(1));
    /// replica.insert(&RevocationTarget::Subject("alice".into()), clock.unix_seconds());
    /// let opened = sealer.open::<User>(&token)?; // the hook cannot see the subject...
    /// assert_eq!(replica.check(&opened.session, &opened.meta), Err(OpenError::Revoked)); // ...this does
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check<T: RevocationSubject + ?Sized>(
        &self,
        session: &T,
        meta: &SessionMeta,
    ) -> Result<(), OpenError> {
        let start = i64::try_from(meta.session_start_secs).unwrap_or(i64::MAX);
        if self.subject_revoked(session.revocation_subject(), start) {
            Err(OpenError::Revoked)
        } else {
            Ok(())
        }
    }

    /// Marks the replica as in step with its store now (the follower calls this after each
    /// successful reconciliation).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Config, SystemClock};
    /// # use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// assert_eq!(replica.staleness(), None);
    /// replica.mark_synced();
    /// assert!(replica.staleness().unwrap().as_secs() < 2);
    /// ```
    pub fn mark_synced(&self) {
        self.last_sync
            .store(self.clock.unix_seconds(), Ordering::Release);
    }

    /// How long ago the replica was last confirmed in step with its store (`None`: never).
    /// Export it as a metric and alert when it exceeds a few reconciliation intervals.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Config, SystemClock};
    /// # use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// assert_eq!(replica.staleness(), None);
    /// ```
    #[must_use]
    pub fn staleness(&self) -> Option<Duration> {
        let last = self.last_sync.load(Ordering::Acquire);
        if last == i64::MIN {
            return None;
        }
        let age = self.clock.unix_seconds().saturating_sub(last);
        Some(Duration::from_secs(u64::try_from(age).unwrap_or(0)))
    }

    /// When the replica was last confirmed in step with its store.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Config, SystemClock};
    /// # use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// replica.mark_synced();
    /// assert!(replica.last_sync().is_some());
    /// ```
    #[must_use]
    pub fn last_sync(&self) -> Option<OffsetDateTime> {
        let last = self.last_sync.load(Ordering::Acquire);
        (last != i64::MIN)
            .then(|| OffsetDateTime::from_unix_timestamp(last).ok())
            .flatten()
    }

    /// Whether the follower currently holds a live subscription to the store.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Config, SystemClock};
    /// # use sealed_session::revocation::{RevocationReplica, StalePolicy};
    /// let replica = RevocationReplica::new(&Config::default(), SystemClock, StalePolicy::Serve);
    /// assert!(!replica.is_connected());
    /// ```
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    pub(crate) fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Release);
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.unix_seconds()
    }

    pub(crate) fn max_age_secs(&self) -> i64 {
        self.max_age.load(Ordering::Acquire)
    }

    /// Whether an entry revoked at `revoked_at` can no longer match a live token at `now`.
    fn expired(&self, revoked_at: i64, now: i64) -> bool {
        revoked_at.saturating_add(self.max_age_secs()) < now
    }

    /// Under [`StalePolicy::Refuse`]: the replica is older than allowed.
    /// Under [`StalePolicy::Refuse`], whether the replica is older than its bound at `now`.
    fn too_stale(&self, now: i64) -> bool {
        self.refuse_after.is_some_and(|after| {
            let last = self.last_sync.load(Ordering::Acquire);
            last == i64::MIN || now.saturating_sub(last) > after
        })
    }

    fn id_revoked(&self, id: &[u8; SESSION_ID_LEN]) -> bool {
        if self.id_count.load(Ordering::Acquire) == 0 {
            return false;
        }
        let shard = shard_of_id(&self.ids, id);
        // A poisoned lock only means a writer panicked mid-insert; the map itself is intact.
        let map = shard
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.contains_key(id)
    }

    fn subject_revoked(&self, subject: &str, session_start: i64) -> bool {
        if self.subject_count.load(Ordering::Acquire) == 0 {
            return false;
        }
        let map = self
            .subject_shard(subject)
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(subject).is_some_and(|&at| session_start < at)
    }

    fn subject_shard(&self, subject: &str) -> &Shard<Box<str>> {
        let hash = self.subject_shard.hash_one(subject);
        let index = usize::from(hash.to_le_bytes()[0] & SHARD_MASK);
        // `index < SHARDS`: the fallback never runs.
        self.subjects.get(index).unwrap_or(&self.subjects[0])
    }
}

impl Revocation for RevocationReplica {
    fn is_revoked(&self, meta: &SessionMeta) -> bool {
        let start = i64::try_from(meta.session_start_secs).unwrap_or(i64::MAX);
        // The open's own clock reading: no second read of the clock on the hot path.
        let now = i64::try_from(meta.opened_at_secs).unwrap_or(i64::MAX);
        self.too_stale(now)
            || start < self.global_before.load(Ordering::Acquire)
            || meta
                .session_id()
                .is_some_and(|id| self.id_revoked(id.as_bytes()))
    }

    /// The sealer's config in force: keep entries for its lifetimes too (never shorter).
    fn on_config(&self, config: &Config) {
        self.max_age.fetch_max(max_age_of(config), Ordering::AcqRel);
    }
}

/// The longest absolute lifetime of `config` plus its leeway, in seconds: how long a session
/// that started before a revocation can still open under it.
fn max_age_of(config: &Config) -> i64 {
    let absolute = config
        .browser_session()
        .absolute()
        .max(config.persistent().absolute());
    let max_age = absolute.saturating_add(config.leeway()).as_secs();
    i64::try_from(max_age).unwrap_or(i64::MAX)
}

impl std::fmt::Debug for RevocationReplica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationReplica")
            .field("entries", &self.len())
            .field("staleness", &self.staleness())
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

/// Session ids are random: their first byte picks the shard, no hashing needed.
fn shard_of_id<'a, K, S>(
    shards: &'a [Shard<K, S>; SHARDS],
    id: &[u8; SESSION_ID_LEN],
) -> &'a Shard<K, S> {
    let index = usize::from(id[0] & SHARD_MASK);
    // `index < SHARDS`: the fallback never runs.
    shards.get(index).unwrap_or(&shards[0])
}

/// Inserts or raises the time of `key`; true if the key is new.
fn upsert<K: std::hash::Hash + Eq, S: BuildHasher>(
    shard: &Shard<K, S>,
    key: K,
    revoked_at: i64,
) -> bool {
    let mut map = shard
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut e) => {
            let at = e.get_mut();
            *at = (*at).max(revoked_at);
            false
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(revoked_at);
            true
        }
    }
}

/// Removes the entries `expired` says are gone from every shard; returns how many.
fn sweep_shards<K: std::hash::Hash + Eq, S: BuildHasher>(
    shards: &[Shard<K, S>; SHARDS],
    expired: impl Fn(i64) -> bool,
) -> usize {
    let mut removed = 0usize;
    for shard in shards {
        // A read pass first: most sweeps find nothing and never block readers.
        let any = shard
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .any(|&at| expired(at));
        if !any {
            continue;
        }
        let mut map = shard
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = map.len();
        map.retain(|_, at| !expired(*at));
        removed = removed.saturating_add(before.saturating_sub(map.len()));
        if map.capacity() > map.len().saturating_mul(4).max(64) {
            map.shrink_to_fit();
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::session::SessionId;

    const T0: i64 = 1_800_000_000;

    fn replica(policy: StalePolicy) -> (RevocationReplica, ManualClock) {
        let clock = ManualClock::at(OffsetDateTime::from_unix_timestamp(T0).unwrap());
        (
            RevocationReplica::new(&Config::default(), clock.clone(), policy),
            clock,
        )
    }

    fn meta(start: i64, id: Option<SessionId>) -> SessionMeta {
        let start = u64::try_from(start).unwrap();
        SessionMeta {
            session_start_secs: start,
            sealed_at_secs: start,
            absolute_deadline_secs: start + 3600,
            idle_deadline_secs: start + 3600,
            opened_at_secs: start,
            key_id: 1,
            epoch: 0,
            generation: 0,
            schema_version: 0,
            persistent: false,
            session_id: id,
            renewal_due: false,
            old_key: false,
            old_epoch: false,
        }
    }

    fn id(n: u8) -> SessionId {
        SessionId([n; SESSION_ID_LEN])
    }

    #[test]
    fn session_ids_are_refused_others_pass() {
        let (r, _) = replica(StalePolicy::Serve);
        r.insert(&RevocationTarget::Session(id(1)), T0);
        assert!(r.is_revoked(&meta(T0 - 5, Some(id(1)))));
        assert!(!r.is_revoked(&meta(T0 - 5, Some(id(2)))));
        assert!(!r.is_revoked(&meta(T0 - 5, None)));
        assert_eq!(r.len(), 1);
        r.insert(&RevocationTarget::Session(id(1)), T0 + 1);
        assert_eq!(r.len(), 1, "a second revocation of one id is one entry");
    }

    #[test]
    fn global_cutoff_refuses_sessions_started_before_its_second() {
        let (r, _) = replica(StalePolicy::Serve);
        r.insert(&RevocationTarget::All, T0);
        assert!(r.is_revoked(&meta(T0 - 1, None)));
        assert!(
            !r.is_revoked(&meta(T0, None)),
            "a session reissued in that second opens"
        );
        r.insert(&RevocationTarget::All, T0 - 100);
        assert!(
            r.is_revoked(&meta(T0 - 1, None)),
            "an earlier cut-off never lowers it"
        );
    }

    #[test]
    fn subjects_cut_off_at_their_revocation_time() {
        let (r, _) = replica(StalePolicy::Serve);
        let alice = RevocationTarget::Subject("alice".into());
        r.insert(&alice, T0);
        assert!(r.contains(&alice, T0 - 1));
        assert!(
            !r.contains(&alice, T0),
            "a session reissued in that second opens"
        );
        assert!(!r.contains(&RevocationTarget::Subject("bob".into()), T0 - 1));
        r.insert(&RevocationTarget::Subject(String::new()), T0);
        assert_eq!(r.len(), 1, "an empty subject is ignored");
    }

    #[test]
    fn entries_expire_after_the_max_age_and_not_before() {
        let (r, clock) = replica(StalePolicy::Serve);
        let max_age = r.max_age_secs();
        r.insert(&RevocationTarget::Session(id(1)), T0);
        r.insert(&RevocationTarget::Subject("a".into()), T0);
        r.insert(&RevocationTarget::All, T0);
        assert_eq!(r.len(), 3);
        clock.advance(time::Duration::seconds(max_age));
        assert_eq!(
            r.sweep(),
            0,
            "at exactly max age a token could still be live"
        );
        clock.advance(time::Duration::seconds(1));
        assert_eq!(r.sweep(), 3);
        assert!(r.is_empty());
        r.insert(&RevocationTarget::Session(id(2)), T0);
        assert!(r.is_empty(), "an already expired entry is not inserted");
    }

    #[test]
    fn refuse_policy_refuses_once_older_than_the_bound() {
        let (r, clock) = replica(StalePolicy::Refuse {
            after: Duration::from_secs(30),
        });
        // The staleness is judged at the open's own clock reading, carried in its metadata.
        let opened_now = |start: i64| {
            let mut m = meta(start, None);
            m.opened_at_secs = u64::try_from(clock.unix_seconds()).unwrap();
            m
        };
        assert!(r.is_revoked(&opened_now(T0)), "never synced");
        r.mark_synced();
        assert!(!r.is_revoked(&opened_now(T0)));
        clock.advance(time::Duration::seconds(30));
        assert!(!r.is_revoked(&opened_now(T0)));
        clock.advance(time::Duration::seconds(1));
        assert!(r.is_revoked(&opened_now(T0)));
        assert_eq!(r.staleness(), Some(Duration::from_secs(31)));
        r.mark_synced();
        assert!(!r.is_revoked(&opened_now(T0)));
    }

    #[test]
    fn serve_policy_serves_however_stale() {
        let (r, clock) = replica(StalePolicy::Serve);
        assert!(!r.is_revoked(&meta(T0, None)));
        r.mark_synced();
        clock.advance(time::Duration::days(3));
        assert!(!r.is_revoked(&meta(T0, None)));
        assert_eq!(r.staleness(), Some(Duration::from_secs(3 * 86_400)));
    }

    /// Session ids on, one lifetime for both profiles (absolute and idle), leeway 5 s.
    fn config_with_lifetime(secs: u64) -> Config {
        let lifetimes =
            crate::config::Lifetimes::new(Duration::from_secs(secs), Duration::from_secs(secs));
        Config::builder()
            .session_ids(true)
            .browser_session(lifetimes)
            .persistent(lifetimes)
            .leeway(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    fn sealer(config: Config, clock: &ManualClock) -> crate::sealer::Sealer {
        let keys = crate::keyring::Keyring::new(1, crate::keys::MasterKey::generate().unwrap());
        crate::sealer::Sealer::new(keys, config).with_clock(clock.clone())
    }

    #[test]
    fn a_longer_lifetime_put_in_force_keeps_revocations_for_that_lifetime() {
        let clock = ManualClock::at(OffsetDateTime::from_unix_timestamp(T0).unwrap());
        let short = config_with_lifetime(120);
        let sealer = sealer(short.clone(), &clock);
        let r = Arc::new(RevocationReplica::new(
            &short,
            clock.clone(),
            StalePolicy::Serve,
        ));
        sealer.set_revocation(Some(r.clone()));
        let options = crate::session::SessionOptions::default();
        let revoked = sealer.seal(&1u8, &options).unwrap();
        let kept = sealer.seal(&2u8, &options).unwrap();
        let id = sealer
            .open::<u8>(&revoked)
            .unwrap()
            .meta
            .session_id()
            .unwrap();
        clock.advance(time::Duration::seconds(1));
        r.insert(&RevocationTarget::Session(id), clock.unix_seconds());

        // The application lengthens the lifetimes (and tells nobody but the sealer).
        sealer.replace_config(config_with_lifetime(1200));
        // Past the short config's max age (125 s), well inside the new lifetime.
        clock.advance(time::Duration::seconds(600));
        assert_eq!(r.sweep(), 0, "the token it covers is still live");
        assert_eq!(
            sealer.open::<u8>(&revoked).unwrap_err(),
            OpenError::Revoked,
            "a revoked session came back"
        );
        assert_eq!(sealer.open::<u8>(&kept).unwrap().session, 2);
        assert_eq!(r.max_age(), Duration::from_secs(1205));

        // A shorter config later never shortens it: tokens of the longer one may be out there.
        sealer.replace_config(short);
        assert_eq!(r.max_age(), Duration::from_secs(1205));
    }

    #[test]
    fn attaching_the_replica_adopts_the_sealers_longer_config() {
        let clock = ManualClock::at(OffsetDateTime::from_unix_timestamp(T0).unwrap());
        let r = Arc::new(RevocationReplica::new(
            &config_with_lifetime(120),
            clock.clone(),
            StalePolicy::Serve,
        ));
        assert_eq!(r.max_age(), Duration::from_secs(125));
        let sealer = sealer(config_with_lifetime(3600), &clock);
        sealer.set_revocation(Some(r.clone()));
        assert_eq!(r.max_age(), Duration::from_secs(3605));
        r.insert(&RevocationTarget::All, T0);
        clock.advance(time::Duration::seconds(3605));
        assert_eq!(r.sweep(), 0);
        clock.advance(time::Duration::seconds(1));
        assert_eq!(r.sweep(), 1);
    }

    #[test]
    fn raise_max_age_only_raises() {
        let (r, clock) = replica(StalePolicy::Serve);
        let default = r.max_age();
        r.raise_max_age(Duration::from_secs(60));
        assert_eq!(r.max_age(), default);
        r.raise_max_age(default + Duration::from_secs(100));
        assert_eq!(r.max_age(), default + Duration::from_secs(100));
        r.insert(&RevocationTarget::Subject("a".into()), T0);
        clock.advance(time::Duration::seconds(r.max_age_secs()));
        assert_eq!(r.sweep(), 0);
        clock.advance(time::Duration::seconds(1));
        assert_eq!(r.sweep(), 1);
    }

    /// What the replica must answer, kept the simplest way: one map, scanned.
    #[derive(Default)]
    struct Model {
        entries: std::collections::HashMap<RevocationTarget, i64>,
    }

    impl Model {
        fn insert(&mut self, target: RevocationTarget, at: i64, now: i64, max_age: i64) {
            if at + max_age >= now {
                let e = self.entries.entry(target).or_insert(at);
                *e = (*e).max(at);
            }
        }

        fn sweep(&mut self, now: i64, max_age: i64) {
            self.entries.retain(|_, at| *at + max_age >= now);
        }

        fn revoked(&self, target: &RevocationTarget, start: i64) -> bool {
            match (target, self.entries.get(target)) {
                (RevocationTarget::Session(_), Some(_)) => true,
                (_, Some(&at)) => start < at,
                (_, None) => false,
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
        /// Any sequence of inserts (some already expired), clock moves and sweeps leaves the
        /// replica answering exactly as the model, for every target and session start.
        #[test]
        fn replica_matches_a_model(
            ops in proptest::collection::vec((0u8..4, 0u8..6, -300i64..20), 1..80),
        ) {
            let (r, clock) = replica(StalePolicy::Serve);
            let max_age = r.max_age_secs();
            let mut model = Model::default();
            let targets: Vec<RevocationTarget> = (0u8..6)
                .map(|n| RevocationTarget::Session(id(n)))
                .chain((0u8..6).map(|n| RevocationTarget::Subject(format!("user{n}"))))
                .chain([RevocationTarget::All])
                .collect();
            for (kind, n, dt) in ops {
                let now = clock.unix_seconds();
                let target = match kind {
                    0 => RevocationTarget::Session(id(n)),
                    1 => RevocationTarget::Subject(format!("user{n}")),
                    2 => RevocationTarget::All,
                    _ => {
                        let step = if dt == -300 { max_age } else { i64::from(n) * 3 * 86_400 + dt.abs() };
                        clock.advance(time::Duration::seconds(step));
                        let now = clock.unix_seconds();
                        r.sweep();
                        model.sweep(now, max_age);
                        continue;
                    }
                };
                // Times far in the past as well (max_age is 30 days + 60 s by default), and the
                // expiry boundary itself.
                let at = match dt {
                    -300 => now - max_age,
                    -299 => now - max_age - 1,
                    -298 => now - max_age + 1,
                    _ => now + dt * 86_400 / 10,
                };
                r.insert(&target, at);
                model.insert(target, at, now, max_age);
                for t in &targets {
                    for start in [now - 40 * 86_400, at - 1, at, at + 1, now] {
                        proptest::prop_assert_eq!(
                            r.contains(t, start),
                            model.revoked(t, start),
                            "{:?} started at {}", t, start
                        );
                    }
                }
                proptest::prop_assert_eq!(r.len(), model.entries.len());
            }
        }
    }

    #[test]
    fn debug_shows_counts_only() {
        let (r, _) = replica(StalePolicy::Serve);
        r.insert(&RevocationTarget::Subject("secret-user".into()), T0);
        let shown = format!("{r:?}");
        assert!(shown.contains("entries: 1"), "{shown}");
        assert!(!shown.contains("secret-user"), "{shown}");
    }
}
