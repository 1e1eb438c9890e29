//! The ready observer for `tracing`: one event per operation, refusals at the level their own
//! `log_level()` gives.

use crate::error::{LogLevel, SealError};
use crate::observe::{Event, Observer};

/// Emits one `tracing` event per operation, with target `sealed_session` and fields
/// `operation`, `outcome` (as [`Event::outcome`]) and the event's lengths, counts and flags
/// (never a token byte or a secret):
///
/// - a refused open at the level [`OpenError::log_level`](crate::OpenError::log_level) gives
///   (`DEBUG` for an expired or idle session, `INFO` for what honest clients can cause, `WARN`
///   for bytes no sealer wrote);
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
            } => at_level!(
                e.log_level(),
                operation,
                outcome,
                token_len,
                "session refused"
            ),
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
