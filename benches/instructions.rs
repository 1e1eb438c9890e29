//! A fixed amount of work for an instruction counter: `valgrind --tool=callgrind` counts
//! instructions repeatably on a noisy machine, where timings wander. Not a timing bench.
//!
//! ```sh
//! cargo bench --bench instructions --no-run
//! valgrind --tool=callgrind target/release/deps/instructions-* ours-open small 10000
//! ```
//!
//! Arguments: `{floor,ours}-{seal,open}`, a payload (`small` for the small session, or a postcard
//! size in bytes), and a call count. Run it with two call counts and subtract to get the
//! instructions of one call without the set-up.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use sealed_session::{Keyring, MasterKey, SessionOptions};
use serde::Serialize;
use serde::de::DeserializeOwned;

use common::floor::Floor;
use common::session::{Blob, SmallSession, blob, small_session};

fn run<T: Serialize + DeserializeOwned>(op: &str, value: &T, calls: u64) {
    let sealer = common::bench_sealer(Keyring::new(1, MasterKey::generate().expect("key")));
    let opts = SessionOptions::default();
    let mut floor = Floor::new();
    let ours_token = sealer.seal(value, &opts).expect("seal");
    let floor_token = floor.seal(value);
    for _ in 0..calls {
        match op {
            "floor-seal" => drop(black_box(floor.seal(black_box(value)))),
            "ours-seal" => drop(black_box(
                sealer.seal(black_box(value), &opts).expect("seal"),
            )),
            "floor-open" => drop(black_box(floor.open::<T>(black_box(&floor_token)))),
            "ours-open" => drop(black_box(sealer.open::<T>(black_box(&ours_token)))),
            _ => panic!("unknown operation {op}"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--bench" || a == "--test") {
        // `cargo bench` runs every bench binary: nothing to time here.
        return;
    }
    let [op, payload, calls] = args.as_slice() else {
        eprintln!("usage: instructions {{floor,ours}}-{{seal,open}} small|BYTES CALLS");
        std::process::exit(2);
    };
    let calls: u64 = calls.parse().expect("call count");
    match payload.as_str() {
        "small" => run::<SmallSession>(op, &small_session(), calls),
        "0" => run::<()>(op, &(), calls),
        n => run::<Blob>(op, &blob(n.parse().expect("payload bytes")), calls),
    }
}
