//! Cognito's message templates: a pool's template filled in, each part falling back to
//! Cognito's default; and destinations masked as CodeDeliveryDetails shows them.

use super::message::{Channel, Message};
use cognate_api::types::{DefaultEmailOptionType, VerificationMessageTemplateType};

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
            link: None,
        }
    }
}

/// Cognito's defaults for verification messages (VerificationMessageTemplate unset).
pub(crate) const DEFAULT_CODE_SUBJECT: &str = "Your verification code";
pub(crate) const DEFAULT_CODE_BODY: &str = "Your verification code is {####}. ";
pub(crate) const DEFAULT_LINK_SUBJECT: &str = "Your verification link";
pub(crate) const DEFAULT_LINK_BODY: &str =
    "Please click the link below to verify your email address. {##Verify Email##} ";
pub(crate) const DEFAULT_RESET_BODY: &str = "Your password reset code is {####}. ";

/// Replaces the first `{##text##}` of `body` with a link to `url` showing `text`, as
/// Cognito's EmailMessageByLink does (`{####}`, the code, is not a link).
pub fn fill_link(body: &str, url: &str) -> String {
    let mut from = 0;
    while let Some(start) = body[from..].find("{##").map(|i| i + from) {
        let Some(len) = body[start + 3..].find("##}") else {
            break;
        };
        let text = &body[start + 3..start + 3 + len];
        if text.is_empty() {
            from = start + 3;
            continue;
        }
        let href = url.replace('&', "&amp;").replace('"', "&quot;");
        return format!(
            "{}<a href=\"{href}\">{text}</a>{}",
            &body[..start],
            &body[start + 3 + len + 3..]
        );
    }
    body.to_string()
}

/// A verification message (codes of sign-up, resend, password reset and attribute
/// verification) from the pool's VerificationMessageTemplate. An email that may carry
/// a link (`link`: sign-up and resend) does when the pool's DefaultEmailOption is
/// CONFIRM_WITH_LINK; every other message carries the code.
pub(crate) fn verification_message(
    template: &VerificationMessageTemplateType,
    to: Recipient<'_>,
    kind: &str,
    code: &str,
    link: Option<&str>,
) -> Message {
    let by_link = template.default_email_option == Some(DefaultEmailOptionType::CONFIRM_WITH_LINK);
    if let (Channel::Email, Some(url), true) = (to.channel, link, by_link) {
        let subject = template
            .email_subject_by_link
            .as_deref()
            .unwrap_or(DEFAULT_LINK_SUBJECT);
        let body = template
            .email_message_by_link
            .as_deref()
            .unwrap_or(DEFAULT_LINK_BODY);
        return Message {
            pool_id: to.pool_id.to_string(),
            username: to.username.to_string(),
            channel: to.channel,
            destination: to.destination.to_string(),
            kind: kind.to_string(),
            subject: Some(subject.to_string()),
            body: fill_link(&fill(body, to.username, code), url),
            code: Some(code.to_string()),
            link: Some(url.to_string()),
        };
    }
    let default_body = if kind == "FORGOT_PASSWORD" {
        DEFAULT_RESET_BODY
    } else {
        DEFAULT_CODE_BODY
    };
    Template {
        email_subject: template.email_subject.as_deref(),
        email_message: template.email_message.as_deref(),
        sms_message: template.sms_message.as_deref(),
        default_subject: DEFAULT_CODE_SUBJECT,
        default_body,
    }
    .message(to, kind, code)
}

/// Percent-encodes a query component (RFC 3986 unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_placeholder_becomes_a_link_and_the_code_placeholder_the_code() {
        let body = fill(
            "Hi {username}, code {####}. {##Verify Email##} ",
            "al",
            "123456",
        );
        assert_eq!(
            fill_link(&body, "http://h/confirmUser?a=1&b=2"),
            "Hi al, code 123456. <a href=\"http://h/confirmUser?a=1&amp;b=2\">Verify Email</a> "
        );
        assert_eq!(fill_link("no link", "http://h"), "no link");
        assert_eq!(percent_encode("a b@c+d"), "a%20b%40c%2Bd");
    }
}
