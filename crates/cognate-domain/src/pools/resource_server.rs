//! Resource servers: Create/Describe/Update/List/DeleteResourceServer. Their scopes
//! (`<identifier>/<scope>`) are what app clients may ask for beyond the standard ones.

use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use crate::{clock::now, pagination};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;

operation!(CreateResourceServer => Service::create_resource_server);
operation!(DeleteResourceServer => Service::delete_resource_server);
operation!(DescribeResourceServer => Service::describe_resource_server);
operation!(ListResourceServers => Service::list_resource_servers);
operation!(UpdateResourceServer => Service::update_resource_server);

/// Resource servers a pool may have.
const MAX_RESOURCE_SERVERS: usize = 25;

fn not_found_message(identifier: &str, pool_id: &str) -> String {
    format!("Resource server {identifier} does not exist in user pool {pool_id}.")
}

fn check_scopes(scopes: &[ResourceServerScopeType]) -> Result<()> {
    let mut names: Vec<&str> = scopes
        .iter()
        .filter_map(|s| s.scope_name.as_deref())
        .collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    if names.len() != before {
        return Err(invalid(
            "Scope names must be unique within a resource server.",
        ));
    }
    Ok(())
}

/// Whether resource server `identifier` of the pool defines scope `name`.
pub fn has_scope(conn: &mut dyn Conn, pool_id: &str, identifier: &str, name: &str) -> Result<bool> {
    let Some(row) = pool_object::get(conn, pool_id, Kind::ResourceServer, identifier)? else {
        return Ok(false);
    };
    let server: ResourceServerType = from_doc(&row.doc)?;
    Ok(server
        .scopes
        .unwrap_or_default()
        .iter()
        .any(|s| s.scope_name.as_deref() == Some(name)))
}

fn load(
    conn: &mut dyn Conn,
    pool_id: &str,
    identifier: &str,
) -> Result<(PoolObjectRow, ResourceServerType)> {
    load_pool(conn, pool_id)?;
    let row = pool_object::get(conn, pool_id, Kind::ResourceServer, identifier)?
        .ok_or_else(|| not_found(not_found_message(identifier, pool_id)))?;
    let server = from_doc(&row.doc)?;
    Ok((row, server))
}

impl Service {
    pub(crate) async fn create_resource_server(
        &self,
        input: CreateResourceServerRequest,
    ) -> Result<CreateResourceServerResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let identifier = required(&input.identifier, "identifier")?.clone();
        let server = ResourceServerType {
            user_pool_id: Some(pool_id.clone()),
            identifier: Some(identifier.clone()),
            name: Some(required(&input.name, "name")?.clone()),
            scopes: Some(input.scopes.clone().unwrap_or_default()),
            managed_by: None,
        };
        check_scopes(server.scopes.as_deref().unwrap_or(&[]))?;
        let row = PoolObjectRow {
            key: identifier.clone(),
            created_at: now(),
            doc: to_doc(&server)?,
        };
        self.store()
            .write(move |c| {
                load_pool(c, &pool_id)?;
                let count = pool_object::list(
                    c,
                    &pool_id,
                    Kind::ResourceServer,
                    &PageRequest {
                        after: None,
                        limit: MAX_RESOURCE_SERVERS,
                    },
                )?;
                if count.items.len() >= MAX_RESOURCE_SERVERS {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        format!(
                            "A user pool can have at most {MAX_RESOURCE_SERVERS} resource servers."
                        ),
                    ));
                }
                if !pool_object::insert(c, &pool_id, Kind::ResourceServer, &row)? {
                    return Err(invalid(format!(
                        "{identifier} already exists in user pool {pool_id}."
                    )));
                }
                Ok(())
            })
            .await?;
        Ok(CreateResourceServerResponse {
            resource_server: Some(server),
        })
    }

    pub(crate) async fn describe_resource_server(
        &self,
        input: DescribeResourceServerRequest,
    ) -> Result<DescribeResourceServerResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let identifier = required(&input.identifier, "identifier")?.clone();
        let (_, server) = self
            .store()
            .read(move |c| load(c, &pool_id, &identifier))
            .await?;
        Ok(DescribeResourceServerResponse {
            resource_server: Some(server),
        })
    }

    pub(crate) async fn update_resource_server(
        &self,
        input: UpdateResourceServerRequest,
    ) -> Result<UpdateResourceServerResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let identifier = required(&input.identifier, "identifier")?.clone();
        let name = required(&input.name, "name")?.clone();
        let scopes = input.scopes.clone().unwrap_or_default();
        check_scopes(&scopes)?;
        let server = self
            .store()
            .write(move |c| {
                let (mut row, mut server) = load(c, &pool_id, &identifier)?;
                server.name = Some(name.clone());
                server.scopes = Some(scopes.clone());
                row.doc = to_doc(&server)?;
                pool_object::put(c, &pool_id, Kind::ResourceServer, &row)?;
                Ok::<_, Error>(server)
            })
            .await?;
        Ok(UpdateResourceServerResponse {
            resource_server: Some(server),
        })
    }

    pub(crate) async fn list_resource_servers(
        &self,
        input: ListResourceServersRequest,
    ) -> Result<ListResourceServersResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.max_results, 50),
        };
        let page = self
            .store()
            .read(move |c| {
                load_pool(c, &pool_id)?;
                pool_object::list(c, &pool_id, Kind::ResourceServer, &page).map_err(Error::from)
            })
            .await?;
        let servers = page
            .items
            .iter()
            .map(|r| from_doc::<ResourceServerType>(&r.doc))
            .collect::<Result<Vec<_>>>()?;
        Ok(ListResourceServersResponse {
            resource_servers: Some(servers),
            next_token: page.next.as_deref().map(pagination::encode),
        })
    }

    pub(crate) async fn delete_resource_server(
        &self,
        input: DeleteResourceServerRequest,
    ) -> Result<cognate_api::Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let identifier = required(&input.identifier, "identifier")?.clone();
        self.store()
            .write(move |c| {
                load(c, &pool_id, &identifier)?;
                pool_object::delete(c, &pool_id, Kind::ResourceServer, &identifier)?;
                Ok::<(), Error>(())
            })
            .await?;
        Ok(cognate_api::Empty {})
    }
}
