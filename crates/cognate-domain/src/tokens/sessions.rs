//! Sessions (refresh-token families) after sign-in: GetTokensFromRefreshToken,
//! RevokeToken, GlobalSignOut, AdminUserGlobalSignOut, ListUserSessions,
//! AdminListUserSessions, RevokeUserSession, AdminRevokeUserSession; and the pool's
//! signing certificate.

use crate::clock::now;
use crate::error::{fail, invalid, not_found, required, Result};
use crate::messages::OUTBOX_LIFETIME_SECONDS;
use crate::operations::operation;
use crate::pools::client::AuthClient;
use crate::service::Service;
use crate::tokens;
use crate::tokens::signing_keys;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::auth::{self as records, RefreshTokenRow};
use cognate_store::records::outbox;
use cognate_store::Conn;
use std::collections::BTreeMap;

operation!(AdminListUserSessions => Service::admin_list_user_sessions);
operation!(AdminRevokeUserSession => Service::admin_revoke_user_session);
operation!(AdminUserGlobalSignOut => Service::admin_user_global_sign_out);
operation!(GetSigningCertificate => Service::get_signing_certificate);
operation!(GetTokensFromRefreshToken => Service::get_tokens_from_refresh_token);
operation!(GlobalSignOut => Service::global_sign_out);
operation!(ListUserSessions => Service::list_user_sessions);
operation!(RevokeToken => Service::revoke_token);
operation!(RevokeUserSession => Service::revoke_user_session);

/// Revocations outlive every ID and access token of the family (at most a day).
const LONGEST_TOKEN_SECONDS: f64 = 86_400.0;

pub(crate) fn revoke_family(conn: &mut dyn Conn, pool_id: &str, family_id: &str) -> Result<()> {
    let t = now();
    records::revoke_family(conn, pool_id, family_id, t, t + LONGEST_TOKEN_SECONDS)?;
    Ok(())
}

fn revoke_all(conn: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<()> {
    let families: std::collections::BTreeSet<String> =
        records::refresh_tokens_of_user(conn, pool_id, username_key)?
            .into_iter()
            .filter(|r| r.revoked_at.is_none())
            .map(|r| r.family_id)
            .collect();
    for family in families {
        revoke_family(conn, pool_id, &family)?;
    }
    Ok(())
}

/// The id a session is known by in the session operations: `tkn` and 25 lowercase
/// letters and digits (AWS's form), derived from the family id.
pub fn session_id(family_id: &str) -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let digest = Sha256::digest(family_id.as_bytes());
    let mut id = String::from("tkn");
    id.extend(
        digest
            .iter()
            .take(25)
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])),
    );
    id
}

/// The user's live sessions, oldest first.
fn sessions_of(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    current: Option<&str>,
) -> Result<Vec<SessionDescriptionType>> {
    let t = now();
    let mut families: BTreeMap<String, Vec<RefreshTokenRow>> = BTreeMap::new();
    for row in records::refresh_tokens_of_user(conn, pool_id, username_key)? {
        families.entry(row.family_id.clone()).or_default().push(row);
    }
    let mut out: Vec<SessionDescriptionType> = families
        .into_iter()
        .filter(|(_, rows)| {
            rows.iter()
                .any(|r| r.revoked_at.is_none() && r.expires_at > t)
        })
        .map(|(family, rows)| {
            let created = rows.iter().map(|r| r.created_at).fold(f64::MAX, f64::min);
            let last = rows.iter().map(|r| r.created_at).fold(0.0, f64::max);
            SessionDescriptionType {
                session_id: Some(session_id(&family)),
                session_type: Some(SessionTypeType::TOKEN),
                client_id: rows.first().map(|r| r.client_id.clone()),
                create_date: Some(created),
                last_active_date: Some(last),
                // The admin listing knows no current session: always false there, as AWS.
                is_current_session: Some(current.is_some_and(|c| c == family)),
                ..Default::default()
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.create_date
            .partial_cmp(&b.create_date)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(out)
}

fn revoke_session(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    session_id: &str,
) -> Result<()> {
    let family = records::refresh_tokens_of_user(conn, pool_id, username_key)?
        .into_iter()
        .find(|r| self::session_id(&r.family_id) == session_id)
        .map(|r| r.family_id)
        .ok_or_else(|| not_found("Session not found."))?;
    revoke_family(conn, pool_id, &family)
}

impl Service {
    /// A client whose ClientSecret (when it has one) was given and matches; its secret is
    /// then settled, so the refresh needs no SECRET_HASH. Failures answer `unauthorized`
    /// (RevokeToken's UnauthorizedException, or NotAuthorizedException).
    async fn client_with_secret(
        &self,
        client_id: &str,
        secret: Option<&String>,
        unauthorized: ErrorCode,
    ) -> Result<AuthClient> {
        let mut client = match self.client_for(client_id, None).await {
            Ok(c) => c,
            Err(_) if unauthorized == ErrorCode::UnauthorizedException => {
                return Err(fail(unauthorized, "Invalid client credentials."));
            }
            Err(e) => return Err(e),
        };
        if client.secret.is_some() {
            let given = secret.map(String::as_bytes).unwrap_or_default();
            if !client.secret_matches(given) {
                let message = if secret.is_none() {
                    format!(
                        "Client {client_id} is configured for secret but secret was not received"
                    )
                } else {
                    "Invalid client secret.".to_string()
                };
                return Err(fail(unauthorized, message));
            }
        }
        client.secret = None;
        Ok(client)
    }

    pub(crate) async fn get_tokens_from_refresh_token(
        &self,
        input: GetTokensFromRefreshTokenRequest,
    ) -> Result<GetTokensFromRefreshTokenResponse> {
        let token = required(&input.refresh_token, "refreshToken")?;
        let client_id = required(&input.client_id, "clientId")?;
        let client = self
            .client_with_secret(
                client_id,
                input.client_secret.as_ref(),
                ErrorCode::NotAuthorizedException,
            )
            .await?;
        let rotate = client
            .client
            .refresh_token_rotation
            .as_ref()
            .and_then(|r| r.feature.as_ref())
            == Some(&FeatureType::ENABLED);
        let device_key = input.device_key.as_deref();
        let result = self
            .refresh(client, token, None, device_key, rotate)
            .await?;
        Ok(GetTokensFromRefreshTokenResponse {
            authentication_result: Some(result),
        })
    }

    pub(crate) async fn revoke_token(
        &self,
        input: RevokeTokenRequest,
    ) -> Result<RevokeTokenResponse> {
        let token = required(&input.token, "token")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let client = self
            .client_with_secret(
                &client_id,
                input.client_secret.as_ref(),
                ErrorCode::UnauthorizedException,
            )
            .await?;
        if client.client.enable_token_revocation == Some(false) {
            return Err(fail(
                ErrorCode::UnsupportedOperationException,
                "Token revocation isn't enabled for this client.",
            ));
        }
        if crate::tokens::jwt::decode(&token).is_some() {
            return Err(fail(
                ErrorCode::UnsupportedTokenTypeException,
                "Only refresh tokens can be revoked.",
            ));
        }
        let hash = tokens::hash(&token);
        self.store()
            .write(move |c| {
                let Some(row) = records::refresh_token(c, &hash)? else {
                    // RFC 7009: an unknown token is already as good as revoked.
                    return Ok(RevokeTokenResponse {});
                };
                if row.client_id != client_id {
                    return Err(fail(
                        ErrorCode::UnauthorizedException,
                        "The token was not issued to this client.",
                    ));
                }
                revoke_family(c, &row.pool_id, &row.family_id)?;
                Ok(RevokeTokenResponse {})
            })
            .await
    }

    pub(crate) async fn global_sign_out(
        &self,
        input: GlobalSignOutRequest,
    ) -> Result<GlobalSignOutResponse> {
        let token = required(&input.access_token, "accessToken")?;
        self.with_access_token(token, true, |c, pool, row, _, _| {
            revoke_all(c, &pool.id, &row.username_key)?;
            Ok(GlobalSignOutResponse {})
        })
        .await
    }

    pub(crate) async fn admin_user_global_sign_out(
        &self,
        input: AdminUserGlobalSignOutRequest,
    ) -> Result<AdminUserGlobalSignOutResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, true, |c, pool, row, _| {
            revoke_all(c, &pool.id, &row.username_key)?;
            Ok(AdminUserGlobalSignOutResponse {})
        })
        .await
    }

    pub(crate) async fn list_user_sessions(
        &self,
        input: ListUserSessionsRequest,
    ) -> Result<ListUserSessionsResponse> {
        let token = required(&input.access_token, "accessToken")?;
        self.with_access_token(token, false, |c, pool, row, _, claims| {
            Ok(ListUserSessionsResponse {
                sessions: Some(sessions_of(
                    c,
                    &pool.id,
                    &row.username_key,
                    Some(&claims.origin_jti),
                )?),
                next_token: None,
            })
        })
        .await
    }

    pub(crate) async fn admin_list_user_sessions(
        &self,
        input: AdminListUserSessionsRequest,
    ) -> Result<AdminListUserSessionsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, false, |c, pool, row, _| {
            Ok(AdminListUserSessionsResponse {
                sessions: Some(sessions_of(c, &pool.id, &row.username_key, None)?),
                next_token: None,
            })
        })
        .await
    }

    pub(crate) async fn revoke_user_session(
        &self,
        input: RevokeUserSessionRequest,
    ) -> Result<RevokeUserSessionResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let session = required(&input.session_id, "sessionId")?.clone();
        self.with_access_token(token, true, move |c, pool, row, _, _| {
            revoke_session(c, &pool.id, &row.username_key, &session)?;
            Ok(RevokeUserSessionResponse {})
        })
        .await
    }

    pub(crate) async fn admin_revoke_user_session(
        &self,
        input: AdminRevokeUserSessionRequest,
    ) -> Result<AdminRevokeUserSessionResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let session = required(&input.session_id, "sessionId")?.clone();
        self.with_user(pool_id, username, true, move |c, pool, row, _| {
            revoke_session(c, &pool.id, &row.username_key, &session)?;
            Ok(AdminRevokeUserSessionResponse {})
        })
        .await
    }

    pub(crate) async fn get_signing_certificate(
        &self,
        input: GetSigningCertificateRequest,
    ) -> Result<GetSigningCertificateResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?;
        let keys = self.pool_keys_now(pool_id).await?;
        let certificate = signing_keys::certificate(pool_id, &keys.id)
            .ok_or_else(|| invalid("The signing certificate could not be made."))?;
        Ok(GetSigningCertificateResponse {
            certificate: Some(certificate),
        })
    }
}

impl Service {
    /// Deletes what has expired: answered challenge sessions, revocations, refresh
    /// tokens, sent messages older than the outbox keeps them (they carry codes and
    /// temporary passwords), the files of import jobs that expired, recovery previews past
    /// their 24 hours and the history of user data older than recoveries reach. Run now and then; every node of a deployment may run it.
    pub async fn purge_expired(&self) -> std::result::Result<(), cognate_api::ApiError> {
        self.store()
            .write(|c| {
                let t = now();
                records::purge_expired(c, t)?;
                cognate_store::records::oauth_code::purge_expired(c, t)?;
                outbox::purge_older_than(c, t - OUTBOX_LIFETIME_SECONDS)?;
                crate::users::import::expire(c, t)?;
                crate::pools::recovery::expire(c, t)?;
                Ok::<_, crate::error::Error>(())
            })
            .await?;
        Ok(())
    }
}
