//! PostgreSQL: every node of a deployment shares all state through it. Writes run in
//! REPEATABLE READ transactions and are rerun (after a jittered pause) when PostgreSQL
//! reports a concurrent update of the same row or a unique key taken by a concurrent
//! transaction: the rerun sees the other write, so check-then-write logic that is correct
//! on one SQLite writer stays correct across nodes, uniqueness being enforced by keys. The synchronous client runs on tokio's blocking threads.

use crate::error::StoreErrorKind;
use crate::postgres_tls::{self, Target};
use crate::{migrations, Conn, Row, StoreError, Value};
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, IsolationLevel, NoTls, Statement, Transaction};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

const MAX_CONNECTIONS: usize = 16;
const MAX_ATTEMPTS: usize = 30;

struct PooledClient {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Pool {
    target: Target,
    idle: Mutex<Vec<PooledClient>>,
}

impl Pool {
    fn take(&self) -> Result<PooledClient, StoreError> {
        if let Some(c) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            if !c.client.is_closed() {
                return Ok(c);
            }
        }
        let client = match &self.target.tls {
            Some(tls) => self.target.config.connect(tls.clone())?,
            None => self.target.config.connect(NoTls)?,
        };
        Ok(PooledClient {
            client,
            statements: HashMap::new(),
        })
    }

    fn give_back(&self, c: PooledClient) {
        if c.client.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(c);
        }
    }
}

pub struct PostgresBackend {
    pool: Arc<Pool>,
    permits: Arc<Semaphore>,
}

impl PostgresBackend {
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let pool = Arc::new(Pool {
            target: postgres_tls::parse(url)?,
            idle: Mutex::new(Vec::new()),
        });
        let mut c = pool.take()?;
        migrate(&mut c.client)?;
        pool.give_back(c);
        Ok(PostgresBackend {
            pool,
            permits: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        })
    }

    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut pc = pool.take()?;
            let result = read_in(&mut pc, f);
            pool.give_back(pc);
            result
        })
        .await
        .map_err(|_| E::from(StoreError::other("a read task failed")))?
    }

    pub async fn write<T, E, F>(&self, mut f: F) -> Result<T, E>
    where
        F: FnMut(&mut dyn Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut pc = pool.take()?;
            let mut attempt = 0;
            let result = loop {
                attempt += 1;
                let PooledClient { client, statements } = &mut pc;
                let txn = match client
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .start()
                {
                    Ok(t) => t,
                    Err(e) => break Err(E::from(StoreError::from(e))),
                };
                let mut conn = PgConn {
                    txn,
                    statements,
                    conflicted: false,
                };
                match f(&mut conn) {
                    Ok(v) => {
                        let PgConn { txn, .. } = conn;
                        match txn.commit() {
                            Ok(()) => break Ok(v),
                            Err(e) => {
                                let e = StoreError::from(e);
                                if e.kind == StoreErrorKind::Retry && attempt < MAX_ATTEMPTS {
                                    backoff(attempt);
                                    continue;
                                }
                                break Err(E::from(e));
                            }
                        }
                    }
                    Err(e) => {
                        let retry = conn.conflicted && attempt < MAX_ATTEMPTS;
                        let _ = conn.txn.rollback();
                        if retry {
                            backoff(attempt);
                            continue;
                        }
                        break Err(e);
                    }
                }
            };
            pool.give_back(pc);
            result
        })
        .await
        .map_err(|_| E::from(StoreError::other("a write task failed")))?
    }
}

/// Waits a little before retrying a conflicted transaction, longer each time and
/// jittered, so that the transactions that conflicted do not meet again.
fn backoff(attempt: usize) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    let ceiling = 200u64 << attempt.min(6);
    std::thread::sleep(std::time::Duration::from_micros(nanos % ceiling));
}

fn read_in<T, E, F>(pc: &mut PooledClient, f: F) -> Result<T, E>
where
    F: FnOnce(&mut dyn Conn) -> Result<T, E>,
    E: From<StoreError>,
{
    let PooledClient { client, statements } = pc;
    let txn = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(StoreError::from)?;
    let mut conn = PgConn {
        txn,
        statements,
        conflicted: false,
    };
    let result = f(&mut conn);
    let _ = conn.txn.commit();
    result
}

fn migrate(client: &mut Client) -> Result<(), StoreError> {
    // Several nodes may start at once: one migrates, the others wait for it.
    client.batch_execute("SELECT pg_advisory_lock(726863)")?;
    let result = (|| {
        client.batch_execute(migrations::CREATE_VERSION_TABLE)?;
        let current: i64 = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .get(0);
        for (version, _, postgres) in migrations::MIGRATIONS {
            if *version <= current {
                continue;
            }
            let mut tx = client.transaction()?;
            tx.batch_execute(postgres)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[version, &migrations::now()],
            )?;
            tx.commit()?;
        }
        Ok::<(), StoreError>(())
    })();
    client.batch_execute("SELECT pg_advisory_unlock(726863)")?;
    result
}

struct PgConn<'a> {
    txn: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
    /// Set when a statement failed because of a concurrent transaction: the caller's
    /// error is then retried rather than answered.
    conflicted: bool,
}

impl PgConn<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.txn.prepare(sql).map_err(|e| self.note(e))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn note(&mut self, e: postgres::Error) -> StoreError {
        let e = StoreError::from(e);
        // A unique key taken by a transaction that committed after this one began is a
        // race, not an answer: rerun, and the check before the insert sees the row.
        if e.kind == StoreErrorKind::Retry || e.kind == StoreErrorKind::Conflict {
            self.conflicted = true;
        }
        e
    }
}

impl Conn for PgConn<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.txn.query(&stmt, &refs).map_err(|e| self.note(e))?;
        rows.iter().map(convert_row).collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.txn.execute(&stmt, &refs).map_err(|e| self.note(e))
    }
}

fn convert_row(row: &postgres::Row) -> Result<Row, StoreError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let v = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::FLOAT8 {
            row.try_get::<_, Option<f64>>(i)?.map(Value::Real)
        } else if *ty == Type::FLOAT4 {
            row.try_get::<_, Option<f32>>(i)?
                .map(|v| Value::Real(v.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
        } else {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

impl ToSql for Value {
    /// Encodes the value as the type PostgreSQL inferred for the parameter, so that one
    /// `Value` binds to any column type the schema uses.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => {
                if *ty == Type::INT4 {
                    i32::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(*i)?.to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    (*i as f64).to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (*i != 0).to_sql(ty, out)
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
                    i.to_string().to_sql(ty, out)
                } else {
                    i.to_sql(ty, out)
                }
            }
            Value::Real(f) => {
                if *ty == Type::INT8 {
                    (*f as i64).to_sql(ty, out)
                } else if *ty == Type::FLOAT4 {
                    (*f as f32).to_sql(ty, out)
                } else {
                    f.to_sql(ty, out)
                }
            }
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
