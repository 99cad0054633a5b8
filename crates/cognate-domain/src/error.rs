//! The domain's error: an API error to answer, built from either the domain's own
//! decisions or a database failure (answered as InternalErrorException and logged).

use cognate_api::{ApiError, ErrorCode};
use cognate_store::StoreError;

#[derive(Debug)]
pub struct Error(pub ApiError);

pub type Result<T> = std::result::Result<T, Error>;

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        if e.kind == cognate_store::StoreErrorKind::Paused {
            return Error(ApiError::new(
                cognate_api::ErrorCode::ConcurrentModificationException,
                "A point-in-time recovery of the user pool is in progress: its user data cannot change until the recovery ends.",
            ));
        }
        // A conflict between concurrent transactions is retried by the store, not answered.
        if e.kind != cognate_store::StoreErrorKind::Retry {
            tracing::error!(error = %e, "database failure");
        }
        Error(ApiError::internal("An internal error occurred."))
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        e.0
    }
}

pub fn invalid(message: impl Into<String>) -> Error {
    Error(ApiError::invalid_parameter(message))
}

pub fn not_found(message: impl Into<String>) -> Error {
    Error(ApiError::resource_not_found(message))
}

pub fn fail(code: ErrorCode, message: impl Into<String>) -> Error {
    Error(ApiError::new(code, message))
}

pub fn internal(message: impl Into<String>) -> Error {
    let message = message.into();
    tracing::error!(%message, "internal error");
    Error(ApiError::internal("An internal error occurred."))
}

/// A member the model marks required (validation has already refused its absence).
pub fn required<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T> {
    value.as_ref().ok_or_else(|| {
        invalid(format!(
            "1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"
        ))
    })
}
