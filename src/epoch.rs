//! All rotation arithmetic: the epoch of an instant, where an epoch starts, the window of epochs a
//! live token can come from, and the recovery of a full epoch from the 16 bits in the header.
//!
//! ```text
//! epoch(t)  = floor(t / period)                      (t in unix seconds)
//! window    = epoch(now - max_token_age) ..= epoch(now + leeway)
//! header    = the low 16 bits of the epoch; the window holds fewer than 2^15 epochs (the
//!             config refuses longer ones), so at most one epoch in it has those bits
//! ```
//! Plain numbers in, plain numbers out: this module depends on no other.

use std::num::NonZeroU64;

/// The window holds fewer epochs than this (half the 16-bit space), so that recovery from the
/// header's low 16 bits is unambiguous.
pub(crate) const MAX_WINDOW_EPOCHS: u64 = 1 << 15;

/// The rotation epoch of the instant `secs`.
pub(crate) fn epoch_of(secs: u64, period: NonZeroU64) -> u64 {
    secs / period
}

/// Seconds from the start of its epoch to `secs`: always below the period.
pub(crate) fn offset_in_epoch(secs: u64, period: NonZeroU64) -> u64 {
    secs % period
}

/// The largest offset a seal can have into its epoch: its last second.
pub(crate) fn last_offset(period: NonZeroU64) -> u64 {
    period.get().saturating_sub(1)
}

/// The first second of `epoch`: exact for every epoch a [`Window`] holds (they end at
/// `epoch(now + leeway)`, so `epoch * period <= now + leeway`); saturates beyond.
pub(crate) fn start_of(epoch: u64, period: NonZeroU64) -> u64 {
    epoch.saturating_mul(period.get())
}

/// The low 16 bits of an epoch, as the header carries them.
pub(crate) fn low_bits(epoch: u64) -> u16 {
    let [.., hi, lo] = epoch.to_be_bytes();
    u16::from_be_bytes([hi, lo])
}

/// Epochs a live token can come from, counted generously (one more at each end): the config
/// keeps it below [`MAX_WINDOW_EPOCHS`], and the epoch-key cache holds this many per key.
pub(crate) fn window_len(max_token_age: u64, period: NonZeroU64) -> u64 {
    (max_token_age / period).saturating_add(2)
}

/// The epochs, inclusive, that a token opened at `now` may have been sealed in: no older than the
/// longest a token can live (`max_token_age`, which includes the leeway), no newer than `now`
/// plus the leeway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
}

impl Window {
    pub(crate) fn at(now: u64, max_token_age: u64, leeway: u64, period: NonZeroU64) -> Self {
        Self {
            lo: epoch_of(now.saturating_sub(max_token_age), period),
            hi: epoch_of(now.saturating_add(leeway), period),
        }
    }

    /// The one epoch in the window whose low 16 bits are `low`, if any.
    pub(crate) fn recover(&self, low: u16) -> Option<u64> {
        let back = u64::from(low_bits(self.hi).wrapping_sub(low));
        let epoch = self.hi.checked_sub(back)?;
        (epoch >= self.lo).then_some(epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: NonZeroU64 = NonZeroU64::new(86_400).unwrap();

    fn window(lo: u64, hi: u64) -> Window {
        Window { lo, hi }
    }

    #[test]
    fn epochs_and_offsets() {
        assert_eq!(epoch_of(1_800_000_000, DAY), 20_833);
        assert_eq!(offset_in_epoch(1_800_000_000, DAY), 28_800);
        assert_eq!(start_of(20_833, DAY), 1_800_000_000 - 28_800);
        assert_eq!(start_of(u64::MAX, DAY), u64::MAX);
        assert_eq!(low_bits(0x1_2345), 0x2345);
        assert_eq!(last_offset(DAY), offset_in_epoch(20_834 * 86_400 - 1, DAY));
    }

    #[test]
    fn recovery_from_16_bits() {
        assert_eq!(window(0, 10).recover(5), Some(5));
        assert_eq!(window(0, 10).recover(11), None);
        assert_eq!(window(65_530, 65_540).recover(0xffff), Some(65_535));
        assert_eq!(window(65_530, 65_540).recover(2), Some(65_538));
        assert_eq!(window(100_000, 100_010).recover(3), None);
    }

    #[test]
    fn window_at_an_instant() {
        let w = Window::at(1_800_000_000, 7 * 86_400 + 60, 60, DAY);
        assert_eq!(w, window(20_826, 20_833));
        // Next to a boundary the leeway reaches into the next epoch.
        let w = Window::at(20_834 * 86_400 - 30, 0, 60, DAY);
        assert_eq!(w, window(20_833, 20_834));
        assert_eq!(window_len(7 * 86_400 + 60, DAY), 9);
    }
}
