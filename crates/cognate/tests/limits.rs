//! What one client can hold of the server: time to send headers and body, the body's
//! size (refused before it is read, so memory stays bounded), connections and requests
//! in flight.

mod common;

use common::{Backend, HttpResponse, Server};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn server(extra: &[&str]) -> (Server, tempfile::TempDir) {
    let (backend, dir) = Backend::sqlite();
    (Server::start_with(&backend, extra), dir)
}

/// Reads until the server closes the connection (or `within` passes); what was read.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

#[test]
fn headers_sent_byte_by_byte_are_cut_off() {
    let (s, _d) = server(&["--header-read-timeout-ms", "500"]);
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(1)))
        .unwrap();
    let started = Instant::now();
    let head = format!("POST / HTTP/1.1\r\nHost: {}\r\nX-Padding: ", s.addr);
    let mut closed = false;
    // One byte every 100 ms, forever: a slow-loris client.
    for b in head.bytes().chain(std::iter::repeat(b'a')) {
        if stream.write_all(&[b]).is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 64];
        match stream.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            _ => {
                closed = true;
                break;
            }
        }
        if started.elapsed() > Duration::from_secs(5) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(closed, "the connection is still open after 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_body_never_finished_is_answered_408_and_closed() {
    let (s, _d) = server(&["--body-read-timeout-ms", "500"]);
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{{\"MaxRes",
        s.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(5));
    assert!(closed, "still open: {answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let r = HttpResponse::parse(&answer);
    assert_eq!(r.status, 408, "{answer}");
    assert_eq!(r.error_type(), "RequestTimeoutException");
}

#[test]
fn an_oversized_body_is_refused_before_it_is_read() {
    let (s, _d) = server(&[]);
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.CreateUserPool\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 8000000\r\n\r\n",
        s.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(5));
    assert!(closed, "still open: {answer:?}");
    let r = HttpResponse::parse(&answer);
    assert_eq!(r.status, 413, "{answer}");
    assert_eq!(r.error_type(), "SerializationException");

    // A chunked body (no length announced) is cut at the limit too.
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.CreateUserPool\r\nContent-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        s.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..17 {
        let _ = stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes());
        let _ = stream.write_all(&chunk);
        let _ = stream.write_all(b"\r\n");
    }
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5));
    let r = HttpResponse::parse(&answer);
    assert_eq!(r.status, 413, "{answer}");

    // A legitimate large input (a 1,000-character-per-line template near the model's
    // limits) is still served.
    let message = "x".repeat(19_000) + "{####}";
    let body = serde_json::json!({
        "PoolName": "big",
        "VerificationMessageTemplate": {"EmailMessage": message, "DefaultEmailOption": "CONFIRM_WITH_CODE"}
    })
    .to_string();
    let r = s.call("CreateUserPool", &body);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn concurrent_huge_bodies_do_not_grow_memory() {
    let (s, _d) = server(&[]);
    // Warm up, then measure the peak resident set before and after.
    for _ in 0..3 {
        assert_eq!(s.call("ListUserPools", r#"{"MaxResults":1}"#).status, 200);
    }
    let (_, peak_before) = s.memory_kb();
    const BODY: usize = 8_000_000;
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let addr = s.addr.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&addr).unwrap();
                let chunked = i % 2 == 1;
                let framing = if chunked {
                    "Transfer-Encoding: chunked".to_string()
                } else {
                    format!("Content-Length: {BODY}")
                };
                let head = format!(
                    "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.CreateUserPool\r\nContent-Type: application/x-amz-json-1.1\r\n{framing}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).unwrap();
                let chunk = vec![b' '; 256 * 1024];
                let mut sent = 0;
                while sent < BODY {
                    let written = if chunked {
                        stream
                            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                            .and_then(|()| stream.write_all(&chunk))
                            .and_then(|()| stream.write_all(b"\r\n"))
                    } else {
                        stream.write_all(&chunk)
                    };
                    if written.is_err() {
                        break; // refused and closed: what we want
                    }
                    sent += chunk.len();
                }
                let _ = read_until_closed(&mut stream, Duration::from_secs(5));
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let (_, peak_after) = s.memory_kb();
    let grown_mb = (peak_after.saturating_sub(peak_before)) / 1024;
    // Eight bodies read whole would take 64 MB at the very least.
    assert!(
        grown_mb < 24,
        "peak memory grew by {grown_mb} MB ({peak_before} kB → {peak_after} kB)"
    );
    assert_eq!(s.call("ListUserPools", r#"{"MaxResults":1}"#).status, 200);
}

#[test]
fn requests_over_the_in_flight_cap_are_throttled() {
    let (s, _d) = server(&[
        "--max-requests-in-flight",
        "1",
        "--body-read-timeout-ms",
        "3000",
    ]);
    // A request whose body is slow to come holds the only slot.
    let mut slow = TcpStream::connect(&s.addr).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{{",
        s.addr
    );
    slow.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let r = s.call("ListUserPools", r#"{"MaxResults":1}"#);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.error_type(), "TooManyRequestsException");
    drop(slow);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(s.call("ListUserPools", r#"{"MaxResults":1}"#).status, 200);
}

#[test]
fn connections_over_the_cap_are_answered_503() {
    let (s, _d) = server(&["--max-connections", "1"]);
    let held = TcpStream::connect(&s.addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let r = s.call("ListUserPools", r#"{"MaxResults":1}"#);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.error_type(), "TooManyRequestsException");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(s.call("ListUserPools", r#"{"MaxResults":1}"#).status, 200);
}
