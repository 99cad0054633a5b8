//! ID and access JWTs with Cognito's claims, signed with the pool's keys; a pool's
//! issuer.

use super::*;
use crate::clock::now;
use crate::error::Result;
use crate::service::Service;
use cognate_api::types::*;
use serde_json::{Map, Value};

/// The issuer of a pool's tokens: `<issuer-base>/<poolId>`, `{region}` replaced by the
/// pool's region.
pub fn issuer(base: &str, pool_id: &str) -> String {
    let region = pool_id.split_once('_').map_or("", |(r, _)| r);
    format!(
        "{}/{pool_id}",
        base.trim_end_matches('/').replace("{region}", region)
    )
}

pub(crate) fn attribute_claim(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => Value::Bool(value == "true"),
        // A federated user's identities: a JSON list, a list in the token as in AWS's.
        "identities" => serde_json::from_str(value).unwrap_or_else(|_| Value::from(value)),
        "updated_at" => value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(value)),
        _ => Value::from(value),
    }
}

pub(crate) fn group_claims(
    claims: &mut Map<String, Value>,
    groups: &[GroupType],
    with_roles: bool,
) {
    if groups.is_empty() {
        return;
    }
    let names: Vec<Value> = groups
        .iter()
        .filter_map(|g| g.group_name.clone().map(Value::from))
        .collect();
    claims.insert("cognito:groups".into(), Value::Array(names));
    if !with_roles {
        return;
    }
    let roles: Vec<Value> = groups
        .iter()
        .filter_map(|g| g.role_arn.clone().map(Value::from))
        .collect();
    if !roles.is_empty() {
        // The preferred role is the role of the group with the lowest precedence.
        if let Some(preferred) = groups
            .iter()
            .filter(|g| g.role_arn.is_some())
            .min_by_key(|g| g.precedence.unwrap_or(i32::MAX))
            .and_then(|g| g.role_arn.clone())
        {
            claims.insert("cognito:preferred_role".into(), Value::from(preferred));
        }
        claims.insert("cognito:roles".into(), Value::Array(roles));
    }
}

/// The scope of access tokens from API sign-ins (InitiateAuth and the like).
pub const API_SCOPE: &str = "aws.cognito.signin.user.admin";

impl Service {
    pub fn issuer(&self, pool_id: &str) -> String {
        issuer(&self.config().issuer_base, pool_id)
    }

    /// Signs the ID and access tokens of `grant`.
    pub(crate) async fn issue(&self, grant: Grant) -> Result<AuthenticationResultType> {
        self.issue_oidc(grant, None).await
    }

    /// Signs the ID and access tokens of `grant`; the ID token of an OpenID Connect
    /// sign-in also carries the request's `nonce` and the access token's `at_hash`
    /// (OIDC Core §3.1.3.6: the left half of its SHA-256, base64url).
    pub(crate) async fn issue_oidc(
        &self,
        grant: Grant,
        nonce: Option<String>,
    ) -> Result<AuthenticationResultType> {
        if grant.post_authentication {
            self.post_authentication(&grant).await?;
            let email = grant
                .attributes
                .iter()
                .find(|a| a.name.as_deref() == Some("email"))
                .and_then(|a| a.value.as_deref());
            self.record_sign_in(
                grant.records_events,
                &grant.pool_id,
                &grant.sub,
                grant.ip.clone(),
                Some(crate::users::SignedIn {
                    username: &grant.username,
                    email,
                    client_id: grant.client.client_id.as_deref(),
                }),
            )
            .await;
        }
        let client_id = grant.client.client_id.clone().unwrap_or_default();
        // A sign-in through the API is granted the API's own scope; one through the
        // OAuth endpoints, the scopes it was granted there.
        let scope = grant.scope.as_deref().unwrap_or(API_SCOPE);
        let overrides = match (&grant.lambda, grant.source) {
            (Some(config), Some(source)) => {
                self.pre_token_generation(crate::triggers::TokenEvent {
                    config,
                    pool_id: &grant.pool_id,
                    username: Some(&grant.username),
                    client_id: &client_id,
                    trigger_source: source.trigger_source(),
                    attributes: &grant.attributes,
                    status: &grant.status,
                    groups: &grant.groups,
                    scopes: scope,
                    client_metadata: grant.client_metadata.as_ref(),
                })
                .await?
            }
            _ => None,
        };
        let keys = self.pool_keys(&grant.pool_id, grant.pool_created).await?;
        let iat = now() as i64;
        let v = validity(&grant.client);
        let iss = self.issuer(&grant.pool_id);

        let mut access = Map::new();
        access.insert("sub".into(), Value::from(grant.sub.clone()));
        group_claims(&mut access, &grant.groups, false);
        access.insert("iss".into(), Value::from(iss.clone()));
        access.insert("client_id".into(), Value::from(client_id.clone()));
        access.insert("origin_jti".into(), Value::from(grant.family_id.clone()));
        access.insert("event_id".into(), Value::from(grant.event_id.clone()));
        access.insert("token_use".into(), Value::from("access"));
        access.insert("scope".into(), Value::from(scope));
        access.insert("auth_time".into(), Value::from(grant.auth_time));
        access.insert("exp".into(), Value::from(iat + v.access));
        access.insert("iat".into(), Value::from(iat));
        access.insert("jti".into(), Value::from(uuid::Uuid::new_v4().to_string()));
        access.insert("username".into(), Value::from(grant.username.clone()));
        if let Some(key) = &grant.device_key {
            access.insert("device_key".into(), Value::from(key.clone()));
        }

        let mut id = Map::new();
        id.insert("sub".into(), Value::from(grant.sub.clone()));
        group_claims(&mut id, &grant.groups, true);
        let readable = grant.client.read_attributes.as_deref();
        for a in &grant.attributes {
            let (Some(name), Some(value)) = (a.name.as_deref(), a.value.as_deref()) else {
                continue;
            };
            if name == "sub" || readable.is_some_and(|r| !r.iter().any(|n| n == name)) {
                continue;
            }
            id.insert(name.to_string(), attribute_claim(name, value));
        }
        id.insert("iss".into(), Value::from(iss));
        id.insert(
            "cognito:username".into(),
            Value::from(grant.username.clone()),
        );
        id.insert("origin_jti".into(), Value::from(grant.family_id.clone()));
        id.insert("aud".into(), Value::from(client_id));
        id.insert("event_id".into(), Value::from(grant.event_id.clone()));
        id.insert("token_use".into(), Value::from("id"));
        id.insert("auth_time".into(), Value::from(grant.auth_time));
        id.insert("exp".into(), Value::from(iat + v.id));
        id.insert("iat".into(), Value::from(iat));
        id.insert("jti".into(), Value::from(uuid::Uuid::new_v4().to_string()));

        if let Some(o) = &overrides {
            o.apply_to_access(&mut access);
            o.apply_to_id(&mut id);
        }
        let access = Value::Object(access);
        let access_token = keys.access.sign(&access);
        if let Some(nonce) = nonce {
            use base64::Engine as _;
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(access_token.as_bytes());
            let at_hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]);
            id.insert("at_hash".into(), Value::from(at_hash));
            if !nonce.is_empty() {
                id.insert("nonce".into(), Value::from(nonce));
            }
        }
        let id_token = keys.id.sign(&Value::Object(id));
        Ok(AuthenticationResultType {
            access_token: Some(access_token),
            expires_in: Some(v.access as i32),
            token_type: Some(OAuthTokenTypeType::BEARER.into()),
            refresh_token: grant.refresh_token,
            id_token: Some(id_token),
            new_device_metadata: match (&grant.device_key, grant.new_device) {
                (Some(key), true) => Some(NewDeviceMetadataType {
                    device_key: Some(key.clone()),
                    device_group_key: Some(self.device_group_key(&grant.pool_id, &grant.sub)),
                }),
                _ => None,
            },
        })
    }
}

impl Service {
    /// An access token for the app client itself (the client-credentials grant,
    /// GetClientToken), with Cognito's claims for one: the client is its subject, it
    /// has no user, and `scope` holds the granted custom scopes. Answers the token and
    /// its lifetime in seconds.
    pub(crate) async fn issue_client_access(
        &self,
        pool_id: &str,
        client: &UserPoolClientType,
        scopes: &str,
    ) -> Result<(String, i64)> {
        let cache = self.pool_cache();
        let id = pool_id.to_string();
        let (pool_created, lambda) = self
            .store()
            .read(move |c| {
                let pool = crate::pools::PoolView::load(c, &cache, &id)?;
                Ok::<_, crate::error::Error>((
                    pool.pool.creation_date.unwrap_or_default(),
                    pool.pool.lambda_config.clone(),
                ))
            })
            .await?;
        let client_id = client.client_id.clone().unwrap_or_default();
        let overrides = match &lambda {
            Some(config) => {
                self.pre_token_generation(crate::triggers::TokenEvent {
                    config,
                    pool_id,
                    username: None,
                    client_id: &client_id,
                    trigger_source: "TokenGeneration_ClientCredentials",
                    attributes: &[],
                    status: "",
                    groups: &[],
                    scopes,
                    client_metadata: None,
                })
                .await?
            }
            None => None,
        };
        let keys = self.pool_keys(pool_id, pool_created).await?;
        let iat = now() as i64;
        let lifetime = validity(client).access;
        let mut access = Map::new();
        access.insert("sub".into(), Value::from(client_id.clone()));
        access.insert("token_use".into(), Value::from("access"));
        access.insert("scope".into(), Value::from(scopes));
        access.insert("auth_time".into(), Value::from(iat));
        access.insert("iss".into(), Value::from(self.issuer(pool_id)));
        access.insert("exp".into(), Value::from(iat + lifetime));
        access.insert("iat".into(), Value::from(iat));
        access.insert("version".into(), Value::from(2));
        access.insert("jti".into(), Value::from(uuid::Uuid::new_v4().to_string()));
        access.insert("client_id".into(), Value::from(client_id));
        if let Some(o) = &overrides {
            o.apply_to_access(&mut access);
        }
        Ok((keys.access.sign(&Value::Object(access)), lifetime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[test]
    fn issuers_take_the_pools_region() {
        assert_eq!(
            issuer(
                "https://cognito-idp.{region}.amazonaws.com",
                "eu-west-1_Abc"
            ),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"
        );
        assert_eq!(
            issuer("http://127.0.0.1:9229/", "us-east-1_X"),
            "http://127.0.0.1:9229/us-east-1_X"
        );
    }

    #[test]
    fn verified_flags_are_booleans() {
        assert_eq!(attribute_claim("email_verified", "true"), json!(true));
        assert_eq!(
            attribute_claim("updated_at", "1700000000"),
            json!(1700000000)
        );
        assert_eq!(attribute_claim("custom:n", "5"), json!("5"));
    }
}
