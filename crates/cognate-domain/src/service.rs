//! The service: configuration, the store, and the mapping of each implemented
//! operation of the generated trait to the module that does it.

use crate::pool_cache::PoolCache;
use crate::secret_box::SecretBox;
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
}

impl Service {
    pub fn new(store: Store, config: ServiceConfig, secrets: SecretBox) -> Self {
        Service {
            inner: Arc::new(Inner {
                store,
                config,
                secrets,
                pools: Arc::default(),
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
    Operation::AdminListGroupsForUser,
    Operation::AdminRemoveUserFromGroup,
    Operation::AdminResetUserPassword,
    Operation::AdminSetUserPassword,
    Operation::AdminUpdateUserAttributes,
    Operation::CreateGroup,
    Operation::CreateResourceServer,
    Operation::CreateUserPool,
    Operation::CreateUserPoolClient,
    Operation::DeleteGroup,
    Operation::DeleteResourceServer,
    Operation::DeleteUserPool,
    Operation::DeleteUserPoolClient,
    Operation::DescribeResourceServer,
    Operation::DescribeUserPool,
    Operation::DescribeUserPoolClient,
    Operation::GetCSVHeader,
    Operation::GetGroup,
    Operation::GetUserPoolMfaConfig,
    Operation::ListGroups,
    Operation::ListResourceServers,
    Operation::ListTagsForResource,
    Operation::ListUserPoolClients,
    Operation::ListUserPools,
    Operation::ListUsers,
    Operation::ListUsersInGroup,
    Operation::SetUserPoolMfaConfig,
    Operation::TagResource,
    Operation::UntagResource,
    Operation::UpdateGroup,
    Operation::UpdateResourceServer,
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
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(dir.path()).expect("store");
        let service = Service::new(
            store,
            ServiceConfig {
                default_region: "us-east-1".into(),
                account_id: "000000000000".into(),
            },
            SecretBox::new(&SecretBox::generate_key()),
        );
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
