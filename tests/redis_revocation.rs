//! Fleet-wide revocation against real `redis-server` processes on loopback ports (started and
//! killed by each test). Two servers of the fleet are two `RedisRevocations` with their own
//! connections, replicas and sealers. Token times come from a `ManualClock` standing at a fixed
//! instant; the only real time is the wait for Redis and the network, always bounded.
#![cfg(feature = "redis")]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::redis_server::{DURABLE, RedisServer, VOLATILE, free_port};
use common::{T0, at, key};
use sealed_session::revocation::{
    RedisOptions, RedisRevocations, RevocationReplica, RevocationSubject, RevocationTarget,
    RevokeError, StalePolicy,
};
use sealed_session::{
    Config, Keyring, Lifetimes, ManualClock, OpenError, Opened, Sealer, SessionId, SessionOptions,
};
use serde::{Deserialize, Serialize};

/// Every test body ends within this, whatever Redis does.
const TEST_LIMIT: Duration = Duration::from_secs(90);
/// How long a revocation may take to reach the other server.
const PROPAGATION_LIMIT: Duration = Duration::from_secs(1);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
struct UserSession {
    user: String,
}

impl RevocationSubject for UserSession {
    fn revocation_subject(&self) -> &str {
        &self.user
    }
}

fn config() -> Config {
    Config::builder().session_ids(true).build().unwrap()
}

/// Absolute lifetime 120 s everywhere, leeway 5 s: entries live 125 s.
fn short_config() -> Config {
    let lifetimes = Lifetimes::new(Duration::from_secs(120), Duration::from_secs(60));
    Config::builder()
        .session_ids(true)
        .browser_session(lifetimes)
        .persistent(lifetimes)
        .leeway(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn clock() -> ManualClock {
    ManualClock::at(at(T0))
}

fn options(clock: &ManualClock, policy: StalePolicy) -> RedisOptions {
    RedisOptions::default()
        .prefix("test")
        .clock(clock.clone())
        .stale_policy(policy)
        .reconcile_every(Duration::from_millis(100))
        .timeout(Duration::from_millis(500))
}

/// One server of the fleet: its sealer (same keys as every other) and its revocations.
struct Node {
    sealer: Sealer,
    revocations: RedisRevocations,
}

impl Node {
    async fn join(url: &str, config: &Config, clock: &ManualClock, policy: StalePolicy) -> Self {
        let revocations = RedisRevocations::connect(url, config, options(clock, policy))
            .await
            .expect("connect");
        let sealer = Sealer::new(Keyring::new(1, key(1)), config.clone()).with_clock(clock.clone());
        sealer.set_revocation(Some(revocations.replica()));
        Self {
            sealer,
            revocations,
        }
    }

    fn replica(&self) -> Arc<RevocationReplica> {
        self.revocations.replica()
    }

    fn seal(&self, user: &str) -> String {
        let value = UserSession { user: user.into() };
        self.sealer
            .seal(&value, &SessionOptions::default())
            .unwrap()
    }

    /// Opens with the sealer's hook (id, global, staleness) and then the subject check.
    fn open(&self, token: &str) -> Result<Opened<UserSession>, OpenError> {
        let opened = self.sealer.open::<UserSession>(token)?;
        self.replica().check(&opened.session, &opened.meta)?;
        Ok(opened)
    }

    fn id(&self, token: &str) -> SessionId {
        self.open(token).unwrap().meta.session_id().unwrap()
    }
}

/// Two servers of the fleet on one Redis, both serving when stale.
async fn pair(server: &RedisServer, config: &Config, clock: &ManualClock) -> (Node, Node) {
    let a = Node::join(&server.url(), config, clock, StalePolicy::Serve).await;
    let b = Node::join(&server.url(), config, clock, StalePolicy::Serve).await;
    (a, b)
}

/// Polls `done` every millisecond until it holds (the elapsed time) or `limit` passes (`None`).
async fn within(limit: Duration, done: impl Fn() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if done() {
            return Some(start.elapsed());
        }
        if start.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn refused(node: &Node, token: &str) -> bool {
    node.open(token) == Err(OpenError::Revoked)
}

/// A direct connection to the test server, for looking at Redis and for writing behind the
/// library's back.
fn redis_conn(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap()
}

fn zcard(server: &RedisServer) -> u64 {
    redis::cmd("ZCARD")
        .arg("{test}:revoked")
        .query(&mut redis_conn(server))
        .unwrap()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let index = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[index.min(sorted.len() - 1)]
}

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("the test finished within its limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_server_is_refused_on_another_within_a_second() {
    let Some(server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let (a, b) = pair(&server, &config(), &clock).await;

        let mut latencies = Vec::new();
        for i in 0..100 {
            let token = a.seal(&format!("user{i}"));
            assert!(
                b.open(&token).is_ok(),
                "B opens A's token before revocation"
            );
            let id = a.id(&token);
            let start = Instant::now();
            a.revocations
                .revoke(&RevocationTarget::Session(id))
                .await
                .unwrap();
            assert!(refused(&a, &token), "A refuses at once");
            let waited = within(PROPAGATION_LIMIT, || refused(&b, &token)).await;
            assert!(waited.is_some(), "B refused revocation {i} within 1 s");
            latencies.push(start.elapsed());
        }
        latencies.sort();
        println!(
            "revoke on A -> refused on B over {} revocations: p50 {:?}, p99 {:?}, max {:?}",
            latencies.len(),
            percentile(&latencies, 50),
            percentile(&latencies, 99),
            latencies.last().unwrap()
        );

        // Log out everywhere else: every session of one subject that started before this second
        // goes, and the current device gets a fresh session in the same second.
        let alice_1 = a.seal("alice");
        let alice_2 = b.seal("alice");
        let bob = a.seal("bob");
        let current = a.open(&alice_1).unwrap().meta;
        clock.advance(time::Duration::seconds(1));
        a.revocations
            .revoke(&RevocationTarget::Subject("alice".into()))
            .await
            .unwrap();
        let alice_here = a
            .sealer
            .reissue(
                &UserSession {
                    user: "alice".into(),
                },
                &current,
            )
            .unwrap();
        let waited = within(PROPAGATION_LIMIT, || {
            refused(&b, &alice_1) && refused(&b, &alice_2)
        })
        .await;
        assert!(waited.is_some(), "B refuses every earlier session of alice");
        assert!(b.open(&bob).is_ok(), "bob is not affected");
        assert!(
            b.open(&alice_here).is_ok(),
            "the session reissued in the revocation's second opens"
        );

        // Everything before now, revoked from B this time.
        clock.advance(time::Duration::seconds(1));
        b.revocations.revoke(&RevocationTarget::All).await.unwrap();
        let waited = within(PROPAGATION_LIMIT, || {
            refused(&a, &bob) && refused(&a, &alice_here)
        })
        .await;
        assert!(waited.is_some(), "A refuses every earlier session");
        assert!(a.open(&b.seal("carol")).is_ok(), "new sessions open");
        assert_eq!(a.replica().len(), b.replica().len());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_revoke_fails_opens_follow_the_policy_and_both_catch_up() {
    let Some(mut server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let serve = Node::join(&server.url(), &config(), &clock, StalePolicy::Serve).await;
        let refuse_after = Duration::from_secs(30);
        let strict = Node::join(
            &server.url(),
            &config(),
            &clock,
            StalePolicy::Refuse {
                after: refuse_after,
            },
        )
        .await;
        let before = serve.seal("before");
        serve
            .revocations
            .revoke(&RevocationTarget::Session(serve.id(&before)))
            .await
            .unwrap();
        assert!(
            within(PROPAGATION_LIMIT, || refused(&strict, &before))
                .await
                .is_some()
        );

        server.kill();
        let during = serve.seal("during");
        let start = Instant::now();
        let error = serve
            .revocations
            .revoke(&RevocationTarget::Session(serve.id(&during)))
            .await
            .unwrap_err();
        assert_eq!(error, RevokeError::Unavailable);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "revoke never hangs"
        );
        assert_eq!(
            error.to_string(),
            "redis unreachable or too slow: the revocation is not stored"
        );
        assert!(
            refused(&serve, &during),
            "the revoking server refuses it anyway"
        );
        let waited = within(Duration::from_secs(3), || {
            !serve.replica().is_connected() && !strict.replica().is_connected()
        })
        .await;
        assert!(waited.is_some(), "both followers notice the outage");

        let fresh = strict.seal("fresh");
        assert!(
            strict.open(&fresh).is_ok(),
            "within the bound the strict server serves"
        );
        clock.advance(time::Duration::seconds(31));
        // Serve: keeps serving from the last state, and says how stale it is.
        assert!(serve.open(&fresh).is_ok());
        assert!(serve.replica().staleness().unwrap() >= Duration::from_secs(31));
        assert!(refused(&serve, &before), "known revocations still hold");
        // Refuse: every session is refused once the replica is older than the bound.
        assert!(strict.replica().staleness().unwrap() > refuse_after);
        assert!(refused(&strict, &fresh));

        server.restart();
        let waited = within(Duration::from_secs(5), || {
            serve.replica().is_connected()
                && strict.replica().is_connected()
                && strict.open(&fresh).is_ok()
        })
        .await;
        assert!(
            waited.is_some(),
            "both reconnect by themselves; the strict one serves again"
        );
        assert!(
            refused(&strict, &before),
            "the revocation survived the restart"
        );
        assert!(
            strict.open(&during).is_ok(),
            "the failed revocation never reached the fleet"
        );
        // Revoke it again now that Redis is back (the strict server still opens it).
        let during_id = strict.id(&during);
        serve
            .revocations
            .revoke(&RevocationTarget::Session(during_id))
            .await
            .unwrap();
        assert!(
            within(PROPAGATION_LIMIT, || refused(&strict, &during))
                .await
                .is_some()
        );
        let waited = within(Duration::from_secs(2), || {
            serve.replica().len() == 2 && strict.replica().len() == 2
        })
        .await;
        assert!(
            waited.is_some(),
            "both replicas converge on the same two entries"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_never_hangs_revoke_and_the_replicas_recover() {
    let Some(server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let (a, b) = pair(&server, &config(), &clock).await;
        let token = a.seal("frozen");
        let id = a.id(&token);

        server.pause();
        let start = Instant::now();
        let error = a
            .revocations
            .revoke(&RevocationTarget::Session(id))
            .await
            .unwrap_err();
        assert_eq!(error, RevokeError::Unavailable);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "bounded by the timeouts"
        );
        let waited = within(Duration::from_secs(3), || !b.replica().is_connected()).await;
        assert!(
            waited.is_some(),
            "B's poll timed out and it left the session"
        );
        let open_start = Instant::now();
        assert!(
            b.open(&token).is_ok(),
            "B serves from its replica (Serve policy)"
        );
        assert!(
            open_start.elapsed() < Duration::from_millis(100),
            "open does not wait for Redis"
        );

        server.resume();
        let waited = within(Duration::from_secs(5), || b.replica().is_connected()).await;
        assert!(waited.is_some(), "B reconnected after the freeze");
        // The unconfirmed write may have landed when Redis woke up; revoking again is harmless.
        a.revocations
            .revoke(&RevocationTarget::Session(id))
            .await
            .unwrap();
        assert!(
            within(PROPAGATION_LIMIT, || refused(&b, &token))
                .await
                .is_some()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_message_is_repaired_by_reconciliation() {
    let Some(server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let (a, b) = pair(&server, &config(), &clock).await;

        // A server wrote the revocation, but its announcement never reached anyone: the set and
        // the version counter move, no message is published.
        let lost = a.seal("lost");
        let member = format!("s:{}", a.id(&lost));
        let mut direct = redis_conn(&server);
        let () = redis::pipe()
            .atomic()
            .cmd("ZADD")
            .arg("{test}:revoked")
            .arg(T0)
            .arg(&member)
            .ignore()
            .cmd("INCR")
            .arg("{test}:version")
            .ignore()
            .query(&mut direct)
            .unwrap();
        assert!(
            a.open(&lost).is_ok() && b.open(&lost).is_ok(),
            "no message, no push"
        );
        // Repaired at the second poll after the write at the latest (polls every 100 ms).
        let waited = within(Duration::from_secs(2), || {
            refused(&a, &lost) && refused(&b, &lost)
        })
        .await;
        println!("lost message repaired after {waited:?}");
        assert!(
            waited.is_some(),
            "reconciliation repaired the lost message on both"
        );

        // B's connections are cut while A revokes: B repairs on reconnection.
        let cut = a.seal("cut");
        let killed: u64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("pubsub")
            .query(&mut direct)
            .unwrap();
        assert!(killed >= 2, "both subscriptions cut");
        a.revocations
            .revoke(&RevocationTarget::Session(a.id(&cut)))
            .await
            .unwrap();
        let waited = within(Duration::from_secs(2), || refused(&b, &cut)).await;
        assert!(waited.is_some(), "B caught up after its reconnection");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_leave_redis_and_the_replicas_after_the_max_token_age() {
    let Some(server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let config = short_config();
        let (a, b) = pair(&server, &config, &clock).await;
        let max_age = a.replica().max_age();
        assert_eq!(max_age, Duration::from_secs(125));

        let token = a.seal("dora");
        for target in [
            RevocationTarget::Session(a.id(&token)),
            RevocationTarget::Subject("dora".into()),
            RevocationTarget::All,
        ] {
            a.revocations.revoke(&target).await.unwrap();
        }
        assert_eq!(zcard(&server), 3);
        let ttl: i64 = redis::cmd("TTL")
            .arg("{test}:revoked")
            .query(&mut redis_conn(&server))
            .unwrap();
        assert!(
            ttl > 0 && ttl <= 125,
            "the set carries a TTL of the max age: {ttl}"
        );
        assert!(
            within(PROPAGATION_LIMIT, || b.replica().len() == 3)
                .await
                .is_some()
        );

        // At exactly the max age a token could still be live: nothing goes.
        clock.advance(time::Duration::seconds(125));
        a.revocations.reconcile().await.unwrap();
        assert_eq!(zcard(&server), 3);
        assert_eq!(a.replica().len(), 3);

        clock.advance(time::Duration::seconds(1));
        assert_eq!(
            a.open(&token).unwrap_err(),
            OpenError::Expired,
            "no token the entries could match is live any more"
        );
        a.revocations.reconcile().await.unwrap();
        assert_eq!(zcard(&server), 0, "trimmed from Redis");
        assert_eq!(a.replica().len(), 0, "dropped from A");
        let waited = within(Duration::from_secs(2), || b.replica().is_empty()).await;
        assert!(
            waited.is_some(),
            "dropped from B at its next reconciliation"
        );
    })
    .await;
}

/// Absolute and idle lifetime 1200 s everywhere, leeway 5 s: entries live 1205 s.
fn long_config() -> Config {
    let lifetimes = Lifetimes::new(Duration::from_secs(1200), Duration::from_secs(1200));
    short_config()
        .to_builder()
        .browser_session(lifetimes)
        .persistent(lifetimes)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_longer_lifetime_in_force_and_the_fleet_minimum_keep_entries_in_redis() {
    let Some(server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let a = Node::join(&server.url(), &short_config(), &clock, StalePolicy::Serve).await;
        // The application lengthens A's lifetimes; its replica (A's trims) follows.
        a.sealer.replace_config(long_config());
        assert_eq!(a.replica().max_age(), Duration::from_secs(1205));
        // B still runs the short config, with the fleet minimum its operator set.
        let b = RedisRevocations::connect(
            &server.url(),
            &short_config(),
            options(&clock, StalePolicy::Serve).min_max_age(Duration::from_secs(1205)),
        )
        .await
        .unwrap();
        assert_eq!(b.replica().max_age(), Duration::from_secs(1205));

        let token = a.seal("erin");
        clock.advance(time::Duration::seconds(1));
        a.revocations
            .revoke(&RevocationTarget::Session(a.id(&token)))
            .await
            .unwrap();
        let ttl: i64 = redis::cmd("TTL")
            .arg("{test}:revoked")
            .query(&mut redis_conn(&server))
            .unwrap();
        assert!(
            ttl > 125 && ttl <= 1205,
            "the TTL follows the longer lifetime: {ttl}"
        );

        // Past the short config's max age (125 s), inside the long lifetime.
        clock.advance(time::Duration::seconds(600));
        a.revocations.reconcile().await.unwrap();
        b.reconcile().await.unwrap();
        assert_eq!(zcard(&server), 1, "neither server trimmed it from Redis");
        assert_eq!(b.replica().len(), 1);
        assert_eq!(a.open(&token).unwrap_err(), OpenError::Revoked);

        // Past the long max age (1205 s after the revocation): gone.
        clock.advance(time::Duration::seconds(606));
        a.revocations.reconcile().await.unwrap();
        assert_eq!(zcard(&server), 0);
        assert_eq!(a.replica().len(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_revocations_survive_a_redis_crash_with_aof() {
    let Some(mut server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let a = Node::join(&server.url(), &config(), &clock, StalePolicy::Serve).await;
        let tokens: Vec<String> = (0..20).map(|i| a.seal(&format!("u{i}"))).collect();
        for token in &tokens {
            a.revocations
                .revoke(&RevocationTarget::Session(a.id(token)))
                .await
                .unwrap();
        }
        server.kill(); // SIGKILL right after the last Ok: no shutdown save
        server.restart();
        assert_eq!(
            zcard(&server),
            20,
            "every acknowledged revocation is in the AOF"
        );
        let c = Node::join(&server.url(), &config(), &clock, StalePolicy::Serve).await;
        assert!(
            tokens.iter().all(|t| refused(&c, t)),
            "a new server refuses them all"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_clear() {
    let Some(server) = RedisServer::start(DURABLE) else {
        return;
    };
    bounded(async {
        let clock = clock();
        let connect = |url: String, options: RedisOptions| async move {
            RedisRevocations::connect(&url, &config(), options).await
        };
        let opts = options(&clock, StalePolicy::Serve);

        let e = connect("no-scheme".into(), opts.clone()).await.unwrap_err();
        assert_eq!(e, RevokeError::InvalidUrl);
        assert_eq!(e.to_string(), "invalid redis url");

        let nobody = format!("redis://127.0.0.1:{}/", free_port());
        let start = Instant::now();
        let e = connect(nobody, opts.clone()).await.unwrap_err();
        assert_eq!(e, RevokeError::Unavailable);
        assert!(start.elapsed() < Duration::from_secs(3));

        let volatile = RedisServer::start(VOLATILE).unwrap();
        let e = connect(volatile.url(), opts.clone()).await.unwrap_err();
        assert_eq!(e, RevokeError::NotDurable);
        assert!(e.to_string().contains("appendfsync always"), "{e}");
        connect(volatile.url(), opts.clone().require_durable(false))
            .await
            .expect("allowed when the operator vouches for persistence");

        let r = connect(server.url(), opts.clone()).await.unwrap();
        let e = r
            .revoke(&RevocationTarget::Subject(String::new()))
            .await
            .unwrap_err();
        assert_eq!(e, RevokeError::InvalidSubject);
        let e = r
            .revoke(&RevocationTarget::Subject("x".repeat(257)))
            .await
            .unwrap_err();
        assert_eq!(e, RevokeError::InvalidSubject);

        let waiting = connect(server.url(), opts.clone().wait_for_replicas(1))
            .await
            .unwrap();
        let e = waiting.revoke(&RevocationTarget::All).await.unwrap_err();
        assert_eq!(
            e,
            RevokeError::NotReplicated {
                acked: 0,
                wanted: 1
            }
        );

        let mut direct = redis_conn(&server);
        let () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("min-replicas-to-write")
            .arg(1)
            .query(&mut direct)
            .unwrap();
        let e = r.revoke(&RevocationTarget::All).await.unwrap_err();
        assert_eq!(
            e,
            RevokeError::Server {
                code: "NOREPLICAS".into()
            }
        );
        assert!(
            e.to_string().starts_with("redis refused the command"),
            "{e}"
        );
    })
    .await;
}

/// The environment variable that turns `second_process_replica` into the other server.
const CHILD_URL: &str = "SEALED_SESSION_TEST_REDIS_URL";

/// Kills the child process if the test ends early.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_reaches_a_server_in_another_process() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let Some(server) = RedisServer::start(DURABLE) else {
        return;
    };
    // The other server: this test binary again, running only the ignored helper below.
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "second_process_replica",
            "--nocapture",
        ])
        .args(["--test-threads", "1", "-q"])
        .env(CHILD_URL, server.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);
    let mut to_child = child.0.stdin.take().unwrap();
    let mut from_child = BufReader::new(child.0.stdout.take().unwrap());
    // Lines from the child, read on a thread so the wait is bounded.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut line = String::new();
        while from_child.read_line(&mut line).is_ok_and(|n| n > 0) {
            if tx.send(line.trim().to_owned()).is_err() {
                break;
            }
            line.clear();
        }
    });
    let expect = |wanted: &str| {
        // Skips libtest's own lines until the child's answer.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).expect("the child answered in time");
            if line == wanted {
                return;
            }
            assert!(!line.starts_with("FAIL"), "child: {line}");
        }
    };
    bounded(async {
        let clock = clock();
        let a = Node::join(&server.url(), &config(), &clock, StalePolicy::Serve).await;
        expect("ready");
        let mut latencies = Vec::new();
        for i in 0..100 {
            let token = a.seal(&format!("p{i}"));
            writeln!(to_child, "{token}").unwrap();
            expect("opens");
            let start = Instant::now();
            a.revocations
                .revoke(&RevocationTarget::Session(a.id(&token)))
                .await
                .unwrap();
            expect("refused");
            latencies.push(start.elapsed());
        }
        latencies.sort();
        println!(
            "revoke in this process -> refused in another over {}: p50 {:?}, p99 {:?}, max {:?}",
            latencies.len(),
            percentile(&latencies, 50),
            percentile(&latencies, 99),
            latencies.last().unwrap()
        );
        assert!(
            latencies
                .iter()
                .all(|l| *l < PROPAGATION_LIMIT + Duration::from_millis(100))
        );
    })
    .await;
    drop(to_child);
}

/// The second server of `a_revocation_reaches_a_server_in_another_process`, run by it as a child
/// process (ignored otherwise). Reads one token per line from stdin; answers `opens` once it has
/// opened it, then `refused` once the revocation made elsewhere reached its replica (or a
/// `FAIL` line after 1 s).
#[test]
#[ignore = "the other process of a_revocation_reaches_a_server_in_another_process"]
fn second_process_replica() {
    use std::io::BufRead;

    let url = std::env::var(CHILD_URL).expect("run by the parent test");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let clock = clock();
    let b = runtime.block_on(Node::join(&url, &config(), &clock, StalePolicy::Serve));
    println!("ready");
    for token in std::io::stdin().lock().lines() {
        let token = token.unwrap();
        if b.open(&token).is_err() {
            println!("FAIL: does not open");
            return;
        }
        println!("opens");
        let start = Instant::now();
        while !refused(&b, &token) {
            if start.elapsed() > PROPAGATION_LIMIT {
                println!("FAIL: not refused within 1 s");
                return;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        println!("refused");
    }
}
