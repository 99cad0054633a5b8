//! What the service offers beyond Cognito's operations, for tests and local use: the
//! messages it sent, and deleting all state.

use crate::service::Service;
use cognate_store::records::outbox;
use cognate_store::StoreError;

/// Which sent messages to list; each filter given must match.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub pool_id: Option<String>,
    /// The recipient's username, email address or phone number.
    pub username: Option<String>,
    /// `EMAIL` or `SMS`.
    pub channel: Option<String>,
}

/// An email or SMS the service sent.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub pool_id: String,
    pub username: String,
    /// `EMAIL` or `SMS`.
    pub channel: String,
    pub destination: String,
    /// Cognito's CustomMessage trigger source without its prefix, e.g. ADMIN_CREATE_USER.
    pub kind: String,
    pub subject: Option<String>,
    pub message: String,
    /// The code or temporary password the message carries.
    pub code: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: f64,
}

impl Service {
    /// The messages sent that match `filter`, oldest first.
    pub async fn sent_messages(
        &self,
        filter: MessageFilter,
    ) -> Result<Vec<SentMessage>, StoreError> {
        let rows = self
            .store()
            .read(move |c| {
                outbox::list(
                    c,
                    filter.pool_id.as_deref(),
                    filter.username.as_deref(),
                    filter.channel.as_deref(),
                )
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| SentMessage {
                pool_id: m.pool_id,
                username: m.username,
                channel: m.channel,
                destination: m.destination,
                kind: m.kind,
                subject: m.subject,
                message: m.message,
                code: m.code,
                created_at: m.created_at,
            })
            .collect())
    }

    /// Deletes all state: every pool and what belongs to it, and the messages sent. The
    /// service's own settings stay.
    pub async fn reset(&self) -> Result<(), StoreError> {
        self.store().reset().await?;
        self.domain_hosts().clear();
        self.reset_quotas();
        Ok(())
    }
}
