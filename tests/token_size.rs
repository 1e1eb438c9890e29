//! Token sizes, asserted exactly so that a size regression fails here (the table is in
//! BENCHMARKS.md and `cargo run --example sizes`).
//!
//! Raw v1 token = 24-byte header (which is the nonce) + claims (flags, 2 varints, and the
//! generation and schema version only when non-zero) + payload + 16-byte tag, in unpadded
//! base64url. The claims of a fresh default session are 5 bytes late in the day (the seal offset
//! into the one-day epoch takes 3 varint bytes from 04:33 UTC on), so its fixed overhead is
//! 45 raw bytes = 60 characters; it never exceeds 48 bytes = 64 characters for any session
//! within the default lifetimes.

#[allow(
    dead_code,
    reason = "shared with the benches; this test uses only the small session"
)]
#[path = "../benches/common/session.rs"]
mod session;

mod common;

use common::{Clocked, clocked, key, sealer};

use sealed_session::{Config, Keyring, SealError, Sealer, SessionOptions};
use time::{Duration, OffsetDateTime};

const DAY: i64 = 86_400;

/// Midnight UTC at the start of some epoch (the default rotation period is one day).
fn epoch_start() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(20_000 * DAY).unwrap()
}

/// Seal offsets across an epoch, including every varint length boundary.
const OFFSETS: [i64; 8] = [0, 1, 127, 128, 16_383, 16_384, 43_200, DAY - 1];

/// A token for `value` of a session started `age` seconds before `at`: sealed fresh at the start,
/// then renewed at `at` (renewal keeps the start).
fn token_of_age<T: serde::Serialize>(
    sealer: &Clocked,
    value: &T,
    opts: &SessionOptions,
    at: OffsetDateTime,
    age: i64,
) -> String {
    let start = at - Duration::seconds(age);
    let fresh = sealer
        .at((start).unix_timestamp())
        .seal(value, opts)
        .unwrap();
    if age == 0 {
        return fresh;
    }
    let meta = sealer
        .at((start).unix_timestamp())
        .open_raw(&fresh)
        .unwrap()
        .meta;
    sealer
        .at((at).unix_timestamp())
        .renew(value, &meta)
        .unwrap()
}

#[test]
fn fresh_default_session_costs_60_characters() {
    let sealer = sealer();
    let noon = epoch_start() + Duration::seconds(43_200);
    // `()` is an empty postcard payload: the token is pure overhead.
    let token = sealer
        .at((noon).unix_timestamp())
        .seal(&(), &SessionOptions::default())
        .unwrap();
    assert_eq!(token.len(), 60, "fixed overhead of a fresh default session");
    for offset in OFFSETS {
        let at = epoch_start() + Duration::seconds(offset);
        let len = sealer
            .at((at).unix_timestamp())
            .seal(&(), &SessionOptions::default())
            .unwrap()
            .len();
        let want = if offset < 128 {
            58 // 43 raw bytes
        } else if offset < 16_384 {
            59 // 44 raw bytes
        } else {
            60 // 45 raw bytes
        };
        assert_eq!(len, want, "fresh session sealed {offset} s into the epoch");
    }
}

#[test]
fn overhead_never_exceeds_64_within_the_default_lifetimes() {
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
                    len <= 64,
                    "overhead {len} > 64 (persistent {persistent}, offset {offset}, age {age})"
                );
                assert!(len <= sealer.sealed_len(0, &opts));
                longest = longest.max(len);
            }
        }
    }
    assert_eq!(longest, 64, "the worst case is reached: 48 raw bytes");
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
    assert_eq!(sealer.sealed_len(0, &SessionOptions::default()), 63);
    assert_eq!(
        sealer.sealed_len(0, &SessionOptions::default().persistent(true)),
        64
    );
}

#[test]
fn small_session_token_is_148_characters() {
    let sealer = sealer();
    let small = session::small_session();
    assert_eq!(
        postcard::to_allocvec(&small).unwrap().len(),
        session::SMALL_SESSION_LEN
    );
    let noon = epoch_start() + Duration::seconds(43_200);
    // 24 + 5 + 66 + 16 = 111 raw bytes.
    assert_eq!(
        sealer
            .at((noon).unix_timestamp())
            .seal(&small, &SessionOptions::default())
            .unwrap()
            .len(),
        148
    );
    assert!(
        sealer
            .at((epoch_start()).unix_timestamp())
            .seal(&small, &SessionOptions::default())
            .unwrap()
            .len()
            <= 148
    );
}

#[test]
fn largest_payload_for_one_default_cookie() {
    // The cookie layer's accounting: name + value <= 4096 bytes, default name `__Host-session`.
    let cookies = sealed_session::CookieSettings::default();
    assert_eq!(cookies.max_token_len(), 4096 - "__Host-session".len());
    let sealer = common::sealer_with(cookies.config_builder().build().unwrap());
    for (persistent, want) in [(false, 3014), (true, 3013)] {
        let opts = SessionOptions::default().persistent(persistent);
        let max = sealer.max_payload_len(&opts).unwrap();
        assert_eq!(max, want, "persistent {persistent}");
        assert!(sealer.sealed_len(max, &opts) <= cookies.max_token_len());
        assert!(sealer.sealed_len(max + 1, &opts) > cookies.max_token_len());
    }
}

/// The same session is accepted or refused at every time of day: in the first 128 seconds of an
/// epoch the seal offset takes one varint byte instead of three, which must not let a larger
/// payload in (it did: the verdict was taken on this second's encoding).
#[test]
fn size_verdict_does_not_depend_on_the_time_of_day() {
    let day = epoch_start();
    for opts in [
        SessionOptions::default(),
        SessionOptions::default().persistent(true),
    ] {
        let s = sealer();
        let max = s.max_payload_len(&opts).unwrap();
        // A Vec<u8> of n bytes is n + 2 bytes of postcard at these sizes.
        let largest = vec![1u8; max - 2];
        let over = vec![1u8; max - 1];
        for secs in [30, 12 * 3600, DAY - 1] {
            let now = (day + Duration::seconds(secs)).unix_timestamp();
            let token = s.at(now).seal(&largest, &opts).unwrap();
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
    let opts = SessionOptions::default();
    // The smallest limit the config accepts holds the shortest token, not the worst case.
    let tight = clocked(Sealer::new(
        Keyring::new(1, key(1)),
        Config::builder().max_token_len(58).build().unwrap(),
    ));
    assert_eq!(tight.max_payload_len(&opts), None);
    assert!(matches!(
        tight.seal(&(), &opts),
        Err(SealError::TooLong { max: 58, .. })
    ));
    let roomy = sealer();
    let n = roomy.max_payload_len(&opts).unwrap();
    assert_eq!(roomy.sealed_len(n, &opts), 4096);
}
