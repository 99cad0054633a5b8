//! UserMigration, when a user the pool does not know signs in with a password
//! (`UserMigration_Authentication`, given the password) or asks to reset theirs
//! (`UserMigration_ForgotPassword`): the function looks the user up in the store it
//! migrates from and answers their attributes, or nothing. The answer's
//! `finalUserStatus`, `messageAction`, `desiredDeliveryMediums` and
//! `forceAliasCreation` are read here; `users/migration.rs` creates the user.

use super::event::{with_metadata, EventBase, Trigger};
use crate::error::{fail, Result};
use crate::service::Service;
use cognate_api::types::{AttributeType, DeliveryMediumType, UserPoolType};
use cognate_api::ErrorCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What a UserMigration event is about.
pub(crate) struct Migrating<'a> {
    pub pool: &'a UserPoolType,
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub username: &'a str,
    /// The password given at sign-in; None for a forgotten password.
    pub password: Option<&'a str>,
    pub metadata: Option<&'a BTreeMap<String, String>>,
}

/// The user the function answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Migrated {
    pub attributes: Vec<AttributeType>,
    /// RESET_REQUIRED: the user must reset the password before signing in.
    pub reset_required: bool,
    /// The welcome message is suppressed (`messageAction: SUPPRESS`).
    pub suppress: bool,
    pub mediums: Vec<DeliveryMediumType>,
    pub force_alias_creation: bool,
}

/// Attributes the pool sets itself, which a migration cannot give.
const NOT_MIGRATED: &[&str] = &["sub", "cognito:user_status", "username"];

fn invalid_response(why: &str) -> crate::error::Error {
    fail(
        ErrorCode::InvalidLambdaResponseException,
        format!("Invalid UserMigration response: {why}."),
    )
}

/// Reads the function's `response`; None when it answered no user.
fn read(response: &Value, forgot: bool) -> Result<Option<Migrated>> {
    let Some(given) = response["userAttributes"].as_object() else {
        return Ok(None);
    };
    let attributes = given
        .iter()
        .filter(|(name, _)| !NOT_MIGRATED.contains(&name.as_str()))
        .map(|(name, value)| AttributeType {
            name: Some(name.clone()),
            value: Some(match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        })
        .collect();
    let reset_required = match response["finalUserStatus"].as_str() {
        None | Some("") => forgot,
        Some("CONFIRMED") => forgot,
        Some("RESET_REQUIRED") => true,
        Some(_) => {
            return Err(invalid_response(
                "finalUserStatus must be CONFIRMED or RESET_REQUIRED",
            ))
        }
    };
    let suppress = match response["messageAction"].as_str() {
        None | Some("") | Some("RESEND") => false,
        Some("SUPPRESS") => true,
        Some(_) => return Err(invalid_response("messageAction must be SUPPRESS or RESEND")),
    };
    let mut mediums = Vec::new();
    for m in response["desiredDeliveryMediums"]
        .as_array()
        .into_iter()
        .flatten()
    {
        match m.as_str() {
            Some("EMAIL") => mediums.push(DeliveryMediumType::EMAIL),
            Some("SMS") => mediums.push(DeliveryMediumType::SMS),
            _ => {
                return Err(invalid_response(
                    "desiredDeliveryMediums must be EMAIL or SMS",
                ))
            }
        }
    }
    if mediums.is_empty() {
        mediums.push(DeliveryMediumType::SMS);
    }
    Ok(Some(Migrated {
        attributes,
        reset_required,
        suppress,
        mediums,
        force_alias_creation: response["forceAliasCreation"].as_bool() == Some(true),
    }))
}

impl Service {
    /// Asks the pool's UserMigration trigger for a user it does not know; None when the
    /// pool has none or the function answered no user. A function that fails answers
    /// AWS's UserNotFoundException.
    pub(crate) async fn user_migration(&self, m: Migrating<'_>) -> Result<Option<Migrated>> {
        if !Trigger::UserMigration.configured(m.pool) {
            return Ok(None);
        }
        // AWS: a sign-in's ClientMetadata is the event's validationData; ForgotPassword's
        // is its clientMetadata.
        let (source, request) = match m.password {
            Some(p) => {
                let mut request = json!({ "password": p });
                if let Some(v) = m.metadata {
                    request["validationData"] = json!(v);
                }
                ("UserMigration_Authentication", request)
            }
            None => (
                "UserMigration_ForgotPassword",
                with_metadata(json!({}), m.metadata),
            ),
        };
        let event = EventBase::new(m.pool_id, m.username, Some(m.client_id), source).event(
            request,
            json!({
                "userAttributes": null,
                "finalUserStatus": null,
                "messageAction": null,
                "desiredDeliveryMediums": null,
                "forceAliasCreation": null,
                "enableSMSMFA": null,
            }),
        );
        let answer = match self
            .call_trigger(Trigger::UserMigration, m.pool, event)
            .await
        {
            Ok(Some(answer)) => answer,
            Ok(None) => return Ok(None),
            Err(e) if e.0.code == ErrorCode::UserLambdaValidationException => {
                return Err(fail(
                    ErrorCode::UserNotFoundException,
                    format!("Exception migrating user in app client {}", m.client_id),
                ));
            }
            Err(e) => return Err(e),
        };
        read(&answer["response"], m.password.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_attributes_migrates_no_one() {
        assert_eq!(
            read(&json!({"userAttributes": null}), false).ok(),
            Some(None)
        );
    }

    #[test]
    fn the_answers_fields_are_read() {
        let m = read(
            &json!({
                "userAttributes": {"email": "a@b.c", "email_verified": "true", "sub": "x"},
                "finalUserStatus": "RESET_REQUIRED",
                "messageAction": "SUPPRESS",
                "desiredDeliveryMediums": ["EMAIL"],
                "forceAliasCreation": true
            }),
            false,
        )
        .ok()
        .flatten()
        .expect("a user");
        assert_eq!(m.attributes.len(), 2, "sub is the pool's own");
        assert!(m.reset_required && m.suppress && m.force_alias_creation);
        assert_eq!(m.mediums, vec![DeliveryMediumType::EMAIL]);
        assert!(read(
            &json!({"userAttributes": {}, "finalUserStatus": "DONE"}),
            false
        )
        .is_err());
        let forgot = read(&json!({"userAttributes": {}}), true).ok().flatten();
        assert!(forgot.is_some_and(|m| m.reset_required));
    }
}
