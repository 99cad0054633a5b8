//! One email or SMS the service sends, composed inside the write that causes it and
//! delivered after that write commits (see `crate::effects`).

use cognate_api::types::DeliveryMediumType;

/// A message to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub pool_id: String,
    pub username: String,
    pub channel: Channel,
    pub destination: String,
    /// Cognito's CustomMessage trigger source without its prefix, e.g. ADMIN_CREATE_USER.
    pub kind: String,
    pub subject: Option<String>,
    pub body: String,
    /// The code or temporary password the message carries, if any.
    pub code: Option<String>,
    /// The confirmation link a link message carries (its `{##text##}` made into it).
    pub link: Option<String>,
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
