//! `pool_objects`: the low-volume objects of a pool, addressed by kind and key (groups,
//! resource servers, the MFA configuration, identity providers, branding, terms, ...).
//! An object looked up by two keys (a managed login style by its id and by its app
//! client) has a second kind whose rows map the other key to the first.

use super::{paginate, Page, PageRequest};
use crate::{params, Conn, Row, StoreError};

/// The kinds of object kept in `pool_objects`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Group,
    ResourceServer,
    MfaConfig,
    IdentityProvider,
    UiCustomization,
    RiskConfiguration,
    LogDelivery,
    ManagedLoginBranding,
    /// An app client's managed login style: client id → style id.
    ManagedLoginBrandingOfClient,
    Terms,
    /// An app client's terms documents: `<client id>/<terms name>` → terms id.
    TermsOfClient,
    /// Session tracking: the pool's (`pool`) and each app client's (its id).
    SessionConfig,
    /// A user's sign-in events (threat protection): `<sub>/<newest first>/<event id>`.
    AuthEvent,
    /// A secondary replica of the pool, by region.
    Replica,
    /// A client ID metadata document (CIMD) policy, by its id.
    CimdPolicy,
    /// A cached client metadata document: `<policy id>/<metadata URL>`.
    CimdDocument,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Group => "group",
            Kind::ResourceServer => "resource_server",
            Kind::MfaConfig => "mfa_config",
            Kind::IdentityProvider => "identity_provider",
            Kind::UiCustomization => "ui_customization",
            Kind::RiskConfiguration => "risk_configuration",
            Kind::LogDelivery => "log_delivery",
            Kind::ManagedLoginBranding => "managed_login_branding",
            Kind::ManagedLoginBrandingOfClient => "managed_login_branding_of_client",
            Kind::Terms => "terms",
            Kind::TermsOfClient => "terms_of_client",
            Kind::SessionConfig => "session_config",
            Kind::AuthEvent => "auth_event",
            Kind::Replica => "replica",
            Kind::CimdPolicy => "cimd_policy",
            Kind::CimdDocument => "cimd_document",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolObjectRow {
    pub key: String,
    pub created_at: f64,
    pub doc: String,
}

fn from_row(r: &Row) -> Result<PoolObjectRow, StoreError> {
    Ok(PoolObjectRow {
        key: r.text(0)?,
        created_at: r.real(1)?,
        doc: r.text(2)?,
    })
}

pub fn get(
    conn: &mut dyn Conn,
    pool_id: &str,
    kind: Kind,
    key: &str,
) -> Result<Option<PoolObjectRow>, StoreError> {
    conn.query_opt(
        "SELECT key, created_at, doc FROM pool_objects WHERE pool_id = $1 AND kind = $2 AND key = $3",
        params![pool_id, kind.as_str(), key],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// Inserts; false if an object of that kind and key exists already.
pub fn insert(
    conn: &mut dyn Conn,
    pool_id: &str,
    kind: Kind,
    row: &PoolObjectRow,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "INSERT INTO pool_objects (pool_id, kind, key, created_at, doc) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (pool_id, kind, key) DO NOTHING",
        params![pool_id, kind.as_str(), &row.key, row.created_at, &row.doc],
    )?;
    Ok(n == 1)
}

/// Inserts or replaces.
pub fn put(
    conn: &mut dyn Conn,
    pool_id: &str,
    kind: Kind,
    row: &PoolObjectRow,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO pool_objects (pool_id, kind, key, created_at, doc) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (pool_id, kind, key) DO UPDATE SET doc = excluded.doc",
        params![pool_id, kind.as_str(), &row.key, row.created_at, &row.doc],
    )?;
    Ok(())
}

pub fn delete(
    conn: &mut dyn Conn,
    pool_id: &str,
    kind: Kind,
    key: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "DELETE FROM pool_objects WHERE pool_id = $1 AND kind = $2 AND key = $3",
        params![pool_id, kind.as_str(), key],
    )?;
    Ok(n == 1)
}

/// Objects of `kind` in key order.
pub fn list(
    conn: &mut dyn Conn,
    pool_id: &str,
    kind: Kind,
    page: &PageRequest,
) -> Result<Page<PoolObjectRow>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        "SELECT key, created_at, doc FROM pool_objects WHERE pool_id = $1 AND kind = $2 AND key > $3 \
         ORDER BY key LIMIT $4",
        params![pool_id, kind.as_str(), after, page.limit + 1],
    )?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, page.limit, |r| r.key.clone()))
}

/// The objects of `kind` whose keys start with `prefix` (an ASCII prefix ending in `/`),
/// in key order, a page at a time.
pub fn list_prefix(
    conn: &mut dyn Conn,
    pool_id: &str,
    kind: Kind,
    prefix: &str,
    page: &PageRequest,
) -> Result<Page<PoolObjectRow>, StoreError> {
    let after = page
        .after
        .clone()
        .filter(|a| a.as_str() >= prefix)
        .unwrap_or_else(|| prefix.to_string());
    // Every key with the prefix sorts below the prefix with its last byte raised.
    let mut upper = prefix.as_bytes().to_vec();
    if let Some(last) = upper.last_mut() {
        *last = last.saturating_add(1);
    }
    let upper = String::from_utf8_lossy(&upper).into_owned();
    let rows = conn.query(
        "SELECT key, created_at, doc FROM pool_objects WHERE pool_id = $1 AND kind = $2 \
         AND key > $3 AND key < $4 ORDER BY key LIMIT $5",
        params![pool_id, kind.as_str(), after, upper, page.limit + 1],
    )?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, page.limit, |r| r.key.clone()))
}
