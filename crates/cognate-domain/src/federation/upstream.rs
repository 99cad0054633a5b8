//! Outbound HTTP to identity providers, as the domain sees it: one request, one answer.
//! The binary gives the service a real client (`cognate-delivery`'s `HttpUpstream`);
//! without one, nothing leaves the process and federated sign-in says so.

use std::future::Future;
use std::pin::Pin;

/// A request to an identity provider.
#[derive(Debug, Clone)]
pub struct UpstreamRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// A form body (`application/x-www-form-urlencoded`), for POST.
    pub form: Option<String>,
}

impl UpstreamRequest {
    pub fn get(url: &str) -> UpstreamRequest {
        UpstreamRequest {
            method: "GET",
            url: url.to_string(),
            headers: Vec::new(),
            form: None,
        }
    }

    pub fn post_form(url: &str, form: String) -> UpstreamRequest {
        UpstreamRequest {
            method: "POST",
            url: url.to_string(),
            headers: Vec::new(),
            form: Some(form),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> UpstreamRequest {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Its answer: the status, the headers (names in lower case) and the body (bounded by
/// the client).
#[derive(Debug, Clone, Default)]
pub struct UpstreamResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl UpstreamResponse {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub type UpstreamFuture<'a> =
    Pin<Box<dyn Future<Output = Result<UpstreamResponse, String>> + Send + 'a>>;

/// Sends requests to identity providers. An `Err` is a failure to get any answer
/// (no connection, a timeout, a body too large), in words for the operator's log.
pub trait Upstream: Send + Sync + 'static {
    fn send(&self, request: UpstreamRequest) -> UpstreamFuture<'_>;
}

/// No outbound HTTP: every request fails.
pub struct NoUpstream;

impl Upstream for NoUpstream {
    fn send(&self, _request: UpstreamRequest) -> UpstreamFuture<'_> {
        Box::pin(async { Err("this server makes no outbound HTTP requests".to_string()) })
    }
}
