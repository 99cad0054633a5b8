//! Email and SMS: one-time codes (`codes`), messages composed from the pool's templates
//! with Cognito's defaults (`templates`, `message`), and their delivery after commit
//! (`delivery`), emails from the pool's sender (`sender`).

pub(crate) mod codes;
pub(crate) mod delivery;
pub(crate) mod message;
pub(crate) mod sender;
pub(crate) mod templates;

pub use delivery::{Delivery, Discard, OutboxDelivery, OUTBOX_LIFETIME_SECONDS};
pub use message::{Channel, Message};
pub use sender::{EmailSender, Outgoing, DEFAULT_FROM};
