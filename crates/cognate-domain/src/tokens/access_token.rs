//! Checking an access token (signature, issuer, use, expiry, revocation, the user's
//! state), with verified tokens cached by hash, and running an access-token operation.

use crate::clock::now;
use crate::error::{fail, Error, Result};
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::from_doc;
use crate::tokens::jwt;
use crate::tokens::signing_keys::PoolKeys;
use crate::users::UserDoc;
use cognate_api::ErrorCode;
use cognate_store::records::auth::{self};
use cognate_store::records::user;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

fn expired_access_token() -> Error {
    fail(
        ErrorCode::NotAuthorizedException,
        "Access Token has expired",
    )
}

fn revoked_access_token() -> Error {
    fail(
        ErrorCode::NotAuthorizedException,
        "Access Token has been revoked",
    )
}

/// The token's user, once its session is known not to be revoked: the pool must be the
/// one whose keys verified it, and the user (`read` by the token's username) the
/// token's and enabled.
fn session_user(
    pool: &PoolView,
    keys_created: f64,
    claims: &AccessToken,
    read: impl FnOnce() -> Result<Option<UserRow>>,
) -> Result<(UserRow, UserDoc)> {
    if pool.pool.creation_date.unwrap_or_default() != keys_created {
        return Err(invalid_access_token());
    }
    let row = read()?
        .filter(|r| r.sub == claims.sub)
        .ok_or_else(crate::users::user_not_found)?;
    if !row.enabled {
        return Err(fail(ErrorCode::NotAuthorizedException, "User is disabled."));
    }
    let doc: UserDoc = from_doc(&row.doc)?;
    Ok((row, doc))
}

/// An access token that verified: who it speaks for.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub pool_id: String,
    pub username: String,
    pub sub: String,
    pub origin_jti: String,
    /// The app client the user signed in through (its WriteAttributes bound what the
    /// token may change).
    pub client_id: String,
    /// The device the session was started on, in a pool that tracks devices.
    pub device_key: Option<String>,
    /// The granted scopes, space-separated.
    pub scope: String,
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
            client_id: claim("client_id")?,
            device_key: decoded.str_claim("device_key").map(str::to_string),
            scope: decoded.str_claim("scope").unwrap_or_default().to_string(),
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

    /// `with_access_token`'s read for `work` that needs nothing more from the store:
    /// with the token's pool cached, one statement reads whether the session was
    /// revoked, the pool's version and the user, and the cached pool is used only when
    /// that version is its own; otherwise `with_access_token`'s read.
    pub(crate) async fn read_with_access_token<T: Send + 'static>(
        &self,
        token: &str,
        work: impl FnOnce(&PoolView, UserRow, UserDoc, &AccessToken) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let verified = self.verify_access_token(token).await?;
        if verified.exp <= now() {
            return Err(expired_access_token());
        }
        let claims = &verified.claims;
        if let Some((version, pool)) = PoolView::cached(&self.pool_cache(), &claims.pool_id) {
            let key = pool.fold(&claims.username);
            let (id, jti) = (claims.pool_id.clone(), claims.origin_jti.clone());
            let read = self
                .store()
                .read_statement(move |c| user::get_for_session(c, &id, &key, &jti))
                .await?;
            if let Some((current, revoked, row)) = read {
                if current == version {
                    if revoked {
                        return Err(revoked_access_token());
                    }
                    let (row, doc) =
                        session_user(&pool, verified.keys_created, claims, || Ok(row))?;
                    return work(&pool, row, doc, claims);
                }
            }
        }
        let mut work = Some(work);
        self.with_access_token(token, false, move |_, pool, row, doc, claims| {
            let work = work
                .take()
                .ok_or_else(|| crate::error::internal("a read ran twice"))?;
            work(pool, row, doc, claims)
        })
        .await
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
            return Err(expired_access_token());
        }
        let (claims, keys_created) = (verified.claims.clone(), verified.keys_created);
        let cache = self.pool_cache();
        let run = move |c: &mut dyn Conn| -> Result<T> {
            if auth::is_revoked(c, &claims.origin_jti)? {
                return Err(revoked_access_token());
            }
            let pool =
                PoolView::load(c, &cache, &claims.pool_id).map_err(|_| invalid_access_token())?;
            let (row, doc) = session_user(&pool, keys_created, &claims, || {
                Ok(user::get(c, &pool.id, &pool.fold(&claims.username))?)
            })?;
            work(c, &pool, row, doc, &claims)
        };
        if write {
            self.store().write(run).await
        } else {
            self.store().read(run).await
        }
    }
}
