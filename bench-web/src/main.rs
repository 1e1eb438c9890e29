//! The whole web request, side by side: one axum app served six ways, a keep-alive load client
//! on loopback, server and load pinned to separate cores, contenders interleaved over rounds.
//!
//! `bash bench-web/run.sh` runs everything (it starts and stops a Redis server). By hand:
//! `bench-web run --redis redis://127.0.0.1:PORT --redis-pid PID` (see `--help`), or
//! `bench-web serve --contender sealed-write` to poke one app with curl. A/B: `bench-web run
//! --server-bins A,B` serves every app from each of those binaries (built with other flags or
//! from another commit), interleaved in one run, and prints each one's CPU per request against
//! the first's.
//!
//! Each run starts a fresh server process (pinned to `--server-core`), logs every connection in
//! with its own session, warms up, then measures: requests, errors, the latency histogram, and
//! the server process's CPU time (`/proc/PID/task/*/schedstat`, all threads) over the measured
//! window. Requests/s and CPU per request are medians over rounds; p50/p99 come from the
//! rounds' merged histograms.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bench_web::apps::{self, Contender};
use bench_web::client::{self, Tally};
use bench_web::cpu;

mod chart;
mod micro;

struct Args {
    rounds: usize,
    secs: f64,
    warmup: f64,
    conns: Vec<usize>,
    contenders: Vec<Contender>,
    redis: Option<String>,
    redis_pid: Option<u32>,
    max_requests: u64,
    server_core: usize,
    load_core: usize,
    table: String,
    chart: String,
    /// A/B mode: the server binaries to interleave (each round runs every app under each).
    server_bins: Vec<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage:
  bench-web run [--rounds N] [--secs S] [--warmup S] [--conns 16,64] [--contenders a,b,...]
                [--redis URL --redis-pid PID] [--max-requests N] [--server-core C] [--load-core C]
                [--table FILE.md] [--chart FILE.svg] [--server-bins A,B,...]
  bench-web serve --contender NAME [--redis URL] [--core C] [--port P]
  bench-web micro [--core C]
  bench-web repeat WHAT N    (WHAT: open, renew, or an app name; for instruction counts under valgrind)
contenders: none, sealed-write, sealed-read, sealed-write-cache, sealed-read-cache,
  tower-memory, tower-redis, private-jar
baselines (not in the table by default): none-cookie, none-set-cookie"
    );
    std::process::exit(2)
}

fn value<T: std::str::FromStr>(args: &mut impl Iterator<Item = String>) -> T {
    args.next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| usage())
}

fn main() {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("run") => run(parse_run(args)),
        Some("serve") => serve(args),
        Some("repeat") => {
            let what: String = value(&mut args);
            let n: usize = value(&mut args);
            micro::repeat(&what, n);
        }
        Some("micro") => {
            let mut core = None;
            while let Some(a) = args.next() {
                match a.as_str() {
                    "--core" => core = Some(value(&mut args)),
                    _ => usage(),
                }
            }
            pin(core);
            micro::print(&micro::measure());
        }
        _ => usage(),
    }
}

fn parse_run(mut args: impl Iterator<Item = String>) -> Args {
    let mut a = Args {
        rounds: 5,
        secs: 4.0,
        warmup: 1.0,
        conns: vec![16, 64],
        contenders: Contender::ALL.to_vec(),
        redis: None,
        redis_pid: None,
        max_requests: 10_000_000,
        server_core: 0,
        load_core: 1,
        table: "bench-web/whole-request.md".to_owned(),
        chart: "docs/charts/whole-request.svg".to_owned(),
        server_bins: Vec::new(),
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--rounds" => a.rounds = value(&mut args),
            "--secs" => a.secs = value(&mut args),
            "--warmup" => a.warmup = value(&mut args),
            "--conns" => {
                let list: String = value(&mut args);
                a.conns = list
                    .split(',')
                    .map(|n| n.parse().unwrap_or_else(|_| usage()))
                    .collect();
            }
            "--contenders" => {
                let list: String = value(&mut args);
                a.contenders = list
                    .split(',')
                    .map(|n| Contender::parse(n).unwrap_or_else(|| usage()))
                    .collect();
            }
            "--redis" => a.redis = Some(value(&mut args)),
            "--redis-pid" => a.redis_pid = Some(value(&mut args)),
            "--max-requests" => a.max_requests = value(&mut args),
            "--server-core" => a.server_core = value(&mut args),
            "--load-core" => a.load_core = value(&mut args),
            "--table" => a.table = value(&mut args),
            "--chart" => a.chart = value(&mut args),
            "--server-bins" => {
                let list: String = value(&mut args);
                a.server_bins = list.split(',').map(str::to_owned).collect();
            }
            _ => usage(),
        }
    }
    if a.redis.is_none() {
        a.contenders.retain(|c| *c != Contender::TowerRedis);
    }
    a
}

/// Pins the calling thread (and the threads it starts later) to `core`.
fn pin(core: Option<usize>) {
    if let Some(id) = core
        && !core_affinity::set_for_current(core_affinity::CoreId { id })
    {
        eprintln!("warning: could not pin to core {id}");
    }
}

/// One app on one thread: a current-thread runtime, pinned.
fn serve(mut args: impl Iterator<Item = String>) {
    let (mut contender, mut redis, mut core, mut port) = (None, None::<String>, None, 0u16);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--contender" => {
                let name: String = value(&mut args);
                contender = Some(Contender::parse(&name).unwrap_or_else(|| usage()));
            }
            "--redis" => redis = Some(value(&mut args)),
            "--core" => core = Some(value(&mut args)),
            "--port" => port = value(&mut args),
            _ => usage(),
        }
    }
    let contender = contender.unwrap_or_else(|| usage());
    pin(core);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let app = apps::app(contender, redis.as_deref()).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        println!("listening {}", addr.port());
        std::io::stdout().flush().expect("stdout");
        axum::serve(listener, app).await.expect("serve");
    });
}

/// A server child process, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(contender: Contender, args: &Args, bin: Option<&str>) -> Self {
        let mut cmd = match bin {
            Some(path) => Command::new(path),
            None => Command::new(std::env::current_exe().expect("own path")),
        };
        cmd.args(["serve", "--contender", contender.id()])
            .args(["--core", &args.server_core.to_string()])
            .stdout(Stdio::piped());
        if let Some(url) = &args.redis {
            cmd.args(["--redis", url]);
        }
        let mut child = cmd.spawn().expect("start the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server output");
        let port: u16 = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("server said {line:?}"));
        Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One measured run.
struct RunResult {
    contender: Contender,
    /// Index into `--server-bins` (0 without it).
    bin: usize,
    /// The round it ran in (from 0).
    round: usize,
    conns: usize,
    tally: Tally,
    secs: f64,
    server_ns: u64,
    redis_ns: Option<u64>,
}

impl RunResult {
    fn rps(&self) -> f64 {
        self.tally.requests as f64 / self.secs
    }
    fn cpu_us(&self) -> f64 {
        self.server_ns as f64 / 1e3 / self.tally.requests.max(1) as f64
    }
    fn redis_us(&self) -> Option<f64> {
        self.redis_ns
            .map(|ns| ns as f64 / 1e3 / self.tally.requests.max(1) as f64)
    }
}

fn run_one(
    runtime: &tokio::runtime::Runtime,
    contender: Contender,
    conns: usize,
    args: &Args,
    bin: usize,
    round: usize,
) -> RunResult {
    let server = Server::start(
        contender,
        args,
        args.server_bins.get(bin).map(String::as_str),
    );
    let pid = server.child.id();
    runtime.block_on(async {
        client::wait_for(server.addr, Duration::from_secs(10))
            .await
            .expect("server up");
        let all = client::login_all(server.addr, conns).await.expect("login");
        let mut all: Vec<_> = all.into_iter().map(|c| (c, 0u64)).collect();
        // Warm up, then measure.
        all = phase(
            all,
            args.warmup,
            args.max_requests,
            contender.writes(),
            false,
        )
        .await
        .0;
        let cpu0 = cpu::process_ns(pid).expect("server CPU");
        let redis0 = args.redis_pid.and_then(cpu::process_ns);
        let start = Instant::now();
        let (_, tally) = phase(all, args.secs, args.max_requests, contender.writes(), true).await;
        let secs = start.elapsed().as_secs_f64();
        let cpu1 = cpu::process_ns(pid).expect("server CPU");
        let redis_ns = match (redis0, args.redis_pid.and_then(cpu::process_ns)) {
            (Some(a), Some(b)) if contender == Contender::TowerRedis => Some(b - a),
            _ => None,
        };
        RunResult {
            contender,
            round,
            bin,
            conns,
            tally,
            secs,
            server_ns: cpu1 - cpu0,
            redis_ns,
        }
    })
}

/// Every connection drives load for `secs` (or `max_requests` each); returns the connections
/// and the merged tally.
async fn phase(
    all: Vec<(client::Conn, u64)>,
    secs: f64,
    max_requests: u64,
    writes: bool,
    record: bool,
) -> (Vec<(client::Conn, u64)>, Tally) {
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for (mut conn, mut last) in all {
        tasks.spawn(async move {
            let t = client::drive(&mut conn, until, max_requests, writes, &mut last, record).await;
            (conn, last, t)
        });
    }
    let mut back = Vec::new();
    let mut tally = Tally::new();
    while let Some(done) = tasks.join_next().await {
        let (conn, last, t) = done.expect("connection task");
        tally.add(&t);
        back.push((conn, last));
    }
    (back, tally)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One row of the table: a contender at one connection count, over every round.
pub struct Row {
    pub contender: Contender,
    pub conns: usize,
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub errors: u64,
    pub requests: u64,
    pub cpu_us: f64,
    pub redis_us: Option<f64>,
}

fn summarize(results: &[RunResult], contender: Contender, conns: usize) -> Option<Row> {
    let runs: Vec<_> = results
        .iter()
        .filter(|r| r.contender == contender && r.conns == conns)
        .collect();
    if runs.is_empty() {
        return None;
    }
    let mut merged = Tally::new();
    for r in &runs {
        merged.add(&r.tally);
    }
    let redis: Vec<f64> = runs.iter().filter_map(|r| r.redis_us()).collect();
    Some(Row {
        contender,
        conns,
        rps: median(runs.iter().map(|r| r.rps()).collect()),
        p50_us: merged.latency_ns.value_at_quantile(0.50) as f64 / 1e3,
        p99_us: merged.latency_ns.value_at_quantile(0.99) as f64 / 1e3,
        errors: merged.errors,
        requests: merged.requests,
        cpu_us: median(runs.iter().map(|r| r.cpu_us()).collect()),
        redis_us: (!redis.is_empty()).then(|| median(redis)),
    })
}

fn run(args: Args) {
    pin(Some(args.load_core));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut results = Vec::new();
    let bins = args.server_bins.len().max(1);
    for round in 0..args.rounds {
        for &conns in &args.conns {
            // Interleave, and rotate the order each round so no contender (and no server binary)
            // always runs first.
            let n = args.contenders.len() * bins;
            for i in 0..n {
                let k = (i + round) % n;
                let (contender, bin) = (args.contenders[k / bins], (k + round) % bins);
                let r = run_one(&runtime, contender, conns, &args, bin, round);
                eprintln!(
                    "round {} bin {} {:>13} {:>3} conns: {:>8.0} req/s, {:>6.2} us CPU/req, {} errors",
                    round + 1,
                    bin,
                    contender.id(),
                    conns,
                    r.rps(),
                    r.cpu_us(),
                    r.tally.errors
                );
                results.push(r);
            }
        }
    }
    if !args.server_bins.is_empty() {
        ab_summary(&results, &args);
        return;
    }
    let mut rows = Vec::new();
    for &contender in &args.contenders {
        for &conns in &args.conns {
            rows.extend(summarize(&results, contender, conns));
        }
    }
    // The same work outside a request, on the server's core.
    let micro = micro_on_core(args.server_core);
    let mut table = markdown(&rows, &micro, &args);
    table.push_str(&connections_markdown(&results, &args));
    println!("{table}");
    write(&args.table, &table);
    let svg = chart::throughput(&rows, &args.conns);
    write(&args.chart, &svg);
    eprintln!("wrote {} and {}", args.table, args.chart);
}

/// A/B mode: the median server CPU per request of every binary, app and connection count, and
/// each binary against the first.
fn ab_summary(results: &[RunResult], args: &Args) {
    println!(
        "| app | connections | server binary | server CPU per request (median) | vs the first | rounds |"
    );
    println!("|---|---:|---|---:|---:|---:|");
    for &contender in &args.contenders {
        for &conns in &args.conns {
            let cpu = |bin: usize| {
                let v: Vec<f64> = results
                    .iter()
                    .filter(|r| r.contender == contender && r.conns == conns && r.bin == bin)
                    .map(RunResult::cpu_us)
                    .collect();
                (median(v.clone()), v.len())
            };
            let (first, _) = cpu(0);
            for (bin, path) in args.server_bins.iter().enumerate() {
                let (us, n) = cpu(bin);
                println!(
                    "| {} | {conns} | {path} | {us:.2} us | {:.3}x | {n} |",
                    contender.id(),
                    us / first
                );
            }
        }
    }
}

fn write(path: &str, text: &str) {
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir).expect("output directory");
    }
    std::fs::write(path, text).expect("write output");
}

/// Runs `micro` in a child pinned to `core` (the server's), so it meets the same CPU.
fn micro_on_core(core: usize) -> micro::Micro {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .args(["micro", "--core", &core.to_string()])
        .output()
        .expect("micro");
    micro::parse(&String::from_utf8_lossy(&out.stdout))
}

fn markdown(rows: &[Row], micro: &micro::Micro, args: &Args) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let none = |conns: usize| {
        rows.iter()
            .find(|r| r.contender == Contender::None && r.conns == conns)
            .map(|r| r.cpu_us)
    };
    let _ = writeln!(
        s,
        "| app | connections | requests/s | p50 | p99 | errors | server CPU per request | vs no session |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let cpu = match r.redis_us {
            Some(redis) => format!("{:.1} us (+ {:.1} us in Redis)", r.cpu_us, redis),
            None => format!("{:.1} us", r.cpu_us),
        };
        let vs = none(r.conns).map_or("-".to_owned(), |n| format!("{:.2}x", r.cpu_us / n));
        let _ = writeln!(
            s,
            "| {} | {} | {:.0} | {:.0} us | {:.0} us | {} of {} | {} | {} |",
            r.contender.label(),
            r.conns,
            r.rps,
            r.p50_us,
            r.p99_us,
            r.errors,
            r.requests,
            cpu,
            vs
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{} rounds of {} s measured (after {} s warm-up) per app and connection count, apps interleaved; requests/s and CPU are medians over rounds, p50/p99 from all rounds' requests.",
        args.rounds, args.secs, args.warmup
    );
    let _ = writeln!(s);
    // The layer's own cost against the same work outside a request.
    let cost = |c: Contender, conns: usize| {
        let row = rows.iter().find(|r| r.contender == c && r.conns == conns)?;
        Some(row.cpu_us - none(conns)?)
    };
    let _ = writeln!(
        s,
        "| sealed-session's own cost per request | connections | in the request (CPU minus the no-session app) | same work in a loop (`open`, `renew`) | ratio | the layer in process (router called directly, minus the same router without it) | ratio |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|");
    for &conns in &args.conns {
        for (c, what, loop_us, in_process_us) in [
            (
                Contender::SealedWrite,
                "write: extract, open, renew, Set-Cookie",
                micro.write_us(),
                micro.layer_write_us,
            ),
            (
                Contender::SealedRead,
                "read: extract, open",
                micro.open_us,
                micro.layer_read_us,
            ),
            (
                Contender::SealedWriteCache,
                "write with the open cache: extract, cached open, renew filling a slot, Set-Cookie",
                micro.write_cached_us(),
                micro.layer_write_cached_us,
            ),
            (
                Contender::SealedReadCache,
                "read with the open cache: extract, cached open",
                micro.open_cached_us,
                micro.layer_read_cached_us,
            ),
        ] {
            if let Some(cost) = cost(c, conns) {
                let _ = writeln!(
                    s,
                    "| {what} | {conns} | {cost:.1} us | {loop_us:.1} us | {:.2}x | {in_process_us:.1} us | {:.2}x |",
                    cost / loop_us,
                    cost / in_process_us
                );
            }
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Outside a request (same core, same session, CPU time of the thread): `Sealer::open::<AppSession>` {:.2} us, `Sealer::renew` {:.2} us; with the open cache, an open of the token the sealer sealed {:.2} us and a `renew` that fills a slot {:.2} us; the whole layer in process (axum router called directly, no socket) {:.2} us writing, {:.2} us reading, {:.2} and {:.2} us with the open cache, over the same router without the layer.",
        micro.open_us,
        micro.renew_us,
        micro.open_cached_us,
        micro.renew_cached_us,
        micro.layer_write_us,
        micro.layer_read_us,
        micro.layer_write_cached_us,
        micro.layer_read_cached_us
    );
    s
}

/// How each app's requests/s change from the first connection count to the last, paired by
/// round (the two counts of an app run in the same round, minutes apart at most), and that change
/// against the no-session app's in the same round: the harness's own drift shows in the
/// no-session app, which does no session work.
fn connections_markdown(results: &[RunResult], args: &Args) -> String {
    use std::fmt::Write as _;
    let (Some(&low), Some(&high)) = (args.conns.first(), args.conns.last()) else {
        return String::new();
    };
    if low == high {
        return String::new();
    }
    let rps = |c: Contender, conns: usize, round: usize| {
        results
            .iter()
            .find(|r| r.contender == c && r.conns == conns && r.round == round)
            .map(RunResult::rps)
    };
    // Per round: this app's change, and its change over the no-session app's.
    let changes = |c: Contender| -> Vec<(f64, Option<f64>)> {
        (0..args.rounds)
            .filter_map(|round| {
                let own = rps(c, high, round)? / rps(c, low, round)?;
                let none = rps(Contender::None, high, round)
                    .zip(rps(Contender::None, low, round))
                    .map(|(h, l)| h / l);
                Some((own - 1.0, none.map(|n| own / n - 1.0)))
            })
            .collect()
    };
    let pct = |v: f64| match (v * 100.0).round() {
        0.0 => "0%".to_owned(),
        p => format!("{p:+.0}%"),
    };
    let spread = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{} to {}", pct(lo), pct(hi))
    };
    let mut s = String::new();
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| from {low} to {high} connections | requests/s change (median of rounds) | rounds' range | beyond the no-session app's change (median) | rounds' range |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    for &c in &args.contenders {
        let v = changes(c);
        if v.is_empty() {
            continue;
        }
        let own: Vec<f64> = v.iter().map(|x| x.0).collect();
        let beyond: Vec<f64> = v.iter().filter_map(|x| x.1).collect();
        let (b, br) = if c == Contender::None || beyond.is_empty() {
            ("-".to_owned(), "-".to_owned())
        } else {
            (pct(median(beyond.clone())), spread(&beyond))
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {b} | {br} |",
            c.label(),
            pct(median(own.clone())),
            spread(&own)
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Each round runs every app at both connection counts; a change is this app's {high}-connection requests/s over its {low}-connection requests/s in the same round, and \"beyond the no-session app's\" divides that by the no-session app's change in the same round."
    );
    s
}
