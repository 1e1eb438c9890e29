//! Generator and seal-direction check for the published test vectors, `tests/vectors/v1.json`.
//!
//! Every vector is built here from a case description: positive ones are sealed through the
//! crate-private fixed-nonce seam, negative ones are made from a positive token by a documented
//! change (a mutation, another clock, another config). The generator asserts that opening gives
//! the declared result before it writes anything, then compares the whole file with the committed
//! one: CI fails if they differ. Regenerate with
//! `SEALED_SESSION_WRITE_VECTORS=1 cargo test --lib vectors::`.
//! The open direction is checked through the public API in `tests/vectors.rs`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::claims::Claims;
use crate::clock::ManualClock;
use crate::config::{Config, Lifetimes};
use crate::error::OpenError;
use crate::error::SealError;
use crate::format::RANDOM_LEN;
use crate::keyring::KeyTable;
use crate::keyring::Keyring;
use crate::keys::MasterKey;
use crate::sealer::Sealer;
use crate::session::SessionMeta;
use crate::token;

/// Seals with explicit claims and fixed nonce bytes, for the published vectors only: a repeated
/// nonce would break confidentiality, so nothing outside the vector tests ever does this.
fn seal_with_nonce<T: Serialize + ?Sized>(
    ring: &Keyring,
    config: &Config,
    value: &T,
    claims: &Claims,
    random: [u8; RANDOM_LEN],
) -> Result<String, SealError> {
    let keys = KeyTable::new(ring, config, claims.sealed_at);
    let mut out = String::new();
    token::seal(
        &keys,
        config,
        claims,
        value,
        random,
        token::Output::plain(&mut out),
    )?;
    Ok(out)
}

const COMMITTED: &str = include_str!("../tests/vectors/v1.json");

/// The master keys the vectors use (random, published here: never use them for real sessions).
const KEYS: [(u8, &str); 3] = [
    (
        1,
        "cde3e7f6b0bc5eeff63741d1b21889f55506193d14dd027d5c442566b8cbdb0c",
    ),
    (
        2,
        "8e20c04621f2da427d698f78153050ed7a0e872562cd9b7c91b120e4e6e3315e",
    ),
    (
        3,
        "53e8644964fced398fd5fb9627168a17f6e5b046d1fdcf33f2445edf30cb43a4",
    ),
];

/// 2027-01-15T08:00:00Z, 28 800 s into daily epoch 20 833.
const T0: u64 = 1_800_000_000;
const DAY: u64 = 86_400;
const HOUR: u64 = 3_600;

/// The session type every vector's payload is (except the payload-mismatch case).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct VectorSession {
    pub(crate) user_id: u64,
    pub(crate) name: String,
    pub(crate) roles: Vec<String>,
    pub(crate) csrf: [u8; 16],
}

fn alice() -> VectorSession {
    VectorSession {
        user_id: 42,
        name: "alice".into(),
        roles: vec!["admin".into(), "editor".into()],
        csrf: *b"0123456789abcdef",
    }
}

/// The config a vector is opened (and, for positive vectors, sealed) under, as plain numbers.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct VectorConfig {
    purpose: String,
    rotation_period: u64,
    leeway: u64,
    browser_absolute: u64,
    browser_idle: u64,
    persistent_absolute: u64,
    persistent_idle: u64,
    max_token_len: usize,
    renew_after_percent: u8,
    generation_floor: u64,
    not_before: u64,
    schema_version: u32,
    session_ids: bool,
}

impl Default for VectorConfig {
    fn default() -> Self {
        let d = Config::default();
        Self {
            purpose: d.purpose.clone(),
            rotation_period: d.rotation_period.get(),
            leeway: d.leeway,
            browser_absolute: d.browser.absolute_secs(),
            browser_idle: d.browser.idle_secs(),
            persistent_absolute: d.persistent.absolute_secs(),
            persistent_idle: d.persistent.idle_secs(),
            max_token_len: d.max_token_len,
            renew_after_percent: d.renew_after_percent,
            generation_floor: 0,
            not_before: 0,
            schema_version: 0,
            session_ids: false,
        }
    }
}

impl VectorConfig {
    fn build(&self) -> Config {
        use std::time::Duration;
        let s = Duration::from_secs;
        let not_before = time::OffsetDateTime::from_unix_timestamp(self.not_before as i64).unwrap();
        Config::builder()
            .purpose(self.purpose.clone())
            .rotation_period(s(self.rotation_period))
            .leeway(s(self.leeway))
            .browser_session(Lifetimes::new(
                s(self.browser_absolute),
                s(self.browser_idle),
            ))
            .persistent(Lifetimes::new(
                s(self.persistent_absolute),
                s(self.persistent_idle),
            ))
            .max_token_len(self.max_token_len)
            .renew_after_percent(self.renew_after_percent)
            .generation_floor(self.generation_floor)
            .not_before(not_before)
            .schema_version(self.schema_version)
            .session_ids(self.session_ids)
            .build()
            .unwrap()
    }
}

fn key(id: u8) -> MasterKey {
    let hex = KEYS.iter().find(|(i, _)| *i == id).unwrap().1;
    MasterKey::from_text(hex).unwrap()
}

fn ring(ids: &[u8]) -> Keyring {
    let (first, rest) = ids.split_first().unwrap();
    rest.iter()
        .fold(Keyring::new(*first, key(*first)), |r, id| {
            r.with_open_only(*id, key(*id)).unwrap()
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn claims(sealed_at: u64, session_start: u64) -> Claims {
    Claims {
        persistent: false,
        sealed_at,
        session_start,
        generation: 0,
        schema_version: 0,
        session_id: None,
    }
}

/// How a negative vector's token differs from the sealed one.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    None,
    /// XOR one byte of the raw token (before base64) with 0x01.
    FlipRawByte(usize),
    /// Replace the raw token's byte at an index.
    SetRawByte(usize, u8),
    /// Drop the last character.
    TruncateChar,
    /// Drop the last `n` raw bytes and re-encode.
    TruncateRaw(usize),
    /// Append raw bytes and re-encode.
    ExtendRaw(&'static [u8]),
    /// Append `=` padding.
    Pad,
    /// Use the standard base64 alphabet (`+` and `/` for `-` and `_`).
    StandardAlphabet,
    /// Keep only the header, re-encoded.
    HeaderOnly,
    /// Replace the whole token.
    Replace(&'static str),
    /// Keep only the first `n` raw bytes, re-encoded.
    TruncateRawTo(usize),
    /// Set the lowest unused bit of the last character (a non-canonical encoding of the same bytes).
    NonCanonicalTail,
    /// Replace the token with `n` copies of `é` (2 bytes each in UTF-8).
    NonAscii(usize),
}

enum Payload {
    Session(VectorSession),
    /// Authentic, but not a `VectorSession`: a u64 then a string length of 300 with no bytes.
    Mismatch,
    /// A `VectorSession` followed by one more byte (0x00).
    Trailing(VectorSession),
}

struct Case {
    id: &'static str,
    comment: &'static str,
    seal_config: VectorConfig,
    seal_key: u8,
    claims: Claims,
    payload: Payload,
    random: [u8; 20],
    mutation: Mutation,
    open_config: Option<VectorConfig>,
    open_ring: Vec<u8>,
    open_at: i64,
    expect: Result<(), &'static str>,
    /// A plaintext written byte by byte (claims the sealer would never produce), sealed under
    /// `seal_key` in epoch `crafted_epoch` instead of `claims` and `payload`.
    crafted: Option<Vec<u8>>,
    crafted_epoch: u64,
    /// Open with `max_token_len` equal to the sealed token's length.
    limit_is_token_len: bool,
}

impl Case {
    fn new(id: &'static str, comment: &'static str) -> Self {
        let n = u8::try_from(id.len()).unwrap();
        Self {
            id,
            comment,
            seal_config: VectorConfig::default(),
            seal_key: 1,
            claims: claims(T0, T0),
            payload: Payload::Session(alice()),
            random: std::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(n)),
            mutation: Mutation::None,
            open_config: None,
            open_ring: vec![1],
            open_at: secs(T0),
            expect: Ok(()),
            crafted: None,
            crafted_epoch: T0 / DAY,
            limit_is_token_len: false,
        }
    }
    /// A nonce derived from the whole id (the first vectors derive theirs from the id's length
    /// only, and keep those bytes).
    fn own_random(mut self) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.id.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.random = std::array::from_fn(|i| {
            h = h
                .rotate_left(13)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add(i as u64);
            h.to_be_bytes()[0]
        });
        self
    }
    fn crafted(mut self, plaintext: Vec<u8>) -> Self {
        self.crafted = Some(plaintext);
        self
    }
    fn crafted_epoch(mut self, epoch: u64) -> Self {
        self.crafted_epoch = epoch;
        self
    }
    fn ring(mut self, seal_key: u8, open_ring: &[u8]) -> Self {
        self.seal_key = seal_key;
        self.open_ring = open_ring.to_vec();
        self
    }
    fn fail(mut self, error: &'static str) -> Self {
        self.expect = Err(error);
        self
    }
    fn at(mut self, t: u64) -> Self {
        self.open_at = secs(t);
        self
    }
    fn at_signed(mut self, t: i64) -> Self {
        self.open_at = t;
        self
    }
    fn mutate(mut self, m: Mutation) -> Self {
        self.mutation = m;
        self
    }
    fn claims(mut self, f: impl FnOnce(&mut Claims)) -> Self {
        f(&mut self.claims);
        self
    }
    fn seal_config(mut self, f: impl FnOnce(&mut VectorConfig)) -> Self {
        f(&mut self.seal_config);
        self
    }
    fn open_config(mut self, f: impl FnOnce(&mut VectorConfig)) -> Self {
        let mut c = self.seal_config.clone();
        f(&mut c);
        self.open_config = Some(c);
        self
    }
}

fn cases() -> Vec<Case> {
    let epoch_start = T0 / DAY * DAY;
    vec![
        // ---- positive ----
        Case::new("valid-browser-session", "a fresh browser-session session at login, default config"),
        Case::new("valid-persistent", "a fresh persistent session").claims(|c| c.persistent = true),
        Case::new("valid-session-id", "session ids enabled: 16 more bytes in the claims")
            .seal_config(|c| c.session_ids = true)
            .claims(|c| c.session_id = Some(*b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff")),
        Case::new("valid-max-fields", "generation u64::MAX, schema u32::MAX, session id, persistent, renewed 29 days after login")
            .seal_config(|c| {
                c.schema_version = u32::MAX;
                c.session_ids = true;
            })
            .claims(|c| {
                c.generation = u64::MAX;
                c.schema_version = u32::MAX;
                c.session_id = Some([0xff; 16]);
                c.persistent = true;
                c.session_start = T0 - 29 * DAY;
            }),
        Case::new("valid-renewed", "a session renewed 1 hour after login; renewal due at open time")
            .claims(|c| c.session_start = T0 - HOUR)
            .at(T0 + HOUR + 1),
        Case::new("valid-empty-strings", "a payload with empty name and roles")
            .mutate(Mutation::None)
            .seal_config(|_| {}),
        Case::new("valid-old-key", "sealed under key 2, opened by a ring whose primary is key 1 and key 2 open-only: old_key is true")
            .seal_config(|_| {}),
        Case::new("valid-old-epoch", "sealed 20 hours earlier, in the previous daily epoch, with a persistent profile")
            .claims(|c| {
                c.persistent = true;
                c.sealed_at = T0 - 20 * HOUR;
                c.session_start = T0 - 20 * HOUR;
            }),
        Case::new("valid-epoch-first-second", "sealed at the first second of an epoch (offset 0)")
            .claims(|c| {
                c.sealed_at = epoch_start;
                c.session_start = epoch_start;
            })
            .at(epoch_start),
        Case::new("valid-epoch-last-second", "sealed at the last second of an epoch (offset 86399)")
            .claims(|c| {
                c.sealed_at = epoch_start + DAY - 1;
                c.session_start = epoch_start + DAY - 1;
            })
            .at(epoch_start + DAY - 1),
        Case::new("valid-future-inside-leeway", "sealed 60 s ahead of the opener's clock: inside the 60 s leeway").at(T0 - 60),
        Case::new("valid-idle-last-second", "opened at sealed + idle (2 h) + leeway (60 s): the last accepted second")
            .at(T0 + 2 * HOUR + 60),
        Case::new("valid-absolute-last-second", "renewed late; opened at start + absolute (12 h) + leeway: the last accepted second")
            .claims(|c| c.session_start = T0 - 12 * HOUR + 1800)
            .at(T0 + 1800 + 60),
        Case::new("valid-custom-purpose", "purpose __Host-session (the default cookie name)")
            .seal_config(|c| c.purpose = "__Host-session".into()),
        Case::new("valid-schema-version", "schema version 3").seal_config(|c| c.schema_version = 3).claims(|c| c.schema_version = 3),
        // ---- negative: time ----
        Case::new("expired-by-one-second", "one second past start + absolute (12 h) + leeway")
            .claims(|c| c.session_start = T0 - 12 * HOUR + 1800)
            .at(T0 + 1800 + 61)
            .fail("Expired"),
        Case::new("idle-by-one-second", "one second past sealed + idle (2 h) + leeway").at(T0 + 2 * HOUR + 61).fail("IdleTimeout"),
        Case::new("future-outside-leeway", "sealed 61 s ahead of the opener's clock").at(T0 - 61).fail("FromTheFuture"),
        Case::new("retired-epoch", "opened 9 days later: the epoch is outside the accepted window whatever the claims say")
            .claims(|c| c.persistent = true)
            .at(T0 + 9 * DAY)
            .fail("RetiredEpoch"),
        // ---- negative: revocation and schema ----
        Case::new("revoked-generation-floor", "generation 2 below a floor of 3")
            .claims(|c| c.generation = 2)
            .open_config(|c| c.generation_floor = 3)
            .fail("Revoked"),
        Case::new("revoked-not-before", "session started one second before the global not-before cutoff")
            .open_config(|c| c.not_before = T0 + 1)
            .at(T0 + 2)
            .fail("Revoked"),
        Case::new("schema-mismatch", "sealed with schema 1, the opener reads schema 2")
            .seal_config(|c| c.schema_version = 1)
            .claims(|c| c.schema_version = 1)
            .open_config(|c| c.schema_version = 2)
            .fail("SchemaMismatch"),
        Case::new("payload-mismatch", "authentic and current, but the payload is not the expected type")
            .fail("Payload"),
        // ---- negative: keys and purpose ----
        Case::new("wrong-purpose", "sealed for purpose `session`, opened as `other`")
            .open_config(|c| c.purpose = "other".into())
            .fail("Authentication"),
        Case::new("unknown-key-id", "sealed under key 3, which the opener's ring does not hold")
            .fail("UnknownKeyId"),
        Case::new("retired-key", "sealed under key 1; the opener rotated to key 2 and removed key 1")
            .fail("UnknownKeyId"),
        Case::new("wrong-key-same-id", "sealed with id 1 but key 2's bytes; the opener holds the real key 1")
            .fail("Authentication"),
        // ---- negative: bytes ----
        Case::new("tampered-version", "version byte set to 2").mutate(Mutation::SetRawByte(0, 2)).fail("UnsupportedVersion"),
        Case::new("tampered-key-id", "key id byte changed from 1 to 2, which the ring holds")
            .mutate(Mutation::SetRawByte(1, 2))
            .fail("Authentication"),
        Case::new("tampered-epoch", "low epoch byte flipped: another epoch inside the window, another key")
            .mutate(Mutation::FlipRawByte(3))
            .fail("Authentication"),
        Case::new("tampered-nonce", "one bit of the nonce's random part flipped").mutate(Mutation::FlipRawByte(10)).fail("Authentication"),
        Case::new("tampered-ciphertext", "one ciphertext bit flipped").mutate(Mutation::FlipRawByte(30)).fail("Authentication"),
        Case::new("tampered-tag", "one tag bit flipped (last raw byte)").mutate(Mutation::FlipRawByte(usize::MAX)).fail("Authentication"),
        Case::new("truncated-one-byte", "the last raw byte removed").mutate(Mutation::TruncateRaw(1)).fail("Authentication"),
        Case::new("truncated-one-char", "the last base64url character removed").mutate(Mutation::TruncateChar).fail("Malformed"),
        Case::new("trailing-garbage", "four raw bytes appended").mutate(Mutation::ExtendRaw(b"\0\0\0\0")).fail("Authentication"),
        Case::new("padded", "`=` padding appended").mutate(Mutation::Pad).fail("Malformed"),
        Case::new("standard-alphabet", "re-encoded with + and / instead of - and _").mutate(Mutation::StandardAlphabet).fail("Malformed"),
        Case::new("header-only", "only the 24-byte header").mutate(Mutation::HeaderOnly).fail("Malformed"),
        Case::new("empty", "the empty string").mutate(Mutation::Replace("")).fail("Malformed"),
        Case::new("too-long", "one character over a 100-character limit, refused before decoding")
            .mutate(Mutation::Replace("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
            .open_config(|c| c.max_token_len = 100)
            .fail("TooLong"),
    ]
    .into_iter()
    .map(special)
    .chain(spec_rule_cases().into_iter().map(Case::own_random))
    .collect()
}

fn secs(t: u64) -> i64 {
    i64::try_from(t).unwrap()
}

/// The plaintext `flags || varint(offset) || varint(age) || extra || alice's postcard`.
fn plaintext(flags: u8, offset: u64, age: u64, extra: &[u8]) -> Vec<u8> {
    let mut p = vec![flags];
    crate::varint::put(&mut p, offset);
    crate::varint::put(&mut p, age);
    p.extend_from_slice(extra);
    p.extend_from_slice(&postcard::to_allocvec(&alice()).unwrap());
    p
}

fn varint(v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    crate::varint::put(&mut out, v);
    out
}

/// Vectors that each pin one rule of FORMAT.md (the rule numbers in the comments): each one fails
/// in a reader that breaks that rule alone (`tests/spec_mutations.rs` shows which).
fn spec_rule_cases() -> Vec<Case> {
    let epoch = T0 / DAY;
    let epoch_start = epoch * DAY;
    let offset = T0 - epoch_start;
    // Epoch 0x1FFFF of a 4-hour period: the next epoch's low 16 bits wrap to 0.
    let wrap_period = 4 * HOUR;
    let wrap_epoch = 0x1_ffff;
    let wrap_sealed = wrap_epoch * wrap_period + wrap_period - 400;
    let renew_config = |c: &mut VectorConfig| {
        c.browser_idle = 7199;
        c.renew_after_percent = 33;
    };
    vec![
        // ---- positive ----
        Case::new("valid-next-epoch-inside-leeway", "R3.2, R10.3: sealed at the first second of the next epoch, opened 30 s before it by a clock inside the leeway; old_epoch (a later epoch) and renewal_due are true")
            .claims(|c| {
                c.sealed_at = epoch_start + DAY;
                c.session_start = epoch_start + DAY;
            })
            .at(epoch_start + DAY - 30),
        Case::new("valid-window-low-edge", "R3.3: persistent, sealed 30 s before its epoch ended, opened at the last second of its idle window (7 days + leeway): the oldest epoch of the window is the seal's only because max_token_age includes the leeway")
            .claims(|c| {
                c.persistent = true;
                c.sealed_at = epoch_start - 30;
                c.session_start = epoch_start - 30;
            })
            .at(epoch_start - 30 + 7 * DAY + 60),
        Case::new("valid-epoch-wrap", "R3.4: 4-hour epochs; sealed in epoch 0x1FFFF (low bits ffff), opened in epoch 0x20000 (low bits 0000): the full epoch is recovered across the 16-bit wrap")
            .seal_config(|c| c.rotation_period = wrap_period)
            .claims(|c| {
                c.sealed_at = wrap_sealed;
                c.session_start = wrap_sealed;
            })
            .at(wrap_sealed + 500),
        Case::new("valid-clock-before-1970", "R8.0: sealed at unix 0, opened by a clock at unix -1, which reads as 0")
            .claims(|c| {
                c.sealed_at = 0;
                c.session_start = 0;
            })
            .at_signed(-1),
        Case::new("valid-clock-a-day-before-1970", "R8.0: sealed at unix 0, opened by a clock at unix -86400, which reads as 0 (not as a day before the seal)")
            .claims(|c| {
                c.sealed_at = 0;
                c.session_start = 0;
            })
            .at_signed(-86_400),
        Case::new("valid-renewal-not-yet-due", "R10.1: idle 7199 s, renew after 33 %: floor(7199 * 33 / 100) = 2375 s after the seal; opened at 2374 s (and 3974 s after the session start): not due")
            .seal_config(renew_config)
            .claims(|c| c.session_start = T0 - HOUR)
            .at(T0 + 2374),
        Case::new("valid-renewal-due-exact", "R10.1: as valid-renewal-not-yet-due, opened exactly 2375 s after the seal: due (>=, rounded down)")
            .seal_config(renew_config)
            .claims(|c| c.session_start = T0 - HOUR)
            .at(T0 + 2375),
        Case::new("valid-at-absolute-deadline-not-due", "R10.1: opened exactly at the absolute deadline with the idle part passed: valid, but renewal is not due (a renewal could not give a live token)")
            .claims(|c| c.session_start = T0 - 12 * HOUR + 3700)
            .at(T0 + 3700),
        Case::new("valid-session-id-config-off", "R6.4: a token with a session id opens, id reported, under a config whose session ids are off")
            .claims(|c| c.session_id = Some(*b"\x0f\x1e\x2d\x3c\x4b\x5a\x69\x78\x87\x96\xa5\xb4\xc3\xd2\xe1\xf0")),
        Case::new("valid-no-session-id-config-on", "R6.4: a token without a session id opens under a config whose session ids are on")
            .seal_config(|c| c.session_ids = true),
        Case::new("valid-generation-at-floor", "R8.7.5: generation 5 with a floor of 5")
            .claims(|c| c.generation = 5)
            .open_config(|c| c.generation_floor = 5),
        Case::new("valid-not-before-equal", "R8.7.6: session started exactly at the not-before cutoff")
            .open_config(|c| c.not_before = T0),
        Case::new("valid-at-max-token-len", "R8.1: the token's length equals max_token_len"),
        Case::new("valid-deadlines-past-9999", "R6.9, §11: persistent idle 2^38 s, absolute 2^64-1 s, 2^24 s epochs: the absolute deadline saturates at 2^64-1, both deadlines are past year 9999 and are reported as 253402300799")
            .seal_config(|c| {
                c.rotation_period = 1 << 24;
                c.persistent_idle = 1 << 38;
                c.persistent_absolute = u64::MAX;
            })
            .claims(|c| c.persistent = true),
        // ---- negative: crafted plaintexts (claims no sealer writes) ----
        Case::new("unknown-flag-bit-4", "R6.2: flags 0x10").crafted(plaintext(0x10, offset, 0, &[])).fail("Malformed"),
        Case::new("unknown-flag-bit-7", "R6.2: flags 0x80").crafted(plaintext(0x80, offset, 0, &[])).fail("Malformed"),
        Case::new("non-canonical-varint", "R6.3: the session age 0 written as 80 00")
            .crafted({
                let mut p = vec![0];
                p.extend(varint(offset));
                p.extend([0x80, 0x00]);
                p.extend(postcard::to_allocvec(&alice()).unwrap());
                p
            })
            .fail("Malformed"),
        Case::new("varint-over-u64", "R6.3: generation flag with the 10-byte varint ff..ff 02 (over 2^64 - 1)")
            .crafted(plaintext(0x04, offset, 0, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]))
            .fail("Malformed"),
        Case::new("zero-generation-present", "R6.5: generation flag with the value 0")
            .crafted(plaintext(0x04, offset, 0, &[0x00]))
            .fail("Malformed"),
        Case::new("zero-schema-present", "R6.5: schema flag with the value 0")
            .crafted(plaintext(0x08, offset, 0, &[0x00]))
            .fail("Malformed"),
        Case::new("schema-over-u32", "R6.6: schema flag with the value 2^32")
            .crafted(plaintext(0x08, offset, 0, &varint(1 << 32)))
            .fail("Malformed"),
        Case::new("claims-cut-short", "R6.8: session-id flag, then only 5 bytes where the 16-byte id belongs (no payload)")
            .crafted({
                let mut p = vec![0x02];
                p.extend(varint(offset));
                p.extend([0, 1, 2, 3, 4, 5]);
                p
            })
            .fail("Malformed"),
        Case::new("claims-varint-cut-short", "R6.8: the plaintext ends inside the session age's varint")
            .crafted({
                let mut p = vec![0x00];
                p.extend(varint(offset));
                p.push(0x80);
                p
            })
            .fail("Malformed"),
        Case::new("session-start-before-1970", "R6.7: a session age one second larger than the seal time")
            .crafted(plaintext(0x00, offset, T0 + 1, &[]))
            .fail("Malformed"),
        Case::new("seal-time-overflow", "R6.7: offset 2^64 - 1: epoch * period + offset overflows u64")
            .crafted(plaintext(0x00, u64::MAX, 0, &[]))
            .fail("Malformed"),
        Case::new("offset-equals-period", "R8.7.1: persistent, sealed in the previous epoch with offset = rotation period (the instant this epoch began)")
            .crafted(plaintext(0x01, DAY, 0, &[]))
            .crafted_epoch(epoch - 1)
            .fail("RetiredEpoch"),
        Case::new("trailing-payload-byte", "R8.9: one byte after the session's postcard")
            .fail("Payload"),
        // ---- negative: order and encoding ----
        Case::new("retired-epoch-tampered", "R3.4, R8.4: as retired-epoch with a flipped tag bit: the window is checked before any key is used")
            .claims(|c| c.persistent = true)
            .mutate(Mutation::FlipRawByte(usize::MAX))
            .at(T0 + 9 * DAY)
            .fail("RetiredEpoch"),
        Case::new("unknown-key-retired-epoch", "R8.4: an unknown key id in a retired epoch: the key id is looked up first")
            .ring(3, &[1, 2])
            .claims(|c| c.persistent = true)
            .at(T0 + 9 * DAY)
            .fail("UnknownKeyId"),
        Case::new("short-foreign-version", "R8.3: the single raw byte 02: the version is read before the length is checked")
            .mutate(Mutation::Replace("Ag"))
            .fail("UnsupportedVersion"),
        Case::new("raw-42-bytes", "R8.3: the first 42 raw bytes of a valid token (one under the minimum)")
            .mutate(Mutation::TruncateRawTo(42))
            .fail("Malformed"),
        Case::new("non-canonical-base64-tail", "R8.2: the last character's unused low bit set")
            .mutate(Mutation::NonCanonicalTail)
            .fail("Malformed"),
        Case::new("too-long-in-bytes", "R8.1: 60 characters of U+00E9 (120 bytes) under a limit of 100: the limit counts bytes")
            .mutate(Mutation::NonAscii(60))
            .open_config(|c| c.max_token_len = 100)
            .fail("TooLong"),
        Case::new("revoked-not-before-renewed", "R8.7.6: started an hour before the cutoff, renewed after it: the cutoff applies to the session start")
            .claims(|c| c.session_start = T0 - HOUR)
            .open_config(|c| c.not_before = T0 - 1)
            .fail("Revoked"),
    ]
    .into_iter()
    .map(|mut case| {
        match case.id {
            "valid-at-max-token-len" => case.limit_is_token_len = true,
            "trailing-payload-byte" => case.payload = Payload::Trailing(alice()),
            _ => {}
        }
        case
    })
    .collect()
}

/// Per-case adjustments that the builder methods above do not express.
fn special(mut case: Case) -> Case {
    match case.id {
        "valid-empty-strings" => {
            case.payload = Payload::Session(VectorSession {
                user_id: 0,
                name: String::new(),
                roles: vec![],
                csrf: [0; 16],
            });
        }
        "valid-old-key" => {
            case.seal_key = 2;
            case.open_ring = vec![1, 2];
        }
        "payload-mismatch" => case.payload = Payload::Mismatch,
        "unknown-key-id" => {
            case.seal_key = 3;
            case.open_ring = vec![1, 2];
        }
        "retired-key" => {
            case.seal_key = 1;
            case.open_ring = vec![2];
        }
        "tampered-key-id" => case.open_ring = vec![1, 2],
        _ => {}
    }
    case
}

include!("../tests/vectors/json_shape.rs");

#[path = "cookie_vectors.rs"]
mod cookie_vectors;

fn mutate(token: &str, m: Mutation) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut raw = URL_SAFE_NO_PAD.decode(token).unwrap();
    let reencode = |raw: &[u8]| URL_SAFE_NO_PAD.encode(raw);
    match m {
        Mutation::None => token.to_owned(),
        Mutation::FlipRawByte(i) => {
            let i = i.min(raw.len() - 1);
            raw[i] ^= 1;
            reencode(&raw)
        }
        Mutation::SetRawByte(i, b) => {
            raw[i] = b;
            reencode(&raw)
        }
        Mutation::TruncateChar => token[..token.len() - 1].to_owned(),
        Mutation::TruncateRaw(n) => reencode(&raw[..raw.len() - n]),
        Mutation::ExtendRaw(extra) => {
            raw.extend_from_slice(extra);
            reencode(&raw)
        }
        Mutation::Pad => {
            let mut t = token.to_owned();
            while !t.len().is_multiple_of(4) {
                t.push('=');
            }
            assert_ne!(
                t, token,
                "token length must not be a multiple of 4 for the padding vector"
            );
            t
        }
        Mutation::StandardAlphabet => {
            let t = STANDARD_NO_PAD.encode(&raw);
            assert_ne!(
                t, token,
                "token must contain - or _ for the standard-alphabet vector"
            );
            t
        }
        Mutation::HeaderOnly => reencode(&raw[..crate::format::HEADER_LEN]),
        Mutation::Replace(s) => s.to_owned(),
        Mutation::TruncateRawTo(n) => reencode(&raw[..n]),
        Mutation::NonCanonicalTail => {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            assert!(
                token.len() % 4 >= 2,
                "the token must end in a partial group for this vector"
            );
            let (head, last) = token.split_at(token.len() - 1);
            let value = ALPHABET
                .iter()
                .position(|&c| c == last.as_bytes()[0])
                .unwrap();
            assert_eq!(
                value & 1,
                0,
                "the unused bits of a canonical token are zero"
            );
            format!("{head}{}", char::from(ALPHABET[value | 1]))
        }
        Mutation::NonAscii(n) => "\u{e9}".repeat(n),
    }
}

fn ring_json(ids: &[u8]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| json!({"id": id, "key_hex": KEYS.iter().find(|(i, _)| i == id).unwrap().1}))
            .collect(),
    )
}

fn build_vector(case: &Case) -> Value {
    // "wrong-key-same-id": key 2's bytes under id 1.
    let seal_ring = if case.id == "wrong-key-same-id" {
        Keyring::new(1, key(2))
    } else {
        ring(&[case.seal_key])
    };
    let seal_config = case.seal_config.build();
    let payload_bytes = match &case.payload {
        Payload::Session(s) => postcard::to_allocvec(s).unwrap(),
        Payload::Mismatch => postcard::to_allocvec(&(1u64, 300u16)).unwrap(),
        Payload::Trailing(s) => postcard::to_allocvec(&(s, 0u8)).unwrap(),
    };
    let sealed = match (&case.crafted, &case.payload) {
        (Some(plain), _) => seal_crafted(case, plain),
        (None, Payload::Session(s)) => {
            seal_with_nonce(&seal_ring, &seal_config, s, &case.claims, case.random).unwrap()
        }
        (None, Payload::Mismatch) => seal_with_nonce(
            &seal_ring,
            &seal_config,
            &(1u64, 300u16),
            &case.claims,
            case.random,
        )
        .unwrap(),
        (None, Payload::Trailing(s)) => seal_with_nonce(
            &seal_ring,
            &seal_config,
            &(s, 0u8),
            &case.claims,
            case.random,
        )
        .unwrap(),
    };
    let token = mutate(&sealed, case.mutation);
    let mut open_config = case
        .open_config
        .clone()
        .unwrap_or_else(|| case.seal_config.clone());
    if case.limit_is_token_len {
        open_config.max_token_len = token.len();
    }
    let at = time::OffsetDateTime::from_unix_timestamp(case.open_at).unwrap();
    let opener =
        Sealer::new(ring(&case.open_ring), open_config.build()).with_clock(ManualClock::at(at));
    let opened = opener.open::<VectorSession>(&token);
    let expect = match (&opened, case.expect) {
        (Ok(o), Ok(())) => {
            let Payload::Session(s) = &case.payload else {
                panic!("{}: positive vector needs a session", case.id)
            };
            assert_eq!(&o.session, s, "{}", case.id);
            json!({"ok": {"session": serde_json::to_value(&o.session).unwrap(), "meta": meta_json(&o.meta)}})
        }
        (Err(e), Err(want)) => {
            assert_eq!(error_name(e), want, "{}: wrong error", case.id);
            json!({"error": want})
        }
        (got, want) => panic!(
            "{}: expected {want:?}, got {:?}",
            case.id,
            got.as_ref().map(|o| &o.meta)
        ),
    };
    let mut v = json!({
        "id": case.id,
        "comment": case.comment,
        "valid": case.expect.is_ok(),
        "keyring": ring_json(&case.open_ring),
        "config": serde_json::to_value(&open_config).unwrap(),
        "open_at": case.open_at,
        "token": token,
        "expect": expect,
    });
    if case.expect.is_ok() {
        let c = &case.claims;
        v["sealed_with"] = json!({
            "key_id": case.seal_key,
            "random_hex": hex(&case.random),
            "claims": {
                "persistent": c.persistent,
                "sealed_at": c.sealed_at,
                "session_start": c.session_start,
                "generation": c.generation.to_string(),
                "schema_version": c.schema_version,
                "session_id_hex": c.session_id.map(|id| hex(&id)),
            },
            "payload_postcard_hex": hex(&payload_bytes),
        });
    }
    if let Some(plain) = &case.crafted {
        v["sealed_plaintext"] = json!({
            "key_id": case.seal_key,
            "epoch": case.crafted_epoch,
            "random_hex": hex(&case.random),
            "plaintext_hex": hex(plain),
        });
    }
    v
}

/// Seals a crafted plaintext as the spec says (FORMAT.md §2, §4, §5: no associated data), under the case's seal key
/// and config, in its crafted epoch: the sealer itself never writes such claims.
fn seal_crafted(case: &Case, plain: &[u8]) -> String {
    use chacha20poly1305::aead::{AeadInOut as _, KeyInit as _};
    let config = case.seal_config.build();
    let epoch = case.crafted_epoch;
    let key = crate::epoch_keys::derive_key(
        &key(case.seal_key),
        case.seal_key,
        config.rotation_period.get(),
        epoch,
        config.purpose.as_bytes(),
    );
    let header = crate::format::Header {
        version: crate::format::VERSION,
        key_id: case.seal_key,
        epoch_low: u16::try_from(epoch & 0xffff).unwrap(),
        random: case.random,
    }
    .to_bytes();
    let cipher = chacha20poly1305::XChaCha20Poly1305::new((&*key).into());
    let mut body = plain.to_vec();
    let tag = cipher
        .encrypt_inout_detached(&header.into(), b"", body.as_mut_slice().into())
        .unwrap();
    let mut raw = header.to_vec();
    raw.extend_from_slice(&body);
    raw.extend_from_slice(&tag);
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn generate() -> String {
    let vectors: Vec<Value> = cases().iter().map(build_vector).collect();
    let doc = json!({
        "format": "sealed-session token format v1",
        "spec": "FORMAT.md",
        "description": "Each vector: open `token` with `keyring` (first entry primary) and `config` at unix time `open_at`, as a VectorSession {user_id: u64, name: String, roles: Vec<String>, csrf: [u8; 16]} in postcard. `expect` is the opened session and metadata, or the OpenError variant. Positive vectors also give what they were sealed with; sealing that with the same 20 random nonce bytes must give `token` byte for byte. Negative vectors built from a plaintext no sealer writes give it in `sealed_plaintext`. Integers are exact: `generation` is a string, and config lifetimes may exceed 2^53 (read them as 64-bit integers); `open_at` may be negative. The full description of every field is FORMAT.md section 11.",
        "vectors": vectors,
        "cookie_tokens": cookie_vectors::tokens()
            .into_iter()
            .map(|(name, token)| (name.to_owned(), Value::String(token)))
            .collect::<serde_json::Map<_, _>>(),
        "cookie_vectors": cookie_vectors::vectors(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap();
    text.push('\n');
    text
}

#[test]
#[cfg_attr(
    miri,
    ignore = "dozens of HKDF and AEAD runs: covered natively by the vector step"
)]
fn vectors_file_is_current() {
    let fresh = generate();
    if std::env::var_os("SEALED_SESSION_WRITE_VECTORS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/v1.json");
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    assert!(
        fresh == COMMITTED,
        "tests/vectors/v1.json is out of date or the format changed; if the change is intended (a new \
         format version!), regenerate with SEALED_SESSION_WRITE_VECTORS=1 cargo test --lib vectors::"
    );
}

/// The seal direction: every positive vector, sealed again from its recorded inputs through the
/// fixed-nonce seam, gives the published token byte for byte.
#[test]
#[cfg_attr(
    miri,
    ignore = "dozens of HKDF and AEAD runs: covered natively by the vector step"
)]
fn positive_vectors_seal_to_the_published_bytes() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 25, "at least 25 vectors");
    let mut positive = 0;
    for v in vectors.iter().filter(|v| v["valid"] == true) {
        let id = v["id"].as_str().unwrap();
        let sw = &v["sealed_with"];
        let mut config: VectorConfig = serde_json::from_value(v["config"].clone()).unwrap();
        // The sealer's own limit is policy, not format: `seal` refuses by the worst case over
        // every time of day, so a vector opened at exactly its token's length is sealed under
        // the default limit.
        config.max_token_len = config
            .max_token_len
            .max(VectorConfig::default().max_token_len);
        let seal_ring = ring(&[u8::try_from(sw["key_id"].as_u64().unwrap()).unwrap()]);
        let c = &sw["claims"];
        let claims = Claims {
            persistent: c["persistent"].as_bool().unwrap(),
            sealed_at: c["sealed_at"].as_u64().unwrap(),
            session_start: c["session_start"].as_u64().unwrap(),
            generation: c["generation"].as_str().unwrap().parse().unwrap(),
            schema_version: u32::try_from(c["schema_version"].as_u64().unwrap()).unwrap(),
            session_id: c["session_id_hex"]
                .as_str()
                .map(|h| unhex(h).try_into().unwrap()),
        };
        let random: [u8; 20] = unhex(sw["random_hex"].as_str().unwrap())
            .try_into()
            .unwrap();
        let session: VectorSession =
            postcard::from_bytes(&unhex(sw["payload_postcard_hex"].as_str().unwrap())).unwrap();
        let token =
            seal_with_nonce(&seal_ring, &config.build(), &session, &claims, random).unwrap();
        assert_eq!(token, v["token"].as_str().unwrap(), "vector {id}");
        positive += 1;
    }
    assert!(positive >= 10, "{positive} positive vectors");
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
