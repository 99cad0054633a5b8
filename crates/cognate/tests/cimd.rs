//! Client ID metadata documents (CIMD) end to end. The seven operations through the
//! JSON API (the Rust SDK 1.144.0 lacks them) with their errors, and sign-in by a CIMD
//! client: an HTTPS document server whose certificate comes from a CA the test makes
//! and cognate trusts through `--outbound-ca-file`; the authorization-code flow with
//! PKCE on the pool's domain, the code exchange and refresh with the URL as
//! `client_id`; a document whose redirect URIs lack the request's, and a URL no policy
//! matches, refused on a page; the cache listed and INVALIDATE forcing a new fetch.

mod common;

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, UserPoolTierType};
use base64::Engine as _;
use common::forms::*;
use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CALLBACK: &str = "https://tool.example.com/callback";
const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789abcdef";

/// What the document server answers per path, and how often each was fetched.
#[derive(Default)]
struct Documents {
    bodies: HashMap<String, (String, Option<String>)>,
    hits: HashMap<String, usize>,
}

/// An HTTPS server on 127.0.0.1 (its own thread and runtime: the tests block on
/// cognate while cognate fetches from it), and the PEM of the CA that signed it.
struct DocServer {
    port: u16,
    docs: Arc<Mutex<Documents>>,
    _ca_dir: tempfile::TempDir,
    ca_file: String,
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

impl DocServer {
    fn start() -> DocServer {
        let ca_key = rcgen::KeyPair::generate().expect("ca key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "cognate test CA");
        let ca = ca_params.self_signed(&ca_key).expect("ca cert");
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("leaf");
        let leaf = params.signed_by(&key, &ca, &ca_key).expect("leaf cert");
        let dir = tempfile::tempdir().expect("dir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, pem(ca.der())).expect("write ca");

        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let docs = Arc::new(Mutex::new(Documents::default()));
        let shared = docs.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    let (acceptor, docs) = (acceptor.clone(), shared.clone());
                    tokio::spawn(async move {
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        let head = String::from_utf8_lossy(&head).to_string();
                        let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                        let answer = {
                            let mut d = docs.lock().expect("docs");
                            *d.hits.entry(path.clone()).or_default() += 1;
                            d.bodies.get(&path).cloned()
                        };
                        let response = match answer {
                            Some((body, cache_control)) => format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                cache_control
                                    .map(|c| format!("Cache-Control: {c}\r\n"))
                                    .unwrap_or_default(),
                                body.len()
                            ),
                            None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                        };
                        let _ = tls.write_all(response.as_bytes()).await;
                        let _ = tls.shutdown().await;
                    });
                }
            });
        });
        DocServer {
            port,
            docs,
            ca_file: ca_file.to_string_lossy().to_string(),
            _ca_dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// Serves `doc` at `path`.
    fn serve(&self, path: &str, doc: &Value, cache_control: Option<&str>) {
        self.docs.lock().expect("docs").bodies.insert(
            path.to_string(),
            (doc.to_string(), cache_control.map(str::to_string)),
        );
    }

    fn hits(&self, path: &str) -> usize {
        self.docs
            .lock()
            .expect("docs")
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// A valid document for `path` redirecting to `redirect`.
    fn document(&self, path: &str, redirect: &str) -> Value {
        json!({
            "client_id": self.url(path),
            "client_name": "A tool",
            "redirect_uris": [redirect],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        })
    }
}

struct Fixture {
    server: Server,
    docs: DocServer,
    pool: String,
    /// The public code-flow app client the policy maps to.
    app: String,
    host: String,
}

async fn fixture() -> Fixture {
    let docs = DocServer::start();
    let (server, c, pool, _) = sign_in_fixture_with(&["--outbound-ca-file", &docs.ca_file]).await;
    let app = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("tools")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .supported_identity_providers("COGNITO")
        .callback_urls("https://registered.example.com/cb")
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id")
        .to_string();
    let prefix = format!("cimd{}", &app[..8]);
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&prefix)
        .send()
        .await
        .expect("domain");
    Fixture {
        server,
        docs,
        pool,
        app,
        host: format!("{prefix}.auth.us-east-1.amazoncognito.com"),
    }
}

impl Fixture {
    fn call(&self, op: &str, body: Value) -> HttpResponse {
        self.server.call(op, &body.to_string())
    }

    fn ok(&self, op: &str, body: Value) -> Value {
        let r = self.call(op, body);
        assert_eq!(r.status, 200, "{op}: {}", r.body);
        r.json()
    }

    fn error(&self, op: &str, body: Value) -> (String, String) {
        let r = self.call(op, body);
        assert_eq!(r.status, 400, "{op}: {}", r.body);
        (r.error_type(), r.message())
    }

    fn create_policy(&self, patterns: &[String]) -> String {
        let r = self.ok(
            "CreateCIMDPolicy",
            json!({"UserPoolId": self.pool, "ClientId": self.app, "PolicyName": "tools",
                   "URLPatterns": patterns}),
        );
        r["CIMDPolicy"]["CIMDPolicyId"]
            .as_str()
            .expect("id")
            .to_string()
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> HttpResponse {
        let mut headers = vec![];
        if let Some(c) = cookie {
            headers.push(("Cookie", c));
        }
        self.server
            .request_to(&self.host, "GET", path, &headers, "")
    }

    fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> HttpResponse {
        let mut headers = vec![FORM];
        if let Some(c) = cookie {
            headers.push(("Cookie", c));
        }
        self.server
            .request_to(&self.host, "POST", path, &headers, &query(form))
    }

    fn authorize_query(&self, client_id: &str, redirect: &str) -> String {
        query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect),
            ("state", "xyz"),
            ("scope", "openid email"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
    }

    /// Signs alice in on the domain's page; the redirect.
    fn sign_in(&self, q: &str) -> HttpResponse {
        let page = self.get(&format!("/login?{q}"), None);
        assert_eq!(page.status, 200, "{}", page.body);
        let cookie = set_cookie(&page, "XSRF-TOKEN").expect("csrf cookie");
        let csrf = hidden(&page.body, "_csrf");
        self.post(
            &format!("/login?{q}"),
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        )
    }
}

#[tokio::test]
async fn policies_are_created_described_listed_updated_and_deleted() {
    let f = fixture().await;
    let pattern = f.docs.url("/tools/*.json");
    let created = f.ok(
        "CreateCIMDPolicy",
        json!({"UserPoolId": f.pool, "ClientId": f.app, "PolicyName": "tools",
               "URLPatterns": [pattern]}),
    );
    let policy = &created["CIMDPolicy"];
    let id = policy["CIMDPolicyId"].as_str().expect("id").to_string();
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert_eq!(policy["CacheDuration"], 86400, "a day by default");
    assert_eq!(policy["ClientId"], f.app.as_str());
    assert_eq!(policy["URLPatterns"], json!([pattern]));
    assert!(policy["CreationDate"].as_f64().is_some());

    let described = f.ok(
        "DescribeCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": id}),
    );
    assert_eq!(described["CIMDPolicy"], *policy);

    let second = f.create_policy(&["https://other.example.com/c/*".to_string()]);
    let page = f.ok(
        "ListCIMDPolicies",
        json!({"UserPoolId": f.pool, "MaxResults": 1}),
    );
    assert_eq!(page["CIMDPolicies"].as_array().expect("list").len(), 1);
    let token = page["NextToken"].as_str().expect("next token");
    let rest = f.ok(
        "ListCIMDPolicies",
        json!({"UserPoolId": f.pool, "NextToken": token}),
    );
    let mut ids: Vec<String> = page["CIMDPolicies"]
        .as_array()
        .into_iter()
        .chain(rest["CIMDPolicies"].as_array())
        .flatten()
        .map(|p| p["CIMDPolicyId"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    let mut expected = vec![id.clone(), second.clone()];
    expected.sort();
    assert_eq!(ids, expected);

    let updated = f.ok(
        "UpdateCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": id, "ClientId": f.app,
               "URLPatterns": [pattern, f.docs.url("/more/*")], "CacheDuration": 172800}),
    );
    assert_eq!(updated["CIMDPolicy"]["CacheDuration"], 172800);
    assert_eq!(updated["CIMDPolicy"]["PolicyName"], "tools", "kept");
    assert_eq!(
        updated["CIMDPolicy"]["URLPatterns"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // The app client deleted: its id is left out.
    f.server
        .client()
        .delete_user_pool_client()
        .user_pool_id(&f.pool)
        .client_id(&f.app)
        .send()
        .await
        .expect("delete client");
    let described = f.ok(
        "DescribeCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": id}),
    );
    assert!(described["CIMDPolicy"].get("ClientId").is_none());
    assert_eq!(described["CIMDPolicy"]["PolicyName"], "tools");

    f.ok(
        "DeleteCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": id}),
    );
    let (code, _) = f.error(
        "DescribeCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": id}),
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = f.error(
        "DeleteCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": id}),
    );
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn policy_input_is_refused_as_aws_does() {
    let f = fixture().await;
    let create = |patterns: Value, extra: Value| {
        let mut body = json!({"UserPoolId": f.pool, "ClientId": f.app, "PolicyName": "p",
                              "URLPatterns": patterns});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        f.call("CreateCIMDPolicy", body)
    };
    let invalid = |r: HttpResponse| {
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.error_type(), "InvalidParameterException", "{}", r.body);
        r.message()
    };
    // The model's constraints.
    invalid(create(json!(["http://a.example.com/x"]), json!({})));
    invalid(create(json!([]), json!({})));
    let six: Vec<String> = (0..6)
        .map(|i| format!("https://a.example.com/{i}"))
        .collect();
    invalid(create(json!(six), json!({})));
    invalid(create(
        json!(["https://a.example.com/x"]),
        json!({"CacheDuration": 3600}),
    ));
    invalid(create(
        json!(["https://a.example.com/x"]),
        json!({"CacheDuration": 31556953}),
    ));
    invalid(create(json!(["https://a.example.com/x?q=1"]), json!({})));
    // Cognate's pattern rules.
    for bad in [
        "https://a.example.com",
        "https://*/client.json",
        "https://*.com/client.json",
        "https://a*.example.com/x",
        "https://user@a.example.com/x",
        "https://a.example.com/a/../b",
    ] {
        let message = invalid(create(json!([bad]), json!({})));
        assert!(message.contains("URL pattern"), "{bad}: {message}");
    }
    invalid(create(
        json!(["https://a.example.com/x", "https://a.example.com/x"]),
        json!({}),
    ));
    // A pattern belongs to one policy.
    f.create_policy(&["https://a.example.com/x".to_string()]);
    let message = invalid(create(json!(["https://a.example.com/x"]), json!({})));
    assert!(message.contains("already belongs"), "{message}");

    // Unknown pool, unknown client.
    let r = f.call(
        "CreateCIMDPolicy",
        json!({"UserPoolId": "us-east-1_nothere", "ClientId": f.app, "PolicyName": "p",
               "URLPatterns": ["https://b.example.com/x"]}),
    );
    assert_eq!(r.error_type(), "ResourceNotFoundException", "{}", r.body);
    let r = create(
        json!(["https://b.example.com/x"]),
        json!({"ClientId": "0123456789abcdefghijklmnop"}),
    );
    assert_eq!(r.error_type(), "ResourceNotFoundException", "{}", r.body);

    // An app client without the OAuth user flows.
    let c = f.server.client();
    let plain = app_client(&c, &f.pool, |b| b).await;
    let r = create(
        json!(["https://b.example.com/x"]),
        json!({"ClientId": plain}),
    );
    assert_eq!(r.error_type(), "OperationNotEnabledException", "{}", r.body);

    // The Lite plan.
    let lite = create_pool_with(&c, "lite", |b| b.user_pool_tier(UserPoolTierType::Lite)).await;
    let lite_app = app_client(&c, &lite, |b| {
        b.allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .supported_identity_providers("COGNITO")
            .callback_urls("https://a.example.com/cb")
    })
    .await;
    let r = f.call(
        "CreateCIMDPolicy",
        json!({"UserPoolId": lite, "ClientId": lite_app, "PolicyName": "p",
               "URLPatterns": ["https://c.example.com/x"]}),
    );
    assert_eq!(
        r.error_type(),
        "FeatureUnavailableInTierException",
        "{}",
        r.body
    );

    // At most 20 policies a pool.
    for i in 1..20 {
        f.create_policy(&[format!("https://d{i}.example.com/x")]);
    }
    let r = create(json!(["https://e.example.com/x"]), json!({}));
    assert_eq!(r.error_type(), "LimitExceededException", "{}", r.body);

    // Nothing was written by the refusals.
    let mut count = 0;
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"UserPoolId": f.pool, "MaxResults": 60});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = f.ok("ListCIMDPolicies", body);
        count += page["CIMDPolicies"].as_array().map_or(0, Vec::len);
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(count, 20);

    // Update: unknown policy; a URL not cached.
    let (code, _) = f.error(
        "UpdateCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": "nothere", "ClientId": f.app,
               "URLPatterns": ["https://f.example.com/x"]}),
    );
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn a_cimd_client_signs_in_with_the_code_flow_and_pkce() {
    let f = fixture().await;
    let path = "/tools/good.json";
    let url = f.docs.url(path);
    f.docs.serve(path, &f.docs.document(path, CALLBACK), None);
    let policy = f.create_policy(&[f.docs.url("/tools/*.json")]);

    let q = f.authorize_query(&url, CALLBACK);
    let r = f.get(&format!("/oauth2/authorize?{q}"), None);
    assert_eq!(r.status, 302, "{}", r.body);
    assert_eq!(r.header("location"), Some(format!("/login?{q}").as_str()));
    assert_eq!(f.docs.hits(path), 1);

    let r = f.sign_in(&q);
    assert_eq!(r.status, 302, "{}", r.body);
    let location = r.header("location").expect("location");
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let params = location_params(location);
    assert_eq!(params["state"], "xyz");
    // The sign-in read the cache: one fetch in all.
    assert_eq!(f.docs.hits(path), 1);

    // The exchange names the URL, without a secret, and proves the PKCE verifier.
    let exchange = |code: &str, verifier: &str| {
        f.post(
            "/oauth2/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &url),
                ("code", code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", verifier),
            ],
        )
    };
    let tokens = exchange(&params["code"], VERIFIER);
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let body = tokens.json();
    let access = body["access_token"].as_str().expect("access").to_string();
    let id = body["id_token"].as_str().expect("id").to_string();
    let refresh = body["refresh_token"].as_str().expect("refresh").to_string();
    let jwks = jwks(&f.server, &f.pool);
    assert!(verifies(&jwks, &access) && verifies(&jwks, &id));
    // The tokens are the policy's app client's.
    assert_eq!(claims(&access)["client_id"], f.app.as_str());
    assert_eq!(claims(&id)["aud"], f.app.as_str());
    assert_eq!(claims(&access)["scope"], "openid email");
    assert_eq!(claims(&id)["cognito:username"], "alice");

    // The app client's own id cannot take a CIMD client's code, nor a wrong verifier.
    let r = f.sign_in(&q);
    let code = location_params(r.header("location").expect("location"))["code"].clone();
    let stolen = f.post(
        "/oauth2/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &f.app),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(stolen.status, 400, "{}", stolen.body);
    assert_eq!(stolen.json()["error"], "invalid_grant");
    let r = f.sign_in(&q);
    let code = location_params(r.header("location").expect("location"))["code"].clone();
    let wrong = exchange(&code, "another-verifier-of-at-least-43-characters-0123456");
    assert_eq!(wrong.json()["error"], "invalid_grant", "{}", wrong.body);

    // Refresh with the URL as client_id.
    let refreshed = f.post(
        "/oauth2/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &url),
            ("refresh_token", &refresh),
        ],
    );
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let again = refreshed.json()["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    assert_eq!(claims(&again)["client_id"], f.app.as_str());

    // A secret is refused (public clients only), and so is client_credentials.
    let r = f.post(
        "/oauth2/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &url),
            ("client_secret", "anything"),
            ("refresh_token", &refresh),
        ],
    );
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.json()["error"], "invalid_client");
    let r = f.post(
        "/oauth2/token",
        None,
        &[("grant_type", "client_credentials"), ("client_id", &url)],
    );
    assert_eq!(r.json()["error"], "unauthorized_client", "{}", r.body);

    // Without the pool's domain as Host, the URL names no client.
    let r = f.server.get(&format!(
        "/oauth2/authorize?{}",
        f.authorize_query(&url, CALLBACK)
    ));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Client does not exist"), "{}", r.body);

    // The policy deleted: the URL is no client any more, at either endpoint.
    f.ok(
        "DeleteCIMDPolicy",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": policy}),
    );
    let r = f.post(
        "/oauth2/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &url),
            ("refresh_token", &refresh),
        ],
    );
    assert_eq!(r.json()["error"], "invalid_client", "{}", r.body);
}

#[tokio::test]
async fn documents_and_urls_that_do_not_qualify_are_refused() {
    let f = fixture().await;
    f.create_policy(&[f.docs.url("/tools/*.json")]);

    // A redirect URI the document does not list: a page, no redirect.
    let path = "/tools/other-redirect.json";
    let url = f.docs.url(path);
    f.docs.serve(
        path,
        &f.docs.document(path, "https://elsewhere.example.com/cb"),
        None,
    );
    let r = f.get(
        &format!("/oauth2/authorize?{}", f.authorize_query(&url, CALLBACK)),
        None,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.header("location").is_none());
    assert!(r.body.contains("redirect_mismatch"), "{}", r.body);
    // Nor the app client's own callback URLs: only the document's count.
    let r = f.get(
        &format!(
            "/oauth2/authorize?{}",
            f.authorize_query(&url, "https://registered.example.com/cb")
        ),
        None,
    );
    assert!(r.body.contains("redirect_mismatch"), "{}", r.body);

    // A URL no policy matches is never fetched.
    let unmatched = "/elsewhere/tool.json";
    f.docs
        .serve(unmatched, &f.docs.document(unmatched, CALLBACK), None);
    let r = f.get(
        &format!(
            "/oauth2/authorize?{}",
            f.authorize_query(&f.docs.url(unmatched), CALLBACK)
        ),
        None,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Client does not exist"), "{}", r.body);
    assert_eq!(f.docs.hits(unmatched), 0);

    // Documents that break AWS's rules: not cached, refused on a page.
    let cases = [
        (
            "/tools/mismatch.json",
            json!({"client_id": f.docs.url("/tools/someone-else.json")}),
        ),
        (
            "/tools/secret.json",
            json!({"token_endpoint_auth_method": "client_secret_basic"}),
        ),
        (
            "/tools/machine.json",
            json!({"grant_types": ["client_credentials"]}),
        ),
    ];
    for (path, change) in cases {
        let mut doc = f.docs.document(path, CALLBACK);
        if let (Value::Object(d), Value::Object(c)) = (&mut doc, change) {
            d.extend(c);
        }
        f.docs.serve(path, &doc, None);
        let r = f.get(
            &format!(
                "/oauth2/authorize?{}",
                f.authorize_query(&f.docs.url(path), CALLBACK)
            ),
            None,
        );
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(
            r.body.contains("invalid_client_metadata"),
            "{path}: {}",
            r.body
        );
    }
    // A missing document too.
    let r = f.get(
        &format!(
            "/oauth2/authorize?{}",
            f.authorize_query(&f.docs.url("/tools/absent.json"), CALLBACK)
        ),
        None,
    );
    assert!(r.body.contains("invalid_client_metadata"), "{}", r.body);
}

#[tokio::test]
async fn cached_documents_are_listed_and_invalidate_forces_a_new_fetch() {
    let f = fixture().await;
    let policy = f.create_policy(&[f.docs.url("/tools/*.json")]);
    let (a, b) = ("/tools/a.json", "/tools/b.json");
    f.docs.serve(a, &f.docs.document(a, CALLBACK), None);
    f.docs.serve(
        b,
        &f.docs.document(b, CALLBACK),
        Some("public, max-age=172800"),
    );
    for path in [a, b] {
        let r = f.get(
            &format!(
                "/oauth2/authorize?{}",
                f.authorize_query(&f.docs.url(path), CALLBACK)
            ),
            None,
        );
        assert_eq!(r.status, 302, "{}", r.body);
    }
    let listed = f.ok(
        "ListClientMetadataURLs",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": policy}),
    );
    let urls = listed["ClientMetadataURLs"]
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(urls.len(), 2, "{listed}");
    let lifetime = |url: &str| {
        let u = urls
            .iter()
            .find(|u| u["URL"] == url)
            .unwrap_or_else(|| panic!("{url} in {urls:?}"));
        u["ExpirationDate"].as_f64().expect("expiration")
            - u["CachedDate"].as_f64().expect("cached")
    };
    // The policy's day, and the answer's max-age where it lies within a day and a year.
    assert!((lifetime(&f.docs.url(a)) - 86400.0).abs() <= 1.0);
    assert!((lifetime(&f.docs.url(b)) - 172800.0).abs() <= 1.0);
    let page = f.ok(
        "ListClientMetadataURLs",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": policy, "MaxResults": 1}),
    );
    assert_eq!(page["ClientMetadataURLs"].as_array().map(Vec::len), Some(1));
    assert!(page["NextToken"].as_str().is_some());

    // A second authorize uses the cache; after INVALIDATE the document is fetched again.
    let q = f.authorize_query(&f.docs.url(a), CALLBACK);
    f.get(&format!("/oauth2/authorize?{q}"), None);
    assert_eq!(f.docs.hits(a), 1);
    let state = |url: &str, action: &str| {
        f.call(
            "UpdateClientMetadataURLState",
            json!({"UserPoolId": f.pool, "CIMDPolicyId": policy, "URL": url, "Action": action}),
        )
    };
    let r = state(&f.docs.url(a), "INVALIDATE");
    assert_eq!(r.status, 200, "{}", r.body);
    let listed = f.ok(
        "ListClientMetadataURLs",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": policy}),
    );
    assert_eq!(
        listed["ClientMetadataURLs"].as_array().map(Vec::len),
        Some(1)
    );
    let r = state(&f.docs.url(a), "INVALIDATE");
    assert_eq!(
        r.error_type(),
        "CachedCIMDURLDoesNotExistException",
        "{}",
        r.body
    );
    let r = f.get(&format!("/oauth2/authorize?{q}"), None);
    assert_eq!(r.status, 302, "{}", r.body);
    assert_eq!(f.docs.hits(a), 2);

    // REFRESH fetches at once; a URL never cached is refused.
    let r = state(&f.docs.url(b), "REFRESH");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.docs.hits(b), 2);
    let r = state(&f.docs.url("/tools/never.json"), "REFRESH");
    assert_eq!(
        r.error_type(),
        "CachedCIMDURLDoesNotExistException",
        "{}",
        r.body
    );
    assert_eq!(f.docs.hits("/tools/never.json"), 0);
    let r = state(&f.docs.url(a), "FORGET");
    assert_eq!(r.error_type(), "InvalidParameterException", "{}", r.body);
    let r = f.call(
        "ListClientMetadataURLs",
        json!({"UserPoolId": f.pool, "CIMDPolicyId": "nothere"}),
    );
    assert_eq!(r.error_type(), "ResourceNotFoundException", "{}", r.body);
}
