//! `devices`: the devices a user confirmed (ConfirmDevice), one row per user and device
//! key; what a device is (name, SRP verifier and salt, remembered status, dates) is the
//! domain's JSON document.

use super::{paginate, Page, PageRequest};
use crate::{params, Conn, Row, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRow {
    pub pool_id: String,
    pub username_key: String,
    pub device_key: String,
    pub created_at: f64,
    pub doc: String,
}

fn from_row(r: &Row) -> Result<DeviceRow, StoreError> {
    Ok(DeviceRow {
        pool_id: r.text(0)?,
        username_key: r.text(1)?,
        device_key: r.text(2)?,
        created_at: r.real(3)?,
        doc: r.text(4)?,
    })
}

/// Stores the device, replacing the user's device of the same key.
pub fn put(conn: &mut dyn Conn, row: &DeviceRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO devices (pool_id, username_key, device_key, created_at, doc) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (pool_id, username_key, device_key) DO UPDATE SET \
         created_at = excluded.created_at, doc = excluded.doc",
        params![
            &row.pool_id,
            &row.username_key,
            &row.device_key,
            row.created_at,
            &row.doc
        ],
    )?;
    Ok(())
}

/// The user's device `device_key`, if they have it.
pub fn get(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    device_key: &str,
) -> Result<Option<DeviceRow>, StoreError> {
    conn.query_opt(
        "SELECT pool_id, username_key, device_key, created_at, doc FROM devices \
         WHERE pool_id = $1 AND username_key = $2 AND device_key = $3",
        params![pool_id, username_key, device_key],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// A page of the user's devices in device-key order; the position is a device key.
pub fn list(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    page: &PageRequest,
) -> Result<Page<DeviceRow>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        "SELECT pool_id, username_key, device_key, created_at, doc FROM devices \
         WHERE pool_id = $1 AND username_key = $2 AND device_key > $3 \
         ORDER BY device_key LIMIT $4",
        params![pool_id, username_key, after, page.limit + 1],
    )?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, page.limit, |r| r.device_key.clone()))
}

/// Forgets the user's device; whether it existed.
pub fn delete(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    device_key: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "DELETE FROM devices WHERE pool_id = $1 AND username_key = $2 AND device_key = $3",
        params![pool_id, username_key, device_key],
    )?;
    Ok(n == 1)
}
