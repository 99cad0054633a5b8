//! Create/Describe/List/Update/DeleteCIMDPolicy, ListClientMetadataURLs and
//! UpdateClientMetadataURLState. A policy is a `cimd_policy` pool object keyed by its
//! id; its cached documents are `cimd_document` objects under `<policy id>/`. AWS's
//! rules: the app client must exist in the pool and sign users in through OAuth (the
//! code or implicit grant), else OperationNotEnabledException; not on the Lite plan;
//! a URL pattern belongs to one policy of the pool; CacheDuration defaults to one day.
//! cognate's limit is 20 policies a pool. A policy whose app client was deleted is
//! answered without ClientId and matches no client until updated. Changing a policy
//! drops the cached documents its patterns no longer match; deleting it drops them all.

use super::document::{self, cached, CachedDocument};
use super::pattern::{matches, pattern_problem};
use crate::clock::now;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::client as user_pool_client;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;
use serde::{Deserialize, Serialize};

operation!(CreateCIMDPolicy => Service::create_cimd_policy);
operation!(DescribeCIMDPolicy => Service::describe_cimd_policy);
operation!(ListCIMDPolicies => Service::list_cimd_policies);
operation!(UpdateCIMDPolicy => Service::update_cimd_policy);
operation!(DeleteCIMDPolicy => Service::delete_cimd_policy);
operation!(ListClientMetadataURLs => Service::list_client_metadata_urls);
operation!(UpdateClientMetadataURLState => Service::update_client_metadata_url_state);

/// AWS's default CacheDuration: one day.
const DEFAULT_CACHE_DURATION: i32 = 86_400;
/// Policies a pool may hold (cognate's limit).
const MAX_POLICIES: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PolicyDoc {
    pub name: String,
    pub client_id: String,
    pub cache_duration: i32,
    pub url_patterns: Vec<String>,
    pub created: f64,
    pub modified: f64,
}

/// Every policy of the pool, by id.
pub(super) fn all(c: &mut dyn Conn, pool_id: &str) -> Result<Vec<(String, PolicyDoc)>> {
    let page = PageRequest {
        after: None,
        limit: 1000,
    };
    pool_object::list(c, pool_id, Kind::CimdPolicy, &page)?
        .items
        .into_iter()
        .map(|row| Ok((row.key, from_doc(&row.doc)?)))
        .collect()
}

fn load(c: &mut dyn Conn, pool_id: &str, policy_id: &str) -> Result<PolicyDoc> {
    load_pool(c, pool_id)?;
    let row = pool_object::get(c, pool_id, Kind::CimdPolicy, policy_id)?
        .ok_or_else(|| not_found(format!("CIMD policy {policy_id} does not exist.")))?;
    from_doc(&row.doc)
}

fn save(c: &mut dyn Conn, pool_id: &str, policy_id: &str, doc: &PolicyDoc) -> Result<()> {
    pool_object::put(
        c,
        pool_id,
        Kind::CimdPolicy,
        &PoolObjectRow {
            key: policy_id.to_string(),
            created_at: doc.created,
            doc: to_doc(doc)?,
        },
    )?;
    Ok(())
}

/// Whether the app client still exists in the pool (else its id is left out).
fn client_exists(c: &mut dyn Conn, pool_id: &str, client_id: &str) -> Result<bool> {
    Ok(user_pool_client::load_for_auth(c, client_id)?.is_some_and(|(p, _, _)| p == pool_id))
}

fn describe(pool_id: &str, policy_id: &str, doc: &PolicyDoc, exists: bool) -> CIMDPolicyType {
    CIMDPolicyType {
        user_pool_id: Some(pool_id.to_string()),
        cimd_policy_id: Some(policy_id.to_string()),
        client_id: exists.then(|| doc.client_id.clone()),
        policy_name: Some(doc.name.clone()),
        cache_duration: Some(doc.cache_duration),
        url_patterns: Some(doc.url_patterns.clone()),
        creation_date: Some(doc.created.floor()),
        last_modified_date: Some(doc.modified.floor()),
    }
}

/// The Essentials or Plus plan.
fn check_tier(pool: &UserPoolType) -> Result<()> {
    if pool.user_pool_tier == Some(UserPoolTierType::LITE) {
        return Err(fail(
            ErrorCode::FeatureUnavailableInTierException,
            "Client ID metadata documents are not available in the LITE tier.",
        ));
    }
    Ok(())
}

/// The app client must exist in the pool and sign users in through OAuth.
fn check_client(c: &mut dyn Conn, pool_id: &str, client_id: &str) -> Result<()> {
    let (_, doc) = user_pool_client::load(c, pool_id, client_id)?;
    let client = &doc.client;
    let user_flows = client.allowed_o_auth_flows_user_pool_client == Some(true)
        && client
            .allowed_o_auth_flows
            .iter()
            .flatten()
            .any(|f| *f == OAuthFlowType::CODE || *f == OAuthFlowType::IMPLICIT);
    if !user_flows {
        return Err(fail(
            ErrorCode::OperationNotEnabledException,
            format!(
                "App client {client_id} is not enabled for the OAuth authorization code or implicit grant."
            ),
        ));
    }
    Ok(())
}

/// Each pattern valid, none twice, none in another policy of the pool.
fn check_patterns(
    c: &mut dyn Conn,
    pool_id: &str,
    policy_id: &str,
    patterns: &[String],
) -> Result<()> {
    for (i, p) in patterns.iter().enumerate() {
        if let Some(problem) = pattern_problem(p) {
            return Err(invalid(problem));
        }
        if patterns[..i].contains(p) {
            return Err(invalid(format!("URL pattern {p} is listed twice.")));
        }
    }
    for (id, other) in all(c, pool_id)? {
        if id == policy_id {
            continue;
        }
        if let Some(p) = patterns.iter().find(|p| other.url_patterns.contains(p)) {
            return Err(invalid(format!(
                "URL pattern {p} already belongs to CIMD policy {id}."
            )));
        }
    }
    Ok(())
}

fn page(next_token: Option<&String>, max: Option<i32>) -> Result<PageRequest> {
    Ok(PageRequest {
        after: pagination::decode(next_token)?,
        limit: pagination::limit(max, 60),
    })
}

impl Service {
    pub(crate) async fn create_cimd_policy(
        &self,
        input: CreateCIMDPolicyRequest,
    ) -> Result<CreateCIMDPolicyResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let name = required(&input.policy_name, "policyName")?.clone();
        let patterns = required(&input.url_patterns, "uRLPatterns")?.clone();
        let cache_duration = input.cache_duration.unwrap_or(DEFAULT_CACHE_DURATION);
        let policy_id = crate::ids::client_id();
        let t = now();
        let doc = PolicyDoc {
            name,
            client_id,
            cache_duration,
            url_patterns: patterns,
            created: t,
            modified: t,
        };
        let (pool, id, kept) = (pool_id.clone(), policy_id.clone(), doc.clone());
        self.store()
            .write(move |c| {
                let (_, p) = load_pool(c, &pool)?;
                check_tier(&p)?;
                check_client(c, &pool, &kept.client_id)?;
                check_patterns(c, &pool, &id, &kept.url_patterns)?;
                if all(c, &pool)?.len() >= MAX_POLICIES {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        format!("A user pool can have at most {MAX_POLICIES} CIMD policies."),
                    ));
                }
                save(c, &pool, &id, &kept)
            })
            .await?;
        Ok(CreateCIMDPolicyResponse {
            cimd_policy: Some(describe(&pool_id, &policy_id, &doc, true)),
        })
    }

    pub(crate) async fn describe_cimd_policy(
        &self,
        input: DescribeCIMDPolicyRequest,
    ) -> Result<DescribeCIMDPolicyResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let policy_id = required(&input.cimd_policy_id, "cIMDPolicyId")?.clone();
        let (pool, id) = (pool_id.clone(), policy_id.clone());
        let (doc, exists) = self
            .store()
            .read(move |c| {
                let doc = load(c, &pool, &id)?;
                let exists = client_exists(c, &pool, &doc.client_id)?;
                Ok::<_, Error>((doc, exists))
            })
            .await?;
        Ok(DescribeCIMDPolicyResponse {
            cimd_policy: Some(describe(&pool_id, &policy_id, &doc, exists)),
        })
    }

    pub(crate) async fn list_cimd_policies(
        &self,
        input: ListCIMDPoliciesRequest,
    ) -> Result<ListCIMDPoliciesResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let request = page(input.next_token.as_ref(), input.max_results)?;
        let (items, next) = self
            .store()
            .read(move |c| {
                load_pool(c, &pool_id)?;
                let page = pool_object::list(c, &pool_id, Kind::CimdPolicy, &request)?;
                let mut items = Vec::with_capacity(page.items.len());
                for row in page.items {
                    let doc: PolicyDoc = from_doc(&row.doc)?;
                    let exists = client_exists(c, &pool_id, &doc.client_id)?;
                    items.push(CIMDPolicySummaryType {
                        cimd_policy_id: Some(row.key),
                        client_id: exists.then(|| doc.client_id.clone()),
                        policy_name: Some(doc.name),
                        cache_duration: Some(doc.cache_duration),
                        creation_date: Some(doc.created.floor()),
                        last_modified_date: Some(doc.modified.floor()),
                    });
                }
                Ok::<_, Error>((items, page.next))
            })
            .await?;
        Ok(ListCIMDPoliciesResponse {
            cimd_policies: Some(items),
            next_token: next.as_deref().map(pagination::encode),
        })
    }

    pub(crate) async fn update_cimd_policy(
        &self,
        input: UpdateCIMDPolicyRequest,
    ) -> Result<UpdateCIMDPolicyResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let policy_id = required(&input.cimd_policy_id, "cIMDPolicyId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let patterns = required(&input.url_patterns, "uRLPatterns")?.clone();
        let (name, cache_duration) = (input.policy_name.clone(), input.cache_duration);
        let (pool, id) = (pool_id.clone(), policy_id.clone());
        let doc = self
            .store()
            .write(move |c| {
                let mut doc = load(c, &pool, &id)?;
                let (_, p) = load_pool(c, &pool)?;
                check_tier(&p)?;
                check_client(c, &pool, &client_id)?;
                check_patterns(c, &pool, &id, &patterns)?;
                doc.client_id = client_id.clone();
                doc.url_patterns = patterns.clone();
                if let Some(name) = &name {
                    doc.name = name.clone();
                }
                if let Some(d) = cache_duration {
                    doc.cache_duration = d;
                }
                doc.modified = now().max(doc.created);
                save(c, &pool, &id, &doc)?;
                // Documents that no longer match stay out of the cache.
                let prefix = format!("{id}/");
                let request = PageRequest {
                    after: None,
                    limit: 100_000,
                };
                let rows =
                    pool_object::list_prefix(c, &pool, Kind::CimdDocument, &prefix, &request)?;
                for row in rows.items {
                    let url = row.key[prefix.len()..].to_string();
                    if !doc.url_patterns.iter().any(|p| matches(p, &url)) {
                        pool_object::delete(c, &pool, Kind::CimdDocument, &row.key)?;
                    }
                }
                Ok::<_, Error>(doc)
            })
            .await?;
        Ok(UpdateCIMDPolicyResponse {
            cimd_policy: Some(describe(&pool_id, &policy_id, &doc, true)),
        })
    }

    pub(crate) async fn delete_cimd_policy(
        &self,
        input: DeleteCIMDPolicyRequest,
    ) -> Result<DeleteCIMDPolicyResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let policy_id = required(&input.cimd_policy_id, "cIMDPolicyId")?.clone();
        self.store()
            .write(move |c| {
                load(c, &pool_id, &policy_id)?;
                pool_object::delete(c, &pool_id, Kind::CimdPolicy, &policy_id)?;
                let prefix = format!("{policy_id}/");
                let request = PageRequest {
                    after: None,
                    limit: 100_000,
                };
                let rows =
                    pool_object::list_prefix(c, &pool_id, Kind::CimdDocument, &prefix, &request)?;
                for row in rows.items {
                    pool_object::delete(c, &pool_id, Kind::CimdDocument, &row.key)?;
                }
                Ok::<_, Error>(())
            })
            .await?;
        Ok(DeleteCIMDPolicyResponse {})
    }

    pub(crate) async fn list_client_metadata_urls(
        &self,
        input: ListClientMetadataURLsRequest,
    ) -> Result<ListClientMetadataURLsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let policy_id = required(&input.cimd_policy_id, "cIMDPolicyId")?.clone();
        let request = page(input.next_token.as_ref(), input.max_results)?;
        let (items, next) = self
            .store()
            .read(move |c| {
                load(c, &pool_id, &policy_id)?;
                let prefix = format!("{policy_id}/");
                let page =
                    pool_object::list_prefix(c, &pool_id, Kind::CimdDocument, &prefix, &request)?;
                let t = now();
                let mut items = Vec::new();
                for row in page.items {
                    let doc: CachedDocument = from_doc(&row.doc)?;
                    // An expired document is no longer cached.
                    if doc.expires_at <= t {
                        continue;
                    }
                    items.push(ClientMetadataURLType {
                        url: Some(doc.url),
                        cached_date: Some(doc.cached_at.floor()),
                        expiration_date: Some(doc.expires_at.floor()),
                    });
                }
                Ok::<_, Error>((items, page.next))
            })
            .await?;
        Ok(ListClientMetadataURLsResponse {
            client_metadata_urls: Some(items),
            next_token: next.as_deref().map(pagination::encode),
        })
    }

    /// INVALIDATE drops the cached document, so that the next sign-in fetches it
    /// again; REFRESH fetches it now and replaces the cached one (which stays as it
    /// was if the new one cannot be had or is not valid).
    pub(crate) async fn update_client_metadata_url_state(
        &self,
        input: UpdateClientMetadataURLStateRequest,
    ) -> Result<UpdateClientMetadataURLStateResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let policy_id = required(&input.cimd_policy_id, "cIMDPolicyId")?.clone();
        let url = required(&input.url, "uRL")?.clone();
        let action = required(&input.action, "action")?.clone();
        let (pool, id, u) = (pool_id.clone(), policy_id.clone(), url.clone());
        let policy = self
            .store()
            .read(move |c| {
                let policy = load(c, &pool, &id)?;
                let (_, p) = load_pool(c, &pool)?;
                check_tier(&p)?;
                if cached(c, &pool, &id, &u)?.is_none() {
                    return Err(not_cached(&u));
                }
                Ok(policy)
            })
            .await?;
        let fresh = if action == CIMDCacheActionType::REFRESH {
            let doc = self
                .fetch_document(&url, policy.cache_duration)
                .await
                .map_err(|why| {
                    invalid(format!(
                        "The client metadata document could not be refreshed: {why}"
                    ))
                })?;
            Some(doc)
        } else {
            None
        };
        self.store()
            .write(move |c| {
                load(c, &pool_id, &policy_id)?;
                if cached(c, &pool_id, &policy_id, &url)?.is_none() {
                    return Err(not_cached(&url));
                }
                match &fresh {
                    Some(doc) => document::store(c, &pool_id, &policy_id, doc),
                    None => {
                        let key = document::cache_key(&policy_id, &url);
                        pool_object::delete(c, &pool_id, Kind::CimdDocument, &key)?;
                        Ok(())
                    }
                }
            })
            .await?;
        Ok(UpdateClientMetadataURLStateResponse {})
    }
}

fn not_cached(url: &str) -> Error {
    fail(
        ErrorCode::CachedCIMDURLDoesNotExistException,
        format!("The URL {url} is not cached for this CIMD policy."),
    )
}
