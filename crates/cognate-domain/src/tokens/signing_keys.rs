//! Each pool's two signing keys (one for ID tokens, one for access tokens), made on first
//! use and kept in the store with the private half sealed, so every node of a deployment
//! signs and verifies with the same keys. Parsed keys are cached per pool; a cached
//! entry is trusted only for the pool it was made for (same creation time), so a pool
//! deleted and created again under the same id gets its own keys.

use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::{internal, Result};
use crate::service::Service;
use crate::tokens::jwt::SigningKey;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_store::records::auth::{self, SigningKeyRow};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub struct PoolKeys {
    pub id: SigningKey,
    pub access: SigningKey,
    /// The pool's creation time the keys were loaded for.
    pub pool_created: f64,
}

impl PoolKeys {
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.id.jwk, self.access.jwk]})
    }

    /// The key that signed a token with this `kid`, and its token use.
    pub fn by_kid(&self, kid: &str) -> Option<(&SigningKey, &'static str)> {
        if self.id.kid == kid {
            Some((&self.id, "id"))
        } else if self.access.kid == kid {
            Some((&self.access, "access"))
        } else {
            None
        }
    }
}

#[derive(Default)]
pub struct KeyCache {
    pools: RwLock<HashMap<String, Arc<PoolKeys>>>,
    /// Held while a missing entry is loaded (or its keys made), so that concurrent first
    /// uses of a pool wait for one load instead of each generating RSA keys.
    loading: tokio::sync::Mutex<()>,
}

const CAPACITY: usize = 10_000;

impl KeyCache {
    fn get(&self, pool_id: &str, pool_created: f64) -> Option<Arc<PoolKeys>> {
        let pools = self.pools.read().ok()?;
        pools
            .get(pool_id)
            .filter(|k| k.pool_created == pool_created)
            .cloned()
    }

    /// The keys cached for the pool, whichever pool of that id they were made for.
    pub fn any(&self, pool_id: &str) -> Option<Arc<PoolKeys>> {
        self.pools.read().ok()?.get(pool_id).cloned()
    }

    fn put(&self, pool_id: &str, keys: Arc<PoolKeys>) {
        if let Ok(mut pools) = self.pools.write() {
            if pools.len() >= CAPACITY {
                pools.clear();
            }
            pools.insert(pool_id.to_string(), keys);
        }
    }
}

impl Service {
    /// The keys of pool `pool_id` as it is now (ResourceNotFoundException without it).
    pub(crate) async fn pool_keys_now(&self, pool_id: &str) -> Result<Arc<PoolKeys>> {
        let created = self.pool_created(pool_id).await?;
        self.pool_keys(pool_id, created).await
    }

    /// The creation time of pool `pool_id` as it is now (ResourceNotFoundException
    /// without it): which of the keys ever made under its id are its own.
    pub(crate) async fn pool_created(&self, pool_id: &str) -> Result<f64> {
        let cache = self.pool_cache();
        let id = pool_id.to_string();
        self.store()
            .read(move |c| {
                let pool = crate::pools::PoolView::load(c, &cache, &id)?;
                Ok::<_, crate::error::Error>(pool.pool.creation_date.unwrap_or_default())
            })
            .await
    }

    /// The keys of pool `pool_id` (created `pool_created`), made now if it has none.
    pub(crate) async fn pool_keys(
        &self,
        pool_id: &str,
        pool_created: f64,
    ) -> Result<Arc<PoolKeys>> {
        if let Some(keys) = self.key_cache().get(pool_id, pool_created) {
            return Ok(keys);
        }
        let _loading = self.key_cache().loading.lock().await;
        if let Some(keys) = self.key_cache().get(pool_id, pool_created) {
            return Ok(keys);
        }
        let id = pool_id.to_string();
        let rows = self
            .store()
            .read(move |c| Ok::<_, crate::error::Error>(auth::signing_keys(c, &id)?))
            .await?;
        let keys = match self.parse_keys(&rows, pool_created)? {
            Some(keys) => keys,
            None => {
                let made = tokio::task::spawn_blocking(|| {
                    (SigningKey::generate(), SigningKey::generate())
                })
                .await
                .map_err(|e| internal(format!("key generation stopped: {e}")))?;
                let (Some(id_key), Some(access_key)) = made else {
                    return Err(internal("RSA key generation failed"));
                };
                let mut new_rows = Vec::new();
                for (key, token_use) in [(id_key, "id"), (access_key, "access")] {
                    if rows.iter().any(|r| r.token_use == token_use) {
                        continue;
                    }
                    let sealed = self
                        .secrets()
                        .seal(Purpose::SigningKey, &STANDARD.encode(key.pkcs8()));
                    new_rows.push(SigningKeyRow {
                        pool_id: pool_id.to_string(),
                        kid: key.kid.clone(),
                        token_use: token_use.to_string(),
                        created_at: now(),
                        sealed_private_key: sealed.into_bytes(),
                        public_jwk: key.jwk.to_string(),
                    });
                }
                let id = pool_id.to_string();
                let rows = self
                    .store()
                    .write(move |c| {
                        for row in &new_rows {
                            auth::insert_signing_key(c, row)?;
                        }
                        Ok::<_, crate::error::Error>(auth::signing_keys(c, &id)?)
                    })
                    .await?;
                self.parse_keys(&rows, pool_created)?
                    .ok_or_else(|| internal("a pool's signing keys were not stored"))?
            }
        };
        let keys = Arc::new(keys);
        self.key_cache().put(pool_id, keys.clone());
        Ok(keys)
    }

    fn parse_keys(&self, rows: &[SigningKeyRow], pool_created: f64) -> Result<Option<PoolKeys>> {
        let open = |token_use: &str| -> Result<Option<SigningKey>> {
            let Some(row) = rows.iter().find(|r| r.token_use == token_use) else {
                return Ok(None);
            };
            let sealed = String::from_utf8_lossy(&row.sealed_private_key);
            let der = self
                .secrets()
                .open(Purpose::SigningKey, &sealed)
                .and_then(|b64| STANDARD.decode(b64).ok())
                .ok_or_else(|| internal("a signing key cannot be opened with this master key"))?;
            SigningKey::from_pkcs8(&der)
                .map(Some)
                .ok_or_else(|| internal("a stored signing key is not a valid RSA key"))
        };
        Ok(match (open("id")?, open("access")?) {
            (Some(id), Some(access)) => Some(PoolKeys {
                id,
                access,
                pool_created,
            }),
            _ => None,
        })
    }
}

/// A self-signed X.509 certificate for the pool's ID-token key (GetSigningCertificate),
/// base64 DER as AWS answers it. The same key gives the same certificate.
pub fn certificate(pool_id: &str, key: &SigningKey) -> Option<String> {
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SerialNumber};
    use sha2::{Digest, Sha256};
    let pair = KeyPair::try_from(key.pkcs8()).ok()?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("cognate {pool_id}"));
    name.push(DnType::OrganizationName, "cognate");
    params.distinguished_name = name;
    params.serial_number = Some(SerialNumber::from_slice(
        &Sha256::digest(key.kid.as_bytes())[..16],
    ));
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2120, 1, 1);
    let cert = params.self_signed(&pair).ok()?;
    Some(STANDARD.encode(cert.der()))
}

impl Service {
    /// `/<poolId>/.well-known/jwks.json`: the pool's two public keys.
    pub async fn jwks(&self, pool_id: &str) -> std::result::Result<Value, cognate_api::ApiError> {
        Ok(self.pool_keys_now(pool_id).await?.jwks())
    }

    /// `/<poolId>/.well-known/openid-configuration`, as AWS serves it: the pool's issuer,
    /// and its JWKS and OAuth endpoints on the public URL.
    pub async fn openid_configuration(
        &self,
        pool_id: &str,
    ) -> std::result::Result<Value, cognate_api::ApiError> {
        self.pool_keys_now(pool_id).await?;
        let base = &self.config().public_url;
        Ok(json!({
            "authorization_endpoint": format!("{base}/oauth2/authorize"),
            "end_session_endpoint": format!("{base}/logout"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "issuer": self.issuer(pool_id),
            "jwks_uri": format!("{base}/{pool_id}/.well-known/jwks.json"),
            "response_types_supported": ["code", "token"],
            "revocation_endpoint": format!("{base}/oauth2/revoke"),
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "token_endpoint": format!("{base}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
        }))
    }
}
