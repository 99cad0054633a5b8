//! The service: the deployment's configuration, the store, the master key's seal and the
//! caches every operation shares. Operations are `Service` methods in their area's
//! module, registered there (see `operations`).

use crate::crypto::kms::{KeyService, NoKms};
use crate::crypto::secret_box::SecretBox;
use crate::federation::{NoUpstream, Upstream};
use crate::messages::{Delivery, Discard, OutboxDelivery};
use crate::oauth::DomainHosts;
use crate::pools::cache::PoolCache;
use crate::tokens::signing_keys::KeyCache;
use crate::tokens::VerifiedTokens;
use crate::triggers::{LambdaInvoker, NoLambda};
use crate::users::import::ImportRuns;
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
    /// Whether the control API (`/_cognate/messages`) is served. Only then does the
    /// default delivery record sent messages, codes and temporary passwords included, in
    /// the outbox (for at most `OUTBOX_LIFETIME_SECONDS`); without it nothing is kept.
    pub control_api: bool,
    /// Where log delivery's records are written as JSON lines, one file per
    /// destination (`--log-delivery-dir`); None: they are not written.
    pub log_delivery_dir: Option<String>,
    /// Whether API requests are held to AWS's request-rate quotas (`--enforce-quotas`);
    /// off, nothing is ever throttled.
    pub enforce_quotas: bool,
    /// How far in the past a point-in-time recovery's RestoreTimestamp must be at least
    /// (AWS: 15 minutes; `--recovery-min-age`, lower for tests).
    pub recovery_min_age_seconds: f64,
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
    hosts: DomainHosts,
    delivery: Arc<dyn Delivery>,
    /// Outbound HTTP to identity providers (discovery, code exchange, keys, userInfo).
    upstream: std::sync::OnceLock<Arc<dyn Upstream>>,
    /// The Lambda Invoke API client that calls the pools' triggers.
    lambda: std::sync::OnceLock<Arc<dyn LambdaInvoker>>,
    /// The KMS client that makes the data keys of the custom sender triggers' codes.
    kms: std::sync::OnceLock<Arc<dyn KeyService>>,
    /// The user import jobs this node runs.
    imports: ImportRuns,
    /// The request-rate quotas' counts and limits on this node.
    quotas: crate::quotas::Quotas,
}

impl Service {
    /// A service whose messages are recorded in the outbox (`/_cognate/messages`) when
    /// the control API is on, and kept nowhere when it is off.
    pub fn new(store: Store, config: ServiceConfig, secrets: SecretBox) -> Self {
        let delivery: Arc<dyn Delivery> = if config.control_api {
            Arc::new(OutboxDelivery::new(store.clone()))
        } else {
            Arc::new(Discard)
        };
        Service::with_delivery(store, config, secrets, delivery)
    }

    /// A service whose messages go to `delivery` once their write has committed.
    pub fn with_delivery(
        store: Store,
        config: ServiceConfig,
        secrets: SecretBox,
        delivery: Arc<dyn Delivery>,
    ) -> Self {
        Service {
            inner: Arc::new(Inner {
                store,
                config,
                secrets,
                pools: Arc::default(),
                keys: KeyCache::default(),
                verified: VerifiedTokens::default(),
                hosts: DomainHosts::default(),
                delivery,
                upstream: std::sync::OnceLock::new(),
                lambda: std::sync::OnceLock::new(),
                kms: std::sync::OnceLock::new(),
                imports: ImportRuns::default(),
                quotas: Default::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Gives the service its outbound HTTP client for identity providers; without one,
    /// federated sign-in answers that it cannot reach them. Set once, at start.
    pub fn set_upstream(&self, upstream: Arc<dyn Upstream>) {
        let _ = self.inner.upstream.set(upstream);
    }

    pub(crate) fn upstream(&self) -> &dyn Upstream {
        match self.inner.upstream.get() {
            Some(u) => u.as_ref(),
            None => &NoUpstream,
        }
    }

    /// Gives the service its Lambda Invoke API client (`--lambda-endpoint`); without
    /// one, a pool's trigger fails its flow with UnexpectedLambdaException. Set once.
    pub fn set_lambda(&self, lambda: Arc<dyn LambdaInvoker>) {
        let _ = self.inner.lambda.set(lambda);
    }

    pub(crate) fn lambda(&self) -> &dyn LambdaInvoker {
        match self.inner.lambda.get() {
            Some(l) => l.as_ref(),
            None => &NoLambda,
        }
    }

    /// Gives the service its KMS client (`--kms-endpoint`); without one, a pool's
    /// CustomEmailSender or CustomSMSSender code cannot be encrypted. Set once.
    pub fn set_kms(&self, kms: Arc<dyn KeyService>) {
        let _ = self.inner.kms.set(kms);
    }

    pub(crate) fn kms(&self) -> &dyn KeyService {
        match self.inner.kms.get() {
            Some(k) => k.as_ref(),
            None => &NoKms,
        }
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

    pub(crate) fn domain_hosts(&self) -> &DomainHosts {
        &self.inner.hosts
    }

    pub(crate) fn delivery(&self) -> &dyn Delivery {
        &*self.inner.delivery
    }

    pub(crate) fn import_runs(&self) -> &ImportRuns {
        &self.inner.imports
    }

    /// The region a request is in: its signature's, else the default.
    pub(crate) fn request_region(&self, ctx: &cognate_api::RequestContext) -> String {
        ctx.signed_region
            .clone()
            .unwrap_or_else(|| self.config().default_region.clone())
    }

    pub(crate) fn quotas(&self) -> &crate::quotas::Quotas {
        &self.inner.quotas
    }
}

/// The configuration of test services.
#[cfg(test)]
pub(crate) fn test_config() -> ServiceConfig {
    ServiceConfig {
        default_region: "us-east-1".into(),
        account_id: "000000000000".into(),
        public_url: "http://127.0.0.1:9229".into(),
        issuer_base: "http://127.0.0.1:9229".into(),
        control_api: true,
        log_delivery_dir: None,
        enforce_quotas: false,
        recovery_min_age_seconds: 900.0,
    }
}

/// A service on a fresh SQLite database, for tests; keep the directory while it is used.
#[cfg(test)]
pub(crate) fn test_service() -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Service::new(
        Store::open_sqlite(dir.path()).expect("store"),
        test_config(),
        SecretBox::new(&SecretBox::generate_key()),
    );
    (service, dir)
}

/// A pool named "p" on `service`, for tests: its id.
#[cfg(test)]
pub(crate) async fn test_pool(service: &Service) -> String {
    service
        .create_user_pool(
            &cognate_api::RequestContext::default(),
            cognate_api::types::CreateUserPoolRequest {
                pool_name: Some("p".into()),
                ..Default::default()
            },
        )
        .await
        .expect("pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id")
}

/// The user "alice" with the verified email alice@example.com in `pool_id`, for tests
/// (created without an invitation).
#[cfg(test)]
pub(crate) async fn test_verified_alice(service: &Service, pool_id: &str) {
    use cognate_api::types::{AdminCreateUserRequest, AttributeType};
    let attr = |name: &str, value: &str| AttributeType {
        name: Some(name.into()),
        value: Some(value.into()),
    };
    service
        .admin_create_user(AdminCreateUserRequest {
            user_pool_id: Some(pool_id.to_string()),
            username: Some("alice".into()),
            message_action: Some("SUPPRESS".into()),
            user_attributes: Some(vec![
                attr("email", "alice@example.com"),
                attr("email_verified", "true"),
            ]),
            ..Default::default()
        })
        .await
        .expect("user");
}
