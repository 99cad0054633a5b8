//! Token exchange (RFC 8693): GetDerivedToken through the JSON API (the Rust SDK pinned
//! here predates it) and the token endpoint's token-exchange grant. A service exchanges a
//! user's token for a narrower one bound to an audience or resource server
//! (impersonation), or presents its own token too and the issued one names it in `act`
//! (delegation); every refusal AWS documents; the issued token verifies against the
//! pool's keys and dies with the user's session.

mod common;

use common::forms::*;
use common::*;
use serde_json::{json, Value};

const CALLBACK: &str = "https://app.example.com/callback";

fn call(server: &Server, op: &str, body: Value) -> Result<Value, (String, String)> {
    let r = server.call(op, &body.to_string());
    if r.status == 200 {
        Ok(r.json())
    } else {
        Err((r.error_type(), r.message()))
    }
}

struct Fixture {
    server: Server,
    pool: String,
    /// The service: a secret, both exchange flows, api/read and api/write, and the
    /// client-credentials grant (its own token is the actor token).
    svc: String,
    svc_secret: String,
    /// A user's access and ID tokens from the hosted sign-in: openid api/read api/write.
    access: String,
    id: String,
}

fn new_client(server: &Server, pool: &str, body: Value) -> (String, Option<String>) {
    let mut body = body;
    body["UserPoolId"] = Value::from(pool);
    let r = call(server, "CreateUserPoolClient", body).expect("client");
    let client = &r["UserPoolClient"];
    (
        client["ClientId"].as_str().expect("id").to_string(),
        client["ClientSecret"].as_str().map(str::to_string),
    )
}

async fn fixture() -> Fixture {
    let (server, c, pool, _) = sign_in_fixture().await;
    c.create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API")
        .scopes(
            aws_sdk_cognitoidentityprovider::types::ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read")
                .build()
                .expect("scope"),
        )
        .scopes(
            aws_sdk_cognitoidentityprovider::types::ResourceServerScopeType::builder()
                .scope_name("write")
                .scope_description("write")
                .build()
                .expect("scope"),
        )
        .send()
        .await
        .expect("resource server");
    let (web, _) = new_client(
        &server,
        &pool,
        json!({
            "ClientName": "web",
            "AllowedOAuthFlowsUserPoolClient": true,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", "api/read", "api/write"],
            "SupportedIdentityProviders": ["COGNITO"],
            "CallbackURLs": [CALLBACK],
        }),
    );
    let (svc, svc_secret) = new_client(
        &server,
        &pool,
        json!({
            "ClientName": "svc",
            "GenerateSecret": true,
            "ExplicitAuthFlows": ["ALLOW_TOKEN_EXCHANGE_IMPERSONATION", "ALLOW_TOKEN_EXCHANGE_DELEGATION"],
            "AllowedOAuthFlowsUserPoolClient": true,
            "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthScopes": ["api/read", "api/write"],
        }),
    );
    // The user signs in through the hosted page with PKCE.
    let verifier = "a-code-verifier-that-is-long-enough-for-pkce-0123456789";
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &web),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email api/read api/write"),
        ("code_challenge", &challenge(verifier)),
        ("code_challenge_method", "S256"),
    ]);
    let r = page_sign_in(&server, &q, "alice", PASSWORD);
    assert_eq!(r.status, 302, "{}", r.body);
    let code = location_params(r.header("location").expect("location"))["code"].clone();
    let r = server.request(
        "POST",
        "/oauth2/token",
        &[FORM],
        &query(&[
            ("grant_type", "authorization_code"),
            ("client_id", &web),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let tokens = r.json();
    Fixture {
        server,
        pool,
        svc,
        svc_secret: svc_secret.expect("secret"),
        access: tokens["access_token"].as_str().expect("access").to_string(),
        id: tokens["id_token"].as_str().expect("id").to_string(),
    }
}

impl Fixture {
    fn derive(&self, extra: Value) -> Result<Value, (String, String)> {
        let mut body = json!({
            "ClientId": self.svc,
            "ClientSecret": self.svc_secret,
            "SubjectToken": self.access,
            "SubjectTokenType": "ACCESS_TOKEN",
        });
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        call(&self.server, "GetDerivedToken", body)
    }

    /// The service's own access token (client credentials).
    fn service_token(&self) -> String {
        let r = self.server.request(
            "POST",
            "/oauth2/token",
            &[FORM],
            &query(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.svc),
                ("client_secret", &self.svc_secret),
            ]),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}

#[tokio::test]
async fn impersonation_narrows_scope_and_binds_an_audience() {
    let f = fixture().await;
    let user = claims(&f.access);
    let r = f
        .derive(json!({"Scopes": ["api/read"], "Audiences": ["orders"]}))
        .expect("derived");
    assert_eq!(r["IssuedTokenType"], "ACCESS_TOKEN");
    assert_eq!(r["TokenType"], "Bearer");
    assert_eq!(r["Scopes"], json!(["api/read"]));
    assert_eq!(r["ExpiresIn"], 3600);
    let token = r["IssuedToken"].as_str().expect("token");
    assert!(verifies(&jwks(&f.server, &f.pool), token));
    let got = claims(token);
    assert_eq!(got["sub"], user["sub"]);
    assert_eq!(got["username"], "alice");
    assert_eq!(got["client_id"], f.svc.as_str());
    assert_eq!(got["token_use"], "access");
    assert_eq!(got["scope"], "api/read");
    assert_eq!(got["aud"], "orders");
    assert_eq!(got["origin_jti"], user["origin_jti"]);
    assert_eq!(got["iss"], user["iss"]);
    assert!(got.get("act").is_none(), "impersonation names no actor");

    // No scopes asked: the subject token's, narrowed to a resource server's when named.
    let r = f.derive(json!({"Resources": ["api"]})).expect("resource");
    assert_eq!(r["Scopes"], json!(["api/read", "api/write"]));
    let got = claims(r["IssuedToken"].as_str().expect("token"));
    assert_eq!(got["aud"], "api");
    let r = f.derive(json!({})).expect("same scopes");
    assert_eq!(
        claims(r["IssuedToken"].as_str().expect("token"))["scope"],
        user["scope"]
    );

    // An ID token, from an ID token.
    let r = f
        .derive(json!({"SubjectToken": f.id, "SubjectTokenType": "ID_TOKEN", "RequestedTokenType": "ID_TOKEN", "Audiences": ["orders"]}))
        .expect("id token");
    assert_eq!(r["IssuedTokenType"], "ID_TOKEN");
    assert_eq!(r["TokenType"], "N_A");
    assert!(r.get("Scopes").is_none());
    let got = claims(r["IssuedToken"].as_str().expect("token"));
    assert_eq!(got["token_use"], "id");
    assert_eq!(got["cognito:username"], "alice");
    assert_eq!(got["email"], "alice@example.com");
    assert_eq!(got["aud"], "orders");
}

#[tokio::test]
async fn delegation_names_the_actor() {
    let f = fixture().await;
    let actor = f.service_token();
    let r = f
        .derive(
            json!({"ActorToken": actor, "ActorTokenType": "ACCESS_TOKEN", "Scopes": ["api/write"]}),
        )
        .expect("delegated");
    let got = claims(r["IssuedToken"].as_str().expect("token"));
    assert_eq!(got["act"], json!({"sub": f.svc, "client_id": f.svc}));
    assert_eq!(got["sub"], claims(&f.access)["sub"]);
    // A delegated token exchanged again keeps the chain.
    let (other, secret) = new_client(
        &f.server,
        &f.pool,
        json!({
            "ClientName": "downstream",
            "GenerateSecret": true,
            "ExplicitAuthFlows": ["ALLOW_TOKEN_EXCHANGE_DELEGATION"],
            "AllowedOAuthFlowsUserPoolClient": true,
            "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthScopes": ["api/write"],
        }),
    );
    let secret = secret.expect("secret");
    let r = f.server.request(
        "POST",
        "/oauth2/token",
        &[FORM],
        &query(&[
            ("grant_type", "client_credentials"),
            ("client_id", &other),
            ("client_secret", &secret),
        ]),
    );
    let downstream_actor = r.json()["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let r = call(
        &f.server,
        "GetDerivedToken",
        json!({
            "ClientId": other, "ClientSecret": secret,
            "SubjectToken": r_token(&r_json(&f, &actor)), "SubjectTokenType": "ACCESS_TOKEN",
            "ActorToken": downstream_actor, "ActorTokenType": "ACCESS_TOKEN",
        }),
    )
    .expect("chained");
    let got = claims(r["IssuedToken"].as_str().expect("token"));
    assert_eq!(
        got["act"],
        json!({"sub": other, "client_id": other, "act": {"sub": f.svc, "client_id": f.svc}})
    );
    // Without the delegation flow, an actor token is refused.
    let (imp, imp_secret) = new_client(
        &f.server,
        &f.pool,
        json!({"ClientName": "imp", "GenerateSecret": true, "ExplicitAuthFlows": ["ALLOW_TOKEN_EXCHANGE_IMPERSONATION"]}),
    );
    let err = call(
        &f.server,
        "GetDerivedToken",
        json!({"ClientId": imp, "ClientSecret": imp_secret, "SubjectToken": f.access, "SubjectTokenType": "ACCESS_TOKEN", "ActorToken": actor, "ActorTokenType": "ACCESS_TOKEN"}),
    )
    .expect_err("no delegation");
    assert_eq!(err.0, "InvalidParameterException");
    assert!(
        err.1.contains("ALLOW_TOKEN_EXCHANGE_DELEGATION"),
        "{}",
        err.1
    );
}

/// The delegated token the fixture's service gets for the user (`act` its own).
fn r_json(f: &Fixture, actor: &str) -> Value {
    f.derive(
        json!({"ActorToken": actor, "ActorTokenType": "ACCESS_TOKEN", "Scopes": ["api/write"]}),
    )
    .expect("delegated")
}

fn r_token(r: &Value) -> String {
    r["IssuedToken"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn refusals_change_nothing_and_say_why() {
    let f = fixture().await;
    let expect = |extra: Value, code: &str| {
        let err = f.derive(extra.clone()).expect_err("refused");
        assert_eq!(err.0, code, "{extra}: {}", err.1);
    };
    expect(json!({"ClientSecret": "wrongsecretwrongsecret0000"}), NA);
    expect(
        json!({"Scopes": ["api/read"], "Audiences": ["a"], "Resources": ["api"]}),
        "InvalidParameterException",
    );
    expect(json!({"Resources": ["nope"]}), "InvalidParameterException");
    expect(json!({"Scopes": ["email"]}), "InvalidParameterException");
    expect(
        json!({"Scopes": ["api/delete"]}),
        "InvalidParameterException",
    );
    expect(json!({"SubjectToken": "not.a.token"}), NA);
    expect(json!({"SubjectToken": f.id}), NA);
    expect(
        json!({"SubjectToken": altered(&f.access, |c| c["scope"] = json!("api/read api/write aws.cognito.signin.user.admin"))}),
        NA,
    );
    expect(json!({"ActorToken": f.access}), "InvalidParameterException");
    expect(
        json!({"SubjectTokenType": "SAML2"}),
        "InvalidParameterException",
    );
    expect(
        json!({"SubjectTokenProviderName": "Okta"}),
        "InvalidParameterException",
    );
    let err = call(
        &f.server,
        "GetDerivedToken",
        json!({"ClientId": "nosuchclient", "SubjectToken": f.access, "SubjectTokenType": "ACCESS_TOKEN"}),
    )
    .expect_err("unknown client");
    assert_eq!(err.0, "ResourceNotFoundException");
    // A client without either exchange flow.
    let (plain, _) = new_client(&f.server, &f.pool, json!({"ClientName": "plain"}));
    let err = call(
        &f.server,
        "GetDerivedToken",
        json!({"ClientId": plain, "SubjectToken": f.access, "SubjectTokenType": "ACCESS_TOKEN"}),
    )
    .expect_err("no flow");
    assert_eq!(err.0, "InvalidParameterException");
    assert!(
        err.1.contains("ALLOW_TOKEN_EXCHANGE_IMPERSONATION"),
        "{}",
        err.1
    );
}

#[tokio::test]
async fn the_issued_token_dies_with_the_users_session() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let (svc, _) = new_client(
        &server,
        &pool,
        json!({
            "ClientName": "svc",
            "ExplicitAuthFlows": ["ALLOW_TOKEN_EXCHANGE_IMPERSONATION"],
            "AllowedOAuthFlowsUserPoolClient": true,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["aws.cognito.signin.user.admin"],
            "CallbackURLs": [CALLBACK],
        }),
    );
    let tokens = sign_in(&c, &app, "alice", PASSWORD).await;
    let r = call(
        &server,
        "GetDerivedToken",
        json!({"ClientId": svc, "SubjectToken": tokens.access, "SubjectTokenType": "ACCESS_TOKEN"}),
    )
    .expect("derived");
    let derived = r["IssuedToken"].as_str().expect("token").to_string();
    assert_eq!(get_user(&c, &derived).await, Ok("alice".to_string()));
    c.global_sign_out()
        .access_token(&tokens.access)
        .send()
        .await
        .expect("sign out");
    assert_eq!(get_user(&c, &derived).await, Err(na(REVOKED)));
    let err = call(
        &server,
        "GetDerivedToken",
        json!({"ClientId": svc, "SubjectToken": tokens.access, "SubjectTokenType": "ACCESS_TOKEN"}),
    )
    .expect_err("revoked subject");
    assert_eq!(err.0, NA);
    // A disabled user's tokens cannot be exchanged.
    let tokens = sign_in(&c, &app, "alice", PASSWORD).await;
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("disable");
    let err = call(
        &server,
        "GetDerivedToken",
        json!({"ClientId": svc, "SubjectToken": tokens.access, "SubjectTokenType": "ACCESS_TOKEN"}),
    )
    .expect_err("disabled");
    assert_eq!(err, na("User is disabled."));
}

#[tokio::test]
async fn the_token_endpoint_exchanges_tokens() {
    let f = fixture().await;
    let exchange = |pairs: &[(&str, &str)]| {
        let mut form = vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("client_id", f.svc.as_str()),
            ("client_secret", f.svc_secret.as_str()),
        ];
        form.extend_from_slice(pairs);
        f.server
            .request("POST", "/oauth2/token", &[FORM], &query(&form))
    };
    let access_type = "urn:ietf:params:oauth:token-type:access_token";
    let r = exchange(&[
        ("subject_token", &f.access),
        ("subject_token_type", access_type),
        ("scope", "api/read"),
        ("audience", "orders"),
    ]);
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body["issued_token_type"], access_type);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "api/read");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("refresh_token").is_none());
    let got = claims(body["access_token"].as_str().expect("token"));
    assert_eq!(got["aud"], "orders");
    assert_eq!(got["client_id"], f.svc.as_str());

    let actor = f.service_token();
    let r = exchange(&[
        ("subject_token", &f.access),
        ("subject_token_type", access_type),
        ("actor_token", &actor),
        ("actor_token_type", access_type),
        (
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:id_token",
        ),
    ]);
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body["token_type"], "N_A");
    assert_eq!(
        claims(body["access_token"].as_str().expect("token"))["act"]["sub"],
        f.svc.as_str()
    );

    let error = |pairs: &[(&str, &str)]| {
        let r = exchange(pairs);
        (
            r.status,
            r.json()["error"].as_str().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(
        error(&[("subject_token", &f.access)]),
        (400, "invalid_request".into())
    );
    assert_eq!(
        error(&[
            ("subject_token", "x.y.z"),
            ("subject_token_type", access_type)
        ]),
        (400, "invalid_grant".into())
    );
    assert_eq!(
        error(&[
            ("subject_token", &f.access),
            ("subject_token_type", access_type),
            ("scope", "email")
        ]),
        (400, "invalid_scope".into())
    );
    assert_eq!(
        error(&[
            ("subject_token", &f.access),
            ("subject_token_type", access_type),
            ("resource", "nope")
        ]),
        (400, "invalid_target".into())
    );
}
