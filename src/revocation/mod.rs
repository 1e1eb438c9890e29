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
//! The operating guide (persistence, sizing, policies, failure cases) is `docs/revocation.md` in
//! the repository.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use sealed_session::revocation::{
//!     RedisOptions, RedisRevocations, RevocationSubject, RevocationTarget,
//! };
//! use sealed_session::{Config, Keyring, MasterKey, Sealer};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct UserSession { user_id: String }
//! impl RevocationSubject for UserSession {
//!     fn revocation_subject(&self) -> &str { &self.user_id }
//! }
//!
//! let config = Config::builder().session_ids(true).build()?;
//! let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config.clone());
//! let revocations =
//!     RedisRevocations::connect("redis://127.0.0.1:6379/", &config, RedisOptions::default()).await?;
//! sealer.set_revocation(Some(revocations.replica()));
//!
//! # let token = String::new();
//! let opened = sealer.open::<UserSession>(&token)?; // session id, global cut-off, staleness
//! revocations.replica().check(&opened.session, &opened.meta)?; // the subject
//!
//! revocations.revoke(&RevocationTarget::Subject(opened.session.user_id.clone())).await?;
//! # Ok(()) }
//! ```

mod error; // RevokeError
mod follower; // the task that keeps a replica in step with Redis
mod id_hash; // the fast keyed hash of random session ids
mod redis_store; // keys, scripts, options, revoke
mod replica; // the in-memory replica and the open-time check
mod wire; // member and message text

pub use error::RevokeError;
pub use redis_store::{RedisOptions, RedisRevocations};
pub use replica::{RevocationReplica, RevocationSubject, StalePolicy};
pub use wire::{MAX_SUBJECT_LEN, RevocationTarget};
