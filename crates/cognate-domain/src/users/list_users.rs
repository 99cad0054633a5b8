//! ListUsers (its filter parsed by `list_users_filter`) and GetCSVHeader.

use super::*;
use crate::error::{required, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::pool::load as load_pool;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::from_doc;
use crate::users::list_users_filter;
use cognate_api::types::*;
use cognate_store::records::user::{self, Filter};
use cognate_store::records::PageRequest;

operation!(GetCSVHeader => Service::get_csv_header);
operation!(ListUsers => Service::list_users);

impl Service {
    pub(crate) async fn list_users(&self, input: ListUsersRequest) -> Result<ListUsersResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let filter = list_users_filter::parse(input.filter.as_deref().unwrap_or(""))?;
        let page = PageRequest {
            after: pagination::decode(input.pagination_token.as_ref())?,
            limit: pagination::limit(input.limit, 60),
        };
        let only = input.attributes_to_get.clone();
        let cache = self.pool_cache();
        self.store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let filter = filter.map(|f| {
                    let folded = matches!(
                        f.attribute.as_str(),
                        "username" | "email" | "preferred_username"
                    );
                    let value = match f.attribute.as_str() {
                        "status" => {
                            let mut v = f.value.to_lowercase();
                            if let Some(first) = v.get_mut(0..1) {
                                first.make_ascii_uppercase();
                            }
                            v
                        }
                        _ if folded => pool.fold(&f.value),
                        _ => f.value.clone(),
                    };
                    Filter {
                        name: f.attribute,
                        value,
                        prefix: f.prefix,
                    }
                });
                let page = user::list(c, &pool.id, filter.as_ref(), &page)?;
                let mut users = Vec::with_capacity(page.items.len());
                for row in &page.items {
                    let doc: UserDoc = from_doc(&row.doc)?;
                    users.push(user_type(row, &doc, only.as_deref()));
                }
                Ok(ListUsersResponse {
                    users: Some(users),
                    pagination_token: page.next.as_deref().map(pagination::encode),
                })
            })
            .await
    }

    pub(crate) async fn get_csv_header(
        &self,
        input: GetCSVHeaderRequest,
    ) -> Result<GetCSVHeaderResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let (_, pool) = self.store().read(move |c| load_pool(c, &pool_id)).await?;
        Ok(GetCSVHeaderResponse {
            csv_header: Some(csv_header(&pool)),
            user_pool_id: pool.id,
        })
    }
}

/// The columns of the pool's user import file: its schema's attributes but `sub` and
/// developer-only ones, then `cognito:mfa_enabled` and `cognito:username`.
pub(crate) fn csv_header(pool: &UserPoolType) -> Vec<String> {
    let mut header: Vec<String> = pool
        .schema_attributes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.name.clone())
        .filter(|n| n != "sub" && !n.starts_with("dev:"))
        .collect();
    header.push("cognito:mfa_enabled".into());
    header.push("cognito:username".into());
    header
}
