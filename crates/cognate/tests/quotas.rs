//! Request-rate quotas: GetProvisionedLimit and UpdateProvisionedLimit through the Rust
//! SDK (defaults, raising, AWS's refusals), and `--enforce-quotas`: a burst past a
//! category's rate is refused with TooManyRequestsException, never without the flag;
//! a raised limit lets more through; pools are counted apart; nodes on one PostgreSQL
//! database share the rate.

mod common;

use aws_sdk_cognitoidentityprovider::types::{LimitClass, LimitDefinitionType};
use aws_sdk_cognitoidentityprovider::Client;
use common::*;
use serde_json::json;

fn category(name: &str) -> LimitDefinitionType {
    LimitDefinitionType::builder()
        .limit_class(LimitClass::ApiCategory)
        .attributes("Category", name)
        .build()
        .expect("definition")
}

async fn limit(c: &Client, name: &str) -> (i32, i32) {
    let got = c
        .get_provisioned_limit()
        .limit_definition(category(name))
        .send()
        .await
        .expect("get limit");
    let l = got.limit().expect("limit");
    assert_eq!(
        l.limit_definition()
            .and_then(|d| d.attributes().get("Category"))
            .map(String::as_str),
        Some(name)
    );
    (l.provisioned_limit_value(), l.free_limit_value())
}

async fn raise(c: &Client, name: &str, value: i32) -> Result<(i32, i32), (String, String)> {
    c.update_provisioned_limit()
        .limit_definition(category(name))
        .requested_limit_value(value)
        .send()
        .await
        .map(|r| {
            let l = r.limit().expect("limit");
            (l.provisioned_limit_value(), l.free_limit_value())
        })
        .map_err(|e| (code(&e), message(&e)))
}

#[tokio::test]
async fn provisioned_limits_are_read_raised_and_kept() {
    let (backend, _dir) = Backend::sqlite();
    let mut server = Server::start(&backend);
    let c = server.client();
    assert_eq!(limit(&c, "UserAuthentication").await, (120, 120));
    assert_eq!(limit(&c, "UserCreation").await, (50, 50));
    assert_eq!(limit(&c, "UserPoolRead").await, (15, 15));
    assert_eq!(raise(&c, "UserAuthentication", 200).await, Ok((200, 120)));
    assert_eq!(limit(&c, "UserAuthentication").await, (200, 120));
    // Limits belong to a region.
    assert_eq!(
        limit(&server.client_in("eu-west-1"), "UserAuthentication").await,
        (120, 120)
    );
    // AWS's refusals.
    let (code, msg) = raise(&c, "UserUpdate", 50)
        .await
        .expect_err("not adjustable");
    assert_eq!(code, "InvalidParameterException", "{msg}");
    let (code, _) = raise(&c, "UserCreation", 10)
        .await
        .expect_err("below default");
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = raise(&c, "UserCreation", 100_000)
        .await
        .expect_err("above max");
    assert_eq!(code, "ServiceQuotaExceededException");
    let (code, _) = raise(&c, "NoSuchCategory", 100).await.expect_err("unknown");
    assert_eq!(code, "InvalidParameterException");
    let no_category = c
        .get_provisioned_limit()
        .limit_definition(
            LimitDefinitionType::builder()
                .limit_class(LimitClass::ApiCategory)
                .attributes("Operation", "InitiateAuth")
                .build()
                .expect("definition"),
        )
        .send()
        .await;
    assert_eq!(fails(no_category).0, "InvalidParameterException");
    // A refused update changed nothing; an answered one survives a restart.
    assert_eq!(limit(&c, "UserCreation").await, (50, 50));
    server.kill();
    let server = Server::start(&backend);
    assert_eq!(
        limit(&server.client(), "UserAuthentication").await,
        (200, 120)
    );
}

/// Sends `count` requests of `op` at once from 8 threads; how many were throttled, and
/// how many seconds the burst took (a rate refills while it runs).
fn burst(server: &Server, op: &str, body: &str, count: usize) -> (usize, f64) {
    let started = std::time::Instant::now();
    let throttled = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..count / 8 {
                    let r = server.call(op, body);
                    match r.status {
                        200 => {}
                        _ if r.error_type() == "TooManyRequestsException" => {
                            throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        _ => panic!("{op} answered {} {}", r.status, r.body),
                    }
                }
            });
        }
    });
    (throttled.into_inner(), started.elapsed().as_secs_f64())
}

/// At most what a bucket of `rate` lets through in a burst of `seconds`: one second's
/// worth at once, then the rate (and a little for timing).
fn allowance(rate: f64, seconds: f64) -> usize {
    (rate * (1.0 + seconds) + 3.0) as usize
}

#[tokio::test]
async fn a_burst_past_a_rate_is_throttled_only_when_quotas_are_enforced() {
    let open = Server::sqlite();
    let pool = create_pool(&open.client(), "open").await;
    let describe = json!({"UserPoolId": pool}).to_string();
    assert_eq!(burst(&open, "DescribeUserPool", &describe, 80).0, 0);

    let server = Server::sqlite_with(&["--enforce-quotas"]);
    let c = server.client();
    let pool = create_pool(&c, "limited").await;
    let other = create_pool(&c, "other").await;
    // UserPoolRead allows 15 a second: most of a burst of 80 is refused.
    let describe = json!({"UserPoolId": pool}).to_string();
    let (throttled, seconds) = burst(&server, "DescribeUserPool", &describe, 80);
    assert!(
        80 - throttled <= allowance(15.0, seconds),
        "{throttled} of 80 throttled in {seconds} s"
    );
    let r = server.call("DescribeUserPool", &describe);
    assert_eq!(r.error_type(), "TooManyRequestsException");
    assert_eq!(r.message(), "Rate exceeded");
    // Another pool has its own allowance, and other categories are untouched.
    let r = server.call(
        "DescribeUserPool",
        &json!({"UserPoolId": other}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = server.call("ListUsers", &describe);
    assert_eq!(r.status, 200, "{}", r.body);
    // The allowance comes back with time.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = server.call("DescribeUserPool", &describe);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_raised_limit_lets_more_through() {
    let server = Server::sqlite_with(&["--enforce-quotas"]);
    let c = server.client();
    let pool = create_pool(&c, "raised").await;
    create_user(&c, &pool, "alice", None).await;
    let get = json!({"UserPoolId": pool, "Username": "alice"}).to_string();
    // UserRead allows 120 a second by default.
    let (throttled, seconds) = burst(&server, "AdminGetUser", &get, 400);
    assert!(
        throttled > 0 && 400 - throttled <= allowance(120.0, seconds),
        "{throttled} of 400 throttled in {seconds} s at the default"
    );
    assert_eq!(raise(&c, "UserRead", 1200).await, Ok((1200, 120)));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(burst(&server, "AdminGetUser", &get, 400).0, 0);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
async fn nodes_on_one_database_share_the_rate() {
    let backend = Backend::postgres();
    let first = Server::start_with(&backend, &["--enforce-quotas"]);
    let second = Server::start_with(&backend, &["--enforce-quotas"]);
    let pool = create_pool(&first.client(), "shared").await;
    // Each node counts the other within a refresh (5 s).
    std::thread::sleep(std::time::Duration::from_secs(6));
    let list = json!({"UserPoolId": pool}).to_string();
    // UserList allows 30 a second in all: each node lets through about half.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| burst(&first, "ListUsers", &list, 120));
        let b = s.spawn(|| burst(&second, "ListUsers", &list, 120));
        (
            a.join().expect("first node"),
            b.join().expect("second node"),
        )
    });
    let passed = 240 - a.0 - b.0;
    let seconds = a.1.max(b.1);
    assert!(
        passed >= 10 && passed <= allowance(30.0, seconds),
        "{passed} of 240 passed in {seconds} s on two nodes sharing 30 a second"
    );
}
