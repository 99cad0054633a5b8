//! `point_in_time_recoveries` and `pool_history`: a pool's recoveries (the domain's
//! document beside the columns they are found by; `paused_until`, read by the history
//! triggers, pauses writes of the pool's user data while a recovery is in progress),
//! and the before-images of its user data that the triggers of migration 0007 write
//! with every change, from which a recovery rebuilds the pool at a past moment.

use crate::{params, Conn, Row, StoreError};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryRow {
    pub pool_id: String,
    pub restore_id: String,
    pub created_at: f64,
    /// A RestoreStatusType (`PREVIEW_GENERATING`, ...).
    pub status: String,
    /// Until when writes of the pool's user data are refused (0: they are not).
    pub paused_until: f64,
    pub doc: String,
}

const COLUMNS: &str = "pool_id, restore_id, created_at, status, paused_until, doc";

fn from_row(r: &Row) -> Result<RecoveryRow, StoreError> {
    Ok(RecoveryRow {
        pool_id: r.text(0)?,
        restore_id: r.text(1)?,
        created_at: r.real(2)?,
        status: r.text(3)?,
        paused_until: r.real(4)?,
        doc: r.text(5)?,
    })
}

pub fn insert(conn: &mut dyn Conn, row: &RecoveryRow) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "INSERT INTO point_in_time_recoveries ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ),
        params![
            &row.pool_id,
            &row.restore_id,
            row.created_at,
            &row.status,
            row.paused_until,
            &row.doc
        ],
    )?;
    Ok(())
}

pub fn get(
    conn: &mut dyn Conn,
    pool_id: &str,
    restore_id: &str,
) -> Result<Option<RecoveryRow>, StoreError> {
    conn.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM point_in_time_recoveries WHERE pool_id = $1 AND restore_id = $2"
        ),
        params![pool_id, restore_id],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// Stores the recovery's status, pause and document.
pub fn update(conn: &mut dyn Conn, row: &RecoveryRow) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE point_in_time_recoveries SET status = $3, paused_until = $4, doc = $5 \
         WHERE pool_id = $1 AND restore_id = $2",
        params![
            &row.pool_id,
            &row.restore_id,
            &row.status,
            row.paused_until,
            &row.doc
        ],
    )?;
    Ok(n == 1)
}

/// A pool's recoveries newest first: at most `limit` created before the position
/// `after` (the creation time and id of the last one of the previous page), and
/// whether more follow.
pub fn list(
    conn: &mut dyn Conn,
    pool_id: &str,
    after: Option<(f64, &str)>,
    limit: usize,
) -> Result<(Vec<RecoveryRow>, bool), StoreError> {
    let rows = match after {
        None => conn.query(
            &format!(
                "SELECT {COLUMNS} FROM point_in_time_recoveries WHERE pool_id = $1 \
                 ORDER BY created_at DESC, restore_id DESC LIMIT $2"
            ),
            params![pool_id, limit + 1],
        )?,
        Some((created_at, restore_id)) => conn.query(
            &format!(
                "SELECT {COLUMNS} FROM point_in_time_recoveries WHERE pool_id = $1 \
                 AND (created_at < $2 OR (created_at = $2 AND restore_id < $3)) \
                 ORDER BY created_at DESC, restore_id DESC LIMIT $4"
            ),
            params![pool_id, created_at, restore_id, limit + 1],
        )?,
    };
    let mut out = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let more = out.len() > limit;
    out.truncate(limit);
    Ok((out, more))
}

/// The recoveries of every pool in one of `statuses`.
pub fn with_status(conn: &mut dyn Conn, statuses: &[&str]) -> Result<Vec<RecoveryRow>, StoreError> {
    let mut out = Vec::new();
    for status in statuses {
        let rows = conn.query(
            &format!("SELECT {COLUMNS} FROM point_in_time_recoveries WHERE status = $1"),
            params![*status],
        )?;
        for r in &rows {
            out.push(from_row(r)?);
        }
    }
    Ok(out)
}

/// A pool's recoveries created after `since`, oldest first.
pub fn created_since(
    conn: &mut dyn Conn,
    pool_id: &str,
    since: f64,
) -> Result<Vec<RecoveryRow>, StoreError> {
    let rows = conn.query(
        &format!(
            "SELECT {COLUMNS} FROM point_in_time_recoveries WHERE pool_id = $1 AND created_at > $2 \
             ORDER BY created_at"
        ),
        params![pool_id, since],
    )?;
    rows.iter().map(from_row).collect()
}

/// The first change after `since` of each entity of the pool that changed since then:
/// its kind, key, and its row before that change (JSON; None: it did not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub entity: String,
    pub key: String,
    pub before: Option<String>,
}

pub fn first_changes_since(
    conn: &mut dyn Conn,
    pool_id: &str,
    since: f64,
) -> Result<Vec<Change>, StoreError> {
    let rows = conn.query(
        "SELECT entity, entity_key, before FROM pool_history WHERE pool_id = $1 AND changed_at > $2 \
         ORDER BY seq",
        params![pool_id, since],
    )?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in &rows {
        let (entity, key) = (r.text(0)?, r.text(1)?);
        if seen.insert((entity.clone(), key.clone())) {
            out.push(Change {
                entity,
                key,
                before: r.opt_text(2)?,
            });
        }
    }
    Ok(out)
}

/// Deletes the history older than `before`, pool by pool (through the one index the
/// history has, by pool and time).
pub fn purge_history(conn: &mut dyn Conn, before: f64) -> Result<u64, StoreError> {
    // A deleted pool's history goes with it: the pools that exist are all there is.
    let pools = conn.query("SELECT id FROM user_pools", &[])?;
    let mut deleted = 0;
    for r in &pools {
        deleted += conn.execute(
            "DELETE FROM pool_history WHERE pool_id = $1 AND changed_at < $2",
            params![r.text(0)?, before],
        )?;
    }
    Ok(deleted)
}

/// Puts back a group (a `group` pool object) as it was.
pub fn restore_group(
    conn: &mut dyn Conn,
    pool_id: &str,
    name: &str,
    created_at: f64,
    doc: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO pool_objects (pool_id, kind, key, created_at, doc) VALUES ($1, 'group', $2, $3, $4) \
         ON CONFLICT (pool_id, kind, key) DO UPDATE SET created_at = excluded.created_at, doc = excluded.doc",
        params![pool_id, name, created_at, doc],
    )?;
    Ok(())
}

/// Whether the user is a member of the group.
pub fn is_member(
    conn: &mut dyn Conn,
    pool_id: &str,
    group: &str,
    username_key: &str,
) -> Result<bool, StoreError> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key = $3",
            params![pool_id, group, username_key],
        )?
        .is_some())
}

/// Puts back a membership as it was.
pub fn restore_member(
    conn: &mut dyn Conn,
    pool_id: &str,
    group: &str,
    username_key: &str,
    created_at: f64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO group_members (pool_id, group_name, username_key, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
        params![pool_id, group, username_key, created_at],
    )?;
    Ok(())
}

/// Bumps the pool's version, so that every node drops what it cached of the pool.
pub fn bump_pool_version(conn: &mut dyn Conn, pool_id: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE user_pools SET version = version + 1 WHERE id = $1",
        params![pool_id],
    )?;
    Ok(())
}
