//! App clients and resource servers end to end through the official Rust SDK.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, OAuthFlowType, ResourceServerScopeType, TimeUnitsType,
    TokenValidityUnitsType,
};
use common::{code, create_pool, message, Server};

#[tokio::test]
async fn clients_get_aws_ids_defaults_and_secrets() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = create_pool(&client, "p").await;

    let created = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .send()
        .await
        .expect("create client");
    let c = created.user_pool_client().expect("client");
    let id = c.client_id().expect("id").to_string();
    assert_eq!(id.len(), 26);
    assert!(
        id.chars()
            .all(|ch| ch.is_ascii_digit() || ('a'..='v').contains(&ch)),
        "{id}"
    );
    assert_eq!(c.client_secret(), None);
    assert_eq!(c.refresh_token_validity(), 30);
    assert_eq!(c.auth_session_validity(), Some(3));
    assert_eq!(c.enable_token_revocation(), Some(true));
    assert_eq!(c.allowed_o_auth_flows_user_pool_client(), Some(false));

    let secret_client = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("backend")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .access_token_validity(30)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .build(),
        )
        .send()
        .await
        .expect("create secret client");
    let sc = secret_client.user_pool_client().expect("client");
    let secret = sc.client_secret().expect("secret").to_string();
    assert_eq!(secret.len(), 51);
    let secret_id = sc.client_id().expect("id").to_string();
    let described = client
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&secret_id)
        .send()
        .await
        .expect("describe");
    let d = described.user_pool_client().expect("client");
    assert_eq!(d.client_secret(), Some(secret.as_str()));
    assert_eq!(d.access_token_validity(), Some(30));
    assert_eq!(d.explicit_auth_flows().len(), 2);

    // Update replaces the settings; the secret and the id stay.
    let updated = client
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&secret_id)
        .client_name("renamed")
        .send()
        .await
        .expect("update");
    let u = updated.user_pool_client().expect("client");
    assert_eq!(u.client_name(), Some("renamed"));
    assert_eq!(u.client_secret(), Some(secret.as_str()));
    assert_eq!(u.access_token_validity(), None);
    assert!(u.explicit_auth_flows().is_empty());

    let listed = client
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(1)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.user_pool_clients().len(), 1);
    let token = listed.next_token().expect("more").to_string();
    let rest = client
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(1)
        .next_token(token)
        .send()
        .await
        .expect("list rest");
    assert_eq!(rest.user_pool_clients().len(), 1);
    assert!(rest.next_token().is_none());

    client
        .delete_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .expect("delete");
    let err = client
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&id)
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn client_settings_are_validated_as_aws_does() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = create_pool(&client, "p").await;

    let err = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("c")
        .access_token_validity(2)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Days)
                .build(),
        )
        .send()
        .await
        .expect_err("validity");
    assert_eq!(code(&err), "InvalidParameterException");
    assert_eq!(message(&err), "Invalid range for token validity.");

    let err = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("c")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("openid")
        .send()
        .await
        .expect_err("client_credentials without a secret");
    assert_eq!(code(&err), "InvalidOAuthFlowException");

    let err = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("c")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .send()
        .await
        .expect_err("code flow without callbacks");
    assert_eq!(code(&err), "InvalidOAuthFlowException");

    let err = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("c")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("api/read")
        .callback_urls("https://example.com/cb")
        .send()
        .await
        .expect_err("unknown scope");
    assert_eq!(code(&err), "ScopeDoesNotExistException");

    let err = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("c")
        .callback_urls("http://example.com/cb")
        .send()
        .await
        .expect_err("plain http callback");
    assert_eq!(code(&err), "InvalidParameterException");

    let err = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("c")
        .read_attributes("custom:nope")
        .send()
        .await
        .expect_err("unknown attribute");
    assert_eq!(code(&err), "InvalidParameterException");

    let err = client
        .create_user_pool_client()
        .user_pool_id("us-east-1_none")
        .client_name("c")
        .send()
        .await
        .expect_err("no pool");
    assert_eq!(code(&err), "ResourceNotFoundException");

    // With the resource server, its scope is accepted, and so is localhost over HTTP.
    client
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier("api")
        .name("API")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("Read")
                .build()
                .expect("scope"),
        )
        .send()
        .await
        .expect("resource server");
    let ok = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("c")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("api/read")
        .allowed_o_auth_scopes("openid")
        .callback_urls("http://localhost:3000/cb")
        .send()
        .await
        .expect("valid OAuth client");
    assert_eq!(
        ok.user_pool_client()
            .map(|c| c.allowed_o_auth_scopes().len()),
        Some(2)
    );
}

#[tokio::test]
async fn resource_servers_are_created_described_updated_listed_and_deleted() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = create_pool(&client, "p").await;
    let scope = |n: &str| {
        ResourceServerScopeType::builder()
            .scope_name(n)
            .scope_description(format!("{n} things"))
            .build()
            .expect("scope")
    };
    for i in 0..3 {
        client
            .create_resource_server()
            .user_pool_id(&pool_id)
            .identifier(format!("https://api{i}.example.com"))
            .name(format!("api{i}"))
            .scopes(scope("read"))
            .send()
            .await
            .expect("create");
    }
    let err = client
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api0.example.com")
        .name("again")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(code(&err), "InvalidParameterException");

    let described = client
        .describe_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api1.example.com")
        .send()
        .await
        .expect("describe");
    let rs = described.resource_server().expect("server");
    assert_eq!(rs.name(), Some("api1"));
    assert_eq!(rs.scopes().len(), 1);

    let updated = client
        .update_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api1.example.com")
        .name("renamed")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .expect("update");
    assert_eq!(updated.resource_server().map(|r| r.scopes().len()), Some(2));

    let page = client
        .list_resource_servers()
        .user_pool_id(&pool_id)
        .max_results(2)
        .send()
        .await
        .expect("list");
    assert_eq!(page.resource_servers().len(), 2);
    let rest = client
        .list_resource_servers()
        .user_pool_id(&pool_id)
        .max_results(2)
        .next_token(page.next_token().expect("more"))
        .send()
        .await
        .expect("list rest");
    assert_eq!(rest.resource_servers().len(), 1);

    client
        .delete_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api2.example.com")
        .send()
        .await
        .expect("delete");
    let err = client
        .describe_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api2.example.com")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&err), "ResourceNotFoundException");
}
