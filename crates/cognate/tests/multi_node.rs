//! Two `cognate serve` processes on one PostgreSQL database are one service. Every test
//! here needs PostgreSQL: they run with `--ignored` and COGNATE_TEST_DATABASE_URL set.

mod common;

use common::{app_client, code, create_pool, set_password, Backend, Server};

#[tokio::test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
async fn a_pool_created_through_one_node_is_seen_through_the_other() {
    let backend = Backend::postgres();
    let a = Server::start(&backend);
    let b = Server::start(&backend);
    assert_ne!(a.addr, b.addr);
    let (ca, cb) = (a.client(), b.client());

    let id = create_pool(&ca, "shared").await;
    let described = cb
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe on b");
    assert_eq!(described.user_pool().and_then(|p| p.name()), Some("shared"));

    // A client created on b, with its secret, is described identically on a.
    let client = cb
        .create_user_pool_client()
        .user_pool_id(&id)
        .client_name("c")
        .generate_secret(true)
        .send()
        .await
        .expect("client on b");
    let client = client.user_pool_client().expect("client");
    let seen = ca
        .describe_user_pool_client()
        .user_pool_id(&id)
        .client_id(client.client_id().expect("id"))
        .send()
        .await
        .expect("describe on a");
    assert_eq!(
        seen.user_pool_client().and_then(|c| c.client_secret()),
        client.client_secret()
    );

    // Concurrent creations of one group name through both nodes: exactly one wins.
    let (ra, rb) = tokio::join!(
        ca.create_group()
            .user_pool_id(&id)
            .group_name("race")
            .send(),
        cb.create_group()
            .user_pool_id(&id)
            .group_name("race")
            .send()
    );
    let wins = [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count();
    assert_eq!(wins, 1);
    let loser = ra.err().or(rb.err()).expect("one failed");
    assert_eq!(code(&loser), "GroupExistsException");

    cb.delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("delete on b");
    let err = ca
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("gone on a");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
async fn concurrent_user_creations_through_both_nodes_all_succeed_and_are_counted() {
    let backend = Backend::postgres();
    let a = Server::start(&backend);
    let b = Server::start(&backend);
    let (ca, cb) = (a.client(), b.client());
    let id = create_pool(&ca, "busy").await;
    let mut tasks = Vec::new();
    for i in 0..48 {
        let client = if i % 2 == 0 { ca.clone() } else { cb.clone() };
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            client
                .admin_create_user()
                .user_pool_id(id)
                .username(format!("user{i}"))
                .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
                .send()
                .await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("every creation succeeds");
    }
    let pool = cb
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        pool.user_pool().map(|p| p.estimated_number_of_users()),
        Some(48)
    );
}

/// Signing keys, sessions, revocations and the lockout live in the database: a token from
/// one node works on the other, a sign-out through one is seen by the other, and
/// failures counted through one lock the user out on both.
#[tokio::test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
async fn sign_in_state_is_shared_by_the_nodes() {
    use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ExplicitAuthFlowsType};
    let backend = Backend::postgres();
    // Nodes behind one address share the issuer base (here given, as the public URL
    // would be).
    let a = Server::start_with(&backend, &["--issuer-base", "http://cognate.test"]);
    let b = Server::start_with(&backend, &["--issuer-base", "http://cognate.test"]);
    let (ca, cb) = (a.client(), b.client());
    let pool_id = create_pool(&ca, "sign-in").await;
    let client_id = app_client(&ca, &pool_id, |b| {
        b.set_explicit_auth_flows(Some(vec![
            ExplicitAuthFlowsType::AllowUserPasswordAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ]))
    })
    .await;
    ca.admin_create_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("user");
    set_password(&ca, &pool_id, "alice", "Passw0rd!").await;
    let sign_in = |client: &aws_sdk_cognitoidentityprovider::Client, password: &str| {
        client
            .initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", password)
            .send()
    };
    // Both nodes sign in at once, for the first time: one set of keys is made.
    let (ta, tb) = tokio::join!(sign_in(&ca, "Passw0rd!"), sign_in(&cb, "Passw0rd!"));
    let ta = ta.expect("sign in on a");
    let tb = tb.expect("sign in on b");
    let access_a = ta
        .authentication_result()
        .and_then(|r| r.access_token())
        .expect("access")
        .to_string();
    let access_b = tb
        .authentication_result()
        .and_then(|r| r.access_token())
        .expect("access")
        .to_string();
    for (client, token) in [(&cb, &access_a), (&ca, &access_b)] {
        client
            .get_user()
            .access_token(token)
            .send()
            .await
            .expect("a token of one node works on the other");
    }
    // Signed out through b: a's session is refused on a.
    cb.admin_user_global_sign_out()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect("sign out");
    let err = ca
        .get_user()
        .access_token(&access_a)
        .send()
        .await
        .expect_err("revoked");
    assert_eq!(code(&err), "NotAuthorizedException");
    // Five failures spread over both nodes lock the user out on both.
    for i in 0..5 {
        let node = if i % 2 == 0 { &ca } else { &cb };
        let err = sign_in(node, "wrong-Passw0rd").await.expect_err("wrong");
        assert_eq!(common::message(&err), "Incorrect username or password.");
    }
    for node in [&ca, &cb] {
        let err = sign_in(node, "Passw0rd!").await.expect_err("locked");
        assert_eq!(common::message(&err), "Password attempts exceeded");
    }
}

/// Self-service and MFA across nodes: a user signs up through one node and confirms
/// through the other; an SMS MFA sign-in started on one node is answered on the other,
/// once.
#[test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
fn sign_up_and_an_mfa_sign_in_cross_nodes() {
    let backend = Backend::postgres();
    let a = Server::start(&backend);
    let b = Server::start(&backend);
    let ok = |s: &Server, op: &str, body: String| {
        let r = s.call(op, &body);
        assert_eq!(r.status, 200, "{op}: {}", r.body);
        r.json()
    };
    let pool = ok(
        &a,
        "CreateUserPool",
        r#"{"PoolName":"nodes","AutoVerifiedAttributes":["email"],
            "SmsConfiguration":{"SnsCallerArn":"arn:aws:iam::000000000000:role/sns"}}"#
            .into(),
    )["UserPool"]["Id"]
        .as_str()
        .expect("pool")
        .to_string();
    let app = ok(
        &b,
        "CreateUserPoolClient",
        format!(
            r#"{{"UserPoolId":"{pool}","ClientName":"app","ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}}"#
        ),
    )["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client")
        .to_string();
    ok(
        &a,
        "SignUp",
        format!(
            r#"{{"ClientId":"{app}","Username":"carol","Password":"Passw0rd!",
                "UserAttributes":[{{"Name":"email","Value":"carol@example.com"}},{{"Name":"phone_number","Value":"+15555550123"}}]}}"#
        ),
    );
    let code_of = |s: &Server, kind: &str| {
        let all = s.get(&format!(
            "/_cognate/messages?userPoolId={pool}&username=carol"
        ));
        all.json()["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .rev()
            .find(|m| m["kind"] == kind)
            .and_then(|m| m["code"].as_str())
            .expect("a code")
            .to_string()
    };
    let code = code_of(&b, "SIGN_UP");
    ok(
        &b,
        "ConfirmSignUp",
        format!(r#"{{"ClientId":"{app}","Username":"carol","ConfirmationCode":"{code}"}}"#),
    );
    ok(
        &a,
        "SetUserPoolMfaConfig",
        format!(
            r#"{{"UserPoolId":"{pool}","MfaConfiguration":"OPTIONAL",
                "SmsMfaConfiguration":{{"SmsConfiguration":{{"SnsCallerArn":"arn:aws:iam::000000000000:role/sns"}}}}}}"#
        ),
    );
    ok(
        &b,
        "AdminSetUserMFAPreference",
        format!(
            r#"{{"UserPoolId":"{pool}","Username":"carol","SMSMfaSettings":{{"Enabled":true,"PreferredMfa":true}}}}"#
        ),
    );
    let started = ok(
        &a,
        "InitiateAuth",
        format!(
            r#"{{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"{app}","AuthParameters":{{"USERNAME":"carol","PASSWORD":"Passw0rd!"}}}}"#
        ),
    );
    assert_eq!(started["ChallengeName"], "SMS_MFA");
    let session = started["Session"].as_str().expect("Session");
    let code = code_of(&a, "AUTHENTICATION");
    let answer = format!(
        r#"{{"ChallengeName":"SMS_MFA","ClientId":"{app}","Session":"{session}",
            "ChallengeResponses":{{"USERNAME":"carol","SMS_MFA_CODE":"{code}"}}}}"#
    );
    let done = ok(&b, "RespondToAuthChallenge", answer.clone());
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    let again = a.call("RespondToAuthChallenge", &answer);
    assert_eq!(again.status, 400, "a session is answered once, on any node");
    assert_eq!(again.error_type(), "NotAuthorizedException");
}
