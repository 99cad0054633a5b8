//! Two `cognate serve` processes on one PostgreSQL database are one service.

mod common;

use common::{code, Backend, Server};

#[tokio::test]
async fn a_pool_created_through_one_node_is_seen_through_the_other() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let a = Server::start(&backend);
    let b = Server::start(&backend);
    assert_ne!(a.addr, b.addr);
    let (ca, cb) = (a.client(), b.client());

    let created = ca
        .create_user_pool()
        .pool_name("shared")
        .send()
        .await
        .expect("create on a");
    let id = created
        .user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .to_string();
    let described = cb
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe on b");
    assert_eq!(described.user_pool().and_then(|p| p.name()), Some("shared"));

    // A client created on b, with its secret, is described identically on a.
    let client = cb
        .create_user_pool_client()
        .user_pool_id(&id)
        .client_name("c")
        .generate_secret(true)
        .send()
        .await
        .expect("client on b");
    let client = client.user_pool_client().expect("client");
    let seen = ca
        .describe_user_pool_client()
        .user_pool_id(&id)
        .client_id(client.client_id().expect("id"))
        .send()
        .await
        .expect("describe on a");
    assert_eq!(
        seen.user_pool_client().and_then(|c| c.client_secret()),
        client.client_secret()
    );

    // Concurrent creations of one group name through both nodes: exactly one wins.
    let (ra, rb) = tokio::join!(
        ca.create_group()
            .user_pool_id(&id)
            .group_name("race")
            .send(),
        cb.create_group()
            .user_pool_id(&id)
            .group_name("race")
            .send()
    );
    let wins = [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count();
    assert_eq!(wins, 1);
    let loser = ra.err().or(rb.err()).expect("one failed");
    assert_eq!(code(&loser), "GroupExistsException");

    cb.delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("delete on b");
    let err = ca
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("gone on a");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn concurrent_user_creations_through_both_nodes_all_succeed_and_are_counted() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let a = Server::start(&backend);
    let b = Server::start(&backend);
    let (ca, cb) = (a.client(), b.client());
    let id = ca
        .create_user_pool()
        .pool_name("busy")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .to_string();
    let mut tasks = Vec::new();
    for i in 0..48 {
        let client = if i % 2 == 0 { ca.clone() } else { cb.clone() };
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            client
                .admin_create_user()
                .user_pool_id(id)
                .username(format!("user{i}"))
                .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
                .send()
                .await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("every creation succeeds");
    }
    let pool = cb
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        pool.user_pool().map(|p| p.estimated_number_of_users()),
        Some(48)
    );
}
