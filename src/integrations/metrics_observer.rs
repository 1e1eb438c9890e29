//! The ready observer for the `metrics` facade: counters per operation and outcome, and
//! histograms of token sizes and cookie counts.

use crate::observe::{Event, Observer};

/// An [`Observer`] that records every event through the [`metrics`](::metrics) facade, into
/// whatever recorder the application installed (Prometheus, StatsD, ...):
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `sealed_session_operations_total` | counter | `operation` (`seal`, `open`, `renew`, `reissue`, `remove`), `outcome` (`ok` or the error, as [`Event::outcome`]) |
/// | `sealed_session_opened_old_total` | counter | `reason` (`key`, `epoch`): tokens that opened but were sealed under a non-primary key or in another epoch (a rotation's progress) |
/// | `sealed_session_token_bytes` | histogram | `operation`: length of each token sealed (`seal`, `renew`, `reissue`) |
/// | `sealed_session_cookies` | histogram | `operation`: cookies carrying each token the cookie layer wrote (1 unless chunked) |
///
/// Every label value is one of a small fixed set, so the series count stays bounded.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use sealed_session::*;
/// let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
/// sealer.set_observer(Some(Arc::new(MetricsObserver::default())));
/// // With a recorder installed (for example `metrics-exporter-prometheus`), this counts
/// // sealed_session_operations_total{operation="seal",outcome="ok"}.
/// sealer.seal(&1u8, &SessionOptions::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct MetricsObserver {}

impl Observer for MetricsObserver {
    fn event(&self, event: &Event) {
        let operation = event.operation();
        ::metrics::counter!(
            "sealed_session_operations_total",
            "operation" => operation,
            "outcome" => event.outcome()
        )
        .increment(1);
        match *event {
            Event::Open {
                result: Ok(()),
                old_key,
                old_epoch,
                ..
            } => {
                if old_key {
                    ::metrics::counter!("sealed_session_opened_old_total", "reason" => "key")
                        .increment(1);
                }
                if old_epoch {
                    ::metrics::counter!("sealed_session_opened_old_total", "reason" => "epoch")
                        .increment(1);
                }
            }
            Event::Seal {
                result: Ok(()),
                token_len,
                chunks,
            }
            | Event::Renew {
                result: Ok(()),
                token_len,
                chunks,
            }
            | Event::Reissue {
                result: Ok(()),
                token_len,
                chunks,
            } => {
                ::metrics::histogram!("sealed_session_token_bytes", "operation" => operation)
                    .record(as_f64(token_len));
                if chunks > 0 {
                    ::metrics::histogram!("sealed_session_cookies", "operation" => operation)
                        .record(as_f64(chunks));
                }
            }
            _ => {}
        }
    }
}

/// A length as a sample (token lengths are at most 1 MiB, so exact).
fn as_f64(n: usize) -> f64 {
    u32::try_from(n).map_or(f64::from(u32::MAX), f64::from)
}
