//! Who an email is from: the pool's EmailConfiguration, as Cognito reads it. With
//! Cognito's own account (COGNITO_DEFAULT) mail comes from the SES identity in
//! `SourceArn` when there is one, else `no-reply@verificationemail.com`; `From` counts
//! only with DEVELOPER (AWS: "You can set the From parameter when you set
//! EmailSendingAccount to DEVELOPER"), falling back to the SES identity.

use super::message::Message;
use cognate_api::types::{EmailConfigurationType, EmailSendingAccountType, UserPoolType};

/// Cognito's sender when the pool configures none.
pub const DEFAULT_FROM: &str = "no-reply@verificationemail.com";

/// The From and Reply-To of a pool's emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSender {
    pub from: String,
    pub reply_to: Option<String>,
}

impl EmailSender {
    pub fn of(pool: &UserPoolType) -> EmailSender {
        let config = pool.email_configuration.clone().unwrap_or_default();
        EmailSender {
            from: from(&config),
            reply_to: config.reply_to_email_address.filter(|a| !a.is_empty()),
        }
    }
}

fn from(config: &EmailConfigurationType) -> String {
    let developer = config.email_sending_account == Some(EmailSendingAccountType::DEVELOPER);
    if let Some(from) = config
        .from
        .as_deref()
        .filter(|f| developer && !f.trim().is_empty())
    {
        return from.to_string();
    }
    // arn:aws:ses:<region>:<account>:identity/<email address or domain>
    let identity = config
        .source_arn
        .as_deref()
        .and_then(|arn| arn.rsplit_once(":identity/"))
        .map(|(_, id)| id);
    match identity {
        Some(address) if address.contains('@') => address.to_string(),
        Some(domain) if !domain.is_empty() => format!("no-reply@{domain}"),
        _ => DEFAULT_FROM.to_string(),
    }
}

/// A message on its way out, with what its channel needs beyond the message itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub message: Message,
    /// For email: who it is from (None for SMS, or when the delivery asked for none).
    pub sender: Option<EmailSender>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(config: EmailConfigurationType) -> EmailSender {
        EmailSender::of(&UserPoolType {
            email_configuration: Some(config),
            ..Default::default()
        })
    }

    #[test]
    fn the_sender_follows_the_email_configuration() {
        assert_eq!(sender(Default::default()).from, DEFAULT_FROM);
        let from_identity = sender(EmailConfigurationType {
            source_arn: Some("arn:aws:ses:us-east-1:123456789012:identity/auth@example.com".into()),
            reply_to_email_address: Some("help@example.com".into()),
            ..Default::default()
        });
        assert_eq!(from_identity.from, "auth@example.com");
        assert_eq!(from_identity.reply_to.as_deref(), Some("help@example.com"));
        let domain = sender(EmailConfigurationType {
            source_arn: Some("arn:aws:ses:us-east-1:123456789012:identity/example.com".into()),
            ..Default::default()
        });
        assert_eq!(domain.from, "no-reply@example.com");
        let named = |account| {
            sender(EmailConfigurationType {
                source_arn: Some("arn:aws:ses:us-east-1:123456789012:identity/example.com".into()),
                from: Some("Example <hello@example.com>".into()),
                email_sending_account: Some(account),
                ..Default::default()
            })
            .from
        };
        assert_eq!(
            named(EmailSendingAccountType::DEVELOPER),
            "Example <hello@example.com>"
        );
        assert_eq!(
            named(EmailSendingAccountType::COGNITO_DEFAULT),
            "no-reply@example.com"
        );
    }
}
