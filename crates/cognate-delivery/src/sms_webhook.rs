//! SMS to a webhook (`--sms-webhook URL`): each message is POSTed there as JSON
//! `{"userPoolId","username","destination","kind","message"}`, over HTTP or HTTPS
//! (the system's trusted roots). A 2xx answer is success; 408, 429 and 5xx, or no
//! answer, are tried again; any other answer is final.

use crate::retry::Failure;
use bytes::Bytes;
use cognate_domain::Outgoing;
use http_body_util::Full;
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

pub struct SmsWebhook {
    url: hyper::Uri,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl SmsWebhook {
    pub fn new(url: &str) -> Result<SmsWebhook, String> {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|e| format!("--sms-webhook is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => return Err("--sms-webhook must be an http:// or https:// URL".into()),
        }
        if uri.host().is_none() {
            return Err("--sms-webhook names no host".into());
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("--sms-webhook: cannot load the system's trusted roots: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(SmsWebhook {
            url: uri,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    pub(crate) async fn send(&self, outgoing: &Outgoing) -> Result<(), Failure> {
        let m = &outgoing.message;
        let body = serde_json::json!({
            "userPoolId": m.pool_id,
            "username": m.username,
            "destination": m.destination,
            "kind": m.kind,
            "message": m.body,
        })
        .to_string();
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.url.clone())
            .header("content-type", "application/json")
            .header("user-agent", concat!("cognate/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Failure::Permanent(format!("cannot build the request: {e}")))?;
        let status = self
            .client
            .request(request)
            .await
            .map_err(|e| Failure::Transient(format!("the SMS webhook: {e}")))?
            .status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
        {
            Err(Failure::Transient(format!(
                "the SMS webhook answered {status}"
            )))
        } else {
            Err(Failure::Permanent(format!(
                "the SMS webhook answered {status}"
            )))
        }
    }
}
