//! One row of an import file as a user. The row is checked as Cognito checks it:
//! `cognito:username` without spaces, `cognito:mfa_enabled` as the pool's MFA allows, at
//! least one of the pool's auto-verified attributes verified (the user resets their
//! password through it), the attributes against the schema, the required ones present,
//! sign-in names unique. The user arrives in RESET_REQUIRED without a password. A row
//! whose user exists is skipped; a row that fails a check fails; neither stops the job.
//! A row is read without the store (`read_row`), then admitted against it (`admit`),
//! so a batch looks its usernames up in one query.

use super::csv::MAX_ROW_CHARS;
use crate::error::{Error, Result};
use crate::pools::PoolView;
use crate::stored::to_doc;
use crate::users::attribute_writes::apply_writes;
use crate::users::attributes as attrs;
use crate::users::sign_in_names::{check_unique_names, Change};
use crate::users::{index_entries, new_username, MfaSettings, UserDoc};
use cognate_api::types::{AttributeType, UserPoolMfaType, UserStatusType, VerifiedAttributeType};
use cognate_api::ErrorCode;
use cognate_store::records::user::{IndexEntry, UserRow};
use cognate_store::Conn;
use std::collections::HashSet;

pub(super) const USERNAME: &str = "cognito:username";
pub(super) const MFA_ENABLED: &str = "cognito:mfa_enabled";

/// A row read against the pool's rules, before the store is consulted.
pub(super) enum Read {
    User(Box<(UserRow, UserDoc)>),
    /// The row does not make a valid user (FailedUsers).
    Failed(String),
}

/// What became of a row's user once checked against the store.
pub(super) enum Admitted {
    /// A new user, to be inserted with its index entries (ImportedUsers).
    User(Box<(UserRow, Vec<IndexEntry>)>),
    /// The user exists already (SkippedUsers).
    Skipped(String),
    /// One of its sign-in names is another user's (FailedUsers).
    Failed(String),
}

const EXISTS: &str = "The user already exists.";

/// Reads row `text` of a file with `columns` as a user of `pool` created at `t`,
/// without the store. Errors are internal ones; a row's own problems are its `Read`.
pub(super) fn read_row(pool: &PoolView, columns: &[String], text: &str, t: f64) -> Result<Read> {
    match read_user(pool, columns, text, t) {
        Ok(read) => Ok(read),
        Err(e) if e.0.code == ErrorCode::InternalErrorException => Err(e),
        Err(e) => Ok(Read::Failed(e.0.message.trim_end().to_string())),
    }
}

/// Whether the pool has sign-in names besides the username (emails or phone numbers as
/// usernames, aliases), which must be unique among the users the store holds: each
/// user is then inserted before the next row's is admitted.
pub(super) fn has_other_sign_in_names(pool: &PoolView) -> bool {
    !pool.username_attributes().is_empty() || !pool.alias_attributes().is_empty()
}

/// Admits a read user: skipped if its username is `taken` (in the store or earlier in
/// the batch), failed if another of its sign-in names is (checked in the store, so
/// only where the caller inserts users one by one).
pub(super) fn admit(
    c: &mut dyn Conn,
    pool: &PoolView,
    user: (UserRow, UserDoc),
    taken: &HashSet<String>,
    check_sign_in_names: bool,
) -> Result<Admitted> {
    let (row, doc) = user;
    if taken.contains(&row.username_key) {
        return Ok(Admitted::Skipped(EXISTS.into()));
    }
    if check_sign_in_names {
        match check_unique_names(c, pool, &row.username_key, &doc, Change::Creation) {
            Ok(()) => {}
            Err(e) if e.0.code == ErrorCode::InternalErrorException => return Err(e),
            Err(e) if e.0.code == ErrorCode::UsernameExistsException => {
                return Ok(Admitted::Skipped(EXISTS.into()));
            }
            Err(e) => return Ok(Admitted::Failed(e.0.message)),
        }
    }
    let index = index_entries(pool, &row, &doc);
    Ok(Admitted::User(Box::new((row, index))))
}

fn invalid(why: impl Into<String>) -> std::result::Result<Read, Error> {
    Ok(Read::Failed(why.into()))
}

fn read_user(pool: &PoolView, columns: &[String], text: &str, t: f64) -> Result<Read> {
    if text.chars().count() > MAX_ROW_CHARS {
        return invalid(format!(
            "The row is longer than {MAX_ROW_CHARS} characters."
        ));
    }
    let values = super::csv::values(text);
    if values.len() != columns.len() {
        return invalid(format!(
            "The row has {} values; the header has {} columns.",
            values.len(),
            columns.len()
        ));
    }
    let mut given = String::new();
    let mut mfa = None;
    let mut writes = Vec::new();
    for (name, value) in columns.iter().zip(values) {
        match name.as_str() {
            USERNAME => given = value,
            MFA_ENABLED => mfa = Some(value),
            _ if value.is_empty() => {}
            _ => writes.push(AttributeType {
                name: Some(name.clone()),
                value: Some(value),
            }),
        }
    }
    if given.is_empty() {
        return invalid("cognito:username is empty.");
    }
    if given.contains([' ', '\t']) {
        return invalid("cognito:username cannot contain spaces or tabs.");
    }
    let mfa = match mfa.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => return invalid("cognito:mfa_enabled must be true or false."),
    };
    match pool.pool.mfa_configuration.as_ref() {
        Some(m) if *m == UserPoolMfaType::ON && !mfa => {
            return invalid("cognito:mfa_enabled must be true: the user pool requires MFA.");
        }
        None if mfa => {
            return invalid("cognito:mfa_enabled must be false: the user pool's MFA is off.");
        }
        Some(m) if *m == UserPoolMfaType::OFF && mfa => {
            return invalid("cognito:mfa_enabled must be false: the user pool's MFA is off.");
        }
        _ => {}
    }
    attrs::check_writes(&pool.pool, &mut writes, true)?;
    for (flag, attribute) in [
        ("email_verified", "email"),
        ("phone_number_verified", "phone_number"),
    ] {
        if attrs::get(&writes, flag) == Some("true") && attrs::get(&writes, attribute).is_none() {
            return invalid(format!("{flag} is true but {attribute} is empty."));
        }
    }
    let auto_verified = pool.pool.auto_verified_attributes.as_deref().unwrap_or(&[]);
    let verified = |a: &VerifiedAttributeType| attrs::is_verified(&writes, a.as_str());
    if !auto_verified.iter().any(verified) {
        return invalid(
            "The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).",
        );
    }
    if mfa && attrs::get(&writes, "phone_number").is_none() {
        return invalid("cognito:mfa_enabled is true but phone_number is empty: SMS MFA needs it.");
    }
    let sub = uuid::Uuid::new_v4().to_string();
    let mut attributes = vec![AttributeType {
        name: Some("sub".into()),
        value: Some(sub.clone()),
    }];
    apply_writes(&mut attributes, &writes);
    let username = new_username(pool, &given, &sub, &mut attributes)?;
    attrs::check_required(&pool.pool, &attributes)?;
    let key = pool.fold(&username);
    let doc = UserDoc {
        attributes,
        password: None,
        mfa: MfaSettings {
            sms_enabled: mfa,
            ..MfaSettings::default()
        },
        links: Vec::new(),
    };
    let row = UserRow {
        pool_id: pool.id.clone(),
        username_key: key,
        username,
        sub,
        status: UserStatusType::RESET_REQUIRED.into(),
        enabled: true,
        created_at: t,
        updated_at: t,
        doc: to_doc(&doc)?,
    };
    Ok(Read::User(Box::new((row, doc))))
}
