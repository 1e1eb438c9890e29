//! sealed-session against the floor and its peers, side by side in one run, one table.
//!
//! `cargo run --release --manifest-path bench-peers/Cargo.toml` (add `-- --rounds 61` for
//! steadier medians, `-- --small` for the small session only). Every contender seals the same
//! value and opens its own token, with its expiry check on where it has one. Each contender is
//! timed against the floor in interleaved batches (see `benches/common/mod.rs`), so the ratios
//! hold on a noisy machine; the ns columns are medians of the same batches.

mod charts;
#[path = "../../benches/common/mod.rs"]
mod common;

use std::hint::black_box;

use sealed_session::{Keyring, MasterKey, Sealer, SessionOptions};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use common::floor::Floor;
use common::session::{Blob, blob, small_session};

/// Seconds a token may live, for the peers that take a time-to-live at open.
const TTL: u64 = 12 * 3600;

/// One contender: seals a value to a text token and opens its own tokens.
trait Peer {
    const NAME: &'static str;
    /// What the token lets `open` refuse on time.
    const EXPIRY: &'static str;
    fn seal<T: Serialize>(&mut self, value: &T) -> String;
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T;
}

impl Peer for Floor {
    const NAME: &'static str = "floor";
    const EXPIRY: &'static str = "none";
    fn seal<T: Serialize>(&mut self, value: &T) -> String {
        Floor::seal(self, value)
    }
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T {
        Floor::open(self, token).expect("floor open")
    }
}

struct Ours(Sealer);

impl Peer for Ours {
    const NAME: &'static str = "sealed-session";
    const EXPIRY: &'static str = "absolute+idle, future, epoch";
    fn seal<T: Serialize>(&mut self, value: &T) -> String {
        self.0
            .seal(value, &SessionOptions::default())
            .expect("seal")
    }
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T {
        self.0.open(token).expect("open").session
    }
}

/// cookie-rs private cookies (AES-256-GCM, the cookie name as AAD). A cookie value is text, so the
/// session goes in as base64url(postcard), as an app would do it.
struct PrivateJar(cookie::Key);

impl Peer for PrivateJar {
    const NAME: &'static str = "cookie PrivateJar";
    const EXPIRY: &'static str = "none";
    fn seal<T: Serialize>(&mut self, value: &T) -> String {
        use base64::Engine as _;
        let plain = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(postcard::to_allocvec(value).expect("postcard"));
        let mut jar = cookie::CookieJar::new();
        jar.private_mut(&self.0)
            .add(cookie::Cookie::new("session", plain));
        jar.get("session").expect("cookie").value().to_owned()
    }
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T {
        use base64::Engine as _;
        let jar = cookie::CookieJar::new();
        let cookie = jar
            .private(&self.0)
            .decrypt(cookie::Cookie::new("session", token.to_owned()))
            .expect("decrypt");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cookie.value())
            .expect("base64");
        postcard::from_bytes(&bytes).expect("postcard")
    }
}

/// Branca: XChaCha20-Poly1305, a 4-byte timestamp, base62. Payload: postcard.
struct BrancaPeer(branca::Branca);

impl Peer for BrancaPeer {
    const NAME: &'static str = "Branca";
    const EXPIRY: &'static str = "ttl from timestamp";
    fn seal<T: Serialize>(&mut self, value: &T) -> String {
        self.0
            .encode(&postcard::to_allocvec(value).expect("postcard"))
            .expect("branca")
    }
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T {
        let bytes = self.0.decode(token, TTL as u32).expect("branca");
        postcard::from_bytes(&bytes).expect("postcard")
    }
}

/// PASETO v4.local (XChaCha20 + BLAKE2b), JSON claims with the default `exp` of one hour,
/// validated with the default rules (exp, nbf, iat).
struct Paseto(pasetors::keys::SymmetricKey<pasetors::version4::V4>);

impl Peer for Paseto {
    const NAME: &'static str = "PASETO v4.local";
    const EXPIRY: &'static str = "exp, nbf, iat claims";
    fn seal<T: Serialize>(&mut self, value: &T) -> String {
        let mut claims = pasetors::claims::Claims::new().expect("claims");
        claims
            .add_additional("s", serde_json::to_value(value).expect("json"))
            .expect("claim");
        pasetors::local::encrypt(&self.0, &claims, None, None).expect("paseto")
    }
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T {
        use pasetors::token::UntrustedToken;
        let untrusted = UntrustedToken::<pasetors::Local, pasetors::version4::V4>::try_from(token)
            .expect("token");
        let rules = pasetors::claims::ClaimsValidationRules::new();
        let trusted =
            pasetors::local::decrypt(&self.0, &untrusted, &rules, None, None).expect("paseto");
        let claims = trusted.payload_claims().expect("claims");
        serde_json::from_value(claims.get_claim("s").expect("s").clone()).expect("json")
    }
}

/// JWT HS256 (signed, not encrypted): JSON claims with `exp`, validated by default.
struct Jwt {
    enc: jsonwebtoken::EncodingKey,
    dec: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

#[derive(Serialize, Deserialize)]
struct JwtClaims<T> {
    exp: u64,
    s: T,
}

impl Peer for Jwt {
    const NAME: &'static str = "JWT HS256";
    const EXPIRY: &'static str = "exp claim";
    fn seal<T: Serialize>(&mut self, value: &T) -> String {
        let exp = jsonwebtoken::get_current_timestamp() + TTL;
        let claims = JwtClaims { exp, s: value };
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &self.enc).expect("jwt")
    }
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T {
        jsonwebtoken::decode::<JwtClaims<T>>(token, &self.dec, &self.validation)
            .expect("jwt")
            .claims
            .s
    }
}

/// Fernet (AES-128-CBC + HMAC-SHA256, base64url with padding). Payload: postcard.
struct FernetPeer(fernet::Fernet);

impl Peer for FernetPeer {
    const NAME: &'static str = "Fernet";
    const EXPIRY: &'static str = "ttl from timestamp";
    fn seal<T: Serialize>(&mut self, value: &T) -> String {
        self.0
            .encrypt(&postcard::to_allocvec(value).expect("postcard"))
    }
    fn open<T: DeserializeOwned>(&mut self, token: &str) -> T {
        let bytes = self.0.decrypt_with_ttl(token, TTL).expect("fernet");
        postcard::from_bytes(&bytes).expect("postcard")
    }
}

struct Row {
    name: &'static str,
    expiry: &'static str,
    seal_ns: f64,
    open_ns: f64,
    seal_x: f64,
    open_x: f64,
    chars: usize,
}

/// Times `peer` against the floor on `value`.
fn measure<P: Peer, T: Serialize + DeserializeOwned>(
    floor: &mut Floor,
    peer: &mut P,
    value: &T,
    rounds: usize,
) -> (Row, f64, f64) {
    let token = peer.seal(value);
    let floor_token = floor.seal(value);
    let _: T = peer.open(&token);
    let seal = {
        let (f, p) = (&mut *floor, &mut *peer);
        common::paired(
            || common::keep(f.seal(black_box(value))),
            || common::keep(p.seal(black_box(value))),
            rounds,
        )
    };
    let open = {
        let (f, p) = (&mut *floor, &mut *peer);
        common::paired(
            || common::keep(f.open::<T>(black_box(&floor_token))),
            || common::keep(Peer::open::<T>(p, black_box(&token))),
            rounds,
        )
    };
    (
        Row {
            name: P::NAME,
            expiry: P::EXPIRY,
            seal_ns: seal.b_ns,
            open_ns: open.b_ns,
            seal_x: seal.ratio,
            open_x: open.ratio,
            chars: token.len(),
        },
        seal.a_ns,
        open.a_ns,
    )
}

struct Contenders {
    floor: Floor,
    ours: Ours,
    jar: PrivateJar,
    branca: BrancaPeer,
    paseto: Paseto,
    jwt: Jwt,
    fernet: FernetPeer,
}

fn table<T: Serialize + DeserializeOwned>(
    c: &mut Contenders,
    label: &str,
    value: &T,
    payload_len: usize,
    rounds: usize,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut floor_seal = Vec::new();
    let mut floor_open = Vec::new();
    macro_rules! run {
        ($peer:expr) => {{
            let (row, fs, fo) = measure(&mut c.floor, &mut $peer, value, rounds);
            floor_seal.push(fs);
            floor_open.push(fo);
            rows.push(row);
        }};
    }
    run!(c.ours);
    run!(c.jar);
    run!(c.branca);
    run!(c.paseto);
    run!(c.jwt);
    run!(c.fernet);
    let floor_chars = c.floor.seal(value).len();
    rows.insert(
        0,
        Row {
            name: "floor",
            expiry: <Floor as Peer>::EXPIRY,
            seal_ns: common::median(&mut floor_seal),
            open_ns: common::median(&mut floor_open),
            seal_x: 1.0,
            open_x: 1.0,
            chars: floor_chars,
        },
    );
    let payload_chars = (payload_len * 4).div_ceil(3);
    println!();
    println!(
        "payload: {label} ({payload_len} bytes of postcard = {payload_chars} base64url chars)"
    );
    println!(
        "| {:<18} | {:<28} | {:>9} | {:>9} | {:>7} | {:>7} | {:>6} | {:>8} |",
        "contender",
        "expiry checked at open",
        "seal ns",
        "open ns",
        "seal x",
        "open x",
        "chars",
        "overhead"
    );
    println!(
        "|{:-<20}|{:-<30}|{:->11}|{:->11}|{:->9}|{:->9}|{:->8}|{:->10}|",
        "", "", ":", ":", ":", ":", ":", ":"
    );
    for r in &rows {
        println!(
            "| {:<18} | {:<28} | {:>9.0} | {:>9.0} | {:>7.2} | {:>7.2} | {:>6} | {:>8} |",
            r.name,
            r.expiry,
            r.seal_ns,
            r.open_ns,
            r.seal_x,
            r.open_x,
            r.chars,
            r.chars as i64 - payload_chars as i64,
        );
    }
    rows
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(31), |n| n.parse())?;
    let small_only = args.iter().any(|a| a == "--small");

    let mut branca_key = [0u8; 32];
    getrandom_fill(&mut branca_key);
    let mut jwt_secret = [0u8; 32];
    getrandom_fill(&mut jwt_secret);
    let sealer = common::bench_sealer(Keyring::new(1, MasterKey::generate()?));
    let sizes = common::payload_sizes(&sealer);
    let mut c = Contenders {
        floor: Floor::new(),
        ours: Ours(sealer),
        jar: PrivateJar(cookie::Key::generate()),
        branca: BrancaPeer(branca::Branca::new(&branca_key)?),
        paseto: Paseto(
            <pasetors::keys::SymmetricKey<pasetors::version4::V4> as pasetors::keys::Generate<
                _,
                _,
            >>::generate()?,
        ),
        jwt: Jwt {
            enc: jsonwebtoken::EncodingKey::from_secret(&jwt_secret),
            dec: jsonwebtoken::DecodingKey::from_secret(&jwt_secret),
            validation: jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256),
        },
        fernet: FernetPeer(fernet::Fernet::new(&fernet::Fernet::generate_key()).ok_or("fernet")?),
    };

    token_length_chart(&mut c)?;

    let avx2 = cfg!(target_feature = "avx2");
    println!(
        "sealed-session against the floor and its peers; build: {}; {} interleaved rounds per cell",
        if avx2 {
            "AVX2 enabled at compile time (e.g. -C target-cpu=x86-64-v3)"
        } else {
            "default (run-time CPU detection)"
        },
        rounds
    );
    println!(
        "ns = median per call; x = median ratio to the floor in the same batches; \
         overhead = chars beyond the payload's own base64url"
    );

    let small = table(
        &mut c,
        "small session",
        &small_session(),
        common::session::SMALL_SESSION_LEN,
        rounds,
    );
    let mut all = vec![(common::session::SMALL_SESSION_LEN, small)];
    if !small_only {
        for len in sizes {
            let rows = if len == 0 {
                table(&mut c, "empty", &(), 0, rounds)
            } else {
                let v: Blob = blob(len);
                table(&mut c, &format!("{len} bytes"), &v, len, rounds)
            };
            all.push((len, rows));
        }
    }
    if !small_only {
        seal_open_chart(&all, avx2)?;
    }
    goals(&all, avx2);
    Ok(())
}

/// Seals a payload of each size with every contender and charts the token lengths
/// (`docs/charts/token-length.svg`); the lengths do not depend on the build.
fn token_length_chart(c: &mut Contenders) -> Result<(), Box<dyn std::error::Error>> {
    const SIZES: [usize; 12] = [0, 16, 32, 64, 128, 256, 512, 1024, 1536, 2048, 2560, 3014];
    fn line<P: Peer>(peer: &mut P) -> charts::Series<(usize, usize)> {
        let points = SIZES
            .iter()
            .map(|&len| {
                let chars = if len == 0 {
                    peer.seal(&()).len()
                } else {
                    peer.seal(&blob(len)).len()
                };
                (len, chars)
            })
            .collect();
        charts::Series {
            name: P::NAME,
            points,
        }
    }
    let series = vec![
        line(&mut c.floor),
        line(&mut c.ours),
        line(&mut c.jar),
        line(&mut c.branca),
        line(&mut c.paseto),
        line(&mut c.jwt),
        line(&mut c.fernet),
    ];
    let path = charts::chart_path("token-length.svg");
    charts::token_length(&path, &series)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Charts the seal and open times of every contender over the payload sweep (the small session
/// is left out: it is not a point on the size axis): `docs/charts/seal-open-time.svg`, or
/// `seal-open-time-x86-64-v3.svg` for a build with AVX2 enabled at compile time.
fn seal_open_chart(
    all: &[(usize, Vec<Row>)],
    avx2: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let sweep = all.get(1..).unwrap_or_default();
    let names: Vec<&'static str> = sweep
        .first()
        .map(|(_, rows)| rows.iter().map(|r| r.name).collect())
        .unwrap_or_default();
    let series: Vec<charts::Series<(usize, f64, f64)>> = names
        .iter()
        .map(|&name| charts::Series {
            name,
            points: sweep
                .iter()
                .filter_map(|(len, rows)| {
                    let r = rows.iter().find(|r| r.name == name)?;
                    Some((*len, r.seal_ns, r.open_ns))
                })
                .collect(),
        })
        .collect();
    let (file, build) = if avx2 {
        ("seal-open-time-x86-64-v3.svg", "-C target-cpu=x86-64-v3")
    } else {
        ("seal-open-time.svg", "default build")
    };
    let path = charts::chart_path(file);
    charts::seal_open_time(&path, build, &series)?;
    println!("wrote {}", path.display());
    Ok(())
}

fn getrandom_fill(buf: &mut [u8]) {
    getrandom::fill(buf).expect("getrandom");
}

/// How much faster ours is than `name` in the same table (> 1: ours is faster).
fn speedup(rows: &[Row], name: &str) -> (f64, f64) {
    let ours = rows
        .iter()
        .find(|r| r.name == "sealed-session")
        .expect("ours");
    let peer = rows.iter().find(|r| r.name == name).expect("peer");
    (peer.seal_x / ours.seal_x, peer.open_x / ours.open_x)
}

fn goals(all: &[(usize, Vec<Row>)], avx2: bool) {
    println!();
    println!("goals (ratios taken against the floor in the same batches):");
    let (_, small) = &all[0];
    for peer in [
        "cookie PrivateJar",
        "Branca",
        "PASETO v4.local",
        "JWT HS256",
        "Fernet",
    ] {
        let (s, o) = speedup(small, peer);
        println!(
            "  small session: sealed-session is {s:.2}x (seal) / {o:.2}x (open) as fast as {peer}"
        );
    }
    let with_expiry = ["Branca", "PASETO v4.local", "JWT HS256", "Fernet"];
    let mut ok = true;
    for (len, rows) in all {
        for peer in with_expiry {
            let (s, o) = speedup(rows, peer);
            if s <= 1.0 || o <= 1.0 {
                ok = false;
                println!("  MISS: not faster than {peer} at {len} bytes ({s:.2}x / {o:.2}x)");
            }
        }
    }
    println!(
        "  {}: faster than every peer that carries an expiry, at every size{}",
        if ok { "MET" } else { "MISSED" },
        if avx2 {
            " (goal is for the default build)"
        } else {
            ""
        }
    );
    if avx2 {
        for (peer, want) in [
            ("Branca", 3.0),
            ("JWT HS256", 3.0),
            ("cookie PrivateJar", 1.0),
        ] {
            let (s, o) = speedup(small, peer);
            let met = s > want && o > want;
            println!(
                "  {}: small session at least {want}x as fast as {peer}: {s:.2}x / {o:.2}x",
                if met { "MET" } else { "MISSED" }
            );
        }
    }
    let ours = small
        .iter()
        .find(|r| r.name == "sealed-session")
        .expect("ours")
        .chars;
    let smaller: Vec<_> = small
        .iter()
        .filter(|r| r.name != "sealed-session" && r.name != "floor" && r.chars <= ours)
        .map(|r| format!("{} ({})", r.name, r.chars))
        .collect();
    if smaller.is_empty() {
        println!("  MET: smallest token of all peers for the small session ({ours} chars)");
    } else {
        println!(
            "  MISSED: smallest token for the small session: ours {ours} chars; as small or smaller: {}",
            smaller.join(", ")
        );
    }
}
