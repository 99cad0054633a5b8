//! Lambda triggers' calls (`--lambda-endpoint`): the Lambda Invoke API,
//! `POST <endpoint>/2015-03-31/functions/<function ARN>/invocations` with
//! `X-Amz-Invocation-Type: RequestResponse`, SigV4-signed (service `lambda`, the ARN's
//! region) with `--lambda-credentials` (default a fixed test key, which SAM local and
//! LocalStack accept). The answer's `X-Amz-Function-Error` says the function threw.

use crate::sigv4::{escape, region_of, Credentials, Unsigned};
use bytes::Bytes;
use cognate_domain::triggers::{InvokeAnswer, InvokeFuture, LambdaInvoker};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;

/// AWS: a function's answer is at most 6 MB.
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

pub struct LambdaClient {
    endpoint: String,
    credentials: Credentials,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl LambdaClient {
    /// `credentials` is `KEY_ID:SECRET`.
    pub fn new(endpoint: &str, credentials: Option<&str>) -> Result<LambdaClient, String> {
        let client = crate::sigv4::endpoint_client("--lambda-endpoint", endpoint)?;
        let credentials = Credentials::parse("--lambda-credentials", credentials)?;
        Ok(LambdaClient {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            credentials,
            client,
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
        let signature = self.credentials.sign(
            "lambda",
            region_of(arn),
            &Unsigned {
                method: "POST",
                path: &path,
                host: &host,
                headers: &[
                    ("content-type", "application/json"),
                    ("x-amz-invocation-type", "RequestResponse"),
                ],
                body: &payload,
            },
        );
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("content-type", "application/json")
            .header("x-amz-date", signature.amz_date)
            .header("x-amz-invocation-type", "RequestResponse")
            .header("authorization", signature.authorization)
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
