//! The operations authorized by an access token (GetUser, UpdateUserAttributes,
//! DeleteUserAttributes, ChangePassword, DeleteUser) end to end through the official Rust
//! SDK, and their refusal of every token that is not this pool's access token.

mod common;

use aws_sdk_cognitoidentityprovider::types::DeliveryMediumType;
use aws_sdk_cognitoidentityprovider::Client;
use common::*;
use serde_json::json;
use std::collections::HashMap;

/// Runs each access-token operation with `token`; answers their errors.
async fn token_operations(c: &Client, token: &str) -> Vec<(String, String)> {
    let change = c
        .change_password()
        .access_token(token)
        .previous_password(PASSWORD);
    let update = c.update_user_attributes().access_token(token);
    let delete = c.delete_user_attributes().access_token(token);
    vec![
        fails(c.get_user().access_token(token).send().await),
        fails(change.proposed_password(NEW_PASSWORD).send().await),
        fails(update.user_attributes(attr("name", "Eve")).send().await),
        fails(delete.user_attribute_names("name").send().await),
        fails(c.delete_user().access_token(token).send().await),
    ]
}

async fn attributes(c: &Client, token: &str) -> HashMap<String, String> {
    let out = c
        .get_user()
        .access_token(token)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(out.username(), "alice");
    let pairs = out.user_attributes().iter();
    pairs
        .map(|a| (a.name().to_string(), a.value().unwrap_or("").to_string()))
        .collect()
}

#[tokio::test]
async fn access_token_operations() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let got = attributes(&c, &t.access).await;
    assert_eq!(got["email"], "alice@example.com");
    assert_eq!(got["email_verified"], "true");
    assert!(got.contains_key("sub"));

    let update = c.update_user_attributes().access_token(&t.access);
    update
        .user_attributes(attr("name", "Alice"))
        .send()
        .await
        .expect("update name");
    assert_eq!(attributes(&c, &t.access).await["name"], "Alice");
    let update = c.update_user_attributes().access_token(&t.access);
    let email = attr("email", "alice@new.example.com");
    let out = update
        .user_attributes(email)
        .send()
        .await
        .expect("update email");
    let delivery = out.code_delivery_details_list();
    assert_eq!(delivery.len(), 1, "{delivery:?}");
    assert_eq!(
        delivery[0].delivery_medium(),
        Some(&DeliveryMediumType::Email)
    );
    assert_eq!(delivery[0].attribute_name(), Some("email"));
    let got = attributes(&c, &t.access).await;
    assert_eq!(got["email"], "alice@new.example.com");
    assert_eq!(got["email_verified"], "false");

    let delete = c.delete_user_attributes().access_token(&t.access);
    delete
        .user_attribute_names("name")
        .send()
        .await
        .expect("delete attribute");
    assert!(!attributes(&c, &t.access).await.contains_key("name"));

    // Tokens that are not this pool's access tokens are refused by every operation.
    let other_pool = sign_in_pool(&c).await;
    let elsewhere = altered(&t.access, |claims| {
        let iss = claims["iss"]
            .as_str()
            .expect("iss")
            .replace(&pool, &other_pool);
        claims["iss"] = json!(iss);
    });
    for (token, what) in [
        (t.id.as_str(), "an ID token"),
        ("garbage.token.value", "garbage"),
        (elsewhere.as_str(), "another pool's issuer"),
    ] {
        for (code_, message_) in token_operations(&c, token).await {
            assert_eq!(code_, NA, "{what}: {message_}");
            if what == "an ID token" {
                assert_eq!(message_, "Invalid Access Token");
            }
        }
    }

    let change = || c.change_password().access_token(&t.access);
    let wrong = change()
        .previous_password(WRONG)
        .proposed_password(NEW_PASSWORD)
        .send()
        .await;
    assert_eq!(fails(wrong).0, NA);
    let weak = change()
        .previous_password(PASSWORD)
        .proposed_password("weak")
        .send()
        .await;
    assert_eq!(fails(weak).0, "InvalidPasswordException");
    let changed = change()
        .previous_password(PASSWORD)
        .proposed_password(NEW_PASSWORD);
    changed.send().await.expect("change password");
    let other = sign_in(&c, &app, "alice", NEW_PASSWORD).await;
    assert_eq!(
        fails(password_auth(&c, &app, "alice", PASSWORD).await),
        na(INCORRECT)
    );

    c.delete_user()
        .access_token(&t.access)
        .send()
        .await
        .expect("delete user");
    assert!(get_user(&c, &other.access).await.is_err());
    let gone = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(fails(gone).0, "UserNotFoundException");
}

/// An access token whose `iss` names a pool that does not exist is an invalid access
/// token like any other forged one (NotAuthorizedException), not a missing pool.
#[tokio::test]
async fn a_token_naming_an_unknown_pool_is_an_invalid_access_token() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let forged = altered(&t.access, |claims| {
        let iss = claims["iss"]
            .as_str()
            .expect("iss")
            .replace(&pool, "us-east-1_Nope12345");
        claims["iss"] = json!(iss);
    });
    for (code_, message_) in token_operations(&c, &forged).await {
        assert_eq!(
            (code_.as_str(), message_.as_str()),
            (NA, "Invalid Access Token")
        );
    }
}

/// GetUser and AdminGetUser read in one statement while the pool is cached, and fall
/// back to a full read otherwise. Either way they see every change: a user disabled,
/// enabled again, deleted, signed out; the pool updated; and AdminGetUser still finds a
/// user by a case-folded username, by a verified email alias and by sub.
#[tokio::test]
async fn user_reads_see_every_change() {
    use aws_sdk_cognitoidentityprovider::types::{AliasAttributeType, UsernameConfigurationType};
    let (_server, c, pool, app) = sign_in_fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let get_user = |token: String| {
        let c = c.clone();
        async move {
            let out = c.get_user().access_token(token).send().await;
            outcome(out.map(|o| assert_eq!(o.username(), "alice")))
        }
    };
    let admin_get = |pool: String, name: &'static str| {
        let c = c.clone();
        async move {
            let out = c
                .admin_get_user()
                .user_pool_id(pool)
                .username(name)
                .send()
                .await;
            out.map(|o| (o.username().to_string(), o.enabled()))
                .map_err(|e| code(&e))
        }
    };
    assert_eq!(get_user(t.access.clone()).await, Ok(()));
    assert_eq!(
        admin_get(pool.clone(), "alice").await,
        Ok(("alice".into(), true))
    );

    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("disable");
    assert_eq!(
        get_user(t.access.clone()).await,
        Err(na("User is disabled."))
    );
    assert_eq!(
        admin_get(pool.clone(), "alice").await,
        Ok(("alice".into(), false))
    );
    c.admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("enable");
    assert_eq!(get_user(t.access.clone()).await, Ok(()));

    // A new version of the pool: the cached one is not used, the answers are the same.
    c.update_user_pool()
        .user_pool_id(&pool)
        .auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .user_pool_tags("changed", "yes")
        .send()
        .await
        .expect("update pool");
    assert_eq!(get_user(t.access.clone()).await, Ok(()));
    assert_eq!(
        admin_get(pool.clone(), "alice").await,
        Ok(("alice".into(), true))
    );

    let second = sign_in(&c, &app, "alice", PASSWORD).await;
    c.global_sign_out()
        .access_token(&t.access)
        .send()
        .await
        .expect("sign out");
    assert_eq!(get_user(t.access.clone()).await, Err(na(REVOKED)));
    assert_eq!(get_user(second.access.clone()).await, Err(na(REVOKED)));
    let third = sign_in(&c, &app, "alice", PASSWORD).await;
    assert_eq!(get_user(third.access.clone()).await, Ok(()));
    c.admin_delete_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("delete");
    assert_eq!(
        get_user(third.access.clone()).await,
        Err((
            "UserNotFoundException".into(),
            "User does not exist.".into()
        ))
    );
    assert_eq!(
        admin_get(pool.clone(), "alice").await,
        Err("UserNotFoundException".into())
    );
    assert_eq!(
        admin_get("us-east-1_nothere".into(), "alice").await,
        Err("ResourceNotFoundException".into())
    );

    // A case-insensitive pool with email as an alias.
    let aliased = create_pool_with(&c, "aliased", |b| {
        b.alias_attributes(AliasAttributeType::Email)
            .username_configuration(
                UsernameConfigurationType::builder()
                    .case_sensitive(false)
                    .build()
                    .expect("config"),
            )
    })
    .await;
    create_user(&c, &aliased, "Bob", None).await;
    let sub = c
        .admin_get_user()
        .user_pool_id(&aliased)
        .username("bob")
        .send()
        .await
        .expect("bob")
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .expect("sub")
        .to_string();
    for name in ["bob", "BOB", "Bob@Example.com", "bob@example.com"] {
        assert_eq!(
            admin_get(aliased.clone(), name).await,
            Ok(("Bob".into(), true)),
            "{name}"
        );
    }
    let by_sub = c
        .admin_get_user()
        .user_pool_id(&aliased)
        .username(&sub)
        .send()
        .await;
    assert_eq!(by_sub.expect("by sub").username(), "Bob");
}
