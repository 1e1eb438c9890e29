//! A minimal HTTP/1.1 keep-alive client: one connection, its own cookie jar (it sends back
//! whatever `Set-Cookie` it receives, and drops a cookie a removal names), `GET` only, responses
//! with a `Content-Length`. Small on purpose, so the load costs little next to the server.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// One keep-alive connection and its cookies.
pub struct Conn {
    stream: TcpStream,
    jar: Vec<(String, String)>,
    request: Vec<u8>,
    buf: Vec<u8>,
}

/// A response: status and body.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            jar: Vec::new(),
            request: Vec::with_capacity(512),
            buf: Vec::with_capacity(8192),
        })
    }

    /// `GET path` with the jar's cookies; stores the response's cookies.
    pub async fn get(&mut self, path: &str) -> io::Result<Reply> {
        self.request.clear();
        self.request.extend_from_slice(b"GET ");
        self.request.extend_from_slice(path.as_bytes());
        self.request
            .extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if !self.jar.is_empty() {
            self.request.extend_from_slice(b"Cookie: ");
            for (i, (name, value)) in self.jar.iter().enumerate() {
                if i > 0 {
                    self.request.extend_from_slice(b"; ");
                }
                self.request.extend_from_slice(name.as_bytes());
                self.request.push(b'=');
                self.request.extend_from_slice(value.as_bytes());
            }
            self.request.extend_from_slice(b"\r\n");
        }
        self.request.extend_from_slice(b"\r\n");
        self.stream.write_all(&self.request).await?;
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> io::Result<Reply> {
        self.buf.clear();
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).map_err(|_| bad("head not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        let mut length = None;
        let mut set = Vec::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("set-cookie") {
                set.push(value.to_owned());
            }
        }
        for cookie in set {
            self.store(&cookie);
        }
        let length = length.ok_or_else(|| bad("no Content-Length"))?;
        while self.buf.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buf[head_end..head_end + length].to_vec();
        if self.buf.len() != head_end + length {
            return Err(bad("bytes after the response"));
        }
        Ok(Reply { status, body })
    }

    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Applies one `Set-Cookie` header value to the jar.
    fn store(&mut self, header: &str) {
        let mut parts = header.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim(), value.trim());
        let removal = value.is_empty() || parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
        self.jar.retain(|(n, _)| n != name);
        if !removal {
            self.jar.push((name.to_owned(), value.to_owned()));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What one connection did in a measured run.
pub struct Tally {
    pub requests: u64,
    pub errors: u64,
    pub latency_ns: Histogram<u64>,
}

impl Tally {
    pub fn new() -> Self {
        Self {
            requests: 0,
            errors: 0,
            // 1 us to 60 s, 3 significant figures.
            latency_ns: Histogram::new_with_bounds(1_000, 60_000_000_000, 3).expect("histogram"),
        }
    }

    pub fn add(&mut self, other: &Self) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.latency_ns.add(&other.latency_ns).expect("same bounds");
    }
}

impl Default for Tally {
    fn default() -> Self {
        Self::new()
    }
}

/// Sends `GET /` until `until` or `max_requests`, whichever comes first. A response that is not
/// a 200, or (when `writes`) whose counter is not one more than the last, is an error; an I/O
/// error ends the connection's run and counts as one.
pub async fn drive(
    conn: &mut Conn,
    until: Instant,
    max_requests: u64,
    writes: bool,
    last: &mut u64,
    record: bool,
) -> Tally {
    let mut tally = Tally::new();
    while tally.requests < max_requests && Instant::now() < until {
        let start = Instant::now();
        let reply = conn.get("/").await;
        let took = start.elapsed();
        tally.requests += 1;
        if record {
            tally.latency_ns.saturating_record(
                u64::try_from(took.as_nanos())
                    .unwrap_or(u64::MAX)
                    .max(1_000),
            );
        }
        match reply {
            Ok(r) if r.status == 200 => {
                let counter = std::str::from_utf8(&r.body)
                    .ok()
                    .and_then(|b| b.parse::<u64>().ok());
                match counter {
                    Some(c) if !writes || c == *last + 1 => *last = c,
                    _ => tally.errors += 1,
                }
            }
            Ok(_) => tally.errors += 1,
            Err(_) => {
                tally.errors += 1;
                break;
            }
        }
    }
    tally
}

/// Opens `n` connections and logs each in (its own session).
pub async fn login_all(addr: SocketAddr, n: usize) -> io::Result<Vec<Conn>> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut conn = Conn::connect(addr).await?;
        let reply = conn.get("/login").await?;
        if reply.status != 200 {
            return Err(bad("login refused"));
        }
        conns.push(conn);
    }
    Ok(conns)
}

/// Connect with retries while a freshly started server binds.
pub async fn wait_for(addr: SocketAddr, patience: Duration) -> io::Result<()> {
    let start = Instant::now();
    loop {
        match TcpStream::connect(addr).await {
            Ok(_) => return Ok(()),
            Err(e) if start.elapsed() > patience => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}
