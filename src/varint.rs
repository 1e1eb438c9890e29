//! Unsigned LEB128 varints, canonical form only (the shortest encoding), as used for the claims.

/// Appends `value` as a varint.
pub(crate) fn put(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// The number of bytes `put` writes for `value` (1 to 10).
pub(crate) const fn len(value: u64) -> usize {
    let bits = u64::BITS.saturating_sub(value.leading_zeros()) as usize;
    if bits == 0 { 1 } else { bits.div_ceil(7) }
}

/// Reads one canonical varint from the front of `input`, returning it and the rest.
/// Refuses truncation, values over `u64::MAX` and non-minimal encodings. A one-byte varint (the
/// usual session age, generation or schema) is read inline.
#[inline]
pub(crate) fn take(input: &[u8]) -> Option<(u64, &[u8])> {
    match input.split_first() {
        Some((&byte, rest)) if byte & 0x80 == 0 => Some((u64::from(byte), rest)),
        _ => take_long(input),
    }
}

/// [`take`] for a varint of two bytes or more (or none).
fn take_long(input: &[u8]) -> Option<(u64, &[u8])> {
    let mut value: u64 = 0;
    for (i, &byte) in input.iter().enumerate().take(10) {
        let shift = u32::try_from(i).ok()?.checked_mul(7)?;
        let bits = u64::from(byte & 0x7f);
        // The tenth byte may only carry the single top bit of a u64.
        if i == 9 && bits > 1 {
            return None;
        }
        value |= bits.checked_shl(shift)?;
        if byte & 0x80 == 0 {
            // A zero final byte after the first is a non-minimal encoding.
            if i > 0 && byte == 0 {
                return None;
            }
            let rest = input.get(i.checked_add(1)?..)?;
            return Some((value, rest));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lengths() {
        for v in [
            0,
            1,
            127,
            128,
            16383,
            16384,
            86399,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put(&mut buf, v);
            assert_eq!(buf.len(), len(v), "{v}");
            buf.push(0xAA);
            let (got, rest) = take(&buf).unwrap();
            assert_eq!(got, v);
            assert_eq!(rest, [0xAA]);
        }
    }

    #[test]
    fn refuses_bad_encodings() {
        assert!(take(&[]).is_none());
        assert!(take(&[0x80]).is_none(), "truncated");
        assert!(take(&[0x80, 0x00]).is_none(), "non-minimal");
        assert!(take(&[0xff; 10]).is_none(), "over u64");
        assert!(take(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]).is_none());
        assert!(take(&[0xff; 11]).is_none());
    }
}
