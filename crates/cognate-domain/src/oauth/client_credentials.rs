//! Machine-to-machine access tokens: the token endpoint's `client_credentials` grant and
//! its API twin GetClientToken. Both authorize the app client itself, with custom
//! scopes of the pool's resource servers that the client is allowed
//! (AllowedOAuthScopes); asking for none grants all of them.

use super::{OAuthError, OAuthErrorCode};
use crate::error::{fail, invalid, required, Result};
use crate::operations::operation;
use crate::pools::client::STANDARD_SCOPES;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::ErrorCode;

operation!(GetClientToken => Service::get_client_token);

/// The client's custom (resource-server) scopes, in its order.
fn custom_scopes(client: &UserPoolClientType) -> Vec<&str> {
    client
        .allowed_o_auth_scopes
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|s| !STANDARD_SCOPES.contains(s))
        .collect()
}

/// The scopes to grant: those requested, each of which must be one of the client's
/// custom scopes, or all of those when none is requested. None when a requested scope
/// is not the client's, or nothing would be granted.
pub(crate) fn granted_scopes<'a>(
    client: &UserPoolClientType,
    requested: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let allowed = custom_scopes(client);
    let mut granted: Vec<&str> = Vec::new();
    let mut asked = false;
    for scope in requested {
        asked = true;
        if !allowed.contains(&scope) {
            return None;
        }
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    if !asked {
        granted = allowed;
    }
    (!granted.is_empty()).then(|| granted.join(" "))
}

impl Service {
    /// The `client_credentials` grant for a client that authenticated with its secret:
    /// the client must allow OAuth flows (AllowedOAuthFlowsUserPoolClient) including
    /// client_credentials.
    pub(crate) async fn client_credentials_grant(
        &self,
        auth: super::client_auth::Authenticated,
        scope: Option<&str>,
    ) -> std::result::Result<super::TokenAnswer, OAuthError> {
        let client = &auth.client.client;
        let allowed = client.allowed_o_auth_flows_user_pool_client == Some(true)
            && client
                .allowed_o_auth_flows
                .iter()
                .flatten()
                .any(|f| *f == OAuthFlowType::CLIENT_CREDENTIALS);
        if !auth.confidential() || !allowed {
            return Err(OAuthError::new(OAuthErrorCode::UnauthorizedClient));
        }
        let requested = scope.unwrap_or("").split(' ').filter(|s| !s.is_empty());
        let scopes = granted_scopes(client, requested)
            .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidScope))?;
        let (access_token, expires_in) = self
            .issue_client_access(&auth.client.pool_id, client, &scopes)
            .await?;
        Ok(super::TokenAnswer {
            access_token,
            id_token: None,
            refresh_token: None,
            expires_in,
            exchanged: None,
        })
    }

    /// GetClientToken: an access token for a client with a secret and the
    /// ALLOW_CLIENT_TOKEN_AUTH flow, as the client-credentials grant gives.
    pub(crate) async fn get_client_token(
        &self,
        input: GetClientTokenRequest,
    ) -> Result<GetClientTokenResponse> {
        let client_id = required(&input.client_id, "clientId")?;
        let secret = required(&input.secret, "secret")?;
        let client = self.client_for(client_id, None).await?;
        if client.secret.is_none() {
            return Err(invalid(format!(
                "Client {client_id} does not have a client secret."
            )));
        }
        if !client.secret_matches(secret.as_bytes()) {
            return Err(fail(
                ErrorCode::NotAuthorizedException,
                "Invalid client secret.",
            ));
        }
        let enabled = client
            .client
            .explicit_auth_flows
            .iter()
            .flatten()
            .any(|f| *f == ExplicitAuthFlowsType::ALLOW_CLIENT_TOKEN_AUTH);
        if !enabled {
            return Err(invalid(
                "ALLOW_CLIENT_TOKEN_AUTH flow not enabled for this client",
            ));
        }
        let requested = input.scopes.iter().flatten().map(String::as_str);
        let Some(scopes) = granted_scopes(&client.client, requested) else {
            return Err(invalid(
                "Invalid scope requested: the scopes must be custom scopes allowed for this client.",
            ));
        };
        let (token, expires_in) = self
            .issue_client_access(&client.pool_id, &client.client, &scopes)
            .await?;
        Ok(GetClientTokenResponse {
            client_authentication_result: Some(ClientAuthenticationResultType {
                access_token: Some(token),
                expires_in: Some(i32::try_from(expires_in).unwrap_or(i32::MAX)),
                token_type: Some("Bearer".into()),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(scopes: &[&str]) -> UserPoolClientType {
        UserPoolClientType {
            allowed_o_auth_scopes: Some(scopes.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn scopes_are_the_clients_custom_scopes() {
        let c = client(&["api/read", "openid", "api/write"]);
        assert_eq!(
            granted_scopes(&c, []).as_deref(),
            Some("api/read api/write")
        );
        assert_eq!(
            granted_scopes(&c, ["api/write", "api/write"]).as_deref(),
            Some("api/write")
        );
        assert_eq!(granted_scopes(&c, ["openid"]), None);
        assert_eq!(granted_scopes(&c, ["api/delete"]), None);
        assert_eq!(granted_scopes(&client(&["openid"]), []), None);
    }
}
