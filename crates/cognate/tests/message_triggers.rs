//! The message triggers through the Lambda Invoke API (`--lambda-endpoint`), against an
//! Invoke API started by the test: CustomMessage for each message source (its event,
//! its answer used where it keeps the placeholders, its failure reaching the caller
//! after the write), and CustomEmailSender / CustomSMSSender (the code encrypted under
//! a data key from `--kms-endpoint`, the message left to the function). That the code
//! decrypts with the AWS Encryption SDK is checked by
//! tests/interop/python/test_custom_sender.py.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    CustomEmailLambdaVersionConfigType, CustomEmailSenderLambdaVersionType,
    CustomSmsLambdaVersionConfigType, CustomSmsSenderLambdaVersionType, DeliveryMediumType,
    LambdaConfigType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::lambda::{Answer, LambdaApi};
use common::*;
use serde_json::{json, Value};

const MESSAGE: &str = "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
const EMAIL_SENDER: &str = "arn:aws:lambda:us-east-1:123456789012:function:email-sender";
const SMS_SENDER: &str = "arn:aws:lambda:us-east-1:123456789012:function:sms-sender";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

async fn sign_up(c: &Client, app: &str, name: &str) -> Result<(), (String, String)> {
    c.sign_up()
        .client_id(app)
        .username(name)
        .password(PASSWORD)
        .user_attributes(attr("email", &format!("{name}@example.com")))
        .client_metadata("lang", "fr")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| (code(&e), message(&e)))
}

#[tokio::test]
async fn custom_message_makes_each_message_and_its_failure_reaches_the_caller() {
    let api = LambdaApi::start(|_, event: &Value| {
        let mut answer = event.clone();
        let r = &mut answer["response"];
        match event["triggerSource"].as_str().unwrap_or("") {
            "CustomMessage_SignUp" => {
                r["emailSubject"] = json!("Bienvenue");
                r["emailMessage"] = json!("Bonjour {username}, votre code est {####}.");
            }
            "CustomMessage_AdminCreateUser" => {
                // No {username}: the pool's invitation is sent instead.
                r["emailMessage"] = json!("Your password is {####}");
            }
            "CustomMessage_Authentication" => {
                r["smsMessage"] = json!("Sign-in code: {####}");
            }
            "CustomMessage_ForgotPassword" => {
                return Answer {
                    status: 200,
                    function_error: true,
                    payload: json!({"errorMessage": "templates unavailable"}).to_string(),
                };
            }
            _ => {}
        }
        Answer::event(&answer)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let pool = create_pool_with(&c, "messages", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .lambda_config(LambdaConfigType::builder().custom_message(MESSAGE).build())
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;

    sign_up(&c, &app, "claire").await.expect("sign up");
    let m = last_message(&server, &pool, "claire");
    let code = m["code"].as_str().expect("code").to_string();
    assert_eq!(m["subject"], "Bienvenue");
    assert_eq!(
        m["message"],
        format!("Bonjour claire, votre code est {code}.")
    );
    let e = api.events()[0].1.clone();
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "CustomMessage_SignUp");
    assert_eq!(e["userName"], "claire");
    assert_eq!(e["callerContext"]["clientId"], app.as_str());
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["linkParameter"], "{##Click Here##}");
    assert_eq!(e["request"]["usernameParameter"], Value::Null);
    assert_eq!(
        e["request"]["userAttributes"]["email"],
        "claire@example.com"
    );
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "UNCONFIRMED"
    );
    assert_eq!(e["request"]["clientMetadata"]["lang"], "fr");
    assert_eq!(
        e["response"],
        json!({"smsMessage": null, "emailMessage": null, "emailSubject": null})
    );
    c.confirm_sign_up()
        .client_id(&app)
        .username("claire")
        .confirmation_code(&code)
        .send()
        .await
        .expect("the code in the custom message confirms");

    // ResendConfirmationCode has its own source; an unchanged answer keeps the message.
    sign_up(&c, &app, "remy").await.expect("sign up");
    c.resend_confirmation_code()
        .client_id(&app)
        .username("remy")
        .send()
        .await
        .expect("resend");
    assert_eq!(
        api.events().last().expect("event").1["triggerSource"],
        "CustomMessage_ResendCode"
    );
    let resent = last_message(&server, &pool, "remy");
    assert!(resent["message"]
        .as_str()
        .is_some_and(|b| b.contains(resent["code"].as_str().unwrap_or("-"))));

    // A changed email and a verification code asked for: their own sources.
    let t = sign_in(&c, &app, "claire", PASSWORD).await;
    c.update_user_attributes()
        .access_token(&t.access)
        .user_attributes(attr("email", "claire@new.example.com"))
        .client_metadata("lang", "de")
        .send()
        .await
        .expect("update");
    let e = api.events().last().expect("event").1.clone();
    assert_eq!(e["triggerSource"], "CustomMessage_UpdateUserAttribute");
    assert_eq!(e["request"]["clientMetadata"]["lang"], "de");
    c.get_user_attribute_verification_code()
        .access_token(&t.access)
        .attribute_name("email")
        .send()
        .await
        .expect("verification code");
    let e = api.events().last().expect("event").1.clone();
    assert_eq!(e["triggerSource"], "CustomMessage_VerifyUserAttribute");

    // An invitation needs {username}: without it the pool's invitation goes out.
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("ines")
        .user_attributes(attr("email", "ines@example.com"))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .expect("create");
    let e = api.events().last().expect("event").1.clone();
    assert_eq!(e["triggerSource"], "CustomMessage_AdminCreateUser");
    assert_eq!(e["request"]["usernameParameter"], "{username}");
    assert_eq!(e["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    let invite = last_message(&server, &pool, "ines");
    assert!(invite["message"]
        .as_str()
        .is_some_and(|b| b.contains("ines") && !b.starts_with("Your password is")));

    // The function fails: the caller is told, nothing is sent, the code stands issued.
    add_user(&c, &pool, "oscar", PASSWORD).await;
    let before = messages(&server, &pool, "oscar").len();
    let failed = c
        .forgot_password()
        .client_id(&app)
        .username("oscar")
        .send()
        .await;
    assert_eq!(
        fails(failed),
        (
            "UserLambdaValidationException".to_string(),
            "CustomMessage failed with error templates unavailable.".to_string()
        )
    );
    assert_eq!(messages(&server, &pool, "oscar").len(), before);

    // An MFA code by SMS: CustomMessage_Authentication, and its code signs in.
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(aws_sdk_cognitoidentityprovider::types::UserPoolMfaType::On)
        .sms_mfa_configuration(
            aws_sdk_cognitoidentityprovider::types::SmsMfaConfigType::builder()
                .sms_configuration(
                    aws_sdk_cognitoidentityprovider::types::SmsConfigurationType::builder()
                        .sns_caller_arn("arn:aws:iam::000000000000:role/sns")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("MFA on");
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("oscar")
        .user_attributes(attr("phone_number", "+15555550199"))
        .send()
        .await
        .expect("phone");
    let start = password_auth(&c, &app, "oscar", PASSWORD)
        .await
        .expect("MFA challenge");
    let e = api.events().last().expect("event").1.clone();
    assert_eq!(e["triggerSource"], "CustomMessage_Authentication");
    let sms = last_message(&server, &pool, "oscar");
    let code = sms["code"].as_str().expect("code").to_string();
    assert_eq!(sms["message"], format!("Sign-in code: {code}"));
    let done = respond(
        &c,
        &app,
        aws_sdk_cognitoidentityprovider::types::ChallengeNameType::SmsMfa,
        start.session(),
        params(&[("USERNAME", "oscar"), ("SMS_MFA_CODE", &code)]),
    )
    .await
    .expect("signed in");
    assert!(done.authentication_result().is_some());
}

/// A Lambda Invoke API that is also KMS: GenerateDataKey (a POST to `/`) answers a
/// fixed data key; the senders' events are recorded like any other.
fn lambda_and_kms(arn: &str, event: &Value) -> Answer {
    if arn.is_empty() {
        assert_eq!(event["KeyId"], KEY);
        assert_eq!(event["KeySpec"], "AES_256");
        return Answer {
            status: 200,
            function_error: false,
            payload: json!({
                "KeyId": KEY,
                "Plaintext": STANDARD.encode([7u8; 32]),
                "CiphertextBlob": STANDARD.encode(b"sealed-data-key"),
            })
            .to_string(),
        };
    }
    Answer::event(event)
}

#[tokio::test]
async fn custom_senders_get_the_encrypted_code_and_cognate_sends_nothing() {
    let api = LambdaApi::start(lambda_and_kms);
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url, "--kms-endpoint", &api.url]);
    let c = server.client();
    let pool = create_pool_with(&c, "senders", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .lambda_config(
                LambdaConfigType::builder()
                    .custom_message(MESSAGE)
                    .custom_email_sender(
                        CustomEmailLambdaVersionConfigType::builder()
                            .lambda_arn(EMAIL_SENDER)
                            .lambda_version(CustomEmailSenderLambdaVersionType::V10)
                            .build()
                            .expect("config"),
                    )
                    .custom_sms_sender(
                        CustomSmsLambdaVersionConfigType::builder()
                            .lambda_arn(SMS_SENDER)
                            .lambda_version(CustomSmsSenderLambdaVersionType::V10)
                            .build()
                            .expect("config"),
                    )
                    .kms_key_id(KEY)
                    .build(),
            )
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;
    sign_up(&c, &app, "sam").await.expect("sign up");
    assert!(
        messages(&server, &pool, "sam").is_empty(),
        "the function sends it"
    );
    let events = api.events();
    let kms: Vec<&Value> = events
        .iter()
        .filter(|(a, _)| a.is_empty())
        .map(|(_, e)| e)
        .collect();
    assert_eq!(kms.len(), 1);
    assert_eq!(kms[0]["EncryptionContext"], json!({"userpool-id": pool}));
    let sent: Vec<&Value> = events
        .iter()
        .filter(|(a, _)| a == EMAIL_SENDER)
        .map(|(_, e)| e)
        .collect();
    assert_eq!(sent.len(), 1);
    let e = sent[0];
    assert_eq!(e["triggerSource"], "CustomEmailSender_SignUp");
    assert_eq!(e["version"], "1");
    assert_eq!(e["userName"], "sam");
    assert_eq!(e["request"]["type"], "customEmailSenderRequestV1");
    assert_eq!(e["request"]["userAttributes"]["email"], "sam@example.com");
    assert_eq!(e["request"]["clientMetadata"]["lang"], "fr");
    let message = STANDARD
        .decode(e["request"]["code"].as_str().expect("code"))
        .expect("base64");
    assert_eq!(&message[..3], &[0x02, 0x04, 0x78], "ESDK v2, suite 0x0478");
    assert!(
        events.iter().all(|(a, _)| a != MESSAGE),
        "CustomMessage is not called where a sender is"
    );

    // The SMS sender, for an invitation by SMS.
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("tom")
        .user_attributes(attr("phone_number", "+15555550100"))
        .desired_delivery_mediums(DeliveryMediumType::Sms)
        .send()
        .await
        .expect("create");
    let e = api.events().last().expect("event").1.clone();
    assert_eq!(e["triggerSource"], "CustomSMSSender_AdminCreateUser");
    assert_eq!(e["request"]["type"], "customSMSSenderRequestV1");
    assert!(messages(&server, &pool, "tom").is_empty());

    // A sender needs the KMS key its codes are encrypted under.
    let refused = c
        .create_user_pool()
        .pool_name("no-key")
        .lambda_config(
            LambdaConfigType::builder()
                .custom_email_sender(
                    CustomEmailLambdaVersionConfigType::builder()
                        .lambda_arn(EMAIL_SENDER)
                        .lambda_version(CustomEmailSenderLambdaVersionType::V10)
                        .build()
                        .expect("config"),
                )
                .build(),
        )
        .send()
        .await;
    assert_eq!(fails(refused).0, "InvalidParameterException");
}
