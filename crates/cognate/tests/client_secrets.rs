//! A confidential client's secrets through the official SDK: AddUserPoolClientSecret
//! (generated or given; two active at most), ListUserPoolClientSecrets (ids and dates,
//! no values) and DeleteUserPoolClientSecret (never the last); both active secrets
//! accepted in SECRET_HASH and in the token endpoint's client authentication.

mod common;

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_cognitoidentityprovider::Client;
use base64::Engine as _;
use common::forms::*;
use common::*;

async fn sign_in_with(c: &Client, app: &str, secret: &str) -> Result<Tokens, String> {
    c.initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .auth_parameters("SECRET_HASH", secret_hash(secret, "alice", app))
        .send()
        .await
        .map(|o| tokens(o.authentication_result()))
        .map_err(|e| code(&e))
}

#[tokio::test]
async fn two_secrets_rotate_without_downtime() {
    let (server, c, pool, _) = sign_in_fixture().await;
    let created = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("confidential")
        .generate_secret(true)
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth,
        )
        .explicit_auth_flows(
            aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        )
        .send()
        .await
        .expect("client");
    let created = created.user_pool_client().expect("client");
    let app = created.client_id().expect("id").to_string();
    let first = created.client_secret().expect("secret").to_string();

    let listed = c
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&app)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.client_secrets().len(), 1);
    let first_id = listed.client_secrets()[0]
        .client_secret_id()
        .expect("id")
        .to_string();
    assert!(listed.client_secrets()[0]
        .client_secret_create_date()
        .is_some());
    assert!(listed.client_secrets()[0].client_secret_value().is_none());

    // A generated second secret is answered once.
    let added = c
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&app)
        .send()
        .await
        .expect("add");
    let added = added.client_secret_descriptor().expect("descriptor");
    let second = added
        .client_secret_value()
        .expect("generated value")
        .to_string();
    let second_id = added.client_secret_id().expect("id").to_string();
    assert_ne!(second, first);
    assert_ne!(second_id, first_id);

    // Both work, in SECRET_HASH and at the token endpoint.
    sign_in_with(&c, &app, &first).await.expect("first secret");
    let t = sign_in_with(&c, &app, &second)
        .await
        .expect("second secret");
    assert_eq!(
        sign_in_with(&c, &app, "not-the-secret-at-all-0123456789")
            .await
            .map(|_| ()),
        Err(NA.to_string())
    );
    let basic = |secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{app}:{secret}"))
        )
    };
    let form = query(&[
        ("grant_type", "refresh_token"),
        (
            "refresh_token",
            t.refresh.as_deref().expect("refresh token"),
        ),
    ]);
    for secret in [&first, &second] {
        let r = server.request(
            "POST",
            "/oauth2/token",
            &[FORM, ("Authorization", &basic(secret))],
            &form,
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = server.request(
        "POST",
        "/oauth2/token",
        &[
            FORM,
            ("Authorization", &basic("wrong-secret-wrong-secret-0")),
        ],
        &form,
    );
    assert_eq!(r.status, 401, "{}", r.body);

    // A third is refused.
    let third = c
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&app)
        .send()
        .await;
    assert_eq!(fails(third).0, "LimitExceededException");

    // The first retired: the second is the client's, as Describe shows.
    let unknown = c
        .delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&app)
        .client_secret_id("no-such-secret")
        .send()
        .await;
    assert_eq!(fails(unknown).0, "ResourceNotFoundException");
    c.delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&app)
        .client_secret_id(&first_id)
        .send()
        .await
        .expect("delete the first");
    assert_eq!(
        sign_in_with(&c, &app, &first).await.map(|_| ()),
        Err(NA.to_string())
    );
    sign_in_with(&c, &app, &second)
        .await
        .expect("second secret");
    let described = c
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&app)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        described.user_pool_client().and_then(|c| c.client_secret()),
        Some(second.as_str())
    );

    // A secret the caller chose is not answered back, and works.
    let chosen = "my-own-secret-value-0123456789abc".replace('-', "_");
    let added = c
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&app)
        .client_secret(&chosen)
        .send()
        .await
        .expect("add a chosen secret");
    assert!(added
        .client_secret_descriptor()
        .and_then(|d| d.client_secret_value())
        .is_none());
    sign_in_with(&c, &app, &chosen)
        .await
        .expect("chosen secret");

    // The last one cannot go; a public client has none to add to.
    c.delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&app)
        .client_secret_id(&second_id)
        .send()
        .await
        .expect("delete the second");
    let listed = c
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(&app)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.client_secrets().len(), 1);
    let last = listed.client_secrets()[0].client_secret_id().expect("id");
    let refused = c
        .delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&app)
        .client_secret_id(last)
        .send()
        .await;
    assert_eq!(fails(refused).0, "InvalidParameterException");
    let public = app_client(&c, &pool, |b| b).await;
    let refused = c
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(&public)
        .send()
        .await;
    assert_eq!(fails(refused).0, "InvalidParameterException");
    let refused = c
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id("nosuchclient")
        .send()
        .await;
    assert_eq!(fails(refused).0, "ResourceNotFoundException");
}
