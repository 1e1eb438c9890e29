//! Load figures for fleet-wide revocation against a running Redis (feature `redis`): how long a
//! new server takes to read N revocations into its replica, and the time from `revoke` on one
//! server to refusal on another, p50 and p99.
//!
//! ```text
//! redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always --dir /tmp
//! cargo run --release --features redis --example revocation_load -- redis://127.0.0.1:6390/ 1000000
//! ```
//! It writes under the prefix `revocation-load` and deletes those keys at the end.

use std::time::{Duration, Instant};

use sealed_session::revocation::{RedisOptions, RedisRevocations, RevocationTarget, StalePolicy};
use sealed_session::{Config, Keyring, MasterKey, OpenError, Sealer, SessionOptions};

const PREFIX: &str = "revocation-load";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379/".into());
    let entries: usize = args.next().map_or(Ok(1_000_000), |n| n.parse())?;
    let config = Config::builder().session_ids(true).build()?;
    let options = || {
        RedisOptions::default()
            .prefix(PREFIX)
            .stale_policy(StalePolicy::Serve)
    };

    // Fill Redis the way revoke would leave it (one pipelined ZADD per entry, batches of 10 000).
    let client = redis::Client::open(url.as_str())?;
    let no_timeout = redis::AsyncConnectionConfig::new().set_response_timeout(None);
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&no_timeout)
        .await?;
    let key = format!("{{{PREFIX}}}:revoked");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let start = Instant::now();
    for batch in 0..entries.div_ceil(10_000) {
        let mut pipe = redis::pipe();
        for i in batch * 10_000..((batch + 1) * 10_000).min(entries) {
            let id = (i as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
            pipe.zadd(&key, format!("s:{id:032x}"), now).ignore();
        }
        let () = pipe.query_async(&mut conn).await?;
    }
    println!("wrote {entries} entries in {:?}", start.elapsed());

    let start = Instant::now();
    let a = RedisRevocations::connect(&url, &config, options()).await?;
    println!(
        "connect + full read of {} entries into a replica: {:?}",
        a.replica().len(),
        start.elapsed()
    );
    let b = RedisRevocations::connect(&url, &config, options()).await?;
    let sealer = Sealer::new(Keyring::new(1, MasterKey::generate()?), config.clone());
    sealer.set_revocation(Some(b.replica()));

    let mut latencies = Vec::new();
    let mut acks = Vec::new();
    for _ in 0..1000 {
        let token = sealer.seal(&0u8, &SessionOptions::default())?;
        let id = sealer
            .open::<u8>(&token)?
            .meta
            .session_id()
            .ok_or("session ids")?;
        let start = Instant::now();
        a.revoke(&RevocationTarget::Session(id)).await?;
        acks.push(start.elapsed());
        while sealer.open::<u8>(&token) != Err(OpenError::Revoked) {
            if start.elapsed() > Duration::from_secs(1) {
                return Err("not refused within 1 s".into());
            }
            tokio::task::yield_now().await;
        }
        latencies.push(start.elapsed());
    }
    latencies.sort();
    acks.sort();
    let pct = |v: &[Duration], p: usize| v[(v.len() * p).div_ceil(100) - 1];
    println!(
        "revoke on A acknowledged (Redis fsync included): p50 {:?}, p99 {:?}",
        pct(&acks, 50),
        pct(&acks, 99)
    );
    let at = |p: usize| pct(&latencies, p);
    println!(
        "revoke on A -> refused on B over {} revocations: p50 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        at(50),
        at(99),
        latencies[latencies.len() - 1]
    );

    drop((a, b));
    let () = redis::cmd("DEL")
        .arg(&key)
        .arg(format!("{{{PREFIX}}}:version"))
        .query_async(&mut conn)
        .await?;
    Ok(())
}
