//! Request-rate quotas (`--enforce-quotas`): AWS's categories (`categories.rs`), each a
//! rate in requests per second, raised per region with UpdateProvisionedLimit
//! (`provisioned.rs`). cognate counts them per user pool (a request that names no pool
//! counts toward its region), in token buckets (`limiter.rs`) that allow one second's
//! worth at once; past it, TooManyRequestsException. RespondToAuthChallenge and its
//! Admin twin have their own allowance of three times UserAuthentication's rate, and
//! count toward the category only past it; each operation of the pool-resource and
//! app-client categories is also held to 5 per second. Nodes on one PostgreSQL database
//! share the rate: each announces itself in the store every few seconds and enforces its
//! share, the rate divided by the nodes alive (`Service::refresh_quotas`). Off by
//! default, so that test suites are never throttled.

mod categories;
mod limiter;
mod provisioned;

pub use categories::Category;
use categories::{category_of, Counted};
use limiter::Buckets;

use crate::clock::now;
use crate::error::{fail, Result};
use crate::service::Service;
use cognate_api::{ErrorCode, Operation, RequestContext};
use cognate_store::records::{client, provisioned_limit, service_setting};
use cognate_store::Engine;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

/// How long a node's announcement lasts; nodes renew theirs every `REFRESH_SECONDS`.
const NODE_TTL_SECONDS: f64 = 15.0;
pub const REFRESH_SECONDS: u64 = 5;
const NODE_PREFIX: &str = "quota-node/";

/// A node's quota state: its buckets, the raised limits it last read, how many nodes
/// share the rates, and which pool each app client belongs to.
pub(crate) struct Quotas {
    node_id: String,
    buckets: Buckets,
    raised: RwLock<HashMap<(String, Category), i64>>,
    nodes: AtomicUsize,
    client_pools: Mutex<HashMap<String, String>>,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            node_id: uuid::Uuid::new_v4().to_string(),
            buckets: Buckets::default(),
            raised: RwLock::default(),
            nodes: AtomicUsize::new(1),
            client_pools: Mutex::default(),
        }
    }
}

impl Quotas {
    /// The rate of a category in a region, raised or default.
    fn limit(&self, region: &str, category: Category) -> i64 {
        self.raised
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(region.to_string(), category))
            .copied()
            .unwrap_or_else(|| category.free_limit())
    }

    fn set_raised(&self, region: &str, category: Category, value: i64) {
        self.raised
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert((region.to_string(), category), value);
    }

    /// Whether one more request of `counted` in `scope` fits this node's share.
    fn admit(&self, scope: &str, region: &str, op: Option<Operation>, counted: Counted) -> bool {
        let nodes = self.nodes.load(Ordering::Relaxed).max(1) as f64;
        let rate = self.limit(region, counted.category) as f64 / nodes;
        let t = Instant::now();
        let name = counted.category.name();
        if let (Some(cap), Some(op)) = (counted.category.per_operation_cap(), op) {
            if !self.buckets.take(scope, op.name(), cap as f64 / nodes, t) {
                return false;
            }
        }
        if counted.challenge_answer
            && self
                .buckets
                .take(scope, &format!("{name}/challenges"), rate * 3.0, t)
        {
            return true;
        }
        self.buckets.take(scope, name, rate, t)
    }
}

/// The members that name a request's pool, read without the rest of its input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Scope {
    user_pool_id: Option<String>,
    client_id: Option<String>,
    access_token: Option<String>,
}

/// The pool an access token names in its issuer (unverified: this only decides which
/// pool's rate the request counts toward; the operation verifies the token).
fn pool_of_token(token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    #[derive(Deserialize)]
    struct Claims {
        iss: String,
    }
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    claims.iss.rsplit('/').next().map(str::to_string)
}

fn throttled() -> crate::error::Error {
    fail(ErrorCode::TooManyRequestsException, "Rate exceeded")
}

impl Service {
    /// With `--enforce-quotas`, refuses an API request past its category's rate; `pool` is
    /// the pool it names (`pool_named_by`), else it counts toward its region.
    pub(crate) fn check_quota(
        &self,
        ctx: &RequestContext,
        op: Operation,
        pool: Option<&str>,
    ) -> Result<()> {
        let Some(counted) = category_of(op) else {
            return Ok(());
        };
        let region = self.request_region(ctx);
        let scope = pool.unwrap_or(&region);
        if self.quotas().admit(scope, &region, Some(op), counted) {
            Ok(())
        } else {
            Err(throttled())
        }
    }

    /// For the OAuth endpoints and hosted pages: refuses a request of `category` in
    /// `pool_id` past its rate, with `--enforce-quotas`.
    pub(crate) fn check_endpoint_quota(&self, pool_id: &str, category: Category) -> Result<()> {
        if !self.config().enforce_quotas {
            return Ok(());
        }
        let region = pool_id.split('_').next().unwrap_or_default().to_string();
        let counted = Counted {
            category,
            challenge_answer: false,
        };
        // Endpoint requests have no operation of their own, so no per-operation cap.
        if self.quotas().admit(pool_id, &region, None, counted) {
            Ok(())
        } else {
            Err(throttled())
        }
    }

    /// The pool a request names: its UserPoolId, its ClientId's pool, or its
    /// AccessToken's issuer (unverified: for deciding which pool's rules and rates apply,
    /// never for authorizing).
    pub(crate) async fn pool_named_by(&self, body: &[u8]) -> Result<Option<String>> {
        let named: Scope = serde_json::from_slice(body).unwrap_or_default();
        Ok(match named {
            Scope {
                user_pool_id: Some(pool),
                ..
            } => Some(pool),
            Scope {
                client_id: Some(client),
                ..
            } => self.pool_of_client(&client).await?,
            Scope {
                access_token: Some(token),
                ..
            } => pool_of_token(&token),
            _ => None,
        })
    }

    /// For the hosted pages and federation: refuses a request through app client
    /// `client_id` past `category`'s rate, with `--enforce-quotas`.
    pub(crate) async fn check_client_quota(
        &self,
        client_id: &str,
        category: Category,
    ) -> Result<()> {
        if !self.config().enforce_quotas {
            return Ok(());
        }
        match self.pool_of_client(client_id).await? {
            Some(pool) => self.check_endpoint_quota(&pool, category),
            None => Ok(()),
        }
    }

    async fn pool_of_client(&self, client_id: &str) -> Result<Option<String>> {
        if let Some(pool) = self
            .quotas()
            .client_pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(client_id)
        {
            return Ok(Some(pool.clone()));
        }
        let id = client_id.to_string();
        let pool = self
            .store()
            .read(move |c| Ok::<_, crate::error::Error>(client::get(c, &id)?.map(|r| r.pool_id)))
            .await?;
        if let Some(pool) = &pool {
            let mut known = self
                .quotas()
                .client_pools
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if known.len() >= 100_000 {
                known.clear();
            }
            known.insert(client_id.to_string(), pool.clone());
        }
        Ok(pool)
    }

    /// Reads the raised limits and, on PostgreSQL, announces this node and counts the
    /// nodes alive; run at start and every `REFRESH_SECONDS` while quotas are enforced.
    pub async fn refresh_quotas(&self) -> std::result::Result<(), cognate_api::ApiError> {
        let shared = self.store().engine() == Engine::Postgres;
        let node_key = format!("{NODE_PREFIX}{}", self.quotas().node_id);
        let (limits, nodes) = if shared {
            self.store()
                .write(move |c| {
                    let limits = provisioned_limit::all(c)?;
                    let t = now();
                    service_setting::put(c, &node_key, &(t + NODE_TTL_SECONDS).to_string())?;
                    let mut alive = 0;
                    for (key, until) in service_setting::with_prefix(c, NODE_PREFIX)? {
                        if until.parse::<f64>().is_ok_and(|u| u > t) {
                            alive += 1;
                        } else {
                            service_setting::delete(c, &key)?;
                        }
                    }
                    Ok::<_, crate::error::Error>((limits, alive))
                })
                .await?
        } else {
            let limits = self
                .store()
                .read(|c| Ok::<_, crate::error::Error>(provisioned_limit::all(c)?))
                .await?;
            (limits, 1)
        };
        let quotas = self.quotas();
        let mut raised = HashMap::new();
        for row in limits {
            if let Some(category) = Category::from_name(&row.category) {
                raised.insert((row.region, category), row.value);
            }
        }
        *quotas.raised.write().unwrap_or_else(|e| e.into_inner()) = raised;
        quotas.nodes.store(nodes.max(1), Ordering::Relaxed);
        Ok(())
    }

    /// Forgets the counts (the control API's reset).
    pub(crate) fn reset_quotas(&self) {
        self.quotas().buckets.clear();
        self.quotas()
            .raised
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.quotas()
            .client_pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
