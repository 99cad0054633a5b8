//! Who may write which user attributes, and how attribute writes are checked, end to
//! end through the official Rust SDK: a user with an access token (UpdateUserAttributes,
//! DeleteUserAttributes, NEW_PASSWORD_REQUIRED's `userAttributes.*`) writes only what
//! the app client allows, never a developer-only attribute nor a verified flag, while
//! admin operations keep their wider rights; schema errors name every attribute;
//! Boolean values are accepted in any case; a taken email in an email-as-username pool
//! is an alias conflict on update; SetUserPoolMfaConfig's wording; ListUsers filters
//! and values with a NUL terminate.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType as Flow,
    MessageActionType, SchemaAttributeType, UserPoolMfaType, UsernameAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::{attr, code, message, Backend, Server};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

const PASSWORD: &str = "Passw0rd!";
const UNAUTHORIZED: &str = "A client attempted to write unauthorized attribute";

fn custom(name: &str, developer_only: bool) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::String)
        .mutable(true)
        .developer_only_attribute(developer_only)
        .build()
}

/// A pool with `custom:role` and the developer-only `dev:custom:level`.
async fn pool(c: &Client) -> String {
    let out = c
        .create_user_pool()
        .pool_name("writes")
        .schema(custom("role", false))
        .schema(custom("level", true))
        .send()
        .await
        .expect("pool");
    out.user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .to_string()
}

/// A client allowing password sign-in, with `write` as its WriteAttributes (None: the
/// default).
async fn app(c: &Client, pool: &str, write: Option<&[&str]>) -> String {
    let out = c
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .explicit_auth_flows(Flow::AllowUserPasswordAuth)
        .explicit_auth_flows(Flow::AllowRefreshTokenAuth)
        .set_write_attributes(write.map(|w| w.iter().map(|s| s.to_string()).collect()))
        .send()
        .await
        .expect("client");
    out.user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id")
        .to_string()
}

/// The user `name` with an unverified email and, with `temporary`, that temporary
/// password (else `PASSWORD`, permanent).
async fn user(c: &Client, pool: &str, name: &str, temporary: Option<&str>) {
    c.admin_create_user()
        .user_pool_id(pool)
        .username(name)
        .user_attributes(attr("email", &format!("{name}@example.com")))
        .message_action(MessageActionType::Suppress)
        .set_temporary_password(temporary.map(str::to_string))
        .send()
        .await
        .expect("create user");
    if temporary.is_none() {
        c.admin_set_user_password()
            .user_pool_id(pool)
            .username(name)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .expect("set password");
    }
}

/// Signs `name` in through `app`: its (access token, ID token's claims).
async fn sign_in(c: &Client, app: &str, name: &str) -> (String, Value) {
    let out = c
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("sign in");
    let r = out.authentication_result().expect("tokens");
    let id = r.id_token().expect("IdToken");
    let payload = id.split('.').nth(1).expect("payload");
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64"));
    (
        r.access_token().expect("AccessToken").to_string(),
        claims.expect("JSON"),
    )
}

async fn stored(c: &Client, pool: &str, name: &str) -> HashMap<String, String> {
    let out = c
        .admin_get_user()
        .user_pool_id(pool)
        .username(name)
        .send()
        .await
        .expect("AdminGetUser");
    out.user_attributes()
        .iter()
        .map(|a| (a.name().to_string(), a.value().unwrap_or("").to_string()))
        .collect()
}

/// UpdateUserAttributes with one attribute: Ok, or the code and message.
async fn update(c: &Client, token: &str, name: &str, value: &str) -> Result<(), (String, String)> {
    c.update_user_attributes()
        .access_token(token)
        .user_attributes(attr(name, value))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| (code(&e), message(&e)))
}

fn unauthorized() -> Result<(), (String, String)> {
    Err(("NotAuthorizedException".into(), UNAUTHORIZED.into()))
}

#[tokio::test]
async fn users_write_only_what_their_client_allows() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    let c = server.client();
    let pool = pool(&c).await;
    let narrow = app(&c, &pool, Some(&["name", "email"])).await;
    user(&c, &pool, "alice", None).await;
    let (token, _) = sign_in(&c, &narrow, "alice").await;

    // A user cannot declare their own email verified, nor write a developer-only
    // attribute, nor one their client does not list.
    for (name, value) in [
        ("email_verified", "true"),
        ("phone_number_verified", "true"),
        ("custom:role", "admin"),
        ("dev:custom:level", "9"),
        ("custom:level", "9"),
    ] {
        assert_eq!(
            update(&c, &token, name, value).await,
            unauthorized(),
            "{name}"
        );
    }
    let refused = c
        .delete_user_attributes()
        .access_token(&token)
        .user_attribute_names("custom:role")
        .send()
        .await
        .expect_err("not writable");
    assert_eq!(
        (code(&refused), message(&refused)),
        ("NotAuthorizedException".into(), UNAUTHORIZED.into())
    );
    update(&c, &token, "name", "Alice").await.expect("name");
    let attrs = stored(&c, &pool, "alice").await;
    assert_eq!(attrs.get("name").map(String::as_str), Some("Alice"));
    for name in ["custom:role", "dev:custom:level", "custom:level"] {
        assert!(!attrs.contains_key(name), "{name} was written: {attrs:?}");
    }
    assert_ne!(
        attrs.get("email_verified").map(String::as_str),
        Some("true")
    );
    let (_, id) = sign_in(&c, &narrow, "alice").await;
    assert_ne!(id["email_verified"], Value::Bool(true), "{id}");
    for name in ["custom:role", "dev:custom:level", "custom:level"] {
        assert!(id.get(name).is_none(), "the ID token carries {name}: {id}");
    }

    // Without WriteAttributes a client writes the standard and custom attributes, but
    // still neither verified flags nor developer-only attributes.
    let default = app(&c, &pool, None).await;
    let (token, _) = sign_in(&c, &default, "alice").await;
    update(&c, &token, "custom:role", "reader")
        .await
        .expect("custom");
    update(&c, &token, "nickname", "al")
        .await
        .expect("standard");
    for (name, value) in [("email_verified", "true"), ("dev:custom:level", "9")] {
        assert_eq!(
            update(&c, &token, name, value).await,
            unauthorized(),
            "{name}"
        );
    }

    // Admin operations keep their wider rights.
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("dev:custom:level", "9"))
        .send()
        .await
        .expect("admin writes");
    let attrs = stored(&c, &pool, "alice").await;
    assert_eq!(attrs["email_verified"], "true");
    assert_eq!(attrs["custom:role"], "reader");
}

#[tokio::test]
async fn new_password_answers_write_only_what_the_client_allows() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    let c = server.client();
    let pool = pool(&c).await;
    let narrow = app(&c, &pool, Some(&["name"])).await;
    user(&c, &pool, "bob", Some("Temp0rary!")).await;
    let challenge = |name: &str, value: &str| {
        let c = c.clone();
        let narrow = narrow.clone();
        let (name, value) = (name.to_string(), value.to_string());
        async move {
            let out = c
                .initiate_auth()
                .client_id(&narrow)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "bob")
                .auth_parameters("PASSWORD", "Temp0rary!")
                .send()
                .await
                .expect("sign in");
            assert_eq!(
                out.challenge_name(),
                Some(&ChallengeNameType::NewPasswordRequired)
            );
            c.respond_to_auth_challenge()
                .client_id(&narrow)
                .challenge_name(ChallengeNameType::NewPasswordRequired)
                .session(out.session().expect("Session"))
                .challenge_responses("USERNAME", "bob")
                .challenge_responses("NEW_PASSWORD", PASSWORD)
                .challenge_responses(format!("userAttributes.{name}"), value)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| (code(&e), message(&e)))
        }
    };
    for (name, value) in [
        ("email_verified", "true"),
        ("custom:role", "admin"),
        ("dev:custom:level", "9"),
    ] {
        assert_eq!(challenge(name, value).await, unauthorized(), "{name}");
    }
    challenge("name", "Bob")
        .await
        .expect("an allowed attribute");
    let attrs = stored(&c, &pool, "bob").await;
    assert_eq!(attrs["name"], "Bob");
    assert!(!attrs.contains_key("custom:role"), "{attrs:?}");
    assert_ne!(
        attrs.get("email_verified").map(String::as_str),
        Some("true")
    );
}

#[tokio::test]
async fn schema_errors_name_every_attribute_and_booleans_take_any_case() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    let c = server.client();
    let pool = pool(&c).await;
    user(&c, &pool, "carol", None).await;
    let err = c
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("carol")
        .user_attributes(attr("foo", "1"))
        .user_attributes(attr("name", "Carol"))
        .user_attributes(attr("bar", "2"))
        .send()
        .await
        .expect_err("unknown attributes");
    assert_eq!(code(&err), "InvalidParameterException");
    assert_eq!(
        message(&err),
        "Invalid user attributes: user.foo: Attribute does not exist in the schema.\n\
         user.bar: Attribute does not exist in the schema.\n"
    );
    let err = c
        .admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("carol")
        .user_attribute_names("foo")
        .user_attribute_names("bar")
        .send()
        .await
        .expect_err("unknown attributes");
    assert_eq!(
        message(&err),
        "Invalid user attributes: user.foo: Attribute does not exist in the schema.\n\
         user.bar: Attribute does not exist in the schema.\n"
    );

    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("carol")
        .user_attributes(attr("email_verified", "True"))
        .send()
        .await
        .expect("a Boolean in another case");
    assert_eq!(stored(&c, &pool, "carol").await["email_verified"], "true");
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("carol")
        .user_attributes(attr("email_verified", "FALSE"))
        .send()
        .await
        .expect("a Boolean in upper case");
    assert_eq!(stored(&c, &pool, "carol").await["email_verified"], "false");
    let err = c
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("carol")
        .user_attributes(attr("email_verified", "yes"))
        .send()
        .await
        .expect_err("not a Boolean");
    assert_eq!(
        message(&err),
        "Invalid user attributes: user.email_verified: Attribute value must be true or false.\n"
    );
}

#[tokio::test]
async fn a_taken_email_is_an_alias_conflict_when_updating() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    let c = server.client();
    let out = c
        .create_user_pool()
        .pool_name("email")
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .expect("pool");
    let pool = out.user_pool().and_then(|p| p.id()).expect("id");
    for email in ["dan@example.com", "erin@example.com"] {
        c.admin_create_user()
            .user_pool_id(pool)
            .username(email)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .expect("create");
    }
    let err = c
        .admin_update_user_attributes()
        .user_pool_id(pool)
        .username("erin@example.com")
        .user_attributes(attr("email", "dan@example.com"))
        .send()
        .await
        .expect_err("taken");
    assert_eq!(code(&err), "AliasExistsException");
    assert_eq!(
        message(&err),
        "An account with the given email already exists."
    );
}

#[tokio::test]
async fn mfa_required_or_optional_needs_a_factor() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    let c = server.client();
    let pool = pool(&c).await;
    for mode in [UserPoolMfaType::On, UserPoolMfaType::Optional] {
        let err = c
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(mode.clone())
            .send()
            .await
            .expect_err("no factor");
        assert_eq!(code(&err), "InvalidParameterException", "{mode:?}");
        assert_eq!(
            message(&err),
            "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
            "{mode:?}"
        );
    }
}

/// Every page of ListUsers with `filter`, one user a page: the usernames, or the code
/// of the error; a test failure if paging does not end within a minute.
async fn list_all(c: &Client, pool: &str, filter: &str) -> Result<Vec<String>, String> {
    let pages = async {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let out = c
                .list_users()
                .user_pool_id(pool)
                .filter(filter)
                .limit(1)
                .set_pagination_token(token)
                .send()
                .await
                .map_err(|e| code(&e))?;
            names.extend(
                out.users()
                    .iter()
                    .filter_map(|u| u.username())
                    .map(String::from),
            );
            assert!(names.len() <= 10, "paging repeats users: {names:?}");
            token = out.pagination_token().map(str::to_string);
            if token.is_none() {
                return Ok(names);
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), pages)
        .await
        .expect("paging ends")
}

#[tokio::test]
async fn list_users_with_a_nul_terminates() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    let c = server.client();
    let pool = pool(&c).await;
    for (username, name) in [("u1", "a"), ("u2", "a\u{0}b"), ("u3", "a\u{0}c")] {
        c.admin_create_user()
            .user_pool_id(&pool)
            .username(username)
            .user_attributes(attr("name", name))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .expect("create");
    }
    // A NUL is no part of the filter grammar.
    assert_eq!(
        list_all(&c, &pool, "name ^= \"a\u{0}\"").await,
        Err("InvalidParameterException".to_string())
    );
    // Values holding a NUL page once each.
    let mut names = list_all(&c, &pool, "name ^= \"a\"").await.expect("list");
    names.sort();
    assert_eq!(names, ["u1", "u2", "u3"]);
}
