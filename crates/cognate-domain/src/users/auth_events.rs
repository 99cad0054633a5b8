//! Threat protection's history of sign-ins: where the pool has threat protection on
//! (UserPoolAddOns AUDIT or ENFORCED), each sign-in that succeeds or fails on its
//! password is recorded for the user (event type SignIn, the response, the password
//! challenge's result, the IP address; risk NoRisk, as nothing scores risk), newest
//! first. AdminListUserAuthEvents lists them; AdminUpdateAuthEventFeedback marks one
//! Valid or Invalid (provider `Admin`). Kept as pool objects of kind `auth_event`,
//! keyed `<sub>/<newest first>/<event id>` so a user made again under the same name
//! does not inherit them.

use super::*;
use crate::clock::now;
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
    /// `recorded` (the pool has threat protection on): passed or failed on its
    /// password, from `ip`. A failure to record is logged; the sign-in's answer stands.
    pub(crate) async fn record_sign_in(
        &self,
        recorded: bool,
        pool_id: &str,
        sub: &str,
        ip: Option<String>,
        passed: bool,
    ) {
        if !recorded {
            return;
        }
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
                ip_address: ip,
                ..Default::default()
            }),
            event_feedback: None,
        };
        let (id, key) = (pool_id.to_string(), key(sub, created, &event_id));
        let record = event.clone();
        let written = self
            .store()
            .write(move |c| {
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
                crate::pools::log_delivery::destination_of(c, &id, &EventSourceName::USERAUTHEVENTS)
            })
            .await;
        match written {
            Ok(Some(destination)) => {
                let mut message = serde_json::to_value(&event).unwrap_or_default();
                message["userSub"] = serde_json::Value::from(sub);
                self.deliver_log(&destination, pool_id, "userAuthEvents", "INFO", message)
                    .await;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e.0.message, "a sign-in event could not be recorded")
            }
        }
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
                let (key, mut event) = find_event(c, &pool.id, &row.sub, &event_id)?
                    .ok_or_else(|| not_found(format!("Event {event_id} not found.")))?;
                event.event_feedback = Some(EventFeedbackType {
                    feedback_value: Some(value.clone()),
                    provider: Some("Admin".into()),
                    feedback_date: Some(now()),
                });
                pool_object::put(
                    c,
                    &pool.id,
                    Kind::AuthEvent,
                    &PoolObjectRow {
                        key,
                        created_at: event.creation_date.unwrap_or_default(),
                        doc: to_doc(&event)?,
                    },
                )?;
                Ok::<_, Error>(())
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
