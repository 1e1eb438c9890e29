//! Thin adapters between the cookie layer and other crates; each only calls `crate::cookie`.

#[cfg(feature = "axum")]
pub mod axum; // extractor and response part
#[cfg(feature = "cookie")]
mod cookie_crate; // conversions to and from `cookie::Cookie`
#[cfg(feature = "http")]
mod http; // `http::HeaderMap` helpers
