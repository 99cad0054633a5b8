//! CustomMessage, for every message the pool sends with a code, a link or a temporary
//! password, after the write that caused it has committed and before it is delivered:
//! the function may answer its own email subject, email body and SMS body. As on AWS, a
//! body it answers is used only if it keeps the placeholders the message needs (the
//! code's `{####}`, or a link's `{##...##}`, and for an invitation the
//! `{username}` too); otherwise the pool's message is sent.

use super::event::{with_metadata, EventBase, Trigger};
use crate::error::Result;
use crate::messages::templates::{fill, fill_link};
use crate::messages::{Channel, Message};
use crate::service::Service;
use cognate_api::types::LambdaConfigType;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The trigger source of a message of `kind` (the message's CustomMessage source
/// without its prefix; the sign-in's one-time codes are all `Authentication`).
pub(crate) fn message_source(kind: &str) -> &'static str {
    match kind {
        "SIGN_UP" => "CustomMessage_SignUp",
        "ADMIN_CREATE_USER" => "CustomMessage_AdminCreateUser",
        "RESEND_CODE" => "CustomMessage_ResendCode",
        "FORGOT_PASSWORD" => "CustomMessage_ForgotPassword",
        "UPDATE_USER_ATTRIBUTE" => "CustomMessage_UpdateUserAttribute",
        "VERIFY_USER_ATTRIBUTE" => "CustomMessage_VerifyUserAttribute",
        _ => "CustomMessage_Authentication",
    }
}

/// Whether a pool's LambdaConfig has a trigger for its messages.
pub(crate) fn message_triggers(config: &LambdaConfigType) -> bool {
    [
        Trigger::CustomMessage,
        Trigger::CustomEmailSender,
        Trigger::CustomSmsSender,
    ]
    .iter()
    .any(|t| t.arn_in(config).is_some())
}

/// AWS's placeholder for a link's text.
const LINK_PARAMETER: &str = "{##Click Here##}";

/// Whether `body` has a `{##text##}` link placeholder.
fn has_link(body: &str) -> bool {
    body.find("{##")
        .is_some_and(|i| body[i + 3..].find("##}").is_some_and(|len| len > 0))
}

/// Who a message is about, for the event.
pub(crate) struct MessageEvent<'a> {
    pub config: &'a LambdaConfigType,
    pub user_attributes: Value,
    pub client_id: Option<&'a str>,
    pub metadata: Option<&'a BTreeMap<String, String>>,
}

impl Service {
    /// Calls the pool's CustomMessage trigger for `message`, if it has one, and makes
    /// the message what the function answered.
    pub(crate) async fn custom_message(
        &self,
        e: MessageEvent<'_>,
        message: &mut Message,
    ) -> Result<()> {
        if Trigger::CustomMessage.arn_in(e.config).is_none() {
            return Ok(());
        }
        let invitation = message.kind == "ADMIN_CREATE_USER";
        let request = with_metadata(
            json!({
                "userAttributes": e.user_attributes,
                "codeParameter": "{####}",
                "linkParameter": LINK_PARAMETER,
                "usernameParameter": if invitation { json!("{username}") } else { Value::Null },
            }),
            e.metadata,
        );
        let event = EventBase::new(
            &message.pool_id,
            &message.username,
            e.client_id,
            message_source(&message.kind),
        )
        .event(
            request,
            json!({"smsMessage": null, "emailMessage": null, "emailSubject": null}),
        );
        let Some(answer) = self
            .call_trigger_in(Trigger::CustomMessage, Some(e.config), event)
            .await?
        else {
            return Ok(());
        };
        apply(message, &answer["response"]);
        Ok(())
    }
}

/// Makes `message` what the function's `response` says, where its bodies keep the
/// placeholders the message needs.
fn apply(message: &mut Message, response: &Value) {
    let code = message.code.clone().unwrap_or_default();
    let usable = |body: &str| {
        let carries = match &message.link {
            Some(_) => has_link(body) || body.contains("{####}"),
            None => body.contains("{####}"),
        };
        carries && (message.kind != "ADMIN_CREATE_USER" || body.contains("{username}"))
    };
    let body = match message.channel {
        Channel::Email => response["emailMessage"].as_str(),
        Channel::Sms => response["smsMessage"].as_str(),
    };
    if let Some(body) = body.filter(|b| !b.is_empty() && usable(b)) {
        let filled = fill(body, &message.username, &code);
        message.body = match &message.link {
            Some(url) => fill_link(&filled, url),
            None => filled,
        };
    }
    if message.channel == Channel::Email {
        if let Some(subject) = response["emailSubject"].as_str().filter(|s| !s.is_empty()) {
            message.subject = Some(subject.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: &str, channel: Channel) -> Message {
        Message {
            pool_id: "us-east-1_X".into(),
            username: "alice".into(),
            channel,
            destination: "alice@example.com".into(),
            kind: kind.into(),
            subject: Some("Your code".into()),
            body: "Your code is 123456".into(),
            code: Some("123456".into()),
            link: None,
        }
    }

    #[test]
    fn an_answer_with_the_code_replaces_the_message() {
        let mut m = message("SIGN_UP", Channel::Email);
        apply(
            &mut m,
            &json!({"emailMessage": "Welcome {username}: {####}", "emailSubject": "Hi"}),
        );
        assert_eq!(m.body, "Welcome alice: 123456");
        assert_eq!(m.subject.as_deref(), Some("Hi"));
    }

    #[test]
    fn an_answer_without_its_placeholders_keeps_the_pools_message() {
        let mut m = message("FORGOT_PASSWORD", Channel::Sms);
        apply(&mut m, &json!({"smsMessage": "no code here"}));
        assert_eq!(m.body, "Your code is 123456");
        let mut m = message("ADMIN_CREATE_USER", Channel::Email);
        apply(&mut m, &json!({"emailMessage": "password {####}"}));
        assert_eq!(
            m.body, "Your code is 123456",
            "an invitation needs {{username}}"
        );
        apply(&mut m, &json!({"emailMessage": "{username}: {####}"}));
        assert_eq!(m.body, "alice: 123456");
    }

    #[test]
    fn a_link_message_takes_a_link_placeholder() {
        let mut m = message("SIGN_UP", Channel::Email);
        m.link = Some("https://x/confirm?code=1".into());
        apply(&mut m, &json!({"emailMessage": "Go {##Verify##}"}));
        assert_eq!(m.body, "Go <a href=\"https://x/confirm?code=1\">Verify</a>");
    }
}
