//! Multi-Region replication: Create/List/Update/DeleteUserPoolReplica. A pool (Essentials
//! or Plus) may have one secondary replica, in another region; cognate keeps one
//! directory, so the replica serves the same users, clients and signing keys at once.
//! What changes is what a request signed for the replica's region may do
//! (`Service::check_replica_region`, before dispatch): a secondary starts INACTIVE,
//! taking administrators' reads and its own settings but no end-user request; ACTIVE, it
//! also signs users in, refreshes and revokes tokens, and answers reads, but creates and
//! changes no user and no pool configuration (the primary's region does that), as AWS
//! documents. Only an INACTIVE replica can be deleted, from the primary's region. A
//! request's region is its SigV4 credential scope's: the unsigned requests of end users
//! (SignUp, InitiateAuth, ...) name none, since an endpoint URL given to an SDK names no
//! region, and are served as the primary's.
//! Kept as pool objects of kind `replica`, by region.

use crate::clock::now;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pools::pool::{arn, load as load_pool};
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::{ErrorCode, Operation, RequestContext};
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

operation!(CreateUserPoolReplica => Service::create_user_pool_replica, with_context);
operation!(ListUserPoolReplicas => Service::list_user_pool_replicas);
operation!(UpdateUserPoolReplica => Service::update_user_pool_replica);
operation!(DeleteUserPoolReplica => Service::delete_user_pool_replica, with_context);

/// Secondary replicas a pool may have.
const MAX_SECONDARIES: usize = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Replica {
    /// ACTIVE or INACTIVE.
    status: String,
    created_at: f64,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// The region a pool id names: its primary region.
fn primary_region(pool_id: &str) -> &str {
    pool_id.split('_').next().unwrap_or_default()
}

/// An AWS region name: letters, then dash-separated words, ending in a number
/// (`eu-west-1`, `us-gov-west-1`).
fn valid_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn secondaries(c: &mut dyn Conn, pool_id: &str) -> Result<Vec<(String, Replica)>> {
    let page = PageRequest {
        after: None,
        limit: 100,
    };
    pool_object::list(c, pool_id, Kind::Replica, &page)?
        .items
        .into_iter()
        .map(|row| Ok((row.key, from_doc(&row.doc)?)))
        .collect()
}

fn replica_not_found(pool_id: &str, region: &str) -> Error {
    not_found(format!(
        "User pool {pool_id} has no replica in region {region}."
    ))
}

impl Service {
    fn replica_type(
        &self,
        pool_id: &str,
        region: &str,
        status: &str,
        primary: bool,
    ) -> UserPoolReplicaType {
        UserPoolReplicaType {
            region_name: Some(region.to_string()),
            status: Some(ReplicaStatusType::from(status.to_string())),
            role: Some(if primary {
                ReplicaRoleType::PRIMARY
            } else {
                ReplicaRoleType::SECONDARY
            }),
            user_pool_arn: Some(arn(self, region, pool_id)),
        }
    }

    pub(crate) async fn create_user_pool_replica(
        &self,
        ctx: &RequestContext,
        input: CreateUserPoolReplicaRequest,
    ) -> Result<CreateUserPoolReplicaResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let region = required(&input.region_name, "regionName")?.clone();
        if !valid_region(&region) {
            return Err(invalid(format!("Invalid region name: {region}")));
        }
        if region == primary_region(&pool_id) {
            return Err(invalid(format!(
                "The region {region} is the primary region of user pool {pool_id}."
            )));
        }
        if let Some(signed) = &ctx.signed_region {
            if signed != primary_region(&pool_id) {
                return Err(invalid(
                    "Replicas are created from the user pool's primary region.",
                ));
            }
        }
        let tags = input.user_pool_tags.clone().unwrap_or_default();
        let (id, key) = (pool_id.clone(), region.clone());
        self.store()
            .write(move |c| {
                let (_, pool) = load_pool(c, &id)?;
                if pool.user_pool_tier == Some(UserPoolTierType::LITE) {
                    return Err(fail(
                        ErrorCode::FeatureUnavailableInTierException,
                        "Multi-Region replication is not available in the LITE tier.",
                    ));
                }
                let existing = secondaries(c, &id)?;
                if existing.iter().any(|(r, _)| *r == key) {
                    return Err(invalid(format!(
                        "User pool {id} already has a replica in region {key}."
                    )));
                }
                if existing.len() >= MAX_SECONDARIES {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        "A user pool can have at most one secondary replica.",
                    ));
                }
                let replica = Replica {
                    status: "INACTIVE".into(),
                    created_at: now(),
                    tags: tags.clone().into_iter().collect(),
                };
                pool_object::insert(
                    c,
                    &id,
                    Kind::Replica,
                    &PoolObjectRow {
                        key: key.clone(),
                        created_at: replica.created_at,
                        doc: to_doc(&replica)?,
                    },
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        // Replication is immediate here; the answer says what AWS's does, and the
        // replica lists as INACTIVE from now on.
        Ok(CreateUserPoolReplicaResponse {
            user_pool_replica: Some(self.replica_type(&pool_id, &region, "CREATING", false)),
        })
    }

    pub(crate) async fn list_user_pool_replicas(
        &self,
        input: ListUserPoolReplicasRequest,
    ) -> Result<ListUserPoolReplicasResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        if input.next_token.is_some() {
            return Err(invalid("The pagination token is invalid."));
        }
        let id = pool_id.clone();
        let replicas = self
            .store()
            .read(move |c| {
                load_pool(c, &id)?;
                secondaries(c, &id)
            })
            .await?;
        let mut list = vec![self.replica_type(&pool_id, primary_region(&pool_id), "ACTIVE", true)];
        for (region, replica) in replicas {
            list.push(self.replica_type(&pool_id, &region, &replica.status, false));
        }
        Ok(ListUserPoolReplicasResponse {
            user_pool_replicas: Some(list),
            next_token: None,
        })
    }

    pub(crate) async fn update_user_pool_replica(
        &self,
        input: UpdateUserPoolReplicaRequest,
    ) -> Result<UpdateUserPoolReplicaResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let region = required(&input.region_name, "regionName")?.clone();
        let status = required(&input.status, "status")?.as_str().to_string();
        if region == primary_region(&pool_id) {
            return Err(invalid(format!(
                "The primary replica of user pool {pool_id} is always ACTIVE."
            )));
        }
        let (id, key, new_status) = (pool_id.clone(), region.clone(), status.clone());
        self.store()
            .write(move |c| {
                load_pool(c, &id)?;
                let row = pool_object::get(c, &id, Kind::Replica, &key)?
                    .ok_or_else(|| replica_not_found(&id, &key))?;
                let mut replica: Replica = from_doc(&row.doc)?;
                replica.status = new_status.clone();
                pool_object::put(
                    c,
                    &id,
                    Kind::Replica,
                    &PoolObjectRow {
                        doc: to_doc(&replica)?,
                        ..row
                    },
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(UpdateUserPoolReplicaResponse {
            user_pool_replica: Some(self.replica_type(&pool_id, &region, &status, false)),
        })
    }

    pub(crate) async fn delete_user_pool_replica(
        &self,
        ctx: &RequestContext,
        input: DeleteUserPoolReplicaRequest,
    ) -> Result<DeleteUserPoolReplicaResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let region = required(&input.region_name, "regionName")?.clone();
        if region == primary_region(&pool_id) {
            return Err(invalid(format!(
                "The primary replica of user pool {pool_id} cannot be deleted."
            )));
        }
        if ctx
            .signed_region
            .as_deref()
            .is_some_and(|r| r != primary_region(&pool_id))
        {
            return Err(invalid(
                "Replicas are deleted from the user pool's primary region.",
            ));
        }
        let (id, key) = (pool_id.clone(), region.clone());
        self.store()
            .write(move |c| {
                load_pool(c, &id)?;
                let row = pool_object::get(c, &id, Kind::Replica, &key)?
                    .ok_or_else(|| replica_not_found(&id, &key))?;
                let replica: Replica = from_doc(&row.doc)?;
                if replica.status != "INACTIVE" {
                    return Err(invalid(format!(
                        "The replica in region {key} must be INACTIVE to be deleted."
                    )));
                }
                pool_object::delete(c, &id, Kind::Replica, &key)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(DeleteUserPoolReplicaResponse {
            user_pool_replica: Some(self.replica_type(&pool_id, &region, "DELETING", false)),
        })
    }

    /// Before dispatch, for a request signed for a region other than the primary of the
    /// pool it names: where the pool has a replica there, what the replica's state
    /// allows.
    pub(crate) async fn check_replica_region(
        &self,
        region: &str,
        op: Operation,
        pool_id: &str,
    ) -> Result<()> {
        if primary_region(pool_id) == region || !replica_rules_apply(op) {
            return Ok(());
        }
        let (id, key) = (pool_id.to_string(), region.to_string());
        let replica = self
            .store()
            .read(move |c| {
                pool_object::get(c, &id, Kind::Replica, &key)?
                    .map(|row| from_doc::<Replica>(&row.doc))
                    .transpose()
            })
            .await?;
        let Some(replica) = replica else {
            return Ok(());
        };
        let not_here = |why: &str| {
            Err(fail(
                ErrorCode::OperationNotEnabledException,
                format!("{} is not available in region {region}: {why}", op.name()),
            ))
        };
        if !secondary_allows(op) {
            return not_here(&format!(
                "the replica of user pool {pool_id} there is a secondary; call it in the primary region {}.",
                primary_region(pool_id)
            ));
        }
        if replica.status != "ACTIVE" && !op.needs_iam() {
            return not_here(&format!(
                "the replica of user pool {pool_id} there is {} and accepts no end-user requests.",
                replica.status
            ));
        }
        Ok(())
    }
}

/// The regions of a pool's secondary replicas (ListUserPools' ReplicaRegions).
pub(crate) fn replica_regions(c: &mut dyn Conn, pool_id: &str) -> Result<Vec<String>> {
    Ok(secondaries(c, pool_id)?
        .into_iter()
        .map(|(r, _)| r)
        .collect())
}

/// Whether the replica rules concern `op` at all: the replica operations themselves
/// are checked by their handlers.
fn replica_rules_apply(op: Operation) -> bool {
    !matches!(
        op,
        Operation::CreateUserPoolReplica
            | Operation::ListUserPoolReplicas
            | Operation::UpdateUserPoolReplica
            | Operation::DeleteUserPoolReplica
    )
}

/// What a secondary replica serves: reads, signing in and its tokens, devices, and the
/// settings that are its own (tags, log delivery); not creating or changing users or the
/// pool's configuration.
fn secondary_allows(op: Operation) -> bool {
    let name = op.name();
    let name = name.strip_prefix("Admin").unwrap_or(name);
    let reads = name.starts_with("Get") || name.starts_with("Describe") || name.starts_with("List");
    (reads
        || matches!(
            op,
            Operation::InitiateAuth
                | Operation::AdminInitiateAuth
                | Operation::RespondToAuthChallenge
                | Operation::AdminRespondToAuthChallenge
                | Operation::RevokeToken
                | Operation::GlobalSignOut
                | Operation::AdminUserGlobalSignOut
                | Operation::RevokeUserSession
                | Operation::AdminRevokeUserSession
                | Operation::ConfirmDevice
                | Operation::ForgetDevice
                | Operation::AdminForgetDevice
                | Operation::UpdateDeviceStatus
                | Operation::AdminUpdateDeviceStatus
                | Operation::UpdateAuthEventFeedback
                | Operation::AdminUpdateAuthEventFeedback
                | Operation::TagResource
                | Operation::UntagResource
                | Operation::SetLogDeliveryConfiguration
        ))
        && !matches!(
            op,
            Operation::GetUserAttributeVerificationCode | Operation::GetCSVHeader
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-10"] {
            assert!(valid_region(ok), "{ok}");
        }
        for bad in ["eu-west", "EU-west-1", "eu--1", "west-1", "eu-west-1a"] {
            assert!(!valid_region(bad), "{bad}");
        }
    }

    #[test]
    fn a_secondary_signs_in_and_reads_but_changes_no_user() {
        assert!(secondary_allows(Operation::InitiateAuth));
        assert!(secondary_allows(Operation::AdminGetUser));
        assert!(secondary_allows(Operation::ListUsers));
        assert!(!secondary_allows(Operation::SignUp));
        assert!(!secondary_allows(Operation::AdminCreateUser));
        assert!(!secondary_allows(Operation::ForgotPassword));
        assert!(!secondary_allows(Operation::UpdateUserAttributes));
        assert!(!secondary_allows(
            Operation::GetUserAttributeVerificationCode
        ));
        assert!(!secondary_allows(Operation::UpdateUserPool));
    }
}
