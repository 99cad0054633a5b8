//! Which pool a request's Host names: `<prefix>.auth.<anything>` for a pool's prefix
//! domain, or a pool's custom domain (DESIGN.md). Answers are cached per name for a
//! short while, so the OAuth endpoints do not pay a query per request; this node's own
//! domain writes drop their name at once, and other nodes' are seen within
//! `HOST_TTL` (AWS too takes up to a minute to bring a new domain online).

use crate::error::Result;
use crate::pools::domain::DomainDoc;
use crate::service::Service;
use crate::stored::from_doc;
use cognate_store::records::user_pool_domain;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const HOST_TTL: Duration = Duration::from_secs(10);
const CAPACITY: usize = 10_000;

/// Domain name → (when looked up, the pool and whether it is a custom domain).
type Entries = HashMap<String, (Instant, Option<(String, bool)>)>;

#[derive(Default)]
pub struct DomainHosts {
    entries: RwLock<Entries>,
}

impl DomainHosts {
    fn cached(&self, domain: &str) -> Option<Option<(String, bool)>> {
        let entries = self.entries.read().ok()?;
        let (at, found) = entries.get(domain)?;
        (at.elapsed() < HOST_TTL).then(|| found.clone())
    }

    fn put(&self, domain: &str, found: Option<(String, bool)>) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(domain.to_string(), (Instant::now(), found));
        }
    }

    /// Drops what is known of `domain` (after a write that changed it).
    pub fn forget(&self, domain: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(domain);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }
}

/// The names a Host header may stand for: the whole host (a custom domain) and, for
/// `<prefix>.auth.<anything>`, the prefix. The port and letter case are left out.
pub(crate) fn candidates(host: &str) -> (String, Option<String>) {
    let host = host.trim().to_ascii_lowercase();
    let name = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default().to_string()
    };
    let mut labels = name.split('.');
    let prefix = match (labels.next(), labels.next(), labels.next()) {
        (Some(prefix), Some("auth"), Some(rest)) if !prefix.is_empty() && !rest.is_empty() => {
            Some(prefix.to_string())
        }
        _ => None,
    };
    (name, prefix)
}

impl Service {
    async fn domain_owner(&self, domain: &str) -> Result<Option<(String, bool)>> {
        if let Some(found) = self.domain_hosts().cached(domain) {
            return Ok(found);
        }
        let name = domain.to_string();
        let found = self
            .store()
            .read(move |c| {
                let Some(row) = user_pool_domain::get(c, &name)? else {
                    return Ok::<_, crate::error::Error>(None);
                };
                let doc: DomainDoc = from_doc(&row.doc)?;
                Ok(Some((row.pool_id, doc.is_custom())))
            })
            .await?;
        self.domain_hosts().put(domain, found.clone());
        Ok(found)
    }

    /// The pool whose domain the Host header names, if any.
    pub async fn pool_for_host(
        &self,
        host: &str,
    ) -> std::result::Result<Option<String>, cognate_api::ApiError> {
        let (name, prefix) = candidates(host);
        if name.is_empty() {
            return Ok(None);
        }
        if let Some((pool, true)) = self.domain_owner(&name).await? {
            return Ok(Some(pool));
        }
        if let Some(prefix) = prefix {
            if let Some((pool, false)) = self.domain_owner(&prefix).await? {
                return Ok(Some(pool));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::candidates;

    #[test]
    fn hosts_name_a_custom_domain_or_a_prefix() {
        assert_eq!(
            candidates("My-App.auth.us-east-1.amazoncognito.com:443"),
            (
                "my-app.auth.us-east-1.amazoncognito.com".into(),
                Some("my-app".into())
            )
        );
        assert_eq!(
            candidates("login.auth.localhost:9229"),
            ("login.auth.localhost".into(), Some("login".into()))
        );
        assert_eq!(
            candidates("auth.example.com"),
            ("auth.example.com".into(), None)
        );
        assert_eq!(candidates("127.0.0.1:9229"), ("127.0.0.1".into(), None));
        assert_eq!(candidates("[::1]:9229"), ("[::1]".into(), None));
    }
}
