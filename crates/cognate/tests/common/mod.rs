//! Test harness: runs the real `cognate` binary on a free port, on SQLite in a temporary
//! directory or on PostgreSQL in a fresh schema, and talks to it through the official
//! AWS SDK or raw HTTP; and the fixtures the suites share: pools, app clients, users,
//! signing in, and reading and checking tokens.

#![allow(dead_code)]

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder as NewPool;
use aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder as NewClient;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::{
    InitiateAuthError, InitiateAuthOutput,
};
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::{
    RespondToAuthChallengeError, RespondToAuthChallengeOutput,
};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType,
    ExplicitAuthFlowsType as Flow, MessageActionType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Debug;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub mod forms;
pub mod lambda;
pub mod passkey;
pub mod srp;
pub mod totp;

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

    /// PostgreSQL in a new schema of `COGNATE_TEST_DATABASE_URL`. Tests that call this
    /// are `#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]`, and run with
    /// `--ignored`, as scripts/test.sh does when the variable is set. Run without the
    /// variable, they fail here rather than pass having tested nothing.
    pub fn postgres() -> Backend {
        let url = database_url();
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
        Backend::Postgres(format!("{url}{sep}options=-csearch_path%3D{schema}"))
    }
}

/// `COGNATE_TEST_DATABASE_URL`; a test that needs PostgreSQL panics without it.
fn database_url() -> String {
    std::env::var("COGNATE_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "this test needs PostgreSQL: set COGNATE_TEST_DATABASE_URL \
             (e.g. postgres://postgres@127.0.0.1:5432/test)"
        )
    })
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
    /// The data directory of a server started by [`Server::sqlite`], removed after the
    /// server is stopped.
    data: Option<tempfile::TempDir>,
}

impl Server {
    pub fn start(backend: &Backend) -> Server {
        Self::start_with(backend, &[])
    }

    /// A server on SQLite in a new temporary directory of its own.
    pub fn sqlite() -> Server {
        Self::sqlite_with(&[])
    }

    /// [`Server::sqlite`] with more `serve` arguments.
    pub fn sqlite_with(extra: &[&str]) -> Server {
        let (backend, dir) = Backend::sqlite();
        let mut server = Self::start_with(&backend, extra);
        server.data = Some(dir);
        server
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
            data: None,
        }
    }

    /// A GET request without headers or body.
    pub fn get(&self, path: &str) -> HttpResponse {
        self.request("GET", path, &[], "")
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

    /// A client signing with the access key `key_id` and `secret`, without retries.
    pub fn client_as(&self, key_id: &str, secret: &str) -> Client {
        let config = aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .retry_config(aws_sdk_cognitoidentityprovider::config::retry::RetryConfig::disabled())
            .credentials_provider(Credentials::new(key_id, secret, None, None, "test"))
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
        self.request_to(&self.addr, method, path, headers, body)
    }

    /// A raw HTTP/1.1 request naming `host` in its Host header.
    pub fn request_to(
        &self,
        host: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> HttpResponse {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.raw(req.as_bytes())
    }

    /// Sends `bytes` as they are on a new connection and reads the answer to the end.
    pub fn raw(&self, bytes: &[u8]) -> HttpResponse {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.write_all(bytes).expect("send");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("receive");
        HttpResponse::parse(&raw)
    }

    /// The process's memory (kB) as /proc/<pid>/status says: (`VmRSS`, peak `VmHWM`).
    pub fn memory_kb(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} in /proc/<pid>/status"))
        };
        (field("VmRSS:"), field("VmHWM:"))
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
    /// Parses a whole HTTP/1.1 answer.
    pub fn parse(raw: &str) -> HttpResponse {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {raw:?}"));
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

/// The code and message of a call that must fail.
pub fn fails<T, E, R>(r: Result<T, SdkError<E, R>>) -> (String, String)
where
    T: Debug,
    E: ProvideErrorMetadata + Debug,
    R: Debug,
{
    let e = r.expect_err("the call fails");
    (code(&e), message(&e))
}

/// Nothing, or the code and message of a failed call.
pub fn outcome<T, E, R>(r: Result<T, SdkError<E, R>>) -> Result<(), (String, String)>
where
    E: ProvideErrorMetadata,
{
    r.map(|_| ()).map_err(|e| (code(&e), message(&e)))
}

// ---- Pools, clients and users --------------------------------------------------------

/// An attribute for AdminCreateUser, UpdateUserAttributes and the like.
pub fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("attribute")
}

/// Creates a pool named `name` with default settings; answers its id.
pub async fn create_pool(c: &Client, name: &str) -> String {
    create_pool_with(c, name, |b| b).await
}

/// Creates a pool named `name` with the settings `f` adds; answers its id.
pub async fn create_pool_with(
    c: &Client,
    name: &str,
    f: impl FnOnce(NewPool) -> NewPool,
) -> String {
    let out = f(c.create_user_pool().pool_name(name))
        .send()
        .await
        .expect("create pool");
    out.user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_string()
}

/// The pool of the sign-in tests: email auto-verified.
pub async fn sign_in_pool(c: &Client) -> String {
    create_pool_with(c, "auth", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
    })
    .await
}

/// A client of `pool` allowing USER_PASSWORD_AUTH, USER_SRP_AUTH and refresh, changed by
/// `f`; answers its id.
pub async fn app_client(c: &Client, pool: &str, f: impl FnOnce(NewClient) -> NewClient) -> String {
    let b = c
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app");
    let b = b.set_explicit_auth_flows(Some(vec![
        Flow::AllowUserPasswordAuth,
        Flow::AllowUserSrpAuth,
        Flow::AllowRefreshTokenAuth,
    ]));
    let out = f(b).send().await.expect("client");
    out.user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id")
        .to_string()
}

/// A client of `pool` with PreventUserExistenceErrors enabled; answers its id.
pub async fn hiding_client(c: &Client, pool: &str) -> String {
    app_client(c, pool, |b| {
        b.prevent_user_existence_errors(
            aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes::Enabled,
        )
    })
    .await
}

/// Creates `name` (email `<name>@example.com`, verified) without sending an invitation,
/// with `temporary` as its temporary password if given.
pub async fn create_user(c: &Client, pool: &str, name: &str, temporary: Option<&str>) {
    c.admin_create_user()
        .user_pool_id(pool)
        .username(name)
        .user_attributes(attr("email", &format!("{name}@example.com")))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .set_temporary_password(temporary.map(str::to_string))
        .send()
        .await
        .expect("create user");
}

/// Gives `name` the permanent `password` (status CONFIRMED).
pub async fn set_password(c: &Client, pool: &str, name: &str, password: &str) {
    let set = c
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(name);
    set.password(password)
        .permanent(true)
        .send()
        .await
        .expect("set password");
}

/// [`create_user`], then [`set_password`]: a user who can sign in.
pub async fn add_user(c: &Client, pool: &str, name: &str, password: &str) {
    create_user(c, pool, name, None).await;
    set_password(c, pool, name, password).await;
}

/// A server on SQLite, a client of it, a pool ([`sign_in_pool`]), the id of an
/// [`app_client`], and the user `alice` (email verified, password [`PASSWORD`]).
pub type SignInFixture = (Server, Client, String, String);

pub async fn sign_in_fixture() -> SignInFixture {
    sign_in_fixture_with(&[]).await
}

/// [`sign_in_fixture`] with more `serve` arguments.
pub async fn sign_in_fixture_with(extra: &[&str]) -> SignInFixture {
    let server = Server::sqlite_with(extra);
    let c = server.client();
    let pool = sign_in_pool(&c).await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    (server, c, pool, app)
}

// ---- Signing in and tokens -----------------------------------------------------------

pub const PASSWORD: &str = "Passw0rd!";
pub const WRONG: &str = "Wr0ngPassword!";
pub const NEW_PASSWORD: &str = "N3wPassword!";
pub const NA: &str = "NotAuthorizedException";
pub const INCORRECT: &str = "Incorrect username or password.";
pub const REVOKED: &str = "Access Token has been revoked";

pub type Params = HashMap<String, String>;

/// NotAuthorizedException with `message`, as [`fails`] answers it.
pub fn na(message: &str) -> (String, String) {
    (NA.to_string(), message.to_string())
}

pub fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// USER_PASSWORD_AUTH.
pub async fn password_auth(
    c: &Client,
    app: &str,
    user: &str,
    password: &str,
) -> Result<InitiateAuthOutput, SdkError<InitiateAuthError>> {
    c.initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .set_auth_parameters(Some(params(&[("USERNAME", user), ("PASSWORD", password)])))
        .send()
        .await
}

#[derive(Debug)]
pub struct Tokens {
    pub id: String,
    pub access: String,
    pub refresh: Option<String>,
}

pub fn tokens(r: Option<&AuthenticationResultType>) -> Tokens {
    let r = r.expect("an AuthenticationResult");
    Tokens {
        id: r.id_token().expect("IdToken").to_string(),
        access: r.access_token().expect("AccessToken").to_string(),
        refresh: r.refresh_token().map(str::to_string),
    }
}

/// A USER_PASSWORD_AUTH sign-in that must succeed.
pub async fn sign_in(c: &Client, app: &str, user: &str, password: &str) -> Tokens {
    let out = password_auth(c, app, user, password).await;
    tokens(out.expect("sign in").authentication_result())
}

/// REFRESH_TOKEN_AUTH: the tokens, or the error code.
pub async fn refresh(c: &Client, app: &str, token: Option<&String>) -> Result<Tokens, String> {
    let token = token.expect("a refresh token");
    let out = c
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await;
    out.map(|o| tokens(o.authentication_result()))
        .map_err(|e| code(&e))
}

/// RespondToAuthChallenge.
pub async fn respond(
    c: &Client,
    app: &str,
    challenge: ChallengeNameType,
    session: Option<&str>,
    responses: Params,
) -> Result<RespondToAuthChallengeOutput, SdkError<RespondToAuthChallengeError>> {
    c.respond_to_auth_challenge()
        .client_id(app)
        .challenge_name(challenge)
        .set_session(session.map(str::to_string))
        .set_challenge_responses(Some(responses))
        .send()
        .await
}

/// GetUser with `token`: Ok(username) or Err((code, message)).
pub async fn get_user(c: &Client, token: &str) -> Result<String, (String, String)> {
    let out = c.get_user().access_token(token).send().await;
    out.map(|o| o.username().to_string())
        .map_err(|e| (code(&e), message(&e)))
}

/// Part `i` of a JWT (0 the header, 1 the payload), decoded.
pub fn part(token: &str, i: usize) -> Value {
    let p = token.split('.').nth(i).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("JSON")
}

pub fn claims(token: &str) -> Value {
    part(token, 1)
}

/// `token` with its payload changed by `f`, the signature kept.
pub fn altered(token: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut payload = claims(token);
    f(&mut payload);
    let parts: Vec<&str> = token.split('.').collect();
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).expect("JSON"));
    format!("{}.{body}.{}", parts[0], parts[2])
}

/// The JWKS of `pool`.
pub fn jwks(server: &Server, pool: &str) -> Value {
    let r = server.get(&format!("/{pool}/.well-known/jwks.json"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Whether `token` verifies with the key of `jwks` its header names.
pub fn verifies(jwks: &Value, token: &str) -> bool {
    use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
    let kid = part(token, 0)["kid"].clone();
    let keys = jwks["keys"].as_array().expect("keys");
    let Some(key) = keys.iter().find(|k| k["kid"] == kid) else {
        return false;
    };
    let b = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(key[name].as_str().expect(name))
            .expect(name)
    };
    let (signing_input, sig) = token.rsplit_once('.').expect("JWT");
    let sig = URL_SAFE_NO_PAD.decode(sig).expect("signature");
    let key = RsaPublicKeyComponents {
        n: b("n"),
        e: b("e"),
    };
    key.verify(&RSA_PKCS1_2048_8192_SHA256, signing_input.as_bytes(), &sig)
        .is_ok()
}

// ---- Messages sent (the outbox) ------------------------------------------------------

/// The messages of `pool` to `user` (username, email or phone number), oldest first.
pub fn messages(server: &Server, pool: &str, user: &str) -> Vec<Value> {
    let enc: String = user
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let r = server.get(&format!(
        "/_cognate/messages?userPoolId={pool}&username={enc}"
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["messages"].as_array().cloned().unwrap_or_default()
}

/// The last message of `pool` to `user`, which must exist.
pub fn last_message(server: &Server, pool: &str, user: &str) -> Value {
    messages(server, pool, user)
        .pop()
        .unwrap_or_else(|| panic!("no message to {user}"))
}

/// The code of the last message of `pool` to `user`.
pub fn last_code(server: &Server, pool: &str, user: &str) -> String {
    last_message(server, pool, user)["code"]
        .as_str()
        .expect("a code")
        .to_string()
}

/// The last AUTHENTICATION message (an MFA or one-time sign-in code) sent to `user`,
/// on `channel` (`EMAIL` or `SMS`) if given: its code and the message.
pub fn last_auth_code(server: &Server, user: &str, channel: Option<&str>) -> (String, Value) {
    let channel = channel.map(|c| format!("&channel={c}")).unwrap_or_default();
    let all = server
        .get(&format!("/_cognate/messages?username={user}{channel}"))
        .json();
    let m = all["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .rev()
        .find(|m| m["kind"] == "AUTHENTICATION")
        .cloned()
        .expect("an AUTHENTICATION message");
    (m["code"].as_str().expect("code").to_string(), m)
}

/// A six-digit code other than `code`.
pub fn wrong_code(code: &str) -> String {
    if code == "000000" { "000001" } else { "000000" }.to_string()
}

/// SECRET_HASH: Base64(HMAC-SHA256(secret, username + client id)).
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("hmac");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The status of user `name` (AdminGetUser).
pub async fn status(c: &Client, pool: &str, name: &str) -> String {
    let out = c
        .admin_get_user()
        .user_pool_id(pool)
        .username(name)
        .send()
        .await
        .expect("admin get user");
    out.user_status().expect("status").as_str().to_string()
}

/// Marks the email of user `name` unverified (AdminUpdateUserAttributes).
pub async fn unverify_email(c: &Client, pool: &str, name: &str) {
    c.admin_update_user_attributes()
        .user_pool_id(pool)
        .username(name)
        .user_attributes(attr("email_verified", "false"))
        .send()
        .await
        .expect("unverify");
}

/// The attribute `attr` of user `name` (AdminGetUser).
pub async fn attribute(c: &Client, pool: &str, name: &str, attr: &str) -> Option<String> {
    let out = c
        .admin_get_user()
        .user_pool_id(pool)
        .username(name)
        .send()
        .await
        .expect("admin get user");
    out.user_attributes()
        .iter()
        .find(|a| a.name() == attr)
        .and_then(|a| a.value().map(str::to_string))
}
