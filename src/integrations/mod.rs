//! Thin adapters between this crate and other crates: the web ones only call
//! `crate::cookie_layer`, the observers only read `crate::observe` events.
//!
//! Web imports run one way: `handle` <- `extract` <- the framework adapters (`tower`, `axum`,
//! `actix`), which only translate between their framework and those two.

#[cfg(feature = "actix-web")]
pub mod actix; // the actix-web middleware and `Session<T>` extractor
#[cfg(feature = "axum")]
pub mod axum; // the `Session<T>` extractor over the tower layer
#[cfg(feature = "cookie")]
mod cookie_crate; // conversions to and from `cookie::Cookie`
#[cfg(any(feature = "axum", feature = "actix-web"))]
mod extract; // `Session<T>`: the extractor value both frameworks hand to handlers
#[cfg(all(test, any(feature = "axum", feature = "actix-web")))]
mod fixtures; // the adapters' test fixtures
#[cfg(any(feature = "tower", feature = "actix-web"))]
mod handle; // the request's session and the one after-handler decision, for every middleware
#[cfg(feature = "http")]
mod http; // `http::HeaderMap` helpers
#[cfg(feature = "metrics")]
pub(crate) mod metrics_observer; // counters and histograms for the `metrics` facade
#[cfg(feature = "tower")]
pub mod tower; // the session layer: open once per request, renew and clean up after the handler
#[cfg(feature = "tracing")]
pub(crate) mod tracing_observer; // `tracing` events at each refusal's log level
