//! User pools end to end through the official Rust SDK: CreateUserPool,
//! DescribeUserPool, UpdateUserPool, ListUserPools, DeleteUserPool, AddCustomAttributes,
//! tags, and the MFA configuration.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, DeletionProtectionType, PasswordPolicyType, SchemaAttributeType,
    SoftwareTokenMfaConfigType, StringAttributeConstraintsType, UserPoolMfaType,
    UserPoolPolicyType, UsernameAttributeType, VerifiedAttributeType,
};
use common::{code, create_pool, create_pool_with, message, Server};

#[tokio::test]
async fn a_new_pool_is_described_as_aws_describes_it() {
    let server = Server::sqlite();
    let client = server.client();
    let created = client
        .create_user_pool()
        .pool_name("p")
        .send()
        .await
        .expect("create");
    let pool = created.user_pool().expect("pool");
    let id = pool.id().expect("id").to_string();
    let (region, suffix) = id.split_once('_').expect("region_suffix");
    assert_eq!(region, "us-east-1");
    assert_eq!(suffix.len(), 9);
    assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));

    let described = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    let pool = described.user_pool().expect("pool");
    assert_eq!(pool.name(), Some("p"));
    assert_eq!(
        pool.arn(),
        Some(format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}").as_str())
    );
    let policy = pool
        .policies()
        .and_then(|p| p.password_policy())
        .expect("password policy");
    assert_eq!(policy.minimum_length(), Some(8));
    assert!(policy.require_uppercase());
    assert!(policy.require_lowercase());
    assert!(policy.require_numbers());
    assert!(policy.require_symbols());
    assert_eq!(policy.temporary_password_validity_days(), 7);
    assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Off));
    assert_eq!(
        pool.deletion_protection(),
        Some(&DeletionProtectionType::Inactive)
    );
    assert_eq!(pool.estimated_number_of_users(), 0);
    assert!(pool.creation_date().is_some() && pool.last_modified_date().is_some());
    let names: Vec<&str> = pool
        .schema_attributes()
        .iter()
        .filter_map(|a| a.name())
        .collect();
    assert_eq!(names.len(), 20);
    assert_eq!(&names[..3], &["sub", "name", "given_name"]);
    assert!(
        names.contains(&"email")
            && names.contains(&"phone_number_verified")
            && names.contains(&"updated_at")
    );
    let sub = &pool.schema_attributes()[0];
    assert_eq!(sub.mutable(), Some(false));
    assert_eq!(sub.required(), Some(true));
    assert_eq!(
        pool.admin_create_user_config()
            .map(|c| c.allow_admin_create_user_only()),
        Some(false)
    );
    assert_eq!(
        pool.email_configuration()
            .and_then(|e| e.email_sending_account())
            .map(|a| a.as_str()),
        Some("COGNITO_DEFAULT")
    );
    assert_eq!(
        pool.verification_message_template()
            .and_then(|t| t.default_email_option())
            .map(|o| o.as_str()),
        Some("CONFIRM_WITH_CODE")
    );
}

#[tokio::test]
async fn settings_given_at_creation_are_kept_and_update_resets_what_it_leaves_out() {
    let server = Server::sqlite();
    let client = server.client();
    let id = create_pool_with(&client, "settings", |b| {
        b.policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_numbers(true)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .username_attributes(UsernameAttributeType::Email)
        .deletion_protection(DeletionProtectionType::Active)
        .schema(
            SchemaAttributeType::builder()
                .name("team")
                .attribute_data_type(AttributeDataType::String)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .max_length("40")
                        .build(),
                )
                .build(),
        )
        .user_pool_tags("env", "test")
    })
    .await;
    let pool = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    let pool = pool.user_pool().expect("pool");
    let policy = pool
        .policies()
        .and_then(|p| p.password_policy())
        .expect("policy");
    assert_eq!(policy.minimum_length(), Some(12));
    assert!(policy.require_numbers());
    assert!(!policy.require_symbols());
    assert_eq!(
        pool.auto_verified_attributes(),
        &[VerifiedAttributeType::Email]
    );
    assert_eq!(pool.username_attributes(), &[UsernameAttributeType::Email]);
    assert_eq!(
        pool.deletion_protection(),
        Some(&DeletionProtectionType::Active)
    );
    assert_eq!(
        pool.user_pool_tags()
            .and_then(|t| t.get("env"))
            .map(String::as_str),
        Some("test")
    );
    let team = pool
        .schema_attributes()
        .iter()
        .find(|a| a.name() == Some("custom:team"))
        .expect("custom attribute");
    assert_eq!(
        team.string_attribute_constraints()
            .and_then(|c| c.max_length()),
        Some("40")
    );

    // DeleteUserPool is refused while deletion protection is active.
    let err = client
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("protected");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(
        message(&err).contains("deletion protection is activated"),
        "{}",
        message(&err)
    );

    // UpdateUserPool replaces: what it leaves out returns to the default.
    client
        .update_user_pool()
        .user_pool_id(&id)
        .mfa_configuration(UserPoolMfaType::Off)
        .send()
        .await
        .expect("update");
    let pool = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    let pool = pool.user_pool().expect("pool");
    assert_eq!(
        pool.deletion_protection(),
        Some(&DeletionProtectionType::Inactive)
    );
    assert_eq!(
        pool.policies()
            .and_then(|p| p.password_policy())
            .and_then(|p| p.minimum_length()),
        Some(8)
    );
    assert!(pool.auto_verified_attributes().is_empty());
    // What UpdateUserPool cannot set is kept.
    assert_eq!(pool.username_attributes(), &[UsernameAttributeType::Email]);
    assert_eq!(pool.name(), Some("settings"));
    assert!(pool.last_modified_date() >= pool.creation_date());

    client
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("delete once unprotected");
    let err = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&err), "ResourceNotFoundException");
    assert_eq!(message(&err), format!("User pool {id} does not exist."));
}

#[tokio::test]
async fn unknown_pools_are_not_found_everywhere() {
    let server = Server::sqlite();
    let client = server.client();
    let missing = "us-east-1_missing00";
    let err = client
        .describe_user_pool()
        .user_pool_id(missing)
        .send()
        .await
        .expect_err("describe");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .update_user_pool()
        .user_pool_id(missing)
        .send()
        .await
        .expect_err("update");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .delete_user_pool()
        .user_pool_id(missing)
        .send()
        .await
        .expect_err("delete");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn list_user_pools_pages_through_every_pool_of_the_region() {
    let server = Server::sqlite();
    let client = server.client();
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(create_pool(&client, &format!("pool{i}")).await);
    }
    // A pool of another region (by the SigV4 scope) is not listed here.
    let other = server
        .client_in("eu-west-1")
        .create_user_pool()
        .pool_name("elsewhere")
        .send()
        .await
        .expect("create in eu-west-1");
    assert!(other
        .user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .starts_with("eu-west-1_"));

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_user_pools()
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("list");
        pages += 1;
        for p in page.user_pools() {
            assert!(
                p.name().is_some() && p.creation_date().is_some() && p.lambda_config().is_some()
            );
            seen.push(p.id().expect("id").to_string());
        }
        match page.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);

    let err = client
        .list_user_pools()
        .max_results(61)
        .send()
        .await
        .expect_err("too many");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(
        message(&err).contains("Member must have value less than or equal to 60"),
        "{}",
        message(&err)
    );
}

#[tokio::test]
async fn custom_attributes_are_added_once() {
    let server = Server::sqlite();
    let client = server.client();
    let id = create_pool(&client, "attrs").await;
    let attr = |name: &str| {
        SchemaAttributeType::builder()
            .name(name)
            .attribute_data_type(AttributeDataType::Number)
            .build()
    };
    client
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(attr("level"))
        .send()
        .await
        .expect("add");
    let pool = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    let names: Vec<&str> = pool
        .user_pool()
        .expect("pool")
        .schema_attributes()
        .iter()
        .filter_map(|a| a.name())
        .collect();
    assert!(names.contains(&"custom:level"), "{names:?}");

    let err = client
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(attr("level"))
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(code(&err), "InvalidParameterException");
    let err = client
        .add_custom_attributes()
        .user_pool_id("us-east-1_nope")
        .custom_attributes(attr("x"))
        .send()
        .await
        .expect_err("no pool");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn tags_are_set_listed_and_removed_by_arn() {
    let server = Server::sqlite();
    let client = server.client();
    let pool = client
        .create_user_pool()
        .pool_name("tagged")
        .send()
        .await
        .expect("create");
    let arn = pool
        .user_pool()
        .and_then(|p| p.arn())
        .expect("arn")
        .to_string();
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("a", "1")
        .tags("b", "2")
        .send()
        .await
        .expect("tag");
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("list");
    assert_eq!(tags.tags().map(|t| t.len()), Some(2));
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("a")
        .send()
        .await
        .expect("untag");
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("list");
    let tags = tags.tags().expect("tags");
    assert_eq!(tags.get("b").map(String::as_str), Some("2"));
    assert!(!tags.contains_key("a"));

    let err = client
        .list_tags_for_resource()
        .resource_arn("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_none")
        .send()
        .await
        .expect_err("unknown pool");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .tag_resource()
        .resource_arn("arn:aws:s3:::some-bucket-name")
        .tags("a", "1")
        .send()
        .await
        .expect_err("not a pool arn");
    assert_eq!(code(&err), "InvalidParameterException");
}

#[tokio::test]
async fn the_mfa_configuration_is_stored_and_validated() {
    let server = Server::sqlite();
    let client = server.client();
    let id = create_pool(&client, "mfa").await;
    let config = client
        .get_user_pool_mfa_config()
        .user_pool_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(config.mfa_configuration(), Some(&UserPoolMfaType::Off));

    let err = client
        .set_user_pool_mfa_config()
        .user_pool_id(&id)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await
        .expect_err("no factor");
    assert_eq!(code(&err), "InvalidParameterException");
    let err = client
        .set_user_pool_mfa_config()
        .user_pool_id(&id)
        .mfa_configuration(UserPoolMfaType::Off)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect_err("off with a factor");
    assert!(message(&err).contains("can't turn off MFA and configure an MFA together"));

    let set = client
        .set_user_pool_mfa_config()
        .user_pool_id(&id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("set");
    assert_eq!(set.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    let config = client
        .get_user_pool_mfa_config()
        .user_pool_id(&id)
        .send()
        .await
        .expect("get");
    assert_eq!(config.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(
        config
            .software_token_mfa_configuration()
            .map(|c| c.enabled()),
        Some(true)
    );
    let pool = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        pool.user_pool().and_then(|p| p.mfa_configuration()),
        Some(&UserPoolMfaType::Optional)
    );

    let err = client
        .get_user_pool_mfa_config()
        .user_pool_id("us-east-1_none")
        .send()
        .await
        .expect_err("none");
    assert_eq!(code(&err), "ResourceNotFoundException");
}
