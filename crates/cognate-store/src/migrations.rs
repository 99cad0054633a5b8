//! Versioned schema migrations, run at start. Each engine has its own SQL files (types
//! differ); both describe the same tables.

/// (version, SQLite script, PostgreSQL script), oldest first. Never edit a released one:
/// add the next.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        include_str!("migrations/sqlite/0001_schema.sql"),
        include_str!("migrations/postgres/0001_schema.sql"),
    ),
    (
        2,
        include_str!("migrations/sqlite/0002_pool_version.sql"),
        include_str!("migrations/postgres/0002_pool_version.sql"),
    ),
    (
        3,
        include_str!("migrations/sqlite/0003_user_index_by_user.sql"),
        include_str!("migrations/postgres/0003_user_index_by_user.sql"),
    ),
    (
        4,
        include_str!("migrations/sqlite/0004_user_counts.sql"),
        include_str!("migrations/postgres/0004_user_counts.sql"),
    ),
    (
        5,
        include_str!("migrations/sqlite/0005_sign_in_failure_time.sql"),
        include_str!("migrations/postgres/0005_sign_in_failure_time.sql"),
    ),
    (
        6,
        include_str!("migrations/sqlite/0006_user_import_jobs.sql"),
        include_str!("migrations/postgres/0006_user_import_jobs.sql"),
    ),
    (
        7,
        include_str!("migrations/sqlite/0007_point_in_time_recovery.sql"),
        include_str!("migrations/postgres/0007_point_in_time_recovery.sql"),
    ),
    (
        8,
        include_str!("migrations/sqlite/0008_provisioned_limits.sql"),
        include_str!("migrations/postgres/0008_provisioned_limits.sql"),
    ),
];

/// Tables holding API state, in creation order (reset deletes them in reverse).
pub const TABLES: &[&str] = &[
    "user_pools",
    "user_pool_clients",
    "pool_objects",
    "user_pool_domains",
    "users",
    "user_attributes",
    "group_members",
    "devices",
    "webauthn_credentials",
    "refresh_tokens",
    "revoked_tokens",
    "auth_sessions",
    "codes",
    "sign_in_failures",
    "signing_keys",
    "oauth_codes",
    "hosted_sessions",
    "outbox_messages",
    "pool_user_counts",
    "user_import_jobs",
    "provisioned_limits",
    "user_import_files",
    "point_in_time_recoveries",
    // Last: deleting a pool's users writes their history, which goes after them.
    "pool_history",
];

pub const CREATE_VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)";

pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
