//! Writing and removing a user's attributes (the admin and self-service forms): the
//! schema's rules, verified flags cleared when their value changes, and a code for a
//! changed email or phone number the pool verifies.

use super::*;
use crate::crypto::secret_box::SecretBox;
use crate::effects::Effects;
use crate::error::Result;
use crate::messages::codes;
use crate::messages::templates::{mask, Recipient, Template};
use crate::messages::Channel;
use crate::pools::PoolView;
use crate::users::attributes as attrs;
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
/// changed email or phone number that the pool verifies gets a code. Returns where
/// codes went, and the messages that carry them.
pub(crate) fn update_attributes(
    c: &mut dyn Conn,
    secrets: &SecretBox,
    pool: &PoolView,
    row: UserRow,
    mut doc: UserDoc,
    writes: &[AttributeType],
) -> Result<(Vec<CodeDeliveryDetailsType>, Effects)> {
    let mut deliveries = Vec::new();
    let mut effects = Effects::default();
    let mut writes = writes.to_vec();
    attrs::check_writes(&pool.pool, &mut writes, false)?;
    let before = doc.attributes.clone();
    apply_writes(&mut doc.attributes, &writes);
    clear_changed_verification(&before, &mut doc.attributes, &writes);
    attrs::check_required(&pool.pool, &doc.attributes)?;
    check_unique_names(c, pool, &row.username_key, &doc, Change::Update)?;
    let row = save(c, pool, row, &doc)?;
    // A changed email or phone number that the pool verifies gets a code.
    let auto = pool
        .pool
        .auto_verified_attributes
        .clone()
        .unwrap_or_default();
    for (name, channel) in [("email", Channel::Email), ("phone_number", Channel::Sms)] {
        let changed = attrs::get(&before, name) != attrs::get(&doc.attributes, name);
        let verified = attrs::is_verified(&doc.attributes, name);
        let Some(destination) = attrs::get(&doc.attributes, name).filter(|d| !d.is_empty()) else {
            continue;
        };
        if changed && !verified && auto.iter().any(|a| a == name) {
            let code = codes::issue(
                c,
                secrets,
                &pool.id,
                &row.username_key,
                &format!("verify:{name}"),
            )?;
            let template = pool
                .pool
                .verification_message_template
                .clone()
                .unwrap_or_default();
            effects.send(
                Template {
                    email_subject: template.email_subject.as_deref(),
                    email_message: template.email_message.as_deref(),
                    sms_message: template.sms_message.as_deref(),
                    default_subject: "Your verification code",
                    default_body: "Your verification code is {####}. ",
                }
                .message(
                    Recipient {
                        pool_id: &pool.id,
                        username: &row.username,
                        channel,
                        destination,
                    },
                    "UPDATE_USER_ATTRIBUTE",
                    &code,
                ),
            );
            deliveries.push(CodeDeliveryDetailsType {
                destination: Some(mask(destination)),
                delivery_medium: Some(channel.medium()),
                attribute_name: Some(name.into()),
            });
        }
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
