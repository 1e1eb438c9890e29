//! A `redis-server` of the test's own on a free loopback port, with AOF persistence in a fresh
//! directory, killed (and its directory removed) on drop.
//!
//! Missing `redis-server`: the tests skip with a loud message outside CI and fail under CI
//! (`CI` set), where `scripts/test` installs it.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const BINARY: &str = "redis-server";

/// Whether the tests must not skip (`CI` set to anything but empty, `0` or `false`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

fn installed() -> bool {
    Command::new(BINARY)
        .env_remove("LD_PRELOAD")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Persistence settings: every write is in the append-only file and fsynced before Redis
/// answers (what `RedisRevocations` requires by default).
pub const DURABLE: &[&str] = &["--appendonly", "yes", "--appendfsync", "always"];
/// No persistence at all (to check that `connect` refuses it by default).
pub const VOLATILE: &[&str] = &["--appendonly", "no"];

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    args: Vec<String>,
}

impl RedisServer {
    /// Starts a server with `persistence` (e.g. [`DURABLE`]), or `None` (after a loud message)
    /// when `redis-server` is missing outside CI. Panics under CI when it is missing.
    pub fn start(persistence: &[&str]) -> Option<Self> {
        if !installed() {
            assert!(
                !under_ci(),
                "CI: redis-server is not installed (scripts/test installs it: apt-get install redis-server)"
            );
            eprintln!(
                "\n!!!!!!!! SKIPPED: redis-server is not installed; the Redis revocation tests did \
                 NOT run. Install it (apt-get install redis-server) or run bash scripts/test. !!!!!!!!\n"
            );
            return None;
        }
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sealed-session-redis-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir for redis");
        let mut server = Self {
            child: None,
            port: 0,
            dir,
            args: persistence.iter().map(|s| (*s).to_owned()).collect(),
        };
        // A free port can be taken by someone else between the probe and the bind: retry.
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return Some(server);
            }
        }
        panic!("redis-server did not start on a loopback port after 5 attempts");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server at once (SIGKILL: no shutdown, no final save).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen server run again (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {signal} {pid}");
    }

    /// Starts the server again on the same port and directory (it reloads its append-only file).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.spawn() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not restart on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Spawns and waits until it answers PING with PONG (after loading its data); false if it
    /// exited or did not answer within 10 s.
    fn spawn(&mut self) -> bool {
        let port = self.port.to_string();
        let dir = self.dir.to_string_lossy().into_owned();
        let mut command = Command::new(BINARY);
        // Under scripts/shifted-clock the test runs inside libfaketime, which redis-server does
        // not survive (recursive clock_gettime): Redis keeps the real clock. Scores come from the
        // test's ManualClock and TTLs are relative, so nothing depends on Redis's time.
        for var in [
            "LD_PRELOAD",
            "FAKETIME",
            "FAKETIME_SHARED",
            "DYLD_INSERT_LIBRARIES",
        ] {
            command.env_remove(var);
        }
        command
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--dir", &dir, "--daemonize", "no", "--loglevel", "warning"])
            .args(["--protected-mode", "yes"])
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let Ok(mut child) = command.spawn() else {
            return false;
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return false; // exited (port taken?)
            }
            if ping(self.port) {
                self.child = Some(child);
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(
        &(Ipv4Addr::LOCALHOST, port).into(),
        Duration::from_millis(200),
    ) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}
