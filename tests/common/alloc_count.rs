//! How many heap allocations the calling thread makes, counted by the global allocator that
//! `allocation-counter` installs around the system one (the crate forbids unsafe code, so the
//! tests cannot implement `GlobalAlloc` themselves). The count is per thread: the test harness's
//! own threads (its main thread waits on a channel while a test runs, and may allocate then)
//! never land in a measurement. A reallocation counts as one allocation.
//!
//! Included by the allocation-count suites with `#[path = "common/alloc_count.rs"] mod
//! alloc_count;`, not through `common`: a test binary has one global allocator, and the byte
//! bounds (`common/alloc_bytes.rs`) need another.

/// Allocations `f` made on this thread, with its result.
pub fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    assert_counting();
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(f()));
    let n = usize::try_from(info.count_total).expect("a count that fits");
    (n, result.expect("the measured closure returned"))
}

/// Fails unless the counting allocator is this binary's global allocator, so that no
/// "allocates nothing" assertion can pass because nothing was counted.
fn assert_counting() {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(|| {
        let info = allocation_counter::measure(|| {
            std::hint::black_box(Box::new(7u64));
        });
        assert_eq!(
            info.count_total, 1,
            "the counting allocator is not this binary's global allocator"
        );
    });
}
