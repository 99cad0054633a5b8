//! Users: the stored record (`record`), finding one by any of its sign-in names
//! (`lookup`, `sign_in_names`), attributes against the schema (`attributes`,
//! `attribute_writes`), the admin operations (`create`, `passwords`, `admin`), ListUsers
//! and its filter, what a signed-in user does with their access token
//! (`self_service`), MFA preferences and settings (`mfa_preferences`), and groups with
//! their members.

mod admin;
mod attribute_writes;
pub(crate) mod attributes;
mod create;
mod group_membership;
mod groups;
mod list_users;
pub(crate) mod list_users_filter;
#[cfg(test)]
mod list_users_filter_props;
mod lookup;
mod mfa_preferences;
mod passwords;
mod record;
mod self_service;
mod sign_in_names;

pub(crate) use attribute_writes::*;
pub(crate) use create::*;
pub(crate) use lookup::*;
pub(crate) use passwords::*;
pub(crate) use record::*;
use sign_in_names::*;
