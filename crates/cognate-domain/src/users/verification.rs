//! Verifying an email address or phone number with a code: GetUserAttributeVerificationCode
//! sends one, VerifyUserAttribute checks it; a changed email or phone number gets one
//! too (`attribute_writes`). Where the pool's AttributesRequireVerificationBeforeUpdate
//! names the attribute, a change waits beside its code (the old value stays, and stays
//! a sign-in name) until VerifyUserAttribute applies it.

use super::confirmation::code_error;
use super::public_client::delivery_details;
use super::*;
use crate::crypto::secret_box::SecretBox;
use crate::effects::Effects;
use crate::error::{invalid, required, Result};
use crate::messages::codes::{self, Checked, Issue};
use crate::messages::templates::{verification_message, Recipient};
use crate::messages::{Channel, Message};
use crate::operations::operation;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users::attributes as attrs;
use cognate_api::types::*;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

operation!(GetUserAttributeVerificationCode => Service::get_user_attribute_verification_code);
operation!(VerifyUserAttribute => Service::verify_user_attribute);

/// The channel of a verifiable attribute; other attributes cannot be verified.
fn verifiable(name: &str) -> Result<Channel> {
    match name {
        "email" => Ok(Channel::Email),
        "phone_number" => Ok(Channel::Sms),
        _ => Err(invalid(format!(
            "Invalid attribute name: {name} cannot be verified; only email and phone_number can."
        ))),
    }
}

/// A verification code for attribute `name`, sent to `destination`.
pub(crate) struct VerificationCode<'a> {
    pub name: &'a str,
    pub destination: &'a str,
    /// The new value the code's verification applies (verification before update).
    pub pending: Option<&'a str>,
    /// UPDATE_USER_ATTRIBUTE or VERIFY_USER_ATTRIBUTE.
    pub kind: &'a str,
    pub requested_by_user: bool,
}

/// Issues a verification code and composes its message.
pub(crate) fn send_verification_code(
    c: &mut dyn Conn,
    secrets: &SecretBox,
    pool: &PoolView,
    row: &UserRow,
    what: VerificationCode<'_>,
) -> Result<(CodeDeliveryDetailsType, Message)> {
    let channel = verifiable(what.name)?;
    let code = codes::issue_code(
        c,
        secrets,
        &Issue {
            pool_id: &pool.id,
            username_key: &row.username_key,
            purpose: &codes::verify(what.name),
            attribute: Some(what.name),
            pending: what.pending,
            requested_by_user: what.requested_by_user,
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
            destination: what.destination,
        },
        what.kind,
        &code,
        None,
    );
    Ok((
        delivery_details(what.name, channel, what.destination),
        message,
    ))
}

/// Whether the pool applies a change of `name` only once its new value is verified.
pub(crate) fn verified_before_update(pool: &PoolView, name: &str) -> bool {
    pool.pool
        .user_attribute_update_settings
        .as_ref()
        .and_then(|s| s.attributes_require_verification_before_update.as_ref())
        .is_some_and(|names| names.iter().any(|n| n.as_str() == name))
}

impl Service {
    pub(crate) async fn get_user_attribute_verification_code(
        &self,
        input: GetUserAttributeVerificationCodeRequest,
    ) -> Result<GetUserAttributeVerificationCodeResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let name = required(&input.attribute_name, "attributeName")?.clone();
        verifiable(&name)?;
        let secrets = self.secrets().clone();
        let client_metadata = input.client_metadata.clone();
        let (details, effects) = self
            .with_access_token(token, true, move |c, pool, row, doc, _| {
                // A value waiting for verification is the one to verify.
                let pending =
                    codes::pending(c, &pool.id, &row.username_key, &codes::verify(&name))?;
                let destination = match &pending {
                    Some(v) => v.clone(),
                    None => attrs::get(&doc.attributes, &name)
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| {
                            invalid(format!(
                                "User does not have a value for the attribute: {name}"
                            ))
                        })?
                        .to_string(),
                };
                let (details, message) = send_verification_code(
                    c,
                    &secrets,
                    pool,
                    &row,
                    VerificationCode {
                        name: &name,
                        destination: &destination,
                        pending: pending.as_deref(),
                        kind: "VERIFY_USER_ATTRIBUTE",
                        requested_by_user: true,
                    },
                )?;
                Ok((details, Effects::of(message)))
            })
            .await?;
        self.after_commit(effects.for_client(None, client_metadata.as_ref()))
            .await?;
        Ok(GetUserAttributeVerificationCodeResponse {
            code_delivery_details: Some(details),
        })
    }

    pub(crate) async fn verify_user_attribute(
        &self,
        input: VerifyUserAttributeRequest,
    ) -> Result<VerifyUserAttributeResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let name = required(&input.attribute_name, "attributeName")?.clone();
        let code = required(&input.code, "code")?.clone();
        verifiable(&name)?;
        let secrets = self.secrets().clone();
        let checked = self
            .with_access_token(token, true, move |c, pool, row, mut doc, _| {
                let checked = codes::check(
                    c,
                    &secrets,
                    &pool.id,
                    &row.username_key,
                    &codes::verify(&name),
                    &code,
                )?;
                let Checked::Valid { pending, .. } = checked else {
                    return Ok(Err(checked));
                };
                if let Some(value) = pending {
                    attrs::set(&mut doc.attributes, &name, &value);
                }
                if attrs::get(&doc.attributes, &name).is_some_and(|v| !v.is_empty()) {
                    attrs::set(&mut doc.attributes, &format!("{name}_verified"), "true");
                }
                // A verified value becomes an alias or sign-in name: it must be free.
                check_unique_names(c, pool, &row.username_key, &doc, Change::Update)?;
                save(c, pool, row, &doc)?;
                Ok(Ok(VerifyUserAttributeResponse {}))
            })
            .await?;
        checked.map_err(code_error)
    }
}
