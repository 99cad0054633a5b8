//! `service_settings`: settings of the service itself, not API state (reset keeps them).

use crate::{params, Conn, StoreError};

pub fn get(conn: &mut dyn Conn, key: &str) -> Result<Option<String>, StoreError> {
    conn.query_opt(
        "SELECT value FROM service_settings WHERE key = $1",
        params![key],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Stores `value` unless the key has one; returns the value that is stored.
pub fn get_or_insert(conn: &mut dyn Conn, key: &str, value: &str) -> Result<String, StoreError> {
    conn.execute(
        "INSERT INTO service_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        params![key, value],
    )?;
    get(conn, key)?.ok_or_else(|| StoreError::other(format!("setting {key} vanished")))
}

/// Sets `key` to `value`, replacing what it held.
pub fn put(conn: &mut dyn Conn, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO service_settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Every setting whose key starts with `prefix`, as (key, value).
pub fn with_prefix(conn: &mut dyn Conn, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
    // `>=`/`<` on the prefix instead of LIKE: keys compare bytewise on both engines.
    let end = format!("{prefix}\u{10FFFF}");
    conn.query(
        "SELECT key, value FROM service_settings WHERE key >= $1 AND key < $2 ORDER BY key",
        params![prefix, end.as_str()],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?)))
    .collect()
}

pub fn delete(conn: &mut dyn Conn, key: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM service_settings WHERE key = $1", params![key])?;
    Ok(())
}
