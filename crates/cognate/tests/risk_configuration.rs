//! Threat protection's settings through the official SDK: SetRiskConfiguration and
//! DescribeRiskConfiguration for the pool and for a client (whose own configuration
//! stands in place of the pool's), their errors, and the blocked IP ranges refusing a
//! sign-in in ENFORCED mode (not in AUDIT, and not from a skipped range); the sign-in
//! history (AdminListUserAuthEvents) and its feedback (AdminUpdateAuthEventFeedback).

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AccountTakeoverActionType, AccountTakeoverActionsType, AccountTakeoverEventActionType,
    AccountTakeoverRiskConfigurationType, AdvancedSecurityModeType,
    CompromisedCredentialsActionsType, CompromisedCredentialsEventActionType,
    CompromisedCredentialsRiskConfigurationType, EventFilterType, RiskExceptionConfigurationType,
    UserPoolAddOnsType, UserPoolTierType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::*;

async fn pool_in(c: &Client, mode: AdvancedSecurityModeType) -> (String, String) {
    let pool = create_pool_with(c, "risky", |b| {
        b.user_pool_tier(UserPoolTierType::Plus).user_pool_add_ons(
            UserPoolAddOnsType::builder()
                .advanced_security_mode(mode)
                .build()
                .expect("add-ons"),
        )
    })
    .await;
    let app = app_client(c, &pool, |b| b).await;
    add_user(c, &pool, "alice", PASSWORD).await;
    (pool, app)
}

/// The user's sign-in history, newest first.
async fn history(
    c: &Client,
    pool: &str,
    user: &str,
) -> aws_sdk_cognitoidentityprovider::operation::admin_list_user_auth_events::AdminListUserAuthEventsOutput{
    c.admin_list_user_auth_events()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .expect("events")
}

fn exceptions(blocked: &[&str], skipped: &[&str]) -> RiskExceptionConfigurationType {
    RiskExceptionConfigurationType::builder()
        .set_blocked_ip_range_list(Some(blocked.iter().map(|s| s.to_string()).collect()))
        .set_skipped_ip_range_list(Some(skipped.iter().map(|s| s.to_string()).collect()))
        .build()
}

#[tokio::test]
async fn risk_configuration_is_kept_and_blocked_ranges_refuse_sign_in() {
    let server = Server::sqlite();
    let c = server.client();

    // Without threat protection there is nothing to configure.
    let plain = create_pool(&c, "plain").await;
    let refused = c
        .set_risk_configuration()
        .user_pool_id(&plain)
        .risk_exception_configuration(exceptions(&["10.0.0.0/8"], &[]))
        .send()
        .await;
    assert_eq!(fails(refused).0, "UserPoolAddOnNotEnabledException");
    let described = c
        .describe_risk_configuration()
        .user_pool_id(&plain)
        .send()
        .await
        .expect("describe");
    let r = described.risk_configuration().expect("configuration");
    assert_eq!(r.user_pool_id(), Some(plain.as_str()));
    assert!(r.risk_exception_configuration().is_none());

    let (pool, app) = pool_in(&c, AdvancedSecurityModeType::Enforced).await;
    let compromised = CompromisedCredentialsRiskConfigurationType::builder()
        .event_filter(EventFilterType::SignIn)
        .actions(
            CompromisedCredentialsActionsType::builder()
                .event_action(CompromisedCredentialsEventActionType::Block)
                .build()
                .expect("actions"),
        )
        .build();
    let takeover = AccountTakeoverRiskConfigurationType::builder()
        .actions(
            AccountTakeoverActionsType::builder()
                .high_action(
                    AccountTakeoverActionType::builder()
                        .notify(false)
                        .event_action(AccountTakeoverEventActionType::Block)
                        .build()
                        .expect("action"),
                )
                .build(),
        )
        .build();
    let set = c
        .set_risk_configuration()
        .user_pool_id(&pool)
        .compromised_credentials_risk_configuration(compromised.clone())
        .account_takeover_risk_configuration(takeover.clone())
        .risk_exception_configuration(exceptions(&["127.0.0.0/8"], &[]))
        .send()
        .await
        .expect("set");
    assert!(set
        .risk_configuration()
        .and_then(|r| r.last_modified_date())
        .is_some());
    let described = c
        .describe_risk_configuration()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("describe");
    let r = described.risk_configuration().expect("configuration");
    assert_eq!(
        r.compromised_credentials_risk_configuration(),
        Some(&compromised)
    );
    assert_eq!(r.account_takeover_risk_configuration(), Some(&takeover));
    assert_eq!(
        r.risk_exception_configuration()
            .map(|e| e.blocked_ip_range_list().to_vec()),
        Some(vec!["127.0.0.0/8".to_string()])
    );

    // The test connects from 127.0.0.1: refused before the password is looked at.
    assert_eq!(
        fails(password_auth(&c, &app, "alice", PASSWORD).await),
        na("Request not allowed due to security reasons.")
    );

    // A client's own configuration stands in place of the pool's.
    let other = app_client(&c, &pool, |b| b).await;
    c.set_risk_configuration()
        .user_pool_id(&pool)
        .client_id(&other)
        .risk_exception_configuration(exceptions(&["127.0.0.0/8"], &["127.0.0.1/32"]))
        .send()
        .await
        .expect("set for a client");
    sign_in(&c, &other, "alice", PASSWORD).await;
    let described = c
        .describe_risk_configuration()
        .user_pool_id(&pool)
        .client_id(&other)
        .send()
        .await
        .expect("describe a client's");
    assert_eq!(
        described.risk_configuration().and_then(|r| r.client_id()),
        Some(other.as_str())
    );
    assert!(password_auth(&c, &app, "alice", PASSWORD).await.is_err());

    // Errors: a malformed range, an unknown client.
    let bad = c
        .set_risk_configuration()
        .user_pool_id(&pool)
        .risk_exception_configuration(exceptions(&["127.0.0.1"], &[]))
        .send()
        .await;
    assert_eq!(fails(bad).0, "InvalidParameterException");
    let unknown = c
        .describe_risk_configuration()
        .user_pool_id(&pool)
        .client_id("nosuchclient")
        .send()
        .await;
    assert_eq!(fails(unknown).0, "ResourceNotFoundException");

    // AUDIT mode records and never blocks.
    let (audit, audit_app) = pool_in(&c, AdvancedSecurityModeType::Audit).await;
    c.set_risk_configuration()
        .user_pool_id(&audit)
        .risk_exception_configuration(exceptions(&["127.0.0.0/8"], &[]))
        .send()
        .await
        .expect("set");
    sign_in(&c, &audit_app, "alice", PASSWORD).await;
}

#[tokio::test]
async fn sign_ins_are_recorded_and_take_feedback_where_threat_protection_is_on() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, app) = pool_in(&c, AdvancedSecurityModeType::Audit).await;
    sign_in(&c, &app, "alice", PASSWORD).await;
    assert!(password_auth(&c, &app, "alice", WRONG).await.is_err());
    let events = history(&c, &pool, "alice").await;
    let events = events.auth_events();
    assert_eq!(events.len(), 2);
    // Newest first: the failure, then the success.
    let (failed, passed) = (&events[0], &events[1]);
    use aws_sdk_cognitoidentityprovider::types::{
        ChallengeName, ChallengeResponse, EventResponseType, EventType, FeedbackValueType,
        RiskDecisionType,
    };
    assert_eq!(failed.event_type(), Some(&EventType::SignIn));
    assert_eq!(failed.event_response(), Some(&EventResponseType::Fail));
    assert_eq!(passed.event_response(), Some(&EventResponseType::Pass));
    assert_eq!(
        passed.challenge_responses()[0].challenge_name(),
        Some(&ChallengeName::Password)
    );
    assert_eq!(
        passed.challenge_responses()[0].challenge_response(),
        Some(&ChallengeResponse::Success)
    );
    assert_eq!(
        failed.challenge_responses()[0].challenge_response(),
        Some(&ChallengeResponse::Failure)
    );
    assert_eq!(
        passed.event_risk().and_then(|r| r.risk_decision()),
        Some(&RiskDecisionType::NoRisk)
    );
    assert_eq!(
        passed.event_context_data().and_then(|d| d.ip_address()),
        Some("127.0.0.1")
    );
    assert!(passed.creation_date().is_some());

    // One page at a time.
    let first = c
        .admin_list_user_auth_events()
        .user_pool_id(&pool)
        .username("alice")
        .max_results(1)
        .send()
        .await
        .expect("a page");
    assert_eq!(first.auth_events().len(), 1);
    let rest = c
        .admin_list_user_auth_events()
        .user_pool_id(&pool)
        .username("alice")
        .max_results(1)
        .next_token(first.next_token().expect("a next page"))
        .send()
        .await
        .expect("the next page");
    assert_eq!(rest.auth_events()[0].event_id(), passed.event_id());

    // Feedback on an event.
    c.admin_update_auth_event_feedback()
        .user_pool_id(&pool)
        .username("alice")
        .event_id(passed.event_id().expect("id"))
        .feedback_value(FeedbackValueType::Valid)
        .send()
        .await
        .expect("feedback");
    let events = history(&c, &pool, "alice").await;
    let feedback = events.auth_events()[1].event_feedback().expect("feedback");
    assert_eq!(feedback.feedback_value(), &FeedbackValueType::Valid);
    assert_eq!(feedback.provider(), "Admin");
    let unknown = c
        .admin_update_auth_event_feedback()
        .user_pool_id(&pool)
        .username("alice")
        .event_id("no-such-event")
        .feedback_value(FeedbackValueType::Invalid)
        .send()
        .await;
    assert_eq!(fails(unknown).0, "ResourceNotFoundException");

    // A password reset and a sign-up are recorded too.
    c.forgot_password()
        .client_id(&app)
        .username("alice")
        .send()
        .await
        .expect("forgot password");
    let events = history(&c, &pool, "alice").await;
    assert_eq!(
        events.auth_events()[0].event_type(),
        Some(&EventType::ForgotPassword)
    );
    c.sign_up()
        .client_id(&app)
        .username("carol")
        .password(PASSWORD)
        .user_attributes(attr("email", "carol@example.com"))
        .send()
        .await
        .expect("sign up");
    let events = history(&c, &pool, "carol").await;
    assert_eq!(events.auth_events().len(), 1);
    assert_eq!(
        events.auth_events()[0].event_type(),
        Some(&EventType::SignUp)
    );
    assert_eq!(
        events.auth_events()[0]
            .event_context_data()
            .and_then(|d| d.ip_address()),
        Some("127.0.0.1")
    );

    // Without threat protection there is no history.
    let (plain_server, plain_client, plain, _) = sign_in_fixture().await;
    let refused = plain_client
        .admin_list_user_auth_events()
        .user_pool_id(&plain)
        .username("alice")
        .send()
        .await;
    assert_eq!(fails(refused).0, "UserPoolAddOnNotEnabledException");
    drop(plain_server);
}

#[tokio::test]
async fn log_delivery_is_configured_and_writes_sign_in_events() {
    use aws_sdk_cognitoidentityprovider::types::{
        CloudWatchLogsConfigurationType, EventSourceName, FirehoseConfigurationType,
        LogConfigurationType, LogLevel, S3ConfigurationType,
    };
    const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:cognito-notifications";
    const STREAM: &str = "arn:aws:firehose:us-east-1:123456789012:deliverystream/auth-events";
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::sqlite_with(&["--log-delivery-dir", &dir.path().to_string_lossy()]);
    let c = server.client();
    let (pool, app) = pool_in(&c, AdvancedSecurityModeType::Audit).await;
    let notification = |level: LogLevel| {
        LogConfigurationType::builder()
            .event_source(EventSourceName::UserNotification)
            .log_level(level)
            .cloud_watch_logs_configuration(
                CloudWatchLogsConfigurationType::builder()
                    .log_group_arn(GROUP)
                    .build(),
            )
            .build()
            .expect("configuration")
    };
    let auth_events = LogConfigurationType::builder()
        .event_source(EventSourceName::UserAuthEvents)
        .log_level(LogLevel::Info)
        .firehose_configuration(
            FirehoseConfigurationType::builder()
                .stream_arn(STREAM)
                .build(),
        )
        .build()
        .expect("configuration");

    // AWS's rules: notifications at ERROR to CloudWatch; auth events on Plus pools.
    let wrong_level = c
        .set_log_delivery_configuration()
        .user_pool_id(&pool)
        .log_configurations(notification(LogLevel::Info))
        .send()
        .await;
    assert_eq!(fails(wrong_level).0, "InvalidParameterException");
    let to_s3 = c
        .set_log_delivery_configuration()
        .user_pool_id(&pool)
        .log_configurations(
            LogConfigurationType::builder()
                .event_source(EventSourceName::UserNotification)
                .log_level(LogLevel::Error)
                .s3_configuration(
                    S3ConfigurationType::builder()
                        .bucket_arn("arn:aws:s3:::bucket")
                        .build(),
                )
                .build()
                .expect("configuration"),
        )
        .send()
        .await;
    assert_eq!(fails(to_s3).0, "InvalidParameterException");
    let essentials = create_pool(&c, "essentials").await;
    let refused = c
        .set_log_delivery_configuration()
        .user_pool_id(&essentials)
        .log_configurations(auth_events.clone())
        .send()
        .await;
    assert_eq!(fails(refused).0, "FeatureUnavailableInTierException");

    c.set_log_delivery_configuration()
        .user_pool_id(&pool)
        .log_configurations(notification(LogLevel::Error))
        .log_configurations(auth_events.clone())
        .send()
        .await
        .expect("set");
    let got = c
        .get_log_delivery_configuration()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("get");
    let configs = got
        .log_delivery_configuration()
        .expect("configuration")
        .log_configurations();
    assert_eq!(configs.len(), 2);
    assert_eq!(configs[1], auth_events);

    // A sign-in's event goes to the Firehose stream's file.
    sign_in(&c, &app, "alice", PASSWORD).await;
    let file = dir
        .path()
        .join("arn_aws_firehose_us-east-1_123456789012_deliverystream_auth-events.jsonl");
    let text = std::fs::read_to_string(&file).expect("the destination's file");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["eventSource"], "userAuthEvents");
    assert_eq!(lines[0]["logLevel"], "INFO");
    assert_eq!(lines[0]["userPoolId"], pool.as_str());
    assert_eq!(lines[0]["message"]["EventType"], "SignIn");
    assert_eq!(lines[0]["message"]["EventResponse"], "Pass");
}

/// A sign-in from an address new to a user who signed in before is a Low account-takeover
/// risk; in ENFORCED mode with a notifying Low action, the user gets the notification
/// email, whose links (and UpdateAuthEventFeedback with their FeedbackToken) record the
/// user's feedback.
#[tokio::test]
async fn a_sign_in_from_a_new_address_is_notified_and_takes_the_users_feedback() {
    use aws_sdk_cognitoidentityprovider::types::{
        AuthFlowType, ContextDataType, FeedbackValueType, HttpHeader, NotifyConfigurationType,
        NotifyEmailType, RiskDecisionType, RiskLevelType,
    };
    let server = Server::sqlite();
    let c = server.client();
    let (pool, _) = pool_in(&c, AdvancedSecurityModeType::Enforced).await;
    let app = app_client(&c, &pool, |b| {
        b.explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
    })
    .await;
    let action = |notify: bool| {
        AccountTakeoverActionType::builder()
            .notify(notify)
            .event_action(AccountTakeoverEventActionType::NoAction)
            .build()
            .expect("action")
    };
    c.set_risk_configuration()
        .user_pool_id(&pool)
        .account_takeover_risk_configuration(
            AccountTakeoverRiskConfigurationType::builder()
                .notify_configuration(
                    NotifyConfigurationType::builder()
                        .from("security@example.com")
                        .source_arn("arn:aws:ses:us-east-1:000000000000:identity/example.com")
                        .no_action_email(
                            NotifyEmailType::builder()
                                .subject("New sign-in for {username}")
                                .html_body("<p>From {ip-address}. Yes: {one-click-link-valid} No: {one-click-link-invalid}</p>")
                                .build()
                                .expect("email"),
                        )
                        .build()
                        .expect("notify"),
                )
                .actions(
                    AccountTakeoverActionsType::builder()
                        .low_action(action(true))
                        .medium_action(action(false))
                        .high_action(action(false))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("set risk configuration");
    let from = |ip: &str| {
        c.admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&app)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .context_data(
                ContextDataType::builder()
                    .ip_address(ip)
                    .server_name("app.example.com")
                    .server_path("/login")
                    .http_headers(
                        HttpHeader::builder()
                            .header_name("User-Agent")
                            .header_value("test")
                            .build(),
                    )
                    .build()
                    .expect("context"),
            )
            .send()
    };
    from("198.51.100.7").await.expect("first sign-in");
    from("198.51.100.7").await.expect("same address");
    let notified = |server: &Server| {
        messages(server, &pool, "alice")
            .into_iter()
            .filter(|m| m["kind"] == "ACCOUNT_TAKEOVER_NOTIFICATION")
            .collect::<Vec<_>>()
    };
    assert!(notified(&server).is_empty(), "known addresses are no risk");
    from("203.0.113.5")
        .await
        .expect("a new address signs in (NO_ACTION)");
    let sent = notified(&server);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let mail = &sent[0];
    assert_eq!(mail["subject"], "New sign-in for alice");
    let body = mail["message"].as_str().expect("body");
    assert!(body.contains("From 203.0.113.5."), "{body}");

    let events = history(&c, &pool, "alice").await;
    let risky = &events.auth_events()[0];
    assert_eq!(
        risky.event_risk().and_then(|r| r.risk_decision()),
        Some(&RiskDecisionType::AccountTakeover)
    );
    assert_eq!(
        risky.event_risk().and_then(|r| r.risk_level()),
        Some(&RiskLevelType::Low)
    );
    assert_eq!(
        events.auth_events()[1]
            .event_risk()
            .and_then(|r| r.risk_decision()),
        Some(&RiskDecisionType::NoRisk)
    );
    let event_id = risky.event_id().expect("id").to_string();

    // The "No" link records Invalid, by the user.
    let link = |label: &str| {
        let at = body.find(label).expect("label") + label.len();
        body[at..]
            .split_whitespace()
            .next()
            .expect("link")
            .trim_end_matches("</p>")
            .to_string()
    };
    let invalid = link("No: ");
    let path = &invalid[invalid.find("/authEventFeedback").expect("path")..];
    let r = server.get(path);
    assert_eq!(r.status, 200, "{}", r.body);
    let feedback_of = |events: &aws_sdk_cognitoidentityprovider::operation::admin_list_user_auth_events::AdminListUserAuthEventsOutput| {
        let f = events.auth_events()[0].event_feedback().expect("feedback");
        (f.feedback_value().clone(), f.provider().to_string())
    };
    let events = history(&c, &pool, "alice").await;
    assert_eq!(
        feedback_of(&events),
        (FeedbackValueType::Invalid, "User".to_string())
    );

    // UpdateAuthEventFeedback with the link's token; a token proves only its own event.
    let token = forms::decode(
        path.split("feedback_token=")
            .nth(1)
            .and_then(|t| t.split('&').next())
            .expect("token"),
    );
    let update = |event: &str, token: &str| {
        c.update_auth_event_feedback()
            .user_pool_id(&pool)
            .username("alice")
            .event_id(event)
            .feedback_token(token)
            .feedback_value(FeedbackValueType::Valid)
            .send()
    };
    update(&event_id, &token).await.expect("feedback");
    let events = history(&c, &pool, "alice").await;
    assert_eq!(
        feedback_of(&events),
        (FeedbackValueType::Valid, "User".to_string())
    );
    let other = events.auth_events()[1].event_id().expect("id").to_string();
    assert_eq!(fails(update(&other, &token).await).0, NA);
    assert_eq!(fails(update(&event_id, "bm90LWEtdG9rZW4").await).0, NA);
    let r = server.get("/authEventFeedback?user_pool_id=x&username=alice&event_id=e&feedback_token=t&feedback_value=Valid");
    assert_eq!(r.status, 400);
}
