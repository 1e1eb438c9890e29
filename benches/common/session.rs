//! The session every benchmark and peer comparison seals: a realistic "small session" of 66 bytes
//! of postcard, and payloads of an exact postcard size for the size sweeps.
//!
//! Shared by `benches/*.rs`, `examples/sizes.rs`, `tests/token_size.rs` and the `bench-peers`
//! crate (through `#[path]`), so every figure is about the same bytes.

use serde::{Deserialize, Serialize};

/// A typical login session: user id, e-mail, two roles, a CSRF secret, a locale.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SmallSession {
    pub user_id: u64,
    pub email: String,
    pub roles: Vec<String>,
    pub csrf: [u8; 24],
    pub locale: String,
}

/// The postcard size of [`small_session`]: 4 (varint user id) + 18 (e-mail) + 14 (roles)
/// + 24 (CSRF secret) + 6 (locale).
pub const SMALL_SESSION_LEN: usize = 66;

/// The small session used everywhere.
pub fn small_session() -> SmallSession {
    SmallSession {
        user_id: 123_456_789,
        email: "alice@example.com".to_owned(),
        roles: vec!["admin".to_owned(), "editor".to_owned()],
        csrf: [0xA5; 24],
        locale: "en-GB".to_owned(),
    }
}

/// A payload of an exact postcard size: a string after its varint length prefix. (A 0-byte
/// payload is the unit type `()`.)
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Blob(pub String);

/// The varint length prefix postcard writes before a string of `n` bytes.
fn prefix_len(n: usize) -> usize {
    let mut len = 1;
    let mut v = n >> 7;
    while v != 0 {
        len += 1;
        v >>= 7;
    }
    len
}

/// A [`Blob`] of exactly `len` postcard bytes (`len` >= 1).
pub fn blob(len: usize) -> Blob {
    assert!(len >= 1, "a blob has at least its length prefix");
    let mut n = len - 1;
    while n + prefix_len(n) > len {
        n -= 1;
    }
    assert_eq!(
        n + prefix_len(n),
        len,
        "no string has exactly {len} postcard bytes"
    );
    Blob("x".repeat(n))
}
