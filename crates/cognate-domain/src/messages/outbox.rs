//! Email and SMS the service "sends": recorded in the outbox that `/_cognate/messages`
//! serves, with Cognito's message templates filled in.

use crate::clock::now;
use crate::error::Result;
use cognate_api::types::DeliveryMediumType;
use cognate_store::records::outbox::{self, MessageRow};
use cognate_store::Conn;

/// One message to record.
pub struct Message<'a> {
    pub pool_id: &'a str,
    pub username: &'a str,
    pub channel: Channel,
    pub destination: &'a str,
    /// Cognito's CustomMessage trigger source without its prefix, e.g. ADMIN_CREATE_USER.
    pub kind: &'a str,
    pub subject: Option<String>,
    pub body: String,
    pub code: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    /// The channel as AWS names it (CodeDeliveryDetails' DeliveryMedium).
    pub fn medium(self) -> DeliveryMediumType {
        match self {
            Channel::Email => DeliveryMediumType::EMAIL,
            Channel::Sms => DeliveryMediumType::SMS,
        }
    }
}

pub fn send(conn: &mut dyn Conn, m: Message<'_>) -> Result<()> {
    outbox::insert(
        conn,
        &MessageRow {
            pool_id: m.pool_id.to_string(),
            username: m.username.to_string(),
            channel: m.channel.medium().into(),
            destination: m.destination.to_string(),
            kind: m.kind.to_string(),
            subject: m.subject,
            message: m.body,
            code: m.code,
            created_at: now(),
        },
    )?;
    Ok(())
}

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
