//! ForgotPassword and ConfirmForgotPassword through the official SDK, codes read from
//! the outbox: a new password replaces the old one; wrong, spent and unrequested codes;
//! no verified contact; PreventUserExistenceErrors; AdminResetUserPassword's code;
//! the pool's message template; the channel the pool's AccountRecoverySetting chooses.

mod common;

use aws_sdk_cognitoidentityprovider::types::{DeliveryMediumType, VerificationMessageTemplateType};
use aws_sdk_cognitoidentityprovider::Client;
use common::*;

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

async fn confirm(
    c: &Client,
    app: &str,
    user: &str,
    code: &str,
    password: &str,
) -> Result<(), (String, String)> {
    let r = c
        .confirm_forgot_password()
        .client_id(app)
        .username(user)
        .confirmation_code(code)
        .password(password)
        .send()
        .await;
    outcome(r)
}

#[tokio::test]
async fn a_reset_code_sets_a_new_password() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let out = c
        .forgot_password()
        .client_id(&app)
        .username("alice")
        .send()
        .await
        .expect("forgot password");
    let details = out.code_delivery_details().expect("details");
    assert_eq!(details.destination(), Some("a***@e***"));
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(details.attribute_name(), Some("email"));
    let m = last_message(&server, &pool, "alice");
    assert_eq!(m["kind"], "FORGOT_PASSWORD");
    let code = m["code"].as_str().expect("code").to_string();
    assert!(m["message"].as_str().expect("body").contains(&code));

    // Wrong codes and bad passwords change nothing: the old password still works.
    assert_eq!(
        confirm(&c, &app, "alice", &wrong_code(&code), NEW_PASSWORD).await,
        Err(pair(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        ))
    );
    let e = confirm(&c, &app, "alice", &code, "short")
        .await
        .expect_err("policy");
    assert_eq!(e.0, "InvalidPasswordException");
    sign_in(&c, &app, "alice", PASSWORD).await;

    confirm(&c, &app, "alice", &code, NEW_PASSWORD)
        .await
        .expect("confirm");
    assert_eq!(status(&c, &pool, "alice").await, "CONFIRMED");
    sign_in(&c, &app, "alice", NEW_PASSWORD).await;
    assert_eq!(
        fails(password_auth(&c, &app, "alice", PASSWORD).await),
        na(INCORRECT)
    );
    // The code is spent.
    assert_eq!(
        confirm(&c, &app, "alice", &code, PASSWORD).await,
        Err(pair(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again."
        ))
    );
}

#[tokio::test]
async fn a_code_never_requested_is_expired() {
    let (_server, c, _pool, app) = sign_in_fixture().await;
    let e = confirm(&c, &app, "alice", "123456", NEW_PASSWORD).await;
    assert_eq!(e.expect_err("no code").0, "ExpiredCodeException");
}

#[tokio::test]
async fn without_a_verified_contact_no_code_is_sent() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let hiding = hiding_client(&c, &pool).await;
    unverify_email(&c, &pool, "alice").await;
    let e = c
        .forgot_password()
        .client_id(&app)
        .username("alice")
        .send()
        .await;
    assert_eq!(
        fails(e),
        pair(
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    );
    // Hiding which users exist, the answer is a simulated delivery.
    let out = c
        .forgot_password()
        .client_id(&hiding)
        .username("alice")
        .send()
        .await
        .expect("simulated");
    assert!(out.code_delivery_details().is_some());
    assert!(
        messages(&server, &pool, "alice").is_empty(),
        "nothing is sent"
    );
}

#[tokio::test]
async fn unknown_users_are_hidden_when_the_client_prevents_existence_errors() {
    let (server, c, pool, legacy) = sign_in_fixture().await;
    let hiding = hiding_client(&c, &pool).await;
    let unknown = pair(
        "UserNotFoundException",
        "Username/client id combination not found.",
    );
    let forgot = |app: &str, user: &str| c.forgot_password().client_id(app).username(user).send();
    assert_eq!(fails(forgot(&legacy, "nobody").await), unknown);
    let out = forgot(&hiding, "nobody@example.com")
        .await
        .expect("simulated");
    let details = out.code_delivery_details().expect("details");
    assert_eq!(details.destination(), Some("n***@e***"));
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
    let out = forgot(&hiding, "nobody").await.expect("simulated");
    assert!(out.code_delivery_details().is_some());
    assert!(messages(&server, &pool, "nobody").is_empty());
    assert_eq!(
        confirm(&c, &legacy, "nobody", "123456", NEW_PASSWORD).await,
        Err(unknown)
    );
    assert_eq!(
        confirm(&c, &hiding, "nobody", "123456", NEW_PASSWORD).await,
        Err(pair(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        ))
    );
}

#[tokio::test]
async fn admin_reset_codes_confirm_a_forgotten_password() {
    let (server, c, pool, app) = sign_in_fixture().await;
    c.admin_reset_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("reset");
    assert_eq!(status(&c, &pool, "alice").await, "RESET_REQUIRED");
    assert_eq!(
        fails(password_auth(&c, &app, "alice", PASSWORD).await),
        pair(
            "PasswordResetRequiredException",
            "Password reset required for the user"
        )
    );
    let m = last_message(&server, &pool, "alice");
    assert_eq!(m["kind"], "FORGOT_PASSWORD");
    let code = m["code"].as_str().expect("code");
    confirm(&c, &app, "alice", code, NEW_PASSWORD)
        .await
        .expect("confirm");
    assert_eq!(status(&c, &pool, "alice").await, "CONFIRMED");
    sign_in(&c, &app, "alice", NEW_PASSWORD).await;
}

#[tokio::test]
async fn users_with_a_temporary_password_cannot_reset_it() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    create_user(&c, &pool, "bob", Some("Temp0rary!")).await;
    let e = c
        .forgot_password()
        .client_id(&app)
        .username("bob")
        .send()
        .await;
    assert_eq!(
        fails(e),
        na("User password cannot be reset in the current state.")
    );
}

#[tokio::test]
async fn reset_messages_follow_the_pools_template() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool_with(&c, "templated", |b| {
        b.verification_message_template(
            VerificationMessageTemplateType::builder()
                .email_subject("Your code")
                .email_message("Hello {username}, use {####} to continue.")
                .build(),
        )
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "carol", PASSWORD).await;
    c.forgot_password()
        .client_id(&app)
        .username("carol")
        .send()
        .await
        .expect("forgot");
    let m = last_message(&server, &pool, "carol");
    let code = m["code"].as_str().expect("code");
    assert_eq!(m["subject"], "Your code");
    assert_eq!(
        m["message"],
        format!("Hello carol, use {code} to continue.")
    );
}

#[tokio::test]
async fn the_pools_account_recovery_setting_chooses_the_channel() {
    use aws_sdk_cognitoidentityprovider::types::{
        AccountRecoverySettingType, RecoveryOptionNameType, RecoveryOptionType,
    };
    let server = Server::sqlite();
    let c = server.client();
    let option = |name, priority| {
        RecoveryOptionType::builder()
            .name(name)
            .priority(priority)
            .build()
            .expect("option")
    };
    let pool = create_pool_with(&c, "recovery", |b| {
        b.account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(option(RecoveryOptionNameType::VerifiedEmail, 2))
                .recovery_mechanisms(option(RecoveryOptionNameType::VerifiedPhoneNumber, 1))
                .build(),
        )
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;
    // bob has a verified email and phone number: the phone comes first.
    add_user(&c, &pool, "bob", PASSWORD).await;
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("bob")
        .user_attributes(attr("phone_number", "+15555550177"))
        .user_attributes(attr("phone_number_verified", "true"))
        .send()
        .await
        .expect("phone");
    // carol has only a verified email: the next mechanism.
    add_user(&c, &pool, "carol", PASSWORD).await;
    for (user, medium, destination) in [
        ("bob", DeliveryMediumType::Sms, "+*******0177"),
        ("carol", DeliveryMediumType::Email, "c***@e***"),
    ] {
        let out = c
            .forgot_password()
            .client_id(&app)
            .username(user)
            .send()
            .await
            .expect("forgot password");
        let details = out.code_delivery_details().expect("details");
        assert_eq!(details.delivery_medium(), Some(&medium), "{user}");
        assert_eq!(details.destination(), Some(destination), "{user}");
        let m = last_message(&server, &pool, user);
        assert_eq!(m["kind"], "FORGOT_PASSWORD");
        assert_eq!(
            m["channel"],
            if medium == DeliveryMediumType::Sms {
                "SMS"
            } else {
                "EMAIL"
            }
        );
    }
}
