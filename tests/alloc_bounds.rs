//! Bounded work on hostile input, measured with the counting allocator of tests/common/alloc_bytes.rs.
//!
//! - Over the maximum length, `open` allocates nothing and returns at once.
//! - Within the limit, `open` of any input allocates at most a small constant times its length.
//! - Inside an AUTHENTIC token (what a key holder, or a bug, could seal), a payload whose length
//!   prefix claims 1 MB or 100 MB, or that nests thousands of levels deep, fails cleanly with
//!   `OpenError::Payload`: no preallocation from the prefix, no stack overflow.
//!
//! The counters are global to the process, so every measurement holds `LOCK`, and the
//! measurements that must see a cold per-thread scratch buffer run on a fresh thread.

#[path = "common/alloc_bytes.rs"]
mod alloc_bytes;
mod common;
use alloc_bytes::allocated;
use common::{Clocked, noise, sealer_with};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sealed_session::{Config, OpenError, Sealer, SessionOptions};
use serde::ser::SerializeTuple as _;
use serde::{Deserialize, Serialize, Serializer};

static LOCK: Mutex<()> = Mutex::new(());

/// Bytes allocated while `f` runs on a fresh thread (so its scratch buffer starts cold), an
/// upper bound on the peak.
fn bytes_allocated<R: Send>(f: impl FnOnce() -> R + Send) -> (usize, R) {
    let (counts, result) = std::thread::scope(|s| s.spawn(|| allocated(f)).join().unwrap());
    (counts.bytes, result)
}

/// The shared fixture sealer (key 1, a manual clock at `T0`) with this token limit.
fn sealer(max_token_len: usize) -> Clocked {
    let config = Config::builder()
        .max_token_len(max_token_len)
        .build()
        .unwrap();
    sealer_with(config)
}

/// Serializes as its bytes verbatim (a postcard tuple of `u8` has no length prefix), so an
/// authentic token can carry any payload bytes at all.
struct RawPayload(Vec<u8>);

impl Serialize for RawPayload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for b in &self.0 {
            tuple.serialize_element(b)?;
        }
        tuple.end()
    }
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let low = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
}

/// A typical application session, used as the target type of the hostile payloads.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct AppSession {
    user: String,
    roles: Vec<String>,
    prefs: HashMap<String, String>,
    history: Vec<u64>,
    flags: BTreeMap<u16, bool>,
}

/// A recursive type: the shape that lets a payload ask for unbounded nesting.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Nest {
    End,
    Deeper(Box<Nest>),
}

impl Drop for Nest {
    // Iterative drop, so that building a deep chain in the test cannot overflow on drop either.
    fn drop(&mut self) {
        let mut next = match self {
            Nest::Deeper(inner) => std::mem::replace(&mut **inner, Nest::End),
            Nest::End => return,
        };
        while let Nest::Deeper(inner) = &mut next {
            next = std::mem::replace(&mut **inner, Nest::End);
        }
    }
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn over_the_maximum_length_open_allocates_nothing_and_returns_at_once() {
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = sealer(4096);
    let inputs = [
        "A".repeat(4097),
        "A".repeat(1 << 20),
        "\u{e9}".repeat(1 << 20),
        "A".repeat(16 << 20),
    ];
    for input in &inputs {
        let expected = OpenError::TooLong {
            len: input.len(),
            max: 4096,
        };
        // The counters are process-wide: under `cargo test` the harness's main thread may print
        // (and allocate) during a measurement, so the least of a few attempts is what counts.
        let least = (0..5)
            .map(|_| {
                let (counts, (typed, raw)) =
                    allocated(|| (s.open::<AppSession>(input), s.open_raw(input)));
                assert_eq!(typed.unwrap_err(), expected);
                assert_eq!(raw.unwrap_err(), expected);
                counts.count + counts.bytes
            })
            .min()
            .unwrap();
        assert_eq!(least, 0, "len {}", input.len());
    }
    // "At once": the check is on the length alone. 10 000 refusals of a 16 MiB string take a
    // few microseconds each; reading the string even once each time would take seconds.
    let big = &inputs[3];
    let started = Instant::now();
    for _ in 0..10_000 {
        assert!(s.open_raw(big).is_err());
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

/// The bound checked for every input within the limit: bytes allocated by one `open` on a cold
/// thread, at most `ALLOC_FACTOR` times the input length plus `ALLOC_SLACK`. The slack covers the
/// one allocation a thread makes the first time it loads the sealer's state: arc-swap's per-thread
/// node (192 bytes on x86-64), made once per thread and reused after it exits. Under nextest each
/// test is a fresh process, so the first `open` here pays it; under `cargo test` a node left by an
/// earlier test thread is reused.
const ALLOC_FACTOR: usize = 2;
const ALLOC_SLACK: usize = 256;

#[test]
fn within_the_limit_open_allocates_at_most_twice_the_input_length() {
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = sealer(4096);
    let real = s.seal(&vec![7u8; 40], &SessionOptions::default()).unwrap();
    let mut worst = (0.0f64, 0usize, String::new());
    let lengths: Vec<usize> = (0..=300)
        .chain((301..=4096).step_by(7))
        .chain([4096])
        .collect();
    for &len in &lengths {
        let seed = len as u64;
        let candidates = [
            // text from the base64url alphabet (mostly valid base64url)
            base64url(&noise(len, seed))
                .chars()
                .take(len)
                .collect::<String>(),
            // valid base64url of random bytes with a v1 header in front
            {
                let mut raw = vec![1u8, 1, 0x51, 0x61];
                raw.extend(noise(len.saturating_sub(4) * 3 / 4, seed ^ 0xabc));
                base64url(&raw).chars().take(len).collect()
            },
            // a real token, cut or extended to this length
            real.chars().cycle().take(len).collect(),
            // bytes outside the alphabet
            "\u{1}".repeat(len),
        ];
        for input in candidates {
            let (first, result) = bytes_allocated(|| s.open::<AppSession>(&input));
            assert!(result.is_err() || input == real);
            let bound = ALLOC_FACTOR * input.len() + ALLOC_SLACK;
            // The counters are process-wide, so a harness thread that allocates during the
            // measurement lands in it; an excess that is the open's own shows up again.
            let bytes = if first > bound {
                first.min(bytes_allocated(|| s.open::<AppSession>(&input)).0)
            } else {
                first
            };
            assert!(
                bytes <= bound,
                "open of {} bytes allocated {bytes} (bound {bound}): {input:?}",
                input.len()
            );
            let ratio = bytes as f64 / input.len().max(1) as f64;
            if input.len() >= 64 && ratio > worst.0 {
                worst = (ratio, input.len(), input.chars().take(12).collect());
            }
        }
    }
    println!(
        "worst bytes allocated per input byte (inputs of 64+ bytes): {:.3} at length {} ({}...)",
        worst.0, worst.1, worst.2
    );
}

/// Seals `payload` verbatim into an authentic token, opens it as `T` on a fresh thread, and
/// returns the result and the bytes allocated.
fn open_payload<T>(s: &Sealer, payload: Vec<u8>) -> (usize, Result<T, OpenError>, usize)
where
    T: serde::de::DeserializeOwned + Send,
{
    let token = s
        .seal(&RawPayload(payload), &SessionOptions::default())
        .unwrap();
    let raw = s.open_raw(&token).unwrap();
    let len = token.len();
    let (bytes, result) = bytes_allocated(|| s.open::<T>(&token).map(|o| o.session));
    // The payload arrived verbatim.
    assert!(!raw.session.is_empty());
    (bytes, result, len)
}

/// Payloads for `AppSession` whose String, Vec<String>, HashMap or Vec<u64> length prefix
/// claims `claimed` bytes or elements, followed by a little real data.
fn lying_payloads(claimed: u64) -> [Vec<u8>; 4] {
    let alice = |p: &mut Vec<u8>| p.extend_from_slice(&[5, b'a', b'l', b'i', b'c', b'e']);
    let mut string = varint(claimed);
    string.extend_from_slice(b"alice");
    let mut roles = Vec::new();
    alice(&mut roles);
    roles.extend(varint(claimed));
    roles.extend_from_slice(&[1, b'r']);
    let mut prefs = Vec::new();
    alice(&mut prefs);
    prefs.push(0);
    prefs.extend(varint(claimed));
    prefs.extend_from_slice(&[1, b'k', 1, b'v']);
    let mut history = Vec::new();
    alice(&mut history);
    history.extend_from_slice(&[0, 0]);
    history.extend(varint(claimed));
    history.extend_from_slice(&[1, 2, 3]);
    [string, roles, prefs, history]
}

#[test]
fn length_prefixes_claiming_1mb_or_100mb_fail_cleanly_without_preallocating() {
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = sealer(4096);
    // What the same shapes cost when the prefix claims only a little more than is there: the
    // allocations of the real data decoded before the lie is found.
    let baseline: Vec<usize> = lying_payloads(16)
        .into_iter()
        .map(|p| open_payload::<AppSession>(&s, p).0)
        .collect();
    let mut flat = Vec::new();
    for claimed in [1_000_000u64, 100_000_000, u64::from(u32::MAX), u64::MAX] {
        for (i, payload) in lying_payloads(claimed).into_iter().enumerate() {
            let (bytes, result, token_len) = open_payload::<AppSession>(&s, payload.clone());
            assert_eq!(result.unwrap_err(), OpenError::Payload, "{payload:?}");
            // A longer prefix costs a few more token bytes (scratch), never more than that.
            assert!(
                bytes <= baseline[i] + 16,
                "claimed {claimed}: {bytes} bytes allocated (baseline {}) for a {token_len}-char token",
                baseline[i]
            );
            flat.push(bytes);
        }
        // The shapes serde preallocates from: Vec<u64>, HashMap<u64, u64>, Vec<Vec<u8>>. Nothing
        // but the scratch buffer (the decoded token, under 100 bytes here) may be allocated.
        let payload = varint(claimed);
        let (bytes, result, _) = open_payload::<Vec<u64>>(&s, payload.clone());
        assert_eq!(result.unwrap_err(), OpenError::Payload);
        assert!(bytes <= 128, "Vec<u64>: {bytes}");
        let (bytes, result, _) = open_payload::<HashMap<u64, u64>>(&s, payload.clone());
        assert_eq!(result.unwrap_err(), OpenError::Payload);
        assert!(bytes <= 128, "HashMap: {bytes}");
        let (bytes, result, _) = open_payload::<Vec<Vec<u8>>>(&s, payload);
        assert_eq!(result.unwrap_err(), OpenError::Payload);
        assert!(bytes <= 128, "Vec<Vec<u8>>: {bytes}");
    }
    println!("lying prefixes: baseline {baseline:?} bytes, claimed 1 MB..2^64: {flat:?} bytes");
}

/// Regression (found while auditing the payload decode): postcard reports a map's
/// length prefix as its size hint unchecked, and serde preallocated a `HashMap` from it (capped
/// at 1 MiB), so a 5-byte authentic payload made `open` allocate over a megabyte.
#[test]
fn hashmap_length_prefix_does_not_drive_preallocation() {
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = sealer(4096);
    let (bytes, result, len) = open_payload::<HashMap<u64, u64>>(&s, varint(1 << 30));
    assert_eq!(result.unwrap_err(), OpenError::Payload);
    assert!(bytes < 1024, "{bytes} bytes for a {len}-char token");
}

#[test]
fn a_1mb_payload_cannot_be_sealed_and_the_largest_opens_in_linear_memory() {
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // The configurable ceiling for tokens is 1 MiB of text, so a 1 MB payload cannot be sealed.
    let s = sealer(1 << 20);
    let err = s
        .seal(&vec![0u8; 1_000_000], &SessionOptions::default())
        .unwrap_err();
    assert!(
        matches!(err, sealed_session::SealError::TooLong { .. }),
        "{err:?}"
    );
    // The largest that fits opens, and costs about the payload itself.
    let n = s.max_payload_len(&SessionOptions::default()).unwrap() - 3;
    let token = s
        .seal(&vec![0x5au8; n], &SessionOptions::default())
        .unwrap();
    let (bytes, result) = bytes_allocated(|| s.open::<Vec<u8>>(&token));
    assert_eq!(result.unwrap().session.len(), n);
    assert!(
        bytes <= ALLOC_FACTOR * token.len() + ALLOC_SLACK,
        "{bytes} bytes for {}",
        token.len()
    );
    println!(
        "largest payload: {n} bytes in a {}-char token, open allocated {bytes} bytes ({:.3} per char)",
        token.len(),
        bytes as f64 / token.len() as f64
    );
}

/// Regression (found while auditing the payload decode): postcard recursed once per
/// payload byte for a recursive type, so an authentic token of one-byte levels overflowed the
/// stack and aborted the process. Run on a 256 KiB stack to show the depth is capped, not merely
/// lucky.
#[test]
fn deeply_nested_payload_fails_cleanly_on_a_small_stack() {
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (max, depth) in [(4096, 3000), (1 << 20, 700_000)] {
        let s = sealer(max);
        let mut payload = vec![1u8; depth]; // Deeper, Deeper, ...
        payload.push(0); // End
        let token = s
            .seal(&RawPayload(payload), &SessionOptions::default())
            .unwrap();
        let result = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || s.open::<Nest>(&token).map(|o| o.session))
            .unwrap()
            .join()
            .expect("no stack overflow, no panic");
        assert_eq!(result.unwrap_err(), OpenError::Payload, "depth {depth}");
    }
    // Nesting that real sessions use still opens.
    let s = sealer(4096);
    let shallow = (0..50).fold(Nest::End, |n, _| Nest::Deeper(Box::new(n)));
    let token = s.seal(&shallow, &SessionOptions::default()).unwrap();
    assert_eq!(s.open::<Nest>(&token).unwrap().session, shallow);
}

/// Regression (found while auditing the payload decode): a sequence of zero-sized
/// elements costs no payload bytes, so a length prefix of 2^64-1 made postcard loop forever.
#[test]
fn zero_sized_sequence_with_huge_length_fails_at_once() {
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = sealer(4096);
    let started = Instant::now();
    let (_, result, _) = open_payload::<Vec<()>>(&s, varint(u64::MAX));
    assert_eq!(result.unwrap_err(), OpenError::Payload);
    assert!(started.elapsed() < Duration::from_secs(5));
    let token = s.seal(&vec![(); 1000], &SessionOptions::default()).unwrap();
    assert_eq!(s.open::<Vec<()>>(&token).unwrap().session.len(), 1000);
}
