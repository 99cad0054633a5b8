//! The service: configuration, the store, and the mapping of each implemented
//! operation of the generated trait to the module that does it.

use crate::crypto::secret_box::SecretBox;
use crate::pools::cache::PoolCache;
use crate::tokens::signing_keys::KeyCache;
use crate::tokens::VerifiedTokens;
use cognate_api::types::*;
use cognate_api::{ApiError, CognitoIdentityProvider, Empty, Operation, Reply, RequestContext};
use cognate_store::Store;
use std::sync::Arc;

/// What the domain needs to know about the deployment.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The region of requests that name none.
    pub default_region: String,
    /// The account id in ARNs.
    pub account_id: String,
    /// The address clients reach the server at (discovery documents, `jwks_uri`).
    pub public_url: String,
    /// Base of token issuers: a pool's issuer is `<issuer_base>/<poolId>`, `{region}`
    /// replaced by the pool's region.
    pub issuer_base: String,
}

#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: ServiceConfig,
    secrets: SecretBox,
    pools: Arc<PoolCache>,
    keys: KeyCache,
    verified: VerifiedTokens,
}

impl Service {
    pub fn new(store: Store, config: ServiceConfig, secrets: SecretBox) -> Self {
        Service {
            inner: Arc::new(Inner {
                store,
                config,
                secrets,
                pools: Arc::default(),
                keys: KeyCache::default(),
                verified: VerifiedTokens::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    pub(crate) fn secrets(&self) -> &SecretBox {
        &self.inner.secrets
    }

    pub(crate) fn pool_cache(&self) -> Arc<PoolCache> {
        self.inner.pools.clone()
    }

    pub(crate) fn key_cache(&self) -> &KeyCache {
        &self.inner.keys
    }

    pub(crate) fn verified_tokens(&self) -> &VerifiedTokens {
        &self.inner.verified
    }
}

/// The operations this service implements; every other one answers
/// NotImplementedException. Kept in step with the methods below by a test that calls
/// every operation.
const IMPLEMENTED: &[Operation] = &[
    Operation::AddCustomAttributes,
    Operation::AdminAddUserToGroup,
    Operation::AdminConfirmSignUp,
    Operation::AdminCreateUser,
    Operation::AdminDeleteUser,
    Operation::AdminDeleteUserAttributes,
    Operation::AdminDisableUser,
    Operation::AdminEnableUser,
    Operation::AdminGetUser,
    Operation::AdminInitiateAuth,
    Operation::AdminListGroupsForUser,
    Operation::AdminListUserSessions,
    Operation::AdminRemoveUserFromGroup,
    Operation::AdminResetUserPassword,
    Operation::AdminRespondToAuthChallenge,
    Operation::AdminRevokeUserSession,
    Operation::AdminSetUserPassword,
    Operation::AdminUpdateUserAttributes,
    Operation::AdminUserGlobalSignOut,
    Operation::ChangePassword,
    Operation::CreateGroup,
    Operation::CreateResourceServer,
    Operation::CreateUserPool,
    Operation::CreateUserPoolClient,
    Operation::DeleteGroup,
    Operation::DeleteResourceServer,
    Operation::DeleteUser,
    Operation::DeleteUserAttributes,
    Operation::DeleteUserPool,
    Operation::DeleteUserPoolClient,
    Operation::DescribeResourceServer,
    Operation::DescribeUserPool,
    Operation::DescribeUserPoolClient,
    Operation::GetCSVHeader,
    Operation::GetGroup,
    Operation::GetSigningCertificate,
    Operation::GetTokensFromRefreshToken,
    Operation::GetUser,
    Operation::GetUserPoolMfaConfig,
    Operation::GlobalSignOut,
    Operation::InitiateAuth,
    Operation::ListGroups,
    Operation::ListResourceServers,
    Operation::ListTagsForResource,
    Operation::ListUserPoolClients,
    Operation::ListUserPools,
    Operation::ListUserSessions,
    Operation::ListUsers,
    Operation::ListUsersInGroup,
    Operation::RespondToAuthChallenge,
    Operation::RevokeToken,
    Operation::RevokeUserSession,
    Operation::SetUserPoolMfaConfig,
    Operation::TagResource,
    Operation::UntagResource,
    Operation::UpdateGroup,
    Operation::UpdateResourceServer,
    Operation::UpdateUserAttributes,
    Operation::UpdateUserPool,
    Operation::UpdateUserPoolClient,
];

/// Whether the service implements `op` (the README's operation table is built from this).
pub fn implemented(op: Operation) -> bool {
    IMPLEMENTED.contains(&op)
}

type Answer<T> = Result<Reply<T>, ApiError>;

impl CognitoIdentityProvider for Service {
    fn implements(&self, op: Operation) -> bool {
        implemented(op)
    }

    async fn add_custom_attributes(
        &self,
        _: &RequestContext,
        i: AddCustomAttributesRequest,
    ) -> Answer<AddCustomAttributesResponse> {
        Ok(Service::add_custom_attributes(self, i).await?.into())
    }
    async fn admin_add_user_to_group(
        &self,
        _: &RequestContext,
        i: AdminAddUserToGroupRequest,
    ) -> Answer<Empty> {
        Ok(Service::admin_add_user_to_group(self, i).await?.into())
    }
    async fn admin_confirm_sign_up(
        &self,
        _: &RequestContext,
        i: AdminConfirmSignUpRequest,
    ) -> Answer<AdminConfirmSignUpResponse> {
        Ok(Service::admin_confirm_sign_up(self, i).await?.into())
    }
    async fn admin_create_user(
        &self,
        _: &RequestContext,
        i: AdminCreateUserRequest,
    ) -> Answer<AdminCreateUserResponse> {
        Ok(Service::admin_create_user(self, i).await?.into())
    }
    async fn admin_delete_user(
        &self,
        _: &RequestContext,
        i: AdminDeleteUserRequest,
    ) -> Answer<Empty> {
        Ok(Service::admin_delete_user(self, i).await?.into())
    }
    async fn admin_delete_user_attributes(
        &self,
        _: &RequestContext,
        i: AdminDeleteUserAttributesRequest,
    ) -> Answer<AdminDeleteUserAttributesResponse> {
        Ok(Service::admin_delete_user_attributes(self, i).await?.into())
    }
    async fn admin_disable_user(
        &self,
        _: &RequestContext,
        i: AdminDisableUserRequest,
    ) -> Answer<AdminDisableUserResponse> {
        Ok(Service::admin_disable_user(self, i).await?.into())
    }
    async fn admin_enable_user(
        &self,
        _: &RequestContext,
        i: AdminEnableUserRequest,
    ) -> Answer<AdminEnableUserResponse> {
        Ok(Service::admin_enable_user(self, i).await?.into())
    }
    async fn admin_get_user(
        &self,
        _: &RequestContext,
        i: AdminGetUserRequest,
    ) -> Answer<AdminGetUserResponse> {
        Ok(Service::admin_get_user(self, i).await?.into())
    }
    async fn admin_list_groups_for_user(
        &self,
        _: &RequestContext,
        i: AdminListGroupsForUserRequest,
    ) -> Answer<AdminListGroupsForUserResponse> {
        Ok(Service::admin_list_groups_for_user(self, i).await?.into())
    }
    async fn admin_remove_user_from_group(
        &self,
        _: &RequestContext,
        i: AdminRemoveUserFromGroupRequest,
    ) -> Answer<Empty> {
        Ok(Service::admin_remove_user_from_group(self, i).await?.into())
    }
    async fn admin_reset_user_password(
        &self,
        _: &RequestContext,
        i: AdminResetUserPasswordRequest,
    ) -> Answer<AdminResetUserPasswordResponse> {
        Ok(Service::admin_reset_user_password(self, i).await?.into())
    }
    async fn admin_set_user_password(
        &self,
        _: &RequestContext,
        i: AdminSetUserPasswordRequest,
    ) -> Answer<AdminSetUserPasswordResponse> {
        Ok(Service::admin_set_user_password(self, i).await?.into())
    }
    async fn admin_update_user_attributes(
        &self,
        _: &RequestContext,
        i: AdminUpdateUserAttributesRequest,
    ) -> Answer<AdminUpdateUserAttributesResponse> {
        Ok(Service::admin_update_user_attributes(self, i).await?.into())
    }
    async fn get_csv_header(
        &self,
        _: &RequestContext,
        i: GetCSVHeaderRequest,
    ) -> Answer<GetCSVHeaderResponse> {
        Ok(Service::get_csv_header(self, i).await?.into())
    }
    async fn list_users(
        &self,
        _: &RequestContext,
        i: ListUsersRequest,
    ) -> Answer<ListUsersResponse> {
        Ok(Service::list_users(self, i).await?.into())
    }
    async fn list_users_in_group(
        &self,
        _: &RequestContext,
        i: ListUsersInGroupRequest,
    ) -> Answer<ListUsersInGroupResponse> {
        Ok(Service::list_users_in_group(self, i).await?.into())
    }
    async fn create_group(
        &self,
        _: &RequestContext,
        i: CreateGroupRequest,
    ) -> Answer<CreateGroupResponse> {
        Ok(Service::create_group(self, i).await?.into())
    }
    async fn create_resource_server(
        &self,
        _: &RequestContext,
        i: CreateResourceServerRequest,
    ) -> Answer<CreateResourceServerResponse> {
        Ok(Service::create_resource_server(self, i).await?.into())
    }
    async fn create_user_pool(
        &self,
        ctx: &RequestContext,
        i: CreateUserPoolRequest,
    ) -> Answer<CreateUserPoolResponse> {
        Ok(Service::create_user_pool(self, ctx, i).await?.into())
    }
    async fn create_user_pool_client(
        &self,
        _: &RequestContext,
        i: CreateUserPoolClientRequest,
    ) -> Answer<CreateUserPoolClientResponse> {
        Ok(Service::create_user_pool_client(self, i).await?.into())
    }
    async fn delete_group(&self, _: &RequestContext, i: DeleteGroupRequest) -> Answer<Empty> {
        Ok(Service::delete_group(self, i).await?.into())
    }
    async fn delete_resource_server(
        &self,
        _: &RequestContext,
        i: DeleteResourceServerRequest,
    ) -> Answer<Empty> {
        Service::delete_resource_server(self, i).await?;
        Ok(Empty {}.into())
    }
    async fn delete_user_pool(
        &self,
        _: &RequestContext,
        i: DeleteUserPoolRequest,
    ) -> Answer<Empty> {
        Ok(Service::delete_user_pool(self, i).await?.into())
    }
    async fn delete_user_pool_client(
        &self,
        _: &RequestContext,
        i: DeleteUserPoolClientRequest,
    ) -> Answer<Empty> {
        Service::delete_user_pool_client(self, i).await?;
        Ok(Empty {}.into())
    }
    async fn describe_resource_server(
        &self,
        _: &RequestContext,
        i: DescribeResourceServerRequest,
    ) -> Answer<DescribeResourceServerResponse> {
        Ok(Service::describe_resource_server(self, i).await?.into())
    }
    async fn describe_user_pool(
        &self,
        _: &RequestContext,
        i: DescribeUserPoolRequest,
    ) -> Answer<DescribeUserPoolResponse> {
        Ok(Service::describe_user_pool(self, i).await?)
    }
    async fn describe_user_pool_client(
        &self,
        _: &RequestContext,
        i: DescribeUserPoolClientRequest,
    ) -> Answer<DescribeUserPoolClientResponse> {
        Ok(Service::describe_user_pool_client(self, i).await?.into())
    }
    async fn get_group(&self, _: &RequestContext, i: GetGroupRequest) -> Answer<GetGroupResponse> {
        Ok(Service::get_group(self, i).await?.into())
    }
    async fn get_user_pool_mfa_config(
        &self,
        _: &RequestContext,
        i: GetUserPoolMfaConfigRequest,
    ) -> Answer<GetUserPoolMfaConfigResponse> {
        Ok(Service::get_user_pool_mfa_config(self, i).await?.into())
    }
    async fn list_groups(
        &self,
        _: &RequestContext,
        i: ListGroupsRequest,
    ) -> Answer<ListGroupsResponse> {
        Ok(Service::list_groups(self, i).await?.into())
    }
    async fn list_resource_servers(
        &self,
        _: &RequestContext,
        i: ListResourceServersRequest,
    ) -> Answer<ListResourceServersResponse> {
        Ok(Service::list_resource_servers(self, i).await?.into())
    }
    async fn list_tags_for_resource(
        &self,
        _: &RequestContext,
        i: ListTagsForResourceRequest,
    ) -> Answer<ListTagsForResourceResponse> {
        Ok(Service::list_tags_for_resource(self, i).await?.into())
    }
    async fn list_user_pool_clients(
        &self,
        _: &RequestContext,
        i: ListUserPoolClientsRequest,
    ) -> Answer<ListUserPoolClientsResponse> {
        Ok(Service::list_user_pool_clients(self, i).await?.into())
    }
    async fn list_user_pools(
        &self,
        ctx: &RequestContext,
        i: ListUserPoolsRequest,
    ) -> Answer<ListUserPoolsResponse> {
        Ok(Service::list_user_pools(self, ctx, i).await?.into())
    }
    async fn set_user_pool_mfa_config(
        &self,
        _: &RequestContext,
        i: SetUserPoolMfaConfigRequest,
    ) -> Answer<SetUserPoolMfaConfigResponse> {
        Ok(Service::set_user_pool_mfa_config(self, i).await?.into())
    }
    async fn tag_resource(
        &self,
        _: &RequestContext,
        i: TagResourceRequest,
    ) -> Answer<TagResourceResponse> {
        Ok(Service::tag_resource(self, i).await?.into())
    }
    async fn untag_resource(
        &self,
        _: &RequestContext,
        i: UntagResourceRequest,
    ) -> Answer<UntagResourceResponse> {
        Ok(Service::untag_resource(self, i).await?.into())
    }
    async fn update_group(
        &self,
        _: &RequestContext,
        i: UpdateGroupRequest,
    ) -> Answer<UpdateGroupResponse> {
        Ok(Service::update_group(self, i).await?.into())
    }
    async fn update_resource_server(
        &self,
        _: &RequestContext,
        i: UpdateResourceServerRequest,
    ) -> Answer<UpdateResourceServerResponse> {
        Ok(Service::update_resource_server(self, i).await?.into())
    }
    async fn update_user_pool(
        &self,
        _: &RequestContext,
        i: UpdateUserPoolRequest,
    ) -> Answer<UpdateUserPoolResponse> {
        Ok(Service::update_user_pool(self, i).await?.into())
    }
    async fn update_user_pool_client(
        &self,
        _: &RequestContext,
        i: UpdateUserPoolClientRequest,
    ) -> Answer<UpdateUserPoolClientResponse> {
        Ok(Service::update_user_pool_client(self, i).await?.into())
    }
    async fn admin_initiate_auth(
        &self,
        _: &RequestContext,
        i: AdminInitiateAuthRequest,
    ) -> Answer<AdminInitiateAuthResponse> {
        Ok(Service::admin_initiate_auth(self, i).await?.into())
    }
    async fn admin_list_user_sessions(
        &self,
        _: &RequestContext,
        i: AdminListUserSessionsRequest,
    ) -> Answer<AdminListUserSessionsResponse> {
        Ok(Service::admin_list_user_sessions(self, i).await?.into())
    }
    async fn admin_respond_to_auth_challenge(
        &self,
        _: &RequestContext,
        i: AdminRespondToAuthChallengeRequest,
    ) -> Answer<AdminRespondToAuthChallengeResponse> {
        Ok(Service::admin_respond_to_auth_challenge(self, i)
            .await?
            .into())
    }
    async fn admin_revoke_user_session(
        &self,
        _: &RequestContext,
        i: AdminRevokeUserSessionRequest,
    ) -> Answer<AdminRevokeUserSessionResponse> {
        Ok(Service::admin_revoke_user_session(self, i).await?.into())
    }
    async fn admin_user_global_sign_out(
        &self,
        _: &RequestContext,
        i: AdminUserGlobalSignOutRequest,
    ) -> Answer<AdminUserGlobalSignOutResponse> {
        Ok(Service::admin_user_global_sign_out(self, i).await?.into())
    }
    async fn change_password(
        &self,
        _: &RequestContext,
        i: ChangePasswordRequest,
    ) -> Answer<ChangePasswordResponse> {
        Ok(Service::change_password(self, i).await?.into())
    }
    async fn delete_user(&self, _: &RequestContext, i: DeleteUserRequest) -> Answer<Empty> {
        Ok(Service::delete_user(self, i).await?.into())
    }
    async fn delete_user_attributes(
        &self,
        _: &RequestContext,
        i: DeleteUserAttributesRequest,
    ) -> Answer<DeleteUserAttributesResponse> {
        Ok(Service::delete_user_attributes(self, i).await?.into())
    }
    async fn get_signing_certificate(
        &self,
        _: &RequestContext,
        i: GetSigningCertificateRequest,
    ) -> Answer<GetSigningCertificateResponse> {
        Ok(Service::get_signing_certificate(self, i).await?.into())
    }
    async fn get_tokens_from_refresh_token(
        &self,
        _: &RequestContext,
        i: GetTokensFromRefreshTokenRequest,
    ) -> Answer<GetTokensFromRefreshTokenResponse> {
        Ok(Service::get_tokens_from_refresh_token(self, i)
            .await?
            .into())
    }
    async fn get_user(&self, _: &RequestContext, i: GetUserRequest) -> Answer<GetUserResponse> {
        Ok(Service::get_user(self, i).await?.into())
    }
    async fn global_sign_out(
        &self,
        _: &RequestContext,
        i: GlobalSignOutRequest,
    ) -> Answer<GlobalSignOutResponse> {
        Ok(Service::global_sign_out(self, i).await?.into())
    }
    async fn initiate_auth(
        &self,
        _: &RequestContext,
        i: InitiateAuthRequest,
    ) -> Answer<InitiateAuthResponse> {
        Ok(Service::initiate_auth(self, i).await?.into())
    }
    async fn list_user_sessions(
        &self,
        _: &RequestContext,
        i: ListUserSessionsRequest,
    ) -> Answer<ListUserSessionsResponse> {
        Ok(Service::list_user_sessions(self, i).await?.into())
    }
    async fn respond_to_auth_challenge(
        &self,
        _: &RequestContext,
        i: RespondToAuthChallengeRequest,
    ) -> Answer<RespondToAuthChallengeResponse> {
        Ok(Service::respond_to_auth_challenge(self, i).await?.into())
    }
    async fn revoke_token(
        &self,
        _: &RequestContext,
        i: RevokeTokenRequest,
    ) -> Answer<RevokeTokenResponse> {
        Ok(Service::revoke_token(self, i).await?.into())
    }
    async fn revoke_user_session(
        &self,
        _: &RequestContext,
        i: RevokeUserSessionRequest,
    ) -> Answer<RevokeUserSessionResponse> {
        Ok(Service::revoke_user_session(self, i).await?.into())
    }
    async fn update_user_attributes(
        &self,
        _: &RequestContext,
        i: UpdateUserAttributesRequest,
    ) -> Answer<UpdateUserAttributesResponse> {
        Ok(Service::update_user_attributes(self, i).await?.into())
    }
}

/// A service on a fresh SQLite database, for tests; keep the directory while it is used.
#[cfg(test)]
pub(crate) fn test_service() -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Service::new(
        Store::open_sqlite(dir.path()).expect("store"),
        ServiceConfig {
            default_region: "us-east-1".into(),
            account_id: "000000000000".into(),
            public_url: "http://127.0.0.1:9229".into(),
            issuer_base: "http://127.0.0.1:9229".into(),
        },
        SecretBox::new(&SecretBox::generate_key()),
    );
    (service, dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_api::ErrorCode;

    /// `implements` says exactly which methods are overridden: called with an empty
    /// input, an implemented operation never answers NotImplementedException and every
    /// other one does.
    #[tokio::test]
    async fn implements_matches_the_methods() {
        let (service, _dir) = test_service();
        let ctx = RequestContext::default();
        for op in Operation::ALL {
            let result = cognate_api::call_with_empty_input(&service, &ctx, op).await;
            let not_implemented =
                matches!(&result, Err(e) if e.code == ErrorCode::NotImplementedException);
            assert_eq!(
                not_implemented,
                !service.implements(op),
                "{}: implements() says {} but the method answered {result:?}",
                op.name(),
                service.implements(op)
            );
        }
    }
}
