use std::fmt;

/// A failure of the database itself (not of the caller's logic).
#[derive(Debug, Clone)]
pub struct StoreError {
    pub kind: StoreErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// A unique or primary key constraint refused the write.
    Conflict,
    /// Concurrent transactions conflicted; the transaction may be retried.
    Retry,
    /// A point-in-time recovery of the pool is in progress: its user data cannot change.
    Paused,
    Other,
}

impl StoreError {
    pub fn other(message: impl Into<String>) -> Self {
        StoreError {
            kind: StoreErrorKind::Other,
            message: message.into(),
        }
    }

    pub fn is_conflict(&self) -> bool {
        self.kind == StoreErrorKind::Conflict
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database error: {}", self.message)
    }
}

impl std::error::Error for StoreError {}

/// The message of the triggers that refuse writes during a point-in-time recovery.
const PAUSED: &str = "point-in-time recovery in progress";

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        let kind = match &e {
            rusqlite::Error::SqliteFailure(_, Some(m)) if m == PAUSED => StoreErrorKind::Paused,
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreErrorKind::Conflict
            }
            _ => StoreErrorKind::Other,
        };
        StoreError {
            kind,
            message: e.to_string(),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        let kind = match e.code() {
            Some(c)
                if *c == SqlState::RAISE_EXCEPTION
                    && e.as_db_error().is_some_and(|d| d.message() == PAUSED) =>
            {
                StoreErrorKind::Paused
            }
            Some(c) if *c == SqlState::UNIQUE_VIOLATION => StoreErrorKind::Conflict,
            Some(c)
                if *c == SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == SqlState::T_R_DEADLOCK_DETECTED =>
            {
                StoreErrorKind::Retry
            }
            _ => StoreErrorKind::Other,
        };
        let message = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => {
                // The driver's message names only the kind ("error performing TLS
                // handshake"); what went wrong is in its sources.
                let mut message = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    message.push_str(&format!(": {s}"));
                    source = s.source();
                }
                message
            }
        };
        StoreError { kind, message }
    }
}
