//! Token length arithmetic. Every limit is a function of the config and the session's own claims
//! (profile, generation, schema, session id), never of the clock: the varints that depend on the
//! time (the seal offset into its epoch and the session's age) are counted at their largest.

use crate::claims::{self, Claims};
use crate::config::Config;
use crate::encoding;
use crate::epoch;
use crate::format::{HEADER_LEN, TAG_LEN};
use crate::session::SessionOptions;

/// Raw bytes besides the payload, at their largest over every instant a session with these
/// claims can be sealed: the last second of an epoch, the oldest age the profile's absolute
/// lifetime allows.
fn worst_overhead(
    config: &Config,
    persistent: bool,
    generation: u64,
    schema: u32,
    session_id: bool,
) -> usize {
    let claims = claims::encoded_len_of(
        epoch::last_offset(config.rotation_period),
        config.lifetimes(persistent).absolute_secs(),
        generation,
        schema,
        session_id,
    );
    HEADER_LEN.saturating_add(claims).saturating_add(TAG_LEN)
}

/// The worst-case overhead of a new session with these options under this config.
fn overhead_of_options(config: &Config, options: &SessionOptions) -> usize {
    worst_overhead(
        config,
        options.persistent,
        options.generation,
        config.schema_version,
        config.session_ids,
    )
}

/// The longest token (characters) a `payload_len`-byte payload can give with these options.
pub(crate) fn sealed_len(config: &Config, payload_len: usize, options: &SessionOptions) -> usize {
    let raw = overhead_of_options(config, options).saturating_add(payload_len);
    encoding::encoded_len(raw).unwrap_or(usize::MAX)
}

/// The largest payload that fits `token_len` characters with these options at any time of day;
/// `None` when not even an empty one does.
pub(crate) fn payload_room(
    config: &Config,
    token_len: usize,
    options: &SessionOptions,
) -> Option<usize> {
    encoding::decoded_capacity(token_len).checked_sub(overhead_of_options(config, options))
}

/// The longest token (characters) these claims with a `payload_len`-byte payload can give at
/// any instant: what `seal` holds against the config's maximum.
pub(crate) fn worst_token_len(config: &Config, claims: &Claims, payload_len: usize) -> usize {
    let raw = worst_overhead(
        config,
        claims.persistent,
        claims.generation,
        claims.schema_version,
        claims.session_id.is_some(),
    )
    .saturating_add(payload_len);
    encoding::encoded_len(raw).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_and_length_agree_at_the_boundary() {
        for (max, persistent) in [(4096, false), (4082, true), (200, false)] {
            let config = Config::builder().max_token_len(max).build().unwrap();
            let opts = SessionOptions::default().persistent(persistent);
            let room = payload_room(&config, max, &opts).unwrap();
            assert!(sealed_len(&config, room, &opts) <= max);
            assert!(sealed_len(&config, room + 1, &opts) > max);
        }
        let config = Config::default();
        assert_eq!(payload_room(&config, 58, &SessionOptions::default()), None);
        assert_eq!(
            payload_room(&config, 80, &SessionOptions::default()),
            Some(13)
        );
    }

    #[test]
    fn the_default_overhead_is_64_characters_at_most() {
        let config = Config::default();
        let persistent = SessionOptions::default().persistent(true);
        assert_eq!(sealed_len(&config, 0, &persistent), 64);
        assert_eq!(sealed_len(&config, 0, &SessionOptions::default()), 63);
        let claims = Claims {
            persistent: false,
            sealed_at: 1_800_000_000,
            session_start: 1_800_000_000,
            generation: 0,
            schema_version: 0,
            session_id: None,
        };
        assert_eq!(worst_token_len(&config, &claims, 0), 63);
    }
}
