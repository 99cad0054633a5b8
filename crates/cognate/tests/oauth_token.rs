//! The OAuth 2.0 endpoints end to end with a plain HTTP client: `/oauth2/token`
//! (client_credentials with Basic and form authentication, scopes, refresh_token, every
//! RFC 6749 error), `/oauth2/revoke`, `/oauth2/userInfo`; and GetClientToken through
//! the official Rust SDK.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, FeatureType, OAuthFlowType, RefreshTokenRotationType,
    ResourceServerScopeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

struct Fixture {
    server: Server,
    c: Client,
    pool: String,
    /// A confidential client allowed client_credentials with api/read and api/write.
    m2m: (String, String),
    /// The public client alice signs in through (USER_PASSWORD_AUTH).
    app: String,
}

async fn fixture() -> Fixture {
    let (server, c, pool, app) = sign_in_fixture().await;
    let scope = |name: &str| {
        ResourceServerScopeType::builder()
            .scope_name(name)
            .scope_description(name)
            .build()
            .expect("scope")
    };
    c.create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .expect("resource server");
    let m2m = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("m2m")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("api/read")
        .allowed_o_auth_scopes("api/write")
        .send()
        .await
        .expect("m2m client");
    let m2m = m2m.user_pool_client().expect("client");
    let m2m = (
        m2m.client_id().expect("id").to_string(),
        m2m.client_secret().expect("secret").to_string(),
    );
    Fixture {
        server,
        c,
        pool,
        m2m,
        app,
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

impl Fixture {
    fn token(&self, headers: &[(&str, &str)], form: &str) -> HttpResponse {
        self.server.request("POST", "/oauth2/token", headers, form)
    }

    fn token_basic(&self, form: &str) -> HttpResponse {
        let auth = basic(&self.m2m.0, &self.m2m.1);
        self.token(&[FORM, ("Authorization", &auth)], form)
    }

    fn revoke(&self, headers: &[(&str, &str)], form: &str) -> HttpResponse {
        self.server.request("POST", "/oauth2/revoke", headers, form)
    }

    fn user_info(&self, token: Option<&str>) -> HttpResponse {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("Authorization", a)])
            .unwrap_or_default();
        self.server.request("GET", "/oauth2/userInfo", &headers, "")
    }
}

/// The RFC 6749 error of an answer, checking its status.
fn oauth_error(r: &HttpResponse, status: u16) -> String {
    assert_eq!(r.status, status, "{}", r.body);
    r.json()["error"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn client_credentials_with_basic_and_form_authentication() {
    let f = fixture().await;
    let r = f.token_basic("grant_type=client_credentials");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json"));
    let body = r.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().expect("access token");
    let c = claims(token);
    assert_eq!(c["sub"], f.m2m.0.as_str());
    assert_eq!(c["client_id"], f.m2m.0.as_str());
    assert_eq!(c["token_use"], "access");
    assert_eq!(c["scope"], "api/read api/write");
    assert!(c.get("username").is_none());
    assert_eq!(c["iss"], format!("{}/{}", f.server.url(), f.pool).as_str());
    assert!(verifies(&jwks(&f.server, &f.pool), token));
    // It speaks for no user.
    assert_eq!(
        get_user(&f.c, token).await.err().map(|e| e.0).as_deref(),
        Some(NA)
    );

    // client_secret_post, one scope asked for (twice).
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=api%2Fread+api/read",
        f.m2m.0, f.m2m.1
    );
    let r = f.token(&[FORM], &form);
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json()["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(claims(&token)["scope"], "api/read");
    // The form may name the client the header authenticates.
    let r = f.token_basic(&format!(
        "grant_type=client_credentials&client_id={}",
        f.m2m.0
    ));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn token_endpoint_errors_follow_rfc_6749() {
    let f = fixture().await;
    let (id, secret) = (f.m2m.0.clone(), f.m2m.1.clone());
    let json = [("Content-Type", "application/json")];
    assert_eq!(oauth_error(&f.token(&json, "{}"), 400), "invalid_request");
    assert_eq!(oauth_error(&f.token_basic(""), 400), "invalid_request");
    assert_eq!(
        oauth_error(&f.token_basic("grant_type=password"), 400),
        "unsupported_grant_type"
    );
    // No client, an unknown client, a wrong secret, a missing secret.
    assert_eq!(
        oauth_error(&f.token(&[FORM], "grant_type=client_credentials"), 401),
        "invalid_client"
    );
    let unknown = basic("nosuchclient0000000000000", &secret);
    let r = f.token(
        &[FORM, ("Authorization", &unknown)],
        "grant_type=client_credentials",
    );
    assert_eq!(oauth_error(&r, 401), "invalid_client");
    assert_eq!(r.header("www-authenticate"), Some("Basic"));
    let wrong = basic(&id, "not-the-secret");
    let r = f.token(
        &[FORM, ("Authorization", &wrong)],
        "grant_type=client_credentials",
    );
    assert_eq!(oauth_error(&r, 401), "invalid_client");
    let r = f.token(
        &[FORM],
        &format!("grant_type=client_credentials&client_id={id}"),
    );
    assert_eq!(oauth_error(&r, 401), "invalid_client");
    let r = f.token(
        &[FORM, ("Authorization", "Basic !!")],
        "grant_type=client_credentials",
    );
    assert_eq!(oauth_error(&r, 401), "invalid_client");
    // Two ways of authenticating at once, or two clients named.
    let r = f.token_basic(&format!(
        "grant_type=client_credentials&client_secret={secret}"
    ));
    assert_eq!(oauth_error(&r, 400), "invalid_request");
    let r = f.token_basic(&format!(
        "grant_type=client_credentials&client_id={}",
        f.app
    ));
    assert_eq!(oauth_error(&r, 400), "invalid_request");
    // Scopes the client is not allowed, standard scopes, unknown ones.
    for scope in ["api/delete", "openid", "api/read%20other/x"] {
        let r = f.token_basic(&format!("grant_type=client_credentials&scope={scope}"));
        assert_eq!(oauth_error(&r, 400), "invalid_scope", "{scope}");
    }
    // A public client may not use client_credentials; a secret it does not have fails.
    let r = f.token(
        &[FORM],
        &format!("grant_type=client_credentials&client_id={}", f.app),
    );
    assert_eq!(oauth_error(&r, 400), "unauthorized_client");
    let r = f.token(
        &[FORM],
        &format!(
            "grant_type=client_credentials&client_id={}&client_secret=x",
            f.app
        ),
    );
    assert_eq!(oauth_error(&r, 401), "invalid_client");
    // refresh_token and authorization_code without what they need.
    assert_eq!(
        oauth_error(&f.token_basic("grant_type=refresh_token"), 400),
        "invalid_request"
    );
    assert_eq!(
        oauth_error(
            &f.token_basic("grant_type=refresh_token&refresh_token=nope"),
            400
        ),
        "invalid_grant"
    );
    assert_eq!(
        oauth_error(&f.token_basic("grant_type=authorization_code"), 400),
        "invalid_request"
    );
    let code = "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fexample.com%2F";
    assert_eq!(
        oauth_error(&f.token_basic(code), 400),
        "unauthorized_client"
    );
    let web =
        f.c.create_user_pool_client()
            .user_pool_id(&f.pool)
            .client_name("web")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .callback_urls("https://example.com/")
            .send()
            .await
            .expect("web client");
    let web = web
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id");
    let r = f.token(&[FORM], &format!("{code}&client_id={web}"));
    assert_eq!(oauth_error(&r, 400), "invalid_grant");
    // Unknown paths' methods.
    assert_eq!(f.server.get("/oauth2/token").status, 405);
}

#[tokio::test]
async fn refresh_tokens_are_exchanged_for_the_client_that_owns_them() {
    let f = fixture().await;
    let t = sign_in(&f.c, &f.app, "alice", PASSWORD).await;
    let refresh = t.refresh.clone().expect("refresh token");
    let form = format!(
        "grant_type=refresh_token&client_id={}&refresh_token={refresh}",
        f.app
    );
    let r = f.token(&[FORM], &form);
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert!(body.get("refresh_token").is_none(), "no rotation: {body}");
    let access = body["access_token"].as_str().expect("access").to_string();
    let id = body["id_token"].as_str().expect("id token");
    assert_eq!(claims(&access)["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(
        claims(&access)["origin_jti"],
        claims(&t.access)["origin_jti"]
    );
    assert_eq!(claims(id)["cognito:username"], "alice");
    assert_eq!(get_user(&f.c, &access).await, Ok("alice".into()));

    // Another client cannot use it.
    let r = f.token_basic(&format!("grant_type=refresh_token&refresh_token={refresh}"));
    assert_eq!(oauth_error(&r, 400), "invalid_grant");

    // A client that rotates refresh tokens gets a new one; the old one ends.
    let rotation = RefreshTokenRotationType::builder()
        .feature(FeatureType::Enabled)
        .retry_grace_period_seconds(0)
        .build()
        .expect("rotation");
    let rotating = app_client(&f.c, &f.pool, |b| b.refresh_token_rotation(rotation)).await;
    let old = sign_in(&f.c, &rotating, "alice", PASSWORD)
        .await
        .refresh
        .expect("refresh token");
    let form = |token: &str| {
        format!("grant_type=refresh_token&client_id={rotating}&refresh_token={token}")
    };
    let r = f.token(&[FORM], &form(&old));
    assert_eq!(r.status, 200, "{}", r.body);
    let new = r.json()["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_string();
    assert_ne!(new, old);
    assert_eq!(
        oauth_error(&f.token(&[FORM], &form(&old)), 400),
        "invalid_grant"
    );
    assert_eq!(f.token(&[FORM], &form(&new)).status, 200);
}

#[tokio::test]
async fn revocation_ends_the_family() {
    let f = fixture().await;
    let t = sign_in(&f.c, &f.app, "alice", PASSWORD).await;
    let refresh = t.refresh.clone().expect("refresh token");
    assert_eq!(
        oauth_error(&f.revoke(&[FORM], &format!("client_id={}", f.app)), 400),
        "invalid_request"
    );
    let r = f.revoke(&[FORM], &format!("token={}&client_id={}", t.access, f.app));
    assert_eq!(oauth_error(&r, 400), "unsupported_token_type");
    let wrong = basic(&f.m2m.0, "wrong");
    let r = f.revoke(
        &[FORM, ("Authorization", &wrong)],
        &format!("token={refresh}"),
    );
    assert_eq!(oauth_error(&r, 401), "invalid_client");
    let other = basic(&f.m2m.0, &f.m2m.1);
    let r = f.revoke(
        &[FORM, ("Authorization", &other)],
        &format!("token={refresh}"),
    );
    assert_eq!(oauth_error(&r, 400), "invalid_grant");
    assert_eq!(get_user(&f.c, &t.access).await, Ok("alice".into()));

    let r = f.revoke(&[FORM], &format!("token={refresh}&client_id={}", f.app));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "");
    assert_eq!(
        get_user(&f.c, &t.access).await,
        Err((NA.into(), REVOKED.into()))
    );
    let r = f.token(
        &[FORM],
        &format!(
            "grant_type=refresh_token&client_id={}&refresh_token={refresh}",
            f.app
        ),
    );
    assert_eq!(oauth_error(&r, 400), "invalid_grant");
    // Unknown tokens are as good as revoked (RFC 7009).
    let r = f.revoke(&[FORM], &format!("token=unknown&client_id={}", f.app));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn user_info_needs_an_openid_access_token() {
    let f = fixture().await;
    let r = f.user_info(None);
    assert_eq!(oauth_error(&r, 400), "invalid_request");
    assert!(r
        .header("www-authenticate")
        .is_some_and(|h| h.contains("error=\"invalid_request\"")));
    // API sign-ins carry only aws.cognito.signin.user.admin, which AWS's userInfo
    // refuses; so are M2M tokens (no user) and garbage.
    let t = sign_in(&f.c, &f.app, "alice", PASSWORD).await;
    let m2m = f.token_basic("grant_type=client_credentials").json()["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    for token in [t.access.as_str(), m2m.as_str(), "not-a-jwt"] {
        let r = f.user_info(Some(token));
        assert_eq!(oauth_error(&r, 401), "invalid_token");
        assert!(r
            .header("www-authenticate")
            .is_some_and(|h| h.contains("error=\"invalid_token\"")));
    }
}

#[tokio::test]
async fn get_client_token_is_the_client_credentials_twin() {
    let f = fixture().await;
    let flow = ExplicitAuthFlowsType::from("ALLOW_CLIENT_TOKEN_AUTH");
    let created =
        f.c.create_user_pool_client()
            .user_pool_id(&f.pool)
            .client_name("machine")
            .generate_secret(true)
            .explicit_auth_flows(flow.clone())
            .allowed_o_auth_scopes("api/write")
            .send()
            .await
            .expect("client");
    let created = created.user_pool_client().expect("client");
    let (id, secret) = (
        created.client_id().expect("id"),
        created.client_secret().expect("secret"),
    );
    let out =
        f.c.get_client_token()
            .client_id(id)
            .secret(secret)
            .send()
            .await
            .expect("token");
    let result = out.client_authentication_result().expect("result");
    assert_eq!(result.token_type(), Some("Bearer"));
    assert_eq!(result.expires_in(), 3600);
    let token = result.access_token().expect("token");
    assert_eq!(claims(token)["scope"], "api/write");
    assert_eq!(claims(token)["sub"], id);

    let (code, _) = fails(
        f.c.get_client_token()
            .client_id(id)
            .secret("wrongsecretwrongsecretwrongsecret")
            .send()
            .await,
    );
    assert_eq!(code, NA);
    let (code, _) = fails(
        f.c.get_client_token()
            .client_id(id)
            .secret(secret)
            .scopes("api/read")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    // The m2m client has no ALLOW_CLIENT_TOKEN_AUTH.
    let (code, _) = fails(
        f.c.get_client_token()
            .client_id(&f.m2m.0)
            .secret(&f.m2m.1)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    // It is the client's only flow.
    let (code, _) = fails(
        f.c.create_user_pool_client()
            .user_pool_id(&f.pool)
            .client_name("mixed")
            .explicit_auth_flows(flow)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
}
