//! Why a revocation or the connection to Redis failed. Messages never carry the URL (it may hold a
//! password) nor a session id or subject.

use std::fmt;

/// Why `RedisRevocations::connect` or `revoke` failed.
///
/// # Example
/// ```
/// use sealed_session::revocation::RevokeError;
/// let e = RevokeError::Unavailable;
/// assert_eq!(e.to_string(), "redis unreachable or too slow: the revocation is not stored");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevokeError {
    /// The Redis URL does not parse.
    InvalidUrl,
    /// Redis could not be reached or did not answer within the configured timeout. On `revoke`,
    /// this server refuses the target already; the rest of the fleet may not (a write sent just
    /// before the timeout can still land): retry, which is always safe.
    Unavailable,
    /// Redis answered with an error (for example `NOREPLICAS`, `READONLY`, `OOM`, or a server too
    /// old for `ZADD GT`: Redis 6.2 or later is needed). Holds the error code only.
    Server {
        /// The Redis error code (its first word).
        code: String,
    },
    /// Fewer replicas than configured acknowledged the write within the timeout (`WAIT`): it is
    /// stored on the primary but could be lost in a fail-over.
    NotReplicated {
        /// Replicas that acknowledged.
        acked: u64,
        /// Replicas required.
        wanted: u64,
    },
    /// The server does not run with `appendonly yes` and `appendfsync always` (or refuses to say:
    /// `CONFIG` disabled), so a revocation acknowledged now could be lost in a crash.
    NotDurable,
    /// The subject is empty or longer than [`MAX_SUBJECT_LEN`](super::MAX_SUBJECT_LEN) bytes.
    InvalidSubject,
}

impl fmt::Display for RevokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl => f.write_str("invalid redis url"),
            Self::Unavailable => {
                f.write_str("redis unreachable or too slow: the revocation is not stored")
            }
            Self::Server { code } => write!(f, "redis refused the command: {code}"),
            Self::NotReplicated { acked, wanted } => write!(
                f,
                "the revocation reached {acked} of {wanted} required redis replicas"
            ),
            Self::NotDurable => f.write_str(
                "redis does not persist every write before answering \
                 (needs appendonly yes and appendfsync always)",
            ),
            Self::InvalidSubject => f.write_str("revocation subject empty or too long"),
        }
    }
}

impl std::error::Error for RevokeError {}

impl From<redis::RedisError> for RevokeError {
    fn from(e: redis::RedisError) -> Self {
        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
            return Self::Unavailable;
        }
        // Only the code: the detail may quote arguments (a subject).
        Self::Server {
            code: e.code().unwrap_or("CLIENT").chars().take(32).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_short_and_lower_case() {
        for e in [
            RevokeError::InvalidUrl,
            RevokeError::Unavailable,
            RevokeError::Server {
                code: "NOREPLICAS".into(),
            },
            RevokeError::NotReplicated {
                acked: 0,
                wanted: 1,
            },
            RevokeError::NotDurable,
            RevokeError::InvalidSubject,
        ] {
            let text = e.to_string();
            assert!(text.starts_with(|c: char| c.is_lowercase()), "{text}");
            assert!(!text.ends_with('.'), "{text}");
        }
    }

    #[test]
    fn io_errors_are_unavailable() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(
            RevokeError::from(redis::RedisError::from(io)),
            RevokeError::Unavailable
        );
    }
}
