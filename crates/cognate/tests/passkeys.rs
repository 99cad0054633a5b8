//! Passkeys end to end through the official Rust SDK: a signed-in user registers
//! passkeys (StartWebAuthnRegistration, then CompleteWebAuthnRegistration with a
//! software authenticator's `none` or `packed` answer), lists them a page at a time and
//! deletes them; and each refusal: passkeys not enabled, no relying party, an answer to
//! another challenge, from another origin or for another relying party, through another
//! app client, and past the 20 passkeys a user may have.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, SignInPolicyType, UserPoolPolicyType, WebAuthnConfigurationType,
};
use aws_sdk_cognitoidentityprovider::Client;
use aws_smithy_types::{Document, Number};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use common::passkey::{Attestation, SoftAuthenticator};
use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;

const ORIGIN: &str = "https://example.com";

fn to_json(d: &Document) -> Value {
    match d {
        Document::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        Document::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Document::Number(n) => match *n {
            Number::PosInt(i) => json!(i),
            Number::NegInt(i) => json!(i),
            Number::Float(f) => json!(f),
        },
        Document::String(s) => json!(s),
        Document::Bool(b) => json!(b),
        Document::Null => Value::Null,
    }
}

fn to_document(v: &Value) -> Document {
    match v {
        Value::Object(m) => Document::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or_default()),
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Bool(b) => Document::Bool(*b),
        Value::Null => Document::Null,
    }
}

/// A pool whose first factors are PASSWORD and (with `passkeys`) WEB_AUTHN, with the
/// relying party id `rp` if given; an app client; alice signed in: her access token.
async fn passkey_pool(c: &Client, passkeys: bool, rp: Option<&str>) -> (String, String, String) {
    let mut factors =
        SignInPolicyType::builder().allowed_first_auth_factors(AuthFactorType::Password);
    if passkeys {
        factors = factors.allowed_first_auth_factors(AuthFactorType::WebAuthn);
    }
    let policies = UserPoolPolicyType::builder()
        .sign_in_policy(factors.build())
        .build();
    let pool = create_pool_with(c, "passkeys", |b| b.policies(policies)).await;
    if let Some(rp) = rp {
        c.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .web_authn_configuration(
                WebAuthnConfigurationType::builder()
                    .relying_party_id(rp)
                    .build(),
            )
            .send()
            .await
            .expect("mfa config");
    }
    let app = app_client(c, &pool, |b| b).await;
    add_user(c, &pool, "alice", PASSWORD).await;
    let token = sign_in(c, &app, "alice", PASSWORD).await.access;
    (pool, app, token)
}

async fn start(c: &Client, token: &str) -> Result<Value, (String, String)> {
    let out = c
        .start_web_authn_registration()
        .access_token(token)
        .send()
        .await;
    match out {
        Ok(o) => Ok(to_json(o.credential_creation_options())),
        Err(e) => Err((code(&e), message(&e))),
    }
}

async fn complete(c: &Client, token: &str, answer: &Value) -> Result<(), (String, String)> {
    outcome(
        c.complete_web_authn_registration()
            .access_token(token)
            .credential(to_document(answer))
            .send()
            .await,
    )
}

async fn register(c: &Client, token: &str, attestation: Attestation) -> SoftAuthenticator {
    let options = start(c, token).await.expect("start");
    let mut authenticator = SoftAuthenticator::new();
    let answer = authenticator.create(&options, ORIGIN, None, attestation);
    complete(c, token, &answer).await.expect("complete");
    authenticator
}

fn refused_with(result: Result<(), (String, String)>, expected: &str) {
    match result {
        Err((code, message)) => assert_eq!(code, expected, "{message}"),
        Ok(()) => panic!("expected {expected}"),
    }
}

#[tokio::test]
async fn passkeys_are_registered_listed_a_page_at_a_time_and_deleted() {
    let server = Server::sqlite();
    let c = server.client();
    let (_, _, token) = passkey_pool(&c, true, Some("example.com")).await;

    let options = start(&c, &token).await.expect("start");
    assert_eq!(options["rp"]["id"], "example.com");
    assert_eq!(options["user"]["name"], "alice");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "preferred"
    );
    assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 43));
    let mut first = SoftAuthenticator::new();
    complete(
        &c,
        &token,
        &first.create(&options, ORIGIN, None, Attestation::None),
    )
    .await
    .expect("none attestation");
    let second = register(&c, &token, Attestation::Packed).await;
    let options = start(&c, &token).await.expect("start");
    let excluded: Vec<&Value> = options["excludeCredentials"]
        .as_array()
        .expect("list")
        .iter()
        .collect();
    assert_eq!(excluded.len(), 2);

    let page = c
        .list_web_authn_credentials()
        .access_token(&token)
        .max_results(1)
        .send()
        .await
        .expect("list");
    assert_eq!(page.credentials().len(), 1);
    let next = page.next_token().expect("a next page").to_string();
    let rest = c
        .list_web_authn_credentials()
        .access_token(&token)
        .next_token(next)
        .send()
        .await
        .expect("list");
    assert_eq!(rest.credentials().len(), 1);
    assert_eq!(rest.next_token(), None);
    let mut ids: Vec<String> = page
        .credentials()
        .iter()
        .chain(rest.credentials())
        .map(|d| {
            assert_eq!(d.relying_party_id(), "example.com");
            assert_eq!(d.authenticator_attachment(), Some("platform"));
            assert_eq!(d.authenticator_transports(), ["internal", "hybrid"]);
            assert!(!d.friendly_credential_name().is_empty());
            d.credential_id().to_string()
        })
        .collect();
    ids.sort();
    let mut expected = vec![first.id(), second.id()];
    expected.sort();
    assert_eq!(ids, expected);

    c.delete_web_authn_credential()
        .access_token(&token)
        .credential_id(first.id())
        .send()
        .await
        .expect("delete");
    let left = c
        .list_web_authn_credentials()
        .access_token(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(left.credentials().len(), 1);
    assert_eq!(left.credentials()[0].credential_id(), second.id());
    let again = outcome(
        c.delete_web_authn_credential()
            .access_token(&token)
            .credential_id(first.id())
            .send()
            .await,
    );
    refused_with(again, "ResourceNotFoundException");
}

#[tokio::test]
async fn passkeys_need_web_authn_among_the_first_factors_and_a_relying_party() {
    let server = Server::sqlite();
    let c = server.client();
    let (_, _, token) = passkey_pool(&c, false, Some("example.com")).await;
    refused_with(
        start(&c, &token).await.map(drop),
        "WebAuthnNotEnabledException",
    );
    let (_, _, token) = passkey_pool(&c, true, None).await;
    refused_with(
        start(&c, &token).await.map(drop),
        "WebAuthnConfigurationMissingException",
    );
}

#[tokio::test]
async fn answers_to_another_challenge_origin_relying_party_or_client_are_refused() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, _, token) = passkey_pool(&c, true, Some("example.com")).await;
    let mut authenticator = SoftAuthenticator::new();
    // Nothing started yet.
    let options = json!({"challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "rp": {"id": "example.com"}});
    refused_with(
        complete(
            &c,
            &token,
            &authenticator.create(&options, ORIGIN, None, Attestation::None),
        )
        .await,
        "WebAuthnChallengeNotFoundException",
    );
    let options = start(&c, &token).await.expect("start");
    let other_challenge = json!({"challenge": B64URL.encode([7u8; 32]), "rp": options["rp"]});
    refused_with(
        complete(
            &c,
            &token,
            &authenticator.create(&other_challenge, ORIGIN, None, Attestation::None),
        )
        .await,
        "WebAuthnChallengeNotFoundException",
    );
    refused_with(
        complete(
            &c,
            &token,
            &authenticator.create(&options, "https://example.net", None, Attestation::None),
        )
        .await,
        "WebAuthnOriginNotAllowedException",
    );
    refused_with(
        complete(
            &c,
            &token,
            &authenticator.create(&options, ORIGIN, Some("example.net"), Attestation::None),
        )
        .await,
        "WebAuthnRelyingPartyMismatchException",
    );
    // alice signed in through another app client.
    let other_app = app_client(&c, &pool, |b| b).await;
    let other_token = sign_in(&c, &other_app, "alice", PASSWORD).await.access;
    refused_with(
        complete(
            &c,
            &other_token,
            &authenticator.create(&options, ORIGIN, None, Attestation::None),
        )
        .await,
        "WebAuthnClientMismatchException",
    );
    // The registration is still there for the right answer, from a subdomain.
    complete(
        &c,
        &token,
        &authenticator.create(
            &options,
            "https://login.example.com",
            None,
            Attestation::None,
        ),
    )
    .await
    .expect("complete");
}

#[tokio::test]
async fn a_user_has_at_most_twenty_passkeys() {
    let server = Server::sqlite();
    let c = server.client();
    let (_, _, token) = passkey_pool(&c, true, Some("example.com")).await;
    for _ in 0..20 {
        register(&c, &token, Attestation::None).await;
    }
    refused_with(start(&c, &token).await.map(drop), "LimitExceededException");
}

/// USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN: the challenge's request options.
async fn passkey_challenge(c: &Client, app: &str) -> (String, Value) {
    let out = c
        .initiate_auth()
        .client_id(app)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
        .send()
        .await
        .expect("USER_AUTH");
    assert_eq!(out.challenge_name().map(|c| c.as_str()), Some("WEB_AUTHN"));
    let options = &out.challenge_parameters().expect("parameters")["CREDENTIAL_REQUEST_OPTIONS"];
    let options: Value = serde_json::from_str(options).expect("JSON options");
    (out.session().expect("session").to_string(), options)
}

async fn answer(
    c: &Client,
    app: &str,
    session: &str,
    credential: &Value,
) -> Result<Tokens, (String, String)> {
    let out = respond(
        c,
        app,
        aws_sdk_cognitoidentityprovider::types::ChallengeNameType::WebAuthn,
        Some(session),
        params(&[
            ("USERNAME", "alice"),
            ("CREDENTIAL", &credential.to_string()),
        ]),
    )
    .await;
    out.map(|o| tokens(o.authentication_result()))
        .map_err(|e| (code(&e), message(&e)))
}

#[tokio::test]
async fn a_passkey_signs_in_through_user_auth_and_a_cloned_one_is_refused() {
    use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType as Flow;
    let server = Server::sqlite();
    let c = server.client();
    let (pool, _, token) = passkey_pool(&c, true, Some("example.com")).await;
    let sub = claims(&token)["sub"].as_str().expect("sub").to_string();
    let app = app_client(&c, &pool, |b| {
        b.set_explicit_auth_flows(Some(vec![Flow::AllowUserAuth]))
    })
    .await;
    // Before a passkey, WEB_AUTHN is not offered.
    let factors = c
        .get_user_auth_factors()
        .access_token(&token)
        .send()
        .await
        .expect("factors");
    assert_eq!(
        factors.configured_user_auth_factors(),
        [AuthFactorType::Password]
    );
    let mut passkey = register(&c, &token, Attestation::Packed).await;
    let factors = c
        .get_user_auth_factors()
        .access_token(&token)
        .send()
        .await
        .expect("factors");
    assert_eq!(
        factors.configured_user_auth_factors(),
        [AuthFactorType::Password, AuthFactorType::WebAuthn]
    );

    let (session, options) = passkey_challenge(&c, &app).await;
    assert_eq!(options["rpId"], "example.com");
    assert_eq!(
        options["allowCredentials"][0]["id"].as_str(),
        Some(passkey.id().as_str())
    );
    let credential = passkey.get(&options, ORIGIN, sub.as_bytes());
    let t = answer(&c, &app, &session, &credential)
        .await
        .expect("signed in");
    assert_eq!(claims(&t.access)["username"], "alice");
    // The same answer again: the session is spent.
    let again = answer(&c, &app, &session, &credential).await;
    assert_eq!(
        again.expect_err("replayed"),
        na("Invalid session for the user, session can only be used once.")
    );

    // An answer from another origin, then one from a clone whose counter is behind.
    let (session, options) = passkey_challenge(&c, &app).await;
    let foreign = passkey.get(&options, "https://evil.example.net", sub.as_bytes());
    assert_eq!(
        answer(&c, &app, &session, &foreign)
            .await
            .expect_err("origin")
            .0,
        NA
    );
    let (session, options) = passkey_challenge(&c, &app).await;
    passkey.counter = 0;
    let cloned = passkey.get(&options, ORIGIN, sub.as_bytes());
    assert_eq!(
        answer(&c, &app, &session, &cloned)
            .await
            .expect_err("clone")
            .0,
        NA
    );
    // The real authenticator, ahead of the stored counter, still signs in.
    passkey.counter = 10;
    let (session, options) = passkey_challenge(&c, &app).await;
    let fresh = passkey.get(&options, ORIGIN, sub.as_bytes());
    answer(&c, &app, &session, &fresh)
        .await
        .expect("signed in again");
}
