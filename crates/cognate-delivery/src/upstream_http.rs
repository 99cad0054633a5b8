//! The federation's outbound HTTP (`cognate_domain::federation::Upstream`): requests to
//! identity providers (discovery documents, JWKS, the code exchange, userInfo, SAML
//! metadata, client ID metadata documents) over HTTP or HTTPS with the system's trusted
//! roots, and the certificates of `--outbound-ca-file` where it is given (an internal
//! CA). Each request has ten seconds and its answer at most 1 MiB; redirects are not
//! followed. The client (and the system's roots, whose loading takes milliseconds) is
//! made at the first request, not at start: most servers never federate, and tests
//! start many servers.

use bytes::Bytes;
use cognate_domain::federation::{Upstream, UpstreamFuture, UpstreamRequest, UpstreamResponse};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::CertificateDer;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY: usize = 1024 * 1024;

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

#[derive(Default)]
pub struct HttpUpstream {
    client: std::sync::OnceLock<Result<HttpsClient, String>>,
    /// Certificates trusted beside the system's roots.
    extra_roots: Vec<CertificateDer<'static>>,
}

impl HttpUpstream {
    pub fn new() -> HttpUpstream {
        HttpUpstream::default()
    }

    /// Also trusts the CA certificates of the PEM file at `path` (`--outbound-ca-file`),
    /// read now so that a bad file stops the start rather than a sign-in.
    pub fn with_trusted_ca_file(path: &str) -> Result<HttpUpstream, String> {
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("cannot read --outbound-ca-file {path}: {e}"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("--outbound-ca-file {path}: {e}"))?;
        if certificates.is_empty() {
            return Err(format!(
                "--outbound-ca-file {path} holds no PEM certificate"
            ));
        }
        Ok(HttpUpstream {
            client: Default::default(),
            extra_roots: certificates,
        })
    }

    fn client(&self) -> Result<&HttpsClient, String> {
        self.client
            .get_or_init(|| {
                let builder = hyper_rustls::HttpsConnectorBuilder::new();
                let builder = if self.extra_roots.is_empty() {
                    builder
                        .with_native_roots()
                        .map_err(|e| format!("cannot load the system's trusted roots: {e}"))?
                } else {
                    builder.with_tls_config(self.tls_config()?)
                };
                let connector = builder.https_or_http().enable_http1().build();
                Ok(Client::builder(TokioExecutor::new()).build(connector))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The system's roots (those it has: a system without any still trusts the extra
    /// ones) and the extra certificates.
    fn tls_config(&self) -> Result<rustls::ClientConfig, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        for certificate in &self.extra_roots {
            roots
                .add(certificate.clone())
                .map_err(|e| format!("--outbound-ca-file: {e}"))?;
        }
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth())
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
            let headers = response
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("{shown}: the answer could not be read: {e}"))?
                .to_bytes();
            Ok::<_, String>(UpstreamResponse {
                status,
                headers,
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
