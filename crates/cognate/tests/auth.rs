//! Signing in and using tokens, end to end through the official Rust SDK: the password
//! and SRP flows (with an SRP client written here, independent of the server's), the
//! NEW_PASSWORD_REQUIRED challenge, the tokens' claims and signatures against the
//! pool's JWKS, refresh, revocation, sign-out, sessions, access-token operations, the
//! lockout, discovery, restarts and client secrets.

mod common;

use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder as NewClient;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::{
    InitiateAuthError, InitiateAuthOutput,
};
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::{
    RespondToAuthChallengeError, RespondToAuthChallengeOutput,
};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, DeliveryMediumType,
    ExplicitAuthFlowsType as Flow, FeatureType, MessageActionType, PreventUserExistenceErrorTypes,
    RefreshTokenRotationType, TimeUnitsType, TokenValidityUnitsType, UserStatusType,
    VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::{code, message, Backend, Server};
use num_bigint::BigUint;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Debug;

const PASSWORD: &str = "Passw0rd!";
const WRONG: &str = "Wr0ngPassword!";
const NEW_PASSWORD: &str = "N3wPassword!";
const NA: &str = "NotAuthorizedException";
const INCORRECT: &str = "Incorrect username or password.";
const REVOKED: &str = "Access Token has been revoked";

type Params = HashMap<String, String>;

/// The code and message of a call that must fail.
fn fails<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    r: Result<T, SdkError<E, R>>,
) -> (String, String) {
    let e = r.expect_err("the call fails");
    (code(&e), message(&e))
}

fn na(message: &str) -> (String, String) {
    (NA.to_string(), message.to_string())
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("attribute")
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A server (with its data directory), a client of it, a pool (email auto-verified),
/// the id of an app client allowing the password, SRP and refresh flows, and the user
/// `alice` (email verified, permanent password).
type Fx = (Server, tempfile::TempDir, Client, String, String);

async fn fixture_with(extra: &[&str]) -> Fx {
    let (backend, dir) = Backend::sqlite();
    let server = Server::start_with(&backend, extra);
    let c = server.client();
    let pool = new_pool(&c).await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    (server, dir, c, pool, app)
}

async fn fixture() -> Fx {
    fixture_with(&[]).await
}

async fn new_pool(c: &Client) -> String {
    let out = c
        .create_user_pool()
        .pool_name("auth")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .expect("pool");
    out.user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .to_string()
}

/// A client of `pool` allowing USER_PASSWORD_AUTH, USER_SRP_AUTH and refresh, changed by
/// `f`; answers its id.
async fn app_client(c: &Client, pool: &str, f: impl FnOnce(NewClient) -> NewClient) -> String {
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

async fn create_user(c: &Client, pool: &str, name: &str, temporary: Option<&str>) {
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

async fn add_user(c: &Client, pool: &str, name: &str, password: &str) {
    create_user(c, pool, name, None).await;
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

async fn password_auth(
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

struct Tokens {
    id: String,
    access: String,
    refresh: Option<String>,
}

fn tokens(r: Option<&AuthenticationResultType>) -> Tokens {
    let r = r.expect("an AuthenticationResult");
    Tokens {
        id: r.id_token().expect("IdToken").to_string(),
        access: r.access_token().expect("AccessToken").to_string(),
        refresh: r.refresh_token().map(str::to_string),
    }
}

async fn sign_in(c: &Client, app: &str, user: &str, password: &str) -> Tokens {
    let out = password_auth(c, app, user, password).await;
    tokens(out.expect("sign in").authentication_result())
}

/// REFRESH_TOKEN_AUTH: the tokens, or the error code.
async fn refresh(c: &Client, app: &str, token: Option<&String>) -> Result<Tokens, String> {
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

/// GetUser with `token`: Ok(username) or Err((code, message)).
async fn get_user(c: &Client, token: &str) -> Result<String, (String, String)> {
    let out = c.get_user().access_token(token).send().await;
    out.map(|o| o.username().to_string())
        .map_err(|e| (code(&e), message(&e)))
}

fn part(token: &str, i: usize) -> Value {
    let p = token.split('.').nth(i).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("JSON")
}

fn claims(token: &str) -> Value {
    part(token, 1)
}

/// `token` with its payload changed by `f`, the signature kept.
fn altered(token: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut payload = claims(token);
    f(&mut payload);
    let parts: Vec<&str> = token.split('.').collect();
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).expect("JSON"));
    format!("{}.{body}.{}", parts[0], parts[2])
}

fn lifetime(claims: &Value) -> i64 {
    claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat")
}

fn get(server: &Server, path: &str) -> common::HttpResponse {
    server.request("GET", path, &[], "")
}

fn jwks(server: &Server, pool: &str) -> Value {
    let r = get(server, &format!("/{pool}/.well-known/jwks.json"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// Whether `token` verifies with the key of `jwks` its header names.
fn verifies(jwks: &Value, token: &str) -> bool {
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

fn sorted(v: &Value) -> Vec<String> {
    let items = v.as_array().unwrap_or_else(|| panic!("an array: {v}"));
    let mut out: Vec<String> = items
        .iter()
        .map(|x| x.as_str().expect("str").into())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn password_sign_in_issues_tokens_with_cognitos_claims_signed_by_the_jwks() {
    let (server, _dir, c, pool, app) = fixture().await;
    let role_a = "arn:aws:iam::000000000000:role/a";
    let role_b = "arn:aws:iam::000000000000:role/b";
    for (group, precedence, role) in [("second", 5, role_b), ("first", 1, role_a)] {
        let g = c.create_group().user_pool_id(&pool).group_name(group);
        g.precedence(precedence)
            .role_arn(role)
            .send()
            .await
            .expect("group");
        let add = c
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("alice");
        add.group_name(group).send().await.expect("add to group");
    }
    let user = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    let user = user.expect("get");
    let sub = user.user_attributes().iter().find(|a| a.name() == "sub");
    let sub = sub.and_then(|a| a.value()).expect("sub");

    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), None);
    let r = out.authentication_result().expect("result");
    assert_eq!(r.token_type(), Some("Bearer"));
    assert_eq!(r.expires_in(), 3600);
    assert!(r.refresh_token().is_some_and(|t| !t.is_empty()));
    let t = tokens(Some(r));

    let (id_header, access_header) = (part(&t.id, 0), part(&t.access, 0));
    for h in [&id_header, &access_header] {
        assert_eq!(h["alg"], "RS256");
        assert!(h["kid"].is_string(), "{h}");
    }
    let id = claims(&t.id);
    let issuer = format!("{}/{pool}", server.url());
    assert_eq!(id["sub"], sub);
    assert_eq!(id["aud"], app.as_str());
    assert_eq!(id["email_verified"], Value::Bool(true));
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["iss"], issuer.as_str());
    assert_eq!(lifetime(&id), 3600);
    for claim in ["jti", "origin_jti", "event_id"] {
        assert!(id[claim].as_str().is_some_and(|s| !s.is_empty()), "{claim}");
    }
    assert!(id["auth_time"].is_i64());
    assert_eq!(sorted(&id["cognito:groups"]), ["first", "second"]);
    assert_eq!(sorted(&id["cognito:roles"]), [role_a, role_b]);
    assert_eq!(id["cognito:preferred_role"], role_a);

    let access = claims(&t.access);
    assert_eq!(access["client_id"], app.as_str());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], "alice");
    assert_eq!(access["sub"], sub);
    assert_eq!(access["iss"], issuer.as_str());
    assert_eq!(sorted(&access["cognito:groups"]), ["first", "second"]);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["event_id"], id["event_id"]);
    assert!(access.get("aud").is_none(), "{access}");
    assert_ne!(access["jti"], id["jti"]);

    let keys = jwks(&server, &pool);
    assert!(verifies(&keys, &t.id), "the ID token verifies");
    assert!(verifies(&keys, &t.access), "the access token verifies");
    assert_ne!(id_header["kid"], access_header["kid"]);
    let kids: Vec<Value> = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(
        sorted(&Value::Array(kids)),
        sorted(&json!([id_header["kid"], access_header["kid"]])),
        "the two tokens use the two keys of the JWKS"
    );
    let forged = altered(&t.id, |c| c["cognito:username"] = json!("mallory"));
    assert!(
        !verifies(&keys, &forged),
        "a changed payload does not verify"
    );
}

#[tokio::test]
async fn token_validity_follows_the_clients_units() {
    let (_server, _dir, c, pool, _app) = fixture().await;
    let units = TokenValidityUnitsType::builder()
        .access_token(TimeUnitsType::Minutes)
        .id_token(TimeUnitsType::Hours)
        .build();
    let app = app_client(&c, &pool, |b| {
        b.access_token_validity(5)
            .id_token_validity(2)
            .token_validity_units(units)
    })
    .await;
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(
        out.authentication_result().map(|r| r.expires_in()),
        Some(300)
    );
    let t = tokens(out.authentication_result());
    assert_eq!(lifetime(&claims(&t.access)), 300);
    assert_eq!(lifetime(&claims(&t.id)), 7200);
}

const SEED: &str = r#"
userPools:
  - id: us-east-1_Errors001
    name: errors
    clients:
      - id: 1example23456789abcdefghij
        name: web
        settings:
          ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
    users:
      - username: dave
        password: Passw0rd!
        status: UNCONFIRMED
"#;

#[tokio::test]
async fn sign_in_errors_have_cognitos_codes_and_messages() {
    let (backend, dir) = Backend::sqlite();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, SEED).expect("write seed");
    let server = Server::start_with(&backend, &["--config", seed.to_str().expect("path")]);
    let c = server.client();
    let (pool, app) = ("us-east-1_Errors001", "1example23456789abcdefghij");
    for user in ["alice", "carol", "rob"] {
        add_user(&c, pool, user, PASSWORD).await;
    }
    let auth = |app: &str, user: &str, password: &str| {
        let (c, app, user, pw) = (
            c.clone(),
            app.to_string(),
            user.to_string(),
            password.to_string(),
        );
        async move { fails(password_auth(&c, &app, &user, &pw).await) }
    };

    assert_eq!(auth(app, "alice", WRONG).await, na(INCORRECT));
    let not_found = (
        "UserNotFoundException".into(),
        "User does not exist.".into(),
    );
    assert_eq!(auth(app, "nobody", PASSWORD).await, not_found);
    let hiding = app_client(&c, pool, |b| {
        b.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
    })
    .await;
    assert_eq!(auth(&hiding, "nobody", PASSWORD).await, na(INCORRECT));

    let disable = c.admin_disable_user().user_pool_id(pool).username("carol");
    disable.send().await.expect("disable");
    assert_eq!(auth(app, "carol", PASSWORD).await, na("User is disabled."));

    let reset = c
        .admin_reset_user_password()
        .user_pool_id(pool)
        .username("rob");
    reset.send().await.expect("reset");
    assert_eq!(
        auth(app, "rob", PASSWORD).await.0,
        "PasswordResetRequiredException"
    );

    let srp_only = app_client(&c, pool, |b| {
        b.set_explicit_auth_flows(Some(vec![Flow::AllowUserSrpAuth]))
    })
    .await;
    assert_eq!(
        auth(&srp_only, "alice", PASSWORD).await.0,
        "InvalidParameterException"
    );

    let no_password = c
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await;
    assert_eq!(fails(no_password).0, "InvalidParameterException");

    let unknown = auth("unknownclient0000000000000", "alice", PASSWORD).await;
    assert_eq!(unknown.0, "ResourceNotFoundException");
    assert_eq!(
        auth(app, "dave", PASSWORD).await.0,
        "UserNotConfirmedException"
    );

    // None of this locked alice out.
    sign_in(&c, app, "alice", PASSWORD).await;
}

// ---- SRP, as amazon-cognito-identity-js computes it -------------------------------

/// RFC 5054's 3072-bit group (g = 2).
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N")
}

fn pad_hex(v: &BigUint) -> String {
    let h = v.to_str_radix(16);
    if h.len() % 2 == 1 {
        format!("0{h}")
    } else if h.as_bytes()[0] >= b'8' {
        format!("00{h}")
    } else {
        h
    }
}

fn hex_bytes(h: &str) -> Vec<u8> {
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).expect("hex");
    (0..h.len()).step_by(2).map(byte).collect()
}

/// H(hex): SHA-256 of the bytes the hex spells, as a number.
fn hash_hex(h: &str) -> BigUint {
    BigUint::from_bytes_be(&Sha256::digest(hex_bytes(h)))
}

/// "EEE MMM d HH:mm:ss UTC yyyy" of now.
fn timestamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    timestamp_at(now.expect("clock").as_secs() as i64)
}

/// "EEE MMM d HH:mm:ss UTC yyyy" of `secs` since the epoch.
fn timestamp_at(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let months = "JanFebMarAprMayJunJulAugSepOctNovDec";
    let month = &months[(month as usize - 1) * 3..month as usize * 3];
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{weekday} {month} {day} {h:02}:{m:02}:{s:02} UTC {year}")
}

/// Starts USER_SRP_AUTH: the private a and the PASSWORD_VERIFIER challenge's parameters.
async fn srp_start(c: &Client, app: &str, user: &str) -> (BigUint, Params) {
    use aws_lc_rs::rand::SecureRandom as _;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("random");
    let a = BigUint::from_bytes_be(&bytes);
    let big_a = BigUint::from(2u32).modpow(&a, &n());
    let out = c
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .set_auth_parameters(Some(params(&[
            ("USERNAME", user),
            ("SRP_A", &big_a.to_str_radix(16)),
        ])))
        .send()
        .await
        .expect("USER_SRP_AUTH");
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = out.challenge_parameters().cloned().expect("parameters");
    for p in [
        "SALT",
        "SECRET_BLOCK",
        "SRP_B",
        "USERNAME",
        "USER_ID_FOR_SRP",
    ] {
        assert!(params.contains_key(p), "{p} in {params:?}");
    }
    (a, params)
}

/// The PASSWORD_VERIFIER answer for `password`.
fn srp_answer(pool: &str, a: &BigUint, challenge: &Params, password: &str) -> Params {
    srp_answer_at(pool, a, challenge, password, &timestamp())
}

/// The PASSWORD_VERIFIER answer for `password`, signed with TIMESTAMP `time`.
fn srp_answer_at(
    pool: &str,
    a: &BigUint,
    challenge: &Params,
    password: &str,
    time: &str,
) -> Params {
    use hmac::Mac as _;
    let (n, g) = (n(), BigUint::from(2u32));
    let big_a = g.modpow(a, &n);
    let number = |name: &str| BigUint::parse_bytes(challenge[name].as_bytes(), 16).expect(name);
    let (big_b, salt) = (number("SRP_B"), number("SALT"));
    let user_id = &challenge["USER_ID_FOR_SRP"];
    let pool_name = pool.split_once('_').expect("pool id").1;
    let k = hash_hex(&format!("{}{}", pad_hex(&n), pad_hex(&g)));
    let u = hash_hex(&format!("{}{}", pad_hex(&big_a), pad_hex(&big_b)));
    let mut x_input = hex_bytes(&pad_hex(&salt));
    x_input.extend_from_slice(&Sha256::digest(format!("{pool_name}{user_id}:{password}")));
    let x = BigUint::from_bytes_be(&Sha256::digest(&x_input));
    let kgx = (&k * g.modpow(&x, &n)) % &n;
    let s = ((&big_b % &n + &n - kgx) % &n).modpow(&(a + &u * &x), &n);
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&hex_bytes(&pad_hex(&u))), &hex_bytes(&pad_hex(&s)));
    let mut key = [0u8; 16];
    hk.expand(b"Caldera Derived Key", &mut key).expect("hkdf");
    let block = &challenge["SECRET_BLOCK"];
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&key).expect("hmac");
    mac.update(format!("{pool_name}{user_id}").as_bytes());
    mac.update(&STANDARD.decode(block).expect("SECRET_BLOCK"));
    mac.update(time.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    params(&[
        ("USERNAME", &challenge["USERNAME"]),
        ("PASSWORD_CLAIM_SECRET_BLOCK", block),
        ("PASSWORD_CLAIM_SIGNATURE", &signature),
        ("TIMESTAMP", time),
    ])
}

async fn respond(
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

#[tokio::test]
async fn srp_sign_in_with_an_independent_client() {
    let (_server, _dir, c, pool, app) = fixture().await;
    let pv = || ChallengeNameType::PasswordVerifier;
    create_user(&c, &pool, "bob", Some("Temp0rary!")).await;

    let (a, challenge) = srp_start(&c, &app, "alice").await;
    assert_eq!(challenge["USER_ID_FOR_SRP"], "alice");
    let answer = srp_answer(&pool, &a, &challenge, PASSWORD);
    let out = respond(&c, &app, pv(), None, answer.clone()).await;
    let t = tokens(out.expect("PASSWORD_VERIFIER").authentication_result());
    assert_eq!(claims(&t.id)["cognito:username"], "alice");
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".to_string()));
    let again = respond(&c, &app, pv(), None, answer).await;
    assert_eq!(fails(again).0, NA, "a SECRET_BLOCK is answered once");

    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let wrong = srp_answer(&pool, &a, &challenge, "An0therPassword!");
    assert_eq!(
        fails(respond(&c, &app, pv(), None, wrong).await),
        na(INCORRECT)
    );

    let (a, challenge) = srp_start(&c, &app, "bob").await;
    let answer = srp_answer(&pool, &a, &challenge, "Temp0rary!");
    let out = respond(&c, &app, pv(), None, answer)
        .await
        .expect("a temporary password");
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    assert!(out.session().is_some());
    assert!(out.authentication_result().is_none());
}

#[tokio::test]
async fn new_password_required_sets_the_password_once() {
    let (_server, _dir, c, pool, app) = fixture().await;
    create_user(&c, &pool, "bob", Some("Temp0rary!")).await;
    let out = password_auth(&c, &app, "bob", "Temp0rary!")
        .await
        .expect("sign in");
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    assert!(out.authentication_result().is_none());
    let challenge = out.challenge_parameters().expect("parameters");
    let json = |name: &str| -> Value { serde_json::from_str(&challenge[name]).expect(name) };
    assert!(json("requiredAttributes").is_array(), "{challenge:?}");
    assert_eq!(json("userAttributes")["email"], "bob@example.com");
    let session = out.session().expect("Session").to_string();
    let np = || ChallengeNameType::NewPasswordRequired;
    let answer = |password: &str| params(&[("USERNAME", "bob"), ("NEW_PASSWORD", password)]);

    let weak = respond(&c, &app, np(), Some(&session), answer("weak")).await;
    assert_eq!(fails(weak).0, "InvalidPasswordException");
    let mid = session.len() / 2;
    let swapped = if &session[mid..mid + 1] == "A" {
        "B"
    } else {
        "A"
    };
    let tampered = format!("{}{swapped}{}", &session[..mid], &session[mid + 1..]);
    let out = respond(&c, &app, np(), Some(&tampered), answer(NEW_PASSWORD)).await;
    assert_eq!(fails(out).0, NA, "a tampered Session");

    let out = respond(&c, &app, np(), Some(&session), answer(NEW_PASSWORD)).await;
    let t = tokens(out.expect("new password").authentication_result());
    assert_eq!(claims(&t.access)["username"], "bob");
    let user = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await;
    assert_eq!(
        user.expect("get").user_status(),
        Some(&UserStatusType::Confirmed)
    );

    let replayed = respond(&c, &app, np(), Some(&session), answer("An0therPassword!")).await;
    assert_eq!(fails(replayed).0, NA, "a Session is answered once");
    sign_in(&c, &app, "bob", NEW_PASSWORD).await;
    assert_eq!(
        fails(password_auth(&c, &app, "bob", "Temp0rary!").await),
        na(INCORRECT)
    );
}

#[tokio::test]
async fn refresh_keeps_the_session_and_revoke_token_ends_it() {
    let (_server, _dir, c, pool, app) = fixture().await;
    let first = sign_in(&c, &app, "alice", PASSWORD).await;
    let second = sign_in(&c, &app, "alice", PASSWORD).await;

    let refreshed = refresh(&c, &app, first.refresh.as_ref())
        .await
        .expect("refresh");
    assert!(refreshed.refresh.is_none(), "no new refresh token");
    let (old, new) = (claims(&first.id), claims(&refreshed.id));
    assert_eq!(new["origin_jti"], old["origin_jti"]);
    assert_eq!(new["auth_time"], old["auth_time"]);
    assert_ne!(new["jti"], old["jti"]);
    assert_eq!(claims(&refreshed.access)["origin_jti"], old["origin_jti"]);
    assert_eq!(get_user(&c, &refreshed.access).await, Ok("alice".into()));

    let rt = first.refresh.clone().expect("refresh token");
    c.revoke_token()
        .client_id(&app)
        .token(&rt)
        .send()
        .await
        .expect("revoke");
    assert_eq!(
        refresh(&c, &app, Some(&rt)).await.err().as_deref(),
        Some(NA)
    );
    assert_eq!(get_user(&c, &first.access).await, Err(na(REVOKED)));
    assert_eq!(get_user(&c, &refreshed.access).await, Err(na(REVOKED)));
    assert_eq!(get_user(&c, &second.access).await, Ok("alice".into()));

    let access = c
        .revoke_token()
        .client_id(&app)
        .token(&second.access)
        .send()
        .await;
    assert_eq!(fails(access).0, "UnsupportedTokenTypeException");

    let plain = app_client(&c, &pool, |b| b.enable_token_revocation(false)).await;
    let t = sign_in(&c, &plain, "alice", PASSWORD).await;
    let rt = t.refresh.expect("refresh token");
    let disabled = c.revoke_token().client_id(&plain).token(rt).send().await;
    assert_eq!(fails(disabled).0, "UnsupportedOperationException");
}

#[tokio::test]
async fn get_tokens_from_refresh_token_with_and_without_rotation() {
    let (_server, _dir, c, pool, app) = fixture().await;
    let get = |app: &str, token: &str| {
        let call = c
            .get_tokens_from_refresh_token()
            .client_id(app)
            .refresh_token(token);
        async move {
            let out = call.send().await;
            out.map(|o| tokens(o.authentication_result()))
                .map_err(|e| code(&e))
        }
    };
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let rt = t.refresh.expect("refresh token");
    let fresh = get(&app, &rt).await.expect("tokens");
    assert_eq!(claims(&fresh.id)["origin_jti"], claims(&t.id)["origin_jti"]);
    assert_eq!(get_user(&c, &fresh.access).await, Ok("alice".into()));
    get(&app, &rt).await.expect("still valid without rotation");

    let rotation = RefreshTokenRotationType::builder()
        .feature(FeatureType::Enabled)
        .retry_grace_period_seconds(0)
        .build()
        .expect("rotation");
    let rotating = app_client(&c, &pool, |b| b.refresh_token_rotation(rotation)).await;
    let old = sign_in(&c, &rotating, "alice", PASSWORD)
        .await
        .refresh
        .expect("refresh token");
    let new = get(&rotating, &old)
        .await
        .expect("rotate")
        .refresh
        .expect("a new refresh token");
    assert_ne!(new, old);
    assert_eq!(get(&rotating, &old).await.err().as_deref(), Some(NA));
    // Rotation is done only through GetTokensFromRefreshToken.
    assert_eq!(
        refresh(&c, &rotating, Some(&new)).await.err().as_deref(),
        Some("InvalidParameterException")
    );
    let again = get(&rotating, &new).await.expect("the new one works");
    assert_eq!(get_user(&c, &again.access).await, Ok("alice".into()));
}

#[tokio::test]
async fn global_sign_out_ends_every_session_of_the_user() {
    let (_server, _dir, c, pool, app) = fixture().await;
    add_user(&c, &pool, "bob", PASSWORD).await;
    let bob = sign_in(&c, &app, "bob", PASSWORD).await;
    for admin in [false, true] {
        let one = sign_in(&c, &app, "alice", PASSWORD).await;
        let two = sign_in(&c, &app, "alice", PASSWORD).await;
        if admin {
            let out = c
                .admin_user_global_sign_out()
                .user_pool_id(&pool)
                .username("alice");
            out.send().await.expect("admin sign out");
        } else {
            c.global_sign_out()
                .access_token(&one.access)
                .send()
                .await
                .expect("sign out");
        }
        for t in [&one, &two] {
            let refreshed = refresh(&c, &app, t.refresh.as_ref()).await;
            assert_eq!(refreshed.err().as_deref(), Some(NA), "admin: {admin}");
            assert_eq!(get_user(&c, &t.access).await, Err(na(REVOKED)));
        }
        let after = sign_in(&c, &app, "alice", PASSWORD).await;
        assert_eq!(get_user(&c, &after.access).await, Ok("alice".into()));
    }
    assert_eq!(get_user(&c, &bob.access).await, Ok("bob".into()));
}

/// A raw call: its status and JSON answer.
fn raw(server: &Server, op: &str, body: &Value) -> (u16, Value) {
    let r = server.call(op, &body.to_string());
    (r.status, r.json())
}

fn listed(server: &Server, op: &str, body: &Value) -> Vec<Value> {
    let (status, out) = raw(server, op, body);
    assert_eq!(status, 200, "{op}: {out}");
    out["Sessions"].as_array().cloned().unwrap_or_default()
}

/// The session of `token`: the one ListUserSessions marks current.
fn current_session(server: &Server, token: &str) -> Value {
    let sessions = listed(server, "ListUserSessions", &json!({ "AccessToken": token }));
    let current: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["IsCurrentSession"] == json!(true))
        .collect();
    assert_eq!(current.len(), 1, "one current session: {sessions:?}");
    current[0]["SessionId"].clone()
}

#[tokio::test]
async fn user_sessions_are_listed_with_the_current_one_marked() {
    let (server, _dir, c, pool, app) = fixture().await;
    let one = sign_in(&c, &app, "alice", PASSWORD).await;
    let two = sign_in(&c, &app, "alice", PASSWORD).await;
    let admin = json!({"UserPoolId": pool, "Username": "alice"});
    let sessions = listed(&server, "AdminListUserSessions", &admin);
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_ne!(sessions[0]["SessionId"], sessions[1]["SessionId"]);
    for s in &sessions {
        assert_eq!(s["ClientId"], app.as_str());
        assert_eq!(s["SessionType"], "TOKEN");
        assert_ne!(
            s["IsCurrentSession"],
            json!(true),
            "never for the admin list"
        );
    }
    let mine = current_session(&server, &one.access);
    let theirs = current_session(&server, &two.access);
    assert_ne!(mine, theirs);
    assert!(sessions.iter().any(|s| s["SessionId"] == mine));
    assert!(sessions.iter().any(|s| s["SessionId"] == theirs));

    // A well-formed id of no session of the user.
    let unknown = format!("tkn{}", "0".repeat(25));
    let mut by_admin = admin;
    by_admin["SessionId"] = json!(unknown);
    let by_user = json!({"AccessToken": one.access, "SessionId": unknown});
    for (op, body) in [
        ("RevokeUserSession", by_user),
        ("AdminRevokeUserSession", by_admin),
    ] {
        let (status, out) = raw(&server, op, &body);
        assert_eq!(
            (status, &out["__type"]),
            (400, &json!("ResourceNotFoundException")),
            "{op}"
        );
    }
}

/// Listed sessions have AWS's id form, `^(tkn|sso)[a-z0-9]{25}$` (SessionIdType), and
/// each can be revoked by that id through RevokeUserSession and AdminRevokeUserSession.
#[tokio::test]
async fn listed_sessions_are_revoked_one_by_one() {
    let (server, _dir, c, pool, app) = fixture().await;
    let one = sign_in(&c, &app, "alice", PASSWORD).await;
    let two = sign_in(&c, &app, "alice", PASSWORD).await;
    let admin = json!({"UserPoolId": pool, "Username": "alice"});
    for s in listed(&server, "AdminListUserSessions", &admin) {
        let id = s["SessionId"].as_str().unwrap_or("");
        let well_formed = id.len() == 28
            && (id.starts_with("tkn") || id.starts_with("sso"))
            && id[3..]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        assert!(
            well_formed,
            "SessionId {id:?} is not of the form (tkn|sso)[a-z0-9]{{25}}"
        );
    }
    let mine = current_session(&server, &one.access);
    let theirs = current_session(&server, &two.access);
    let body = json!({"AccessToken": one.access, "SessionId": theirs});
    let (status, out) = raw(&server, "RevokeUserSession", &body);
    assert_eq!(status, 200, "{out}");
    let sessions = listed(&server, "AdminListUserSessions", &admin);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["SessionId"], mine);
    assert_eq!(
        refresh(&c, &app, two.refresh.as_ref())
            .await
            .err()
            .as_deref(),
        Some(NA)
    );

    let three = sign_in(&c, &app, "alice", PASSWORD).await;
    let mut body = admin.clone();
    body["SessionId"] = current_session(&server, &three.access);
    let (status, out) = raw(&server, "AdminRevokeUserSession", &body);
    assert_eq!(status, 200, "{out}");
    let sessions = listed(&server, "AdminListUserSessions", &admin);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["SessionId"], mine);
    assert_eq!(
        refresh(&c, &app, three.refresh.as_ref())
            .await
            .err()
            .as_deref(),
        Some(NA)
    );
    refresh(&c, &app, one.refresh.as_ref())
        .await
        .expect("the remaining session");
}

/// Runs each access-token operation with `token`; answers their errors.
async fn token_operations(c: &Client, token: &str) -> Vec<(String, String)> {
    let change = c
        .change_password()
        .access_token(token)
        .previous_password(PASSWORD);
    let update = c.update_user_attributes().access_token(token);
    let delete = c.delete_user_attributes().access_token(token);
    vec![
        fails(c.get_user().access_token(token).send().await),
        fails(change.proposed_password(NEW_PASSWORD).send().await),
        fails(update.user_attributes(attr("name", "Eve")).send().await),
        fails(delete.user_attribute_names("name").send().await),
        fails(c.delete_user().access_token(token).send().await),
    ]
}

async fn attributes(c: &Client, token: &str) -> HashMap<String, String> {
    let out = c
        .get_user()
        .access_token(token)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(out.username(), "alice");
    let pairs = out.user_attributes().iter();
    pairs
        .map(|a| (a.name().to_string(), a.value().unwrap_or("").to_string()))
        .collect()
}

#[tokio::test]
async fn access_token_operations() {
    let (_server, _dir, c, pool, app) = fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let got = attributes(&c, &t.access).await;
    assert_eq!(got["email"], "alice@example.com");
    assert_eq!(got["email_verified"], "true");
    assert!(got.contains_key("sub"));

    let update = c.update_user_attributes().access_token(&t.access);
    update
        .user_attributes(attr("name", "Alice"))
        .send()
        .await
        .expect("update name");
    assert_eq!(attributes(&c, &t.access).await["name"], "Alice");
    let update = c.update_user_attributes().access_token(&t.access);
    let email = attr("email", "alice@new.example.com");
    let out = update
        .user_attributes(email)
        .send()
        .await
        .expect("update email");
    let delivery = out.code_delivery_details_list();
    assert_eq!(delivery.len(), 1, "{delivery:?}");
    assert_eq!(
        delivery[0].delivery_medium(),
        Some(&DeliveryMediumType::Email)
    );
    assert_eq!(delivery[0].attribute_name(), Some("email"));
    let got = attributes(&c, &t.access).await;
    assert_eq!(got["email"], "alice@new.example.com");
    assert_eq!(got["email_verified"], "false");

    let delete = c.delete_user_attributes().access_token(&t.access);
    delete
        .user_attribute_names("name")
        .send()
        .await
        .expect("delete attribute");
    assert!(!attributes(&c, &t.access).await.contains_key("name"));

    // Tokens that are not this pool's access tokens are refused by every operation.
    let other_pool = new_pool(&c).await;
    let elsewhere = altered(&t.access, |claims| {
        let iss = claims["iss"]
            .as_str()
            .expect("iss")
            .replace(&pool, &other_pool);
        claims["iss"] = json!(iss);
    });
    for (token, what) in [
        (t.id.as_str(), "an ID token"),
        ("garbage.token.value", "garbage"),
        (elsewhere.as_str(), "another pool's issuer"),
    ] {
        for (code_, message_) in token_operations(&c, token).await {
            assert_eq!(code_, NA, "{what}: {message_}");
            if what == "an ID token" {
                assert_eq!(message_, "Invalid Access Token");
            }
        }
    }

    let change = || c.change_password().access_token(&t.access);
    let wrong = change()
        .previous_password(WRONG)
        .proposed_password(NEW_PASSWORD)
        .send()
        .await;
    assert_eq!(fails(wrong).0, NA);
    let weak = change()
        .previous_password(PASSWORD)
        .proposed_password("weak")
        .send()
        .await;
    assert_eq!(fails(weak).0, "InvalidPasswordException");
    let changed = change()
        .previous_password(PASSWORD)
        .proposed_password(NEW_PASSWORD);
    changed.send().await.expect("change password");
    let other = sign_in(&c, &app, "alice", NEW_PASSWORD).await;
    assert_eq!(
        fails(password_auth(&c, &app, "alice", PASSWORD).await),
        na(INCORRECT)
    );

    c.delete_user()
        .access_token(&t.access)
        .send()
        .await
        .expect("delete user");
    assert!(get_user(&c, &other.access).await.is_err());
    let gone = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(fails(gone).0, "UserNotFoundException");
}

/// An access token whose `iss` names a pool that does not exist is an invalid access
/// token like any other forged one (NotAuthorizedException), not a missing pool.
#[tokio::test]
async fn a_token_naming_an_unknown_pool_is_an_invalid_access_token() {
    let (_server, _dir, c, pool, app) = fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let forged = altered(&t.access, |claims| {
        let iss = claims["iss"]
            .as_str()
            .expect("iss")
            .replace(&pool, "us-east-1_Nope12345");
        claims["iss"] = json!(iss);
    });
    for (code_, message_) in token_operations(&c, &forged).await {
        assert_eq!(
            (code_.as_str(), message_.as_str()),
            (NA, "Invalid Access Token")
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_user_out_for_a_while() {
    let (_server, _dir, c, _pool, app) = fixture().await;
    for _ in 0..5 {
        assert_eq!(
            fails(password_auth(&c, &app, "alice", WRONG).await),
            na(INCORRECT)
        );
    }
    let locked = password_auth(&c, &app, "alice", PASSWORD).await;
    assert_eq!(fails(locked), na("Password attempts exceeded"));
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    sign_in(&c, &app, "alice", PASSWORD).await;
    let wrong = password_auth(&c, &app, "alice", WRONG).await;
    assert_eq!(fails(wrong), na(INCORRECT), "the count started again");
    sign_in(&c, &app, "alice", PASSWORD).await;
}

#[tokio::test]
async fn discovery_documents_issuers_and_the_signing_certificate() {
    let (server, _dir, c, pool, _app) = fixture().await;
    let keys = jwks(&server, &pool);
    let keys = keys["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert_eq!(
            (&k["kty"], &k["alg"], &k["use"]),
            (&json!("RSA"), &json!("RS256"), &json!("sig"))
        );
        assert_eq!(k["e"], "AQAB");
        assert!(k["n"].as_str().is_some_and(|n| n.len() > 300));
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    let r = get(
        &server,
        &format!("/{pool}/.well-known/openid-configuration"),
    );
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["issuer"], format!("{}/{pool}", server.url()));
    assert_eq!(
        doc["jwks_uri"],
        format!("{}/{pool}/.well-known/jwks.json", server.url())
    );
    for document in ["jwks.json", "openid-configuration"] {
        let r = get(
            &server,
            &format!("/us-east-1_Nope12345/.well-known/{document}"),
        );
        assert_eq!(r.status, 404, "{document}: {}", r.body);
    }

    let certificate = || async {
        let out = c.get_signing_certificate().user_pool_id(&pool).send().await;
        out.expect("certificate")
            .certificate()
            .expect("Certificate")
            .to_string()
    };
    let first = certificate().await;
    assert_eq!(first, certificate().await);
    let der = STANDARD.decode(&first).expect("base64 DER");
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");

    // Tokens of a server giving AWS's issuers.
    let aws = [
        "--issuer-base",
        "https://cognito-idp.{region}.amazonaws.com",
    ];
    let (server, _dir, c, pool, app) = fixture_with(&aws).await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let expected = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}");
    assert_eq!(claims(&t.id)["iss"], expected.as_str());
    assert_eq!(claims(&t.access)["iss"], expected.as_str());
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".into()));
    let r = get(
        &server,
        &format!("/{pool}/.well-known/openid-configuration"),
    );
    assert_eq!(r.json()["issuer"], expected.as_str());
    assert!(verifies(&jwks(&server, &pool), &t.access));
}

#[tokio::test]
async fn keys_and_sessions_survive_a_restart() {
    let (backend, _dir) = Backend::sqlite();
    // The issuer defaults to the server's address, whose port changes at a restart: both
    // servers are given the same issuer base, as a deployment behind one address would.
    let issuer = ["--issuer-base", "http://cognate.test"];
    let mut server = Server::start_with(&backend, &issuer);
    let c = server.client();
    let pool = new_pool(&c).await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let before = jwks(&server, &pool);
    server.kill();

    let server = Server::start_with(&backend, &issuer);
    let c = server.client();
    assert_eq!(jwks(&server, &pool), before);
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".into()));
    let refreshed = refresh(&c, &app, t.refresh.as_ref()).await;
    assert!(verifies(
        &before,
        &refreshed.expect("the old refresh token works").access
    ));
}

#[tokio::test]
async fn clients_with_a_secret_and_admin_sign_in() {
    let (_server, _dir, c, pool, _app) = fixture().await;
    let created = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("secret")
        .generate_secret(true)
        .explicit_auth_flows(Flow::AllowUserPasswordAuth)
        .send()
        .await
        .expect("client");
    let client = created.user_pool_client().expect("client");
    let id = client.client_id().expect("id");
    let secret = client.client_secret().expect("secret");
    let with_hash = |hash: Option<&str>| {
        let mut p = params(&[("USERNAME", "alice"), ("PASSWORD", PASSWORD)]);
        p.extend(hash.map(|h| ("SECRET_HASH".to_string(), h.to_string())));
        let call = c
            .initiate_auth()
            .client_id(id)
            .auth_flow(AuthFlowType::UserPasswordAuth);
        call.set_auth_parameters(Some(p)).send()
    };
    assert_eq!(fails(with_hash(None).await).0, NA);
    let wrong = with_hash(Some(&STANDARD.encode([7u8; 32]))).await;
    assert_eq!(
        fails(wrong),
        na(&format!("Unable to verify secret hash for client {id}"))
    );
    let hash = {
        use hmac::Mac as _;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac");
        mac.update(format!("alice{id}").as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    };
    let out = with_hash(Some(&hash)).await.expect("right SECRET_HASH");
    assert_eq!(
        claims(&tokens(out.authentication_result()).access)["client_id"],
        id
    );

    let legacy = |b: NewClient| b.set_explicit_auth_flows(Some(vec![Flow::AdminNoSrpAuth]));
    let legacy = app_client(&c, &pool, legacy).await;
    let admin = |pool: &str| {
        c.admin_initiate_auth()
            .user_pool_id(pool)
            .client_id(&legacy)
            .auth_flow(AuthFlowType::AdminNoSrpAuth)
            .set_auth_parameters(Some(params(&[
                ("USERNAME", "alice"),
                ("PASSWORD", PASSWORD),
            ])))
            .send()
    };
    let out = admin(&pool).await.expect("ADMIN_NO_SRP_AUTH");
    assert_eq!(
        claims(&tokens(out.authentication_result()).id)["cognito:username"],
        "alice"
    );
    let other_pool = new_pool(&c).await;
    assert_eq!(
        fails(admin(&other_pool).await).0,
        "ResourceNotFoundException"
    );
}

// ---- PreventUserExistenceErrors ---------------------------------------------------

async fn hiding_client(c: &Client, pool: &str) -> String {
    app_client(c, pool, |b| {
        b.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
    })
    .await
}

#[tokio::test]
async fn unknown_users_get_a_stable_decoy_srp_challenge() {
    let (_server, _dir, c, pool, _app) = fixture().await;
    let hiding = hiding_client(&c, &pool).await;
    let (_, first) = srp_start(&c, &hiding, "nobody").await;
    let (_, again) = srp_start(&c, &hiding, "nobody").await;
    assert_eq!(
        first["SALT"], again["SALT"],
        "the salt repeats, as a user's"
    );
    assert_eq!(first["USER_ID_FOR_SRP"], again["USER_ID_FOR_SRP"]);
    assert_ne!(first["SRP_B"], again["SRP_B"]);
    let (_, other) = srp_start(&c, &hiding, "somebody").await;
    assert_ne!(first["SALT"], other["SALT"]);
}

/// Six wrong passwords in a row: the answers.
async fn six_wrong_passwords(c: &Client, app: &str, user: &str) -> Vec<(String, String)> {
    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(fails(password_auth(c, app, user, WRONG).await));
    }
    answers
}

#[tokio::test]
async fn unknown_and_known_users_fail_alike_when_existence_errors_are_prevented() {
    let (_server, _dir, c, pool, _app) = fixture().await;
    let hiding = hiding_client(&c, &pool).await;
    let known = six_wrong_passwords(&c, &hiding, "alice").await;
    assert_eq!(known[4], na(INCORRECT));
    assert_eq!(known[5], na("Password attempts exceeded"));
    assert_eq!(six_wrong_passwords(&c, &hiding, "nobody").await, known);

    add_user(&c, &pool, "bob", PASSWORD).await;
    for user in ["bob", "somebody"] {
        let (a, challenge) = srp_start(&c, &hiding, user).await;
        let wrong = srp_answer(&pool, &a, &challenge, WRONG);
        let answer = respond(
            &c,
            &hiding,
            ChallengeNameType::PasswordVerifier,
            None,
            wrong,
        );
        assert_eq!(fails(answer.await), na(INCORRECT), "{user}");
    }

    // A disabled user is told so only with the right password.
    add_user(&c, &pool, "carol", PASSWORD).await;
    let disable = c.admin_disable_user().user_pool_id(&pool).username("carol");
    disable.send().await.expect("disable");
    let wrong = password_auth(&c, &hiding, "carol", WRONG).await;
    assert_eq!(fails(wrong), na(INCORRECT));
    let right = password_auth(&c, &hiding, "carol", PASSWORD).await;
    assert_eq!(fails(right), na("User is disabled."));
}

// ---- SRP's A, TIMESTAMP, and a user disabled mid-challenge ---------------------------

#[tokio::test]
async fn srp_a_must_be_reduced_and_nonzero_mod_n() {
    let (_server, _dir, c, _pool, app) = fixture().await;
    for a in [BigUint::from(0u32), n(), n() + 1u32, n() * 2u32 + 2u32] {
        let out = c
            .initiate_auth()
            .client_id(&app)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("SRP_A", a.to_str_radix(16))
            .send()
            .await;
        assert_eq!(fails(out).0, "InvalidParameterException", "A = {a:x}");
    }
}

#[tokio::test]
async fn password_verifier_timestamps_are_checked() {
    let (_server, _dir, c, pool, app) = fixture().await;
    let pv = || ChallengeNameType::PasswordVerifier;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let now = now.expect("clock").as_secs() as i64;

    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let malformed = srp_answer_at(&pool, &a, &challenge, PASSWORD, "2018-09-25T00:09:40Z");
    let (code, message) = fails(respond(&c, &app, pv(), None, malformed).await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
    );

    // Correctly signed, but an hour old.
    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let old = srp_answer_at(&pool, &a, &challenge, PASSWORD, &timestamp_at(now - 3600));
    let refused = respond(&c, &app, pv(), None, old).await;
    assert_eq!(fails(refused).0, "InvalidParameterException");

    // A few minutes of skew is taken, with the day unpadded as JavaScript clients
    // write it.
    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let skewed = srp_answer_at(&pool, &a, &challenge, PASSWORD, &timestamp_at(now - 120));
    respond(&c, &app, pv(), None, skewed).await.expect("taken");
}

#[tokio::test]
async fn a_user_disabled_after_new_password_required_cannot_finish_it() {
    let (_server, _dir, c, pool, app) = fixture().await;
    create_user(&c, &pool, "bob", Some("Temp0rary!")).await;
    let out = password_auth(&c, &app, "bob", "Temp0rary!").await;
    let out = out.expect("a temporary password");
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let disable = c.admin_disable_user().user_pool_id(&pool).username("bob");
    disable.send().await.expect("disable");
    let answer = respond(
        &c,
        &app,
        ChallengeNameType::NewPasswordRequired,
        out.session(),
        params(&[("USERNAME", "bob"), ("NEW_PASSWORD", NEW_PASSWORD)]),
    );
    assert_eq!(fails(answer.await), na("User is disabled."));
}
