//! A lean HTTP/1.1 keep-alive load generator: `connections` tasks on one thread, each
//! sending its next request as soon as the previous answer is read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct LoadResult {
    pub latencies_us: Vec<u64>,
    pub errors: u64,
    pub elapsed: Duration,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((p / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

fn request_bytes(addr: &str, op: &str, body: &str) -> Vec<u8> {
    // A step of a sequence may read the control API (`GET <path>`), as a test reads the
    // code it was sent.
    if let Some(path) = op.strip_prefix("GET ") {
        // A browser's GET carries its cookies (the body stands for them).
        let cookie = if body.is_empty() {
            String::new()
        } else {
            format!("Cookie: {body}\r\n")
        };
        return format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}Content-Length: 0\r\n\r\n")
            .into_bytes();
    }
    // An OAuth endpoint takes a form (`FORM <path>`).
    if let Some(path) = op.strip_prefix("FORM ") {
        return format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes();
    }
    format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one response; returns its status.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<u16> {
    buf.clear();
    let mut chunk = [0u8; 16384];
    let mut scanned: usize = 0;
    loop {
        let from = scanned.saturating_sub(3);
        scanned = buf.len();
        if let Some(end) = find(&buf[from..], b"\r\n\r\n").map(|i| i + from) {
            let head = std::str::from_utf8(&buf[..end]).ok()?;
            let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(status);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Runs `connections` clients for `duration`; `next(n)` gives the n-th request overall.
pub async fn run_load(
    addr: &str,
    connections: usize,
    duration: Duration,
    next: impl Fn(u64) -> (String, String) + Clone + 'static,
) -> LoadResult {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let local = tokio::task::LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..connections {
        let (addr, counter, next) = (addr.to_string(), counter.clone(), next.clone());
        handles.push(local.spawn_local(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let Ok(mut stream) = TcpStream::connect(&addr).await else {
                return (latencies, 1);
            };
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::with_capacity(16384);
            // Requests repeat in most runs: encode one only when it changes.
            let mut last: Option<(String, String, Vec<u8>)> = None;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let (op, body) = next(n);
                if last.as_ref().is_none_or(|(o, b, _)| *o != op || *b != body) {
                    let bytes = request_bytes(&addr, &op, &body);
                    last = Some((op, body, bytes));
                }
                let req = last
                    .as_ref()
                    .map(|(_, _, r)| r.as_slice())
                    .unwrap_or_default();
                let t = Instant::now();
                if stream.write_all(req).await.is_err() {
                    errors += 1;
                    break;
                }
                match read_response(&mut stream, &mut buf).await {
                    Some(200) => latencies.push(t.elapsed().as_micros() as u64),
                    Some(_) => errors += 1,
                    None => {
                        errors += 1;
                        break;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    gather(local, handles, started).await
}

/// Runs `total` pairs of requests over `connections` clients: each client sends the
/// first request of pair n, then its second; `next(n)` gives pair n.
pub async fn run_pairs(
    addr: &str,
    connections: usize,
    total: u64,
    next: impl Fn(u64) -> ((String, String), (String, String)) + Clone + 'static,
) -> LoadResult {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let local = tokio::task::LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..connections {
        let (addr, counter, next) = (addr.to_string(), counter.clone(), next.clone());
        handles.push(local.spawn_local(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let Ok(mut stream) = TcpStream::connect(&addr).await else {
                return (latencies, 1);
            };
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::with_capacity(16384);
            loop {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let (first, second) = next(n);
                let t = Instant::now();
                let mut ok = true;
                for (op, body) in [first, second] {
                    let req = request_bytes(&addr, &op, &body);
                    if stream.write_all(&req).await.is_err() {
                        return (latencies, errors + 1);
                    }
                    match read_response(&mut stream, &mut buf).await {
                        Some(200) => {}
                        Some(_) => ok = false,
                        None => return (latencies, errors + 1),
                    }
                }
                if ok {
                    latencies.push(t.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    gather(local, handles, started).await
}

/// Runs `connections` clients for `duration`, each repeating a sequence of requests in
/// which a request may depend on the answer before it: `step(n, i, previous)` gives
/// request `i` of sequence `n` (`previous` is the body of the answer to request `i - 1`),
/// or None when the sequence is complete; an operation named `GET <path>` is a GET of
/// that path (its body, if any, the Cookie header), and a redirect's `previous` is its
/// Location. A sequence's latency runs from its first request to its last answer. A
/// client whose next sequence has no first request stops early (its inputs are spent).
pub async fn run_sequences(
    addr: &str,
    connections: usize,
    duration: Duration,
    step: impl Fn(u64, usize, &str) -> Option<(String, String)> + Clone + 'static,
) -> LoadResult {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let local = tokio::task::LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..connections {
        let (addr, counter, step) = (addr.to_string(), counter.clone(), step.clone());
        handles.push(local.spawn_local(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let Ok(mut stream) = TcpStream::connect(&addr).await else {
                return (latencies, 1);
            };
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::with_capacity(16384);
            'sequences: while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                let mut previous = String::new();
                let mut i = 0;
                loop {
                    let Some((op, body)) = step(n, i, &previous) else {
                        if i == 0 {
                            // No sequence left to run (its inputs are spent): this
                            // client is done, and the run's rate counts only real ones.
                            break 'sequences;
                        }
                        break;
                    };
                    if stream
                        .write_all(&request_bytes(&addr, &op, &body))
                        .await
                        .is_err()
                    {
                        errors += 1;
                        break 'sequences;
                    }
                    match read_response(&mut stream, &mut buf).await {
                        Some(200) => {
                            let body_at = find(&buf, b"\r\n\r\n").map_or(0, |e| e + 4);
                            previous = String::from_utf8_lossy(&buf[body_at..]).into_owned();
                        }
                        // A redirect's answer is where it goes.
                        Some(302) => {
                            let head_end = find(&buf, b"\r\n\r\n").unwrap_or(buf.len());
                            let head = String::from_utf8_lossy(&buf[..head_end]);
                            previous = head
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("location")
                                        .then(|| v.trim().to_string())
                                })
                                .unwrap_or_default();
                        }
                        Some(_) => {
                            errors += 1;
                            continue 'sequences;
                        }
                        None => {
                            errors += 1;
                            break 'sequences;
                        }
                    }
                    i += 1;
                }
                latencies.push(t.elapsed().as_micros() as u64);
            }
            (latencies, errors)
        }));
    }
    gather(local, handles, started).await
}

/// Waits for every client (latencies in microseconds, errors) and merges their results.
async fn gather(
    local: tokio::task::LocalSet,
    handles: Vec<tokio::task::JoinHandle<(Vec<u64>, u64)>>,
    started: Instant,
) -> LoadResult {
    let results = local
        .run_until(async move {
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.unwrap_or_default());
            }
            out
        })
        .await;
    let elapsed = started.elapsed();
    let mut latencies: Vec<u64> = Vec::new();
    let mut errors = 0;
    for (l, e) in results {
        latencies.extend(l);
        errors += e;
    }
    latencies.sort_unstable();
    LoadResult {
        latencies_us: latencies,
        errors,
        elapsed,
    }
}

/// One request on a fresh connection, for setup: (status, body).
pub fn blocking_request(
    addr: &str,
    method: &str,
    path: &str,
    op: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    let target = op
        .map(|o| format!("X-Amz-Target: AWSCognitoIdentityProviderService.{o}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{target}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let status = raw.split_whitespace().nth(1)?.parse().ok()?;
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}
