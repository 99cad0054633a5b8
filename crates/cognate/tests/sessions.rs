//! A user's sessions end to end: global sign-out (by the user and by an admin) ends them
//! all, ListUserSessions and AdminListUserSessions list them with the current one marked,
//! and RevokeUserSession and AdminRevokeUserSession end them one by one.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn global_sign_out_ends_every_session_of_the_user() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    add_user(&c, &pool, "bob", PASSWORD).await;
    let bob = sign_in(&c, &app, "bob", PASSWORD).await;
    for admin in [false, true] {
        let one = sign_in(&c, &app, "alice", PASSWORD).await;
        let two = sign_in(&c, &app, "alice", PASSWORD).await;
        if admin {
            let out = c
                .admin_user_global_sign_out()
                .user_pool_id(&pool)
                .username("alice");
            out.send().await.expect("admin sign out");
        } else {
            c.global_sign_out()
                .access_token(&one.access)
                .send()
                .await
                .expect("sign out");
        }
        for t in [&one, &two] {
            let refreshed = refresh(&c, &app, t.refresh.as_ref()).await;
            assert_eq!(refreshed.err().as_deref(), Some(NA), "admin: {admin}");
            assert_eq!(get_user(&c, &t.access).await, Err(na(REVOKED)));
        }
        let after = sign_in(&c, &app, "alice", PASSWORD).await;
        assert_eq!(get_user(&c, &after.access).await, Ok("alice".into()));
    }
    assert_eq!(get_user(&c, &bob.access).await, Ok("bob".into()));
}

/// A raw call: its status and JSON answer.
fn raw(server: &Server, op: &str, body: &Value) -> (u16, Value) {
    let r = server.call(op, &body.to_string());
    (r.status, r.json())
}

fn listed(server: &Server, op: &str, body: &Value) -> Vec<Value> {
    let (status, out) = raw(server, op, body);
    assert_eq!(status, 200, "{op}: {out}");
    out["Sessions"].as_array().cloned().unwrap_or_default()
}

/// The session of `token`: the one ListUserSessions marks current.
fn current_session(server: &Server, token: &str) -> Value {
    let sessions = listed(server, "ListUserSessions", &json!({ "AccessToken": token }));
    let current: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["IsCurrentSession"] == json!(true))
        .collect();
    assert_eq!(current.len(), 1, "one current session: {sessions:?}");
    current[0]["SessionId"].clone()
}

#[tokio::test]
async fn user_sessions_are_listed_with_the_current_one_marked() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let one = sign_in(&c, &app, "alice", PASSWORD).await;
    let two = sign_in(&c, &app, "alice", PASSWORD).await;
    let admin = json!({"UserPoolId": pool, "Username": "alice"});
    let sessions = listed(&server, "AdminListUserSessions", &admin);
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_ne!(sessions[0]["SessionId"], sessions[1]["SessionId"]);
    for s in &sessions {
        assert_eq!(s["ClientId"], app.as_str());
        assert_eq!(s["SessionType"], "TOKEN");
        assert_ne!(
            s["IsCurrentSession"],
            json!(true),
            "never for the admin list"
        );
    }
    let mine = current_session(&server, &one.access);
    let theirs = current_session(&server, &two.access);
    assert_ne!(mine, theirs);
    assert!(sessions.iter().any(|s| s["SessionId"] == mine));
    assert!(sessions.iter().any(|s| s["SessionId"] == theirs));

    // A well-formed id of no session of the user.
    let unknown = format!("tkn{}", "0".repeat(25));
    let mut by_admin = admin;
    by_admin["SessionId"] = json!(unknown);
    let by_user = json!({"AccessToken": one.access, "SessionId": unknown});
    for (op, body) in [
        ("RevokeUserSession", by_user),
        ("AdminRevokeUserSession", by_admin),
    ] {
        let (status, out) = raw(&server, op, &body);
        assert_eq!(
            (status, &out["__type"]),
            (400, &json!("ResourceNotFoundException")),
            "{op}"
        );
    }
}

/// Listed sessions have AWS's id form, `^(tkn|sso)[a-z0-9]{25}$` (SessionIdType), and
/// each can be revoked by that id through RevokeUserSession and AdminRevokeUserSession.
#[tokio::test]
async fn listed_sessions_are_revoked_one_by_one() {
    let (server, c, pool, app) = sign_in_fixture().await;
    let one = sign_in(&c, &app, "alice", PASSWORD).await;
    let two = sign_in(&c, &app, "alice", PASSWORD).await;
    let admin = json!({"UserPoolId": pool, "Username": "alice"});
    for s in listed(&server, "AdminListUserSessions", &admin) {
        let id = s["SessionId"].as_str().unwrap_or("");
        let well_formed = id.len() == 28
            && (id.starts_with("tkn") || id.starts_with("sso"))
            && id[3..]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        assert!(
            well_formed,
            "SessionId {id:?} is not of the form (tkn|sso)[a-z0-9]{{25}}"
        );
    }
    let mine = current_session(&server, &one.access);
    let theirs = current_session(&server, &two.access);
    let body = json!({"AccessToken": one.access, "SessionId": theirs});
    let (status, out) = raw(&server, "RevokeUserSession", &body);
    assert_eq!(status, 200, "{out}");
    let sessions = listed(&server, "AdminListUserSessions", &admin);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["SessionId"], mine);
    assert_eq!(
        refresh(&c, &app, two.refresh.as_ref())
            .await
            .err()
            .as_deref(),
        Some(NA)
    );

    let three = sign_in(&c, &app, "alice", PASSWORD).await;
    let mut body = admin.clone();
    body["SessionId"] = current_session(&server, &three.access);
    let (status, out) = raw(&server, "AdminRevokeUserSession", &body);
    assert_eq!(status, 200, "{out}");
    let sessions = listed(&server, "AdminListUserSessions", &admin);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["SessionId"], mine);
    assert_eq!(
        refresh(&c, &app, three.refresh.as_ref())
            .await
            .err()
            .as_deref(),
        Some(NA)
    );
    refresh(&c, &app, one.refresh.as_ref())
        .await
        .expect("the remaining session");
}
