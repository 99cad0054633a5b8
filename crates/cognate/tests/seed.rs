//! The seed file: a server started with `--config` has the declared pools, clients,
//! groups and users; starting again with the same file changes nothing; an invalid file
//! stops the server with a message naming the line.

mod common;

use common::{Backend, Server};

const SEED: &str = r#"
userPools:
  - id: us-east-1_Seeded01
    name: seeded
    settings:
      UsernameConfiguration:
        CaseSensitive: false
      AutoVerifiedAttributes: [email]
    clients:
      - id: 1example23456789abcdefghij
        name: web
        settings:
          ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      - name: backend
        secret: thisisaverysecretclientsecret0123456789
    groups:
      - name: admins
        precedence: 1
    users:
      - username: alice
        password: Passw0rd!
        attributes:
          email: alice@example.com
          email_verified: "true"
        groups: [admins]
      - username: bob
        password: Temp0rary!
        temporary: true
      - username: carol
        enabled: false
      - username: dave
        password: Passw0rd!
        status: UNCONFIRMED
"#;

fn write_seed(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("seed.yaml");
    std::fs::write(&path, text).expect("write seed");
    path
}

fn users(server: &Server) -> Vec<(String, String, bool, String)> {
    let out = server
        .call("ListUsers", r#"{"UserPoolId":"us-east-1_Seeded01"}"#)
        .json();
    let mut users: Vec<(String, String, bool, String)> = out["Users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            let sub = u["Attributes"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["Name"] == "sub"))
                .and_then(|x| x["Value"].as_str())
                .unwrap_or("")
                .to_string();
            (
                u["Username"].as_str().unwrap_or("").to_string(),
                u["UserStatus"].as_str().unwrap_or("").to_string(),
                u["Enabled"].as_bool().unwrap_or(false),
                sub,
            )
        })
        .collect();
    users.sort();
    users
}

#[test]
fn a_seeded_server_has_what_the_file_declares_and_a_restart_changes_nothing() {
    let (backend, dir) = Backend::sqlite();
    let seed = write_seed(dir.path(), SEED);
    let seed = seed.to_str().expect("path");
    let mut server = Server::start_with(&backend, &["--config", seed]);
    let first = users(&server);
    let names: Vec<(&str, &str, bool)> = first
        .iter()
        .map(|(u, s, e, _)| (u.as_str(), s.as_str(), *e))
        .collect();
    assert_eq!(
        names,
        [
            ("alice", "CONFIRMED", true),
            ("bob", "FORCE_CHANGE_PASSWORD", true),
            ("carol", "FORCE_CHANGE_PASSWORD", false),
            ("dave", "UNCONFIRMED", true)
        ]
    );
    let pool = server
        .call("DescribeUserPool", r#"{"UserPoolId":"us-east-1_Seeded01"}"#)
        .json();
    assert_eq!(pool["UserPool"]["Name"], "seeded");
    assert_eq!(
        pool["UserPool"]["UsernameConfiguration"]["CaseSensitive"],
        false
    );
    let client = server
        .call(
            "DescribeUserPoolClient",
            r#"{"UserPoolId":"us-east-1_Seeded01","ClientId":"1example23456789abcdefghij"}"#,
        )
        .json();
    assert_eq!(client["UserPoolClient"]["ClientName"], "web");
    let clients = server
        .call(
            "ListUserPoolClients",
            r#"{"UserPoolId":"us-east-1_Seeded01"}"#,
        )
        .json();
    let backend_id = clients["UserPoolClients"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["ClientName"] == "backend"))
        .and_then(|c| c["ClientId"].as_str())
        .expect("backend client")
        .to_string();
    let backend_client = server
        .call(
            "DescribeUserPoolClient",
            &format!(r#"{{"UserPoolId":"us-east-1_Seeded01","ClientId":"{backend_id}"}}"#),
        )
        .json();
    assert_eq!(
        backend_client["UserPoolClient"]["ClientSecret"],
        "thisisaverysecretclientsecret0123456789"
    );
    let groups = server
        .call(
            "AdminListGroupsForUser",
            r#"{"UserPoolId":"us-east-1_Seeded01","Username":"ALICE"}"#,
        )
        .json();
    assert_eq!(groups["Groups"][0]["GroupName"], "admins");

    server.kill();
    let again = Server::start_with(&backend, &["--config", seed]);
    assert_eq!(users(&again), first, "the same users, with the same subs");
    let pools = again.call("ListUserPools", r#"{"MaxResults":60}"#).json();
    assert_eq!(pools["UserPools"].as_array().map(Vec::len), Some(1));
    let clients = again
        .call(
            "ListUserPoolClients",
            r#"{"UserPoolId":"us-east-1_Seeded01"}"#,
        )
        .json();
    assert_eq!(clients["UserPoolClients"].as_array().map(Vec::len), Some(2));
}

fn refused(text: &str) -> String {
    let (backend, dir) = Backend::sqlite();
    let seed = write_seed(dir.path(), text);
    let common::Backend::Sqlite(data) = backend else {
        unreachable!()
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&seed)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("run cognate");
    assert!(
        !out.status.success(),
        "an invalid seed must stop the server"
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn an_invalid_seed_stops_the_server_naming_the_line() {
    let err = refused("userPools:\n  - name: p\n    colour: blue\n");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("colour"), "{err}");

    let err = refused(
        "userPools:\n  - name: p\n    users:\n      - username: weak\n        password: short\n",
    );
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("InvalidPasswordException"), "{err}");

    let err = refused("userPools:\n  - id: not a pool id\n    name: p\n");
    assert!(err.contains("InvalidParameterException"), "{err}");
}

/// README.md's example seed file is one the server accepts, with what it declares.
#[test]
fn the_readme_seed_example_is_accepted() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let example = readme
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a YAML example");
    let (backend, dir) = Backend::sqlite();
    let seed = write_seed(dir.path(), example);
    let server = Server::start_with(&backend, &["--config", seed.to_str().expect("path")]);
    let pool = server
        .call(
            "DescribeUserPool",
            r#"{"UserPoolId":"us-east-1_Example01"}"#,
        )
        .json();
    assert_eq!(pool["UserPool"]["Name"], "my-app");
    let clients = server
        .call(
            "ListUserPoolClients",
            r#"{"UserPoolId":"us-east-1_Example01"}"#,
        )
        .json();
    assert_eq!(clients["UserPoolClients"].as_array().map(Vec::len), Some(2));
    let users = server
        .call("ListUsers", r#"{"UserPoolId":"us-east-1_Example01"}"#)
        .json();
    assert_eq!(users["Users"].as_array().map(Vec::len), Some(3));
}
