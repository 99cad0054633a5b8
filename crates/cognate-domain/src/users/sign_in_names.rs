//! Sign-in names are unique in a pool: emails and phone numbers that are usernames, and
//! verified aliases (a forced alias moves from its holder).

use super::*;
use crate::error::{fail, Result};
use crate::pools::PoolView;
use crate::stored::from_doc;
use crate::users::attributes as attrs;
use cognate_api::types::{AliasAttributeType, UsernameAttributeType};
use cognate_api::ErrorCode;
use cognate_store::records::user::{self};
use cognate_store::Conn;

/// How a sign-in name came to be wanted, which decides AWS's answer when it is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// A new user: a username attribute taken is UsernameExistsException.
    Creation,
    /// AdminCreateUser with ForceAliasCreation: also moves a verified alias held by
    /// another user to this one.
    ForcedCreation,
    /// An existing user's attributes changed: a username attribute taken is
    /// AliasExistsException, as AWS answers (Admin)UpdateUserAttributes.
    Update,
}

/// Sign-in names must be unique: emails and phone numbers that are usernames, and
/// verified aliases.
pub(super) fn check_unique_names(
    conn: &mut dyn Conn,
    pool: &PoolView,
    key: &str,
    doc: &UserDoc,
    change: Change,
) -> Result<()> {
    let force = change == Change::ForcedCreation;
    for name in pool.username_attributes().to_vec() {
        let Some(value) = attrs::get(&doc.attributes, name.as_str()) else {
            continue;
        };
        let value = if name == UsernameAttributeType::PHONE_NUMBER {
            value.to_string()
        } else {
            pool.fold(value)
        };
        if user::find_by_attribute(conn, &pool.id, name.as_str(), &value)?
            .iter()
            .any(|k| k != key)
        {
            let what = if name == UsernameAttributeType::EMAIL {
                "email"
            } else {
                "phone number"
            };
            let code = if change == Change::Update {
                ErrorCode::AliasExistsException
            } else {
                ErrorCode::UsernameExistsException
            };
            return Err(fail(
                code,
                format!("An account with the given {what} already exists."),
            ));
        }
    }
    for name in pool.alias_attributes().to_vec() {
        let Some(value) = attrs::get(&doc.attributes, name.as_str()) else {
            continue;
        };
        let active = name == AliasAttributeType::PREFERRED_USERNAME
            || attrs::is_verified(&doc.attributes, name.as_str());
        if !active || value.is_empty() {
            continue;
        }
        let folded = if name == AliasAttributeType::PHONE_NUMBER {
            value.to_string()
        } else {
            pool.fold(value)
        };
        if name == AliasAttributeType::PREFERRED_USERNAME
            && user::get(conn, &pool.id, &folded)?.is_some_and(|r| r.username_key != key)
        {
            return Err(fail(
                ErrorCode::AliasExistsException,
                "An account with the preferred_username already exists.",
            ));
        }
        for other in user::find_by_attribute(conn, &pool.id, name.as_str(), &folded)? {
            if other == key {
                continue;
            }
            let Some(row) = user::get(conn, &pool.id, &other)? else {
                continue;
            };
            let mut other_doc: UserDoc = from_doc(&row.doc)?;
            let holds = name == AliasAttributeType::PREFERRED_USERNAME
                || attrs::is_verified(&other_doc.attributes, name.as_str());
            if !holds {
                continue;
            }
            if !force || name == AliasAttributeType::PREFERRED_USERNAME {
                let what = name.as_str().replace("phone_number", "phone number");
                return Err(fail(
                    ErrorCode::AliasExistsException,
                    format!("An account with the {what} already exists."),
                ));
            }
            attrs::set(
                &mut other_doc.attributes,
                &format!("{name}_verified"),
                "false",
            );
            save(conn, pool, row, &other_doc)?;
        }
    }
    Ok(())
}
