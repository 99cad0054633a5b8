//! PostgreSQL: every node of a deployment shares all state through it. Writes run in
//! REPEATABLE READ transactions and are rerun (after a jittered pause) when PostgreSQL
//! reports a concurrent update of the same row or a unique key taken by a concurrent
//! transaction: the rerun sees the other write, so check-then-write logic that is correct
//! on one SQLite writer stays correct across nodes, uniqueness being enforced by keys.
//!
//! Each pooled connection is tokio-postgres's client driven by a runtime of its own on
//! the calling (blocking) thread, so that no request crosses threads and requests can be
//! pipelined: a transaction's `BEGIN` goes out with its first statement, in one round
//! trip, and a read's `COMMIT` is sent without waiting for its answer (the next use of
//! the connection reads it). A read of two statements, as most of the API's are, costs
//! two round trips. Statements are prepared once per connection and kept.

use crate::error::StoreErrorKind;
use crate::postgres_tls::{self, Target};
use crate::{migrations, Conn, Row, StoreError, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use tokio::sync::Semaphore;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

const MAX_ATTEMPTS: usize = 30;

/// Connections per node: a few per core keeps PostgreSQL's backends busy while requests
/// wait on the network, without more backends than the database's cores can run.
fn max_connections() -> usize {
    let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
    (cores * 4).clamp(8, 64)
}

type Driver = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + Send>>;

/// One connection to PostgreSQL: the client, what moves its bytes, and the statements
/// prepared on it.
pub(crate) struct PgClient {
    link: Link,
    client: Client,
    statements: HashMap<String, Statement>,
}

/// The connection future that moves a client's bytes, polled only while this thread
/// waits on the client (as the synchronous `postgres` crate does), on a runtime of its own.
struct Link {
    runtime: tokio::runtime::Runtime,
    connection: Driver,
    closed: bool,
}

impl Link {
    /// Waits for `f` on this thread, moving the connection's bytes meanwhile, and once
    /// more after `f` is done so that what `f` queued last is sent.
    fn drive<T>(
        &mut self,
        f: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, tokio_postgres::Error> {
        let Link {
            runtime,
            connection,
            closed,
        } = self;
        let mut f = pin!(f);
        runtime.block_on(std::future::poll_fn(|cx| {
            let mut poll_connection = |cx: &mut std::task::Context<'_>| {
                if !*closed && connection.as_mut().poll(cx).is_ready() {
                    // Closed or broken: the client's requests fail, saying so.
                    *closed = true;
                }
            };
            poll_connection(cx);
            match f.as_mut().poll(cx) {
                Poll::Ready(out) => {
                    poll_connection(cx);
                    Poll::Ready(out)
                }
                Poll::Pending => Poll::Pending,
            }
        }))
    }
}

impl PgClient {
    /// Connects to `target`. Blocks: call it outside any async task.
    pub(crate) fn connect(target: &Target) -> Result<PgClient, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::other(format!("cannot start a connection's runtime: {e}")))?;
        let (client, connection): (Client, Driver) = match &target.tls {
            Some(tls) => {
                let (client, connection) = runtime.block_on(target.config.connect(tls.clone()))?;
                (client, Box::pin(connection))
            }
            None => {
                let (client, connection) = runtime.block_on(target.config.connect(NoTls))?;
                (client, Box::pin(connection))
            }
        };
        Ok(PgClient {
            link: Link {
                runtime,
                connection,
                closed: false,
            },
            client,
            statements: HashMap::new(),
        })
    }

    fn is_closed(&self) -> bool {
        self.link.closed || self.client.is_closed()
    }

    /// Runs the statements of `sql` (no parameters) and waits for their end.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.link.drive(self.client.batch_execute(sql))?)
    }

    /// Runs a query with parameters (preparing it unnamed).
    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        Ok(self.link.drive(self.client.query(sql, params))?)
    }

    /// Sends `sql` (no parameters) and returns without waiting for its answer, which the
    /// connection reads and drops when next used. Only for what cannot fail in a way
    /// the caller would act on: a read-only transaction's COMMIT.
    fn send(&mut self, sql: &str) {
        let mut sent = pin!(self.client.batch_execute(sql));
        // The request is queued by the future's first poll; `drive` then flushes it.
        let _ = self.link.drive(std::future::poll_fn(|cx| {
            let _ = sent.as_mut().poll(cx);
            Poll::Ready(Ok::<(), tokio_postgres::Error>(()))
        }));
    }
}

struct Pool {
    target: Target,
    idle: Mutex<Vec<PgClient>>,
}

impl Pool {
    fn take(&self) -> Result<PgClient, StoreError> {
        if let Some(c) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            if !c.is_closed() {
                return Ok(c);
            }
        }
        PgClient::connect(&self.target)
    }

    fn give_back(&self, c: PgClient) {
        if c.is_closed() {
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

const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ";

impl PostgresBackend {
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let pool = Arc::new(Pool {
            target: postgres_tls::parse(url)?,
            idle: Mutex::new(Vec::new()),
        });
        let mut c = pool.take()?;
        migrate(&mut c)?;
        pool.give_back(c);
        Ok(PostgresBackend {
            pool,
            permits: Arc::new(Semaphore::new(max_connections())),
        })
    }

    /// Runs `f` in a read-only transaction, or with `transaction` false (one statement,
    /// which is its own snapshot) without one: no BEGIN and no COMMIT, one round trip.
    pub async fn read<T, E, F>(&self, transaction: bool, f: F) -> Result<T, E>
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
            let mut conn = PgConn::new(&mut pc, transaction.then_some(BEGIN_READ));
            let result = f(&mut conn);
            let began = conn.began;
            drop(conn);
            if began {
                // Read only: nothing to wait for (an aborted one ends the same way).
                pc.send("COMMIT");
            }
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
                let mut conn = PgConn::new(&mut pc, Some(BEGIN_WRITE));
                match f(&mut conn) {
                    Ok(v) => {
                        if !conn.began {
                            break Ok(v);
                        }
                        // The statements still in flight are answered before the
                        // COMMIT's own answer, in the same round trip.
                        match conn.commit() {
                            Ok(()) => break Ok(v),
                            Err(e) => {
                                let conflicted = conn.conflicted;
                                drop(conn);
                                // A statement in flight failed: the COMMIT only ended
                                // the transaction.
                                let _ = pc.batch("ROLLBACK");
                                if conflicted && attempt < MAX_ATTEMPTS {
                                    backoff(attempt);
                                    continue;
                                }
                                break Err(E::from(e));
                            }
                        }
                    }
                    Err(e) => {
                        // A statement still in flight may have been the conflict.
                        let _ = conn.settle();
                        let (began, conflicted) = (conn.began, conn.conflicted);
                        drop(conn);
                        if began {
                            let _ = pc.batch("ROLLBACK");
                        }
                        if conflicted && attempt < MAX_ATTEMPTS {
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

fn backoff(attempt: usize) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    let ceiling = 200u64 << attempt.min(6);
    std::thread::sleep(std::time::Duration::from_micros(nanos % ceiling));
}

fn migrate(client: &mut PgClient) -> Result<(), StoreError> {
    client.batch("SELECT pg_advisory_lock(726863)")?;
    let result = (|| {
        client.batch(migrations::CREATE_VERSION_TABLE)?;
        let current: i64 = client
            .query(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .first()
            .map(|row| row.try_get(0))
            .transpose()?
            .unwrap_or(0);
        for (version, _, postgres) in migrations::MIGRATIONS {
            if *version <= current {
                continue;
            }
            client.batch("BEGIN")?;
            let applied = client.batch(postgres).and_then(|()| {
                client.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[version, &migrations::now()],
                )
            });
            match applied {
                Ok(_) => client.batch("COMMIT")?,
                Err(e) => {
                    let _ = client.batch("ROLLBACK");
                    return Err(e);
                }
            }
        }
        Ok::<(), StoreError>(())
    })();
    client.batch("SELECT pg_advisory_unlock(726863)")?;
    result
}

/// A statement sent and not yet answered.
type InFlight<'a> = Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>>;

/// A transaction on a pooled connection, begun by its first statement (or, without a
/// `begin`, statements each in a transaction of its own).
struct PgConn<'a> {
    link: &'a mut Link,
    client: &'a Client,
    statements: &'a mut HashMap<String, Statement>,
    begin: Option<&'static str>,
    began: bool,
    conflicted: bool,
    /// Statements of `execute_later`, sent in order and answered in order: their
    /// answers are read with the next statement's, or the COMMIT's.
    in_flight: Vec<InFlight<'a>>,
}

impl<'a> PgConn<'a> {
    fn new(pc: &'a mut PgClient, begin: Option<&'static str>) -> Self {
        let PgClient {
            link,
            client,
            statements,
        } = pc;
        PgConn {
            link,
            client,
            statements,
            begin,
            began: false,
            conflicted: false,
            in_flight: Vec::new(),
        }
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        // Preparing answers in order too: a statement in flight that failed is the
        // answer, not the failed transaction's refusal to prepare.
        self.settle()?;
        let s = self
            .link
            .drive(self.client.prepare(sql))
            .map_err(|e| note(&mut self.conflicted, e))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Runs `run` on the client, preceded in the same round trip by the transaction's
    /// BEGIN when this is its first statement, and reading first the answers of the
    /// statements in flight: the first of them that failed is the answer.
    fn run<T, F>(&mut self, run: impl FnOnce(&'a Client) -> F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let begin = self.begin.filter(|_| !self.began);
        self.began |= begin.is_some();
        let client: &'a Client = self.client;
        let in_flight = std::mem::take(&mut self.in_flight);
        self.link
            .drive(async move {
                let begun = async move {
                    match begin {
                        Some(sql) => client.batch_execute(sql).await,
                        None => Ok(()),
                    }
                };
                // Polled in order, so queued in order: the statements in flight (sent
                // already), BEGIN, then the statement.
                let (earlier, began, out) = futures_util::future::join3(
                    futures_util::future::join_all(in_flight),
                    begun,
                    run(client),
                )
                .await;
                for answer in earlier {
                    answer?;
                }
                began?;
                out
            })
            .map_err(|e| note(&mut self.conflicted, e))
    }

    /// Reads the answers of the statements in flight.
    fn settle(&mut self) -> Result<(), StoreError> {
        if self.in_flight.is_empty() {
            return Ok(());
        }
        self.run(|_| std::future::ready(Ok(())))
    }

    /// Commits, in one round trip with the answers of the statements in flight; if one
    /// of them failed, that is the answer (the COMMIT then only ends the transaction).
    fn commit(&mut self) -> Result<(), StoreError> {
        self.run(|client| client.batch_execute("COMMIT"))
    }
}

/// The store's error for `e`, marking the transaction for a rerun when PostgreSQL
/// reports a conflict with a concurrent one.
fn note(conflicted: &mut bool, e: tokio_postgres::Error) -> StoreError {
    let e = StoreError::from(e);
    if e.kind == StoreErrorKind::Retry || e.kind == StoreErrorKind::Conflict {
        *conflicted = true;
    }
    e
}

impl<'a> Conn for PgConn<'a> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.run(|client| client.query(&stmt, &refs))?;
        rows.iter().map(convert_row).collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.run(|client| client.execute(&stmt, &refs))
    }

    /// Sends the statement without waiting for its answer, inside a transaction (a
    /// statement of its own, outside one, is run as `execute`).
    fn execute_later(&mut self, sql: &str, params: &[Value]) -> Result<(), StoreError> {
        if self.begin.is_none() || !self.began {
            return self.execute(sql, params).map(|_| ());
        }
        let stmt = self.statement(sql)?;
        let client: &'a Client = self.client;
        let params = params.to_vec();
        let mut sent: InFlight<'a> =
            Box::pin(async move { client.execute_raw(&stmt, params).await });
        // The first poll queues the request; the link's next drive sends it.
        let waker = std::task::Waker::noop();
        if let Poll::Ready(answer) = sent
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
        {
            sent = Box::pin(std::future::ready(answer));
        }
        self.in_flight.push(sent);
        Ok(())
    }
}

fn convert_row(row: &tokio_postgres::Row) -> Result<Row, StoreError> {
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

    tokio_postgres::types::to_sql_checked!();
}
