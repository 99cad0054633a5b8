//! `/oauth2/authorize`, the hosted `/login` form and `/logout` end to end with a plain
//! HTTP client (cookies handled by hand): the authorization-code flow with PKCE through
//! the token endpoint, userInfo and refresh; single sign-on; NEW_PASSWORD_REQUIRED on
//! the page; and every refusal (an unregistered redirect_uri shown on a page, never
//! redirected; the rest redirected with RFC 6749's `error` and the `state`).

mod common;

use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::forms::*;
use common::*;
use sha2::Digest as _;

const CALLBACK: &str = "https://app.example.com/callback";
const LOGOUT: &str = "https://app.example.com/signed-out";
const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789abcdef";

struct Fixture {
    server: Server,
    pool: String,
    /// A public client with the code flow, openid and email.
    web: String,
    /// Another code-flow client of the pool.
    other: String,
}

async fn fixture() -> Fixture {
    let (server, c, pool, _) = sign_in_fixture().await;
    let client = |name: &str| {
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name(name)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_scopes("email")
            .supported_identity_providers("COGNITO")
            .callback_urls(CALLBACK)
            .logout_urls(LOGOUT)
            .send()
    };
    let id = |r: aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::CreateUserPoolClientOutput| {
        r.user_pool_client()
            .and_then(|c| c.client_id())
            .expect("id")
            .to_string()
    };
    let web = id(client("web").await.expect("web"));
    let other = id(client("other").await.expect("other"));
    Fixture {
        server,
        pool,
        web,
        other,
    }
}

impl Fixture {
    fn authorize_query(&self, client: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", client),
            ("redirect_uri", CALLBACK),
            ("state", "st&te"),
        ];
        pairs.extend_from_slice(extra);
        query(&pairs)
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> HttpResponse {
        match cookie {
            Some(c) => self.server.request("GET", path, &[("Cookie", c)], ""),
            None => self.server.get(path),
        }
    }

    /// The login page for `q`: its CSRF cookie and token.
    fn login_page(&self, q: &str) -> (String, String) {
        let page = self.get(&format!("/login?{q}"), None);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("name=\"username\""));
        assert!(page.body.contains("name=\"password\""));
        let cookie = set_cookie(&page, "XSRF-TOKEN").expect("csrf cookie");
        (cookie, hidden(&page.body, "_csrf"))
    }

    fn post_login(&self, q: &str, cookie: &str, form: &[(&str, &str)]) -> HttpResponse {
        self.server.request(
            "POST",
            &format!("/login?{q}"),
            &[FORM, ("Cookie", cookie)],
            &query(form),
        )
    }

    /// Signs alice in through the page; answers the redirect and the session cookie.
    fn sign_in(&self, q: &str) -> (HttpResponse, String) {
        let (cookie, csrf) = self.login_page(q);
        let r = self.post_login(
            q,
            &cookie,
            &[
                ("_csrf", &csrf),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 302, "{}", r.body);
        let session = set_cookie(&r, &format!("cognito-{}", self.pool)).expect("session cookie");
        (r, session)
    }

    fn exchange(&self, client: &str, code: &str, verifier: Option<&str>) -> HttpResponse {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", client),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        self.server
            .request("POST", "/oauth2/token", &[FORM], &query(&form))
    }
}

#[tokio::test]
async fn the_code_flow_with_pkce_signs_in_through_the_page() {
    let f = fixture().await;
    let q = f.authorize_query(
        &f.web,
        &[
            ("scope", "openid email"),
            ("nonce", "n-0S6_WzA2Mj"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    );
    // Without a session: to /login with the same query.
    let r = f.get(&format!("/oauth2/authorize?{q}"), None);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some(format!("/login?{q}").as_str()));

    let (r, session) = f.sign_in(&q);
    let location = r.header("location").expect("location");
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let params = location_params(location);
    assert_eq!(params["state"], "st&te");
    let code = params["code"].clone();

    let tokens = f.exchange(&f.web, &code, Some(VERIFIER));
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let body = tokens.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap_or_default() > 0);
    let (access, id, refresh) = (
        body["access_token"].as_str().expect("access").to_string(),
        body["id_token"].as_str().expect("id").to_string(),
        body["refresh_token"].as_str().expect("refresh").to_string(),
    );
    let jwks = jwks(&f.server, &f.pool);
    assert!(verifies(&jwks, &access) && verifies(&jwks, &id));
    let (a, i) = (claims(&access), claims(&id));
    assert_eq!(a["scope"], "openid email");
    assert_eq!(a["client_id"], f.web.as_str());
    assert_eq!(i["aud"], f.web.as_str());
    assert_eq!(i["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(i["cognito:username"], "alice");
    let digest = sha2::Sha256::digest(access.as_bytes());
    assert_eq!(i["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));

    // userInfo with the code flow's access token (openid scope).
    let info = f.server.request(
        "GET",
        "/oauth2/userInfo",
        &[("Authorization", &format!("Bearer {access}"))],
        "",
    );
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.json()["username"], "alice");
    assert_eq!(info.json()["email"], "alice@example.com");

    // Refresh keeps the granted scopes.
    let refreshed = f.server.request(
        "POST",
        "/oauth2/token",
        &[FORM],
        &query(&[
            ("grant_type", "refresh_token"),
            ("client_id", &f.web),
            ("refresh_token", &refresh),
        ]),
    );
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let again = refreshed.json()["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    assert_eq!(claims(&again)["scope"], "openid email");

    // The code is used up.
    let replay = f.exchange(&f.web, &code, Some(VERIFIER));
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["error"], "invalid_grant");

    // Single sign-on: with the session cookie, authorize answers a code at once.
    let q2 = f.authorize_query(&f.web, &[]);
    let r = f.get(&format!("/oauth2/authorize?{q2}"), Some(&session));
    assert_eq!(r.status, 302);
    let params = location_params(r.header("location").expect("location"));
    let sso = f.exchange(&f.web, &params["code"], None);
    assert_eq!(sso.status, 200, "{}", sso.body);
    // Default scopes: all the client's.
    let scope = claims(sso.json()["access_token"].as_str().expect("access"))["scope"].clone();
    assert_eq!(scope, "openid email");

    // prompt=login shows the page even with a session.
    let r = f.get(
        &format!(
            "/oauth2/authorize?{}",
            f.authorize_query(&f.web, &[("prompt", "login")])
        ),
        Some(&session),
    );
    assert!(r
        .header("location")
        .expect("location")
        .starts_with("/login?"));

    // Logout ends the session: the cookie is cleared, and no longer signs in.
    let out = f.get(
        &format!(
            "/logout?{}",
            query(&[("client_id", &f.web), ("logout_uri", LOGOUT)])
        ),
        Some(&session),
    );
    assert_eq!(out.status, 302);
    assert_eq!(out.header("location"), Some(LOGOUT));
    let cleared = set_cookie(&out, &format!("cognito-{}", f.pool)).expect("cleared");
    assert!(cleared.ends_with('='), "{cleared}");
    let r = f.get(&format!("/oauth2/authorize?{q2}"), Some(&session));
    assert!(r
        .header("location")
        .expect("location")
        .starts_with("/login?"));
}

#[tokio::test]
async fn pkce_and_codes_are_checked_at_the_exchange() {
    let f = fixture().await;
    let q = f.authorize_query(
        &f.web,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    );
    let code = |f: &Fixture| {
        let (r, _) = f.sign_in(&q);
        location_params(r.header("location").expect("location"))["code"].clone()
    };
    for (client, verifier) in [
        (
            f.web.clone(),
            Some("a-wrong-verifier-of-at-least-43-characters-000000"),
        ),
        (f.web.clone(), None),
        (f.other.clone(), Some(VERIFIER)),
    ] {
        let c = code(&f);
        let r = f.exchange(&client, &c, verifier);
        assert_eq!(r.status, 400, "{verifier:?}");
        assert_eq!(r.json()["error"], "invalid_grant");
        // A refused code is used up too.
        let r = f.exchange(&f.web, &c, Some(VERIFIER));
        assert_eq!(r.json()["error"], "invalid_grant");
    }
    let c = code(&f);
    let wrong_uri = f.server.request(
        "POST",
        "/oauth2/token",
        &[FORM],
        &query(&[
            ("grant_type", "authorization_code"),
            ("client_id", &f.web),
            ("code", &c),
            ("redirect_uri", "https://app.example.com/other"),
            ("code_verifier", VERIFIER),
        ]),
    );
    assert_eq!(wrong_uri.json()["error"], "invalid_grant");
    let unknown = f.exchange(&f.web, "not-a-code", None);
    assert_eq!(unknown.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn authorize_refusals_follow_rfc_6749() {
    let f = fixture().await;
    // An unregistered redirect_uri, or an unknown client: a page, never a redirect.
    for q in [
        query(&[
            ("response_type", "code"),
            ("client_id", &f.web),
            ("redirect_uri", "https://evil.example.com/cb"),
        ]),
        query(&[("response_type", "code"), ("client_id", &f.web)]),
        query(&[
            ("response_type", "code"),
            ("client_id", "nosuchclient0000000000000"),
            ("redirect_uri", CALLBACK),
        ]),
    ] {
        for path in ["/oauth2/authorize", "/login"] {
            let r = f.get(&format!("{path}?{q}"), None);
            assert_eq!(r.status, 400, "{path}?{q}");
            assert!(r.header("location").is_none());
            assert!(r
                .header("content-type")
                .unwrap_or("")
                .starts_with("text/html"));
        }
    }
    let redirected = |extra: &[(&str, &str)], response_type: &str| {
        let mut pairs = vec![
            ("response_type", response_type),
            ("client_id", f.web.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "xyz"),
        ];
        pairs.extend_from_slice(extra);
        let r = f.get(&format!("/oauth2/authorize?{}", query(&pairs)), None);
        assert_eq!(r.status, 302);
        let location = r.header("location").expect("location").to_string();
        assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
        location_params(&location)
    };
    let p = redirected(&[], "id_token");
    assert_eq!(p["error"], "unsupported_response_type");
    assert_eq!(p["state"], "xyz");
    let p = redirected(&[("scope", "openid phone")], "code");
    assert_eq!(p["error"], "invalid_scope");
    assert_eq!(p["state"], "xyz");
    let p = redirected(&[("identity_provider", "Google")], "code");
    assert_eq!(p["error"], "invalid_request");
    let p = redirected(
        &[
            ("code_challenge", "abc"),
            ("code_challenge_method", "plain"),
        ],
        "code",
    );
    assert_eq!(p["error"], "invalid_request");
    let p = redirected(&[("prompt", "none")], "code");
    assert_eq!(p["error"], "login_required");
}

#[tokio::test]
async fn the_login_form_needs_its_csrf_token_and_the_right_password() {
    let f = fixture().await;
    let q = f.authorize_query(&f.web, &[]);
    let (cookie, csrf) = f.login_page(&q);
    // No token, a token without its cookie, a token of another cookie.
    for (cookie, form_csrf) in [
        (cookie.as_str(), None),
        ("", Some(csrf.as_str())),
        ("XSRF-TOKEN=another", Some(csrf.as_str())),
    ] {
        let mut form = vec![("username", "alice"), ("password", PASSWORD)];
        if let Some(t) = form_csrf {
            form.push(("_csrf", t));
        }
        let r = f.post_login(&q, cookie, &form);
        assert_eq!(r.status, 403, "{cookie} {form_csrf:?}");
        assert!(set_cookie(&r, &format!("cognito-{}", f.pool)).is_none());
    }
    // A wrong password and an unknown user read alike, on the form again.
    for (user, password) in [("alice", WRONG), ("nobody", PASSWORD)] {
        let r = f.post_login(
            &q,
            &cookie,
            &[("_csrf", &csrf), ("username", user), ("password", password)],
        );
        assert_eq!(r.status, 200);
        assert!(r.body.contains(INCORRECT), "{}", r.body);
        assert!(r.body.contains("name=\"password\""));
    }
}

#[tokio::test]
async fn a_new_password_is_chosen_on_the_page() {
    let f = fixture().await;
    let c = f.server.client();
    create_user(&c, &f.pool, "bob", Some("Temp0rary!")).await;
    let q = f.authorize_query(&f.web, &[]);
    let (cookie, csrf) = f.login_page(&q);
    let r = f.post_login(
        &q,
        &cookie,
        &[
            ("_csrf", &csrf),
            ("username", "bob"),
            ("password", "Temp0rary!"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(hidden(&r.body, "challenge"), "NEW_PASSWORD_REQUIRED");
    let session = hidden(&r.body, "session");
    let r = f.post_login(
        &q,
        &cookie,
        &[
            ("_csrf", &csrf),
            ("username", "bob"),
            ("challenge", "NEW_PASSWORD_REQUIRED"),
            ("session", &session),
            ("new_password", NEW_PASSWORD),
        ],
    );
    assert_eq!(r.status, 302, "{}", r.body);
    let code = location_params(r.header("location").expect("location"))["code"].clone();
    let tokens = f.exchange(&f.web, &code, None);
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    assert_eq!(status(&c, &f.pool, "bob").await, "CONFIRMED");
}

#[tokio::test]
async fn logout_refuses_an_unregistered_logout_uri() {
    let f = fixture().await;
    let r = f.get(
        &format!(
            "/logout?{}",
            query(&[
                ("client_id", &f.web),
                ("logout_uri", "https://evil.example.com/")
            ])
        ),
        None,
    );
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
    // With redirect_uri and response_type: to the sign-in page with them.
    let q = f.authorize_query(&f.web, &[]);
    let r = f.get(&format!("/logout?{q}"), None);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some(format!("/login?{q}").as_str()));
}

#[tokio::test]
async fn the_implicit_grant_answers_tokens_in_the_fragment() {
    let f = fixture().await;
    let c = f.server.client();
    let implicit = c
        .create_user_pool_client()
        .user_pool_id(&f.pool)
        .client_name("implicit")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .supported_identity_providers("COGNITO")
        .callback_urls(CALLBACK)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id")
        .to_string();
    let q = query(&[
        ("response_type", "token"),
        ("client_id", &implicit),
        ("redirect_uri", CALLBACK),
        ("state", "st&te"),
        ("nonce", "n-1"),
    ]);
    let (r, _) = f.sign_in(&q);
    let location = r.header("location").expect("location").to_string();
    let (base, fragment) = location.split_once('#').expect("a fragment");
    assert_eq!(base, CALLBACK);
    let params = location_params(&format!("?{fragment}"));
    assert_eq!(params["token_type"], "Bearer");
    assert_eq!(params["state"], "st&te");
    assert_eq!(params["expires_in"], "3600");
    assert!(!params.contains_key("refresh_token") && !params.contains_key("code"));
    let jwks = jwks(&f.server, &f.pool);
    let (access, id) = (&params["access_token"], &params["id_token"]);
    assert!(verifies(&jwks, access) && verifies(&jwks, id));
    assert_eq!(claims(access)["scope"], "openid");
    assert_eq!(claims(id)["nonce"], "n-1");
    assert_eq!(claims(id)["aud"], implicit.as_str());
    // The code flow's client may not use the implicit grant.
    let q = query(&[
        ("response_type", "token"),
        ("client_id", &f.web),
        ("redirect_uri", CALLBACK),
        ("state", "s"),
    ]);
    let r = f.get(&format!("/oauth2/authorize?{q}"), None);
    assert_eq!(r.status, 302);
    let refused = location_params(r.header("location").expect("location"));
    assert_eq!(refused["error"], "unauthorized_client");
}
