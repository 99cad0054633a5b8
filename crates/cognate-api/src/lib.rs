//! The cognito-idp wire contract. Everything under `generated` is produced from the AWS
//! service model by `cognate-codegen`; the modules beside it are the hand-written runtime
//! the generated code calls (errors, validation messages, JSON parsing).
//!
//! The domain registers one handler per implemented operation against the generated
//! `ops` types and runs it with `run`; the HTTP layer names operations by `Operation`.

mod context;
mod error;
mod generated;
mod operation;
pub mod protocol;
pub mod validation;

pub use context::RequestContext;
pub use error::ApiError;
pub use generated::errors::ErrorCode;
pub use generated::operations::{check_input, ops, Operation};
pub use generated::shapes as types;
pub use operation::{run, OperationShape};

/// An operation's answer: its output, or that output already serialized (an answer the
/// service keeps ready, e.g. a cached pool description), sent as is.
#[derive(Debug, Clone)]
pub enum Reply<T> {
    Output(T),
    Json(std::sync::Arc<[u8]>),
}

impl<T> From<T> for Reply<T> {
    fn from(output: T) -> Self {
        Reply::Output(output)
    }
}

/// The output of operations whose model output has no members.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Empty {}
