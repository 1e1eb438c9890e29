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
#[allow(
    dead_code,
    reason = "`unsigned` serves the sealer once it holds the clock"
)]
mod clock; // the injectable time source
mod config; // policy with safe defaults
mod cookie; // the HTTP cookie layer: settings, Set-Cookie, reading, sizes, chunks
mod encoding; // the only user of the base64 crate
mod epoch_keys; // HKDF derivation of epoch keys and their lock-free cache
mod error; // error enums
mod format; // header layout, bytes only
mod integrations; // thin adapters: the cookie crate, http, axum
mod keyring; // primary and open-only keys by id
mod keys; // master keys: parsing, checks, zeroizing
mod payload; // postcard decoding of the authenticated payload
#[cfg(feature = "redis")]
pub mod revocation; // fleet-wide revocation: an in-memory replica that follows Redis
mod scratch; // per-thread buffer so seal/open do not allocate
mod sealer; // seal and open: the only caller of the AEAD
mod session; // options in, metadata out
mod unix_time; // OffsetDateTime <-> unix seconds
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
pub use cookie::{
    CookieError, CookieSettings, CookieSettingsBuilder, CookieSettingsError, DEFAULT_COOKIE_NAME,
    DEV_COOKIE_NAME, LoadError, Loaded, MAX_ATTRIBUTE_VALUE_LEN, MAX_CHUNKS, MAX_NAME_VALUE_LEN,
    Present, ReadCookies, ReadError, SameSite, SessionCookie, SetCookie, SetCookies, WriteError,
};
pub use error::{ConfigError, KeyError, OpenError, SealError};
#[cfg(feature = "axum")]
pub use integrations::axum;
pub use keyring::Keyring;
pub use keys::{EXAMPLE_KEY, EXAMPLE_KEY_2, MasterKey};
pub use sealer::Sealer;
pub use session::{Opened, Revocation, SessionId, SessionMeta, SessionOptions};
