//! Sign-in names are unique in a pool: emails and phone numbers that are usernames, and
//! verified aliases (a forced alias moves from its holder).

use super::*;
use crate::error::{fail, Result};
use crate::pools::PoolView;
use crate::stored::from_doc;
use crate::users::attributes as attrs;
use cognate_api::ErrorCode;
use cognate_store::records::user::{self};
use cognate_store::Conn;

/// Sign-in names must be unique: emails and phone numbers that are usernames, and
/// verified aliases. With `force`, an alias held by another user moves to this one.
pub(super) fn check_unique_names(
    conn: &mut dyn Conn,
    pool: &PoolView,
    key: &str,
    doc: &UserDoc,
    force: bool,
) -> Result<()> {
    for name in pool.username_attributes().to_vec() {
        let Some(value) = attrs::get(&doc.attributes, &name) else {
            continue;
        };
        let value = if name == "phone_number" {
            value.to_string()
        } else {
            pool.fold(value)
        };
        if user::find_by_attribute(conn, &pool.id, &name, &value)?
            .iter()
            .any(|k| k != key)
        {
            let what = if name == "email" {
                "email"
            } else {
                "phone number"
            };
            return Err(fail(
                ErrorCode::UsernameExistsException,
                format!("An account with the given {what} already exists."),
            ));
        }
    }
    for name in pool.alias_attributes().to_vec() {
        let Some(value) = attrs::get(&doc.attributes, &name) else {
            continue;
        };
        let active = name == "preferred_username" || attrs::is_verified(&doc.attributes, &name);
        if !active || value.is_empty() {
            continue;
        }
        let folded = if name == "phone_number" {
            value.to_string()
        } else {
            pool.fold(value)
        };
        if name == "preferred_username"
            && user::get(conn, &pool.id, &folded)?.is_some_and(|r| r.username_key != key)
        {
            return Err(fail(
                ErrorCode::AliasExistsException,
                "An account with the preferred_username already exists.",
            ));
        }
        for other in user::find_by_attribute(conn, &pool.id, &name, &folded)? {
            if other == key {
                continue;
            }
            let Some(row) = user::get(conn, &pool.id, &other)? else {
                continue;
            };
            let mut other_doc: UserDoc = from_doc(&row.doc)?;
            let holds =
                name == "preferred_username" || attrs::is_verified(&other_doc.attributes, &name);
            if !holds {
                continue;
            }
            if !force || name == "preferred_username" {
                let what = name.replace("phone_number", "phone number");
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
