//! Error types. Small hand-written enums; `Display` is lower-case, has no trailing period and never
//! echoes token bytes, key material or session contents.

use core::fmt;

/// The shortest and longest master keys accepted, in bytes (`MasterKey::MIN_LEN` and `MAX_LEN`).
pub(crate) const MIN_KEY_LEN: usize = 32;
pub(crate) const MAX_KEY_LEN: usize = 1024;

/// How to make a good master key; appended to every key error that is about the key's value.
pub(crate) const KEYGEN_HINT: &str = "generate one with `sealed-session keygen` \
     (`cargo install sealed-session --features cli`) or `head -c 32 /dev/urandom | base64`";

/// Why a master key or a keyring could not be built.
///
/// Where the key came from an environment variable (or its `_FILE` twin), `var` names it, so the
/// message tells the operator which setting to fix. The key itself is never printed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Neither `VAR` nor `VAR_FILE` is set.
    Missing {
        /// The variable that was looked for.
        var: String,
    },
    /// `VAR_FILE` names a file that could not be read.
    Unreadable {
        /// The variable that named the file.
        var: String,
        /// What the operating system said, without the file's contents.
        reason: String,
    },
    /// The value is not valid UTF-8, or is neither hex, base64 nor base64url.
    Encoding {
        /// The variable the value came from, if any.
        var: Option<String>,
    },
    /// Fewer than [`MasterKey::MIN_LEN`](crate::MasterKey::MIN_LEN) bytes (or more than
    /// [`MasterKey::MAX_LEN`](crate::MasterKey::MAX_LEN)).
    BadLength {
        /// The variable the value came from, if any.
        var: Option<String>,
        /// The decoded length in bytes.
        len: usize,
    },
    /// All zero, one byte repeated, or too few distinct byte values to be random.
    Weak {
        /// The variable the value came from, if any.
        var: Option<String>,
    },
    /// One of the example keys printed in this crate's documentation.
    Published {
        /// The variable the value came from, if any.
        var: Option<String>,
    },
    /// The operating system's random number generator failed.
    Rng,
    /// Two keys in one keyring share an id.
    DuplicateId {
        /// The id given twice.
        id: u8,
    },
    /// A keyring list entry is not of the form `ID:KEY` with `ID` in 0..=255.
    BadListEntry {
        /// The variable the list came from, if any.
        var: Option<String>,
        /// The 1-based position of the entry in the list.
        position: usize,
    },
}

fn from_var(f: &mut fmt::Formatter<'_>, var: Option<&String>) -> fmt::Result {
    match var {
        Some(v) => write!(f, " (from {v})"),
        None => Ok(()),
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { var } => {
                write!(f, "no master key: set {var} or {var}_FILE; {KEYGEN_HINT}")
            }
            Self::Unreadable { var, reason } => {
                write!(f, "cannot read the key file named by {var}_FILE: {reason}")
            }
            Self::Encoding { var } => {
                f.write_str("master key is not hex, base64 or base64url")?;
                from_var(f, var.as_ref())?;
                write!(f, "; {KEYGEN_HINT}")
            }
            Self::BadLength { var, len } => {
                write!(
                    f,
                    "master key is {len} bytes, need {} to {}",
                    MIN_KEY_LEN, MAX_KEY_LEN
                )?;
                from_var(f, var.as_ref())?;
                write!(f, "; {KEYGEN_HINT}")
            }
            Self::Weak { var } => {
                f.write_str("master key is not random (zero, repeated or patterned bytes)")?;
                from_var(f, var.as_ref())?;
                write!(f, "; {KEYGEN_HINT}")
            }
            Self::Published { var } => {
                f.write_str("master key is an example key from the documentation")?;
                from_var(f, var.as_ref())?;
                write!(f, "; {KEYGEN_HINT}")
            }
            Self::Rng => f.write_str("the operating system random number generator failed"),
            Self::DuplicateId { id } => write!(f, "key id {id} is used twice in one keyring"),
            Self::BadListEntry { var, position } => {
                write!(f, "keyring entry {position} is not of the form ID:KEY")?;
                from_var(f, var.as_ref())
            }
        }
    }
}

impl std::error::Error for KeyError {}

/// Why a [`Config`](crate::Config) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The purpose string is empty or longer than 255 bytes.
    Purpose,
    /// A lifetime or the rotation period is zero, or an idle lifetime exceeds its absolute one.
    Lifetime,
    /// The rotation period is so short, relative to the idle lifetime and leeway, that the window of
    /// accepted epochs could not be told apart by the 16 epoch bits in the header.
    RotationPeriod,
    /// The leeway exceeds the shortest idle lifetime.
    Leeway,
    /// The maximum token length is too small to hold a token or larger than 1 MiB.
    MaxTokenLen,
    /// The renewal threshold is over 100 percent.
    RenewAfter,
    /// The open cache asks for more than 65 536 slots.
    OpenCache,
    /// The cookie name is empty, longer than 255 bytes, or holds a byte that is not an RFC 6265
    /// token character (controls, spaces, separators such as `;`, `=`, `,`, quotes).
    CookieName,
    /// A `__Host-` cookie name with a `Domain` attribute: browsers drop such cookies silently.
    HostPrefixWithDomain,
    /// A `__Host-` cookie name with a `Path` other than `/`: browsers drop such cookies silently.
    HostPrefixWithPath,
    /// A `__Host-` or `__Secure-` cookie name without `Secure` (the development mode drops
    /// `Secure`: give the cookie a name without the prefix there, or keep the default name).
    PrefixWithoutSecure {
        /// The prefix found (`"__Host-"` or `"__Secure-"`).
        prefix: &'static str,
    },
    /// `SameSite=None` without `Secure`: browsers drop such cookies silently.
    SameSiteNoneWithoutSecure,
    /// The cookie path does not start with `/` or holds a control character or `;`.
    CookiePath,
    /// The cookie domain is not a host name with a dot (letters, digits, `-` and `.`; `com` or
    /// `localhost` would hand the cookie to every host under it, or be refused by browsers).
    CookieDomain,
    /// A cookie attribute value longer than browsers accept (they ignore it, changing the
    /// cookie's scope).
    CookieAttributeTooLong {
        /// `"Path"` or `"Domain"`.
        attribute: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit, [`MAX_ATTRIBUTE_VALUE_LEN`](crate::MAX_ATTRIBUTE_VALUE_LEN).
        limit: usize,
    },
    /// The maximum cookie chunk count is 0 or above [`MAX_CHUNKS`](crate::MAX_CHUNKS).
    ChunkCount {
        /// The count asked for.
        asked: u8,
    },
    /// The insecure plain-http development mode in a release build, without the application
    /// allowing it there by name.
    InsecureDevModeInRelease,
    /// The sealer given to a [`SessionCookie`](crate::SessionCookie) has another purpose than the
    /// cookie name, so its tokens would not be bound to the cookie.
    CookiePurpose,
    /// The sealer given to a [`SessionCookie`](crate::SessionCookie) allows tokens longer than the
    /// cookies can carry.
    CookieTokenLen {
        /// The sealer's maximum token length.
        max: usize,
        /// What the cookie settings can carry.
        room: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Purpose => f.write_str("purpose must be 1 to 255 bytes"),
            Self::Lifetime => f.write_str(
                "lifetimes and rotation period must be whole non-zero seconds, idle at most absolute",
            ),
            Self::RotationPeriod => f.write_str(
                "rotation period too short for the idle lifetime (over 32767 epochs)",
            ),
            Self::Leeway => f.write_str("leeway must not exceed the shortest idle lifetime"),
            Self::MaxTokenLen => f.write_str(
                "maximum token length must be between the empty token's length and 1 MiB",
            ),
            Self::RenewAfter => f.write_str("renewal threshold must be 0 to 100 percent"),
            Self::OpenCache => f.write_str("open cache must have at most 65536 slots"),
            Self::CookieName => f.write_str(
                "the cookie name must be 1 to 255 token characters (no spaces, controls or separators)",
            ),
            Self::HostPrefixWithDomain => {
                f.write_str("a __Host- cookie must not have a Domain attribute")
            }
            Self::HostPrefixWithPath => f.write_str("a __Host- cookie must have Path=/"),
            Self::PrefixWithoutSecure { prefix } => write!(
                f,
                "a {prefix} cookie needs Secure, which the development mode drops; \
                 name the cookie without the prefix there"
            ),
            Self::SameSiteNoneWithoutSecure => f.write_str("SameSite=None requires Secure"),
            Self::CookiePath => {
                f.write_str("the cookie path must start with / and hold no controls or ;")
            }
            Self::CookieDomain => f.write_str(
                "the cookie domain must be a host name with a dot, of letters, digits, - and .",
            ),
            Self::CookieAttributeTooLong {
                attribute,
                len,
                limit,
            } => write!(
                f,
                "the {attribute} attribute is {len} bytes, over the browser limit of {limit}"
            ),
            Self::ChunkCount { asked } => write!(
                f,
                "the maximum chunk count must be 1 to {}, not {asked}",
                crate::MAX_CHUNKS
            ),
            Self::InsecureDevModeInRelease => f.write_str(
                "the insecure plain-http cookie mode is refused in a release build unless \
                 allowed there by name",
            ),
            Self::CookiePurpose => f.write_str(
                "the sealer's purpose must be the cookie name (build its config with \
                 CookieSettings::config_builder)",
            ),
            Self::CookieTokenLen { max, room } => write!(
                f,
                "the sealer allows {max}-character tokens, over the {room} the cookies can carry"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Why [`Sealer::seal`](crate::Sealer::seal), [`renew`](crate::Sealer::renew) or
/// [`reissue`](crate::Sealer::reissue) produced no token.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// let err = sealer.seal(&vec![0u8; 4000], &SessionOptions::default()).unwrap_err();
/// assert!(matches!(err, SealError::TooLong { max: 4096, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The session value could not be serialized with postcard (its `Serialize` failed, or it
    /// has a sequence of unknown length).
    Serialize,
    /// The token could be longer than the configured maximum at some time of day.
    TooLong {
        /// The longest the token could be, in characters.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The sealer's clock reads before 1970.
    Clock,
    /// The session to renew is past its absolute deadline (renewal never extends it).
    Expired,
    /// The operating system's random number generator failed.
    Rng,
    /// A renewal or reissue was asked of a request that has no open session (the web adapters:
    /// they never turn such a write into a new session; start one with `seal`).
    NoSession,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Serialize => f.write_str("the session could not be serialized"),
            Self::TooLong { len, max } => {
                write!(
                    f,
                    "the token would be {len} characters, over the limit of {max}"
                )
            }
            Self::Clock => f.write_str("the clock reads before 1970"),
            Self::Expired => f.write_str("the session is past its absolute deadline"),
            Self::Rng => f.write_str("the operating system random number generator failed"),
            Self::NoSession => f.write_str("there is no open session to renew or reissue"),
        }
    }
}

impl std::error::Error for SealError {}

/// Why [`Sealer::open`](crate::Sealer::open) refused a token.
///
/// In a web app every variant means the same thing to the user: there is no session. Log the
/// variant server-side (it never contains token bytes or secrets) and never show it to the client;
/// [`OpenError::log_level`] says how loudly.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// let err = sealer.open::<u8>("not a token").unwrap_err();
/// assert_eq!(err, OpenError::Malformed);
/// assert_eq!(err.log_level(), LogLevel::Warn);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// Longer than the configured maximum; refused before any decoding.
    TooLong {
        /// The input length in bytes.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Not canonical unpadded base64url, or too short to hold a header and a tag.
    Malformed,
    /// The format version byte is not one this release reads.
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// No key with this id is in the keyring (retired, or never ours).
    UnknownKeyId {
        /// The key id found.
        id: u8,
    },
    /// The token's epoch is outside the window of epochs a live token can come from.
    RetiredEpoch,
    /// The AEAD tag did not verify: wrong key, wrong purpose, or tampered bytes.
    Authentication,
    /// Past the absolute deadline (plus leeway).
    Expired,
    /// Past the idle deadline (plus leeway): the session was not used for too long.
    IdleTimeout,
    /// Sealed later than now plus leeway.
    FromTheFuture,
    /// Below the generation floor, started before the not-before cutoff, or refused by the
    /// revocation hook.
    Revoked,
    /// Authentic, but written under another application schema version.
    SchemaMismatch {
        /// The schema version in the token.
        found: u32,
        /// The schema version this application reads.
        expected: u32,
    },
    /// Authentic and current, but the payload does not deserialize as the requested type.
    Payload,
}

impl OpenError {
    /// How loudly to log this refusal. Only bytes that were never a token are
    /// [`LogLevel::Warn`]; whatever an honest client can send is lower: an expired, idle, revoked
    /// or retired session ([`LogLevel::Debug`]), and what follows a deploy, a rotation, a change
    /// of config or clock, or the 2^16-period epoch alias ([`LogLevel::Info`]).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{LogLevel, OpenError};
    /// assert_eq!(OpenError::Expired.log_level(), LogLevel::Debug);
    /// assert_eq!(OpenError::UnknownKeyId { id: 1 }.log_level(), LogLevel::Debug); // retired key
    /// assert_eq!(OpenError::Authentication.log_level(), LogLevel::Info);
    /// assert_eq!(OpenError::Malformed.log_level(), LogLevel::Warn);
    /// ```
    #[must_use]
    pub fn log_level(&self) -> LogLevel {
        match self {
            // The ordinary end of a session, or a cookie from before a key or epoch retired.
            Self::Expired
            | Self::IdleTimeout
            | Self::Revoked
            | Self::RetiredEpoch
            | Self::UnknownKeyId { .. } => LogLevel::Debug,
            // Honest clients cause these too: a token from a newer or older release, one sealed
            // under a since-lowered limit, servers whose clocks disagree, a schema or type change
            // in a deploy, a key whose bytes changed under the same id, a cookie of another app
            // under the same name, the epoch alias 2^16 periods on. Also what tampering gives.
            Self::Authentication
            | Self::UnsupportedVersion { .. }
            | Self::TooLong { .. }
            | Self::FromTheFuture
            | Self::SchemaMismatch { .. }
            | Self::Payload => LogLevel::Info,
            // Not base64url, or shorter than a header and a tag: no sealer wrote these bytes.
            Self::Malformed => LogLevel::Warn,
        }
    }
}

/// How loudly to log a refusal ([`OpenError::log_level`]); ordered from quiet to loud. To the
/// user every refusal means "no session"; the level is for the operator.
///
/// # Example
/// ```
/// use sealed_session::{LogLevel, OpenError};
/// let level = OpenError::IdleTimeout.log_level();
/// assert!(level < LogLevel::Warn); // no alarm for an idle session
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LogLevel {
    /// Expected every day: the session ended or its key or epoch was retired.
    Debug,
    /// Worth counting, no alarm on its own: honest clients cause it after deploys, rotations,
    /// config or clock changes; tampering looks the same, so watch the rate.
    Info,
    /// No client of this deployment sends it: bytes that were never a token.
    Warn,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len, max } => {
                write!(f, "token is {len} bytes, over the limit of {max}")
            }
            Self::Malformed => f.write_str("token is malformed"),
            Self::UnsupportedVersion { version } => {
                write!(f, "token format version {version} is not supported")
            }
            Self::UnknownKeyId { id } => write!(f, "token key id {id} is not in the keyring"),
            Self::RetiredEpoch => f.write_str("token was sealed under a retired key epoch"),
            Self::Authentication => f.write_str("token failed authentication"),
            Self::Expired => f.write_str("session expired"),
            Self::IdleTimeout => f.write_str("session timed out while idle"),
            Self::FromTheFuture => f.write_str("token was sealed in the future"),
            Self::Revoked => f.write_str("session was revoked"),
            Self::SchemaMismatch { found, expected } => {
                write!(f, "session schema version {found}, expected {expected}")
            }
            Self::Payload => f.write_str("session payload does not match the expected type"),
        }
    }
}

impl std::error::Error for OpenError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bytes_that_were_never_a_token_warn() {
        let all = [
            OpenError::TooLong { len: 1, max: 0 },
            OpenError::Malformed,
            OpenError::UnsupportedVersion { version: 2 },
            OpenError::UnknownKeyId { id: 3 },
            OpenError::RetiredEpoch,
            OpenError::Authentication,
            OpenError::Expired,
            OpenError::IdleTimeout,
            OpenError::FromTheFuture,
            OpenError::Revoked,
            OpenError::SchemaMismatch {
                found: 1,
                expected: 2,
            },
            OpenError::Payload,
        ];
        let warn: Vec<_> = all
            .iter()
            .filter(|e| e.log_level() == LogLevel::Warn)
            .collect();
        assert_eq!(warn, [&OpenError::Malformed]);
        assert!(LogLevel::Debug < LogLevel::Info && LogLevel::Info < LogLevel::Warn);
    }

    #[test]
    fn messages_are_lower_case_without_trailing_period() {
        let msgs = [
            OpenError::Malformed.to_string(),
            OpenError::Expired.to_string(),
            SealError::TooLong {
                len: 5000,
                max: 4096,
            }
            .to_string(),
            ConfigError::Purpose.to_string(),
            KeyError::Weak { var: None }.to_string(),
        ];
        for m in msgs {
            assert!(m.chars().next().is_some_and(|c| c.is_lowercase()), "{m}");
            assert!(!m.ends_with('.'), "{m}");
        }
    }

    #[test]
    fn key_errors_name_the_variable_and_how_to_generate() {
        let e = KeyError::Weak {
            var: Some("APP_KEY".into()),
        }
        .to_string();
        assert!(e.contains("APP_KEY"));
        assert!(e.contains("/dev/urandom"));
        let e = KeyError::Missing {
            var: "APP_KEY".into(),
        }
        .to_string();
        assert!(e.contains("APP_KEY_FILE"));
    }
}
