//! Token exchange (RFC 8693): GetDerivedToken and the token endpoint's
//! `urn:ietf:params:oauth:grant-type:token-exchange` grant. An app client with
//! ALLOW_TOKEN_EXCHANGE_IMPERSONATION trades a user's access or ID token of its pool
//! (the subject token) for a new access or ID token, narrowed in scope and bound to one
//! audience or resource server, with no refresh token; with
//! ALLOW_TOKEN_EXCHANGE_DELEGATION it also presents its own token (the actor token),
//! and the issued token's `act` claim names the actor (`sub`, and `client_id` for an
//! access token), nesting the subject token's own `act` for a chain of delegations.
//!
//! The issued token belongs to the subject's session: it carries the subject token's
//! `origin_jti`, so revoking the user's session (RevokeToken, sign-out) revokes it too.
//! Scopes: the intersection of those asked for, the subject token's and the requesting
//! client's AllowedOAuthScopes; none asked, the subject token's (narrowed to a resource
//! server's scopes when one is named). Both tokens must be this pool's, live, unrevoked,
//! of a user who exists and is enabled; or the subject token is an ID token of one of
//! the pool's OIDC or social providers (SubjectTokenProviderName), verified against the
//! provider's keys, standing for the user the provider's user signs in as (linked, or
//! signed in before). SAML 2.0 assertions are refused as not supported.

use crate::clock::now;
use crate::error::{fail, invalid, required, Error, Result};
use crate::operations::operation;
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::from_doc;
use crate::tokens::issue::attribute_claim;
use crate::tokens::jwt::{self, Decoded};
use crate::tokens::validity::validity;
use crate::users::UserDoc;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind};
use cognate_store::records::{auth, user};
use serde_json::{Map, Value};

operation!(GetDerivedToken => Service::get_derived_token);

/// Which kind of token a request presents or asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Access,
    Id,
    Saml2,
}

impl TokenKind {
    fn from_api(t: &TokenTypeIdentifierType) -> Result<TokenKind> {
        match t.as_str() {
            "ACCESS_TOKEN" => Ok(TokenKind::Access),
            "ID_TOKEN" => Ok(TokenKind::Id),
            "SAML2" => Ok(TokenKind::Saml2),
            other => Err(invalid(format!("Invalid token type: {other}"))),
        }
    }

    /// RFC 8693's token type identifiers, as the token endpoint takes them.
    pub(crate) fn from_urn(urn: &str) -> Option<TokenKind> {
        match urn {
            "urn:ietf:params:oauth:token-type:access_token" => Some(TokenKind::Access),
            "urn:ietf:params:oauth:token-type:id_token" => Some(TokenKind::Id),
            "urn:ietf:params:oauth:token-type:saml2" => Some(TokenKind::Saml2),
            _ => None,
        }
    }

    pub(crate) fn urn(self) -> &'static str {
        match self {
            TokenKind::Access => "urn:ietf:params:oauth:token-type:access_token",
            TokenKind::Id => "urn:ietf:params:oauth:token-type:id_token",
            TokenKind::Saml2 => "urn:ietf:params:oauth:token-type:saml2",
        }
    }
}

/// A token exchange request, from either door.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub subject_token: String,
    pub subject_kind: TokenKind,
    pub subject_provider: Option<String>,
    pub actor: Option<(String, TokenKind, Option<String>)>,
    /// None: the subject token's scopes.
    pub scopes: Option<Vec<String>>,
    pub audience: Option<String>,
    pub resource: Option<String>,
    pub requested: TokenKind,
}

/// What an exchange issued.
#[derive(Debug, Clone)]
pub(crate) struct Exchanged {
    pub token: String,
    pub kind: TokenKind,
    pub expires_in: i64,
    pub scopes: Vec<String>,
}

/// Why an exchange was refused, so that each door can answer in its own terms.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The request is malformed or asks for something unsupported.
    Request(Error),
    /// The client may not exchange tokens (its ExplicitAuthFlows, the pool's plan).
    Client(Error),
    /// A presented token does not verify, is expired or revoked, or its user is gone.
    Grant(Error),
    /// Scopes that cannot be granted.
    Scope(Error),
    /// An unknown resource server.
    Target(Error),
    Other(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Other(e)
    }
}

impl Refusal {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Refusal::Request(e)
            | Refusal::Client(e)
            | Refusal::Grant(e)
            | Refusal::Scope(e)
            | Refusal::Target(e)
            | Refusal::Other(e) => e,
        }
    }
}

fn bad_token(which: &str) -> Refusal {
    Refusal::Grant(fail(
        ErrorCode::NotAuthorizedException,
        format!("Invalid {which} token."),
    ))
}

/// A verified token of the pool: its claims, and for a user's token the user.
struct Presented {
    claims: Map<String, Value>,
    user: Option<(String, UserDoc)>,
}

impl Presented {
    fn str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

impl Service {
    pub(crate) async fn get_derived_token(
        &self,
        input: GetDerivedTokenRequest,
    ) -> Result<GetDerivedTokenResponse> {
        let client_id = required(&input.client_id, "clientId")?;
        let client = self.client_for(client_id, None).await?;
        if client.secret.is_some() {
            let given = input.client_secret.as_deref().unwrap_or_default();
            if !client.secret_matches(given.as_bytes()) {
                return Err(fail(
                    ErrorCode::NotAuthorizedException,
                    format!("Unable to verify secret for client {client_id}"),
                ));
            }
        }
        if input.audiences.as_ref().is_some_and(|a| !a.is_empty())
            && input.resources.as_ref().is_some_and(|r| !r.is_empty())
        {
            return Err(invalid(
                "You can't request both Audiences and Resources in the same request.",
            ));
        }
        let actor = match (&input.actor_token, &input.actor_token_type) {
            (None, None) => None,
            (Some(token), Some(kind)) => Some((
                token.clone(),
                TokenKind::from_api(kind)?,
                input.actor_token_provider_name.clone(),
            )),
            (Some(_), None) => {
                return Err(invalid(
                    "ActorTokenType is required when ActorToken is provided.",
                ))
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "ActorToken is required when ActorTokenType is provided.",
                ))
            }
        };
        let requested = match input.requested_token_type.as_ref().map(|t| t.as_str()) {
            None | Some("ACCESS_TOKEN") => TokenKind::Access,
            Some("ID_TOKEN") => TokenKind::Id,
            Some(other) => return Err(invalid(format!("Invalid requested token type: {other}"))),
        };
        let exchange = Exchange {
            subject_token: required(&input.subject_token, "subjectToken")?.clone(),
            subject_kind: TokenKind::from_api(required(
                &input.subject_token_type,
                "subjectTokenType",
            )?)?,
            subject_provider: input.subject_token_provider_name.clone(),
            actor,
            scopes: input.scopes.clone().filter(|s| !s.is_empty()),
            audience: input.audiences.iter().flatten().next().cloned(),
            resource: input.resources.iter().flatten().next().cloned(),
            requested,
        };
        let issued = self
            .exchange_token(&client, exchange)
            .await
            .map_err(Refusal::into_error)?;
        Ok(GetDerivedTokenResponse {
            issued_token: Some(issued.token),
            issued_token_type: Some(match issued.kind {
                TokenKind::Id => IssuedTokenTypeIdentifierType::ID_TOKEN,
                _ => IssuedTokenTypeIdentifierType::ACCESS_TOKEN,
            }),
            token_type: Some(match issued.kind {
                TokenKind::Id => OAuthTokenTypeType::N_A,
                _ => OAuthTokenTypeType::BEARER,
            }),
            expires_in: Some(i32::try_from(issued.expires_in).unwrap_or(i32::MAX)),
            scopes: (issued.kind == TokenKind::Access).then_some(issued.scopes),
        })
    }

    /// Runs an exchange for an app client whose secret (if any) was proven.
    pub(crate) async fn exchange_token(
        &self,
        client: &AuthClient,
        x: Exchange,
    ) -> std::result::Result<Exchanged, Refusal> {
        let flows = client.client.explicit_auth_flows.iter().flatten();
        let (flow, name) = if x.actor.is_some() {
            (
                ExplicitAuthFlowsType::ALLOW_TOKEN_EXCHANGE_DELEGATION,
                "ALLOW_TOKEN_EXCHANGE_DELEGATION",
            )
        } else {
            (
                ExplicitAuthFlowsType::ALLOW_TOKEN_EXCHANGE_IMPERSONATION,
                "ALLOW_TOKEN_EXCHANGE_IMPERSONATION",
            )
        };
        if !flows.clone().any(|f| *f == flow) {
            return Err(Refusal::Client(invalid(format!(
                "{name} flow not enabled for this client"
            ))));
        }
        // An actor is a service of this pool; SAML 2.0 assertions are not taken.
        if x.subject_kind == TokenKind::Saml2
            || x.actor
                .as_ref()
                .is_some_and(|(_, kind, provider)| provider.is_some() || *kind == TokenKind::Saml2)
        {
            return Err(Refusal::Request(invalid(
                "SAML 2.0 assertions and actor tokens of external identity providers cannot be exchanged.",
            )));
        }
        if x.subject_provider.is_some() && x.subject_kind != TokenKind::Id {
            return Err(Refusal::Request(invalid(
                "A token of an external identity provider must be its ID token (SubjectTokenType ID_TOKEN).",
            )));
        }
        let pool_id = client.pool_id.clone();
        let cache = self.pool_cache();
        let (pool_tier, pool_created) = {
            let id = pool_id.clone();
            self.store()
                .read(move |c| {
                    let pool = PoolView::load(c, &cache, &id)?;
                    Ok::<_, Error>((
                        pool.pool.user_pool_tier.clone(),
                        pool.pool.creation_date.unwrap_or_default(),
                    ))
                })
                .await?
        };
        if pool_tier == Some(UserPoolTierType::LITE) {
            return Err(Refusal::Client(fail(
                ErrorCode::OperationNotEnabledException,
                "Token exchange is not available in the LITE tier.",
            )));
        }
        let subject = match &x.subject_provider {
            Some(provider) => {
                self.external_subject(&pool_id, provider, &x.subject_token)
                    .await?
            }
            None => {
                self.presented(&pool_id, &x.subject_token, x.subject_kind, "subject", true)
                    .await?
            }
        };
        let actor = match &x.actor {
            Some((token, kind, _)) => Some(
                self.presented(&pool_id, token, *kind, "actor", false)
                    .await?,
            ),
            None => None,
        };
        let Some((username, doc)) = subject.user.clone() else {
            return Err(bad_token("subject"));
        };

        // Scopes.
        let subject_scopes: Vec<String> = match x.subject_kind {
            TokenKind::Access => subject
                .str("scope")
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            // An ID token carries no scopes: the client's are the bound.
            _ => client
                .client
                .allowed_o_auth_scopes
                .clone()
                .unwrap_or_default(),
        };
        if let Some(resource) = &x.resource {
            let (id, key) = (pool_id.clone(), resource.clone());
            let exists = self
                .store()
                .read(move |c| {
                    Ok::<_, Error>(pool_object::get(c, &id, Kind::ResourceServer, &key)?.is_some())
                })
                .await?;
            if !exists {
                return Err(Refusal::Target(invalid(format!(
                    "The resource server {resource} does not exist in this user pool."
                ))));
            }
        }
        let allowed = client
            .client
            .allowed_o_auth_scopes
            .clone()
            .unwrap_or_default();
        let in_resource = |s: &str| {
            x.resource.as_ref().is_none_or(|r| {
                s.strip_prefix(r.as_str())
                    .is_some_and(|t| t.starts_with('/'))
            })
        };
        let scopes: Vec<String> = match &x.scopes {
            Some(asked) => {
                let mut granted = Vec::new();
                for s in asked {
                    if !subject_scopes.contains(s) || !allowed.contains(s) || !in_resource(s) {
                        return Err(Refusal::Scope(invalid(format!(
                            "Invalid scope requested: {s}"
                        ))));
                    }
                    if !granted.contains(s) {
                        granted.push(s.clone());
                    }
                }
                granted
            }
            None => subject_scopes
                .iter()
                .filter(|s| in_resource(s))
                .cloned()
                .collect(),
        };
        if x.requested == TokenKind::Access && scopes.is_empty() {
            return Err(Refusal::Scope(invalid(
                "Invalid scope requested: no scope of the subject token can be granted.",
            )));
        }

        // The actor, and the chain of earlier actors the subject token names.
        let act = actor.as_ref().map(|a| {
            let mut act = Map::new();
            if let Some(sub) = a.str("sub") {
                act.insert("sub".into(), Value::from(sub));
            }
            if let Some(client_id) = a.str("client_id") {
                act.insert("client_id".into(), Value::from(client_id));
            }
            if let Some(earlier) = subject.claims.get("act") {
                act.insert("act".into(), earlier.clone());
            }
            Value::Object(act)
        });

        let keys = self.pool_keys(&pool_id, pool_created).await?;
        let iat = now() as i64;
        let v = validity(&client.client);
        let client_id = client.client.client_id.clone().unwrap_or_default();
        let mut claims = Map::new();
        let copy = |claims: &mut Map<String, Value>, name: &str| {
            if let Some(value) = subject.claims.get(name) {
                claims.insert(name.to_string(), value.clone());
            }
        };
        claims.insert(
            "sub".into(),
            Value::from(subject.str("sub").unwrap_or_default()),
        );
        copy(&mut claims, "cognito:groups");
        claims.insert("iss".into(), Value::from(self.issuer(&pool_id)));
        copy(&mut claims, "origin_jti");
        claims.insert(
            "event_id".into(),
            Value::from(uuid::Uuid::new_v4().to_string()),
        );
        copy(&mut claims, "auth_time");
        claims.insert("iat".into(), Value::from(iat));
        claims.insert("jti".into(), Value::from(uuid::Uuid::new_v4().to_string()));
        let bound = x.audience.clone().or(x.resource.clone());
        let (token, expires_in) = match x.requested {
            TokenKind::Id => {
                let readable = client.client.read_attributes.as_deref();
                for a in &doc.attributes {
                    let (Some(name), Some(value)) = (a.name.as_deref(), a.value.as_deref()) else {
                        continue;
                    };
                    if name == "sub" || readable.is_some_and(|r| !r.iter().any(|n| n == name)) {
                        continue;
                    }
                    claims.insert(name.to_string(), attribute_claim(name, value));
                }
                claims.insert("cognito:username".into(), Value::from(username));
                claims.insert(
                    "aud".into(),
                    Value::from(bound.unwrap_or_else(|| client_id.clone())),
                );
                claims.insert("token_use".into(), Value::from("id"));
                claims.insert("exp".into(), Value::from(iat + v.id));
                if let Some(act) = act {
                    claims.insert("act".into(), act);
                }
                (keys.id.sign(&Value::Object(claims)), v.id)
            }
            _ => {
                claims.insert("client_id".into(), Value::from(client_id));
                claims.insert("token_use".into(), Value::from("access"));
                claims.insert("scope".into(), Value::from(scopes.join(" ")));
                claims.insert("exp".into(), Value::from(iat + v.access));
                claims.insert("username".into(), Value::from(username));
                if let Some(aud) = bound {
                    claims.insert("aud".into(), Value::from(aud));
                }
                if let Some(act) = act {
                    claims.insert("act".into(), act);
                }
                (keys.access.sign(&Value::Object(claims)), v.access)
            }
        };
        Ok(Exchanged {
            token,
            kind: x.requested,
            expires_in,
            scopes,
        })
    }

    /// A subject token of the pool's OIDC or social provider: verified as the provider
    /// issued it, standing for the pool's user it signs in as (who must have signed in
    /// before, or be linked). The issued token starts a session of its own.
    async fn external_subject(
        &self,
        pool_id: &str,
        provider: &str,
        token: &str,
    ) -> std::result::Result<Presented, Refusal> {
        let found = self
            .external_id_token(pool_id, provider, token)
            .await?
            .map_err(|why| {
                Refusal::Grant(fail(
                    ErrorCode::NotAuthorizedException,
                    format!("Invalid subject token: {why}"),
                ))
            })?;
        if !found.user.enabled {
            return Err(Refusal::Grant(fail(
                ErrorCode::NotAuthorizedException,
                "User is disabled.",
            )));
        }
        let doc: UserDoc = from_doc(&found.user.doc)?;
        let mut claims = Map::new();
        claims.insert("sub".into(), Value::from(found.user.sub.clone()));
        claims.insert(
            "origin_jti".into(),
            Value::from(uuid::Uuid::new_v4().to_string()),
        );
        claims.insert("auth_time".into(), Value::from(now() as i64));
        Ok(Presented {
            claims,
            user: Some((found.user.username, doc)),
        })
    }

    /// Verifies a token presented in an exchange: this pool's signature for its use,
    /// issuer, expiry, its session not revoked, and for a user's token (or when
    /// `user_required`) that the user exists and is enabled.
    async fn presented(
        &self,
        pool_id: &str,
        token: &str,
        kind: TokenKind,
        which: &'static str,
        user_required: bool,
    ) -> std::result::Result<Presented, Refusal> {
        let decoded: Decoded = jwt::decode(token).ok_or_else(|| bad_token(which))?;
        let token_use = match kind {
            TokenKind::Access => "access",
            _ => "id",
        };
        if decoded.alg != "RS256"
            || decoded.str_claim("iss") != Some(self.issuer(pool_id).as_str())
            || decoded.str_claim("token_use") != Some(token_use)
        {
            return Err(bad_token(which));
        }
        let keys = self.pool_keys_now(pool_id).await?;
        if !matches!(keys.by_kid(&decoded.kid), Some((key, u)) if u == token_use && key.verifies(&decoded))
        {
            return Err(bad_token(which));
        }
        if decoded.num_claim("exp").unwrap_or(0.0) <= now() {
            return Err(Refusal::Grant(fail(
                ErrorCode::NotAuthorizedException,
                format!("The {which} token has expired."),
            )));
        }
        let username = match kind {
            TokenKind::Access => decoded.str_claim("username"),
            _ => decoded.str_claim("cognito:username"),
        }
        .map(str::to_string);
        if user_required && username.is_none() {
            return Err(bad_token(which));
        }
        let origin = decoded.str_claim("origin_jti").map(str::to_string);
        let sub = decoded.str_claim("sub").unwrap_or_default().to_string();
        let (id, cache) = (pool_id.to_string(), self.pool_cache());
        let user = self
            .store()
            .read(move |c| {
                if let Some(origin) = &origin {
                    if auth::is_revoked(c, origin)? {
                        return Ok(Err(fail(
                            ErrorCode::NotAuthorizedException,
                            format!("The {which} token has been revoked."),
                        )));
                    }
                }
                let Some(username) = username else {
                    return Ok(Ok(None));
                };
                let pool = PoolView::load(c, &cache, &id)?;
                let row = user::get(c, &pool.id, &pool.fold(&username))?.filter(|r| r.sub == sub);
                let Some(row) = row else {
                    return Ok(Err(crate::users::user_not_found()));
                };
                if !row.enabled {
                    return Ok(Err(fail(
                        ErrorCode::NotAuthorizedException,
                        "User is disabled.",
                    )));
                }
                let doc: UserDoc = from_doc(&row.doc)?;
                Ok::<_, Error>(Ok(Some((row.username, doc))))
            })
            .await?
            .map_err(Refusal::Grant)?;
        Ok(Presented {
            claims: decoded.claims,
            user,
        })
    }
}
