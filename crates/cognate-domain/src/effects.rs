//! What a write causes outside the store. A write closure may run more than once (the
//! store re-runs conflicting PostgreSQL transactions), so it never acts outside the
//! store: it returns its `Effects` with its result, and the service carries them out
//! once, after the commit (`Service::after_commit`). Only the run that committed counts.

use crate::messages::Message;
use crate::service::Service;

/// The effects of one committed write.
#[derive(Debug, Default)]
#[must_use = "effects happen only when passed to Service::after_commit"]
pub(crate) struct Effects {
    /// Emails and SMS to deliver now.
    pub(crate) messages: Vec<Message>,
}

impl Effects {
    pub(crate) fn send(&mut self, message: Message) {
        self.messages.push(message);
    }
}

impl Service {
    /// Carries out a committed write's effects: its messages go to the delivery.
    pub(crate) async fn after_commit(&self, effects: Effects) {
        if !effects.messages.is_empty() {
            self.delivery().deliver(&effects.messages).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::messages::{Channel, Delivery, Message};
    use crate::service::{test_config, Service};
    use crate::SecretBox;
    use cognate_api::types::*;
    use cognate_api::RequestContext;
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
            messages: &'a [Message],
        ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
            Box::pin(async move {
                self.calls.lock().expect("lock").push(messages.to_vec());
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
        let pool_id = service
            .create_user_pool(
                &RequestContext::default(),
                CreateUserPoolRequest {
                    pool_name: Some("p".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("pool")
            .user_pool
            .and_then(|p| p.id)
            .expect("pool id");
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
}
