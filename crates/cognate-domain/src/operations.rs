//! Which operations the service implements, and running them. A handler registers
//! itself with `operation!` in the file that defines it; the registry built from those
//! registrations is the only list of implemented operations: dispatch, `implemented()`,
//! the README's table and `cognate operations` all read it.
//!
//! ```ignore
//! impl Service {
//!     pub(crate) async fn get_group(&self, input: GetGroupRequest) -> Result<GetGroupResponse> { ... }
//! }
//! operation!(GetGroup => Service::get_group);
//! ```
//!
//! A handler that is written but not registered is dead code, which the build refuses.

use crate::service::Service;
use cognate_api::{ApiError, Operation, RequestContext};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

/// A running operation's answer: the serialized output or an error.
pub(crate) type Answer<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>> + Send + 'a>>;

/// One implemented operation: parses, validates and runs it.
pub(crate) struct Registration {
    pub(crate) operation: Operation,
    pub(crate) call: for<'a> fn(&'a Service, &'a RequestContext, &'a [u8]) -> Answer<'a>,
}

/// Every `operation!` of the crate, gathered at link time.
#[linkme::distributed_slice]
pub(crate) static OPERATIONS: [Registration];

/// Registers `Service::method` as the handler of an operation. The handler takes the
/// operation's input (and with `with_context`, the request context first) and answers
/// its output, a `Reply` of it, or an error; the generated `ops` type checks both.
macro_rules! operation {
    ($op:ident => $handler:path) => {
        operation!(@register $op, |service, _ctx, input| $handler(service, input));
    };
    ($op:ident => $handler:path, with_context) => {
        operation!(@register $op, |service, ctx, input| $handler(service, ctx, input));
    };
    (@register $op:ident, |$service:ident, $ctx:ident, $input:ident| $call:expr) => {
        const _: () = {
            fn call<'a>(
                $service: &'a $crate::service::Service,
                $ctx: &'a cognate_api::RequestContext,
                body: &'a [u8],
            ) -> $crate::operations::Answer<'a> {
                Box::pin(cognate_api::run::<cognate_api::ops::$op, _, _, _, _>(
                    body,
                    move |$input| $call,
                ))
            }
            #[linkme::distributed_slice($crate::operations::OPERATIONS)]
            static REGISTRATION: $crate::operations::Registration =
                $crate::operations::Registration {
                    operation: <cognate_api::ops::$op as cognate_api::OperationShape>::OPERATION,
                    call,
                };
        };
    };
}
pub(crate) use operation;

type Table = [Option<&'static Registration>; Operation::ALL.len()];

/// The registrations by operation; two registrations of one operation are a bug that
/// stops the service at its first request (and its tests).
fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Table = [None; Operation::ALL.len()];
        for r in OPERATIONS.iter() {
            let slot = &mut table[r.operation as usize];
            assert!(slot.is_none(), "{} is registered twice", r.operation.name());
            *slot = Some(r);
        }
        table
    })
}

/// Whether the service implements `op` (the README's operation table is built from this).
pub fn implemented(op: Operation) -> bool {
    table()[op as usize].is_some()
}

impl Service {
    /// Runs operation `op` on a request body: parsed and validated as the model says,
    /// then its handler, or NotImplementedException for an operation without one.
    pub async fn call(
        &self,
        ctx: &RequestContext,
        op: Operation,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        // The pool a request names, read once for both checks that need it.
        let quotas = self.config().enforce_quotas;
        if quotas || ctx.signed_region.is_some() {
            let pool = self.pool_named_by(body).await?;
            if quotas {
                self.check_quota(ctx, op, pool.as_deref())?;
            }
            if let (Some(region), Some(pool)) = (&ctx.signed_region, &pool) {
                self.check_replica_region(region, op, pool).await?;
            }
        }
        match table()[op as usize] {
            Some(r) => (r.call)(self, ctx, body).await,
            None => {
                cognate_api::check_input(op, body)?;
                Err(ApiError::not_implemented(op.name()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_service;
    use cognate_api::ErrorCode;

    /// Every operation without a handler answers NotImplementedException (once its input
    /// is valid), and none with a handler does.
    #[tokio::test]
    async fn implemented_operations_are_exactly_the_registered_ones() {
        let (service, _dir) = test_service();
        let ctx = RequestContext::default();
        let mut count = 0;
        for op in Operation::ALL {
            let answer = service.call(&ctx, op, b"{}").await;
            let not_implemented =
                matches!(&answer, Err(e) if e.code == ErrorCode::NotImplementedException);
            if implemented(op) {
                count += 1;
                assert!(
                    !not_implemented,
                    "{} is registered but answered {answer:?}",
                    op.name()
                );
            } else {
                assert!(
                    not_implemented
                        || matches!(&answer, Err(e) if e.code == ErrorCode::InvalidParameterException),
                    "{} has no handler but answered {answer:?}",
                    op.name()
                );
            }
        }
        assert_eq!(count, OPERATIONS.len(), "each operation is registered once");
    }
}
