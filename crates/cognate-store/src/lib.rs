//! cognate's persistence: one data layer over embedded SQLite and PostgreSQL.
//!
//! Callers hand the store a closure that talks SQL through [`Conn`]; `write` runs it in
//! one transaction and returns only after the transaction is durably committed, `read`
//! runs it against a consistent snapshot. SQL is written once, with `$1`-style
//! placeholders and the subset both engines share; the backends differ only in how they
//! connect, batch and commit. Typed access to each table lives in `records`.

mod error;
mod migrations;
mod postgres_backend;
mod postgres_tls;
pub mod records;
mod sqlite_backend;
mod value;

pub use error::{StoreError, StoreErrorKind};
pub use value::{Row, Value};

use std::path::Path;
use std::sync::Arc;

/// A connection inside a transaction (for `write`) or a read snapshot (for `read`).
pub trait Conn {
    /// Runs a statement returning rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs a statement, returning the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;

    /// Runs a statement whose row count the caller does not need. A backend may send it
    /// without waiting for its answer; a failure is then reported by the transaction's
    /// next statement or its commit, so the transaction fails as it would have.
    fn execute_later(&mut self, sql: &str, params: &[Value]) -> Result<(), StoreError> {
        self.execute(sql, params).map(|_| ())
    }

    /// The first row of `query`, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// A connection that runs one statement (see `Store::read_statement`).
struct OneStatement<'a> {
    conn: &'a mut dyn Conn,
    used: bool,
}

impl Conn for OneStatement<'_> {
    /// Runs `sql` if it is the first statement and a SELECT: outside a read-only
    /// transaction nothing else would stop a write.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        if std::mem::replace(&mut self.used, true) {
            return Err(StoreError::other(
                "a single-statement read made a second statement",
            ));
        }
        if !sql.trim_start().starts_with("SELECT ") {
            return Err(StoreError::other("a single-statement read is a SELECT"));
        }
        self.conn.query(sql, params)
    }

    fn execute(&mut self, _sql: &str, _params: &[Value]) -> Result<u64, StoreError> {
        Err(StoreError::other("a single-statement read changes nothing"))
    }
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    backend: Arc<Backend>,
}

enum Backend {
    Sqlite(sqlite_backend::SqliteBackend),
    Postgres(postgres_backend::PostgresBackend),
}

impl Store {
    /// Opens (creating if needed) the embedded database in `dir` and migrates it.
    pub fn open_sqlite(dir: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Arc::new(Backend::Sqlite(sqlite_backend::SqliteBackend::open(dir)?)),
        })
    }

    /// Connects to PostgreSQL at `url` and migrates the database. Must not be called
    /// from inside an async task (it blocks); call it before starting the runtime or
    /// from `spawn_blocking`.
    pub fn open_postgres(url: &str) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Arc::new(Backend::Postgres(postgres_backend::PostgresBackend::open(
                url,
            )?)),
        })
    }

    pub fn engine(&self) -> Engine {
        match &*self.backend {
            Backend::Sqlite(_) => Engine::Sqlite,
            Backend::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs `f` against a consistent snapshot. Errors of `f` pass through.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match &*self.backend {
            Backend::Sqlite(b) => b.read(true, f),
            Backend::Postgres(b) => b.read(true, f).await,
        }
    }

    /// Runs `f`, which makes one statement, outside any transaction: a single statement
    /// sees one snapshot by itself, so this reads what `read` would at less cost (on
    /// PostgreSQL one round trip, with no BEGIN or COMMIT). Only a SELECT runs; a
    /// second statement of `f`, or one that is not a SELECT, fails instead of running.
    pub async fn read_statement<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let f = move |conn: &mut dyn Conn| f(&mut OneStatement { conn, used: false });
        match &*self.backend {
            Backend::Sqlite(b) => b.read(false, f),
            Backend::Postgres(b) => b.read(false, f).await,
        }
    }

    /// Runs `f` in one transaction and answers after it is committed. If `f` fails,
    /// nothing it did is kept. On PostgreSQL `f` may run more than once when concurrent
    /// transactions conflict, so it must not have effects outside the store.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnMut(&mut dyn Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match &*self.backend {
            Backend::Sqlite(b) => b.write(f).await,
            Backend::Postgres(b) => b.write(f).await,
        }
    }

    /// Deletes every row of every table (the control API's reset).
    pub async fn reset(&self) -> Result<(), StoreError> {
        self.write(|conn| {
            for table in migrations::TABLES.iter().rev() {
                conn.execute(&format!("DELETE FROM {table}"), &[])?;
            }
            // Deleting the users wrote their history again.
            conn.execute("DELETE FROM pool_history", &[])?;
            Ok::<(), StoreError>(())
        })
        .await
    }
}
