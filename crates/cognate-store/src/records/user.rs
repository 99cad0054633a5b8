//! `users` and `user_attributes`: a user's row (indexed columns plus the domain's JSON
//! document) and one index row per searchable or alias attribute, so that equality and
//! prefix filters, alias lookups and sign-in by email or phone are index range scans.

use super::{Page, PageRequest};
use crate::{params, Conn, Row, StoreError, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub pool_id: String,
    /// The username as looked up (lower-cased in case-insensitive pools).
    pub username_key: String,
    pub username: String,
    pub sub: String,
    pub status: String,
    pub enabled: bool,
    pub created_at: f64,
    pub updated_at: f64,
    pub doc: String,
}

/// An index entry: attribute `name` of the user has `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: String,
    pub value: String,
}

/// A filter on one indexed attribute: equal to `value`, or starting with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    pub value: String,
    pub prefix: bool,
}

const COLUMNS: &str = "u.pool_id, u.username_key, u.username, u.sub, u.status, u.enabled, u.created_at, u.updated_at, u.doc";

fn from_row(r: &Row) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        pool_id: r.text(0)?,
        username_key: r.text(1)?,
        username: r.text(2)?,
        sub: r.text(3)?,
        status: r.text(4)?,
        enabled: r.int(5)? != 0,
        created_at: r.real(6)?,
        updated_at: r.real(7)?,
        doc: r.text(8)?,
    })
}

/// Brings the user's index rows to `index`, touching only the rows that change (most
/// updates change one entry or none).
fn write_index(
    conn: &mut dyn Conn,
    pool_id: &str,
    key: &str,
    index: &[IndexEntry],
) -> Result<(), StoreError> {
    let current = conn.query(
        "SELECT name, value FROM user_attributes WHERE pool_id = $1 AND username_key = $2",
        params![pool_id, key],
    )?;
    let current: Vec<(String, String)> = current
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect::<Result<_, StoreError>>()?;
    for (name, value) in &current {
        if !index.iter().any(|e| &e.name == name && &e.value == value) {
            conn.execute_later(
                "DELETE FROM user_attributes WHERE pool_id = $1 AND name = $2 AND value = $3 AND username_key = $4",
                params![pool_id, name, value, key],
            )?;
        }
    }
    for e in index {
        if !current.iter().any(|(n, v)| *n == e.name && *v == e.value) {
            conn.execute_later(
                "INSERT INTO user_attributes (pool_id, name, value, username_key) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
                params![pool_id, &e.name, &e.value, key],
            )?;
        }
    }
    Ok(())
}

/// Inserts a user and its index entries and counts it in its pool.
pub fn insert(conn: &mut dyn Conn, row: &UserRow, index: &[IndexEntry]) -> Result<(), StoreError> {
    conn.execute_later(
        "INSERT INTO users (pool_id, username_key, username, sub, status, enabled, created_at, updated_at, doc) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            &row.pool_id,
            &row.username_key,
            &row.username,
            &row.sub,
            &row.status,
            row.enabled,
            row.created_at,
            row.updated_at,
            &row.doc
        ],
    )?;
    // A new user's key has no index rows (deleting a user deletes them): its entries go
    // in with one statement, without reading what is there first.
    let entries: Vec<(&str, &IndexEntry)> = index
        .iter()
        .map(|e| (row.username_key.as_str(), e))
        .collect();
    insert_entries(conn, &row.pool_id, &entries)?;
    super::user_pool::add_users(conn, &row.pool_id, 1)
}

/// Users per multi-row INSERT (9 parameters each) and index entries per INSERT (3 each
/// and the pool's id): far below both engines' limits on parameters.
const USERS_PER_INSERT: usize = 100;
const ENTRIES_PER_INSERT: usize = 300;
/// Usernames per lookup of `existing_keys`.
const KEYS_PER_QUERY: usize = 500;

/// Inserts new users and their index entries with a few multi-row statements, without
/// counting them in their pool: for bulk imports, which write many users per
/// transaction and count them once with `user_pool::add_users`. A statement per row
/// is most of the time such a write takes (PostgreSQL's round trips, SQLite's
/// statement journal). The users must be new, of one pool, each named once.
pub fn insert_new(
    conn: &mut dyn Conn,
    pool_id: &str,
    users: &[(UserRow, Vec<IndexEntry>)],
) -> Result<(), StoreError> {
    for chunk in users.chunks(USERS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO users (pool_id, username_key, username, sub, status, enabled, created_at, updated_at, doc) VALUES ",
        );
        let mut values = Vec::with_capacity(9 * chunk.len());
        for (i, (row, _)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = 9 * i;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8,
                n + 9
            ));
            values.extend([
                Value::from(row.pool_id.as_str()),
                Value::from(row.username_key.as_str()),
                Value::from(row.username.as_str()),
                Value::from(row.sub.as_str()),
                Value::from(row.status.as_str()),
                Value::from(row.enabled),
                Value::from(row.created_at),
                Value::from(row.updated_at),
                Value::from(row.doc.as_str()),
            ]);
        }
        conn.execute(&sql, &values)?;
    }
    let entries: Vec<(&str, &IndexEntry)> = users
        .iter()
        .flat_map(|(row, index)| index.iter().map(|e| (row.username_key.as_str(), e)))
        .collect();
    insert_entries(conn, pool_id, &entries)
}

/// Inserts index entries, each (username key, entry), with a statement per few
/// hundred.
fn insert_entries(
    conn: &mut dyn Conn,
    pool_id: &str,
    entries: &[(&str, &IndexEntry)],
) -> Result<(), StoreError> {
    for chunk in entries.chunks(ENTRIES_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO user_attributes (pool_id, name, value, username_key) VALUES ",
        );
        let mut values = Vec::with_capacity(1 + 3 * chunk.len());
        values.push(Value::from(pool_id));
        for (i, (key, e)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = 1 + 3 * i;
            sql.push_str(&format!("($1, ${}, ${}, ${})", n + 1, n + 2, n + 3));
            values.extend([
                Value::from(e.name.as_str()),
                Value::from(e.value.as_str()),
                Value::from(*key),
            ]);
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        conn.execute_later(&sql, &values)?;
    }
    Ok(())
}

/// Which of `keys` name users of the pool (one query per few hundred keys).
pub fn existing_keys(
    conn: &mut dyn Conn,
    pool_id: &str,
    keys: &[&str],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let mut values = Vec::with_capacity(1 + chunk.len());
        values.push(Value::from(pool_id));
        values.extend(chunk.iter().map(|k| Value::from(*k)));
        let rows = conn.query(
            &format!(
                "SELECT username_key FROM users WHERE pool_id = $1 AND username_key IN ({})",
                placeholders.join(", ")
            ),
            &values,
        )?;
        for r in &rows {
            found.insert(r.text(0)?);
        }
    }
    Ok(found)
}

/// Replaces a user's row and index entries.
pub fn update(conn: &mut dyn Conn, row: &UserRow, index: &[IndexEntry]) -> Result<(), StoreError> {
    conn.execute_later(
        "UPDATE users SET username = $3, status = $4, enabled = $5, updated_at = $6, doc = $7 \
         WHERE pool_id = $1 AND username_key = $2",
        params![
            &row.pool_id,
            &row.username_key,
            &row.username,
            &row.status,
            row.enabled,
            row.updated_at,
            &row.doc
        ],
    )?;
    write_index(conn, &row.pool_id, &row.username_key, index)
}

pub fn get(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<Option<UserRow>, StoreError> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM users u WHERE u.pool_id = $1 AND u.username_key = $2"),
        params![pool_id, username_key],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// The pool's version and, in the same statement, the user with `username_key` (None
/// when the pool does not exist): a cached view of the pool was current for this read
/// exactly when the version is its own.
pub fn get_with_pool_version(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<Option<(i64, Option<UserRow>)>, StoreError> {
    let Some(row) = conn.query_opt(
        &format!(
            "SELECT p.version, {COLUMNS} FROM user_pools p \
             LEFT JOIN users u ON u.pool_id = p.id AND u.username_key = $2 WHERE p.id = $1"
        ),
        params![pool_id, username_key],
    )?
    else {
        return Ok(None);
    };
    let (head, user) = split_joined(row, 1)?;
    Ok(Some((head.int(0)?, user)))
}

/// As `get_with_pool_version`, with whether the session whose tokens carry
/// `origin_jti` was revoked: what an access token's use reads, in one statement.
pub fn get_for_session(
    conn: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    origin_jti: &str,
) -> Result<Option<(i64, bool, Option<UserRow>)>, StoreError> {
    let Some(row) = conn.query_opt(
        &format!(
            "SELECT p.version, \
             EXISTS (SELECT 1 FROM revoked_tokens WHERE origin_jti = $3), {COLUMNS} \
             FROM user_pools p \
             LEFT JOIN users u ON u.pool_id = p.id AND u.username_key = $2 WHERE p.id = $1"
        ),
        params![pool_id, username_key, origin_jti],
    )?
    else {
        return Ok(None);
    };
    let (head, user) = split_joined(row, 2)?;
    Ok(Some((head.int(0)?, head.int(1)? != 0, user)))
}

/// A row of `n` leading columns and a user's columns from a LEFT JOIN: the leading
/// columns, and the user if one matched.
fn split_joined(row: Row, n: usize) -> Result<(Row, Option<UserRow>), StoreError> {
    let mut head = row.0;
    let user = Row(head.split_off(n.min(head.len())));
    let user = match user.0.first() {
        None | Some(Value::Null) => None,
        Some(_) => Some(from_row(&user)?),
    };
    Ok((Row(head), user))
}

/// The username keys of users whose attribute `name` is `value`.
pub fn find_by_attribute(
    conn: &mut dyn Conn,
    pool_id: &str,
    name: &str,
    value: &str,
) -> Result<Vec<String>, StoreError> {
    let rows = conn.query(
        "SELECT username_key FROM user_attributes WHERE pool_id = $1 AND name = $2 AND value = $3 ORDER BY username_key",
        params![pool_id, name, value],
    )?;
    rows.iter().map(|r| r.text(0)).collect()
}

/// Deletes a user and everything that is theirs; uncounts it from its pool.
pub fn delete(conn: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<bool, StoreError> {
    for table in [
        "user_attributes",
        "group_members",
        "devices",
        "webauthn_credentials",
        "refresh_tokens",
        "codes",
        "sign_in_failures",
    ] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE pool_id = $1 AND username_key = $2"),
            params![pool_id, username_key],
        )?;
    }
    let n = conn.execute(
        "DELETE FROM users WHERE pool_id = $1 AND username_key = $2",
        params![pool_id, username_key],
    )?;
    if n == 1 {
        super::user_pool::add_users(conn, pool_id, -1)?;
    }
    Ok(n == 1)
}

/// The smallest string greater than every string starting with `prefix`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Users of a pool, in username-key order, or (with a filter) in order of the filtered
/// value then username key. The page position is the last row's sort key, so pages stay
/// valid while users are added or deleted.
pub fn list(
    conn: &mut dyn Conn,
    pool_id: &str,
    filter: Option<&Filter>,
    page: &PageRequest,
) -> Result<Page<UserRow>, StoreError> {
    let limit = page.limit + 1;
    let (rows, keyed): (Vec<Row>, bool) = match filter {
        None => {
            let after = page.after.clone().unwrap_or_default();
            (
                conn.query(
                    &format!(
                        "SELECT {COLUMNS} FROM users u WHERE u.pool_id = $1 AND u.username_key > $2 ORDER BY u.username_key LIMIT $3"
                    ),
                    params![pool_id, after, limit],
                )?,
                false,
            )
        }
        Some(f) => {
            // The scan starts at the page position (or the filter's value), so the
            // index range is bounded by one parameter: SQLite would otherwise take the
            // continuation's `value > ''` as the range start and scan from the
            // beginning.
            // The position is `value NUL username-key`; a username key has no NUL but
            // a value may, so the key is what follows the last one.
            let (start, after_key) = match &page.after {
                Some(a) => match a.rsplit_once('\u{0}') {
                    Some((v, k)) => (v.to_string(), k.to_string()),
                    None => (a.clone(), String::new()),
                },
                None => (f.value.clone(), String::new()),
            };
            let rows = if f.prefix {
                conn.query(
                    &format!(
                        "SELECT {COLUMNS}, a.value FROM user_attributes a \
                         JOIN users u ON u.pool_id = a.pool_id AND u.username_key = a.username_key \
                         WHERE a.pool_id = $1 AND a.name = $2 AND a.value >= $3 AND a.value < $4 \
                         AND (a.value > $3 OR a.username_key > $5) \
                         ORDER BY a.value, a.username_key LIMIT $6"
                    ),
                    &[
                        Value::from(pool_id),
                        Value::from(f.name.as_str()),
                        Value::from(start),
                        Value::from(prefix_end(&f.value)),
                        Value::from(after_key),
                        Value::from(limit),
                    ],
                )?
            } else {
                conn.query(
                    &format!(
                        "SELECT {COLUMNS}, a.value FROM user_attributes a \
                         JOIN users u ON u.pool_id = a.pool_id AND u.username_key = a.username_key \
                         WHERE a.pool_id = $1 AND a.name = $2 AND a.value = $3 AND a.username_key > $4 \
                         ORDER BY a.username_key LIMIT $5"
                    ),
                    &[
                        Value::from(pool_id),
                        Value::from(f.name.as_str()),
                        Value::from(f.value.as_str()),
                        Value::from(after_key),
                        Value::from(limit),
                    ],
                )?
            };
            (rows, true)
        }
    };
    let mut items = Vec::with_capacity(rows.len());
    let mut positions = Vec::with_capacity(rows.len());
    for r in &rows {
        let user = from_row(r)?;
        positions.push(if keyed {
            format!("{}\u{0}{}", r.text(9)?, user.username_key)
        } else {
            user.username_key.clone()
        });
        items.push(user);
    }
    let next = if items.len() > page.limit {
        items.truncate(page.limit);
        positions.get(page.limit - 1).cloned()
    } else {
        None
    };
    Ok(Page { items, next })
}
