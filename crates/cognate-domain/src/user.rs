//! Users: AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminEnableUser,
//! AdminDisableUser, AdminUpdateUserAttributes, AdminDeleteUserAttributes,
//! AdminSetUserPassword, AdminResetUserPassword, AdminConfirmSignUp, ListUsers and
//! GetCSVHeader. A user is found by username (case-folded in case-insensitive pools), by
//! email or phone number where those are the sign-in name, by a verified alias, or by sub.

use crate::clock::now;
use crate::error::{fail, invalid, required, Error, Result};
use crate::list_users_filter;
use crate::outbox::{self, Channel, Message};
use crate::pool_cache::PoolCache;
use crate::service::Service;
use crate::srp::{self, Verifier};
use crate::stored::{from_doc, to_doc};
use crate::user_attributes as attrs;
use crate::user_pool::{load as load_pool, load_cached};
use crate::{codes, pagination, password_policy};
use cognate_api::types::*;
use cognate_api::{Empty, ErrorCode};
use cognate_store::records::user::{self, Filter, IndexEntry, UserRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What is stored of a user beyond the indexed columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserDoc {
    pub attributes: Vec<AttributeType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<StoredPassword>,
    #[serde(default)]
    pub mfa: MfaSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPassword {
    pub verifier: Verifier,
    pub temporary: bool,
    pub set_at: f64,
    /// Temporary passwords expire after the pool's TemporaryPasswordValidityDays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MfaSettings {
    #[serde(default)]
    pub sms_enabled: bool,
    #[serde(default)]
    pub totp_enabled: bool,
    #[serde(default)]
    pub email_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
}

/// A user pool as the user operations need it.
pub struct PoolView {
    pub id: String,
    pub pool: Arc<UserPoolType>,
}

impl PoolView {
    /// The pool as of this transaction (from the cache while its version is current).
    pub fn load(conn: &mut dyn Conn, cache: &PoolCache, id: &str) -> Result<PoolView> {
        let (pool, _) = load_cached(conn, cache, id)?;
        Ok(PoolView {
            id: id.to_string(),
            pool,
        })
    }

    pub fn case_insensitive(&self) -> bool {
        self.pool
            .username_configuration
            .as_ref()
            .and_then(|c| c.case_sensitive)
            == Some(false)
    }

    /// The username (or email, ...) as stored in the index and looked up.
    pub fn fold(&self, value: &str) -> String {
        if self.case_insensitive() {
            value.to_lowercase()
        } else {
            value.to_string()
        }
    }

    fn username_attributes(&self) -> &[String] {
        self.pool.username_attributes.as_deref().unwrap_or(&[])
    }

    fn alias_attributes(&self) -> &[String] {
        self.pool.alias_attributes.as_deref().unwrap_or(&[])
    }

    pub(crate) fn password_policy(&self) -> PasswordPolicyType {
        self.pool
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.clone())
            .unwrap_or_default()
    }
}

pub fn user_not_found() -> Error {
    fail(ErrorCode::UserNotFoundException, "User does not exist.")
}

/// Index entries: the searchable attributes (ListUsers filters), and the sign-in names.
fn index_entries(pool: &PoolView, row: &UserRow, doc: &UserDoc) -> Vec<IndexEntry> {
    let mut out = vec![
        IndexEntry {
            name: "username".into(),
            value: row.username_key.clone(),
        },
        IndexEntry {
            name: "sub".into(),
            value: row.sub.clone(),
        },
        IndexEntry {
            name: "cognito:user_status".into(),
            value: row.status.clone(),
        },
        IndexEntry {
            name: "status".into(),
            value: if row.enabled { "Enabled" } else { "Disabled" }.into(),
        },
    ];
    for a in &doc.attributes {
        let (Some(name), Some(value)) = (a.name.as_deref(), a.value.as_deref()) else {
            continue;
        };
        if list_users_filter::SEARCHABLE.contains(&name) && name != "sub" && !value.is_empty() {
            let value = if name == "email" || name == "preferred_username" {
                pool.fold(value)
            } else {
                value.to_string()
            };
            out.push(IndexEntry {
                name: name.to_string(),
                value,
            });
        }
    }
    out
}

/// Finds a user by what a caller may call them.
pub fn find(
    conn: &mut dyn Conn,
    pool: &PoolView,
    username: &str,
) -> Result<Option<(UserRow, UserDoc)>> {
    let key = pool.fold(username);
    if let Some(row) = user::get(conn, &pool.id, &key)? {
        let doc = from_doc(&row.doc)?;
        return Ok(Some((row, doc)));
    }
    let mut candidates: Vec<(&str, bool)> = Vec::new();
    for a in pool.username_attributes() {
        candidates.push((a.as_str(), false));
    }
    for a in pool.alias_attributes() {
        candidates.push((a.as_str(), a != "preferred_username"));
    }
    for (name, must_be_verified) in candidates {
        let value = if name == "phone_number" {
            username.to_string()
        } else {
            pool.fold(username)
        };
        for k in user::find_by_attribute(conn, &pool.id, name, &value)? {
            if let Some(row) = user::get(conn, &pool.id, &k)? {
                let doc: UserDoc = from_doc(&row.doc)?;
                if !must_be_verified || attrs::is_verified(&doc.attributes, name) {
                    return Ok(Some((row, doc)));
                }
            }
        }
    }
    if let Some(k) = user::find_by_attribute(conn, &pool.id, "sub", username)?
        .into_iter()
        .next()
    {
        if let Some(row) = user::get(conn, &pool.id, &k)? {
            let doc = from_doc(&row.doc)?;
            return Ok(Some((row, doc)));
        }
    }
    Ok(None)
}

pub fn require(conn: &mut dyn Conn, pool: &PoolView, username: &str) -> Result<(UserRow, UserDoc)> {
    find(conn, pool, username)?.ok_or_else(user_not_found)
}

/// Stores the user's new state (row, document and index).
pub fn save(
    conn: &mut dyn Conn,
    pool: &PoolView,
    mut row: UserRow,
    doc: &UserDoc,
) -> Result<UserRow> {
    row.updated_at = now();
    row.doc = to_doc(doc)?;
    let index = index_entries(pool, &row, doc);
    user::update(conn, &row, &index)?;
    Ok(row)
}

/// Sign-in names must be unique: emails and phone numbers that are usernames, and
/// verified aliases. With `force`, an alias held by another user moves to this one.
fn check_unique_names(
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

/// The user as ListUsers and AdminCreateUser describe one.
pub fn user_type(row: &UserRow, doc: &UserDoc, only: Option<&[String]>) -> UserType {
    let attributes = doc
        .attributes
        .iter()
        .filter(|a| {
            only.is_none_or(|names| names.iter().any(|n| Some(n.as_str()) == a.name.as_deref()))
        })
        .cloned()
        .collect();
    UserType {
        username: Some(row.username.clone()),
        attributes: Some(attributes),
        user_create_date: Some(row.created_at),
        user_last_modified_date: Some(row.updated_at),
        enabled: Some(row.enabled),
        user_status: Some(row.status.clone()),
        mfa_options: mfa_options(doc),
    }
}

/// UserMFASettingList: the factors the user has enabled, if any.
pub(crate) fn mfa_setting_list(doc: &UserDoc) -> Option<Vec<String>> {
    let settings: Vec<String> = [
        (doc.mfa.sms_enabled, "SMS_MFA"),
        (doc.mfa.totp_enabled, "SOFTWARE_TOKEN_MFA"),
        (doc.mfa.email_enabled, "EMAIL_OTP"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect();
    (!settings.is_empty()).then_some(settings)
}

pub(crate) fn mfa_options(doc: &UserDoc) -> Option<Vec<MFAOptionType>> {
    doc.mfa.sms_enabled.then(|| {
        vec![MFAOptionType {
            delivery_medium: Some("SMS".into()),
            attribute_name: Some("phone_number".into()),
        }]
    })
}

/// After `email` or `phone_number` changed, its verified flag is cleared unless the
/// same call set it.
fn clear_changed_verification(
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

fn apply_writes(doc_attrs: &mut Vec<AttributeType>, writes: &[AttributeType]) {
    for a in writes {
        let name = a.name.as_deref().unwrap_or("");
        // Developer-only attributes are stored under their schema name.
        attrs::set(doc_attrs, name, a.value.as_deref().unwrap_or(""));
    }
}

/// The invitation of AdminCreateUser through each requested medium the user can receive.
fn send_invitation(
    conn: &mut dyn Conn,
    pool: &PoolView,
    username: &str,
    doc: &UserDoc,
    mediums: &[String],
    password: &str,
) -> Result<()> {
    let template = pool
        .pool
        .admin_create_user_config
        .as_ref()
        .and_then(|c| c.invite_message_template.clone())
        .unwrap_or_default();
    for medium in mediums {
        let (channel, attr) = if medium == "EMAIL" {
            (Channel::Email, "email")
        } else {
            (Channel::Sms, "phone_number")
        };
        let Some(destination) = attrs::get(&doc.attributes, attr).filter(|d| !d.is_empty()) else {
            continue;
        };
        let (subject, body) = outbox::compose(
            channel,
            template.email_subject.as_deref(),
            template.email_message.as_deref(),
            template.sms_message.as_deref(),
            "Your temporary password",
            "Your username is {username} and temporary password is {####}.",
        );
        outbox::send(
            conn,
            Message {
                pool_id: &pool.id,
                username,
                channel,
                destination,
                kind: "ADMIN_CREATE_USER",
                subject,
                body: outbox::fill(&body, username, password),
                code: Some(password.to_string()),
            },
        )?;
    }
    Ok(())
}

/// Makes `verifier` the user's permanent password: the user is CONFIRMED.
pub(crate) fn set_permanent_password(row: &mut UserRow, doc: &mut UserDoc, verifier: Verifier) {
    doc.password = Some(StoredPassword {
        verifier,
        temporary: false,
        set_at: now(),
        expires_at: None,
    });
    row.status = "CONFIRMED".into();
}

fn temporary_password(pool: &PoolView, username_for_srp: &str, password: &str) -> StoredPassword {
    let days = pool
        .password_policy()
        .temporary_password_validity_days
        .unwrap_or(7);
    let t = now();
    StoredPassword {
        verifier: srp::verifier(&pool.id, username_for_srp, password),
        temporary: true,
        set_at: t,
        expires_at: Some(t + f64::from(days) * 86400.0),
    }
}

/// AdminCreateUser's work inside a transaction; `sub` is the new user's sub (and
/// username, where email or phone is the sign-in name).
pub(crate) fn create_user(
    c: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
    input: &AdminCreateUserRequest,
    sub: &str,
) -> Result<AdminCreateUserResponse> {
    let given = required(&input.username, "username")?.clone();
    let precomputed_sub = sub.to_string();
    let pool = PoolView::load(c, cache, pool_id)?;
    let writes = input.user_attributes.clone().unwrap_or_default();
    let resend = input.message_action.as_deref() == Some("RESEND");
    let mediums = input
        .desired_delivery_mediums
        .clone()
        .unwrap_or_else(|| vec!["SMS".into()]);
    if resend {
        let (mut row, mut doc) = require(c, &pool, &given)?;
        if row.status != "FORCE_CHANGE_PASSWORD" {
            return Err(fail(
                ErrorCode::UnsupportedUserStateException,
                "Resend not possible. User has already been confirmed.",
            ));
        }
        let password = match &input.temporary_password {
            Some(p) => p.clone(),
            None => password_policy::temporary(&pool.password_policy()),
        };
        password_policy::check(&pool.password_policy(), &password)?;
        doc.password = Some(temporary_password(&pool, &row.username, &password));
        row = save(c, &pool, row, &doc)?;
        send_invitation(c, &pool, &row.username, &doc, &mediums, &password)?;
        return Ok(AdminCreateUserResponse {
            user: Some(user_type(&row, &doc, None)),
        });
    }
    attrs::check_writes(&pool.pool, &writes, true)?;
    let mut attributes = vec![AttributeType {
        name: Some("sub".into()),
        value: Some(precomputed_sub.clone()),
    }];
    apply_writes(&mut attributes, &writes);
    // Where email or phone is the sign-in name, the username given is that
    // email or phone number and the user's username becomes a UUID.
    let username = if pool.username_attributes().is_empty() {
        given.clone()
    } else {
        let as_email = given.contains('@');
        let as_phone = given.starts_with('+');
        let allows = |a: &str| pool.username_attributes().iter().any(|x| x == a);
        if as_email && allows("email") {
            if attrs::get(&attributes, "email").is_none_or(|e| e != given) {
                attrs::set(&mut attributes, "email", &given);
            }
        } else if as_phone && allows("phone_number") {
            if attrs::get(&attributes, "phone_number").is_none_or(|p| p != given) {
                attrs::set(&mut attributes, "phone_number", &given);
            }
        } else {
            let what = if allows("email") {
                "an email"
            } else {
                "a phone number"
            };
            return Err(invalid(format!("Username should be {what}.")));
        }
        attrs::check_writes(&pool.pool, &attributes[1..], true)?;
        precomputed_sub.clone()
    };
    if pool.username_attributes().is_empty()
        && (given.contains('@') && pool.alias_attributes().iter().any(|a| a == "email"))
    {
        return Err(invalid(
            "Username cannot be of email format, since user pool is configured for email alias.",
        ));
    }
    attrs::check_required(&pool.pool, &attributes)?;
    let key = pool.fold(&username);
    if user::get(c, &pool.id, &key)?.is_some() {
        return Err(fail(
            ErrorCode::UsernameExistsException,
            "User account already exists",
        ));
    }
    let password = match &input.temporary_password {
        Some(p) => p.clone(),
        None => password_policy::temporary(&pool.password_policy()),
    };
    password_policy::check(&pool.password_policy(), &password)?;
    let doc = UserDoc {
        attributes,
        // A generated password that is never delivered can never be
        // presented: nothing is stored for it.
        password: (input.temporary_password.is_some()
            || input.message_action.as_deref() != Some("SUPPRESS"))
        .then(|| temporary_password(&pool, &username, &password)),
        mfa: MfaSettings::default(),
    };
    check_unique_names(
        c,
        &pool,
        &key,
        &doc,
        input.force_alias_creation == Some(true),
    )?;
    let t = now();
    let row = UserRow {
        pool_id: pool.id.clone(),
        username_key: key,
        username: username.clone(),
        sub: precomputed_sub.clone(),
        status: "FORCE_CHANGE_PASSWORD".into(),
        enabled: true,
        created_at: t,
        updated_at: t,
        doc: to_doc(&doc)?,
    };
    user::insert(c, &row, &index_entries(&pool, &row, &doc))?;
    if input.message_action.as_deref() != Some("SUPPRESS") {
        send_invitation(c, &pool, &username, &doc, &mediums, &password)?;
    }
    Ok(AdminCreateUserResponse {
        user: Some(user_type(&row, &doc, None)),
    })
}

/// AdminSetUserPassword's work inside a transaction. `precomputed` is a verifier made
/// beforehand for `username` as given: the modular exponentiation then stays off the
/// store's writer; it is used when that is the user's username.
pub(crate) fn set_password(
    c: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
    username: &str,
    password: &str,
    permanent: bool,
    precomputed: Option<&Verifier>,
) -> Result<()> {
    let pool = PoolView::load(c, cache, pool_id)?;
    let (mut row, mut doc) = require(c, &pool, username)?;
    password_policy::check(&pool.password_policy(), password)?;
    if permanent {
        let verifier = match precomputed {
            Some(v) if row.username == username => v.clone(),
            _ => srp::verifier(&pool.id, &row.username, password),
        };
        set_permanent_password(&mut row, &mut doc, verifier);
    } else {
        doc.password = Some(temporary_password(&pool, &row.username, password));
        row.status = "FORCE_CHANGE_PASSWORD".into();
    }
    save(c, &pool, row, &doc)?;
    Ok(())
}

/// Writes attributes of a user (AdminUpdateUserAttributes, UpdateUserAttributes); a
/// changed email or phone number that the pool verifies gets a code. Returns where
/// codes went.
pub(crate) fn update_attributes(
    c: &mut dyn Conn,
    pool: &PoolView,
    row: UserRow,
    mut doc: UserDoc,
    writes: &[AttributeType],
) -> Result<Vec<CodeDeliveryDetailsType>> {
    let mut deliveries = Vec::new();
    attrs::check_writes(&pool.pool, writes, false)?;
    let before = doc.attributes.clone();
    apply_writes(&mut doc.attributes, writes);
    clear_changed_verification(&before, &mut doc.attributes, writes);
    attrs::check_required(&pool.pool, &doc.attributes)?;
    check_unique_names(c, pool, &row.username_key, &doc, false)?;
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
            let code = codes::issue(c, &pool.id, &row.username_key, &format!("verify:{name}"))?;
            let template = pool
                .pool
                .verification_message_template
                .clone()
                .unwrap_or_default();
            let (subject, body) = outbox::compose(
                channel,
                template.email_subject.as_deref(),
                template.email_message.as_deref(),
                template.sms_message.as_deref(),
                "Your verification code",
                "Your verification code is {####}. ",
            );
            outbox::send(
                c,
                Message {
                    pool_id: &pool.id,
                    username: &row.username,
                    channel,
                    destination,
                    kind: "UPDATE_USER_ATTRIBUTE",
                    subject,
                    body: outbox::fill(&body, &row.username, &code),
                    code: Some(code.clone()),
                },
            )?;
            deliveries.push(CodeDeliveryDetailsType {
                destination: Some(outbox::mask(destination)),
                delivery_medium: Some(if name == "email" { "EMAIL" } else { "SMS" }.into()),
                attribute_name: Some(name.into()),
            });
        }
    }
    Ok(deliveries)
}

/// Removes attributes of a user (AdminDeleteUserAttributes, DeleteUserAttributes).
pub(crate) fn delete_attributes(
    c: &mut dyn Conn,
    pool: &PoolView,
    row: UserRow,
    mut doc: UserDoc,
    names: &[String],
) -> Result<()> {
    for name in names {
        if name == "sub" {
            return Err(invalid(
                "Invalid user attributes: user.sub: Cannot modify the non-mutable attribute sub.",
            ));
        }
        let Some(entry) = attrs::schema_entry(&pool.pool, name) else {
            return Err(invalid(format!(
                "Invalid user attributes: user.{name}: Attribute does not exist in the schema."
            )));
        };
        if entry.required == Some(true) {
            return Err(invalid(format!(
                "Invalid user attributes: user.{name}: Required attribute cannot be deleted."
            )));
        }
        if entry.mutable == Some(false) {
            return Err(invalid(format!("Invalid user attributes: user.{name}: Attribute cannot be updated. (changing an immutable attribute)")));
        }
        attrs::remove(&mut doc.attributes, name);
        if name == "email" || name == "phone_number" {
            attrs::remove(&mut doc.attributes, &format!("{name}_verified"));
        }
    }
    save(c, pool, row, &doc)?;
    Ok(())
}

impl Service {
    /// Runs `work` on user `username` of pool `pool_id` in one read or write
    /// transaction: the pool and the user must exist (ResourceNotFoundException,
    /// UserNotFoundException). The admin operations' twin of `with_access_token`.
    pub(crate) async fn with_user<T: Send + 'static>(
        &self,
        pool_id: String,
        username: String,
        write: bool,
        mut work: impl FnMut(&mut dyn Conn, &PoolView, UserRow, UserDoc) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let cache = self.pool_cache();
        let run = move |c: &mut dyn Conn| -> Result<T> {
            let pool = PoolView::load(c, &cache, &pool_id)?;
            let (row, doc) = require(c, &pool, &username)?;
            work(c, &pool, row, doc)
        };
        if write {
            self.store().write(run).await
        } else {
            self.store().read(run).await
        }
    }

    pub(crate) async fn admin_create_user(
        &self,
        input: AdminCreateUserRequest,
    ) -> Result<AdminCreateUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        required(&input.username, "username")?;
        let sub = uuid::Uuid::new_v4().to_string();
        let cache = self.pool_cache();
        self.store()
            .write(move |c| create_user(c, &cache, &pool_id, &input, &sub))
            .await
    }

    pub(crate) async fn admin_get_user(
        &self,
        input: AdminGetUserRequest,
    ) -> Result<AdminGetUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, false, |_, _, row, doc| {
            Ok(AdminGetUserResponse {
                username: Some(row.username.clone()),
                user_attributes: Some(doc.attributes.clone()),
                user_create_date: Some(row.created_at),
                user_last_modified_date: Some(row.updated_at),
                enabled: Some(row.enabled),
                user_status: Some(row.status.clone()),
                mfa_options: mfa_options(&doc),
                preferred_mfa_setting: doc.mfa.preferred.clone(),
                user_mfa_setting_list: mfa_setting_list(&doc),
            })
        })
        .await
    }

    pub(crate) async fn admin_delete_user(&self, input: AdminDeleteUserRequest) -> Result<Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, true, |c, pool, row, _| {
            user::delete(c, &pool.id, &row.username_key)?;
            Ok(Empty {})
        })
        .await
    }

    async fn set_enabled(&self, pool_id: String, username: String, enabled: bool) -> Result<()> {
        self.with_user(pool_id, username, true, move |c, pool, mut row, doc| {
            row.enabled = enabled;
            save(c, pool, row, &doc)?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn admin_enable_user(
        &self,
        input: AdminEnableUserRequest,
    ) -> Result<AdminEnableUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.set_enabled(pool_id, username, true).await?;
        Ok(AdminEnableUserResponse {})
    }

    pub(crate) async fn admin_disable_user(
        &self,
        input: AdminDisableUserRequest,
    ) -> Result<AdminDisableUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.set_enabled(pool_id, username, false).await?;
        Ok(AdminDisableUserResponse {})
    }

    pub(crate) async fn admin_update_user_attributes(
        &self,
        input: AdminUpdateUserAttributesRequest,
    ) -> Result<AdminUpdateUserAttributesResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let writes = required(&input.user_attributes, "userAttributes")?.clone();
        self.with_user(pool_id, username, true, move |c, pool, row, doc| {
            update_attributes(c, pool, row, doc, &writes)?;
            Ok(AdminUpdateUserAttributesResponse {})
        })
        .await
    }

    pub(crate) async fn admin_delete_user_attributes(
        &self,
        input: AdminDeleteUserAttributesRequest,
    ) -> Result<AdminDeleteUserAttributesResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let names = required(&input.user_attribute_names, "userAttributeNames")?.clone();
        self.with_user(pool_id, username, true, move |c, pool, row, doc| {
            delete_attributes(c, pool, row, doc, &names)?;
            Ok(AdminDeleteUserAttributesResponse {})
        })
        .await
    }

    pub(crate) async fn admin_set_user_password(
        &self,
        input: AdminSetUserPasswordRequest,
    ) -> Result<AdminSetUserPasswordResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let password = required(&input.password, "password")?.clone();
        let permanent = input.permanent.unwrap_or(false);
        let cache = self.pool_cache();
        let precomputed = permanent.then(|| srp::verifier(&pool_id, &username, &password));
        self.store()
            .write(move |c| {
                set_password(
                    c,
                    &cache,
                    &pool_id,
                    &username,
                    &password,
                    permanent,
                    precomputed.as_ref(),
                )
            })
            .await?;
        Ok(AdminSetUserPasswordResponse {})
    }

    pub(crate) async fn admin_reset_user_password(
        &self,
        input: AdminResetUserPasswordRequest,
    ) -> Result<AdminResetUserPasswordResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, true, |c, pool, mut row, doc| {
            if !row.enabled {
                return Err(fail(ErrorCode::NotAuthorizedException, "User is disabled."));
            }
            // The code goes to a verified email, else a verified phone, in the order
            // of the pool's recovery setting.
            let mechanisms: Vec<String> = pool
                .pool
                .account_recovery_setting
                .as_ref()
                .and_then(|s| s.recovery_mechanisms.clone())
                .map(|mut m| {
                    m.sort_by_key(|o| o.priority.unwrap_or(0));
                    m.into_iter().filter_map(|o| o.name).collect()
                })
                .unwrap_or_else(|| vec!["verified_email".into(), "verified_phone_number".into()]);
            let target = mechanisms.iter().find_map(|m| {
                let (attr, channel) = match m.as_str() {
                    "verified_email" => ("email", Channel::Email),
                    "verified_phone_number" => ("phone_number", Channel::Sms),
                    _ => return None,
                };
                let dest = attrs::get(&doc.attributes, attr)?;
                attrs::is_verified(&doc.attributes, attr).then(|| (dest.to_string(), channel))
            });
            let Some((destination, channel)) = target else {
                return Err(invalid(
                    "Cannot reset password for the user as there is no registered/verified email or phone_number",
                ));
            };
            let code = codes::issue(c, &pool.id, &row.username_key, "forgot_password")?;
            let template = pool.pool.verification_message_template.clone().unwrap_or_default();
            let (subject, body) = outbox::compose(
                channel,
                template.email_subject.as_deref(),
                template.email_message.as_deref(),
                template.sms_message.as_deref(),
                "Your verification code",
                "Your password reset code is {####}. ",
            );
            outbox::send(
                c,
                Message {
                    pool_id: &pool.id,
                    username: &row.username,
                    channel,
                    destination: &destination,
                    kind: "FORGOT_PASSWORD",
                    subject,
                    body: outbox::fill(&body, &row.username, &code),
                    code: Some(code.clone()),
                },
            )?;
            row.status = "RESET_REQUIRED".into();
            save(c, pool, row, &doc)?;
            Ok(AdminResetUserPasswordResponse {})
        })
        .await
    }

    pub(crate) async fn admin_confirm_sign_up(
        &self,
        input: AdminConfirmSignUpRequest,
    ) -> Result<AdminConfirmSignUpResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, true, |c, pool, mut row, doc| {
            if row.status != "UNCONFIRMED" {
                return Err(fail(
                    ErrorCode::NotAuthorizedException,
                    format!("User cannot be confirmed. Current status is {}", row.status),
                ));
            }
            row.status = "CONFIRMED".into();
            save(c, pool, row, &doc)?;
            Ok(AdminConfirmSignUpResponse {})
        })
        .await
    }

    pub(crate) async fn list_users(&self, input: ListUsersRequest) -> Result<ListUsersResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let filter = list_users_filter::parse(input.filter.as_deref().unwrap_or(""))?;
        let page = PageRequest {
            after: pagination::decode(input.pagination_token.as_ref())?,
            limit: pagination::limit(input.limit, 60),
        };
        let only = input.attributes_to_get.clone();
        let cache = self.pool_cache();
        self.store()
            .read(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let filter = filter.map(|f| {
                    let folded = matches!(
                        f.attribute.as_str(),
                        "username" | "email" | "preferred_username"
                    );
                    let value = match f.attribute.as_str() {
                        "status" => {
                            let mut v = f.value.to_lowercase();
                            if let Some(first) = v.get_mut(0..1) {
                                first.make_ascii_uppercase();
                            }
                            v
                        }
                        _ if folded => pool.fold(&f.value),
                        _ => f.value.clone(),
                    };
                    Filter {
                        name: f.attribute,
                        value,
                        prefix: f.prefix,
                    }
                });
                let page = user::list(c, &pool.id, filter.as_ref(), &page)?;
                let mut users = Vec::with_capacity(page.items.len());
                for row in &page.items {
                    let doc: UserDoc = from_doc(&row.doc)?;
                    users.push(user_type(row, &doc, only.as_deref()));
                }
                Ok(ListUsersResponse {
                    users: Some(users),
                    pagination_token: page.next.as_deref().map(pagination::encode),
                })
            })
            .await
    }

    pub(crate) async fn get_csv_header(
        &self,
        input: GetCSVHeaderRequest,
    ) -> Result<GetCSVHeaderResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let (_, pool) = self.store().read(move |c| load_pool(c, &pool_id)).await?;
        let mut header: Vec<String> = pool
            .schema_attributes
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| a.name)
            .filter(|n| n != "sub" && !n.starts_with("dev:"))
            .collect();
        header.push("cognito:mfa_enabled".into());
        header.push("cognito:username".into());
        Ok(GetCSVHeaderResponse {
            user_pool_id: pool.id,
            csv_header: Some(header),
        })
    }
}
