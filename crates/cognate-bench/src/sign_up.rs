//! Self-service registration under load: SignUp, then the code read from the outbox
//! (`GET /_cognate/messages`, as a test reads it), then ConfirmSignUp; one new user per
//! sequence. SignUp computes the password's SRP verifier, which dominates its cost.

use crate::auth::{cpu_seconds, report_with_cpu};
use crate::call;
use crate::load::run_sequences;
use crate::Options;
use std::time::Duration;

const PASSWORD: &str = "Passw0rd!";

pub fn run(runtime: &tokio::runtime::Runtime, addr: &str, pid: u32, o: &Options) {
    let pool = call(
        addr,
        "CreateUserPool",
        r#"{"PoolName":"sign-up","AutoVerifiedAttributes":["email"]}"#,
    );
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .expect("pool id")
        .to_string();
    let client = call(
        addr,
        "CreateUserPoolClient",
        &format!(r#"{{"UserPoolId":"{pool_id}","ClientName":"bench"}}"#),
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_string();
    println!(
        "\n| sign-up ({} clients) | per second | p50 ms | p99 ms | errors |\n|---|---|---|---|---|",
        o.connections
    );
    let before = cpu_seconds(pid);
    let r = runtime.block_on(run_sequences(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |n, step, previous| match step {
            0 => Some((
                "SignUp".to_string(),
                format!(
                    r#"{{"ClientId":"{client_id}","Username":"new{n}","Password":"{PASSWORD}","UserAttributes":[{{"Name":"email","Value":"new{n}@example.com"}}]}}"#
                ),
            )),
            1 => Some((
                format!("GET /_cognate/messages?userPoolId={pool_id}&username=new{n}"),
                String::new(),
            )),
            2 => {
                // A missing code fails ConfirmSignUp, counted as an error.
                let sent: serde_json::Value = serde_json::from_str(previous).unwrap_or_default();
                let code = sent["messages"]
                    .as_array()
                    .and_then(|m| m.last())
                    .and_then(|m| m["code"].as_str())
                    .unwrap_or_default()
                    .to_string();
                Some((
                    "ConfirmSignUp".to_string(),
                    format!(
                        r#"{{"ClientId":"{client_id}","Username":"new{n}","ConfirmationCode":"{code}"}}"#
                    ),
                ))
            }
            _ => None,
        },
    ));
    report_with_cpu(
        "SignUp + ConfirmSignUp (code read from the outbox)",
        &r,
        cpu_seconds(pid) - before,
    );
}
