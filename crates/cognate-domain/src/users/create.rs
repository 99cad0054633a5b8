//! AdminCreateUser: a new user with a temporary password, or the invitation sent again
//! (MessageAction RESEND); email or phone number as the username where the pool says so.

use super::*;
use crate::clock::now;
use crate::crypto::srp::Verifier;
use crate::effects::Effects;
use crate::error::{fail, invalid, required, Result};
use crate::messages::templates::{Recipient, Template};
use crate::messages::Channel;
use crate::operations::operation;
use crate::pools::cache::PoolCache;
use crate::pools::password_policy;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::to_doc;
use crate::users::attributes as attrs;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user::{self, UserRow};
use cognate_store::Conn;

operation!(AdminCreateUser => Service::admin_create_user);

/// The invitation of AdminCreateUser through each requested medium the user can receive
/// (also a migrated user's welcome message).
pub(super) fn send_invitation(
    effects: &mut Effects,
    pool: &PoolView,
    username: &str,
    doc: &UserDoc,
    mediums: &[DeliveryMediumType],
    password: &str,
) {
    let template = pool
        .pool
        .admin_create_user_config
        .as_ref()
        .and_then(|c| c.invite_message_template.clone())
        .unwrap_or_default();
    for medium in mediums {
        let (channel, attr) = if *medium == DeliveryMediumType::EMAIL {
            (Channel::Email, "email")
        } else {
            (Channel::Sms, "phone_number")
        };
        let Some(destination) = attrs::get(&doc.attributes, attr).filter(|d| !d.is_empty()) else {
            continue;
        };
        effects.send(
            Template {
                email_subject: template.email_subject.as_deref(),
                email_message: template.email_message.as_deref(),
                sms_message: template.sms_message.as_deref(),
                default_subject: "Your temporary password",
                default_body: "Your username is {username} and temporary password is {####}.",
            }
            .message(
                Recipient {
                    pool_id: &pool.id,
                    username,
                    channel,
                    destination,
                },
                "ADMIN_CREATE_USER",
                password,
            ),
        );
    }
}

/// The username of a new user created or signed up as `given`: `given` itself, or,
/// where email or phone is the sign-in name, its `sub` (the email or phone number given
/// is then that attribute). `attributes` starts with the user's `sub`.
pub(crate) fn new_username(
    pool: &PoolView,
    given: &str,
    sub: &str,
    attributes: &mut Vec<AttributeType>,
) -> Result<String> {
    let username = if pool.username_attributes().is_empty() {
        given.to_string()
    } else {
        let as_email = given.contains('@');
        let as_phone = given.starts_with('+');
        let allows = |a: UsernameAttributeType| pool.username_attributes().contains(&a);
        if as_email && allows(UsernameAttributeType::EMAIL) {
            if attrs::get(attributes, "email").is_none_or(|e| e != given) {
                attrs::set(attributes, "email", given);
            }
        } else if as_phone && allows(UsernameAttributeType::PHONE_NUMBER) {
            if attrs::get(attributes, "phone_number").is_none_or(|p| p != given) {
                attrs::set(attributes, "phone_number", given);
            }
        } else {
            let what = if allows(UsernameAttributeType::EMAIL) {
                "an email"
            } else {
                "a phone number"
            };
            return Err(invalid(format!("Username should be {what}.")));
        }
        attrs::check_writes(&pool.pool, &mut attributes[1..], true)?;
        sub.to_string()
    };
    if pool.username_attributes().is_empty()
        && (given.contains('@') && pool.alias_attributes().contains(&AliasAttributeType::EMAIL))
    {
        return Err(invalid(
            "Username cannot be of email format, since user pool is configured for email alias.",
        ));
    }
    Ok(username)
}

/// Stores a new user under `key` (their username folded) once their sign-in names are
/// known to be free (`forced`: ForceAliasCreation moves a verified alias to them).
pub(super) fn insert_new_user(
    c: &mut dyn Conn,
    pool: &PoolView,
    (key, username, sub): (String, &str, &str),
    status: UserStatusType,
    doc: &UserDoc,
    forced: bool,
) -> Result<UserRow> {
    check_unique_names(
        c,
        pool,
        &key,
        doc,
        if forced {
            Change::ForcedCreation
        } else {
            Change::Creation
        },
    )?;
    let t = now();
    let row = UserRow {
        pool_id: pool.id.clone(),
        username_key: key,
        username: username.to_string(),
        sub: sub.to_string(),
        status: status.into(),
        enabled: true,
        created_at: t,
        updated_at: t,
        doc: to_doc(doc)?,
    };
    user::insert(c, &row, &index_entries(pool, &row, doc))?;
    Ok(row)
}

/// A temporary password's verifier made before the write, so that the modular
/// exponentiation stays off the store's writer: used only when the user is created
/// with this username and password.
pub(crate) struct PrecomputedPassword {
    pub username: String,
    pub password: String,
    pub verifier: Verifier,
}

/// AdminCreateUser's work inside a transaction; `sub` is the new user's sub (and
/// username, where email or phone is the sign-in name). Returns the invitations to
/// send after the commit.
pub(crate) fn create_user(
    c: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
    input: &AdminCreateUserRequest,
    sub: &str,
    precomputed: Option<&PrecomputedPassword>,
) -> Result<(AdminCreateUserResponse, Effects)> {
    let given = required(&input.username, "username")?.clone();
    let precomputed_sub = sub.to_string();
    let pool = PoolView::load(c, cache, pool_id)?;
    let mut writes = input.user_attributes.clone().unwrap_or_default();
    let resend = input.message_action == Some(MessageActionType::RESEND);
    let mediums = input
        .desired_delivery_mediums
        .clone()
        .unwrap_or_else(|| vec![DeliveryMediumType::SMS]);
    if resend {
        let (mut row, mut doc) = require(c, &pool, &given)?;
        if row.status != UserStatusType::FORCE_CHANGE_PASSWORD {
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
        let mut effects = Effects::default();
        send_invitation(
            &mut effects,
            &pool,
            &row.username,
            &doc,
            &mediums,
            &password,
        );
        return Ok((
            AdminCreateUserResponse {
                user: Some(user_type(&row, &doc, None)),
            },
            effects,
        ));
    }
    attrs::check_writes(&pool.pool, &mut writes, true)?;
    let mut attributes = vec![AttributeType {
        name: Some("sub".into()),
        value: Some(precomputed_sub.clone()),
    }];
    apply_writes(&mut attributes, &writes);
    let username = new_username(&pool, &given, &precomputed_sub, &mut attributes)?;
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
            || input.message_action != Some(MessageActionType::SUPPRESS))
        .then(|| match precomputed {
            Some(p) if p.username == username && p.password == password => {
                temporary_password_of(&pool, p.verifier.clone())
            }
            _ => temporary_password(&pool, &username, &password),
        }),
        mfa: MfaSettings::default(),
        links: Vec::new(),
    };
    let row = insert_new_user(
        c,
        &pool,
        (key, &username, &precomputed_sub),
        UserStatusType::FORCE_CHANGE_PASSWORD,
        &doc,
        input.force_alias_creation == Some(true),
    )?;
    let mut effects = Effects::default();
    if input.message_action != Some(MessageActionType::SUPPRESS) {
        send_invitation(&mut effects, &pool, &username, &doc, &mediums, &password);
    }
    Ok((
        AdminCreateUserResponse {
            user: Some(user_type(&row, &doc, None)),
        },
        effects,
    ))
}

impl Service {
    pub(crate) async fn admin_create_user(
        &self,
        input: AdminCreateUserRequest,
    ) -> Result<AdminCreateUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let sub = uuid::Uuid::new_v4().to_string();
        let mut input = input;
        let mut precomputed = None;
        // PreSignUp (PreSignUp_AdminCreateUser) before the write, for a new user; it may
        // verify their email or phone number.
        if input.message_action != Some(MessageActionType::RESEND) {
            let pool = self.pool_view(&pool_id).await?;
            let pre = self
                .pre_sign_up(crate::triggers::PreSignUp {
                    pool: &pool.pool,
                    pool_id: &pool.id,
                    source: "PreSignUp_AdminCreateUser",
                    username: &username,
                    client_id: None,
                    attributes: input.user_attributes.as_deref().unwrap_or(&[]),
                    validation_data: input.validation_data.as_deref(),
                    client_metadata: input.client_metadata.as_ref(),
                })
                .await?;
            let attributes = input.user_attributes.get_or_insert_with(Vec::new);
            if pre.verify_email {
                attrs::set(attributes, "email_verified", "true");
            }
            if pre.verify_phone {
                attrs::set(attributes, "phone_number_verified", "true");
            }
            // The temporary password that will be kept (given, or generated for an
            // invitation) and its verifier, for the username the user will have.
            let suppressed = input.message_action == Some(MessageActionType::SUPPRESS);
            if input.temporary_password.is_none() && !suppressed {
                input.temporary_password =
                    Some(password_policy::temporary(&pool.password_policy()));
            }
            if let Some(password) = &input.temporary_password {
                let username = if pool.username_attributes().is_empty() {
                    username.clone()
                } else {
                    sub.clone()
                };
                precomputed = Some(PrecomputedPassword {
                    verifier: crate::crypto::srp::verifier(&pool.id, &username, password),
                    username,
                    password: password.clone(),
                });
            }
        }
        let cache = self.pool_cache();
        let client_metadata = input.client_metadata.clone();
        let (created, effects) = self
            .store()
            .write(move |c| create_user(c, &cache, &pool_id, &input, &sub, precomputed.as_ref()))
            .await?;
        self.after_commit(effects.for_client(None, client_metadata.as_ref()))
            .await?;
        Ok(created)
    }
}
