//! Seal and open against the floor (raw XChaCha20-Poly1305 + base64url + postcard), payload sweeps,
//! keyring sizes, tampered tokens, renewal and the epoch-key cache.
//!
//! `cargo bench --bench seal_open` runs the criterion groups, then prints the ratio table: each
//! operation timed against the floor in interleaved batches in the same process (see
//! BENCHMARKS.md). Pass a criterion filter to run part of it (`-- open/`); `-- ratio` prints only
//! the table.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use sealed_session::{Keyring, ManualClock, MasterKey, OpenError, Sealer, SessionOptions};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use common::floor::Floor;
use common::session::{Blob, SMALL_SESSION_LEN, SmallSession, blob, small_session};

fn sealer() -> Sealer {
    common::bench_sealer(Keyring::new(1, MasterKey::generate().expect("key")))
}

/// Runs `f` with the payload of `len` postcard bytes: `()` for 0, a [`Blob`] otherwise.
macro_rules! with_payload {
    ($len:expr, |$v:ident: $t:ident| $body:expr) => {
        if $len == 0 {
            type $t = ();
            let $v: $t = ();
            $body
        } else {
            type $t = Blob;
            let $v: $t = blob($len);
            $body
        }
    };
}

fn seal_open_sizes(c: &mut Criterion) {
    let sealer = sealer();
    let mut floor = Floor::new();
    let mut seal = c.benchmark_group("seal");
    for len in common::payload_sizes(&sealer) {
        seal.throughput(Throughput::Bytes(len as u64));
        with_payload!(len, |v: T| {
            seal.bench_with_input(BenchmarkId::new("floor", len), &v, |b, v| {
                b.iter(|| floor.seal(black_box(v)))
            });
            seal.bench_with_input(BenchmarkId::new("sealed-session", len), &v, |b, v| {
                b.iter(|| {
                    sealer
                        .seal(black_box(v), &SessionOptions::default())
                        .expect("seal")
                })
            });
        });
    }
    let small = small_session();
    seal.throughput(Throughput::Bytes(SMALL_SESSION_LEN as u64));
    seal.bench_function("floor/small-session", |b| {
        b.iter(|| floor.seal(black_box(&small)))
    });
    seal.bench_function("sealed-session/small-session", |b| {
        b.iter(|| {
            sealer
                .seal(black_box(&small), &SessionOptions::default())
                .expect("seal")
        })
    });
    seal.finish();

    let mut open = c.benchmark_group("open");
    for len in common::payload_sizes(&sealer) {
        open.throughput(Throughput::Bytes(len as u64));
        with_payload!(len, |v: T| {
            let ours = sealer.seal(&v, &SessionOptions::default()).expect("seal");
            let theirs = floor.seal(&v);
            open.bench_function(BenchmarkId::new("floor", len), |b| {
                b.iter(|| floor.open::<T>(black_box(&theirs)).expect("open"))
            });
            open.bench_function(BenchmarkId::new("sealed-session", len), |b| {
                b.iter(|| sealer.open::<T>(black_box(&ours)).expect("open"))
            });
        });
    }
    open.throughput(Throughput::Bytes(SMALL_SESSION_LEN as u64));
    let ours = sealer
        .seal(&small, &SessionOptions::default())
        .expect("seal");
    let theirs = floor.seal(&small);
    open.bench_function("floor/small-session", |b| {
        b.iter(|| {
            floor
                .open::<SmallSession>(black_box(&theirs))
                .expect("open")
        })
    });
    open.bench_function("sealed-session/small-session", |b| {
        b.iter(|| sealer.open::<SmallSession>(black_box(&ours)).expect("open"))
    });
    open.finish();
}

/// A sealer whose keyring holds `n` keys (ids 1..=n, primary 1), and a token sealed under key `n`,
/// the last one added: the lookup is by id, so the count must not matter.
fn keyring_of(n: u8) -> (Sealer, String) {
    let last = MasterKey::generate().expect("key");
    let last_text = last.to_base64url();
    let sealer_of_last = common::bench_sealer(Keyring::new(n, last));
    let token = sealer_of_last
        .seal(&small_session(), &SessionOptions::default())
        .expect("seal");
    let mut ring = Keyring::new(1, MasterKey::generate().expect("key"));
    for id in 2..n {
        ring = ring
            .with_open_only(id, MasterKey::generate().expect("key"))
            .expect("ring");
    }
    if n > 1 {
        ring = ring
            .with_open_only(n, MasterKey::from_text(&last_text).expect("key"))
            .expect("ring");
    } else {
        ring = Keyring::new(1, MasterKey::from_text(&last_text).expect("key"));
    }
    (common::bench_sealer(ring), token)
}

fn keyrings_tamper_renew(c: &mut Criterion) {
    let mut group = c.benchmark_group("open-keyring");
    for n in [1u8, 4, 16] {
        let (sealer, token) = keyring_of(n);
        sealer.open::<SmallSession>(&token).expect("open");
        group.bench_function(BenchmarkId::new("keys", n), |b| {
            b.iter(|| {
                sealer
                    .open::<SmallSession>(black_box(&token))
                    .expect("open")
            })
        });
    }
    group.finish();

    let sealer = sealer();
    let token = sealer
        .seal(&small_session(), &SessionOptions::default())
        .expect("seal");
    let tampered = tamper(&token);
    assert_eq!(
        sealer.open::<SmallSession>(&tampered).unwrap_err(),
        OpenError::Authentication
    );
    let mut group = c.benchmark_group("open-tampered");
    group.bench_function("valid", |b| {
        b.iter(|| {
            sealer
                .open::<SmallSession>(black_box(&token))
                .expect("open")
        })
    });
    group.bench_function("tampered", |b| {
        b.iter(|| {
            sealer
                .open::<SmallSession>(black_box(&tampered))
                .unwrap_err()
        })
    });
    group.finish();

    let opened = sealer.open::<SmallSession>(&token).expect("open");
    let mut group = c.benchmark_group("renew");
    group.bench_function("small-session", |b| {
        b.iter(|| {
            sealer
                .renew(black_box(&opened.session), &opened.meta)
                .expect("renew")
        })
    });
    group.bench_function("open-then-renew/small-session", |b| {
        b.iter(|| {
            let o = sealer
                .open::<SmallSession>(black_box(&token))
                .expect("open");
            sealer.renew(&o.session, &o.meta).expect("renew")
        })
    });
    group.finish();
}

/// Flips one ciphertext character (within the alphabet, so the token still decodes).
fn tamper(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = bytes.len() / 2 + 4;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ascii")
}

fn key_cache(c: &mut Criterion) {
    let t0 = OffsetDateTime::from_unix_timestamp(common::BENCH_INSTANT).expect("instant");
    let clock = ManualClock::at(t0);
    let sealer = sealer().with_clock(clock.clone());
    let small = small_session();
    let opts = SessionOptions::default();
    let day = time::Duration::days(1);
    let mut group = c.benchmark_group("epoch-key");
    group.bench_function("steady-state/seal", |b| {
        b.iter(|| sealer.seal(black_box(&small), &opts).expect("seal"))
    });
    // Every call seals in the next epoch, whose key is not cached yet: HKDF-SHA256 and cipher
    // set-up on top of the seal.
    let mut k = 0i64;
    group.bench_function("first-use-of-epoch/seal", |b| {
        b.iter(|| {
            k = (k + 1) % 100_000;
            clock.set(t0 + day * (k as i32));
            sealer.seal(black_box(&small), &opts).expect("seal")
        })
    });
    group.finish();
}

/// One row of the ratio table: ours against the floor for the same payload.
fn ratio_row<T: Serialize + DeserializeOwned>(
    label: &str,
    v: &T,
    sealer: &Sealer,
    floor: &mut Floor,
    rounds: usize,
) {
    let floor_cell = std::cell::RefCell::new(floor);
    let seal = common::paired(
        || common::keep(floor_cell.borrow_mut().seal(black_box(v))),
        || {
            common::keep(
                sealer
                    .seal(black_box(v), &SessionOptions::default())
                    .expect("seal"),
            )
        },
        rounds,
    );
    let ours = sealer.seal(v, &SessionOptions::default()).expect("seal");
    let theirs = floor_cell.borrow_mut().seal(v);
    let open = common::paired(
        || common::keep(floor_cell.borrow_mut().open::<T>(black_box(&theirs))),
        || common::keep(sealer.open::<T>(black_box(&ours)).expect("open")),
        rounds,
    );
    let mark = |r: f64| if r <= 1.10 { "" } else { "  > 1.10" };
    println!(
        "{label:>14} | {:>9.0} {:>9.0} {:>6.3}{:<8} | {:>9.0} {:>9.0} {:>6.3}{:<8} | {:>5} {:>5}",
        seal.a_ns,
        seal.b_ns,
        seal.ratio,
        mark(seal.ratio),
        open.a_ns,
        open.b_ns,
        open.ratio,
        mark(open.ratio),
        theirs.len(),
        ours.len(),
    );
}

fn ratio_table() {
    let rounds = if common::test_mode() { 1 } else { 151 };
    let sealer = sealer();
    let mut floor = Floor::new();
    println!();
    println!("ratio to the floor (interleaved batches, medians of {rounds} rounds; ns per call)");
    println!(
        "{:>14} | {:>9} {:>9} {:>14} | {:>9} {:>9} {:>14} | {:>11}",
        "payload bytes",
        "floor",
        "ours",
        "seal ratio",
        "floor",
        "ours",
        "open ratio",
        "token chars"
    );
    for len in common::payload_sizes(&sealer) {
        with_payload!(len, |v: T| ratio_row(
            &len.to_string(),
            &v,
            &sealer,
            &mut floor,
            rounds
        ));
    }
    ratio_row(
        "small session",
        &small_session(),
        &sealer,
        &mut floor,
        rounds,
    );
}

/// Paired comparisons of our own operations: each against the valid open or steady seal it
/// should cost about as much as.
fn extra_ratios() {
    let rounds = if common::test_mode() { 1 } else { 101 };
    let small = small_session();
    println!();
    println!("paired comparisons (medians of {rounds} interleaved rounds; ns per call)");
    println!(
        "{:>34} | {:>9} {:>9} | {:>6}",
        "b against a", "a", "b", "b / a"
    );
    let row = |label: &str, p: common::Paired| {
        println!(
            "{label:>34} | {:>9.0} {:>9.0} | {:>6.3}",
            p.a_ns, p.b_ns, p.ratio
        )
    };
    let (one, token_one) = keyring_of(1);
    let (sixteen, token_sixteen) = keyring_of(16);
    row(
        "open, 16 keys against 1 key",
        common::paired(
            || {
                common::keep(
                    one.open::<SmallSession>(black_box(&token_one))
                        .expect("open"),
                )
            },
            || {
                common::keep(
                    sixteen
                        .open::<SmallSession>(black_box(&token_sixteen))
                        .expect("open"),
                )
            },
            rounds,
        ),
    );
    let sealer = sealer();
    let token = sealer
        .seal(&small, &SessionOptions::default())
        .expect("seal");
    let tampered = tamper(&token);
    row(
        "open tampered against valid open",
        common::paired(
            || {
                common::keep(
                    sealer
                        .open::<SmallSession>(black_box(&token))
                        .expect("open"),
                )
            },
            || {
                common::keep(
                    sealer
                        .open::<SmallSession>(black_box(&tampered))
                        .unwrap_err(),
                )
            },
            rounds,
        ),
    );
    let opened = sealer.open::<SmallSession>(&token).expect("open");
    row(
        "renew against seal",
        common::paired(
            || {
                common::keep(
                    sealer
                        .seal(black_box(&small), &SessionOptions::default())
                        .expect("seal"),
                )
            },
            || {
                common::keep(
                    sealer
                        .renew(black_box(&small), &opened.meta)
                        .expect("renew"),
                )
            },
            rounds,
        ),
    );
    // A sealer of its own for the misses, so they never evict the steady side's cached key.
    let t0 = OffsetDateTime::from_unix_timestamp(common::BENCH_INSTANT).expect("instant");
    let clock = ManualClock::at(t0);
    let missing = self::sealer().with_clock(clock.clone());
    let mut k = 0i32;
    row(
        "seal in a new epoch against steady",
        common::paired(
            || {
                common::keep(
                    sealer
                        .seal(black_box(&small), &SessionOptions::default())
                        .expect("seal"),
                )
            },
            || {
                k = (k + 1) % 100_000;
                clock.set(t0 + time::Duration::days(i64::from(k)));
                common::keep(
                    missing
                        .seal(black_box(&small), &SessionOptions::default())
                        .expect("seal"),
                )
            },
            rounds,
        ),
    );
}

fn main() {
    let only_ratio = std::env::args().skip(1).any(|a| a == "ratio");
    if !only_ratio {
        let mut c = Criterion::default()
            .measurement_time(Duration::from_secs(5))
            .configure_from_args();
        seal_open_sizes(&mut c);
        keyrings_tamper_renew(&mut c);
        key_cache(&mut c);
        c.final_summary();
    }
    let listing = std::env::args().any(|a| a == "--list");
    if !listing {
        ratio_table();
        extra_ratios();
    }
}
