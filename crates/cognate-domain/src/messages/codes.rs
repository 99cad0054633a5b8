//! One-time codes (sign-up confirmation, password reset, attribute verification): six
//! random digits, sent in the clear and stored only as a keyed hash (HMAC-SHA256 under a
//! key derived from the master key, over pool, user, purpose and code: a million
//! candidates cannot be tried against a copy of the database without the key, and a
//! hash does not verify another user's or purpose's code), one live code per user and
//! purpose. A code is used once, lives as long as AWS's (24 hours to confirm a sign-up
//! or verify an attribute, 1 hour to reset a password), and dies after
//! `MAX_WRONG_ATTEMPTS` wrong guesses; users may request `MAX_REQUESTS` codes of one
//! purpose per `REQUEST_WINDOW_SECONDS`.

use crate::clock::now;
use crate::crypto::secret_box::SecretBox;
use crate::crypto::srp::constant_time_eq;
use crate::error::{fail, Error, Result};
use crate::stored::{from_doc, to_doc};
use cognate_api::ErrorCode;
use cognate_store::records::code::{self, CodeRow};
use cognate_store::Conn;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Confirming a sign-up (SignUp, ResendConfirmationCode, ConfirmSignUp).
pub const SIGN_UP: &str = "sign_up";
/// Resetting a password (ForgotPassword, AdminResetUserPassword, ConfirmForgotPassword).
pub const FORGOT_PASSWORD: &str = "forgot_password";

/// Verifying attribute `name` (`email` or `phone_number`).
pub fn verify(name: &str) -> String {
    format!("verify:{name}")
}

/// How long a code of `purpose` lives: AWS documents 24 hours for the sign-up code or
/// link and for attribute verification, and one hour for a password-reset code.
pub fn lifetime_seconds(purpose: &str) -> f64 {
    if purpose == FORGOT_PASSWORD {
        3600.0
    } else {
        86_400.0
    }
}

/// Wrong guesses a code takes before it is dead (TooManyFailedAttemptsException until a
/// new one is requested): with 10^6 codes, 5 guesses per code and `MAX_REQUESTS` codes
/// an hour, guessing is hopeless.
pub const MAX_WRONG_ATTEMPTS: i64 = 5;
/// Codes of one purpose a user may request per window (LimitExceededException beyond).
pub const MAX_REQUESTS: u32 = 5;
pub const REQUEST_WINDOW_SECONDS: f64 = 3600.0;

/// What a code row keeps beside its hash.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct CodeDoc {
    /// Codes requested in the current window, and when it started.
    #[serde(default)]
    requests: u32,
    #[serde(default)]
    window_start: f64,
    /// The attribute the code was sent to (`email`, `phone_number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attribute: Option<String>,
    /// A new value waiting for this code (AttributesRequireVerificationBeforeUpdate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending: Option<String>,
}

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

/// A code to issue.
pub struct Issue<'a> {
    pub pool_id: &'a str,
    pub username_key: &'a str,
    pub purpose: &'a str,
    /// The attribute the code goes to, remembered for its check.
    pub attribute: Option<&'a str>,
    /// A value the code's verification applies.
    pub pending: Option<&'a str>,
    /// Whether the user asked (counted against `MAX_REQUESTS`), rather than an admin.
    pub requested_by_user: bool,
}

/// AWS's answer to too many code requests (and too many wrong codes in a row).
pub fn limit_exceeded() -> Error {
    fail(
        ErrorCode::LimitExceededException,
        "Attempt limit exceeded, please try after some time.",
    )
}

/// Issues a new code, replacing the user's earlier one for the same purpose.
pub fn issue_code(conn: &mut dyn Conn, secrets: &SecretBox, what: &Issue<'_>) -> Result<String> {
    let t = now();
    let earlier = code::get(conn, what.pool_id, what.username_key, what.purpose)?;
    let mut doc = match &earlier {
        Some(row) => from_doc::<CodeDoc>(&row.doc).unwrap_or_default(),
        None => CodeDoc::default(),
    };
    if t - doc.window_start >= REQUEST_WINDOW_SECONDS {
        doc.requests = 0;
        doc.window_start = t;
    }
    if what.requested_by_user {
        if doc.requests >= MAX_REQUESTS {
            return Err(limit_exceeded());
        }
        doc.requests += 1;
    }
    doc.attribute = what.attribute.map(str::to_string);
    doc.pending = what.pending.map(str::to_string);
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    code::put(
        conn,
        &CodeRow {
            pool_id: what.pool_id.to_string(),
            username_key: what.username_key.to_string(),
            purpose: what.purpose.to_string(),
            code_hash: code_hash(
                secrets,
                what.pool_id,
                what.username_key,
                what.purpose,
                &code,
            ),
            attempts: 0,
            created_at: t,
            expires_at: t + lifetime_seconds(what.purpose),
            doc: to_doc(&doc)?,
        },
    )?;
    Ok(code)
}

/// The value waiting for the user's live `purpose` code, if any.
pub fn pending(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    purpose: &str,
) -> Result<Option<String>> {
    Ok(code::get(conn, pool_id, username_key, purpose)?
        .and_then(|row| from_doc::<CodeDoc>(&row.doc).ok())
        .and_then(|d| d.pending))
}

/// Drops the user's code for `purpose`, and the value it was waiting to apply.
pub fn discard(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    purpose: &str,
) -> Result<()> {
    code::delete(conn, pool_id, username_key, purpose)?;
    Ok(())
}

/// What checking a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The right code, now used up: the attribute it was sent to and the value it
    /// applies, if any.
    Valid {
        attribute: Option<String>,
        pending: Option<String>,
    },
    /// A wrong code (counted).
    Mismatch,
    /// No code was issued, or it expired.
    Expired,
    /// The code took too many wrong guesses; a new one must be requested.
    TooManyAttempts,
}

impl Checked {
    /// The error a failed check answers; a wrong code's count must be committed first,
    /// so callers return the `Checked` from their write and turn it into this after.
    pub fn into_result(self) -> Result<(Option<String>, Option<String>)> {
        match self {
            Checked::Valid { attribute, pending } => Ok((attribute, pending)),
            Checked::Mismatch => Err(code_mismatch()),
            Checked::Expired => Err(fail(
                ErrorCode::ExpiredCodeException,
                "Invalid code provided, please request a code again.",
            )),
            Checked::TooManyAttempts => Err(fail(
                ErrorCode::TooManyFailedAttemptsException,
                "Too many failed attempts for this code, please request a code again.",
            )),
        }
    }
}

/// AWS's answer to a wrong code (and, hiding which users exist, to an unknown user).
pub fn code_mismatch() -> Error {
    fail(
        ErrorCode::CodeMismatchException,
        "Invalid verification code provided, please try again.",
    )
}

/// Checks `given` against the user's live `purpose` code: a right one is deleted (used
/// once), a wrong one counted. Only the count changes on a wrong code.
pub fn check(
    conn: &mut dyn Conn,
    secrets: &SecretBox,
    pool_id: &str,
    username_key: &str,
    purpose: &str,
    given: &str,
) -> Result<Checked> {
    let Some(mut row) = code::get(conn, pool_id, username_key, purpose)? else {
        return Ok(Checked::Expired);
    };
    if row.attempts >= MAX_WRONG_ATTEMPTS {
        return Ok(Checked::TooManyAttempts);
    }
    if row.expires_at <= now() {
        return Ok(Checked::Expired);
    }
    let expected = code_hash(secrets, pool_id, username_key, purpose, given);
    if !constant_time_eq(expected.as_bytes(), row.code_hash.as_bytes()) {
        row.attempts += 1;
        code::put(conn, &row)?;
        return Ok(Checked::Mismatch);
    }
    let doc: CodeDoc = from_doc(&row.doc).unwrap_or_default();
    code::delete(conn, pool_id, username_key, purpose)?;
    Ok(Checked::Valid {
        attribute: doc.attribute,
        pending: doc.pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_service;
    use cognate_api::types::*;

    /// A reset code is stored as the keyed hash bound to its pool, user and purpose: not
    /// the plain SHA-256 of six digits that anyone with the database could reverse.
    #[tokio::test]
    async fn codes_are_stored_as_keyed_hashes_bound_to_pool_user_and_purpose() {
        let (service, _dir) = test_service();
        let pool_id = crate::service::test_pool(&service).await;
        crate::service::test_verified_alice(&service, &pool_id).await;
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

    fn alice(requested_by_user: bool) -> Issue<'static> {
        Issue {
            pool_id: "p",
            username_key: "alice",
            purpose: SIGN_UP,
            attribute: Some("email"),
            pending: None,
            requested_by_user,
        }
    }

    async fn issue_one(service: &crate::service::Service, by_user: bool) -> Result<String> {
        let secrets = service.secrets().clone();
        service
            .store()
            .write(move |c| issue_code(c, &secrets, &alice(by_user)))
            .await
    }

    async fn check_one(service: &crate::service::Service, given: &str) -> Checked {
        let (secrets, given) = (service.secrets().clone(), given.to_string());
        service
            .store()
            .write(move |c| check(c, &secrets, "p", "alice", SIGN_UP, &given))
            .await
            .expect("check")
    }

    /// A right code is used once; a code past its lifetime is expired, whatever it is.
    #[tokio::test]
    async fn codes_are_single_use_and_expire() {
        let (service, _dir) = test_service();
        let code = issue_one(&service, true).await.expect("issue");
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        let row = service
            .store()
            .read(|c| code::get(c, "p", "alice", SIGN_UP))
            .await
            .expect("read")
            .expect("stored");
        assert!(
            (row.expires_at - row.created_at - 86_400.0).abs() < 1.0,
            "24 hours"
        );
        assert_eq!(
            check_one(&service, &code).await,
            Checked::Valid {
                attribute: Some("email".into()),
                pending: None
            }
        );
        assert_eq!(
            check_one(&service, &code).await,
            Checked::Expired,
            "used once"
        );
        // The same code, its lifetime over.
        let code = issue_one(&service, true).await.expect("issue");
        service
            .store()
            .write(|c| {
                let mut row = code::get(c, "p", "alice", SIGN_UP)?.expect("stored");
                row.expires_at = now() - 1.0;
                code::put(c, &row)
            })
            .await
            .expect("age the code");
        assert_eq!(check_one(&service, &code).await, Checked::Expired);
        assert_eq!(lifetime_seconds(FORGOT_PASSWORD), 3600.0);
        assert_eq!(lifetime_seconds(&verify("email")), 86_400.0);
    }

    /// Wrong guesses are counted; after MAX_WRONG_ATTEMPTS even the right code is
    /// refused until a new one is issued.
    #[tokio::test]
    async fn too_many_wrong_codes_kill_the_code() {
        let (service, _dir) = test_service();
        let code = issue_one(&service, true).await.expect("issue");
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for _ in 0..MAX_WRONG_ATTEMPTS {
            assert_eq!(check_one(&service, wrong).await, Checked::Mismatch);
        }
        assert_eq!(check_one(&service, &code).await, Checked::TooManyAttempts);
        let code = issue_one(&service, true).await.expect("a new code");
        assert!(matches!(
            check_one(&service, &code).await,
            Checked::Valid { .. }
        ));
    }

    /// Users may request MAX_REQUESTS codes of a purpose per window; administrators'
    /// codes are not counted.
    #[tokio::test]
    async fn code_requests_are_limited_per_window() {
        let (service, _dir) = test_service();
        for _ in 0..MAX_REQUESTS {
            issue_one(&service, true).await.expect("within the limit");
        }
        let e = issue_one(&service, true).await.expect_err("over the limit");
        assert_eq!(e.0.code, ErrorCode::LimitExceededException);
        issue_one(&service, false).await.expect("an admin's code");
        // A window later the user may ask again.
        service
            .store()
            .write(|c| {
                let mut row = code::get(c, "p", "alice", SIGN_UP)?.expect("stored");
                let mut doc: serde_json::Value = serde_json::from_str(&row.doc).expect("JSON");
                doc["window_start"] = serde_json::json!(now() - REQUEST_WINDOW_SECONDS - 1.0);
                row.doc = doc.to_string();
                code::put(c, &row)
            })
            .await
            .expect("age the window");
        issue_one(&service, true).await.expect("a new window");
    }
}
