#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap,
        clippy::arithmetic_side_effects,
        clippy::missing_errors_doc,
        clippy::exhaustive_enums,
        clippy::exhaustive_structs,
    )
)]

// Internal modules, one idea each. The wire format is specified in FORMAT.md.
mod claims; // the encrypted claims and their constant-time checks
mod clock; // the injected clock: system by default, manual for tests
mod config; // policy with safe defaults
mod cookie_layer; // the HTTP cookie layer: settings, Set-Cookie, reading, sizes, chunks
mod encoding; // the only user of the base64 crate
mod epoch; // all rotation arithmetic: epochs, the accepted window, recovery from 16 bits
mod epoch_keys; // HKDF derivation of epoch keys and their lock-free cache
mod error; // error enums
#[cfg(feature = "forensics")]
pub mod forensics; // operators only: the authenticated claims of a token open refuses, and why
mod format; // header layout, bytes only
mod integrations; // thin adapters: the cookie crate, http, tower, axum, actix-web
mod keyring; // primary and open-only keys, and the O(1) lookup by id
mod keys; // master keys: parsing, checks, zeroizing
mod lifecycle; // new, renew, reissue: the rules that make their claims, and the seal methods
mod observe; // the observer hook: one event per operation, no secret in any
mod open_cache; // opt-in: tokens these keys already authenticated, opened again without the AEAD
mod payload; // postcard decoding of the authenticated payload
#[cfg(feature = "redis")]
pub mod revocation; // fleet-wide revocation: an in-memory replica that follows Redis
mod scratch; // per-thread buffer so seal/open do not allocate
mod sealer; // the public handle: keys, config, clock, hooks, hot reload; open
mod session; // options in, metadata out (and how the metadata follows from the claims)
mod size; // token length arithmetic, independent of the clock
#[cfg(feature = "testing")]
pub mod testing; // helpers for the application's own tests: test keys, forged Cookie headers
mod token; // the AEAD pipeline in the spec's order: the only caller of the AEAD
mod unix_time; // unix seconds -> OffsetDateTime, for the metadata accessors
mod unverified; // the clear-text header, read without a key, trusted for nothing
mod varint; // canonical LEB128

#[cfg(test)]
mod vectors;

// Hooks for the fuzz targets in fuzz/; compiled only under cargo-fuzz.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;

// The public interface.
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, ConfigBuilder, DEFAULT_PURPOSE, Lifetimes};
pub use cookie_layer::{
    CookieSettings, CookieSettingsBuilder, DEFAULT_COOKIE_NAME, DEV_COOKIE_NAME, LoadError,
    MAX_ATTRIBUTE_VALUE_LEN, MAX_CHUNKS, MAX_NAME_VALUE_LEN, ReadCookies, SameSite, SessionCookie,
    SetCookie, SetCookies, SetCookiesIntoIter,
};
pub use error::{ConfigError, KeyError, LogLevel, OpenError, SealError};
#[cfg(feature = "actix-web")]
pub use integrations::actix;
#[cfg(feature = "axum")]
pub use integrations::axum;
#[cfg(feature = "metrics")]
pub use integrations::metrics_observer::MetricsObserver;
#[cfg(feature = "tower")]
pub use integrations::tower;
#[cfg(feature = "tracing")]
pub use integrations::tracing_observer::TracingObserver;
pub use keyring::Keyring;
pub use keys::{EXAMPLE_KEY, EXAMPLE_KEY_2, MasterKey};
pub use observe::{Event, Observer};
pub use sealer::Sealer;
pub use session::{Opened, Revocation, SessionId, SessionMeta, SessionOptions};
pub use unverified::UnverifiedToken;
