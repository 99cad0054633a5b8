//! Embedded SQLite in WAL mode with `synchronous = FULL`: a commit is on disk before it
//! is answered. One writer thread owns the write connection and commits in groups: it
//! runs every write waiting in its queue, each in its own savepoint, then commits them
//! with one fsync. Reads run on a small set of read connections (WAL readers never wait
//! for the writer), on the thread that asks.
//!
//! On Unix every connection opens through SQLite's `unix-excl` VFS: the first connection
//! takes one exclusive file lock on the database for the process, and the WAL index lives
//! in the process's memory instead of the `-shm` file. A read transaction then takes no
//! file lock (a POSIX lock per transaction was a fcntl system call and a kernel lock per
//! read), and no other process can open the database while cognate has it, which the
//! caches in this process need anyway: they are invalidated by this process's writes.

use crate::{migrations, Conn, Row, StoreError, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

const READERS: usize = 4;
/// Writes committed together at most; bounds the latency a batch adds.
const MAX_BATCH: usize = 256;

type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// Runs a write in the open transaction; `None` means the transaction could not be
/// opened and the write must only report the failure.
type Job = Box<dyn FnOnce(Option<&mut SqliteConn<'_>>) -> Completion + Send>;

pub struct SqliteBackend {
    jobs: Mutex<mpsc::Sender<Job>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl SqliteBackend {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        private_dir(dir).map_err(|e| {
            StoreError::other(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let file = dir.join("cognate.db");
        // SQLite creates the -wal and -shm files with the database file's mode: creating
        // it 0600 first makes all three private.
        private_file(&file)
            .map_err(|e| StoreError::other(format!("cannot create {}: {e}", file.display())))?;
        let mut writer = open_connection(&file, OpenFlags::default())?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| held_elsewhere(e, &file))?;
        // Files made by an earlier version took the umask: tighten them.
        for suffix in ["-wal", "-shm"] {
            let companion = dir.join(format!("cognate.db{suffix}"));
            if companion.exists() {
                private_file(&companion).map_err(|e| {
                    StoreError::other(format!("cannot restrict {}: {e}", companion.display()))
                })?;
            }
        }
        configure(&writer)?;
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            // Opened for writing so that it shares the process's lock (a read-only file
            // takes SQLite's ordinary per-transaction locks), and kept to reading by
            // `query_only`.
            let reader = open_connection(
                &file,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&reader)?;
            reader.pragma_update(None, "query_only", "ON")?;
            readers.push(Mutex::new(reader));
        }
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("cognate-sqlite-writer".into())
            .spawn(move || writer_loop(writer, rx))
            .map_err(|e| StoreError::other(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteBackend {
            jobs: Mutex::new(tx),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Runs `f` on a read connection: in a transaction, or with `transaction` false
    /// (one statement, which is its own snapshot) without one.
    pub fn read<T, E, F>(&self, transaction: bool, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Conn) -> Result<T, E>,
        E: From<StoreError>,
    {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take the first idle reader; wait on one only if all are busy.
        let guard = (0..READERS)
            .find_map(|i| self.readers[(start + i) % READERS].try_lock().ok())
            .map(Ok)
            .unwrap_or_else(|| self.readers[start % READERS].lock())
            .map_err(|_| StoreError::other("a read connection was poisoned"))?;
        let conn = &*guard;
        if !transaction {
            return f(&mut SqliteConn { conn });
        }
        conn.prepare_cached("BEGIN")
            .and_then(|mut s| s.execute([]))
            .map_err(StoreError::from)?;
        let result = f(&mut SqliteConn { conn });
        let _ = conn
            .prepare_cached("COMMIT")
            .and_then(|mut s| s.execute([]));
        result
    }

    pub async fn write<T, E, F>(&self, mut f: F) -> Result<T, E>
    where
        F: FnMut(&mut dyn Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn: Option<&mut SqliteConn<'_>>| {
            let Some(conn) = conn else {
                return Box::new(move |commit: Result<(), StoreError>| {
                    let e = commit
                        .err()
                        .unwrap_or_else(|| StoreError::other("the write was not run"));
                    let _ = tx.send(Err(E::from(e)));
                });
            };
            if let Err(e) = run(conn.conn, "SAVEPOINT job") {
                let e = StoreError::from(e);
                return Box::new(move |_| {
                    let _ = tx.send(Err(E::from(e)));
                });
            }
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(E::from(StoreError::other("a write panicked"))));
            match outcome {
                Ok(value) => {
                    let released = run(conn.conn, "RELEASE job");
                    Box::new(move |commit: Result<(), StoreError>| {
                        let result = released.map_err(StoreError::from).and(commit);
                        let _ = tx.send(result.map(|()| value).map_err(E::from));
                    })
                }
                Err(e) => {
                    let _ = run(conn.conn, "ROLLBACK TO job");
                    let _ = run(conn.conn, "RELEASE job");
                    Box::new(move |_| {
                        let _ = tx.send(Err(e));
                    })
                }
            }
        });
        self.jobs
            .lock()
            .map_err(|_| E::from(StoreError::other("the writer queue was poisoned")))?
            .send(job)
            .map_err(|_| E::from(StoreError::other("the writer thread has stopped")))?;
        rx.await
            .map_err(|_| E::from(StoreError::other("the writer thread dropped a write")))?
    }
}

/// Opens a connection to the database file through [`VFS`].
fn open_connection(file: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    Ok(match VFS {
        Some(vfs) => Connection::open_with_flags_and_vfs(file, flags, vfs)?,
        None => Connection::open_with_flags(file, flags)?,
    })
}

/// The VFS of every connection: see the module's documentation.
#[cfg(unix)]
const VFS: Option<&str> = Some("unix-excl");
#[cfg(not(unix))]
const VFS: Option<&str> = None;

/// The first statement's error, saying so when another process holds the database.
fn held_elsewhere(e: rusqlite::Error, file: &Path) -> StoreError {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        StoreError::other(format!(
            "{} is in use by another process (another cognate on the same --data?)",
            file.display()
        ))
    } else {
        StoreError::from(e)
    }
}

/// Creates `dir` (and its parents) readable by its owner only, and tightens an
/// existing one to 0700: the database and the master key live there.
#[cfg(unix)]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates `file` if missing, and makes it readable and writable by its owner only.
#[cfg(unix)]
fn private_file(file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(file)?;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn private_file(_file: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Runs a statement without parameters from the statement cache (transaction control
/// is on every write's path; parsing it each time shows in profiles).
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Each write runs in a savepoint, whose rollback journal SQLite spills to a temporary
    // file past 64 KiB: a write of many rows (a user import's batch) then spent half its
    // time writing and deleting that file. In memory, it costs the pages one write
    // changes, and durability is the WAL's, unchanged.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(migrations::CREATE_VERSION_TABLE)?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (version, sqlite, _) in migrations::MIGRATIONS {
        if *version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sqlite)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            rusqlite::params![version, migrations::now()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn writer_loop(conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = run(&conn, "BEGIN IMMEDIATE") {
            let e = StoreError::from(e);
            tracing::error!(error = %e, "cannot begin a write transaction");
            for job in batch {
                job(None)(Err(e.clone()));
            }
            continue;
        }
        let mut sq = SqliteConn { conn: &conn };
        let completions: Vec<Completion> =
            batch.into_iter().map(|job| job(Some(&mut sq))).collect();
        let commit = run(&conn, "COMMIT").map_err(StoreError::from);
        if commit.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for done in completions {
            done(commit.clone());
        }
    }
}

pub struct SqliteConn<'a> {
    conn: &'a Connection,
}

/// `$1` placeholders become SQLite's numbered `?1`.
fn translate(sql: &str) -> String {
    sql.replace('$', "?")
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Conn for SqliteConn<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&translate(sql))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
                        Ok(s) => s.to_owned(),
                        Err(_) => String::from_utf8_lossy(t).into_owned(),
                    }),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare_cached(&translate(sql))?;
        let n = stmt.execute(rusqlite::params_from_iter(params.iter()))?;
        Ok(n as u64)
    }
}
