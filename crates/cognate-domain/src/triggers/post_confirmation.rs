//! PostConfirmation, after a user is confirmed and the write has committed: by
//! ConfirmSignUp, AdminConfirmSignUp and a PreSignUp that auto-confirmed
//! (`PostConfirmation_ConfirmSignUp`), and by ConfirmForgotPassword
//! (`PostConfirmation_ConfirmForgotPassword`). The user stays confirmed when the function
//! fails, as on AWS; the caller gets the function's error.

use super::event::{attribute_map, EventBase, Trigger};
use crate::error::Result;
use crate::pools::PoolView;
use crate::service::Service;
use serde_json::json;
use std::collections::BTreeMap;

/// What a PostConfirmation event is about.
pub(crate) struct PostConfirmation<'a> {
    pub pool_id: &'a str,
    pub username: &'a str,
    pub source: &'static str,
    pub client_id: Option<&'a str>,
    pub client_metadata: Option<&'a BTreeMap<String, String>>,
}

/// Whether the pool has a PostConfirmation trigger (its callers skip the call's read
/// otherwise).
pub(crate) fn has_post_confirmation(pool: &cognate_api::types::UserPoolType) -> bool {
    Trigger::PostConfirmation.configured(pool)
}

impl Service {
    /// Calls the pool's PostConfirmation trigger, if it has one, with the user as stored.
    pub(crate) async fn post_confirmation(&self, p: PostConfirmation<'_>) -> Result<()> {
        let cache = self.pool_cache();
        let (pool_id, username) = (p.pool_id.to_string(), p.username.to_string());
        let (pool, user) = self
            .store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let user = crate::users::find(c, &pool, &username)?;
                Ok::<_, crate::error::Error>((pool, user))
            })
            .await?;
        let Some((row, doc)) = user else {
            return Ok(());
        };
        let mut attributes = attribute_map(&doc.attributes);
        attributes["cognito:user_status"] = json!(row.status);
        let mut request = json!({ "userAttributes": attributes });
        if let Some(m) = p.client_metadata {
            request["clientMetadata"] = json!(m);
        }
        let event = EventBase {
            pool_id: &pool.id,
            region: pool.id.split('_').next().unwrap_or_default(),
            username: &row.username,
            client_id: p.client_id,
            trigger_source: p.source,
        }
        .event(request, json!({}));
        self.call_trigger(Trigger::PostConfirmation, &pool.pool, event)
            .await?;
        Ok(())
    }
}
