//! The session lifecycle: a new session (login), a renewal and a reissue, the rules that turn
//! each into claims, and the [`Sealer`] methods that seal them.

use serde::Serialize;

use crate::claims::{Claims, SESSION_ID_LEN};
use crate::config::Config;
use crate::error::SealError;
use crate::format::RANDOM_LEN;
use crate::observe::Event;
use crate::sealer::Sealer;
use crate::session::{self, SessionMeta, SessionOptions};
use crate::size;
use crate::token;

/// How the claims of a new token relate to an earlier one.
#[derive(Clone, Copy)]
pub(crate) enum Lineage<'a> {
    /// A new session (login).
    New(&'a SessionOptions),
    /// The same session, resealed: keeps start, id, generation and profile.
    Renew(&'a SessionMeta),
    /// A fresh session carrying the old one's profile and generation (privilege change).
    Reissue(&'a SessionMeta),
}

impl Lineage<'_> {
    /// The observer event of a seal with this lineage: `token_len` and `chunks` count only when it
    /// succeeded.
    pub(crate) fn event(
        self,
        result: Result<(), SealError>,
        token_len: usize,
        chunks: usize,
    ) -> Event {
        let (token_len, chunks) = if result.is_ok() {
            (token_len, chunks)
        } else {
            (0, 0)
        };
        match self {
            Lineage::New(_) => Event::Seal {
                result,
                token_len,
                chunks,
            },
            Lineage::Renew(_) => Event::Renew {
                result,
                token_len,
                chunks,
            },
            Lineage::Reissue(_) => Event::Reissue {
                result,
                token_len,
                chunks,
            },
        }
    }
}

impl Lineage<'_> {
    /// Whether this seal mints a session id (when the config enables them): renewal keeps the
    /// session's own.
    pub(crate) fn mints_id(&self, config: &Config) -> bool {
        config.session_ids && !matches!(self, Self::Renew(_))
    }
}

/// Fresh randomness for one seal: the nonce's random part, and a session id when one is minted.
#[derive(Clone, Copy)]
pub(crate) struct Fresh {
    pub(crate) random: [u8; RANDOM_LEN],
    pub(crate) session_id: Option<[u8; SESSION_ID_LEN]>,
}

impl Fresh {
    /// Draws from the operating system (`getrandom`; SECURITY.md, "Nonce source", says why not a
    /// faster generator in user space): 20 bytes for the nonce, and 16 more only when a session id
    /// is minted (a login or reissue), so a renewal asks for no more than it needs.
    pub(crate) fn draw(with_session_id: bool) -> Result<Self, SealError> {
        let mut random = [0u8; RANDOM_LEN];
        getrandom::fill(&mut random).map_err(|_| SealError::Rng)?;
        let session_id = if with_session_id {
            let mut id = [0u8; SESSION_ID_LEN];
            getrandom::fill(&mut id).map_err(|_| SealError::Rng)?;
            Some(id)
        } else {
            None
        };
        Ok(Self { random, session_id })
    }
}

/// The claims of a token sealed at `now` with this lineage. A renewal keeps the start, id,
/// generation and profile and is refused past the absolute deadline (it never extends it).
pub(crate) fn claims_for(
    lineage: Lineage<'_>,
    now: u64,
    config: &Config,
    minted_id: Option<[u8; SESSION_ID_LEN]>,
) -> Result<Claims, SealError> {
    let fresh = |persistent, generation| Claims {
        persistent,
        sealed_at: now,
        session_start: now,
        generation,
        schema_version: config.schema_version,
        session_id: minted_id,
    };
    Ok(match lineage {
        Lineage::New(o) => fresh(o.persistent, o.generation),
        Lineage::Reissue(m) => fresh(m.persistent, m.generation),
        Lineage::Renew(m) => {
            let start = m.session_start_secs;
            let lifetime = config.lifetimes(m.persistent).absolute_secs();
            if now > start.saturating_add(lifetime) {
                return Err(SealError::Expired);
            }
            Claims {
                persistent: m.persistent,
                // A server whose clock is behind the one that started the session seals at the
                // start, not before it.
                sealed_at: now.max(start),
                session_start: start,
                generation: m.generation,
                schema_version: config.schema_version,
                session_id: m.session_id.map(|id| id.0),
            }
        }
    })
}

impl Sealer {
    /// The longest token (in characters) a payload of `payload_len` postcard bytes can give with
    /// these options under this config, over every time of day: exact for the largest seal
    /// offset and session age the config allows, so every such token is at most this long and
    /// some reach it. [`Sealer::seal`] refuses exactly when this exceeds the config's
    /// `max_token_len`.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let opts = SessionOptions::default();
    /// let token = sealer.seal(&vec![7u8; 60], &opts)?; // 61 bytes of postcard
    /// assert!(token.len() <= sealer.sealed_len(61, &opts));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sealed_len(&self, payload_len: usize, options: &SessionOptions) -> usize {
        self.with_config(|config| size::sealed_len(config, payload_len, options))
    }

    /// The largest postcard payload [`Sealer::seal`] accepts with these options, at any time of
    /// day: the config's `max_token_len` less the worst-case overhead. `None` when not even an
    /// empty payload fits.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let opts = SessionOptions::default();
    /// let n = sealer.max_payload_len(&opts).expect("the default config has room");
    /// assert!(sealer.sealed_len(n, &opts) <= 4096);
    /// assert!(sealer.sealed_len(n + 1, &opts) > 4096);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_payload_len(&self, options: &SessionOptions) -> Option<usize> {
        self.with_config(|config| size::payload_room(config, config.max_token_len, options))
    }

    /// Seals `value` as a new session (login), now: new session start and, where enabled, a new
    /// session id; `options` picks the profile ("remember me") and the generation. The size limit
    /// never depends on the time of day: a session is refused if its token could exceed the
    /// maximum at any instant ([`Sealer::max_payload_len`]), even when this second's would fit.
    ///
    /// # Errors
    /// [`SealError::TooLong`] over that limit, [`SealError::Serialize`] if postcard cannot
    /// serialize the value, [`SealError::Rng`] if the OS generator fails, [`SealError::Clock`] if
    /// the clock reads before 1970.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let remember = sealer.seal(&"hello", &SessionOptions::default().persistent(true))?;
    /// assert!(sealer.open::<String>(&remember)?.meta.is_persistent());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seal<T: Serialize + ?Sized>(
        &self,
        value: &T,
        options: &SessionOptions,
    ) -> Result<String, SealError> {
        self.seal_string(value, Lineage::New(options))
    }

    /// Re-seals an opened session now: same session start, absolute deadline, id, generation and
    /// profile; new seal time (so a new idle deadline), current primary key and epoch. `value`
    /// may be the same session or a changed one.
    ///
    /// # Errors
    /// [`SealError::Expired`] if the session is past its absolute deadline (renewal never
    /// extends it), and the errors of [`Sealer::seal`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let opened = sealer.open::<u32>(&sealer.seal(&1u32, &SessionOptions::default())?)?;
    /// let renewed = sealer.renew(&(opened.session + 1), &opened.meta)?;
    /// let again = sealer.open::<u32>(&renewed)?;
    /// assert_eq!(again.session, 2);
    /// assert_eq!(again.meta.session_start(), opened.meta.session_start());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renew<T: Serialize + ?Sized>(
        &self,
        value: &T,
        meta: &SessionMeta,
    ) -> Result<String, SealError> {
        self.seal_string(value, Lineage::Renew(meta))
    }

    /// Starts a fresh session for the same user after login or a privilege change: new session
    /// start, new session id (where enabled), same profile and generation. This is the session
    /// fixation defence: a token planted before the change does not become privileged.
    ///
    /// # Errors
    /// As [`Sealer::seal`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::builder().session_ids(true).build()?);
    /// let anon = sealer.open::<String>(&sealer.seal("guest", &SessionOptions::default())?)?;
    /// let admin = sealer.open::<String>(&sealer.reissue("admin", &anon.meta)?)?;
    /// assert_ne!(admin.meta.session_id(), anon.meta.session_id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reissue<T: Serialize + ?Sized>(
        &self,
        value: &T,
        meta: &SessionMeta,
    ) -> Result<String, SealError> {
        self.seal_string(value, Lineage::Reissue(meta))
    }

    /// Seals now for a cookie: the token goes into one buffer after `prefix` (the cookie's
    /// `name=`), with room for `room(meta, now)` more bytes (its attributes), so the header value
    /// needs no second buffer. Also returns the new token's metadata, as `open` would report it
    /// at that instant, and that instant in unix seconds (the cookie layer needs the deadlines
    /// for Max-Age; this spares it a decryption of the token it just made).
    pub(crate) fn seal_with_meta<T: Serialize + ?Sized>(
        &self,
        value: &T,
        lineage: Lineage<'_>,
        prefix: &[&str],
        room: impl FnOnce(&SessionMeta, u64) -> usize,
    ) -> Result<(String, SessionMeta, u64), SealError> {
        let mut out = String::new();
        let (meta, now) = self.seal_lineage(
            value,
            lineage,
            &mut out,
            prefix,
            |config, id, claims, now| {
                let meta = session::sealed_meta(config, id, claims, now);
                let room_after = room(&meta, now);
                ((meta, now), room_after)
            },
        )?;
        Ok((out, meta, now))
    }

    /// A seal of the core API, told to the observer (the cookie layer tells its own writes, with
    /// the cookies it rendered).
    fn seal_string<T: Serialize + ?Sized>(
        &self,
        value: &T,
        lineage: Lineage<'_>,
    ) -> Result<String, SealError> {
        let mut out = String::new();
        // No metadata: a plain seal has no use for it.
        let result = self.seal_lineage(value, lineage, &mut out, &[], |_, _, _, _| ((), 0));
        let len = out.len();
        self.observer().notify(|| lineage.event(result, len, 0));
        result.map(|()| out)
    }

    /// Every seal: read the clock once, draw randomness, apply the lifecycle rule, run the
    /// pipeline. Returns what `then` makes of the config, the primary key id, the new token's
    /// claims and the time (the metadata, for callers that want it), which also says how much
    /// room to leave after the token in `out` (after `prefix`).
    fn seal_lineage<T: Serialize + ?Sized, M>(
        &self,
        value: &T,
        lineage: Lineage<'_>,
        out: &mut String,
        prefix: &[&str],
        then: impl FnOnce(&Config, u8, &Claims, u64) -> (M, usize),
    ) -> Result<M, SealError> {
        let now = self.now().ok_or(SealError::Clock)?;
        let state = self.state_at(now);
        let config = &state.config;
        let fresh = Fresh::draw(lineage.mints_id(config))?;
        let claims = claims_for(lineage, now, config, fresh.session_id)?;
        let (made, room_after) = then(config, state.keys.primary().id, &claims, now);
        let output = token::Output {
            out,
            prefix,
            room_after,
        };
        token::seal(&state.keys, config, &claims, value, fresh.random, output)?;
        Ok(made)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randomness_is_drawn_for_a_session_id_only_when_one_is_minted() {
        let plain = Fresh::draw(false).unwrap();
        assert!(plain.session_id.is_none());
        let with_id = Fresh::draw(true).unwrap();
        let id = with_id.session_id.unwrap();
        assert_ne!(id, [0; SESSION_ID_LEN]);
        assert_ne!(with_id.random, plain.random);
        assert_ne!(id[..], with_id.random[..SESSION_ID_LEN]);
    }

    #[test]
    fn renewal_keeps_the_start_and_refuses_past_the_absolute_deadline() {
        let config = Config::default();
        let start = 1_800_000_000;
        let first = claims_for(
            Lineage::New(&SessionOptions::default()),
            start,
            &config,
            None,
        )
        .unwrap();
        let meta = session::sealed_meta(&config, 1, &first, start);
        let later = claims_for(Lineage::Renew(&meta), start + 3600, &config, None).unwrap();
        assert_eq!(later.session_start, start);
        assert_eq!(later.sealed_at, start + 3600);
        // A clock behind the session's start seals at the start.
        let behind = claims_for(Lineage::Renew(&meta), start - 5, &config, None).unwrap();
        assert_eq!(behind.sealed_at, start);
        assert_eq!(
            claims_for(Lineage::Renew(&meta), start + 12 * 3600 + 1, &config, None),
            Err(SealError::Expired)
        );
    }
}
