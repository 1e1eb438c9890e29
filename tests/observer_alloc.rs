//! The observer hook costs no heap allocation: with no observer registered an open allocates
//! nothing (the hook is one atomic load), and with one registered the event is built on the
//! stack. Counted per thread by tests/common/alloc_count.rs.

#[path = "common/alloc_count.rs"]
mod alloc_count;
mod common;
use alloc_count::count;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sealed_session::{Event, Observer, SessionOptions};

/// Counts events, allocating nothing.
#[derive(Default)]
struct Tally(AtomicUsize);

impl Observer for Tally {
    fn event(&self, _: &Event) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn the_observer_hook_allocates_nothing() {
    let sealer = common::sealer();
    let opts = SessionOptions::default();
    let token = sealer.seal(&42u64, &opts).unwrap();
    let tally = Arc::new(Tally::default());

    // Warm-up, with and without an observer: the thread's scratch buffer, the epoch key cache
    // and the hook slots' per-thread state are made once.
    for _ in 0..2 {
        sealer.set_observer(Some(tally.clone()));
        sealer.open::<u64>(&token).unwrap();
        sealer.set_observer(None);
        sealer.open::<u64>(&token).unwrap();
    }

    // No observer: an open of a u64 session allocates nothing; a refused one neither.
    let (n, _) = count(|| sealer.open::<u64>(&token).unwrap());
    assert_eq!(n, 0, "open without an observer allocated {n} times");
    let (n, _) = count(|| sealer.open::<u64>("garbage").unwrap_err());
    assert_eq!(n, 0, "refused open without an observer allocated {n} times");
    let (bare_seal, _) = count(|| sealer.seal(&42u64, &opts).unwrap());

    // An observer registered: still nothing for the open, the same for the seal, and it heard
    // every operation.
    sealer.set_observer(Some(tally.clone()));
    let before = tally.0.load(Ordering::Relaxed);
    let (n, _) = count(|| sealer.open::<u64>(&token).unwrap());
    assert_eq!(n, 0, "open with an observer allocated {n} times");
    let (n, _) = count(|| sealer.open::<u64>("garbage").unwrap_err());
    assert_eq!(n, 0, "refused open with an observer allocated {n} times");
    let (observed_seal, _) = count(|| sealer.seal(&42u64, &opts).unwrap());
    assert_eq!(
        observed_seal, bare_seal,
        "the observer added allocations to seal"
    );
    assert_eq!(tally.0.load(Ordering::Relaxed) - before, 3);
}
