//! Groups end to end through the official Rust SDK.

mod common;

use common::{code, create_pool, Server};

#[tokio::test]
async fn groups_are_created_read_updated_listed_and_deleted() {
    let server = Server::sqlite();
    let client = server.client();
    let pool_id = create_pool(&client, "g").await;

    let created = client
        .create_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .description("Administrators")
        .precedence(1)
        .role_arn("arn:aws:iam::000000000000:role/admin")
        .send()
        .await
        .expect("create");
    let g = created.group().expect("group");
    assert_eq!(g.group_name(), Some("admins"));
    assert_eq!(g.user_pool_id(), Some(pool_id.as_str()));
    assert_eq!(g.precedence(), Some(1));
    assert!(g.creation_date().is_some());

    let err = client
        .create_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .send()
        .await
        .expect_err("exists");
    assert_eq!(code(&err), "GroupExistsException");

    let got = client
        .get_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.group().and_then(|g| g.description()),
        Some("Administrators")
    );

    let updated = client
        .update_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .description("Admins")
        .send()
        .await
        .expect("update");
    let u = updated.group().expect("group");
    assert_eq!(u.description(), Some("Admins"));
    assert_eq!(u.precedence(), Some(1), "left out, precedence stays");

    for i in 0..4 {
        client
            .create_group()
            .user_pool_id(&pool_id)
            .group_name(format!("team{i}"))
            .send()
            .await
            .expect("create");
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_groups()
            .user_pool_id(&pool_id)
            .limit(2)
            .set_next_token(token)
            .send()
            .await
            .expect("list");
        names.extend(
            page.groups()
                .iter()
                .filter_map(|g| g.group_name())
                .map(String::from),
        );
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["admins", "team0", "team1", "team2", "team3"]);

    client
        .delete_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .send()
        .await
        .expect("delete");
    let err = client
        .get_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .delete_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .list_groups()
        .user_pool_id("us-east-1_none")
        .send()
        .await
        .expect_err("no pool");
    assert_eq!(code(&err), "ResourceNotFoundException");
}
