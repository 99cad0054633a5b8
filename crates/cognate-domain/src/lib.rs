//! cognate's domain: what each operation does. Each area of the API is a folder
//! (`pools`, `users`, `auth`, `tokens`, `oauth`, `messages`, `crypto`); an operation is a `Service`
//! method registered with `operation!` beside it (`operations`), reaching the database
//! only through `cognate_store`, one transaction per write. Nothing here knows HTTP.

mod auth;
mod clock;
mod control;
pub mod crypto;
mod effects;
mod error;
pub mod federation;
mod ids;
mod messages;
pub mod oauth;
mod operations;
mod pagination;
#[cfg(test)]
mod pagination_props;
mod pools;
#[cfg(test)]
mod props;
pub mod quotas;
pub mod seed;
mod service;
mod stored;
mod tokens;
pub mod triggers;
mod users;

pub use control::{MessageFilter, SentMessage};
pub use crypto::secret_box::SecretBox;
pub use messages::{
    Channel, Delivery, Discard, EmailSender, Message, OutboxDelivery, Outgoing, DEFAULT_FROM,
};
pub use pools::branding::{HostedLook, Logo, TermsLinks};

/// Where threat protection's notification links lead (`Service::feedback_by_token`).
pub use users::FEEDBACK_PATH;

/// The pre-signed upload URL of user import jobs, which the HTTP layer serves.
pub mod user_import {
    pub use crate::users::import::{upload_path, UploadRefused, UploadTicket, MAX_FILE_BYTES};
}

/// The master key older versions kept in the PostgreSQL database (to be moved out).
pub mod master_key {
    pub use crate::crypto::master_key::{stored, SETTING};
}

/// The client's side of SRP, for clients outside the server (the benchmark).
pub mod srp_client {
    pub use crate::crypto::modp3072::pow_g;
    pub use crate::crypto::srp::{client_signature, client_timestamp};
}

/// An authenticator app's side of TOTP, for clients outside the server (the benchmark).
pub mod totp_client {
    pub use crate::crypto::totp::{base32_decode, code_at, step_at};
}
/// What the `cargo fuzz` targets (`fuzz/`) parse: not part of the crate's interface.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::tokens::jwt::decode as decode_jwt;
    pub use crate::users::list_users_filter::{parse as parse_user_filter, SEARCHABLE};
}
pub use operations::implemented;
pub use service::{Service, ServiceConfig};
