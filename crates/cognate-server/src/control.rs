//! The control API for tests and local use: health, the outbox of sent messages, and
//! reset (also at moto's `/moto-api/reset`, so suites written for moto run unchanged).

use crate::query;
use crate::response::json;
use crate::Body;
use cognate_domain::{MessageFilter, Service};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

pub async fn handle(service: &Service, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    match (req.method(), path) {
        (&Method::GET, "/_cognate/health") => ok(serde_json::json!({"status": "ok"})),
        (&Method::POST, "/_cognate/reset") | (&Method::POST, "/moto-api/reset") => {
            match service.reset().await {
                Ok(()) => ok(serde_json::json!({})),
                Err(e) => {
                    tracing::error!(error = %e, "reset failed");
                    error(StatusCode::INTERNAL_SERVER_ERROR, "reset failed")
                }
            }
        }
        (&Method::GET, "/_cognate/messages") => {
            let query = query::parse(req.uri().query());
            let filter = MessageFilter {
                pool_id: query.get("userPoolId").cloned(),
                username: query.get("username").cloned(),
                channel: query.get("channel").cloned(),
            };
            match service.sent_messages(filter).await {
                Ok(messages) => {
                    let messages: Vec<serde_json::Value> = messages
                        .into_iter()
                        .map(|m| {
                            serde_json::json!({
                                "userPoolId": m.pool_id,
                                "username": m.username,
                                "channel": m.channel,
                                "destination": m.destination,
                                "kind": m.kind,
                                "subject": m.subject,
                                "message": m.message,
                                "code": m.code,
                                "createdAt": m.created_at,
                            })
                        })
                        .collect();
                    ok(serde_json::json!({ "messages": messages }))
                }
                Err(e) => {
                    tracing::error!(error = %e, "listing messages failed");
                    error(StatusCode::INTERNAL_SERVER_ERROR, "listing messages failed")
                }
            }
        }
        _ => error(StatusCode::NOT_FOUND, "no such control endpoint"),
    }
}

fn ok(v: serde_json::Value) -> Response<Body> {
    json(
        StatusCode::OK,
        "application/json",
        v.to_string().into_bytes(),
    )
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    json(
        status,
        "application/json",
        serde_json::json!({ "message": message })
            .to_string()
            .into_bytes(),
    )
}
