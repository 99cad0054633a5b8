//! CustomEmailSender and CustomSMSSender: a pool that names one sends its own emails
//! or SMS. For each message of that channel, after the write that caused it has
//! committed, the function gets the code (or temporary password) encrypted as AWS does:
//! an AWS Encryption SDK message under a data key from the pool's `KMSKeyID`
//! (`crypto/kms.rs`), base64 in `request.code`. cognate sends nothing itself, and
//! CustomMessage is not called for that channel. AWS calls these functions
//! asynchronously, so a failure is logged and the caller's request stands.

use super::event::{with_metadata, EventBase, Trigger};
use crate::messages::{Channel, Message};
use crate::service::Service;
use cognate_api::types::LambdaConfigType;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The sender trigger of a message's channel.
pub(crate) fn sender_of(channel: Channel) -> Trigger {
    match channel {
        Channel::Email => Trigger::CustomEmailSender,
        Channel::Sms => Trigger::CustomSmsSender,
    }
}

/// The trigger source of a message of `kind` sent by `trigger`.
fn sender_source(trigger: Trigger, kind: &str) -> String {
    let suffix = match kind {
        "SIGN_UP" => "SignUp",
        "ADMIN_CREATE_USER" => "AdminCreateUser",
        "RESEND_CODE" => "ResendCode",
        "FORGOT_PASSWORD" => "ForgotPassword",
        "UPDATE_USER_ATTRIBUTE" => "UpdateUserAttribute",
        "VERIFY_USER_ATTRIBUTE" => "VerifyUserAttribute",
        _ => "Authentication",
    };
    format!("{}_{suffix}", trigger.name())
}

impl Service {
    /// Hands `message` to the pool's sender trigger for its channel. Answers whether
    /// the pool has one (then cognate does not send the message).
    pub(crate) async fn custom_sender(
        &self,
        config: &LambdaConfigType,
        user_attributes: &Value,
        client_id: Option<&str>,
        metadata: Option<&BTreeMap<String, String>>,
        message: &Message,
    ) -> bool {
        let trigger = sender_of(message.channel);
        let Some(arn) = trigger.arn_in(config) else {
            return false;
        };
        let key = config.kms_key_id.clone().unwrap_or_default();
        let code = message.code.clone().unwrap_or_default();
        let encrypted = match crate::crypto::kms::encrypt_code(
            self.kms(),
            &key,
            &message.pool_id,
            &code,
        )
        .await
        {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(trigger = trigger.name(), function = %arn, error = %e, "a code for a custom sender could not be encrypted; the message is not sent");
                return true;
            }
        };
        let kind = match message.channel {
            Channel::Email => "customEmailSenderRequestV1",
            Channel::Sms => "customSMSSenderRequestV1",
        };
        let request = with_metadata(
            json!({
                "type": kind,
                "code": encrypted,
                "userAttributes": user_attributes,
            }),
            metadata,
        );
        let event = EventBase::new(
            &message.pool_id,
            &message.username,
            client_id,
            &sender_source(trigger, &message.kind),
        )
        .event(request, json!({}));
        if let Err(e) = self.call_trigger_in(trigger, Some(config), event).await {
            tracing::warn!(trigger = trigger.name(), function = %arn, error = %e.0.message, "a custom sender failed; the message is not sent");
        }
        true
    }
}
