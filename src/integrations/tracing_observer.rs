//! The ready observer for `tracing`: one event per operation, refusals at the level their own
//! `log_level()` gives.

use crate::error::{LogLevel, OpenError, SealError};
use crate::observe::{Event, Observer};

/// Emits one `tracing` event per operation, with target `sealed_session` and fields
/// `operation`, `outcome` (as [`Event::outcome`]) and the event's lengths, counts and flags
/// (never a token byte or a secret):
///
/// - a refused open with a `log_level` field saying what [`OpenError::log_level`] gives, at that
///   level when the refusal came before or without the constant-time checks (`INFO` for a
///   failed authentication and what honest clients can cause, `DEBUG` for a retired key or
///   epoch, `WARN` for bytes no sealer wrote); the refusals of an authentic token (expired,
///   idle, from the future, revoked, another schema) all at `DEBUG`, whatever their
///   `log_level`, so that logging them takes the same path and time for each and does not undo
///   the constant-time checks (SECURITY.md, "Logging guidance"): route them by the `outcome`
///   and `log_level` fields in the log pipeline;
/// - a successful open at `TRACE` (it happens on every request);
/// - seal, renew, reissue and remove at `DEBUG`; a refused seal at `WARN` (an oversized session,
///   a failing clock or random generator are the application's or host's problem), except a
///   renewal past the absolute deadline, which is the ordinary end of a session (`DEBUG`).
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use sealed_session::*;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// sealer.set_observer(Some(Arc::new(TracingObserver::default())));
/// // With a subscriber installed, this logs at WARN: operation="open" outcome="malformed".
/// assert!(sealer.open::<u8>("garbage").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct TracingObserver {}

/// One event at a level chosen at run time (the `tracing` macros take a constant level).
macro_rules! at_level {
    ($level:expr, $($rest:tt)+) => {
        match $level {
            LogLevel::Debug => ::tracing::debug!(target: "sealed_session", $($rest)+),
            LogLevel::Info => ::tracing::info!(target: "sealed_session", $($rest)+),
            LogLevel::Warn => ::tracing::warn!(target: "sealed_session", $($rest)+),
        }
    };
}

impl Observer for TracingObserver {
    fn event(&self, event: &Event) {
        let operation = event.operation();
        let outcome = event.outcome();
        match *event {
            Event::Open {
                result: Ok(()),
                token_len,
                key_id,
                old_key,
                old_epoch,
            } => ::tracing::trace!(
                target: "sealed_session",
                operation,
                outcome,
                token_len,
                key_id,
                old_key,
                old_epoch,
                "session opened"
            ),
            Event::Open {
                result: Err(e),
                token_len,
                ..
            } => {
                let log_level = level_name(e.log_level());
                at_level!(
                    if authentic(e) {
                        LogLevel::Debug
                    } else {
                        e.log_level()
                    },
                    operation,
                    outcome,
                    token_len,
                    log_level,
                    "session refused"
                );
            }
            Event::Seal {
                result,
                token_len,
                chunks,
            }
            | Event::Renew {
                result,
                token_len,
                chunks,
            }
            | Event::Reissue {
                result,
                token_len,
                chunks,
            } => match result {
                Ok(()) => ::tracing::debug!(
                    target: "sealed_session",
                    operation,
                    outcome,
                    token_len,
                    chunks,
                    "session sealed"
                ),
                Err(e) => at_level!(
                    if e == SealError::Expired {
                        LogLevel::Debug
                    } else {
                        LogLevel::Warn
                    },
                    operation,
                    outcome,
                    "seal refused"
                ),
            },
            Event::Remove { cookies } => ::tracing::debug!(
                target: "sealed_session",
                operation,
                outcome,
                cookies,
                "session removed"
            ),
        }
    }
}

/// Whether this refusal is one of an authentic token by the constant-time checks (or the
/// revocation hook): logged at one level, so that which of them refused takes no other path.
fn authentic(e: OpenError) -> bool {
    matches!(
        e,
        OpenError::Expired
            | OpenError::IdleTimeout
            | OpenError::FromTheFuture
            | OpenError::Revoked
            | OpenError::SchemaMismatch { .. }
    )
}

/// The level's name, as a field value.
fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
    }
}
