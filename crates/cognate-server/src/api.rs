//! `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`.

use crate::response::{api_error, json, AMZ_JSON};
use crate::{sigv4, Body};
use cognate_api::{ApiError, ErrorCode, Operation, RequestContext};
use cognate_domain::Service;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// Larger bodies are refused; the largest valid inputs (UI customization CSS, user
/// import) are far below this.
const MAX_BODY: usize = 8 * 1024 * 1024;

pub async fn handle(
    service: &Service,
    req: Request<Incoming>,
    request_id: &str,
) -> (Response<Body>, Option<&'static str>) {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let op = target
        .strip_prefix(TARGET_PREFIX)
        .and_then(Operation::from_name);
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
    let ctx = RequestContext {
        signed_region: req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(sigv4::region),
        request_id: request_id.to_string(),
    };
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = ApiError::new(
                ErrorCode::SerializationException,
                "The request body is too large or was cut short.",
            );
            return (api_error(&e), Some(op.name()));
        }
    };
    let response = match service.call(&ctx, op, &body).await {
        Ok(out) => json(StatusCode::OK, AMZ_JSON, out),
        Err(e) => api_error(&e),
    };
    (response, Some(op.name()))
}
