//! Email and SMS: one-time codes (`codes`), and the messages the service sends with
//! Cognito's templates (`outbox`).

pub(crate) mod codes;
pub(crate) mod outbox;
