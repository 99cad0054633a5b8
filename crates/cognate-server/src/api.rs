//! `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`.

use crate::response::{api_error, aws_error, aws_error_closing, json, AMZ_JSON};
use crate::sigv4::{self, Authorization, IamCredentials};
use crate::Body;
use cognate_api::{ApiError, ErrorCode, Operation, RequestContext};
use cognate_domain::Service;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// The largest body accepted. The model's largest legitimate input is SetUICustomization:
/// `CSS` up to 131,072 characters and `ImageFile` up to 131,072 bytes (175 KB in
/// base64). Even with every CSS character escaped in JSON (`\u0000`, 6 bytes each) that
/// is under 1 MB, so 1 MiB fits it with margin; every other input is far smaller, except
/// managed login branding assets (up to 1 MB each, 40 of them), which cognate does not
/// implement. A body is read into memory only up to this, and not at all when its
/// `Content-Length` says it is larger.
pub const MAX_BODY: usize = 1024 * 1024;

pub struct Api<'a> {
    pub service: &'a Service,
    pub iam: Option<&'a IamCredentials>,
    pub body_read_timeout: Duration,
}

impl Api<'_> {
    pub async fn handle(
        &self,
        req: Request<Incoming>,
        request_id: &str,
        peer: std::net::IpAddr,
    ) -> (Response<Body>, Option<&'static str>) {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let op = target
            .strip_prefix(TARGET_PREFIX)
            .and_then(Operation::from_name);
        let name = op.map(Operation::name);
        // With credentials configured, what AWS authorizes with IAM (and anything that
        // names no known operation) needs a signature by one of them: what can be
        // checked before the body is read is checked first.
        let signed = match self.iam {
            Some(keys) if op.is_none_or(Operation::needs_iam) => {
                match Authorization::read(keys, req.headers()) {
                    Ok(auth) => Some((keys, auth)),
                    Err(denied) => return (denied_response(&denied), name),
                }
            }
            _ => None,
        };
        let Some(op) = op else {
            let e = ApiError::new(
                ErrorCode::UnknownOperationException,
                if target.is_empty() {
                    "Missing X-Amz-Target header.".to_string()
                } else {
                    format!("Unknown operation {target}.")
                },
            );
            return (api_error(&e), None);
        };
        let declared = req
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return (too_large(), name);
        }
        let signed_region = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(sigv4::region);
        let (parts, body) = req.into_parts();
        let collected = tokio::time::timeout(
            self.body_read_timeout,
            Limited::new(body, MAX_BODY).collect(),
        )
        .await;
        let body = match collected {
            Ok(Ok(b)) => b.to_bytes(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return (too_large(), name),
            Ok(Err(_)) => {
                let e = ApiError::new(
                    ErrorCode::SerializationException,
                    "The request body was cut short.",
                );
                return (api_error(&e), name);
            }
            Err(_) => {
                let message = format!(
                    "The request body was not received within {} ms.",
                    self.body_read_timeout.as_millis()
                );
                return (
                    aws_error_closing(
                        StatusCode::REQUEST_TIMEOUT,
                        "RequestTimeoutException",
                        &message,
                    ),
                    name,
                );
            }
        };
        if let Some((keys, auth)) = signed {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let verified = auth.verify(
                keys,
                parts.method.as_str(),
                &parts.uri,
                &parts.headers,
                &body,
                now,
            );
            if let Err(denied) = verified {
                return (denied_response(&denied), name);
            }
        }
        let ctx = RequestContext {
            signed_region,
            request_id: request_id.to_string(),
            source_ip: Some(peer.to_string()),
        };
        let response = match self.service.call(&ctx, op, &body).await {
            Ok(out) => json(StatusCode::OK, AMZ_JSON, out),
            Err(e) => api_error(&e),
        };
        (response, name)
    }
}

fn denied_response(denied: &sigv4::Denied) -> Response<Body> {
    aws_error(StatusCode::BAD_REQUEST, denied.code(), &denied.message())
}

fn too_large() -> Response<Body> {
    aws_error_closing(
        StatusCode::PAYLOAD_TOO_LARGE,
        "SerializationException",
        &format!("The request body is larger than the limit of {MAX_BODY} bytes."),
    )
}
