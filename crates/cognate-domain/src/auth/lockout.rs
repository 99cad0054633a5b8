//! The lockout after repeated failed sign-ins.

use super::*;
use crate::clock::now;
use crate::error::{Error, Result};
use crate::service::Service;
use cognate_store::records::auth::{self as records, Failures};
use cognate_store::Conn;

/// Failed sign-ins allowed before the first lockout.
pub(super) const LOCKOUT_AFTER: i64 = 5;
/// The longest lockout, and the quiet period after which failures are forgotten.
pub(super) const LOCKOUT_MAX_SECONDS: f64 = 900.0;

pub(super) fn locked(failures: Option<&Failures>, t: f64) -> bool {
    failures.is_some_and(|f| f.locked_until > t)
}

/// Counts a failed sign-in: from the fifth on, the user is locked out for 2^(n-5)
/// seconds, at most 15 minutes; failures are forgotten after 15 quiet minutes.
pub(super) fn record_failure(conn: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<()> {
    let t = now();
    let mut f = records::failures(conn, pool_id, username_key)?.unwrap_or_default();
    if f.locked_until > t {
        // Attempts during a lockout do not lengthen it.
        return Ok(());
    }
    if f.last_at > 0.0 && t - f.last_at.max(f.locked_until) > LOCKOUT_MAX_SECONDS {
        f.count = 0;
    }
    f.count += 1;
    f.last_at = t;
    f.locked_until = if f.count >= LOCKOUT_AFTER {
        let exponent = (f.count - LOCKOUT_AFTER).min(20) as i32;
        t + 2f64.powi(exponent).min(LOCKOUT_MAX_SECONDS)
    } else {
        0.0
    };
    records::set_failures(conn, pool_id, username_key, &f)?;
    Ok(())
}

impl Service {
    pub(super) async fn fail_sign_in(
        &self,
        pool_id: &str,
        username_key: &str,
        consumed: Option<(String, f64)>,
    ) -> Error {
        let (pool_id, key) = (pool_id.to_string(), username_key.to_string());
        let recorded = self
            .store()
            .write(move |c| {
                if let Some((hash, expires)) = &consumed {
                    records::consume_session(c, hash, &pool_id, *expires)?;
                }
                record_failure(c, &pool_id, &key)
            })
            .await;
        match recorded {
            Ok(()) => incorrect(),
            Err(e) => e,
        }
    }
}
