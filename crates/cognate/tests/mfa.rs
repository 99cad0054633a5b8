//! Multi-factor sign-in end to end through the official Rust SDK: TOTP enrolment (with
//! an access token, and through MFA_SETUP's Session), SOFTWARE_TOKEN_MFA, SMS_MFA and
//! EMAIL_OTP (codes read from the outbox), SELECT_MFA_TYPE, MFA after SRP and after
//! NEW_PASSWORD_REQUIRED, the admin flows, MFA preferences and their errors. TOTP codes
//! are computed here by an implementation independent of the server's.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType as Ch, DeliveryMediumType, EmailConfigurationType,
    EmailMfaConfigType, EmailMfaSettingsType, EmailSendingAccountType, MfaOptionType,
    SmsConfigurationType, SmsMfaConfigType, SmsMfaSettingsType, SoftwareTokenMfaConfigType,
    SoftwareTokenMfaSettingsType, UserPoolMfaType, VerifySoftwareTokenResponseType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::srp::srp_sign_in;
use common::totp::{enrol, prefer_totp, step_now, totp};
use common::*;

// ---- TOTP, independently ---------------------------------------------------------------

// ---- Fixtures -----------------------------------------------------------------------

const PHONE: &str = "+15555550100";

/// A pool whose email MFA can send (EmailSendingAccount DEVELOPER).
async fn mfa_pool(c: &Client) -> String {
    create_pool_with(c, "mfa", |b| {
        b.email_configuration(
            EmailConfigurationType::builder()
                .email_sending_account(EmailSendingAccountType::Developer)
                .source_arn("arn:aws:ses:us-east-1:000000000000:identity/example.com")
                .build(),
        )
    })
    .await
}

/// SetUserPoolMfaConfig: `mode` with TOTP, SMS and email MFA as asked.
async fn configure(
    c: &Client,
    pool: &str,
    mode: UserPoolMfaType,
    sms: bool,
    totp: bool,
    email: bool,
) {
    let mut b = c
        .set_user_pool_mfa_config()
        .user_pool_id(pool)
        .mfa_configuration(mode)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(totp).build(),
        );
    if sms {
        b = b.sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message("Your code is {####}")
                .sms_configuration(
                    SmsConfigurationType::builder()
                        .sns_caller_arn("arn:aws:iam::000000000000:role/sns")
                        .build(),
                )
                .build(),
        );
    }
    if email {
        b = b.email_mfa_configuration(
            EmailMfaConfigType::builder()
                .subject("Sign-in code")
                .message("Your sign-in code is {####}")
                .build(),
        );
    }
    b.send().await.expect("SetUserPoolMfaConfig");
}

async fn add_phone(c: &Client, pool: &str, user: &str) {
    c.admin_update_user_attributes()
        .user_pool_id(pool)
        .username(user)
        .user_attributes(attr("phone_number", PHONE))
        .send()
        .await
        .expect("phone number");
}

fn code_answer(user: &str, name: &str, code: &str) -> Params {
    params(&[("USERNAME", user), (name, code)])
}

// ---- TOTP ---------------------------------------------------------------------------

#[tokio::test]
async fn totp_enrolment_with_an_access_token_then_totp_sign_in() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    // The pool does not offer TOTP yet.
    let r = c
        .associate_software_token()
        .access_token(&t.access)
        .send()
        .await;
    assert_eq!(fails(r).0, "SoftwareTokenMFANotFoundException");
    configure(&c, &pool, UserPoolMfaType::Optional, false, true, false).await;
    // Optional MFA and nothing enabled: the tokens straight away.
    let t = sign_in(&c, &app, "alice", PASSWORD).await;

    let secret = c
        .associate_software_token()
        .access_token(&t.access)
        .send()
        .await
        .expect("associate")
        .secret_code()
        .expect("secret")
        .to_string();
    assert_eq!(secret.len(), 52, "{secret}");
    assert!(secret
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
    // Not verified yet: TOTP cannot be enabled.
    let r = c
        .set_user_mfa_preference()
        .access_token(&t.access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await;
    assert_eq!(
        fails(r),
        (
            "InvalidParameterException".into(),
            "User has not verified software token mfa".into()
        )
    );
    // A wrong code.
    let wrong = format!(
        "{:06}",
        (totp(&secret, step_now()).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let r = c
        .verify_software_token()
        .access_token(&t.access)
        .user_code(&wrong)
        .send()
        .await;
    assert_eq!(
        fails(r),
        (
            "EnableSoftwareTokenMFAException".into(),
            "Code mismatch".into()
        )
    );
    let step = step_now();
    let out = c
        .verify_software_token()
        .access_token(&t.access)
        .user_code(totp(&secret, step))
        .send()
        .await
        .expect("verify");
    assert_eq!(
        out.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    assert!(out.session().is_none());
    // Verified, not yet enabled (SetUserMFAPreference does that).
    let u = c
        .get_user()
        .access_token(&t.access)
        .send()
        .await
        .expect("GetUser");
    assert!(u.user_mfa_setting_list().is_empty());
    assert_eq!(u.preferred_mfa_setting(), None);
    prefer_totp(&c, &t.access).await;
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("AdminGetUser");
    assert_eq!(u.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
    assert_eq!(u.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    assert!(u.mfa_options().is_empty());

    // Sign-in: SOFTWARE_TOKEN_MFA.
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::SoftwareTokenMfa));
    assert!(out.authentication_result().is_none());
    let p = out.challenge_parameters().expect("parameters");
    assert_eq!(p["USER_ID_FOR_SRP"], "alice");
    let session = out.session().expect("Session").to_string();
    // The code that verified the token is not accepted again.
    let replay = code_answer("alice", "SOFTWARE_TOKEN_MFA_CODE", &totp(&secret, step));
    let r = respond(&c, &app, Ch::SoftwareTokenMfa, Some(&session), replay).await;
    assert_eq!(
        fails(r),
        (
            "CodeMismatchException".into(),
            "Invalid code or auth state for the user.".into()
        )
    );
    // The same session takes a right code: the next step's (within the skew).
    let next = totp(&secret, step + 1);
    let answer = code_answer("alice", "SOFTWARE_TOKEN_MFA_CODE", &next);
    let out = respond(
        &c,
        &app,
        Ch::SoftwareTokenMfa,
        Some(&session),
        answer.clone(),
    )
    .await;
    let t = tokens(out.expect("SOFTWARE_TOKEN_MFA").authentication_result());
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".to_string()));
    // A session is answered once.
    let again = respond(
        &c,
        &app,
        Ch::SoftwareTokenMfa,
        Some(&session),
        answer.clone(),
    )
    .await;
    assert_eq!(
        fails(again),
        na("Invalid session for the user, session can only be used once.")
    );
    // The same code in a new sign-in (same step): refused.
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    let session = out.session().expect("Session").to_string();
    let r = respond(&c, &app, Ch::SoftwareTokenMfa, Some(&session), answer).await;
    assert_eq!(fails(r).0, "CodeMismatchException");

    // Another user's code is not alice's.
    add_user(&c, &pool, "bob", PASSWORD).await;
    let bt = sign_in(&c, &app, "bob", PASSWORD).await;
    let (bob_secret, _) = enrol(&c, &bt.access).await;
    let bob_code = totp(&bob_secret, step_now() + 1);
    let r = respond(
        &c,
        &app,
        Ch::SoftwareTokenMfa,
        Some(&session),
        code_answer("alice", "SOFTWARE_TOKEN_MFA_CODE", &bob_code),
    )
    .await;
    assert_eq!(fails(r).0, "CodeMismatchException");

    // The admin flows: AdminInitiateAuth and AdminRespondToAuthChallenge.
    c.admin_delete_software_token()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("delete");
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("get");
    assert!(u.user_mfa_setting_list().is_empty());
    assert_eq!(u.preferred_mfa_setting(), None);
    // Without its token alice signs in with the password alone (MFA optional).
    sign_in(&c, &app, "alice", PASSWORD).await;
    prefer_totp(&c, &bt.access).await;
    let admin_app = app_client(&c, &pool, |b| {
        b.explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
    })
    .await;
    let out = c
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&admin_app)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .set_auth_parameters(Some(params(&[("USERNAME", "bob"), ("PASSWORD", PASSWORD)])))
        .send()
        .await
        .expect("AdminInitiateAuth");
    assert_eq!(out.challenge_name(), Some(&Ch::SoftwareTokenMfa));
    assert_eq!(
        out.challenge_parameters().expect("p")["FRIENDLY_DEVICE_NAME"],
        "phone"
    );
    let out = c
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&admin_app)
        .challenge_name(Ch::SoftwareTokenMfa)
        .set_session(out.session().map(str::to_string))
        .set_challenge_responses(Some(code_answer(
            "bob",
            "SOFTWARE_TOKEN_MFA_CODE",
            &totp(&bob_secret, step_now() + 1),
        )))
        .send()
        .await
        .expect("AdminRespondToAuthChallenge");
    assert!(out.authentication_result().is_some());
}

#[tokio::test]
async fn totp_enrolment_through_mfa_setup() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    configure(&c, &pool, UserPoolMfaType::On, false, true, false).await;
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::MfaSetup));
    let p = out.challenge_parameters().expect("parameters");
    assert_eq!(p["MFAS_CAN_SETUP"], "[\"SOFTWARE_TOKEN_MFA\"]");
    let first = out.session().expect("Session").to_string();
    // MFA_SETUP cannot be answered before a token is verified.
    let r = respond(
        &c,
        &app,
        Ch::MfaSetup,
        Some(&first),
        params(&[("USERNAME", "alice")]),
    )
    .await;
    assert_eq!(fails(r).0, "InvalidParameterException");

    let out = c
        .associate_software_token()
        .session(&first)
        .send()
        .await
        .expect("associate");
    let secret = out.secret_code().expect("secret").to_string();
    let session = out.session().expect("a new Session").to_string();
    assert_ne!(session, first);
    let r = c
        .verify_software_token()
        .session(&session)
        .user_code("000000")
        .send()
        .await;
    if totp(&secret, step_now()) != "000000" {
        assert_eq!(fails(r).0, "EnableSoftwareTokenMFAException");
    }
    let step = step_now();
    let out = c
        .verify_software_token()
        .session(&session)
        .user_code(totp(&secret, step))
        .friendly_device_name("laptop")
        .send()
        .await
        .expect("verify");
    assert_eq!(
        out.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    let verified = out.session().expect("a Session for MFA_SETUP").to_string();
    // The associate session is spent.
    let r = c
        .verify_software_token()
        .session(&session)
        .user_code(totp(&secret, step))
        .send()
        .await;
    assert_eq!(fails(r).0, NA);
    let answer = params(&[("USERNAME", "alice")]);
    let out = respond(&c, &app, Ch::MfaSetup, Some(&verified), answer.clone()).await;
    let t = tokens(out.expect("MFA_SETUP").authentication_result());
    let u = c
        .get_user()
        .access_token(&t.access)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(u.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
    assert_eq!(u.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    let again = respond(&c, &app, Ch::MfaSetup, Some(&verified), answer).await;
    assert_eq!(fails(again).0, NA);
    // Next sign-in: the token.
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::SoftwareTokenMfa));
    let answer = code_answer("alice", "SOFTWARE_TOKEN_MFA_CODE", &totp(&secret, step + 1));
    let out = respond(&c, &app, Ch::SoftwareTokenMfa, out.session(), answer).await;
    assert!(out.expect("TOTP").authentication_result().is_some());
}

// ---- SMS and email ----------------------------------------------------------------------

#[tokio::test]
async fn sms_mfa_sign_in_with_the_code_sent() {
    let (server, c, pool, app) = sign_in_fixture().await;
    configure(&c, &pool, UserPoolMfaType::Optional, true, false, false).await;
    add_phone(&c, &pool, "alice").await;
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .expect("AdminSetUserMFAPreference");
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::SmsMfa));
    let p = out.challenge_parameters().expect("parameters");
    assert_eq!(p["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert_eq!(p["CODE_DELIVERY_DESTINATION"], "+*******0100");
    let session = out.session().expect("Session").to_string();
    let (code, m) = last_auth_code(&server, "alice", None);
    assert_eq!(m["channel"], "SMS");
    assert_eq!(m["destination"], PHONE);
    assert_eq!(m["message"], format!("Your code is {code}"));
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let r = respond(
        &c,
        &app,
        Ch::SmsMfa,
        Some(&session),
        code_answer("alice", "SMS_MFA_CODE", &wrong),
    )
    .await;
    assert_eq!(fails(r).0, "CodeMismatchException");
    let answer = code_answer("alice", "SMS_MFA_CODE", &code);
    let out = respond(&c, &app, Ch::SmsMfa, Some(&session), answer.clone()).await;
    assert!(out.expect("SMS_MFA").authentication_result().is_some());
    let r = respond(&c, &app, Ch::SmsMfa, Some(&session), answer).await;
    assert_eq!(fails(r).0, NA);
    // A code is bound to its challenge: an earlier code does not answer a new one.
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    let r = respond(
        &c,
        &app,
        Ch::SmsMfa,
        out.session(),
        code_answer("alice", "SMS_MFA_CODE", &code),
    )
    .await;
    let (fresh, _) = last_auth_code(&server, "alice", None);
    if fresh != code {
        assert_eq!(fails(r).0, "CodeMismatchException");
    }
    // The answer must name the challenge its session is for.
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    let r = respond(
        &c,
        &app,
        Ch::SoftwareTokenMfa,
        out.session(),
        code_answer("alice", "SOFTWARE_TOKEN_MFA_CODE", "123456"),
    )
    .await;
    assert_eq!(fails(r), na("Invalid session for the user."));
}

#[tokio::test]
async fn email_otp_sign_in_with_the_code_sent() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = mfa_pool(&c).await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "carol", PASSWORD).await;
    let t = sign_in(&c, &app, "carol", PASSWORD).await;
    // The pool's email MFA is off: email MFA cannot be enabled.
    configure(&c, &pool, UserPoolMfaType::Optional, false, true, false).await;
    let email_on = || {
        EmailMfaSettingsType::builder()
            .enabled(true)
            .preferred_mfa(true)
            .build()
    };
    let r = c
        .set_user_mfa_preference()
        .access_token(&t.access)
        .email_mfa_settings(email_on())
        .send()
        .await;
    assert_eq!(fails(r).0, "InvalidParameterException");
    configure(&c, &pool, UserPoolMfaType::Optional, false, true, true).await;
    c.set_user_mfa_preference()
        .access_token(&t.access)
        .email_mfa_settings(email_on())
        .send()
        .await
        .expect("email MFA");
    let out = password_auth(&c, &app, "carol", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::EmailOtp));
    let p = out.challenge_parameters().expect("parameters");
    assert_eq!(p["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert_eq!(p["CODE_DELIVERY_DESTINATION"], "c***@e***");
    let (code, m) = last_auth_code(&server, "carol", None);
    assert_eq!(m["channel"], "EMAIL");
    assert_eq!(m["subject"], "Sign-in code");
    assert_eq!(m["message"], format!("Your sign-in code is {code}"));
    let out = respond(
        &c,
        &app,
        Ch::EmailOtp,
        out.session(),
        code_answer("carol", "EMAIL_OTP_CODE", &code),
    )
    .await;
    assert!(out.expect("EMAIL_OTP").authentication_result().is_some());
}

#[tokio::test]
async fn select_mfa_type_when_several_factors_are_enabled() {
    let (server, c, pool, app) = sign_in_fixture().await;
    configure(&c, &pool, UserPoolMfaType::Optional, true, true, false).await;
    add_phone(&c, &pool, "alice").await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let (secret, step) = enrol(&c, &t.access).await;
    c.set_user_mfa_preference()
        .access_token(&t.access)
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await
        .expect("both");
    let u = c
        .get_user()
        .access_token(&t.access)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(u.user_mfa_setting_list(), ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]);
    assert_eq!(u.preferred_mfa_setting(), None);

    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::SelectMfaType));
    let p = out.challenge_parameters().expect("parameters");
    assert_eq!(p["MFAS_CAN_CHOOSE"], "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]");
    let select = out.session().expect("Session").to_string();
    let bad = respond(
        &c,
        &app,
        Ch::SelectMfaType,
        Some(&select),
        params(&[("USERNAME", "alice"), ("ANSWER", "EMAIL_OTP")]),
    )
    .await;
    assert_eq!(fails(bad).0, "InvalidParameterException");
    let choose = params(&[("USERNAME", "alice"), ("ANSWER", "SMS_MFA")]);
    let out = respond(&c, &app, Ch::SelectMfaType, Some(&select), choose.clone())
        .await
        .expect("chosen");
    assert_eq!(out.challenge_name(), Some(&Ch::SmsMfa));
    let (code, _) = last_auth_code(&server, "alice", None);
    let done = respond(
        &c,
        &app,
        Ch::SmsMfa,
        out.session(),
        code_answer("alice", "SMS_MFA_CODE", &code),
    )
    .await;
    assert!(done.expect("SMS").authentication_result().is_some());
    let again = respond(&c, &app, Ch::SelectMfaType, Some(&select), choose).await;
    assert_eq!(fails(again).0, NA);

    // Choosing the token.
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    let choose = params(&[("USERNAME", "alice"), ("ANSWER", "SOFTWARE_TOKEN_MFA")]);
    let out = respond(&c, &app, Ch::SelectMfaType, out.session(), choose)
        .await
        .expect("chosen");
    assert_eq!(out.challenge_name(), Some(&Ch::SoftwareTokenMfa));
    let done = respond(
        &c,
        &app,
        Ch::SoftwareTokenMfa,
        out.session(),
        code_answer("alice", "SOFTWARE_TOKEN_MFA_CODE", &totp(&secret, step + 1)),
    )
    .await;
    assert!(done.expect("TOTP").authentication_result().is_some());
    // A preference ends the choice.
    prefer_totp(&c, &t.access).await;
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::SoftwareTokenMfa));
}

// ---- After SRP, after a new password ------------------------------------------------

#[tokio::test]
async fn mfa_after_srp_and_after_a_new_password() {
    let (server, c, pool, app) = sign_in_fixture().await;
    configure(&c, &pool, UserPoolMfaType::On, true, true, false).await;
    // MFA required, SMS sent, and a phone number: SMS_MFA, after SRP too.
    add_phone(&c, &pool, "alice").await;
    let out = srp_sign_in(&c, &pool, &app, "alice", PASSWORD).await;
    assert_eq!(out.challenge_name(), Some(&Ch::SmsMfa));
    let (code, _) = last_auth_code(&server, "alice", None);
    let done = respond(
        &c,
        &app,
        Ch::SmsMfa,
        out.session(),
        code_answer("alice", "SMS_MFA_CODE", &code),
    )
    .await;
    assert!(done.expect("SMS").authentication_result().is_some());

    // A temporary password: NEW_PASSWORD_REQUIRED, then the MFA challenge.
    create_user(&c, &pool, "dave", Some("Temp0rary!")).await;
    add_phone(&c, &pool, "dave").await;
    let out = password_auth(&c, &app, "dave", "Temp0rary!")
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::NewPasswordRequired));
    let answer = params(&[("USERNAME", "dave"), ("NEW_PASSWORD", NEW_PASSWORD)]);
    let out = respond(&c, &app, Ch::NewPasswordRequired, out.session(), answer)
        .await
        .expect("new password");
    assert_eq!(out.challenge_name(), Some(&Ch::SmsMfa));
    let (code, _) = last_auth_code(&server, "dave", None);
    let done = respond(
        &c,
        &app,
        Ch::SmsMfa,
        out.session(),
        code_answer("dave", "SMS_MFA_CODE", &code),
    )
    .await;
    assert!(done.expect("SMS").authentication_result().is_some());
    // The new password was kept.
    let out = password_auth(&c, &app, "dave", NEW_PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(out.challenge_name(), Some(&Ch::SmsMfa));

    // Without a phone number: MFA_SETUP, after SRP too.
    add_user(&c, &pool, "erin", PASSWORD).await;
    let out = srp_sign_in(&c, &pool, &app, "erin", PASSWORD).await;
    assert_eq!(out.challenge_name(), Some(&Ch::MfaSetup));
    assert_eq!(
        out.challenge_parameters().expect("p")["MFAS_CAN_SETUP"],
        "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"
    );
}

// ---- Preferences, settings, limits ----------------------------------------------------

#[tokio::test]
async fn preferences_and_settings_errors_and_legacy_mfa_options() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    configure(&c, &pool, UserPoolMfaType::Optional, true, true, false).await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let sms_on = || SmsMfaSettingsType::builder().enabled(true).build();
    // No phone number.
    let r = c
        .set_user_mfa_preference()
        .access_token(&t.access)
        .sms_mfa_settings(sms_on())
        .send()
        .await;
    assert_eq!(
        fails(r),
        (
            "InvalidParameterException".into(),
            "User does not have delivery config set to turn on SMS_MFA".into()
        )
    );
    let r = c
        .set_user_settings()
        .access_token(&t.access)
        .mfa_options(
            MfaOptionType::builder()
                .delivery_medium(DeliveryMediumType::Sms)
                .attribute_name("phone_number")
                .build(),
        )
        .send()
        .await;
    assert_eq!(fails(r).0, "InvalidParameterException");
    add_phone(&c, &pool, "alice").await;
    // Two preferred.
    let (_secret, _) = enrol(&c, &t.access).await;
    let r = c
        .set_user_mfa_preference()
        .access_token(&t.access)
        .sms_mfa_settings(
            SmsMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await;
    assert_eq!(fails(r).0, "InvalidParameterException");
    // Nothing was changed by the refused calls.
    let u = c
        .get_user()
        .access_token(&t.access)
        .send()
        .await
        .expect("GetUser");
    assert!(u.user_mfa_setting_list().is_empty());
    // Legacy MFAOptions: SMS.
    c.set_user_settings()
        .access_token(&t.access)
        .mfa_options(
            MfaOptionType::builder()
                .delivery_medium(DeliveryMediumType::Sms)
                .attribute_name("phone_number")
                .build(),
        )
        .send()
        .await
        .expect("SetUserSettings");
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("get");
    assert_eq!(u.user_mfa_setting_list(), ["SMS_MFA"]);
    let o = &u.mfa_options()[0];
    assert_eq!(o.delivery_medium(), Some(&DeliveryMediumType::Sms));
    assert_eq!(o.attribute_name(), Some("phone_number"));
    let r = c
        .admin_set_user_settings()
        .user_pool_id(&pool)
        .username("alice")
        .mfa_options(
            MfaOptionType::builder()
                .delivery_medium(DeliveryMediumType::Email)
                .attribute_name("email")
                .build(),
        )
        .send()
        .await;
    assert_eq!(fails(r).0, "InvalidParameterException");
    c.admin_set_user_settings()
        .user_pool_id(&pool)
        .username("alice")
        .set_mfa_options(Some(vec![]))
        .send()
        .await
        .expect("AdminSetUserSettings");
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("get");
    assert!(u.user_mfa_setting_list().is_empty());
    assert!(u.mfa_options().is_empty());
    // Preferring and unpreferring.
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(
            SmsMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .expect("prefer SMS");
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("get");
    assert_eq!(u.preferred_mfa_setting(), Some("SMS_MFA"));
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(false).build())
        .send()
        .await
        .expect("SMS off");
    let u = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("get");
    assert_eq!(u.preferred_mfa_setting(), None);
    assert!(u.user_mfa_setting_list().is_empty());
    // Unknown user.
    let r = c
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("nobody")
        .sms_mfa_settings(sms_on())
        .send()
        .await;
    assert_eq!(fails(r).0, "UserNotFoundException");
}

#[tokio::test]
async fn wrong_mfa_codes_count_toward_the_lockout() {
    let (server, c, pool, app) = sign_in_fixture().await;
    configure(&c, &pool, UserPoolMfaType::On, true, false, false).await;
    add_phone(&c, &pool, "alice").await;
    let out = password_auth(&c, &app, "alice", PASSWORD)
        .await
        .expect("sign in");
    let session = out.session().expect("Session").to_string();
    let (code, _) = last_auth_code(&server, "alice", None);
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    for _ in 0..5 {
        let r = respond(
            &c,
            &app,
            Ch::SmsMfa,
            Some(&session),
            code_answer("alice", "SMS_MFA_CODE", &wrong),
        )
        .await;
        assert_eq!(fails(r).0, "CodeMismatchException");
    }
    // Locked out: even the right code is refused now.
    let r = respond(
        &c,
        &app,
        Ch::SmsMfa,
        Some(&session),
        code_answer("alice", "SMS_MFA_CODE", &code),
    )
    .await;
    assert_eq!(fails(r), na("Password attempts exceeded"));
}
