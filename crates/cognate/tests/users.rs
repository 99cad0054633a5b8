//! Users and group membership end to end through the official Rust SDK.

mod common;

use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserOutput;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeDataType, DeliveryMediumType, MessageActionType,
    SchemaAttributeType, UserStatusType, UsernameAttributeType, UsernameConfigurationType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::{
    app_client, attr, code, create_pool_with, fails, message, na, password_auth, Server, INCORRECT,
};

/// A pool with the immutable custom attribute `team`.
async fn pool(client: &Client) -> String {
    create_pool_with(client, "users", |b| {
        b.schema(
            SchemaAttributeType::builder()
                .name("team")
                .attribute_data_type(AttributeDataType::String)
                .mutable(false)
                .build(),
        )
    })
    .await
}

/// A server, a client of it, a [`pool`], and `alice` created there by AdminCreateUser
/// (email verified or not as `email_verified` says, `custom:team` red, invited by
/// email), with its answer.
async fn with_alice(email_verified: &str) -> (Server, Client, String, AdminCreateUserOutput) {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = pool(&client).await;
    let created = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("email_verified", email_verified))
        .user_attributes(attr("custom:team", "red"))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .expect("create");
    (server, client, pool_id, created)
}

async fn get_alice(client: &Client, pool_id: &str) -> AdminGetUserOutput {
    client
        .admin_get_user()
        .user_pool_id(pool_id)
        .username("alice")
        .send()
        .await
        .expect("get")
}

async fn estimated_users(client: &Client, pool_id: &str) -> Option<i32> {
    let described = client
        .describe_user_pool()
        .user_pool_id(pool_id)
        .send()
        .await
        .expect("describe");
    described.user_pool().map(|p| p.estimated_number_of_users())
}

#[tokio::test]
async fn a_created_user_must_change_its_password_and_is_counted() {
    let (_server, client, pool_id, created) = with_alice("true").await;
    let user = created.user().expect("user");
    assert_eq!(user.username(), Some("alice"));
    assert_eq!(estimated_users(&client, &pool_id).await, Some(1));
    assert_eq!(
        user.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(user.enabled());
    let sub = user
        .attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .expect("sub");
    assert_eq!(sub.len(), 36);
}

#[tokio::test]
async fn the_invitation_carries_the_temporary_password() {
    let (server, _client, _pool_id, _created) = with_alice("true").await;
    // The invitation is in the outbox, with the temporary password as its code.
    let messages = server.get("/_cognate/messages?username=alice").json();
    let m = &messages["messages"][0];
    assert_eq!(m["kind"], "ADMIN_CREATE_USER");
    assert_eq!(m["channel"], "EMAIL");
    assert_eq!(m["destination"], "alice@example.com");
    let temporary = m["code"].as_str().expect("code").to_string();
    assert!(m["message"].as_str().expect("message").contains(&temporary));
}

#[tokio::test]
async fn a_username_is_created_once() {
    let (_server, client, pool_id, _created) = with_alice("true").await;
    let err = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect_err("exists");
    assert_eq!(code(&err), "UsernameExistsException");
}

#[tokio::test]
async fn admin_get_user_answers_the_status_and_attributes() {
    let (_server, client, pool_id, _created) = with_alice("true").await;
    let got = get_alice(&client, &pool_id).await;
    assert_eq!(got.username(), "alice");
    assert_eq!(
        got.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(got
        .user_attributes()
        .iter()
        .any(|a| a.name() == "custom:team" && a.value() == Some("red")));

    let err = client
        .admin_get_user()
        .user_pool_id("us-east-1_none")
        .username("x")
        .send()
        .await
        .expect_err("no pool");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn attributes_change_as_the_schema_allows() {
    let (_server, client, pool_id, _created) = with_alice("true").await;
    // Immutable attributes cannot change; email change clears email_verified.
    let err = client
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("custom:team", "blue"))
        .send()
        .await
        .expect_err("immutable");
    assert_eq!(code(&err), "InvalidParameterException");
    client
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("email", "alice@new.example.com"))
        .user_attributes(attr("given_name", "Alice"))
        .send()
        .await
        .expect("update");
    let got = get_alice(&client, &pool_id).await;
    let value = |n: &str| {
        got.user_attributes()
            .iter()
            .find(|a| a.name() == n)
            .and_then(|a| a.value())
            .map(String::from)
    };
    assert_eq!(value("email").as_deref(), Some("alice@new.example.com"));
    assert_eq!(value("email_verified").as_deref(), Some("false"));
    assert_eq!(value("given_name").as_deref(), Some("Alice"));

    client
        .admin_delete_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attribute_names("given_name")
        .send()
        .await
        .expect("delete attribute");
    let err = client
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("custom:nope", "x"))
        .send()
        .await
        .expect_err("unknown attribute");
    assert_eq!(code(&err), "InvalidParameterException");
}

#[tokio::test]
async fn the_password_policy_is_enforced_and_permanent_decides_the_status() {
    let (_server, client, pool_id, _created) = with_alice("true").await;
    let err = client
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("alice")
        .password("short")
        .permanent(true)
        .send()
        .await
        .expect_err("weak");
    assert_eq!(code(&err), "InvalidPasswordException");
    assert_eq!(
        message(&err),
        "Password did not conform with policy: Password not long enough"
    );
    client
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("alice")
        .password("Str0ng!Passw0rd")
        .permanent(true)
        .send()
        .await
        .expect("set password");
    let got = get_alice(&client, &pool_id).await;
    assert_eq!(got.user_status(), Some(&UserStatusType::Confirmed));
    client
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("alice")
        .password("Str0ng!Passw0rd2")
        .permanent(false)
        .send()
        .await
        .expect("temporary password");
    let got = get_alice(&client, &pool_id).await;
    assert_eq!(
        got.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
}

#[tokio::test]
async fn a_user_is_disabled_and_enabled_again() {
    let (_server, client, pool_id, _created) = with_alice("true").await;
    client
        .admin_disable_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect("disable");
    let got = get_alice(&client, &pool_id).await;
    assert!(!got.enabled());
    client
        .admin_enable_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect("enable");
}

#[tokio::test]
async fn a_password_reset_needs_a_verified_destination() {
    // alice's email is not verified, and she has no phone number.
    let (server, client, pool_id, _created) = with_alice("false").await;
    let err = client
        .admin_reset_user_password()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect_err("no verified destination");
    assert_eq!(code(&err), "InvalidParameterException");
    client
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect("verify");
    client
        .admin_reset_user_password()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect("reset");
    let got = get_alice(&client, &pool_id).await;
    assert_eq!(got.user_status(), Some(&UserStatusType::ResetRequired));
    let messages = server
        .get(&format!(
            "/_cognate/messages?userPoolId={pool_id}&username=alice"
        ))
        .json();
    let last = messages["messages"]
        .as_array()
        .and_then(|m| m.last())
        .expect("a message");
    assert_eq!(last["kind"], "FORGOT_PASSWORD");
    assert_eq!(last["code"].as_str().map(str::len), Some(6));
}

#[tokio::test]
async fn a_deleted_user_is_gone_and_no_longer_counted() {
    let (_server, client, pool_id, _created) = with_alice("true").await;
    client
        .admin_delete_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect("delete");
    let err = client
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&err), "UserNotFoundException");
    assert_eq!(estimated_users(&client, &pool_id).await, Some(0));
    let err = client
        .admin_delete_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&err), "UserNotFoundException");
}

#[tokio::test]
async fn confirm_sign_up_required_attributes_and_suppressed_invitations() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = create_pool_with(&client, "required", |b| {
        b.schema(
            SchemaAttributeType::builder()
                .name("email")
                .required(true)
                .build(),
        )
    })
    .await;
    let err = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("bob")
        .send()
        .await
        .expect_err("missing email");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(message(&err).contains("email"), "{}", message(&err));
    client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("bob")
        .user_attributes(attr("email", "bob@example.com"))
        .message_action(MessageActionType::Suppress)
        .temporary_password("Temp0rary!")
        .send()
        .await
        .expect("create");
    let messages = server
        .request("GET", "/_cognate/messages?username=bob", &[], "")
        .json();
    assert_eq!(messages["messages"].as_array().map(Vec::len), Some(0));
    let err = client
        .admin_confirm_sign_up()
        .user_pool_id(&pool_id)
        .username("bob")
        .send()
        .await
        .expect_err("not unconfirmed");
    assert_eq!(code(&err), "NotAuthorizedException");
    let err = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("weak")
        .user_attributes(attr("email", "weak@example.com"))
        .temporary_password("weak")
        .send()
        .await
        .expect_err("weak temporary password");
    assert_eq!(code(&err), "InvalidPasswordException");
}

#[tokio::test]
async fn groups_of_users() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = pool(&client).await;
    for g in ["admins", "readers"] {
        client
            .create_group()
            .user_pool_id(&pool_id)
            .group_name(g)
            .send()
            .await
            .expect("group");
    }
    for u in ["u1", "u2", "u3"] {
        client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(u)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .expect("user");
        client
            .admin_add_user_to_group()
            .user_pool_id(&pool_id)
            .username(u)
            .group_name("readers")
            .send()
            .await
            .expect("add");
    }
    client
        .admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("u1")
        .group_name("admins")
        .send()
        .await
        .expect("add");
    let groups = client
        .admin_list_groups_for_user()
        .user_pool_id(&pool_id)
        .username("u1")
        .send()
        .await
        .expect("groups of u1");
    let names: Vec<&str> = groups
        .groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(names, ["admins", "readers"]);
    let page = client
        .list_users_in_group()
        .user_pool_id(&pool_id)
        .group_name("readers")
        .limit(2)
        .send()
        .await
        .expect("members");
    assert_eq!(page.users().len(), 2);
    let rest = client
        .list_users_in_group()
        .user_pool_id(&pool_id)
        .group_name("readers")
        .limit(2)
        .next_token(page.next_token().expect("more"))
        .send()
        .await
        .expect("members");
    assert_eq!(rest.users().len(), 1);
    client
        .admin_remove_user_from_group()
        .user_pool_id(&pool_id)
        .username("u1")
        .group_name("readers")
        .send()
        .await
        .expect("remove");
    let groups = client
        .admin_list_groups_for_user()
        .user_pool_id(&pool_id)
        .username("u1")
        .send()
        .await
        .expect("groups of u1");
    assert_eq!(groups.groups().len(), 1);
    let err = client
        .admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("u1")
        .group_name("nope")
        .send()
        .await
        .expect_err("no group");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("nobody")
        .group_name("admins")
        .send()
        .await
        .expect_err("no user");
    assert_eq!(code(&err), "UserNotFoundException");
    // Deleting a group removes its memberships.
    client
        .delete_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .send()
        .await
        .expect("delete group");
    let groups = client
        .admin_list_groups_for_user()
        .user_pool_id(&pool_id)
        .username("u1")
        .send()
        .await
        .expect("groups of u1");
    assert!(groups.groups().is_empty());
}

#[tokio::test]
async fn list_users_filters_and_pages() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = pool(&client).await;
    for (u, given, email) in [
        ("ann", "Ann", "ann@example.com"),
        ("andrew", "Andrew", "andrew@example.com"),
        ("bea", "Bea", "bea@example.com"),
        ("bob", "Bob", "bob@example.org"),
    ] {
        client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(u)
            .user_attributes(attr("given_name", given))
            .user_attributes(attr("email", email))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .expect("user");
    }
    client
        .admin_disable_user()
        .user_pool_id(&pool_id)
        .username("bob")
        .send()
        .await
        .expect("disable");
    let list = |filter: &str| {
        let client = client.clone();
        let pool_id = pool_id.clone();
        let filter = filter.to_string();
        async move {
            let out = client
                .list_users()
                .user_pool_id(pool_id)
                .filter(filter)
                .send()
                .await
                .expect("list");
            let mut names: Vec<String> = out
                .users()
                .iter()
                .filter_map(|u| u.username())
                .map(String::from)
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(list(r#"email = "bea@example.com""#).await, ["bea"]);
    assert_eq!(list(r#"given_name ^= "An""#).await, ["andrew", "ann"]);
    assert_eq!(list(r#"username ^= "b""#).await, ["bea", "bob"]);
    assert_eq!(list(r#"status = "Disabled""#).await, ["bob"]);
    assert_eq!(
        list(r#"cognito:user_status = "FORCE_CHANGE_PASSWORD""#)
            .await
            .len(),
        4
    );
    assert_eq!(list("").await.len(), 4);
    assert!(list(r#"email = "nobody@example.com""#).await.is_empty());

    for bad in [r#"email = bea"#, r#"custom:team = "red""#] {
        let err = client
            .list_users()
            .user_pool_id(&pool_id)
            .filter(bad)
            .send()
            .await
            .expect_err("bad filter");
        assert_eq!(code(&err), "InvalidParameterException", "{bad}");
    }

    // AttributesToGet and paging.
    let page = client
        .list_users()
        .user_pool_id(&pool_id)
        .attributes_to_get("email")
        .limit(3)
        .send()
        .await
        .expect("page");
    assert_eq!(page.users().len(), 3);
    assert!(page
        .users()
        .iter()
        .all(|u| u.attributes().len() == 1 && u.attributes()[0].name() == "email"));
    // A user added before the next page is fetched does not break the token.
    client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("zed")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("user");
    let rest = client
        .list_users()
        .user_pool_id(&pool_id)
        .limit(3)
        .pagination_token(page.pagination_token().expect("more"))
        .send()
        .await
        .expect("rest");
    let names: Vec<&str> = rest.users().iter().filter_map(|u| u.username()).collect();
    assert_eq!(names, ["bob", "zed"]);

    let header = client
        .get_csv_header()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("header");
    let header = header.csv_header();
    assert_eq!(header.first().map(String::as_str), Some("name"));
    assert_eq!(header.last().map(String::as_str), Some("cognito:username"));
    assert!(header.iter().any(|h| h == "custom:team"));
}

#[tokio::test]
async fn email_as_username() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = create_pool_with(&client, "email", |b| {
        b.username_attributes(UsernameAttributeType::Email)
    })
    .await;
    let created = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("carol@example.com")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("create");
    let user = created.user().expect("user");
    let username = user.username().expect("username").to_string();
    assert_eq!(username.len(), 36, "the username is a UUID: {username}");
    assert!(user
        .attributes()
        .iter()
        .any(|a| a.name() == "email" && a.value() == Some("carol@example.com")));
    // Found by email and by the generated username.
    let by_email = client
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("carol@example.com")
        .send()
        .await
        .expect("by email");
    assert_eq!(by_email.username(), username);
    client
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username(&username)
        .send()
        .await
        .expect("by username");
    let err = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("carol@example.com")
        .send()
        .await
        .expect_err("email taken");
    assert_eq!(code(&err), "UsernameExistsException");
    let err = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("not-an-email")
        .send()
        .await
        .expect_err("not an email");
    assert_eq!(code(&err), "InvalidParameterException");

    // A temporary password (its verifier made before the write, for the UUID username)
    // signs in by email, to the new-password challenge; another does not.
    client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("dave@example.com")
        .temporary_password("Temp0rary!")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("create dave");
    let app = app_client(&client, &pool_id, |b| b).await;
    let signed = password_auth(&client, &app, "dave@example.com", "Temp0rary!")
        .await
        .expect("temporary password");
    assert_eq!(
        signed.challenge_name(),
        Some(&aws_sdk_cognitoidentityprovider::types::ChallengeNameType::NewPasswordRequired)
    );
    let wrong = password_auth(&client, &app, "dave@example.com", "Temp0rary?").await;
    assert_eq!(fails(wrong), na(INCORRECT));
}

#[tokio::test]
async fn case_insensitive_usernames_and_aliases() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = create_pool_with(&client, "ci", |b| {
        b.username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .expect("config"),
        )
        .alias_attributes(AliasAttributeType::Email)
    })
    .await;
    client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("Dave")
        .user_attributes(attr("email", "dave@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("create");
    let got = client
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("DAVE")
        .send()
        .await
        .expect("any case");
    assert_eq!(got.username(), "Dave", "stored as given");
    let err = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("dave")
        .send()
        .await
        .expect_err("same name, other case");
    assert_eq!(code(&err), "UsernameExistsException");
    // The verified email is an alias: it finds the user and is unique.
    let by_alias = client
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("dave@example.com")
        .send()
        .await
        .expect("by alias");
    assert_eq!(by_alias.username(), "Dave");
    let err = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("other")
        .user_attributes(attr("email", "dave@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect_err("alias taken");
    assert_eq!(code(&err), "AliasExistsException");
    client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("other")
        .user_attributes(attr("email", "dave@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .force_alias_creation(true)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("forced alias");
    let by_alias = client
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("dave@example.com")
        .send()
        .await
        .expect("by alias");
    assert_eq!(by_alias.username(), "other", "the alias moved");
}
