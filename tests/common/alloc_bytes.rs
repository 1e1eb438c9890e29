//! Bytes allocated, counted by a global allocator that wraps the system one (`stats_alloc`: the
//! crate forbids unsafe code, so the tests cannot implement `GlobalAlloc` themselves), for the
//! suites that bound memory rather than count allocations. `stats_alloc` passes reallocations
//! through and counts only their growth, which is what the bounds are stated in.
//!
//! The counters are process-wide: a measurement also sees what other threads (the harness's
//! main thread) allocate while it runs, so these suites take the least of a few attempts or
//! measure again before failing. Included with `#[path = "common/alloc_bytes.rs"] mod
//! alloc_bytes;`, not through `common` (one global allocator per test binary; the count suites
//! use `common/alloc_count.rs`).

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
