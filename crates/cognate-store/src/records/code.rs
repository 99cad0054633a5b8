//! `codes`: one-time codes (sign-up confirmation, password reset, attribute
//! verification), kept as a hash, one live code per user and purpose.

use crate::{params, Conn, Row, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct CodeRow {
    pub pool_id: String,
    pub username_key: String,
    /// What the code is for, e.g. `forgot_password` or `verify:email`.
    pub purpose: String,
    pub code_hash: String,
    /// Wrong guesses so far.
    pub attempts: i64,
    pub created_at: f64,
    pub expires_at: f64,
    /// JSON owned by the domain (how many codes were requested lately, a value waiting
    /// for its verification).
    pub doc: String,
}

fn from_row(r: &Row) -> Result<CodeRow, StoreError> {
    Ok(CodeRow {
        pool_id: r.text(0)?,
        username_key: r.text(1)?,
        purpose: r.text(2)?,
        code_hash: r.text(3)?,
        attempts: r.int(4)?,
        created_at: r.real(5)?,
        expires_at: r.real(6)?,
        doc: r.text(7)?,
    })
}

/// Stores the code, replacing the one the user had for the same purpose.
pub fn put(conn: &mut dyn Conn, row: &CodeRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO codes (pool_id, username_key, purpose, code_hash, attempts, created_at, expires_at, doc) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
         attempts = excluded.attempts, created_at = excluded.created_at, expires_at = excluded.expires_at, \
         doc = excluded.doc",
        params![
            &row.pool_id,
            &row.username_key,
            &row.purpose,
            &row.code_hash,
            row.attempts,
            row.created_at,
            row.expires_at,
            &row.doc
        ],
    )?;
    Ok(())
}

/// The user's live code for `purpose`, if one was issued (expired or not).
pub fn get(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    purpose: &str,
) -> Result<Option<CodeRow>, StoreError> {
    conn.query_opt(
        "SELECT pool_id, username_key, purpose, code_hash, attempts, created_at, expires_at, doc \
         FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3",
        params![pool_id, username_key, purpose],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// Removes the user's code for `purpose` (used, or its purpose gone).
pub fn delete(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    purpose: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3",
        params![pool_id, username_key, purpose],
    )?;
    Ok(())
}
