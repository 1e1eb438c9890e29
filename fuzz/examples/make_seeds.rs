//! Writes the committed seed corpus for `open`: real tokens in every shape, at the targets' fixed
//! clock, with the key ids of the `open` target's keyring but sealed under keys that are NOT in it
//! (an `Ok` from `open` is a forgery, so the seeds must not authenticate). Run: `cargo run --manifest-path fuzz/Cargo.toml --example
//! make_seeds` (seals use fresh nonces, so the bytes differ on every run; the shapes do not).

#[path = "../fuzz_targets/common.rs"]
mod common;

use std::collections::BTreeMap;
use std::fs;

use sealed_session::{Config, Keyring, ManualClock, Sealer, SessionOptions};

fn main() {
    let foreign = Keyring::new(1, common::key(3))
        .with_open_only(2, common::key(2))
        .expect("distinct ids");
    let sealer = Sealer::new(foreign, Config::default()).with_clock(ManualClock::at(common::now()));
    let plain = SessionOptions::default();
    let session = common::Session {
        user: "alice".into(),
        id: 42,
        signed: -7,
        roles: vec![common::Role::Admin, common::Role::User(3)],
        data: vec![1, 2, 3],
        extra: Some((1, true, 'x')),
        map: BTreeMap::from([(1, "one".into())]),
    };
    let mut tokens = vec![
        ("session", sealer.seal(&session, &plain).expect("seals")),
        ("unit", sealer.seal(&(), &plain).expect("seals")),
        (
            "persistent",
            sealer
                .seal(
                    &session,
                    &SessionOptions::default().persistent(true).generation(9),
                )
                .expect("seals"),
        ),
    ];
    // Under id 2, and with session ids.
    let key2 = Sealer::new(
        Keyring::new(2, common::key(2)),
        Config::builder().session_ids(true).build().expect("valid"),
    )
    .with_clock(ManualClock::at(common::now()));
    tokens.push(("key2-sid", key2.seal(&"x", &plain).expect("seals")));
    fs::create_dir_all("fuzz/seeds/open").expect("mkdir");
    for (name, token) in &tokens {
        fs::write(format!("fuzz/seeds/open/{name}"), token).expect("write");
    }
    // A few hostile shapes around the real ones.
    let t = &tokens[0].1;
    fs::write("fuzz/seeds/open/trailing", format!("{t}AAAA")).expect("write");
    fs::write("fuzz/seeds/open/padded", format!("{t}==")).expect("write");
    fs::write("fuzz/seeds/open/header-only", &t[..38]).expect("write");
}
