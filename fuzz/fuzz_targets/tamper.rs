//! Seal an arbitrary session with arbitrary claims, mutate the token, open it: the result is the
//! original session (with the original metadata) or an error, never a different value; with or
//! without the open cache (which holds the original token once it is sealed).
#![no_main]

mod common;

use arbitrary::Arbitrary;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use libfuzzer_sys::fuzz_target;
use sealed_session::{Config, Keyring, Sealer, SessionOptions};

#[derive(Arbitrary, Debug)]
enum Mutation {
    /// Flip one bit of the raw (decoded) token.
    FlipBit { pos: u16, bit: u8 },
    /// Overwrite one raw byte.
    SetByte { pos: u16, value: u8 },
    /// Insert bytes into the raw token.
    Splice { pos: u16, bytes: Vec<u8> },
    /// Remove a range of raw bytes.
    Remove { pos: u16, len: u8 },
    /// Cut the raw token short.
    Truncate { len: u16 },
    /// Append raw bytes.
    Extend { bytes: Vec<u8> },
    /// Swap two raw bytes.
    Swap { a: u16, b: u16 },
    /// Change one character of the text form.
    SetChar { pos: u16, c: u8 },
    /// Append text to the text form.
    AppendText { text: String },
    /// Re-encode the raw bytes with another base64 flavour.
    Reencode { flavour: u8 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    session: common::Session,
    persistent: bool,
    generation: u64,
    session_ids: bool,
    schema_version: u32,
    /// A sealer with a small open cache.
    open_cache: bool,
    /// Seconds after sealing at which the token is opened (kept inside the idle lifetime).
    open_after: u16,
    mutations: Vec<Mutation>,
}

fn index(pos: u16, len: usize) -> Option<usize> {
    (len > 0).then(|| usize::from(pos) % len)
}

fn apply(raw: &mut Vec<u8>, text: &mut String, m: &Mutation) {
    let reencode = |raw: &Vec<u8>| URL_SAFE_NO_PAD.encode(raw);
    match m {
        Mutation::FlipBit { pos, bit } => {
            if let Some(i) = index(*pos, raw.len()) {
                raw[i] ^= 1 << (bit % 8);
            }
            *text = reencode(raw);
        }
        Mutation::SetByte { pos, value } => {
            if let Some(i) = index(*pos, raw.len()) {
                raw[i] = *value;
            }
            *text = reencode(raw);
        }
        Mutation::Splice { pos, bytes } => {
            let i = usize::from(*pos) % (raw.len() + 1);
            raw.splice(i..i, bytes.iter().copied());
            *text = reencode(raw);
        }
        Mutation::Remove { pos, len } => {
            if let Some(i) = index(*pos, raw.len()) {
                let end = (i + usize::from(*len)).min(raw.len());
                raw.drain(i..end);
            }
            *text = reencode(raw);
        }
        Mutation::Truncate { len } => {
            raw.truncate(usize::from(*len));
            *text = reencode(raw);
        }
        Mutation::Extend { bytes } => {
            raw.extend_from_slice(bytes);
            *text = reencode(raw);
        }
        Mutation::Swap { a, b } => {
            if let (Some(a), Some(b)) = (index(*a, raw.len()), index(*b, raw.len())) {
                raw.swap(a, b);
            }
            *text = reencode(raw);
        }
        Mutation::SetChar { pos, c } => {
            if let Some(i) = index(*pos, text.len()) {
                let mut bytes = std::mem::take(text).into_bytes();
                bytes[i] = *c;
                *text = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
        Mutation::AppendText { text: t } => text.push_str(t),
        Mutation::Reencode { flavour } => {
            *text = match flavour % 4 {
                0 => STANDARD.encode(&*raw),
                1 => STANDARD_NO_PAD.encode(&*raw),
                2 => URL_SAFE.encode(&*raw),
                _ => URL_SAFE_NO_PAD.encode(&*raw),
            };
        }
    }
}

fuzz_target!(|input: Input| {
    let config = Config::builder()
        .session_ids(input.session_ids)
        .schema_version(input.schema_version)
        .open_cache(if input.open_cache { 4 } else { 0 })
        .build()
        .expect("valid config");
    let ring = Keyring::new(1, common::key(0))
        .with_open_only(2, common::key(1))
        .expect("distinct ids");
    let clocked = common::Clocked::new(Sealer::new(ring, config));
    let sealed_at = common::NOW.unsigned_abs();
    let options = SessionOptions::default()
        .persistent(input.persistent)
        .generation(input.generation);
    let Ok(token) = clocked.at(sealed_at).seal(&input.session, &options) else {
        return; // too long for the default maximum
    };
    let sealer = clocked.at(sealed_at + u64::from(input.open_after % 7000));
    let original = sealer
        .open::<common::Session>(&token)
        .expect("a fresh token opens");
    assert_eq!(original.session, input.session);

    let mut raw = URL_SAFE_NO_PAD
        .decode(&token)
        .expect("tokens are base64url");
    let mut text = token.clone();
    for m in input.mutations.iter().take(8) {
        apply(&mut raw, &mut text, m);
    }
    match sealer.open::<common::Session>(&text) {
        Ok(opened) => {
            assert_eq!(
                opened.session, original.session,
                "tampered token opened differently"
            );
            assert_eq!(
                opened.meta, original.meta,
                "tampered token changed metadata"
            );
            assert_eq!(text, token, "a different token string opened: {text:?}");
        }
        Err(e) => assert!(text != token, "the untampered token failed: {e:?}"),
    }
    if let Ok(raw_opened) = sealer.open_raw(&text) {
        assert_eq!(text, token, "a different token string opened raw: {text:?}");
        assert_eq!(raw_opened.meta, original.meta);
    }
});
