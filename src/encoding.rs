//! The one place that talks to the `base64` crate: strict unpadded base64url for tokens, and the
//! lenient decoders used only for master keys typed by operators.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use crate::scratch;

/// Appends the unpadded base64url form of `bytes` to `out`, encoded straight into `out`'s own
/// buffer (`encode_string` goes through a zeroed 1 KB stack buffer and copies out of it).
pub(crate) fn encode_token_into(bytes: &[u8], out: &mut String) {
    let mut buf = core::mem::take(out).into_bytes();
    let start = buf.len();
    let encoded = encoded_len(bytes.len()).is_some_and(|len| {
        scratch::extend_zeros(&mut buf, len);
        buf.get_mut(start..)
            .is_some_and(|tail| URL_SAFE_NO_PAD.encode_slice(bytes, tail) == Ok(len))
    });
    if !encoded {
        buf.truncate(start);
    }
    // base64url is ASCII, so this never fails; were it to, `out` keeps what it had.
    *out = String::from_utf8(buf).unwrap_or_else(|e| {
        let mut kept = e.into_bytes();
        kept.truncate(start);
        String::from_utf8(kept).unwrap_or_default()
    });
}

/// Length in characters of the unpadded base64url form of `n` bytes, or `None` on overflow.
pub(crate) fn encoded_len(n: usize) -> Option<usize> {
    base64::encoded_len(n, false)
}

/// The largest byte count whose unpadded base64url form fits in `chars` characters.
pub(crate) fn decoded_capacity(chars: usize) -> usize {
    // Every 4 characters carry 3 bytes; a tail of 2 or 3 characters carries 1 or 2 more.
    let full = (chars / 4).saturating_mul(3);
    let tail = match chars % 4 {
        2 => 1,
        3 => 2,
        _ => 0,
    };
    full.saturating_add(tail)
}

/// Decodes a token: unpadded base64url only, canonical (no stray trailing bits), appended to
/// `out`, which is cleared first. Returns `false` on any deviation.
pub(crate) fn decode_token_into(text: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    // `decode_vec` first resizes `out` to its estimate, up to 2 bytes more than the exact decoded
    // length; reserving that exactly keeps the resize from doubling the buffer (which made the
    // first open on a thread allocate 1.5 times the token's length instead of 0.75).
    out.reserve_exact(text.len().div_ceil(4).saturating_mul(3));
    URL_SAFE_NO_PAD.decode_vec(text, out).is_ok()
}

/// Decodes an operator-supplied key in any of the common text forms, once, into a buffer that is
/// wiped when dropped (trying one decoder after another would leave a partly decoded key in
/// freed memory at each failed attempt). The form is read from the text first: hex if the text
/// reads as hex (a hex string is also valid base64, and hex wins); otherwise base64, in the
/// url-safe alphabet if the text has `-` or `_` and the standard one if not, padded if it ends
/// with `=` (padding must then be canonical) and unpadded if not. A text mixing the two
/// alphabets, or with `=` elsewhere, is refused by the decoder.
pub(crate) fn decode_key_text(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let text = text.trim();
    if is_hex_text(text) {
        return decode_hex(text);
    }
    let engine = match (text.contains(['-', '_']), text.ends_with('=')) {
        (false, true) => &STANDARD,
        (false, false) => &STANDARD_NO_PAD,
        (true, true) => &URL_SAFE,
        (true, false) => &URL_SAFE_NO_PAD,
    };
    let mut out = Zeroizing::new(vec![0u8; base64::decoded_len_estimate(text.len())]);
    let len = engine.decode_slice(text, out.as_mut_slice()).ok()?;
    out.truncate(len);
    Some(out)
}

/// Whether `from_text` would read this text as hex: non-empty, even length, hex digits only.
pub(crate) fn is_hex_text(text: &str) -> bool {
    !text.is_empty() && text.len().is_multiple_of(2) && text.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Hex to bytes, written once into a buffer of the exact size (no reallocation leaves a copy).
fn decode_hex(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    if !is_hex_text(text) {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 2));
    for pair in text.as_bytes().chunks_exact(2) {
        let [hi, lo] = pair else { return None };
        out.push(hex_val(*hi)?.checked_mul(16)?.checked_add(hex_val(*lo)?)?);
    }
    Some(out)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => c.checked_sub(b'0'),
        b'a'..=b'f' => c.checked_sub(b'a' - 10),
        b'A'..=b'F' => c.checked_sub(b'A' - 10),
        _ => None,
    }
}

/// Unpadded base64url of `bytes` as a new string (key export).
pub(crate) fn encode_key_text(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_decoding_is_strict() {
        let mut out = Vec::new();
        assert!(decode_token_into(b"AAEC", &mut out));
        assert_eq!(out, [0, 1, 2]);
        assert!(!decode_token_into(b"AAE=", &mut out), "padding refused");
        assert!(
            !decode_token_into(b"+/8", &mut out),
            "standard alphabet refused"
        );
        assert!(
            !decode_token_into(b"AB", &mut out),
            "non-canonical trailing bits refused"
        );
        assert!(decode_token_into(b"AA", &mut out));
    }

    #[test]
    fn token_encoding_appends_the_unpadded_base64url_form() {
        for n in 0..200usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 250) as u8).collect();
            let mut out = String::from("name=");
            encode_token_into(&bytes, &mut out);
            assert_eq!(out, format!("name={}", URL_SAFE_NO_PAD.encode(&bytes)));
        }
    }

    #[test]
    fn capacity_matches_encoded_len() {
        for n in 0..100 {
            let chars = encoded_len(n).unwrap();
            assert_eq!(decoded_capacity(chars), n);
        }
    }

    #[test]
    fn key_text_forms() {
        let decode = |t: &str| decode_key_text(t).map(|k| k.to_vec());
        assert_eq!(decode("00ff10").unwrap(), [0, 255, 16]);
        assert_eq!(decode(" AP8Q\n").unwrap(), [0, 255, 16]);
        assert_eq!(decode("-_8").unwrap(), [251, 255]);
        assert_eq!(decode("-_8=").unwrap(), [251, 255]);
        assert_eq!(decode("+/8=").unwrap(), [251, 255]);
        assert_eq!(decode("+/8").unwrap(), [251, 255]);
        assert!(decode("not a key!").is_none());
        assert!(decode("+_8").is_none(), "mixed alphabets");
        assert!(decode("AP=8").is_none(), "padding inside");
        assert!(decode("AP8Q=").is_none(), "padding where none is due");
        assert!(decode("AP8==").is_none(), "non-canonical padding");
        assert!(decode("AR").is_none(), "stray trailing bits");
        assert_eq!(decode("AB").unwrap(), [0xab], "hex first");
    }

    /// The decoder before: hex, then each base64 engine in turn until one accepts.
    fn decode_by_trying_each(text: &str) -> Option<Vec<u8>> {
        let text = text.trim();
        if let Some(bytes) = decode_hex(text) {
            return Some(bytes.to_vec());
        }
        [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

        /// Reading the form from the text accepts and refuses exactly what trying every decoder
        /// in turn did, with the same bytes.
        #[test]
        fn form_from_text_matches_trying_each_decoder(text in "[ 0-9a-fA-F+/_=-]{0,48}") {
            proptest::prop_assert_eq!(
                decode_key_text(&text).map(|k| k.to_vec()),
                decode_by_trying_each(&text)
            );
        }

        #[test]
        fn every_form_of_a_key_reads_back(key in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            use base64::engine::general_purpose::{STANDARD, URL_SAFE};
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            for text in [
                STANDARD.encode(&key),
                STANDARD_NO_PAD.encode(&key),
                URL_SAFE.encode(&key),
                URL_SAFE_NO_PAD.encode(&key),
                format!(" {hex}\n"),
                hex.to_uppercase(),
            ] {
                proptest::prop_assert_eq!(
                    decode_key_text(&text).map(|k| k.to_vec()),
                    decode_by_trying_each(&text)
                );
            }
        }
    }
}
