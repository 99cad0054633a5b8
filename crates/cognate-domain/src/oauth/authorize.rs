//! `GET /oauth2/authorize`, as AWS documents its authorize endpoint: the client and its
//! redirect URI are checked first, and a problem with either is shown on a page, never
//! redirected (RFC 6749 §4.1.2.1: the URI is not trusted yet); every later problem is
//! redirected to the redirect URI as `error` (and `state`). A valid request by a
//! signed-in browser gets its authorization code at once (single sign-on); otherwise
//! the browser goes to `/login` with the same query. A `client_id` that is an `https`
//! URL is a CIMD client of the pool the Host names (`cimd`): the request runs as its
//! policy's app client, with the document's redirect URIs, for the grants both allow.

use super::cimd::CimdRefusal;
use super::hosted_session::HostedSession;
use crate::clock::now;
use crate::pools::client as user_pool_client;
use crate::service::Service;
use cognate_api::types::*;
use cognate_store::records::oauth_code::{self as records, OAuthCodeRow};
use serde::{Deserialize, Serialize};

/// AWS: authorization codes are valid for five minutes.
pub const CODE_LIFETIME_SECONDS: f64 = 300.0;

/// The query of an authorize (or login) request.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
}

/// Why an authorize request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeRefusal {
    /// The client or the redirect URI is wrong: an error page, no redirect.
    Page(&'static str),
    /// RFC 6749 §4.1.2.1: `redirect_uri?error=..&error_description=..&state=..`.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: &'static str,
        state: Option<String>,
    },
}

impl AuthorizeRefusal {
    /// Where the browser is sent, for a redirected refusal.
    pub fn location(&self) -> Option<String> {
        match self {
            AuthorizeRefusal::Page(_) => None,
            AuthorizeRefusal::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut pairs = vec![("error", *error), ("error_description", *description)];
                if let Some(s) = state {
                    pairs.push(("state", s.as_str()));
                }
                Some(with_query(redirect_uri, &pairs))
            }
        }
    }
}

/// A checked authorize request.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub pool_id: String,
    /// The app client the request runs as (a CIMD client's policy's).
    pub client_id: String,
    /// A CIMD client's metadata URL, its `client_id` in the request.
    pub cimd_url: Option<String>,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// `prompt=login`: sign in again even with a session; `prompt=none`: never show
    /// the page (`login_required` instead).
    pub prompt: Option<String>,
    /// `response_type=token`: the implicit grant, tokens in the redirect's fragment.
    pub implicit: bool,
    /// The external identity provider to sign in with (`identity_provider`, or the
    /// provider of `idp_identifier`); None for the pool's own sign-in page.
    pub identity_provider: Option<String>,
    /// The client's external identity providers, for the sign-in page's buttons.
    pub providers: Vec<String>,
    /// Whether the client signs in the pool's own users (the COGNITO provider).
    pub cognito: bool,
}

impl Authorization {
    /// A refusal sent to the app's redirect URI, with the request's `state`
    /// (RFC 6749 §4.1.2.1).
    pub fn refusal(&self, error: &'static str, description: &'static str) -> AuthorizeRefusal {
        AuthorizeRefusal::Redirect {
            redirect_uri: self.redirect_uri.clone(),
            error,
            description,
            state: self.state.clone(),
        }
    }
}

/// What a code remembers until its exchange.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CodeDoc {
    pub client_id: String,
    /// A CIMD client's metadata URL: the exchange must name it.
    #[serde(default)]
    pub cimd_url: Option<String>,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// The S256 code challenge, if the request gave one.
    pub code_challenge: Option<String>,
    pub username: String,
    pub sub: String,
    pub auth_time: i64,
}

/// `base` with `pairs` added to its query, form-encoded.
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = base.to_string();
    let mut sep = if base.contains('?') { '&' } else { '?' };
    for (k, v) in pairs {
        out.push(sep);
        out.push_str(&form_encode(k));
        out.push('=');
        out.push_str(&form_encode(v));
        sep = '&';
    }
    out
}

/// application/x-www-form-urlencoded escaping of one component.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

impl Service {
    /// Checks an authorize request as AWS does; `host_pool` is the pool the Host names.
    pub async fn check_authorize(
        &self,
        p: &AuthorizeParams,
        host_pool: Option<&str>,
    ) -> Result<Authorization, AuthorizeRefusal> {
        use AuthorizeRefusal::Page;
        let requested_id =
            given(&p.client_id).ok_or(Page("Missing required parameter client_id"))?;
        // A CIMD client: its document's redirect URIs and grant and response types.
        let mut cimd: Option<(String, Vec<String>, Vec<String>)> = None;
        let (pool_id, client, callback_urls) = if requested_id.starts_with("https://") {
            // Only the pool the Host names is asked, and only for a URL shaped as one.
            let pool = host_pool
                .filter(|_| crate::oauth::cimd::is_metadata_url(requested_id))
                .ok_or(Page("Client does not exist"))?;
            let found =
                self.cimd_client(pool, requested_id)
                    .await
                    .map_err(|refusal| match refusal {
                        CimdRefusal::Unknown => Page("Client does not exist"),
                        CimdRefusal::BadDocument => Page("invalid_client_metadata"),
                        CimdRefusal::Failed => {
                            Page("An error was encountered with the requested page.")
                        }
                    })?;
            let doc = found.document;
            cimd = Some((
                requested_id.to_string(),
                doc.grant_types,
                doc.response_types,
            ));
            (found.pool_id, found.client, doc.redirect_uris)
        } else {
            let (pool_id, client) = self.client_for_page(requested_id).await?;
            let urls = client.callback_urls.clone().unwrap_or_default();
            (pool_id, client, urls)
        };
        if host_pool.is_some_and(|h| h != pool_id) {
            return Err(Page("Client does not exist"));
        }
        let client_id = client.client_id.clone().unwrap_or_default();
        let redirect_uri = given(&p.redirect_uri).ok_or(Page("redirect_mismatch"))?;
        if !callback_urls.iter().any(|u| u == redirect_uri) {
            return Err(Page("redirect_mismatch"));
        }
        let state = p.state.clone();
        let refuse = |error: &'static str, description: &'static str| AuthorizeRefusal::Redirect {
            redirect_uri: redirect_uri.to_string(),
            error,
            description,
            state: state.clone(),
        };
        let flow = match given(&p.response_type) {
            Some("code") => OAuthFlowType::CODE,
            Some("token") => OAuthFlowType::IMPLICIT,
            Some(_) => {
                return Err(refuse(
                    "unsupported_response_type",
                    "response_type must be code or token",
                ))
            }
            None => return Err(refuse("invalid_request", "Missing response_type")),
        };
        // A CIMD client gets a grant only where its document lists it too.
        let document_allows = cimd.as_ref().is_none_or(|(_, grants, responses)| {
            let (grant, response) = if flow == OAuthFlowType::CODE {
                ("authorization_code", "code")
            } else {
                ("implicit", "token")
            };
            grants.iter().any(|g| g == grant) && responses.iter().any(|r| r == response)
        });
        let flows_on = document_allows
            && client.allowed_o_auth_flows_user_pool_client == Some(true)
            && client
                .allowed_o_auth_flows
                .iter()
                .flatten()
                .any(|f| *f == flow);
        if !flows_on {
            return Err(refuse(
                "unauthorized_client",
                "Client is not enabled for this response_type",
            ));
        }
        let supported: Vec<String> = client
            .supported_identity_providers
            .clone()
            .unwrap_or_default();
        let cognito = supported.iter().any(|i| i == "COGNITO");
        let providers: Vec<String> = supported.into_iter().filter(|i| i != "COGNITO").collect();
        let identity_provider = match (given(&p.identity_provider), given(&p.idp_identifier)) {
            (Some("COGNITO"), _) => None,
            (Some(name), _) => Some(name.to_string()),
            (None, Some(identifier)) => {
                let (pool, identifier) = (pool_id.clone(), identifier.to_string());
                self.store()
                    .read(move |c| crate::federation::by_identifier(c, &pool, &identifier))
                    .await
                    .map_err(|_| Page("An error was encountered with the requested page."))?
                    .or(Some(String::new()))
            }
            (None, None) => None,
        };
        match &identity_provider {
            Some(name) if !providers.contains(name) => {
                return Err(refuse("invalid_request", "Unsupported identity provider"))
            }
            None if !cognito
                && (providers.is_empty() || given(&p.identity_provider) == Some("COGNITO")) =>
            {
                return Err(refuse(
                    "unauthorized_client",
                    "Client does not support the COGNITO identity provider",
                ))
            }
            _ => {}
        }
        let allowed: Vec<String> = client.allowed_o_auth_scopes.clone().unwrap_or_default();
        let scope = match given(&p.scope) {
            None => allowed.join(" "),
            Some(requested) => {
                let mut granted: Vec<&str> = Vec::new();
                for s in requested.split(' ').filter(|s| !s.is_empty()) {
                    if !allowed.iter().any(|a| a == s) {
                        return Err(refuse("invalid_scope", "Invalid scopes requested"));
                    }
                    if !granted.contains(&s) {
                        granted.push(s);
                    }
                }
                granted.join(" ")
            }
        };
        let code_challenge = match (given(&p.code_challenge), given(&p.code_challenge_method)) {
            (None, None) => None,
            // AWS supports S256 only.
            (Some(c), Some("S256")) => Some(c.to_string()),
            (Some(_), Some(_)) => {
                return Err(refuse(
                    "invalid_request",
                    "Unsupported code_challenge_method",
                ))
            }
            _ => {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge and code_challenge_method go together",
                ))
            }
        };
        Ok(Authorization {
            pool_id,
            client_id,
            cimd_url: cimd.map(|(url, _, _)| url),
            redirect_uri: redirect_uri.to_string(),
            scope,
            state: p.state.clone(),
            nonce: given(&p.nonce).map(str::to_string),
            code_challenge,
            prompt: given(&p.prompt).map(str::to_string),
            implicit: flow == OAuthFlowType::IMPLICIT,
            identity_provider,
            providers,
            cognito,
        })
    }

    /// Issues the authorization code of a checked request for a signed-in user and
    /// answers where the browser goes (`redirect_uri?code=..&state=..`).
    pub async fn issue_code(
        &self,
        a: &Authorization,
        session: &HostedSession,
    ) -> Result<String, AuthorizeRefusal> {
        if a.implicit {
            return self.issue_implicit(a, session).await;
        }
        let code = uuid::Uuid::new_v4().to_string();
        let doc = CodeDoc {
            client_id: a.client_id.clone(),
            cimd_url: a.cimd_url.clone(),
            redirect_uri: a.redirect_uri.clone(),
            scope: a.scope.clone(),
            nonce: a.nonce.clone(),
            code_challenge: a.code_challenge.clone(),
            username: session.username.clone(),
            sub: session.sub.clone(),
            auth_time: session.auth_time,
        };
        let row = OAuthCodeRow {
            code_hash: crate::tokens::hash(&code),
            pool_id: a.pool_id.clone(),
            expires_at: now() + CODE_LIFETIME_SECONDS,
            doc: serde_json::to_string(&doc).unwrap_or_default(),
        };
        self.store()
            .write(move |c| records::insert(c, &row).map_err(crate::error::Error::from))
            .await
            .map_err(|_| a.refusal("server_error", "The code could not be issued"))?;
        let mut pairs = vec![("code", code.as_str())];
        if let Some(s) = &a.state {
            pairs.push(("state", s.as_str()));
        }
        Ok(with_query(&a.redirect_uri, &pairs))
    }

    /// The implicit grant (`response_type=token`) for a signed-in user: the ID and access
    /// tokens (no refresh token, as AWS's implicit grant) in the redirect's fragment,
    /// `redirect_uri#id_token=..&access_token=..&token_type=Bearer&expires_in=..&state=..`.
    async fn issue_implicit(
        &self,
        a: &Authorization,
        session: &HostedSession,
    ) -> Result<String, AuthorizeRefusal> {
        let refused = |error, description| a.refusal(error, description);
        let (cache, pool_id, client_id) =
            (self.pool_cache(), a.pool_id.clone(), a.client_id.clone());
        let (username, sub, scope) = (
            session.username.clone(),
            session.sub.clone(),
            a.scope.clone(),
        );
        let auth_time = session.auth_time;
        let grant = self
            .store()
            .write(move |c| {
                let pool = crate::pools::PoolView::load(c, &cache, &pool_id)?;
                let Some((_, client, _)) = user_pool_client::load_for_auth(c, &client_id)? else {
                    return Ok(None);
                };
                let Some((row, doc)) = crate::users::find(c, &pool, &username)? else {
                    return Ok(None);
                };
                if row.sub != sub || !row.enabled {
                    return Ok(None);
                }
                let mut grant = crate::tokens::start_scoped_family(
                    c,
                    &pool,
                    &client,
                    &row,
                    &doc,
                    &crate::tokens::SignInDevice::default(),
                    Some(scope.clone()),
                )?;
                grant.auth_time = auth_time;
                grant.source = Some(crate::tokens::TokenSource::HostedAuth);
                Ok::<_, crate::error::Error>(Some(grant))
            })
            .await
            .map_err(|_| refused("server_error", "The tokens could not be issued"))?
            .ok_or_else(|| refused("access_denied", "The user cannot sign in"))?;
        let result = self
            .issue_oidc(grant, Some(a.nonce.clone().unwrap_or_default()))
            .await
            .map_err(|_| refused("server_error", "The tokens could not be issued"))?;
        let expires_in = result.expires_in.unwrap_or_default().to_string();
        let (id_token, access_token) = (
            result.id_token.unwrap_or_default(),
            result.access_token.unwrap_or_default(),
        );
        let mut pairs = vec![
            ("id_token", id_token.as_str()),
            ("access_token", access_token.as_str()),
            ("token_type", "Bearer"),
            ("expires_in", expires_in.as_str()),
        ];
        if let Some(s) = &a.state {
            pairs.push(("state", s.as_str()));
        }
        // The fragment takes the query's encoding.
        let query = with_query("", &pairs);
        Ok(format!(
            "{}#{}",
            a.redirect_uri,
            query.trim_start_matches('?')
        ))
    }

    /// App client `id` and its pool, for a hosted page: the page's message when there is
    /// no such client or it cannot be read.
    async fn client_for_page(
        &self,
        id: &str,
    ) -> Result<(String, UserPoolClientType), AuthorizeRefusal> {
        let id = id.to_string();
        let loaded = self
            .store()
            .read(move |c| user_pool_client::load_for_auth(c, &id))
            .await
            .map_err(|_| {
                AuthorizeRefusal::Page("An error was encountered with the requested page.")
            })?;
        let (pool_id, client, _) = loaded.ok_or(AuthorizeRefusal::Page("Client does not exist"))?;
        Ok((pool_id, client))
    }

    /// `GET /logout?client_id=..&logout_uri=..`: the pool, if `logout_uri` is one of
    /// the client's LogoutURLs (else the page's message: never a redirect to it).
    pub async fn check_logout(
        &self,
        client_id: Option<&str>,
        logout_uri: &str,
        host_pool: Option<&str>,
    ) -> Result<String, AuthorizeRefusal> {
        use AuthorizeRefusal::Page;
        let id = client_id
            .filter(|c| !c.is_empty())
            .ok_or(Page("Missing required parameter client_id"))?
            .to_string();
        let (pool_id, client) = self.client_for_page(&id).await?;
        if host_pool.is_some_and(|h| h != pool_id) {
            return Err(Page("Client does not exist"));
        }
        if !client.logout_urls.iter().flatten().any(|u| u == logout_uri) {
            return Err(Page("Invalid logout_uri"));
        }
        Ok(pool_id)
    }

    /// `prompt=none` without a session: AWS's `login_required`, redirected.
    pub fn login_required(a: &Authorization) -> AuthorizeRefusal {
        a.refusal("login_required", "The user is not signed in")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_form_encoded() {
        assert_eq!(
            with_query("https://a/cb", &[("code", "x y"), ("state", "a&b=c")]),
            "https://a/cb?code=x%20y&state=a%26b%3Dc"
        );
        assert_eq!(
            with_query("https://a/cb?k=1", &[("e", "1")]),
            "https://a/cb?k=1&e=1"
        );
    }
}
