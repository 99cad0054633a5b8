//! `oauth_codes`: authorization codes of `/oauth2/authorize`, kept as their SHA-256
//! hash, each taken (deleted) by the one exchange that uses it.

use crate::{params, Conn, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct OAuthCodeRow {
    pub code_hash: String,
    pub pool_id: String,
    pub expires_at: f64,
    /// JSON owned by the domain: the client, redirect URI, scopes, nonce, PKCE
    /// challenge and the user the code was issued to.
    pub doc: String,
}

pub fn insert(conn: &mut dyn Conn, row: &OAuthCodeRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO oauth_codes (code_hash, pool_id, expires_at, doc) VALUES ($1, $2, $3, $4)",
        params![&row.code_hash, &row.pool_id, row.expires_at, &row.doc],
    )?;
    Ok(())
}

/// Removes the code and answers it, if it was there: a code is used at most once
/// (the delete happens in the caller's write, so two exchanges cannot both take it).
pub fn take(conn: &mut dyn Conn, code_hash: &str) -> Result<Option<OAuthCodeRow>, StoreError> {
    let row = conn.query_opt(
        "SELECT code_hash, pool_id, expires_at, doc FROM oauth_codes WHERE code_hash = $1",
        params![code_hash],
    )?;
    let Some(r) = row else {
        return Ok(None);
    };
    let row = OAuthCodeRow {
        code_hash: r.text(0)?,
        pool_id: r.text(1)?,
        expires_at: r.real(2)?,
        doc: r.text(3)?,
    };
    let deleted = conn.execute(
        "DELETE FROM oauth_codes WHERE code_hash = $1",
        params![code_hash],
    )?;
    Ok((deleted == 1).then_some(row))
}

/// Deletes codes that expired before `before`.
pub fn purge_expired(conn: &mut dyn Conn, before: f64) -> Result<u64, StoreError> {
    conn.execute(
        "DELETE FROM oauth_codes WHERE expires_at < $1",
        params![before],
    )
}
