//! Threat protection's history of sign-ins: where the pool has threat protection on
//! (UserPoolAddOns AUDIT or ENFORCED), each sign-in that succeeds or fails on its
//! password is recorded for the user (event type SignIn, the response, the password
//! challenge's result, the IP address, the risk), newest first, and so are SignUp and
//! ForgotPassword (`record_event_in`, in their writes). AdminListUserAuthEvents lists them; AdminUpdateAuthEventFeedback marks one
//! Valid or Invalid (provider `Admin`). Kept as pool objects of kind `auth_event`,
//! keyed `<sub>/<newest first>/<event id>` so a user made again under the same name
//! does not inherit them.

use super::*;
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::{fail, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;

operation!(AdminListUserAuthEvents => Service::admin_list_user_auth_events);
operation!(AdminUpdateAuthEventFeedback => Service::admin_update_auth_event_feedback);
operation!(UpdateAuthEventFeedback => Service::update_auth_event_feedback);

/// Whether the pool records sign-in events.
pub(crate) fn threat_protection(pool: &UserPoolType) -> bool {
    pool.user_pool_add_ons
        .as_ref()
        .and_then(|a| a.advanced_security_mode.as_ref())
        .is_some_and(|m| *m != AdvancedSecurityModeType::OFF)
}

fn add_on_not_enabled() -> Error {
    fail(
        ErrorCode::UserPoolAddOnNotEnabledException,
        "Threat protection is not enabled for the user pool.",
    )
}

/// The key of an event: newest first under the user's sub.
fn key(sub: &str, created: f64, event_id: &str) -> String {
    let inverted = 99_999_999_999_999u64.saturating_sub((created * 1000.0) as u64);
    format!("{sub}/{inverted:015}/{event_id}")
}

/// A sign-in that passed: who, their email for a notification, and through which client.
pub(crate) struct SignedIn<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub client_id: Option<&'a str>,
}

/// Where a notification's feedback links lead (the server answers them).
pub const FEEDBACK_PATH: &str = "/authEventFeedback";

fn invalid_token() -> Error {
    fail(ErrorCode::NotAuthorizedException, "Invalid feedback token.")
}

/// Whether a passed sign-in from `ip` comes from an address new to a user who has
/// signed in before (among their latest 50 events).
fn new_address(c: &mut dyn Conn, pool_id: &str, sub: &str, ip: Option<&str>) -> Result<bool> {
    let Some(ip) = ip else {
        return Ok(false);
    };
    let page = pool_object::list_prefix(
        c,
        pool_id,
        Kind::AuthEvent,
        &format!("{sub}/"),
        &PageRequest {
            after: None,
            limit: 50,
        },
    )?;
    let mut signed_in_before = false;
    for row in &page.items {
        let event = event_of(row)?;
        if event.event_response != Some(EventResponseType::PASS) {
            continue;
        }
        signed_in_before = true;
        let from = event
            .event_context_data
            .as_ref()
            .and_then(|d| d.ip_address.as_deref());
        if from == Some(ip) {
            return Ok(false);
        }
    }
    Ok(signed_in_before)
}

/// In ENFORCED mode, the notification a Low-risk sign-in asks for: the risk
/// configuration's NotifyConfiguration and the Low action, where it notifies.
fn notification(
    c: &mut dyn Conn,
    cache: &crate::pools::cache::PoolCache,
    pool_id: &str,
    client_id: Option<&str>,
) -> Result<Option<(NotifyConfigurationType, AccountTakeoverEventActionType)>> {
    let pool = PoolView::load(c, cache, pool_id)?;
    if crate::pools::risk_configuration::mode(&pool.pool) != AdvancedSecurityModeType::ENFORCED {
        return Ok(None);
    }
    let Some(config) = crate::pools::risk_configuration::effective(c, pool_id, client_id)? else {
        return Ok(None);
    };
    let Some(takeover) = config.account_takeover_risk_configuration else {
        return Ok(None);
    };
    let Some(action) = takeover.actions.and_then(|a| a.low_action) else {
        return Ok(None);
    };
    match (action.notify, takeover.notify_configuration) {
        (Some(true), Some(notify)) => Ok(Some((
            notify,
            action
                .event_action
                .unwrap_or(AccountTakeoverEventActionType::NO_ACTION),
        ))),
        _ => Ok(None),
    }
}

/// In a write, where the pool has threat protection on: records an event other than a
/// sign-in (SignUp, ForgotPassword) for the user whose sub is `sub`, from `ip`.
pub(crate) fn record_event_in(
    c: &mut dyn Conn,
    pool: &PoolView,
    sub: &str,
    ip: Option<String>,
    event_type: EventType,
) -> Result<()> {
    if !threat_protection(&pool.pool) {
        return Ok(());
    }
    let created = now();
    let event_id = uuid::Uuid::new_v4().to_string();
    let event = AuthEventType {
        event_id: Some(event_id.clone()),
        event_type: Some(event_type),
        creation_date: Some(created),
        event_response: Some(EventResponseType::PASS),
        event_risk: Some(EventRiskType {
            risk_decision: Some(RiskDecisionType::NORISK),
            risk_level: None,
            compromised_credentials_detected: Some(false),
        }),
        challenge_responses: Some(Vec::new()),
        event_context_data: Some(EventContextDataType {
            ip_address: ip,
            ..Default::default()
        }),
        event_feedback: None,
    };
    pool_object::put(
        c,
        &pool.id,
        Kind::AuthEvent,
        &PoolObjectRow {
            key: key(sub, created, &event_id),
            created_at: created,
            doc: to_doc(&event)?,
        },
    )?;
    Ok(())
}

/// Marks the user's event `event_id` Valid or Invalid, by `provider`.
fn set_feedback(
    c: &mut dyn Conn,
    pool_id: &str,
    sub: &str,
    event_id: &str,
    value: FeedbackValueType,
    provider: &str,
) -> Result<()> {
    let (key, mut event) = find_event(c, pool_id, sub, event_id)?
        .ok_or_else(|| not_found(format!("Event {event_id} not found.")))?;
    event.event_feedback = Some(EventFeedbackType {
        feedback_value: Some(value),
        provider: Some(provider.into()),
        feedback_date: Some(now()),
    });
    pool_object::put(
        c,
        pool_id,
        Kind::AuthEvent,
        &PoolObjectRow {
            key,
            created_at: event.creation_date.unwrap_or_default(),
            doc: to_doc(&event)?,
        },
    )?;
    Ok(())
}

fn event_of(row: &PoolObjectRow) -> Result<AuthEventType> {
    from_doc(&row.doc)
}

/// The user's event `event_id`, with its key.
fn find_event(
    c: &mut dyn Conn,
    pool_id: &str,
    sub: &str,
    event_id: &str,
) -> Result<Option<(String, AuthEventType)>> {
    let suffix = format!("/{event_id}");
    let mut after = None;
    loop {
        let page = pool_object::list_prefix(
            c,
            pool_id,
            Kind::AuthEvent,
            &format!("{sub}/"),
            &PageRequest { after, limit: 500 },
        )?;
        for row in &page.items {
            if row.key.ends_with(&suffix) {
                return Ok(Some((row.key.clone(), event_of(row)?)));
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(None),
        }
    }
}

impl Service {
    /// Records a sign-in of the user whose sub is `sub` in pool `pool_id`, where
    /// `recorded` (the pool has threat protection on): from `ip`, passed (`signed_in`)
    /// or failed on its password. A passed sign-in from an address the user has never
    /// signed in from before, when they have signed in before, is an account-takeover
    /// risk of level Low; in ENFORCED mode, where the pool's (or the client's) risk
    /// configuration asks to be notified of it, the user is sent the notification email
    /// with its feedback links. A failure to record is logged; the sign-in's answer
    /// stands.
    pub(crate) async fn record_sign_in(
        &self,
        recorded: bool,
        pool_id: &str,
        sub: &str,
        ip: Option<String>,
        signed_in: Option<SignedIn<'_>>,
    ) {
        if !recorded {
            return;
        }
        let passed = signed_in.is_some();
        let created = now();
        let event_id = uuid::Uuid::new_v4().to_string();
        let event = AuthEventType {
            event_id: Some(event_id.clone()),
            event_type: Some(EventType::SIGNIN),
            creation_date: Some(created),
            event_response: Some(if passed {
                EventResponseType::PASS
            } else {
                EventResponseType::FAIL
            }),
            event_risk: Some(EventRiskType {
                risk_decision: Some(RiskDecisionType::NORISK),
                risk_level: None,
                compromised_credentials_detected: Some(false),
            }),
            challenge_responses: Some(vec![ChallengeResponseType {
                challenge_name: Some(ChallengeName::PASSWORD),
                challenge_response: Some(if passed {
                    ChallengeResponse::SUCCESS
                } else {
                    ChallengeResponse::FAILURE
                }),
            }]),
            event_context_data: Some(EventContextDataType {
                ip_address: ip.clone(),
                ..Default::default()
            }),
            event_feedback: None,
        };
        let (id, key) = (pool_id.to_string(), key(sub, created, &event_id));
        let (user_sub, client_id) = (
            sub.to_string(),
            signed_in
                .as_ref()
                .and_then(|s| s.client_id)
                .map(str::to_string),
        );
        let cache = self.pool_cache();
        let written = self
            .store()
            .write(move |c| {
                let mut record = event.clone();
                let mut notify = None;
                if passed && new_address(c, &id, &user_sub, ip.as_deref())? {
                    record.event_risk = Some(EventRiskType {
                        risk_decision: Some(RiskDecisionType::ACCOUNTTAKEOVER),
                        risk_level: Some(RiskLevelType::LOW),
                        compromised_credentials_detected: Some(false),
                    });
                    notify = notification(c, &cache, &id, client_id.as_deref())?;
                }
                pool_object::put(
                    c,
                    &id,
                    Kind::AuthEvent,
                    &PoolObjectRow {
                        key: key.clone(),
                        created_at: created,
                        doc: to_doc(&record)?,
                    },
                )?;
                let destination = crate::pools::log_delivery::destination_of(
                    c,
                    &id,
                    &EventSourceName::USERAUTHEVENTS,
                )?;
                Ok::<_, Error>((record, notify, destination))
            })
            .await;
        match written {
            Ok((record, notify, destination)) => {
                if let (Some((config, action)), Some(user)) = (notify, &signed_in) {
                    self.notify_risk(pool_id, sub, &record, &config, &action, user)
                        .await;
                }
                if let Some(destination) = destination {
                    let mut message = serde_json::to_value(&record).unwrap_or_default();
                    message["userSub"] = serde_json::Value::from(sub);
                    self.deliver_log(&destination, pool_id, "userAuthEvents", "INFO", message)
                        .await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e.0.message, "a sign-in event could not be recorded")
            }
        }
    }

    /// Sends the account-takeover notification of a risky sign-in, with its feedback
    /// links (after the event's write committed).
    async fn notify_risk(
        &self,
        pool_id: &str,
        sub: &str,
        event: &AuthEventType,
        config: &NotifyConfigurationType,
        action: &AccountTakeoverEventActionType,
        user: &SignedIn<'_>,
    ) {
        let Some(email) = user.email else {
            return;
        };
        let event_id = event.event_id.clone().unwrap_or_default();
        // Sealed, then base64url: the API's TokenModelType takes [A-Za-z0-9-_=.]+.
        let token = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.secrets().seal(
                Purpose::AuthEventFeedback,
                &serde_json::json!({"pool": pool_id, "sub": sub, "event": event_id}).to_string(),
            ))
        };
        let link = |value: &str| {
            format!(
                "{}{FEEDBACK_PATH}?{}",
                self.config().public_url.trim_end_matches('/'),
                [
                    ("user_pool_id", pool_id),
                    ("username", user.username),
                    ("event_id", event_id.as_str()),
                    ("feedback_token", token.as_str()),
                    ("feedback_value", value),
                ]
                .iter()
                .map(|(k, v)| format!("{k}={}", crate::oauth::form_encode(v)))
                .collect::<Vec<_>>()
                .join("&")
            )
        };
        let template = match action.as_str() {
            "BLOCK" => config.block_email.clone(),
            "MFA_IF_CONFIGURED" | "MFA_REQUIRED" => config.mfa_email.clone(),
            _ => config.no_action_email.clone(),
        }
        .unwrap_or_default();
        let login_time =
            chrono::DateTime::from_timestamp(event.creation_date.unwrap_or_default() as i64, 0)
                .map(|t| t.to_rfc2822())
                .unwrap_or_default();
        let ip = event
            .event_context_data
            .as_ref()
            .and_then(|d| d.ip_address.clone())
            .unwrap_or_default();
        let fill = |text: &str| {
            text.replace("{username}", user.username)
                .replace("{ip-address}", &ip)
                .replace("{login-time}", &login_time)
                .replace("{city}", "")
                .replace("{country}", "")
                .replace("{device-name}", "")
                .replace("{one-click-link-valid}", &link("Valid"))
                .replace("{one-click-link-invalid}", &link("Invalid"))
        };
        let body = template
            .html_body
            .as_deref()
            .or(template.text_body.as_deref())
            .map(fill)
            .unwrap_or_else(|| {
                fill(
                    "We detected a sign-in to your account {username} from {ip-address} at \
                     {login-time}. Was it you? Yes: {one-click-link-valid} No: \
                     {one-click-link-invalid}",
                )
            });
        let message = crate::messages::Message {
            pool_id: pool_id.to_string(),
            username: user.username.to_string(),
            channel: crate::messages::Channel::Email,
            destination: email.to_string(),
            kind: "ACCOUNT_TAKEOVER_NOTIFICATION".into(),
            subject: Some(fill(
                template.subject.as_deref().unwrap_or("New sign-in attempt"),
            )),
            body,
            code: None,
            link: Some(link("Valid")),
        };
        let sender = config
            .from
            .clone()
            .map(|from| crate::messages::EmailSender {
                from,
                reply_to: config.reply_to.clone(),
            });
        self.delivery()
            .deliver(&[crate::messages::Outgoing { message, sender }])
            .await;
    }

    /// UpdateAuthEventFeedback: a user's answer to a risky sign-in's notification,
    /// proven by the FeedbackToken it carried (provider `User`).
    pub(crate) async fn update_auth_event_feedback(
        &self,
        input: UpdateAuthEventFeedbackRequest,
    ) -> Result<UpdateAuthEventFeedbackResponse> {
        self.feedback_by_token(
            required(&input.user_pool_id, "userPoolId")?,
            required(&input.username, "username")?,
            required(&input.event_id, "eventId")?,
            required(&input.feedback_token, "feedbackToken")?,
            required(&input.feedback_value, "feedbackValue")?.as_str(),
        )
        .await?;
        Ok(UpdateAuthEventFeedbackResponse {})
    }

    /// Records a user's feedback on their event `event_id`, if `token` is that event's
    /// FeedbackToken (the notification's links come here through the server too).
    pub async fn feedback_by_token(
        &self,
        pool_id: &str,
        username: &str,
        event_id: &str,
        token: &str,
        value: &str,
    ) -> std::result::Result<(), cognate_api::ApiError> {
        let value = match value {
            "Valid" | "valid" => FeedbackValueType::VALID,
            "Invalid" | "invalid" => FeedbackValueType::INVALID,
            other => {
                return Err(crate::error::invalid(format!("Invalid feedback value: {other}")).0)
            }
        };
        let opened: Option<serde_json::Value> = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|sealed| String::from_utf8(sealed).ok())
                .and_then(|sealed| self.secrets().open(Purpose::AuthEventFeedback, &sealed))
                .and_then(|t| serde_json::from_str(&t).ok())
        };
        let Some(opened) = opened else {
            return Err(invalid_token().0);
        };
        let (pool_id, username, event_id) = (
            pool_id.to_string(),
            username.to_string(),
            event_id.to_string(),
        );
        let cache = self.pool_cache();
        self.store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                if !threat_protection(&pool.pool) {
                    return Err(add_on_not_enabled());
                }
                let (row, _) = require(c, &pool, &username)?;
                if opened["pool"] != pool.id.as_str()
                    || opened["sub"] != row.sub.as_str()
                    || opened["event"] != event_id.as_str()
                {
                    return Err(invalid_token());
                }
                set_feedback(c, &pool.id, &row.sub, &event_id, value.clone(), "User")
            })
            .await
            .map_err(|e| e.0)
    }
    pub(crate) async fn admin_list_user_auth_events(
        &self,
        input: AdminListUserAuthEventsRequest,
    ) -> Result<AdminListUserAuthEventsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.max_results.filter(|n| *n > 0), 60),
        };
        let cache = self.pool_cache();
        let page = self
            .store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                if !threat_protection(&pool.pool) {
                    return Err(add_on_not_enabled());
                }
                let (row, _) = require(c, &pool, &username)?;
                pool_object::list_prefix(
                    c,
                    &pool.id,
                    Kind::AuthEvent,
                    &format!("{}/", row.sub),
                    &page,
                )
                .map_err(Error::from)
            })
            .await?;
        Ok(AdminListUserAuthEventsResponse {
            auth_events: Some(page.items.iter().map(event_of).collect::<Result<_>>()?),
            next_token: page.next.as_deref().map(pagination::encode),
        })
    }

    pub(crate) async fn admin_update_auth_event_feedback(
        &self,
        input: AdminUpdateAuthEventFeedbackRequest,
    ) -> Result<AdminUpdateAuthEventFeedbackResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let event_id = required(&input.event_id, "eventId")?.clone();
        let value = required(&input.feedback_value, "feedbackValue")?.clone();
        let cache = self.pool_cache();
        self.store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                if !threat_protection(&pool.pool) {
                    return Err(add_on_not_enabled());
                }
                let (row, _) = require(c, &pool, &username)?;
                set_feedback(c, &pool.id, &row.sub, &event_id, value.clone(), "Admin")
            })
            .await?;
        Ok(AdminUpdateAuthEventFeedbackResponse {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_events_sort_first() {
        let older = key("s", 1_700_000_000.0, "a");
        let newer = key("s", 1_700_000_001.5, "b");
        assert!(newer < older);
        assert!(newer.starts_with("s/"));
    }
}
