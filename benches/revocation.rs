//! What the revocation replica adds to an open, with 0, 10 000 and 1 000 000 revoked session ids
//! (the token's own id is not among them: the common case), and what the replica costs in memory.
//!
//! `cargo bench --features redis --bench revocation` prints the memory lines first, then runs the
//! criterion groups: `open/*` is a whole open with and without the hook, `hook/*` the check alone
//! (what the sealer calls after its own checks). No Redis is needed: the replica is filled in
//! memory, exactly as the follower fills it.

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion};
use sealed_session::revocation::{RevocationReplica, RevocationTarget, StalePolicy};
use sealed_session::{
    Clock, Config, Keyring, MasterKey, Revocation, Sealer, SessionId, SessionOptions, SystemClock,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SIZES: [usize; 3] = [0, 10_000, 1_000_000];

fn config() -> Config {
    Config::builder().session_ids(true).build().expect("config")
}

fn sealer() -> Sealer {
    Sealer::new(
        Keyring::new(1, MasterKey::generate().expect("key")),
        config(),
    )
}

/// Session ids of real tokens, as the replica would hold them.
fn ids(sealer: &Sealer, n: usize) -> Vec<SessionId> {
    (0..n)
        .map(|_| {
            let token = sealer.seal(&0u8, &SessionOptions::default()).expect("seal");
            let opened = sealer.open::<u8>(&token).expect("open");
            opened.meta.session_id().expect("session ids are on")
        })
        .collect()
}

fn replica_with(ids: &[SessionId], policy: StalePolicy) -> Arc<RevocationReplica> {
    let replica = Arc::new(RevocationReplica::new(&config(), SystemClock, policy));
    let now = SystemClock.unix_seconds();
    for id in ids {
        replica.insert(&RevocationTarget::Session(*id), now);
    }
    replica.mark_synced();
    replica
}

/// Prints what was allocated and not freed since `region` began, in total and per entry.
fn report(region: &Region<'_, System>, what: &str, n: usize) {
    let stats = region.change();
    let held = stats
        .bytes_allocated
        .saturating_sub(stats.bytes_deallocated);
    println!(
        "replica memory, {what}: {:.1} MB ({:.1} bytes per entry)",
        held as f64 / 1e6,
        held as f64 / n as f64
    );
}

/// Bytes the replica holds for `n` session ids, and for `n` subjects of 16 bytes.
fn memory(sealer: &Sealer, n: usize) {
    let ids = ids(sealer, n);
    let region = Region::new(GLOBAL);
    let replica = replica_with(&ids, StalePolicy::Serve);
    report(&region, &format!("{n} session ids"), n);
    drop(replica);
    let region = Region::new(GLOBAL);
    let replica = Arc::new(RevocationReplica::new(
        &config(),
        SystemClock,
        StalePolicy::Serve,
    ));
    let now = SystemClock.unix_seconds();
    for i in 0..n {
        replica.insert(&RevocationTarget::Subject(format!("user-{i:011}")), now);
    }
    report(&region, &format!("{n} subjects of 16 bytes"), n);
    drop(replica);
}

fn benches(c: &mut Criterion) {
    let sealer = sealer();
    memory(&sealer, 1_000_000);
    let token = sealer.seal(&0u8, &SessionOptions::default()).expect("seal");
    let meta = sealer.open::<u8>(&token).expect("open").meta;

    let mut open = c.benchmark_group("open");
    open.bench_function("no hook", |b| {
        b.iter(|| sealer.open::<u8>(black_box(&token)).expect("open"))
    });
    for n in SIZES {
        let replica = replica_with(&ids(&sealer, n), StalePolicy::Serve);
        sealer.set_revocation(Some(replica.clone()));
        open.bench_with_input(BenchmarkId::new("replica", n), &n, |b, _| {
            b.iter(|| sealer.open::<u8>(black_box(&token)).expect("open"))
        });
        sealer.set_revocation(None);
    }
    open.finish();

    // The hook alone. `hook/*` checks one token over and over (its bucket stays in cache);
    // `hook/*-64k-tokens/*` cycles through 65 536 different tokens, so at a million entries most
    // lookups miss the cache, as they would under real traffic.
    let metas: Vec<_> = (0..65_536)
        .map(|_| {
            let token = sealer.seal(&0u8, &SessionOptions::default()).expect("seal");
            sealer.open::<u8>(&token).expect("open").meta
        })
        .collect();
    let mut hook = c.benchmark_group("hook");
    for n in SIZES {
        let ids = ids(&sealer, n);
        for (name, policy) in [
            ("serve", StalePolicy::Serve),
            (
                "refuse-when-stale",
                StalePolicy::Refuse {
                    after: std::time::Duration::from_secs(300),
                },
            ),
        ] {
            let replica = replica_with(&ids, policy);
            hook.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| replica.is_revoked(black_box(&meta)))
            });
            let mut next = metas.iter().cycle();
            let spread_name = format!("{name}-64k-tokens");
            hook.bench_with_input(BenchmarkId::new(spread_name, n), &n, |b, _| {
                b.iter(|| replica.is_revoked(black_box(next.next().expect("cycle"))))
            });
        }
    }
    hook.finish();
}

criterion::criterion_group!(revocation, benches);
criterion::criterion_main!(revocation);
