//! A client metadata document: fetched from its URL (only a URL that matches a policy
//! of the pool, so the server reaches no address an administrator did not allow;
//! `GET` with the upstream client's ten seconds, no redirects, at most 64 KiB), checked
//! as AWS's rules for CIMD clients say (its `client_id` is the URL; public clients only:
//! `token_endpoint_auth_method` `none`, no secret, no `client_credentials`), and kept in
//! the store as a `cimd_document` pool object until it expires: the policy's
//! CacheDuration, or the answer's `Cache-Control: max-age` where that lies between one
//! day and one year. A document that fails a check is never kept.

use super::pattern::matches;
use super::policies::{self, PolicyDoc};
use crate::clock::now;
use crate::error::{Error, Result};
use crate::federation::UpstreamRequest;
use crate::pools::client as user_pool_client;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The largest document accepted.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// A `max-age` the cache follows lies within these (one day, one year).
const MIN_MAX_AGE: i64 = 86_400;
const MAX_MAX_AGE: i64 = 31_556_952;

/// What the cache keeps of a checked document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CachedDocument {
    pub url: String,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    #[serde(default)]
    pub client_name: Option<String>,
    pub cached_at: f64,
    pub expires_at: f64,
}

/// A CIMD client as a request sees it: the app client it runs as, and its document.
#[derive(Debug, Clone)]
pub(crate) struct CimdClient {
    pub pool_id: String,
    pub client: UserPoolClientType,
    pub document: CachedDocument,
}

/// Why a metadata URL is not a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CimdRefusal {
    /// No policy of the pool matches it, or its app client is gone.
    Unknown,
    /// The document could not be had, or is not valid.
    BadDocument,
    /// The store failed.
    Failed,
}

pub(super) fn cache_key(policy_id: &str, url: &str) -> String {
    format!("{policy_id}/{url}")
}

/// The policy of the pool whose pattern matches `url` (the longest matching pattern
/// wins, then the smallest id), and its document.
pub(super) fn matching_policy(
    c: &mut dyn Conn,
    pool_id: &str,
    url: &str,
) -> Result<Option<(String, PolicyDoc)>> {
    let mut best: Option<(usize, String, PolicyDoc)> = None;
    for (id, policy) in policies::all(c, pool_id)? {
        let Some(len) = policy
            .url_patterns
            .iter()
            .filter(|p| matches(p, url))
            .map(String::len)
            .max()
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(l, _, _)| len > *l) {
            best = Some((len, id, policy));
        }
    }
    Ok(best.map(|(_, id, policy)| (id, policy)))
}

/// The cached document of `url` under `policy_id`, if live.
pub(super) fn cached(
    c: &mut dyn Conn,
    pool_id: &str,
    policy_id: &str,
    url: &str,
) -> Result<Option<CachedDocument>> {
    let Some(row) = pool_object::get(c, pool_id, Kind::CimdDocument, &cache_key(policy_id, url))?
    else {
        return Ok(None);
    };
    let doc: CachedDocument = from_doc(&row.doc)?;
    Ok((doc.expires_at > now()).then_some(doc))
}

pub(super) fn store(
    c: &mut dyn Conn,
    pool_id: &str,
    policy_id: &str,
    doc: &CachedDocument,
) -> Result<()> {
    pool_object::put(
        c,
        pool_id,
        Kind::CimdDocument,
        &PoolObjectRow {
            key: cache_key(policy_id, &doc.url),
            created_at: doc.cached_at,
            doc: to_doc(doc)?,
        },
    )?;
    Ok(())
}

/// `max-age` of a Cache-Control value, where it has one.
fn max_age(cache_control: Option<&str>) -> Option<i64> {
    cache_control?.split(',').find_map(|directive| {
        let (name, value) = directive.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        value.trim().trim_matches('"').parse().ok()
    })
}

/// How long a document is kept: the answer's max-age within a day and a year, else the
/// policy's CacheDuration.
fn lifetime(cache_control: Option<&str>, cache_duration: i32) -> i64 {
    match max_age(cache_control) {
        Some(age) if (MIN_MAX_AGE..=MAX_MAX_AGE).contains(&age) => age,
        _ => i64::from(cache_duration),
    }
}

fn strings(value: Option<&Value>, default: &[&str]) -> std::result::Result<Vec<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(default.iter().map(|s| s.to_string()).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "a list holds a value that is not a string".to_string())
            })
            .collect(),
        Some(_) => Err("a list member is not a list".to_string()),
    }
}

/// A redirect URI a document may register: absolute, without a fragment; `https`, or
/// `http` to a loopback host, or an app's own scheme.
fn redirect_uri_ok(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    if uri.contains('#') || uri.chars().any(char::is_whitespace) || rest.is_empty() {
        return false;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => rest.starts_with("//") && rest.len() > 2,
        "http" => ["//localhost", "//127.0.0.1", "//[::1]"].iter().any(|h| {
            rest.strip_prefix(h)
                .is_some_and(|tail| tail.is_empty() || tail.starts_with([':', '/']))
        }),
        "javascript" | "data" | "file" | "vbscript" => false,
        s => s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')),
    }
}

/// Checks a fetched document; the reason is for the operator's log.
pub(super) fn check_document(
    url: &str,
    body: &[u8],
    cache_control: Option<&str>,
    cache_duration: i32,
) -> std::result::Result<CachedDocument, String> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "the document is larger than {MAX_DOCUMENT_BYTES} bytes"
        ));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|_| "the document is not JSON".to_string())?;
    let Value::Object(doc) = value else {
        return Err("the document is not a JSON object".to_string());
    };
    if doc.get("client_id").and_then(Value::as_str) != Some(url) {
        return Err("its client_id is not the URL it was fetched from".to_string());
    }
    if doc.contains_key("client_secret") || doc.contains_key("client_secret_expires_at") {
        return Err("it holds a client secret".to_string());
    }
    if doc
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
        != Some("none")
    {
        return Err("its token_endpoint_auth_method is not none (CIMD clients are public)".into());
    }
    let redirect_uris = strings(doc.get("redirect_uris"), &[])?;
    if redirect_uris.is_empty() {
        return Err("it has no redirect_uris".to_string());
    }
    if let Some(bad) = redirect_uris.iter().find(|u| !redirect_uri_ok(u)) {
        return Err(format!("redirect URI {bad} is not allowed"));
    }
    let grant_types = strings(doc.get("grant_types"), &["authorization_code"])?;
    if grant_types.iter().any(|g| g == "client_credentials") {
        return Err("CIMD clients cannot use the client_credentials grant".to_string());
    }
    let response_types = strings(doc.get("response_types"), &["code"])?;
    let client_name = doc
        .get("client_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let cached_at = now();
    Ok(CachedDocument {
        url: url.to_string(),
        redirect_uris,
        grant_types,
        response_types,
        client_name,
        cached_at,
        expires_at: cached_at + lifetime(cache_control, cache_duration) as f64,
    })
}

impl Service {
    /// Fetches and checks the document at `url` (outside any transaction).
    pub(super) async fn fetch_document(
        &self,
        url: &str,
        cache_duration: i32,
    ) -> std::result::Result<CachedDocument, String> {
        let answer = self
            .upstream()
            .send(UpstreamRequest::get(url).header("accept", "application/json"))
            .await?;
        if answer.status != 200 {
            return Err(format!("{url} answered HTTP {}", answer.status));
        }
        check_document(
            url,
            &answer.body,
            answer.header("cache-control"),
            cache_duration,
        )
        .map_err(|why| format!("{url}: {why}"))
    }

    /// The CIMD client `url` names in pool `pool_id`: a policy of the pool must match
    /// it; its document comes from the cache, else is fetched, checked and cached.
    pub(crate) async fn cimd_client(
        &self,
        pool_id: &str,
        url: &str,
    ) -> std::result::Result<CimdClient, CimdRefusal> {
        let (pool, u) = (pool_id.to_string(), url.to_string());
        let found = self
            .store()
            .read(move |c| {
                let Some((policy_id, policy)) = matching_policy(c, &pool, &u)? else {
                    return Ok::<_, Error>(None);
                };
                let client = user_pool_client::load_for_auth(c, &policy.client_id)?
                    .filter(|(p, _, _)| *p == pool)
                    .map(|(_, client, _)| client);
                let doc = cached(c, &pool, &policy_id, &u)?;
                Ok(Some((policy_id, policy, client, doc)))
            })
            .await
            .map_err(|_| CimdRefusal::Failed)?;
        let Some((policy_id, policy, Some(client), doc)) = found else {
            return Err(CimdRefusal::Unknown);
        };
        let document = match doc {
            Some(doc) => doc,
            None => {
                let doc = self
                    .fetch_document(url, policy.cache_duration)
                    .await
                    .map_err(|why| {
                        tracing::warn!(pool = pool_id, reason = %why, "client metadata document refused");
                        CimdRefusal::BadDocument
                    })?;
                let (pool, kept) = (pool_id.to_string(), doc.clone());
                self.store()
                    .write(move |c| store(c, &pool, &policy_id, &kept))
                    .await
                    .map_err(|_| CimdRefusal::Failed)?;
                doc
            }
        };
        Ok(CimdClient {
            pool_id: pool_id.to_string(),
            client,
            document,
        })
    }

    /// The app client a CIMD client id runs as at the token endpoint: a policy of the
    /// pool must still match `url` (nothing is fetched there).
    pub(crate) async fn cimd_app_client(
        &self,
        pool_id: &str,
        url: &str,
    ) -> Result<Option<(String, UserPoolClientType, Vec<String>)>> {
        let (pool, u) = (pool_id.to_string(), url.to_string());
        self.store()
            .read(move |c| {
                let Some((_, policy)) = matching_policy(c, &pool, &u)? else {
                    return Ok(None);
                };
                Ok(user_pool_client::load_for_auth(c, &policy.client_id)?
                    .filter(|(p, _, _)| *p == pool))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://app.example.com/client.json";

    fn doc(extra: Value) -> Vec<u8> {
        let mut d = serde_json::json!({
            "client_id": URL,
            "redirect_uris": ["https://app.example.com/cb"],
            "token_endpoint_auth_method": "none",
        });
        if let (Value::Object(d), Value::Object(e)) = (&mut d, extra) {
            d.extend(e);
        }
        serde_json::to_vec(&d).unwrap_or_default()
    }

    #[test]
    fn documents_are_checked() {
        let ok = check_document(URL, &doc(serde_json::json!({})), None, 86_400).expect("ok");
        assert_eq!(ok.grant_types, vec!["authorization_code"]);
        assert_eq!(ok.response_types, vec!["code"]);
        assert_eq!((ok.expires_at - ok.cached_at) as i64, 86_400);
        for bad in [
            serde_json::json!({"client_id": "https://other.example.com/client.json"}),
            serde_json::json!({"token_endpoint_auth_method": "client_secret_basic"}),
            serde_json::json!({"client_secret": "s"}),
            serde_json::json!({"grant_types": ["client_credentials"]}),
            serde_json::json!({"redirect_uris": []}),
            serde_json::json!({"redirect_uris": ["javascript:alert(1)"]}),
            serde_json::json!({"redirect_uris": ["http://app.example.com/cb"]}),
        ] {
            assert!(
                check_document(URL, &doc(bad.clone()), None, 86_400).is_err(),
                "{bad}"
            );
        }
        assert!(check_document(URL, b"[1]", None, 86_400).is_err());
    }

    #[test]
    fn max_age_counts_between_a_day_and_a_year() {
        assert_eq!(lifetime(Some("public, max-age=172800"), 86_400), 172_800);
        assert_eq!(lifetime(Some("max-age=60"), 90_000), 90_000);
        assert_eq!(lifetime(Some("max-age=99999999"), 90_000), 90_000);
        assert_eq!(lifetime(None, 90_000), 90_000);
    }
}
