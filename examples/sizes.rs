//! Token size report: `cargo run --example sizes`.
//!
//! For payloads from 0 bytes to the cookie limit: the token length of a fresh session sealed at
//! noon UTC (the claims are then 7 bytes, as for most of the day), the longest token the payload
//! can ever give under the default config (`Sealer::sealed_len`: the last second of an epoch and
//! the oldest session the lifetimes allow), the fixed overhead in characters, and whether the
//! token fits one cookie with the default cookie settings (`__Host-session`, `Secure`,
//! `HttpOnly`, `SameSite=Lax`, `Path=/`). Browsers limit name plus value to 4096 bytes; the
//! attributes do not count. The limit comes from the cookie layer's own accounting
//! (`CookieSettings::max_token_len`, and `Sealer::max_payload_len` of the sealer bound to it).

#[allow(
    dead_code,
    reason = "shared with the benches; only blobs are used here"
)]
#[path = "../benches/common/session.rs"]
mod session;

use sealed_session::{CookieSettings, Keyring, ManualClock, MasterKey, Sealer, SessionOptions};
use time::{Duration, OffsetDateTime};

/// base64url characters of `n` bytes alone, without padding.
fn b64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cookies = CookieSettings::default();
    let noon = OffsetDateTime::from_unix_timestamp(20_000 * 86_400)? + Duration::hours(12);
    let sealer = Sealer::new(
        Keyring::new(1, MasterKey::generate()?),
        cookies.config_builder().build()?,
    )
    .with_clock(ManualClock::at(noon));
    let browser = SessionOptions::default();
    let persistent = SessionOptions::default().persistent(true);
    let room = cookies.max_token_len();
    let max_browser = sealer.max_payload_len(&browser).unwrap_or(0);
    let max_persistent = sealer.max_payload_len(&persistent).unwrap_or(0);

    println!("sealed-session v1 token sizes (default config; characters of unpadded base64url)");
    println!();
    println!(
        "{:>8} | {:>11} {:>9} | {:>13} {:>13} | {:>12} | {:>10}",
        "payload",
        "fresh token",
        "overhead",
        "worst browser",
        "worst persist",
        "name+value",
        "fits 4096"
    );
    let mut sizes = vec![0, 1, 16, 32, 64, 66, 128, 256, 512, 1024, 2048, 3000];
    sizes.extend([max_persistent, max_browser, max_browser + 1]);
    for len in sizes {
        let sealed = if len == 0 {
            sealer.seal(&(), &browser)
        } else {
            sealer.seal(&session::blob(len), &browser)
        };
        // Over the largest payload, seal refuses at every time of day (SealError::TooLong).
        let (fresh, overhead) = match sealed {
            Ok(token) => (
                token.len().to_string(),
                (token.len() - b64_len(len)).to_string(),
            ),
            Err(_) => ("refused".to_owned(), "-".to_owned()),
        };
        let worst_b = sealer.sealed_len(len, &browser);
        let worst_p = sealer.sealed_len(len, &persistent);
        let cookie = cookies.name().len() + worst_b;
        println!(
            "{:>8} | {:>11} {:>9} | {:>13} {:>13} | {:>12} | {:>10}",
            len,
            fresh,
            overhead,
            worst_b,
            worst_p,
            cookie,
            if worst_b <= room { "yes" } else { "no" }
        );
    }
    let small = session::small_session();
    let small_token = sealer.seal(&small, &browser)?;
    println!();
    println!(
        "fixed overhead: {} characters for a fresh default session (45 raw bytes: 24 header + \
         5 claims + 16 tag); at most {} (browser session) and {} (persistent) for any session age",
        sealer.seal(&(), &browser)?.len(),
        sealer.sealed_len(0, &browser),
        sealer.sealed_len(0, &persistent),
    );
    println!(
        "small session ({} bytes of postcard): {} characters",
        session::SMALL_SESSION_LEN,
        small_token.len()
    );
    println!(
        "largest payload in one cookie named `{}` (name + value <= 4096 bytes, so {room} \
         token characters): {max_browser} bytes (browser session), {max_persistent} bytes \
         (persistent), for any session age",
        cookies.name()
    );
    Ok(())
}
