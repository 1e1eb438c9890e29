//! What a refused token claims, for the operator who asks why a user was logged out (feature
//! `forensics`, which `cli` turns on; the `sealed-session inspect` command is its user).
//!
//! [`Sealer::open`] gives nothing but an error for a token it refuses, and must not: an
//! application that read the claims of an expired, idle, revoked or retired token could act on
//! them. An operator's question is the other way round: *which* deadline passed, when the
//! session started, which generation it had. [`claims_of_refused_token`] answers it: it
//! authenticates the token with the sealer's keys exactly as `open` does, then returns the
//! authenticated claims and deadlines together with the verdict `open` would give, instead of
//! stopping at the first failed check. A token that does not authenticate yields its error and
//! nothing else. It never returns the payload and never consults the revocation hook or the
//! observer: it is not an open, and nothing it returns is a session.

use crate::cookie_layer::{LoadError, ReadCookies};
use crate::error::OpenError;
use crate::sealer::Sealer;
use crate::session::{self, SessionMeta};
use crate::token;

/// The authenticated claims of a token and the verdict of `open` on it, from
/// [`claims_of_refused_token`]. Not a session: `verdict` may be an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefusedTokenClaims {
    /// The claims and the deadlines under the sealer's config, as an open at the sealer's clock
    /// would report them (authenticated: the token opened under its key).
    pub meta: SessionMeta,
    /// What [`Sealer::open`] answers for this token (before the application's revocation hook
    /// and the payload): `Ok(())`, or the first failed check (`RetiredEpoch`, `Expired`,
    /// `IdleTimeout`, `FromTheFuture`, `Revoked`, `SchemaMismatch`).
    pub verdict: Result<(), OpenError>,
}

/// Authenticates `token` with `sealer`'s keys and config at its clock and returns what it claims
/// even when [`Sealer::open`] refuses it after authentication (expired, idle, retired epoch,
/// from the future, below the generation floor or the not-before cut-off, another schema).
/// For operators' diagnostics only: never treat the result as a session. A token in an epoch
/// outside the accepted window is tried under the nearest epochs with its 16 epoch bits.
///
/// # Errors
/// What `open` reports before the claims can be read: [`OpenError::TooLong`],
/// [`OpenError::Malformed`], [`OpenError::UnsupportedVersion`], [`OpenError::UnknownKeyId`],
/// [`OpenError::Authentication`] (also for a token in a retired epoch that opens under neither
/// nearest epoch).
///
/// # Example
/// ```
/// use sealed_session::forensics::claims_of_refused_token;
/// use sealed_session::*;
/// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default())
///     .with_clock(clock.clone());
/// let token = sealer.seal(&1u8, &SessionOptions::default())?;
/// clock.advance(time::Duration::days(40));
/// assert_eq!(sealer.open::<u8>(&token).unwrap_err(), OpenError::RetiredEpoch);
/// let seen = claims_of_refused_token(&sealer, &token)?;
/// assert_eq!(seen.verdict, Err(OpenError::RetiredEpoch));
/// assert_eq!(seen.meta.session_start().unix_timestamp(), 1_800_000_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn claims_of_refused_token(
    sealer: &Sealer,
    token: &str,
) -> Result<RefusedTokenClaims, OpenError> {
    let now = sealer.now().unwrap_or(0);
    let state = sealer.state_at(now);
    let config = &state.config;
    let found = token::authenticate_unjudged(&state.keys, config, token.as_bytes(), now)?;
    let lifetimes = config.lifetimes(found.claims.persistent);
    let deadlines = crate::claims::Deadlines::of(
        &found.claims,
        lifetimes.absolute_secs(),
        lifetimes.idle_secs(),
    );
    let meta = session::meta_of(
        config,
        state.keys.primary().id,
        &found.claims,
        deadlines,
        found.key_id,
        found.epoch,
        now,
    );
    Ok(RefusedTokenClaims {
        meta,
        verdict: found.verdict,
    })
}

/// The token a request's cookies carry, its chunks put together, exactly as
/// [`SessionCookie::open`](crate::SessionCookie::open) gets it: for a tool that inspects a
/// `Cookie` header rather than opening it.
///
/// # Errors
/// The [`LoadError`] of cookies that do not form one token (a partial, mixed or inconsistent
/// chunk set, a duplicate, a value that is not base64url or too long).
///
/// # Example
/// ```
/// use sealed_session::CookieSettings;
/// use sealed_session::forensics::assembled_token;
/// let read = CookieSettings::default().read([b"theme=dark; __Host-session=QUJD".as_slice()]);
/// assert_eq!(assembled_token(&read), Ok(Some("QUJD")));
/// ```
pub fn assembled_token(read: &ReadCookies) -> Result<Option<&str>, LoadError> {
    read.token()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::config::Config;
    use crate::keyring::Keyring;
    use crate::keys::MasterKey;
    use crate::session::SessionOptions;

    const T0: i64 = 1_800_000_000;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;

    fn sealer(config: Config) -> (Sealer, ManualClock) {
        let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(T0).unwrap());
        let keys = Keyring::new(1, MasterKey::generate().unwrap());
        (Sealer::new(keys, config).with_clock(clock.clone()), clock)
    }

    #[test]
    fn every_post_authentication_refusal_shows_the_claims_with_open_s_verdict() {
        let (s, clock) = sealer(Config::default());
        let token = s.seal(&7u8, &SessionOptions::default()).unwrap();
        let seen = claims_of_refused_token(&s, &token).unwrap();
        assert_eq!(seen.verdict, Ok(()));
        assert_eq!(seen.meta.sealed_at().unix_timestamp(), T0);
        let at = |secs: i64| time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
        for (secs, verdict) in [
            (T0 + 3 * HOUR, OpenError::IdleTimeout),
            (T0 + 40 * DAY, OpenError::RetiredEpoch),
            // Its epoch bits belong to a later epoch than any the window holds.
            (T0 - 40 * DAY, OpenError::RetiredEpoch),
            (T0 - 120, OpenError::FromTheFuture),
        ] {
            clock.set(at(secs));
            assert_eq!(s.open::<u8>(&token).unwrap_err(), verdict);
            let seen = claims_of_refused_token(&s, &token).unwrap();
            assert_eq!(seen.verdict, Err(verdict));
            assert_eq!(seen.meta.session_start().unix_timestamp(), T0);
            assert_eq!(seen.meta.key_id(), 1);
            assert_eq!(seen.meta.epoch(), u64::try_from(T0 / DAY).unwrap());
        }
        // The generation floor refuses it as revoked.
        clock.set(at(T0));
        s.replace_config(Config::builder().generation_floor(1).build().unwrap());
        let seen = claims_of_refused_token(&s, &token).unwrap();
        assert_eq!(seen.verdict, Err(OpenError::Revoked));
        assert_eq!(seen.meta.generation(), 0);
    }

    #[test]
    fn a_token_that_does_not_authenticate_shows_nothing() {
        let (s, _) = sealer(Config::default());
        let (other, clock) = sealer(Config::default());
        let token = other.seal(&7u8, &SessionOptions::default()).unwrap();
        assert_eq!(
            claims_of_refused_token(&s, &token).unwrap_err(),
            OpenError::Authentication
        );
        // Outside the window too: neither nearest epoch opens it under the wrong key.
        clock.advance(time::Duration::days(40));
        let late = Sealer::new(
            Keyring::new(1, MasterKey::generate().unwrap()),
            Config::default(),
        )
        .with_clock(clock);
        assert_eq!(
            claims_of_refused_token(&late, &token).unwrap_err(),
            OpenError::Authentication
        );
        assert_eq!(
            claims_of_refused_token(&s, "garbage").unwrap_err(),
            OpenError::Malformed
        );
    }
}
