//! Lambda triggers' calls (`--lambda-endpoint`): the Lambda Invoke API,
//! `POST <endpoint>/2015-03-31/functions/<function ARN>/invocations` with
//! `X-Amz-Invocation-Type: RequestResponse`, SigV4-signed (service `lambda`, the ARN's
//! region) with `--lambda-credentials` (default a fixed test key, which SAM local and
//! LocalStack accept). The answer's `X-Amz-Function-Error` says the function threw.

use bytes::Bytes;
use cognate_domain::triggers::{InvokeAnswer, InvokeFuture, LambdaInvoker};
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};

/// AWS: a function's answer is at most 6 MB.
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

pub struct LambdaClient {
    endpoint: String,
    key_id: String,
    secret: String,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC-SHA256 takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 escaping of a path segment, as SigV4 wants it (the ARN's colons too).
fn escape(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The region an ARN names (`arn:aws:lambda:<region>:...`), else us-east-1.
fn region_of(arn: &str) -> &str {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or("us-east-1")
}

impl LambdaClient {
    /// `credentials` is `KEY_ID:SECRET`.
    pub fn new(endpoint: &str, credentials: Option<&str>) -> Result<LambdaClient, String> {
        let uri: hyper::Uri = endpoint
            .parse()
            .map_err(|e| format!("--lambda-endpoint is not a URL: {e}"))?;
        if !matches!(uri.scheme_str(), Some("http") | Some("https")) || uri.host().is_none() {
            return Err("--lambda-endpoint must be an http:// or https:// URL".into());
        }
        let (key_id, secret) = match credentials {
            Some(c) => {
                let (k, s) = c
                    .split_once(':')
                    .ok_or("--lambda-credentials must be KEY_ID:SECRET")?;
                (k.to_string(), s.to_string())
            }
            None => ("test".to_string(), "test".to_string()),
        };
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("--lambda-endpoint: cannot load the system's trusted roots: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(LambdaClient {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            key_id,
            secret,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    async fn call(&self, arn: &str, payload: Vec<u8>) -> Result<InvokeAnswer, String> {
        let path = format!("/2015-03-31/functions/{}/invocations", escape(arn));
        let url = format!("{}{path}", self.endpoint);
        let uri: hyper::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
        let host = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        let region = region_of(arn);
        let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let (date, stamp) = (&now[..8], now.as_str());
        let body_hash = hex(&Sha256::digest(&payload));
        // The path as sent is already escaped; SigV4 escapes it once more for all
        // services but S3.
        let canonical = format!(
            "POST\n{}\n\ncontent-type:application/json\nhost:{host}\nx-amz-date:{stamp}\nx-amz-invocation-type:RequestResponse\n\ncontent-type;host;x-amz-date;x-amz-invocation-type\n{body_hash}",
            path.split('/').map(escape).collect::<Vec<_>>().join("/")
        );
        let scope = format!("{date}/{region}/lambda/aws4_request");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac(format!("AWS4{}", self.secret).as_bytes(), date);
        for part in [region, "lambda", "aws4_request"] {
            key = hmac(&key, part);
        }
        let signature = hex(&hmac(&key, &to_sign));
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("content-type", "application/json")
            .header("x-amz-date", stamp)
            .header("x-amz-invocation-type", "RequestResponse")
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type, Signature={signature}",
                    self.key_id
                ),
            )
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = response.status().as_u16();
        let function_error = response
            .headers()
            .get("x-amz-function-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let payload = Limited::new(response.into_body(), MAX_PAYLOAD)
            .collect()
            .await
            .map_err(|e| format!("{url}: the answer could not be read: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(InvokeAnswer {
            status,
            function_error,
            payload,
        })
    }
}

impl LambdaInvoker for LambdaClient {
    fn invoke(&self, function_arn: &str, payload: Vec<u8>) -> InvokeFuture<'_> {
        let arn = function_arn.to_string();
        Box::pin(async move { self.call(&arn, payload).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_region_and_escape_in_paths() {
        assert_eq!(
            region_of("arn:aws:lambda:eu-west-1:123456789012:function:f"),
            "eu-west-1"
        );
        assert_eq!(
            escape("arn:aws:lambda:eu-west-1:1:function:f"),
            "arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Af"
        );
    }
}
