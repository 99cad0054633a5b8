//! One-time codes (password reset, attribute verification): six digits, sent in the
//! clear and stored only as a SHA-256 hash, one live code per user and purpose.

use crate::clock::now;
use crate::error::Result;
use cognate_store::records::code::{self, CodeRow};
use cognate_store::Conn;
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
    code::put(
        conn,
        &CodeRow {
            pool_id: pool_id.to_string(),
            username_key: username_key.to_string(),
            purpose: purpose.to_string(),
            code_hash: hash(&code),
            attempts: 0,
            created_at: t,
            expires_at: t + VALIDITY_SECONDS,
        },
    )?;
    Ok(code)
}
