//! `webauthn_credentials`: a user's passkeys, one row per user and credential id
//! (base64url); what a passkey is (its public key, signature counter, transports,
//! friendly name, relying party, dates) is the domain's JSON document.

use super::{paginate, Page, PageRequest};
use crate::{params, Conn, Row, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct WebAuthnCredentialRow {
    pub pool_id: String,
    pub username_key: String,
    pub credential_id: String,
    pub created_at: f64,
    pub doc: String,
}

const COLUMNS: &str = "pool_id, username_key, credential_id, created_at, doc";

fn from_row(r: &Row) -> Result<WebAuthnCredentialRow, StoreError> {
    Ok(WebAuthnCredentialRow {
        pool_id: r.text(0)?,
        username_key: r.text(1)?,
        credential_id: r.text(2)?,
        created_at: r.real(3)?,
        doc: r.text(4)?,
    })
}

/// Stores the passkey, replacing the user's passkey of the same credential id.
pub fn put(conn: &mut dyn Conn, row: &WebAuthnCredentialRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO webauthn_credentials (pool_id, username_key, credential_id, created_at, doc) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (pool_id, username_key, credential_id) DO UPDATE SET \
         created_at = excluded.created_at, doc = excluded.doc",
        params![
            &row.pool_id,
            &row.username_key,
            &row.credential_id,
            row.created_at,
            &row.doc
        ],
    )?;
    Ok(())
}

/// The user's passkey `credential_id`, if they have it.
pub fn get(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    credential_id: &str,
) -> Result<Option<WebAuthnCredentialRow>, StoreError> {
    conn.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM webauthn_credentials \
             WHERE pool_id = $1 AND username_key = $2 AND credential_id = $3"
        ),
        params![pool_id, username_key, credential_id],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// Every passkey of the user, in credential-id order (a user has at most a few).
pub fn of_user(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<Vec<WebAuthnCredentialRow>, StoreError> {
    let rows = conn.query(
        &format!(
            "SELECT {COLUMNS} FROM webauthn_credentials \
             WHERE pool_id = $1 AND username_key = $2 ORDER BY credential_id"
        ),
        params![pool_id, username_key],
    )?;
    rows.iter().map(from_row).collect()
}

/// How many passkeys the user has.
pub fn count(conn: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<i64, StoreError> {
    let row = conn.query_opt(
        "SELECT COUNT(*) FROM webauthn_credentials WHERE pool_id = $1 AND username_key = $2",
        params![pool_id, username_key],
    )?;
    match row {
        Some(r) => r.int(0),
        None => Ok(0),
    }
}

/// A page of the user's passkeys in credential-id order; the position is a credential id.
pub fn list(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    page: &PageRequest,
) -> Result<Page<WebAuthnCredentialRow>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        &format!(
            "SELECT {COLUMNS} FROM webauthn_credentials \
             WHERE pool_id = $1 AND username_key = $2 AND credential_id > $3 \
             ORDER BY credential_id LIMIT $4"
        ),
        params![pool_id, username_key, after, page.limit + 1],
    )?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, page.limit, |r| r.credential_id.clone()))
}

/// Deletes the user's passkey; whether it existed.
pub fn delete(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    credential_id: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "DELETE FROM webauthn_credentials \
         WHERE pool_id = $1 AND username_key = $2 AND credential_id = $3",
        params![pool_id, username_key, credential_id],
    )?;
    Ok(n == 1)
}
