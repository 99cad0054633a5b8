//! Writing and removing a user's attributes (the admin and self-service forms): the
//! schema's rules, verified flags cleared when their value changes, and a code for a
//! changed email or phone number the pool verifies (held until verified where the pool
//! says so, see `verification`).

use super::*;
use crate::crypto::secret_box::SecretBox;
use crate::effects::Effects;
use crate::error::Result;
use crate::messages::codes;
use crate::pools::PoolView;
use crate::users::attributes as attrs;
use crate::users::verification::{
    send_verification_code, verified_before_update, VerificationCode,
};
use cognate_api::types::*;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

/// After `email` or `phone_number` changed, its verified flag is cleared unless the
/// same call set it.
pub(super) fn clear_changed_verification(
    before: &[AttributeType],
    after: &mut Vec<AttributeType>,
    written: &[AttributeType],
) {
    for name in ["email", "phone_number"] {
        let changed = attrs::get(before, name) != attrs::get(after, name);
        let flag = format!("{name}_verified");
        let flag_written = written
            .iter()
            .any(|a| a.name.as_deref() == Some(flag.as_str()));
        if changed && !flag_written && attrs::get(after, &flag).is_some() {
            attrs::set(after, &flag, "false");
        }
    }
}

pub(super) fn apply_writes(doc_attrs: &mut Vec<AttributeType>, writes: &[AttributeType]) {
    for a in writes {
        let name = a.name.as_deref().unwrap_or("");
        // Developer-only attributes are stored under their schema name.
        attrs::set(doc_attrs, name, a.value.as_deref().unwrap_or(""));
    }
}

/// Writes attributes of a user (AdminUpdateUserAttributes, UpdateUserAttributes); a
/// changed email or phone number that the pool verifies gets a code. Where the pool
/// verifies a change before applying it, a new email or phone number is held beside
/// its code and the old one stays (with its verified flag) until VerifyUserAttribute;
/// a call that also sets `<attribute>_verified` to true (admins only) applies it at
/// once, as AWS documents. Returns where codes went, and the messages that carry them.
pub(crate) fn update_attributes(
    c: &mut dyn Conn,
    secrets: &SecretBox,
    pool: &PoolView,
    row: UserRow,
    mut doc: UserDoc,
    writes: &[AttributeType],
    requested_by_user: bool,
) -> Result<(Vec<CodeDeliveryDetailsType>, Effects)> {
    let mut deliveries = Vec::new();
    let mut effects = Effects::default();
    let mut writes = writes.to_vec();
    attrs::check_writes(&pool.pool, &mut writes, false)?;
    let before = doc.attributes.clone();
    let mut held = Vec::new();
    for name in ["email", "phone_number"] {
        if !verified_before_update(pool, name) {
            continue;
        }
        let flag = format!("{name}_verified");
        let verified_now = writes.iter().any(|a| {
            a.name.as_deref() == Some(flag.as_str()) && a.value.as_deref() == Some("true")
        });
        let current = attrs::get(&before, name).filter(|v| !v.is_empty());
        let Some(new) = writes
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
            .and_then(|a| a.value.clone())
        else {
            continue;
        };
        if current.is_some_and(|cur| cur != new) && !new.is_empty() && !verified_now {
            writes.retain(|a| a.name.as_deref() != Some(name));
            held.push((name, new));
        }
    }
    apply_writes(&mut doc.attributes, &writes);
    clear_changed_verification(&before, &mut doc.attributes, &writes);
    attrs::check_required(&pool.pool, &doc.attributes)?;
    check_unique_names(c, pool, &row.username_key, &doc, Change::Update)?;
    let row = save(c, pool, row, &doc)?;
    let auto = pool
        .pool
        .auto_verified_attributes
        .clone()
        .unwrap_or_default();
    for name in ["email", "phone_number"] {
        let changed = attrs::get(&before, name) != attrs::get(&doc.attributes, name);
        if changed {
            // A value applied directly replaces any change waiting for verification.
            codes::discard(c, &pool.id, &row.username_key, &codes::verify(name))?;
        }
        let held_value = held
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str());
        let verified = attrs::is_verified(&doc.attributes, name);
        let (destination, pending) = match held_value {
            Some(v) => (v, Some(v)),
            None => match attrs::get(&doc.attributes, name).filter(|d| !d.is_empty()) {
                Some(d) if changed && !verified && auto.iter().any(|a| a == name) => (d, None),
                _ => continue,
            },
        };
        let (details, message) = send_verification_code(
            c,
            secrets,
            pool,
            &row,
            VerificationCode {
                name,
                destination,
                pending,
                kind: "UPDATE_USER_ATTRIBUTE",
                requested_by_user,
            },
        )?;
        effects.send(message);
        deliveries.push(details);
    }
    Ok((deliveries, effects))
}

/// Removes attributes of a user (AdminDeleteUserAttributes, DeleteUserAttributes).
pub(crate) fn delete_attributes(
    c: &mut dyn Conn,
    pool: &PoolView,
    row: UserRow,
    mut doc: UserDoc,
    names: &[String],
) -> Result<()> {
    attrs::check_deletes(&pool.pool, names)?;
    for name in names {
        attrs::remove(&mut doc.attributes, name);
        if name == "email" || name == "phone_number" {
            attrs::remove(&mut doc.attributes, &format!("{name}_verified"));
        }
    }
    save(c, pool, row, &doc)?;
    Ok(())
}
