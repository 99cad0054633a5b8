//! Sending one message with retries. A failure that may pass (the server unreachable,
//! a 5xx, a timeout) is tried again after a growing pause; one that cannot (an address
//! the server refuses for good, a 4xx from the webhook) is not. Every failure is logged
//! with the message's id, pool and kind, never its text or destination's code.

use cognate_domain::{Channel, Message};
use std::future::Future;
use std::time::Duration;

/// Why a send failed, and whether trying again can help.
#[derive(Debug)]
pub enum Failure {
    Transient(String),
    Permanent(String),
}

/// The pauses between attempts: by default 1 s, 5 s, 30 s, 2 min and 10 min, so a
/// message survives a mail server's restart or a short outage (about 13 minutes).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub pauses: Vec<Duration>,
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            pauses: [1, 5, 30, 120, 600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// What the log says of a message: never its body or code.
pub(crate) struct About {
    id: String,
    pool: String,
    kind: String,
    channel: &'static str,
}

impl About {
    pub(crate) fn of(m: &Message) -> About {
        About {
            id: uuid::Uuid::new_v4().to_string(),
            pool: m.pool_id.clone(),
            kind: m.kind.clone(),
            channel: match m.channel {
                Channel::Email => "EMAIL",
                Channel::Sms => "SMS",
            },
        }
    }
}

/// Sends with `send` (one attempt per call) until it succeeds, fails for good, or the
/// policy's attempts are spent; answers the last error of a message not sent.
pub(crate) async fn run<F, Fut>(policy: &RetryPolicy, about: &About, send: F) -> Option<String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let attempts = policy.pauses.len() + 1;
    for attempt in 1..=attempts {
        let failure = match tokio::time::timeout(policy.attempt_timeout, send()).await {
            Ok(Ok(())) => {
                tracing::debug!(message_id = %about.id, pool = %about.pool, kind = %about.kind, channel = about.channel, attempt, "message sent");
                return None;
            }
            Ok(Err(f)) => f,
            Err(_) => Failure::Transient(format!(
                "no answer within {} s",
                policy.attempt_timeout.as_secs()
            )),
        };
        match failure {
            Failure::Permanent(error) => {
                tracing::error!(message_id = %about.id, pool = %about.pool, kind = %about.kind, channel = about.channel, attempt, %error, "sending a message failed for good; not retried");
                return Some(error);
            }
            Failure::Transient(error) if attempt < attempts => {
                let pause = policy.pauses[attempt - 1];
                tracing::warn!(message_id = %about.id, pool = %about.pool, kind = %about.kind, channel = about.channel, attempt, %error, retry_in_ms = pause.as_millis() as u64, "sending a message failed; will retry");
                tokio::time::sleep(pause).await;
            }
            Failure::Transient(error) => {
                tracing::error!(message_id = %about.id, pool = %about.pool, kind = %about.kind, channel = about.channel, attempt, %error, "sending a message failed; giving up after the last retry");
                return Some(error);
            }
        }
    }
    None
}
