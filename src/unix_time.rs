//! From the unsigned unix seconds used inside tokens to `OffsetDateTime`, for the accessors.

use time::{OffsetDateTime, PrimitiveDateTime};

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
        assert_eq!(from_secs(1_800_000_000).unix_timestamp(), 1_800_000_000);
        assert_eq!(from_secs(u64::MAX), PrimitiveDateTime::MAX.assume_utc());
    }
}
