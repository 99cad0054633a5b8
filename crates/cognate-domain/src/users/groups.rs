//! Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups. Membership
//! lives in `group_members` and goes with the group.

use crate::clock::now;
use crate::error::{fail, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::{group_member, PageRequest};
use cognate_store::Conn;

operation!(CreateGroup => Service::create_group);
operation!(DeleteGroup => Service::delete_group);
operation!(GetGroup => Service::get_group);
operation!(ListGroups => Service::list_groups);
operation!(UpdateGroup => Service::update_group);

fn load(conn: &mut dyn Conn, pool_id: &str, name: &str) -> Result<(PoolObjectRow, GroupType)> {
    load_pool(conn, pool_id)?;
    let row = pool_object::get(conn, pool_id, Kind::Group, name)?
        .ok_or_else(|| not_found("Group not found."))?;
    let group = from_doc(&row.doc)?;
    Ok((row, group))
}

impl Service {
    pub(crate) async fn create_group(
        &self,
        input: CreateGroupRequest,
    ) -> Result<CreateGroupResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.group_name, "groupName")?.clone();
        let t = now();
        let group = GroupType {
            group_name: Some(name.clone()),
            user_pool_id: Some(pool_id.clone()),
            description: input.description.clone(),
            role_arn: input.role_arn.clone(),
            precedence: input.precedence,
            last_modified_date: Some(t),
            creation_date: Some(t),
        };
        let row = PoolObjectRow {
            key: name.clone(),
            created_at: t,
            doc: to_doc(&group)?,
        };
        self.store()
            .write(move |c| {
                load_pool(c, &pool_id)?;
                if !pool_object::insert(c, &pool_id, Kind::Group, &row)? {
                    return Err(fail(
                        ErrorCode::GroupExistsException,
                        "A group with the name already exists.",
                    ));
                }
                Ok(())
            })
            .await?;
        Ok(CreateGroupResponse { group: Some(group) })
    }

    pub(crate) async fn get_group(&self, input: GetGroupRequest) -> Result<GetGroupResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.group_name, "groupName")?.clone();
        let (_, group) = self.store().read(move |c| load(c, &pool_id, &name)).await?;
        Ok(GetGroupResponse { group: Some(group) })
    }

    pub(crate) async fn update_group(
        &self,
        input: UpdateGroupRequest,
    ) -> Result<UpdateGroupResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.group_name, "groupName")?.clone();
        let group = self
            .store()
            .write(move |c| {
                let (mut row, mut group) = load(c, &pool_id, &name)?;
                // Members left out keep their value.
                if let Some(d) = &input.description {
                    group.description = Some(d.clone());
                }
                if let Some(r) = &input.role_arn {
                    group.role_arn = Some(r.clone());
                }
                if let Some(p) = input.precedence {
                    group.precedence = Some(p);
                }
                group.last_modified_date = Some(now());
                row.doc = to_doc(&group)?;
                pool_object::put(c, &pool_id, Kind::Group, &row)?;
                Ok::<_, Error>(group)
            })
            .await?;
        Ok(UpdateGroupResponse { group: Some(group) })
    }

    pub(crate) async fn delete_group(
        &self,
        input: DeleteGroupRequest,
    ) -> Result<cognate_api::Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.group_name, "groupName")?.clone();
        self.store()
            .write(move |c| {
                load(c, &pool_id, &name)?;
                pool_object::delete(c, &pool_id, Kind::Group, &name)?;
                group_member::remove_group(c, &pool_id, &name)?;
                Ok::<(), Error>(())
            })
            .await?;
        Ok(cognate_api::Empty {})
    }

    pub(crate) async fn list_groups(&self, input: ListGroupsRequest) -> Result<ListGroupsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.limit, 60),
        };
        let page = self
            .store()
            .read(move |c| {
                load_pool(c, &pool_id)?;
                pool_object::list(c, &pool_id, Kind::Group, &page).map_err(Error::from)
            })
            .await?;
        let groups = page
            .items
            .iter()
            .map(|r| from_doc::<GroupType>(&r.doc))
            .collect::<Result<Vec<_>>>()?;
        Ok(ListGroupsResponse {
            groups: Some(groups),
            next_token: page.next.as_deref().map(pagination::encode),
        })
    }
}
