//! Thin adapters between the cookie layer and other crates; each only calls `crate::cookie_layer`.

#[cfg(feature = "axum")]
pub mod axum; // the `Session<T>` extractor over the tower layer
#[cfg(feature = "cookie")]
mod cookie_crate; // conversions to and from `cookie::Cookie`
#[cfg(feature = "http")]
mod http; // `http::HeaderMap` helpers
#[cfg(feature = "tower")]
pub mod tower; // the session layer: open once per request, renew and clean up after the handler
