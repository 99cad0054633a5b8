//! Verifying an email address with a code through the official SDK, codes read from
//! the outbox: GetUserAttributeVerificationCode and VerifyUserAttribute, a changed
//! email's code (UpdateUserAttributes), and AttributesRequireVerificationBeforeUpdate:
//! the old email stays, and stays a sign-in name, until the new one is verified.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, UserAttributeUpdateSettingsType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::*;

async fn verify(c: &Client, token: &str, code: &str) -> Result<(), String> {
    c.verify_user_attribute()
        .access_token(token)
        .attribute_name("email")
        .code(code)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| common::code(&e))
}

async fn email_of(c: &Client, token: &str) -> (Option<String>, Option<String>) {
    let out = c
        .get_user()
        .access_token(token)
        .send()
        .await
        .expect("get user");
    let get = |name: &str| {
        out.user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value().map(str::to_string))
    };
    (get("email"), get("email_verified"))
}

#[tokio::test]
async fn a_requested_code_verifies_the_email() {
    let (server, c, pool, app) = sign_in_fixture().await;
    unverify_email(&c, &pool, "alice").await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let out = c
        .get_user_attribute_verification_code()
        .access_token(&t.access)
        .attribute_name("email")
        .send()
        .await
        .expect("code");
    assert_eq!(
        out.code_delivery_details().and_then(|d| d.destination()),
        Some("a***@e***")
    );
    let m = last_message(&server, &pool, "alice");
    assert_eq!(m["kind"], "VERIFY_USER_ATTRIBUTE");
    let code = m["code"].as_str().expect("code").to_string();
    assert_eq!(
        verify(&c, &t.access, &wrong_code(&code)).await,
        Err("CodeMismatchException".into())
    );
    assert_eq!(email_of(&c, &t.access).await.1.as_deref(), Some("false"));
    verify(&c, &t.access, &code).await.expect("verify");
    assert_eq!(email_of(&c, &t.access).await.1.as_deref(), Some("true"));
    assert_eq!(
        verify(&c, &t.access, &code).await,
        Err("ExpiredCodeException".into()),
        "used once"
    );
    let e = c
        .get_user_attribute_verification_code()
        .access_token(&t.access)
        .attribute_name("name")
        .send()
        .await;
    assert_eq!(fails(e).0, "InvalidParameterException");
}

#[tokio::test]
async fn a_changed_email_is_unverified_until_its_code_is_given() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let out = c
        .update_user_attributes()
        .access_token(&t.access)
        .user_attributes(attr("email", "alice2@example.com"))
        .send()
        .await
        .expect("update");
    let list = out.code_delivery_details_list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].attribute_name(), Some("email"));
    assert_eq!(
        email_of(&c, &t.access).await,
        (Some("alice2@example.com".into()), Some("false".into()))
    );
    let m = last_message(&server, &pool, "alice");
    assert_eq!(m["kind"], "UPDATE_USER_ATTRIBUTE");
    assert_eq!(m["destination"], "alice2@example.com");
    verify(&c, &t.access, m["code"].as_str().expect("code"))
        .await
        .expect("verify");
    assert_eq!(email_of(&c, &t.access).await.1.as_deref(), Some("true"));
}

#[tokio::test]
async fn with_verification_before_update_the_old_email_stays_until_the_new_is_verified() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool_with(&c, "before-update", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .alias_attributes(AliasAttributeType::Email)
            .user_attribute_update_settings(
                UserAttributeUpdateSettingsType::builder()
                    .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                    .build(),
            )
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await; // alice@example.com, verified
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let out = c
        .update_user_attributes()
        .access_token(&t.access)
        .user_attributes(attr("email", "new@example.com"))
        .send()
        .await
        .expect("update");
    assert_eq!(
        out.code_delivery_details_list()[0].destination(),
        Some("n***@e***")
    );
    // The old email stays, verified, and still signs in; the new one does not yet.
    assert_eq!(
        email_of(&c, &t.access).await,
        (Some("alice@example.com".into()), Some("true".into()))
    );
    sign_in(&c, &app, "alice@example.com", PASSWORD).await;
    assert!(password_auth(&c, &app, "new@example.com", PASSWORD)
        .await
        .is_err());
    let m = last_message(&server, &pool, "new@example.com");
    assert_eq!(m["kind"], "UPDATE_USER_ATTRIBUTE");
    assert_eq!(m["destination"], "new@example.com");
    // Asking again sends a code to the waiting value.
    c.get_user_attribute_verification_code()
        .access_token(&t.access)
        .attribute_name("email")
        .send()
        .await
        .expect("code again");
    let m = last_message(&server, &pool, "new@example.com");
    assert_eq!(m["kind"], "VERIFY_USER_ATTRIBUTE");
    let code = m["code"].as_str().expect("code").to_string();
    assert_eq!(
        verify(&c, &t.access, &wrong_code(&code)).await,
        Err("CodeMismatchException".into())
    );
    assert_eq!(
        email_of(&c, &t.access).await.0.as_deref(),
        Some("alice@example.com")
    );
    verify(&c, &t.access, &code).await.expect("verify");
    assert_eq!(
        email_of(&c, &t.access).await,
        (Some("new@example.com".into()), Some("true".into()))
    );
    sign_in(&c, &app, "new@example.com", PASSWORD).await;
    assert!(password_auth(&c, &app, "alice@example.com", PASSWORD)
        .await
        .is_err());
}

#[tokio::test]
async fn admins_apply_a_change_at_once_by_marking_it_verified() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool_with(&c, "before-update", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .user_attribute_update_settings(
                UserAttributeUpdateSettingsType::builder()
                    .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                    .build(),
            )
    })
    .await;
    add_user(&c, &pool, "bob", PASSWORD).await;
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("bob")
        .user_attributes(attr("email", "held@example.com"))
        .send()
        .await
        .expect("update");
    assert_eq!(
        attribute(&c, &pool, "bob", "email").await.as_deref(),
        Some("bob@example.com"),
        "held until verified"
    );
    assert_eq!(
        last_message(&server, &pool, "held@example.com")["kind"],
        "UPDATE_USER_ATTRIBUTE"
    );
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("bob")
        .user_attributes(attr("email", "now@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect("update verified");
    assert_eq!(
        attribute(&c, &pool, "bob", "email").await.as_deref(),
        Some("now@example.com")
    );
    assert_eq!(
        attribute(&c, &pool, "bob", "email_verified")
            .await
            .as_deref(),
        Some("true")
    );
}
