//! Authenticating the app client at the token and revocation endpoints: its id and
//! secret in an HTTP Basic `Authorization` header (client_secret_basic) or as the form's
//! `client_id` and `client_secret` (client_secret_post); a public client names itself
//! with `client_id` alone. Secrets are compared in constant time. A CIMD client (its
//! `client_id` an `https` URL that a policy of the Host's pool matches) is public: it
//! gives no secret, and is its policy's app client without that client's secret.

use super::{OAuthError, OAuthErrorCode};
use crate::pools::client::{self as user_pool_client, AuthClient};
use crate::service::Service;

/// What the request offered to authenticate its client.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    /// The id and secret of an `Authorization: Basic` header, decoded.
    pub basic: Option<(String, String)>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

fn invalid_client() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidClient)
}

/// A client that authenticated.
pub struct Authenticated {
    pub client: AuthClient,
    /// A CIMD client's metadata URL.
    pub cimd_url: Option<String>,
    /// A CIMD client's app client has a secret (which the CIMD client does not prove).
    pub cimd_app_secret: bool,
}

impl Authenticated {
    pub fn confidential(&self) -> bool {
        self.client.secret.is_some()
    }
}

impl Service {
    /// The client the credentials name, if they prove it: a client with a secret must
    /// give it, one without must not claim one. With `host_pool` (the request's Host is
    /// a pool's domain), the client must belong to that pool.
    pub(crate) async fn authenticate_client(
        &self,
        credentials: &ClientCredentials,
        host_pool: Option<&str>,
    ) -> Result<Authenticated, OAuthError> {
        let (basic_id, basic_secret) = match &credentials.basic {
            Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
            None => (None, None),
        };
        // Two mechanisms at once (RFC 6749 §2.3) is a malformed request; naming the
        // client in the form beside the header is allowed when it is the same client.
        if basic_secret.is_some() && credentials.client_secret.is_some() {
            return Err(OAuthError::new(OAuthErrorCode::InvalidRequest));
        }
        let form_id = credentials.client_id.as_deref().filter(|s| !s.is_empty());
        if let (Some(a), Some(b)) = (basic_id, form_id) {
            if a != b {
                return Err(OAuthError::new(OAuthErrorCode::InvalidRequest));
            }
        }
        let client_id = basic_id.or(form_id).ok_or_else(invalid_client)?.to_string();
        let given = basic_secret.or(credentials.client_secret.as_deref());
        if client_id.starts_with("https://") {
            return self
                .authenticate_cimd(client_id, given.is_some(), host_pool)
                .await;
        }
        let loaded = self
            .store()
            .read(move |c| user_pool_client::load_for_auth(c, &client_id))
            .await?;
        let loaded = loaded.ok_or_else(invalid_client)?;
        if host_pool.is_some_and(|p| p != loaded.0) {
            return Err(invalid_client());
        }
        let client = self.auth_client(loaded)?;
        let proven = match (&client.secret, given) {
            (Some(_), Some(given)) => client.secret_matches(given.as_bytes()),
            (Some(_), None) | (None, Some(_)) => false,
            (None, None) => true,
        };
        if !proven {
            return Err(invalid_client());
        }
        Ok(Authenticated {
            client,
            cimd_url: None,
            cimd_app_secret: false,
        })
    }

    async fn authenticate_cimd(
        &self,
        url: String,
        secret_given: bool,
        host_pool: Option<&str>,
    ) -> Result<Authenticated, OAuthError> {
        let pool = host_pool
            .filter(|_| !secret_given && super::cimd::is_metadata_url(&url))
            .ok_or_else(invalid_client)?;
        let loaded = self
            .cimd_app_client(pool, &url)
            .await?
            .ok_or_else(invalid_client)?;
        let mut client = self.auth_client(loaded)?;
        let cimd_app_secret = client.secret.is_some();
        client.secret = None;
        client.other_secrets.clear();
        Ok(Authenticated {
            client,
            cimd_url: Some(url),
            cimd_app_secret,
        })
    }
}
