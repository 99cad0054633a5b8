//! Multi-Region replication through the Rust SDK: a pool's one secondary replica, its
//! states and what each lets a request signed for the replica's region do (the same
//! users and keys; end-user requests only while ACTIVE; no user created or changed
//! there), listing, and AWS's refusals.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    ReplicaRoleType, ReplicaStatusType, UpdateReplicaStatusType, UserPoolTierType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::*;

const REPLICA: &str = "eu-west-1";

async fn replicas(c: &Client, pool: &str) -> Vec<(String, ReplicaStatusType, ReplicaRoleType)> {
    c.list_user_pool_replicas()
        .user_pool_id(pool)
        .send()
        .await
        .expect("list")
        .user_pool_replicas()
        .iter()
        .map(|r| {
            (
                r.region_name().unwrap_or_default().to_string(),
                r.status().cloned().expect("status"),
                r.role().cloned().expect("role"),
            )
        })
        .collect()
}

async fn set_status(c: &Client, pool: &str, status: UpdateReplicaStatusType) {
    let r = c
        .update_user_pool_replica()
        .user_pool_id(pool)
        .region_name(REPLICA)
        .status(status.clone())
        .send()
        .await
        .expect("update");
    assert_eq!(
        r.user_pool_replica()
            .and_then(|r| r.status())
            .map(|s| s.as_str()),
        Some(status.as_str())
    );
}

/// An operation called with a SigV4 credential scope naming the replica's region (any
/// signature is accepted without --iam-credentials).
fn in_region(server: &Server, op: &str, body: &str) -> HttpResponse {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/{REPLICA}/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
    );
    server.request(
        "POST",
        "/",
        &[
            (
                "X-Amz-Target",
                &format!("AWSCognitoIdentityProviderService.{op}"),
            ),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Authorization", &authorization),
        ],
        body,
    )
}

#[tokio::test]
async fn a_replica_serves_the_pool_in_its_region_as_its_state_allows() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let created = c
        .create_user_pool_replica()
        .user_pool_id(&pool)
        .region_name(REPLICA)
        .user_pool_tags("team", "identity")
        .send()
        .await
        .expect("create replica");
    let replica = created.user_pool_replica().expect("replica");
    assert_eq!(replica.region_name(), Some(REPLICA));
    assert_eq!(replica.status(), Some(&ReplicaStatusType::Creating));
    assert_eq!(replica.role(), Some(&ReplicaRoleType::Secondary));
    assert_eq!(
        replica.user_pool_arn(),
        Some(format!("arn:aws:cognito-idp:{REPLICA}:000000000000:userpool/{pool}").as_str())
    );
    assert_eq!(
        replicas(&c, &pool).await,
        [
            (
                "us-east-1".to_string(),
                ReplicaStatusType::Active,
                ReplicaRoleType::Primary
            ),
            (
                REPLICA.to_string(),
                ReplicaStatusType::Inactive,
                ReplicaRoleType::Secondary
            ),
        ]
    );
    let listed = c
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .expect("pools");
    let described = listed
        .user_pools()
        .iter()
        .find(|p| p.id() == Some(pool.as_str()))
        .expect("listed");
    assert_eq!(described.replica_regions(), [REPLICA]);

    // INACTIVE: administrators read there; end users are turned away.
    let there = server.client_in(REPLICA);
    let user = there
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .expect("admin read in the replica");
    assert_eq!(user.username(), "alice");
    // End users' requests are unsigned, so the SDK names no region in them; one that
    // does (here a SigV4 credential scope for the replica's region) is turned away.
    let sign_in_body = serde_json::json!({
        "ClientId": app, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
    })
    .to_string();
    let r = in_region(&server, "InitiateAuth", &sign_in_body);
    assert_eq!(r.error_type(), "OperationNotEnabledException", "{}", r.body);
    assert!(r.message().contains("INACTIVE"), "{}", r.body);
    // ACTIVE: the same users sign in there, with the same keys.
    set_status(&c, &pool, UpdateReplicaStatusType::Active).await;
    let tokens = sign_in(&there, &app, "alice", PASSWORD).await;
    assert!(verifies(&jwks(&server, &pool), &tokens.access));
    assert_eq!(
        get_user(&there, &tokens.access).await,
        Ok("alice".to_string())
    );
    // ... but no user is created or changed there.
    let (code, msg) = fails(
        there
            .admin_create_user()
            .user_pool_id(&pool)
            .username("bob")
            .send()
            .await,
    );
    assert_eq!(code, "OperationNotEnabledException", "{msg}");
    assert!(msg.contains("us-east-1"), "{msg}");
    let r = in_region(
        &server,
        "ForgotPassword",
        &serde_json::json!({"ClientId": app, "Username": "alice"}).to_string(),
    );
    assert_eq!(r.error_type(), "OperationNotEnabledException", "{}", r.body);
    let r = in_region(&server, "InitiateAuth", &sign_in_body);
    assert_eq!(r.status, 200, "{}", r.body);
    let (code, _) = fails(there.update_user_pool().user_pool_id(&pool).send().await);
    assert_eq!(code, "OperationNotEnabledException");
    // The primary's region still does everything.
    create_user(&c, &pool, "bob", None).await;

    // Only an INACTIVE replica is deleted, from the primary's region.
    let (code, _) = fails(
        c.delete_user_pool_replica()
            .user_pool_id(&pool)
            .region_name(REPLICA)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    set_status(&c, &pool, UpdateReplicaStatusType::Inactive).await;
    let (code, _) = fails(
        there
            .delete_user_pool_replica()
            .user_pool_id(&pool)
            .region_name(REPLICA)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let deleted = c
        .delete_user_pool_replica()
        .user_pool_id(&pool)
        .region_name(REPLICA)
        .send()
        .await
        .expect("delete");
    assert_eq!(
        deleted.user_pool_replica().and_then(|r| r.status()),
        Some(&ReplicaStatusType::Deleting)
    );
    assert_eq!(replicas(&c, &pool).await.len(), 1);
    // Without a replica, the region's requests are served as before.
    sign_in(&there, &app, "alice", PASSWORD).await;
}

#[tokio::test]
async fn replicas_are_refused_as_aws_refuses_them() {
    let (_server, c, pool, _) = sign_in_fixture().await;
    let create = |region: &str| {
        c.create_user_pool_replica()
            .user_pool_id(&pool)
            .region_name(region)
            .send()
    };
    assert_eq!(
        fails(create("us-east-1").await).0,
        "InvalidParameterException"
    );
    assert_eq!(
        fails(create("not-a-region").await).0,
        "InvalidParameterException"
    );
    create(REPLICA).await.expect("first");
    assert_eq!(fails(create(REPLICA).await).0, "InvalidParameterException");
    assert_eq!(
        fails(create("ap-south-1").await).0,
        "LimitExceededException"
    );
    let (code, _) = fails(
        c.update_user_pool_replica()
            .user_pool_id(&pool)
            .region_name("ap-south-1")
            .status(UpdateReplicaStatusType::Active)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.update_user_pool_replica()
            .user_pool_id(&pool)
            .region_name("us-east-1")
            .status(UpdateReplicaStatusType::Inactive)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = fails(
        c.list_user_pool_replicas()
            .user_pool_id("us-east-1_nosuchpool")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");

    let lite = c
        .create_user_pool()
        .pool_name("lite")
        .user_pool_tier(UserPoolTierType::Lite)
        .send()
        .await
        .expect("lite pool");
    let lite = lite
        .user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .to_string();
    let (code, _) = fails(
        c.create_user_pool_replica()
            .user_pool_id(&lite)
            .region_name(REPLICA)
            .send()
            .await,
    );
    assert_eq!(code, "FeatureUnavailableInTierException");
}
