//! open(seal(x)) == x, with the right metadata, for arbitrary sessions, purposes, times, options
//! and keyrings.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::{Config, Keyring, Sealer, SessionOptions};

#[derive(Arbitrary, Debug)]
struct Input {
    session: common::Session,
    purpose: String,
    sealed_at: u64,
    /// Opening this many seconds after sealing, inside the idle lifetime...
    open_after: u16,
    /// ...or this many before (a server whose clock is behind, inside the leeway).
    open_before: u8,
    behind: bool,
    persistent: bool,
    generation: u64,
    session_ids: bool,
    schema_version: u32,
    /// Key ids and key choices for the ring; the first is primary.
    ring: Vec<(u8, u8)>,
}

fuzz_target!(|input: Input| {
    let Ok(config) = Config::builder()
        .purpose(input.purpose.clone())
        .session_ids(input.session_ids)
        .schema_version(input.schema_version)
        .build()
    else {
        // Only the purpose can be refused: empty or over 255 bytes.
        assert!(input.purpose.is_empty() || input.purpose.len() > 255);
        return;
    };
    let mut entries = input.ring.iter().take(4);
    let (primary_id, primary_key) = entries.next().copied().unwrap_or((0, 0));
    let mut ring = Keyring::new(primary_id, common::key(primary_key % 4));
    for &(id, k) in entries {
        ring = match ring.with_open_only(id, common::key(k % 4)) {
            Ok(r) => r,
            Err(_) => return, // duplicate id: refused, as it should be
        };
    }
    let clocked = common::Clocked::new(Sealer::new(ring, config));
    let sealed_at = input.sealed_at % common::MAX_TIME;
    let options = SessionOptions::default()
        .persistent(input.persistent)
        .generation(input.generation);
    let sealer = clocked.at(sealed_at);
    let Ok(token) = sealer.seal(&input.session, &options) else {
        return; // too long for the default maximum
    };
    assert!(token.len() <= sealer.config().max_token_len());
    let payload_len = postcard::to_allocvec(&input.session)
        .expect("serializes")
        .len();
    assert!(token.len() <= sealer.sealed_len(payload_len, &options));
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );

    let opened_at = if input.behind {
        sealed_at.saturating_sub(u64::from(input.open_before % 60))
    } else {
        sealed_at + u64::from(input.open_after % 7000)
    };
    let sealer = clocked.at(opened_at);
    let opened = sealer
        .open::<common::Session>(&token)
        .expect("a fresh token opens");
    assert_eq!(opened.session, input.session);
    let meta = opened.meta;
    assert_eq!(meta.sealed_at(), common::at(sealed_at));
    assert_eq!(meta.session_start(), common::at(sealed_at));
    assert_eq!(meta.generation(), input.generation);
    assert_eq!(meta.schema_version(), input.schema_version);
    assert_eq!(meta.is_persistent(), input.persistent);
    assert_eq!(meta.key_id(), primary_id);
    assert!(!meta.old_key());
    assert_eq!(meta.session_id().is_some(), input.session_ids);
    assert!(meta.idle_deadline() <= meta.absolute_deadline());
    assert!(meta.sealed_at() < meta.idle_deadline());

    let raw = sealer.open_raw(&token).expect("opens raw");
    assert_eq!(raw.meta, meta);
    assert_eq!(
        raw.session,
        postcard::to_allocvec(&input.session).expect("serializes")
    );
});
