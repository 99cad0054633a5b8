//! A Lambda Invoke API for the trigger tests: an HTTP server on a free port that records
//! every event it is sent (with the function ARN of its path) and answers with what the
//! test's handler says: a status, whether the function threw (`X-Amz-Function-Error`),
//! and a payload.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What a function answers.
pub struct Answer {
    pub status: u16,
    pub function_error: bool,
    pub payload: String,
}

impl Answer {
    /// The event back, as a function that changes nothing returns it.
    pub fn event(event: &Value) -> Answer {
        Answer {
            status: 200,
            function_error: false,
            payload: event.to_string(),
        }
    }
}

type Handler = dyn Fn(&str, &Value) -> Answer + Send + Sync;

pub struct LambdaApi {
    pub url: String,
    pub calls: Arc<Mutex<Vec<(String, Value)>>>,
}

impl LambdaApi {
    pub fn start(handler: impl Fn(&str, &Value) -> Answer + Send + Sync + 'static) -> LambdaApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let calls: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = calls.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, recorded) = (handler.clone(), recorded.clone());
                std::thread::spawn(move || serve(stream, &*handler, &recorded));
            }
        });
        LambdaApi { url, calls }
    }

    /// The events sent so far, with their function ARNs.
    pub fn events(&self) -> Vec<(String, Value)> {
        self.calls.lock().expect("calls").clone()
    }
}

fn serve(mut stream: TcpStream, handler: &Handler, recorded: &Mutex<Vec<(String, Value)>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (i + 4, length);
        }
    };
    while buf.len() < head_end + length {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let path = head.split(' ').nth(1).unwrap_or("").to_string();
    let arn = path
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|p| p.strip_suffix("/invocations"))
        .map(super::forms::decode)
        .unwrap_or_default();
    let event: Value =
        serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or(Value::Null);
    assert!(
        head.to_lowercase()
            .contains("authorization: aws4-hmac-sha256 credential="),
        "the Invoke API call is SigV4-signed: {head}"
    );
    recorded
        .lock()
        .expect("calls")
        .push((arn.clone(), event.clone()));
    let answer = handler(&arn, &event);
    let mut response = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        answer.payload.len()
    );
    if answer.function_error {
        response.push_str("X-Amz-Function-Error: Unhandled\r\n");
    }
    response.push_str("\r\n");
    response.push_str(&answer.payload);
    let _ = stream.write_all(response.as_bytes());
}

/// An API call from inside a function (as a trigger calls AdminLinkProviderForUser).
pub fn call_cognate(base_url: &str, op: &str, body: &Value) -> u16 {
    let addr = base_url.trim_start_matches("http://");
    let body = body.to_string();
    let mut stream = TcpStream::connect(addr).expect("connect");
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).expect("send");
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    raw.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
