//! PreAuthentication, when a user starts to sign in, before the password or any
//! challenge is checked (`PreAuthentication_Authentication`): the function may refuse
//! the sign-in. PostAuthentication, after a user has proven who they are and before
//! the tokens are handed out (`PostAuthentication_Authentication`): its failure fails
//! the sign-in too. Neither is called for a refresh or a federated sign-in.

use super::event::{user_attributes, with_metadata, EventBase, Trigger};
use crate::error::Result;
use crate::service::Service;
use crate::tokens::Grant;
use cognate_api::types::{AttributeType, UserPoolType};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The user a PreAuthentication event is about.
pub(crate) struct SigningIn<'a> {
    pub pool: &'a UserPoolType,
    pub pool_id: &'a str,
    pub client_id: Option<&'a str>,
    /// The name the sign-in gave (the user's username once they are found).
    pub username: &'a str,
    /// The user's attributes and status; None when there is no such user.
    pub user: Option<(&'a [AttributeType], &'a str)>,
    /// The client hides which users exist: the event says whether the user was found.
    pub prevents_existence_errors: bool,
    /// The request's ClientMetadata: the event's `validationData`.
    pub metadata: Option<&'a BTreeMap<String, String>>,
}

impl Service {
    /// Calls the pool's PreAuthentication trigger, if it has one; its failure refuses
    /// the sign-in. For an unknown user it is called only where the client hides
    /// which users exist, with `userNotFound`.
    pub(crate) async fn pre_authentication(&self, s: SigningIn<'_>) -> Result<()> {
        if !Trigger::PreAuthentication.configured(s.pool) {
            return Ok(());
        }
        let mut request = json!({
            "userAttributes": match s.user {
                Some((attributes, status)) => user_attributes(attributes, status),
                None => json!({}),
            },
        });
        if s.prevents_existence_errors {
            request["userNotFound"] = Value::Bool(s.user.is_none());
        }
        if let Some(m) = s.metadata {
            request["validationData"] = json!(m);
        }
        let event = EventBase::new(
            s.pool_id,
            s.username,
            s.client_id,
            "PreAuthentication_Authentication",
        )
        .event(request, json!({}));
        self.call_trigger(Trigger::PreAuthentication, s.pool, event)
            .await?;
        Ok(())
    }

    /// Calls the pool's PostAuthentication trigger for a sign-in about to get its
    /// tokens, if the pool has one.
    pub(crate) async fn post_authentication(&self, grant: &Grant) -> Result<()> {
        let Some(config) = &grant.lambda else {
            return Ok(());
        };
        if Trigger::PostAuthentication.arn_in(config).is_none() {
            return Ok(());
        }
        let request = with_metadata(
            json!({
                "newDeviceUsed": grant.new_device,
                "userAttributes": user_attributes(&grant.attributes, &grant.status),
            }),
            grant.client_metadata.as_ref(),
        );
        let event = EventBase::new(
            &grant.pool_id,
            &grant.username,
            grant.client.client_id.as_deref(),
            "PostAuthentication_Authentication",
        )
        .event(request, json!({}));
        self.call_trigger_in(Trigger::PostAuthentication, Some(config), event)
            .await?;
        Ok(())
    }
}
