//! Browser isolation: the JSON API answers CORS as AWS does (any origin, never with
//! credentials); the control API answers only the server's own origin and host names,
//! so no web page, and no DNS-rebinding page, can reach it.

mod common;

use common::{Backend, Server};

fn server() -> (Server, tempfile::TempDir) {
    let (backend, dir) = Backend::sqlite();
    (Server::start(&backend), dir)
}

fn pool_count(s: &Server) -> usize {
    let r = s.call("ListUserPools", r#"{"MaxResults":60}"#);
    r.json()["UserPools"].as_array().map_or(0, Vec::len)
}

#[test]
fn a_cross_site_text_plain_post_cannot_reset() {
    let (s, _d) = server();
    assert_eq!(
        s.call("CreateUserPool", r#"{"PoolName":"kept"}"#).status,
        200
    );
    for path in ["/moto-api/reset", "/_cognate/reset"] {
        // What a form or `fetch(..., {mode: "no-cors"})` on another site sends: no preflight.
        let r = s.request(
            "POST",
            path,
            &[
                ("Origin", "http://evil.example"),
                ("Content-Type", "text/plain"),
            ],
            "x",
        );
        assert_eq!(r.status, 403, "{path}: {}", r.body);
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
    let r = s.request("GET", "/_cognate/messages", &[("Origin", "null")], "");
    assert_eq!(r.status, 403);
    assert_eq!(pool_count(&s), 1, "the state survived");
}

#[test]
fn a_foreign_host_name_cannot_reach_the_control_api() {
    let (s, _d) = server();
    assert_eq!(
        s.call("CreateUserPool", r#"{"PoolName":"kept"}"#).status,
        200
    );
    let port = s.addr.rsplit(':').next().unwrap().to_string();
    // A DNS-rebinding page: its own name resolved to this server.
    for host in [format!("evil.example:{port}"), "evil.example".to_string()] {
        let r = s.request_to(&host, "POST", "/moto-api/reset", &[], "");
        assert_eq!(r.status, 403, "{host}: {}", r.body);
        let r = s.request_to(&host, "GET", "/_cognate/health", &[], "");
        assert_eq!(r.status, 403, "{host}");
    }
    assert_eq!(pool_count(&s), 1, "the state survived");
    // The server's own names work, with or without its own origin.
    for host in [
        s.addr.clone(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let r = s.request_to(&host, "GET", "/_cognate/health", &[], "");
        assert_eq!(r.status, 200, "{host}: {}", r.body);
        let origin = format!("http://{host}");
        let r = s.request_to(&host, "GET", "/_cognate/health", &[("Origin", &origin)], "");
        assert_eq!(r.status, 200, "{host} from {origin}: {}", r.body);
    }
    let r = s.request("POST", "/moto-api/reset", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(pool_count(&s), 0);
}

#[test]
fn the_public_url_s_host_is_the_server_s_own() {
    let (backend, _d) = Backend::sqlite();
    let s = Server::start_with(&backend, &["--public-url", "https://idp.example.com"]);
    for host in ["idp.example.com", "idp.example.com:443"] {
        let r = s.request_to(
            host,
            "GET",
            "/_cognate/health",
            &[("Origin", "https://idp.example.com")],
            "",
        );
        assert_eq!(r.status, 200, "{host}: {}", r.body);
    }
    let r = s.request_to("other.example.com", "GET", "/_cognate/health", &[], "");
    assert_eq!(r.status, 403);
}

#[test]
fn the_api_allows_any_origin_but_never_credentials() {
    let (s, _d) = server();
    let r = s.request(
        "POST",
        "/",
        &[
            ("Origin", "https://app.example"),
            (
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.ListUserPools",
            ),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        r#"{"MaxResults":1}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    let expose = r.header("access-control-expose-headers").unwrap_or("");
    for h in [
        "x-amzn-RequestId",
        "x-amzn-ErrorType",
        "x-amzn-ErrorMessage",
    ] {
        assert!(expose.contains(h), "{expose}");
    }
    let preflight = s.request(
        "OPTIONS",
        "/",
        &[
            ("Origin", "https://app.example"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,x-amz-target,x-amz-user-agent,authorization,x-amz-date",
            ),
        ],
        "",
    );
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert_eq!(preflight.header("access-control-allow-credentials"), None);
    // The control API grants no origin anything.
    let health = s.request("GET", "/_cognate/health", &[], "");
    assert_eq!(health.status, 200);
    assert_eq!(health.header("access-control-allow-origin"), None);
}
