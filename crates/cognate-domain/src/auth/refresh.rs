//! REFRESH_TOKEN_AUTH: new ID and access tokens from a refresh token, optionally rotating
//! it (GetTokensFromRefreshToken).

use super::*;
use crate::clock::now;
use crate::error::Result;
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use crate::tokens::{self, FamilyDoc, Grant};
use crate::users::UserDoc;
use cognate_api::types::*;
use cognate_store::records::auth::{self as records};
use cognate_store::Conn;

impl Service {
    /// REFRESH_TOKEN_AUTH: new ID and access tokens of the refresh token's session.
    /// With `rotate`, also a new refresh token of the same session, the old one ending
    /// after the client's grace period. A session started on a device the user
    /// confirmed is refreshed only with that device's key (`device_key`), as AWS's.
    pub(crate) async fn refresh(
        &self,
        client: AuthClient,
        refresh_token: &str,
        secret_hash: Option<&str>,
        device_key: Option<&str>,
        rotate: bool,
    ) -> Result<AuthenticationResultType> {
        let device_key = device_key.map(str::to_string);
        let token_hash = tokens::hash(refresh_token);
        let cache = self.pool_cache();
        let client_id = client.client.client_id.clone().unwrap_or_default();
        let pool_id = client.pool_id.clone();
        let app = client.client.clone();
        let secret_hash = secret_hash.map(str::to_string);
        let client_metadata = client.client_metadata.clone();
        let grace = client
            .client
            .refresh_token_rotation
            .as_ref()
            .and_then(|r| r.retry_grace_period_seconds)
            .unwrap_or(0);
        let work = move |c: &mut dyn Conn| -> Result<Grant> {
            let invalid_token = || not_authorized("Invalid Refresh Token");
            let row = records::refresh_token(c, &token_hash)?
                .filter(|r| r.client_id == client_id && r.pool_id == pool_id)
                .ok_or_else(invalid_token)?;
            if row.revoked_at.is_some() {
                return Err(not_authorized("Refresh Token has been revoked"));
            }
            if row.expires_at <= now() {
                return Err(not_authorized("Refresh Token has expired"));
            }
            let family: FamilyDoc = crate::stored::from_doc(&row.doc)?;
            let pool = PoolView::load(c, &cache, &pool_id)?;
            let user = cognate_store::records::user::get(c, &pool_id, &row.username_key)?
                .filter(|u| u.sub == family.sub)
                .ok_or_else(invalid_token)?;
            check_secret_hash(
                &client,
                &[&user.username, &user.sub],
                secret_hash.as_deref(),
            )?;
            if !user.enabled {
                return Err(not_authorized("User is disabled."));
            }
            let doc: UserDoc = crate::stored::from_doc(&user.doc)?;
            if let Some(key) = &family.device_key {
                let refused = match &device_key {
                    Some(given) => given != key,
                    None => device_confirmed(c, &pool.id, &user.username_key, key)?,
                };
                if refused {
                    return Err(invalid_token());
                }
            }
            let refresh_token = if rotate {
                // The new token lives for what remained of the one it replaces.
                let t = now();
                let new = tokens::new_refresh_token();
                records::insert_refresh_token(
                    c,
                    &records::RefreshTokenRow {
                        token_hash: tokens::hash(&new),
                        created_at: t,
                        ..row.clone()
                    },
                )?;
                records::expire_refresh_token(c, &row.token_hash, t + f64::from(grace))?;
                Some(new)
            } else {
                None
            };
            Ok(Grant {
                pool_id: pool.id.clone(),
                pool_created: pool.pool.creation_date.unwrap_or_default(),
                client: app.clone(),
                username: user.username.clone(),
                sub: user.sub.clone(),
                attributes: doc.attributes,
                groups: tokens::groups_of(c, &pool.id, &user.username_key)?,
                family_id: row.family_id,
                auth_time: family.auth_time,
                event_id: family.event_id,
                refresh_token,
                device_key: family.device_key,
                new_device: false,
                scope: family.scope,
                status: user.status.to_string(),
                lambda: pool.pool.lambda_config.clone(),
                source: Some(tokens::TokenSource::RefreshTokens),
                post_authentication: false,
                client_metadata: client_metadata.clone(),
                records_events: false,
                ip: None,
            })
        };
        let grant = if rotate {
            self.store().write(work).await?
        } else {
            self.store().read(work).await?
        };
        self.issue(grant).await
    }
}
