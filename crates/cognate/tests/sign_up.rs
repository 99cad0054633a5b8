//! SignUp and its confirmation (ConfirmSignUp, ResendConfirmationCode, the link of a
//! CONFIRM_WITH_LINK email) through the official SDK, codes read from the outbox:
//! UNCONFIRMED users cannot sign in, confirmed ones can; wrong, reused and exhausted
//! codes; SECRET_HASH; the client's WriteAttributes and the schema; email as username;
//! PreventUserExistenceErrors; aliases taken and forced; request limits; a phone number
//! verified by SMS with the pool's SmsVerificationMessage; the legacy
//! EmailVerificationMessage and EmailVerificationSubject.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeDataType, DefaultEmailOptionType, DeliveryMediumType,
    SchemaAttributeType, UsernameAttributeType, VerificationMessageTemplateType,
    VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::*;

const CODE_MISMATCH: (&str, &str) = (
    "CodeMismatchException",
    "Invalid verification code provided, please try again.",
);

fn pair(p: (&str, &str)) -> (String, String) {
    (p.0.to_string(), p.1.to_string())
}

/// A pool auto-verifying email, changed by `f`, and a client of it.
async fn pool_and_client(
    c: &Client,
    f: impl FnOnce(
        aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
    ) -> aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
) -> (String, String) {
    let pool = create_pool_with(c, "signup", |b| {
        f(b.auto_verified_attributes(VerifiedAttributeType::Email))
    })
    .await;
    let app = app_client(c, &pool, |b| b).await;
    (pool, app)
}

async fn sign_up(
    c: &Client,
    app: &str,
    user: &str,
    email: &str,
) -> aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpOutput {
    c.sign_up()
        .client_id(app)
        .username(user)
        .password(PASSWORD)
        .user_attributes(attr("email", email))
        .send()
        .await
        .expect("sign up")
}

async fn confirm(c: &Client, app: &str, user: &str, code: &str) -> Result<(), (String, String)> {
    let r = c
        .confirm_sign_up()
        .client_id(app)
        .username(user)
        .confirmation_code(code)
        .send()
        .await;
    outcome(r)
}

#[tokio::test]
async fn a_signed_up_user_confirms_with_the_emailed_code_and_signs_in() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) = pool_and_client(&c, |b| b).await;
    let out = c
        .sign_up()
        .client_id(&app)
        .username("alice")
        .password(PASSWORD)
        .user_attributes(attr("email", "alice@example.com"))
        .validation_data(attr("captcha", "ok"))
        .client_metadata("source", "test")
        .send()
        .await
        .expect("sign up");
    assert!(!out.user_confirmed());
    assert_eq!(out.user_sub().len(), 36, "a UUID");
    let details = out.code_delivery_details().expect("CodeDeliveryDetails");
    assert_eq!(details.destination(), Some("a***@e***"));
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(details.attribute_name(), Some("email"));
    assert_eq!(status(&c, &pool, "alice").await, "UNCONFIRMED");
    assert_eq!(
        attribute(&c, &pool, "alice", "sub").await.as_deref(),
        Some(out.user_sub())
    );

    let m = last_message(&server, &pool, "alice");
    assert_eq!(m["kind"], "SIGN_UP");
    assert_eq!(m["channel"], "EMAIL");
    assert_eq!(m["destination"], "alice@example.com");
    assert_eq!(m["subject"], "Your verification code");
    let code = m["code"].as_str().expect("code").to_string();
    assert_eq!(code.len(), 6);
    assert_eq!(m["message"], format!("Your verification code is {code}. "));

    // Not confirmed: the right password is refused.
    let e = password_auth(&c, &app, "alice", PASSWORD).await;
    assert_eq!(
        fails(e),
        pair(("UserNotConfirmedException", "User is not confirmed."))
    );
    // A wrong code changes nothing.
    assert_eq!(
        confirm(&c, &app, "alice", &wrong_code(&code)).await,
        Err(pair(CODE_MISMATCH))
    );
    assert_eq!(status(&c, &pool, "alice").await, "UNCONFIRMED");
    confirm(&c, &app, "alice", &code).await.expect("confirm");
    assert_eq!(status(&c, &pool, "alice").await, "CONFIRMED");
    assert_eq!(
        attribute(&c, &pool, "alice", "email_verified")
            .await
            .as_deref(),
        Some("true")
    );
    sign_in(&c, &app, "alice", PASSWORD).await;

    // Confirmed users are not confirmed again, nor sent another code.
    assert_eq!(
        confirm(&c, &app, "alice", &code).await,
        Err(pair((
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )))
    );
    let e = c
        .resend_confirmation_code()
        .client_id(&app)
        .username("alice")
        .send()
        .await;
    assert_eq!(
        fails(e),
        pair(("InvalidParameterException", "User is already confirmed."))
    );
    // The username is taken.
    let e = c
        .sign_up()
        .client_id(&app)
        .username("alice")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(
        fails(e),
        pair(("UsernameExistsException", "User already exists"))
    );
}

#[tokio::test]
async fn without_auto_verification_no_code_is_sent() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool(&c, "plain").await;
    let app = app_client(&c, &pool, |b| b).await;
    let out = sign_up(&c, &app, "bob", "bob@example.com").await;
    assert!(!out.user_confirmed());
    assert!(out.code_delivery_details().is_none());
    assert!(messages(&server, &pool, "bob").is_empty());
    assert_eq!(status(&c, &pool, "bob").await, "UNCONFIRMED");
    // An administrator confirms instead.
    c.admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .expect("admin confirm");
    sign_in(&c, &app, "bob", PASSWORD).await;
}

#[tokio::test]
async fn sign_up_enforces_the_password_policy_the_schema_and_the_clients_write_attributes() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool_with(&c, "schema", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .schema(
                SchemaAttributeType::builder()
                    .name("email")
                    .attribute_data_type(AttributeDataType::String)
                    .required(true)
                    .mutable(true)
                    .build(),
            )
    })
    .await;
    let app = app_client(&c, &pool, |b| b.write_attributes("email")).await;
    let e = c
        .sign_up()
        .client_id(&app)
        .username("carol")
        .password("short")
        .user_attributes(attr("email", "carol@example.com"))
        .send()
        .await;
    assert_eq!(fails(e).0, "InvalidPasswordException");
    let e = c
        .sign_up()
        .client_id(&app)
        .username("carol")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(
        fails(e),
        pair((
            "InvalidParameterException",
            "Attributes did not conform to the schema: email: The attribute is required"
        ))
    );
    for (name, value) in [("name", "Carol"), ("email_verified", "true")] {
        let e = c
            .sign_up()
            .client_id(&app)
            .username("carol")
            .password(PASSWORD)
            .user_attributes(attr("email", "carol@example.com"))
            .user_attributes(attr(name, value))
            .send()
            .await;
        assert_eq!(
            fails(e),
            pair((
                "NotAuthorizedException",
                "A client attempted to write unauthorized attribute"
            )),
            "{name}"
        );
    }
    // None of the refused sign-ups left anything behind.
    let e = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("carol")
        .send()
        .await;
    assert_eq!(fails(e).0, "UserNotFoundException");
    assert!(messages(&server, &pool, "carol").is_empty());
}

#[tokio::test]
async fn clients_with_a_secret_need_the_secret_hash() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, _) = pool_and_client(&c, |b| b).await;
    let created = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("secret")
        .generate_secret(true)
        .send()
        .await
        .expect("client");
    let client = created.user_pool_client().expect("client");
    let (app, secret) = (
        client.client_id().expect("id").to_string(),
        client.client_secret().expect("secret").to_string(),
    );
    let attempt = |hash: Option<String>| {
        c.sign_up()
            .client_id(&app)
            .username("dave")
            .password(PASSWORD)
            .user_attributes(attr("email", "dave@example.com"))
            .set_secret_hash(hash)
            .send()
    };
    assert_eq!(
        fails(attempt(None).await),
        na(&format!(
            "Client {app} is configured for secret but secret was not received"
        ))
    );
    assert_eq!(
        fails(attempt(Some(secret_hash(&secret, "eve", &app))).await),
        na(&format!("Unable to verify secret hash for client {app}"))
    );
    attempt(Some(secret_hash(&secret, "dave", &app)))
        .await
        .expect("sign up with the right SECRET_HASH");
    let code = last_code(&server, &pool, "dave");
    let e = c
        .confirm_sign_up()
        .client_id(&app)
        .username("dave")
        .confirmation_code(&code)
        .send()
        .await;
    assert_eq!(fails(e).0, NA, "ConfirmSignUp needs it too");
    c.confirm_sign_up()
        .client_id(&app)
        .username("dave")
        .confirmation_code(&code)
        .secret_hash(secret_hash(&secret, "dave", &app))
        .send()
        .await
        .expect("confirm with the SECRET_HASH");
    assert_eq!(status(&c, &pool, "dave").await, "CONFIRMED");
}

#[tokio::test]
async fn email_as_username_signs_up_confirms_and_signs_in_by_email() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) =
        pool_and_client(&c, |b| b.username_attributes(UsernameAttributeType::Email)).await;
    let out = c
        .sign_up()
        .client_id(&app)
        .username("frank@example.com")
        .password(PASSWORD)
        .send()
        .await
        .expect("sign up");
    let sub = out.user_sub().to_string();
    let got = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("frank@example.com")
        .send()
        .await
        .expect("the user by email");
    assert_eq!(got.username(), sub, "the username is the sub");
    let code = last_code(&server, &pool, "frank@example.com");
    confirm(&c, &app, "frank@example.com", &code)
        .await
        .expect("confirm by email");
    sign_in(&c, &app, "frank@example.com", PASSWORD).await;
    // The email is taken now.
    let e = c
        .sign_up()
        .client_id(&app)
        .username("frank@example.com")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(fails(e).0, "UsernameExistsException");
    let e = c
        .sign_up()
        .client_id(&app)
        .username("frank")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(
        fails(e),
        pair(("InvalidParameterException", "Username should be an email."))
    );
}

#[tokio::test]
async fn a_resent_code_replaces_the_first_and_requests_are_limited() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) = pool_and_client(&c, |b| b).await;
    sign_up(&c, &app, "gina", "gina@example.com").await;
    let first = last_code(&server, &pool, "gina");
    let resend = || {
        c.resend_confirmation_code()
            .client_id(&app)
            .username("gina")
            .send()
    };
    let out = resend().await.expect("resend");
    let details = out.code_delivery_details().expect("details");
    assert_eq!(details.destination(), Some("g***@e***"));
    let m = last_message(&server, &pool, "gina");
    assert_eq!(m["kind"], "RESEND_CODE");
    let second = m["code"].as_str().expect("code").to_string();
    if first != second {
        assert_eq!(
            confirm(&c, &app, "gina", &first).await,
            Err(pair(CODE_MISMATCH)),
            "the first code is replaced"
        );
    }
    // SignUp's code and four resends; the next request is refused.
    for _ in 0..3 {
        resend().await.expect("within the limit");
    }
    assert_eq!(
        fails(resend().await),
        pair((
            "LimitExceededException",
            "Attempt limit exceeded, please try after some time."
        ))
    );
    let latest = last_code(&server, &pool, "gina");
    confirm(&c, &app, "gina", &latest)
        .await
        .expect("the latest code works");
}

#[tokio::test]
async fn too_many_wrong_codes_need_a_new_code() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) = pool_and_client(&c, |b| b).await;
    sign_up(&c, &app, "hank", "hank@example.com").await;
    let code = last_code(&server, &pool, "hank");
    for _ in 0..5 {
        assert_eq!(
            confirm(&c, &app, "hank", &wrong_code(&code)).await,
            Err(pair(CODE_MISMATCH))
        );
    }
    let e = confirm(&c, &app, "hank", &code)
        .await
        .expect_err("dead code");
    assert_eq!(e.0, "TooManyFailedAttemptsException");
    assert_eq!(status(&c, &pool, "hank").await, "UNCONFIRMED");
    c.resend_confirmation_code()
        .client_id(&app)
        .username("hank")
        .send()
        .await
        .expect("resend");
    let code = last_code(&server, &pool, "hank");
    confirm(&c, &app, "hank", &code)
        .await
        .expect("a new code works");
}

#[tokio::test]
async fn unknown_users_are_hidden_when_the_client_prevents_existence_errors() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, legacy) = pool_and_client(&c, |b| b).await;
    let hiding = hiding_client(&c, &pool).await;
    let unknown = pair((
        "UserNotFoundException",
        "Username/client id combination not found.",
    ));
    assert_eq!(
        confirm(&c, &legacy, "nobody", "123456").await,
        Err(unknown.clone())
    );
    assert_eq!(
        confirm(&c, &hiding, "nobody", "123456").await,
        Err(pair(CODE_MISMATCH))
    );
    let resend = |app: &str| {
        c.resend_confirmation_code()
            .client_id(app)
            .username("nobody")
            .send()
    };
    assert_eq!(fails(resend(&legacy).await), unknown);
    let out = resend(&hiding).await.expect("a plausible answer");
    let details = out.code_delivery_details().expect("details");
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
    let shown = details.destination().expect("destination").to_string();
    assert!(shown.contains("***@"), "{shown}");
    let again = resend(&hiding).await.expect("again");
    assert_eq!(
        again.code_delivery_details().and_then(|d| d.destination()),
        Some(shown.as_str()),
        "the same answer each time"
    );
    assert!(
        messages(&server, &pool, "nobody").is_empty(),
        "nothing is sent"
    );
}

#[tokio::test]
async fn an_alias_held_by_another_user_is_refused_unless_forced() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) = pool_and_client(&c, |b| b.alias_attributes(AliasAttributeType::Email)).await;
    add_user(&c, &pool, "ivy", PASSWORD).await; // ivy@example.com, verified
    sign_up(&c, &app, "jack", "ivy@example.com").await;
    let code = last_code(&server, &pool, "jack");
    assert_eq!(
        confirm(&c, &app, "jack", &code).await,
        Err(pair((
            "AliasExistsException",
            "An account with the email already exists."
        )))
    );
    assert_eq!(status(&c, &pool, "jack").await, "UNCONFIRMED");
    c.confirm_sign_up()
        .client_id(&app)
        .username("jack")
        .confirmation_code(&code)
        .force_alias_creation(true)
        .send()
        .await
        .expect("forced");
    assert_eq!(status(&c, &pool, "jack").await, "CONFIRMED");
    assert_eq!(
        attribute(&c, &pool, "jack", "email_verified")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        attribute(&c, &pool, "ivy", "email_verified")
            .await
            .as_deref(),
        Some("false"),
        "the alias moved"
    );
    let t = sign_in(&c, &app, "ivy@example.com", PASSWORD).await;
    assert_eq!(claims(&t.id)["cognito:username"], "jack");
}

#[tokio::test]
async fn a_confirmation_link_confirms_the_user() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) = pool_and_client(&c, |b| {
        b.verification_message_template(
            VerificationMessageTemplateType::builder()
                .default_email_option(DefaultEmailOptionType::ConfirmWithLink)
                .build(),
        )
    })
    .await;
    sign_up(&c, &app, "kate", "kate@example.com").await;
    let m = last_message(&server, &pool, "kate");
    assert_eq!(m["subject"], "Your verification link");
    let body = m["message"].as_str().expect("body");
    assert!(
        body.starts_with("Please click the link below to verify your email address. <a href=\""),
        "{body}"
    );
    let href = body
        .split("href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link")
        .replace("&amp;", "&");
    let prefix = format!(
        "{}/confirmUser?client_id={app}&user_name=kate&confirmation_code=",
        server.url()
    );
    assert!(href.starts_with(&prefix), "{href}");
    assert!(href.ends_with(m["code"].as_str().expect("code")));
    let path = href.strip_prefix(&server.url()).expect("on the server");
    let r = server.get(path);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.body.contains("confirmed"), "{}", r.body);
    assert_eq!(status(&c, &pool, "kate").await, "CONFIRMED");
    sign_in(&c, &app, "kate", PASSWORD).await;
    // Followed again, the link is spent.
    let r = server.get(path);
    assert_eq!(r.status, 400, "{}", r.body);
    let r = server.get("/confirmUser?client_id=x");
    assert_eq!(r.status, 400, "{}", r.body);
}

#[tokio::test]
async fn a_phone_number_is_verified_by_sms_with_the_pools_sms_message() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool_with(&c, "phones", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::PhoneNumber)
            .sms_verification_message("Your phone code is {####}.")
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;
    let out = c
        .sign_up()
        .client_id(&app)
        .username("dana")
        .password(PASSWORD)
        .user_attributes(attr("phone_number", "+15555550142"))
        .send()
        .await
        .expect("sign up");
    let details = out.code_delivery_details().expect("details");
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Sms));
    assert_eq!(details.destination(), Some("+*******0142"));
    assert_eq!(details.attribute_name(), Some("phone_number"));
    let m = last_message(&server, &pool, "dana");
    assert_eq!(m["channel"], "SMS");
    assert_eq!(m["destination"], "+15555550142");
    let code = m["code"].as_str().expect("code").to_string();
    assert_eq!(m["message"], format!("Your phone code is {code}."));
    confirm(&c, &app, "dana", &code).await.expect("confirm");
    assert_eq!(
        attribute(&c, &pool, "dana", "phone_number_verified")
            .await
            .as_deref(),
        Some("true")
    );
}

#[tokio::test]
async fn the_legacy_email_verification_message_and_subject_are_used() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) = pool_and_client(&c, |b| {
        b.email_verification_message("Your legacy code is {####}")
            .email_verification_subject("Legacy subject")
    })
    .await;
    sign_up(&c, &app, "erin", "erin@example.com").await;
    let m = last_message(&server, &pool, "erin");
    assert_eq!(m["kind"], "SIGN_UP");
    assert_eq!(m["subject"], "Legacy subject");
    let code = m["code"].as_str().expect("code");
    assert_eq!(m["message"], format!("Your legacy code is {code}"));
}
