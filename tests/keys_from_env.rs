//! Master keys and keyrings from environment variables and `_FILE` paths. Setting variables is
//! `unsafe` in edition 2024 (and this crate forbids unsafe code), so each case runs this test
//! binary again as a child process with the environment it needs.

use std::process::Command;

use sealed_session::{KeyError, Keyring, MasterKey};

const CHILD: &str = "SEALED_SESSION_ENV_CHILD";

/// Runs the ignored test `name` in a child process with `vars` set; returns its stdout.
fn run_child(name: &str, vars: &[(&str, &str)]) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            name,
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("CHILD-RAN"),
        "child {name} did not run:\n{stdout}"
    );
    stdout
}

#[test]
#[ignore = "runs only as a child of `keys_come_from_env_and_files`"]
fn child_reads_keys() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let key = MasterKey::from_env("TEST_SESSION_KEY").unwrap();
    assert_eq!(key.to_base64url().len(), 43); // 32 bytes
    let from_file = MasterKey::from_env("TEST_FILE_KEY").unwrap();
    assert_eq!(from_file.to_base64url(), key.to_base64url());
    let ring = Keyring::from_env("TEST_SESSION_KEYS").unwrap();
    assert_eq!(ring.ids().collect::<Vec<_>>(), [2, 1]);
    match MasterKey::from_env("TEST_WEAK_KEY") {
        Err(e @ KeyError::Weak { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("TEST_WEAK_KEY") && msg.contains("/dev/urandom"),
                "{msg}"
            );
        }
        other => panic!("weak key accepted: {other:?}"),
    }
    assert!(matches!(
        MasterKey::from_env("TEST_EXAMPLE_KEY"),
        Err(KeyError::Published { .. })
    ));
    assert!(matches!(
        MasterKey::from_env("TEST_MISSING_FILE"),
        Err(KeyError::Unreadable { .. })
    ));
    assert!(matches!(
        MasterKey::from_env("TEST_NOT_SET"),
        Err(KeyError::Missing { .. })
    ));
    println!("CHILD-RAN");
}

#[test]
fn keys_come_from_env_and_files() {
    let key = MasterKey::generate().unwrap().to_base64url();
    let other = MasterKey::generate().unwrap().to_base64url();
    let dir = std::env::temp_dir().join(format!("sealed-session-keytest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, format!("{}\n", key.as_str())).unwrap();
    let list = format!("2:{}, 1:{}", other.as_str(), key.as_str());
    let weak = "00".repeat(32);
    run_child(
        "child_reads_keys",
        &[
            ("TEST_SESSION_KEY", key.as_str()),
            ("TEST_FILE_KEY_FILE", file.to_str().unwrap()),
            ("TEST_SESSION_KEYS", &list),
            ("TEST_WEAK_KEY", &weak),
            ("TEST_EXAMPLE_KEY", sealed_session::EXAMPLE_KEY),
            ("TEST_MISSING_FILE_FILE", "/nonexistent/sealed-session/key"),
        ],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
