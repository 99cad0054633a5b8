//! `user_pool_domains`: the domains of user pools (prefix and custom), found by name
//! (each name belongs to at most one pool, as AWS's are unique) or listed per pool.

use crate::{params, Conn, Row, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct DomainRow {
    pub domain: String,
    pub pool_id: String,
    pub doc: String,
}

fn from_row(r: &Row) -> Result<DomainRow, StoreError> {
    Ok(DomainRow {
        domain: r.text(0)?,
        pool_id: r.text(1)?,
        doc: r.text(2)?,
    })
}

/// The domains configured for the pool.
pub fn of_pool(conn: &mut dyn Conn, pool_id: &str) -> Result<Vec<String>, StoreError> {
    conn.query(
        "SELECT domain FROM user_pool_domains WHERE pool_id = $1",
        params![pool_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// The pool's domains with their documents.
pub fn rows_of_pool(conn: &mut dyn Conn, pool_id: &str) -> Result<Vec<DomainRow>, StoreError> {
    conn.query(
        "SELECT domain, pool_id, doc FROM user_pool_domains WHERE pool_id = $1 ORDER BY domain",
        params![pool_id],
    )?
    .iter()
    .map(from_row)
    .collect()
}

pub fn get(conn: &mut dyn Conn, domain: &str) -> Result<Option<DomainRow>, StoreError> {
    conn.query_opt(
        "SELECT domain, pool_id, doc FROM user_pool_domains WHERE domain = $1",
        params![domain],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

pub fn insert(conn: &mut dyn Conn, row: &DomainRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO user_pool_domains (domain, pool_id, doc) VALUES ($1, $2, $3)",
        params![&row.domain, &row.pool_id, &row.doc],
    )?;
    Ok(())
}

pub fn update_doc(conn: &mut dyn Conn, domain: &str, doc: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE user_pool_domains SET doc = $1 WHERE domain = $2",
        params![doc, domain],
    )?;
    Ok(())
}

pub fn delete(conn: &mut dyn Conn, domain: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM user_pool_domains WHERE domain = $1",
        params![domain],
    )?;
    Ok(())
}
