//! The open direction of the published test vectors: every vector in `tests/vectors/v1.json`,
//! opened through the public API, gives exactly the recorded session and metadata, or the recorded
//! error. (The seal direction, which needs the crate-private fixed-nonce seam, is checked by the
//! unit tests in `src/vectors.rs`.)

use std::time::Duration;

use sealed_session::{
    Config, Keyring, Lifetimes, ManualClock, MasterKey, OpenError, Sealer, SessionMeta,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

const VECTORS: &str = include_str!("vectors/v1.json");

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct VectorSession {
    user_id: u64,
    name: String,
    roles: Vec<String>,
    csrf: [u8; 16],
}

fn num(v: &Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} is not a number"))
}

fn config(c: &Value) -> Config {
    let s = |f: &str| Duration::from_secs(num(c, f));
    Config::builder()
        .purpose(c["purpose"].as_str().unwrap())
        .rotation_period(s("rotation_period"))
        .leeway(s("leeway"))
        .browser_session(Lifetimes::new(s("browser_absolute"), s("browser_idle")))
        .persistent(Lifetimes::new(
            s("persistent_absolute"),
            s("persistent_idle"),
        ))
        .max_token_len(num(c, "max_token_len") as usize)
        .renew_after_percent(num(c, "renew_after_percent") as u8)
        .generation_floor(num(c, "generation_floor"))
        .not_before(OffsetDateTime::from_unix_timestamp(num(c, "not_before") as i64).unwrap())
        .schema_version(num(c, "schema_version") as u32)
        .session_ids(c["session_ids"].as_bool().unwrap())
        .build()
        .unwrap()
}

fn keyring(ring: &Value) -> Keyring {
    let mut entries = ring.as_array().unwrap().iter().map(|k| {
        (
            num(k, "id") as u8,
            MasterKey::from_text(k["key_hex"].as_str().unwrap()).unwrap(),
        )
    });
    let (id, key) = entries.next().unwrap();
    entries.fold(Keyring::new(id, key), |r, (id, key)| {
        r.with_open_only(id, key).unwrap()
    })
}

include!("vectors/json_shape.rs");

#[test]
fn every_vector_opens_as_published() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 25, "only {} vectors", vectors.len());
    let (mut ok, mut err) = (0, 0);
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let now = OffsetDateTime::from_unix_timestamp(v["open_at"].as_i64().unwrap()).unwrap();
        let sealer = Sealer::new(keyring(&v["keyring"]), config(&v["config"]))
            .with_clock(ManualClock::at(now));
        let result = sealer.open::<VectorSession>(v["token"].as_str().unwrap());
        let expect = &v["expect"];
        match (&result, expect.get("ok"), expect.get("error")) {
            (Ok(opened), Some(want), None) => {
                assert_eq!(
                    serde_json::to_value(&opened.session).unwrap(),
                    want["session"],
                    "vector {id}: session"
                );
                assert_eq!(
                    meta_json(&opened.meta),
                    want["meta"],
                    "vector {id}: metadata"
                );
                assert_eq!(v["valid"], true, "vector {id}");
                ok += 1;
            }
            (Err(e), None, Some(want)) => {
                assert_eq!(error_name(e), want.as_str().unwrap(), "vector {id}: error");
                assert_eq!(v["valid"], false, "vector {id}");
                err += 1;
            }
            _ => panic!(
                "vector {id}: expected {expect}, got {:?}",
                result.map(|o| o.meta)
            ),
        }
    }
    assert!(ok >= 10 && err >= 15, "{ok} positive, {err} negative");
}

#[test]
fn vectors_cover_every_open_error_kind() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let kinds: Vec<&str> = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["expect"]["error"].as_str())
        .collect();
    for kind in [
        "TooLong",
        "Malformed",
        "UnsupportedVersion",
        "UnknownKeyId",
        "RetiredEpoch",
        "Authentication",
        "Expired",
        "IdleTimeout",
        "FromTheFuture",
        "Revoked",
        "SchemaMismatch",
        "Payload",
    ] {
        assert!(kinds.contains(&kind), "no vector for {kind}");
    }
}
