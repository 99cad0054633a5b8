//! What a signed-in user does with their access token: GetUser, ChangePassword,
//! DeleteUser, UpdateUserAttributes and DeleteUserAttributes. Every one first checks the
//! token (`Service::with_access_token`): signature, issuer, use, expiry, revocation and
//! the user's state.

use crate::crypto::srp;
use crate::error::{fail, required, Result};
use crate::operations::operation;
use crate::pools::{client, password_policy, PoolView};
use crate::service::Service;
use crate::tokens::{invalid_access_token, AccessToken};
use crate::users::{self as user, attributes};
use cognate_api::types::*;
use cognate_api::{Empty, ErrorCode};
use cognate_store::records::user as user_records;
use cognate_store::Conn;

operation!(ChangePassword => Service::change_password);
operation!(DeleteUser => Service::delete_user);
operation!(DeleteUserAttributes => Service::delete_user_attributes);
operation!(GetUser => Service::get_user);
operation!(UpdateUserAttributes => Service::update_user_attributes);

impl Service {
    pub(crate) async fn get_user(&self, input: GetUserRequest) -> Result<GetUserResponse> {
        let token = required(&input.access_token, "accessToken")?;
        self.read_with_access_token(token, |_, row, doc, _| {
            Ok(GetUserResponse {
                username: Some(row.username),
                mfa_options: user::mfa_options(&doc),
                user_mfa_setting_list: user::mfa_setting_list(&doc),
                preferred_mfa_setting: doc.mfa.preferred,
                user_attributes: Some(doc.attributes),
            })
        })
        .await
    }

    pub(crate) async fn change_password(
        &self,
        input: ChangePasswordRequest,
    ) -> Result<ChangePasswordResponse> {
        let token = required(&input.access_token, "accessToken")?.clone();
        let previous = required(&input.previous_password, "previousPassword")?.clone();
        let proposed = required(&input.proposed_password, "proposedPassword")?.clone();
        // The checks that cost a modular exponentiation run outside the write; the
        // check of the previous password is reserved first, as a sign-in's is, so that
        // wrong guesses here count toward the same lockout.
        let (pool_id, username, stored, policy, attempt) = self
            .with_access_token(&token, true, |c, pool, row, doc, _| {
                let attempt = crate::auth::reserve_attempt(c, &pool.id, &row.username_key)?
                    .ok_or_else(|| {
                        // AWS's answer to ChangePassword once locked out.
                        fail(
                            ErrorCode::LimitExceededException,
                            "Attempt limit exceeded, please try after some time.",
                        )
                    })?;
                Ok((
                    pool.id.clone(),
                    row.username,
                    doc.password.map(|p| p.verifier),
                    pool.password_policy(),
                    attempt,
                ))
            })
            .await?;
        if !stored.is_some_and(|v| srp::matches(&v, &pool_id, &username, &previous)) {
            return Err(self.fail_attempt(attempt).await);
        }
        if let Err(e) = password_policy::check(&policy, &proposed) {
            self.pass_attempt(attempt).await?;
            return Err(e);
        }
        let verifier = srp::verifier(&pool_id, &username, &proposed);
        self.with_access_token(&token, true, move |c, pool, mut row, mut doc, _| {
            if row.username != username {
                return Err(user::user_not_found());
            }
            crate::auth::clear_attempts(c, &attempt)?;
            user::set_permanent_password(&mut row, &mut doc, verifier.clone());
            user::save(c, pool, row, &doc)?;
            Ok(ChangePasswordResponse {})
        })
        .await
    }

    pub(crate) async fn delete_user(&self, input: DeleteUserRequest) -> Result<Empty> {
        let token = required(&input.access_token, "accessToken")?;
        self.with_access_token(token, true, |c, pool: &PoolView, row, _, _| {
            user_records::delete(c, &pool.id, &row.username_key)?;
            Ok(Empty {})
        })
        .await
    }

    pub(crate) async fn update_user_attributes(
        &self,
        input: UpdateUserAttributesRequest,
    ) -> Result<UpdateUserAttributesResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let writes = required(&input.user_attributes, "userAttributes")?.clone();
        let secrets = self.secrets().clone();
        let client_metadata = input.client_metadata.clone();
        let (deliveries, effects) = self
            .with_access_token(token, true, move |c, pool, row, doc, claims| {
                let names = writes.iter().map(|a| a.name.as_deref().unwrap_or(""));
                check_user_writes(c, pool, claims, names)?;
                user::update_attributes(c, &secrets, pool, row, doc, &writes, true)
            })
            .await?;
        self.after_commit(effects.for_client(None, client_metadata.as_ref()))
            .await?;
        Ok(UpdateUserAttributesResponse {
            code_delivery_details_list: (!deliveries.is_empty()).then_some(deliveries),
        })
    }

    pub(crate) async fn delete_user_attributes(
        &self,
        input: DeleteUserAttributesRequest,
    ) -> Result<DeleteUserAttributesResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let names = required(&input.user_attribute_names, "userAttributeNames")?.clone();
        self.with_access_token(token, true, move |c, pool, row, doc, claims| {
            check_user_writes(c, pool, claims, names.iter().map(String::as_str))?;
            user::delete_attributes(c, pool, row, doc, &names)?;
            Ok(DeleteUserAttributesResponse {})
        })
        .await
    }
}

/// Whether the client the access token was issued to lets its user write `names`
/// (`attributes::check_user_writes`).
fn check_user_writes<'a>(
    c: &mut dyn Conn,
    pool: &PoolView,
    claims: &AccessToken,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let (_, client, _) = client::load_for_auth(c, &claims.client_id)?
        .filter(|(pool_id, _, _)| *pool_id == pool.id)
        .ok_or_else(invalid_access_token)?;
    attributes::check_user_writes(&pool.pool, &client, names)
}
