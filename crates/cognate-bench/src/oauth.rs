//! The OAuth 2.0 token endpoint under load: `POST /oauth2/token` client-credentials
//! exchanges (client_secret_post), each a client lookup, a secret comparison and an RSA
//! signature; and authorization-code exchanges, each code issued by
//! `GET /oauth2/authorize` to a browser already signed in to the pool (single sign-on)
//! and exchanged for its ID, access and refresh tokens.

use crate::auth::{cpu_seconds, report_with_cpu};
use crate::call;
use crate::load::{run_load, run_sequences};
use crate::Options;
use std::time::Duration;

pub fn run(runtime: &tokio::runtime::Runtime, addr: &str, pid: u32, o: &Options) {
    let pool = call(addr, "CreateUserPool", r#"{"PoolName":"m2m"}"#);
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .expect("pool id")
        .to_string();
    call(
        addr,
        "CreateResourceServer",
        &format!(
            r#"{{"UserPoolId":"{pool_id}","Identifier":"api","Name":"api","Scopes":[{{"ScopeName":"read","ScopeDescription":"read"}}]}}"#
        ),
    );
    let client = call(
        addr,
        "CreateUserPoolClient",
        &format!(
            r#"{{"UserPoolId":"{pool_id}","ClientName":"m2m","GenerateSecret":true,"AllowedOAuthFlowsUserPoolClient":true,"AllowedOAuthFlows":["client_credentials"],"AllowedOAuthScopes":["api/read"]}}"#
        ),
    );
    let id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_string();
    let secret = client["UserPoolClient"]["ClientSecret"]
        .as_str()
        .expect("client secret")
        .to_string();
    // The pool's signing keys are made on first use: make them now, so the run measures
    // exchanges rather than 16 clients racing to generate RSA keys.
    let jwks = format!("/{pool_id}/.well-known/jwks.json");
    let made = crate::load::blocking_request(addr, "GET", &jwks, None, "");
    assert_eq!(made.map(|(status, _)| status), Some(200), "the pool's JWKS");
    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    println!(
        "\n| OAuth ({} connections) | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|",
        o.connections
    );
    let before = cpu_seconds(pid);
    let r = runtime.block_on(run_load(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |_| ("FORM /oauth2/token".to_string(), form.clone()),
    ));
    report_with_cpu(
        "/oauth2/token client_credentials",
        &r,
        cpu_seconds(pid) - before,
    );
    authorization_code(runtime, addr, pid, o, &pool_id);
}

const CALLBACK: &str = "https://app.example.com/callback";

/// A whole HTTP/1.1 exchange on a fresh connection, for setup: the raw answer.
fn raw(addr: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(request.as_bytes()).expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("receive");
    out
}

/// `name=value` of the answer's Set-Cookie named `name`.
fn cookie(answer: &str, name: &str) -> String {
    answer
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.trim().split(';').next().unwrap_or("").to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {answer}"))
}

fn authorization_code(
    runtime: &tokio::runtime::Runtime,
    addr: &str,
    pid: u32,
    o: &Options,
    pool_id: &str,
) {
    let client = call(
        addr,
        "CreateUserPoolClient",
        &format!(
            r#"{{"UserPoolId":"{pool_id}","ClientName":"web","AllowedOAuthFlowsUserPoolClient":true,"AllowedOAuthFlows":["code"],"AllowedOAuthScopes":["openid"],"SupportedIdentityProviders":["COGNITO"],"CallbackURLs":["{CALLBACK}"]}}"#
        ),
    );
    let id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_string();
    call(
        addr,
        "AdminCreateUser",
        &format!(r#"{{"UserPoolId":"{pool_id}","Username":"browser","MessageAction":"SUPPRESS"}}"#),
    );
    call(
        addr,
        "AdminSetUserPassword",
        &format!(
            r#"{{"UserPoolId":"{pool_id}","Username":"browser","Password":"Passw0rd!","Permanent":true}}"#
        ),
    );
    // Sign the browser in once through the hosted page: its session cookie.
    let query = format!(
        "response_type=code&client_id={id}&redirect_uri={}&scope=openid&state=s",
        CALLBACK.replace(':', "%3A").replace('/', "%2F")
    );
    let page = raw(
        addr,
        &format!("GET /login?{query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    let xsrf = cookie(&page, "XSRF-TOKEN");
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).expect("CSRF token") + marker.len();
    let csrf = &page[start..start + page[start..].find('"').expect("token end")];
    let form = format!("_csrf={csrf}&username=browser&password=Passw0rd%21");
    let signed_in = raw(
        addr,
        &format!(
            "POST /login?{query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {xsrf}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    let session = cookie(&signed_in, &format!("cognito-{pool_id}"));
    let authorize = format!("GET /oauth2/authorize?{query}");
    let redirect_uri = CALLBACK.replace(':', "%3A").replace('/', "%2F");
    let before = cpu_seconds(pid);
    let r = runtime.block_on(run_sequences(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |_, i, previous| match i {
            0 => Some((authorize.clone(), session.clone())),
            1 => {
                let code = previous.split("code=").nth(1)?.split('&').next()?;
                Some((
                    "FORM /oauth2/token".to_string(),
                    format!(
                        "grant_type=authorization_code&client_id={id}&code={code}&redirect_uri={redirect_uri}"
                    ),
                ))
            }
            _ => None,
        },
    ));
    report_with_cpu(
        "authorize (signed in) + /oauth2/token authorization_code",
        &r,
        cpu_seconds(pid) - before,
    );
}
