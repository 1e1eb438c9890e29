//! The encrypted claims: what a token asserts about time and identity, their compact encoding, and
//! the constant-time validation of all of them after authentication.
//!
//! ```text
//! plaintext = flags (1 byte)
//!          || varint(sealed_at - epoch_start)     seconds into the header's epoch, < period
//!          || varint(sealed_at - session_start)   session age at sealing
//!          || varint(generation)                  only if flags has FLAG_GENERATION (then > 0)
//!          || varint(schema_version)              only if flags has FLAG_SCHEMA (then > 0)
//!          || session id (16 bytes)               only if flags has FLAG_SESSION_ID
//!          || postcard payload (the rest)
//! ```

use std::num::NonZeroU64;

use subtle::{Choice, ConditionallySelectable as _, ConstantTimeEq as _, ConstantTimeGreater as _};

use crate::config::Config;
use crate::epoch;
use crate::error::OpenError;
use crate::varint;

/// The session uses the persistent lifetimes (and a cookie with Max-Age).
pub(crate) const FLAG_PERSISTENT: u8 = 0b0000_0001;
/// A 16-byte session id follows the varints.
pub(crate) const FLAG_SESSION_ID: u8 = 0b0000_0010;
/// Flags this version knows; any other bit set means a token we cannot read.
const KNOWN_FLAGS: u8 = FLAG_PERSISTENT | FLAG_SESSION_ID | FLAG_GENERATION | FLAG_SCHEMA;
/// A non-zero generation follows the age (zero is the default and costs nothing).
pub(crate) const FLAG_GENERATION: u8 = 0b0000_0100;
/// A non-zero schema version follows (zero is the default and costs nothing).
pub(crate) const FLAG_SCHEMA: u8 = 0b0000_1000;
/// Bytes in a session id.
pub(crate) const SESSION_ID_LEN: usize = 16;

/// The claims of one token, in absolute unix seconds. The lifecycle rules that build them keep
/// `session_start <= sealed_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Claims {
    pub(crate) persistent: bool,
    pub(crate) sealed_at: u64,
    pub(crate) session_start: u64,
    pub(crate) generation: u64,
    pub(crate) schema_version: u32,
    pub(crate) session_id: Option<[u8; SESSION_ID_LEN]>,
}

impl Claims {
    fn flags(&self) -> u8 {
        let mut flags = 0;
        if self.persistent {
            flags |= FLAG_PERSISTENT;
        }
        if self.session_id.is_some() {
            flags |= FLAG_SESSION_ID;
        }
        if self.generation != 0 {
            flags |= FLAG_GENERATION;
        }
        if self.schema_version != 0 {
            flags |= FLAG_SCHEMA;
        }
        flags
    }

    /// Appends the encoded claims for a token sealed in the epoch of `sealed_at`.
    pub(crate) fn encode(&self, period: NonZeroU64, out: &mut Vec<u8>) {
        let offset = epoch::offset_in_epoch(self.sealed_at, period);
        // Never saturates: the lifecycle rules keep the start at or before the seal.
        let age = self.sealed_at.saturating_sub(self.session_start);
        out.push(self.flags());
        varint::put(out, offset);
        varint::put(out, age);
        if self.generation != 0 {
            varint::put(out, self.generation);
        }
        if self.schema_version != 0 {
            varint::put(out, u64::from(self.schema_version));
        }
        if let Some(id) = &self.session_id {
            out.extend_from_slice(id);
        }
    }

    /// The exact encoded length for these claims sealed at `offset` seconds into the epoch.
    #[cfg(test)]
    pub(crate) fn encoded_len(&self, offset: u64) -> usize {
        let age = self.sealed_at.saturating_sub(self.session_start);
        encoded_len_of(
            offset,
            age,
            self.generation,
            self.schema_version,
            self.session_id.is_some(),
        )
    }

    /// Decodes the claims at the front of an authenticated plaintext; returns them, the offset of
    /// the seal into its epoch (checked later, in constant time, against the period), and the
    /// payload bytes.
    pub(crate) fn decode(plain: &[u8], epoch_start: u64) -> Result<(Self, u64, &[u8]), OpenError> {
        let (&flags, rest) = plain.split_first().ok_or(OpenError::Malformed)?;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(OpenError::Malformed);
        }
        let (offset, rest) = varint::take(rest).ok_or(OpenError::Malformed)?;
        let (age, rest) = varint::take(rest).ok_or(OpenError::Malformed)?;
        let (generation, rest) = optional_varint(rest, flags & FLAG_GENERATION != 0)?;
        let (schema, rest) = optional_varint(rest, flags & FLAG_SCHEMA != 0)?;
        let schema_version = u32::try_from(schema).map_err(|_| OpenError::Malformed)?;
        let (session_id, rest) = if flags & FLAG_SESSION_ID != 0 {
            let (id, rest) = rest
                .split_first_chunk::<SESSION_ID_LEN>()
                .ok_or(OpenError::Malformed)?;
            (Some(*id), rest)
        } else {
            (None, rest)
        };
        let sealed_at = epoch_start
            .checked_add(offset)
            .ok_or(OpenError::Malformed)?;
        let session_start = sealed_at.checked_sub(age).ok_or(OpenError::Malformed)?;
        let claims = Self {
            persistent: flags & FLAG_PERSISTENT != 0,
            sealed_at,
            session_start,
            generation,
            schema_version,
            session_id,
        };
        Ok((claims, offset, rest))
    }
}

/// A varint present only when its flag is set; canonical form: a present value is never zero.
fn optional_varint(input: &[u8], present: bool) -> Result<(u64, &[u8]), OpenError> {
    if !present {
        return Ok((0, input));
    }
    match varint::take(input) {
        Some((value, rest)) if value != 0 => Ok((value, rest)),
        _ => Err(OpenError::Malformed),
    }
}

/// The encoded length of claims with these values.
pub(crate) fn encoded_len_of(
    offset: u64,
    age: u64,
    generation: u64,
    schema: u32,
    sid: bool,
) -> usize {
    let sid_len = if sid { SESSION_ID_LEN } else { 0 };
    1usize
        .saturating_add(varint::len(offset))
        .saturating_add(varint::len(age))
        .saturating_add(optional_len(generation))
        .saturating_add(optional_len(u64::from(schema)))
        .saturating_add(sid_len)
}

/// Bytes an optional varint takes: none for zero.
fn optional_len(value: u64) -> usize {
    if value == 0 { 0 } else { varint::len(value) }
}

/// Everything the post-authentication checks compare the claims against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) now: u64,
    pub(crate) leeway: u64,
    pub(crate) period: NonZeroU64,
    pub(crate) absolute_lifetime: u64,
    pub(crate) idle_lifetime: u64,
    pub(crate) generation_floor: u64,
    pub(crate) not_before: u64,
    pub(crate) schema_version: u32,
}

impl Policy {
    /// The checks of an open at `now` under `config` for a token of this profile; `schema` is the schema version to require. The one place a policy is built (open, and the fuzz hooks).
    pub(crate) fn new(config: &Config, now: u64, persistent: bool, schema: u32) -> Self {
        let lifetimes = config.lifetimes(persistent);
        Self {
            now,
            leeway: config.leeway,
            period: config.rotation_period,
            absolute_lifetime: lifetimes.absolute_secs(),
            idle_lifetime: lifetimes.idle_secs(),
            generation_floor: config.generation_floor,
            not_before: config.not_before,
            schema_version: schema,
        }
    }
}

/// The deadlines a token's claims yield under a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadlines {
    pub(crate) absolute: u64,
    pub(crate) idle: u64,
}

impl Deadlines {
    pub(crate) fn of(claims: &Claims, absolute_lifetime: u64, idle_lifetime: u64) -> Self {
        // Saturation only matters for times near u64::MAX, which no clock reaches; it errs
        // towards "not expired yet", and the future check still refuses such a token.
        let absolute = claims.session_start.saturating_add(absolute_lifetime);
        let idle = claims.sealed_at.saturating_add(idle_lifetime).min(absolute);
        Self { absolute, idle }
    }
}

/// Runs every post-authentication check, combines them with `subtle`, and branches once.
///
/// Every comparison is computed whatever the outcome of the others, and the error code is picked
/// with constant-time selects (first failing check in spec order wins), so the time taken does not
/// depend on which check failed. Only the final `match` on the code branches.
pub(crate) fn validate(
    claims: &Claims,
    offset: u64,
    policy: &Policy,
) -> Result<Deadlines, OpenError> {
    let d = Deadlines::of(claims, policy.absolute_lifetime, policy.idle_lifetime);
    let now = policy.now;
    let now_plus_leeway = now.saturating_add(policy.leeway);

    // Each entry is `failed`, not `ok`: `a > b` is the failure of `a <= b`, so no check needs a
    // negation (each `!` on a `Choice` is one more optimisation barrier). The two checks that
    // fail as `Revoked` are one entry.
    let period_last = policy.period.get().saturating_sub(1);
    let failures: [(Choice, u8); 6] = [
        // 1. the seal inside its epoch (`offset < period`, that is `offset <= period - 1`); the
        //    epoch itself is in the window: only such an epoch is recovered from the header
        //    (`Window::recover`, before the AEAD), and the caller passes that one
        (offset.ct_gt(&period_last), 1),
        // 2. absolute expiry
        (now.ct_gt(&d.absolute.saturating_add(policy.leeway)), 2),
        // 3. idle expiry
        (now.ct_gt(&d.idle.saturating_add(policy.leeway)), 3),
        // 4. not from the future
        (claims.sealed_at.ct_gt(&now_plus_leeway), 4),
        // 5. generation floor, and the global not-before cutoff (on the session start)
        (
            policy.generation_floor.ct_gt(&claims.generation)
                | policy.not_before.ct_gt(&claims.session_start),
            5,
        ),
        // 6. application schema version
        (claims.schema_version.ct_ne(&policy.schema_version), 6),
    ];
    let mut code = 0u8;
    for (failed, failure) in failures.iter().rev() {
        code.conditional_assign(failure, *failed);
    }
    match code {
        0 => Ok(d),
        1 => Err(OpenError::RetiredEpoch),
        2 => Err(OpenError::Expired),
        3 => Err(OpenError::IdleTimeout),
        4 => Err(OpenError::FromTheFuture),
        5 => Err(OpenError::Revoked),
        _ => Err(OpenError::SchemaMismatch {
            found: claims.schema_version,
            expected: policy.schema_version,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;
    const T0: u64 = 1_800_000_000;
    const PERIOD: NonZeroU64 = NonZeroU64::new(DAY).unwrap();

    fn claims() -> Claims {
        Claims {
            persistent: false,
            sealed_at: T0,
            session_start: T0 - 100,
            generation: 3,
            schema_version: 1,
            session_id: None,
        }
    }

    fn policy(now: u64) -> Policy {
        Policy {
            now,
            leeway: 60,
            period: PERIOD,
            absolute_lifetime: 12 * 3600,
            idle_lifetime: 2 * 3600,
            generation_floor: 0,
            not_before: 0,
            schema_version: 1,
        }
    }

    fn check(c: &Claims, p: &Policy) -> Result<Deadlines, OpenError> {
        validate(c, c.sealed_at % p.period, p)
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut c = claims();
        c.session_id = Some([7; SESSION_ID_LEN]);
        c.persistent = true;
        c.generation = u64::MAX;
        c.schema_version = u32::MAX;
        let epoch_start = T0 / DAY * DAY;
        let mut buf = Vec::new();
        c.encode(PERIOD, &mut buf);
        assert_eq!(buf.len(), c.encoded_len(T0 - epoch_start));
        buf.extend_from_slice(b"payload");
        let (back, offset, rest) = Claims::decode(&buf, epoch_start).unwrap();
        assert_eq!(back, c);
        assert_eq!(offset, T0 - epoch_start);
        assert_eq!(rest, b"payload");
    }

    #[test]
    fn decode_refuses_unknown_flags_and_truncation() {
        let bad = |plain: &[u8]| Claims::decode(plain, 0).err();
        assert_eq!(
            bad(&[0x80, 0, 0]),
            Some(OpenError::Malformed),
            "unknown flag"
        );
        assert_eq!(bad(&[0, 0]), Some(OpenError::Malformed), "truncated");
        assert_eq!(
            bad(&[FLAG_SESSION_ID, 0, 0, 1]),
            Some(OpenError::Malformed),
            "short id"
        );
        assert_eq!(
            bad(&[0, 0, 1]),
            Some(OpenError::Malformed),
            "start before 0"
        );
        assert_eq!(
            bad(&[FLAG_GENERATION, 0, 0, 0]),
            Some(OpenError::Malformed),
            "zero present"
        );
        assert_eq!(
            bad(&[FLAG_SCHEMA, 0, 0]),
            Some(OpenError::Malformed),
            "missing schema"
        );
        assert!(Claims::decode(&[0, 0, 0], 0).is_ok(), "the shortest claims");
    }

    #[test]
    fn each_check_reports_its_own_failure() {
        let c = claims();
        assert!(check(&c, &policy(T0)).is_ok());
        // absolute: start + 12h (+ leeway) is the last good second
        let abs = c.session_start + 12 * 3600;
        let mut renewed = c;
        renewed.sealed_at = abs - 10;
        assert!(check(&renewed, &policy(abs + 60)).is_ok());
        assert_eq!(check(&renewed, &policy(abs + 61)), Err(OpenError::Expired));
        // idle: sealed + 2h (+ leeway)
        assert!(check(&c, &policy(T0 + 7200 + 60)).is_ok());
        assert_eq!(
            check(&c, &policy(T0 + 7200 + 61)),
            Err(OpenError::IdleTimeout)
        );
        // future: sealed within leeway ahead is fine, one second more is not
        assert!(check(&c, &policy(T0 - 60)).is_ok());
        assert_eq!(check(&c, &policy(T0 - 61)), Err(OpenError::FromTheFuture));
        let mut p = policy(T0);
        p.generation_floor = 4;
        assert_eq!(check(&c, &p), Err(OpenError::Revoked));
        let mut p = policy(T0);
        p.not_before = c.session_start + 1;
        assert_eq!(check(&c, &p), Err(OpenError::Revoked));
        let mut p = policy(T0);
        p.schema_version = 2;
        assert_eq!(
            check(&c, &p),
            Err(OpenError::SchemaMismatch {
                found: 1,
                expected: 2
            })
        );
        let p = policy(T0);
        assert_eq!(
            validate(&c, DAY, &p),
            Err(OpenError::RetiredEpoch),
            "offset = period"
        );
    }

    #[test]
    fn first_failure_in_spec_order_wins() {
        let c = claims();
        let mut p = policy(T0 + 30 * DAY);
        p.schema_version = 9;
        p.generation_floor = 99;
        assert_eq!(check(&c, &p), Err(OpenError::Expired));
    }

    #[test]
    fn idle_deadline_never_passes_absolute() {
        let mut c = claims();
        c.sealed_at = c.session_start + 12 * 3600 - 5;
        let d = Deadlines::of(&c, 12 * 3600, 2 * 3600);
        assert_eq!(d.idle, d.absolute);
    }
}
