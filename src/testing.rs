//! Helpers for the application's own tests (feature `testing`; enable it in
//! `[dev-dependencies]` only): the manual clock, a fixed test keyring that refuses to load in a
//! release build unless asked, and the `Cookie` header a browser would send for a session, so
//! handler tests need no browser.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::cookie_layer::SessionCookie;
use crate::error::SealError;
use crate::keyring::Keyring;
use crate::keys::MasterKey;
use crate::session::SessionOptions;

pub use crate::clock::ManualClock;

/// Set by [`insecure_allow_test_keys_in_release_builds`].
static RELEASE_OPT_IN: AtomicBool = AtomicBool::new(false);

/// Lets [`test_keyring`] load in a build without debug assertions (`--release`). The test key is
/// published in this crate's source: anyone can forge sessions under it. Call this only in a test
/// binary that has to run optimized, never in a program that serves anyone.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// // In an optimized test binary only:
/// testing::insecure_allow_test_keys_in_release_builds();
/// let _keys = testing::test_keyring();
/// ```
pub fn insecure_allow_test_keys_in_release_builds() {
    RELEASE_OPT_IN.store(true, Ordering::SeqCst);
}

/// A keyring holding one fixed, published test key (id 1), the same in every run, so a test's
/// tokens are reproducible across processes. Every public key constructor refuses that key
/// ([`KeyError::Published`](crate::KeyError::Published)), so it cannot reach production through
/// configuration.
///
/// # Panics
/// In a build without debug assertions (a release build), unless
/// [`insecure_allow_test_keys_in_release_builds`] was called first: a release binary that
/// loads the test keys is a mistake to stop at startup.
///
/// # Example
/// ```
/// # use sealed_session::*;
/// let clock = testing::ManualClock::at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000)?);
/// let sealer = Sealer::new(testing::test_keyring(), Config::default()).with_clock(clock.clone());
/// let token = sealer.seal(&1u8, &SessionOptions::default())?;
/// // Another sealer over the same test keyring (as in another test process) opens it.
/// let other = Sealer::new(testing::test_keyring(), Config::default()).with_clock(clock);
/// assert!(other.open::<u8>(&token).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
#[track_caller]
pub fn test_keyring() -> Keyring {
    let allowed = test_keys_allowed(
        cfg!(debug_assertions),
        RELEASE_OPT_IN.load(Ordering::SeqCst),
    );
    assert!(
        allowed,
        "sealed_session::testing::test_keyring() in a release build: its key is public. Use real \
         keys, or call testing::insecure_allow_test_keys_in_release_builds() in test code only"
    );
    let key = MasterKey::published_test_key();
    #[allow(
        clippy::expect_used,
        reason = "the test key is a constant in valid base64url; a unit test decodes it"
    )]
    Keyring::new(1, key.expect("the test key decodes"))
}

/// Whether the test keys may load: in a build with debug assertions, or when opted in.
fn test_keys_allowed(debug_assertions: bool, opted_in: bool) -> bool {
    debug_assertions || opted_in
}

/// The `Cookie` request header a browser would send after `cookies` sealed `value` as a new
/// session with `options`: through the real seal path, so the token is genuine and split into
/// chunks exactly as a response would set them. Pass it to the handler under test as the
/// request's `Cookie` header.
///
/// # Errors
/// As [`SessionCookie::seal`].
///
/// # Example
/// ```
/// # use sealed_session::*;
/// let settings = CookieSettings::default();
/// let sealer = Sealer::new(testing::test_keyring(), settings.config_builder().build()?);
/// let cookies = SessionCookie::new(sealer, settings)?;
/// let header = testing::cookie_header(&cookies, &"alice", &SessionOptions::default())?;
/// assert!(header.starts_with("__Host-session="));
/// // What the application's handler does with the request:
/// let read = cookies.settings().read([header.as_bytes()]);
/// assert_eq!(cookies.open::<String>(&read)?.expect("a session").session, "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cookie_header<T: Serialize + ?Sized>(
    cookies: &SessionCookie,
    value: &T,
    options: &SessionOptions,
) -> Result<String, SealError> {
    let set = cookies.seal(&cookies.settings().read([]), value, options)?;
    let pairs: Vec<String> = set
        .iter()
        .filter(|c| !c.value().is_empty())
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect();
    Ok(pairs.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_keys_load_in_debug_builds_or_when_opted_in() {
        assert!(test_keys_allowed(true, false));
        assert!(test_keys_allowed(true, true));
        assert!(test_keys_allowed(false, true));
        assert!(!test_keys_allowed(false, false), "release, not asked");
    }

    #[test]
    fn the_test_key_decodes_and_only_this_module_makes_it() {
        assert!(MasterKey::published_test_key().is_some());
        assert!(matches!(
            MasterKey::from_text(crate::keys::TEST_KEY),
            Err(crate::error::KeyError::Published { .. })
        ));
    }
}
