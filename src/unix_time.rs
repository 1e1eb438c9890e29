//! Conversions between `OffsetDateTime` and the unsigned unix seconds used inside tokens.

use time::{OffsetDateTime, PrimitiveDateTime};

/// Unix seconds of an instant, or `None` before 1970.
pub(crate) fn to_secs(t: OffsetDateTime) -> Option<u64> {
    u64::try_from(t.unix_timestamp()).ok()
}

/// The instant of `secs` unix seconds, clamped to the latest instant `time` can represent.
pub(crate) fn from_secs(secs: u64) -> OffsetDateTime {
    i64::try_from(secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(|| PrimitiveDateTime::MAX.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(to_secs(from_secs(1_800_000_000)), Some(1_800_000_000));
        assert_eq!(
            to_secs(OffsetDateTime::UNIX_EPOCH - time::Duration::seconds(1)),
            None
        );
        assert_eq!(from_secs(u64::MAX), PrimitiveDateTime::MAX.assume_utc());
    }
}
