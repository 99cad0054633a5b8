//! What signing in leaves behind: each pool's signing keys, refresh tokens (by hash, in
//! families that are the user's sessions), revoked token families, challenge sessions
//! already answered, and failed sign-in counts.

use crate::{params, Conn, Row, StoreError};

/// A signing key of a pool; the private key is sealed by the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKeyRow {
    pub pool_id: String,
    pub kid: String,
    /// `id` or `access`.
    pub token_use: String,
    pub created_at: f64,
    pub sealed_private_key: Vec<u8>,
    pub public_jwk: String,
}

pub fn signing_keys(conn: &mut dyn Conn, pool_id: &str) -> Result<Vec<SigningKeyRow>, StoreError> {
    conn.query(
        "SELECT pool_id, kid, token_use, created_at, sealed_private_key, public_jwk \
         FROM signing_keys WHERE pool_id = $1 ORDER BY created_at, kid",
        params![pool_id],
    )?
    .iter()
    .map(|r| {
        Ok(SigningKeyRow {
            pool_id: r.text(0)?,
            kid: r.text(1)?,
            token_use: r.text(2)?,
            created_at: r.real(3)?,
            sealed_private_key: r.blob(4)?,
            public_jwk: r.text(5)?,
        })
    })
    .collect()
}

/// Stores the key unless the pool already has one for that token use (another node may
/// have made one first); the caller reads the pool's keys back either way.
pub fn insert_signing_key(conn: &mut dyn Conn, row: &SigningKeyRow) -> Result<(), StoreError> {
    let taken = conn
        .query_opt(
            "SELECT kid FROM signing_keys WHERE pool_id = $1 AND token_use = $2",
            params![&row.pool_id, &row.token_use],
        )?
        .is_some();
    if !taken {
        conn.execute(
            "INSERT INTO signing_keys (pool_id, kid, token_use, created_at, sealed_private_key, public_jwk) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            params![
                &row.pool_id,
                &row.kid,
                &row.token_use,
                row.created_at,
                row.sealed_private_key.clone(),
                &row.public_jwk
            ],
        )?;
    }
    Ok(())
}

/// A refresh token, known by the hash of its value.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshTokenRow {
    pub token_hash: String,
    pub pool_id: String,
    pub username_key: String,
    pub client_id: String,
    /// The sign-in session: the first token's family id, kept through rotations. It is
    /// also the `origin_jti` of the ID and access tokens of the session.
    pub family_id: String,
    pub created_at: f64,
    pub expires_at: f64,
    pub revoked_at: Option<f64>,
    pub doc: String,
}

const REFRESH_COLUMNS: &str =
    "token_hash, pool_id, username_key, client_id, family_id, created_at, expires_at, revoked_at, doc";

fn refresh_from_row(r: &Row) -> Result<RefreshTokenRow, StoreError> {
    Ok(RefreshTokenRow {
        token_hash: r.text(0)?,
        pool_id: r.text(1)?,
        username_key: r.text(2)?,
        client_id: r.text(3)?,
        family_id: r.text(4)?,
        created_at: r.real(5)?,
        expires_at: r.real(6)?,
        revoked_at: r.opt_real(7)?,
        doc: r.text(8)?,
    })
}

pub fn insert_refresh_token(conn: &mut dyn Conn, row: &RefreshTokenRow) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "INSERT INTO refresh_tokens ({REFRESH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        params![
            &row.token_hash,
            &row.pool_id,
            &row.username_key,
            &row.client_id,
            &row.family_id,
            row.created_at,
            row.expires_at,
            row.revoked_at,
            &row.doc
        ],
    )?;
    Ok(())
}

pub fn refresh_token(
    conn: &mut dyn Conn,
    token_hash: &str,
) -> Result<Option<RefreshTokenRow>, StoreError> {
    conn.query_opt(
        &format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1"),
        params![token_hash],
    )?
    .map(|r| refresh_from_row(&r))
    .transpose()
}

/// The user's refresh tokens, oldest first.
pub fn refresh_tokens_of_user(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<Vec<RefreshTokenRow>, StoreError> {
    conn.query(
        &format!(
            "SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE pool_id = $1 AND username_key = $2 \
             ORDER BY created_at, token_hash"
        ),
        params![pool_id, username_key],
    )?
    .iter()
    .map(refresh_from_row)
    .collect()
}

/// Marks one token revoked (a rotated token, after its grace period) without touching
/// its family.
pub fn expire_refresh_token(
    conn: &mut dyn Conn,
    token_hash: &str,
    at: f64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE refresh_tokens SET expires_at = $2 WHERE token_hash = $1 AND expires_at > $2",
        params![token_hash, at],
    )?;
    Ok(())
}

/// Revokes a whole family: its refresh tokens stop working, and its ID and access
/// tokens (whose `origin_jti` is the family id) are refused until they would expire.
pub fn revoke_family(
    conn: &mut dyn Conn,
    pool_id: &str,
    family_id: &str,
    at: f64,
    tokens_expire_by: f64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE refresh_tokens SET revoked_at = $3 WHERE pool_id = $1 AND family_id = $2 AND revoked_at IS NULL",
        params![pool_id, family_id, at],
    )?;
    if conn
        .query_opt(
            "SELECT origin_jti FROM revoked_tokens WHERE origin_jti = $1",
            params![family_id],
        )?
        .is_none()
    {
        conn.execute(
            "INSERT INTO revoked_tokens (origin_jti, pool_id, expires_at) VALUES ($1, $2, $3)",
            params![family_id, pool_id, tokens_expire_by],
        )?;
    }
    Ok(())
}

pub fn is_revoked(conn: &mut dyn Conn, origin_jti: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_opt(
            "SELECT origin_jti FROM revoked_tokens WHERE origin_jti = $1",
            params![origin_jti],
        )?
        .is_some())
}

/// Whether a challenge session (by hash) has been answered.
pub fn session_answered(conn: &mut dyn Conn, session_hash: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_opt(
            "SELECT session_hash FROM auth_sessions WHERE session_hash = $1",
            params![session_hash],
        )?
        .is_some())
}

/// Records that a challenge session (by hash) has been answered; false if it already was.
pub fn consume_session(
    conn: &mut dyn Conn,
    session_hash: &str,
    pool_id: &str,
    expires_at: f64,
) -> Result<bool, StoreError> {
    if conn
        .query_opt(
            "SELECT session_hash FROM auth_sessions WHERE session_hash = $1",
            params![session_hash],
        )?
        .is_some()
    {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO auth_sessions (session_hash, pool_id, expires_at, doc) VALUES ($1, $2, $3, '{}')",
        params![session_hash, pool_id, expires_at],
    )?;
    Ok(true)
}

/// Failed sign-ins of a user since their last success.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Failures {
    pub count: i64,
    /// Seconds since the epoch; 0 when not locked.
    pub locked_until: f64,
    /// When the last failure happened.
    pub last_at: f64,
}

pub fn failures(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<Option<Failures>, StoreError> {
    conn.query_opt(
        "SELECT failures, locked_until, last_failure_at FROM sign_in_failures \
         WHERE pool_id = $1 AND username_key = $2",
        params![pool_id, username_key],
    )?
    .map(|r| {
        Ok(Failures {
            count: r.int(0)?,
            locked_until: r.real(1)?,
            last_at: r.real(2)?,
        })
    })
    .transpose()
}

pub fn set_failures(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    f: &Failures,
) -> Result<(), StoreError> {
    let n = conn.execute(
        "UPDATE sign_in_failures SET failures = $3, locked_until = $4, last_failure_at = $5 \
         WHERE pool_id = $1 AND username_key = $2",
        params![pool_id, username_key, f.count, f.locked_until, f.last_at],
    )?;
    if n == 0 {
        conn.execute(
            "INSERT INTO sign_in_failures (pool_id, username_key, failures, locked_until, last_failure_at) \
             VALUES ($1, $2, $3, $4, $5)",
            params![pool_id, username_key, f.count, f.locked_until, f.last_at],
        )?;
    }
    Ok(())
}

pub fn clear_failures(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM sign_in_failures WHERE pool_id = $1 AND username_key = $2",
        params![pool_id, username_key],
    )?;
    Ok(())
}

/// Drops what has expired: challenge sessions, revocations and refresh tokens; and
/// failed sign-ins forgotten after 15 quiet minutes (the lockout's rule), which includes
/// those counted for names no user has.
pub fn purge_expired(conn: &mut dyn Conn, now: f64) -> Result<(), StoreError> {
    for table in ["auth_sessions", "revoked_tokens", "refresh_tokens"] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE expires_at < $1"),
            params![now],
        )?;
    }
    conn.execute(
        "DELETE FROM sign_in_failures WHERE locked_until < $1 AND last_failure_at < $2",
        params![now, now - FAILURES_FORGOTTEN_AFTER],
    )?;
    Ok(())
}

/// Seconds without a failure after which a count of failures is forgotten.
pub const FAILURES_FORGOTTEN_AFTER: f64 = 900.0;
