//! Discovery: `GET /<poolId>/.well-known/jwks.json` and
//! `GET /<poolId>/.well-known/openid-configuration`; and the classic hosted UI's logo at
//! the ImageUrl GetUICustomization answers,
//! `GET /<poolId>/<clientId or ALL>/<CSSVersion>/assets/images/image.<png|jpg>`.

use crate::response;
use crate::Body;
use cognate_domain::Service;
use hyper::{Response, StatusCode};

/// The answer for `path` if it is a discovery path.
pub async fn handle(service: &Service, path: &str) -> Option<Response<Body>> {
    let rest = path.strip_prefix('/')?;
    if let Some(r) = logo(service, rest).await {
        return Some(r);
    }
    let (pool_id, document) = rest.split_once("/.well-known/")?;
    if pool_id.is_empty() || pool_id.contains('/') {
        return None;
    }
    let answer = match document {
        "jwks.json" => service.jwks(pool_id).await,
        "openid-configuration" => service.openid_configuration(pool_id).await,
        _ => return None,
    };
    Some(match answer {
        Ok(doc) => response::json(
            StatusCode::OK,
            "application/json",
            doc.to_string().into_bytes(),
        ),
        Err(e) if e.code == cognate_api::ErrorCode::ResourceNotFoundException => response::json(
            StatusCode::NOT_FOUND,
            "application/json",
            serde_json::json!({ "message": format!("User pool {pool_id} does not exist.") })
                .to_string()
                .into_bytes(),
        ),
        Err(e) => response::api_error(&e),
    })
}

/// The logo of a UI customization, at the current CSSVersion only (as AWS's URLs change
/// with each SetUICustomization).
async fn logo(service: &Service, rest: &str) -> Option<Response<Body>> {
    let parts: Vec<&str> = rest.split('/').collect();
    let [pool_id, key, version, "assets", "images", file] = parts.as_slice() else {
        return None;
    };
    if !matches!(*file, "image.png" | "image.jpg") {
        return None;
    }
    Some(match service.ui_logo(pool_id, key, version).await {
        Ok(Some(logo)) => {
            let mut r = Response::new(Body::new(bytes::Bytes::from(logo.bytes)));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(logo.content_type),
            );
            r
        }
        Ok(None) | Err(_) => response::not_found(),
    })
}
