//! What needs a running service: expiry of tokens and sessions, which the end-to-end
//! tests cannot wait for.
use super::initiate::Caller;
use crate::clock::now;
use crate::error::Error;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use std::collections::BTreeMap;

struct Fixture {
    service: Service,
    pool_id: String,
    client_id: String,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let (service, dir) = crate::service::test_service();
    let pool_id = crate::service::test_pool(&service).await;
    let client = service
        .create_user_pool_client(CreateUserPoolClientRequest {
            user_pool_id: Some(pool_id.clone()),
            client_name: Some("c".into()),
            explicit_auth_flows: Some(vec![ExplicitAuthFlowsType::ALLOW_USER_PASSWORD_AUTH]),
            ..Default::default()
        })
        .await
        .expect("client");
    let client_id = client
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    service
        .admin_create_user(AdminCreateUserRequest {
            user_pool_id: Some(pool_id.clone()),
            username: Some("alice".into()),
            temporary_password: Some("Temp0rary!".into()),
            message_action: Some(MessageActionType::SUPPRESS),
            ..Default::default()
        })
        .await
        .expect("user");
    Fixture {
        service,
        pool_id,
        client_id,
        _dir: dir,
    }
}

fn sign_in(password: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("USERNAME".to_string(), "alice".to_string()),
        ("PASSWORD".to_string(), password.to_string()),
    ])
}

#[tokio::test]
async fn expired_tokens_and_sessions_are_refused() {
    let f = fixture().await;
    let s = &f.service;
    // A challenge session past its validity.
    let challenge = s
        .initiate_auth_flow(
            None,
            &f.client_id,
            &AuthFlowType::USER_PASSWORD_AUTH,
            sign_in("Temp0rary!"),
            Caller::default(),
            None,
        )
        .await
        .expect("challenge");
    assert_eq!(
        challenge.challenge_name,
        Some(ChallengeNameType::NEW_PASSWORD_REQUIRED)
    );
    let client = s.client_for(&f.client_id, None).await.expect("client");
    let mut state = s.new_challenge(&client, "alice", ChallengeNameType::NEW_PASSWORD_REQUIRED);
    state.expires_at = now() - 1.0;
    let expired = s.seal_challenge(&state).expect("seal");
    let responses = BTreeMap::from([
        ("USERNAME".to_string(), "alice".to_string()),
        ("NEW_PASSWORD".to_string(), "N3w-passw0rd".to_string()),
    ]);
    let e = s
        .respond_to_challenge(
            None,
            &f.client_id,
            &ChallengeNameType::NEW_PASSWORD_REQUIRED,
            Some(&expired),
            responses.clone(),
            Caller::default(),
        )
        .await
        .err()
        .expect("expired session refused");
    assert_eq!(
        e.0.message,
        "Invalid session for the user, session is expired."
    );
    // The live session works.
    let done = s
        .respond_to_challenge(
            None,
            &f.client_id,
            &ChallengeNameType::NEW_PASSWORD_REQUIRED,
            challenge.session.as_ref(),
            responses,
            Caller::default(),
        )
        .await
        .expect("new password");
    let access = done
        .authentication_result
        .and_then(|r| r.access_token)
        .expect("access token");
    s.get_user(GetUserRequest {
        access_token: Some(access.clone()),
    })
    .await
    .expect("a live token works");

    // The same claims, signed by the pool's key, but expired.
    let keys = s.pool_keys_now(&f.pool_id).await.expect("keys");
    let mut claims = crate::tokens::jwt::decode(&access).expect("decode").claims;
    claims.insert("exp".into(), serde_json::Value::from(now() as i64 - 5));
    let stale = keys.access.sign(&serde_json::Value::Object(claims.clone()));
    let e = s
        .get_user(GetUserRequest {
            access_token: Some(stale),
        })
        .await
        .expect_err("expired token refused");
    assert_eq!(e.0.code, ErrorCode::NotAuthorizedException);
    assert_eq!(e.0.message, "Access Token has expired");
    // Signed by the ID key instead: not an access token.
    claims.insert("exp".into(), serde_json::Value::from(now() as i64 + 600));
    let wrong_key = keys.id.sign(&serde_json::Value::Object(claims));
    let e = s
        .get_user(GetUserRequest {
            access_token: Some(wrong_key),
        })
        .await
        .expect_err("wrong key refused");
    assert_eq!(e.0.message, "Invalid Access Token");
}

#[tokio::test]
async fn expired_temporary_passwords_are_refused_and_required_mfa_is_challenged() {
    let f = fixture().await;
    let s = &f.service;
    // The temporary password's expiry is in the past.
    let (pool_id, cache) = (f.pool_id.clone(), s.pool_cache());
    s.store()
        .write(move |c| {
            let pool = PoolView::load(c, &cache, &pool_id)?;
            let (row, mut doc) = users::require(c, &pool, "alice")?;
            if let Some(p) = doc.password.as_mut() {
                p.expires_at = Some(now() - 60.0);
            }
            users::save(c, &pool, row, &doc)?;
            Ok::<_, Error>(())
        })
        .await
        .expect("age the password");
    let e = s
        .initiate_auth_flow(
            None,
            &f.client_id,
            &AuthFlowType::USER_PASSWORD_AUTH,
            sign_in("Temp0rary!"),
            Caller::default(),
            None,
        )
        .await
        .err()
        .expect("expired temporary password refused");
    assert_eq!(
        e.0.message,
        "Temporary password has expired and must be reset by an administrator."
    );

    // MFA required by the pool and no factor yet: MFA_SETUP, never the tokens.
    s.admin_set_user_password(AdminSetUserPasswordRequest {
        user_pool_id: Some(f.pool_id.clone()),
        username: Some("alice".into()),
        password: Some("Passw0rd!".into()),
        permanent: Some(true),
    })
    .await
    .expect("password");
    s.initiate_auth_flow(
        None,
        &f.client_id,
        &AuthFlowType::USER_PASSWORD_AUTH,
        sign_in("Passw0rd!"),
        Caller::default(),
        None,
    )
    .await
    .expect("signs in while MFA is off");
    s.set_user_pool_mfa_config(SetUserPoolMfaConfigRequest {
        user_pool_id: Some(f.pool_id.clone()),
        mfa_configuration: Some(UserPoolMfaType::ON),
        software_token_mfa_configuration: Some(SoftwareTokenMfaConfigType {
            enabled: Some(true),
        }),
        ..Default::default()
    })
    .await
    .expect("MFA on");
    let o = s
        .initiate_auth_flow(
            None,
            &f.client_id,
            &AuthFlowType::USER_PASSWORD_AUTH,
            sign_in("Passw0rd!"),
            Caller::default(),
            None,
        )
        .await
        .expect("a challenge");
    assert!(o.authentication_result.is_none());
    assert_eq!(o.challenge_name, Some(ChallengeNameType::MFA_SETUP));
    assert!(o.session.is_some());
}

#[tokio::test]
async fn an_expired_user_auth_session_is_refused() {
    let f = fixture().await;
    let s = &f.service;
    let client = s.client_for(&f.client_id, None).await.expect("client");
    for name in [
        ChallengeNameType::SELECT_CHALLENGE,
        ChallengeNameType::EMAIL_OTP,
    ] {
        let mut state = s.new_challenge(&client, "alice", name.clone());
        state.expires_at = now() - 1.0;
        let expired = s.seal_challenge(&state).expect("seal");
        let responses = BTreeMap::from([
            ("USERNAME".to_string(), "alice".to_string()),
            ("ANSWER".to_string(), "EMAIL_OTP".to_string()),
            ("EMAIL_OTP_CODE".to_string(), "123456".to_string()),
        ]);
        let e = s
            .respond_to_challenge(
                None,
                &f.client_id,
                &name,
                Some(&expired),
                responses,
                Caller::default(),
            )
            .await
            .err()
            .expect("expired session refused");
        assert_eq!(e.0.code, ErrorCode::NotAuthorizedException, "{name}");
        assert_eq!(
            e.0.message,
            "Invalid session for the user, session is expired."
        );
    }
}

#[tokio::test]
async fn expired_mfa_sessions_are_refused() {
    let f = fixture().await;
    let s = &f.service;
    let client = s.client_for(&f.client_id, None).await.expect("client");
    for (name, answer) in [
        (ChallengeNameType::SMS_MFA, "SMS_MFA_CODE"),
        (
            ChallengeNameType::SOFTWARE_TOKEN_MFA,
            "SOFTWARE_TOKEN_MFA_CODE",
        ),
        (ChallengeNameType::SELECT_MFA_TYPE, "ANSWER"),
        (ChallengeNameType::MFA_SETUP, "SESSION"),
    ] {
        let mut state = s.new_challenge(&client, "alice", name.clone());
        state.expires_at = now() - 1.0;
        let expired = s.seal_challenge(&state).expect("seal");
        let responses = BTreeMap::from([
            ("USERNAME".to_string(), "alice".to_string()),
            (answer.to_string(), "123456".to_string()),
        ]);
        let e = s
            .respond_to_challenge(
                None,
                &f.client_id,
                &name,
                Some(&expired),
                responses,
                Caller::default(),
            )
            .await
            .err()
            .expect("expired session refused");
        assert_eq!(e.0.code, ErrorCode::NotAuthorizedException, "{name}");
        assert_eq!(
            e.0.message, "Invalid session for the user, session is expired.",
            "{name}"
        );
    }
}
