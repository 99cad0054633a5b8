//! The pool's user a provider's user signs in as: a user linked to them
//! (AdminLinkProviderForUser), else `<ProviderName>_<id>` with status
//! EXTERNAL_PROVIDER, created at their first sign-in and given the mapped attributes
//! at every sign-in, as AWS does. Its `identities` attribute names the provider, and
//! the ID token's `identities` claim repeats it. Before the user is created the pool's
//! PreSignUp trigger is called (`PreSignUp_ExternalProvider`): it may link the provider's
//! user to an existing one (AdminLinkProviderForUser), who then signs in instead.

use super::oidc::{claim_text, FederationFailure, FederationState, IDP_RESPONSE_PATH};
use crate::auth::not_authorized;
use crate::clock::now;
use crate::error::{invalid, Result};
use crate::oauth::LoginStep;
use crate::pools::client as user_pool_client;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::to_doc;
use crate::users::attributes as attrs;
use crate::users::{index_entries, save, LinkedIdentity, MfaSettings, UserDoc, LINK_INDEX};
use cognate_api::types::*;
use cognate_store::records::user::{self, UserRow};
use cognate_store::Conn;
use serde_json::{Map, Value};

/// The subject attribute name of AdminLinkProviderForUser: the provider's user id.
pub const SUBJECT: &str = "Cognito_Subject";

/// One entry of the `identities` attribute.
pub(crate) fn identity_entry(
    provider: &IdentityProviderType,
    user_id: &str,
    primary: bool,
    issuer: Option<&str>,
) -> Value {
    serde_json::json!({
        "userId": user_id,
        "providerName": provider.provider_name.clone().unwrap_or_default(),
        "providerType": provider.provider_type.as_ref().map(|t| t.as_str()).unwrap_or("OIDC"),
        "issuer": issuer,
        "primary": primary.to_string(),
        "dateCreated": ((now() * 1000.0) as i64).to_string(),
    })
}

/// The user's `identities` as a list.
pub(crate) fn identities_of(doc: &UserDoc) -> Vec<Value> {
    attrs::get(&doc.attributes, "identities")
        .and_then(|v| serde_json::from_str::<Vec<Value>>(v).ok())
        .unwrap_or_default()
}

pub(crate) fn set_identities(doc: &mut UserDoc, identities: &[Value]) {
    if identities.is_empty() {
        attrs::remove(&mut doc.attributes, "identities");
    } else {
        attrs::set(
            &mut doc.attributes,
            "identities",
            &Value::Array(identities.to_vec()).to_string(),
        );
    }
}

/// The provider's user id in its claims: the claim mapped to `username`.
pub(crate) fn provider_user_id(
    provider: &IdentityProviderType,
    claims: &Map<String, Value>,
) -> Option<String> {
    let kind = provider
        .provider_type
        .clone()
        .unwrap_or(IdentityProviderTypeType::OIDC);
    let claim = provider
        .attribute_mapping
        .as_ref()
        .and_then(|m| m.get("username"))
        .map(String::as_str)
        .or(super::providers::default_username_claim(&kind))
        .unwrap_or("sub");
    claims
        .get(claim)
        .and_then(claim_text)
        .filter(|v| !v.is_empty())
}

/// The user linked to a provider's user, if one is: by their id, or by any claim a
/// link names.
fn linked_user(
    c: &mut dyn Conn,
    pool: &PoolView,
    provider: &str,
    user_id: &str,
    claims: &Map<String, Value>,
) -> Result<Option<UserRow>> {
    let mut wanted = vec![LinkedIdentity::index_value(provider, SUBJECT, user_id)];
    for (k, v) in claims {
        if let Some(v) = claim_text(v) {
            wanted.push(LinkedIdentity::index_value(provider, k, &v));
        }
    }
    for value in wanted {
        if let Some(key) = user::find_by_attribute(c, &pool.id, LINK_INDEX, &value)?
            .into_iter()
            .next()
        {
            return Ok(user::get(c, &pool.id, &key)?);
        }
    }
    Ok(None)
}

/// The attributes the mapping gives a provider's user.
fn mapped_attributes(
    provider: &IdentityProviderType,
    claims: &Map<String, Value>,
) -> Vec<(String, String)> {
    provider
        .attribute_mapping
        .iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "username")
        .filter_map(|(k, claim)| Some((k.clone(), claims.get(claim).and_then(claim_text)?)))
        .collect()
}

/// Who the pool has already for a provider's user.
enum Existing {
    /// A user linked to them (AdminLinkProviderForUser).
    Linked(UserRow),
    /// Their own `<ProviderName>_<id>`.
    Federated(UserRow),
    New,
}

fn existing(
    c: &mut dyn Conn,
    pool: &PoolView,
    provider: &IdentityProviderType,
    user_id: &str,
    claims: &Map<String, Value>,
) -> Result<Existing> {
    let name = provider.provider_name.clone().unwrap_or_default();
    if let Some(row) = linked_user(c, pool, &name, user_id, claims)? {
        return Ok(Existing::Linked(row));
    }
    let key = pool.fold(&format!("{name}_{user_id}"));
    Ok(match user::get(c, &pool.id, &key)? {
        Some(row) => Existing::Federated(row),
        None => Existing::New,
    })
}

/// The pool's user a provider's user already is (linked, or their own federated user).
pub(crate) fn known_user(
    c: &mut dyn Conn,
    pool: &PoolView,
    provider: &IdentityProviderType,
    user_id: &str,
    claims: &Map<String, Value>,
) -> Result<Option<UserRow>> {
    Ok(match existing(c, pool, provider, user_id, claims)? {
        Existing::Linked(row) | Existing::Federated(row) => Some(row),
        Existing::New => None,
    })
}

/// In a write: the user a provider's user signs in as, created or updated; `pre` is
/// what PreSignUp decided for a new one.
pub(crate) fn sign_in_as(
    c: &mut dyn Conn,
    pool: &PoolView,
    (provider, mapped): (&IdentityProviderType, &[(String, String)]),
    user_id: &str,
    claims: &Map<String, Value>,
    issuer: Option<&str>,
    pre: crate::triggers::PreSignUpAnswer,
) -> Result<(UserRow, UserDoc)> {
    match existing(c, pool, provider, user_id, claims)? {
        Existing::Linked(row) => {
            let doc: UserDoc = crate::stored::from_doc(&row.doc)?;
            return Ok((row, doc));
        }
        Existing::Federated(row) => {
            let mut doc: UserDoc = crate::stored::from_doc(&row.doc)?;
            for (k, v) in mapped {
                attrs::set(&mut doc.attributes, k, v);
            }
            let row = save(c, pool, row, &doc)?;
            return Ok((row, doc));
        }
        Existing::New => {}
    }
    let username = format!(
        "{}_{user_id}",
        provider.provider_name.as_deref().unwrap_or_default()
    );
    let key = pool.fold(&username);
    let sub = uuid::Uuid::new_v4().to_string();
    let mut doc = UserDoc {
        attributes: vec![AttributeType {
            name: Some("sub".into()),
            value: Some(sub.clone()),
        }],
        password: None,
        mfa: MfaSettings::default(),
        links: Vec::new(),
    };
    for (k, v) in mapped {
        attrs::set(&mut doc.attributes, k, v);
    }
    if pre.verify_email {
        attrs::set(&mut doc.attributes, "email_verified", "true");
    }
    if pre.verify_phone {
        attrs::set(&mut doc.attributes, "phone_number_verified", "true");
    }
    set_identities(&mut doc, &[identity_entry(provider, user_id, true, issuer)]);
    let t = now();
    let row = UserRow {
        pool_id: pool.id.clone(),
        username_key: key,
        username,
        sub,
        status: UserStatusType::EXTERNAL_PROVIDER.into(),
        enabled: true,
        created_at: t,
        updated_at: t,
        doc: to_doc(&doc)?,
    };
    user::insert(c, &row, &index_entries(pool, &row, &doc))?;
    Ok((row, doc))
}

impl Service {
    /// `/oauth2/idpresponse`: the provider's answer (`code` and `state`, or `error`),
    /// signed in as the pool's user. `base` is the scheme and host the browser reached
    /// us at (the callback URL sent to the provider), `binding` its pre-login cookie.
    pub async fn federation_finish(
        &self,
        sealed_state: &str,
        code: Option<&str>,
        error: Option<&str>,
        base: &str,
        binding: Option<&str>,
    ) -> std::result::Result<(crate::oauth::Authorization, LoginStep), FederationFailure> {
        let state: FederationState = self.open_federation_state(sealed_state, binding)?;
        let a = state.authorization();
        let redirect =
            |error, description| FederationFailure::Redirect(a.refusal(error, description));
        // A federated sign-in counts toward UserFederation, as AWS's do.
        if self
            .check_endpoint_quota(&a.pool_id, crate::quotas::Category::UserFederation)
            .is_err()
        {
            return Err(redirect("temporarily_unavailable", "Rate exceeded"));
        }
        if error.is_some() {
            return Err(redirect(
                "access_denied",
                "The identity provider refused the sign-in",
            ));
        }
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            return Err(redirect(
                "invalid_request",
                "The identity provider sent no code",
            ));
        };
        let provider = self
            .provider_named(&state.pool_id, &state.provider)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| redirect("invalid_request", "The identity provider does not exist"))?;
        let callback = format!("{}{IDP_RESPONSE_PATH}", base.trim_end_matches('/'));
        let (claims, raw) = self
            .provider_claims(&provider, code, &callback, &state.upstream_nonce)
            .await
            .map_err(|e| {
                tracing::warn!(provider = %state.provider, error = %e, "a federated sign-in failed");
                redirect("invalid_request", "The identity provider's answer could not be verified")
            })?;
        let user_id = provider_user_id(&provider, &claims)
            .ok_or_else(|| redirect("invalid_request", "The identity provider named no user"))?;
        let issuer = super::oidc::detail(&provider, "oidc_issuer");
        self.federated_step(&state, &provider, &user_id, (&claims, &raw), issuer)
            .await
    }

    /// The end of every federated sign-in: the pool's user signed in, or the app told
    /// why not.
    pub(crate) async fn federated_step(
        &self,
        state: &FederationState,
        provider: &IdentityProviderType,
        user_id: &str,
        (claims, raw): (&Map<String, Value>, &Value),
        issuer: Option<&str>,
    ) -> std::result::Result<(crate::oauth::Authorization, LoginStep), FederationFailure> {
        let a = state.authorization();
        let outcome = self
            .federated_sign_in(state, provider, user_id, (claims, raw), issuer)
            .await;
        let step = self.login_step(outcome).await.map_err(|f| {
            tracing::info!(provider = %state.provider, reason = %f.0, "a federated user was refused");
            FederationFailure::Redirect(a.refusal("access_denied", "The user cannot sign in"))
        })?;
        Ok((a, step))
    }

    /// Writes the federated user and starts their session's token family.
    async fn federated_sign_in(
        &self,
        state: &FederationState,
        provider: &IdentityProviderType,
        user_id: &str,
        (claims, raw): (&Map<String, Value>, &Value),
        issuer: Option<&str>,
    ) -> Result<crate::auth::Outcome> {
        // A user new to the pool: PreSignUp first, outside the write (only where the
        // pool has the trigger is the user looked for here).
        let (cache, pool_id) = (self.pool_cache(), state.pool_id.clone());
        let (p, u, cl) = (provider.clone(), user_id.to_string(), claims.clone());
        let (pool, is_new) = self
            .store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let is_new = crate::triggers::Trigger::PreSignUp.configured(&pool.pool)
                    && matches!(existing(c, &pool, &p, &u, &cl)?, Existing::New);
                Ok::<_, crate::error::Error>((pool, is_new))
            })
            .await?;
        let username = format!(
            "{}_{user_id}",
            provider.provider_name.as_deref().unwrap_or_default()
        );
        // InboundFederation may map the user's attributes in the provider's place.
        let mapped = match self
            .inbound_federation(crate::triggers::Inbound {
                pool: &pool.pool,
                pool_id: &pool.id,
                client_id: &state.client_id,
                username: &username,
                provider,
                attributes: raw,
            })
            .await?
        {
            Some(mapped) => {
                let mut check: Vec<AttributeType> = mapped
                    .iter()
                    .map(|(n, v)| AttributeType {
                        name: Some(n.clone()),
                        value: Some(v.clone()),
                    })
                    .collect();
                crate::users::attributes::check_writes(&pool.pool, &mut check, true).map_err(
                    |e| {
                        crate::error::fail(
                            cognate_api::ErrorCode::InvalidLambdaResponseException,
                            format!("Invalid InboundFederation response: {}", e.0.message),
                        )
                    },
                )?;
                mapped
            }
            None => mapped_attributes(provider, claims),
        };
        let pre = if !is_new {
            crate::triggers::PreSignUpAnswer::default()
        } else {
            let attributes: Vec<AttributeType> = mapped
                .clone()
                .into_iter()
                .map(|(n, v)| AttributeType {
                    name: Some(n),
                    value: Some(v),
                })
                .collect();
            self.pre_sign_up(crate::triggers::PreSignUp {
                pool: &pool.pool,
                pool_id: &pool.id,
                source: "PreSignUp_ExternalProvider",
                username: &username,
                client_id: Some(&state.client_id),
                attributes: &attributes,
                validation_data: None,
                client_metadata: None,
            })
            .await?
        };
        let cache = self.pool_cache();
        let (pool_id, client_id) = (state.pool_id.clone(), state.client_id.clone());
        let (provider, user_id, claims) = (provider.clone(), user_id.to_string(), claims.clone());
        let issuer = issuer.map(str::to_string);
        let grant = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let (_, client, _) = user_pool_client::load_for_auth(c, &client_id)?
                    .ok_or_else(|| invalid("The app client no longer exists."))?;
                let name = provider.provider_name.clone().unwrap_or_default();
                if !client
                    .supported_identity_providers
                    .iter()
                    .flatten()
                    .any(|p| *p == name)
                {
                    return Err(not_authorized(
                        "The app client does not support this identity provider.",
                    ));
                }
                let (row, doc) = sign_in_as(
                    c,
                    &pool,
                    (&provider, &mapped),
                    &user_id,
                    &claims,
                    issuer.as_deref(),
                    pre,
                )?;
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
                crate::tokens::start_family(
                    c,
                    &pool,
                    &client,
                    &row,
                    &doc,
                    &crate::tokens::SignInDevice::default(),
                )
            })
            .await?;
        Ok(crate::auth::Outcome {
            authentication_result: Some(self.issue(grant).await?),
            ..crate::auth::Outcome::default()
        })
    }
}
