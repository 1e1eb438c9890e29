//! Hostile input: every byte of a session cookie comes from whoever sends the request. Each case
//! asserts the exact `OpenError` variant, so a change in the order of the checks is caught.
//!
//! The layout facts used here (FORMAT.md): the raw token is `header (24) || ciphertext || tag
//! (16)`, the header being version, key id, the low 16 bits of the epoch and 20 random bytes; the
//! shortest raw token is 43 bytes. The version is checked first, then the length, the key id,
//! the epoch window, and only then the tag.

mod common;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use common::{Clocked, T0, at, clocked, key, noise};
use sealed_session::{Config, Keyring, LogLevel, OpenError, Sealer, SessionOptions};
use time::{Duration, OffsetDateTime};

const HEADER_LEN: usize = 24;
const MIN_RAW_LEN: usize = 43;
const NOW: i64 = T0;

/// The shared key 1 primary, key 2 open-only, a manual clock at `T0`.
fn sealer() -> Clocked {
    let ring = Keyring::new(1, key(1)).with_open_only(2, key(2)).unwrap();
    clocked(Sealer::new(ring, Config::default()))
}

fn now() -> OffsetDateTime {
    at(NOW)
}

/// Opens `token` both typed and raw; both must fail with `expected`.
#[track_caller]
fn refused(s: &Clocked, token: &str, expected: OpenError) {
    let typed = s.at(NOW).open::<Vec<u8>>(token).map(|o| o.session);
    assert_eq!(typed, Err(expected), "typed open of {token:?}");
    let raw = s.at(NOW).open_raw(token).map(|o| o.session);
    assert_eq!(raw, Err(expected), "raw open of {token:?}");
}

/// A real token whose text contains both `-` and `_` (so the alphabet swap below changes it).
fn real_token(s: &Clocked) -> String {
    (0u32..)
        .map(|i| {
            s.at(NOW)
                .seal(&vec![i; 8], &SessionOptions::default())
                .unwrap()
        })
        .find(|t| t.contains('-') && t.contains('_'))
        .unwrap()
}

fn raw(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(token).unwrap()
}

fn text(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

#[test]
fn the_layout_this_suite_assumes() {
    let s = sealer();
    let token = s.at(NOW).seal(&(), &SessionOptions::default()).unwrap();
    let raw = raw(&token);
    assert_eq!(raw.first(), Some(&1), "version 1");
    assert_eq!(raw.get(1), Some(&1), "key id");
    let epoch = u16::try_from((NOW / 86_400) & 0xffff).unwrap();
    assert_eq!(raw.get(2..4), Some(epoch.to_be_bytes().as_slice()));
    assert!(raw.len() >= MIN_RAW_LEN);
    assert!(s.at(NOW).open::<()>(&token).is_ok());
}

#[test]
fn empty_and_whitespace() {
    let s = sealer();
    let token = real_token(&s);
    for input in ["", " ", "\t", "\n", "\r\n", "    "] {
        refused(&s, input, OpenError::Malformed);
    }
    for input in [
        format!(" {token}"),
        format!("{token} "),
        format!("{token}\n"),
        format!("{}\t{}", &token[..10], &token[10..]),
        format!("{} {}", &token[..30], &token[30..]),
    ] {
        refused(&s, &input, OpenError::Malformed);
    }
}

#[test]
fn padded_and_standard_alphabet_base64() {
    let s = sealer();
    let token = real_token(&s);
    let bytes = raw(&token);
    // Same bytes, other base64 flavours: only unpadded base64url is a token.
    let padded = URL_SAFE.encode(&bytes);
    let standard = STANDARD_NO_PAD.encode(&bytes);
    let standard_padded = STANDARD.encode(&bytes);
    assert_ne!(standard, token);
    refused(&s, &standard, OpenError::Malformed);
    refused(&s, &standard_padded, OpenError::Malformed);
    if padded != token {
        refused(&s, &padded, OpenError::Malformed);
    }
    for pad in ["=", "==", "===", "===="] {
        refused(&s, &format!("{token}{pad}"), OpenError::Malformed);
    }
}

#[test]
fn url_encoded() {
    let s = sealer();
    let token = real_token(&s);
    let percent: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
    refused(&s, &percent, OpenError::Malformed);
    let partly = token.replacen('-', "%2D", 1);
    refused(&s, &partly, OpenError::Malformed);
    let plus = format!("{}+{}", &token[..20], &token[20..]);
    refused(&s, &plus, OpenError::Malformed);
}

#[test]
fn non_ascii_and_nul_bytes() {
    let s = sealer();
    let token = real_token(&s);
    let cases = [
        "\0".to_string(),
        "\0".repeat(100),
        format!("{token}\0"),
        format!("\0{token}"),
        format!("{}\0{}", &token[..40], &token[41..]),
        "\u{e9}".repeat(60),
        format!("{}\u{e9}{}", &token[..40], &token[42..]),
        format!("{token}\u{1F600}"),
        "\u{FEFF}".to_string() + &token,
        // Fullwidth A-Z look like base64 to a human, not to the decoder.
        token
            .chars()
            .map(|c| {
                if c.is_ascii_uppercase() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                } else {
                    c
                }
            })
            .collect(),
    ];
    for input in &cases {
        refused(&s, input, OpenError::Malformed);
    }
}

#[test]
fn one_megabyte_strings() {
    let s = sealer();
    let max = s.config().max_token_len();
    for input in [
        "A".repeat(1 << 20),
        "\0".repeat(1 << 20),
        "\u{e9}".repeat(1 << 19),
        real_token(&s).repeat((1 << 20) / 80),
        "A".repeat(max + 1),
    ] {
        refused(
            &s,
            &input,
            OpenError::TooLong {
                len: input.len(),
                max,
            },
        );
    }
    // Exactly at the limit is decoded (and then refused on its merits).
    refused(
        &s,
        &"A".repeat(max),
        OpenError::UnsupportedVersion { version: 0 },
    );
}

#[test]
fn valid_base64_of_random_bytes_of_every_length_around_the_header() {
    let s = sealer();
    let epoch = u16::try_from((NOW / 86_400) & 0xffff)
        .unwrap()
        .to_be_bytes();
    for len in 0..=MIN_RAW_LEN + 40 {
        for seed in 0..8u64 {
            let mut bytes = noise(len, seed * 1000 + len as u64);
            // Any version byte but 1: refused on the version alone, whatever the length.
            if let Some(first) = bytes.first_mut() {
                *first = [0, 2, 3, 0x7f, 0x80, 0xfe, 0xff, 0x11][seed as usize];
                let version = *first;
                refused(&s, &text(&bytes), OpenError::UnsupportedVersion { version });
            } else {
                refused(&s, "", OpenError::Malformed);
                continue;
            }
            // Version 1: too short for a token below 43 bytes, whatever follows.
            bytes[0] = 1;
            if len < MIN_RAW_LEN {
                refused(&s, &text(&bytes), OpenError::Malformed);
                continue;
            }
            // An unknown key id.
            bytes[1] = 200 + seed as u8;
            refused(&s, &text(&bytes), OpenError::UnknownKeyId { id: bytes[1] });
            // Our key ids, the current epoch: random bytes never authenticate.
            bytes[1] = 1 + (seed % 2) as u8;
            bytes[2..4].copy_from_slice(&epoch);
            refused(&s, &text(&bytes), OpenError::Authentication);
            // Our key id, an epoch outside the window.
            let far = u16::from_be_bytes(epoch).wrapping_add(1000 + seed as u16);
            bytes[2..4].copy_from_slice(&far.to_be_bytes());
            refused(&s, &text(&bytes), OpenError::RetiredEpoch);
        }
    }
}

#[test]
fn header_only_and_truncations() {
    let s = sealer();
    let token = real_token(&s);
    let bytes = raw(&token);
    refused(&s, &text(&bytes[..HEADER_LEN]), OpenError::Malformed);
    refused(&s, &text(&bytes[..1]), OpenError::Malformed);
    for n in 1..bytes.len() {
        let expected = if n < MIN_RAW_LEN {
            OpenError::Malformed
        } else {
            OpenError::Authentication
        };
        refused(&s, &text(&bytes[..n]), expected);
    }
    // Text cut to a length no base64 has (4k + 1 characters).
    let cut = &token[..token.len() - (token.len() % 4 + 3) % 4];
    if cut.len() % 4 == 1 {
        refused(&s, cut, OpenError::Malformed);
    }
}

#[test]
fn wrong_version() {
    let s = sealer();
    let bytes = raw(&real_token(&s));
    for version in [0u8, 2, 3, 0x80, 0xff] {
        let mut b = bytes.clone();
        b[0] = version;
        refused(&s, &text(&b), OpenError::UnsupportedVersion { version });
    }
}

#[test]
fn unknown_key_id() {
    let s = sealer();
    let bytes = raw(&real_token(&s));
    for id in [0u8, 3, 77, 255] {
        let mut b = bytes.clone();
        b[1] = id;
        refused(&s, &text(&b), OpenError::UnknownKeyId { id });
    }
    // Key 2 is in the ring: same token under id 2 fails authentication (another key).
    let mut b = bytes.clone();
    b[1] = 2;
    refused(&s, &text(&b), OpenError::Authentication);
}

#[test]
fn epoch_far_in_the_past_and_future() {
    let s = sealer();
    let token = real_token(&s);
    let bytes = raw(&token);
    let epoch = u16::from_be_bytes([bytes[2], bytes[3]]);
    for delta in [-30_000i32, -1000, -100, 100, 1000, 30_000, 32_768] {
        let mut b = bytes.clone();
        let low = (i32::from(epoch) + delta).rem_euclid(1 << 16) as u16;
        b[2..4].copy_from_slice(&low.to_be_bytes());
        refused(&s, &text(&b), OpenError::RetiredEpoch);
    }
    // The authentic token itself, opened ten years after or before it was sealed.
    for years in [10, -10] {
        let at = now() + Duration::days(365 * years);
        assert_eq!(
            s.at((at).unix_timestamp())
                .open::<Vec<u32>>(&token)
                .unwrap_err(),
            OpenError::RetiredEpoch
        );
    }
    // Sealed far in the future, opened now.
    let future = s
        .at((now() + Duration::days(365 * 50)).unix_timestamp())
        .seal(&1u8, &SessionOptions::default())
        .unwrap();
    refused(&s, &future, OpenError::RetiredEpoch);
    // Two minutes ahead (beyond the 60 s leeway) in the same epoch: the epoch is in the window,
    // the seal time is not.
    let ahead = s
        .at((now() + Duration::seconds(120)).unix_timestamp())
        .seal(&1u8, &SessionOptions::default())
        .unwrap();
    assert_eq!(
        s.at(NOW).open::<u8>(&ahead).unwrap_err(),
        OpenError::FromTheFuture
    );
}

#[test]
fn trailing_garbage() {
    let s = sealer();
    let token = real_token(&s);
    let bytes = raw(&token);
    // Extra raw bytes, properly encoded: the tag is no longer where it was.
    for extra in [&[0u8][..], &[0, 0], &[0xff; 3], &[0; 64]] {
        let mut b = bytes.clone();
        b.extend_from_slice(extra);
        refused(&s, &text(&b), OpenError::Authentication);
    }
    // Extra text that breaks the encoding.
    for junk in ["A", "=", ".", ";", "; Path=/", "\"", ",next"] {
        let input = format!("{token}{junk}");
        if URL_SAFE_NO_PAD.decode(&input).is_err() {
            refused(&s, &input, OpenError::Malformed);
        }
    }
    // A second token glued on.
    let other = s.at(NOW).seal(&2u8, &SessionOptions::default()).unwrap();
    let glued = format!("{token}{other}");
    let expected = if URL_SAFE_NO_PAD.decode(&glued).is_ok() {
        OpenError::Authentication
    } else {
        OpenError::Malformed
    };
    refused(&s, &glued, expected);
    // The untouched token still opens.
    assert!(s.at(NOW).open::<Vec<u32>>(&token).is_ok());
}

#[test]
fn non_canonical_trailing_bits() {
    let s = sealer();
    let token = real_token(&s);
    // When the text length leaves unused bits in the last character, setting them gives another
    // string for the same bytes: refused, so a token has exactly one text form.
    let unused_bits = match token.len() % 4 {
        2 => 4,
        3 => 2,
        _ => 0,
    };
    if unused_bits > 0 {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = token.as_bytes()[token.len() - 1];
        let index = ALPHABET.iter().position(|&c| c == last).unwrap();
        let tweaked = ALPHABET[index | 1] as char;
        if tweaked as u8 != last {
            let input = format!("{}{tweaked}", &token[..token.len() - 1]);
            refused(&s, &input, OpenError::Malformed);
        }
    }
}

/// Finding of the `keyring` fuzz target (fuzz/README.md): only the low 16 bits of the epoch
/// travel, so a token exactly 2^16 rotation periods old (7.5 years of hourly rotation) names an
/// epoch inside the window. That epoch's key is a different key, so the tag fails: the token is
/// refused as `Authentication` (not `RetiredEpoch`), and never opens.
#[test]
fn epoch_alias_after_2_16_periods_is_refused() {
    let config = Config::builder()
        .rotation_period(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    let s = clocked(Sealer::new(Keyring::new(1, key(1)), config));
    let token = s.at(NOW).seal(&5u8, &SessionOptions::default()).unwrap();
    for periods in [(1i64 << 16) - 1, 1 << 16, (1 << 16) + 1, 2 << 16] {
        let later = now() + Duration::hours(periods);
        let err = s
            .at((later).unix_timestamp())
            .open::<u8>(&token)
            .unwrap_err();
        assert!(
            matches!(err, OpenError::Authentication | OpenError::RetiredEpoch),
            "{periods} periods later: {err:?}"
        );
    }
    let err = s
        .at((now() + Duration::hours(1 << 16)).unix_timestamp())
        .open::<u8>(&token)
        .unwrap_err();
    assert_eq!(err, OpenError::Authentication);
    // An honest client's old cookie: logged without alarm.
    assert!(err.log_level() < LogLevel::Warn);
}
