//! Refresh tokens end to end through the official Rust SDK: REFRESH_TOKEN_AUTH keeps the
//! session, RevokeToken ends it, and GetTokensFromRefreshToken with and without rotation.

mod common;

use aws_sdk_cognitoidentityprovider::types::{FeatureType, RefreshTokenRotationType};
use common::*;

#[tokio::test]
async fn refresh_keeps_the_session_and_revoke_token_ends_it() {
    let (_server, c, pool, app) = sign_in_fixture().await;
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
    let (_server, c, pool, app) = sign_in_fixture().await;
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
