//! Cognito's message templates: a pool's template filled in, each part falling back to
//! Cognito's default; and destinations masked as CodeDeliveryDetails shows them.

use super::message::{Channel, Message};

/// Fills `{username}` and `{####}` of a Cognito message template.
pub fn fill(template: &str, username: &str, code: &str) -> String {
    template
        .replace("{username}", username)
        .replace("{####}", code)
}

/// A message's subject (email only) and body from a pool's template, each part falling
/// back to Cognito's default.
pub fn compose(
    channel: Channel,
    email_subject: Option<&str>,
    email_message: Option<&str>,
    sms_message: Option<&str>,
    default_subject: &str,
    default_body: &str,
) -> (Option<String>, String) {
    match channel {
        Channel::Email => (
            Some(email_subject.unwrap_or(default_subject).to_string()),
            email_message.unwrap_or(default_body).to_string(),
        ),
        Channel::Sms => (None, sms_message.unwrap_or(default_body).to_string()),
    }
}

/// A destination as Cognito shows it in CodeDeliveryDetails: `a***@e***` for an email
/// address, `+*******1234` for a phone number.
pub fn mask(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        return format!("{}***@{}***", first(local), first(domain));
    }
    let chars: Vec<char> = destination.chars().collect();
    let keep = chars.len().min(4);
    let (head, tail) = chars.split_at(chars.len() - keep);
    let mut out = String::new();
    for (i, c) in head.iter().enumerate() {
        out.push(if i == 0 && *c == '+' { '+' } else { '*' });
    }
    out.extend(tail);
    out
}

/// One of a pool's templates (the parts it sets) and Cognito's defaults for the rest.
pub(crate) struct Template<'a> {
    pub email_subject: Option<&'a str>,
    pub email_message: Option<&'a str>,
    pub sms_message: Option<&'a str>,
    pub default_subject: &'a str,
    pub default_body: &'a str,
}

/// Who a message goes to, and how.
pub(crate) struct Recipient<'a> {
    pub pool_id: &'a str,
    pub username: &'a str,
    pub channel: Channel,
    pub destination: &'a str,
}

impl Template<'_> {
    /// The message of `kind` carrying `code` (or a temporary password) to `to`.
    pub(crate) fn message(&self, to: Recipient<'_>, kind: &str, code: &str) -> Message {
        let (subject, body) = compose(
            to.channel,
            self.email_subject,
            self.email_message,
            self.sms_message,
            self.default_subject,
            self.default_body,
        );
        Message {
            pool_id: to.pool_id.to_string(),
            username: to.username.to_string(),
            channel: to.channel,
            destination: to.destination.to_string(),
            kind: kind.to_string(),
            subject,
            body: fill(&body, to.username, code),
            code: Some(code.to_string()),
        }
    }
}
