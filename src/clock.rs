//! Time, injected once: the sealer holds a [`Clock`] and reads it as unix seconds once per
//! operation. [`SystemClock`] is the default; [`ManualClock`] is set and advanced by hand (tests,
//! simulations, replays).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
#[cfg(not(any(target_os = "linux", target_os = "android")))]
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// A source of the current time, in whole unix seconds (negative before 1970).
///
/// # Example
/// ```
/// use sealed_session::{Clock, Config, Keyring, MasterKey, Sealer, SessionOptions};
/// struct Frozen;
/// impl Clock for Frozen {
///     fn unix_seconds(&self) -> i64 { 1_800_000_000 }
/// }
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default()).with_clock(Frozen);
/// let opened = sealer.open::<u8>(&sealer.seal(&1u8, &SessionOptions::default())?)?;
/// assert_eq!(opened.meta.sealed_at().unix_timestamp(), 1_800_000_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn unix_seconds(&self) -> i64;
}

/// The operating system's clock: the default of every [`Sealer`](crate::Sealer).
///
/// # Example
/// ```
/// use sealed_session::{Clock, SystemClock};
/// assert!(SystemClock.unix_seconds() > 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a unit struct: the value is the whole API"
)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[inline]
    fn unix_seconds(&self) -> i64 {
        system_seconds()
    }
}

/// The real-time clock's whole seconds. On Linux the coarse clock: the time of the last timer
/// tick (at most a few milliseconds behind), read from the vDSO without a system call and without
/// reading the CPU's time-stamp counter.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
fn system_seconds() -> i64 {
    rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse).tv_sec
}

/// The real-time clock's whole seconds, read as seconds directly: no calendar date is built and
/// taken apart again.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn system_seconds() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| s.saturating_neg())
        }
    }
}

/// A clock that stands still until set or advanced. Clones share one time, so a test keeps a
/// clone and moves the clock of the sealer it handed the other one to.
///
/// # Example
/// ```
/// use sealed_session::{Config, Keyring, ManualClock, MasterKey, OpenError, Sealer, SessionOptions};
/// let clock = ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default())
///     .with_clock(clock.clone());
/// let token = sealer.seal(&1u8, &SessionOptions::default())?;
/// clock.advance(time::Duration::hours(3)); // past the 2-hour idle window
/// assert_eq!(sealer.open::<u8>(&token).unwrap_err(), OpenError::IdleTimeout);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `t` (whole seconds; the sub-second part is dropped).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Clock, ManualClock};
    /// let clock = ManualClock::at(time::OffsetDateTime::UNIX_EPOCH);
    /// assert_eq!(clock.unix_seconds(), 0);
    /// ```
    #[must_use]
    pub fn at(t: OffsetDateTime) -> Self {
        Self(Arc::new(AtomicI64::new(t.unix_timestamp())))
    }

    /// Moves the clock (and every clone) to `t`, forwards or backwards.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Clock, ManualClock};
    /// let clock = ManualClock::at(time::OffsetDateTime::UNIX_EPOCH);
    /// clock.set(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
    /// assert_eq!(clock.unix_seconds(), 1_800_000_000);
    /// # Ok::<(), time::error::ComponentRange>(())
    /// ```
    pub fn set(&self, t: OffsetDateTime) {
        self.0.store(t.unix_timestamp(), Ordering::Relaxed);
    }

    /// Moves the clock (and every clone) by `d` whole seconds, saturating at the ends of `i64`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Clock, ManualClock};
    /// let clock = ManualClock::at(time::OffsetDateTime::UNIX_EPOCH);
    /// clock.advance(time::Duration::minutes(2));
    /// assert_eq!(clock.unix_seconds(), 120);
    /// ```
    pub fn advance(&self, d: time::Duration) {
        let step = d.whole_seconds();
        // A closure that always returns `Some` makes `fetch_update` infallible.
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                Some(s.saturating_add(step))
            });
    }
}

impl Clock for ManualClock {
    fn unix_seconds(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Unix seconds as the unsigned seconds used inside tokens: `None` before 1970.
pub(crate) fn unsigned(secs: i64) -> Option<u64> {
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_clones_share_one_time() {
        let a = ManualClock::at(OffsetDateTime::UNIX_EPOCH);
        let b = a.clone();
        a.advance(time::Duration::seconds(90));
        assert_eq!(b.unix_seconds(), 90);
        b.set(OffsetDateTime::UNIX_EPOCH - time::Duration::seconds(5));
        assert_eq!(a.unix_seconds(), -5);
        assert_eq!(unsigned(a.unix_seconds()), None);
        a.advance(time::Duration::MAX);
        a.advance(time::Duration::MAX);
        assert_eq!(a.unix_seconds(), i64::MAX);
    }

    #[test]
    fn system_clock_is_after_2024() {
        assert!(SystemClock.unix_seconds() > 1_704_067_200);
    }

    #[test]
    fn system_clock_agrees_with_the_standard_library() {
        let std_secs = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
        };
        let before = std_secs(std::time::SystemTime::now());
        let ours = SystemClock.unix_seconds();
        let after = std_secs(std::time::SystemTime::now());
        // The coarse clock may lag the precise one by a timer tick (milliseconds), so it may
        // still show the second before `before`.
        assert!(
            before - 1 <= ours && ours <= after,
            "{before} {ours} {after}"
        );
    }
}
