//! The cookie layer's errors: settings refused when built, cookies refused before they are
//! emitted, and cookies found in a request that cannot be read. Lower-case messages without a
//! trailing period; none of them echoes a cookie value.

use core::fmt;

use crate::error::{OpenError, SealError};

/// Why [`CookieSettingsBuilder::build`](crate::CookieSettingsBuilder::build) refused the settings.
///
/// # Example
/// ```
/// use sealed_session::{CookieSettings, CookieSettingsError};
/// let err = CookieSettings::builder().domain("example.com").build().unwrap_err();
/// assert_eq!(err, CookieSettingsError::HostPrefixWithDomain);
/// assert_eq!(err.to_string(), "a __Host- cookie must not have a Domain attribute");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieSettingsError {
    /// The name is empty, longer than 255 bytes, or holds a byte that is not an RFC 6265 token
    /// character (controls, spaces, separators such as `;`, `=`, `,`, quotes).
    InvalidName,
    /// A `__Host-` name with a `Domain` attribute: browsers drop such cookies silently.
    HostPrefixWithDomain,
    /// A `__Host-` name with a `Path` other than `/`: browsers drop such cookies silently.
    HostPrefixWithPath,
    /// A `__Host-` or `__Secure-` name without `Secure` (the development mode drops `Secure`:
    /// give the cookie a name without the prefix there, or keep the default name).
    PrefixWithoutSecure {
        /// The prefix found, as written in the name.
        prefix: String,
    },
    /// `SameSite=None` without `Secure`: browsers drop such cookies silently.
    SameSiteNoneWithoutSecure,
    /// The path does not start with `/` or holds a control character or `;`.
    InvalidPath,
    /// The domain is empty or holds something other than letters, digits, `-` and `.`.
    InvalidDomain,
    /// An attribute value longer than browsers accept (they ignore it, changing the cookie's scope).
    AttributeTooLong {
        /// `"Path"` or `"Domain"`.
        attribute: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit, [`MAX_ATTRIBUTE_VALUE_LEN`](crate::MAX_ATTRIBUTE_VALUE_LEN).
        limit: usize,
    },
    /// The maximum chunk count is 0 or above [`MAX_CHUNKS`](crate::MAX_CHUNKS).
    ChunkCount {
        /// The count asked for.
        asked: u8,
    },
}

impl fmt::Display for CookieSettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName => f.write_str(
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
            Self::InvalidPath => {
                f.write_str("the cookie path must start with / and hold no controls or ;")
            }
            Self::InvalidDomain => f.write_str(
                "the cookie domain must be a host name of letters, digits, - and .",
            ),
            Self::AttributeTooLong {
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
        }
    }
}

impl std::error::Error for CookieSettingsError {}

/// Why a Set-Cookie was refused before anything was emitted.
///
/// # Example
/// ```
/// use sealed_session::CookieError;
/// let err = CookieError::TooLarge { name_len: 14, value_len: 4100, limit: 4096 };
/// assert_eq!(
///     err.to_string(),
///     "the cookie would hold 4114 bytes of name and value (14 + 4100), over the browser limit of 4096"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieError {
    /// Name and value together exceed what browsers keep; chunking is off. Browsers would drop
    /// this cookie silently, so it is never emitted.
    TooLarge {
        /// Length of the cookie name in bytes.
        name_len: usize,
        /// Length of the value (the token) in bytes.
        value_len: usize,
        /// The limit, [`MAX_NAME_VALUE_LEN`](crate::MAX_NAME_VALUE_LEN).
        limit: usize,
    },
    /// The token needs more chunks than the settings allow.
    TooManyChunks {
        /// Length of the token in bytes.
        token_len: usize,
        /// Chunks it would need.
        needed: usize,
        /// The configured maximum.
        max: u8,
    },
    /// An attribute value is longer than browsers accept.
    AttributeTooLong {
        /// The attribute's name.
        attribute: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit, [`MAX_ATTRIBUTE_VALUE_LEN`](crate::MAX_ATTRIBUTE_VALUE_LEN).
        limit: usize,
    },
    /// The token holds a byte that is not base64url: it did not come from a [`Sealer`](crate::Sealer).
    InvalidValue,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge {
                name_len,
                value_len,
                limit,
            } => write!(
                f,
                "the cookie would hold {} bytes of name and value ({name_len} + {value_len}), \
                 over the browser limit of {limit}",
                name_len.saturating_add(*value_len)
            ),
            Self::TooManyChunks {
                token_len,
                needed,
                max,
            } => write!(
                f,
                "the {token_len}-byte token needs {needed} cookie chunks, over the maximum of {max}"
            ),
            Self::AttributeTooLong {
                attribute,
                len,
                limit,
            } => write!(
                f,
                "the {attribute} attribute is {len} bytes, over the browser limit of {limit}"
            ),
            Self::InvalidValue => f.write_str("the cookie value is not a base64url token"),
        }
    }
}

impl std::error::Error for CookieError {}

/// Why the session cookie(s) found in a request could not be read as one token. Each means "no
/// session"; none is the client's fault in a way worth showing it.
///
/// # Example
/// ```
/// use sealed_session::{CookieSettings, ReadError};
/// let settings = CookieSettings::default();
/// let read = settings.read([b"__Host-session=a; __Host-session=b".as_slice()]);
/// assert_eq!(read.token, Err(ReadError::Duplicate));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// The cookie came twice with different values (a cookie for another Path or a parent
    /// Domain, possibly planted by a sibling host). Ambiguity is refused, never guessed.
    Duplicate,
    /// The cookie value holds a byte that is not base64url.
    Malformed,
    /// Both the single cookie and chunks of it came: one of them is stale.
    MixedForms,
    /// Chunks came, but not all of the set.
    Incomplete,
    /// Chunks came that do not belong to one set (different counts or set ids, chunks past the
    /// count, a set id that does not match the assembled token).
    Inconsistent,
    /// The chunk count is above the configured maximum.
    TooManyChunks,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Duplicate => "the session cookie came twice with different values",
            Self::Malformed => "the session cookie value is not base64url",
            Self::MixedForms => "both the session cookie and session cookie chunks came",
            Self::Incomplete => "some session cookie chunks are missing",
            Self::Inconsistent => "the session cookie chunks do not form one set",
            Self::TooManyChunks => "more session cookie chunks than configured",
        })
    }
}

impl std::error::Error for ReadError {}

/// Why a request carried no usable session although it carried a session cookie: the cookie
/// could not be read, or the token in it did not open. In a web app both mean "logged out";
/// log the kind (never the value).
///
/// # Example
/// ```
/// use sealed_session::{LoadError, OpenError};
/// let e = LoadError::Open(OpenError::Expired);
/// assert_eq!(e.to_string(), "session cookie refused: session expired");
/// assert!(!e.is_attack_signal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// The cookie(s) could not be put together into one token.
    Cookie(ReadError),
    /// The token did not open.
    Open(OpenError),
}

impl LoadError {
    /// True for failures an honest browser cannot cause (see [`OpenError::log_level`]);
    /// cookie read errors count as such except [`ReadError::Incomplete`] and
    /// [`ReadError::MixedForms`], which a lost response can cause.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{LoadError, OpenError, ReadError};
    /// assert!(LoadError::Open(OpenError::Malformed).is_attack_signal());
    /// assert!(!LoadError::Cookie(ReadError::Incomplete).is_attack_signal());
    /// ```
    #[must_use]
    pub fn is_attack_signal(&self) -> bool {
        match self {
            Self::Cookie(e) => !matches!(e, ReadError::Incomplete | ReadError::MixedForms),
            Self::Open(e) => e.log_level() == crate::error::LogLevel::Warn,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cookie(e) => write!(f, "session cookie unreadable: {e}"),
            Self::Open(e) => write!(f, "session cookie refused: {e}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Cookie(e) => Some(e),
            Self::Open(e) => Some(e),
        }
    }
}

/// Why a session could not be written into Set-Cookie headers. Nothing was emitted; the client
/// keeps the cookie it had. Answer with a server error, and log it: it means the session grew past
/// what the cookie settings can carry, or the system clock or random generator failed.
///
/// # Example
/// ```
/// use sealed_session::{CookieError, WriteError};
/// let e = WriteError::Cookie(CookieError::TooManyChunks { token_len: 9000, needed: 3, max: 2 });
/// assert!(e.to_string().starts_with("the session cookie could not be set: "));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError {
    /// Sealing failed ([`SealError::TooLong`] when the session is larger than the cookie
    /// settings can carry).
    Seal(SealError),
    /// The sealed token does not fit the cookie settings.
    Cookie(CookieError),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Seal(SealError::TooLong { len, max }) => write!(
                f,
                "the session is too large for its cookie: the token would be {len} bytes, \
                 over the {max} bytes the cookie settings can carry"
            ),
            Self::Seal(e) => write!(f, "the session could not be sealed: {e}"),
            Self::Cookie(e) => write!(f, "the session cookie could not be set: {e}"),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Seal(e) => Some(e),
            Self::Cookie(e) => Some(e),
        }
    }
}

impl From<SealError> for WriteError {
    fn from(e: SealError) -> Self {
        Self::Seal(e)
    }
}

impl From<CookieError> for WriteError {
    fn from(e: CookieError) -> Self {
        Self::Cookie(e)
    }
}
