//! Throughput of one `Sealer` shared by 2 threads against 1 thread: each thread seals and opens the
//! small session in a loop. With no lock and no shared write on the hot path, 2 threads should do
//! close to twice the work (goal: at least 1.9x) on a machine with 2 idle cores.
//!
//! `cargo bench --bench scaling` runs the criterion group (elements = seal+open pairs), then
//! prints the scaling factor from interleaved 1-thread and 2-thread batches.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use sealed_session::{Keyring, MasterKey, Sealer, SessionOptions};

use common::session::{SmallSession, small_session};

/// One unit of work: seal the small session and open it again.
fn work(sealer: &Sealer, session: &SmallSession) {
    let token = sealer
        .seal(black_box(session), &SessionOptions::default())
        .expect("seal");
    black_box(sealer.open::<SmallSession>(&token).expect("open"));
}

/// Wall time for `threads` threads, each doing `iters` units on the shared sealer.
fn run(sealer: &Sealer, threads: usize, iters: u64) -> Duration {
    run_on(&vec![sealer; threads], iters)
}

/// Wall time for one thread per sealer, each doing `iters` units on its own sealer.
fn run_on(sealers: &[&Sealer], iters: u64) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for &sealer in sealers {
            s.spawn(move || {
                let session = small_session();
                for _ in 0..iters {
                    work(sealer, &session);
                }
            });
        }
    });
    start.elapsed()
}

fn main() {
    let sealer = common::bench_sealer(Keyring::new(1, MasterKey::generate().expect("key")));
    let only_ratio = std::env::args().skip(1).any(|a| a == "ratio");
    if !only_ratio {
        let mut c = Criterion::default()
            .measurement_time(Duration::from_secs(5))
            .configure_from_args();
        let mut group = c.benchmark_group("scaling");
        for threads in [1usize, 2] {
            group.throughput(Throughput::Elements(threads as u64));
            group.bench_function(BenchmarkId::new("seal+open/threads", threads), |b| {
                b.iter_custom(|iters| run(&sealer, threads, iters))
            });
        }
        group.finish();
        c.final_summary();
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // Interleaved: a 1-thread batch and a 2-thread batch of the same per-thread length, order
    // flipped every round; the factor is 2 * t1 / t2 (work done per unit of wall time).
    let rounds = if common::test_mode() { 1 } else { 101 };
    let mut iters = 64u64;
    while run(&sealer, 1, iters) < Duration::from_millis(10) {
        iters *= 2;
    }
    // A second, independent sealer: 2 threads on 2 sealers share nothing of ours, so shared
    // against independent isolates the cost of sharing from the machine's own limits (a busy or
    // throttled second core shows in both).
    let other = common::bench_sealer(Keyring::new(1, MasterKey::generate().expect("key")));
    let mut factors = Vec::with_capacity(rounds);
    let mut sharing = Vec::with_capacity(rounds);
    let mut independent = Vec::with_capacity(rounds);
    let mut one = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (t1, t2, ti) = if round % 2 == 0 {
            let t1 = run(&sealer, 1, iters);
            let t2 = run(&sealer, 2, iters);
            (t1, t2, run_on(&[&sealer, &other], iters))
        } else {
            let ti = run_on(&[&sealer, &other], iters);
            let t2 = run(&sealer, 2, iters);
            (run(&sealer, 1, iters), t2, ti)
        };
        factors.push(2.0 * t1.as_secs_f64() / t2.as_secs_f64());
        independent.push(2.0 * t1.as_secs_f64() / ti.as_secs_f64());
        sharing.push(ti.as_secs_f64() / t2.as_secs_f64());
        one.push(t1.as_nanos() as f64 / iters as f64);
    }
    println!();
    println!(
        "scaling: 2 threads sharing one Sealer do {:.2}x the seal+open work of 1 thread \
         (median of {rounds} interleaved rounds; 1 thread: {:.0} ns per seal+open; {} cores online)",
        common::median(&mut factors),
        common::median(&mut one),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "         2 threads on 2 independent Sealers do {:.2}x; sharing one Sealer runs at {:.2}x \
         the speed of not sharing (1.00 = sharing costs nothing)",
        common::median(&mut independent),
        common::median(&mut sharing),
    );
}
