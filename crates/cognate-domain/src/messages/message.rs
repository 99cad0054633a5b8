//! One email or SMS the service sends, composed inside the write that causes it and
//! delivered after that write commits (see `crate::effects`).

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
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Sms => "SMS",
        }
    }
}
