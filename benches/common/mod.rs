//! Code shared by the benchmark binaries: the session, the floor, the payload sizes, and a paired
//! timer that measures two operations interleaved so their ratio survives a noisy machine.
#![allow(
    dead_code,
    reason = "each bench binary uses a different part of this module"
)]

pub mod floor;
pub mod session;

use std::hint::black_box;
use std::time::{Duration, Instant};

use sealed_session::{
    Clock, Config, CookieSettings, Keyring, MasterKey, Sealer, SessionOptions, SystemClock,
};

/// The instant the benches seal and open at: 2027-01-15 12:00:00 UTC. From 04:33:04 UTC on, the
/// seal offset (seconds since the epoch began at 00:00 UTC) is a 3-byte varint, as for most of
/// the day; at a fixed instant the token lengths do not depend on the hour a bench runs at.
pub const BENCH_INSTANT: i64 = 1_800_014_400;

/// The benches' clock: every read is a real read of the system clock, exactly as
/// [`SystemClock`] makes it, so each operation pays what it pays in production; the time it
/// reports is [`BENCH_INSTANT`].
#[derive(Debug, Clone, Copy)]
pub struct BenchClock;

impl Clock for BenchClock {
    #[inline]
    fn unix_seconds(&self) -> i64 {
        black_box(SystemClock.unix_seconds());
        BENCH_INSTANT
    }
}

/// A sealer over `keyring` with the default config and the [`BenchClock`].
pub fn bench_sealer(keyring: Keyring) -> Sealer {
    let sealer = Sealer::new(keyring, Config::default()).with_clock(BenchClock);
    let token = sealer.seal(&(), &SessionOptions::default()).expect("seal");
    let sealed_at = sealer.open::<()>(&token).expect("open").meta.sealed_at();
    assert_eq!(sealed_at.unix_timestamp(), BENCH_INSTANT, "the bench clock");
    sealer
}

/// The largest postcard payload whose token, for any session age, fits one cookie with the default
/// cookie settings (`__Host-session`; browsers limit name plus value to 4096 bytes), as the
/// cookie layer counts it.
pub fn cookie_max_payload(sealer: &Sealer) -> usize {
    // The cookie layer binds the sealer's token limit to what the cookie carries; the key plays
    // no part in the sizes.
    let room = CookieSettings::default().max_token_len();
    let config = sealer
        .config()
        .to_builder()
        .max_token_len(room)
        .build()
        .unwrap();
    let key = MasterKey::generate().unwrap();
    Sealer::new(Keyring::new(1, key), config)
        .max_payload_len(&SessionOptions::default())
        .unwrap_or(0)
}

/// The payload sizes of the sweeps: 0, 64, 256, 1024, 2048 and the cookie maximum.
pub fn payload_sizes(sealer: &Sealer) -> [usize; 6] {
    [0, 64, 256, 1024, 2048, cookie_max_payload(sealer)]
}

/// Nanoseconds per call of each side, and the median of the per-round ratios `b / a`.
#[derive(Debug, Clone, Copy)]
pub struct Paired {
    pub a_ns: f64,
    pub b_ns: f64,
    pub ratio: f64,
}

/// Whether the binary runs in criterion's `--test` mode (once each, no timing).
pub fn test_mode() -> bool {
    std::env::args().any(|a| a == "--test")
}

/// Times `a` and `b` in alternating batches of the same call count (about 2 ms each, order
/// flipped every round) and returns the medians. A burst of noise hits one round of both sides,
/// not a whole run of one side, so the ratio is far steadier than two separate measurements.
pub fn paired(mut a: impl FnMut(), mut b: impl FnMut(), rounds: usize) -> Paired {
    fn batch(f: &mut impl FnMut(), n: u64) -> Duration {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed()
    }
    // Warm up, and size the batches so that the slower side takes about 2 ms.
    let mut n = 1u64;
    while batch(&mut a, n).max(batch(&mut b, n)) < Duration::from_millis(2) && n < 1 << 24 {
        n *= 2;
    }
    let mut a_ns = Vec::with_capacity(rounds);
    let mut b_ns = Vec::with_capacity(rounds);
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds.max(1) {
        let (ta, tb) = if round % 2 == 0 {
            let ta = batch(&mut a, n);
            (ta, batch(&mut b, n))
        } else {
            let tb = batch(&mut b, n);
            (batch(&mut a, n), tb)
        };
        let per = |d: Duration| d.as_nanos() as f64 / n as f64;
        a_ns.push(per(ta));
        b_ns.push(per(tb));
        ratios.push(per(tb) / per(ta));
    }
    Paired {
        a_ns: median(&mut a_ns),
        b_ns: median(&mut b_ns),
        ratio: median(&mut ratios),
    }
}

/// The median (sorts in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Keeps a value alive and opaque to the optimizer.
pub fn keep<T>(v: T) {
    black_box(v);
}
