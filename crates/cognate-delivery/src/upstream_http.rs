//! The federation's outbound HTTP (`cognate_domain::federation::Upstream`): requests to
//! identity providers (discovery documents, JWKS, the code exchange, userInfo, SAML
//! metadata) over HTTP or HTTPS with the system's trusted roots. Each request has ten
//! seconds and its answer at most 1 MiB; redirects are not followed. The client (and
//! the system's roots, whose loading takes milliseconds) is made at the first request,
//! not at start: most servers never federate, and tests start many servers.

use bytes::Bytes;
use cognate_domain::federation::{Upstream, UpstreamFuture, UpstreamRequest, UpstreamResponse};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY: usize = 1024 * 1024;

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

#[derive(Default)]
pub struct HttpUpstream {
    client: std::sync::OnceLock<Result<HttpsClient, String>>,
}

impl HttpUpstream {
    pub fn new() -> HttpUpstream {
        HttpUpstream::default()
    }

    fn client(&self) -> Result<&HttpsClient, String> {
        self.client
            .get_or_init(|| {
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_native_roots()
                    .map_err(|e| format!("cannot load the system's trusted roots: {e}"))?
                    .https_or_http()
                    .enable_http1()
                    .build();
                Ok(Client::builder(TokioExecutor::new()).build(connector))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn send_now(&self, r: UpstreamRequest) -> Result<UpstreamResponse, String> {
        // Errors name the URL without its query, which may carry a client secret (a
        // token request by GET, as Facebook's).
        let shown = r
            .url
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string();
        let uri: hyper::Uri = r.url.parse().map_err(|_| format!("{shown} is not a URL"))?;
        let method = if r.method == "POST" {
            Method::POST
        } else {
            Method::GET
        };
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header("user-agent", concat!("cognate/", env!("CARGO_PKG_VERSION")));
        for (k, v) in &r.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let body = match r.form {
            Some(form) => {
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
                Bytes::from(form)
            }
            None => Bytes::new(),
        };
        let request = builder
            .body(Full::new(body))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let answer = tokio::time::timeout(TIMEOUT, async {
            let response = self
                .client()?
                .request(request)
                .await
                .map_err(|e| format!("{shown}: {e}"))?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("{shown}: the answer could not be read: {e}"))?
                .to_bytes();
            Ok::<_, String>(UpstreamResponse {
                status,
                body: body.to_vec(),
            })
        })
        .await
        .map_err(|_| format!("{shown} did not answer within {TIMEOUT:?}"))??;
        Ok(answer)
    }
}

impl Upstream for HttpUpstream {
    fn send(&self, request: UpstreamRequest) -> UpstreamFuture<'_> {
        Box::pin(self.send_now(request))
    }
}
