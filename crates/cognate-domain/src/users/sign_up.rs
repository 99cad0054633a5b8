//! SignUp: a user registers themselves through an app client. They start UNCONFIRMED
//! with their password (as its SRP verifier) and, when the pool auto-verifies email or
//! phone number, get a code (or link) to confirm with (`confirmation`). The pool's
//! PreSignUp trigger is called first (outside the write); it may confirm the user and
//! verify their email or phone number, and then no code is sent.

use super::public_client::PublicClient;
use super::*;
use crate::clock::now;
use crate::crypto::srp::{self, Verifier};
use crate::effects::Effects;
use crate::error::{fail, invalid, required, Result};
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

operation!(SignUp => Service::sign_up, with_context);

/// What SignUp's write needs beyond the request.
struct NewUser {
    sub: String,
    /// The verifier, computed before the write for the username the user will most
    /// likely get (the SRP exponentiation stays off the store's writer).
    precomputed: Option<(String, Verifier)>,
    /// The base of confirmation links (the server's public URL).
    public_url: String,
    /// What the PreSignUp trigger decided.
    pre: crate::triggers::PreSignUpAnswer,
}

/// AdminCreateUserConfig.AllowAdminCreateUserOnly: only administrators create users.
pub(crate) fn admin_only(pool: &UserPoolType) -> bool {
    pool.admin_create_user_config
        .as_ref()
        .and_then(|a| a.allow_admin_create_user_only)
        == Some(true)
}

/// SignUp's work inside a transaction.
fn sign_up_user(
    c: &mut dyn Conn,
    cache: &PoolCache,
    secrets: &crate::SecretBox,
    client: &PublicClient,
    input: &SignUpRequest,
    new: &NewUser,
) -> Result<(SignUpResponse, Effects)> {
    let given = required(&input.username, "username")?;
    let pool = PoolView::load(c, cache, &client.client.pool_id)?;
    if admin_only(&pool.pool) {
        return Err(fail(
            ErrorCode::NotAuthorizedException,
            "SignUp is not permitted for this user pool",
        ));
    }
    // Without a password only where the pool allows a passwordless first factor.
    let password = input.password.as_deref();
    if password.is_none() && !crate::auth::allows_passwordless(&pool.pool) {
        return Err(invalid(
            "Password is required for sign-up: passwordless sign-up is not enabled.",
        ));
    }
    let mut writes = input.user_attributes.clone().unwrap_or_default();
    // The client's WriteAttributes bound what a user may set about themselves.
    attrs::check_user_writes(
        &pool.pool,
        &client.client.client,
        writes.iter().map(|a| a.name.as_deref().unwrap_or("")),
    )?;
    attrs::check_writes(&pool.pool, &mut writes, true)?;
    let mut attributes = vec![AttributeType {
        name: Some("sub".into()),
        value: Some(new.sub.clone()),
    }];
    apply_writes(&mut attributes, &writes);
    let username = new_username(&pool, given, &new.sub, &mut attributes)?;
    attrs::check_required(&pool.pool, &attributes)?;
    if new.pre.verify_email {
        attrs::set(&mut attributes, "email_verified", "true");
    }
    if new.pre.verify_phone {
        attrs::set(&mut attributes, "phone_number_verified", "true");
    }
    if let Some(password) = password {
        password_policy::check(&pool.password_policy(), password)?;
    }
    let key = pool.fold(&username);
    if user::get(c, &pool.id, &key)?.is_some() {
        return Err(fail(
            ErrorCode::UsernameExistsException,
            "User already exists",
        ));
    }
    let verifier = password.map(|password| match &new.precomputed {
        Some((name, v)) if *name == username => v.clone(),
        _ => srp::verifier(&pool.id, &username, password),
    });
    let doc = UserDoc {
        attributes,
        password: verifier.map(|verifier| StoredPassword {
            verifier,
            temporary: false,
            set_at: now(),
            expires_at: None,
        }),
        mfa: MfaSettings::default(),
        links: Vec::new(),
    };
    check_unique_names(c, &pool, &key, &doc, Change::Creation)?;
    let t = now();
    let row = UserRow {
        pool_id: pool.id.clone(),
        username_key: key,
        username,
        sub: new.sub.clone(),
        status: if new.pre.auto_confirm {
            UserStatusType::CONFIRMED
        } else {
            UserStatusType::UNCONFIRMED
        }
        .into(),
        enabled: true,
        created_at: t,
        updated_at: t,
        doc: to_doc(&doc)?,
    };
    user::insert(c, &row, &index_entries(&pool, &row, &doc))?;
    crate::users::record_event_in(
        c,
        &pool,
        &row.sub,
        client.client.source_ip.clone(),
        EventType::SIGNUP,
    )?;
    if new.pre.auto_confirm {
        return Ok((
            SignUpResponse {
                user_confirmed: Some(true),
                user_sub: Some(new.sub.clone()),
                code_delivery_details: None,
                session: None,
            },
            Effects::default(),
        ));
    }
    let client_id = client.client.client.client_id.clone().unwrap_or_default();
    let sent = send_sign_up_code(
        c,
        secrets,
        &pool,
        (&row, &doc),
        SignUpCode {
            client_id: &client_id,
            public_url: &new.public_url,
            kind: "SIGN_UP",
        },
    )?;
    let mut effects = Effects::default();
    let details = sent.map(|(details, message)| {
        effects.send(message);
        details
    });
    Ok((
        SignUpResponse {
            user_confirmed: Some(false),
            user_sub: Some(new.sub.clone()),
            code_delivery_details: details,
            session: None,
        },
        effects,
    ))
}

impl Service {
    pub(crate) async fn sign_up(
        &self,
        ctx: &cognate_api::RequestContext,
        input: SignUpRequest,
    ) -> Result<SignUpResponse> {
        let client_id = required(&input.client_id, "clientId")?.clone();
        let client_id = client_id.as_str();
        let given = required(&input.username, "username")?.clone();
        let client_metadata = input.client_metadata.clone();
        let mut client = self.public_client(client_id).await?;
        client.check_secret_hash(&given, None, input.secret_hash.as_deref())?;
        client.client.source_ip = ctx.source_ip.clone();
        let sub = uuid::Uuid::new_v4().to_string();
        // The username the user will get (the sub where email or phone is the sign-in
        // name), for a verifier computed outside the write.
        let pool = self.pool_view(&client.client.pool_id).await?;
        let precomputed = input.password.as_deref().map(|password| {
            let username = if pool.username_attributes().is_empty() {
                given.clone()
            } else {
                sub.clone()
            };
            let v = srp::verifier(&pool.id, &username, password);
            (username, v)
        });
        let pre = self
            .pre_sign_up(crate::triggers::PreSignUp {
                pool: &pool.pool,
                pool_id: &pool.id,
                source: "PreSignUp_SignUp",
                username: &given,
                client_id: Some(client_id),
                attributes: input.user_attributes.as_deref().unwrap_or(&[]),
                validation_data: input.validation_data.as_deref(),
                client_metadata: input.client_metadata.as_ref(),
            })
            .await?;
        let new = NewUser {
            sub,
            precomputed,
            public_url: self.config().public_url.clone(),
            pre,
        };
        let (cache, secrets) = (self.pool_cache(), self.secrets().clone());
        let (response, effects) = self
            .store()
            .write(move |c| sign_up_user(c, &cache, &secrets, &client, &input, &new))
            .await?;
        self.after_commit(effects.for_client(Some(client_id), client_metadata.as_ref()))
            .await?;
        if response.user_confirmed == Some(true)
            && crate::triggers::has_post_confirmation(&pool.pool)
        {
            self.post_confirmation(crate::triggers::PostConfirmation {
                pool_id: &pool.id,
                username: response.user_sub.as_deref().unwrap_or_default(),
                source: "PostConfirmation_ConfirmSignUp",
                client_id: Some(client_id),
                client_metadata: client_metadata.as_ref(),
            })
            .await?;
        }
        Ok(response)
    }
}
