//! Policy: lifetimes, leeway, rotation period, purpose, size limit and revocation cut-offs, with
//! safe defaults. A [`Config`] is checked once when built and immutable afterwards.

use std::num::NonZeroU64;
use std::time::Duration;

use time::OffsetDateTime;

use crate::encoding;
use crate::epoch::{self, MAX_WINDOW_EPOCHS};
use crate::error::ConfigError;
use crate::format::{MAX_PURPOSE_LEN, MIN_RAW_LEN};
use crate::open_cache;

/// The two lifetimes that bound one kind of session.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use sealed_session::Lifetimes;
/// let short = Lifetimes::new(Duration::from_secs(8 * 3600), Duration::from_secs(30 * 60));
/// assert_eq!(short.idle(), Duration::from_secs(1800));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    absolute: u64,
    idle: u64,
}

impl Lifetimes {
    /// `absolute`: how long after login the session ends, however active. `idle`: how long
    /// after the last seal (renewal) it ends. Sub-second parts are ignored.
    ///
    /// # Example
    /// ```
    /// # use std::time::Duration;
    /// let l = sealed_session::Lifetimes::new(Duration::from_secs(86_400), Duration::from_secs(3_600));
    /// assert_eq!(l.absolute(), Duration::from_secs(86_400));
    /// ```
    #[must_use]
    pub const fn new(absolute: Duration, idle: Duration) -> Self {
        Self {
            absolute: absolute.as_secs(),
            idle: idle.as_secs(),
        }
    }

    /// The absolute lifetime.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::Config::default().browser_session().absolute().as_secs() > 0);
    /// ```
    #[must_use]
    pub const fn absolute(&self) -> Duration {
        Duration::from_secs(self.absolute)
    }

    /// The idle lifetime.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::Config::default().persistent().idle().as_secs() > 0);
    /// ```
    #[must_use]
    pub const fn idle(&self) -> Duration {
        Duration::from_secs(self.idle)
    }

    pub(crate) const fn absolute_secs(&self) -> u64 {
        self.absolute
    }

    pub(crate) const fn idle_secs(&self) -> u64 {
        self.idle
    }

    fn valid(&self) -> bool {
        self.absolute > 0 && self.idle > 0 && self.idle <= self.absolute
    }
}

/// Seal and open policy. Build one with [`Config::builder`], or take [`Config::default`].
///
/// Defaults: purpose `"session"`; browser-session lifetimes 12 h absolute, 2 h idle; persistent
/// ("remember me") lifetimes 30 days absolute, 7 days idle; leeway 60 s; keys rotate daily;
/// tokens at most 4096 bytes; renewal due after half the idle window; no generation floor,
/// no not-before cutoff, schema version 0, no session ids, no open cache.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use sealed_session::{Config, Lifetimes};
/// let config = Config::builder()
///     .purpose("__Host-session")
///     .browser_session(Lifetimes::new(Duration::from_secs(8 * 3600), Duration::from_secs(1800)))
///     .session_ids(true)
///     .build()?;
/// assert_eq!(config.purpose(), "__Host-session");
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub(crate) purpose: String,
    pub(crate) browser: Lifetimes,
    pub(crate) persistent: Lifetimes,
    pub(crate) leeway: u64,
    pub(crate) rotation_period: NonZeroU64,
    pub(crate) max_token_len: usize,
    pub(crate) renew_after_percent: u8,
    pub(crate) generation_floor: u64,
    pub(crate) not_before: u64,
    pub(crate) schema_version: u32,
    pub(crate) session_ids: bool,
    pub(crate) open_cache: usize,
}

/// The default purpose (an input of every epoch key's derivation) when none is set.
pub const DEFAULT_PURPOSE: &str = "session";

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;
/// The default rotation period (a constant, so the fallback is never taken).
const DAILY: NonZeroU64 = match NonZeroU64::new(DAY) {
    Some(day) => day,
    None => NonZeroU64::MIN,
};
/// No token may be longer than this, whatever the config says.
pub(crate) const MAX_TOKEN_CEILING: usize = 1 << 20;

impl Default for Config {
    fn default() -> Self {
        Self {
            purpose: DEFAULT_PURPOSE.to_owned(),
            browser: Lifetimes {
                absolute: 12 * HOUR,
                idle: 2 * HOUR,
            },
            persistent: Lifetimes {
                absolute: 30 * DAY,
                idle: 7 * DAY,
            },
            leeway: 60,
            rotation_period: DAILY,
            max_token_len: 4096,
            renew_after_percent: 50,
            generation_floor: 0,
            not_before: 0,
            schema_version: 0,
            session_ids: false,
            open_cache: 0,
        }
    }
}

impl Config {
    /// A builder starting from the defaults.
    ///
    /// # Example
    /// ```
    /// let config = sealed_session::Config::builder().schema_version(2).build()?;
    /// assert_eq!(config.schema_version(), 2);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn builder() -> ConfigBuilder {
        Self::default().to_builder()
    }

    /// A builder starting from this config, to change a field (for example raise the
    /// generation floor) and hand the result to [`Sealer::replace_config`](crate::Sealer::replace_config).
    ///
    /// # Example
    /// ```
    /// let config = sealed_session::Config::default().to_builder().generation_floor(4).build()?;
    /// assert_eq!(config.generation_floor(), 4);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn to_builder(&self) -> ConfigBuilder {
        ConfigBuilder {
            config: self.clone(),
            rotation_period: self.rotation_period.get(),
        }
    }

    /// The purpose every token is bound to (through its key's derivation; never sent).
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().purpose(), "session");
    /// ```
    #[must_use]
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// Lifetimes of browser-session (non-persistent) sessions.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().browser_session().idle().as_secs(), 7200);
    /// ```
    #[must_use]
    pub fn browser_session(&self) -> Lifetimes {
        self.browser
    }

    /// Lifetimes of persistent ("remember me") sessions.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().persistent().absolute().as_secs(), 30 * 86_400);
    /// ```
    #[must_use]
    pub fn persistent(&self) -> Lifetimes {
        self.persistent
    }

    /// The tolerance for clock differences between servers.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().leeway().as_secs(), 60);
    /// ```
    #[must_use]
    pub fn leeway(&self) -> Duration {
        Duration::from_secs(self.leeway)
    }

    /// How long one derived epoch key seals before the next takes over.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().rotation_period().as_secs(), 86_400);
    /// ```
    #[must_use]
    pub fn rotation_period(&self) -> Duration {
        Duration::from_secs(self.rotation_period.get())
    }

    /// The longest token sealed or opened, in bytes of its text (a valid token is ASCII, so for
    /// it bytes and characters agree; other input counts its UTF-8 bytes).
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().max_token_len(), 4096);
    /// ```
    #[must_use]
    pub fn max_token_len(&self) -> usize {
        self.max_token_len
    }

    /// Tokens with a lower generation are revoked.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().generation_floor(), 0);
    /// ```
    #[must_use]
    pub fn generation_floor(&self) -> u64 {
        self.generation_floor
    }

    /// The application schema version sealed into tokens and required when opening.
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().schema_version(), 0);
    /// ```
    #[must_use]
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Whether new sessions get a random 16-byte session id.
    ///
    /// # Example
    /// ```
    /// assert!(!sealed_session::Config::default().session_ids());
    /// ```
    #[must_use]
    pub fn session_ids(&self) -> bool {
        self.session_ids
    }

    /// How many recently sealed or opened tokens are kept decrypted so opening one again skips
    /// the AEAD (0: none). See [`ConfigBuilder::open_cache`].
    ///
    /// # Example
    /// ```
    /// assert_eq!(sealed_session::Config::default().open_cache(), 0);
    /// ```
    #[must_use]
    pub fn open_cache(&self) -> usize {
        self.open_cache
    }

    pub(crate) fn lifetimes(&self, persistent: bool) -> Lifetimes {
        if persistent {
            self.persistent
        } else {
            self.browser
        }
    }

    /// The longest time after its seal that any token can still be valid: the accepted window.
    pub(crate) fn max_token_age(&self) -> u64 {
        self.browser
            .idle
            .max(self.persistent.idle)
            .saturating_add(self.leeway)
    }

    /// The epochs a token opened at `now` may come from.
    pub(crate) fn window_at(&self, now: u64) -> epoch::Window {
        epoch::Window::at(now, self.max_token_age(), self.leeway, self.rotation_period)
    }

    /// Epochs a live token can come from, counted generously.
    pub(crate) fn window_epochs(&self) -> u64 {
        epoch::window_len(self.max_token_age(), self.rotation_period)
    }
}

/// Builds a [`Config`]; [`ConfigBuilder::build`] checks it.
///
/// # Example
/// ```
/// use std::time::Duration;
/// let config = sealed_session::Config::builder().leeway(Duration::from_secs(5)).build()?;
/// assert_eq!(config.leeway().as_secs(), 5);
/// # Ok::<(), sealed_session::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ConfigBuilder {
    config: Config,
    /// Seconds, checked to be non-zero by [`ConfigBuilder::build`].
    rotation_period: u64,
}

impl ConfigBuilder {
    /// The context every token is bound to (an input of the epoch key's derivation, never sent).
    /// Use the cookie name, so a token minted for one cookie never opens as another. 1 to 255
    /// bytes.
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().purpose("__Host-session").build()?;
    /// assert_eq!(c.purpose(), "__Host-session");
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.config.purpose = purpose.into();
        self
    }

    /// Lifetimes of browser-session (non-persistent) sessions.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let l = sealed_session::Lifetimes::new(Duration::from_secs(8 * 3600), Duration::from_secs(900));
    /// let c = sealed_session::Config::builder().browser_session(l).build()?;
    /// assert_eq!(c.browser_session(), l);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn browser_session(mut self, lifetimes: Lifetimes) -> Self {
        self.config.browser = lifetimes;
        self
    }

    /// Lifetimes of persistent sessions.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let l = sealed_session::Lifetimes::new(Duration::from_secs(14 * 86_400), Duration::from_secs(86_400));
    /// let c = sealed_session::Config::builder().persistent(l).build()?;
    /// assert_eq!(c.persistent(), l);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn persistent(mut self, lifetimes: Lifetimes) -> Self {
        self.config.persistent = lifetimes;
        self
    }

    /// Clock tolerance, applied to both deadlines and to tokens from the future.
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().leeway(std::time::Duration::from_secs(5)).build()?;
    /// assert_eq!(c.leeway().as_secs(), 5);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.config.leeway = leeway.as_secs();
        self
    }

    /// How long one derived key seals. Changing it invalidates every live token (it is bound into
    /// the key derivation), so pick it once.
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().rotation_period(std::time::Duration::from_secs(3600)).build()?;
    /// assert_eq!(c.rotation_period().as_secs(), 3600);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn rotation_period(mut self, period: Duration) -> Self {
        self.rotation_period = period.as_secs();
        self
    }

    /// The longest token, in bytes of its text, that seal produces and open reads (a valid token
    /// is ASCII: bytes and characters agree).
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().max_token_len(3000).build()?;
    /// assert_eq!(c.max_token_len(), 3000);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn max_token_len(mut self, len: usize) -> Self {
        self.config.max_token_len = len;
        self
    }

    /// After this percentage of the idle window, opened sessions report that renewal is due.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::Config::builder().renew_after_percent(101).build().is_err());
    /// let _c = sealed_session::Config::builder().renew_after_percent(75).build()?;
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn renew_after_percent(mut self, percent: u8) -> Self {
        self.config.renew_after_percent = percent;
        self
    }

    /// Tokens whose generation is lower are revoked (raise it to log out everyone below).
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().generation_floor(3).build()?;
    /// assert_eq!(c.generation_floor(), 3);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn generation_floor(mut self, floor: u64) -> Self {
        self.config.generation_floor = floor;
        self
    }

    /// Sessions that started before this instant are revoked (a global logout).
    /// The cutoff is kept in whole seconds, rounded down (a cutoff before 1970 is 1970): a session
    /// that started earlier in the same second is not revoked, so after a leak set it at least
    /// one second after the last session to end.
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().not_before(time::OffsetDateTime::now_utc()).build()?;
    /// # let _ = c;
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn not_before(mut self, cutoff: OffsetDateTime) -> Self {
        self.config.not_before = u64::try_from(cutoff.unix_timestamp()).unwrap_or(0);
        self
    }

    /// The application's session schema version; tokens of other versions open as
    /// [`OpenError::SchemaMismatch`](crate::OpenError::SchemaMismatch).
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().schema_version(4).build()?;
    /// assert_eq!(c.schema_version(), 4);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn schema_version(mut self, version: u32) -> Self {
        self.config.schema_version = version;
        self
    }

    /// Give each new session a random 16-byte id (costs 16 bytes, about 22 characters), for apps
    /// that revoke or audit single sessions.
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::Config::builder().session_ids(true).build()?;
    /// assert!(c.session_ids());
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn session_ids(mut self, enabled: bool) -> Self {
        self.config.session_ids = enabled;
        self
    }

    /// Keeps up to `slots` recently sealed or opened tokens (of up to 512 characters) with
    /// their decrypted claims and payload, so that opening one of them again skips the AEAD: the
    /// next request of the same browser, on the same process. Every other check of an open still
    /// runs on a hit (window, claims, revocation, schema, decoding), and a hit needs the whole
    /// token to match in constant time. Off (0) by default, because it keeps that many sessions'
    /// plaintext in this process's memory between requests (wiped when replaced, and when the
    /// keyring or config is replaced); memory is about 0.9 KiB per slot, the slots up
    /// to 65 536. Size it to a few times the sessions one process serves at once.
    /// SECURITY.md ("The open cache") weighs it.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// let sealer = Sealer::new(
    ///     Keyring::new(1, MasterKey::generate()?),
    ///     Config::builder().open_cache(4096).build()?,
    /// );
    /// let token = sealer.seal(&7u8, &SessionOptions::default())?;
    /// assert_eq!(sealer.open::<u8>(&token)?.session, 7); // no AEAD: this sealer sealed it
    /// assert_eq!(Config::builder().open_cache(1 << 17).build().unwrap_err(), ConfigError::OpenCache);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_cache(mut self, slots: usize) -> Self {
        self.config.open_cache = slots;
        self
    }

    /// Checks and returns the config.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first rule broken.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use sealed_session::{Config, ConfigError};
    /// let err = Config::builder().purpose("").build().unwrap_err();
    /// assert_eq!(err, ConfigError::Purpose);
    /// ```
    pub fn build(self) -> Result<Config, ConfigError> {
        let mut c = self.config;
        if c.purpose.is_empty() || c.purpose.len() > MAX_PURPOSE_LEN {
            return Err(ConfigError::Purpose);
        }
        c.rotation_period = NonZeroU64::new(self.rotation_period).ok_or(ConfigError::Lifetime)?;
        if !c.browser.valid() || !c.persistent.valid() {
            return Err(ConfigError::Lifetime);
        }
        if c.leeway > c.browser.idle.min(c.persistent.idle) {
            return Err(ConfigError::Leeway);
        }
        if c.window_epochs() >= MAX_WINDOW_EPOCHS {
            return Err(ConfigError::RotationPeriod);
        }
        let smallest = encoding::encoded_len(MIN_RAW_LEN).unwrap_or(usize::MAX);
        if c.max_token_len < smallest || c.max_token_len > MAX_TOKEN_CEILING {
            return Err(ConfigError::MaxTokenLen);
        }
        if c.renew_after_percent > 100 {
            return Err(ConfigError::RenewAfter);
        }
        if c.open_cache > open_cache::MAX_SLOTS {
            return Err(ConfigError::OpenCache);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let built = Config::default().to_builder().build().unwrap();
        assert_eq!(built, Config::default());
        assert!(Config::default().window_epochs() < 16);
    }

    #[test]
    fn refusals() {
        let b = Config::builder;
        let s = Duration::from_secs;
        assert_eq!(
            b().purpose("x".repeat(256)).build(),
            Err(ConfigError::Purpose)
        );
        assert_eq!(
            b().browser_session(Lifetimes::new(s(10), s(20))).build(),
            Err(ConfigError::Lifetime)
        );
        assert_eq!(
            b().persistent(Lifetimes::new(s(0), s(0))).build(),
            Err(ConfigError::Lifetime)
        );
        assert_eq!(
            b().rotation_period(s(0)).build(),
            Err(ConfigError::Lifetime)
        );
        assert_eq!(
            b().rotation_period(s(1)).build(),
            Err(ConfigError::RotationPeriod)
        );
        assert_eq!(b().leeway(s(3 * 3600)).build(), Err(ConfigError::Leeway));
        assert_eq!(b().max_token_len(10).build(), Err(ConfigError::MaxTokenLen));
        assert_eq!(
            b().max_token_len(2 << 20).build(),
            Err(ConfigError::MaxTokenLen)
        );
        assert_eq!(
            b().renew_after_percent(101).build(),
            Err(ConfigError::RenewAfter)
        );
        assert_eq!(
            b().open_cache(open_cache::MAX_SLOTS + 1).build(),
            Err(ConfigError::OpenCache)
        );
        assert!(b().open_cache(open_cache::MAX_SLOTS).build().is_ok());
    }
}
