//! Lambda triggers through the Lambda Invoke API (`--lambda-endpoint`), against an
//! Invoke API started by the test that records each event and answers as scripted:
//! PreSignUp on SignUp (the event's fields as AWS documents them; autoConfirmUser and
//! autoVerifyEmail honoured) and its failures (a function that throws, answers garbage,
//! takes longer than 5 seconds, or no endpoint at all), each leaving no user behind;
//! PreSignUp on AdminCreateUser; and PostConfirmation after ConfirmSignUp,
//! AdminConfirmSignUp and ConfirmForgotPassword, whose failure reaches the caller while
//! the user stays confirmed.

mod common;

use aws_sdk_cognitoidentityprovider::types::LambdaConfigType;
use common::lambda::{Answer, LambdaApi};
use common::*;
use serde_json::{json, Value};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up";

async fn pool_with_trigger(c: &aws_sdk_cognitoidentityprovider::Client) -> (String, String) {
    let pool = create_pool_with(c, "triggers", |b| {
        b.auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .lambda_config(LambdaConfigType::builder().pre_sign_up(ARN).build())
    })
    .await;
    let client = app_client(c, &pool, |b| b).await;
    (pool, client)
}

async fn sign_up(
    c: &aws_sdk_cognitoidentityprovider::Client,
    client: &str,
    name: &str,
) -> Result<bool, (String, String)> {
    c.sign_up()
        .client_id(client)
        .username(name)
        .password("Passw0rd!x")
        .user_attributes(attr("email", &format!("{name}@example.com")))
        .validation_data(attr("invite", "abc"))
        .client_metadata("source", "test")
        .send()
        .await
        .map(|r| r.user_confirmed())
        .map_err(|e| (code(&e), message(&e)))
}

#[tokio::test]
async fn pre_sign_up_gets_awss_event_and_its_answer_confirms_the_user() {
    let api = LambdaApi::start(|_, event: &Value| {
        let mut answer = event.clone();
        if event["userName"] == "auto" {
            answer["response"]["autoConfirmUser"] = json!(true);
            answer["response"]["autoVerifyEmail"] = json!(true);
        }
        Answer::event(&answer)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, client) = pool_with_trigger(&c).await;

    assert_eq!(sign_up(&c, &client, "plain").await, Ok(false));
    let events = api.events();
    assert_eq!(events.len(), 1);
    let (arn, e) = &events[0];
    assert_eq!(arn, ARN);
    assert_eq!(e["version"], "1");
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["userPoolId"], pool.as_str());
    assert_eq!(e["userName"], "plain");
    assert_eq!(e["triggerSource"], "PreSignUp_SignUp");
    assert_eq!(e["callerContext"]["clientId"], client.as_str());
    assert!(e["callerContext"]["awsSdkVersion"].is_string());
    assert_eq!(e["request"]["userAttributes"]["email"], "plain@example.com");
    assert_eq!(e["request"]["validationData"]["invite"], "abc");
    assert_eq!(e["request"]["clientMetadata"]["source"], "test");
    assert_eq!(
        e["response"],
        json!({"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false})
    );
    let plain = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("plain")
        .send()
        .await
        .expect("user");
    assert_eq!(plain.user_status().map(|s| s.as_str()), Some("UNCONFIRMED"));
    assert_eq!(
        server
            .get(&format!(
                "/_cognate/messages?userPoolId={pool}&username=plain"
            ))
            .json()["messages"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // autoConfirmUser and autoVerifyEmail: confirmed, verified, no code sent.
    assert_eq!(sign_up(&c, &client, "auto").await, Ok(true));
    let auto = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("auto")
        .send()
        .await
        .expect("user");
    assert_eq!(auto.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    assert!(auto
        .user_attributes()
        .iter()
        .any(|a| a.name() == "email_verified" && a.value() == Some("true")));
    assert_eq!(
        server
            .get(&format!(
                "/_cognate/messages?userPoolId={pool}&username=auto"
            ))
            .json()["messages"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let signed_in = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "auto")
        .auth_parameters("PASSWORD", "Passw0rd!x")
        .send()
        .await
        .expect("an auto-confirmed user signs in");
    assert!(signed_in.authentication_result().is_some());
}

#[tokio::test]
async fn a_failing_trigger_fails_sign_up_as_aws_does_and_creates_no_user() {
    let api = LambdaApi::start(|_, event: &Value| match event["userName"].as_str() {
        Some("thrower") => Answer {
            status: 200,
            function_error: true,
            payload: json!({"errorType": "Error", "errorMessage": "Invitation required"})
                .to_string(),
        },
        Some("garbage") => Answer {
            status: 200,
            function_error: false,
            payload: "not json".into(),
        },
        Some("slow") => {
            // Past AWS's 5 seconds.
            std::thread::sleep(std::time::Duration::from_secs(6));
            Answer::event(event)
        }
        _ => Answer {
            status: 500,
            function_error: false,
            payload: "{}".into(),
        },
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, client) = pool_with_trigger(&c).await;
    assert_eq!(
        sign_up(&c, &client, "thrower").await,
        Err((
            "UserLambdaValidationException".into(),
            "PreSignUp failed with error Invitation required.".into()
        ))
    );
    assert_eq!(
        sign_up(&c, &client, "garbage").await.map_err(|e| e.0),
        Err("InvalidLambdaResponseException".into())
    );
    let started = std::time::Instant::now();
    assert_eq!(
        sign_up(&c, &client, "slow").await,
        Err((
            "UnexpectedLambdaException".into(),
            "PreSignUp invocation failed due to error TimeoutException.".into()
        ))
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "the call gives up at 5 s"
    );
    let before = api.events().len();
    assert_eq!(
        sign_up(&c, &client, "broken").await.map_err(|e| e.0),
        Err("UnexpectedLambdaException".into())
    );
    assert_eq!(api.events().len() - before, 3, "a 500 is tried three times");
    let users = c
        .list_users()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("list");
    assert!(users.users().is_empty(), "no user is left behind");

    // No --lambda-endpoint: the pool's trigger cannot be called.
    let bare = Server::sqlite();
    let c = bare.client();
    let (_, client) = pool_with_trigger(&c).await;
    assert_eq!(
        sign_up(&c, &client, "anyone").await.map_err(|e| e.0),
        Err("UnexpectedLambdaException".into())
    );
}

const POST_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:post-confirmation";

#[tokio::test]
async fn admin_create_user_calls_pre_sign_up_and_its_verification_flags_apply() {
    let api = LambdaApi::start(|_, event: &Value| {
        let mut answer = event.clone();
        answer["response"]["autoVerifyEmail"] = json!(true);
        Answer::event(&answer)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, _) = pool_with_trigger(&c).await;
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("invited")
        .user_attributes(attr("email", "invited@example.com"))
        .client_metadata("by", "admin")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("create");
    let events = api.events();
    assert_eq!(events.len(), 1);
    let e = &events[0].1;
    assert_eq!(e["triggerSource"], "PreSignUp_AdminCreateUser");
    assert_eq!(e["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    assert_eq!(e["request"]["clientMetadata"]["by"], "admin");
    let user = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("invited")
        .send()
        .await
        .expect("user");
    assert!(user
        .user_attributes()
        .iter()
        .any(|a| a.name() == "email_verified" && a.value() == Some("true")));
    assert_eq!(
        user.user_status().map(|s| s.as_str()),
        Some("FORCE_CHANGE_PASSWORD")
    );
}

#[tokio::test]
async fn post_confirmation_follows_each_confirmation_and_a_failure_leaves_the_user_confirmed() {
    let api = LambdaApi::start(|_, event: &Value| {
        if event["userName"] == "unlucky" {
            return Answer {
                status: 200,
                function_error: true,
                payload: json!({"errorMessage": "provisioning failed"}).to_string(),
            };
        }
        Answer::event(event)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let pool = create_pool_with(&c, "post", |b| {
        b.auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .lambda_config(
            LambdaConfigType::builder()
                .post_confirmation(POST_ARN)
                .build(),
        )
    })
    .await;
    let client = app_client(&c, &pool, |b| b).await;
    let sources = |api: &LambdaApi| -> Vec<String> {
        api.events()
            .iter()
            .map(|(_, e)| {
                format!(
                    "{} {}",
                    e["triggerSource"].as_str().unwrap_or(""),
                    e["userName"].as_str().unwrap_or("")
                )
            })
            .collect()
    };

    // ConfirmSignUp with the emailed code.
    assert_eq!(sign_up(&c, &client, "carol").await, Ok(false));
    assert!(
        api.events().is_empty(),
        "no PreSignUp configured, nothing called yet"
    );
    let code = last_code(&server, &pool, "carol");
    c.confirm_sign_up()
        .client_id(&client)
        .username("carol")
        .confirmation_code(code)
        .client_metadata("step", "confirm")
        .send()
        .await
        .expect("confirm");
    let events = api.events();
    let e = &events[0].1;
    assert_eq!(events[0].0, POST_ARN);
    assert_eq!(e["triggerSource"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert_eq!(e["request"]["userAttributes"]["email"], "carol@example.com");
    assert!(e["request"]["userAttributes"]["sub"].is_string());
    assert_eq!(e["request"]["clientMetadata"]["step"], "confirm");
    assert_eq!(e["callerContext"]["clientId"], client.as_str());

    // AdminConfirmSignUp, then ConfirmForgotPassword.
    assert_eq!(sign_up(&c, &client, "dan").await, Ok(false));
    c.admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("dan")
        .send()
        .await
        .expect("admin confirm");
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("dan")
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect("verify email");
    c.forgot_password()
        .client_id(&client)
        .username("dan")
        .send()
        .await
        .expect("forgot");
    let code = last_code(&server, &pool, "dan");
    c.confirm_forgot_password()
        .client_id(&client)
        .username("dan")
        .confirmation_code(code)
        .password("N3w-Passw0rd!")
        .send()
        .await
        .expect("confirm forgot");
    assert_eq!(
        sources(&api),
        [
            "PostConfirmation_ConfirmSignUp carol",
            "PostConfirmation_ConfirmSignUp dan",
            "PostConfirmation_ConfirmForgotPassword dan",
        ]
    );

    // The function fails: the caller is told, the user is confirmed all the same.
    assert_eq!(sign_up(&c, &client, "unlucky").await, Ok(false));
    let code = last_code(&server, &pool, "unlucky");
    let failed = c
        .confirm_sign_up()
        .client_id(&client)
        .username("unlucky")
        .confirmation_code(code)
        .send()
        .await;
    assert_eq!(
        fails(failed),
        (
            "UserLambdaValidationException".to_string(),
            "PostConfirmation failed with error provisioning failed.".to_string()
        )
    );
    let user = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("unlucky")
        .send()
        .await
        .expect("user");
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
}
