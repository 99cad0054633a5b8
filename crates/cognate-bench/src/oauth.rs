//! The OAuth 2.0 token endpoint under load: `POST /oauth2/token` client-credentials
//! exchanges (client_secret_post), each a client lookup, a secret comparison and an RSA
//! signature.

use crate::auth::{cpu_seconds, report_with_cpu};
use crate::call;
use crate::load::run_load;
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
}
