//! PreSignUp, before a user is created: by SignUp (`PreSignUp_SignUp`), by
//! AdminCreateUser (`PreSignUp_AdminCreateUser`, where only the verification flags
//! apply: the user starts with a temporary password) and by a federated user's first
//! sign-in (`PreSignUp_ExternalProvider`, where the function may
//! link the user to an existing one with AdminLinkProviderForUser). The function's
//! `autoConfirmUser`, `autoVerifyEmail` and `autoVerifyPhone` are honoured; AWS refuses
//! to verify an email or phone number the user does not have.

use super::event::{attribute_map, EventBase, Trigger};
use crate::error::{fail, Result};
use crate::service::Service;
use cognate_api::types::{AttributeType, UserPoolType};
use cognate_api::ErrorCode;
use serde_json::json;
use std::collections::BTreeMap;

/// What the function decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PreSignUpAnswer {
    pub auto_confirm: bool,
    pub verify_email: bool,
    pub verify_phone: bool,
}

/// What a PreSignUp event is about.
pub(crate) struct PreSignUp<'a> {
    pub pool: &'a UserPoolType,
    pub pool_id: &'a str,
    pub source: &'static str,
    pub username: &'a str,
    pub client_id: Option<&'a str>,
    pub attributes: &'a [AttributeType],
    pub validation_data: Option<&'a [AttributeType]>,
    pub client_metadata: Option<&'a BTreeMap<String, String>>,
}

impl Service {
    /// Calls the pool's PreSignUp trigger, if it has one.
    pub(crate) async fn pre_sign_up(&self, p: PreSignUp<'_>) -> Result<PreSignUpAnswer> {
        let region = p.pool_id.split('_').next().unwrap_or_default();
        let mut request = json!({ "userAttributes": attribute_map(p.attributes) });
        if let Some(v) = p.validation_data {
            request["validationData"] = attribute_map(v);
        }
        if let Some(m) = p.client_metadata {
            request["clientMetadata"] = json!(m);
        }
        let event = EventBase {
            pool_id: p.pool_id,
            region,
            username: p.username,
            client_id: p.client_id,
            trigger_source: p.source,
        }
        .event(
            request,
            json!({"autoConfirmUser": false, "autoVerifyPhone": false, "autoVerifyEmail": false}),
        );
        let Some(answer) = self.call_trigger(Trigger::PreSignUp, p.pool, event).await? else {
            return Ok(PreSignUpAnswer::default());
        };
        let flag = |n: &str| answer["response"][n].as_bool().unwrap_or(false);
        let out = PreSignUpAnswer {
            auto_confirm: flag("autoConfirmUser"),
            verify_email: flag("autoVerifyEmail"),
            verify_phone: flag("autoVerifyPhone"),
        };
        let has = |n: &str| {
            p.attributes.iter().any(|a| {
                a.name.as_deref() == Some(n) && a.value.as_deref().is_some_and(|v| !v.is_empty())
            })
        };
        if out.verify_email && !has("email") {
            return Err(fail(
                ErrorCode::InvalidParameterException,
                "Cannot auto verify email without an email attribute.",
            ));
        }
        if out.verify_phone && !has("phone_number") {
            return Err(fail(
                ErrorCode::InvalidParameterException,
                "Cannot auto verify phone_number without a phone_number attribute.",
            ));
        }
        Ok(out)
    }
}
