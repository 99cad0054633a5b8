//! `user_pool_domains`: the hosted-UI domains of user pools.

use crate::{params, Conn, StoreError};

/// The domains configured for the pool.
pub fn of_pool(conn: &mut dyn Conn, pool_id: &str) -> Result<Vec<String>, StoreError> {
    conn.query(
        "SELECT domain FROM user_pool_domains WHERE pool_id = $1",
        params![pool_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}
