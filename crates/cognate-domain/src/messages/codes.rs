//! One-time codes (password reset, attribute verification): six digits, sent in the
//! clear and stored only as a SHA-256 hash, one live code per user and purpose.

use crate::clock::now;
use crate::error::Result;
use cognate_store::{params, Conn};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Codes expire after an hour (Cognito's confirmation and reset codes last 1 hour).
const VALIDITY_SECONDS: f64 = 3600.0;

pub fn hash(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues a new code for (`pool_id`, `username_key`, `purpose`), replacing any earlier one.
pub fn issue(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    purpose: &str,
) -> Result<String> {
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let t = now();
    conn.execute(
        "INSERT INTO codes (pool_id, username_key, purpose, code_hash, attempts, created_at, expires_at, doc) \
         VALUES ($1, $2, $3, $4, 0, $5, $6, '{}') \
         ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
         attempts = 0, created_at = excluded.created_at, expires_at = excluded.expires_at",
        params![pool_id, username_key, purpose, hash(&code), t, t + VALIDITY_SECONDS],
    )?;
    Ok(code)
}
