//! Sending messages outside the process, after the write that composed them has
//! committed: email over SMTP (`--smtp-url`, `smtp.rs`) and SMS POSTed to a webhook
//! (`--sms-webhook`, `sms_webhook.rs`). `Outbound` wraps the domain's own delivery (the
//! outbox that `/_cognate/messages` serves, or nothing) and adds these; each send runs
//! in the background with retries (`retry.rs`), so a slow or failing mail server never
//! holds up or fails the request, and a message that cannot be sent is logged with its
//! id, never dropped silently. Requests to identity providers for federated sign-in
//! go out through `upstream_http.rs`, Lambda triggers' calls through `lambda.rs`, and
//! the requests for the data keys of custom sender triggers' codes through `kms.rs`,
//! both signed by `sigv4.rs`.

mod kms;
mod lambda;
mod retry;
mod sigv4;
mod sms_webhook;
mod smtp;
mod upstream_http;

pub use kms::KmsClient;
pub use lambda::LambdaClient;
pub use retry::RetryPolicy;
pub use sms_webhook::SmsWebhook;
pub use smtp::Smtp;
pub use upstream_http::HttpUpstream;

use cognate_domain::{Channel, Delivery, Outgoing};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Told of each message that could not be sent, with the last error (the service's
/// `userNotification` log). Called from the message's background task.
pub type FailureHook = Arc<dyn Fn(cognate_domain::Message, String) + Send + Sync>;

/// The domain's delivery plus real email and SMS.
pub struct Outbound {
    local: Arc<dyn Delivery>,
    smtp: Option<Arc<Smtp>>,
    sms: Option<Arc<SmsWebhook>>,
    retry: RetryPolicy,
    pending: Arc<AtomicUsize>,
    on_failure: Arc<OnceLock<FailureHook>>,
}

impl Outbound {
    /// `local` first (the outbox), then `smtp` for emails and `sms` for SMS when given.
    pub fn new(local: Arc<dyn Delivery>, smtp: Option<Smtp>, sms: Option<SmsWebhook>) -> Self {
        Outbound {
            local,
            smtp: smtp.map(Arc::new),
            sms: sms.map(Arc::new),
            retry: RetryPolicy::default(),
            pending: Arc::default(),
            on_failure: Arc::default(),
        }
    }

    /// Where to set, once, the hook told of messages that could not be sent (the
    /// service is made after its delivery).
    pub fn failure_hook(&self) -> Arc<OnceLock<FailureHook>> {
        self.on_failure.clone()
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Messages accepted and not yet sent or given up (still being tried).
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// A handle that reports `pending` after the `Outbound` itself has been handed over.
    pub fn pending_counter(&self) -> Arc<AtomicUsize> {
        self.pending.clone()
    }
}

/// Where one message goes out.
enum Route {
    Smtp(Arc<Smtp>),
    Sms(Arc<SmsWebhook>),
}

impl Route {
    async fn send(&self, outgoing: &Outgoing) -> Result<(), retry::Failure> {
        match self {
            Route::Smtp(smtp) => smtp.send(outgoing).await,
            Route::Sms(sms) => sms.send(outgoing).await,
        }
    }
}

impl Delivery for Outbound {
    fn deliver<'a>(
        &'a self,
        messages: &'a [Outgoing],
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            self.local.deliver(messages).await;
            for outgoing in messages {
                let route = match outgoing.message.channel {
                    Channel::Email => self.smtp.clone().map(Route::Smtp),
                    Channel::Sms => self.sms.clone().map(Route::Sms),
                };
                if let Some(route) = route {
                    let about = retry::About::of(&outgoing.message);
                    self.pending.fetch_add(1, Ordering::SeqCst);
                    let (policy, pending) = (self.retry.clone(), self.pending.clone());
                    let on_failure = self.on_failure.clone();
                    let outgoing = outgoing.clone();
                    tokio::spawn(async move {
                        let failed = retry::run(&policy, &about, || route.send(&outgoing)).await;
                        if let (Some(error), Some(hook)) = (failed, on_failure.get()) {
                            hook(outgoing.message.clone(), error);
                        }
                        pending.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            }
        })
    }

    fn needs_sender(&self) -> bool {
        self.smtp.is_some()
    }
}
