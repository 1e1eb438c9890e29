//! Exhaustive tamper tests: every single-bit flip of the raw token, every truncation, every
//! one-byte extension, and every single-character change of the text is rejected.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use sealed_session::{OpenError, SessionOptions};

fn token() -> (Clocked, String) {
    let s = sealer();
    let t = s
        .at(T0)
        .seal(&session(), &SessionOptions::default())
        .unwrap();
    (s, t)
}

#[test]
fn every_single_bit_flip_is_rejected() {
    let (s, t) = token();
    let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
    let mut checked = 0;
    for i in 0..raw.len() {
        for bit in 0..8 {
            let mut m = raw.clone();
            m[i] ^= 1 << bit;
            let err = s
                .at(T0)
                .open::<Session>(&URL_SAFE_NO_PAD.encode(&m))
                .unwrap_err();
            // Header bits may name another version, key or epoch; everything else fails the tag.
            if i >= 24 {
                assert_eq!(err, OpenError::Authentication, "byte {i} bit {bit}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, raw.len() * 8);
}

#[test]
fn every_truncation_is_rejected() {
    let (s, t) = token();
    for len in 0..t.len() {
        assert!(
            s.at(T0).open::<Session>(&t[..len]).is_err(),
            "text truncated to {len}"
        );
    }
    let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
    for len in 0..raw.len() {
        let err = s
            .at(T0)
            .open::<Session>(&URL_SAFE_NO_PAD.encode(&raw[..len]))
            .unwrap_err();
        if len >= 43 {
            assert_eq!(err, OpenError::Authentication, "raw truncated to {len}");
        } else {
            assert_eq!(err, OpenError::Malformed, "raw truncated to {len}");
        }
    }
}

#[test]
fn every_one_byte_extension_is_rejected() {
    let (s, t) = token();
    let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
    for pos in 0..=raw.len() {
        for byte in [0u8, 1, 0x7f, 0x80, 0xff] {
            let mut m = raw.clone();
            m.insert(pos, byte);
            assert!(
                s.at(T0)
                    .open::<Session>(&URL_SAFE_NO_PAD.encode(&m))
                    .is_err(),
                "insert {byte} at {pos}"
            );
        }
    }
    // Text extensions: any appended character.
    for c in "ABCabc019-_=+/ .%\0é".chars() {
        let mut m = t.clone();
        m.push(c);
        assert!(s.at(T0).open::<Session>(&m).is_err(), "appended {c:?}");
    }
}

#[test]
fn every_single_character_substitution_is_rejected() {
    let (s, t) = token();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for i in 0..t.len() {
        for c in alphabet.chars() {
            if t.as_bytes()[i] == c as u8 {
                continue;
            }
            let mut m = t.clone().into_bytes();
            m[i] = c as u8;
            let m = String::from_utf8(m).unwrap();
            assert!(s.at(T0).open::<Session>(&m).is_err(), "char {i} -> {c}");
        }
    }
}
