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
