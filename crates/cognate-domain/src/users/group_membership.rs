//! Group membership: AdminAddUserToGroup, AdminRemoveUserFromGroup,
//! AdminListGroupsForUser, ListUsersInGroup.

use crate::error::{not_found, required, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::from_doc;
use crate::users::{require, user_type, UserDoc};
use cognate_api::types::*;
use cognate_api::Empty;
use cognate_store::records::pool_object::{self, Kind};
use cognate_store::records::{group_member, user, PageRequest};
use cognate_store::Conn;

operation!(AdminAddUserToGroup => Service::admin_add_user_to_group);
operation!(AdminListGroupsForUser => Service::admin_list_groups_for_user);
operation!(AdminRemoveUserFromGroup => Service::admin_remove_user_from_group);
operation!(ListUsersInGroup => Service::list_users_in_group);

fn require_group(conn: &mut dyn Conn, pool_id: &str, name: &str) -> Result<GroupType> {
    let row = pool_object::get(conn, pool_id, Kind::Group, name)?
        .ok_or_else(|| not_found("Group not found."))?;
    from_doc(&row.doc)
}

impl Service {
    pub(crate) async fn admin_add_user_to_group(
        &self,
        input: AdminAddUserToGroupRequest,
    ) -> Result<Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let group = required(&input.group_name, "groupName")?.clone();
        let cache = self.pool_cache();
        self.store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                require_group(c, &pool.id, &group)?;
                let (row, _) = require(c, &pool, &username)?;
                group_member::add(c, &pool.id, &group, &row.username_key)?;
                Ok(Empty {})
            })
            .await
    }

    pub(crate) async fn admin_remove_user_from_group(
        &self,
        input: AdminRemoveUserFromGroupRequest,
    ) -> Result<Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let group = required(&input.group_name, "groupName")?.clone();
        let cache = self.pool_cache();
        self.store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                require_group(c, &pool.id, &group)?;
                let (row, _) = require(c, &pool, &username)?;
                group_member::remove(c, &pool.id, &group, &row.username_key)?;
                Ok(Empty {})
            })
            .await
    }

    pub(crate) async fn admin_list_groups_for_user(
        &self,
        input: AdminListGroupsForUserRequest,
    ) -> Result<AdminListGroupsForUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.limit, 60),
        };
        self.with_user(pool_id, username, false, move |c, pool, row, _| {
            let names = group_member::groups_of(c, &pool.id, &row.username_key, &page)?;
            let mut groups = Vec::with_capacity(names.items.len());
            for name in &names.items {
                groups.push(require_group(c, &pool.id, name)?);
            }
            Ok(AdminListGroupsForUserResponse {
                groups: Some(groups),
                next_token: names.next.as_deref().map(pagination::encode),
            })
        })
        .await
    }

    pub(crate) async fn list_users_in_group(
        &self,
        input: ListUsersInGroupRequest,
    ) -> Result<ListUsersInGroupResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let group = required(&input.group_name, "groupName")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.limit, 60),
        };
        let cache = self.pool_cache();
        self.store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                require_group(c, &pool.id, &group)?;
                let keys = group_member::members(c, &pool.id, &group, &page)?;
                let mut users = Vec::with_capacity(keys.items.len());
                for key in &keys.items {
                    if let Some(row) = user::get(c, &pool.id, key)? {
                        let doc: UserDoc = from_doc(&row.doc)?;
                        users.push(user_type(&row, &doc, None));
                    }
                }
                Ok(ListUsersInGroupResponse {
                    users: Some(users),
                    next_token: keys.next.as_deref().map(pagination::encode),
                })
            })
            .await
    }
}
