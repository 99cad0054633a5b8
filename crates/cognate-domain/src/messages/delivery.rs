//! Delivering messages after the write that composed them has committed. The service
//! holds one `Delivery`; the default records each message in the outbox that
//! `/_cognate/messages` serves. Tests, and the binary when it also sends
//! mail over SMTP or SMS to a webhook (`cognate-delivery`), put their own in its place
//! with `Service::with_delivery`.

use super::sender::Outgoing;
use crate::clock::now;
use cognate_store::records::outbox::{self, MessageRow};
use cognate_store::Store;
use std::future::Future;
use std::pin::Pin;

/// Where messages go once their write has committed. Called once per committed write,
/// never for a transaction that was rolled back or re-run.
pub trait Delivery: Send + Sync + 'static {
    fn deliver<'a>(
        &'a self,
        messages: &'a [Outgoing],
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

    /// Whether emails should come with their sender (`Outgoing::sender`), which costs a
    /// read of the pool: only a delivery that really sends mail needs it.
    fn needs_sender(&self) -> bool {
        false
    }
}

/// How long the outbox keeps a message: a day, the longest a code it carries is
/// useful for a test (reset and verification codes live an hour; an invitation's
/// temporary password may live longer, but a test reads it within minutes). Older
/// messages are deleted by `Service::purge_expired`.
pub const OUTBOX_LIFETIME_SECONDS: f64 = 86_400.0;

/// Keeps nothing: the delivery of a service without the control API, where nobody
/// reads the outbox (an SMTP or SMS delivery takes its place when there is one).
pub struct Discard;

impl Delivery for Discard {
    fn deliver<'a>(
        &'a self,
        _messages: &'a [Outgoing],
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}

/// Records messages in the outbox table, in a transaction of their own.
pub struct OutboxDelivery {
    store: Store,
}

impl OutboxDelivery {
    pub fn new(store: Store) -> Self {
        OutboxDelivery { store }
    }
}

impl Delivery for OutboxDelivery {
    fn deliver<'a>(
        &'a self,
        messages: &'a [Outgoing],
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let t = now();
            let rows: Vec<MessageRow> = messages
                .iter()
                .map(|o| &o.message)
                .map(|m| MessageRow {
                    pool_id: m.pool_id.clone(),
                    username: m.username.clone(),
                    channel: m.channel.medium().into(),
                    destination: m.destination.clone(),
                    kind: m.kind.clone(),
                    subject: m.subject.clone(),
                    message: m.body.clone(),
                    code: m.code.clone(),
                    created_at: t,
                })
                .collect();
            let recorded = self
                .store
                .write(move |c| {
                    for row in &rows {
                        outbox::insert(c, row)?;
                    }
                    Ok::<_, cognate_store::StoreError>(())
                })
                .await;
            if let Err(e) = recorded {
                // The write that sent them is committed: the messages are reported, not
                // the request failed. Codes and bodies are secrets and are not logged.
                for m in messages.iter().map(|o| &o.message) {
                    tracing::error!(error = %e, pool = %m.pool_id, kind = %m.kind, channel = m.channel.medium().as_str(), "recording a sent message failed");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::OUTBOX_LIFETIME_SECONDS;
    use crate::clock::now;
    use crate::service::{test_config, Service};
    use crate::SecretBox;
    use cognate_api::types::*;
    use cognate_store::records::outbox::{self, MessageRow};
    use cognate_store::Store;

    async fn invite_alice(service: &Service) {
        let pool_id = crate::service::test_pool(service).await;
        service
            .admin_create_user(AdminCreateUserRequest {
                user_pool_id: Some(pool_id),
                username: Some("alice".into()),
                temporary_password: Some("Temp0rary!".into()),
                desired_delivery_mediums: Some(vec!["EMAIL".into()]),
                user_attributes: Some(vec![AttributeType {
                    name: Some("email".into()),
                    value: Some("alice@example.com".into()),
                }]),
                ..Default::default()
            })
            .await
            .expect("user");
    }

    /// Without the control API nobody reads the outbox: the temporary password of an
    /// invitation is not kept anywhere. With it, the invitation is recorded.
    #[tokio::test]
    async fn the_outbox_records_messages_only_with_the_control_api() {
        for control_api in [false, true] {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = Store::open_sqlite(dir.path()).expect("store");
            let service = Service::new(
                store.clone(),
                crate::ServiceConfig {
                    control_api,
                    ..test_config()
                },
                SecretBox::new(&SecretBox::generate_key()),
            );
            invite_alice(&service).await;
            let recorded = store
                .read(|c| outbox::list(c, None, None, None))
                .await
                .expect("outbox");
            assert_eq!(recorded.len(), usize::from(control_api), "{control_api}");
        }
    }

    /// The periodic purge deletes sent messages older than the outbox's lifetime and
    /// keeps younger ones.
    #[tokio::test]
    async fn purge_expired_deletes_old_sent_messages() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(dir.path()).expect("store");
        let service = Service::new(
            store.clone(),
            test_config(),
            SecretBox::new(&SecretBox::generate_key()),
        );
        let t = now();
        let row = |username: &str, created_at: f64| MessageRow {
            pool_id: "p".into(),
            username: username.into(),
            channel: "EMAIL".into(),
            destination: format!("{username}@example.com"),
            kind: "FORGOT_PASSWORD".into(),
            subject: None,
            message: "Your code is 123456".into(),
            code: Some("123456".into()),
            created_at,
        };
        let (old, young) = (
            row("old", t - OUTBOX_LIFETIME_SECONDS - 60.0),
            row("young", t - 60.0),
        );
        store
            .write(move |c| {
                outbox::insert(c, &old)?;
                outbox::insert(c, &young)
            })
            .await
            .expect("insert");
        service.purge_expired().await.expect("purge");
        let left: Vec<String> = service
            .sent_messages(Default::default())
            .await
            .expect("messages")
            .into_iter()
            .map(|m| m.username)
            .collect();
        assert_eq!(left, vec!["young".to_string()]);
    }
}
