//! Every write answered 200 survives SIGKILL: writers run flat out, the server is killed
//! mid-flight, restarted on the same data, and every acknowledged write is found — on
//! SQLite and on PostgreSQL.

mod common;

use common::{Backend, Server};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn acknowledged_writes_survive_a_kill(backend: &Backend) {
    let mut server = Server::start(backend);
    let pool = server.call("CreateUserPool", r#"{"PoolName":"durable"}"#);
    assert_eq!(pool.status, 200, "{}", pool.body);
    let pool_id = pool.json()["UserPool"]["Id"]
        .as_str()
        .expect("id")
        .to_string();

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let addr = server.addr.clone();
    let mut writers = Vec::new();
    for w in 0..8 {
        let (acknowledged, stop, addr, pool_id) = (
            acknowledged.clone(),
            stop.clone(),
            addr.clone(),
            pool_id.clone(),
        );
        writers.push(std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("w{w}-{i}");
                i += 1;
                let body = format!(r#"{{"UserPoolId":"{pool_id}","GroupName":"{name}"}}"#);
                match post(&addr, "CreateGroup", &body) {
                    Some(200) => acknowledged.lock().expect("lock").push(name),
                    Some(_) => {}
                    None => break, // The server is gone.
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(600));
    server.kill(); // SIGKILL, with writes in flight.
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() > 20,
        "too few writes before the kill: {}",
        acknowledged.len()
    );

    let restarted = Server::start(backend);
    let mut found = std::collections::HashSet::new();
    let mut token: Option<String> = None;
    loop {
        let body = match &token {
            Some(t) => format!(r#"{{"UserPoolId":"{pool_id}","Limit":60,"NextToken":"{t}"}}"#),
            None => format!(r#"{{"UserPoolId":"{pool_id}","Limit":60}}"#),
        };
        let page = restarted.call("ListGroups", &body).json();
        for g in page["Groups"].as_array().expect("groups") {
            found.insert(g["GroupName"].as_str().expect("name").to_string());
        }
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|n| !found.contains(*n))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost: {:?}",
        lost.len(),
        acknowledged.len(),
        &lost[..lost.len().min(5)]
    );
}

/// One request on a fresh connection; None if the server cannot be reached or the
/// connection dies before an answer.
fn post(addr: &str, op: &str, body: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    raw.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn on_sqlite() {
    let (backend, _dir) = Backend::sqlite();
    acknowledged_writes_survive_a_kill(&backend);
}

#[test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
fn on_postgres() {
    acknowledged_writes_survive_a_kill(&Backend::postgres());
}
