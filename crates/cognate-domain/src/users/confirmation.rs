//! Confirming a sign-up: the code (or link) SignUp sends, sent again by
//! ResendConfirmationCode, and checked by ConfirmSignUp or the link's page
//! (`Service::confirm_by_link`). Confirming verifies the contact the code went to, and
//! with it the alias it is (ForceAliasCreation moves it from another user).

use super::public_client::{
    auto_verified_contact, delivery_details, sign_up_channel, unknown_user,
};
use super::*;
use crate::crypto::secret_box::SecretBox;
use crate::effects::Effects;
use crate::error::{fail, invalid, required, Error, Result};
use crate::messages::codes::{self, Checked, Issue};
use crate::messages::templates::{percent_encode, verification_message, Recipient};
use crate::messages::Message;
use crate::operations::operation;
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users::attributes as attrs;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

operation!(ConfirmSignUp => Service::confirm_sign_up);
operation!(ResendConfirmationCode => Service::resend_confirmation_code);

/// How a sign-up code is sent.
pub(super) struct SignUpCode<'a> {
    pub client_id: &'a str,
    /// The server's public URL, where confirmation links point.
    pub public_url: &'a str,
    /// SIGN_UP or RESEND_CODE.
    pub kind: &'a str,
}

/// Issues a sign-up code to the user's auto-verified contact, and composes its message
/// (with a confirmation link for email when the pool's DefaultEmailOption is
/// CONFIRM_WITH_LINK). None when the pool auto-verifies nothing the user has.
pub(super) fn send_sign_up_code(
    c: &mut dyn Conn,
    secrets: &SecretBox,
    pool: &PoolView,
    (row, doc): (&UserRow, &UserDoc),
    how: SignUpCode<'_>,
) -> Result<Option<(CodeDeliveryDetailsType, Message)>> {
    let Some((attribute, channel, destination)) = auto_verified_contact(pool, doc) else {
        return Ok(None);
    };
    let code = codes::issue_code(
        c,
        secrets,
        &Issue {
            pool_id: &pool.id,
            username_key: &row.username_key,
            purpose: codes::SIGN_UP,
            attribute: Some(attribute),
            pending: None,
            requested_by_user: true,
        },
    )?;
    // AWS's link: <domain>/confirmUser?client_id=..&user_name=..&confirmation_code=..
    let link = format!(
        "{}/confirmUser?client_id={}&user_name={}&confirmation_code={}",
        how.public_url.trim_end_matches('/'),
        percent_encode(how.client_id),
        percent_encode(&row.username),
        code
    );
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
        how.kind,
        &code,
        Some(&link),
    );
    Ok(Some((
        delivery_details(attribute, channel, &destination),
        message,
    )))
}

/// A failed code check's error, once the write that counted it has committed.
pub(super) fn code_error(checked: Checked) -> Error {
    checked
        .into_result()
        .err()
        .unwrap_or_else(codes::code_mismatch)
}

/// ConfirmSignUp's request, from the API or from a confirmation link.
struct Confirmation {
    client_id: String,
    username: String,
    code: String,
    force_alias: bool,
    /// None for a link, which carries no SECRET_HASH (AWS's link works without one).
    secret_hash: Option<Option<String>>,
    /// ClientMetadata, for the PostConfirmation trigger.
    client_metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// Marks the contact the code went to verified; with it an alias, which must be free
/// (AliasExistsException) unless forced, when it moves from its holder.
fn confirm_user(
    c: &mut dyn Conn,
    pool: &PoolView,
    mut row: UserRow,
    mut doc: UserDoc,
    attribute: Option<String>,
    force_alias: bool,
) -> Result<()> {
    if let Some(name) = attribute {
        if attrs::get(&doc.attributes, &name).is_some_and(|v| !v.is_empty()) {
            attrs::set(&mut doc.attributes, &format!("{name}_verified"), "true");
        }
    }
    let change = if force_alias {
        Change::ForcedCreation
    } else {
        Change::Update
    };
    check_unique_names(c, pool, &row.username_key, &doc, change)?;
    row.status = UserStatusType::CONFIRMED.into();
    save(c, pool, row, &doc)?;
    Ok(())
}

impl Service {
    /// Confirms the user; answers the app client, the username, and the one-time-code
    /// factor the confirmation code stands for when the pool allows it first.
    async fn confirm(
        &self,
        request: Confirmation,
    ) -> Result<(AuthClient, String, Option<ChallengeNameType>)> {
        let client = self.public_client(&request.client_id).await?;
        let app = client.client.clone();
        let (client_id, client_metadata) =
            (request.client_id.clone(), request.client_metadata.clone());
        let (cache, secrets) = (self.pool_cache(), self.secrets().clone());
        let checked = self
            .store()
            .write(move |c| {
                let hash = request.secret_hash.as_ref().map(Option::as_deref);
                let (pool, found) = client.find_user(c, &cache, &request.username, hash)?;
                let Some((row, doc)) = found else {
                    return Err(client.refuse_code(unknown_user()));
                };
                if row.status != UserStatusType::UNCONFIRMED {
                    return Err(fail(
                        ErrorCode::NotAuthorizedException,
                        format!("User cannot be confirmed. Current status is {}", row.status),
                    ));
                }
                let checked = codes::check(
                    c,
                    &secrets,
                    &pool.id,
                    &row.username_key,
                    codes::SIGN_UP,
                    &request.code,
                )?;
                let Checked::Valid { attribute, .. } = checked else {
                    return Ok(Err(checked));
                };
                let factor = match attribute.as_deref() {
                    Some("email") => Some(AuthFactorType::EMAIL_OTP),
                    Some("phone_number") => Some(AuthFactorType::SMS_OTP),
                    _ => None,
                }
                .filter(|f| crate::auth::pool_factors(&pool.pool).contains(f))
                .map(|f| ChallengeNameType::from(f.as_str().to_string()));
                let username = row.username.clone();
                let post = crate::triggers::has_post_confirmation(&pool.pool);
                confirm_user(c, &pool, row, doc, attribute, request.force_alias)?;
                Ok(Ok((username, factor, post)))
            })
            .await?;
        let (username, factor, post) = checked.map_err(code_error)?;
        if post {
            self.post_confirmation(crate::triggers::PostConfirmation {
                pool_id: &app.pool_id,
                username: &username,
                source: "PostConfirmation_ConfirmSignUp",
                client_id: Some(&client_id),
                client_metadata: client_metadata.as_ref(),
            })
            .await?;
        }
        Ok((app, username, factor))
    }

    pub(crate) async fn confirm_sign_up(
        &self,
        input: ConfirmSignUpRequest,
    ) -> Result<ConfirmSignUpResponse> {
        let (client, username, factor) = self
            .confirm(Confirmation {
                client_id: required(&input.client_id, "clientId")?.clone(),
                username: required(&input.username, "username")?.clone(),
                code: required(&input.confirmation_code, "confirmationCode")?.clone(),
                force_alias: input.force_alias_creation == Some(true),
                secret_hash: Some(input.secret_hash.clone()),
                client_metadata: input.client_metadata.clone(),
            })
            .await?;
        let session = match factor {
            Some(factor) => self.sign_up_session(&client, &username, factor)?,
            None => None,
        };
        Ok(ConfirmSignUpResponse { session })
    }

    /// What the confirmation link of a CONFIRM_WITH_LINK email does when followed
    /// (`GET /confirmUser`): ConfirmSignUp without a SECRET_HASH, as AWS's link works.
    pub async fn confirm_by_link(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
    ) -> std::result::Result<(), cognate_api::ApiError> {
        if client_id.is_empty() || username.is_empty() || code.is_empty() {
            return Err(invalid("The link is incomplete.").into());
        }
        self.confirm(Confirmation {
            client_id: client_id.to_string(),
            username: username.to_string(),
            code: code.to_string(),
            force_alias: false,
            secret_hash: None,
            client_metadata: None,
        })
        .await
        .map(|_| ())
        .map_err(Into::into)
    }

    pub(crate) async fn resend_confirmation_code(
        &self,
        input: ResendConfirmationCodeRequest,
    ) -> Result<ResendConfirmationCodeResponse> {
        let client_id = required(&input.client_id, "clientId")?.clone();
        let given = required(&input.username, "username")?.clone();
        let client = self.public_client(&client_id).await?;
        let (cache, secrets) = (self.pool_cache(), self.secrets().clone());
        let public_url = self.config().public_url.clone();
        let service = self.clone();
        let (client_metadata, caller) = (input.client_metadata.clone(), client_id.clone());
        let (details, effects) = self
            .store()
            .write(move |c| {
                let hash = Some(input.secret_hash.as_deref());
                let (pool, found) = client.find_user(c, &cache, &given, hash)?;
                let simulated = |pool: &PoolView| {
                    Ok((
                        service.simulated_delivery(pool, &given, sign_up_channel(pool)),
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
                if !row.enabled && client.hides_users {
                    return simulated(&pool);
                }
                if row.status != UserStatusType::UNCONFIRMED {
                    return Err(invalid("User is already confirmed."));
                }
                let sent = send_sign_up_code(
                    c,
                    &secrets,
                    &pool,
                    (&row, &doc),
                    SignUpCode {
                        client_id: &client_id,
                        public_url: &public_url,
                        kind: "RESEND_CODE",
                    },
                )?;
                let Some((details, message)) = sent else {
                    return Err(invalid("Auto verification not turned on."));
                };
                Ok((details, Effects::of(message)))
            })
            .await?;
        self.after_commit(effects.for_client(Some(&caller), client_metadata.as_ref()))
            .await?;
        Ok(ResendConfirmationCodeResponse {
            code_delivery_details: Some(details),
        })
    }
}
