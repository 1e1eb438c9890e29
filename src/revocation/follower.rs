//! The task that keeps a replica in step with Redis: subscribe, read everything, then apply each
//! announced revocation as it arrives and poll the version counter every interval. A gap in the
//! versions (a message lost while the connection looked alive), a counter that went backwards
//! (Redis lost data) or a malformed message triggers a full re-read; a connection error ends the
//! session, and the task reconnects with capped exponential back-off, each wait drawn at random
//! from its upper half so that a fleet cut off at once does not reconnect (and re-read
//! everything) in lockstep, re-reading everything before it counts as in step again. Every Redis call is bounded by the timeout, so a hung
//! server shows up as an error, never as a stuck task.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use super::error::RevokeError;
use super::redis_store::{Shared, bounded};
use super::wire;

const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The outcome of the first sync, which `connect` waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FirstSync {
    Pending,
    Synced,
    Failed(RevokeError),
}

/// Runs until aborted (when its `RedisRevocations` is dropped).
pub(crate) async fn follow(shared: Arc<Shared>, first: tokio::sync::watch::Sender<FirstSync>) {
    let mut first = Some(first);
    let mut backoff = MIN_BACKOFF;
    loop {
        let mut synced = false;
        let error = session(&shared, &mut first, &mut synced).await;
        shared.replica.set_connected(false);
        if let Some(tx) = first.take() {
            // The first attempt failed: `connect` reports it and aborts this task.
            let _ = tx.send(FirstSync::Failed(error));
            return;
        }
        backoff = if synced {
            MIN_BACKOFF
        } else {
            backoff.saturating_mul(2).min(MAX_BACKOFF)
        };
        tokio::time::sleep(jittered(backoff, random_u32())).await;
    }
}

/// A wait between `backoff / 2` and `backoff`, placed by `random`.
fn jittered(backoff: Duration, random: u32) -> Duration {
    let half = backoff.checked_div(2).unwrap_or(backoff);
    let spread = half.mul_f64(f64::from(random) / f64::from(u32::MAX));
    half.saturating_add(spread).min(backoff)
}

/// A random number for spreading reconnections; a failing generator only loses the spread.
fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_or(u32::MAX, |()| u32::from_le_bytes(bytes))
}

/// One connected session; returns the error that ended it.
async fn session(
    shared: &Shared,
    first: &mut Option<tokio::sync::watch::Sender<FirstSync>>,
    synced: &mut bool,
) -> RevokeError {
    match run(shared, first, synced).await {
        Ok(never) => match never {},
        Err(e) => e,
    }
}

async fn run(
    shared: &Shared,
    first: &mut Option<tokio::sync::watch::Sender<FirstSync>>,
    synced: &mut bool,
) -> Result<std::convert::Infallible, RevokeError> {
    let mut pubsub = bounded(shared.timeout, shared.client.get_async_pubsub()).await?;
    bounded(shared.timeout, pubsub.subscribe(&shared.keys.channel)).await?;
    let mut conn = shared.connect().await?;
    // Subscribed before the read: a revocation written during it arrives as a message too.
    let mut seen = shared.full_sync(&mut conn).await?;
    *synced = true;
    shared.replica.set_connected(true);
    if let Some(tx) = first.take() {
        let _ = tx.send(FirstSync::Synced);
    }
    let mut messages = pubsub.on_message();
    let mut tick = tokio::time::interval(shared.reconcile_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate
    // The counter at the previous poll: its message must have arrived by the next poll.
    let mut due = seen;
    let mut gap = false;
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else {
                    return Err(RevokeError::Unavailable);
                };
                let announced = std::str::from_utf8(message.get_payload_bytes())
                    .ok()
                    .and_then(wire::parse_message);
                match announced {
                    Some(a) => {
                        shared.replica.insert(&a.target, a.revoked_at);
                        if Some(a.version) == seen.checked_add(1) {
                            seen = a.version;
                        } else if a.version > seen {
                            gap = true;
                        }
                    }
                    None => gap = true,
                }
            }
            _ = tick.tick() => {
                let remote = shared.poll(&mut conn).await?;
                if gap || seen < due || remote < seen {
                    seen = shared.full_sync(&mut conn).await?;
                    gap = false;
                } else {
                    shared.replica.sweep();
                    shared.replica.mark_synced();
                }
                due = remote;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnection_waits_spread_over_the_upper_half_of_the_back_off() {
        for backoff in [MIN_BACKOFF, Duration::from_millis(800), MAX_BACKOFF] {
            assert_eq!(jittered(backoff, 0), backoff / 2);
            assert_eq!(jittered(backoff, u32::MAX), backoff);
            let middle = jittered(backoff, u32::MAX / 2);
            assert!(middle > backoff / 2 && middle < backoff, "{middle:?}");
        }
        // Sixteen replicas cut off at once pick (almost) sixteen different waits.
        let waits: std::collections::BTreeSet<Duration> = (0..16)
            .map(|_| jittered(MAX_BACKOFF, random_u32()))
            .collect();
        assert!(waits.len() >= 15, "{waits:?}");
    }
}
