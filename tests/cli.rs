//! The `sealed-session` command-line tool, run as a process: exit codes, output, and bad input
//! (a clear one-line message, never a panic, never a key or a token echoed). Every run is at a
//! fixed time (`--at`) with a cleared environment.
#![cfg(feature = "cli")]

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use common::{DAY, HOUR, T0, clocked, key, noise, session};
use sealed_session::{CookieSettings, EXAMPLE_KEY, Keyring, MasterKey, Sealer, SessionOptions};

const BIN: &str = env!("CARGO_BIN_EXE_sealed-session");

/// What one run gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Neither stream holds any of `secrets`, and stderr is at most one line.
    fn leaks_nothing(&self, secrets: &[&str]) -> &Self {
        for s in secrets {
            assert!(
                !self.stdout.contains(s) && !self.stderr.contains(s),
                "a secret was echoed:\n{}\n{}",
                self.stdout,
                self.stderr
            );
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    fn one_line_error(&self) -> &Self {
        assert_eq!(self.stderr.lines().count(), 1, "stderr: {}", self.stderr);
        assert!(
            self.stderr.starts_with("sealed-session: error: "),
            "{}",
            self.stderr
        );
        self
    }
}

/// Runs the tool with only `env` in its environment and `stdin` on its standard input.
fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    run_bytes(args, env, stdin.as_bytes())
}

/// [`run`] with any bytes on standard input.
fn run_bytes(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The tool may exit before reading everything: a broken pipe here is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Key `label` as the base64url text the application is given.
fn key_text(label: u8) -> String {
    key(label).to_base64url().to_string()
}

/// A token for the default cookie, sealed at [`T0`] under key 1 (optionally with changes to the
/// config).
fn token_with(
    change: impl FnOnce(sealed_session::ConfigBuilder) -> sealed_session::ConfigBuilder,
) -> String {
    let config = change(CookieSettings::default().config_builder())
        .build()
        .unwrap();
    let s = clocked(Sealer::new(Keyring::new(1, key(1)), config));
    s.seal(&session(), &SessionOptions::default()).unwrap()
}

fn token() -> String {
    token_with(|b| b)
}

const AT_T0: &str = "1800000000";

fn at(secs: i64) -> String {
    secs.to_string()
}

#[test]
fn keygen_prints_keys_the_library_reads() {
    let one = run(&["keygen"], &[], "");
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.stdout.lines().count(), 1);
    let text = one.stdout.trim_end();
    assert_eq!(text.len(), 43);
    assert!(MasterKey::from_text(text).is_ok());

    let ring = run(&["keygen", "--id", "3", "--count", "2"], &[], "");
    assert_eq!(ring.code, 0);
    let parsed = Keyring::from_list(&ring.stdout).unwrap();
    assert_eq!(parsed.ids().collect::<Vec<_>>(), [3, 4]);
    assert_ne!(one.stdout, ring.stdout);

    let over = run(&["keygen", "--id", "255", "--count", "2"], &[], "");
    assert_eq!(over.code, 1);
    over.one_line_error();
    assert!(over.stdout.is_empty(), "no key printed when refusing");
    assert_eq!(run(&["keygen", "--id", "256"], &[], "").code, 2);
    assert_eq!(run(&["keygen", "--count", "0"], &[], "").code, 2);
}

#[test]
fn inspect_without_keys_reads_the_header_only() {
    let token = token();
    let r = run(&["inspect", &token, "--at", AT_T0], &[], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.leaks_nothing(&[&token]);
    let epoch = T0 / DAY;
    for expected in [
        "at:          2027-01-15T08:00:00Z",
        "version:     1",
        "key id:      1",
        &format!("epoch {epoch}, sealed between 2027-01-15T00:00:00Z and 2027-01-16T00:00:00Z"),
        "UNVERIFIED",
        "header only",
    ] {
        assert!(
            r.stdout.contains(expected),
            "{expected:?} missing:\n{}",
            r.stdout
        );
    }
    let chars = format!("token:       {} characters", token.len());
    assert!(r.stdout.contains(&chars), "{}", r.stdout);
    assert!(!r.stdout.contains("payload"), "{}", r.stdout);
}

#[test]
fn inspect_with_keys_shows_claims_verdict_and_payload() {
    let token = token();
    let keys = format!("1:{}", key_text(1));
    let r = run(
        &["inspect", &token, "--at", &at(T0 + HOUR + 1)],
        &[("SESSION_KEYS", &keys)],
        "",
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    r.leaks_nothing(&[&token, &key_text(1)]);
    for expected in [
        "keys:        ids 1 (primary 1)",
        "open:        valid",
        "profile:     browser-session",
        "started:     2027-01-15T08:00:00Z (1h1s ago)",
        "idle until:  2027-01-15T10:00:00Z (in 59m59s)",
        "ends:        2027-01-15T20:00:00Z (in 10h59m59s)",
        "key, epoch:  1 (primary), 20833 (current)",
        "session id:  none",
        "renew due:   yes",
        // postcard: user_id 7, then "bob" with its length 3.
        "payload:     ",
        "07 03 62 6f 62",
        "..bob",
    ] {
        assert!(
            r.stdout.contains(expected),
            "{expected:?} missing:\n{}",
            r.stdout
        );
    }
}

#[test]
fn inspect_takes_stdin_and_cookie_headers() {
    let token = token();
    let keys = format!("1:{}", key_text(1));
    let env = [("SESSION_KEYS", keys.as_str())];
    for input in [
        format!("{token}\n"),
        format!("Cookie: theme=dark; __Host-session={token}; lang=en\n"),
        format!("__Host-session={token}"),
        format!("Set-Cookie: __Host-session={token}; Path=/; Secure; HttpOnly"),
    ] {
        let r = run(&["inspect", "-", "--at", AT_T0], &env, &input);
        assert_eq!(r.code, 0, "input {input:?}: {}", r.stderr);
        assert!(r.stdout.contains("open:        valid"), "{}", r.stdout);
        r.leaks_nothing(&[&token]);
    }
    let empty = run(&["inspect", "-", "--at", AT_T0], &env, "");
    assert_eq!(empty.code, 1);
    empty.one_line_error();
    assert!(
        empty.stderr.contains("standard input is empty"),
        "{}",
        empty.stderr
    );
    let no_cookie = run(&["inspect", "-", "--at", AT_T0], &env, "Cookie: a=1; b=2");
    assert_eq!(no_cookie.code, 1);
    no_cookie.one_line_error();
    assert!(no_cookie.stderr.contains("no cookie named __Host-session"));
}

#[test]
fn inspect_gives_open_s_verdict_at_the_time_asked() {
    let token = token();
    let keys = format!("1:{}", key_text(1));
    let env = [("SESSION_KEYS", keys.as_str())];
    for (secs, verdict) in [
        (T0 + 2 * HOUR + 61, "REFUSED: session timed out while idle"),
        (T0 - 120, "REFUSED: token was sealed in the future"),
        (
            T0 + 40 * DAY,
            "REFUSED: token was sealed under a retired key epoch",
        ),
    ] {
        let r = run(&["inspect", &token, "--at", &at(secs)], &env, "");
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(
            r.stdout.contains(verdict),
            "{verdict:?} missing:\n{}",
            r.stdout
        );
        assert!(!r.stdout.contains("payload"));
        r.leaks_nothing(&[&token, &key_text(1)]);
    }
    // 40 days later the epoch bits match no epoch open accepts; the tool says when it was.
    let late = run(&["inspect", &token, "--at", &at(T0 + 40 * DAY)], &[], "");
    assert_eq!(late.code, 0, "without keys the header reads");
    assert!(
        late.stdout.contains("the latest with these bits is 20833"),
        "{}",
        late.stdout
    );

    // 40 days earlier: the bits belong to no epoch yet; the tool names the next one.
    let early = run(&["inspect", &token, "--at", &at(T0 - 40 * DAY)], &[], "");
    assert!(
        early.stdout.contains("the next with these bits is 20833"),
        "{}",
        early.stdout
    );

    // Another schema: authentic (the claims show) but refused, as open would.
    let v2 = token_with(|b| b.schema_version(2));
    let r = run(&["inspect", &v2, "--at", AT_T0], &env, "");
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("REFUSED: session schema version 2, expected 0"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("schema:      2"));
    let r = run(
        &["inspect", &v2, "--at", AT_T0, "--schema-version", "2"],
        &env,
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn inspect_shows_what_a_refused_token_claims_once_it_authenticates() {
    let keys = format!("1:{}", key_text(1));
    let env = [("SESSION_KEYS", keys.as_str())];
    let token = token();
    // One lifetime for both deadlines, so the absolute one is what refuses.
    let short = token_with(|b| {
        b.browser_session(sealed_session::Lifetimes::new(
            std::time::Duration::from_secs(3600),
            std::time::Duration::from_secs(3600),
        ))
    });
    let short_args = ["--absolute", "1h", "--idle", "1h"];
    for (token, extra, secs, verdict) in [
        (
            &short,
            &short_args[..],
            T0 + HOUR + 61,
            "REFUSED: session expired: expired at 2027-01-15T09:00:00Z (1m1s ago) (absolute deadline",
        ),
        (
            &token,
            &[][..],
            T0 + 2 * HOUR + 61,
            "REFUSED: session timed out while idle: idle since 2027-01-15T10:00:00Z (1m1s ago) (idle \
             deadline",
        ),
        (
            &token,
            &[][..],
            T0 + 40 * DAY,
            "REFUSED: token was sealed under a retired key epoch: sealed in epoch 20833",
        ),
        (
            &token,
            &[][..],
            T0 - 120,
            "REFUSED: token was sealed in the future: sealed at 2027-01-15T08:00:00Z (in 2m)",
        ),
    ] {
        let time = at(secs);
        let mut args = vec!["inspect", token.as_str(), "--at", time.as_str()];
        args.extend_from_slice(extra);
        let r = run(&args, &env, "");
        assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
        r.leaks_nothing(&[token, &key_text(1)]);
        for expected in [
            verdict,
            "(authentic: the claims below are the token's)",
            "started:     2027-01-15T08:00:00Z",
            "key, epoch:  1 (primary), 20833",
        ] {
            assert!(
                r.stdout.contains(expected),
                "{expected:?} missing:\n{}",
                r.stdout
            );
        }
        assert!(!r.stdout.contains("payload"), "{}", r.stdout);
    }

    // The generation floor: revoked, and why.
    let r = run(
        &["inspect", &token, "--at", AT_T0, "--generation-floor", "1"],
        &env,
        "",
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("REFUSED: session was revoked: generation 0 is below the floor 1"),
        "{}",
        r.stdout
    );

    // A token that does not authenticate shows nothing but its unverified header, in the window
    // or out of it.
    let wrong = format!("1:{}", key_text(2));
    for secs in [T0, T0 + 40 * DAY] {
        let r = run(
            &["inspect", &token, "--at", &at(secs)],
            &[("SESSION_KEYS", &wrong)],
            "",
        );
        assert_eq!(r.code, 1);
        assert!(r.stdout.contains("REFUSED: "), "{}", r.stdout);
        for claim in ["started:", "profile:", "(authentic:", "payload"] {
            assert!(!r.stdout.contains(claim), "{claim:?} shown:\n{}", r.stdout);
        }
    }
}

#[test]
fn inspect_reads_a_chunked_cookie_set_from_a_cookie_header() {
    let settings = CookieSettings::builder().chunks(3).build().unwrap();
    let sealer = clocked(Sealer::new(
        Keyring::new(1, key(1)),
        settings.config_builder().build().unwrap(),
    ));
    let cookies = sealed_session::SessionCookie::new(sealer.at(T0).clone(), settings).unwrap();
    let big = noise(5000, 1);
    let set = cookies
        .seal(
            &cookies.settings().read([]),
            &big,
            &SessionOptions::default(),
        )
        .unwrap();
    let pairs: Vec<String> = set
        .iter()
        .filter(|c| !c.value().is_empty())
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect();
    assert!(pairs.len() >= 2, "the session is chunked: {pairs:?}");
    let header = format!("Cookie: theme=dark; {}", pairs.join("; "));
    let keys = format!("1:{}", key_text(1));
    let env = [("SESSION_KEYS", keys.as_str())];
    let r = run(
        &["inspect", "-", "--at", AT_T0, "--chunks", "3"],
        &env,
        &header,
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("open:        valid"), "{}", r.stdout);
    r.leaks_nothing(&[pairs[0].as_str()]);

    // A partial set is refused as the cookie layer refuses it, without echoing it.
    let partial = format!("Cookie: {}", pairs[0]);
    let r = run(
        &["inspect", "-", "--at", AT_T0, "--chunks", "3"],
        &env,
        &partial,
    );
    assert_eq!(r.code, 1);
    r.one_line_error().leaks_nothing(&[pairs[0].as_str()]);
    assert!(r.stderr.contains("do not form one token"), "{}", r.stderr);
}

#[test]
fn inspect_refuses_bad_tokens_and_keys_clearly() {
    let token = token();
    // Garbage: the header does not read; nothing of it is echoed.
    for (garbage, why) in [
        ("not a token, SECRETISH!", "unreadable: token is malformed"),
        // Valid base64url, but its first byte is no format version this release reads.
        (
            "not-a-token-but-quite-long-SECRETISH",
            "unreadable: token format version 158",
        ),
        (&token[..40], "unreadable: token is malformed"),
    ] {
        let r = run(&["inspect", garbage, "--at", AT_T0], &[], "");
        assert_eq!(r.code, 1);
        assert!(r.stdout.contains(why), "{why:?}:\n{}", r.stdout);
        r.leaks_nothing(&[garbage]);
    }

    // A wrong key, an unknown key id.
    for (keys, verdict) in [
        (
            format!("1:{}", key_text(2)),
            "REFUSED: token failed authentication",
        ),
        (
            format!("5:{}", key_text(1)),
            "REFUSED: token key id 1 is not in the keyring",
        ),
    ] {
        let r = run(
            &["inspect", &token, "--at", AT_T0],
            &[("SESSION_KEYS", &keys)],
            "",
        );
        assert_eq!(r.code, 1);
        assert!(r.stdout.contains(verdict), "{verdict:?}:\n{}", r.stdout);
        r.leaks_nothing(&[&token, &key_text(1), &key_text(2)]);
    }

    // A malformed key, the published example key, a variable named but unset.
    let bad_key = "1:this-is-no-key";
    let r = run(
        &["inspect", &token, "--at", AT_T0],
        &[("SESSION_KEYS", bad_key)],
        "",
    );
    assert_eq!(r.code, 1);
    r.one_line_error()
        .leaks_nothing(&[&token, "this-is-no-key"]);
    assert!(r.stderr.contains("SESSION_KEYS"), "{}", r.stderr);
    let example = format!("1:{EXAMPLE_KEY}");
    let r = run(
        &["inspect", &token, "--at", AT_T0],
        &[("SESSION_KEYS", &example)],
        "",
    );
    assert_eq!(r.code, 1);
    r.one_line_error().leaks_nothing(&[EXAMPLE_KEY]);
    assert!(r.stderr.contains("example key"), "{}", r.stderr);
    let r = run(
        &["inspect", &token, "--keys-var", "APP_KEYS", "--at", AT_T0],
        &[],
        "",
    );
    assert_eq!(r.code, 1);
    r.one_line_error();
    assert!(r.stderr.contains("APP_KEYS_FILE"), "{}", r.stderr);

    // Keys from a file.
    let dir = std::env::temp_dir().join(format!("sealed-session-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys");
    std::fs::write(&file, format!("2:{}\n1:{}\n", key_text(2), key_text(1))).unwrap();
    let file = file.to_str().unwrap();
    let r = run(
        &["inspect", &token, "--at", AT_T0, "--keys-file", file],
        &[],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("key, epoch:  1 (old key)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("renew due:   yes"));
    let missing = dir.join("nope");
    let r = run(
        &[
            "inspect",
            &token,
            "--at",
            AT_T0,
            "--keys-file",
            missing.to_str().unwrap(),
        ],
        &[],
        "",
    );
    assert_eq!(r.code, 1);
    r.one_line_error();
    assert!(
        r.stderr.contains("cannot read the keys file"),
        "{}",
        r.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_passes_a_good_deployment() {
    let keys = format!("2:{}, 1:{}", key_text(2), key_text(1));
    let r = run(&["check", "--at", AT_T0], &[("SESSION_KEYS", &keys)], "");
    assert_eq!(r.code, 0, "{}", r.stdout);
    r.leaks_nothing(&[&key_text(1), &key_text(2)]);
    assert!(
        r.stdout.contains("2 keys (ids 2, 1), primary id 2"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("cookie __Host-session"));
    assert!(r.stdout.contains("passed (0 warnings)"), "{}", r.stdout);
    assert!(!r.stdout.contains("error:"));
    // The settings come from the same variables the flags name.
    let r = run(
        &["check", "--at", AT_T0],
        &[
            ("SESSION_KEYS", &keys),
            ("SESSION_IDLE", "30m"),
            ("SESSION_COOKIE_NAME", "app"),
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("12h absolute / 30m idle"), "{}", r.stdout);
    assert!(
        r.stdout.contains("warning: cookie name app has no __Host-"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("passed (1 warning)"), "{}", r.stdout);
}

#[test]
fn check_reports_every_problem_at_once() {
    let keys = format!(
        "1:not-a-key, 2:{EXAMPLE_KEY}, 3:{}, junk, 3:{}",
        key_text(1),
        key_text(2)
    );
    let r = run(
        &["check", "--at", AT_T0],
        &[
            ("SESSION_KEYS", &keys),
            ("SESSION_LEEWAY", "5h"),
            ("SESSION_RENEW_AFTER_PERCENT", "150"),
            ("SESSION_COOKIE_CHUNKS", "0"),
        ],
        "",
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    r.leaks_nothing(&[&key_text(1), &key_text(2), "not-a-key"]);
    let errors: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    for expected in [
        "keyring entry 1",
        "example key",
        "keyring entry 4 is not of the form ID:KEY",
        "keyring entry 5: key id 3 is used twice",
        "leeway",
        "renewal threshold",
        "cookie settings",
    ] {
        assert!(
            errors.iter().any(|l| l.contains(expected)),
            "{expected:?} missing:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout
            .contains(&format!("FAILED: {} problems", errors.len()))
    );

    // Settings each valid alone, but no login would work: a not-before cutoff in the future.
    let good = format!("1:{}", key_text(1));
    let r = run(
        &[
            "check",
            "--at",
            AT_T0,
            "--not-before",
            "2027-01-16T00:00:00Z",
        ],
        &[("SESSION_KEYS", &good)],
        "",
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("error:   browser-session: a test session fails: session was revoked"),
        "{}",
        r.stdout
    );

    let none = run(&["check", "--at", AT_T0], &[], "");
    assert_eq!(none.code, 1);
    assert!(
        none.stdout
            .contains("no master key: set SESSION_KEYS or SESSION_KEYS_FILE")
    );

    // Usage errors: status 2, clap's message.
    assert_eq!(run(&["check", "--leeway", "5x"], &[], "").code, 2);
    assert_eq!(run(&["check", "--at", "yesterday"], &[], "").code, 2);
}

#[test]
fn sizes_come_from_the_library_s_arithmetic() {
    let r = run(&["sizes", "--chunks", "2"], &[], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    for chunks in 1..=2u8 {
        let settings = CookieSettings::builder().chunks(chunks).build().unwrap();
        let sealer = Sealer::new(
            Keyring::new(1, key(1)),
            settings.config_builder().build().unwrap(),
        );
        let b = sealer.max_payload_len(&SessionOptions::default()).unwrap();
        let p = sealer
            .max_payload_len(&SessionOptions::default().persistent(true))
            .unwrap();
        let row = format!(
            "{chunks:>7}  {:>10}  {b:>15}  {p:>10}",
            settings.max_token_len()
        );
        assert!(r.stdout.contains(&row), "{row:?} missing:\n{}", r.stdout);
    }
    let r = run(&["sizes", "--payload", "5000"], &[], "");
    assert!(r.stdout.contains("too long"), "{}", r.stdout);
    let r = run(&["sizes", "--chunks", "99"], &[], "");
    assert_eq!(r.code, 1);
    r.one_line_error();
}

#[test]
fn usage_errors_exit_2() {
    // No command at all: the help, on stderr, status 2.
    let r = run(&[], &[], "");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("Usage: sealed-session <COMMAND>"),
        "{}",
        r.stderr
    );
    for args in [
        &["frobnicate"][..],
        &["inspect"],
        &["keygen", "--id", "x"],
        &["keygen", "--id", "1", "--id", "2"],
        &["inspect", "-", "--keys-file"],
        &["check", "--no-such-flag"],
    ] {
        let r = run(args, &[], "");
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.starts_with("sealed-session: usage error: "),
            "{args:?}: {}",
            r.stderr
        );
    }
    // A token or key typed in the wrong place is never quoted back.
    let token = token();
    let key = key_text(1);
    for args in [
        vec![token.as_str()],
        vec!["inspect", &token, &key],
        vec!["inspect", &token, "--at", &key],
        vec!["keygen", "--count", &key],
        vec!["check", "--leeway", &key],
    ] {
        let r = run(&args, &[], "");
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        r.leaks_nothing(&[&token, &key]);
        assert!(
            r.stderr.starts_with("sealed-session: usage error: "),
            "{}",
            r.stderr
        );
    }
    let r = run(&["inspect", &token, "--at", "soon"], &[], "");
    assert!(
        r.stderr
            .contains("invalid value for --at <TIME>: expected unix seconds"),
        "{}",
        r.stderr
    );
    assert_eq!(run(&["--help"], &[], "").code, 0);
    assert_eq!(run(&["--version"], &[], "").code, 0);
}

/// Noise, and tokens with bytes changed, on standard input and as the argument: exit status 0 or 1
/// with a message, never a panic, never the input quoted back.
#[test]
fn noise_never_panics() {
    let token = token();
    let keys = format!("1:{}", key_text(1));
    let env = [("SESSION_KEYS", keys.as_str())];
    for seed in 0..24u64 {
        let len = usize::try_from(seed * 13 % 200).unwrap();
        let bytes = noise(len, seed);
        let r = run_bytes(&["inspect", "-", "--at", AT_T0], &env, &bytes);
        assert!(matches!(r.code, 0 | 1), "seed {seed}: {}", r.stderr);
        r.leaks_nothing(&[]);
        // The same noise as printable text in the argument.
        let text: String = bytes.iter().map(|b| char::from(b'!' + b % 90)).collect();
        let r = run(&["inspect", &text, "--at", AT_T0], &env, "");
        assert!(matches!(r.code, 1 | 2), "seed {seed}: {}", r.stderr);
        if text.len() > 8 {
            r.leaks_nothing(&[&text]);
        }
        // A real token with one character changed: refused, by authentication or earlier.
        let mut changed = token.clone().into_bytes();
        let i = usize::try_from(seed).unwrap() * 3 % changed.len();
        changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        let r = run(&["inspect", &changed, "--at", AT_T0], &env, "");
        assert_eq!(r.code, 1, "seed {seed}: {}", r.stdout);
        assert!(r.stdout.contains("REFUSED") || r.stdout.contains("unreadable"));
        r.leaks_nothing(&[&changed, &key_text(1)]);
    }
    // --no-keys reads the header only even with keys set.
    let r = run(&["inspect", &token, "--at", AT_T0, "--no-keys"], &env, "");
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("header only") && !r.stdout.contains("open:"));
}
