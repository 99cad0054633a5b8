//! Users: the stored record (`record`), finding one by any of its sign-in names
//! (`lookup`, `sign_in_names`), attributes against the schema (`attributes`,
//! `attribute_writes`), the admin operations (`create`, `passwords`, `admin`), ListUsers
//! and its filter, what a signed-in user does with their access token
//! (`self_service`), MFA preferences and settings (`mfa_preferences`), and groups with
//! their members. Users who are not signed in (`public_client`): SignUp (`sign_up`),
//! confirming it (`confirmation`), resetting a forgotten password (`forgot_password`);
//! and verifying an email or phone number with a code (`verification`). Importing users
//! from a CSV file (`import`).

mod admin;
mod attribute_writes;
pub(crate) mod attributes;
mod auth_events;
mod confirmation;
mod create;
mod forgot_password;
mod group_membership;
mod groups;
pub(crate) mod import;
mod list_users;
pub(crate) mod list_users_filter;
#[cfg(test)]
mod list_users_filter_props;
mod lookup;
mod mfa_preferences;
mod migration;
mod passwords;
mod public_client;
pub(crate) mod record;
mod self_service;
mod sign_in_names;
mod sign_up;
mod verification;

pub(crate) use attribute_writes::*;
pub use auth_events::FEEDBACK_PATH;
pub(crate) use auth_events::{record_event_in, threat_protection, SignedIn};
use confirmation::{send_sign_up_code, SignUpCode};
pub(crate) use create::*;
pub(crate) use forgot_password::{no_recovery_contact, send_reset_code};
pub(crate) use list_users::csv_header;
pub(crate) use lookup::*;
pub(crate) use passwords::*;
pub(crate) use record::*;
use sign_in_names::*;
pub(crate) use sign_up::admin_only;
