//! The tokens of a sign-in: ID and access JWTs with Cognito's claims, signed with the
//! pool's keys, and opaque refresh tokens stored only as a hash. A sign-in starts a
//! family (the session): every token of it carries the family id as `origin_jti`,
//! and revoking the family refuses them all.

use crate::clock::now;
use crate::codes;
use crate::error::{fail, Error, Result};
use crate::jwt;
use crate::service::Service;
use crate::signing_keys::PoolKeys;
use crate::stored::{from_doc, to_doc};
use crate::user::{PoolView, UserDoc};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::auth::{self, RefreshTokenRow};
use cognate_store::records::pool_object::{self, Kind};
use cognate_store::records::user::UserRow;
use cognate_store::records::{group_member, user, PageRequest};
use cognate_store::Conn;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// How long each token of a client lives, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub access: i64,
    pub id: i64,
    pub refresh: i64,
}

use crate::user_pool_client::seconds;

/// The client's token validity: AccessTokenValidity and IdTokenValidity in
/// TokenValidityUnits (hours unless set; 60 minutes when not given at all),
/// RefreshTokenValidity in its unit (days unless set; 30 days when not given).
pub fn validity(client: &UserPoolClientType) -> Validity {
    let units = client.token_validity_units.clone().unwrap_or_default();
    let short = |v: Option<i32>, unit: Option<&str>| match v {
        Some(v) => seconds(v.into(), unit.unwrap_or("hours")),
        None => 3600,
    };
    Validity {
        access: short(client.access_token_validity, units.access_token.as_deref()),
        id: short(client.id_token_validity, units.id_token.as_deref()),
        refresh: seconds(
            client
                .refresh_token_validity
                .filter(|v| *v != 0)
                .unwrap_or(30)
                .into(),
            units.refresh_token.as_deref().unwrap_or("days"),
        ),
    }
}

/// The issuer of a pool's tokens: `<issuer-base>/<poolId>`, `{region}` replaced by the
/// pool's region.
pub fn issuer(base: &str, pool_id: &str) -> String {
    let region = pool_id.split_once('_').map_or("", |(r, _)| r);
    format!(
        "{}/{pool_id}",
        base.trim_end_matches('/').replace("{region}", region)
    )
}

/// What a refresh token's row keeps of its sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FamilyDoc {
    pub auth_time: i64,
    pub event_id: String,
    /// The user's sub when the session started (a user deleted and created again under
    /// the same name does not inherit it).
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<f64>,
}

/// One sign-in to turn into tokens.
pub struct Grant {
    pub pool_id: String,
    pub pool_created: f64,
    pub client: UserPoolClientType,
    pub username: String,
    pub sub: String,
    pub attributes: Vec<AttributeType>,
    pub groups: Vec<GroupType>,
    pub family_id: String,
    pub auth_time: i64,
    pub event_id: String,
    /// A new refresh token to hand out with the others.
    pub refresh_token: Option<String>,
}

/// A new opaque refresh token value.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    B64URL.encode(bytes)
}

pub fn hash(token: &str) -> String {
    codes::hash(token)
}

/// The user's groups, for the `cognito:groups` claims (sorted by precedence, then name).
pub fn groups_of(conn: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<Vec<GroupType>> {
    let names = group_member::groups_of(
        conn,
        pool_id,
        username_key,
        &PageRequest {
            after: None,
            limit: 10_000,
        },
    )?;
    let mut groups = Vec::with_capacity(names.items.len());
    for name in &names.items {
        if let Some(row) = pool_object::get(conn, pool_id, Kind::Group, name)? {
            groups.push(from_doc::<GroupType>(&row.doc)?);
        }
    }
    groups.sort_by_key(|g| g.precedence.unwrap_or(i32::MAX));
    Ok(groups)
}

/// Starts a family for a successful sign-in: stores its refresh token (by hash) and
/// clears the user's failed attempts. Runs inside the sign-in's write.
pub fn start_family(
    conn: &mut dyn Conn,
    pool: &PoolView,
    client: &UserPoolClientType,
    row: &UserRow,
    doc: &UserDoc,
) -> Result<Grant> {
    let t = now();
    let family_id = uuid::Uuid::new_v4().to_string();
    let refresh_token = new_refresh_token();
    let auth_time = t as i64;
    let event_id = uuid::Uuid::new_v4().to_string();
    let client_id = client.client_id.clone().unwrap_or_default();
    let v = validity(client);
    auth::insert_refresh_token(
        conn,
        &RefreshTokenRow {
            token_hash: hash(&refresh_token),
            pool_id: pool.id.clone(),
            username_key: row.username_key.clone(),
            client_id,
            family_id: family_id.clone(),
            created_at: t,
            expires_at: t + v.refresh as f64,
            revoked_at: None,
            doc: to_doc(&FamilyDoc {
                auth_time,
                event_id: event_id.clone(),
                sub: row.sub.clone(),
                last_active: None,
            })?,
        },
    )?;
    auth::clear_failures(conn, &pool.id, &row.username_key)?;
    Ok(Grant {
        pool_id: pool.id.clone(),
        pool_created: pool.pool.creation_date.unwrap_or_default(),
        client: client.clone(),
        username: row.username.clone(),
        sub: row.sub.clone(),
        attributes: doc.attributes.clone(),
        groups: groups_of(conn, &pool.id, &row.username_key)?,
        family_id,
        auth_time,
        event_id,
        refresh_token: Some(refresh_token),
    })
}

fn attribute_claim(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => Value::Bool(value == "true"),
        "updated_at" => value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(value)),
        _ => Value::from(value),
    }
}

fn group_claims(claims: &mut Map<String, Value>, groups: &[GroupType], with_roles: bool) {
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

impl Service {
    pub fn issuer(&self, pool_id: &str) -> String {
        issuer(&self.config().issuer_base, pool_id)
    }

    /// Signs the ID and access tokens of `grant`.
    pub(crate) async fn issue(&self, grant: Grant) -> Result<AuthenticationResultType> {
        let keys = self.pool_keys(&grant.pool_id, grant.pool_created).await?;
        let iat = now() as i64;
        let v = validity(&grant.client);
        let iss = self.issuer(&grant.pool_id);
        let client_id = grant.client.client_id.clone().unwrap_or_default();

        let mut access = Map::new();
        access.insert("sub".into(), Value::from(grant.sub.clone()));
        group_claims(&mut access, &grant.groups, false);
        access.insert("iss".into(), Value::from(iss.clone()));
        access.insert("client_id".into(), Value::from(client_id.clone()));
        access.insert("origin_jti".into(), Value::from(grant.family_id.clone()));
        access.insert("event_id".into(), Value::from(grant.event_id.clone()));
        access.insert("token_use".into(), Value::from("access"));
        access.insert("scope".into(), Value::from("aws.cognito.signin.user.admin"));
        access.insert("auth_time".into(), Value::from(grant.auth_time));
        access.insert("exp".into(), Value::from(iat + v.access));
        access.insert("iat".into(), Value::from(iat));
        access.insert("jti".into(), Value::from(uuid::Uuid::new_v4().to_string()));
        access.insert("username".into(), Value::from(grant.username.clone()));

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

        let (access, id) = (Value::Object(access), Value::Object(id));
        let access_token = keys.access.sign(&access);
        let id_token = keys.id.sign(&id);
        Ok(AuthenticationResultType {
            access_token: Some(access_token),
            expires_in: Some(v.access as i32),
            token_type: Some("Bearer".into()),
            refresh_token: grant.refresh_token,
            id_token: Some(id_token),
            new_device_metadata: None,
        })
    }
}

/// An access token that verified: who it speaks for.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub pool_id: String,
    pub username: String,
    pub sub: String,
    pub origin_jti: String,
}

pub fn invalid_access_token() -> Error {
    fail(ErrorCode::NotAuthorizedException, "Invalid Access Token")
}

/// An access token whose signature, issuer and use were checked.
pub struct Verified {
    claims: AccessToken,
    exp: f64,
    /// The creation time of the pool whose keys verified it.
    keys_created: f64,
}

/// Access tokens already verified, by SHA-256 of the token: a token presented again
/// costs a hash instead of an RSA verification and two JSON parses. Expiry, revocation
/// and the user's state are still checked on every use.
#[derive(Default)]
pub struct VerifiedTokens {
    tokens: RwLock<HashMap<[u8; 32], Arc<Verified>>>,
}

const VERIFIED_CAPACITY: usize = 50_000;

impl Service {
    async fn verify_access_token(&self, token: &str) -> Result<Arc<Verified>> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cache = self.verified_tokens();
        if let Some(hit) = cache
            .tokens
            .read()
            .ok()
            .and_then(|m| m.get(&digest).cloned())
        {
            return Ok(hit);
        }
        let decoded = jwt::decode(token).ok_or_else(invalid_access_token)?;
        let iss = decoded.str_claim("iss").ok_or_else(invalid_access_token)?;
        let pool_id = iss.rsplit('/').next().unwrap_or_default().to_string();
        if iss != self.issuer(&pool_id) || decoded.alg != "RS256" {
            return Err(invalid_access_token());
        }
        if decoded.str_claim("token_use") != Some("access") {
            return Err(invalid_access_token());
        }
        let claim = |name: &str| {
            decoded
                .str_claim(name)
                .map(str::to_string)
                .ok_or_else(invalid_access_token)
        };
        let claims = AccessToken {
            pool_id: pool_id.clone(),
            username: claim("username")?,
            sub: claim("sub")?,
            origin_jti: claim("origin_jti")?,
        };
        // The keys cached for the pool verify without a query; the caller's transaction
        // then checks they belong to the pool as it is now.
        // A pool that does not exist makes the token invalid, not the pool unknown.
        let keys_now = |pool_id: String| async move {
            self.pool_keys_now(&pool_id).await.map_err(|e| {
                if e.0.code == ErrorCode::ResourceNotFoundException {
                    invalid_access_token()
                } else {
                    e
                }
            })
        };
        let mut keys = match self.key_cache().any(&pool_id) {
            Some(keys) => keys,
            None => keys_now(pool_id.clone()).await?,
        };
        let verifies = |keys: &PoolKeys| matches!(keys.by_kid(&decoded.kid), Some((key, "access")) if key.verifies(&decoded));
        if !verifies(&keys) {
            // The cached keys may be those of an earlier pool with the same id.
            keys = keys_now(pool_id.clone()).await?;
            if !verifies(&keys) {
                return Err(invalid_access_token());
            }
        }
        let verified = Arc::new(Verified {
            claims,
            exp: decoded.num_claim("exp").unwrap_or(0.0),
            keys_created: keys.pool_created,
        });
        if let Ok(mut map) = cache.tokens.write() {
            if map.len() >= VERIFIED_CAPACITY {
                map.clear();
            }
            map.insert(digest, verified.clone());
        }
        Ok(verified)
    }

    /// Checks an access token (signature by its pool's access key, issuer, use,
    /// expiry), then, in one read or write `work` transaction, that its session is not
    /// revoked and its user still exists and is enabled.
    pub(crate) async fn with_access_token<T: Send + 'static>(
        &self,
        token: &str,
        write: bool,
        mut work: impl FnMut(&mut dyn Conn, &PoolView, UserRow, UserDoc, &AccessToken) -> Result<T>
            + Send
            + 'static,
    ) -> Result<T> {
        let verified = self.verify_access_token(token).await?;
        if verified.exp <= now() {
            return Err(fail(
                ErrorCode::NotAuthorizedException,
                "Access Token has expired",
            ));
        }
        let (claims, keys_created) = (verified.claims.clone(), verified.keys_created);
        let cache = self.pool_cache();
        let run = move |c: &mut dyn Conn| -> Result<T> {
            if auth::is_revoked(c, &claims.origin_jti)? {
                return Err(fail(
                    ErrorCode::NotAuthorizedException,
                    "Access Token has been revoked",
                ));
            }
            let pool =
                PoolView::load(c, &cache, &claims.pool_id).map_err(|_| invalid_access_token())?;
            if pool.pool.creation_date.unwrap_or_default() != keys_created {
                return Err(invalid_access_token());
            }
            let key = pool.fold(&claims.username);
            let row = user::get(c, &pool.id, &key)?
                .filter(|r| r.sub == claims.sub)
                .ok_or_else(crate::user::user_not_found)?;
            if !row.enabled {
                return Err(fail(ErrorCode::NotAuthorizedException, "User is disabled."));
            }
            let doc: UserDoc = from_doc(&row.doc)?;
            work(c, &pool, row, doc, &claims)
        };
        if write {
            self.store().write(run).await
        } else {
            self.store().read(run).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validity_follows_the_clients_units() {
        let mut client = UserPoolClientType::default();
        assert_eq!(
            validity(&client),
            Validity {
                access: 3600,
                id: 3600,
                refresh: 30 * 86400
            }
        );
        client.access_token_validity = Some(5);
        client.id_token_validity = Some(2);
        client.refresh_token_validity = Some(90);
        client.token_validity_units = Some(TokenValidityUnitsType {
            access_token: Some("minutes".into()),
            id_token: None,
            refresh_token: Some("minutes".into()),
        });
        assert_eq!(
            validity(&client),
            Validity {
                access: 300,
                id: 7200,
                refresh: 5400
            }
        );
    }

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
