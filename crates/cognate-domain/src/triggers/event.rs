//! What every trigger event carries, and calling a trigger: AWS's 5-second limit, a
//! retry when the Invoke API answers 429 or 5xx or not at all, and AWS's errors.

use crate::error::{fail, Error, Result};
use crate::service::Service;
use cognate_api::types::{LambdaConfigType, UserPoolType};
use cognate_api::ErrorCode;
use serde_json::{json, Map, Value};
use std::time::Duration;

/// AWS: a trigger has 5 seconds to answer.
const LIMIT: Duration = Duration::from_secs(5);
/// Calls of one trigger in all (AWS retries a failed call).
const ATTEMPTS: usize = 3;

/// The triggers of LambdaConfig, by the name AWS's errors give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    PreTokenGeneration,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    UserMigration,
    CustomMessage,
    CustomEmailSender,
    CustomSmsSender,
    InboundFederation,
}

impl Trigger {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::UserMigration => "UserMigration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::CustomEmailSender => "CustomEmailSender",
            Trigger::CustomSmsSender => "CustomSMSSender",
            Trigger::InboundFederation => "InboundFederation",
        }
    }

    /// Whether the pool names a function for this trigger.
    pub(crate) fn configured(self, pool: &UserPoolType) -> bool {
        self.arn(pool).is_some()
    }

    pub(crate) fn arn(self, pool: &UserPoolType) -> Option<String> {
        self.arn_in(pool.lambda_config.as_ref()?)
    }

    /// The function this trigger names in a pool's LambdaConfig.
    pub(crate) fn arn_in(self, config: &LambdaConfigType) -> Option<String> {
        match self {
            Trigger::PreSignUp => config.pre_sign_up.clone(),
            Trigger::PostConfirmation => config.post_confirmation.clone(),
            Trigger::PreAuthentication => config.pre_authentication.clone(),
            Trigger::PostAuthentication => config.post_authentication.clone(),
            // The versioned configuration names the same function (the pool's
            // settings keep the two alike).
            Trigger::PreTokenGeneration => config.pre_token_generation.clone().or_else(|| {
                config
                    .pre_token_generation_config
                    .as_ref()
                    .and_then(|c| c.lambda_arn.clone())
            }),
            Trigger::DefineAuthChallenge => config.define_auth_challenge.clone(),
            Trigger::CreateAuthChallenge => config.create_auth_challenge.clone(),
            Trigger::VerifyAuthChallengeResponse => config.verify_auth_challenge_response.clone(),
            Trigger::UserMigration => config.user_migration.clone(),
            Trigger::CustomMessage => config.custom_message.clone(),
            Trigger::CustomEmailSender => config
                .custom_email_sender
                .as_ref()
                .and_then(|c| c.lambda_arn.clone()),
            Trigger::CustomSmsSender => config
                .custom_sms_sender
                .as_ref()
                .and_then(|c| c.lambda_arn.clone()),
            Trigger::InboundFederation => config
                .inbound_federation
                .as_ref()
                .and_then(|c| c.lambda_arn.clone()),
        }
        .filter(|a| !a.is_empty())
    }
}

/// The fields every event has.
pub(crate) struct EventBase<'a> {
    pub pool_id: &'a str,
    pub region: &'a str,
    pub username: &'a str,
    pub client_id: Option<&'a str>,
    pub trigger_source: &'a str,
}

impl<'a> EventBase<'a> {
    /// The common fields of an event about `username` in `pool_id` (whose region is
    /// the pool id's prefix).
    pub fn new(
        pool_id: &'a str,
        username: &'a str,
        client_id: Option<&'a str>,
        trigger_source: &'a str,
    ) -> EventBase<'a> {
        EventBase {
            pool_id,
            region: pool_id.split('_').next().unwrap_or_default(),
            username,
            client_id,
            trigger_source,
        }
    }

    pub fn event(&self, request: Value, response: Value) -> Value {
        self.versioned("1", request, response)
    }

    /// An event of a versioned trigger (PreTokenGeneration's "2" and "3", the custom
    /// senders' "1").
    pub fn versioned(&self, version: &str, request: Value, response: Value) -> Value {
        json!({
            "version": version,
            "region": self.region,
            "userPoolId": self.pool_id,
            "userName": self.username,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": self.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "triggerSource": self.trigger_source,
            "request": request,
            "response": response,
        })
    }
}

/// Attributes as an event's `userAttributes` object.
pub(crate) fn attribute_map(attributes: &[cognate_api::types::AttributeType]) -> Value {
    let mut m = Map::new();
    for a in attributes {
        if let (Some(n), Some(v)) = (&a.name, &a.value) {
            m.insert(n.clone(), Value::from(v.clone()));
        }
    }
    Value::Object(m)
}

fn unexpected(trigger: Trigger, why: &str) -> Error {
    fail(
        ErrorCode::UnexpectedLambdaException,
        format!("{} invocation failed due to error {why}.", trigger.name()),
    )
}

impl Service {
    /// Calls `trigger` if the pool has one; answers the event the function returned.
    pub(crate) async fn call_trigger(
        &self,
        trigger: Trigger,
        pool: &UserPoolType,
        event: Value,
    ) -> Result<Option<Value>> {
        self.call_trigger_in(trigger, pool.lambda_config.as_ref(), event)
            .await
    }

    /// Calls `trigger` if `config` (a pool's LambdaConfig) names a function for it.
    pub(crate) async fn call_trigger_in(
        &self,
        trigger: Trigger,
        config: Option<&LambdaConfigType>,
        event: Value,
    ) -> Result<Option<Value>> {
        let Some(arn) = config.and_then(|c| trigger.arn_in(c)) else {
            return Ok(None);
        };
        if !self.lambda().configured() {
            tracing::warn!(trigger = trigger.name(), function = %arn, "a pool's trigger cannot be called: no --lambda-endpoint");
            return Err(unexpected(trigger, "ServiceException"));
        }
        let payload = serde_json::to_vec(&event).unwrap_or_default();
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 * attempt as u64)).await;
            }
            let answer = match tokio::time::timeout(
                LIMIT,
                self.lambda().invoke(&arn, payload.clone()),
            )
            .await
            {
                Err(_) => return Err(unexpected(trigger, "TimeoutException")),
                Ok(Err(e)) => {
                    tracing::warn!(trigger = trigger.name(), function = %arn, error = %e, "a trigger could not be called");
                    last = e;
                    continue;
                }
                Ok(Ok(a)) => a,
            };
            if answer.status == 429 || answer.status >= 500 {
                last = format!("the Invoke API answered {}", answer.status);
                continue;
            }
            if !(200..300).contains(&answer.status) {
                return Err(unexpected(
                    trigger,
                    &format!("the Invoke API answered {}", answer.status),
                ));
            }
            if answer.function_error.is_some() {
                let message = serde_json::from_slice::<Value>(&answer.payload)
                    .ok()
                    .and_then(|v| {
                        v.get("errorMessage")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| String::from_utf8_lossy(&answer.payload).into_owned());
                return Err(fail(
                    ErrorCode::UserLambdaValidationException,
                    format!("{} failed with error {message}.", trigger.name()),
                ));
            }
            return match serde_json::from_slice::<Value>(&answer.payload) {
                Ok(v @ Value::Object(_)) => Ok(Some(v)),
                _ => Err(fail(
                    ErrorCode::InvalidLambdaResponseException,
                    "Unrecognizable lambda output",
                )),
            };
        }
        tracing::warn!(trigger = trigger.name(), function = %arn, error = %last, "a trigger failed");
        Err(unexpected(trigger, "ServiceException"))
    }
}

/// A stored user's attributes as events carry them: with `cognito:user_status`.
pub(crate) fn user_attributes(
    attributes: &[cognate_api::types::AttributeType],
    status: &str,
) -> Value {
    let mut m = attribute_map(attributes);
    m["cognito:user_status"] = Value::from(status);
    m
}

/// Adds the caller's ClientMetadata to an event's request, when it gave some.
pub(crate) fn with_metadata(
    mut request: Value,
    metadata: Option<&std::collections::BTreeMap<String, String>>,
) -> Value {
    if let Some(m) = metadata {
        request["clientMetadata"] = json!(m);
    }
    request
}
