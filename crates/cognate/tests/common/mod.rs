//! Test harness: runs the real `cognate` binary on a free port, on SQLite in a temporary
//! directory or on PostgreSQL in a fresh schema, and talks to it through the official
//! AWS SDK or raw HTTP.

#![allow(dead_code)]

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::Client;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Where a server keeps its state.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Backend {
    /// SQLite in a new temporary directory (kept alive by the returned guard).
    pub fn sqlite() -> (Backend, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        (Backend::Sqlite(dir.path().to_path_buf()), dir)
    }

    /// PostgreSQL in a new schema of `COGNATE_TEST_DATABASE_URL`; None when unset.
    pub fn postgres() -> Option<Backend> {
        let url = match std::env::var("COGNATE_TEST_DATABASE_URL") {
            Ok(u) => u,
            Err(_) => {
                eprintln!("COGNATE_TEST_DATABASE_URL is not set: skipping the PostgreSQL case");
                return None;
            }
        };
        let schema = format!("t_{}", uuid_like());
        // The synchronous client runs its own runtime: keep it off the test's.
        let (u, s) = (url.clone(), schema.clone());
        std::thread::spawn(move || {
            let mut client =
                postgres::Client::connect(&u, postgres::NoTls).expect("connect to PostgreSQL");
            client
                .batch_execute(&format!("CREATE SCHEMA {s}"))
                .expect("create schema");
        })
        .join()
        .expect("schema creation");
        let sep = if url.contains('?') { '&' } else { '?' };
        Some(Backend::Postgres(format!(
            "{url}{sep}options=-csearch_path%3D{schema}"
        )))
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", nanos, std::process::id())
}

/// The master key of test servers on PostgreSQL (which requires one), given in the
/// environment as a deployment would.
pub const TEST_MASTER_KEY: &str = "dGVzdC1tYXN0ZXIta2V5LXRoaXJ0eS10d28tYnl0ZXM=";

/// The `cognate serve` command for `backend` on a free port, without the master key
/// variables of the environment the tests run in.
pub fn serve_command(backend: &Backend) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cognate"));
    cmd.arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--log")
        .arg("warn");
    match backend {
        Backend::Sqlite(dir) => {
            cmd.arg("--data").arg(dir);
        }
        Backend::Postgres(url) => {
            cmd.arg("--database-url").arg(url);
        }
    }
    cmd.env_remove("COGNATE_DATABASE_URL")
        .env_remove("COGNATE_MASTER_KEY")
        .env_remove("COGNATE_MASTER_KEY_FILE");
    cmd
}

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub backend: Backend,
}

impl Server {
    pub fn start(backend: &Backend) -> Server {
        Self::start_with(backend, &[])
    }

    /// A server on `backend` with `extra` arguments; on PostgreSQL with
    /// `TEST_MASTER_KEY` in COGNATE_MASTER_KEY.
    pub fn start_with(backend: &Backend, extra: &[&str]) -> Server {
        let env: &[(&str, &str)] = match backend {
            Backend::Sqlite(_) => &[],
            Backend::Postgres(_) => &[("COGNATE_MASTER_KEY", TEST_MASTER_KEY)],
        };
        Self::start_with_env(backend, extra, env)
    }

    /// A server on `backend` with `extra` arguments and exactly the master key variables
    /// in `env`.
    pub fn start_with_env(backend: &Backend, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = serve_command(backend);
        cmd.args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cognate");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server {
            child,
            addr,
            backend: backend.clone(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn client(&self) -> Client {
        self.client_in("us-east-1")
    }

    pub fn client_in(&self, region: &str) -> Client {
        let config = aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint_url(self.url())
            .build();
        Client::from_conf(config)
    }

    /// Sends `body` to operation `op` without a signature.
    pub fn call(&self, op: &str, body: &str) -> HttpResponse {
        self.request(
            "POST",
            "/",
            &[
                (
                    "X-Amz-Target",
                    &format!("AWSCognitoIdentityProviderService.{op}"),
                ),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            body,
        )
    }

    /// A raw HTTP/1.1 request.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> HttpResponse {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        stream.write_all(req.as_bytes()).expect("send");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("receive");
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        HttpResponse {
            status,
            headers,
            body: body.to_string(),
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `__type` of an error answer.
    pub fn error_type(&self) -> String {
        self.json()["__type"].as_str().unwrap_or("").to_string()
    }

    pub fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or("").to_string()
    }
}

/// The AWS error code of a failed SDK call.
pub fn code<E, R>(err: &aws_sdk_cognitoidentityprovider::error::SdkError<E, R>) -> String
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .unwrap_or("<not a service error>")
        .to_string()
}

pub fn message<E, R>(err: &aws_sdk_cognitoidentityprovider::error::SdkError<E, R>) -> String
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.message())
        .unwrap_or("")
        .to_string()
}
