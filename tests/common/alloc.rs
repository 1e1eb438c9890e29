//! Heap allocations, counted by a global allocator that wraps the system one (`stats_alloc`: the
//! crate forbids unsafe code, so the tests cannot implement `GlobalAlloc` themselves). Every
//! test binary that shares these fixtures runs on it.
//!
//! The counters are process-wide: a measurement also sees what other threads allocate while it
//! runs. The allocation suites therefore measure inside one test function, or take the least of
//! a few attempts where the harness's own threads may be busy.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// What one closure allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocated {
    /// Allocations plus reallocations.
    pub count: usize,
    /// Bytes of every allocation plus every growth by reallocation: an upper bound on the peak.
    pub bytes: usize,
}

/// Runs `f` and returns what was allocated while it ran, with its result.
pub fn allocated<R>(f: impl FnOnce() -> R) -> (Allocated, R) {
    let region = Region::new(GLOBAL);
    let result = f();
    let stats = region.change();
    // `bytes_allocated` already includes every growth by reallocation.
    let counts = Allocated {
        count: stats.allocations + stats.reallocations,
        bytes: stats.bytes_allocated,
    };
    (counts, result)
}

/// Allocations plus reallocations made while `f` runs, with its result.
pub fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let (counts, result) = allocated(f);
    (counts.count, result)
}
