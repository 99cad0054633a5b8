//! cognate's HTTP layer: the awsJson1.1 protocol on `POST /`, CORS for browser clients,
//! and the control API under `/_cognate` (and `/moto-api/reset`). It turns requests into
//! calls of the generated dispatch and answers in AWS's format; it serves each pool's
//! discovery documents (JWKS, OpenID configuration); it holds no state of its own beyond
//! the service it serves.

mod api;
mod control;
mod cors;
mod discovery;
mod response;
mod sigv4;

use bytes::Bytes;
use cognate_domain::Service;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

pub type Body = Full<Bytes>;

/// What the HTTP layer is told by the configuration.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Serve `/_cognate/*` and `/moto-api/reset`.
    pub control_api: bool,
}

#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    service: Service,
    options: ServerOptions,
}

impl Server {
    pub fn new(service: Service, options: ServerOptions) -> Self {
        Server {
            inner: Arc::new(Inner { service, options }),
        }
    }

    /// Accepts connections on `listener` until `shutdown` completes, then stops
    /// accepting and waits (up to 30 s) for requests in flight to be answered.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            let service = hyper::service::service_fn(move |req| {
                let server = server.clone();
                async move { Ok::<_, std::convert::Infallible>(server.handle(req, peer).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
        drop(listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(Duration::from_secs(30)) => {
                tracing::warn!("requests still in flight after 30 s; stopping anyway");
            }
        }
    }

    async fn handle(&self, req: Request<Incoming>, _peer: SocketAddr) -> Response<Body> {
        let started = Instant::now();
        let request_id = uuid::Uuid::new_v4().to_string();
        // What the request log line needs is kept only when it will be written.
        let logged = tracing::enabled!(tracing::Level::INFO)
            .then(|| (req.method().clone(), req.uri().path().to_string()));
        let origin = req.headers().get(hyper::header::ORIGIN).cloned();
        let (mut response, operation) = self.route(req, &request_id).await;
        cors::decorate(&mut response, origin.as_ref());
        if let Ok(v) = hyper::header::HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-amzn-RequestId", v);
        }
        if let Some((method, path)) = logged {
            tracing::info!(
                %method,
                %path,
                operation = operation.unwrap_or(""),
                status = response.status().as_u16(),
                micros = started.elapsed().as_micros() as u64,
                request_id = %request_id,
                "request"
            );
        }
        response
    }

    async fn route(
        &self,
        req: Request<Incoming>,
        request_id: &str,
    ) -> (Response<Body>, Option<&'static str>) {
        let path = req.uri().path();
        if req.method() == Method::OPTIONS {
            return (cors::preflight(&req), None);
        }
        if self.inner.options.control_api
            && (path.starts_with("/_cognate/") || path == "/moto-api/reset")
        {
            return (control::handle(&self.inner.service, req).await, None);
        }
        if req.method() == Method::POST && (path == "/" || path.is_empty()) {
            return api::handle(&self.inner.service, req, request_id).await;
        }
        if req.method() == Method::GET || req.method() == Method::HEAD {
            if let Some(response) = discovery::handle(&self.inner.service, path).await {
                return (response, None);
            }
        }
        (response::not_found(), None)
    }
}
