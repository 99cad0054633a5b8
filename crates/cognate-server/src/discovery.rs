//! Discovery: `GET /<poolId>/.well-known/jwks.json` and
//! `GET /<poolId>/.well-known/openid-configuration`.

use crate::response;
use crate::Body;
use cognate_domain::Service;
use hyper::{Response, StatusCode};

/// The answer for `path` if it is a discovery path.
pub async fn handle(service: &Service, path: &str) -> Option<Response<Body>> {
    let rest = path.strip_prefix('/')?;
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
