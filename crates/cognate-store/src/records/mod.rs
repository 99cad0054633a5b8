//! Typed access to the tables, one entity per file. Each function takes the `Conn` of
//! the caller's transaction; entity state beyond the indexed columns is JSON (`doc`)
//! that the domain owns.

pub mod auth;
pub mod client;
pub mod code;
pub mod device;
pub mod group_member;
pub mod oauth_code;
pub mod outbox;
pub mod point_in_time_recovery;
pub mod pool_object;
pub mod provisioned_limit;
pub mod service_setting;
pub mod user;
pub mod user_import_job;
pub mod user_pool;
pub mod user_pool_domain;
pub mod webauthn_credential;

/// Order and position of a page: rows after `after` (exclusive), at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub after: Option<String>,
    pub limit: usize,
}

/// A page of rows and the key to continue after, if more remain.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Splits `rows` (fetched with `limit + 1`) into a page; `key` gives a row's position.
pub(crate) fn paginate<T>(mut rows: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(&key);
        Page { items: rows, next }
    } else {
        Page {
            items: rows,
            next: None,
        }
    }
}
