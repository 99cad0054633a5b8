//! A user pool as the user and sign-in operations read it: parsed once per version
//! (see `cache`), with the settings they consult.

use crate::error::Result;
use crate::pools::cache::PoolCache;
use crate::pools::pool::{load, not_found_message};
use cognate_api::types::*;
use cognate_store::records::user_pool;
use cognate_store::Conn;
use std::sync::Arc;

impl crate::service::Service {
    /// The pool as it is now, for work before a write or outside a transaction: with the
    /// pool cached, one statement (no transaction) checks that its version is the
    /// cached one; otherwise a read loads it.
    pub(crate) async fn pool_view(&self, id: &str) -> Result<PoolView> {
        let cache = self.pool_cache();
        if let Some((version, pool)) = PoolView::cached(&cache, id) {
            let owned = id.to_string();
            let current = self
                .store()
                .read_statement(move |c| user_pool::current_version(c, &owned))
                .await?;
            if current == Some(version) {
                return Ok(pool);
            }
        }
        let owned = id.to_string();
        self.store()
            .read(move |c| PoolView::load(c, &cache, &owned))
            .await
    }
}

/// A user pool as the user operations need it.
pub struct PoolView {
    pub id: String,
    pub pool: Arc<UserPoolType>,
}

impl PoolView {
    /// The pool as last cached, with its version then, whatever it is now: for a read
    /// that checks the version in its own statement.
    pub fn cached(cache: &PoolCache, id: &str) -> Option<(i64, PoolView)> {
        let (version, pool) = cache.latest(id)?;
        Some((
            version,
            PoolView {
                id: id.to_string(),
                pool,
            },
        ))
    }

    /// The pool as of this transaction (from the cache while its version is current).
    pub fn load(conn: &mut dyn Conn, cache: &PoolCache, id: &str) -> Result<PoolView> {
        // The version alone: the user count is not summed for requests that never
        // report it.
        let version = user_pool::current_version(conn, id)?
            .ok_or_else(|| crate::error::not_found(not_found_message(id)))?;
        let pool = match cache.get(id, version) {
            Some(pool) => pool,
            None => {
                let (row, pool) = load(conn, id)?;
                let pool = Arc::new(pool);
                cache.put(id, row.version, pool.clone());
                pool
            }
        };
        Ok(PoolView {
            id: id.to_string(),
            pool,
        })
    }

    pub fn case_insensitive(&self) -> bool {
        self.pool
            .username_configuration
            .as_ref()
            .and_then(|c| c.case_sensitive)
            == Some(false)
    }

    /// The username (or email, ...) as stored in the index and looked up.
    pub fn fold(&self, value: &str) -> String {
        if self.case_insensitive() {
            value.to_lowercase()
        } else {
            value.to_string()
        }
    }

    pub(crate) fn username_attributes(&self) -> &[UsernameAttributeType] {
        self.pool.username_attributes.as_deref().unwrap_or(&[])
    }

    pub(crate) fn alias_attributes(&self) -> &[AliasAttributeType] {
        self.pool.alias_attributes.as_deref().unwrap_or(&[])
    }

    pub(crate) fn password_policy(&self) -> PasswordPolicyType {
        self.pool
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.clone())
            .unwrap_or_default()
    }
}
