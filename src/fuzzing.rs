//! Entry points for the fuzz targets in `fuzz/`, compiled only under `cfg(fuzzing)` (which
//! cargo-fuzz sets). Not part of the API: the post-authentication decoding is otherwise reachable
//! only with a key, so a fuzzer could never get past the AEAD tag to exercise it.

use serde::de::DeserializeOwned;

use crate::claims::{self, Claims, Policy};
use crate::config::Config;
use crate::epoch;
use crate::error::OpenError;
use crate::payload;

/// What [`decode_plaintext`] found.
#[derive(Debug)]
#[allow(clippy::exhaustive_structs, reason = "fuzzing hook, not API")]
pub struct Decoded<T> {
    /// The claims decode and the constant-time checks, as `open` would report them.
    pub checks: Result<(), OpenError>,
    /// The payload decode, run whenever the claims decode, so that it is fuzzed even when the
    /// random claims would fail the time checks.
    pub payload: Option<Result<T, OpenError>>,
}

/// Runs the steps `open` takes after the AEAD tag verifies (claims decode, validation against the
/// default config at `now`, payload decode) on an arbitrary `plain`text sealed in `epoch`.
#[must_use]
pub fn decode_plaintext<T: DeserializeOwned>(plain: &[u8], epoch: u64, now: u64) -> Decoded<T> {
    let config = Config::default();
    let epoch_start = epoch::start_of(epoch, config.rotation_period);
    let (claims, offset, rest) = match Claims::decode(plain, epoch_start) {
        Ok(decoded) => decoded,
        Err(e) => {
            return Decoded {
                checks: Err(e),
                payload: None,
            };
        }
    };
    // `open` recovers only an epoch inside the window (FORMAT.md R3.4), before the AEAD.
    let in_window = config.window_at(now).recover(epoch::low_bits(epoch)) == Some(epoch);
    let policy = Policy::new(&config, now, claims.persistent, config.schema_version);
    let checks = if in_window {
        claims::validate(&claims, offset, &policy).map(|_| ())
    } else {
        Err(OpenError::RetiredEpoch)
    };
    Decoded {
        checks,
        payload: Some(payload::decode(rest)),
    }
}

/// The token a request's cookies put together, exactly as [`SessionCookie::open`] gets it (the
/// cookie fuzz target checks that it only ever holds base64url).
///
/// [`SessionCookie::open`]: crate::SessionCookie::open
///
/// # Errors
/// The [`LoadError`](crate::LoadError) of cookies that do not form one token.
pub fn read_token(read: &crate::ReadCookies) -> Result<Option<&str>, crate::LoadError> {
    read.token()
}

/// The length in bytes of an accepted master key (not public API: the key's length is a
/// property only the fuzz targets check).
#[must_use]
pub fn key_len(key: &crate::keys::MasterKey) -> usize {
    key.byte_len()
}
