//! Delivering messages after the write that composed them has committed. The service
//! holds one `Delivery`; the default records each message in the outbox that
//! `/_cognate/messages` serves. Tests (and later SMTP or an SMS gateway) put their own in
//! its place with `Service::with_delivery`.

use super::message::Message;
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
        messages: &'a [Message],
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
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
        messages: &'a [Message],
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let t = now();
            let rows: Vec<MessageRow> = messages
                .iter()
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
                for m in messages {
                    tracing::error!(error = %e, pool = %m.pool_id, kind = %m.kind, channel = m.channel.medium().as_str(), "recording a sent message failed");
                }
            }
        })
    }
}
