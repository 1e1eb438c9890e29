//! The cookie reader refuses an over-long value before it copies it: a hostile client that sends
//! a 200 KB session cookie (or chunk) costs no allocation of that size. Counted per thread by
//! tests/common/alloc_bytes.rs.

use sealed_session::{CookieSettings, LoadError, MAX_NAME_VALUE_LEN, SessionCookie};

#[path = "common/alloc_bytes.rs"]
mod alloc_bytes;
mod common;
use alloc_bytes::allocated;

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
            let (counts, opened) = allocated(|| {
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
                counts.bytes < MAX_NAME_VALUE_LEN,
                "{} bytes allocated reading a {}-byte cookie (chunks {chunks})",
                counts.bytes,
                header.len()
            );
        }
    }
    // A value that fits is copied once, as the token.
    let settings = CookieSettings::default();
    let fits = format!("__Host-session={}", "A".repeat(4000));
    let (counts, read) = allocated(|| settings.read([fits.as_bytes()]));
    assert!((4000..8000).contains(&counts.bytes), "{counts:?}");
    drop(read);
}
