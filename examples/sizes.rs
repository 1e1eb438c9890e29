//! Token size report: `cargo run --example sizes`.
//!
//! For payloads from 0 bytes to the cookie limit: the token length of a fresh session sealed at
//! noon UTC (the claims are then 7 bytes, as for most of the day), the longest token the payload
//! can ever give under the default config (`Sealer::sealed_len`: the last second of an epoch and
//! the oldest session the lifetimes allow), the fixed overhead in characters, and whether
//! `__Host-session=<token>` fits a browser's 4096-byte limit on name plus value. Cookie
//! attributes (`Path`, `Secure`, ...) do not count toward that limit.
//!
//! The cookie size is counted here as name + `=` + value, the rule browsers apply.

#[allow(
    dead_code,
    reason = "shared with the benches; only blobs are used here"
)]
#[path = "../benches/common/session.rs"]
mod session;

use sealed_session::{Config, Keyring, MasterKey, Sealer, SessionOptions};
use time::{Duration, OffsetDateTime};

const COOKIE_NAME: &str = "__Host-session";
const COOKIE_LIMIT: usize = 4096;

/// base64url characters of `n` bytes alone, without padding.
fn b64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), Config::default());
    let browser = SessionOptions::default();
    let persistent = SessionOptions::default().persistent(true);
    let noon = OffsetDateTime::from_unix_timestamp(20_000 * 86_400)? + Duration::hours(12);
    let value_limit = COOKIE_LIMIT - COOKIE_NAME.len() - 1;
    let max_browser = sealer.max_payload_len(value_limit, &browser);
    let max_persistent = sealer.max_payload_len(value_limit, &persistent);

    println!("sealed-session v1 token sizes (default config; characters of unpadded base64url)");
    println!();
    println!(
        "{:>8} | {:>11} {:>9} | {:>13} {:>13} | {:>12} | {:>10}",
        "payload",
        "fresh token",
        "overhead",
        "worst browser",
        "worst persist",
        "cookie bytes",
        "fits 4096"
    );
    let mut sizes = vec![0, 1, 16, 32, 64, 66, 128, 256, 512, 1024, 2048, 3000];
    sizes.extend([max_persistent, max_browser, max_browser + 1]);
    for len in sizes {
        let fresh = if len == 0 {
            sealer.seal_at(&(), noon)?.len()
        } else {
            sealer.seal_at(&session::blob(len), noon)?.len()
        };
        let worst_b = sealer.sealed_len(len, &browser);
        let worst_p = sealer.sealed_len(len, &persistent);
        let cookie = COOKIE_NAME.len() + 1 + worst_b;
        println!(
            "{:>8} | {:>11} {:>9} | {:>13} {:>13} | {:>12} | {:>10}",
            len,
            fresh,
            fresh - b64_len(len),
            worst_b,
            worst_p,
            cookie,
            if cookie <= COOKIE_LIMIT { "yes" } else { "no" }
        );
    }
    let small = session::small_session();
    let small_token = sealer.seal_at(&small, noon)?;
    println!();
    println!(
        "fixed overhead: {} characters for a fresh default session (51 raw bytes: 28 header + \
         7 claims + 16 tag); at most {} (browser session) and {} (persistent) for any session age",
        sealer.seal_at(&(), noon)?.len(),
        sealer.sealed_len(0, &browser),
        sealer.sealed_len(0, &persistent),
    );
    println!(
        "small session ({} bytes of postcard): {} characters",
        session::SMALL_SESSION_LEN,
        small_token.len()
    );
    println!(
        "largest payload in a 4096-byte cookie `{COOKIE_NAME}=<token>`: {max_browser} bytes \
         (browser session), {max_persistent} bytes (persistent), for any session age"
    );
    Ok(())
}
