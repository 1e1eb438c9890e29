//! Thin adapters between this crate and other crates: the web ones only call
//! `crate::cookie_layer`, the observers only read `crate::observe` events.

#[cfg(feature = "axum")]
pub mod axum; // the `Session<T>` extractor over the tower layer
#[cfg(feature = "cookie")]
mod cookie_crate; // conversions to and from `cookie::Cookie`
#[cfg(feature = "http")]
mod http; // `http::HeaderMap` helpers
#[cfg(feature = "metrics")]
pub(crate) mod metrics_observer; // counters and histograms for the `metrics` facade
#[cfg(feature = "tower")]
pub mod tower; // the session layer: open once per request, renew and clean up after the handler
#[cfg(feature = "tracing")]
pub(crate) mod tracing_observer; // `tracing` events at each refusal's log level
