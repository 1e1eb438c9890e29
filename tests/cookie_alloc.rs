//! The cookie reader refuses an over-long value before it copies it: a hostile client that sends
//! a 200 KB session cookie (or chunk) costs no allocation of that size. Counted by a global
//! allocator that wraps the system one (`stats_alloc`: the crate forbids unsafe code). Everything
//! runs in one test function, since the counters are global to the process.

use std::alloc::System;

use sealed_session::{CookieSettings, LoadError, MAX_NAME_VALUE_LEN, SessionCookie};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

mod common;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated (allocations plus growth by reallocation) while `f` runs.
fn bytes<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let region = Region::new(GLOBAL);
    let result = f();
    let stats = region.change();
    let grown = usize::try_from(stats.bytes_reallocated).unwrap_or(0);
    (stats.bytes_allocated + grown, result)
}

#[test]
fn an_over_long_cookie_value_is_refused_before_it_is_copied() {
    let huge = "A".repeat(200 * 1024);
    for chunks in [1, 4] {
        let settings = CookieSettings::builder().chunks(chunks).build().unwrap();
        let config = settings.config_builder().build().unwrap();
        let cookies = SessionCookie::new(common::sealer_with(config).sealer, settings).unwrap();
        let single = format!("__Host-session={huge}");
        let chunked = format!("__Host-session.0=2.AAAAAA.{huge}; __Host-session.1=2.AAAAAA.AAAAAA");
        for header in [&single, &chunked] {
            let (allocated, opened) = bytes(|| {
                let read = cookies.settings().read([header.as_bytes()]);
                cookies.open::<u8>(&read)
            });
            assert!(
                matches!(
                    opened,
                    Err(LoadError::TooLong | LoadError::TooManyChunks | LoadError::MixedForms)
                ),
                "{opened:?}"
            );
            // Far below the value's size: nothing of it was copied.
            assert!(
                allocated < MAX_NAME_VALUE_LEN,
                "{allocated} bytes allocated reading a {}-byte cookie (chunks {chunks})",
                header.len()
            );
        }
    }
    // A value that fits is copied once, as the token.
    let settings = CookieSettings::default();
    let fits = format!("__Host-session={}", "A".repeat(4000));
    let (allocated, read) = bytes(|| settings.read([fits.as_bytes()]));
    assert!((4000..8000).contains(&allocated), "{allocated}");
    drop(read);
}
