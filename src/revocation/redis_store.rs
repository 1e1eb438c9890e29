//! The Redis side: where revocations are written (one sorted set, one version counter, one
//! pub/sub channel), the options, and `revoke`. The task that keeps a replica in step lives in
//! `follower.rs`.
//!
//! ```text
//! {prefix}:revoked   sorted set: member = wire::member(target), score = revocation time (unix s);
//!                    trimmed of scores older than now - max age on every write and reconciliation,
//!                    and given a TTL of max age (all of it is dead once nothing was written for
//!                    that long); max age = the replica's, which follows the sealer's config and
//!                    `RedisOptions::min_max_age`
//! {prefix}:version   counter, +1 per revocation (never expires): a follower that misses a
//!                    message sees the gap and re-reads the set
//! {prefix}:events    channel: "version score member" per revocation
//! ```
//! The prefix is wrapped in `{}` (a hash tag), so the keys share one slot on a Redis Cluster.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::sync::{Mutex, watch};

use super::error::RevokeError;
use super::follower::{self, FirstSync};
use super::replica::{RevocationReplica, StalePolicy};
use super::wire::{self, RevocationTarget, valid_subject};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;

/// Adds the revocation, trims expired entries, refreshes the TTL, bumps the version and
/// announces the write, atomically. `ZADD GT` keeps the later time of a target (Redis >= 6.2).
const REVOKE_SCRIPT: &str = r"
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[5], v .. ' ' .. ARGV[2] .. ' ' .. ARGV[1])
return v
";

/// Trims expired entries (only when there are some, so a healthy poll writes nothing) and
/// returns the version counter.
const POLL_SCRIPT: &str = r"
if #redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 1) > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
end
return tonumber(redis.call('GET', KEYS[2]) or '0')
";

/// How a [`RedisRevocations`] talks to Redis and what its replica does when Redis is away.
///
/// Defaults: prefix `sealed-session`, reconcile every second, refuse sessions once the replica is
/// 5 minutes stale, 2-second timeout per Redis command, no replica acknowledgement (`WAIT`), and
/// the server must run with `appendonly yes` + `appendfsync always`.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use sealed_session::revocation::{RedisOptions, StalePolicy};
/// let options = RedisOptions::default()
///     .prefix("shop-sessions")
///     .stale_policy(StalePolicy::Serve)
///     .wait_for_replicas(1);
/// # let _ = options;
/// ```
#[derive(Clone)]
#[must_use]
pub struct RedisOptions {
    pub(crate) prefix: String,
    pub(crate) reconcile_every: Duration,
    pub(crate) stale_policy: StalePolicy,
    pub(crate) timeout: Duration,
    pub(crate) replicas: u64,
    pub(crate) require_durable: bool,
    pub(crate) min_max_age: Duration,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: "sealed-session".to_owned(),
            reconcile_every: Duration::from_secs(1),
            stale_policy: StalePolicy::Refuse {
                after: Duration::from_secs(300),
            },
            timeout: Duration::from_secs(2),
            replicas: 0,
            require_durable: true,
            min_max_age: Duration::ZERO,
            clock: Arc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisOptions")
            .field("prefix", &self.prefix)
            .field("reconcile_every", &self.reconcile_every)
            .field("stale_policy", &self.stale_policy)
            .field("timeout", &self.timeout)
            .field("replicas", &self.replicas)
            .field("require_durable", &self.require_durable)
            .field("min_max_age", &self.min_max_age)
            .finish_non_exhaustive()
    }
}

impl RedisOptions {
    /// The key prefix (several apps or environments can share one Redis).
    ///
    /// # Example
    /// ```
    /// let _ = sealed_session::revocation::RedisOptions::default().prefix("staging");
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How often the replica polls the version counter (repairing a missed message), trims
    /// Redis and drops expired entries. A missed message is repaired within two intervals.
    ///
    /// # Example
    /// ```
    /// let _ = sealed_session::revocation::RedisOptions::default()
    ///     .reconcile_every(std::time::Duration::from_millis(500));
    /// ```
    pub fn reconcile_every(mut self, every: Duration) -> Self {
        self.reconcile_every = every.max(Duration::from_millis(10));
        self
    }

    /// What opens do when the replica cannot reach Redis (see [`StalePolicy`]).
    ///
    /// # Example
    /// ```
    /// use sealed_session::revocation::{RedisOptions, StalePolicy};
    /// let _ = RedisOptions::default().stale_policy(StalePolicy::Serve);
    /// ```
    pub fn stale_policy(mut self, policy: StalePolicy) -> Self {
        self.stale_policy = policy;
        self
    }

    /// The longest wait for one Redis command or connection attempt.
    ///
    /// # Example
    /// ```
    /// let _ = sealed_session::revocation::RedisOptions::default()
    ///     .timeout(std::time::Duration::from_millis(500));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// `revoke` returns Ok only once this many Redis replicas acknowledged the write (`WAIT`),
    /// so a fail-over to a replica cannot lose it.
    ///
    /// # Example
    /// ```
    /// let _ = sealed_session::revocation::RedisOptions::default().wait_for_replicas(1);
    /// ```
    pub fn wait_for_replicas(mut self, replicas: u64) -> Self {
        self.replicas = replicas;
        self
    }

    /// Whether `connect` checks that the server persists every write before answering
    /// (`appendonly yes` and `appendfsync always`). On by default; turn it off only where
    /// `CONFIG` is disabled and the persistence is guaranteed otherwise.
    ///
    /// # Example
    /// ```
    /// let _ = sealed_session::revocation::RedisOptions::default().require_durable(false);
    /// ```
    pub fn require_durable(mut self, require: bool) -> Self {
        self.require_durable = require;
        self
    }

    /// Keeps every revocation, in this server's replica and in Redis (the trim and the key's TTL),
    /// for at least `age` after it was made, even where this server's config needs less (its
    /// longest absolute lifetime plus leeway, and any longer config its sealer later puts in
    /// force). Servers sharing a prefix trim one set: before any of them gets a longer lifetime,
    /// set this on all of them to the longest lifetime plus leeway any of them will use
    /// (docs/revocation.md, "Lengthening lifetimes"). Zero by default.
    ///
    /// # Example
    /// ```
    /// let _ = sealed_session::revocation::RedisOptions::default()
    ///     .min_max_age(std::time::Duration::from_secs(90 * 86_400 + 60));
    /// ```
    pub fn min_max_age(mut self, age: Duration) -> Self {
        self.min_max_age = age;
        self
    }

    /// The clock for revocation times, expiry and staleness (the system clock by default; the
    /// same clock as the sealer's).
    ///
    /// # Example
    /// ```
    /// use sealed_session::ManualClock;
    /// let clock = ManualClock::at(time::OffsetDateTime::UNIX_EPOCH);
    /// let _ = sealed_session::revocation::RedisOptions::default().clock(clock);
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

/// The clock the options hold, shared with the replica.
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn unix_seconds(&self) -> i64 {
        self.0.unix_seconds()
    }
}

/// Key and channel names under one prefix.
pub(crate) struct Keys {
    pub(crate) revoked: String,
    pub(crate) version: String,
    pub(crate) channel: String,
}

impl Keys {
    fn new(prefix: &str) -> Self {
        Self {
            revoked: format!("{{{prefix}}}:revoked"),
            version: format!("{{{prefix}}}:version"),
            channel: format!("{{{prefix}}}:events"),
        }
    }
}

/// What `revoke` and the follower share.
pub(crate) struct Shared {
    pub(crate) client: redis::Client,
    pub(crate) keys: Keys,
    pub(crate) timeout: Duration,
    pub(crate) reconcile_every: Duration,
    replicas: u64,
    pub(crate) replica: Arc<RevocationReplica>,
    /// The connection `revoke` uses, opened on first use and dropped after a connection error.
    connection: Mutex<Option<MultiplexedConnection>>,
    revoke_script: redis::Script,
    poll_script: redis::Script,
}

impl Shared {
    /// A new connection, bounded by the timeout.
    pub(crate) async fn connect(&self) -> Result<MultiplexedConnection, RevokeError> {
        // The client's own response timeout (500 ms by default) would cut `WAIT` short: every
        // call here is bounded by `bounded` instead.
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(None);
        bounded(
            self.timeout,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await
    }

    /// The shared command connection (opened if there is none).
    async fn connection(&self) -> Result<MultiplexedConnection, RevokeError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let connection = self.connect().await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Forgets the shared connection after it failed, so the next call reconnects.
    async fn drop_connection(&self) {
        *self.connection.lock().await = None;
    }

    /// Scores older than this are expired (`now - max age`).
    pub(crate) fn expire_before(&self) -> i64 {
        self.replica
            .now()
            .saturating_sub(self.replica.max_age_secs())
    }

    /// Trims expired entries in Redis and reads the version counter.
    pub(crate) async fn poll(&self, conn: &mut MultiplexedConnection) -> Result<u64, RevokeError> {
        let mut invocation = self.poll_script.prepare_invoke();
        invocation
            .key(&self.keys.revoked)
            .key(&self.keys.version)
            .arg(self.expire_before());
        bounded(self.timeout, invocation.invoke_async(conn)).await
    }

    /// Reads the whole set into the replica (a union: revocations are only ever added, so an
    /// entry read twice or a message applied during the scan is harmless) and returns the version
    /// read before the scan: every revocation up to it is now in the replica.
    pub(crate) async fn full_sync(
        &self,
        conn: &mut MultiplexedConnection,
    ) -> Result<u64, RevokeError> {
        let version = self.poll(conn).await?;
        let mut cursor = 0u64;
        loop {
            let (next, items): (u64, Vec<Vec<u8>>) = bounded(
                self.timeout,
                redis::cmd("ZSCAN")
                    .arg(&self.keys.revoked)
                    .arg(cursor)
                    .arg("COUNT")
                    .arg(1000)
                    .query_async(conn),
            )
            .await?;
            for pair in items.chunks_exact(2) {
                let [member, score] = pair else { continue };
                let parsed = std::str::from_utf8(member)
                    .ok()
                    .and_then(wire::parse_member)
                    .zip(std::str::from_utf8(score).ok().and_then(wire::parse_score));
                if let Some((target, revoked_at)) = parsed {
                    self.replica.insert(&target, revoked_at);
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        self.replica.sweep();
        self.replica.mark_synced();
        Ok(version)
    }
}

/// Awaits `fut` at most `limit`; a timeout is [`RevokeError::Unavailable`].
pub(crate) async fn bounded<T>(
    limit: Duration,
    fut: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, RevokeError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result.map_err(RevokeError::from),
        Err(_) => Err(RevokeError::Unavailable),
    }
}

/// Fleet-wide revocation backed by Redis: `revoke` writes to Redis from any server; every
/// server's [`RevocationReplica`] follows Redis (pub/sub push, plus a poll of a version counter
/// that repairs a missed message) and answers the open-time check from memory.
///
/// Dropping it stops the follower; the replica then stays as it was (and turns stale).
///
/// # Example
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use sealed_session::*;
/// use sealed_session::revocation::{RedisOptions, RedisRevocations, RevocationTarget};
/// let config = Config::builder().session_ids(true).build()?;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config.clone());
/// let revocations =
///     RedisRevocations::connect("redis://127.0.0.1:6379/", &config, RedisOptions::default()).await?;
/// sealer.set_revocation(Some(revocations.replica()));
/// // On any server, e.g. in the "log out everywhere" handler:
/// revocations.revoke(&RevocationTarget::Subject("alice".into())).await?;
/// # Ok(()) }
/// ```
pub struct RedisRevocations {
    shared: Arc<Shared>,
    follower: tokio::task::JoinHandle<()>,
}

impl RedisRevocations {
    /// Connects, checks persistence (unless turned off), starts the follower task on the current
    /// tokio runtime and returns once the replica holds everything Redis held.
    ///
    /// # Errors
    /// [`RevokeError::InvalidUrl`], [`RevokeError::Unavailable`] (not reachable within the
    /// timeout), [`RevokeError::NotDurable`] (persistence check failed), [`RevokeError::Server`].
    ///
    /// # Example
    /// ```no_run
    /// # async fn demo() -> Result<(), sealed_session::revocation::RevokeError> {
    /// use sealed_session::Config;
    /// use sealed_session::revocation::{RedisOptions, RedisRevocations};
    /// let r = RedisRevocations::connect("redis://127.0.0.1/", &Config::default(), RedisOptions::default()).await?;
    /// assert!(r.replica().is_connected());
    /// # Ok(()) }
    /// ```
    pub async fn connect(
        url: &str,
        config: &Config,
        options: RedisOptions,
    ) -> Result<Self, RevokeError> {
        let client = redis::Client::open(url).map_err(|_| RevokeError::InvalidUrl)?;
        let replica = Arc::new(RevocationReplica::new(
            config,
            SharedClock(options.clock.clone()),
            options.stale_policy,
        ));
        replica.raise_max_age(options.min_max_age);
        let shared = Arc::new(Shared {
            client,
            keys: Keys::new(&options.prefix),
            timeout: options.timeout,
            reconcile_every: options.reconcile_every,
            replicas: options.replicas,
            replica,
            connection: Mutex::new(None),
            revoke_script: redis::Script::new(REVOKE_SCRIPT),
            poll_script: redis::Script::new(POLL_SCRIPT),
        });
        let mut conn = shared.connection().await?;
        if options.require_durable {
            check_durable(&shared, &mut conn).await?;
        }
        let (first_tx, mut first_rx) = watch::channel(FirstSync::Pending);
        let follower = tokio::spawn(follower::follow(shared.clone(), first_tx));
        // Every step of the first sync is bounded by the timeout, so this wait ends.
        let outcome = first_rx
            .wait_for(|s| *s != FirstSync::Pending)
            .await
            .map(|s| s.clone());
        match outcome {
            Ok(FirstSync::Synced) => Ok(Self { shared, follower }),
            Ok(FirstSync::Failed(e)) => {
                follower.abort();
                Err(e)
            }
            Ok(FirstSync::Pending) | Err(_) => {
                follower.abort();
                Err(RevokeError::Unavailable)
            }
        }
    }

    /// The replica to hand to the sealer (`Sealer::set_revocation`) and to ask for staleness.
    ///
    /// # Example
    /// ```no_run
    /// # async fn demo(r: sealed_session::revocation::RedisRevocations) {
    /// let stale_for = r.replica().staleness();
    /// # }
    /// ```
    #[must_use]
    pub fn replica(&self) -> Arc<RevocationReplica> {
        self.shared.replica.clone()
    }

    /// Revokes `target` for the whole fleet, as of now: applies it to this server's replica at
    /// once, then writes it to Redis, which announces it to every follower. Returns Ok once Redis
    /// acknowledged the write (with `appendfsync always`, after its fsync) and, if configured,
    /// once enough Redis replicas acknowledged it.
    ///
    /// # Errors
    /// [`RevokeError::InvalidSubject`], [`RevokeError::Unavailable`], [`RevokeError::Server`],
    /// [`RevokeError::NotReplicated`]. On any error this server already refuses the target; call
    /// again to reach the fleet.
    ///
    /// # Example
    /// ```no_run
    /// # async fn demo(r: sealed_session::revocation::RedisRevocations) -> Result<(), sealed_session::revocation::RevokeError> {
    /// use sealed_session::revocation::RevocationTarget;
    /// r.revoke(&RevocationTarget::All).await?; // everybody logs in again
    /// # Ok(()) }
    /// ```
    pub async fn revoke(&self, target: &RevocationTarget) -> Result<(), RevokeError> {
        if let RevocationTarget::Subject(subject) = target
            && !valid_subject(subject)
        {
            return Err(RevokeError::InvalidSubject);
        }
        let shared = &self.shared;
        let now = shared.replica.now();
        shared.replica.insert(target, now);
        // Each Redis step is bounded; this bounds the whole call too, queueing behind other
        // revokes for the shared connection included.
        let result = tokio::time::timeout(self.deadline(), self.write(target, now))
            .await
            .unwrap_or(Err(RevokeError::Unavailable));
        if result == Err(RevokeError::Unavailable) {
            shared.drop_connection().await;
        }
        result
    }

    /// Re-reads every revocation from Redis into the replica now, trims expired entries in
    /// Redis and in the replica (the follower does this by itself after a missed message).
    ///
    /// # Errors
    /// [`RevokeError::Unavailable`], [`RevokeError::Server`].
    ///
    /// # Example
    /// ```no_run
    /// # async fn demo(r: sealed_session::revocation::RedisRevocations) -> Result<(), sealed_session::revocation::RevokeError> {
    /// r.reconcile().await?;
    /// # Ok(()) }
    /// ```
    pub async fn reconcile(&self) -> Result<(), RevokeError> {
        let mut conn = self.shared.connection().await?;
        let result = self.shared.full_sync(&mut conn).await.map(|_| ());
        if result == Err(RevokeError::Unavailable) {
            self.shared.drop_connection().await;
        }
        result
    }

    /// The longest a `revoke` may take: connecting, the script and `WAIT`, each bounded.
    fn deadline(&self) -> Duration {
        self.shared
            .timeout
            .saturating_mul(3)
            .saturating_add(Duration::from_secs(1))
    }

    async fn write(&self, target: &RevocationTarget, now: i64) -> Result<(), RevokeError> {
        let shared = &self.shared;
        let mut conn = shared.connection().await?;
        let mut invocation = shared.revoke_script.prepare_invoke();
        invocation
            .key(&shared.keys.revoked)
            .key(&shared.keys.version)
            .arg(wire::member(target))
            .arg(now)
            .arg(shared.expire_before())
            .arg(shared.replica.max_age_secs().max(1))
            .arg(&shared.keys.channel);
        let _version: u64 = bounded(shared.timeout, invocation.invoke_async(&mut conn)).await?;
        if shared.replicas > 0 {
            let wait_ms = u64::try_from(shared.timeout.as_millis()).unwrap_or(u64::MAX);
            let acked: u64 = bounded(
                shared.timeout.saturating_add(Duration::from_secs(1)),
                redis::cmd("WAIT")
                    .arg(shared.replicas)
                    .arg(wait_ms)
                    .query_async(&mut conn),
            )
            .await?;
            if acked < shared.replicas {
                return Err(RevokeError::NotReplicated {
                    acked,
                    wanted: shared.replicas,
                });
            }
        }
        Ok(())
    }
}

impl Drop for RedisRevocations {
    fn drop(&mut self) {
        self.follower.abort();
        self.shared.replica.set_connected(false);
    }
}

impl std::fmt::Debug for RedisRevocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRevocations")
            .field("replica", &self.shared.replica)
            .finish_non_exhaustive()
    }
}

/// `appendonly yes` and `appendfsync always`, or [`RevokeError::NotDurable`].
async fn check_durable(
    shared: &Shared,
    conn: &mut MultiplexedConnection,
) -> Result<(), RevokeError> {
    for (name, wanted) in [("appendonly", "yes"), ("appendfsync", "always")] {
        let reply: Result<Vec<String>, RevokeError> = bounded(
            shared.timeout,
            redis::cmd("CONFIG").arg("GET").arg(name).query_async(conn),
        )
        .await;
        match reply {
            Ok(pair) if pair.get(1).is_some_and(|v| v.eq_ignore_ascii_case(wanted)) => {}
            Err(RevokeError::Unavailable) => return Err(RevokeError::Unavailable),
            _ => return Err(RevokeError::NotDurable),
        }
    }
    Ok(())
}
