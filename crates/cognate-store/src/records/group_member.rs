//! `group_members`: which users are in which groups.

use super::{paginate, Page, PageRequest};
use crate::{migrations, params, Conn, StoreError};

/// Adds the membership; false if it existed.
pub fn add(
    conn: &mut dyn Conn,
    pool_id: &str,
    group: &str,
    username_key: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "INSERT INTO group_members (pool_id, group_name, username_key, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
        params![pool_id, group, username_key, migrations::now()],
    )?;
    Ok(n == 1)
}

pub fn remove(
    conn: &mut dyn Conn,
    pool_id: &str,
    group: &str,
    username_key: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key = $3",
        params![pool_id, group, username_key],
    )?;
    Ok(n == 1)
}

/// Removes every membership of the group; returns how many there were.
pub fn remove_group(conn: &mut dyn Conn, pool_id: &str, group: &str) -> Result<u64, StoreError> {
    conn.execute(
        "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2",
        params![pool_id, group],
    )
}

/// The groups of a user, in name order.
pub fn groups_of(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    page: &PageRequest,
) -> Result<Page<String>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        "SELECT group_name FROM group_members WHERE pool_id = $1 AND username_key = $2 AND group_name > $3 \
         ORDER BY group_name LIMIT $4",
        params![pool_id, username_key, after, page.limit + 1],
    )?;
    let names = rows
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(names, page.limit, Clone::clone))
}

/// The username keys of a group's members, in key order.
pub fn members(
    conn: &mut dyn Conn,
    pool_id: &str,
    group: &str,
    page: &PageRequest,
) -> Result<Page<String>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        "SELECT username_key FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key > $3 \
         ORDER BY username_key LIMIT $4",
        params![pool_id, group, after, page.limit + 1],
    )?;
    let keys = rows
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(keys, page.limit, Clone::clone))
}
