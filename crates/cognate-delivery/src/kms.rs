//! Data keys for the custom sender triggers' codes (`--kms-endpoint`): KMS's JSON API,
//! `POST <endpoint>/` with `X-Amz-Target: TrentService.GenerateDataKey`, SigV4-signed
//! (service `kms`, the key ARN's region, else us-east-1) with `--kms-credentials`
//! (default a fixed test key, which LocalStack and moto accept). Ten seconds and 1 MiB
//! per answer; an error answer is reported by its `__type`.

use crate::sigv4::{region_of, Credentials, Unsigned};
use base64::Engine as _;
use bytes::Bytes;
use cognate_domain::crypto::kms::{DataKey, DataKeyFuture, KeyService};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY: usize = 1024 * 1024;
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const GENERATE_DATA_KEY: &str = "TrentService.GenerateDataKey";

pub struct KmsClient {
    /// `<endpoint>/`, the API's one path.
    url: String,
    credentials: Credentials,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl KmsClient {
    /// `credentials` is `KEY_ID:SECRET`.
    pub fn new(endpoint: &str, credentials: Option<&str>) -> Result<KmsClient, String> {
        let client = crate::sigv4::endpoint_client("--kms-endpoint", endpoint)?;
        let credentials = Credentials::parse("--kms-credentials", credentials)?;
        Ok(KmsClient {
            url: format!("{}/", endpoint.trim_end_matches('/')),
            credentials,
            client,
        })
    }

    async fn generate(
        &self,
        key_id: &str,
        context: &BTreeMap<String, String>,
    ) -> Result<DataKey, String> {
        let url = &self.url;
        let body = serde_json::json!({
            "KeyId": key_id,
            "KeySpec": "AES_256",
            "EncryptionContext": context,
        })
        .to_string()
        .into_bytes();
        let uri: hyper::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
        let host = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        let signature = self.credentials.sign(
            "kms",
            region_of(key_id),
            &Unsigned {
                method: "POST",
                path: uri.path(),
                host: &host,
                headers: &[
                    ("content-type", CONTENT_TYPE),
                    ("x-amz-target", GENERATE_DATA_KEY),
                ],
                body: &body,
            },
        );
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", GENERATE_DATA_KEY)
            .header("x-amz-date", signature.amz_date)
            .header("authorization", signature.authorization)
            .header("user-agent", concat!("cognate/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let (status, answer) = tokio::time::timeout(TIMEOUT, async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("{url}: the answer could not be read: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        })
        .await
        .map_err(|_| format!("{url} did not answer within {TIMEOUT:?}"))??;
        let json: Option<Value> = serde_json::from_slice(&answer).ok();
        if !status.is_success() {
            return Err(error_answer(status.as_u16(), json.as_ref()));
        }
        let json = json.ok_or("KMS's GenerateDataKey answer is not JSON")?;
        let bytes = |field: &str| {
            json.get(field)
                .and_then(Value::as_str)
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .ok_or_else(|| format!("KMS's GenerateDataKey answer has no base64 {field}"))
        };
        Ok(DataKey {
            plaintext: bytes("Plaintext")?,
            ciphertext_blob: bytes("CiphertextBlob")?,
            // KMS answers the key's ARN, whatever alias or id was asked for.
            key_id: json
                .get("KeyId")
                .and_then(Value::as_str)
                .unwrap_or(key_id)
                .to_string(),
        })
    }
}

/// An error answer in words: its `__type` (without a `namespace#` prefix) and message.
fn error_answer(status: u16, json: Option<&Value>) -> String {
    let field = |name: &str| json.and_then(|j| j.get(name)).and_then(Value::as_str);
    match field("__type") {
        Some(kind) => {
            let kind = kind.rsplit('#').next().unwrap_or(kind);
            match field("message").or_else(|| field("Message")) {
                Some(message) => format!("KMS answered {status} {kind}: {message}"),
                None => format!("KMS answered {status} {kind}"),
            }
        }
        None => format!("KMS answered {status}"),
    }
}

impl KeyService for KmsClient {
    fn generate_data_key(
        &self,
        key_id: &str,
        encryption_context: &BTreeMap<String, String>,
    ) -> DataKeyFuture<'_> {
        let (key_id, context) = (key_id.to_string(), encryption_context.clone());
        Box::pin(async move { self.generate(&key_id, &context).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::body::Incoming;
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper::Response;
    use hyper_util::rt::TokioIo;
    use std::sync::{Arc, Mutex};

    const ARN: &str = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    /// What the server saw: the headers it was sent (lowercase names) and the body.
    type Seen = Arc<Mutex<Vec<(Vec<(String, String)>, Value)>>>;

    /// A KMS on a free port that answers every request with `status` and `answer`.
    async fn kms(status: u16, answer: Value) -> (String, Seen) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Seen = Arc::default();
        let recorded = seen.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (recorded, answer) = (recorded.clone(), answer.to_string());
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let (recorded, answer) = (recorded.clone(), answer.clone());
                        async move {
                            let headers = request
                                .headers()
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
                                .collect();
                            let body = request.into_body().collect().await?.to_bytes();
                            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                            recorded.lock().unwrap().push((headers, body));
                            Ok::<_, hyper::Error>(
                                Response::builder()
                                    .status(status)
                                    .header("content-type", CONTENT_TYPE)
                                    .body(Full::new(Bytes::from(answer)))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        (url, seen)
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    #[tokio::test]
    async fn a_data_key_is_asked_for_signed_and_decoded() {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let (url, seen) = kms(
            200,
            serde_json::json!({
                "CiphertextBlob": b64(&[0xEE; 120]),
                "Plaintext": b64(&[0x42; 32]),
                "KeyId": ARN,
            }),
        )
        .await;
        let client = KmsClient::new(&url, Some("AKIDTEST:secret")).unwrap();
        let context = BTreeMap::from([("userpool-id".to_string(), "eu-west-1_Pool".to_string())]);
        let key = client.generate_data_key(ARN, &context).await.unwrap();
        assert_eq!(key.plaintext, [0x42; 32]);
        assert_eq!(key.ciphertext_blob, [0xEE; 120]);
        assert_eq!(key.key_id, ARN);

        let seen = seen.lock().unwrap().clone();
        let (headers, body) = &seen[0];
        assert_eq!(
            header(headers, "x-amz-target"),
            "TrentService.GenerateDataKey"
        );
        assert_eq!(
            header(headers, "content-type"),
            "application/x-amz-json-1.1"
        );
        assert_eq!(
            *body,
            serde_json::json!({
                "KeyId": ARN,
                "KeySpec": "AES_256",
                "EncryptionContext": {"userpool-id": "eu-west-1_Pool"},
            })
        );
        let date = &header(headers, "x-amz-date")[..8];
        let authorization = header(headers, "authorization");
        let scope = format!("AWS4-HMAC-SHA256 Credential=AKIDTEST/{date}/eu-west-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=");
        assert!(authorization.starts_with(&scope), "{authorization}");
        assert!(!authorization.contains("secret"));
    }

    #[tokio::test]
    async fn an_error_answer_names_its_type_and_a_key_id_s_region_defaults() {
        let (url, seen) = kms(
            400,
            serde_json::json!({
                "__type": "NotFoundException",
                "message": "Alias arn:aws:kms:us-east-1:000000000000:alias/missing is not found.",
            }),
        )
        .await;
        let client = KmsClient::new(&format!("{url}/"), None).unwrap();
        let err = client
            .generate_data_key("alias/missing", &BTreeMap::new())
            .await
            .unwrap_err();
        assert!(
            err.starts_with("KMS answered 400 NotFoundException: Alias"),
            "{err}"
        );
        let seen = seen.lock().unwrap().clone();
        let authorization = header(&seen[0].0, "authorization");
        assert!(
            authorization.contains("/us-east-1/kms/aws4_request"),
            "{authorization}"
        );
        assert_eq!(
            error_answer(
                400,
                Some(&serde_json::json!({"__type": "com.amazonaws.kms#DisabledException"}))
            ),
            "KMS answered 400 DisabledException"
        );
        assert_eq!(error_answer(502, None), "KMS answered 502");
    }

    #[test]
    fn the_endpoint_must_be_http() {
        assert!(KmsClient::new("ftp://kms", None).is_err());
        assert!(KmsClient::new("http://kms:4566", Some("no-colon")).is_err());
    }
}
