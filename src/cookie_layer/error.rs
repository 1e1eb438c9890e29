//! Why a request carried no usable session although it carried a session cookie. Lower-case
//! messages without a trailing period; none of them echoes a cookie value.

use core::fmt;

use crate::error::{LogLevel, OpenError};

/// Why the session cookie(s) a request carried gave no session: they do not form one token in the
/// one form the cookie layer writes, or the token did not open. In a web app every variant means
/// "logged out"; log the kind (never the value), never show it to the client.
///
/// # Example
/// ```
/// use sealed_session::{LoadError, LogLevel, OpenError};
/// let e = LoadError::Open(OpenError::Expired);
/// assert_eq!(e.to_string(), "session cookie refused: session expired");
/// assert_eq!(e.log_level(), LogLevel::Debug);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// One of our cookies came more than once, with equal values or not (a cookie for another
    /// Path or a parent Domain, possibly planted by a sibling host). Ambiguity is refused, never
    /// guessed.
    Duplicate,
    /// The cookie value holds a byte that is not base64url.
    Malformed,
    /// A cookie value longer than the cookie settings can carry; refused before it is copied.
    TooLong,
    /// Both the single cookie and chunks of it came: one of them is stale.
    MixedForms,
    /// Chunks came, but not all of the set.
    Incomplete,
    /// Chunks came that are not one set in the form the cookie layer writes (different counts or
    /// set ids, chunks past the count, more chunks than the token needs, a chunk not filled, a set
    /// id that does not match the assembled token).
    Inconsistent,
    /// A chunk set larger than the settings allow (for example, left from before chunking was
    /// turned down or off).
    TooManyChunks,
    /// The token did not open.
    Open(OpenError),
}

impl LoadError {
    /// How loudly to log this refusal: [`OpenError::log_level`] for a token that did not open.
    /// For the cookies themselves, only what no browser of this deployment can hold is
    /// [`LogLevel::Warn`] (a value that is not base64url, or longer than the settings carry).
    /// A chunk set larger than the settings allow, left from before chunking was turned down or
    /// off, is [`LogLevel::Debug`], as a retired key is. A duplicate, a partial or mixed set, or
    /// chunks that are not one set are [`LogLevel::Info`]: a lost response, a cookie for another
    /// Path, or a chunk left from an older set cause them too; tampering looks the same, so
    /// watch the rate.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{LoadError, LogLevel, OpenError};
    /// assert_eq!(LoadError::Open(OpenError::Malformed).log_level(), LogLevel::Warn);
    /// assert_eq!(LoadError::TooManyChunks.log_level(), LogLevel::Debug);
    /// assert_eq!(LoadError::Incomplete.log_level(), LogLevel::Info);
    /// assert_eq!(LoadError::Malformed.log_level(), LogLevel::Warn);
    /// ```
    #[must_use]
    pub fn log_level(&self) -> LogLevel {
        match self {
            Self::Open(e) => e.log_level(),
            Self::TooManyChunks => LogLevel::Debug,
            Self::Duplicate | Self::MixedForms | Self::Incomplete | Self::Inconsistent => {
                LogLevel::Info
            }
            Self::Malformed | Self::TooLong => LogLevel::Warn,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unreadable = match self {
            Self::Open(e) => return write!(f, "session cookie refused: {e}"),
            Self::Duplicate => "the session cookie came more than once",
            Self::Malformed => "the session cookie value is not base64url",
            Self::TooLong => "the session cookie value is longer than the settings carry",
            Self::MixedForms => "both the session cookie and session cookie chunks came",
            Self::Incomplete => "some session cookie chunks are missing",
            Self::Inconsistent => "the session cookie chunks do not form one set",
            Self::TooManyChunks => "more session cookie chunks than configured",
        };
        write!(f, "session cookie unreadable: {unreadable}")
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Open(e) => Some(e),
            _ => None,
        }
    }
}

impl From<OpenError> for LoadError {
    fn from(e: OpenError) -> Self {
        Self::Open(e)
    }
}
