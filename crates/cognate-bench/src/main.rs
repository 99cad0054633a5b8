//! The benchmark: starts the release `cognate` binary and reports cold start, idle and
//! peak RSS, and throughput with p50/p99 latency of operations under concurrent
//! keep-alive load from this process (on the same machine, as users run it).
//!
//! `scripts/bench.sh [--seconds N] [--connections N] [--users N] [--database-url URL]`
//! (`--help` lists every flag).

mod auth;
mod load;
mod oauth;
mod sign_up;

use clap::Parser;
use load::{run_load, LoadResult};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Measures cognate: cold start, idle and peak RSS, and throughput with p50/p99 latency
/// of operations under concurrent keep-alive load.
#[derive(Parser, Debug)]
#[command(name = "cognate-bench")]
pub(crate) struct Options {
    /// Users to create before measuring ListUsers and paging through them; 0 skips
    /// that part.
    #[arg(long, default_value_t = 100_000)]
    users: usize,

    /// Seconds each load run lasts.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,

    /// Concurrent keep-alive connections of each load run.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,

    /// Run the server on this PostgreSQL database (postgres://user@host:port/db) instead
    /// of SQLite in a temporary directory.
    #[arg(long)]
    database_url: Option<String>,

    /// The cognate binary to measure (build it with `cargo build --release`).
    #[arg(long, default_value_os_t = default_binary())]
    binary: PathBuf,
}

/// `cognate` beside this executable, as cargo builds them.
fn default_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("cognate")))
        .unwrap_or_else(|| PathBuf::from("cognate"))
}

struct Running {
    child: Child,
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(o: &Options, data: &std::path::Path) -> (Running, Duration) {
    let started = Instant::now();
    let mut cmd = Command::new(&o.binary);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--log", "warn"]);
    match &o.database_url {
        Some(url) => cmd.args(["--database-url", url]),
        None => cmd.arg("--data").arg(data),
    };
    // PostgreSQL requires a master key: the benchmark's own unless one is given.
    if o.database_url.is_some()
        && std::env::var_os("COGNATE_MASTER_KEY").is_none()
        && std::env::var_os("COGNATE_MASTER_KEY_FILE").is_none()
    {
        cmd.env(
            "COGNATE_MASTER_KEY",
            "YmVuY2htYXJrLW1hc3Rlci1rZXktMzItYnl0ZXMhISE=",
        );
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e} (build it: cargo build --release)",
                o.binary.display()
            )
        });
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("listening line");
    let addr = line.trim().trim_start_matches("listening on ").to_string();
    // Ready means answering: the first request answered ends the cold start.
    loop {
        if load::blocking_request(&addr, "GET", "/_cognate/health", None, "")
            .is_some_and(|(s, _)| s == 200)
        {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    (Running { child, addr }, started.elapsed())
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

pub(crate) fn call(addr: &str, op: &str, body: &str) -> serde_json::Value {
    let (status, text) =
        load::blocking_request(addr, "POST", "/", Some(op), body).expect("request");
    assert_eq!(status, 200, "{op}: {text}");
    serde_json::from_str(&text).expect("json")
}

pub(crate) fn report(name: &str, r: &LoadResult) {
    println!(
        "| {name} | {:.0} | {:.3} | {:.3} | {} |",
        r.per_second(),
        r.percentile_ms(50.0),
        r.percentile_ms(99.0),
        r.errors
    );
}

fn main() {
    let o = Options::parse();
    let engine = if o.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "# cognate benchmark ({engine}, {} connections, {} s per run)\n",
        o.connections, o.seconds
    );

    // Cold start: a fresh data directory each time; the median of 9.
    let mut starts = Vec::new();
    for _ in 0..9 {
        let dir = tempfile::tempdir().expect("temp dir");
        let (server, took) = start(&o, dir.path());
        starts.push(took);
        drop(server);
    }
    starts.sort();
    println!(
        "cold start to first answered request: median {:.1} ms (min {:.1}, max {:.1})",
        ms(starts[4]),
        ms(starts[0]),
        ms(starts[8])
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let (server, _) = start(&o, dir.path());
    let pid = server.child.id();
    let pool = call(&server.addr, "CreateUserPool", r#"{"PoolName":"bench"}"#);
    let pool_id = pool["UserPool"]["Id"].as_str().expect("id").to_string();
    let group_pool = pool_id.clone();
    for i in 0..9 {
        call(
            &server.addr,
            "CreateUserPool",
            &format!(r#"{{"PoolName":"other{i}"}}"#),
        );
    }
    std::thread::sleep(Duration::from_millis(200));
    println!(
        "idle RSS: {:.1} MiB",
        rss_kib(pid, "VmRSS:") as f64 / 1024.0
    );

    println!("\n| operation | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let describe = format!(r#"{{"UserPoolId":"{pool_id}"}}"#);
    let r = runtime.block_on(run_load(
        &server.addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |_| ("DescribeUserPool".to_string(), describe.clone()),
    ));
    report("DescribeUserPool", &r);
    let r = runtime.block_on(run_load(
        &server.addr,
        o.connections,
        Duration::from_secs(o.seconds),
        |_| {
            (
                "ListUserPools".to_string(),
                r#"{"MaxResults":10}"#.to_string(),
            )
        },
    ));
    report("ListUserPools (10 pools)", &r);
    let r = runtime.block_on(run_load(
        &server.addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |n| {
            (
                "CreateGroup".to_string(),
                format!(r#"{{"UserPoolId":"{group_pool}","GroupName":"g{n}"}}"#),
            )
        },
    ));
    report("CreateGroup (durable write)", &r);

    call(
        &server.addr,
        "AdminCreateUser",
        &format!(r#"{{"UserPoolId":"{pool_id}","Username":"probe","MessageAction":"SUPPRESS"}}"#),
    );
    let get_user = format!(r#"{{"UserPoolId":"{pool_id}","Username":"probe"}}"#);
    let r = runtime.block_on(run_load(
        &server.addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |_| ("AdminGetUser".to_string(), get_user.clone()),
    ));
    report("AdminGetUser", &r);

    auth::run(&runtime, &server.addr, pid, &o);
    sign_up::run(&runtime, &server.addr, pid, &o);
    oauth::run(&runtime, &server.addr, pid, &o);

    if o.users > 0 {
        users(&runtime, &server.addr, &pool_id, &o);
    }
    println!(
        "\npeak RSS: {:.1} MiB",
        rss_kib(pid, "VmHWM:") as f64 / 1024.0
    );
}

/// Creates `o.users` users (AdminCreateUser, then AdminSetUserPassword, per user), then
/// measures filtered ListUsers and a walk through every page.
fn users(runtime: &tokio::runtime::Runtime, addr: &str, pool_id: &str, o: &Options) {
    let total = o.users as u64;
    let pool = pool_id.to_string();
    let started = Instant::now();
    // Each client creates a user and then sets its password: user n is handled by one
    // client from start to end.
    let created = runtime.block_on(load::run_pairs(addr, o.connections, total, move |i| {
        (
            (
                "AdminCreateUser".to_string(),
                format!(
                    r#"{{"UserPoolId":"{pool}","Username":"user{i:06}","MessageAction":"SUPPRESS","UserAttributes":[{{"Name":"email","Value":"user{i:06}@example.com"}},{{"Name":"given_name","Value":"Given{:03}"}}]}}"#,
                    i % 1000
                ),
            ),
            (
                "AdminSetUserPassword".to_string(),
                format!(r#"{{"UserPoolId":"{pool}","Username":"user{i:06}","Password":"Passw0rd!{i}","Permanent":true}}"#),
            ),
        )
    }));
    let took = started.elapsed();
    println!(
        "\n{total} users created (AdminCreateUser + AdminSetUserPassword, {} clients) in {:.1} s: {:.0} users/s, {} errors",
        o.connections,
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        created.errors
    );
    println!("\n| query at {total} users | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|");
    let pool = pool_id.to_string();
    let r = runtime.block_on(run_load(
        addr,
        o.connections,
        Duration::from_secs(o.seconds),
        move |k| {
            (
                "ListUsers".to_string(),
                format!(
                    r#"{{"UserPoolId":"{pool}","Filter":"email = \"user{:06}@example.com\""}}"#,
                    (k * 7919) % total
                ),
            )
        },
    ));
    report("ListUsers email = \"...\"", &r);
    let pool = pool_id.to_string();
    let r = runtime.block_on(run_load(addr, o.connections, Duration::from_secs(o.seconds), move |k| {
        (
            "ListUsers".to_string(),
            format!(r#"{{"UserPoolId":"{pool}","Filter":"given_name ^= \"Given{:03}\"","Limit":60}}"#, k % 1000),
        )
    }));
    report("ListUsers given_name ^= \"...\" (first page of 60)", &r);
    // Latency alone: one client, no queueing behind others.
    let pool = pool_id.to_string();
    let r = runtime.block_on(run_load(
        addr,
        1,
        Duration::from_secs(o.seconds),
        move |k| {
            (
                "ListUsers".to_string(),
                format!(
                    r#"{{"UserPoolId":"{pool}","Filter":"email = \"user{:06}@example.com\""}}"#,
                    (k * 7919) % total
                ),
            )
        },
    ));
    report("ListUsers email = \"...\", 1 client", &r);
    let pool = pool_id.to_string();
    let r = runtime.block_on(run_load(addr, 1, Duration::from_secs(o.seconds), move |k| {
        (
            "ListUsers".to_string(),
            format!(r#"{{"UserPoolId":"{pool}","Filter":"given_name ^= \"Given{:03}\"","Limit":60}}"#, k % 1000),
        )
    }));
    report(
        "ListUsers given_name ^= \"...\", first page of 60, 1 client",
        &r,
    );

    let started = Instant::now();
    let mut token: Option<String> = None;
    let mut seen = 0usize;
    loop {
        let body = match &token {
            Some(t) => {
                format!(r#"{{"UserPoolId":"{pool_id}","Limit":60,"PaginationToken":"{t}"}}"#)
            }
            None => format!(r#"{{"UserPoolId":"{pool_id}","Limit":60}}"#),
        };
        let page = call(addr, "ListUsers", &body);
        seen += page["Users"].as_array().map_or(0, Vec::len);
        match page["PaginationToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    println!(
        "\npaging through all {seen} users (60 a page, one client): {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
