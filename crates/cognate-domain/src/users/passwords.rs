//! Setting a user's password: permanent (CONFIRMED) or temporary
//! (FORCE_CHANGE_PASSWORD, expiring); AdminSetUserPassword and AdminResetUserPassword
//! (whose code is ForgotPassword's, see `forgot_password`).

use super::*;
use crate::clock::now;
use crate::crypto::srp::{self, Verifier};
use crate::effects::Effects;
use crate::error::{fail, required, Result};
use crate::operations::operation;
use crate::pools::cache::PoolCache;
use crate::pools::password_policy;
use crate::pools::PoolView;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

operation!(AdminResetUserPassword => Service::admin_reset_user_password);
operation!(AdminSetUserPassword => Service::admin_set_user_password);

/// Makes `verifier` the user's permanent password: the user is CONFIRMED.
pub(crate) fn set_permanent_password(row: &mut UserRow, doc: &mut UserDoc, verifier: Verifier) {
    doc.password = Some(StoredPassword {
        verifier,
        temporary: false,
        set_at: now(),
        expires_at: None,
    });
    row.status = UserStatusType::CONFIRMED.into();
}

pub(super) fn temporary_password(
    pool: &PoolView,
    username_for_srp: &str,
    password: &str,
) -> StoredPassword {
    temporary_password_of(pool, srp::verifier(&pool.id, username_for_srp, password))
}

/// A temporary password of the pool's validity, kept as `verifier`.
pub(super) fn temporary_password_of(pool: &PoolView, verifier: Verifier) -> StoredPassword {
    let days = pool
        .password_policy()
        .temporary_password_validity_days
        .unwrap_or(7);
    let t = now();
    StoredPassword {
        verifier,
        temporary: true,
        set_at: t,
        expires_at: Some(t + f64::from(days) * 86400.0),
    }
}

/// AdminSetUserPassword's work inside a transaction. `precomputed` is a verifier made
/// beforehand for `username` as given: the modular exponentiation then stays off the
/// store's writer; it is used when that is the user's username.
pub(crate) fn set_password(
    c: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
    username: &str,
    password: &str,
    permanent: bool,
    precomputed: Option<&Verifier>,
) -> Result<()> {
    let (pool, mut row, mut doc) = require_with_pool(c, cache, pool_id, username)?;
    password_policy::check(&pool.password_policy(), password)?;
    if permanent {
        let verifier = match precomputed {
            Some(v) if row.username == username => v.clone(),
            _ => srp::verifier(&pool.id, &row.username, password),
        };
        set_permanent_password(&mut row, &mut doc, verifier);
    } else {
        doc.password = Some(temporary_password(&pool, &row.username, password));
        row.status = UserStatusType::FORCE_CHANGE_PASSWORD.into();
    }
    save(c, &pool, row, &doc)?;
    Ok(())
}

impl Service {
    pub(crate) async fn admin_set_user_password(
        &self,
        input: AdminSetUserPasswordRequest,
    ) -> Result<AdminSetUserPasswordResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let password = required(&input.password, "password")?.clone();
        let permanent = input.permanent.unwrap_or(false);
        let cache = self.pool_cache();
        let precomputed = permanent.then(|| srp::verifier(&pool_id, &username, &password));
        self.store()
            .write(move |c| {
                set_password(
                    c,
                    &cache,
                    &pool_id,
                    &username,
                    &password,
                    permanent,
                    precomputed.as_ref(),
                )
            })
            .await?;
        Ok(AdminSetUserPasswordResponse {})
    }

    pub(crate) async fn admin_reset_user_password(
        &self,
        input: AdminResetUserPasswordRequest,
    ) -> Result<AdminResetUserPasswordResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let secrets = self.secrets().clone();
        let client_metadata = input.client_metadata.clone();
        let effects = self
            .with_user(pool_id, username, true, move |c, pool, mut row, doc| {
                if !row.enabled {
                    return Err(fail(ErrorCode::NotAuthorizedException, "User is disabled."));
                }
                // The code goes to the first verified contact of the pool's recovery
                // setting, as ForgotPassword's does.
                let Some((_, message)) = send_reset_code(c, &secrets, pool, (&row, &doc), false)?
                else {
                    return Err(no_recovery_contact());
                };
                row.status = UserStatusType::RESET_REQUIRED.into();
                save(c, pool, row, &doc)?;
                Ok(Effects::of(message))
            })
            .await?;
        self.after_commit(effects.for_client(None, client_metadata.as_ref()))
            .await?;
        Ok(AdminResetUserPasswordResponse {})
    }
}
