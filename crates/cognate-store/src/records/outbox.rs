//! `outbox_messages`: every email and SMS the service sent, oldest first.

use crate::{params, Conn, Row, StoreError, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub pool_id: String,
    pub username: String,
    pub channel: String,
    pub destination: String,
    pub kind: String,
    pub subject: Option<String>,
    pub message: String,
    pub code: Option<String>,
    pub created_at: f64,
}

pub fn insert(conn: &mut dyn Conn, m: &MessageRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO outbox_messages (pool_id, username, channel, destination, kind, subject, message, code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            &m.pool_id,
            &m.username,
            &m.channel,
            &m.destination,
            &m.kind,
            m.subject.clone(),
            &m.message,
            m.code.clone(),
            m.created_at
        ],
    )?;
    Ok(())
}

/// Deletes the messages recorded before `before` (seconds since the epoch).
pub fn purge_older_than(conn: &mut dyn Conn, before: f64) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM outbox_messages WHERE created_at < $1",
        params![before],
    )?;
    Ok(())
}

/// Messages matching every filter given; `username` matches the recipient's username
/// or destination (email address or phone number).
pub fn list(
    conn: &mut dyn Conn,
    pool_id: Option<&str>,
    username: Option<&str>,
    channel: Option<&str>,
) -> Result<Vec<MessageRow>, StoreError> {
    let rows = conn.query(
        "SELECT pool_id, username, channel, destination, kind, subject, message, code, created_at \
         FROM outbox_messages \
         WHERE ($1 = '' OR pool_id = $1) AND ($2 = '' OR username = $2 OR destination = $2) AND ($3 = '' OR channel = $3) \
         ORDER BY id",
        &[
            Value::from(pool_id.unwrap_or("")),
            Value::from(username.unwrap_or("")),
            Value::from(channel.unwrap_or("")),
        ],
    )?;
    rows.iter().map(from_row).collect()
}

fn from_row(r: &Row) -> Result<MessageRow, StoreError> {
    Ok(MessageRow {
        pool_id: r.text(0)?,
        username: r.text(1)?,
        channel: r.text(2)?,
        destination: r.text(3)?,
        kind: r.text(4)?,
        subject: r.opt_text(5)?,
        message: r.text(6)?,
        code: r.opt_text(7)?,
        created_at: r.real(8)?,
    })
}
