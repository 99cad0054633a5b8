//! `user_pool_clients`: app clients, found by client id alone (sign-in requests carry
//! only the client id) or listed per pool.

use super::{paginate, Page, PageRequest};
use crate::{params, Conn, Row, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct ClientRow {
    pub client_id: String,
    pub pool_id: String,
    pub name: String,
    pub created_at: f64,
    pub doc: String,
}

const COLUMNS: &str = "client_id, pool_id, name, created_at, doc";

fn from_row(r: &Row) -> Result<ClientRow, StoreError> {
    Ok(ClientRow {
        client_id: r.text(0)?,
        pool_id: r.text(1)?,
        name: r.text(2)?,
        created_at: r.real(3)?,
        doc: r.text(4)?,
    })
}

pub fn insert(conn: &mut dyn Conn, row: &ClientRow) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT INTO user_pool_clients ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)"),
        params![
            &row.client_id,
            &row.pool_id,
            &row.name,
            row.created_at,
            &row.doc
        ],
    )?;
    Ok(())
}

pub fn get(conn: &mut dyn Conn, client_id: &str) -> Result<Option<ClientRow>, StoreError> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM user_pool_clients WHERE client_id = $1"),
        params![client_id],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// The id of a client of the pool named `name`, if any (names need not be unique).
pub fn id_by_name(
    conn: &mut dyn Conn,
    pool_id: &str,
    name: &str,
) -> Result<Option<String>, StoreError> {
    conn.query_opt(
        "SELECT client_id FROM user_pool_clients WHERE pool_id = $1 AND name = $2",
        params![pool_id, name],
    )?
    .map(|r| r.text(0))
    .transpose()
}

pub fn update(conn: &mut dyn Conn, row: &ClientRow) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE user_pool_clients SET name = $2, doc = $3 WHERE client_id = $1",
        params![&row.client_id, &row.name, &row.doc],
    )?;
    Ok(n == 1)
}

pub fn delete(conn: &mut dyn Conn, client_id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM user_pool_clients WHERE client_id = $1",
        params![client_id],
    )? == 1)
}

pub fn list(
    conn: &mut dyn Conn,
    pool_id: &str,
    page: &PageRequest,
) -> Result<Page<ClientRow>, StoreError> {
    let after = page.after.clone().unwrap_or_default();
    let rows = conn.query(
        &format!(
            "SELECT {COLUMNS} FROM user_pool_clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3"
        ),
        params![pool_id, after, page.limit + 1],
    )?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, page.limit, |r| r.client_id.clone()))
}
