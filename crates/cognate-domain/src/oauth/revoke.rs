//! `POST /oauth2/revoke`: ends a refresh token's family, as RevokeToken does, so that
//! its ID and access tokens stop working too. Errors as AWS documents them: no token, or
//! revocation disabled for the client, is `invalid_request`; an access or ID token is
//! `unsupported_token_type`; failed client authentication is `invalid_client`. An
//! unknown token is already as good as revoked (RFC 7009).

use super::client_auth::ClientCredentials;
use super::{OAuthError, OAuthErrorCode};
use crate::service::Service;
use crate::tokens;
use cognate_store::records::auth as records;

/// A revocation request's form and client credentials, and the pool its Host names.
#[derive(Debug, Clone, Default)]
pub struct RevokeRequest {
    pub token: Option<String>,
    pub credentials: ClientCredentials,
    pub host_pool: Option<String>,
}

impl Service {
    pub async fn revoke_refresh_token(&self, request: RevokeRequest) -> Result<(), OAuthError> {
        let token = request
            .token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidRequest))?;
        let auth = self
            .authenticate_client(&request.credentials, request.host_pool.as_deref())
            .await?;
        if auth.client.client.enable_token_revocation == Some(false) {
            return Err(OAuthError::new(OAuthErrorCode::InvalidRequest));
        }
        if tokens::jwt::decode(&token).is_some() {
            return Err(OAuthError::new(OAuthErrorCode::UnsupportedTokenType));
        }
        let client_id = auth.client.client.client_id.clone().unwrap_or_default();
        let hash = tokens::hash(&token);
        self.store()
            .write(move |c| {
                let Some(row) = records::refresh_token(c, &hash)? else {
                    return Ok(Ok(()));
                };
                if row.client_id != client_id {
                    // RFC 6749's word for a grant issued to another client.
                    return Ok(Err(OAuthError::new(OAuthErrorCode::InvalidGrant)));
                }
                tokens::revoke_family(c, &row.pool_id, &row.family_id)?;
                Ok::<_, crate::error::Error>(Ok(()))
            })
            .await?
    }
}
