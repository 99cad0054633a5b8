//! `POST /oauth2/token`, as AWS documents its token endpoint: `client_credentials`
//! (`client_credentials`), `refresh_token` (new ID and access tokens of the refresh
//! token's family, for the client that owns it; a new refresh token too when the client
//! rotates them) and `authorization_code` (codes of `/oauth2/authorize`: `code_grant`).

use super::client_auth::ClientCredentials;
use super::{OAuthError, OAuthErrorCode};
use crate::quotas::Category;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use serde_json::{json, Value};

/// A token request's form and client credentials, and the pool its Host names.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub scope: Option<String>,
    pub refresh_token: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    /// The token-exchange grant's parameters (RFC 8693).
    pub subject_token: Option<String>,
    pub subject_token_type: Option<String>,
    pub actor_token: Option<String>,
    pub actor_token_type: Option<String>,
    pub audience: Option<String>,
    pub resource: Option<String>,
    pub requested_token_type: Option<String>,
    pub credentials: ClientCredentials,
    pub host_pool: Option<String>,
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct TokenAnswer {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// A token exchange's answer: the issued token's type identifier, `token_type`
    /// (`N_A` for an ID token) and granted scopes.
    pub exchanged: Option<(&'static str, &'static str, String)>,
}

impl TokenAnswer {
    /// The JSON body, as AWS's token endpoint writes it.
    pub fn to_json(&self) -> Value {
        if let Some((issued_type, token_type, scope)) = &self.exchanged {
            let mut body = json!({
                "access_token": self.access_token,
                "issued_token_type": issued_type,
                "token_type": token_type,
                "expires_in": self.expires_in,
            });
            if !scope.is_empty() {
                body["scope"] = Value::from(scope.clone());
            }
            return body;
        }
        let mut body = json!({
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        });
        if let Some(id) = &self.id_token {
            body["id_token"] = Value::from(id.clone());
        }
        if let Some(refresh) = &self.refresh_token {
            body["refresh_token"] = Value::from(refresh.clone());
        }
        body
    }
}

/// RFC 8693's grant type.
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

fn error(code: OAuthErrorCode) -> OAuthError {
    OAuthError::new(code)
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

impl Service {
    /// Answers a token request: the grant type is checked first, then the client's
    /// authentication, then what the grant needs.
    pub async fn token(&self, request: TokenRequest) -> Result<TokenAnswer, OAuthError> {
        let grant = present(&request.grant_type)
            .ok_or_else(|| error(OAuthErrorCode::InvalidRequest))?
            .to_string();
        if !matches!(
            grant.as_str(),
            "client_credentials" | "refresh_token" | "authorization_code" | TOKEN_EXCHANGE
        ) {
            return Err(error(OAuthErrorCode::UnsupportedGrantType));
        }
        let auth = self
            .authenticate_client(&request.credentials, request.host_pool.as_deref())
            .await?;
        // A client-credentials grant counts toward ClientAuthentication, a refresh toward
        // UserAuthentication; a code exchange toward neither (as AWS counts them).
        let category = match grant.as_str() {
            "client_credentials" => Some(Category::ClientAuthentication),
            "refresh_token" => Some(Category::UserAuthentication),
            TOKEN_EXCHANGE => Some(Category::UserToken),
            _ => None,
        };
        if let Some(category) = category {
            self.check_endpoint_quota(&auth.client.pool_id, category)
                .map_err(|_| error(OAuthErrorCode::TooManyRequests))?;
        }
        match grant.as_str() {
            // CIMD clients are public clients, never machines (AWS).
            "client_credentials" if auth.cimd_url.is_some() => {
                Err(error(OAuthErrorCode::UnauthorizedClient))
            }
            "client_credentials" => {
                self.client_credentials_grant(auth, request.scope.as_deref())
                    .await
            }
            TOKEN_EXCHANGE => self.token_exchange_grant(auth, &request).await,
            "refresh_token" => {
                let token = present(&request.refresh_token)
                    .ok_or_else(|| error(OAuthErrorCode::InvalidRequest))?;
                // A family records its app client, not the CIMD client that started it:
                // a metadata URL must not refresh what only the app client's secret may.
                if auth.cimd_url.is_some() && auth.cimd_app_secret {
                    return Err(error(OAuthErrorCode::UnauthorizedClient));
                }
                self.refresh_token_grant(auth, token).await
            }
            _ => {
                if present(&request.code).is_none() || present(&request.redirect_uri).is_none() {
                    return Err(error(OAuthErrorCode::InvalidRequest));
                }
                let client = &auth.client.client;
                let code_flow = client.allowed_o_auth_flows_user_pool_client == Some(true)
                    && client
                        .allowed_o_auth_flows
                        .iter()
                        .flatten()
                        .any(|f| *f == OAuthFlowType::CODE);
                if !code_flow {
                    return Err(error(OAuthErrorCode::UnauthorizedClient));
                }
                let code = present(&request.code).unwrap_or_default().to_string();
                let redirect_uri = present(&request.redirect_uri)
                    .unwrap_or_default()
                    .to_string();
                self.authorization_code_grant(
                    auth,
                    &code,
                    &redirect_uri,
                    present(&request.code_verifier),
                )
                .await
            }
        }
    }

    /// The `refresh_token` grant: the refresh token must be one of this client's, live,
    /// of a user still enabled. A family started on a remembered device is refreshed
    /// only through the API (with its DEVICE_KEY), as AWS documents.
    async fn refresh_token_grant(
        &self,
        auth: super::client_auth::Authenticated,
        token: &str,
    ) -> Result<TokenAnswer, OAuthError> {
        let mut client = auth.client;
        let rotate = client
            .client
            .refresh_token_rotation
            .as_ref()
            .and_then(|r| r.feature.as_ref())
            == Some(&FeatureType::ENABLED);
        // The secret was proven by the client's authentication: no SECRET_HASH here.
        client.secret = None;
        let result = self
            .refresh(client, token, None, None, rotate)
            .await
            .map_err(|e| match e.0.code {
                ErrorCode::NotAuthorizedException | ErrorCode::UserNotFoundException => {
                    error(OAuthErrorCode::InvalidGrant)
                }
                ErrorCode::InternalErrorException => error(OAuthErrorCode::ServerError),
                _ => error(OAuthErrorCode::InvalidRequest),
            })?;
        Ok(TokenAnswer {
            access_token: result.access_token.unwrap_or_default(),
            id_token: result.id_token,
            refresh_token: result.refresh_token,
            expires_in: i64::from(result.expires_in.unwrap_or_default()),
            exchanged: None,
        })
    }
}

impl Service {
    /// The token-exchange grant (RFC 8693): GetDerivedToken's exchange for a client that
    /// authenticated at the endpoint. One `audience` or `resource` at most.
    async fn token_exchange_grant(
        &self,
        auth: super::client_auth::Authenticated,
        request: &TokenRequest,
    ) -> Result<TokenAnswer, OAuthError> {
        use crate::tokens::{Exchange, Refusal, TokenKind};
        let kind = |value: &Option<String>| -> Result<Option<TokenKind>, OAuthError> {
            match present(value) {
                None => Ok(None),
                Some(urn) => TokenKind::from_urn(urn)
                    .map(Some)
                    .ok_or_else(|| error(OAuthErrorCode::InvalidRequest)),
            }
        };
        let subject_token = present(&request.subject_token)
            .ok_or_else(|| error(OAuthErrorCode::InvalidRequest))?
            .to_string();
        let subject_kind = kind(&request.subject_token_type)?
            .ok_or_else(|| error(OAuthErrorCode::InvalidRequest))?;
        let actor = match (
            present(&request.actor_token),
            kind(&request.actor_token_type)?,
        ) {
            (None, None) => None,
            (Some(token), Some(k)) => Some((token.to_string(), k, None)),
            _ => return Err(error(OAuthErrorCode::InvalidRequest)),
        };
        let requested = match present(&request.requested_token_type) {
            None => TokenKind::Access,
            Some(urn) => match TokenKind::from_urn(urn) {
                Some(k @ (TokenKind::Access | TokenKind::Id)) => k,
                _ => return Err(error(OAuthErrorCode::InvalidRequest)),
            },
        };
        let audience = present(&request.audience).map(str::to_string);
        let resource = present(&request.resource).map(str::to_string);
        if audience.is_some() && resource.is_some() {
            return Err(error(OAuthErrorCode::InvalidRequest));
        }
        let scopes = present(&request.scope).map(|s| {
            s.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        });
        let exchange = Exchange {
            subject_token,
            subject_kind,
            subject_provider: None,
            actor,
            scopes,
            audience,
            resource,
            requested,
        };
        let issued = self
            .exchange_token(&auth.client, exchange)
            .await
            .map_err(|refusal| match refusal {
                Refusal::Request(_) => error(OAuthErrorCode::InvalidRequest),
                Refusal::Client(_) => error(OAuthErrorCode::UnauthorizedClient),
                Refusal::Grant(_) => error(OAuthErrorCode::InvalidGrant),
                Refusal::Scope(_) => error(OAuthErrorCode::InvalidScope),
                Refusal::Target(_) => error(OAuthErrorCode::InvalidTarget),
                Refusal::Other(e) => e.into(),
            })?;
        let token_type = if issued.kind == TokenKind::Id {
            "N_A"
        } else {
            "Bearer"
        };
        Ok(TokenAnswer {
            access_token: issued.token,
            id_token: None,
            refresh_token: None,
            expires_in: issued.expires_in,
            exchanged: Some((issued.kind.urn(), token_type, issued.scopes.join(" "))),
        })
    }
}
