//! Messages sent outside the process after commit: SMS POSTed to `--sms-webhook`
//! (retried when the webhook fails), and a mail server that cannot be reached never
//! holding up or failing the request. (Mail received over SMTP is tested with a real
//! SMTP server in tests/interop/python/test_delivery.py.)

mod common;

use common::Server;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A webhook on a free port that answers `statuses` in turn (then 200) and sends each
/// JSON body it receives to the returned channel.
fn webhook(statuses: &'static [u16]) -> (String, mpsc::Receiver<(u16, Value)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0;
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let status = statuses.get(i).copied().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            let _ = tx.send((status, serde_json::from_slice(&body).unwrap_or(Value::Null)));
        }
    });
    (url, rx)
}

fn invite_by_sms(s: &Server) -> (String, Duration) {
    let pool = s.call("CreateUserPool", r#"{"PoolName":"sms"}"#).json()["UserPool"]["Id"]
        .as_str()
        .expect("pool id")
        .to_string();
    let started = Instant::now();
    let r = s.call(
        "AdminCreateUser",
        &format!(
            r#"{{"UserPoolId":"{pool}","Username":"alice","DesiredDeliveryMediums":["SMS","EMAIL"],
                "UserAttributes":[{{"Name":"phone_number","Value":"+15555550100"}},{{"Name":"email","Value":"alice@example.com"}}]}}"#
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    (pool, started.elapsed())
}

#[test]
fn sms_reach_the_webhook_and_a_failing_webhook_is_retried() {
    // The webhook fails the first time (503): the SMS is sent again a second later.
    let (url, received) = webhook(&[503]);
    let s = Server::sqlite_with(&["--sms-webhook", &url]);
    let (pool, _) = invite_by_sms(&s);
    let (first, body) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the webhook is called");
    assert_eq!(first, 503);
    let (second, retried) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the SMS is retried");
    assert_eq!(second, 200);
    assert_eq!(body, retried, "the same message again");
    let outbox = s.get(&format!("/_cognate/messages?userPoolId={pool}&channel=SMS"));
    let sent = &outbox.json()["messages"][0];
    assert_eq!(body["userPoolId"], pool.as_str());
    assert_eq!(body["username"], "alice");
    assert_eq!(body["destination"], "+15555550100");
    assert_eq!(body["kind"], "ADMIN_CREATE_USER");
    assert_eq!(body["message"], sent["message"]);
    let password = sent["code"].as_str().expect("the temporary password");
    assert!(body["message"].as_str().unwrap_or("").contains(password));
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(5),
        "exactly the documented fields: {body}"
    );
    // No more calls: a 200 ends it.
    assert!(received.recv_timeout(Duration::from_millis(1500)).is_err());
}

#[test]
fn a_webhook_refusing_for_good_is_not_retried_and_is_logged() {
    let (url, received) = webhook(&[400]);
    let logs = tempfile::tempdir().expect("log dir");
    let dir = logs.path().to_str().expect("path");
    let s = Server::sqlite_with(&["--sms-webhook", &url, "--log-delivery-dir", dir]);
    let pool = s.call("CreateUserPool", r#"{"PoolName":"sms"}"#).json()["UserPool"]["Id"]
        .as_str()
        .expect("pool id")
        .to_string();
    let group = "arn:aws:logs:us-east-1:000000000000:log-group:notifications";
    let r = s.call(
        "SetLogDeliveryConfiguration",
        &format!(
            r#"{{"UserPoolId":"{pool}","LogConfigurations":[{{"EventSource":"userNotification","LogLevel":"ERROR","CloudWatchLogsConfiguration":{{"LogGroupArn":"{group}"}}}}]}}"#
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.call(
        "AdminCreateUser",
        &format!(
            r#"{{"UserPoolId":"{pool}","Username":"alice","DesiredDeliveryMediums":["SMS"],
                "UserAttributes":[{{"Name":"phone_number","Value":"+15555550100"}}]}}"#
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, _) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the webhook is called");
    assert_eq!(status, 400);
    assert!(received.recv_timeout(Duration::from_millis(2500)).is_err());
    // The failure is a userNotification record of the pool's log delivery.
    let file = logs.path().join(
        group
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            + ".jsonl",
    );
    let text = std::fs::read_to_string(&file).expect("the log file");
    let record: Value = serde_json::from_str(text.lines().next().expect("a record")).expect("json");
    assert_eq!(record["eventSource"], "userNotification");
    assert_eq!(record["logLevel"], "ERROR");
    assert_eq!(record["userPoolId"], pool.as_str());
    assert_eq!(record["message"]["eventType"], "ADMIN_CREATE_USER");
    assert_eq!(record["message"]["deliveryMedium"], "SMS");
    assert_eq!(record["message"]["username"], "alice");
    assert!(
        !text.contains("+15555550100"),
        "no destination in the log: {text}"
    );
}

#[test]
fn an_unreachable_mail_server_neither_delays_nor_fails_the_request() {
    // A port nobody listens on; its connection attempts fail and are retried in the
    // background while the request has long been answered.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let smtp = format!("smtp://127.0.0.1:{port}");
    // The same request on a server without a mail server is the yardstick, so that a
    // loaded machine (a debug build computes the temporary password's SRP verifier)
    // does not fail the test; sending inline would add at least the first retry's
    // second.
    let (_, baseline) = invite_by_sms(&Server::sqlite());
    let s = Server::sqlite_with(&["--smtp-url", &smtp]);
    let (pool, took) = invite_by_sms(&s);
    assert!(
        took < baseline * 2 + Duration::from_millis(900),
        "answered in {took:?}, against {baseline:?} without a mail server"
    );
    let outbox = s.get(&format!(
        "/_cognate/messages?userPoolId={pool}&channel=EMAIL"
    ));
    assert_eq!(outbox.json()["messages"].as_array().map(Vec::len), Some(1));
}

#[test]
fn bad_delivery_urls_stop_the_server_without_echoing_secrets() {
    for (flag, value) in [
        ("--smtp-url", "http://user:s3cret@mail.example.com"),
        (
            "--smtp-url",
            "smtp://user:s3cret@mail.example.com?starttls=maybe",
        ),
        ("--sms-webhook", "ftp://example.com/sms"),
    ] {
        let (backend, _dir) = common::Backend::sqlite();
        let out = common::serve_command(&backend)
            .args([flag, value])
            .output()
            .expect("run cognate");
        assert!(!out.status.success(), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
    }
}
