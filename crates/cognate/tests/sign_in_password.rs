//! USER_PASSWORD_AUTH end to end through the official Rust SDK: the tokens' claims and
//! signatures against the pool's JWKS, their validity, Cognito's error codes and
//! messages, the lockout after repeated failures, clients with a secret (SECRET_HASH) and
//! ADMIN_NO_SRP_AUTH.

mod common;

use aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder as NewClient;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType as Flow, TimeUnitsType, TokenValidityUnitsType,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use serde_json::{json, Value};
use sha2::Sha256;

fn lifetime(claims: &Value) -> i64 {
    claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat")
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
    let (server, c, pool, app) = sign_in_fixture().await;
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
    let (_server, c, pool, _app) = sign_in_fixture().await;
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
    let hiding = hiding_client(&c, pool).await;
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

#[tokio::test]
async fn repeated_failures_lock_the_user_out_for_a_while() {
    let (_server, c, _pool, app) = sign_in_fixture().await;
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
async fn clients_with_a_secret_and_admin_sign_in() {
    let (_server, c, pool, _app) = sign_in_fixture().await;
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
    let other_pool = sign_in_pool(&c).await;
    assert_eq!(
        fails(admin(&other_pool).await).0,
        "ResourceNotFoundException"
    );
}
