//! Federation end to end: a second cognate process is the OIDC identity provider (one
//! of its pools, with an app client whose callback is our `/oauth2/idpresponse`). A
//! plain HTTP client follows the redirects and posts the provider's sign-in form, and
//! the app's code is exchanged for tokens whose `identities` claim names the provider;
//! attribute mapping, the user `<ProviderName>_<sub>` with status EXTERNAL_PROVIDER,
//! updated at the next sign-in; AdminLinkProviderForUser making a federated sign-in the
//! native user's; AdminDisableProviderForUser; a state from another browser or altered
//! refused; and the six identity-provider operations through the SDK.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    IdentityProviderTypeType, OAuthFlowType, ProviderUserIdentifierType, SchemaAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::forms::*;
use common::*;
use std::collections::HashMap;

const CALLBACK: &str = "http://localhost:3000/callback";

/// The provider's side and ours.
struct Federation {
    up: Server,
    down: Server,
    up_client: Client,
    dc: Client,
    up_pool: String,
    pool: String,
    client: (String, String),
    /// The provider's app client (id, secret) that our pool signs in through.
    up_app: (String, String),
}

/// A user named by provider, attribute and value (AdminLinkProviderForUser).
fn who(provider: &str, name: Option<&str>, value: &str) -> ProviderUserIdentifierType {
    ProviderUserIdentifierType::builder()
        .provider_name(provider)
        .set_provider_attribute_name(name.map(str::to_string))
        .provider_attribute_value(value)
        .build()
}

fn details(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn confidential_client(
    c: &Client,
    pool: &str,
    callback: &str,
    providers: &[&str],
    scopes: &[&str],
) -> (String, String) {
    let mut b = c
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("web")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .callback_urls(callback);
    for s in scopes {
        b = b.allowed_o_auth_scopes(*s);
    }
    for p in providers {
        b = b.supported_identity_providers(*p);
    }
    let out = b.send().await.expect("client");
    let client = out.user_pool_client().expect("client");
    (
        client.client_id().expect("id").to_string(),
        client.client_secret().expect("secret").to_string(),
    )
}

async fn setup() -> Federation {
    setup_with(&[], |b| b).await
}

/// As `setup`, our server started with `extra` and our pool made by `pool`.
async fn setup_with(
    extra: &[&str],
    pool: impl FnOnce(
        aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
    ) -> aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
) -> Federation {
    let up = Server::sqlite();
    let down = Server::sqlite_with(extra);
    let uc = up.client();
    let dc = down.client();
    let up_pool = create_pool(&uc, "company").await;
    let up_client = confidential_client(
        &uc,
        &up_pool,
        &format!("{}/oauth2/idpresponse", down.url()),
        &["COGNITO"],
        &["openid", "email", "profile"],
    )
    .await;
    add_user(&uc, &up_pool, "alice", "Passw0rd!x").await;
    add_user(&uc, &up_pool, "bob", "Passw0rd!x").await;

    let pool = create_pool_with(&dc, "app", |b| {
        pool(b).schema(
            SchemaAttributeType::builder()
                .name("upstream_user")
                .attribute_data_type(
                    aws_sdk_cognitoidentityprovider::types::AttributeDataType::String,
                )
                .mutable(true)
                .build(),
        )
    })
    .await;
    dc.create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Upstream")
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(details(&[
            ("client_id", &up_client.0),
            ("client_secret", &up_client.1),
            ("attributes_request_method", "GET"),
            ("oidc_issuer", &format!("{}/{up_pool}", up.url())),
            ("authorize_scopes", "openid email profile"),
        ])))
        .attribute_mapping("email", "email")
        .attribute_mapping("custom:upstream_user", "cognito:username")
        .idp_identifiers("company.example")
        .send()
        .await
        .expect("create identity provider");
    let client = confidential_client(
        &dc,
        &pool,
        CALLBACK,
        &["COGNITO", "Upstream"],
        &["openid", "email"],
    )
    .await;
    Federation {
        up,
        down,
        up_client: uc,
        dc,
        up_pool,
        pool,
        client,
        up_app: up_client.clone(),
    }
}

impl Federation {
    /// The server a URL points at, and the URL's path and query.
    fn split<'a>(&'a self, url: &str) -> (&'a Server, String) {
        for s in [&self.up, &self.down] {
            if let Some(rest) = url.strip_prefix(&s.url()) {
                return (s, rest.to_string());
            }
        }
        panic!("{url} is neither server's");
    }

    fn authorize_query(&self, idp: &[(&str, &str)]) -> String {
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", self.client.0.as_str()),
            ("redirect_uri", CALLBACK),
            ("scope", "openid email"),
            ("state", "s1"),
        ];
        pairs.extend_from_slice(idp);
        query(&pairs)
    }

    /// From our authorize endpoint through the provider's sign-in page back to us:
    /// answers our answer to the provider's redirect (`/oauth2/idpresponse`) and the
    /// URL the provider sent the browser to, and our pre-login cookie.
    fn through_provider(&self, user: &str, idp: &[(&str, &str)]) -> (HttpResponse, String, String) {
        let r = self
            .down
            .get(&format!("/oauth2/authorize?{}", self.authorize_query(idp)));
        assert_eq!(r.status, 302, "{}", r.body);
        let down_cookie = set_cookie(&r, "XSRF-TOKEN").expect("our pre-login cookie");
        let to_provider = r.header("location").expect("location").to_string();
        let (up, path) = self.split(&to_provider);
        assert!(path.starts_with("/oauth2/authorize?"), "{path}");
        let r = up.get(&path);
        assert_eq!(r.status, 302, "{}", r.body);
        let login = r.header("location").expect("to /login").to_string();
        let r = up.get(&login);
        assert_eq!(r.status, 200, "{}", r.body);
        let up_cookie = set_cookie(&r, "XSRF-TOKEN").expect("the provider's cookie");
        let form = query(&[
            ("_csrf", &hidden(&r.body, "_csrf")),
            ("username", user),
            ("password", "Passw0rd!x"),
        ]);
        let r = up.request("POST", &login, &[FORM, ("Cookie", &up_cookie)], &form);
        assert_eq!(r.status, 302, "{}", r.body);
        let back = r.header("location").expect("back to us").to_string();
        let (down, path) = self.split(&back);
        assert!(path.starts_with("/oauth2/idpresponse?"), "{path}");
        let r = down.request("GET", &path, &[("Cookie", &down_cookie)], "");
        (r, back, down_cookie)
    }

    /// A federated sign-in of `user` at the provider; answers our tokens.
    fn sign_in(&self, user: &str, idp: &[(&str, &str)]) -> serde_json::Value {
        let (r, _, _) = self.through_provider(user, idp);
        assert_eq!(r.status, 302, "{}", r.body);
        let location = r.header("location").expect("to the app").to_string();
        assert!(location.starts_with(CALLBACK), "{location}");
        let p = location_params(&location);
        assert_eq!(p["state"], "s1");
        assert!(set_cookie(&r, &format!("cognito-{}", self.pool)).is_some());
        let t = self.down.request(
            "POST",
            "/oauth2/token",
            &[FORM],
            &query(&[
                ("grant_type", "authorization_code"),
                ("client_id", &self.client.0),
                ("client_secret", &self.client.1),
                ("code", &p["code"]),
                ("redirect_uri", CALLBACK),
            ]),
        );
        assert_eq!(t.status, 200, "{}", t.body);
        t.json()
    }

    /// Links the provider's user whose sub is `provider_sub` to our native user `native`.
    async fn link(&self, native: &str, provider_sub: &str) {
        self.dc
            .admin_link_provider_for_user()
            .user_pool_id(&self.pool)
            .destination_user(who("Cognito", None, native))
            .source_user(who("Upstream", Some("Cognito_Subject"), provider_sub))
            .send()
            .await
            .expect("link");
    }

    async fn up_sub(&self, user: &str) -> String {
        let u = self
            .up_client
            .admin_get_user()
            .user_pool_id(&self.up_pool)
            .username(user)
            .send()
            .await
            .expect("provider's user");
        u.user_attributes()
            .iter()
            .find(|a| a.name() == "sub")
            .and_then(|a| a.value())
            .expect("sub")
            .to_string()
    }
}

#[tokio::test]
async fn an_oidc_sign_in_creates_the_federated_user_with_mapped_attributes() {
    let f = setup().await;
    let alice_sub = f.up_sub("alice").await;
    let tokens = f.sign_in("alice", &[("identity_provider", "Upstream")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    let username = format!("Upstream_{alice_sub}");
    assert_eq!(id["cognito:username"], username.as_str());
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["custom:upstream_user"], "alice");
    let identities = id["identities"].as_array().expect("identities is a list");
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0]["providerName"], "Upstream");
    assert_eq!(identities[0]["providerType"], "OIDC");
    assert_eq!(identities[0]["userId"], alice_sub.as_str());
    assert_eq!(identities[0]["primary"], "true");
    assert_ne!(
        id["sub"],
        alice_sub.as_str(),
        "the pool's user has its own sub"
    );

    let user =
        f.dc.admin_get_user()
            .user_pool_id(&f.pool)
            .username(&username)
            .send()
            .await
            .expect("the federated user exists");
    assert_eq!(
        user.user_status().map(|s| s.as_str()),
        Some("EXTERNAL_PROVIDER")
    );

    // The provider's attributes are mapped again at every sign-in.
    f.up_client
        .admin_update_user_attributes()
        .user_pool_id(&f.up_pool)
        .username("alice")
        .user_attributes(attr("email", "alice@new.example.com"))
        .send()
        .await
        .expect("update at the provider");
    let tokens = f.sign_in("alice", &[("idp_identifier", "company.example")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(id["cognito:username"], username.as_str());
    assert_eq!(id["email"], "alice@new.example.com");
    let users =
        f.dc.list_users()
            .user_pool_id(&f.pool)
            .send()
            .await
            .expect("list");
    assert_eq!(users.users().len(), 1, "one user for two sign-ins");
}

#[tokio::test]
async fn a_social_provider_signs_in_through_overridden_endpoints() {
    let f = setup().await;
    let up_client = f
        .up_client
        .list_user_pool_clients()
        .user_pool_id(&f.up_pool)
        .send()
        .await
        .expect("clients");
    let up_id = up_client.user_pool_clients()[0]
        .client_id()
        .expect("id")
        .to_string();
    let up_secret = f
        .up_client
        .describe_user_pool_client()
        .user_pool_id(&f.up_pool)
        .client_id(&up_id)
        .send()
        .await
        .expect("describe")
        .user_pool_client()
        .and_then(|c| c.client_secret())
        .expect("secret")
        .to_string();
    // "Google" is the second cognate: its endpoints named in ProviderDetails.
    let up = f.up.url();
    let issuer = format!("{up}/{}", f.up_pool);
    let google =
        f.dc.create_identity_provider()
            .user_pool_id(&f.pool)
            .provider_name("Google")
            .provider_type(IdentityProviderTypeType::Google)
            .set_provider_details(Some(details(&[
                ("client_id", &up_id),
                ("client_secret", &up_secret),
                ("authorize_scopes", "openid email profile"),
                ("authorize_url", &format!("{up}/oauth2/authorize")),
                ("token_url", &format!("{up}/oauth2/token")),
                ("oidc_issuer", &issuer),
                ("jwks_uri", &format!("{issuer}/.well-known/jwks.json")),
            ])))
            .attribute_mapping("email", "email")
            .send()
            .await
            .expect("google");
    let d = google
        .identity_provider()
        .expect("p")
        .provider_details()
        .expect("d");
    assert_eq!(d["token_url"], format!("{up}/oauth2/token"));
    assert_eq!(d["token_request_method"], "POST");
    let client =
        confidential_client(&f.dc, &f.pool, CALLBACK, &["Google"], &["openid", "email"]).await;
    let alice_sub = f.up_sub("alice").await;
    let g = Federation { client, ..f };
    // A client without COGNITO: the sign-in page offers the provider alone.
    let page = g.down.get(&format!("/login?{}", g.authorize_query(&[])));
    assert!(page.body.contains("Sign in with Google"), "{}", page.body);
    assert!(!page.body.contains("name=\"password\""), "{}", page.body);
    let r = g.down.get(&format!(
        "/oauth2/authorize?{}",
        g.authorize_query(&[("identity_provider", "COGNITO")])
    ));
    let p = location_params(r.header("location").expect("refused to the app"));
    assert_eq!(p["error"], "unauthorized_client");
    let tokens = g.sign_in("alice", &[("identity_provider", "Google")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(
        id["cognito:username"],
        format!("Google_{alice_sub}").as_str()
    );
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["identities"][0]["providerType"], "Google");
}

#[tokio::test]
async fn a_linked_provider_user_signs_in_as_the_native_user() {
    let f = setup().await;
    add_user(&f.dc, &f.pool, "robert", "Passw0rd!y").await;
    let native =
        f.dc.admin_get_user()
            .user_pool_id(&f.pool)
            .username("robert")
            .send()
            .await
            .expect("native user");
    let native_sub = native
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .expect("sub")
        .to_string();
    let bob_sub = f.up_sub("bob").await;
    f.link("robert", &bob_sub).await;
    let tokens = f.sign_in("bob", &[("identity_provider", "Upstream")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(id["sub"], native_sub.as_str());
    assert_eq!(id["cognito:username"], "robert");
    let identities = id["identities"].as_array().expect("identities");
    assert_eq!(identities[0]["userId"], bob_sub.as_str());
    assert_eq!(identities[0]["primary"], "false");

    // A federated user who has signed in already cannot be linked.
    let alice_sub = f.up_sub("alice").await;
    f.sign_in("alice", &[("identity_provider", "Upstream")]);
    let (code, message) = fails(
        f.dc.admin_link_provider_for_user()
            .user_pool_id(&f.pool)
            .destination_user(who("Cognito", None, "robert"))
            .source_user(who("Upstream", Some("Cognito_Subject"), &alice_sub))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.contains("Merging is not currently supported"),
        "{message}"
    );

    // Disabling the provider for bob takes the link away: bob is his own user again.
    f.dc.admin_disable_provider_for_user()
        .user_pool_id(&f.pool)
        .user(who("Upstream", Some("Cognito_Subject"), &bob_sub))
        .send()
        .await
        .expect("disable provider");
    let tokens = f.sign_in("bob", &[("identity_provider", "Upstream")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(
        id["cognito:username"],
        format!("Upstream_{bob_sub}").as_str()
    );
    let robert =
        f.dc.admin_get_user()
            .user_pool_id(&f.pool)
            .username("robert")
            .send()
            .await
            .expect("native user");
    assert!(
        !robert
            .user_attributes()
            .iter()
            .any(|a| a.name() == "identities"),
        "the link is gone from the native user"
    );
}

#[tokio::test]
async fn a_pre_sign_up_trigger_links_a_new_federated_user_to_the_native_one() {
    // The PreSignUp function links the provider's user to the native user of the same
    // email (AWS's documented pattern), then answers.
    let down_url = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let pool_id = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (u, p) = (down_url.clone(), pool_id.clone());
    let api = common::lambda::LambdaApi::start(move |_, event| {
        if event["triggerSource"] == "PreSignUp_ExternalProvider" {
            let sub = event["userName"]
                .as_str()
                .and_then(|n| n.strip_prefix("Upstream_"))
                .unwrap_or_default();
            let status = common::lambda::call_cognate(
                &u.lock().expect("url"),
                "AdminLinkProviderForUser",
                &serde_json::json!({
                    "UserPoolId": *p.lock().expect("pool"),
                    "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": "alice.native"},
                    "SourceUser": {"ProviderName": "Upstream", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": sub},
                }),
            );
            assert_eq!(status, 200, "AdminLinkProviderForUser from the trigger");
        }
        common::lambda::Answer::event(event)
    });
    let f = setup_with(&["--lambda-endpoint", &api.url], |b| {
        b.lambda_config(
            aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder()
                .pre_sign_up("arn:aws:lambda:us-east-1:123456789012:function:link")
                .build(),
        )
    })
    .await;
    *down_url.lock().expect("url") = f.down.url();
    *pool_id.lock().expect("pool") = f.pool.clone();
    f.dc.admin_create_user()
        .user_pool_id(&f.pool)
        .username("alice.native")
        .user_attributes(attr("email", "alice@example.com"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("native user");
    let native =
        f.dc.admin_get_user()
            .user_pool_id(&f.pool)
            .username("alice.native")
            .send()
            .await
            .expect("native user");
    let native_sub = native
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .expect("sub")
        .to_string();
    let alice_sub = f.up_sub("alice").await;
    let tokens = f.sign_in("alice", &[("identity_provider", "Upstream")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(
        id["sub"],
        native_sub.as_str(),
        "signed in as the linked native user"
    );
    assert_eq!(id["cognito:username"], "alice.native");
    let external = |api: &common::lambda::LambdaApi| -> Vec<serde_json::Value> {
        api.events()
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| e["triggerSource"] == "PreSignUp_ExternalProvider")
            .collect()
    };
    let events = external(&api);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["userName"], format!("Upstream_{alice_sub}").as_str());
    assert_eq!(e["request"]["userAttributes"]["email"], "alice@example.com");
    assert_eq!(e["callerContext"]["clientId"], f.client.0.as_str());
    // No federated user was made beside the native one.
    let gone =
        f.dc.admin_get_user()
            .user_pool_id(&f.pool)
            .username(format!("Upstream_{alice_sub}"))
            .send()
            .await;
    assert_eq!(fails(gone).0, "UserNotFoundException");
    // A second sign-in is known: PreSignUp is not called again.
    f.sign_in("alice", &[("identity_provider", "Upstream")]);
    assert_eq!(external(&api).len(), 1);
}

#[tokio::test]
async fn an_inbound_federation_trigger_sees_the_providers_answer_and_maps_the_attributes() {
    // The function maps the provider's email in upper case and the ID token's
    // `cognito:username` to the custom attribute; for bob it answers nothing (`{}`),
    // which keeps the provider's mapping.
    let api = common::lambda::LambdaApi::start(|_, event| {
        let mut answer = event.clone();
        let attributes = &event["request"]["attributes"];
        if attributes["idToken"]["cognito:username"] == "alice" {
            answer["response"]["userAttributesToMap"] = serde_json::json!({
                "email": attributes["userInfo"]["email"]
                    .as_str()
                    .unwrap_or_default()
                    .to_uppercase(),
                "custom:upstream_user": format!(
                    "via-{}",
                    attributes["idToken"]["cognito:username"].as_str().unwrap_or_default()
                ),
            });
        }
        common::lambda::Answer::event(&answer)
    });
    let f = setup_with(&["--lambda-endpoint", &api.url], |b| {
        b.lambda_config(
            aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder()
                .inbound_federation(
                    aws_sdk_cognitoidentityprovider::types::InboundFederationLambdaType::builder()
                        .lambda_arn("arn:aws:lambda:us-east-1:123456789012:function:inbound")
                        .lambda_version(
                            aws_sdk_cognitoidentityprovider::types::InboundFederationLambdaVersionType::V10,
                        )
                        .build()
                        .expect("config"),
                )
                .build(),
        )
    })
    .await;
    let alice_sub = f.up_sub("alice").await;
    let tokens = f.sign_in("alice", &[("identity_provider", "Upstream")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(id["email"], "ALICE@EXAMPLE.COM");
    assert_eq!(id["custom:upstream_user"], "via-alice");
    let events = api.events();
    assert_eq!(events.len(), 1);
    let e = &events[0].1;
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "InboundFederation_ExternalProvider");
    assert_eq!(e["userName"], format!("Upstream_{alice_sub}").as_str());
    assert_eq!(e["callerContext"]["clientId"], f.client.0.as_str());
    assert_eq!(e["request"]["providerName"], "Upstream");
    assert_eq!(e["request"]["providerType"], "OIDC");
    let attributes = &e["request"]["attributes"];
    assert_eq!(attributes["idToken"]["sub"], alice_sub.as_str());
    assert_eq!(attributes["userInfo"]["email"], "alice@example.com");
    assert_eq!(attributes["tokenResponse"]["token_type"], "Bearer");
    assert!(attributes["tokenResponse"]["id_token"].is_string());
    assert_eq!(
        e["response"],
        serde_json::json!({"userAttributesToMap": {}})
    );

    // An empty answer keeps the provider's mapping.
    let tokens = f.sign_in("bob", &[("identity_provider", "Upstream")]);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(id["email"], "bob@example.com");
    assert_eq!(id["custom:upstream_user"], "bob");
}

#[tokio::test]
async fn an_idp_response_from_another_browser_or_altered_is_refused() {
    let f = setup().await;
    let r = f.down.get(&format!(
        "/oauth2/authorize?{}",
        f.authorize_query(&[("identity_provider", "Upstream")])
    ));
    assert_eq!(r.status, 302);
    let to_provider = r.header("location").expect("location").to_string();
    let state = location_params(&to_provider)["state"].clone();
    // The provider's redirect, replayed by a browser without our cookie.
    let r = f.down.get(&format!(
        "/oauth2/idpresponse?{}",
        query(&[("code", "x"), ("state", &state)])
    ));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("another browser"), "{}", r.body);
    // An altered state.
    let mut altered = state.clone();
    altered.insert(10, 'A');
    let r = f.down.get(&format!(
        "/oauth2/idpresponse?{}",
        query(&[("code", "x"), ("state", &altered)])
    ));
    assert_eq!(r.status, 400);
    // A provider not supported by the client is refused to the app.
    let r = f.down.get(&format!(
        "/oauth2/authorize?{}",
        f.authorize_query(&[("identity_provider", "Other")])
    ));
    assert_eq!(r.status, 302);
    let p = location_params(r.header("location").expect("location"));
    assert_eq!(p["error"], "invalid_request");
    assert_eq!(p["state"], "s1");
    // The sign-in page offers the provider.
    let r = f.down.get(&format!("/login?{}", f.authorize_query(&[])));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Sign in with Upstream"), "{}", r.body);
}

#[tokio::test]
async fn a_code_the_provider_refuses_sends_the_app_an_error() {
    let f = setup().await;
    let (r, back, cookie) = f.through_provider("alice", &[("identity_provider", "Upstream")]);
    assert_eq!(r.status, 302);
    // The provider's answer again: its code is spent, the provider refuses it, and
    // the app is told.
    let (down, path) = f.split(&back);
    let replay = down.request("GET", &path, &[("Cookie", &cookie)], "");
    assert_eq!(replay.status, 302, "{}", replay.body);
    let p = location_params(replay.header("location").expect("to the app"));
    assert_eq!(p["error"], "invalid_request");
    assert_eq!(p["state"], "s1");
    assert!(!p.contains_key("code"));
}

#[tokio::test]
async fn identity_providers_are_created_described_listed_updated_and_deleted() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool(&c, "idps").await;
    let google = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .set_provider_details(Some(details(&[
            ("client_id", "g-client"),
            ("client_secret", "g-secret"),
            ("authorize_scopes", "email profile openid"),
        ])))
        .attribute_mapping("email", "email")
        .send()
        .await
        .expect("google");
    let g = google.identity_provider().expect("provider");
    let d = g.provider_details().expect("details");
    assert_eq!(
        d["authorize_url"],
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert_eq!(d["oidc_issuer"], "https://accounts.google.com");
    assert_eq!(d["attributes_url_add_attributes"], "true");
    assert_eq!(d["client_secret"], "g-secret");
    assert_eq!(g.attribute_mapping().expect("mapping")["username"], "sub");

    // A social provider is named as its type; a second of a name is refused.
    let wrong = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("MyFacebook")
        .provider_type(IdentityProviderTypeType::Facebook)
        .set_provider_details(Some(details(&[
            ("client_id", "f"),
            ("client_secret", "s"),
            ("authorize_scopes", "email"),
        ])))
        .send()
        .await;
    assert_eq!(fails(wrong).0, "InvalidParameterException");
    let again = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .set_provider_details(Some(details(&[
            ("client_id", "g"),
            ("client_secret", "s"),
            ("authorize_scopes", "openid"),
        ])))
        .send()
        .await;
    assert_eq!(fails(again).0, "DuplicateProviderException");
    let missing = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Okta")
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(details(&[
            ("client_id", "o"),
            ("authorize_scopes", "openid"),
            ("attributes_request_method", "GET"),
        ])))
        .send()
        .await;
    let (code, message) = fails(missing);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("oidc_issuer"), "{message}");
    let unknown_attribute = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Okta")
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(details(&[
            ("client_id", "o"),
            ("authorize_scopes", "openid"),
            ("attributes_request_method", "GET"),
            ("oidc_issuer", "https://okta.example.com"),
        ])))
        .attribute_mapping("custom:nope", "x")
        .send()
        .await;
    assert_eq!(fails(unknown_attribute).0, "InvalidParameterException");

    let saml_metadata = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>MIIBAA==</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#;
    let saml = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_type(IdentityProviderTypeType::Saml)
        .set_provider_details(Some(details(&[
            ("MetadataFile", saml_metadata),
            ("IDPSignout", "true"),
        ])))
        .idp_identifiers("corp.example.com")
        .send()
        .await
        .expect("saml");
    assert_eq!(
        saml.identity_provider()
            .expect("p")
            .provider_details()
            .expect("d")["SSORedirectBindingURI"],
        "https://idp.example.com/sso"
    );
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("corp.example.com")
        .send()
        .await
        .expect("by identifier");
    assert_eq!(
        by_id.identity_provider().expect("p").provider_name(),
        Some("Corp")
    );
    let taken = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp2")
        .provider_type(IdentityProviderTypeType::Saml)
        .set_provider_details(Some(details(&[("MetadataFile", saml_metadata)])))
        .idp_identifiers("corp.example.com")
        .send()
        .await;
    assert_eq!(fails(taken).0, "DuplicateProviderException");

    let listed = c
        .list_identity_providers()
        .user_pool_id(&pool)
        .max_results(1)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.providers().len(), 1);
    let rest = c
        .list_identity_providers()
        .user_pool_id(&pool)
        .set_next_token(listed.next_token().map(str::to_string))
        .send()
        .await
        .expect("list on");
    let mut names: Vec<&str> = listed
        .providers()
        .iter()
        .chain(rest.providers())
        .filter_map(|p| p.provider_name())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Corp", "Google"]);

    let updated = c
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .set_provider_details(Some(details(&[("client_secret", "rotated")])))
        .send()
        .await
        .expect("update");
    let d = updated
        .identity_provider()
        .expect("p")
        .provider_details()
        .expect("d");
    assert_eq!(d["client_secret"], "rotated");
    assert_eq!(
        d["client_id"], "g-client",
        "keys left out keep their values"
    );
    let described = c
        .describe_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .send()
        .await
        .expect("describe");
    assert_eq!(
        described
            .identity_provider()
            .expect("p")
            .provider_details()
            .expect("d")["client_secret"],
        "rotated"
    );

    c.delete_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .send()
        .await
        .expect("delete");
    let gone = c
        .describe_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .send()
        .await;
    assert_eq!(fails(gone).0, "ResourceNotFoundException");
}

/// Token exchange with a provider's ID token (SubjectTokenProviderName): verified against
/// the provider's keys, it stands for the pool's user the provider's user signs in as.
#[tokio::test]
async fn a_providers_id_token_is_exchanged_for_its_users_token() {
    let f = setup().await;
    add_user(&f.dc, &f.pool, "robert", "Passw0rd!y").await;
    let bob_sub = f.up_sub("bob").await;
    f.link("robert", &bob_sub).await;
    // The provider's ID tokens for the client our pool knows it by.
    let (up_id, up_secret) = f.up_app.clone();
    let r = f.up.call(
        "UpdateUserPoolClient",
        &serde_json::json!({
            "UserPoolId": f.up_pool, "ClientId": up_id, "ClientName": "web",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", "profile"],
            "SupportedIdentityProviders": ["COGNITO"],
            "CallbackURLs": [format!("{}/oauth2/idpresponse", f.down.url())],
        })
        .to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let id_token_of = |user: &str| {
        let r = f.up.call(
            "InitiateAuth",
            &serde_json::json!({
                "ClientId": up_id, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": user, "PASSWORD": "Passw0rd!x",
                    "SECRET_HASH": secret_hash(&up_secret, user, &up_id)},
            })
            .to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["AuthenticationResult"]["IdToken"]
            .as_str()
            .expect("id token")
            .to_string()
    };
    let r = f.down.call(
        "CreateUserPoolClient",
        &serde_json::json!({
            "UserPoolId": f.pool, "ClientName": "svc",
            "ExplicitAuthFlows": ["ALLOW_TOKEN_EXCHANGE_IMPERSONATION"],
            "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["aws.cognito.signin.user.admin"],
            "CallbackURLs": [CALLBACK],
        })
        .to_string(),
    );
    let svc = r.json()["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("svc")
        .to_string();
    let exchange = |token: &str, provider: &str| {
        f.down.call(
            "GetDerivedToken",
            &serde_json::json!({
                "ClientId": svc, "SubjectToken": token, "SubjectTokenType": "ID_TOKEN",
                "SubjectTokenProviderName": provider,
            })
            .to_string(),
        )
    };
    let bob = id_token_of("bob");
    let r = exchange(&bob, "Upstream");
    assert_eq!(r.status, 200, "{}", r.body);
    let issued = r.json()["IssuedToken"].as_str().expect("token").to_string();
    let got = claims(&issued);
    assert_eq!(got["username"], "robert");
    assert_eq!(got["client_id"], svc.as_str());
    assert_eq!(get_user(&f.dc, &issued).await, Ok("robert".to_string()));
    // Another provider name, a token altered, or a provider's user who never signed in.
    assert_eq!(exchange(&bob, "Nope").error_type(), NA);
    let forged = altered(&bob, |c| c["sub"] = serde_json::json!("someone-else"));
    assert_eq!(exchange(&forged, "Upstream").error_type(), NA);
    let r = exchange(&id_token_of("alice"), "Upstream");
    assert_eq!(r.error_type(), NA, "{}", r.body);
    assert!(r.message().contains("never signed in"), "{}", r.body);
}
