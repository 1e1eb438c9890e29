//! The clear-text part of a token, read without a key: for operators' tools and logs only.
//!
//! Nothing here is authenticated. Anyone can write a token with any version, key id or epoch
//! bits; only [`Sealer::open`](crate::Sealer::open) says whether a token is ours. The type name
//! says so at every use, as pasetors' `UntrustedToken` does.

use zeroize::Zeroizing;

use crate::clock::{self, Clock};
use crate::config::{Config, MAX_TOKEN_CEILING};
use crate::encoding;
use crate::error::OpenError;
use crate::format::{self, HEADER_LEN, TAG_LEN};

/// What a token's clear-text header says, parsed without a key and **not verified**: a forged
/// token parses as well as a real one. Use it to inspect or log a token (an operator's question
/// "which key sealed this, in which epoch?"), never to decide anything about a session: that is
/// [`Sealer::open`](crate::Sealer::open)'s job.
///
/// # Example
/// ```
/// use sealed_session::{Config, Keyring, ManualClock, MasterKey, Sealer, SessionOptions, UnverifiedToken};
/// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
/// let sealer = Sealer::new(Keyring::new(3, MasterKey::generate()?), Config::default())
///     .with_clock(clock.clone());
/// let token = sealer.seal(&"alice", &SessionOptions::default())?;
///
/// let header = UnverifiedToken::parse(&token)?;
/// assert_eq!((header.version(), header.key_id()), (1, 3));
/// // The epoch `open` would use at this time, from the 16 bits the header carries.
/// assert_eq!(header.epoch(&Config::default(), &clock), Some(1_800_000_000 / 86_400));
/// assert_eq!(
///     UnverifiedToken::HEADER_LEN + header.ciphertext_len() + UnverifiedToken::TAG_LEN,
///     token.len() * 3 / 4,
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnverifiedToken {
    version: u8,
    key_id: u8,
    epoch_low: u16,
    ciphertext_len: usize,
}

impl UnverifiedToken {
    /// Bytes of clear-text header (version, key id, epoch bits, random nonce bytes) before the
    /// ciphertext.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::UnverifiedToken::HEADER_LEN, 24);
    /// ```
    pub const HEADER_LEN: usize = HEADER_LEN;

    /// Bytes of authentication tag after the ciphertext.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::UnverifiedToken::TAG_LEN, 16);
    /// ```
    pub const TAG_LEN: usize = TAG_LEN;

    /// Reads a token's header: strict unpadded base64url, a format version this release reads,
    /// long enough for a header, the shortest claims and a tag. Nothing is decrypted or checked
    /// beyond that.
    ///
    /// # Errors
    /// [`OpenError::TooLong`] over 1 MiB (no config allows more), [`OpenError::Malformed`],
    /// [`OpenError::UnsupportedVersion`]: the refusals [`Sealer::open`](crate::Sealer::open)
    /// makes before it looks for a key.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{OpenError, UnverifiedToken};
    /// assert_eq!(UnverifiedToken::parse("garbage"), Err(OpenError::Malformed));
    /// // 58 base64url characters = 43 bytes, version byte 2.
    /// let v2 = format!("Ag{}", "A".repeat(56));
    /// assert_eq!(UnverifiedToken::parse(&v2), Err(OpenError::UnsupportedVersion { version: 2 }));
    /// ```
    pub fn parse(token: &str) -> Result<Self, OpenError> {
        if token.len() > MAX_TOKEN_CEILING {
            return Err(OpenError::TooLong {
                len: token.len(),
                max: MAX_TOKEN_CEILING,
            });
        }
        // The decoded bytes are the token itself, a bearer credential: wiped on drop.
        let mut raw = Zeroizing::new(Vec::new());
        if !encoding::decode_token_into(token.as_bytes(), &mut raw) {
            return Err(OpenError::Malformed);
        }
        let parts = format::split(&mut raw)?;
        Ok(Self {
            version: parts.header.version,
            key_id: parts.header.key_id,
            epoch_low: parts.header.epoch_low,
            ciphertext_len: parts.body.len(),
        })
    }

    /// The format version byte.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// assert_eq!(UnverifiedToken::parse(&token)?.version(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The id of the master key the token claims to be sealed under.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(7, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// assert_eq!(UnverifiedToken::parse(&token)?.key_id(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn key_id(&self) -> u8 {
        self.key_id
    }

    /// The low 16 bits of the rotation epoch, as the header carries them.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(clock);
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// assert_eq!(UnverifiedToken::parse(&token)?.epoch_low_bits(), (1_800_000_000u64 / 86_400) as u16);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn epoch_low_bits(&self) -> u16 {
        self.epoch_low
    }

    /// The full rotation epoch [`Sealer::open`](crate::Sealer::open) would decrypt this token
    /// under, with `config`, at the time `clock` reads: the one epoch with these low bits inside
    /// the window a live token can come from. `None` where open refuses the token as
    /// [`OpenError::RetiredEpoch`]. The epoch covers seal times from `epoch × rotation period`
    /// for one rotation period.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default())
    ///     .with_clock(clock.clone());
    /// let header = UnverifiedToken::parse(&sealer.seal(&1u8, &SessionOptions::default())?)?;
    /// assert_eq!(header.epoch(&Config::default(), &clock), Some(20_833));
    /// clock.advance(time::Duration::days(40)); // far past every lifetime
    /// assert_eq!(header.epoch(&Config::default(), &clock), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn epoch(&self, config: &Config, clock: &dyn Clock) -> Option<u64> {
        let now = clock::unsigned(clock.unix_seconds()).unwrap_or(0);
        config.window_at(now).recover(self.epoch_low)
    }

    /// Bytes of ciphertext between header and tag: the encrypted claims and payload.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let token = sealer.seal(&1u8, &SessionOptions::default())?;
    /// assert!(UnverifiedToken::parse(&token)?.ciphertext_len() > 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn ciphertext_len(&self) -> usize {
        self.ciphertext_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::format::{MIN_RAW_LEN, VERSION};
    use crate::keyring::Keyring;
    use crate::keys::MasterKey;
    use crate::sealer::Sealer;
    use crate::session::SessionOptions;

    const T0: i64 = 1_800_000_000;

    fn at(secs: i64) -> ManualClock {
        ManualClock::at(time::OffsetDateTime::from_unix_timestamp(secs).unwrap())
    }

    #[test]
    fn reads_what_seal_wrote() {
        let clock = at(T0);
        let sealer = Sealer::new(
            Keyring::new(200, MasterKey::generate().unwrap()),
            Config::default(),
        )
        .with_clock(clock.clone());
        let token = sealer
            .seal(&vec![0u8; 100], &SessionOptions::default())
            .unwrap();
        let header = UnverifiedToken::parse(&token).unwrap();
        assert_eq!(header.version(), VERSION);
        assert_eq!(header.key_id(), 200);
        let epoch = u64::try_from(T0).unwrap() / 86_400;
        assert_eq!(u64::from(header.epoch_low_bits()), epoch & 0xffff);
        assert_eq!(header.epoch(&Config::default(), &clock), Some(epoch));
        let raw_len = token.len() * 3 / 4;
        assert_eq!(HEADER_LEN + header.ciphertext_len() + TAG_LEN, raw_len);
    }

    /// The epoch agrees with open's verdict on both sides of the window's far edge.
    #[test]
    fn epoch_follows_open_s_window() {
        let clock = at(T0);
        let sealer = Sealer::new(
            Keyring::new(1, MasterKey::generate().unwrap()),
            Config::default(),
        )
        .with_clock(clock.clone());
        let token = sealer
            .seal(&1u8, &SessionOptions::default().persistent(true))
            .unwrap();
        let header = UnverifiedToken::parse(&token).unwrap();
        let config = Config::default();
        // Open's window reaches back the longest idle lifetime plus leeway (7 days + 60 s).
        for days in [0, 6, 7, 8, 9, 60] {
            clock.set(time::OffsetDateTime::from_unix_timestamp(T0 + days * 86_400).unwrap());
            let epoch = header.epoch(&config, &clock);
            let open = sealer.open::<u8>(&token);
            assert_eq!(
                epoch.is_none(),
                open == Err(OpenError::RetiredEpoch),
                "{days} days later: epoch {epoch:?}, open {open:?}"
            );
        }
    }

    #[test]
    fn refuses_what_open_refuses_before_the_key() {
        assert_eq!(UnverifiedToken::parse(""), Err(OpenError::Malformed));
        assert_eq!(UnverifiedToken::parse("AAE="), Err(OpenError::Malformed));
        let short = encoding_of(&[VERSION; MIN_RAW_LEN - 1]);
        assert_eq!(UnverifiedToken::parse(&short), Err(OpenError::Malformed));
        let shortest = encoding_of(&[VERSION; MIN_RAW_LEN]);
        assert_eq!(
            UnverifiedToken::parse(&shortest).unwrap().ciphertext_len(),
            3
        );
        let v9 = encoding_of(&[9; 60]);
        assert_eq!(
            UnverifiedToken::parse(&v9),
            Err(OpenError::UnsupportedVersion { version: 9 })
        );
        let huge = "A".repeat(MAX_TOKEN_CEILING + 1);
        assert!(matches!(
            UnverifiedToken::parse(&huge),
            Err(OpenError::TooLong { .. })
        ));
    }

    fn encoding_of(bytes: &[u8]) -> String {
        let mut out = String::new();
        encoding::encode_token_into(bytes, &mut out);
        out
    }
}
