//! cognate's HTTP layer: the awsJson1.1 protocol on `POST /`, CORS for browser clients,
//! and the control API under `/_cognate` (and `/moto-api/reset`). It turns requests into
//! calls of the generated dispatch and answers in AWS's format; it serves each pool's
//! discovery documents (JWKS, OpenID configuration), the OAuth 2.0 token, revocation
//! and userInfo endpoints (`/oauth2/*`), the confirmation links of verification
//! emails (`/confirmUser`), and the pre-signed upload URLs of user import jobs
//! (`PUT /user-import/...`); it holds no state of its own beyond
//! the service it serves. With IAM credentials configured it verifies SigV4 signatures;
//! it bounds what a client can hold (connections, requests in flight, body size, time
//! to send headers and body), and keeps the control API to the server's own origin.

mod api;
mod confirm_link;
mod control;
mod cors;
mod discovery;
mod guard;
mod hosted;
mod oauth;
mod query;
mod response;
mod sigv4;
mod user_import;

pub use sigv4::IamCredentials;

use bytes::Bytes;
use cognate_domain::Service;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub type Body = Full<Bytes>;

/// What the HTTP layer is told by the configuration.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Serve `/_cognate/*` and `/moto-api/reset`.
    pub control_api: bool,
    /// With keys, operations AWS authorizes with IAM need a SigV4 signature by one of
    /// them; without, any signature or none is accepted.
    pub iam_credentials: Option<IamCredentials>,
    /// The address the server listens on (the port taken when 0 was asked for).
    pub listen: SocketAddr,
    /// The address clients use to reach the server (`--public-url`).
    pub public_url: String,
    pub limits: Limits,
}

/// What one client may hold of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time to send a request's headers (and the longest a kept-alive connection waits
    /// idle for the next request); the connection is closed after it.
    pub header_read_timeout: Duration,
    /// Time to send a request's body; answered 408 and closed after it.
    pub body_read_timeout: Duration,
    /// Open connections; more are answered 503 and closed.
    pub max_connections: usize,
    /// Requests being handled at once; more are answered 503 TooManyRequestsException.
    pub max_requests_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_requests_in_flight: 256,
        }
    }
}

#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    service: Service,
    options: ServerOptions,
    own: guard::OwnAddresses,
    in_flight: Arc<Semaphore>,
}

impl Server {
    pub fn new(service: Service, options: ServerOptions) -> Self {
        let own = guard::OwnAddresses::new(options.listen, &options.public_url);
        let in_flight = Arc::new(Semaphore::new(options.limits.max_requests_in_flight));
        Server {
            inner: Arc::new(Inner {
                service,
                options,
                own,
                in_flight,
            }),
        }
    }

    /// Accepts connections on `listener` until `shutdown` completes, then stops
    /// accepting and waits (up to 30 s) for requests in flight to be answered.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        let limits = self.inner.options.limits.clone();
        let connections = Arc::new(Semaphore::new(limits.max_connections));
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
            let Ok(permit) = connections.clone().try_acquire_owned() else {
                // Over the cap: one short-lived answer, then the connection is closed.
                let service = hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(response::overloaded(
                        "Too many connections; retry later.",
                    ))
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(1))
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), service);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                continue;
            };
            let server = self.clone();
            let service = hyper::service::service_fn(move |req| {
                let server = server.clone();
                async move { Ok::<_, std::convert::Infallible>(server.handle(req, peer).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
                drop(permit);
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

    async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let started = Instant::now();
        let request_id = uuid::Uuid::new_v4().to_string();
        // What the request log line needs is kept only when it will be written.
        let logged = tracing::enabled!(tracing::Level::INFO)
            .then(|| (req.method().clone(), req.uri().path().to_string()));
        let control = self.is_control(req.uri().path());
        let (mut response, operation) = match self.inner.in_flight.clone().try_acquire_owned() {
            Ok(_permit) => self.route(req, &request_id, control, peer).await,
            Err(_) => (
                response::overloaded("Too many requests in flight; retry later."),
                None,
            ),
        };
        // The control API is for the server's own origin: no CORS grant to anyone else.
        if !control {
            cors::decorate(&mut response);
        }
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

    fn is_control(&self, path: &str) -> bool {
        self.inner.options.control_api
            && (path.starts_with("/_cognate/") || path == "/moto-api/reset")
    }

    async fn route(
        &self,
        req: Request<Incoming>,
        request_id: &str,
        control: bool,
        peer: SocketAddr,
    ) -> (Response<Body>, Option<&'static str>) {
        let path = req.uri().path();
        if control {
            if let Err(why) = self.inner.own.check(req.headers()) {
                tracing::warn!(path, reason = why, "control API request refused");
                return (response::forbidden(why), None);
            }
            return (control::handle(&self.inner.service, req).await, None);
        }
        if user_import::serves(path) {
            if req.method() == Method::OPTIONS {
                return (cors::preflight_allowing(&req, "PUT, OPTIONS"), None);
            }
            return (user_import::handle(&self.inner.service, req).await, None);
        }
        if req.method() == Method::OPTIONS {
            return (cors::preflight(&req), None);
        }
        if req.method() == Method::POST && (path == "/" || path.is_empty()) {
            let api = api::Api {
                service: &self.inner.service,
                iam: self.inner.options.iam_credentials.as_ref(),
                body_read_timeout: self.inner.options.limits.body_read_timeout,
            };
            return api.handle(req, request_id, peer.ip()).await;
        }
        if hosted::serves(path) {
            let timeout = self.inner.options.limits.body_read_timeout;
            return (
                hosted::handle(&self.inner.service, req, timeout).await,
                None,
            );
        }
        if oauth::serves(path) {
            let timeout = self.inner.options.limits.body_read_timeout;
            return (oauth::handle(&self.inner.service, req, timeout).await, None);
        }
        if req.method() == Method::GET && path == cognate_domain::FEEDBACK_PATH {
            return (
                confirm_link::feedback(&self.inner.service, req.uri().query()).await,
                None,
            );
        }
        if req.method() == Method::GET && path == confirm_link::PATH {
            return (
                confirm_link::handle(&self.inner.service, req.uri().query()).await,
                None,
            );
        }
        if req.method() == Method::GET || req.method() == Method::HEAD {
            if let Some(response) = discovery::handle(&self.inner.service, path).await {
                return (response, None);
            }
        }
        (response::not_found(), None)
    }
}
