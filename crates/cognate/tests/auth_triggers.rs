//! The sign-in's triggers through the Lambda Invoke API (`--lambda-endpoint`), against
//! an Invoke API started by the test that records each event and answers as scripted:
//! PreAuthentication and PostAuthentication around a sign-in; PreTokenGeneration in
//! its three versions (ID token, access token and scopes, the client-credentials
//! grant) and its trigger sources, refresh among them; CUSTOM_AUTH with
//! DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse, alone and
//! after SRP; UserMigration on sign-in and on a forgotten password.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, LambdaConfigType,
    PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType,
    ResourceServerScopeType, UserPoolTierType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::lambda::{Answer, LambdaApi};
use common::*;
use serde_json::{json, Value};

const PRE_AUTH: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-auth";
const POST_AUTH: &str = "arn:aws:lambda:us-east-1:123456789012:function:post-auth";
const PRE_TOKEN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-token";
const DEFINE: &str = "arn:aws:lambda:us-east-1:123456789012:function:define";
const CREATE: &str = "arn:aws:lambda:us-east-1:123456789012:function:create";
const VERIFY: &str = "arn:aws:lambda:us-east-1:123456789012:function:verify";
const MIGRATE: &str = "arn:aws:lambda:us-east-1:123456789012:function:migrate";

fn thrown(message: &str) -> Answer {
    Answer {
        status: 200,
        function_error: true,
        payload: json!({"errorType": "Error", "errorMessage": message}).to_string(),
    }
}

/// The events sent to `arn`.
fn events_of(api: &LambdaApi, arn: &str) -> Vec<Value> {
    api.events()
        .into_iter()
        .filter(|(a, _)| a == arn)
        .map(|(_, e)| e)
        .collect()
}

async fn pool_with(c: &Client, config: LambdaConfigType) -> (String, String) {
    let pool = create_pool_with(c, "triggers", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .lambda_config(config)
    })
    .await;
    let app = app_client(c, &pool, |b| {
        b.explicit_auth_flows(ExplicitAuthFlowsType::AllowCustomAuth)
    })
    .await;
    (pool, app)
}

#[tokio::test]
async fn pre_and_post_authentication_surround_a_sign_in() {
    let api = LambdaApi::start(|arn, event: &Value| {
        let user = event["userName"].as_str().unwrap_or("");
        match (arn, user) {
            (PRE_AUTH, "blocked") => thrown("Not allowed"),
            (POST_AUTH, "audited") => thrown("Audit store down"),
            _ => Answer::event(event),
        }
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, app) = pool_with(
        &c,
        LambdaConfigType::builder()
            .pre_authentication(PRE_AUTH)
            .post_authentication(POST_AUTH)
            .build(),
    )
    .await;
    for name in ["alice", "blocked", "audited"] {
        add_user(&c, &pool, name, PASSWORD).await;
    }
    let out = c
        .initiate_auth()
        .client_id(&app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .client_metadata("device", "kiosk")
        .send()
        .await
        .expect("sign in");
    let t = tokens(out.authentication_result());

    let pre = events_of(&api, PRE_AUTH);
    assert_eq!(pre.len(), 1);
    let e = &pre[0];
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "PreAuthentication_Authentication");
    assert_eq!(e["userPoolId"], pool.as_str());
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["callerContext"]["clientId"], app.as_str());
    assert_eq!(e["request"]["userAttributes"]["email"], "alice@example.com");
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert_eq!(e["request"]["validationData"]["device"], "kiosk");
    assert!(e["request"].get("userNotFound").is_none());
    assert_eq!(e["response"], json!({}));

    let post = events_of(&api, POST_AUTH);
    assert_eq!(post.len(), 1);
    let e = &post[0];
    assert_eq!(e["triggerSource"], "PostAuthentication_Authentication");
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["request"]["newDeviceUsed"], false);
    assert_eq!(e["request"]["clientMetadata"]["device"], "kiosk");
    assert!(e["request"]["userAttributes"]["sub"].is_string());

    // A wrong password: PreAuthentication ran, PostAuthentication did not.
    let wrong = password_auth(&c, &app, "alice", WRONG).await;
    assert_eq!(fails(wrong).0, NA);
    assert_eq!(events_of(&api, PRE_AUTH).len(), 2);
    assert_eq!(events_of(&api, POST_AUTH).len(), 1);

    // A refresh calls neither.
    refresh(&c, &app, t.refresh.as_ref())
        .await
        .expect("refresh");
    assert_eq!(api.events().len(), 3);

    // PreAuthentication refuses; PostAuthentication's failure withholds the tokens.
    assert_eq!(
        fails(password_auth(&c, &app, "blocked", PASSWORD).await),
        (
            "UserLambdaValidationException".to_string(),
            "PreAuthentication failed with error Not allowed.".to_string()
        )
    );
    assert_eq!(
        fails(password_auth(&c, &app, "audited", PASSWORD).await),
        (
            "UserLambdaValidationException".to_string(),
            "PostAuthentication failed with error Audit store down.".to_string()
        )
    );

    // SRP starts a sign-in too; a client hiding users says whether one was found.
    let hiding = hiding_client(&c, &pool).await;
    let unknown = password_auth(&c, &hiding, "nobody", PASSWORD).await;
    assert_eq!(fails(unknown).0, NA);
    let last = events_of(&api, PRE_AUTH).pop().expect("an event");
    assert_eq!(last["userName"], "nobody");
    assert_eq!(last["request"]["userNotFound"], true);
    assert_eq!(last["request"]["userAttributes"], json!({}));
}

/// A pool whose PreTokenGeneration is `version`, with the group `staff` (role `arn:r`)
/// and `alice` in it.
async fn token_pool(c: &Client, version: PreTokenGenerationLambdaVersionType) -> (String, String) {
    let pool = create_pool_with(c, "tokens", |b| {
        b.user_pool_tier(UserPoolTierType::Essentials)
            .lambda_config(
                LambdaConfigType::builder()
                    .pre_token_generation_config(
                        PreTokenGenerationVersionConfigType::builder()
                            .lambda_arn(PRE_TOKEN)
                            .lambda_version(version)
                            .build()
                            .expect("config"),
                    )
                    .build(),
            )
    })
    .await;
    let app = app_client(c, &pool, |b| b).await;
    add_user(c, &pool, "alice", PASSWORD).await;
    c.create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .role_arn("arn:aws:iam::123456789012:role/staff")
        .send()
        .await
        .expect("group");
    c.admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("staff")
        .send()
        .await
        .expect("member");
    (pool, app)
}

#[tokio::test]
async fn pre_token_generation_v1_customizes_the_id_token_and_groups() {
    let api = LambdaApi::start(|_, event: &Value| {
        let mut answer = event.clone();
        answer["response"]["claimsOverrideDetails"] = json!({
            "claimsToAddOrOverride": {"tier": "gold", "sub": "forged", "email": "x@example.com"},
            "claimsToSuppress": ["email"],
            "groupOverrideDetails": {
                "groupsToOverride": ["admins"],
                "iamRolesToOverride": ["arn:aws:iam::123456789012:role/admin"],
                "preferredRole": "arn:aws:iam::123456789012:role/admin"
            }
        });
        Answer::event(&answer)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, app) = token_pool(&c, PreTokenGenerationLambdaVersionType::V10).await;
    let described = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        described
            .user_pool()
            .and_then(|p| p.lambda_config())
            .and_then(|l| l.pre_token_generation()),
        Some(PRE_TOKEN),
        "PreTokenGenerationConfig names PreTokenGeneration too"
    );

    let out = c
        .initiate_auth()
        .client_id(&app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("sign in");
    let t = tokens(out.authentication_result());
    let id = claims(&t.id);
    assert_eq!(id["tier"], "gold");
    assert_ne!(id["sub"], "forged", "sub cannot be changed");
    assert!(id.get("email").is_none(), "suppressed wins over added");
    assert_eq!(id["cognito:groups"], json!(["admins"]));
    assert_eq!(
        id["cognito:roles"],
        json!(["arn:aws:iam::123456789012:role/admin"])
    );
    assert_eq!(
        id["cognito:preferred_role"],
        "arn:aws:iam::123456789012:role/admin"
    );
    let access = claims(&t.access);
    assert!(
        access.get("tier").is_none(),
        "V1 leaves the access token's claims"
    );
    assert_eq!(access["cognito:groups"], json!(["admins"]));
    assert!(verifies(&jwks(&server, &pool), &t.id));

    let events = api.events();
    assert_eq!(events.len(), 1);
    let e = &events[0].1;
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["request"]["userAttributes"]["email"], "alice@example.com");
    assert_eq!(
        e["request"]["groupConfiguration"],
        json!({
            "groupsToOverride": ["staff"],
            "iamRolesToOverride": ["arn:aws:iam::123456789012:role/staff"],
            "preferredRole": "arn:aws:iam::123456789012:role/staff"
        })
    );
    assert_eq!(e["response"], json!({"claimsOverrideDetails": null}));

    let refreshed = refresh(&c, &app, t.refresh.as_ref())
        .await
        .expect("refresh");
    assert_eq!(claims(&refreshed.id)["tier"], "gold");
    assert_eq!(
        api.events()[1].1["triggerSource"],
        "TokenGeneration_RefreshTokens"
    );
}

#[tokio::test]
async fn pre_token_generation_v2_and_v3_customize_access_tokens_and_scopes() {
    let api = LambdaApi::start(|_, event: &Value| {
        let mut answer = event.clone();
        answer["response"]["claimsAndScopeOverrideDetails"] = json!({
            "idTokenGeneration": {"claimsToAddOrOverride": {"plan": "pro"}},
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": {"id": 7}, "client_id": "forged"},
                "scopesToAdd": ["api/extra"],
                "scopesToSuppress": ["api/write"]
            }
        });
        Answer::event(&answer)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, app) = token_pool(&c, PreTokenGenerationLambdaVersionType::V20).await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let access = claims(&t.access);
    assert_eq!(access["tenant"], json!({"id": 7}));
    assert_eq!(
        access["client_id"],
        app.as_str(),
        "client_id cannot be changed"
    );
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin api/extra");
    assert_eq!(claims(&t.id)["plan"], "pro");
    let e = api.events()[0].1.clone();
    assert_eq!(e["version"], "2");
    assert_eq!(
        e["request"]["scopes"],
        json!(["aws.cognito.signin.user.admin"])
    );
    assert_eq!(
        e["response"],
        json!({"claimsAndScopeOverrideDetails": null})
    );
    // The access token still works for the user's own operations.
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".to_string()));

    // A machine client: V2 is not called for it, V3 is.
    c.create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("write")
                .scope_description("w")
                .build()
                .expect("scope"),
        )
        .send()
        .await
        .expect("resource server");
    let machine = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("machine")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::from("ALLOW_CLIENT_TOKEN_AUTH"))
        .allowed_o_auth_scopes("api/write")
        .send()
        .await
        .expect("client");
    let machine = machine.user_pool_client().expect("client");
    let (id, secret) = (
        machine.client_id().expect("id").to_string(),
        machine.client_secret().expect("secret").to_string(),
    );
    let client_token = |c: Client| {
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            let out = c
                .get_client_token()
                .client_id(id)
                .secret(secret)
                .send()
                .await
                .expect("client token");
            claims(
                out.client_authentication_result()
                    .and_then(|r| r.access_token())
                    .expect("token"),
            )
        }
    };
    let before = api.events().len();
    let m2m = client_token(c.clone()).await;
    assert_eq!(m2m["scope"], "api/write");
    assert_eq!(api.events().len(), before, "V2 is not called for a machine");

    c.update_user_pool()
        .user_pool_id(&pool)
        .user_pool_tier(UserPoolTierType::Essentials)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .lambda_config(
            LambdaConfigType::builder()
                .pre_token_generation_config(
                    PreTokenGenerationVersionConfigType::builder()
                        .lambda_arn(PRE_TOKEN)
                        .lambda_version(PreTokenGenerationLambdaVersionType::V30)
                        .build()
                        .expect("config"),
                )
                .build(),
        )
        .send()
        .await
        .expect("update");
    let m2m = client_token(c.clone()).await;
    assert_eq!(
        m2m["scope"], "api/extra",
        "api/write suppressed, api/extra added"
    );
    assert_eq!(m2m["tenant"], json!({"id": 7}));
    let e = api.events().last().expect("an event").1.clone();
    assert_eq!(e["version"], "3");
    assert_eq!(e["triggerSource"], "TokenGeneration_ClientCredentials");
    assert_eq!(e["callerContext"]["clientId"], id.as_str());
    assert!(e.get("userName").is_none());

    // LITE pools cannot customize access tokens.
    let lite = c
        .create_user_pool()
        .pool_name("lite")
        .user_pool_tier(UserPoolTierType::Lite)
        .lambda_config(
            LambdaConfigType::builder()
                .pre_token_generation_config(
                    PreTokenGenerationVersionConfigType::builder()
                        .lambda_arn(PRE_TOKEN)
                        .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                        .build()
                        .expect("config"),
                )
                .build(),
        )
        .send()
        .await;
    assert_eq!(fails(lite).0, "FeatureUnavailableInTierException");
}

/// A define/create/verify trio as AWS's examples write them: after SRP_A, the
/// password; then one CUSTOM_CHALLENGE whose answer is "42"; three wrong answers fail.
fn custom_auth_functions(arn: &str, event: &Value) -> Answer {
    let mut answer = event.clone();
    let session = event["request"]["session"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    match arn {
        DEFINE => {
            let last = session.last();
            let response = &mut answer["response"];
            if event["request"]["userNotFound"] == true {
                response["challengeName"] = json!("CUSTOM_CHALLENGE");
                response["issueTokens"] = json!(false);
                response["failAuthentication"] = json!(false);
            } else if last.is_some_and(|s| s["challengeName"] == "SRP_A") {
                response["challengeName"] = json!("PASSWORD_VERIFIER");
                response["issueTokens"] = json!(false);
                response["failAuthentication"] = json!(false);
            } else if last.is_some_and(|s| {
                s["challengeName"] == "CUSTOM_CHALLENGE" && s["challengeResult"] == true
            }) {
                response["issueTokens"] = json!(true);
                response["failAuthentication"] = json!(false);
            } else if session.len() >= 3 {
                response["issueTokens"] = json!(false);
                response["failAuthentication"] = json!(true);
            } else {
                response["challengeName"] = json!("CUSTOM_CHALLENGE");
                response["issueTokens"] = json!(false);
                response["failAuthentication"] = json!(false);
            }
        }
        CREATE => {
            answer["response"] = json!({
                "publicChallengeParameters": {"question": "6 x 7?"},
                "privateChallengeParameters": {"answer": "42"},
                "challengeMetadata": format!("QUESTION-{}", session.len()),
            });
        }
        VERIFY => {
            let right = event["request"]["challengeAnswer"]
                == event["request"]["privateChallengeParameters"]["answer"];
            answer["response"]["answerCorrect"] = json!(right);
        }
        _ => {}
    }
    Answer::event(&answer)
}

fn custom_config() -> LambdaConfigType {
    LambdaConfigType::builder()
        .define_auth_challenge(DEFINE)
        .create_auth_challenge(CREATE)
        .verify_auth_challenge_response(VERIFY)
        .build()
}

async fn answer(
    c: &Client,
    app: &str,
    session: Option<&str>,
    answer: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    (String, String),
>{
    c.respond_to_auth_challenge()
        .client_id(app)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .set_session(session.map(str::to_string))
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("ANSWER", answer)
        .client_metadata("step", "answer")
        .send()
        .await
        .map_err(|e| (code(&e), message(&e)))
}

#[tokio::test]
async fn custom_auth_runs_the_challenge_loop_the_functions_define() {
    let api = LambdaApi::start(custom_auth_functions);
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, app) = pool_with(&c, custom_config()).await;
    add_user(&c, &pool, "alice", PASSWORD).await;

    let start = c
        .initiate_auth()
        .client_id(&app)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await
        .expect("initiate");
    assert_eq!(
        start.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let parameters = start.challenge_parameters().expect("parameters");
    assert_eq!(
        parameters.get("question").map(String::as_str),
        Some("6 x 7?")
    );
    assert_eq!(
        parameters.get("USERNAME").map(String::as_str),
        Some("alice")
    );
    assert!(
        parameters.get("answer").is_none(),
        "private parameters stay private"
    );

    let events = api.events();
    assert_eq!(events[0].0, DEFINE);
    let define = &events[0].1;
    assert_eq!(
        define["triggerSource"],
        "DefineAuthChallenge_Authentication"
    );
    assert_eq!(define["request"]["session"], json!([]));
    assert_eq!(
        define["request"]["userAttributes"]["email"],
        "alice@example.com"
    );
    assert_eq!(events[1].0, CREATE);
    let create = &events[1].1;
    assert_eq!(
        create["triggerSource"],
        "CreateAuthChallenge_Authentication"
    );
    assert_eq!(create["request"]["challengeName"], "CUSTOM_CHALLENGE");

    // A wrong answer: a new challenge, with the history so far.
    let wrong = answer(&c, &app, start.session(), "41")
        .await
        .expect("another");
    assert_eq!(
        wrong.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let verify = events_of(&api, VERIFY).pop().expect("verify");
    assert_eq!(
        verify["triggerSource"],
        "VerifyAuthChallengeResponse_Authentication"
    );
    assert_eq!(verify["request"]["challengeAnswer"], "41");
    assert_eq!(
        verify["request"]["privateChallengeParameters"]["answer"],
        "42"
    );
    assert_eq!(verify["request"]["clientMetadata"]["step"], "answer");
    let define = events_of(&api, DEFINE).pop().expect("define");
    assert_eq!(
        define["request"]["session"],
        json!([{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "QUESTION-0"}])
    );

    // The right answer: tokens.
    let right = answer(&c, &app, wrong.session(), "42")
        .await
        .expect("tokens");
    let t = tokens(right.authentication_result());
    assert_eq!(claims(&t.id)["cognito:username"], "alice");
    // The Session that gave tokens cannot give them again.
    let again = answer(&c, &app, wrong.session(), "42").await;
    assert_eq!(again.map(|_| ()).map_err(|e| e.0), Err(NA.to_string()));

    // Three wrong answers: DefineAuthChallenge fails the sign-in.
    let mut session = c
        .initiate_auth()
        .client_id(&app)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await
        .expect("initiate")
        .session()
        .map(str::to_string);
    for _ in 0..2 {
        let next = answer(&c, &app, session.as_deref(), "0")
            .await
            .expect("next");
        session = next.session().map(str::to_string);
    }
    assert_eq!(
        answer(&c, &app, session.as_deref(), "0").await.map(|_| ()),
        Err(na("Incorrect username or password."))
    );

    // A pool without DefineAuthChallenge, and a client without ALLOW_CUSTOM_AUTH.
    let bare = create_pool(&c, "bare").await;
    let bare_app = app_client(&c, &bare, |b| {
        b.explicit_auth_flows(ExplicitAuthFlowsType::AllowCustomAuth)
    })
    .await;
    let refused = c
        .initiate_auth()
        .client_id(&bare_app)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await;
    assert_eq!(
        fails(refused),
        (
            "InvalidParameterException".to_string(),
            "Custom auth lambda trigger is not configured for the user pool.".to_string()
        )
    );
    let no_flow = app_client(&c, &pool, |b| b).await;
    let refused = c
        .initiate_auth()
        .client_id(&no_flow)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await;
    assert_eq!(fails(refused).0, "InvalidParameterException");
}

#[tokio::test]
async fn custom_auth_after_srp_verifies_the_password_first() {
    let api = LambdaApi::start(custom_auth_functions);
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, app) = pool_with(&c, custom_config()).await;
    add_user(&c, &pool, "alice", PASSWORD).await;

    let (a, big_a) = common::srp::client_a();
    let start = c
        .initiate_auth()
        .client_id(&app)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("CHALLENGE_NAME", "SRP_A")
        .auth_parameters("SRP_A", big_a.to_str_radix(16))
        .send()
        .await
        .expect("initiate");
    assert_eq!(
        start.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let define = events_of(&api, DEFINE).pop().expect("define");
    assert_eq!(
        define["request"]["session"],
        json!([{"challengeName": "SRP_A", "challengeResult": true}])
    );
    let challenge = start.challenge_parameters().cloned().expect("parameters");
    let verifier = common::srp::srp_answer(&pool, &a, &challenge, PASSWORD);
    let next = c
        .respond_to_auth_challenge()
        .client_id(&app)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .set_challenge_responses(Some(verifier))
        .send()
        .await
        .expect("password verified");
    assert_eq!(
        next.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let define = events_of(&api, DEFINE).pop().expect("define");
    assert_eq!(
        define["request"]["session"],
        json!([
            {"challengeName": "SRP_A", "challengeResult": true},
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": true}
        ])
    );
    let done = answer(&c, &app, next.session(), "42")
        .await
        .expect("tokens");
    assert!(done.authentication_result().is_some());
}

#[tokio::test]
async fn user_migration_brings_in_users_at_sign_in_and_at_forgot_password() {
    let api = LambdaApi::start(|_, event: &Value| {
        let mut answer = event.clone();
        let user = event["userName"].as_str().unwrap_or("");
        let source = event["triggerSource"].as_str().unwrap_or("");
        match (source, user) {
            ("UserMigration_Authentication", "legacy") => {
                if event["request"]["password"] != "0ld-Passw0rd" {
                    return thrown("Bad password");
                }
                answer["response"]["userAttributes"] = json!({
                    "email": "legacy@example.com",
                    "email_verified": "true",
                    "custom:plan": "gold"
                });
                answer["response"]["finalUserStatus"] = json!("CONFIRMED");
                answer["response"]["messageAction"] = json!("SUPPRESS");
            }
            ("UserMigration_Authentication", "must-reset") => {
                answer["response"]["userAttributes"] = json!({"email": "r@example.com"});
                answer["response"]["finalUserStatus"] = json!("RESET_REQUIRED");
                answer["response"]["messageAction"] = json!("SUPPRESS");
            }
            ("UserMigration_Authentication", "welcome") => {
                answer["response"]["userAttributes"] = json!({"email": "w@example.com"});
                answer["response"]["desiredDeliveryMediums"] = json!(["EMAIL"]);
            }
            ("UserMigration_ForgotPassword", "forgetful") => {
                answer["response"]["userAttributes"] = json!({
                    "email": "forgetful@example.com",
                    "email_verified": "true"
                });
                answer["response"]["messageAction"] = json!("SUPPRESS");
            }
            _ => {}
        }
        Answer::event(&answer)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let pool = create_pool_with(&c, "migrating", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .schema(
                aws_sdk_cognitoidentityprovider::types::SchemaAttributeType::builder()
                    .name("plan")
                    .attribute_data_type(
                        aws_sdk_cognitoidentityprovider::types::AttributeDataType::String,
                    )
                    .mutable(true)
                    .build(),
            )
            .lambda_config(LambdaConfigType::builder().user_migration(MIGRATE).build())
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;

    // Sign-in with the legacy password: the user exists afterwards, migrated.
    let out = c
        .initiate_auth()
        .client_id(&app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "legacy")
        .auth_parameters("PASSWORD", "0ld-Passw0rd")
        .client_metadata("app", "web")
        .send()
        .await
        .expect("migrated sign-in");
    let t = tokens(out.authentication_result());
    assert_eq!(claims(&t.id)["email"], "legacy@example.com");
    let e = api.events()[0].1.clone();
    assert_eq!(e["triggerSource"], "UserMigration_Authentication");
    assert_eq!(e["userName"], "legacy");
    assert_eq!(e["callerContext"]["clientId"], app.as_str());
    assert_eq!(e["request"]["password"], "0ld-Passw0rd");
    assert_eq!(
        e["request"]["validationData"]["app"], "web",
        "a sign-in's ClientMetadata is the event's validationData"
    );
    assert_eq!(e["response"]["userAttributes"], Value::Null);
    assert!(
        messages(&server, &pool, "legacy").is_empty(),
        "messageAction SUPPRESS: no welcome message"
    );
    assert_eq!(status(&c, &pool, "legacy").await, "CONFIRMED");
    assert_eq!(
        attribute(&c, &pool, "legacy", "custom:plan")
            .await
            .as_deref(),
        Some("gold")
    );
    // Known now: the function is not asked again; the password is the user's.
    sign_in(&c, &app, "legacy", "0ld-Passw0rd").await;
    assert_eq!(api.events().len(), 1);
    assert_eq!(fails(password_auth(&c, &app, "legacy", WRONG).await).0, NA);

    // The function refuses: AWS's UserNotFoundException, and no user.
    let refused = password_auth(&c, &app, "legacy2", "whatever1A!").await;
    assert_eq!(fails(refused).0, "UserNotFoundException");
    let bad = c
        .initiate_auth()
        .client_id(&app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "nobody")
        .auth_parameters("PASSWORD", "whatever1A!")
        .send()
        .await;
    assert_eq!(fails(bad).0, "UserNotFoundException");

    // finalUserStatus RESET_REQUIRED: migrated, then told to reset.
    let reset = password_auth(&c, &app, "must-reset", "any-Passw0rd").await;
    assert_eq!(fails(reset).0, "PasswordResetRequiredException");
    assert_eq!(status(&c, &pool, "must-reset").await, "RESET_REQUIRED");

    // Without SUPPRESS the welcome message goes out, by the medium asked for.
    sign_in(&c, &app, "welcome", "any-Passw0rd").await;
    let welcome = messages(&server, &pool, "welcome");
    assert_eq!(welcome.len(), 1);
    assert_eq!(welcome[0]["channel"], "EMAIL");
    assert_eq!(welcome[0]["destination"], "w@example.com");

    // ForgotPassword for an unknown user: migrated, and the reset code sent.
    let forgot = c
        .forgot_password()
        .client_id(&app)
        .username("forgetful")
        .client_metadata("app", "mobile")
        .send()
        .await
        .expect("forgot");
    assert_eq!(
        forgot
            .code_delivery_details()
            .and_then(|d| d.attribute_name()),
        Some("email")
    );
    let e = api.events().last().expect("event").1.clone();
    assert_eq!(e["triggerSource"], "UserMigration_ForgotPassword");
    assert!(e["request"].get("password").is_none());
    assert_eq!(e["request"]["clientMetadata"]["app"], "mobile");
    assert_eq!(status(&c, &pool, "forgetful").await, "RESET_REQUIRED");
    let code = last_code(&server, &pool, "forgetful");
    c.confirm_forgot_password()
        .client_id(&app)
        .username("forgetful")
        .confirmation_code(code)
        .password("N3w-Passw0rd!")
        .send()
        .await
        .expect("reset");
    sign_in(&c, &app, "forgetful", "N3w-Passw0rd!").await;
}

#[tokio::test]
async fn pre_token_generation_names_the_hosted_and_new_password_sources() {
    use common::forms::*;
    const CALLBACK: &str = "https://app.example.com/callback";
    let api = LambdaApi::start(|_, event: &Value| {
        let mut answer = event.clone();
        answer["response"]["claimsOverrideDetails"] = json!({
            "claimsToAddOrOverride": {"source": event["triggerSource"]}
        });
        Answer::event(&answer)
    });
    let server = Server::sqlite_with(&["--lambda-endpoint", &api.url]);
    let c = server.client();
    let (pool, app) = token_pool(&c, PreTokenGenerationLambdaVersionType::V10).await;

    // NEW_PASSWORD_REQUIRED answered: TokenGeneration_NewPasswordChallenge.
    create_user(&c, &pool, "newbie", Some("Temp0rary!")).await;
    let start = password_auth(&c, &app, "newbie", "Temp0rary!")
        .await
        .expect("challenge");
    assert_eq!(
        start.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let done = respond(
        &c,
        &app,
        ChallengeNameType::NewPasswordRequired,
        start.session(),
        params(&[("USERNAME", "newbie"), ("NEW_PASSWORD", "N3w-Passw0rd!")]),
    )
    .await
    .expect("new password");
    let t = tokens(done.authentication_result());
    assert_eq!(
        claims(&t.id)["source"],
        "TokenGeneration_NewPasswordChallenge"
    );

    // The hosted page: its own sign-in issues no tokens to customize; the code's do
    // (TokenGeneration_HostedAuth).
    let web = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(aws_sdk_cognitoidentityprovider::types::OAuthFlowType::Code)
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
    let before = api.events().len();
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &web),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
    ]);
    let r = page_sign_in(&server, &q, "alice", PASSWORD);
    assert_eq!(r.status, 302, "{}", r.body);
    assert_eq!(
        api.events().len(),
        before,
        "the page's own sign-in customizes no tokens"
    );
    let location = r.header("location").expect("to the app").to_string();
    let code = location_params(&location)["code"].clone();
    let t = server.request(
        "POST",
        "/oauth2/token",
        &[FORM],
        &query(&[
            ("grant_type", "authorization_code"),
            ("client_id", &web),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ]),
    );
    assert_eq!(t.status, 200, "{}", t.body);
    let id = claims(t.json()["id_token"].as_str().expect("id token"));
    assert_eq!(id["source"], "TokenGeneration_HostedAuth");
    assert_eq!(api.events().len(), before + 1);
}
