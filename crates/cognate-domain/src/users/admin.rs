//! Admin operations on one user: AdminGetUser, AdminDeleteUser, AdminEnableUser,
//! AdminDisableUser, AdminUpdateUserAttributes, AdminDeleteUserAttributes and
//! AdminConfirmSignUp.

use super::*;
use crate::error::{fail, required, Result};
use crate::operations::operation;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::{Empty, ErrorCode};
use cognate_store::records::user::{self};

operation!(AdminConfirmSignUp => Service::admin_confirm_sign_up);
operation!(AdminDeleteUser => Service::admin_delete_user);
operation!(AdminDeleteUserAttributes => Service::admin_delete_user_attributes);
operation!(AdminDisableUser => Service::admin_disable_user);
operation!(AdminEnableUser => Service::admin_enable_user);
operation!(AdminGetUser => Service::admin_get_user);
operation!(AdminUpdateUserAttributes => Service::admin_update_user_attributes);

impl Service {
    pub(crate) async fn admin_get_user(
        &self,
        input: AdminGetUserRequest,
    ) -> Result<AdminGetUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.read_user(pool_id, username, |_, row, doc| {
            Ok(AdminGetUserResponse {
                username: Some(row.username.clone()),
                user_attributes: Some(doc.attributes.clone()),
                user_create_date: Some(row.created_at),
                user_last_modified_date: Some(row.updated_at),
                enabled: Some(row.enabled),
                user_status: Some(UserStatusType::from(row.status.clone())),
                mfa_options: mfa_options(&doc),
                preferred_mfa_setting: doc.mfa.preferred.clone(),
                user_mfa_setting_list: mfa_setting_list(&doc),
            })
        })
        .await
    }

    pub(crate) async fn admin_delete_user(&self, input: AdminDeleteUserRequest) -> Result<Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, true, |c, pool, row, _| {
            user::delete(c, &pool.id, &row.username_key)?;
            Ok(Empty {})
        })
        .await
    }

    async fn set_enabled(&self, pool_id: String, username: String, enabled: bool) -> Result<()> {
        self.with_user(pool_id, username, true, move |c, pool, mut row, doc| {
            row.enabled = enabled;
            save(c, pool, row, &doc)?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn admin_enable_user(
        &self,
        input: AdminEnableUserRequest,
    ) -> Result<AdminEnableUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.set_enabled(pool_id, username, true).await?;
        Ok(AdminEnableUserResponse {})
    }

    pub(crate) async fn admin_disable_user(
        &self,
        input: AdminDisableUserRequest,
    ) -> Result<AdminDisableUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.set_enabled(pool_id, username, false).await?;
        Ok(AdminDisableUserResponse {})
    }

    pub(crate) async fn admin_update_user_attributes(
        &self,
        input: AdminUpdateUserAttributesRequest,
    ) -> Result<AdminUpdateUserAttributesResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let writes = required(&input.user_attributes, "userAttributes")?.clone();
        let secrets = self.secrets().clone();
        let client_metadata = input.client_metadata.clone();
        let (_, effects) = self
            .with_user(pool_id, username, true, move |c, pool, row, doc| {
                update_attributes(c, &secrets, pool, row, doc, &writes, false)
            })
            .await?;
        self.after_commit(effects.for_client(None, client_metadata.as_ref()))
            .await?;
        Ok(AdminUpdateUserAttributesResponse {})
    }

    pub(crate) async fn admin_delete_user_attributes(
        &self,
        input: AdminDeleteUserAttributesRequest,
    ) -> Result<AdminDeleteUserAttributesResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let names = required(&input.user_attribute_names, "userAttributeNames")?.clone();
        self.with_user(pool_id, username, true, move |c, pool, row, doc| {
            delete_attributes(c, pool, row, doc, &names)?;
            Ok(AdminDeleteUserAttributesResponse {})
        })
        .await
    }

    pub(crate) async fn admin_confirm_sign_up(
        &self,
        input: AdminConfirmSignUpRequest,
    ) -> Result<AdminConfirmSignUpResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let confirmed = self
            .with_user(pool_id.clone(), username, true, |c, pool, mut row, doc| {
                if row.status != UserStatusType::UNCONFIRMED {
                    return Err(fail(
                        ErrorCode::NotAuthorizedException,
                        format!("User cannot be confirmed. Current status is {}", row.status),
                    ));
                }
                let username = row.username.clone();
                row.status = UserStatusType::CONFIRMED.into();
                save(c, pool, row, &doc)?;
                Ok((username, crate::triggers::has_post_confirmation(&pool.pool)))
            })
            .await?;
        if confirmed.1 {
            self.post_confirmation(crate::triggers::PostConfirmation {
                pool_id: &pool_id,
                username: &confirmed.0,
                source: "PostConfirmation_ConfirmSignUp",
                client_id: None,
                client_metadata: input.client_metadata.as_ref(),
            })
            .await?;
        }
        Ok(AdminConfirmSignUpResponse {})
    }
}
