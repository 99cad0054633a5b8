//! The custom authentication flow's three triggers (`*_Authentication`):
//! DefineAuthChallenge decides from the session's history what comes next (a
//! challenge, the tokens, or failure); CreateAuthChallenge makes a CUSTOM_CHALLENGE
//! (public parameters for the app, private ones kept sealed in the Session for the
//! answer's check); VerifyAuthChallengeResponse judges the answer.

use super::event::{user_attributes, with_metadata, EventBase, Trigger};
use crate::error::{fail, Result};
use crate::service::Service;
use cognate_api::types::{AttributeType, UserPoolType};
use cognate_api::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One step of a custom sign-in's history, as the events' `session` lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ChallengeResult {
    #[serde(rename = "challengeName")]
    pub name: String,
    #[serde(rename = "challengeResult")]
    pub result: bool,
    #[serde(
        rename = "challengeMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<String>,
}

/// Who a custom sign-in is about, as the three events describe them.
pub(crate) struct CustomUser<'a> {
    pub pool: &'a UserPoolType,
    pub pool_id: &'a str,
    pub client_id: Option<&'a str>,
    pub username: &'a str,
    /// The user's attributes and status; None when there is no such user.
    pub user: Option<(&'a [AttributeType], &'a str)>,
    /// The client hides which users exist: the events say whether the user was found.
    pub prevents_existence_errors: bool,
    /// ClientMetadata, which AWS passes to these triggers from RespondToAuthChallenge.
    pub metadata: Option<&'a BTreeMap<String, String>>,
}

impl CustomUser<'_> {
    fn request(&self, mut fields: Value) -> Value {
        fields["userAttributes"] = match self.user {
            Some((attributes, status)) => user_attributes(attributes, status),
            None => json!({}),
        };
        if self.prevents_existence_errors {
            fields["userNotFound"] = Value::Bool(self.user.is_none());
        }
        with_metadata(fields, self.metadata)
    }

    fn event(&self, source: &str, request: Value, response: Value) -> Value {
        EventBase::new(self.pool_id, self.username, self.client_id, source).event(request, response)
    }
}

/// What DefineAuthChallenge decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    Tokens,
    Fail,
    Challenge(String),
}

/// What CreateAuthChallenge made.
#[derive(Debug, Clone, Default)]
pub(crate) struct Created {
    pub public: BTreeMap<String, String>,
    pub private: Map<String, Value>,
    pub metadata: Option<String>,
}

fn invalid_response(trigger: Trigger) -> crate::error::Error {
    fail(
        ErrorCode::InvalidLambdaResponseException,
        format!("Invalid {} response.", trigger.name()),
    )
}

/// A parameter's value as the app is given it: strings as they are, anything else as
/// its JSON.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Service {
    /// DefineAuthChallenge: what follows `session`.
    pub(crate) async fn define_auth_challenge(
        &self,
        u: &CustomUser<'_>,
        session: &[ChallengeResult],
    ) -> Result<Next> {
        let request = u.request(json!({ "session": session }));
        let event = u.event(
            "DefineAuthChallenge_Authentication",
            request,
            json!({"challengeName": null, "issueTokens": null, "failAuthentication": null}),
        );
        let answer = self
            .call_trigger(Trigger::DefineAuthChallenge, u.pool, event)
            .await?
            .ok_or_else(|| invalid_response(Trigger::DefineAuthChallenge))?;
        let response = &answer["response"];
        if response["failAuthentication"].as_bool() == Some(true) {
            return Ok(Next::Fail);
        }
        if response["issueTokens"].as_bool() == Some(true) {
            return Ok(Next::Tokens);
        }
        match response["challengeName"].as_str() {
            Some(name) if !name.is_empty() => Ok(Next::Challenge(name.to_string())),
            _ => Err(invalid_response(Trigger::DefineAuthChallenge)),
        }
    }

    /// CreateAuthChallenge for the challenge DefineAuthChallenge named.
    pub(crate) async fn create_auth_challenge(
        &self,
        u: &CustomUser<'_>,
        challenge: &str,
        session: &[ChallengeResult],
    ) -> Result<Created> {
        let request = u.request(json!({ "challengeName": challenge, "session": session }));
        let event = u.event(
            "CreateAuthChallenge_Authentication",
            request,
            json!({
                "publicChallengeParameters": null,
                "privateChallengeParameters": null,
                "challengeMetadata": null,
            }),
        );
        let answer = self
            .call_trigger(Trigger::CreateAuthChallenge, u.pool, event)
            .await?
            .ok_or_else(|| {
                crate::error::invalid(
                    "Create auth challenge lambda trigger is not configured for the user pool.",
                )
            })?;
        let response = &answer["response"];
        let public = response["publicChallengeParameters"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), as_text(v))).collect())
            .unwrap_or_default();
        Ok(Created {
            public,
            private: response["privateChallengeParameters"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
            metadata: response["challengeMetadata"].as_str().map(str::to_string),
        })
    }

    /// VerifyAuthChallengeResponse: whether `answer` is right.
    pub(crate) async fn verify_auth_challenge(
        &self,
        u: &CustomUser<'_>,
        private: &Map<String, Value>,
        answer: &str,
    ) -> Result<bool> {
        let request = u.request(json!({
            "privateChallengeParameters": private,
            "challengeAnswer": answer,
        }));
        let event = u.event(
            "VerifyAuthChallengeResponse_Authentication",
            request,
            json!({ "answerCorrect": null }),
        );
        let answer = self
            .call_trigger(Trigger::VerifyAuthChallengeResponse, u.pool, event)
            .await?
            .ok_or_else(|| {
                crate::error::invalid(
                    "Verify auth challenge lambda trigger is not configured for the user pool.",
                )
            })?;
        Ok(answer["response"]["answerCorrect"].as_bool() == Some(true))
    }
}
