//! Heap allocations of seal and open, counted per thread by tests/common/alloc_count.rs.
//!
//! Sealing allocates the returned token and nothing else; opening allocates only what the
//! caller's type needs (one `String` field: one allocation).

#[path = "common/alloc_count.rs"]
mod alloc_count;
mod common;
use alloc_count::count;

use sealed_session::{Opened, SessionOptions};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct OneString {
    user_id: u64,
    name: String,
}

/// The bench's small session: 5 heap values (e-mail, the roles vector, two roles, locale).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct SmallSession {
    user_id: u64,
    email: String,
    roles: Vec<String>,
    csrf: [u8; 24],
    locale: String,
}

#[test]
fn seal_and_open_allocate_only_what_the_caller_owns() {
    let sealer = common::sealer();
    let opts = SessionOptions::default();
    let one = OneString {
        user_id: 42,
        name: "alice".to_owned(),
    };
    let small = SmallSession {
        user_id: 123_456_789,
        email: "alice@example.com".to_owned(),
        roles: vec!["admin".to_owned(), "editor".to_owned()],
        csrf: [0xA5; 24],
        locale: "en-GB".to_owned(),
    };
    let big = vec![7u8; 2900];

    // Warm-up: the first use of a thread grows its scratch buffer, and the first use of an epoch
    // derives and caches its key. Neither happens again in the steady state.
    for _ in 0..2 {
        let warm = sealer.seal(&big, &opts).unwrap();
        sealer.open::<Vec<u8>>(&warm).unwrap();
    }

    // Seal: the returned string, exactly that one allocation, whatever the session.
    let (n, token_one) = count(|| sealer.seal(&one, &opts).unwrap());
    assert_eq!(n, 1, "seal (one String) allocated {n} times");
    let (n, token_small) = count(|| sealer.seal(&small, &opts).unwrap());
    assert_eq!(n, 1, "seal (small session) allocated {n} times");
    let (n, token_big) = count(|| sealer.seal(&big, &opts).unwrap());
    assert_eq!(n, 1, "seal (2900-byte payload) allocated {n} times");

    // Open: only the caller's type allocates.
    let (n, opened) = count(|| sealer.open::<OneString>(&token_one).unwrap());
    assert_eq!(n, 1, "open of a struct with one String allocated {n} times");
    assert_eq!(opened.session, one);

    let (n, opened) = count(|| sealer.open::<SmallSession>(&token_small).unwrap());
    assert_eq!(n, 5, "open of the small session allocated {n} times");
    assert_eq!(opened.session, small);

    // The payload decoder takes no size hint from a length prefix (a hostile-input defence), so a
    // `Vec` grows as if pushed to one element at a time: exactly those allocations, no more.
    let (growth, grown) = count(|| {
        let mut v = Vec::new();
        for b in &big {
            v.push(*b);
        }
        v
    });
    assert_eq!(grown, big);
    let (n, opened) = count(|| sealer.open::<Vec<u8>>(&token_big).unwrap());
    assert_eq!(
        n, growth,
        "open of a Vec<u8> allocated {n} times, its growth {growth}"
    );
    assert_eq!(opened.session, big);

    let number = sealer.seal(&7u64, &opts).unwrap();
    let (n, opened) = count(|| sealer.open::<u64>(&number).unwrap());
    assert_eq!(n, 0, "open of a u64 allocated {n} times");
    assert_eq!(opened.session, 7);

    // A refused token costs nothing on the heap either.
    let mut tampered = token_small.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let (n, refused) = count(|| sealer.open::<SmallSession>(&tampered));
    assert!(refused.is_err());
    assert_eq!(n, 0, "a refused open allocated {n} times");

    // Renewal into a new string: that string only.
    let Opened { session, meta, .. } = sealer.open::<OneString>(&token_one).unwrap();
    let (n, renewed) = count(|| sealer.renew(&session, &meta).unwrap());
    assert_eq!(n, 1, "renew allocated {n} times");
    assert!(sealer.open::<OneString>(&renewed).is_ok());
}

/// The open cache's slots are allocated with the sealer's state: sealing into it, opening from
/// it and filling it on an open allocate nothing more.
#[test]
fn the_open_cache_allocates_nothing_per_call() {
    let config = sealed_session::Config::builder()
        .open_cache(64)
        .build()
        .unwrap();
    let cached = common::sealer_with(config);
    let other = common::sealer();
    let opts = SessionOptions::default();
    let one = OneString {
        user_id: 42,
        name: "alice".to_owned(),
    };
    for _ in 0..2 {
        let warm = cached.seal(&one, &opts).unwrap();
        cached.open::<OneString>(&warm).unwrap();
        other.open::<OneString>(&warm).unwrap();
    }
    let (n, token) = count(|| cached.seal(&one, &opts).unwrap());
    assert_eq!(n, 1, "seal into the cache allocated {n} times");
    let (n, opened) = count(|| cached.open::<OneString>(&token).unwrap());
    assert_eq!(n, 1, "open from the cache allocated {n} times");
    assert_eq!(opened.session, one);
    let foreign = other.seal(&one, &opts).unwrap();
    let (n, opened) = count(|| cached.open::<OneString>(&foreign).unwrap());
    assert_eq!(n, 1, "open filling the cache allocated {n} times");
    assert_eq!(opened.session, one);
    let (n, opened) = count(|| cached.open::<OneString>(&foreign).unwrap());
    assert_eq!(n, 1, "open from the cache allocated {n} times");
    assert_eq!(opened.session, one);
}
