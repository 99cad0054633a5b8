//! User pool domains end to end through the official Rust SDK: prefix and custom
//! domains, AWS's errors, the pool's Domain and CustomDomain, and the Host mapping of
//! the OAuth endpoints.

mod common;

use aws_sdk_cognitoidentityprovider::types::{CustomDomainConfigType, DomainStatusType};
use common::{create_pool, fails, Server};

const CERT: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";

fn certificate() -> CustomDomainConfigType {
    CustomDomainConfigType::builder()
        .certificate_arn(CERT)
        .build()
        .expect("config")
}

#[tokio::test]
async fn prefix_and_custom_domains_are_created_described_updated_and_deleted() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool(&c, "p").await;

    let created = c
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .expect("prefix domain");
    assert_eq!(created.managed_login_version(), Some(1));
    assert_eq!(created.cloud_front_domain(), None);

    let custom = c
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .custom_domain_config(certificate())
        .managed_login_version(2)
        .send()
        .await
        .expect("custom domain");
    assert_eq!(custom.managed_login_version(), Some(2));
    let cloudfront = custom.cloud_front_domain().expect("CloudFront").to_string();
    assert!(cloudfront.ends_with(".cloudfront.net"), "{cloudfront}");

    let described = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("pool");
    let p = described.user_pool().expect("pool");
    assert_eq!(p.domain(), Some("my-app"));
    assert_eq!(p.custom_domain(), Some("auth.example.com"));

    let d = c
        .describe_user_pool_domain()
        .domain("auth.example.com")
        .send()
        .await
        .expect("describe");
    let d = d.domain_description().expect("description");
    assert_eq!(d.user_pool_id(), Some(pool.as_str()));
    assert_eq!(d.domain(), Some("auth.example.com"));
    assert_eq!(d.status(), Some(&DomainStatusType::Active));
    assert_eq!(d.cloud_front_distribution(), Some(cloudfront.as_str()));
    assert_eq!(
        d.custom_domain_config().map(|c| c.certificate_arn()),
        Some(CERT)
    );
    assert_eq!(d.managed_login_version(), Some(2));
    let prefix = c
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .expect("describe prefix");
    let prefix = prefix.domain_description().expect("description");
    assert_eq!(prefix.cloud_front_distribution(), None);
    assert!(prefix.custom_domain_config().is_none());
    assert_eq!(prefix.aws_account_id().map(str::len), Some(12));

    // An unknown domain is described as nothing, as AWS answers it.
    let unknown = c
        .describe_user_pool_domain()
        .domain("nobody-here")
        .send()
        .await
        .expect("describe unknown");
    assert_eq!(unknown.domain_description().and_then(|d| d.domain()), None);

    let updated = c
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .managed_login_version(2)
        .send()
        .await
        .expect("update");
    assert_eq!(updated.managed_login_version(), Some(2));

    // The pool cannot go while it has a domain.
    let (code, _) = fails(c.delete_user_pool().user_pool_id(&pool).send().await);
    assert_eq!(code, "InvalidParameterException");
    for domain in ["my-app", "auth.example.com"] {
        c.delete_user_pool_domain()
            .user_pool_id(&pool)
            .domain(domain)
            .send()
            .await
            .expect("delete domain");
    }
    let after = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("pool");
    assert_eq!(after.user_pool().and_then(|p| p.domain()), None);
    assert_eq!(after.user_pool().and_then(|p| p.custom_domain()), None);
    c.delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("delete pool");
}

#[tokio::test]
async fn domains_follow_aws_rules() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool(&c, "p").await;
    let other = create_pool(&c, "q").await;
    let create = |pool: &str, domain: &str| {
        c.create_user_pool_domain()
            .user_pool_id(pool)
            .domain(domain)
            .send()
    };
    create(&pool, "taken").await.expect("first");
    assert_eq!(
        fails(create(&other, "taken").await),
        (
            "InvalidParameterException".into(),
            "Domain already associated with another user pool.".into()
        )
    );
    assert_eq!(
        fails(create(&pool, "second").await),
        (
            "InvalidParameterException".into(),
            "User pool already has a domain configured.".into()
        )
    );
    for reserved in ["my-aws-app", "amazonish", "cognito1"] {
        let (code, message) = fails(create(&other, reserved).await);
        assert_eq!(code, "InvalidParameterException");
        assert!(message.contains("reserved word"), "{message}");
    }
    // Periods are for custom domains only; the model's pattern still holds the rest.
    let (code, message) = fails(create(&other, "a.b").await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("lower-case letters"), "{message}");
    let (code, message) = fails(create(&other, "Upper").await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("validation error"), "{message}");
    let (code, _) = fails(create("us-east-1_nothere", "nothere").await);
    assert_eq!(code, "ResourceNotFoundException");
    let (code, message) = fails(
        c.delete_user_pool_domain()
            .user_pool_id(&other)
            .domain("taken")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "No such domain or user pool exists."
        )
    );
    let (code, _) = fails(
        c.update_user_pool_domain()
            .user_pool_id(&pool)
            .domain("taken")
            .custom_domain_config(certificate())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
}

/// The userInfo endpoint answers from the pool a Host names: a prefix domain's
/// `<prefix>.auth.<anything>` or a custom domain; a token of another pool is refused
/// there, and deleting the domain ends the mapping at once.
#[tokio::test]
async fn hosts_map_to_their_pools() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = create_pool(&c, "p").await;
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("login")
        .send()
        .await
        .expect("domain");
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("id.example.org")
        .custom_domain_config(certificate())
        .send()
        .await
        .expect("custom domain");
    let other = create_pool(&c, "q").await;
    let app = c
        .create_user_pool_client()
        .user_pool_id(&other)
        .client_name("m2m")
        .generate_secret(true)
        .send()
        .await
        .expect("client");
    let app = app.user_pool_client().expect("client");
    let (id, secret) = (
        app.client_id().expect("id").to_string(),
        app.client_secret().expect("secret").to_string(),
    );
    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    // The client belongs to another pool than these hosts name: its credentials fail
    // there, and only there.
    for host in [
        "login.auth.us-east-1.amazoncognito.com",
        "LOGIN.auth.localhost:9229",
        "id.example.org",
    ] {
        let r = server.request_to(host, "POST", "/oauth2/token", &headers, &form);
        assert_eq!(r.status, 401, "{host}: {}", r.body);
        assert_eq!(r.json()["error"], "invalid_client", "{host}");
    }
    let r = server.request("POST", "/oauth2/token", &headers, &form);
    assert_eq!(r.json()["error"], "unauthorized_client", "{}", r.body);

    c.delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("login")
        .send()
        .await
        .expect("delete");
    let r = server.request_to(
        "login.auth.localhost",
        "POST",
        "/oauth2/token",
        &headers,
        &form,
    );
    assert_eq!(r.json()["error"], "unauthorized_client", "{}", r.body);
}
