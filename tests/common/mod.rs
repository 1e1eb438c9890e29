//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod redis_server;

use std::ops::Deref;

use sealed_session::{Config, Keyring, ManualClock, MasterKey, Sealer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// 2027-01-15T08:00:00Z.
pub const T0: i64 = 1_800_000_000;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;

pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

/// A deterministic master key per label (random-looking, distinct bytes).
pub fn key(label: u8) -> MasterKey {
    let bytes: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(73).wrapping_add(label.wrapping_mul(29)) ^ 0x5a)
        .collect();
    MasterKey::from_bytes(&bytes).unwrap()
}

/// A sealer on a [`ManualClock`] that the test moves: `s.at(T0 + HOUR).open::<S>(&token)` opens
/// at that instant. Derefs to the [`Sealer`] (at whatever time the clock was last set).
#[derive(Clone)]
pub struct Clocked {
    pub sealer: Sealer,
    pub clock: ManualClock,
}

impl Clocked {
    /// Sets the shared clock to `secs` unix seconds and returns the sealer.
    pub fn at(&self, secs: i64) -> &Sealer {
        self.clock.set(at(secs));
        &self.sealer
    }
}

impl Deref for Clocked {
    type Target = Sealer;
    fn deref(&self) -> &Sealer {
        &self.sealer
    }
}

/// `sealer` on a manual clock standing at [`T0`].
pub fn clocked(sealer: Sealer) -> Clocked {
    let clock = ManualClock::at(at(T0));
    Clocked {
        sealer: sealer.with_clock(clock.clone()),
        clock,
    }
}

/// Key 1, the default config, a manual clock at [`T0`].
pub fn sealer() -> Clocked {
    sealer_with(Config::default())
}

/// Key 1, `config`, a manual clock at [`T0`].
pub fn sealer_with(config: Config) -> Clocked {
    clocked(Sealer::new(Keyring::new(1, key(1)), config))
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: u64,
    pub name: String,
    pub roles: Vec<String>,
    pub csrf: [u8; 16],
}

pub fn session() -> Session {
    Session {
        user_id: 7,
        name: "bob".into(),
        roles: vec!["reader".into()],
        csrf: [9; 16],
    }
}

/// Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}
