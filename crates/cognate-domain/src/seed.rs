//! The seed file of `cognate serve --config FILE`: pools (with fixed ids if given),
//! clients (fixed ids and secrets if given), groups and users, created at start where
//! missing, all in one transaction. Settings are written as the API's own inputs
//! (CreateUserPool, CreateUserPoolClient members) and validated as requests are.

use crate::error::Error;
use crate::ids;
use crate::pools::cache::PoolCache;
use crate::pools::client::insert_client;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users;
use cognate_api::types::*;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::{client, group_member, user_pool};
use cognate_store::Conn;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedFile {
    #[serde(default)]
    pub user_pools: Vec<SeedPool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedPool {
    /// A fixed pool id (`<region>_<letters and digits>`); without one, the pool is found
    /// again by name.
    pub id: Option<String>,
    pub name: String,
    /// CreateUserPool members other than PoolName, as in the API.
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub clients: Vec<SeedClient>,
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedClient {
    pub id: Option<String>,
    pub name: String,
    /// A fixed client secret; `generateSecret: true` makes one.
    pub secret: Option<String>,
    #[serde(default)]
    pub generate_secret: bool,
    /// CreateUserPoolClient members other than UserPoolId, ClientName and the secret.
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedGroup {
    pub name: String,
    pub description: Option<String>,
    pub precedence: Option<i32>,
    pub role_arn: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedUser {
    pub username: String,
    /// Permanent (status CONFIRMED) unless `temporary: true` (FORCE_CHANGE_PASSWORD).
    pub password: Option<String>,
    #[serde(default)]
    pub temporary: bool,
    /// CONFIRMED, UNCONFIRMED, FORCE_CHANGE_PASSWORD or RESET_REQUIRED; by default
    /// CONFIRMED with a permanent password, else FORCE_CHANGE_PASSWORD.
    pub status: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub groups: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A problem with the seed: where (a path such as `userPools[0].users[2]`), the value
/// that names the item there (to find its line), and what is wrong.
#[derive(Debug, Clone)]
pub struct SeedError {
    pub path: String,
    pub anchor: String,
    pub message: String,
}

/// What applying a seed did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub pools: usize,
    pub clients: usize,
    pub groups: usize,
    pub users: usize,
}

fn at(path: String, anchor: &str) -> impl Fn(Error) -> SeedFailure + '_ {
    move |e: Error| {
        SeedFailure::Seed(SeedError {
            path: path.clone(),
            anchor: anchor.to_string(),
            message: format!("{}: {}", e.0.code.as_str(), e.0.message),
        })
    }
}

/// The error type inside the seed transaction.
#[derive(Debug)]
pub enum SeedFailure {
    Seed(SeedError),
    Store(cognate_store::StoreError),
}

impl From<cognate_store::StoreError> for SeedFailure {
    fn from(e: cognate_store::StoreError) -> Self {
        SeedFailure::Store(e)
    }
}

fn request<T: serde::de::DeserializeOwned + cognate_api::validation::Validate>(
    object: serde_json::Map<String, serde_json::Value>,
) -> Result<T, Error> {
    let input: T = serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| crate::error::invalid(format!("invalid settings: {e}")))?;
    cognate_api::validation::check(&input)?;
    Ok(input)
}

impl Service {
    /// Creates what the seed declares and is missing, in one transaction.
    pub async fn apply_seed(&self, seed: SeedFile) -> Result<SeedReport, SeedError> {
        let service = self.clone();
        let result = self.store().write(move |c| apply(&service, c, &seed)).await;
        result.map_err(|e| match e {
            SeedFailure::Seed(e) => e,
            SeedFailure::Store(e) => SeedError {
                path: String::new(),
                anchor: String::new(),
                message: e.to_string(),
            },
        })
    }
}

fn apply(service: &Service, c: &mut dyn Conn, seed: &SeedFile) -> Result<SeedReport, SeedFailure> {
    // Pools created here are not committed yet: keep them out of the shared cache.
    let cache = PoolCache::default();
    let mut report = SeedReport::default();
    for (pi, sp) in seed.user_pools.iter().enumerate() {
        let path = format!("userPools[{pi}]");
        let err = at(path.clone(), &sp.name);
        let existing = match &sp.id {
            Some(id) => user_pool::get(c, id)?.map(|r| r.id),
            None => user_pool::oldest_id_by_name(c, &sp.name)?,
        };
        let pool_id = match existing {
            Some(id) => id,
            None => {
                let mut object = sp.settings.clone();
                object.insert("PoolName".into(), sp.name.clone().into());
                let input: CreateUserPoolRequest = request(object).map_err(&err)?;
                let id = match &sp.id {
                    Some(id) => {
                        let probe = DescribeUserPoolRequest {
                            user_pool_id: Some(id.clone()),
                        };
                        cognate_api::validation::check(&probe).map_err(|e| err(e.into()))?;
                        id.clone()
                    }
                    None => ids::user_pool_id(&service.config().default_region),
                };
                let region = id
                    .split_once('_')
                    .map_or(id.as_str(), |(r, _)| r)
                    .to_string();
                let (row, _) = service
                    .build_user_pool(region, id.clone(), input)
                    .map_err(&err)?;
                user_pool::insert(c, &row)?;
                report.pools += 1;
                id
            }
        };

        for (ci, sc) in sp.clients.iter().enumerate() {
            let err = at(format!("{path}.clients[{ci}]"), &sc.name);
            let exists = match &sc.id {
                Some(id) => client::get(c, id)?.is_some(),
                None => client::id_by_name(c, &pool_id, &sc.name)?.is_some(),
            };
            if exists {
                continue;
            }
            let mut object = sc.settings.clone();
            object.insert("UserPoolId".into(), pool_id.clone().into());
            object.insert("ClientName".into(), sc.name.clone().into());
            if let Some(secret) = &sc.secret {
                object.insert("ClientSecret".into(), secret.clone().into());
                object.insert("GenerateSecret".into(), true.into());
            } else if sc.generate_secret {
                object.insert("GenerateSecret".into(), true.into());
            }
            let input: CreateUserPoolClientRequest = request(object).map_err(&err)?;
            let client_id = sc.id.clone().unwrap_or_else(ids::client_id);
            let new = service.build_client(client_id, input).map_err(&err)?;
            insert_client(c, &new).map_err(&err)?;
            report.clients += 1;
        }

        for (gi, sg) in sp.groups.iter().enumerate() {
            let err = at(format!("{path}.groups[{gi}]"), &sg.name);
            if pool_object::get(c, &pool_id, Kind::Group, &sg.name)?.is_some() {
                continue;
            }
            let input: CreateGroupRequest = request({
                let mut o = serde_json::Map::new();
                o.insert("UserPoolId".into(), pool_id.clone().into());
                o.insert("GroupName".into(), sg.name.clone().into());
                if let Some(d) = &sg.description {
                    o.insert("Description".into(), d.clone().into());
                }
                if let Some(p) = sg.precedence {
                    o.insert("Precedence".into(), p.into());
                }
                if let Some(r) = &sg.role_arn {
                    o.insert("RoleArn".into(), r.clone().into());
                }
                o
            })
            .map_err(&err)?;
            let t = crate::clock::now();
            let group = GroupType {
                group_name: input.group_name,
                user_pool_id: Some(pool_id.clone()),
                description: input.description,
                role_arn: input.role_arn,
                precedence: input.precedence,
                last_modified_date: Some(t),
                creation_date: Some(t),
            };
            let row = PoolObjectRow {
                key: sg.name.clone(),
                created_at: t,
                doc: crate::stored::to_doc(&group).map_err(&err)?,
            };
            pool_object::insert(c, &pool_id, Kind::Group, &row)?;
            report.groups += 1;
        }

        for (ui, su) in sp.users.iter().enumerate() {
            let err = at(format!("{path}.users[{ui}]"), &su.username);
            let pool = PoolView::load(c, &cache, &pool_id).map_err(&err)?;
            if users::find(c, &pool, &su.username).map_err(&err)?.is_some() {
                continue;
            }
            let attributes: Vec<AttributeType> = su
                .attributes
                .iter()
                .map(|(k, v)| AttributeType {
                    name: Some(k.clone()),
                    value: Some(v.clone()),
                })
                .collect();
            let input = AdminCreateUserRequest {
                user_pool_id: Some(pool_id.clone()),
                username: Some(su.username.clone()),
                user_attributes: Some(attributes),
                message_action: Some(MessageActionType::SUPPRESS),
                temporary_password: su.password.clone().filter(|_| su.temporary),
                ..Default::default()
            };
            cognate_api::validation::check(&input).map_err(|e| err(e.into()))?;
            let sub = uuid::Uuid::new_v4().to_string();
            // MessageAction SUPPRESS: the seed sends no invitation.
            let (created, _no_messages) =
                users::create_user(c, &cache, &pool_id, &input, &sub, None).map_err(&err)?;
            let username = created.user.and_then(|u| u.username).unwrap_or_default();
            if let (Some(password), false) = (&su.password, su.temporary) {
                users::set_password(c, &cache, &pool_id, &username, password, true, None)
                    .map_err(&err)?;
            }
            let pool = PoolView::load(c, &cache, &pool_id).map_err(&err)?;
            let (mut row, doc) = users::require(c, &pool, &username).map_err(&err)?;
            if let Some(status) = &su.status {
                const ALLOWED: &[UserStatusType] = &[
                    UserStatusType::CONFIRMED,
                    UserStatusType::UNCONFIRMED,
                    UserStatusType::FORCE_CHANGE_PASSWORD,
                    UserStatusType::RESET_REQUIRED,
                ];
                if !ALLOWED.iter().any(|s| s == status) {
                    let names: Vec<&str> = ALLOWED.iter().map(UserStatusType::as_str).collect();
                    return Err(err(crate::error::invalid(format!(
                        "status must be one of {}, not {status}.",
                        names.join(", ")
                    ))));
                }
                row.status = status.clone();
            }
            if !su.enabled || su.status.is_some() {
                row.enabled = su.enabled;
                row = users::save(c, &pool, row, &doc).map_err(&err)?;
            }
            for g in &su.groups {
                if pool_object::get(c, &pool_id, Kind::Group, g)?.is_none() {
                    return Err(err(crate::error::not_found(format!(
                        "Group {g} is not declared in this pool."
                    ))));
                }
                group_member::add(c, &pool_id, g, &row.username_key)?;
            }
            report.users += 1;
        }
    }
    Ok(report)
}
