//! Sign-in under load: InitiateAuth USER_PASSWORD_AUTH, a full SRP sign-in
//! (InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER, the client's
//! math done here), an MFA sign-in (InitiateAuth USER_PASSWORD_AUTH +
//! RespondToAuthChallenge SOFTWARE_TOKEN_MFA, the TOTP computed here), and GetUser with
//! an access token. Alongside throughput and latency
//! it reports the server's CPU time per operation (from /proc), which tells what the
//! server costs apart from the load generator sharing its machine.

use crate::load::{run_load, run_sequences, LoadResult};
use crate::{call, report, Options};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_domain::srp_client::{client_signature, client_timestamp, pow_g};
use cognate_domain::totp_client::{base32_decode, code_at, step_at};
use num_bigint::BigUint;
use rand::RngCore;
use std::time::Duration;

const USERS: u64 = 100;
/// Users with a software token: a TOTP code is accepted once per user and step, so each
/// MFA user signs in at most twice (the current step's code and the next's).
const MFA_USERS: u64 = 2000;
const PASSWORD: &str = "Passw0rd!";

/// Seconds of CPU the process has used (user + system).
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at "state".
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

pub(crate) fn report_with_cpu(name: &str, r: &LoadResult, cpu: f64) {
    report(name, r);
    let n = r.latencies_us.len().max(1) as f64;
    println!(
        "|   server CPU per operation | {:.3} ms | | | |",
        cpu * 1000.0 / n
    );
}

pub fn run(runtime: &tokio::runtime::Runtime, addr: &str, pid: u32, o: &Options) {
    let pool = call(addr, "CreateUserPool", r#"{"PoolName":"sign-in"}"#);
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .expect("pool id")
        .to_string();
    let client = call(
        addr,
        "CreateUserPoolClient",
        &format!(
            r#"{{"UserPoolId":"{pool_id}","ClientName":"bench","ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_USER_SRP_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}}"#
        ),
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_string();
    for i in 0..USERS {
        call(
            addr,
            "AdminCreateUser",
            &format!(
                r#"{{"UserPoolId":"{pool_id}","Username":"signer{i}","MessageAction":"SUPPRESS","UserAttributes":[{{"Name":"email","Value":"signer{i}@example.com"}}]}}"#
            ),
        );
        call(
            addr,
            "AdminSetUserPassword",
            &format!(
                r#"{{"UserPoolId":"{pool_id}","Username":"signer{i}","Password":"{PASSWORD}","Permanent":true}}"#
            ),
        );
    }
    println!(
        "\n| sign-in ({} clients) | per second | p50 ms | p99 ms | errors |\n|---|---|---|---|---|",
        o.connections
    );

    let cid = client_id.clone();
    let before = cpu_seconds(pid);
    let r = runtime.block_on(run_load(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |n| {
            (
                "InitiateAuth".to_string(),
                format!(
                    r#"{{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"{cid}","AuthParameters":{{"USERNAME":"signer{}","PASSWORD":"{PASSWORD}"}}}}"#,
                    n % USERS
                ),
            )
        },
    ));
    report_with_cpu(
        "InitiateAuth USER_PASSWORD_AUTH",
        &r,
        cpu_seconds(pid) - before,
    );

    // The client's private value is the same for every sign-in: the benchmark measures
    // the server, and A = g^a is then computed once.
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let a = BigUint::from_bytes_be(&bytes);
    let big_a = pow_g(&a);
    let a_hex = big_a.to_str_radix(16);
    let (cid, pid_pool) = (client_id.clone(), pool_id.clone());
    let before = cpu_seconds(pid);
    let r = runtime.block_on(run_sequences(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |n, step, previous| match step {
            0 => Some((
                "InitiateAuth".to_string(),
                format!(
                    r#"{{"AuthFlow":"USER_SRP_AUTH","ClientId":"{cid}","AuthParameters":{{"USERNAME":"signer{}","SRP_A":"{a_hex}"}}}}"#,
                    n % USERS
                ),
            )),
            1 => {
                let answer: serde_json::Value = serde_json::from_str(previous).ok()?;
                let p = &answer["ChallengeParameters"];
                let user_id = p["USER_ID_FOR_SRP"].as_str()?;
                let block = p["SECRET_BLOCK"].as_str()?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()?
                    .as_secs();
                let timestamp = client_timestamp(i64::try_from(now).ok()?);
                let signature = client_signature(
                    &pid_pool,
                    user_id,
                    PASSWORD,
                    p["SALT"].as_str()?,
                    p["SRP_B"].as_str()?,
                    &a,
                    &big_a,
                    &STANDARD.decode(block).ok()?,
                    &timestamp,
                )?;
                Some((
                    "RespondToAuthChallenge".to_string(),
                    serde_json::json!({
                        "ChallengeName": "PASSWORD_VERIFIER",
                        "ClientId": cid,
                        "ChallengeResponses": {
                            "USERNAME": user_id,
                            "PASSWORD_CLAIM_SECRET_BLOCK": block,
                            "PASSWORD_CLAIM_SIGNATURE": STANDARD.encode(signature),
                            "TIMESTAMP": timestamp,
                        }
                    })
                    .to_string(),
                ))
            }
            _ => None,
        },
    ));
    report_with_cpu(
        "SRP sign-in (InitiateAuth + RespondToAuthChallenge)",
        &r,
        cpu_seconds(pid) - before,
    );

    mfa_sign_in(runtime, addr, pid, o, &pool_id, &client_id);

    let signed_in = call(
        addr,
        "InitiateAuth",
        &format!(
            r#"{{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"{client_id}","AuthParameters":{{"USERNAME":"signer0","PASSWORD":"{PASSWORD}"}}}}"#
        ),
    );
    let token = signed_in["AuthenticationResult"]["AccessToken"]
        .as_str()
        .expect("access token")
        .to_string();
    let body = format!(r#"{{"AccessToken":"{token}"}}"#);
    let before = cpu_seconds(pid);
    let r = runtime.block_on(run_load(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |_| ("GetUser".to_string(), body.clone()),
    ));
    report_with_cpu("GetUser (access token)", &r, cpu_seconds(pid) - before);
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// MFA sign-in: USER_PASSWORD_AUTH answered with SOFTWARE_TOKEN_MFA, for users who
/// enrolled a token (verified with the previous step's code, so the current step's and
/// the next one's are each accepted once).
fn mfa_sign_in(
    runtime: &tokio::runtime::Runtime,
    addr: &str,
    pid: u32,
    o: &Options,
    pool_id: &str,
    client_id: &str,
) {
    call(
        addr,
        "SetUserPoolMfaConfig",
        &format!(
            r#"{{"UserPoolId":"{pool_id}","MfaConfiguration":"OPTIONAL","SoftwareTokenMfaConfiguration":{{"Enabled":true}}}}"#
        ),
    );
    let mut keys = Vec::new();
    for i in 0..MFA_USERS {
        let user = format!("mfa{i}");
        call(
            addr,
            "AdminCreateUser",
            &format!(
                r#"{{"UserPoolId":"{pool_id}","Username":"{user}","MessageAction":"SUPPRESS"}}"#
            ),
        );
        call(
            addr,
            "AdminSetUserPassword",
            &format!(
                r#"{{"UserPoolId":"{pool_id}","Username":"{user}","Password":"{PASSWORD}","Permanent":true}}"#
            ),
        );
        let signed_in = call(
            addr,
            "InitiateAuth",
            &format!(
                r#"{{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"{client_id}","AuthParameters":{{"USERNAME":"{user}","PASSWORD":"{PASSWORD}"}}}}"#
            ),
        );
        let token = signed_in["AuthenticationResult"]["AccessToken"]
            .as_str()
            .expect("access token")
            .to_string();
        let secret = call(
            addr,
            "AssociateSoftwareToken",
            &format!(r#"{{"AccessToken":"{token}"}}"#),
        )["SecretCode"]
            .as_str()
            .expect("secret")
            .to_string();
        let key = base32_decode(&secret).expect("base32");
        let code = code_at(&key, step_at(now()) - 1);
        call(
            addr,
            "VerifySoftwareToken",
            &format!(r#"{{"AccessToken":"{token}","UserCode":"{code}"}}"#),
        );
        call(
            addr,
            "SetUserMFAPreference",
            &format!(
                r#"{{"AccessToken":"{token}","SoftwareTokenMfaSettings":{{"Enabled":true,"PreferredMfa":true}}}}"#
            ),
        );
        keys.push(key);
    }
    let base = step_at(now());
    let keys = std::rc::Rc::new(keys);
    let cid = client_id.to_string();
    let before = cpu_seconds(pid);
    let r = runtime.block_on(run_sequences(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |n, step, previous| {
            let (user, round) = (n % MFA_USERS, n / MFA_USERS);
            match step {
                // Every user's codes are spent (each TOTP code is accepted once): the
                // run ends, measured over the sign-ins it made.
                0 if round > 1 => None,
                0 => Some((
                    "InitiateAuth".to_string(),
                    format!(
                        r#"{{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"{cid}","AuthParameters":{{"USERNAME":"mfa{user}","PASSWORD":"{PASSWORD}"}}}}"#
                    ),
                )),
                1 => {
                    let answer: serde_json::Value = serde_json::from_str(previous).ok()?;
                    let session = answer["Session"].as_str()?;
                    let code = code_at(&keys[user as usize], base + round);
                    Some((
                        "RespondToAuthChallenge".to_string(),
                        serde_json::json!({
                            "ChallengeName": "SOFTWARE_TOKEN_MFA",
                            "ClientId": cid,
                            "Session": session,
                            "ChallengeResponses": {
                                "USERNAME": format!("mfa{user}"),
                                "SOFTWARE_TOKEN_MFA_CODE": code,
                            }
                        })
                        .to_string(),
                    ))
                }
                _ => None,
            }
        },
    ));
    report_with_cpu(
        "MFA sign-in (InitiateAuth + RespondToAuthChallenge with TOTP)",
        &r,
        cpu_seconds(pid) - before,
    );
}
