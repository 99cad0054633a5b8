//! Session tracking through the JSON API (the Rust SDK pinned here predates these four
//! operations; tests/interop/python/test_session_config.py drives them with boto3):
//! the pool's configuration (tracking, the
//! most token sessions a user keeps) and each client's single sign-on window, their
//! defaults and errors, and what they change: a sign-in past the limit ends the user's
//! least recently used session, and `/oauth2/authorize` reuses the hosted session only
//! within the client's window.

mod common;

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, UserPoolTierType};
use common::forms::*;
use common::*;
use serde_json::{json, Value};

/// One call of the JSON API: the answer's body, or its error type.
fn call(server: &Server, op: &str, body: Value) -> Result<Value, String> {
    let r = server.call(op, &body.to_string());
    if r.status == 200 {
        Ok(r.json())
    } else {
        Err(r.error_type())
    }
}

const CALLBACK: &str = "https://app.example.com/callback";

#[tokio::test]
async fn session_tracking_limits_sessions_and_the_sso_window() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let got = call(
        &server,
        "GetUserPoolSessionConfiguration",
        json!({"UserPoolId": pool}),
    )
    .expect("get");
    assert_eq!(
        got,
        json!({"UserPoolId": pool, "UserSessionTracking": "DISABLED", "TokenSession": {"MaxPerUser": 20}})
    );
    let got = call(
        &server,
        "GetUserPoolClientSessionConfiguration",
        json!({"UserPoolId": pool, "ClientId": app}),
    )
    .expect("get client");
    assert_eq!(got["SSOSession"]["MaxValidityMinutes"], 60);
    let set_client = |minutes: i64| {
        call(
            &server,
            "SetUserPoolClientSessionConfiguration",
            json!({"UserPoolId": pool, "ClientId": app, "SSOSession": {"MaxValidityMinutes": minutes}}),
        )
    };
    assert_eq!(
        set_client(0).map(|_| ()),
        Err("OperationNotEnabledException".to_string())
    );
    assert_eq!(
        call(
            &server,
            "GetUserPoolClientSessionConfiguration",
            json!({"UserPoolId": pool, "ClientId": "nosuchclient"}),
        )
        .map(|_| ()),
        Err("ResourceNotFoundException".to_string())
    );
    let set_pool = |pool: &str, tracking: &str, n: i64| {
        call(
            &server,
            "SetUserPoolSessionConfiguration",
            json!({"UserPoolId": pool, "UserSessionTracking": tracking, "TokenSession": {"MaxPerUser": n}}),
        )
    };
    let lite = create_pool_with(&c, "lite", |b| b.user_pool_tier(UserPoolTierType::Lite)).await;
    assert_eq!(
        set_pool(&lite, "ENABLED", 5).map(|_| ()),
        Err("FeatureUnavailableInTierException".to_string())
    );
    assert_eq!(
        set_pool(&pool, "ENABLED", 101).map(|_| ()),
        Err("InvalidParameterException".to_string()),
        "MaxPerUser is 1 to 100"
    );
    assert_eq!(
        set_pool(&pool, "SOMETIMES", 5).map(|_| ()),
        Err("InvalidParameterException".to_string())
    );

    // Tracking on, two sessions at most: a third sign-in ends the first.
    let set = set_pool(&pool, "ENABLED", 2).expect("set");
    assert_eq!(set["TokenSession"]["MaxPerUser"], 2);
    assert_eq!(set["UserSessionTracking"], "ENABLED");
    let first = sign_in(&c, &app, "alice", PASSWORD).await;
    let second = sign_in(&c, &app, "alice", PASSWORD).await;
    // The second is used again: the first is now the least recently used.
    refresh(&c, &app, second.refresh.as_ref())
        .await
        .expect("refresh");
    let third = sign_in(&c, &app, "alice", PASSWORD).await;
    assert_eq!(
        refresh(&c, &app, first.refresh.as_ref()).await.map(|_| ()),
        Err(NA.to_string())
    );
    refresh(&c, &app, second.refresh.as_ref())
        .await
        .expect("second lives");
    refresh(&c, &app, third.refresh.as_ref())
        .await
        .expect("third lives");
    let sessions = call(
        &server,
        "AdminListUserSessions",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .expect("sessions");
    assert_eq!(sessions["Sessions"].as_array().map(Vec::len), Some(2));

    // The single sign-on window: 60 minutes reuses the hosted session, 0 never does.
    let web = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .supported_identity_providers("COGNITO")
        .callback_urls(CALLBACK)
        .send()
        .await
        .expect("client");
    let web = web
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id")
        .to_string();
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &web),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
    ]);
    let r = page_sign_in(&server, &q, "alice", PASSWORD);
    assert_eq!(r.status, 302, "{}", r.body);
    let session = set_cookie(&r, &format!("cognito-{pool}")).expect("session cookie");
    let authorize = || {
        server.request(
            "GET",
            &format!("/oauth2/authorize?{q}"),
            &[("Cookie", &session)],
            "",
        )
    };
    let reused = authorize();
    assert_eq!(reused.status, 302);
    assert!(reused
        .header("location")
        .is_some_and(|l| l.starts_with(CALLBACK)));
    let set = call(
        &server,
        "SetUserPoolClientSessionConfiguration",
        json!({"UserPoolId": pool, "ClientId": web, "SSOSession": {"MaxValidityMinutes": 0}}),
    )
    .expect("set client");
    assert_eq!(set["SSOSession"]["MaxValidityMinutes"], 0);
    let fresh = authorize();
    assert_eq!(fresh.status, 302);
    assert!(
        fresh
            .header("location")
            .is_some_and(|l| l.starts_with("/login")),
        "{:?}",
        fresh.header("location")
    );
}
