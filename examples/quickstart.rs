//! The crate doing its main job: generate a key, seal a session, show the token and where its
//! characters go, open it, then watch a tampered and an expired token being refused.
//!
//! Run: `cargo run --example quickstart`

use std::error::Error;

use sealed_session::{Config, Keyring, ManualClock, MasterKey, Sealer, SessionOptions};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// A typical small session: who, a CSRF secret, roles, a flash message.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Session {
    user_id: u64,
    csrf: [u8; 16],
    roles: Vec<String>,
    flash: Option<String>,
}

fn main() -> Result<(), Box<dyn Error>> {
    // 1. A fresh master key. In production: MasterKey::from_env("SESSION_KEY") or
    //    Keyring::from_env("SESSION_KEYS"), with the key kept in your secret manager.
    let key = MasterKey::generate()?;
    println!(
        "generated master key (store it as SESSION_KEY): {}",
        key.to_base64url().as_str()
    );
    println!("key Debug output is redacted: {key:?}\n");

    // The sealer reads the system clock; this demo runs on a manual clock so that step 6 can
    // move it three hours on.
    let clock = ManualClock::at(OffsetDateTime::now_utc());
    let sealer = Sealer::new(
        Keyring::new(1, key),
        Config::builder().purpose("__Host-session").build()?,
    )
    .with_clock(clock.clone());

    // 2. Seal a session.
    let session = Session {
        user_id: 1_000_042,
        csrf: *b"k3Jq9vX2mL8pR4tY",
        roles: vec!["editor".into()],
        flash: Some("Welcome back!".into()),
    };
    let token = sealer.seal(&session, &SessionOptions::default())?;
    let payload_len = postcard::to_allocvec(&session)?.len();
    println!("token ({} characters):\n{token}\n", token.len());

    // 3. Where the characters go.
    let raw_len = token.len() * 3 / 4;
    let claims_len = raw_len - 24 - 16 - payload_len;
    println!("length breakdown (raw bytes, before base64url):");
    println!("  header   24  version, key id, epoch (16 bits), 20 random bytes: the nonce");
    println!(
        "  claims {claims_len:>4}  flags, seal time, session age; generation, schema if set (encrypted)"
    );
    println!("  payload{payload_len:>4}  your session, postcard (encrypted)");
    println!("  tag      16  Poly1305");
    println!(
        "  = {raw_len} bytes -> {} base64url characters; fixed overhead {} characters\n",
        token.len(),
        token.len() - (payload_len * 4).div_ceil(3)
    );

    // 4. Open it.
    let opened = sealer.open::<Session>(&token)?;
    assert_eq!(opened.session, session);
    println!("opened: {:?}", opened.session);
    let m = &opened.meta;
    println!(
        "  key id {}, epoch {}, started {}, idle deadline {}, absolute deadline {}, renew now: {}\n",
        m.key_id(),
        m.epoch(),
        m.session_start(),
        m.idle_deadline(),
        m.absolute_deadline(),
        m.renewal_due()
    );

    // 5. A tampered token: one character changed.
    let mut tampered = token.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered)?;
    let err = sealer.open::<Session>(&tampered).unwrap_err();
    println!("tampered token refused: {err:?} ({err})");

    // 6. The same token three hours later: past the 2-hour idle lifetime.
    clock.advance(Duration::hours(3));
    let err = sealer.open::<Session>(&token).unwrap_err();
    println!("expired token refused:  {err:?} ({err})");
    Ok(())
}
