//! Lambda triggers: the pool's LambdaConfig names a function per trigger, called through
//! the Lambda Invoke API (`invoke.rs`, implemented by the binary's `--lambda-endpoint`
//! client) outside any store transaction: a flow reads, calls the trigger, then writes.
//! Each event has AWS's common fields (`event.rs`); a function's failure is AWS's error
//! (UserLambdaValidationException "<Trigger> failed with error <message>.",
//! UnexpectedLambdaException, InvalidLambdaResponseException). PreSignUp
//! (`pre_sign_up.rs`) for SignUp, AdminCreateUser and a federated user's first sign-in;
//! PostConfirmation (`post_confirmation.rs`) after ConfirmSignUp, AdminConfirmSignUp,
//! an auto-confirmed SignUp and ConfirmForgotPassword. PreAuthentication and
//! PostAuthentication (`authentication.rs`) around a sign-in; PreTokenGeneration
//! (`pre_token_generation.rs`) before tokens are signed, in its three versions.

mod authentication;
mod custom_auth;
mod custom_message;
mod custom_sender;
mod event;
mod inbound_federation;
mod invoke;
mod post_confirmation;
mod pre_sign_up;
mod pre_token_generation;
mod user_migration;

pub(crate) use authentication::SigningIn;
pub(crate) use custom_auth::{ChallengeResult, CustomUser, Next};
pub(crate) use custom_message::{message_triggers, MessageEvent};
pub(crate) use event::user_attributes;
pub(crate) use event::Trigger;
pub(crate) use inbound_federation::Inbound;
pub use invoke::{InvokeAnswer, InvokeFuture, LambdaInvoker, NoLambda};
pub(crate) use post_confirmation::{has_post_confirmation, PostConfirmation};
pub(crate) use pre_sign_up::{PreSignUp, PreSignUpAnswer};
pub(crate) use pre_token_generation::TokenEvent;
pub(crate) use user_migration::{Migrated, Migrating};
