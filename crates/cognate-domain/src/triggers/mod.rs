//! Lambda triggers: the pool's LambdaConfig names a function per trigger, called through
//! the Lambda Invoke API (`invoke.rs`, implemented by the binary's `--lambda-endpoint`
//! client) outside any store transaction: a flow reads, calls the trigger, then writes.
//! Each event has AWS's common fields (`event.rs`); a function's failure is AWS's error
//! (UserLambdaValidationException "<Trigger> failed with error <message>.",
//! UnexpectedLambdaException, InvalidLambdaResponseException). PreSignUp
//! (`pre_sign_up.rs`) for SignUp, AdminCreateUser and a federated user's first sign-in;
//! PostConfirmation (`post_confirmation.rs`) after ConfirmSignUp, AdminConfirmSignUp,
//! an auto-confirmed SignUp and ConfirmForgotPassword.

mod event;
mod invoke;
mod post_confirmation;
mod pre_sign_up;

pub(crate) use event::Trigger;
pub use invoke::{InvokeAnswer, InvokeFuture, LambdaInvoker, NoLambda};
pub(crate) use post_confirmation::{has_post_confirmation, PostConfirmation};
pub(crate) use pre_sign_up::{PreSignUp, PreSignUpAnswer};
