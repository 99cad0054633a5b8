//! Parsed pool descriptions, reused while the pool's version is unchanged. Reads of a
//! pool (DescribeUserPool, and every user operation) then cost one small query instead
//! of reading and parsing the whole document. The version comes from the database, so
//! the cache stays correct when several nodes share one PostgreSQL database.
//!
//! Rule: inside a write, read the pool through the cache only before changing it (a
//! pool changed and then read in the same transaction would cache an uncommitted
//! version).

use cognate_api::types::UserPoolType;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Pools kept at most; past this the cache starts over (pools are few in practice).
const CAPACITY: usize = 10_000;

/// A serialized DescribeUserPool answer and what it was made from: (version, user count, JSON).
type Described = (i64, i64, Arc<[u8]>);

#[derive(Default)]
pub struct PoolCache {
    pools: RwLock<HashMap<String, (i64, Arc<UserPoolType>)>>,
    /// DescribeUserPool's answer, serialized, by pool: (version, user count, JSON).
    described: RwLock<HashMap<String, Described>>,
}

impl PoolCache {
    pub fn get(&self, id: &str, version: i64) -> Option<Arc<UserPoolType>> {
        let pools = self.pools.read().ok()?;
        pools
            .get(id)
            .filter(|(v, _)| *v == version)
            .map(|(_, p)| p.clone())
    }

    /// The pool as last cached, whatever its version: a read that checks the version in
    /// its own statement uses it when the version is still this one.
    pub fn latest(&self, id: &str) -> Option<(i64, Arc<UserPoolType>)> {
        let pools = self.pools.read().ok()?;
        pools.get(id).cloned()
    }

    pub fn described(&self, id: &str, version: i64, users: i64) -> Option<Arc<[u8]>> {
        let described = self.described.read().ok()?;
        described
            .get(id)
            .filter(|(v, u, _)| *v == version && *u == users)
            .map(|(_, _, json)| json.clone())
    }

    pub fn put_described(&self, id: &str, version: i64, users: i64, json: Arc<[u8]>) {
        if let Ok(mut described) = self.described.write() {
            if described.len() >= CAPACITY {
                described.clear();
            }
            described.insert(id.to_string(), (version, users, json));
        }
    }

    pub fn put(&self, id: &str, version: i64, pool: Arc<UserPoolType>) {
        if let Ok(mut pools) = self.pools.write() {
            if pools.len() >= CAPACITY {
                pools.clear();
            }
            pools.insert(id.to_string(), (version, pool));
        }
    }
}
