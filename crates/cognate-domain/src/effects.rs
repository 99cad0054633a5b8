//! What a write causes outside the store. A write closure may run more than once (the
//! store re-runs conflicting PostgreSQL transactions), so it never acts outside the
//! store: it returns its `Effects` with its result, and the service carries them out
//! once, after the commit (`Service::after_commit`). Only the run that committed counts.

use crate::messages::{Channel, EmailSender, Message, Outgoing};
use crate::pools::PoolView;
use crate::service::Service;
use cognate_api::types::LambdaConfigType;
use std::collections::BTreeMap;

/// The effects of one committed write.
#[derive(Debug, Default)]
#[must_use = "effects happen only when passed to Service::after_commit"]
pub(crate) struct Effects {
    /// Emails and SMS to deliver now.
    pub(crate) messages: Vec<Message>,
    /// The app client the request named, and its ClientMetadata, for the messages'
    /// triggers (CustomMessage).
    pub(crate) client_id: Option<String>,
    pub(crate) client_metadata: Option<BTreeMap<String, String>>,
}

impl Effects {
    /// The effects of a write that sends one message.
    pub(crate) fn of(message: Message) -> Effects {
        Effects {
            messages: vec![message],
            ..Effects::default()
        }
    }

    /// The request's client and ClientMetadata, for the messages' triggers.
    pub(crate) fn for_client(
        mut self,
        client_id: Option<&str>,
        metadata: Option<&BTreeMap<String, String>>,
    ) -> Effects {
        self.client_id = client_id.map(str::to_string);
        self.client_metadata = metadata.cloned();
        self
    }

    pub(crate) fn send(&mut self, message: Message) {
        self.messages.push(message);
    }
}

impl Service {
    /// Carries out a committed write's effects: each message is made by the pool's
    /// CustomMessage trigger where it has one, then goes to the delivery, emails with
    /// their pool's sender when the delivery sends mail. A trigger's failure is the
    /// caller's error (the write stands, and that message is not sent).
    pub(crate) async fn after_commit(&self, effects: Effects) -> crate::error::Result<()> {
        if effects.messages.is_empty() {
            return Ok(());
        }
        let mut messages = effects.messages;
        let mut failure = None;
        let triggers = self.message_triggers(&messages).await;
        for m in &mut messages {
            let Some((config, attributes)) = triggers.get(&(m.pool_id.clone(), m.username.clone()))
            else {
                continue;
            };
            if self
                .custom_sender(
                    config,
                    attributes,
                    effects.client_id.as_deref(),
                    effects.client_metadata.as_ref(),
                    m,
                )
                .await
            {
                // The pool's function sends it.
                m.kind.clear();
                continue;
            }
            let event = crate::triggers::MessageEvent {
                config,
                user_attributes: attributes.clone(),
                client_id: effects.client_id.as_deref(),
                metadata: effects.client_metadata.as_ref(),
            };
            if let Err(e) = self.custom_message(event, m).await {
                failure = Some(e);
                m.kind.clear();
            }
        }
        messages.retain(|m| !m.kind.is_empty());
        let senders = if self.delivery().needs_sender() {
            self.email_senders(&messages).await
        } else {
            BTreeMap::new()
        };
        let outgoing: Vec<Outgoing> = messages
            .into_iter()
            .map(|message| Outgoing {
                sender: (message.channel == Channel::Email)
                    .then(|| senders.get(&message.pool_id).cloned())
                    .flatten(),
                message,
            })
            .collect();
        if !outgoing.is_empty() {
            self.delivery().deliver(&outgoing).await;
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// For each message's user whose pool has message triggers: the pool's
    /// LambdaConfig and the user's attributes as events carry them.
    async fn message_triggers(
        &self,
        messages: &[Message],
    ) -> BTreeMap<(String, String), (LambdaConfigType, serde_json::Value)> {
        let wanted: Vec<(String, String)> = messages
            .iter()
            .map(|m| (m.pool_id.clone(), m.username.clone()))
            .collect();
        let cache = self.pool_cache();
        let read = self
            .store()
            .read(move |c| {
                let mut found = BTreeMap::new();
                for (pool_id, username) in wanted {
                    let Ok(pool) = PoolView::load(c, &cache, &pool_id) else {
                        continue;
                    };
                    let Some(config) = pool
                        .pool
                        .lambda_config
                        .clone()
                        .filter(crate::triggers::message_triggers)
                    else {
                        continue;
                    };
                    let Some((row, doc)) = crate::users::find(c, &pool, &username)? else {
                        continue;
                    };
                    let attributes = crate::triggers::user_attributes(&doc.attributes, &row.status);
                    found.insert((pool_id, username), (config, attributes));
                }
                Ok::<_, crate::error::Error>(found)
            })
            .await;
        read.unwrap_or_default()
    }

    /// The sender of each pool that `messages` send email for. A pool deleted since
    /// gets Cognito's default sender: the message is still sent.
    async fn email_senders(&self, messages: &[Message]) -> BTreeMap<String, EmailSender> {
        let pools: Vec<String> = messages
            .iter()
            .filter(|m| m.channel == Channel::Email)
            .map(|m| m.pool_id.clone())
            .collect();
        let cache = self.pool_cache();
        let read = self
            .store()
            .read(move |c| {
                let mut senders = BTreeMap::new();
                for id in pools {
                    if let Ok(pool) = PoolView::load(c, &cache, &id) {
                        senders.insert(id, EmailSender::of(&pool.pool));
                    }
                }
                Ok::<_, crate::error::Error>(senders)
            })
            .await;
        let mut senders = read.unwrap_or_default();
        for m in messages.iter().filter(|m| m.channel == Channel::Email) {
            senders
                .entry(m.pool_id.clone())
                .or_insert_with(|| EmailSender::of(&Default::default()));
        }
        senders
    }
}

#[cfg(test)]
mod tests {
    use crate::messages::{Channel, Delivery, Message, Outgoing};
    use crate::service::{test_config, Service};
    use crate::SecretBox;
    use cognate_api::types::*;
    use cognate_store::Store;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};

    /// Keeps what it is given, and how many times it was called.
    #[derive(Default)]
    struct Recorder {
        calls: Mutex<Vec<Vec<Message>>>,
    }

    impl Delivery for Recorder {
        fn deliver<'a>(
            &'a self,
            messages: &'a [Outgoing],
        ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
            Box::pin(async move {
                let messages = messages.iter().map(|o| o.message.clone()).collect();
                self.calls.lock().expect("lock").push(messages);
            })
        }
    }

    /// Messages reach the delivery once per committed write, after it; a write that
    /// fails delivers nothing, and nothing is recorded in the outbox behind the
    /// delivery's back.
    #[tokio::test]
    async fn messages_are_delivered_once_after_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(dir.path()).expect("store");
        let recorder = Arc::new(Recorder::default());
        let service = Service::with_delivery(
            store.clone(),
            test_config(),
            SecretBox::new(&SecretBox::generate_key()),
            recorder.clone(),
        );
        let pool_id = crate::service::test_pool(&service).await;
        let create = AdminCreateUserRequest {
            user_pool_id: Some(pool_id.clone()),
            username: Some("alice".into()),
            temporary_password: Some("Temp0rary!".into()),
            desired_delivery_mediums: Some(vec!["EMAIL".into()]),
            user_attributes: Some(vec![AttributeType {
                name: Some("email".into()),
                value: Some("alice@example.com".into()),
            }]),
            ..Default::default()
        };
        service
            .admin_create_user(create.clone())
            .await
            .expect("user");
        {
            let calls = recorder.calls.lock().expect("lock");
            assert_eq!(calls.len(), 1, "one delivery for one write");
            let m = &calls[0];
            assert_eq!(m.len(), 1);
            assert_eq!(m[0].kind, "ADMIN_CREATE_USER");
            assert_eq!(m[0].channel, Channel::Email);
            assert_eq!(m[0].destination, "alice@example.com");
            assert_eq!(m[0].code.as_deref(), Some("Temp0rary!"));
            assert!(m[0].body.contains("Temp0rary!"));
        }
        // The same user again: the write fails, so its invitation is never delivered.
        service
            .admin_create_user(create)
            .await
            .expect_err("the user exists");
        assert_eq!(recorder.calls.lock().expect("lock").len(), 1);
        // The outbox is the default delivery's: with another one, nothing is recorded.
        let recorded = store
            .read(|c| cognate_store::records::outbox::list(c, None, None, None))
            .await
            .expect("outbox");
        assert!(recorded.is_empty());
    }

    /// On PostgreSQL, concurrent writes to one user conflict and the store runs them
    /// again: each committed write still delivers its message exactly once.
    #[test]
    #[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
    fn conflicting_writes_deliver_once_each_on_postgresql() {
        let url = std::env::var("COGNATE_TEST_DATABASE_URL")
            .expect("COGNATE_TEST_DATABASE_URL must be set to run the PostgreSQL tests");
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        postgres::Client::connect(&url, postgres::NoTls)
            .expect("connect to PostgreSQL")
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create schema");
        let sep = if url.contains('?') { '&' } else { '?' };
        let store = Store::open_postgres(&format!("{url}{sep}options=-csearch_path%3D{schema}"))
            .expect("open PostgreSQL");
        let recorder = Arc::new(Recorder::default());
        let service = Service::with_delivery(
            store,
            test_config(),
            SecretBox::new(&SecretBox::generate_key()),
            recorder.clone(),
        );
        const WRITERS: usize = 12;
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async {
                let pool_id = crate::service::test_pool(&service).await;
                crate::service::test_verified_alice(&service, &pool_id).await;
                let resets = (0..WRITERS).map(|_| {
                    let (service, pool_id) = (service.clone(), pool_id.clone());
                    tokio::spawn(async move {
                        service
                            .admin_reset_user_password(AdminResetUserPasswordRequest {
                                user_pool_id: Some(pool_id),
                                username: Some("alice".into()),
                                ..Default::default()
                            })
                            .await
                            .expect("reset")
                    })
                });
                for reset in resets.collect::<Vec<_>>() {
                    reset.await.expect("task");
                }
            });
        let calls = recorder.calls.lock().expect("lock");
        assert_eq!(calls.len(), WRITERS, "one delivery per committed reset");
        assert!(calls
            .iter()
            .all(|m| m.len() == 1 && m[0].kind == "FORGOT_PASSWORD"));
    }
}
