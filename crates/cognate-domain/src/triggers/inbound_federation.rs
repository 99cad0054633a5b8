//! InboundFederation, at each federated sign-in before the provider's user is written
//! (`InboundFederation_ExternalProvider`): the function sees what the provider answered
//! (`tokenResponse`, `idToken` and `userInfo` from an OIDC or social provider,
//! `samlResponse` from a SAML one) and answers the user's attributes
//! (`userAttributesToMap`). An empty answer keeps the provider's attribute mapping;
//! otherwise the answer is the user's attributes from this provider, in its place.

use super::event::{EventBase, Trigger};
use crate::error::{fail, Result};
use crate::service::Service;
use cognate_api::types::{IdentityProviderType, UserPoolType};
use cognate_api::ErrorCode;
use serde_json::{json, Value};

/// What an InboundFederation event is about.
pub(crate) struct Inbound<'a> {
    pub pool: &'a UserPoolType,
    pub pool_id: &'a str,
    pub client_id: &'a str,
    /// `<ProviderName>_<id>`.
    pub username: &'a str,
    pub provider: &'a IdentityProviderType,
    /// The provider's answer, as the event's `attributes`.
    pub attributes: &'a Value,
}

impl Service {
    /// Calls the pool's InboundFederation trigger, if it has one: the attributes it
    /// maps, or None to keep the provider's mapping.
    pub(crate) async fn inbound_federation(
        &self,
        i: Inbound<'_>,
    ) -> Result<Option<Vec<(String, String)>>> {
        if !Trigger::InboundFederation.configured(i.pool) {
            return Ok(None);
        }
        let request = json!({
            "providerName": i.provider.provider_name,
            "providerType": i.provider.provider_type.as_ref().map(|t| t.as_str()),
            "attributes": i.attributes,
        });
        let event = EventBase::new(
            i.pool_id,
            i.username,
            Some(i.client_id),
            "InboundFederation_ExternalProvider",
        )
        .event(request, json!({ "userAttributesToMap": {} }));
        let Some(answer) = self
            .call_trigger(Trigger::InboundFederation, i.pool, event)
            .await?
        else {
            return Ok(None);
        };
        let mapped = &answer["response"]["userAttributesToMap"];
        let Some(mapped) = mapped.as_object() else {
            if mapped.is_null() {
                return Ok(None);
            }
            return Err(fail(
                ErrorCode::InvalidLambdaResponseException,
                "Invalid InboundFederation response: userAttributesToMap must be an object.",
            ));
        };
        if mapped.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            mapped
                .iter()
                .filter_map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => return None,
                        other => other.to_string(),
                    };
                    Some((k.clone(), v))
                })
                .collect(),
        ))
    }
}
