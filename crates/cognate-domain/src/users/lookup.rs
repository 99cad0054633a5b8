//! Finding a user by what a caller may call them: the username (case-folded in
//! case-insensitive pools), an email or phone number that is the sign-in name, a
//! verified alias, or the sub; and running admin work on an existing user.

use super::*;
use crate::error::Result;
use crate::pools::cache::PoolCache;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::from_doc;
use crate::users::attributes as attrs;
use cognate_api::types::AliasAttributeType;
use cognate_store::records::user::{self, UserRow};
use cognate_store::Conn;

/// Finds a user by what a caller may call them.
pub fn find(
    conn: &mut dyn Conn,
    pool: &PoolView,
    username: &str,
) -> Result<Option<(UserRow, UserDoc)>> {
    let key = pool.fold(username);
    if let Some(row) = user::get(conn, &pool.id, &key)? {
        let doc = from_doc(&row.doc)?;
        return Ok(Some((row, doc)));
    }
    let mut candidates: Vec<(&str, bool)> = Vec::new();
    for a in pool.username_attributes() {
        candidates.push((a.as_str(), false));
    }
    for a in pool.alias_attributes() {
        candidates.push((a.as_str(), *a != AliasAttributeType::PREFERRED_USERNAME));
    }
    for (name, must_be_verified) in candidates {
        let value = if name == "phone_number" {
            username.to_string()
        } else {
            pool.fold(username)
        };
        for k in user::find_by_attribute(conn, &pool.id, name, &value)? {
            if let Some(row) = user::get(conn, &pool.id, &k)? {
                let doc: UserDoc = from_doc(&row.doc)?;
                if !must_be_verified || attrs::is_verified(&doc.attributes, name) {
                    return Ok(Some((row, doc)));
                }
            }
        }
    }
    if let Some(k) = user::find_by_attribute(conn, &pool.id, "sub", username)?
        .into_iter()
        .next()
    {
        if let Some(row) = user::get(conn, &pool.id, &k)? {
            let doc = from_doc(&row.doc)?;
            return Ok(Some((row, doc)));
        }
    }
    Ok(None)
}

/// The pool and the user `username` (found as `find` finds them). With the pool cached,
/// the first statement reads the user by username together with the pool's version,
/// and the cached pool is used when that version is its own: one statement where the
/// pool and the user were two.
pub fn find_with_pool(
    conn: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
    username: &str,
) -> Result<(PoolView, Option<(UserRow, UserDoc)>)> {
    if let Some((version, pool)) = PoolView::cached(cache, pool_id) {
        let key = pool.fold(username);
        if let Some((current, row)) = user::get_with_pool_version(conn, pool_id, &key)? {
            if current == version {
                let found = match row {
                    Some(row) => {
                        let doc = from_doc(&row.doc)?;
                        Some((row, doc))
                    }
                    None => find(conn, &pool, username)?,
                };
                return Ok((pool, found));
            }
        }
    }
    let pool = PoolView::load(conn, cache, pool_id)?;
    let found = find(conn, &pool, username)?;
    Ok((pool, found))
}

/// `find_with_pool`, the user required (UserNotFoundException).
pub fn require_with_pool(
    conn: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
    username: &str,
) -> Result<(PoolView, UserRow, UserDoc)> {
    let (pool, found) = find_with_pool(conn, cache, pool_id, username)?;
    let (row, doc) = found.ok_or_else(user_not_found)?;
    Ok((pool, row, doc))
}

pub fn require(conn: &mut dyn Conn, pool: &PoolView, username: &str) -> Result<(UserRow, UserDoc)> {
    find(conn, pool, username)?.ok_or_else(user_not_found)
}

impl Service {
    /// Reads user `username` of pool `pool_id` for `work`, which needs nothing more from
    /// the store: `with_user`'s read, in one statement when the pool is cached. That
    /// statement reads the user by username together with the pool's version, so the
    /// cached pool is used only when it was current; a user found only by alias or sub,
    /// a pool changed since it was cached, or one not cached, take `with_user`'s read.
    pub(crate) async fn read_user<T: Send + 'static>(
        &self,
        pool_id: String,
        username: String,
        work: impl FnOnce(&PoolView, UserRow, UserDoc) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        if let Some((version, pool)) = PoolView::cached(&self.pool_cache(), &pool_id) {
            let key = pool.fold(&username);
            let id = pool_id.clone();
            let read = self
                .store()
                .read_statement(move |c| user::get_with_pool_version(c, &id, &key))
                .await?;
            if let Some((current, Some(row))) = read {
                if current == version {
                    let doc = from_doc(&row.doc)?;
                    return work(&pool, row, doc);
                }
            }
        }
        let mut work = Some(work);
        self.with_user(pool_id, username, false, move |_, pool, row, doc| {
            let work = work
                .take()
                .ok_or_else(|| crate::error::internal("a read ran twice"))?;
            work(pool, row, doc)
        })
        .await
    }

    /// Runs `work` on user `username` of pool `pool_id` in one read or write
    /// transaction: the pool and the user must exist (ResourceNotFoundException,
    /// UserNotFoundException). The admin operations' twin of `with_access_token`.
    pub(crate) async fn with_user<T: Send + 'static>(
        &self,
        pool_id: String,
        username: String,
        write: bool,
        mut work: impl FnMut(&mut dyn Conn, &PoolView, UserRow, UserDoc) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let cache = self.pool_cache();
        let run = move |c: &mut dyn Conn| -> Result<T> {
            let (pool, row, doc) = require_with_pool(c, &cache, &pool_id, &username)?;
            work(c, &pool, row, doc)
        };
        if write {
            self.store().write(run).await
        } else {
            self.store().read(run).await
        }
    }
}
