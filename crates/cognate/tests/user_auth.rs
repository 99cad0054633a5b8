//! USER_AUTH, choice-based sign-in, end to end through the official Rust SDK: the
//! client's ALLOW_USER_AUTH, the pool's AllowedFirstAuthFactors, PREFERRED_CHALLENGE,
//! SELECT_CHALLENGE with AvailableChallenges, each factor (PASSWORD, PASSWORD_SRP,
//! EMAIL_OTP and SMS_OTP with codes read from `/_cognate/messages`), sign-up without a
//! password, GetUserAuthFactors and AdminGetUserAuthFactors, every refusal, and
//! NewDeviceMetadata after a passwordless sign-in where the pool tracks devices.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType as Factor, AuthFlowType, ChallengeNameType as Ch, EmailConfigurationType,
    EmailSendingAccountType, ExplicitAuthFlowsType as Flow, SignInPolicyType, SmsConfigurationType,
    SmsMfaSettingsType, UserPoolMfaType, UserPoolPolicyType, UserPoolTierType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::srp::{client_a, srp_answer};
use common::*;

const PHONE: &str = "+15555550100";

/// A pool whose first factors are `factors`, sending email (DEVELOPER) and SMS.
async fn pool_allowing(c: &Client, factors: &[Factor]) -> String {
    let factors = factors.to_vec();
    create_pool_with(c, "passwordless", move |b| {
        b.policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .set_allowed_first_auth_factors(Some(factors))
                        .build(),
                )
                .build(),
        )
        .email_configuration(
            EmailConfigurationType::builder()
                .email_sending_account(EmailSendingAccountType::Developer)
                .source_arn("arn:aws:ses:us-east-1:000000000000:identity/example.com")
                .build(),
        )
        .sms_configuration(
            SmsConfigurationType::builder()
                .sns_caller_arn("arn:aws:iam::000000000000:role/sns")
                .build(),
        )
        .auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
    })
    .await
}

/// A client allowing USER_AUTH and refresh.
async fn user_auth_client(c: &Client, pool: &str) -> String {
    app_client(c, pool, |b| {
        b.set_explicit_auth_flows(Some(vec![Flow::AllowUserAuth, Flow::AllowRefreshTokenAuth]))
    })
    .await
}

/// A server, a client of it, a pool allowing every first factor but passkeys, a
/// USER_AUTH client, and `alice` with a password and a verified email address.
async fn fixture() -> (Server, Client, String, String) {
    let server = Server::sqlite();
    let c = server.client();
    let pool = pool_allowing(&c, &[Factor::Password, Factor::EmailOtp, Factor::SmsOtp]).await;
    let app = user_auth_client(&c, &pool).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    (server, c, pool, app)
}

async fn user_auth(
    c: &Client,
    app: &str,
    pairs: &[(&str, &str)],
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    (String, String),
> {
    c.initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserAuth)
        .set_auth_parameters(Some(params(pairs)))
        .send()
        .await
        .map_err(|e| (code(&e), message(&e)))
}

fn names(list: &[Ch]) -> Vec<&str> {
    list.iter().map(|c| c.as_str()).collect()
}

async fn verified_phone(c: &Client, pool: &str, user: &str) {
    c.admin_update_user_attributes()
        .user_pool_id(pool)
        .username(user)
        .user_attributes(attr("phone_number", PHONE))
        .user_attributes(attr("phone_number_verified", "true"))
        .send()
        .await
        .expect("phone number");
}

#[tokio::test]
async fn user_auth_needs_the_clients_allow_user_auth() {
    let (_server, c, pool, _) = fixture().await;
    let password_only = app_client(&c, &pool, |b| b).await;
    let e = user_auth(&c, &password_only, &[("USERNAME", "alice")])
        .await
        .expect_err("refused");
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");
}

#[tokio::test]
async fn select_challenge_offers_what_the_pool_allows_and_the_user_has() {
    let (_server, c, pool, app) = fixture().await;
    let out = user_auth(&c, &app, &[("USERNAME", "alice")])
        .await
        .expect("select");
    assert_eq!(out.challenge_name(), Some(&Ch::SelectChallenge));
    assert!(out.session().is_some());
    // A password, and a verified email address; no phone number yet.
    assert_eq!(
        names(out.available_challenges()),
        ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    );
    let factors = c
        .admin_get_user_auth_factors()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("AdminGetUserAuthFactors");
    assert_eq!(factors.username(), "alice");
    assert_eq!(
        factors.configured_user_auth_factors(),
        [Factor::Password, Factor::EmailOtp]
    );
    // A verified phone number adds SMS codes.
    verified_phone(&c, &pool, "alice").await;
    let out = user_auth(&c, &app, &[("USERNAME", "alice")])
        .await
        .expect("select");
    assert_eq!(
        names(out.available_challenges()),
        ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
    );
    let t = tokens(
        user_auth(
            &c,
            &app,
            &[
                ("USERNAME", "alice"),
                ("PREFERRED_CHALLENGE", "PASSWORD"),
                ("PASSWORD", PASSWORD),
            ],
        )
        .await
        .expect("password")
        .authentication_result(),
    );
    let mine = c
        .get_user_auth_factors()
        .access_token(&t.access)
        .send()
        .await
        .expect("GetUserAuthFactors");
    assert_eq!(
        mine.configured_user_auth_factors(),
        [Factor::Password, Factor::EmailOtp, Factor::SmsOtp]
    );
    // An unknown user: UserNotFoundException, or with PreventUserExistenceErrors a
    // choice like a password user's, whose password answer fails as a wrong one.
    let e = user_auth(&c, &app, &[("USERNAME", "nobody")])
        .await
        .expect_err("unknown");
    assert_eq!(e.0, "UserNotFoundException");
    let hiding = app_client(&c, &pool, |b| {
        b.set_explicit_auth_flows(Some(vec![Flow::AllowUserAuth]))
            .prevent_user_existence_errors(
                aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes::Enabled,
            )
    })
    .await;
    let out = user_auth(&c, &hiding, &[("USERNAME", "nobody")])
        .await
        .expect("decoy");
    assert_eq!(
        names(out.available_challenges()),
        ["PASSWORD", "PASSWORD_SRP"]
    );
    let r = respond(
        &c,
        &hiding,
        Ch::SelectChallenge,
        out.session(),
        params(&[
            ("USERNAME", "nobody"),
            ("ANSWER", "PASSWORD"),
            ("PASSWORD", PASSWORD),
        ]),
    )
    .await;
    assert_eq!(fails(r), na(INCORRECT));
}

#[tokio::test]
async fn an_email_code_signs_in_without_mfa() {
    let (server, c, pool, app) = fixture().await;
    // SMS MFA on for alice: a password sign-in asks for it, an email code does not.
    verified_phone(&c, &pool, "alice").await;
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .sms_mfa_configuration(
            aws_sdk_cognitoidentityprovider::types::SmsMfaConfigType::builder()
                .sms_configuration(
                    SmsConfigurationType::builder()
                        .sns_caller_arn("arn:aws:iam::000000000000:role/sns")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("MFA config");
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .expect("SMS MFA");
    let out = user_auth(
        &c,
        &app,
        &[
            ("USERNAME", "alice"),
            ("PREFERRED_CHALLENGE", "PASSWORD"),
            ("PASSWORD", PASSWORD),
        ],
    )
    .await
    .expect("password");
    assert_eq!(
        out.challenge_name(),
        Some(&Ch::SmsMfa),
        "MFA follows a password"
    );

    let out = user_auth(
        &c,
        &app,
        &[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .expect("email code");
    assert_eq!(out.challenge_name(), Some(&Ch::EmailOtp));
    let p = out.challenge_parameters().expect("parameters");
    assert_eq!(p["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert_eq!(p["CODE_DELIVERY_DESTINATION"], "a***@e***");
    let code = last_auth_code(&server, "alice", Some("EMAIL")).0;
    assert_eq!(code.len(), 6);
    // A wrong code: CodeMismatchException, and the session stays answerable.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = respond(
        &c,
        &app,
        Ch::EmailOtp,
        out.session(),
        params(&[("USERNAME", "alice"), ("EMAIL_OTP_CODE", wrong)]),
    )
    .await;
    assert_eq!(fails(r).0, "CodeMismatchException");
    let done = respond(
        &c,
        &app,
        Ch::EmailOtp,
        out.session(),
        params(&[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]),
    )
    .await
    .expect("signed in");
    let t = tokens(done.authentication_result());
    assert_eq!(claims(&t.access)["username"], "alice");
    assert!(refresh(&c, &app, t.refresh.as_ref()).await.is_ok());
    // Answered once.
    let again = respond(
        &c,
        &app,
        Ch::EmailOtp,
        out.session(),
        params(&[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]),
    )
    .await;
    assert_eq!(
        fails(again).1,
        "Invalid session for the user, session can only be used once."
    );
}

#[tokio::test]
async fn an_sms_code_chosen_through_select_challenge() {
    let (server, c, pool, app) = fixture().await;
    verified_phone(&c, &pool, "alice").await;
    let out = user_auth(&c, &app, &[("USERNAME", "alice")])
        .await
        .expect("select");
    let select = out.session().expect("session").to_string();
    let sms = respond(
        &c,
        &app,
        Ch::SelectChallenge,
        Some(&select),
        params(&[("USERNAME", "alice"), ("ANSWER", "SMS_OTP")]),
    )
    .await
    .expect("SMS_OTP");
    assert_eq!(sms.challenge_name(), Some(&Ch::SmsOtp));
    let p = sms.challenge_parameters().expect("parameters");
    assert_eq!(p["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    // The choice is made once: one session, one code.
    let r = respond(
        &c,
        &app,
        Ch::SelectChallenge,
        Some(&select),
        params(&[("USERNAME", "alice"), ("ANSWER", "SMS_OTP")]),
    )
    .await;
    assert_eq!(fails(r).0, NA);
    let code = last_auth_code(&server, "alice", Some("SMS")).0;
    let done = respond(
        &c,
        &app,
        Ch::SmsOtp,
        sms.session(),
        params(&[("USERNAME", "alice"), ("SMS_OTP_CODE", &code)]),
    )
    .await
    .expect("signed in");
    tokens(done.authentication_result());
}

#[tokio::test]
async fn password_factors_through_preferred_challenge_and_select_challenge() {
    let (_server, c, pool, app) = fixture().await;
    // SELECT_CHALLENGE answered with a password: a wrong one, then the right one.
    let out = user_auth(&c, &app, &[("USERNAME", "alice")])
        .await
        .expect("select");
    let answer = |password: &str| {
        params(&[
            ("USERNAME", "alice"),
            ("ANSWER", "PASSWORD"),
            ("PASSWORD", password),
        ])
    };
    let r = respond(&c, &app, Ch::SelectChallenge, out.session(), answer(WRONG)).await;
    assert_eq!(fails(r), na(INCORRECT));
    let done = respond(
        &c,
        &app,
        Ch::SelectChallenge,
        out.session(),
        answer(PASSWORD),
    )
    .await
    .expect("password");
    tokens(done.authentication_result());
    // A password answer without the password.
    let r = respond(
        &c,
        &app,
        Ch::SelectChallenge,
        out.session(),
        params(&[("USERNAME", "alice"), ("ANSWER", "PASSWORD")]),
    )
    .await;
    assert_eq!(fails(r).0, "InvalidParameterException");

    // PASSWORD_SRP preferred, with SRP_A: PASSWORD_VERIFIER, as USER_SRP_AUTH.
    let (a, big_a) = client_a();
    let out = user_auth(
        &c,
        &app,
        &[
            ("USERNAME", "alice"),
            ("PREFERRED_CHALLENGE", "PASSWORD_SRP"),
            ("SRP_A", &big_a.to_str_radix(16)),
        ],
    )
    .await
    .expect("SRP");
    assert_eq!(out.challenge_name(), Some(&Ch::PasswordVerifier));
    let challenge = out.challenge_parameters().cloned().expect("parameters");
    let done = respond(
        &c,
        &app,
        Ch::PasswordVerifier,
        None,
        srp_answer(&pool, &a, &challenge, PASSWORD),
    )
    .await
    .expect("verified");
    tokens(done.authentication_result());
}

#[tokio::test]
async fn factors_the_pool_does_not_allow_are_neither_offered_nor_accepted() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = pool_allowing(&c, &[Factor::Password]).await;
    let app = user_auth_client(&c, &pool).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    // Preferring a factor the pool does not allow: the user chooses among the others.
    let out = user_auth(
        &c,
        &app,
        &[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .expect("select");
    assert_eq!(out.challenge_name(), Some(&Ch::SelectChallenge));
    assert_eq!(
        names(out.available_challenges()),
        ["PASSWORD", "PASSWORD_SRP"]
    );
    let r = respond(
        &c,
        &app,
        Ch::SelectChallenge,
        out.session(),
        params(&[("USERNAME", "alice"), ("ANSWER", "EMAIL_OTP")]),
    )
    .await;
    assert_eq!(fails(r).0, "InvalidParameterException");
    assert!(
        server.get("/_cognate/messages?username=alice").json()["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .all(|m| m["kind"] != "AUTHENTICATION")
    );
    // Not a challenge of USER_AUTH at all.
    let e = user_auth(
        &c,
        &app,
        &[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "SMS_MFA")],
    )
    .await
    .expect_err("refused");
    assert_eq!(e.0, "InvalidParameterException");
    // An email code for a user whose address is not verified is not offered either.
    let pool = pool_allowing(&c, &[Factor::Password, Factor::EmailOtp]).await;
    let app = user_auth_client(&c, &pool).await;
    add_user(&c, &pool, "bob", PASSWORD).await;
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("bob")
        .user_attributes(attr("email_verified", "false"))
        .send()
        .await
        .expect("unverified");
    let out = user_auth(
        &c,
        &app,
        &[("USERNAME", "bob"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .expect("select");
    assert_eq!(
        names(out.available_challenges()),
        ["PASSWORD", "PASSWORD_SRP"]
    );
    // A tampered session.
    let r = respond(
        &c,
        &app,
        Ch::SelectChallenge,
        Some("this-is-not-a-session-the-server-sealed"),
        params(&[
            ("USERNAME", "bob"),
            ("ANSWER", "PASSWORD"),
            ("PASSWORD", PASSWORD),
        ]),
    )
    .await;
    assert_eq!(fails(r), na("Invalid session for the user."));
    // A LITE pool cannot allow passwordless factors.
    let r = c
        .create_user_pool()
        .pool_name("lite")
        .user_pool_tier(UserPoolTierType::Lite)
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(Factor::Password)
                        .allowed_first_auth_factors(Factor::EmailOtp)
                        .build(),
                )
                .build(),
        )
        .send()
        .await;
    assert_eq!(fails(r).0, "FeatureUnavailableInTierException");
}

#[tokio::test]
async fn sign_up_without_a_password_then_sign_in_with_an_email_code() {
    let (server, c, pool, app) = fixture().await;
    let up = c
        .sign_up()
        .client_id(&app)
        .username("carol")
        .user_attributes(attr("email", "carol@example.com"))
        .send()
        .await
        .expect("passwordless sign-up");
    assert!(!up.user_confirmed());
    let all = server.get("/_cognate/messages?username=carol").json();
    let code = all["messages"][0]["code"]
        .as_str()
        .expect("code")
        .to_string();
    let confirmed = c
        .confirm_sign_up()
        .client_id(&app)
        .username("carol")
        .confirmation_code(&code)
        .send()
        .await
        .expect("confirmed");
    // The confirmation code stands as the first sign-in's email code: ConfirmSignUp's
    // Session signs carol in with USER_AUTH, once.
    let session = confirmed.session().expect("a session").to_string();
    let first = |session: String| {
        c.initiate_auth()
            .client_id(&app)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "carol")
            .session(session)
            .send()
    };
    let t = tokens(
        first(session.clone())
            .await
            .expect("signed in")
            .authentication_result(),
    );
    assert_eq!(claims(&t.id)["cognito:username"], "carol");
    assert_eq!(
        fails(first(session).await),
        na("Invalid session for the user, session can only be used once.")
    );
    let factors = c
        .admin_get_user_auth_factors()
        .user_pool_id(&pool)
        .username("carol")
        .send()
        .await
        .expect("factors");
    assert_eq!(factors.configured_user_auth_factors(), [Factor::EmailOtp]);
    let out = user_auth(&c, &app, &[("USERNAME", "carol")])
        .await
        .expect("select");
    assert_eq!(names(out.available_challenges()), ["EMAIL_OTP"]);
    // No password to sign in with.
    let r = user_auth(
        &c,
        &app,
        &[
            ("USERNAME", "carol"),
            ("PREFERRED_CHALLENGE", "PASSWORD"),
            ("PASSWORD", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.expect_err("no password"), na(INCORRECT));
    let otp = user_auth(
        &c,
        &app,
        &[("USERNAME", "carol"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .expect("email code");
    let code = last_auth_code(&server, "carol", Some("EMAIL")).0;
    let done = respond(
        &c,
        &app,
        Ch::EmailOtp,
        otp.session(),
        params(&[("USERNAME", "carol"), ("EMAIL_OTP_CODE", &code)]),
    )
    .await
    .expect("signed in");
    tokens(done.authentication_result());

    // A pool that allows only passwords requires one.
    let password_pool = pool_allowing(&c, &[Factor::Password]).await;
    let password_app = user_auth_client(&c, &password_pool).await;
    let r = c
        .sign_up()
        .client_id(&password_app)
        .username("dave")
        .user_attributes(attr("email", "dave@example.com"))
        .send()
        .await;
    assert_eq!(fails(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn an_email_code_sign_in_gets_new_device_metadata_where_the_pool_tracks_devices() {
    use aws_sdk_cognitoidentityprovider::types::DeviceConfigurationType;
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool_with(&c, "devices", |b| {
        b.policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(Factor::Password)
                        .allowed_first_auth_factors(Factor::EmailOtp)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(false)
                .device_only_remembered_on_user_prompt(true)
                .build(),
        )
    })
    .await;
    let app = user_auth_client(&c, &pool).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    let out = user_auth(
        &c,
        &app,
        &[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .expect("email code");
    let code = last_auth_code(&server, "alice", Some("EMAIL")).0;
    let done = respond(
        &c,
        &app,
        Ch::EmailOtp,
        out.session(),
        params(&[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]),
    )
    .await
    .expect("signed in");
    let device = done
        .authentication_result()
        .and_then(|r| r.new_device_metadata())
        .expect("NewDeviceMetadata");
    let key = device.device_key().expect("DeviceKey");
    assert!(key.starts_with("us-east-1_"), "{key}");
    assert!(device.device_group_key().is_some_and(|g| !g.is_empty()));
}
