//! Session tracking: Get/SetUserPoolSessionConfiguration (whether the pool tracks
//! sessions, and the most token sessions a user keeps, default 20) and
//! Get/SetUserPoolClientSessionConfiguration (how long a client silently reuses the
//! hosted pages' single sign-on session, from the user's last fresh sign-in; default 60
//! minutes, 0 never). Both Sets replace the whole configuration and need the Essentials
//! or Plus plan; a client's needs the pool's tracking on. With tracking on, a sign-in
//! past a user's limit ends their least recently used session (`evict_sessions`, in the
//! sign-in's write), and `/oauth2/authorize` reuses a session only within the client's
//! window (`Service::reuses_session`). Kept as pool objects of kind `session_config`:
//! `pool` for the pool's, the client id for a client's.

use crate::clock::now;
use crate::error::{fail, required, Error, Result};
use crate::operations::operation;
use crate::pools::client::ensure_exists;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::auth as records;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};

operation!(GetUserPoolSessionConfiguration => Service::get_user_pool_session_configuration);
operation!(SetUserPoolSessionConfiguration => Service::set_user_pool_session_configuration);
operation!(
    GetUserPoolClientSessionConfiguration => Service::get_user_pool_client_session_configuration
);
operation!(
    SetUserPoolClientSessionConfiguration => Service::set_user_pool_client_session_configuration
);

/// AWS's defaults.
const DEFAULT_MAX_PER_USER: i32 = 20;
const DEFAULT_SSO_MINUTES: i32 = 60;
const POOL_KEY: &str = "pool";

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct PoolSession {
    tracking: bool,
    max_per_user: i32,
}

impl Default for PoolSession {
    fn default() -> Self {
        PoolSession {
            tracking: false,
            max_per_user: DEFAULT_MAX_PER_USER,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct ClientSession {
    sso_minutes: i32,
}

fn read<T: for<'de> Deserialize<'de>>(
    c: &mut dyn Conn,
    pool_id: &str,
    key: &str,
) -> Result<Option<T>> {
    pool_object::get(c, pool_id, Kind::SessionConfig, key)?
        .map(|row| from_doc(&row.doc))
        .transpose()
}

fn write<T: Serialize>(c: &mut dyn Conn, pool_id: &str, key: &str, value: &T) -> Result<()> {
    pool_object::put(
        c,
        pool_id,
        Kind::SessionConfig,
        &PoolObjectRow {
            key: key.to_string(),
            created_at: now(),
            doc: to_doc(value)?,
        },
    )?;
    Ok(())
}

fn pool_session(c: &mut dyn Conn, pool_id: &str) -> Result<PoolSession> {
    Ok(read(c, pool_id, POOL_KEY)?.unwrap_or_default())
}

fn tracking_type(on: bool) -> UserSessionTrackingType {
    if on {
        UserSessionTrackingType::ENABLED
    } else {
        UserSessionTrackingType::DISABLED
    }
}

/// The Essentials or Plus plan, which session tracking needs.
fn check_tier(pool: &UserPoolType) -> Result<()> {
    if pool.user_pool_tier == Some(UserPoolTierType::LITE) {
        return Err(fail(
            ErrorCode::FeatureUnavailableInTierException,
            "Session configuration is not available in the LITE tier.",
        ));
    }
    Ok(())
}

/// In a sign-in's write, before its new session is stored: where the pool tracks
/// sessions, the user's least recently used token sessions end until the new one fits
/// within the pool's MaxPerUser.
pub(crate) fn evict_sessions(c: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<()> {
    let config = pool_session(c, pool_id)?;
    if !config.tracking {
        return Ok(());
    }
    let t = now();
    // Each live family, by when it was last used (its newest token, or its last use).
    let mut families: std::collections::BTreeMap<String, f64> = Default::default();
    for row in records::refresh_tokens_of_user(c, pool_id, username_key)? {
        if row.revoked_at.is_some() || row.expires_at <= t {
            continue;
        }
        let doc: crate::tokens::FamilyDoc = from_doc(&row.doc)?;
        let used = doc
            .last_active
            .unwrap_or(row.created_at)
            .max(row.created_at);
        let entry = families.entry(row.family_id).or_insert(used);
        *entry = entry.max(used);
    }
    let mut live: Vec<(String, f64)> = families.into_iter().collect();
    live.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
    let keep = usize::try_from(config.max_per_user.max(1) - 1).unwrap_or(0);
    let excess = live.len().saturating_sub(keep);
    for (family, _) in live.into_iter().take(excess) {
        crate::tokens::revoke_family(c, pool_id, &family)?;
    }
    Ok(())
}

impl Service {
    /// Whether `/oauth2/authorize` for `client_id` may reuse a hosted session whose
    /// user last signed in at `auth_time`: always within the session's hour where the
    /// pool does not track sessions; within the client's MaxValidityMinutes where it
    /// does.
    pub async fn reuses_session(&self, pool_id: &str, client_id: &str, auth_time: i64) -> bool {
        let (pool_id, client_id) = (pool_id.to_string(), client_id.to_string());
        let minutes = self
            .store()
            .read(move |c| {
                if !pool_session(c, &pool_id)?.tracking {
                    return Ok::<_, Error>(None);
                }
                let client: Option<ClientSession> = read(c, &pool_id, &client_id)?;
                Ok(Some(client.map_or(DEFAULT_SSO_MINUTES, |s| s.sso_minutes)))
            })
            .await;
        match minutes {
            Ok(None) => true,
            Ok(Some(minutes)) => (now() - auth_time as f64) < f64::from(minutes) * 60.0,
            Err(_) => false,
        }
    }

    pub(crate) async fn get_user_pool_session_configuration(
        &self,
        input: GetUserPoolSessionConfigurationRequest,
    ) -> Result<GetUserPoolSessionConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = pool_id.clone();
        let config = self
            .store()
            .read(move |c| {
                load_pool(c, &id)?;
                pool_session(c, &id)
            })
            .await?;
        Ok(GetUserPoolSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            user_session_tracking: Some(tracking_type(config.tracking)),
            token_session: Some(UserPoolTokenSessionConfigType {
                max_per_user: Some(config.max_per_user),
            }),
        })
    }

    pub(crate) async fn set_user_pool_session_configuration(
        &self,
        input: SetUserPoolSessionConfigurationRequest,
    ) -> Result<SetUserPoolSessionConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let tracking = required(&input.user_session_tracking, "userSessionTracking")?.clone();
        let token = required(&input.token_session, "tokenSession")?;
        let max_per_user = *required(&token.max_per_user, "tokenSession.maxPerUser")?;
        let config = PoolSession {
            tracking: tracking == UserSessionTrackingType::ENABLED,
            max_per_user,
        };
        let id = pool_id.clone();
        self.store()
            .write(move |c| {
                let (_, pool) = load_pool(c, &id)?;
                check_tier(&pool)?;
                write(c, &id, POOL_KEY, &config)
            })
            .await?;
        Ok(SetUserPoolSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            user_session_tracking: Some(tracking),
            token_session: Some(UserPoolTokenSessionConfigType {
                max_per_user: Some(max_per_user),
            }),
        })
    }

    pub(crate) async fn get_user_pool_client_session_configuration(
        &self,
        input: GetUserPoolClientSessionConfigurationRequest,
    ) -> Result<GetUserPoolClientSessionConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let (p, cl) = (pool_id.clone(), client_id.clone());
        let config: Option<ClientSession> = self
            .store()
            .read(move |c| {
                ensure_exists(c, &p, &cl)?;
                read(c, &p, &cl)
            })
            .await?;
        Ok(GetUserPoolClientSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            client_id: Some(client_id),
            sso_session: Some(ClientSSOSessionConfigType {
                max_validity_minutes: Some(config.map_or(DEFAULT_SSO_MINUTES, |s| s.sso_minutes)),
            }),
        })
    }

    pub(crate) async fn set_user_pool_client_session_configuration(
        &self,
        input: SetUserPoolClientSessionConfigurationRequest,
    ) -> Result<SetUserPoolClientSessionConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let sso = required(&input.sso_session, "ssoSession")?;
        let minutes = *required(&sso.max_validity_minutes, "ssoSession.maxValidityMinutes")?;
        let (p, cl) = (pool_id.clone(), client_id.clone());
        self.store()
            .write(move |c| {
                let (_, pool) = load_pool(c, &p)?;
                ensure_exists(c, &p, &cl)?;
                check_tier(&pool)?;
                if !pool_session(c, &p)?.tracking {
                    return Err(fail(
                        ErrorCode::OperationNotEnabledException,
                        "Session tracking is not enabled for the user pool; enable it with SetUserPoolSessionConfiguration first.",
                    ));
                }
                write(c, &p, &cl, &ClientSession { sso_minutes: minutes })
            })
            .await?;
        Ok(SetUserPoolClientSessionConfigurationResponse {
            user_pool_id: Some(pool_id),
            client_id: Some(client_id),
            sso_session: Some(ClientSSOSessionConfigType {
                max_validity_minutes: Some(minutes),
            }),
        })
    }
}
