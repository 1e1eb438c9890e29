//! Secrets in freed memory: a global allocator scans every block the program frees (and every
//! block a reallocation leaves behind) for any 8 consecutive bytes of the secrets under test:
//! master keys (their bytes and the exact text they were imported from) and session plaintext.
//!
//! The epoch keys searched for are derived here from FORMAT.md, not taken from the library; the
//! run fails unless each of them opens a token the library sealed (a raw XChaCha20-Poly1305, the
//! header as nonce, no associated data), so a derivation that drifted from the library's cannot
//! make the scan search for bytes that never exist and pass.
//!
//! The secrets are random, so 8 matching bytes cannot happen by chance. The test's own copies of
//! them are created before the scan is armed and never freed (leaked), and the values `open` hands
//! to the application are the application's to wipe (forgotten here), so every hit is a copy the
//! library freed without wiping. Live buffers are not scanned: the plaintext legitimately exists
//! in them until they are wiped.
//!
//! Usage: `cargo test --manifest-path heap-scan/Cargo.toml` (run as its own binary, no harness,
//! so nothing else allocates in parallel; Linux, for a `/proc/self/fd` path). It fails, naming each secret found and the longest run
//! of its bytes in one freed block.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hash::{BuildHasher as _, Hasher as _, RandomState};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::future::Future as _;

use sealed_session::tower::{SessionHandle, SessionLayer};
use sealed_session::{
    Config, CookieSettings, Keyring, MasterKey, OpenError, SealError, Sealer, SessionCookie,
    SessionOptions,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

// --- the scanning allocator ----------------------------------------------------------------

/// Every secret this test can look for (the canary included).
const MAX_SECRETS: usize = 64;
/// The run length that counts as a leak.
const WINDOW: usize = 8;

struct Secrets {
    labels: Vec<String>,
    bytes: Vec<Vec<u8>>,
    /// Every 8-byte window of every secret, big-endian, with (secret index, offset); sorted.
    windows: Vec<(u64, usize, usize)>,
}

static SECRETS: OnceLock<Secrets> = OnceLock::new();
static ARMED: AtomicBool = AtomicBool::new(false);
static BLOCKS_SCANNED: AtomicU64 = AtomicU64::new(0);
static BYTES_SCANNED: AtomicU64 = AtomicU64::new(0);
static HIT_BLOCKS: [AtomicU64; MAX_SECRETS] = [const { AtomicU64::new(0) }; MAX_SECRETS];
static LONGEST_RUN: [AtomicUsize; MAX_SECRETS] = [const { AtomicUsize::new(0) }; MAX_SECRETS];

struct Scanner;

// SAFETY: every call is forwarded to the system allocator unchanged; `dealloc` only reads the
// block it is handed, before freeing it, and allocates nothing.
unsafe impl GlobalAlloc for Scanner {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Acquire) {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until the call below.
            unsafe { scan(ptr, layout.size()) };
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    // `realloc` is deliberately not overridden: the default allocates, copies and calls
    // `dealloc` on the old block, so every reallocation is scanned as a free. That is stricter
    // than the system's `realloc` (which may or may not move the block): a buffer of secrets that
    // grows by plain reallocation is always caught.
}

#[global_allocator]
static GLOBAL: Scanner = Scanner;

/// Reads byte `i` of a block about to be freed. Volatile: the bytes may never have been written
/// by Rust code (spare capacity), and the read must happen as written.
///
/// # Safety
/// `i < len` of a live block starting at `ptr`.
unsafe fn byte(ptr: *const u8, i: usize) -> u8 {
    // SAFETY: in bounds per the caller.
    unsafe { ptr.add(i).read_volatile() }
}

/// Scans a block for windows of the secrets and records the longest run per secret.
///
/// # Safety
/// `ptr` points to a live block of `len` bytes.
unsafe fn scan(ptr: *const u8, len: usize) {
    let Some(secrets) = SECRETS.get() else { return };
    BLOCKS_SCANNED.fetch_add(1, Ordering::Relaxed);
    BYTES_SCANNED.fetch_add(len as u64, Ordering::Relaxed);
    let mut found: u64 = 0;
    let mut window: u64 = 0;
    let mut i = 0;
    while i < len {
        // SAFETY: i < len.
        window = (window << 8) | u64::from(unsafe { byte(ptr, i) });
        i += 1;
        if i < WINDOW {
            continue;
        }
        let Ok(at) = secrets.windows.binary_search_by_key(&window, |w| w.0) else {
            continue;
        };
        let (_, secret, offset) = secrets.windows[at];
        let start = i - WINDOW;
        let bytes = &secrets.bytes[secret];
        let mut run = WINDOW;
        // SAFETY: start + run < len is checked first.
        while start + run < len
            && offset + run < bytes.len()
            && unsafe { byte(ptr, start + run) } == bytes[offset + run]
        {
            run += 1;
        }
        found |= 1 << secret;
        LONGEST_RUN[secret].fetch_max(run, Ordering::Relaxed);
        // Continue after the run; the rolling window restarts there.
        i = start + run;
        window = 0;
        let mut k = 0;
        while k < WINDOW - 1 && i < len {
            // SAFETY: i < len.
            window = (window << 8) | u64::from(unsafe { byte(ptr, i) });
            i += 1;
            k += 1;
        }
    }
    for (secret, blocks) in HIT_BLOCKS.iter().enumerate() {
        if found & (1 << secret) != 0 {
            blocks.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// --- secrets ---------------------------------------------------------------------------------

/// Collects the secrets under test before the scan is armed; never freed.
#[derive(Default)]
struct Registry {
    labels: Vec<String>,
    bytes: Vec<Vec<u8>>,
}

impl Registry {
    fn add(&mut self, label: impl Into<String>, bytes: &[u8]) {
        assert!(bytes.len() >= WINDOW, "a secret shorter than the window");
        self.labels.push(label.into());
        self.bytes.push(bytes.to_vec());
        assert!(self.labels.len() <= MAX_SECRETS);
    }

    fn install(self) {
        let mut windows = Vec::new();
        for (secret, bytes) in self.bytes.iter().enumerate() {
            for (offset, w) in bytes.windows(WINDOW).enumerate() {
                let w: [u8; WINDOW] = w.try_into().unwrap();
                windows.push((u64::from_be_bytes(w), secret, offset));
            }
        }
        windows.sort_unstable();
        let before = windows.len();
        windows.dedup_by_key(|w| w.0);
        assert_eq!(
            before,
            windows.len(),
            "secrets must not repeat 8-byte windows"
        );
        let installed = SECRETS.set(Secrets {
            labels: self.labels,
            bytes: self.bytes,
            windows,
        });
        assert!(installed.is_ok());
    }
}

/// Random bytes (per-process random SipHash keys; distinct, not cryptographic, which is all a
/// distinctive test secret needs).
fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 8);
    let mut counter = 0u64;
    while out.len() < n {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(counter);
        counter += 1;
        out.extend_from_slice(&h.finish().to_le_bytes());
    }
    out.truncate(n);
    out
}

/// A random string of letters and digits (session plaintext that is valid UTF-8).
fn random_text(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random_bytes(n)
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

fn leak(s: String) -> &'static str {
    s.leak()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random 32-byte key whose text in `form` is returned too; the base64 forms are redrawn until
/// they contain a character of their own alphabet, so each form really exercises its alphabet.
fn key_in_form(form: &str) -> (Vec<u8>, String) {
    loop {
        let key = random_bytes(32);
        let text = match form {
            "hex" => hex(&key),
            "HEX" => hex(&key).to_uppercase(),
            "base64 padded" => STANDARD.encode(&key),
            "base64 unpadded" => STANDARD_NO_PAD.encode(&key),
            "base64url padded" => URL_SAFE.encode(&key),
            "base64url unpadded" => URL_SAFE_NO_PAD.encode(&key),
            _ => unreachable!(),
        };
        let own_alphabet = match form {
            "base64 padded" | "base64 unpadded" => text.contains(['+', '/']),
            "base64url padded" | "base64url unpadded" => text.contains(['-', '_']),
            _ => true,
        };
        if own_alphabet {
            return (key, text);
        }
    }
}

// --- the application's session types ----------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct Session {
    user: String,
    csrf: [u8; 32],
    visits: u64,
}

fn session(reg: &mut Registry, label: &str, user_len: usize) -> &'static Session {
    let user = random_text(user_len);
    let csrf: [u8; 32] = random_bytes(32).try_into().unwrap();
    reg.add(format!("plaintext: {label} (user)"), user.as_bytes());
    reg.add(format!("plaintext: {label} (csrf)"), &csrf);
    Box::leak(Box::new(Session {
        user,
        csrf,
        visits: 3,
    }))
}

/// Serializes the session, then fails (as an application's `Serialize` may).
struct FailsAfter(&'static Session);

impl Serialize for FailsAfter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeTuple as _};
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(self.0)?;
        Err(S::Error::custom("refused by the application"))
    }
}

/// Serializes the session, then panics.
struct PanicsAfter(&'static Session);

impl Serialize for PanicsAfter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(self.0)?;
        panic!("the application's Serialize panicked");
    }
}

/// Panics while the decrypted payload is being decoded.
struct PanicsOnDecode;

impl<'de> Deserialize<'de> for PanicsOnDecode {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        panic!("the application's Deserialize panicked");
    }
}

// --- the scenarios -----------------------------------------------------------------------------

/// The epoch key `key` derives for `key_id` at `at()` under the default config (FORMAT.md R4.1:
/// HKDF-SHA256, no salt, info = label || version || key id || period || epoch || purpose, the
/// default purpose being `session`).
fn epoch_key(key: &[u8], key_id: u8) -> [u8; 32] {
    const DAY: u64 = 86_400;
    let epoch = at().unix_timestamp() as u64 / DAY;
    let mut info = b"sealed-session v1 epoch key".to_vec();
    info.push(1);
    info.push(key_id);
    info.extend_from_slice(&DAY.to_be_bytes());
    info.extend_from_slice(&epoch.to_be_bytes());
    info.extend_from_slice(b"session");
    let mut okm = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(None, key)
        .expand(&info, &mut okm)
        .unwrap();
    okm
}

/// Proves `epoch_key` right: `token`, sealed by the library under the master key that `key` was
/// derived from, must open with a plain XChaCha20-Poly1305 under `key` (FORMAT.md R2.2, R5.1,
/// R8.5: the 24-byte header is the nonce, no associated data), and its plaintext must hold the
/// session's user. Otherwise the scan would look for bytes the library never derives and pass
/// whatever the library leaves behind.
fn check_epoch_key(label: &str, key: &[u8; 32], token: &str, user: &str) {
    let raw = URL_SAFE_NO_PAD
        .decode(token)
        .unwrap_or_else(|e| panic!("{label}: the token is not unpadded base64url: {e}"));
    let (header, sealed) = raw
        .split_at_checked(24)
        .unwrap_or_else(|| panic!("{label}: the token is shorter than its header"));
    let plaintext = XChaCha20Poly1305::new(key.into())
        .decrypt(&XNonce::try_from(header).expect("a 24-byte header"), sealed)
        .unwrap_or_else(|_| {
            panic!(
                "{label}: a token the library sealed does not open under the epoch key this test \
                 derived: the derivation here differs from the library's, so the scan searched \
                 for the wrong bytes"
            )
        });
    assert!(
        plaintext.windows(user.len()).any(|w| w == user.as_bytes()),
        "{label}: the token opened under the derived key but its plaintext lacks the session"
    );
}

fn at() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap()
}

/// The library's calls, at one fixed time (no wall clock): the one place to follow API renames.
mod api {
    use sealed_session::{
        Clock, Config, Keyring, OpenError, Opened, SealError, Sealer, SessionMeta, SessionOptions,
    };
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    struct Fixed;

    impl Clock for Fixed {
        fn unix_seconds(&self) -> i64 {
            super::at().unix_timestamp()
        }
    }

    pub fn sealer(keyring: Keyring, config: Config) -> Sealer {
        Sealer::new(keyring, config).with_clock(Fixed)
    }

    pub fn seal<T: Serialize + ?Sized>(s: &Sealer, value: &T) -> Result<String, SealError> {
        s.seal(value, &SessionOptions::default())
    }

    pub fn open<T: DeserializeOwned>(s: &Sealer, token: &str) -> Result<Opened<T>, OpenError> {
        s.open(token)
    }

    pub fn open_raw(s: &Sealer, token: &str) -> Result<Opened<Vec<u8>>, OpenError> {
        s.open_raw(token)
    }

    pub fn renew<T: Serialize>(s: &Sealer, value: &T, meta: &SessionMeta) -> String {
        s.renew(value, meta).unwrap()
    }

    pub fn reissue<T: Serialize>(s: &Sealer, value: &T, meta: &SessionMeta) -> String {
        s.reissue(value, meta).unwrap()
    }
}

/// The inner service of the session middleware: decodes the session as the handler's extractor
/// would (the value is the application's: forgotten), and writes it back when `renew` is set.
#[derive(Clone)]
struct Handler {
    renew: bool,
}

impl tower_service::Service<http::Request<()>> for Handler {
    type Response = http::Response<()>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<http::Response<()>, std::convert::Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<()>) -> Self::Future {
        let handle = request.extensions().get::<SessionHandle>().unwrap();
        let value = handle.get::<Session>().unwrap().unwrap();
        if self.renew {
            handle.renew(&value).unwrap();
        }
        std::mem::forget(value);
        std::future::ready(Ok(http::Response::new(())))
    }
}

/// One request carrying `value`'s session cookie through the tower `SessionLayer` around
/// [`Handler`]: the middleware keeps the payload bytes for the request (inline in its handle
/// when small, on the heap when not), and the request's end frees them.
fn through_the_layer(keyring: Keyring, value: &Session, renew: bool) {
    use tower_layer::Layer as _;
    use tower_service::Service as _;
    let settings = CookieSettings::default();
    let config = settings.config_builder().build().unwrap();
    let cookies = SessionCookie::new(api::sealer(keyring, config), settings).unwrap();
    let set = cookies
        .seal(
            &cookies.settings().read([]),
            value,
            &SessionOptions::default(),
        )
        .unwrap();
    let cookie = format!(
        "{}={}",
        set.iter().next().unwrap().name(),
        set.iter().next().unwrap().value()
    );
    let mut request = http::Request::new(());
    request
        .headers_mut()
        .insert(http::header::COOKIE, cookie.parse().unwrap());
    let mut service = SessionLayer::new(cookies).layer(Handler { renew });
    let mut future = std::pin::pin!(service.call(request));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let response = match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(response) => response.unwrap(),
        std::task::Poll::Pending => unreachable!("the handler is ready at once"),
    };
    assert_eq!(
        response
            .headers()
            .get_all(http::header::SET_COOKIE)
            .iter()
            .count(),
        usize::from(renew)
    );
}

/// Seals, opens, renews, reissues and opens raw under `sealer`; the values handed to the
/// application are forgotten (they are the application's to wipe).
fn round_trip(sealer: &Sealer, value: &Session) {
    let token = api::seal(sealer, value).unwrap();
    let opened = api::open::<Session>(sealer, &token).unwrap();
    assert_eq!(opened.session.user, value.user);
    let renewed = api::renew(sealer, value, &opened.meta);
    let reissued = api::reissue(sealer, value, &opened.meta);
    std::mem::forget(opened);
    for token in [renewed, reissued] {
        std::mem::forget(api::open::<Session>(sealer, &token).unwrap());
    }
    std::mem::forget(api::open_raw(sealer, &token).unwrap());
}

fn main() {
    // Silence the expected panics' messages (the hook's own allocations hold no secret).
    std::panic::set_hook(Box::new(|_| {}));
    let mut reg = Registry::default();

    // Keys, one per accepted text form, with the epoch key each must derive (checked against a
    // token its sealer sealed once the scan is disarmed).
    let mut text_keys = Vec::new();
    let mut epoch_keys = Vec::new();
    for form in [
        "hex",
        "HEX",
        "base64 padded",
        "base64 unpadded",
        "base64url padded",
        "base64url unpadded",
    ] {
        let (key, text) = key_in_form(form);
        reg.add(format!("key bytes: from_text {form}"), &key);
        reg.add(format!("key text: from_text {form}"), text.as_bytes());
        let derived = epoch_key(&key, 1);
        reg.add(format!("epoch key: from_text {form}"), &derived);
        epoch_keys.push((form, derived));
        let text = if form == "base64url unpadded" {
            format!(" \t{text}\n") // surrounding whitespace is accepted
        } else {
            text
        };
        text_keys.push(leak(text));
    }
    // A list with three forms.
    let mut list = Vec::new();
    for (id, form) in [(7, "hex"), (8, "base64 padded"), (9, "base64url unpadded")] {
        let (key, text) = key_in_form(form);
        reg.add(format!("key bytes: from_list {form}"), &key);
        reg.add(format!("key text: from_list {form}"), text.as_bytes());
        list.push(format!("{id}:{text}"));
    }
    let list = leak(list.join(", "));
    // The environment: a variable and a `_FILE` path, for one key and for a list.
    let dir = std::env::temp_dir().join(format!("heap-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut env_case = |label: &str, form: &str, as_list: bool, file: bool| -> String {
        let (key, text) = key_in_form(form);
        reg.add(format!("key bytes: {label}"), &key);
        reg.add(format!("key text: {label}"), text.as_bytes());
        let value = if as_list { format!("4:{text}") } else { text };
        let var = format!("HEAP_SCAN_{}", label.replace(' ', "_").to_uppercase());
        if file {
            let path = dir.join(&var);
            std::fs::write(&path, format!("{value}\n")).unwrap();
            // SAFETY: single-threaded here: no other thread reads the environment yet.
            unsafe { std::env::set_var(format!("{var}_FILE"), &path) };
        } else {
            // SAFETY: as above.
            unsafe { std::env::set_var(&var, &value) };
        }
        var
    };
    let env_key = env_case("from_env var", "base64url unpadded", false, false);
    let file_key = env_case("from_env file", "base64 padded", false, true);
    let env_ring = env_case("keyring from_env var", "hex", true, false);
    let file_ring = env_case("keyring from_env file", "base64url padded", true, true);
    // A `_FILE` that reports no size (a pipe, as some secret stores mount them): the reader
    // cannot size its buffer from the metadata and has to grow it.
    let (pipe_key, pipe_text) = key_in_form("base64 padded");
    reg.add("key bytes: from_env file without a size (pipe)", &pipe_key);
    reg.add(
        "key text: from_env file without a size (pipe)",
        pipe_text.as_bytes(),
    );
    let (pipe_reader, mut pipe_writer) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut pipe_writer, format!("{pipe_text}\n").as_bytes()).unwrap();
    drop(pipe_writer);
    let pipe_path = format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&pipe_reader)
    );
    // SAFETY: single-threaded here, as above.
    unsafe { std::env::set_var("HEAP_SCAN_PIPE_KEY_FILE", &pipe_path) };
    // Refused imports: a text mixing both alphabets (decoded by no engine), and a list whose
    // second key is refused for its duplicate id.
    let (mixed_key, mixed_text) = key_in_form("base64url unpadded");
    reg.add("key bytes: refused mixed alphabets", &mixed_key);
    let mixed = leak(format!("{mixed_text}+"));
    let (dup_key, dup_text) = key_in_form("base64url unpadded");
    reg.add("key bytes: refused duplicate id", &dup_key);
    reg.add("key text: refused duplicate id", dup_text.as_bytes());
    let dup_list = leak(format!("1:{}, 1:{dup_text}", text_keys[0]));
    // Keys for the wrong-key sealer.
    let (other_key, other_text) = key_in_form("base64url unpadded");
    reg.add("key bytes: other sealer", &other_key);
    let other_text = leak(other_text);

    // Plaintext sessions, one per path so a hit names the path.
    let s_round = session(&mut reg, "seal/open/renew/reissue", 300);
    let s_thread = session(&mut reg, "seal on a new thread", 300);
    let s_err = session(&mut reg, "Serialize error", 300);
    let s_panic = session(&mut reg, "Serialize panic", 300);
    let s_long = session(&mut reg, "too long to seal", 6000);
    let s_big = session(&mut reg, "over the kept scratch size", 100_000);
    let s_layer_small = session(&mut reg, "session middleware, payload inline", 100);
    let s_layer_large = session(&mut reg, "session middleware, payload on the heap", 600);
    let s_cached = session(&mut reg, "open cache, evicted by a shorter token", 200);
    let s_cached_kept = session(&mut reg, "open cache, held until the cache is dropped", 100);
    let canary = random_bytes(64);
    reg.add("canary (must be found: proves the scan works)", &canary);
    let canary_index = reg.labels.len() - 1;
    reg.install();
    ARMED.store(true, Ordering::Release);

    // ---- armed: every free from here on is scanned ----
    let mut sealers = Vec::new();
    for text in &text_keys {
        let key = MasterKey::from_text(text).unwrap();
        sealers.push(api::sealer(Keyring::new(1, key), Config::default()));
    }
    let ring = Keyring::from_list(list).unwrap();
    assert_eq!(ring.ids().collect::<Vec<_>>(), [7, 8, 9]);
    sealers.push(api::sealer(ring, Config::default()));
    sealers.push(api::sealer(
        Keyring::new(1, MasterKey::from_env(&env_key).unwrap()),
        Config::default(),
    ));
    sealers.push(api::sealer(
        Keyring::new(1, MasterKey::from_env(&file_key).unwrap()),
        Config::default(),
    ));
    sealers.push(api::sealer(
        Keyring::new(1, MasterKey::from_env("HEAP_SCAN_PIPE_KEY").unwrap()),
        Config::default(),
    ));
    drop(pipe_reader);
    sealers.push(api::sealer(
        Keyring::from_env(&env_ring).unwrap(),
        Config::default(),
    ));
    sealers.push(api::sealer(
        Keyring::from_env(&file_ring).unwrap(),
        Config::default(),
    ));
    assert!(MasterKey::from_text(mixed).is_err());
    assert!(Keyring::from_list(dup_list).is_err());

    // Every key seals and opens (its bytes go through the key derivation).
    for sealer in &sealers {
        round_trip(sealer, s_round);
    }
    // One token per key whose epoch key is searched for (tokens hold no secret in clear).
    let derivation_tokens: Vec<String> = sealers[..text_keys.len()]
        .iter()
        .map(|sealer| api::seal(sealer, s_round).unwrap())
        .collect();
    let sealer = &sealers[0];

    // A new thread: its scratch buffer grows on the first seal and is freed at thread exit.
    std::thread::scope(|scope| {
        scope.spawn(|| round_trip(sealer, s_thread));
    });

    // Error paths.
    assert_eq!(
        api::seal(sealer, &FailsAfter(s_err)).unwrap_err(),
        SealError::Serialize
    );
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        api::seal(sealer, &PanicsAfter(s_panic))
    }));
    assert!(panicked.is_err());
    assert!(matches!(
        api::seal(sealer, s_long),
        Err(SealError::TooLong { .. })
    ));
    let token = api::seal(sealer, s_round).unwrap();
    let other = api::sealer(
        Keyring::new(1, MasterKey::from_text(other_text).unwrap()),
        Config::default(),
    );
    assert!(matches!(
        api::open::<Session>(&other, &token),
        Err(OpenError::Authentication)
    ));
    let mut tampered = token.clone().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(matches!(
        api::open::<Session>(sealer, &tampered),
        Err(OpenError::Authentication)
    ));
    assert!(matches!(
        api::open::<Session>(sealer, &"A".repeat(5000)),
        Err(OpenError::TooLong { .. })
    ));
    // Authentic, but not the requested type: the payload error path after decryption.
    assert!(matches!(
        api::open::<u8>(sealer, &token),
        Err(OpenError::Payload)
    ));
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        api::open::<PanicsOnDecode>(sealer, &token)
    }));
    assert!(panicked.is_err());

    // A session larger than the scratch buffer kept per thread.
    let roomy = Config::builder().max_token_len(200_000).build().unwrap();
    let big = api::sealer(
        Keyring::new(1, MasterKey::from_text(other_text).unwrap()),
        roomy,
    );
    let token = api::seal(&big, s_big).unwrap();
    std::mem::forget(api::open::<Session>(&big, &token).unwrap());

    // The session middleware's copy of the payload, kept for the request: small (inside the
    // request's handle) and large (its own allocation), read only and written.
    for (value, renew) in [
        (s_layer_small, false),
        (s_layer_small, true),
        (s_layer_large, false),
        (s_layer_large, true),
    ] {
        let key = MasterKey::from_text(other_text).unwrap();
        through_the_layer(Keyring::new(1, key), value, renew);
    }

    // The open cache: a slot refilled (one slot, so every seal evicts the last token) and a
    // cache dropped with its state on a config replacement, then with the sealer.
    let cache = |slots| Config::builder().open_cache(slots).build().unwrap();
    let cached = api::sealer(
        Keyring::new(1, MasterKey::from_text(other_text).unwrap()),
        cache(1),
    );
    round_trip(&cached, s_cached);
    round_trip(&cached, s_cached_kept);
    cached.replace_config(cache(1));
    round_trip(&cached, s_cached_kept);
    drop(cached);

    // Dropping the sealers drops the keys.
    drop(sealers);
    drop(other);
    drop(big);

    // Control: a plain Vec holding the canary, freed without wiping, must be found.
    drop(std::hint::black_box(canary.clone()));
    ARMED.store(false, Ordering::Release);
    // ---- disarmed ----

    let _ = std::fs::remove_dir_all(&dir);
    // The expected panics are over: failures from here on print their message.
    drop(std::panic::take_hook());
    // The epoch keys searched for are the library's: each opens its sealer's token.
    assert_eq!(derivation_tokens.len(), epoch_keys.len());
    for ((form, key), token) in epoch_keys.iter().zip(&derivation_tokens) {
        check_epoch_key(
            &format!("epoch key: from_text {form}"),
            key,
            token,
            &s_round.user,
        );
    }
    println!(
        "heap-scan: {} derived epoch keys checked: each opens a token its sealer sealed",
        epoch_keys.len()
    );
    let secrets = SECRETS.get().unwrap();
    println!(
        "heap-scan: {} freed blocks scanned ({} bytes), {} secrets",
        BLOCKS_SCANNED.load(Ordering::Relaxed),
        BYTES_SCANNED.load(Ordering::Relaxed),
        secrets.labels.len()
    );
    let mut leaks = 0;
    for (i, label) in secrets.labels.iter().enumerate() {
        let blocks = HIT_BLOCKS[i].load(Ordering::Relaxed);
        if blocks == 0 {
            continue;
        }
        println!(
            "  {label}: in {blocks} freed block(s), longest run {} of {} bytes",
            LONGEST_RUN[i].load(Ordering::Relaxed),
            secrets.bytes[i].len()
        );
        if i != canary_index {
            leaks += 1;
        }
    }
    assert!(
        HIT_BLOCKS[canary_index].load(Ordering::Relaxed) > 0,
        "the control canary was not found: the scan does not work"
    );
    if leaks > 0 {
        println!("heap-scan: FAILED: {leaks} secret(s) found in freed memory");
        std::process::exit(1);
    }
    println!("heap-scan: ok: no key or plaintext bytes in freed memory");
}
