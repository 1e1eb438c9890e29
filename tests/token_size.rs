//! Token sizes, asserted exactly so that a size regression fails here (the table is in
//! BENCHMARKS.md and `cargo run --example sizes`).
//!
//! Raw v1 token = 28-byte header + claims (flags, 4 varints) + payload + 16-byte tag, in unpadded
//! base64url. The claims of a fresh default session are 7 bytes late in the day (the seal offset
//! into the one-day epoch takes 3 varint bytes from 04:33 UTC on), so its fixed overhead is
//! 51 raw bytes = 68 characters; it never exceeds 54 bytes = 72 characters for any session
//! within the default lifetimes.

#[allow(
    dead_code,
    reason = "shared with the benches; this test uses only the small session"
)]
#[path = "../benches/common/session.rs"]
mod session;

use sealed_session::{Config, Keyring, MasterKey, Sealer, SessionOptions};
use time::{Duration, OffsetDateTime};

const DAY: i64 = 86_400;

fn sealer() -> Sealer {
    Sealer::new(
        Keyring::new(1, MasterKey::generate().unwrap()),
        Config::default(),
    )
}

/// Midnight UTC at the start of some epoch (the default rotation period is one day).
fn epoch_start() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(20_000 * DAY).unwrap()
}

/// Seal offsets across an epoch, including every varint length boundary.
const OFFSETS: [i64; 8] = [0, 1, 127, 128, 16_383, 16_384, 43_200, DAY - 1];

/// A token for `value` of a session started `age` seconds before `at`: sealed fresh at the start,
/// then renewed at `at` (renewal keeps the start).
fn token_of_age<T: serde::Serialize>(
    sealer: &Sealer,
    value: &T,
    opts: &SessionOptions,
    at: OffsetDateTime,
    age: i64,
) -> String {
    let start = at - Duration::seconds(age);
    let fresh = sealer.seal_with_at(value, opts, start).unwrap();
    if age == 0 {
        return fresh;
    }
    let meta = sealer.open_raw_at(&fresh, start).unwrap().meta;
    sealer.renew_at(value, &meta, at).unwrap()
}

#[test]
fn fresh_default_session_costs_68_characters() {
    let sealer = sealer();
    let noon = epoch_start() + Duration::seconds(43_200);
    // `()` is an empty postcard payload: the token is pure overhead.
    let token = sealer.seal_at(&(), noon).unwrap();
    assert_eq!(token.len(), 68, "fixed overhead of a fresh default session");
    for offset in OFFSETS {
        let at = epoch_start() + Duration::seconds(offset);
        let len = sealer.seal_at(&(), at).unwrap().len();
        let want = if offset < 128 {
            66 // 49 raw bytes
        } else if offset < 16_384 {
            67 // 50 raw bytes
        } else {
            68 // 51 raw bytes
        };
        assert_eq!(len, want, "fresh session sealed {offset} s into the epoch");
    }
}

#[test]
fn overhead_never_exceeds_72_within_the_default_lifetimes() {
    let sealer = sealer();
    let config = Config::default();
    let ages = [
        0,
        1,
        127,
        128,
        3_600,
        16_383,
        16_384,
        43_200,
        DAY,
        7 * DAY,
        2_097_151,
        2_097_152,
        29 * DAY,
        30 * DAY,
    ];
    let mut longest = 0;
    for persistent in [false, true] {
        let opts = SessionOptions::default().persistent(persistent);
        let lifetime = if persistent {
            config.persistent().absolute()
        } else {
            config.browser_session().absolute()
        }
        .as_secs() as i64;
        for offset in OFFSETS {
            let at = epoch_start() + Duration::seconds(offset);
            for age in ages.iter().copied().filter(|a| *a <= lifetime) {
                let len = token_of_age(&sealer, &(), &opts, at, age).len();
                assert!(
                    len <= 72,
                    "overhead {len} > 72 (persistent {persistent}, offset {offset}, age {age})"
                );
                assert!(len <= sealer.sealed_len(0, &opts));
                longest = longest.max(len);
            }
        }
    }
    assert_eq!(longest, 72, "the worst case is reached: 54 raw bytes");
}

#[test]
fn sealed_len_is_an_upper_bound_that_is_attained() {
    let sealer = sealer();
    let config = Config::default();
    for persistent in [false, true] {
        let opts = SessionOptions::default().persistent(persistent);
        let oldest = if persistent {
            config.persistent().absolute()
        } else {
            config.browser_session().absolute()
        }
        .as_secs() as i64;
        for payload_len in [1usize, 2, 3, 64, 66, 255, 1024, 2048] {
            let value = session::blob(payload_len);
            let bound = sealer.sealed_len(payload_len, &opts);
            let mut longest = 0;
            for offset in OFFSETS {
                let at = epoch_start() + Duration::seconds(offset);
                for age in [0, 1, 200, 20_000, oldest] {
                    let len = token_of_age(&sealer, &value, &opts, at, age).len();
                    assert!(
                        len <= bound,
                        "{len} > sealed_len {bound} for {payload_len} bytes"
                    );
                    longest = longest.max(len);
                }
            }
            assert_eq!(
                longest, bound,
                "sealed_len({payload_len}) is attained (persistent {persistent})"
            );
        }
    }
    assert_eq!(sealer.sealed_len(0, &SessionOptions::default()), 71);
    assert_eq!(
        sealer.sealed_len(0, &SessionOptions::default().persistent(true)),
        72
    );
}

#[test]
fn small_session_token_is_156_characters() {
    let sealer = sealer();
    let small = session::small_session();
    assert_eq!(
        postcard::to_allocvec(&small).unwrap().len(),
        session::SMALL_SESSION_LEN
    );
    let noon = epoch_start() + Duration::seconds(43_200);
    // 28 + 7 + 66 + 16 = 117 raw bytes.
    assert_eq!(sealer.seal_at(&small, noon).unwrap().len(), 156);
    assert!(sealer.seal_at(&small, epoch_start()).unwrap().len() <= 156);
}

#[test]
fn largest_payload_for_one_default_cookie() {
    // The cookie layer's accounting: name + value <= 4096 bytes, default name `__Host-session`.
    let cookies = sealed_session::CookieSettings::default();
    assert_eq!(cookies.max_token_len(), 4096 - "__Host-session".len());
    let sealer = Sealer::new(
        Keyring::new(1, MasterKey::generate().unwrap()),
        cookies.config_builder().build().unwrap(),
    );
    for (persistent, want) in [(false, 3008), (true, 3007)] {
        let opts = SessionOptions::default().persistent(persistent);
        let max = cookies.max_payload_len(&sealer, &opts);
        assert_eq!(max, want, "persistent {persistent}");
        assert!(sealer.sealed_len(max, &opts) <= cookies.max_token_len());
        assert!(sealer.sealed_len(max + 1, &opts) > cookies.max_token_len());
    }
}
