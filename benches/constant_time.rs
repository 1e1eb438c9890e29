//! Constant-time evidence for the post-authentication checks, in the style of dudect (Reparaz,
//! Balasch, Verbauwhede, "Dude, is my code constant time?", 2017).
//!
//! One authentic token is opened at four different clocks by a sealer whose generation floor
//! revokes it, so the same bytes go through the same AEAD and claims decode every time and only
//! the verdict of the checks differs: `Expired`, `IdleTimeout`, `FromTheFuture` or `Revoked`
//! (the first failing check in spec order wins; the others fail too, or not, depending on the
//! clock). For each pair of verdicts the two classes are measured interleaved in random order,
//! and Welch's t-statistic of their timings is computed, raw and after cropping the slowest
//! measurements at several percentiles (dudect's defence against interrupts). |t| above 4.5 is
//! dudect's threshold for "timing depends on the class"; below it, no leak was detected with
//! this many measurements.
//!
//! A positive control pairs `Revoked` with `Authentication` (a tampered tag: the claims are never
//! decoded), which must show a large t, proving the method can see a difference of that size.
//!
//! Run: `cargo bench --bench constant_time` (about a minute; `-- --quick` for a shorter run).

use std::hint::black_box;
use std::time::{Duration, Instant};

use sealed_session::{Config, Keyring, ManualClock, MasterKey, OpenError, Sealer, SessionOptions};
use time::OffsetDateTime;

/// 2027-01-15T08:00:00Z: eight hours into a daily epoch, so every clock used stays in it.
const T0: i64 = 1_800_000_000;

struct Class {
    name: &'static str,
    token: String,
    now: OffsetDateTime,
    /// The opener's clock: set to `now` before each timed open (outside the timing).
    clock: ManualClock,
    expected: OpenError,
}

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).expect("in range")
}

fn setup() -> (Sealer, Vec<Class>) {
    let bytes: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(29).wrapping_add(3))
        .collect();
    let key = MasterKey::from_bytes(&bytes).expect("valid key");
    let text = key.to_base64url();
    let sealer =
        Sealer::new(Keyring::new(1, key), Config::default()).with_clock(ManualClock::at(at(T0)));
    let token = sealer
        .seal(&("alice", 42u64, [7u8; 16]), &SessionOptions::default())
        .expect("seals");
    // The opener revokes everything below generation 1: the token is generation 0.
    let clock = ManualClock::at(at(T0));
    let opener = Sealer::new(
        Keyring::new(1, MasterKey::from_text(&text).expect("valid key")),
        Config::builder()
            .generation_floor(1)
            .build()
            .expect("valid config"),
    )
    .with_clock(clock.clone());
    let mut tampered = token.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == 'A' { 'Q' } else { 'A' });
    let class = |name, token: &String, now, expected| Class {
        name,
        token: token.clone(),
        now: at(now),
        clock: clock.clone(),
        expected,
    };
    let classes = vec![
        class("expired", &token, T0 + 13 * 3600, OpenError::Expired),
        class("idle", &token, T0 + 3 * 3600, OpenError::IdleTimeout),
        class("future", &token, T0 - 120, OpenError::FromTheFuture),
        class("revoked", &token, T0 + 60, OpenError::Revoked),
        class("tampered", &tampered, T0 + 60, OpenError::Authentication),
    ];
    (opener, classes)
}

/// One timed open, in nanoseconds.
fn measure(sealer: &Sealer, class: &Class) -> f64 {
    class.clock.set(class.now);
    let started = Instant::now();
    let result = sealer.open::<(String, u64, [u8; 16])>(black_box(&class.token));
    let elapsed = started.elapsed();
    debug_assert_eq!(result.as_ref().err(), Some(&class.expected));
    black_box(result).ok();
    elapsed.as_nanos() as f64
}

/// Welch's t-statistic of two samples.
fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    let (na, ma, va) = stats(a);
    let (nb, mb, vb) = stats(b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

/// A small deterministic generator for the interleaving (xorshift64).
struct Coin(u64);

impl Coin {
    fn flip(&mut self) -> bool {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 & 1 == 1
    }
}

struct Outcome {
    t_raw: f64,
    /// |t| maximised over the crops, and the crop it came from.
    t_max: f64,
    crop: f64,
    median: (f64, f64),
}

fn compare(sealer: &Sealer, a: &Class, b: &Class, samples: usize, coin: &mut Coin) -> Outcome {
    let mut xs = Vec::with_capacity(samples);
    let mut ys = Vec::with_capacity(samples);
    while xs.len() < samples || ys.len() < samples {
        if coin.flip() {
            if xs.len() < samples {
                xs.push(measure(sealer, a));
            }
        } else if ys.len() < samples {
            ys.push(measure(sealer, b));
        }
    }
    let mut all: Vec<f64> = xs.iter().chain(&ys).copied().collect();
    all.sort_by(f64::total_cmp);
    let t_raw = welch_t(&xs, &ys);
    let (mut t_max, mut crop) = (t_raw, 1.0);
    for p in [0.5, 0.75, 0.9, 0.95, 0.99] {
        let cut = percentile(&all, p);
        let xa: Vec<f64> = xs.iter().copied().filter(|v| *v <= cut).collect();
        let ya: Vec<f64> = ys.iter().copied().filter(|v| *v <= cut).collect();
        if xa.len() > 100 && ya.len() > 100 {
            let t = welch_t(&xa, &ya);
            if t.abs() > t_max.abs() {
                (t_max, crop) = (t, p);
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        percentile(v, 0.5)
    };
    Outcome {
        t_raw,
        t_max,
        crop,
        median: (median(&mut xs), median(&mut ys)),
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let samples = if quick { 20_000 } else { 200_000 };
    let (sealer, classes) = setup();
    for class in &classes {
        class.clock.set(class.now);
        let got = sealer.open::<(String, u64, [u8; 16])>(&class.token);
        assert_eq!(got.err(), Some(class.expected), "class {}", class.name);
    }
    // Warm up caches, the epoch key and the branch predictors.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(500) {
        for class in &classes {
            measure(&sealer, class);
        }
    }
    let mut coin = Coin(0x2545_F491_4F6C_DD1D);
    println!("constant_time: {samples} timed opens per class and pair; |t| > 4.5 means a leak");
    println!(
        "{:<22} {:>9} {:>9} {:>6} {:>11} {:>11}",
        "pair", "t (raw)", "max |t|", "crop", "median a", "median b"
    );
    let checks = &classes[..4];
    // Over the pairs of verdicts only (not the controls): the largest raw |t| and the largest
    // |t| over the crops; and the same-class control's |t| over the crops, the noise floor of
    // that statistic on this machine.
    let mut worst_raw: f64 = 0.0;
    let mut worst_crop: f64 = 0.0;
    let mut control_crop: f64 = 0.0;
    let mut pairs: Vec<(&Class, &Class)> = Vec::new();
    for (i, a) in checks.iter().enumerate() {
        for b in &checks[i + 1..] {
            pairs.push((a, b));
        }
    }
    pairs.push((&classes[3], &classes[3])); // negative control: a class against itself
    pairs.push((&classes[3], &classes[4])); // positive control: checks vs no claims decode
    for (a, b) in pairs {
        let o = compare(&sealer, a, b, samples, &mut coin);
        let name = format!("{} vs {}", a.name, b.name);
        println!(
            "{name:<22} {:>9.2} {:>9.2} {:>5.0}% {:>9.0}ns {:>9.0}ns",
            o.t_raw,
            o.t_max.abs(),
            o.crop * 100.0,
            o.median.0,
            o.median.1
        );
        if a.name == b.name {
            control_crop = o.t_max.abs();
        } else if b.name != "tampered" {
            worst_raw = worst_raw.max(o.t_raw.abs());
            worst_crop = worst_crop.max(o.t_max.abs());
        }
    }
    // The largest |t| over 7 correlated crops crosses 4.5 now and then on a noisy machine even
    // for a class against itself, so a crossing there alone is not taken as a leak: a leak shows
    // in the raw t too, and in every run.
    let verdict = if worst_raw > 4.5 {
        "ABOVE 4.5 raw: timing depends on the failing check"
    } else if worst_crop > 4.5 {
        "raw below 4.5, one crop above: inconclusive, re-run (a leak shows in every run)"
    } else {
        "below 4.5: no timing difference detected"
    };
    println!(
        "constant_time: between post-authentication verdicts, largest raw |t| {worst_raw:.2}, \
         largest |t| over crops {worst_crop:.2} (same-class control: {control_crop:.2}): {verdict}"
    );
}
