//! User pools and what belongs to them: the pool (`pool`), its cached parsed form
//! (`cache`, `view`), its domains (`domain`), app clients (`client`) and their secrets
//! (`client_secrets`), session tracking (`session_config`), threat protection's settings
//! (`risk_configuration`), point-in-time recovery of its user data (`recovery`),
//! resource servers, the attribute schema,
//! the password policy, the MFA configuration, tags, and how the client's pages look
//! (`branding`: classic UI customization, managed login styles, terms documents).

pub(crate) mod branding;
pub(crate) mod cache;
pub(crate) mod client;
mod client_secrets;
pub(crate) mod domain;
pub(crate) mod log_delivery;
pub(crate) mod mfa_config;
pub(crate) mod password_policy;
pub(crate) mod pool;
pub(crate) mod recovery;
pub(crate) mod replicas;
pub(crate) mod resource_server;
pub(crate) mod risk_configuration;
pub(crate) mod schema;
pub(crate) mod session_config;
pub(crate) mod tags;
mod view;

pub use view::PoolView;
