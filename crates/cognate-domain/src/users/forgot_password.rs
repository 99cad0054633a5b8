//! ForgotPassword and ConfirmForgotPassword: a user who cannot sign in gets a code at a
//! verified contact, in the order of the pool's AccountRecoverySetting, and sets a new
//! permanent password with it. AdminResetUserPassword issues the same code.

use super::confirmation::code_error;
use super::public_client::{delivery_details, unknown_user, PublicClient};
use super::*;
use crate::crypto::srp;
use crate::effects::Effects;
use crate::error::{fail, invalid, required, Result};
use crate::messages::codes::{self, Checked, Issue};
use crate::messages::templates::{verification_message, Recipient};
use crate::messages::{Channel, Message};
use crate::operations::operation;
use crate::pools::password_policy;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users::attributes as attrs;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

operation!(ConfirmForgotPassword => Service::confirm_forgot_password);
operation!(ForgotPassword => Service::forgot_password, with_context);

/// The recovery mechanisms of a pool in their priority: its AccountRecoverySetting, or
/// without one a verified email, then a verified phone number.
fn recovery_mechanisms(pool: &PoolView) -> Vec<RecoveryOptionNameType> {
    pool.pool
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
        })
}

/// Where a reset code goes: the first recovery mechanism the user has verified
/// (`admin_only` is none). Returns the attribute, channel and destination.
pub(crate) fn recovery_target(
    pool: &PoolView,
    doc: &UserDoc,
) -> Option<(&'static str, Channel, String)> {
    recovery_mechanisms(pool).iter().find_map(|m| {
        let (attr, channel) = match m {
            m if *m == RecoveryOptionNameType::VERIFIED_EMAIL => ("email", Channel::Email),
            m if *m == RecoveryOptionNameType::VERIFIED_PHONE_NUMBER => {
                ("phone_number", Channel::Sms)
            }
            _ => return None,
        };
        let dest = attrs::get(&doc.attributes, attr).filter(|d| !d.is_empty())?;
        attrs::is_verified(&doc.attributes, attr).then(|| (attr, channel, dest.to_string()))
    })
}

/// The channel simulated deliveries of a pool's reset codes show.
fn recovery_channel(pool: &PoolView) -> Channel {
    match recovery_mechanisms(pool).first() {
        Some(m) if *m == RecoveryOptionNameType::VERIFIED_PHONE_NUMBER => Channel::Sms,
        _ => Channel::Email,
    }
}

/// AWS's answer when a user has no verified contact to receive a reset code.
pub(crate) fn no_recovery_contact() -> crate::error::Error {
    invalid("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

/// Issues a reset code to the user's recovery contact and composes its message.
pub(crate) fn send_reset_code(
    c: &mut dyn Conn,
    secrets: &crate::SecretBox,
    pool: &PoolView,
    (row, doc): (&UserRow, &UserDoc),
    requested_by_user: bool,
) -> Result<Option<(CodeDeliveryDetailsType, Message)>> {
    let Some((attribute, channel, destination)) = recovery_target(pool, doc) else {
        return Ok(None);
    };
    let code = codes::issue_code(
        c,
        secrets,
        &Issue {
            pool_id: &pool.id,
            username_key: &row.username_key,
            purpose: codes::FORGOT_PASSWORD,
            attribute: Some(attribute),
            pending: None,
            requested_by_user,
        },
    )?;
    let template = pool
        .pool
        .verification_message_template
        .clone()
        .unwrap_or_default();
    let message = verification_message(
        &template,
        Recipient {
            pool_id: &pool.id,
            username: &row.username,
            channel,
            destination: &destination,
        },
        "FORGOT_PASSWORD",
        &code,
        None,
    );
    Ok(Some((
        delivery_details(attribute, channel, &destination),
        message,
    )))
}

impl Service {
    /// A user the pool does not know may be migrated by its UserMigration function
    /// (`UserMigration_ForgotPassword`): created RESET_REQUIRED, the reset code
    /// follows. Where the client hides which users exist, a failed migration is as no
    /// user.
    async fn migrate_forgotten(
        &self,
        client: &PublicClient,
        given: &str,
        input: &ForgotPasswordRequest,
    ) -> Result<()> {
        let (cache, pool_id, name) = (
            self.pool_cache(),
            client.client.pool_id.clone(),
            given.to_string(),
        );
        let (pool, known) = self
            .store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let known = find(c, &pool, &name)?.is_some();
                Ok::<_, crate::error::Error>((pool, known))
            })
            .await?;
        if known || !crate::triggers::Trigger::UserMigration.configured(&pool.pool) {
            return Ok(());
        }
        client.check_secret_hash(given, None, input.secret_hash.as_deref())?;
        let client_id = client.client.client.client_id.clone().unwrap_or_default();
        match self
            .migrate_user(
                &pool,
                &client_id,
                given,
                None,
                input.client_metadata.as_ref(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(_) if client.hides_users => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn forgot_password(
        &self,
        ctx: &cognate_api::RequestContext,
        input: ForgotPasswordRequest,
    ) -> Result<ForgotPasswordResponse> {
        let ip = ctx.source_ip.clone();
        let client_id = required(&input.client_id, "clientId")?;
        let given = required(&input.username, "username")?.clone();
        let client = self.public_client(client_id).await?;
        self.migrate_forgotten(&client, &given, &input).await?;
        let (cache, secrets) = (self.pool_cache(), self.secrets().clone());
        let service = self.clone();
        let client_metadata = input.client_metadata.clone();
        let (details, effects) = self
            .store()
            .write(move |c| {
                let hash = Some(input.secret_hash.as_deref());
                let (pool, found) = client.find_user(c, &cache, &given, hash)?;
                // Hiding which users exist, an unknown or disabled user, or one
                // without a verified contact, gets a plausible answer and no code.
                let simulated = |pool: &PoolView| {
                    Ok((
                        service.simulated_delivery(pool, &given, recovery_channel(pool)),
                        Effects::default(),
                    ))
                };
                let Some((row, doc)) = found else {
                    return if client.hides_users {
                        simulated(&pool)
                    } else {
                        Err(unknown_user())
                    };
                };
                if !row.enabled {
                    return if client.hides_users {
                        simulated(&pool)
                    } else {
                        Err(fail(ErrorCode::NotAuthorizedException, "User is disabled."))
                    };
                }
                if row.status == UserStatusType::FORCE_CHANGE_PASSWORD {
                    return Err(fail(
                        ErrorCode::NotAuthorizedException,
                        "User password cannot be reset in the current state.",
                    ));
                }
                crate::users::record_event_in(
                    c,
                    &pool,
                    &row.sub,
                    ip.clone(),
                    EventType::FORGOTPASSWORD,
                )?;
                match send_reset_code(c, &secrets, &pool, (&row, &doc), true)? {
                    Some((details, message)) => Ok((details, Effects::of(message))),
                    None if client.hides_users => simulated(&pool),
                    None => Err(no_recovery_contact()),
                }
            })
            .await?;
        self.after_commit(effects.for_client(Some(client_id.as_str()), client_metadata.as_ref()))
            .await?;
        Ok(ForgotPasswordResponse {
            code_delivery_details: Some(details),
        })
    }

    pub(crate) async fn confirm_forgot_password(
        &self,
        input: ConfirmForgotPasswordRequest,
    ) -> Result<ConfirmForgotPasswordResponse> {
        let client_id = required(&input.client_id, "clientId")?.clone();
        let client_id = client_id.as_str();
        let client_metadata = input.client_metadata.clone();
        let given = required(&input.username, "username")?.clone();
        let code = required(&input.confirmation_code, "confirmationCode")?.clone();
        let password = required(&input.password, "password")?.clone();
        let client = self.public_client(client_id).await?;
        // The verifier is computed outside the write, for the user's username as read
        // first; the write recomputes it only if the user changed in between.
        let cache = self.pool_cache();
        let (pool_id, name) = (client.client.pool_id.clone(), given.clone());
        let username = self
            .store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                Ok::<_, crate::error::Error>(find(c, &pool, &name)?.map(|(row, _)| row.username))
            })
            .await?;
        let trigger_pool = client.client.pool_id.clone();
        let precomputed =
            username.map(|u| (srp::verifier(&client.client.pool_id, &u, &password), u));
        let (cache, secrets) = (self.pool_cache(), self.secrets().clone());
        let checked = self
            .store()
            .write(move |c| {
                let hash = Some(input.secret_hash.as_deref());
                let (pool, found) = client.find_user(c, &cache, &given, hash)?;
                let Some((mut row, mut doc)) = found else {
                    return Err(client.refuse_code(unknown_user()));
                };
                if !row.enabled {
                    return Err(client.refuse_code(fail(
                        ErrorCode::NotAuthorizedException,
                        "User is disabled.",
                    )));
                }
                password_policy::check(&pool.password_policy(), &password)?;
                let checked = codes::check(
                    c,
                    &secrets,
                    &pool.id,
                    &row.username_key,
                    codes::FORGOT_PASSWORD,
                    &code,
                )?;
                if !matches!(checked, Checked::Valid { .. }) {
                    return Ok(Err(checked));
                }
                let verifier = match &precomputed {
                    Some((v, u)) if *u == row.username => v.clone(),
                    _ => srp::verifier(&pool.id, &row.username, &password),
                };
                set_permanent_password(&mut row, &mut doc, verifier);
                let username = row.username.clone();
                let post = crate::triggers::has_post_confirmation(&pool.pool);
                save(c, &pool, row, &doc)?;
                Ok(Ok((username, post)))
            })
            .await?;
        let (username, post) = checked.map_err(code_error)?;
        if post {
            self.post_confirmation(crate::triggers::PostConfirmation {
                pool_id: &trigger_pool,
                username: &username,
                source: "PostConfirmation_ConfirmForgotPassword",
                client_id: Some(client_id),
                client_metadata: client_metadata.as_ref(),
            })
            .await?;
        }
        Ok(ConfirmForgotPasswordResponse {})
    }
}
