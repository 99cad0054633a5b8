//! Passkey registration and the sign-in functions, with a software authenticator, on
//! the functions the handlers wrap (the access-token side is tested end to end).

use super::*;
use crate::auth::soft_authenticator::{Attestation, SoftAuthenticator};
use crate::error::Error;
use crate::service::{test_service, test_verified_alice};
use cognate_store::records::user;

const ORIGIN: &str = "https://example.com";

/// A pool offering passkeys with relying party example.com (user verification as
/// given, None: left unset), and alice in it.
async fn pool(service: &Service, rp: Option<&str>, verification: Option<&str>) -> String {
    let id = service
        .create_user_pool(
            &cognate_api::RequestContext::default(),
            CreateUserPoolRequest {
                pool_name: Some("passkeys".into()),
                policies: Some(UserPoolPolicyType {
                    sign_in_policy: Some(SignInPolicyType {
                        allowed_first_auth_factors: Some(vec![
                            AuthFactorType::PASSWORD,
                            AuthFactorType::WEB_AUTHN,
                        ]),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .expect("pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    if rp.is_some() || verification.is_some() {
        service
            .set_user_pool_mfa_config(SetUserPoolMfaConfigRequest {
                user_pool_id: Some(id.clone()),
                web_authn_configuration: Some(WebAuthnConfigurationType {
                    relying_party_id: rp.map(str::to_string),
                    user_verification: verification.map(|v| match v {
                        "required" => UserVerificationType::REQUIRED,
                        _ => UserVerificationType::PREFERRED,
                    }),
                    factor_configuration: None,
                }),
                ..Default::default()
            })
            .await
            .expect("mfa config");
    }
    test_verified_alice(service, &id).await;
    id
}

/// Runs `work` in a write with the pool and alice.
async fn with_alice<T: Send + 'static>(
    service: &Service,
    pool_id: &str,
    work: impl FnMut(&mut dyn Conn, &PoolView, &UserRow, &SecretBox) -> Result<T> + Send + 'static,
) -> Result<T> {
    let cache = service.pool_cache();
    let secrets = service.secrets().clone();
    let pool_id = pool_id.to_string();
    let mut work = work;
    service
        .store()
        .write(move |c| {
            let pool = PoolView::load(c, &cache, &pool_id)?;
            let alice = user::get(c, &pool_id, "alice")?.expect("alice");
            work(c, &pool, &alice, &secrets)
        })
        .await
}

async fn start(service: &Service, pool_id: &str, client: &str) -> Result<Value> {
    let client = client.to_string();
    with_alice(service, pool_id, move |c, pool, alice, secrets| {
        start_registration(c, secrets, pool, alice, &client)
    })
    .await
}

async fn complete(service: &Service, pool_id: &str, client: &str, answer: Value) -> Result<()> {
    let client = client.to_string();
    let hints = client_hints(&answer);
    let answer: RegisterPublicKeyCredential = serde_json::from_value(answer).expect("answer");
    with_alice(service, pool_id, move |c, pool, alice, secrets| {
        complete_registration(c, secrets, pool, alice, &client, &answer, &hints)
    })
    .await
}

/// Registers `authenticator` for alice through client "c".
async fn register(service: &Service, pool_id: &str, authenticator: &mut SoftAuthenticator) {
    let options = start(service, pool_id, "c").await.expect("start");
    let answer = authenticator.create(&options, ORIGIN, None, Attestation::None);
    complete(service, pool_id, "c", answer)
        .await
        .expect("complete");
}

fn code_of(result: Result<impl std::fmt::Debug>) -> ErrorCode {
    match result {
        Err(Error(e)) => e.code,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

#[tokio::test]
async fn creation_options_are_cognitos_and_none_and_packed_attestations_register() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service, Some("example.com"), None).await;
    let options = start(&service, &pool_id, "c").await.expect("start");
    assert_eq!(options["rp"]["id"], "example.com");
    assert_eq!(options["user"]["name"], "alice");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "preferred"
    );
    assert_eq!(options["pubKeyCredParams"][0]["alg"], -7);
    assert_eq!(options["pubKeyCredParams"][1]["alg"], -257);
    assert_eq!(options["excludeCredentials"], json!([]));
    assert_eq!(options["timeout"], 60000);

    let mut first = SoftAuthenticator::new();
    let answer = first.create(&options, ORIGIN, None, Attestation::None);
    complete(&service, &pool_id, "c", answer)
        .await
        .expect("none");
    // A subdomain of the relying party is an allowed origin.
    let mut second = SoftAuthenticator::new();
    let options = start(&service, &pool_id, "c").await.expect("start");
    let excluded = options["excludeCredentials"]
        .as_array()
        .expect("excluded")
        .clone();
    assert_eq!(excluded.len(), 1);
    assert_eq!(excluded[0]["id"], first.id());
    assert_eq!(excluded[0]["transports"], json!(["internal", "hybrid"]));
    let answer = second.create(
        &options,
        "https://login.example.com",
        None,
        Attestation::Packed,
    );
    complete(&service, &pool_id, "c", answer)
        .await
        .expect("packed");

    let stored = with_alice(&service, &pool_id, |c, pool, alice, _| {
        passkeys_of(c, &pool.id, &alice.username_key)
    })
    .await
    .expect("stored");
    assert_eq!(stored.len(), 2);
    for (_, doc) in &stored {
        assert_eq!(doc.relying_party_id, "example.com");
        assert_eq!(doc.authenticator_attachment.as_deref(), Some("platform"));
        assert_eq!(doc.friendly_name, "Platform passkey");
    }
    // The registration was used up.
    let answer = SoftAuthenticator::new().create(&options, ORIGIN, None, Attestation::None);
    assert_eq!(
        code_of(complete(&service, &pool_id, "c", answer).await),
        ErrorCode::WebAuthnChallengeNotFoundException
    );
}

#[tokio::test]
async fn registrations_are_refused_as_cognito_refuses_them() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service, Some("example.com"), None).await;
    let mut authenticator = SoftAuthenticator::new();

    // Nothing started.
    let options = json!({"challenge": "AAAA", "rp": {"id": "example.com"}});
    let answer = authenticator.create(&options, ORIGIN, None, Attestation::None);
    assert_eq!(
        code_of(complete(&service, &pool_id, "c", answer).await),
        ErrorCode::WebAuthnChallengeNotFoundException
    );

    let options = start(&service, &pool_id, "c").await.expect("start");
    let refused = [
        (
            authenticator.create(&options, "https://evil.example", None, Attestation::None),
            "c",
            ErrorCode::WebAuthnOriginNotAllowedException,
        ),
        (
            authenticator.create(&options, ORIGIN, Some("evil.example"), Attestation::None),
            "c",
            ErrorCode::WebAuthnRelyingPartyMismatchException,
        ),
        (
            authenticator.create(
                &json!({"challenge": B64URL.encode([7u8; 32]), "rp": options["rp"]}),
                ORIGIN,
                None,
                Attestation::None,
            ),
            "c",
            ErrorCode::WebAuthnChallengeNotFoundException,
        ),
        (
            authenticator.create(&options, ORIGIN, None, Attestation::None),
            "another-client",
            ErrorCode::WebAuthnClientMismatchException,
        ),
    ];
    for (answer, client, expected) in refused {
        assert_eq!(
            code_of(complete(&service, &pool_id, client, answer).await),
            expected
        );
    }
    // None of those used the registration up.
    let answer = authenticator.create(&options, ORIGIN, None, Attestation::None);
    complete(&service, &pool_id, "c", answer)
        .await
        .expect("complete");
}

#[tokio::test]
async fn user_verification_required_refuses_an_authenticator_without_it() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service, Some("example.com"), Some("required")).await;
    let options = start(&service, &pool_id, "c").await.expect("start");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    let mut authenticator = SoftAuthenticator::new();
    authenticator.verifies_user = false;
    let answer = authenticator.create(&options, ORIGIN, None, Attestation::None);
    assert_eq!(
        code_of(complete(&service, &pool_id, "c", answer).await),
        ErrorCode::WebAuthnCredentialNotSupportedException
    );
}

#[tokio::test]
async fn passkeys_need_web_authn_and_a_relying_party() {
    let (service, _dir) = test_service();
    // WEB_AUTHN allowed but no relying party id and no domain.
    let pool_id = pool(&service, None, None).await;
    assert_eq!(
        code_of(start(&service, &pool_id, "c").await),
        ErrorCode::WebAuthnConfigurationMissingException
    );
    // A relying party id but passkeys not among the first factors.
    let plain = crate::service::test_pool(&service).await;
    service
        .set_user_pool_mfa_config(SetUserPoolMfaConfigRequest {
            user_pool_id: Some(plain.clone()),
            web_authn_configuration: Some(WebAuthnConfigurationType {
                relying_party_id: Some("example.com".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("mfa config");
    test_verified_alice(&service, &plain).await;
    assert_eq!(
        code_of(start(&service, &plain, "c").await),
        ErrorCode::WebAuthnNotEnabledException
    );
}

#[tokio::test]
async fn at_most_twenty_passkeys() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service, Some("example.com"), None).await;
    for _ in 0..MAX_PASSKEYS {
        register(&service, &pool_id, &mut SoftAuthenticator::new()).await;
    }
    assert_eq!(
        code_of(start(&service, &pool_id, "c").await),
        ErrorCode::LimitExceededException
    );
}

async fn options(service: &Service, pool_id: &str) -> Option<(String, String)> {
    with_alice(service, pool_id, |c, pool, alice, _| {
        assertion_options(c, pool, alice)
    })
    .await
    .expect("options")
}

async fn check(service: &Service, pool_id: &str, state: &str, answer: &Value) -> bool {
    let state = state.to_string();
    let answer = answer.to_string();
    with_alice(service, pool_id, move |c, pool, alice, _| {
        check_assertion(c, pool, alice, &state, &answer)
    })
    .await
    .expect("check")
}

async fn has(service: &Service, pool_id: &str) -> bool {
    let pool_id = pool_id.to_string();
    service
        .store()
        .read(move |c| has_passkeys(c, &pool_id, "alice"))
        .await
        .expect("has")
}

async fn alice_sub(service: &Service, pool_id: &str) -> Vec<u8> {
    with_alice(service, pool_id, |_, _, alice, _| {
        Ok(alice.sub.clone().into_bytes())
    })
    .await
    .expect("sub")
}

#[tokio::test]
async fn a_passkey_signs_in_once_per_challenge_and_its_counter_must_grow() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service, Some("example.com"), None).await;
    assert!(!has(&service, &pool_id).await);
    assert_eq!(options(&service, &pool_id).await, None);

    let mut authenticator = SoftAuthenticator::new();
    register(&service, &pool_id, &mut authenticator).await;
    assert!(has(&service, &pool_id).await);
    let sub = alice_sub(&service, &pool_id).await;

    let (request, state) = options(&service, &pool_id).await.expect("offered");
    assert!(state.len() < 512, "state is {} characters", state.len());
    let request: Value = serde_json::from_str(&request).expect("json");
    assert_eq!(request["rpId"], "example.com");
    assert_eq!(request["userVerification"], "preferred");
    assert_eq!(request["allowCredentials"][0]["id"], authenticator.id());
    assert_eq!(request["timeout"], 60000);

    let answer = authenticator.get(&request, ORIGIN, &sub);
    assert!(check(&service, &pool_id, &state, &answer).await);
    // The same answer again: its counter no longer grows.
    assert!(!check(&service, &pool_id, &state, &answer).await);
    // A new challenge, but a cloned authenticator's counter.
    let (request, state) = options(&service, &pool_id).await.expect("offered");
    let request: Value = serde_json::from_str(&request).expect("json");
    authenticator.counter -= 1;
    let answer = authenticator.get(&request, ORIGIN, &sub);
    assert!(!check(&service, &pool_id, &state, &answer).await);
    // The counter grows: accepted.
    let answer = authenticator.get(&request, ORIGIN, &sub);
    assert!(check(&service, &pool_id, &state, &answer).await);
    let stored = with_alice(&service, &pool_id, |c, pool, alice, _| {
        passkeys_of(c, &pool.id, &alice.username_key)
    })
    .await
    .expect("stored");
    assert_eq!(stored[0].1.credential.counter, authenticator.counter);
    assert!(stored[0].1.last_used.is_some());

    // Answers to another challenge, origin or user are refused.
    let (_, other_state) = options(&service, &pool_id).await.expect("offered");
    let answer = authenticator.get(&request, ORIGIN, &sub);
    assert!(!check(&service, &pool_id, &other_state, &answer).await);
    let (request, state) = options(&service, &pool_id).await.expect("offered");
    let request: Value = serde_json::from_str(&request).expect("json");
    let answer = authenticator.get(&request, "https://evil.example", &sub);
    assert!(!check(&service, &pool_id, &state, &answer).await);
    let answer = authenticator.get(&request, ORIGIN, b"someone-else");
    assert!(!check(&service, &pool_id, &state, &answer).await);
    assert!(!check(&service, &pool_id, &state, &json!({"id": "x"})).await);
}

#[tokio::test]
async fn authenticators_without_a_counter_sign_in_and_user_verification_is_checked() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service, Some("example.com"), None).await;
    let sub = alice_sub(&service, &pool_id).await;
    // Counters that stay zero (synced passkeys) are accepted each time.
    let mut synced = SoftAuthenticator::new();
    synced.counter_step = 0;
    register(&service, &pool_id, &mut synced).await;
    for _ in 0..2 {
        let (request, state) = options(&service, &pool_id).await.expect("offered");
        let request: Value = serde_json::from_str(&request).expect("json");
        let answer = synced.get(&request, ORIGIN, &sub);
        assert!(check(&service, &pool_id, &state, &answer).await);
    }
    // Where the pool requires user verification, an answer without it is refused.
    service
        .set_user_pool_mfa_config(SetUserPoolMfaConfigRequest {
            user_pool_id: Some(pool_id.clone()),
            web_authn_configuration: Some(WebAuthnConfigurationType {
                relying_party_id: Some("example.com".into()),
                user_verification: Some(UserVerificationType::REQUIRED),
                factor_configuration: None,
            }),
            ..Default::default()
        })
        .await
        .expect("mfa config");
    let (request, state) = options(&service, &pool_id).await.expect("offered");
    let request: Value = serde_json::from_str(&request).expect("json");
    assert_eq!(request["userVerification"], "required");
    synced.verifies_user = false;
    let answer = synced.get(&request, ORIGIN, &sub);
    assert!(!check(&service, &pool_id, &state, &answer).await);
    synced.verifies_user = true;
    let answer = synced.get(&request, ORIGIN, &sub);
    assert!(check(&service, &pool_id, &state, &answer).await);
}
