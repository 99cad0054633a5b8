//! One-time codes (password reset, attribute verification): six digits, sent in the
//! clear and stored only as a keyed hash (HMAC-SHA256 under a key derived from the
//! master key, over pool, user, purpose and code: a million candidates cannot be tried
//! against a copy of the database without the key, and a hash does not verify another
//! user's or purpose's code), one live code per user and purpose.

use crate::clock::now;
use crate::crypto::secret_box::SecretBox;
use crate::error::Result;
use cognate_store::records::code::{self, CodeRow};
use cognate_store::Conn;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Codes expire after an hour (Cognito's confirmation and reset codes last 1 hour).
const VALIDITY_SECONDS: f64 = 3600.0;

/// SHA-256 (hex) of a high-entropy value (a refresh token, an answered challenge
/// session), where a plain hash cannot be reversed by guessing. Not for codes: see
/// `code_hash`.
pub fn hash(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a code is stored as, and what a code given back is compared with (in constant
/// time) to verify it.
pub fn code_hash(
    secrets: &SecretBox,
    pool_id: &str,
    username_key: &str,
    purpose: &str,
    code: &str,
) -> String {
    secrets.keyed_hash(&["code", pool_id, username_key, purpose, code])
}

/// Issues a new code for (`pool_id`, `username_key`, `purpose`), replacing any earlier one.
pub fn issue(
    conn: &mut dyn Conn,
    secrets: &SecretBox,
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
            code_hash: code_hash(secrets, pool_id, username_key, purpose, &code),
            attempts: 0,
            created_at: t,
            expires_at: t + VALIDITY_SECONDS,
        },
    )?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_service;
    use cognate_api::types::*;
    use cognate_api::RequestContext;

    /// A reset code is stored as the keyed hash bound to its pool, user and purpose: not
    /// the plain SHA-256 of six digits that anyone with the database could reverse.
    #[tokio::test]
    async fn codes_are_stored_as_keyed_hashes_bound_to_pool_user_and_purpose() {
        let (service, _dir) = test_service();
        let pool_id = service
            .create_user_pool(
                &RequestContext::default(),
                CreateUserPoolRequest {
                    pool_name: Some("p".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("pool")
            .user_pool
            .and_then(|p| p.id)
            .expect("pool id");
        service
            .admin_create_user(AdminCreateUserRequest {
                user_pool_id: Some(pool_id.clone()),
                username: Some("alice".into()),
                message_action: Some("SUPPRESS".into()),
                user_attributes: Some(vec![
                    AttributeType {
                        name: Some("email".into()),
                        value: Some("alice@example.com".into()),
                    },
                    AttributeType {
                        name: Some("email_verified".into()),
                        value: Some("true".into()),
                    },
                ]),
                ..Default::default()
            })
            .await
            .expect("user");
        service
            .admin_reset_user_password(AdminResetUserPasswordRequest {
                user_pool_id: Some(pool_id.clone()),
                username: Some("alice".into()),
                ..Default::default()
            })
            .await
            .expect("reset");
        let sent = service
            .sent_messages(Default::default())
            .await
            .expect("messages");
        let code = sent
            .last()
            .and_then(|m| m.code.clone())
            .expect("a code was sent");
        let p = pool_id.clone();
        let row = service
            .store()
            .read(move |c| code::get(c, &p, "alice", "forgot_password"))
            .await
            .expect("read")
            .expect("a code is stored");
        assert_ne!(row.code_hash, hash(&code), "not an unkeyed hash");
        let secrets = service.secrets();
        assert_eq!(
            row.code_hash,
            code_hash(secrets, &pool_id, "alice", "forgot_password", &code)
        );
        for (pool, user, purpose) in [
            ("other", "alice", "forgot_password"),
            (pool_id.as_str(), "bob", "forgot_password"),
            (pool_id.as_str(), "alice", "verify:email"),
        ] {
            assert_ne!(
                row.code_hash,
                code_hash(secrets, pool, user, purpose, &code)
            );
        }
    }
}
