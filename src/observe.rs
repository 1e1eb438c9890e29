//! The observer hook: one [`Event`] per seal, open, renew, reissue and remove, for metrics and
//! audit logs; every open of the sealer goes through here. Events carry kinds, ids, lengths,
//! counts and flags only: no type in them can hold a secret, a token byte or a session value.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arc_swap::ArcSwapOption;

use crate::error::{OpenError, SealError};
use crate::session::Opened;

/// Receives an [`Event`] for every operation of the [`Sealer`](crate::Sealer) it is registered
/// on ([`Sealer::set_observer`](crate::Sealer::set_observer)) and of the
/// [`SessionCookie`](crate::SessionCookie)s built over that sealer. Called on the thread doing the
/// operation, after it: keep it quick (count, log, send to a channel), and never block. It runs
/// on the request path: take the same path for every refusal of an authentic token (one log
/// call at one level, one counter labelled by [`Event::outcome`]), or the time it takes tells
/// which check refused (SECURITY.md, "Logging guidance").
///
/// One method taking an enum, rather than one method per operation: a forwarding or recording
/// observer is one line, and a new kind of event does not add a method to implement.
///
/// # Example
/// ```
/// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
/// use sealed_session::*;
/// #[derive(Default)]
/// struct Refusals(AtomicUsize);
/// impl Observer for Refusals {
///     fn event(&self, event: &Event) {
///         if let Event::Open { result: Err(_), .. } = event {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// let refusals = Arc::new(Refusals::default());
/// sealer.set_observer(Some(refusals.clone()));
/// assert!(sealer.open::<u8>("garbage").is_err());
/// assert_eq!(refusals.0.load(Ordering::Relaxed), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Observer: Send + Sync + 'static {
    /// Called once per operation with what it did.
    fn event(&self, event: &Event);
}

/// What one operation did. The variant names are the operation names of every layer; a
/// [`SessionCookie`](crate::SessionCookie) write reports the cookies it rendered (`chunks`), a
/// [`Sealer`](crate::Sealer) seal reports `chunks: 0`.
///
/// # Example
/// ```
/// use sealed_session::*;
/// fn describe(event: &Event) -> String {
///     match event {
///         Event::Open { result: Ok(()), key_id, old_key, .. } => {
///             format!("open ok, key {key_id:?}, old key: {old_key}")
///         }
///         Event::Seal { token_len, chunks, .. } => format!("seal of {token_len} chars in {chunks} cookies"),
///         other => format!("{} {}", other.operation(), other.outcome()),
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new session was sealed (login), or refused.
    #[non_exhaustive]
    Seal {
        /// `Ok` or why the seal was refused.
        result: Result<(), SealError>,
        /// The token's length in characters (0 when refused).
        token_len: usize,
        /// The cookies carrying the token (1 unless chunked); 0 when sealed without the cookie
        /// layer, or refused.
        chunks: usize,
    },
    /// A token was opened, or refused.
    #[non_exhaustive]
    Open {
        /// `Ok` or why the token was refused.
        result: Result<(), OpenError>,
        /// The input's length in bytes.
        token_len: usize,
        /// The key that opened it (`None` when refused).
        key_id: Option<u8>,
        /// Opened, but sealed under a key that is no longer primary.
        old_key: bool,
        /// Opened, but sealed in another rotation epoch than the current one.
        old_epoch: bool,
    },
    /// An open session was renewed (same start, new seal time), or the renewal refused.
    #[non_exhaustive]
    Renew {
        /// `Ok` or why the renewal was refused.
        result: Result<(), SealError>,
        /// As in [`Event::Seal`].
        token_len: usize,
        /// As in [`Event::Seal`].
        chunks: usize,
    },
    /// An open session was reissued (new start and id), or the reissue refused.
    #[non_exhaustive]
    Reissue {
        /// `Ok` or why the reissue was refused.
        result: Result<(), SealError>,
        /// As in [`Event::Seal`].
        token_len: usize,
        /// As in [`Event::Seal`].
        chunks: usize,
    },
    /// Removal cookies were rendered for a session: logout, or the tower layer ending one past
    /// its absolute deadline. (Removing cookies that did not open follows an
    /// [`Event::Open`] refusal and is not reported again.)
    #[non_exhaustive]
    Remove {
        /// How many cookies they remove.
        cookies: usize,
    },
}

impl Event {
    /// The operation's name: `"seal"`, `"open"`, `"renew"`, `"reissue"` or `"remove"` (a
    /// metric label).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # use std::sync::{Arc, Mutex};
    /// struct Names(Mutex<Vec<&'static str>>);
    /// impl Observer for Names {
    ///     fn event(&self, e: &Event) { self.0.lock().unwrap().push(e.operation()); }
    /// }
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let names = Arc::new(Names(Mutex::new(Vec::new())));
    /// sealer.set_observer(Some(names.clone()));
    /// let opened = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?;
    /// sealer.renew(&2u8, &opened.meta)?;
    /// assert_eq!(*names.0.lock().unwrap(), ["seal", "open", "renew"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Seal { .. } => "seal",
            Self::Open { .. } => "open",
            Self::Renew { .. } => "renew",
            Self::Reissue { .. } => "reissue",
            Self::Remove { .. } => "remove",
        }
    }

    /// The outcome's name: `"ok"`, or the error variant in snake case (`"authentication"`,
    /// `"idle_timeout"`, `"too_long"`, ...): a metric label with a fixed, small set of values.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::*;
    /// # use std::sync::{Arc, Mutex};
    /// struct Outcomes(Mutex<Vec<&'static str>>);
    /// impl Observer for Outcomes {
    ///     fn event(&self, e: &Event) { self.0.lock().unwrap().push(e.outcome()); }
    /// }
    /// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    /// let outcomes = Arc::new(Outcomes(Mutex::new(Vec::new())));
    /// sealer.set_observer(Some(outcomes.clone()));
    /// let _ = sealer.open::<u8>("garbage");
    /// let _ = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?);
    /// assert_eq!(*outcomes.0.lock().unwrap(), ["malformed", "ok", "ok"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Open { result, .. } => result.as_ref().err().map_or("ok", open_kind),
            Self::Seal { result, .. }
            | Self::Renew { result, .. }
            | Self::Reissue { result, .. } => result.as_ref().err().map_or("ok", seal_kind),
            Self::Remove { .. } => "ok",
        }
    }

    /// The event of an open of `token_len` bytes.
    pub(crate) fn opened<R>(result: &Result<Opened<R>, OpenError>, token_len: usize) -> Self {
        match result {
            Ok(opened) => Self::Open {
                result: Ok(()),
                token_len,
                key_id: Some(opened.meta.key_id),
                old_key: opened.meta.old_key,
                old_epoch: opened.meta.old_epoch,
            },
            Err(e) => Self::Open {
                result: Err(*e),
                token_len,
                key_id: None,
                old_key: false,
                old_epoch: false,
            },
        }
    }
}

/// Where a sealer keeps its observer. With none registered, notifying is one atomic load: no
/// allocation, no indirect call, and the event is never built.
pub(crate) struct ObserverSlot {
    observer: ArcSwapOption<Registered>,
    /// Whether an observer is set: `notify` without one skips loading it.
    set: AtomicBool,
}

struct Registered(Arc<dyn Observer>);

impl ObserverSlot {
    pub(crate) fn empty() -> Self {
        Self {
            observer: ArcSwapOption::empty(),
            set: AtomicBool::new(false),
        }
    }

    /// The same observer, for a separate sealer.
    pub(crate) fn copy(&self) -> Self {
        Self {
            observer: ArcSwapOption::new(self.observer.load_full()),
            set: AtomicBool::new(self.set.load(Ordering::Acquire)),
        }
    }

    pub(crate) fn store(&self, observer: Option<Arc<dyn Observer>>) {
        let set = observer.is_some();
        // Store before raising the flag, lower the flag before clearing: a notify that sees the
        // flag finds the observer (or, racing a clear, none: also correct).
        if !set {
            self.set.store(false, Ordering::Release);
        }
        self.observer
            .store(observer.map(|o| Arc::new(Registered(o))));
        if set {
            self.set.store(true, Ordering::Release);
        }
    }

    /// Calls the observer, if one is set, with the event `event` builds.
    #[inline]
    pub(crate) fn notify(&self, event: impl FnOnce() -> Event) {
        if self.set.load(Ordering::Acquire)
            && let Some(registered) = self.observer.load().as_deref()
        {
            registered.0.event(&event());
        }
    }
}

/// The snake-case name of an open refusal.
fn open_kind(e: &OpenError) -> &'static str {
    match e {
        OpenError::TooLong { .. } => "too_long",
        OpenError::Malformed => "malformed",
        OpenError::UnsupportedVersion { .. } => "unsupported_version",
        OpenError::UnknownKeyId { .. } => "unknown_key_id",
        OpenError::RetiredEpoch => "retired_epoch",
        OpenError::Authentication => "authentication",
        OpenError::Expired => "expired",
        OpenError::IdleTimeout => "idle_timeout",
        OpenError::FromTheFuture => "from_the_future",
        OpenError::Revoked => "revoked",
        OpenError::SchemaMismatch { .. } => "schema_mismatch",
        OpenError::Payload => "payload",
    }
}

/// The snake-case name of a seal refusal.
fn seal_kind(e: &SealError) -> &'static str {
    match e {
        SealError::Serialize => "serialize",
        SealError::TooLong { .. } => "too_long",
        SealError::Clock => "clock",
        SealError::Expired => "expired",
        SealError::Rng => "rng",
        SealError::NoSession => "no_session",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionOptions;

    #[test]
    fn outcome_names_are_snake_case_variant_names() {
        let open = |e| Event::Open {
            result: Err(e),
            token_len: 0,
            key_id: None,
            old_key: false,
            old_epoch: false,
        };
        assert_eq!(open(OpenError::IdleTimeout).outcome(), "idle_timeout");
        assert_eq!(
            open(OpenError::SchemaMismatch {
                found: 1,
                expected: 2
            })
            .outcome(),
            "schema_mismatch"
        );
        let opts = SessionOptions::default();
        let refused = crate::lifecycle::Lineage::New(&opts).event(
            Err(SealError::TooLong { len: 9, max: 8 }),
            9,
            2,
        );
        assert_eq!(refused.outcome(), "too_long");
        assert_eq!(refused.operation(), "seal");
        // A refused seal reports no length and no cookies.
        assert!(matches!(
            refused,
            Event::Seal {
                token_len: 0,
                chunks: 0,
                ..
            }
        ));
        assert_eq!(Event::Remove { cookies: 1 }.outcome(), "ok");
    }
}
