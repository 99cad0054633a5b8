//! The NEW_PASSWORD_REQUIRED challenge of a user with a temporary password, end to end
//! through the official Rust SDK.

mod common;

use aws_sdk_cognitoidentityprovider::types::{ChallengeNameType, UserStatusType};
use common::*;
use serde_json::Value;

#[tokio::test]
async fn new_password_required_sets_the_password_once() {
    let (_server, c, pool, app) = sign_in_fixture().await;
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
