//! Running one operation: its input parsed and validated, a handler called, its answer
//! serialized. The generated `ops` types say which input and output each operation has,
//! so a handler registered for the wrong operation does not compile.

use crate::generated::operations::Operation;
use crate::validation::Validate;
use crate::{protocol, validation, ApiError, Reply};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// An operation's input and output types (implemented by each type of `ops`).
pub trait OperationShape: 'static {
    const OPERATION: Operation;
    type Input: DeserializeOwned + Validate + Send + 'static;
    type Output: Serialize + Send + 'static;
}

/// Parses `body` as `O`'s input, validates it, runs `handler` on it and serializes the
/// answer.
pub async fn run<O, F, Fut, R, E>(body: &[u8], handler: F) -> Result<Vec<u8>, ApiError>
where
    O: OperationShape,
    F: FnOnce(O::Input) -> Fut,
    Fut: Future<Output = Result<R, E>>,
    R: Into<Reply<O::Output>>,
    E: Into<ApiError>,
{
    let input: O::Input = protocol::parse_input(body)?;
    validation::check(&input)?;
    let reply = handler(input).await.map_err(Into::into)?;
    protocol::serialize_reply(reply.into())
}
