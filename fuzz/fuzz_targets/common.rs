//! Shared by the fuzz targets: fixed keys, a fixed clock, and a session type with the shapes an
//! application is likely to use (strings, enums, sequences, maps, options).
#![allow(dead_code, reason = "each target uses part of this module")]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use sealed_session::{Config, Keyring, ManualClock, MasterKey, Sealer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// 2027-01-15T08:00:00Z: the fixed "now" of the targets that do not fuzz the clock.
pub const NOW: i64 = 1_800_000_000;

/// The latest instant the targets seal at (year 9999), so `OffsetDateTime` never overflows.
pub const MAX_TIME: u64 = 253_402_300_000;

/// Four distinct, deterministic, non-weak master keys.
pub fn key(index: u8) -> MasterKey {
    let bytes: Vec<u8> = (0u8..32)
        .map(|i| {
            i.wrapping_mul(37)
                .wrapping_add(11)
                .wrapping_add(index.wrapping_mul(101))
        })
        .collect();
    MasterKey::from_bytes(&bytes).expect("fixed fuzz key is valid")
}

/// The keyring of the `open` target: key 0 as id 1 (primary), key 1 as id 2; the clock at
/// [`NOW`].
pub fn fixed_sealer() -> Sealer {
    let ring = Keyring::new(1, key(0))
        .with_open_only(2, key(1))
        .expect("distinct ids");
    Sealer::new(ring, Config::default()).with_clock(ManualClock::at(now()))
}

/// A sealer on a manual clock that the target moves: `s.at(t).open(..)` opens at `t`.
pub struct Clocked {
    sealer: Sealer,
    clock: ManualClock,
}

impl Clocked {
    pub fn new(sealer: Sealer) -> Self {
        let clock = ManualClock::at(now());
        Self {
            sealer: sealer.with_clock(clock.clone()),
            clock,
        }
    }

    /// The sealer, its clock set to `secs` unix seconds (at most [`MAX_TIME`]).
    pub fn at(&self, secs: u64) -> &Sealer {
        self.clock.set(at(secs));
        &self.sealer
    }
}

pub fn at(secs: u64) -> OffsetDateTime {
    let secs = i64::try_from(secs.min(MAX_TIME)).expect("fits");
    OffsetDateTime::from_unix_timestamp(secs).expect("in range")
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).expect("in range")
}

#[derive(Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Admin,
    User(u32),
    Guest { name: String },
    Scoped(Vec<(String, bool)>),
}

#[derive(Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub id: u64,
    pub signed: i64,
    pub roles: Vec<Role>,
    pub data: Vec<u8>,
    pub extra: Option<(i32, bool, char)>,
    pub map: BTreeMap<u8, String>,
}

/// A recursive type: the payload shape that lets an attacker ask for deep nesting.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Nest {
    End,
    Deeper(Box<Nest>),
    Many(Vec<Nest>),
}
