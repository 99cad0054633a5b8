//! The steps every sign-in flow shares: what it reads first, the user's status after a
//! correct password, what follows it (a new password, MFA, or the tokens), and the
//! tokens of a successful sign-in.

use super::*;
use crate::clock::now;
use crate::error::{fail, Result};
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use crate::tokens::{self};
use crate::users::{self as user, UserDoc};
use cognate_api::types::UserStatusType;
use cognate_api::ErrorCode;
use cognate_store::records::auth::{self as records};
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

/// The checks after a correct password: status, and temporary password expiry.
/// Ok(true) when the user must choose a new password first.
pub(super) fn check_status(row: &UserRow, doc: &UserDoc) -> Result<bool> {
    match &row.status {
        s if *s == UserStatusType::UNCONFIRMED => Err(fail(
            ErrorCode::UserNotConfirmedException,
            "User is not confirmed.",
        )),
        s if *s == UserStatusType::RESET_REQUIRED => Err(fail(
            ErrorCode::PasswordResetRequiredException,
            "Password reset required for the user",
        )),
        s if *s == UserStatusType::FORCE_CHANGE_PASSWORD => {
            if doc
                .password
                .as_ref()
                .and_then(|p| p.expires_at)
                .is_some_and(|e| e < now())
            {
                return Err(not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// A user in RESET_REQUIRED without a password (imported from a CSV file, migrated from
/// a forgotten password) has none to check: as AWS documents for imported users, the
/// answer is that a reset is required, unless the client hides which users exist (then
/// the sign-in fails as a wrong password does).
pub(super) fn reset_without_password(
    client: &AuthClient,
    row: &UserRow,
    doc: &UserDoc,
) -> Result<()> {
    if row.status == UserStatusType::RESET_REQUIRED
        && doc.password.is_none()
        && !super::client_policy::prevents_existence_errors(client)
    {
        return Err(fail(
            ErrorCode::PasswordResetRequiredException,
            "Password reset required for the user",
        ));
    }
    Ok(())
}

/// A device of the user's that a sign-in named (to be proven by device SRP).
pub(super) struct NamedDevice {
    pub(super) key: String,
    /// Remembered, in a pool whose ChallengeRequiredOnNewDevice lets a remembered
    /// device sign in without MFA.
    pub(super) stands_in_for_mfa: bool,
}

/// What every step of a sign-in reads first.
pub(super) struct Context {
    pub(super) pool: PoolView,
    pub(super) user: Option<(UserRow, UserDoc)>,
}

pub(super) fn read_context(
    conn: &mut dyn Conn,
    cache: &crate::pools::cache::PoolCache,
    pool_id: &str,
    username: &str,
) -> Result<Context> {
    let pool = PoolView::load(conn, cache, pool_id)?;
    let user = user::find(conn, &pool, username)?;
    Ok(Context { pool, user })
}

impl Service {
    /// After a correct password (its check reserved as `attempt`): the user's status,
    /// then the tokens (whose write clears the count of failures) or, having cleared
    /// it, a NEW_PASSWORD_REQUIRED, DEVICE_SRP_AUTH (for `device`, a device of the
    /// user's the sign-in named: see [`Service::named_device`]) or MFA challenge, or a
    /// refusal.
    pub(super) async fn password_proven(
        &self,
        client: &AuthClient,
        pool: &PoolView,
        (row, doc): (&UserRow, &UserDoc),
        attempt: Attempt,
        device: Option<NamedDevice>,
    ) -> Result<Outcome> {
        if !row.enabled {
            self.pass_attempt(attempt).await?;
            return Err(not_authorized("User is disabled."));
        }
        let must_change = match check_status(row, doc) {
            Ok(must_change) => must_change,
            Err(e) => {
                self.pass_attempt(attempt).await?;
                return Err(e);
            }
        };
        if must_change {
            self.pass_attempt(attempt).await?;
            return self.new_password_challenge(client, pool, row, doc);
        }
        // A remembered device stands in for MFA where the pool says so; the device
        // proves itself last, after any MFA (DEVICE_SRP_AUTH).
        let step = match &device {
            Some(d) if d.stands_in_for_mfa => MfaStep::None,
            _ => self.mfa_step(pool, doc).await?,
        };
        let key = device.map(|d| d.key);
        if step == MfaStep::None {
            if let Some(key) = key {
                self.pass_attempt(attempt).await?;
                return self.device_challenge(client, row, key);
            }
            return self
                .succeed(client, row.username_key.clone(), None, None)
                .await;
        }
        self.pass_attempt(attempt).await?;
        self.mfa_challenge(client, pool, row, doc, step, key).await
    }

    /// The device a sign-in names (DEVICE_KEY), checked before the password is: None
    /// when the pool does not track devices or none is named; the key when it is one
    /// of the user's confirmed devices; otherwise AWS's ResourceNotFoundException
    /// (on which clients forget the key and answer again without it).
    pub(super) async fn named_device(
        &self,
        pool: &PoolView,
        row: &UserRow,
        key: Option<&String>,
    ) -> Result<Option<NamedDevice>> {
        let Some(config) = &pool.pool.device_configuration else {
            return Ok(None);
        };
        let Some(key) = key else {
            return Ok(None);
        };
        let (pool_id, user, wanted) = (pool.id.clone(), row.username_key.clone(), key.clone());
        let device = self
            .store()
            .read(move |c| device_secret(c, &pool_id, &user, &wanted))
            .await?
            .ok_or_else(device_not_found)?;
        Ok(Some(NamedDevice {
            key: key.clone(),
            stands_in_for_mfa: device.remembered
                && config.challenge_required_on_new_device.unwrap_or(false),
        }))
    }

    /// Stores the sign-in's family (consuming `consumed` if given) and signs its tokens;
    /// `device` is the user's device the sign-in proved, if any.
    pub(super) async fn succeed(
        &self,
        client: &AuthClient,
        username_key: String,
        consumed: Option<(String, f64)>,
        device: Option<String>,
    ) -> Result<Outcome> {
        let source = match device {
            Some(_) => tokens::TokenSource::AuthenticateDevice,
            None => tokens::TokenSource::Authentication,
        };
        let device = tokens::SignInDevice {
            key: device,
            ip: client.source_ip.clone(),
        };
        let cache = self.pool_cache();
        let pool_id = client.pool_id.clone();
        let app = client.client.clone();
        let grant = self
            .store()
            .write(move |c| {
                if let Some((hash, expires)) = &consumed {
                    if !records::consume_session(c, hash, &pool_id, *expires)? {
                        return Err(not_authorized(
                            "Invalid session for the user, session can only be used once.",
                        ));
                    }
                }
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let row = cognate_store::records::user::get(c, &pool_id, &username_key)?
                    .ok_or_else(user::user_not_found)?;
                let doc: UserDoc = crate::stored::from_doc(&row.doc)?;
                tokens::start_family(c, &pool, &app, &row, &doc, &device)
            })
            .await?;
        self.signed_in(client, grant, source).await
    }

    /// As a sign-in starts: threat protection's blocked IP ranges, then PreAuthentication
    /// for the user found, or for no user where the client hides which users exist
    /// (otherwise the sign-in has failed already).
    pub(super) async fn before_sign_in(
        &self,
        client: &AuthClient,
        pool: &PoolView,
        username: &str,
        user: Option<(&UserRow, &UserDoc)>,
    ) -> Result<()> {
        if client.pre_authenticated {
            return Ok(());
        }
        self.check_blocked_ip(
            pool,
            client.client.client_id.as_deref(),
            client.source_ip.as_deref(),
        )
        .await?;
        self.pre_authentication(crate::triggers::SigningIn {
            pool: &pool.pool,
            pool_id: &pool.id,
            client_id: client.client.client_id.as_deref(),
            username: user.map_or(username, |(r, _)| r.username.as_str()),
            user: user.map(|(r, d)| (d.attributes.as_slice(), r.status.as_str())),
            prevents_existence_errors: prevents_existence_errors(client),
            metadata: client.client_metadata.as_ref(),
        })
        .await
    }

    /// The tokens of a sign-in that has just succeeded: PostAuthentication, then
    /// PreTokenGeneration for `source` (unless they only start the hosted page's
    /// session), then the tokens.
    pub(super) async fn signed_in(
        &self,
        client: &AuthClient,
        mut grant: tokens::Grant,
        source: tokens::TokenSource,
    ) -> Result<Outcome> {
        grant.post_authentication = true;
        grant.source = (!client.hosted).then_some(source);
        grant.client_metadata = client.client_metadata.clone();
        Ok(Outcome {
            authentication_result: Some(self.issue(grant).await?),
            ..Outcome::default()
        })
    }
}
