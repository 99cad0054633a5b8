//! `user_pools`: one row per user pool.

use super::{paginate, Page, PageRequest};
use crate::{migrations, params, Conn, Row, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct UserPoolRow {
    pub id: String,
    pub region: String,
    pub name: String,
    pub created_at: f64,
    pub updated_at: f64,
    pub user_count: i64,
    /// Bumped by every update of the pool's document.
    pub version: i64,
    pub doc: String,
}

const COLUMNS: &str = "id, region, name, created_at, updated_at, user_count, version, doc";
/// A pool's user count: the sum of its count shards.
macro_rules! user_count {
    () => {
        "(SELECT CAST(COALESCE(SUM(c.count), 0) AS BIGINT) FROM pool_user_counts c WHERE c.pool_id = user_pools.id)"
    };
}
const USER_COUNT: &str = user_count!();
/// COLUMNS as read, with the user count summed.
const SELECT_COLUMNS: &str = concat!(
    "id, region, name, created_at, updated_at, ",
    user_count!(),
    ", version, doc"
);
/// Shards of a pool's user count.
const COUNT_SHARDS: u64 = 64;

fn from_row(r: &Row) -> Result<UserPoolRow, StoreError> {
    Ok(UserPoolRow {
        id: r.text(0)?,
        region: r.text(1)?,
        name: r.text(2)?,
        created_at: r.real(3)?,
        updated_at: r.real(4)?,
        user_count: r.int(5)?,
        version: r.int(6)?,
        doc: r.text(7)?,
    })
}

pub fn insert(conn: &mut dyn Conn, row: &UserPoolRow) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT INTO user_pools ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
        params![
            &row.id,
            &row.region,
            &row.name,
            row.created_at,
            row.updated_at,
            row.user_count,
            row.version,
            &row.doc
        ],
    )?;
    Ok(())
}

pub fn get(conn: &mut dyn Conn, id: &str) -> Result<Option<UserPoolRow>, StoreError> {
    conn.query_opt(
        &format!("SELECT {SELECT_COLUMNS} FROM user_pools WHERE id = $1"),
        params![id],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// The id of the oldest pool named `name`, in any region.
pub fn oldest_id_by_name(conn: &mut dyn Conn, name: &str) -> Result<Option<String>, StoreError> {
    conn.query_opt(
        "SELECT id FROM user_pools WHERE name = $1 ORDER BY created_at LIMIT 1",
        params![name],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// The pool's version alone: what every request checks its cached pool against (the user
/// count, a sum over shards, only DescribeUserPool and ListUserPools need).
pub fn current_version(conn: &mut dyn Conn, id: &str) -> Result<Option<i64>, StoreError> {
    conn.query_opt("SELECT version FROM user_pools WHERE id = $1", params![id])?
        .map(|r| r.int(0))
        .transpose()
}

/// The pool's version and user count, without its document: enough to tell whether a
/// cached description is current.
pub fn version(conn: &mut dyn Conn, id: &str) -> Result<Option<(i64, i64)>, StoreError> {
    conn.query_opt(
        &format!("SELECT version, {USER_COUNT} FROM user_pools WHERE id = $1"),
        params![id],
    )?
    .map(|r| Ok((r.int(0)?, r.int(1)?)))
    .transpose()
}

/// Versions of the pools of a page of `list`, for the same cache check.
pub fn list_versions(
    conn: &mut dyn Conn,
    region: &str,
    page: &PageRequest,
) -> Result<Page<(String, i64)>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        "SELECT id, version FROM user_pools WHERE region = $1 AND id > $2 ORDER BY id LIMIT $3",
        params![region, after, page.limit + 1],
    )?;
    let rows = rows
        .iter()
        .map(|r| Ok((r.text(0)?, r.int(1)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(paginate(rows, page.limit, |r| r.0.clone()))
}

/// Replaces the pool's name and document and bumps its version; `updated_at` becomes
/// `row.updated_at`.
pub fn update(conn: &mut dyn Conn, row: &UserPoolRow) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE user_pools SET name = $2, updated_at = $3, doc = $4, version = version + 1 WHERE id = $1",
        params![&row.id, &row.name, row.updated_at, &row.doc],
    )?;
    Ok(n == 1)
}

/// Adds `delta` to the pool's user count (kept so that EstimatedNumberOfUsers never
/// counts rows).
pub fn add_users(conn: &mut dyn Conn, id: &str, delta: i64) -> Result<(), StoreError> {
    conn.execute_later(
        "INSERT INTO pool_user_counts (pool_id, shard, count) VALUES ($1, $3, $2) \
         ON CONFLICT (pool_id, shard) DO UPDATE SET count = pool_user_counts.count + excluded.count",
        params![id, delta, shard()],
    )?;
    Ok(())
}

/// A shard for this change: spread by the clock, so concurrent writers rarely meet.
fn shard() -> i64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    ((nanos / 1000) % COUNT_SHARDS) as i64
}

/// Pools of `region` in id order.
pub fn list(
    conn: &mut dyn Conn,
    region: &str,
    page: &PageRequest,
) -> Result<Page<UserPoolRow>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        &format!(
            "SELECT {SELECT_COLUMNS} FROM user_pools WHERE region = $1 AND id > $2 ORDER BY id LIMIT $3"
        ),
        params![region, after, page.limit + 1],
    )?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, page.limit, |r| r.id.clone()))
}

/// Deletes the pool and everything that belongs to it (the outbox keeps what was sent;
/// raised request rates belong to the region, not the pool).
pub fn delete(conn: &mut dyn Conn, id: &str) -> Result<bool, StoreError> {
    for table in migrations::TABLES {
        if !matches!(
            *table,
            "user_pools" | "outbox_messages" | "provisioned_limits"
        ) {
            conn.execute(
                &format!("DELETE FROM {table} WHERE pool_id = $1"),
                params![id],
            )?;
        }
    }
    Ok(conn.execute("DELETE FROM user_pools WHERE id = $1", params![id])? == 1)
}
