//! Calling a function: the domain's view of the Lambda Invoke API
//! (`POST <endpoint>/2015-03-31/functions/<ARN>/invocations`, RequestResponse).

use std::future::Future;
use std::pin::Pin;

/// The Invoke API's answer: its status, the `X-Amz-Function-Error` header (the function
/// threw), and the payload.
#[derive(Debug, Clone)]
pub struct InvokeAnswer {
    pub status: u16,
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
}

pub type InvokeFuture<'a> = Pin<Box<dyn Future<Output = Result<InvokeAnswer, String>> + Send + 'a>>;

/// Invokes functions. An `Err` is no answer at all (no connection, a timeout), in words
/// for the operator's log.
pub trait LambdaInvoker: Send + Sync + 'static {
    fn invoke(&self, function_arn: &str, payload: Vec<u8>) -> InvokeFuture<'_>;

    /// Whether there is an Invoke API to call at all.
    fn configured(&self) -> bool {
        true
    }
}

/// No `--lambda-endpoint`: every call fails, as AWS fails a flow whose function it
/// cannot call.
pub struct NoLambda;

impl LambdaInvoker for NoLambda {
    fn invoke(&self, _function_arn: &str, _payload: Vec<u8>) -> InvokeFuture<'_> {
        Box::pin(async { Err("no --lambda-endpoint is configured".to_string()) })
    }

    fn configured(&self) -> bool {
        false
    }
}
