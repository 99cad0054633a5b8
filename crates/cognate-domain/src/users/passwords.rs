//! Setting a user's password: permanent (CONFIRMED) or temporary
//! (FORCE_CHANGE_PASSWORD, expiring); AdminSetUserPassword and AdminResetUserPassword.

use super::*;
use crate::clock::now;
use crate::crypto::srp::{self, Verifier};
use crate::effects::Effects;
use crate::error::{fail, invalid, required, Result};
use crate::messages::codes;
use crate::messages::templates::{Recipient, Template};
use crate::messages::Channel;
use crate::operations::operation;
use crate::pools::cache::PoolCache;
use crate::pools::password_policy;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users::attributes as attrs;
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
    let days = pool
        .password_policy()
        .temporary_password_validity_days
        .unwrap_or(7);
    let t = now();
    StoredPassword {
        verifier: srp::verifier(&pool.id, username_for_srp, password),
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
    let pool = PoolView::load(c, cache, pool_id)?;
    let (mut row, mut doc) = require(c, &pool, username)?;
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
        let effects = self.with_user(pool_id, username, true, move |c, pool, mut row, doc| {
            if !row.enabled {
                return Err(fail(ErrorCode::NotAuthorizedException, "User is disabled."));
            }
            // The code goes to a verified email, else a verified phone, in the order
            // of the pool's recovery setting.
            let mechanisms: Vec<RecoveryOptionNameType> = pool
                .pool
                .account_recovery_setting
                .as_ref()
                .and_then(|s| s.recovery_mechanisms.clone())
                .map(|mut m| {
                    m.sort_by_key(|o| o.priority.unwrap_or(0));
                    m.into_iter().filter_map(|o| o.name).collect()
                })
                .unwrap_or_else(|| {
                    vec![
                        RecoveryOptionNameType::VERIFIED_EMAIL,
                        RecoveryOptionNameType::VERIFIED_PHONE_NUMBER,
                    ]
                });
            let target = mechanisms.iter().find_map(|m| {
                let (attr, channel) = match m {
                    m if *m == RecoveryOptionNameType::VERIFIED_EMAIL => ("email", Channel::Email),
                    m if *m == RecoveryOptionNameType::VERIFIED_PHONE_NUMBER => {
                        ("phone_number", Channel::Sms)
                    }
                    _ => return None,
                };
                let dest = attrs::get(&doc.attributes, attr)?;
                attrs::is_verified(&doc.attributes, attr).then(|| (dest.to_string(), channel))
            });
            let Some((destination, channel)) = target else {
                return Err(invalid(
                    "Cannot reset password for the user as there is no registered/verified email or phone_number",
                ));
            };
            let code = codes::issue(c, &secrets, &pool.id, &row.username_key, "forgot_password")?;
            let template = pool.pool.verification_message_template.clone().unwrap_or_default();
            let message = Template {
                email_subject: template.email_subject.as_deref(),
                email_message: template.email_message.as_deref(),
                sms_message: template.sms_message.as_deref(),
                default_subject: "Your verification code",
                default_body: "Your password reset code is {####}. ",
            }
            .message(
                Recipient {
                    pool_id: &pool.id,
                    username: &row.username,
                    channel,
                    destination: &destination,
                },
                "FORGOT_PASSWORD",
                &code,
            );
            row.status = UserStatusType::RESET_REQUIRED.into();
            save(c, pool, row, &doc)?;
            Ok(Effects {
                messages: vec![message],
            })
        })
        .await?;
        self.after_commit(effects).await;
        Ok(AdminResetUserPasswordResponse {})
    }
}
