//! Fleet-wide revocation backed by Redis (feature `redis`): "log out everywhere" with `open` still
//! local, synchronous and free of network I/O.
//!
//! - [`RevocationReplica`]: the revocations that can still matter, in memory; the sealer's
//!   revocation hook (`Sealer::set_revocation`) checks session ids, the global cut-off and
//!   staleness on every open, and [`RevocationReplica::check`] checks the subject after the
//!   payload is decoded ([`RevocationSubject`]: no claim in the token, zero bytes).
//! - [`RedisRevocations`]: `revoke` from any server, and the task that keeps the replica in step
//!   (pub/sub push, a version counter polled every interval to repair a missed message,
//!   reconnection with back-off).
//!
//! The operating guide (persistence, sizing, policies) is `docs/revocation.md`.

mod error; // RevokeError
mod follower; // the task that keeps a replica in step with Redis
mod redis_store; // keys, scripts, options, revoke
mod replica; // the in-memory replica and the open-time check
mod wire; // member and message text

pub use error::RevokeError;
pub use redis_store::{RedisOptions, RedisRevocations};
pub use replica::{RevocationReplica, RevocationSubject, StalePolicy};
pub use wire::{MAX_SUBJECT_LEN, RevocationTarget};
