//! The lockout after repeated failed sign-ins.
//!
//! A password check is reserved before it is made, in a write that also checks the
//! lock: the reservation counts as a failure at once, so that parallel attempts (on any
//! node) see it, and a correct password takes it back. No more checks than the lockout
//! allows can therefore run, however many arrive together.

use super::*;
use crate::clock::now;
use crate::error::{Error, Result};
use crate::service::Service;
use cognate_store::records::auth::{self as records, Failures};
use cognate_store::Conn;

/// Failed sign-ins allowed before the first lockout.
pub(super) const LOCKOUT_AFTER: i64 = 5;
/// The longest lockout, and the quiet period after which failures are forgotten (and
/// purged by the store).
pub(super) const LOCKOUT_MAX_SECONDS: f64 = records::FAILURES_FORGOTTEN_AFTER;
/// How long a check that reached the threshold holds the lock until its outcome is
/// recorded: only a node that stopped mid-check leaves it to expire.
const CHECK_HOLD_SECONDS: f64 = 60.0;

pub(super) fn attempts_exceeded() -> Error {
    not_authorized("Password attempts exceeded")
}

/// The lockout after the `count`th failure: 2^(count-5) seconds, at most 15 minutes.
fn lockout_seconds(count: i64) -> f64 {
    let exponent = (count - LOCKOUT_AFTER).clamp(0, 20) as i32;
    2f64.powi(exponent).min(LOCKOUT_MAX_SECONDS)
}

/// A reserved password check: whose, and its number in the count of failures.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pool_id: String,
    username_key: String,
    number: i64,
}

/// Reserves a password check for `username_key` (a user's key, or the folded name an
/// unknown user was called by): None while locked out; otherwise counted as a
/// failure until its outcome says otherwise. From the fifth on, the count locks the
/// user out until this check's outcome is known.
pub(crate) fn reserve_attempt(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<Option<Attempt>> {
    let t = now();
    let mut f = records::failures(conn, pool_id, username_key)?.unwrap_or_default();
    if f.locked_until > t {
        // Attempts during a lockout do not lengthen it.
        return Ok(None);
    }
    if f.last_at > 0.0 && t - f.last_at.max(f.locked_until) > LOCKOUT_MAX_SECONDS {
        f.count = 0;
    }
    f.count += 1;
    f.last_at = t;
    f.locked_until = if f.count >= LOCKOUT_AFTER {
        t + lockout_seconds(f.count).max(CHECK_HOLD_SECONDS)
    } else {
        0.0
    };
    records::set_failures(conn, pool_id, username_key, &f)?;
    Ok(Some(Attempt {
        pool_id: pool_id.to_string(),
        username_key: username_key.to_string(),
        number: f.count,
    }))
}

/// Records that a reserved check failed: it stays counted, and if no later check was
/// reserved the lockout it started runs from now (2^(n-5) seconds from the fifth
/// failure, at most 15 minutes); failures are forgotten after 15 quiet minutes.
pub(super) fn record_failure(conn: &mut dyn Conn, attempt: &Attempt) -> Result<()> {
    let t = now();
    let (pool_id, key) = (&attempt.pool_id, &attempt.username_key);
    let mut f: Failures = records::failures(conn, pool_id, key)?.unwrap_or_default();
    let latest = f.count <= attempt.number;
    if f.count < attempt.number {
        // A correct password cleared the count while this check ran: count it again.
        f.count += 1;
    }
    f.last_at = t;
    if latest {
        f.locked_until = if f.count >= LOCKOUT_AFTER {
            t + lockout_seconds(f.count)
        } else {
            0.0
        };
    }
    records::set_failures(conn, pool_id, key, &f)?;
    Ok(())
}

/// A correct password: the count starts again.
pub(crate) fn clear_attempts(conn: &mut dyn Conn, attempt: &Attempt) -> Result<()> {
    records::clear_failures(conn, &attempt.pool_id, &attempt.username_key)?;
    Ok(())
}

impl Service {
    /// Reserves a password check (see [`reserve_attempt`]), consuming a challenge's
    /// answer (`consumed`: its hash and expiry) in the same write.
    pub(super) async fn reserve_sign_in(
        &self,
        pool_id: &str,
        username_key: &str,
        consumed: Option<(String, f64)>,
    ) -> Result<Attempt> {
        let (pool_id, key) = (pool_id.to_string(), username_key.to_string());
        self.store()
            .write(move |c| {
                if let Some((hash, expires)) = &consumed {
                    if !records::consume_session(c, hash, &pool_id, *expires)? {
                        return Err(not_authorized(
                            "Invalid session for the user, session can only be used once.",
                        ));
                    }
                }
                reserve_attempt(c, &pool_id, &key)?.ok_or_else(attempts_exceeded)
            })
            .await
    }

    /// A reserved check failed: records it and answers the wrong-password error.
    pub(crate) async fn fail_attempt(&self, attempt: Attempt) -> Error {
        let recorded = self
            .store()
            .write(move |c| record_failure(c, &attempt))
            .await;
        match recorded {
            Ok(()) => incorrect(),
            Err(e) => e,
        }
    }

    /// A reserved check passed but the sign-in goes no further here (a challenge or a
    /// refusal follows): the count starts again.
    pub(crate) async fn pass_attempt(&self, attempt: Attempt) -> Result<()> {
        self.store()
            .write(move |c| clear_attempts(c, &attempt))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_store::Store;

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(dir.path()).expect("store");
        (store, dir)
    }

    async fn reserve(store: &Store) -> Result<Attempt> {
        store
            .write(|c| reserve_attempt(c, "p", "alice"))
            .await?
            .ok_or_else(attempts_exceeded)
    }

    #[tokio::test]
    async fn reservations_lock_before_their_outcomes_are_known() {
        let (store, _dir) = store().await;
        let mut held = Vec::new();
        for _ in 0..LOCKOUT_AFTER {
            held.push(reserve(&store).await.expect("a check allowed"));
        }
        // Five checks in flight: a sixth is refused however long they take.
        let sixth = reserve(&store).await.expect_err("locked");
        assert_eq!(sixth.0.message, "Password attempts exceeded");
        // The first four fail: the fifth still holds the lock.
        for a in held.drain(..4) {
            store
                .write(move |c| record_failure(c, &a))
                .await
                .expect("fail");
        }
        assert!(reserve(&store).await.is_err());
        // The fifth fails: locked for a second from now.
        let fifth = held.pop().expect("fifth");
        store
            .write(move |c| record_failure(c, &fifth))
            .await
            .expect("fail");
        let f = store
            .read(|c| records::failures(c, "p", "alice"))
            .await
            .expect("read")
            .expect("counted");
        assert_eq!(f.count, 5);
        assert!(f.locked_until > now() && f.locked_until <= now() + 1.0);
    }

    #[tokio::test]
    async fn forgotten_failures_are_purged() {
        let (store, _dir) = store().await;
        let t = now();
        let old = Failures {
            count: 3,
            locked_until: 0.0,
            last_at: t - LOCKOUT_MAX_SECONDS - 1.0,
        };
        let recent = Failures { last_at: t, ..old };
        let locked = Failures {
            count: 12,
            locked_until: t + 60.0,
            last_at: t - LOCKOUT_MAX_SECONDS - 1.0,
        };
        let left = store
            .write(move |c| {
                records::set_failures(c, "p", "nobody", &old)?;
                records::set_failures(c, "p", "alice", &recent)?;
                records::set_failures(c, "p", "bob", &locked)?;
                records::purge_expired(c, t)?;
                Ok::<_, crate::error::Error>(
                    ["nobody", "alice", "bob"]
                        .map(|k| records::failures(c, "p", k).map(|f| f.is_some())),
                )
            })
            .await
            .expect("purge");
        let left: Vec<bool> = left.into_iter().map(|f| f.expect("read")).collect();
        assert_eq!(left, [false, true, true]);
    }

    #[tokio::test]
    async fn a_correct_password_takes_its_reservation_back() {
        let (store, _dir) = store().await;
        for _ in 0..LOCKOUT_AFTER - 1 {
            let a = reserve(&store).await.expect("allowed");
            store
                .write(move |c| record_failure(c, &a))
                .await
                .expect("fail");
        }
        let right = reserve(&store).await.expect("allowed");
        store
            .write(move |c| clear_attempts(c, &right))
            .await
            .expect("pass");
        for _ in 0..LOCKOUT_AFTER - 1 {
            reserve(&store).await.expect("the count started again");
        }
    }
}
