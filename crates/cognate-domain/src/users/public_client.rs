//! What the operations of users who are not signed in share (SignUp, ConfirmSignUp,
//! ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword): the app client named,
//! its SECRET_HASH, its PreventUserExistenceErrors, and the code deliveries it shows
//! for users who do not exist.

use super::*;
use crate::auth::{check_secret_hash, prevents_existence_errors};
use crate::crypto::srp;
use crate::error::{fail, Error, Result};
use crate::messages::codes;
use crate::messages::templates::mask;
use crate::messages::Channel;
use crate::pools::cache::PoolCache;
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

/// AWS's answer to these operations for a user who does not exist (without
/// PreventUserExistenceErrors).
pub(crate) fn unknown_user() -> Error {
    fail(
        ErrorCode::UserNotFoundException,
        "Username/client id combination not found.",
    )
}

/// The app client of a request by a user who is not signed in.
pub(crate) struct PublicClient {
    pub client: AuthClient,
    /// PreventUserExistenceErrors: answers must not tell which users exist.
    pub hides_users: bool,
}

impl PublicClient {
    /// Checks the request's SECRET_HASH (for clients with a secret) against the name
    /// given or, for a user found, their username or sub.
    pub(crate) fn check_secret_hash(
        &self,
        given: &str,
        user: Option<&UserRow>,
        secret_hash: Option<&str>,
    ) -> Result<()> {
        match user {
            Some(row) => {
                check_secret_hash(&self.client, &[given, &row.username, &row.sub], secret_hash)
            }
            None => check_secret_hash(&self.client, &[given], secret_hash),
        }
    }
}

impl PublicClient {
    /// The client's pool and the user named `given` in it, if there is one, after the
    /// request's SECRET_HASH is checked against the name given or the user found. The
    /// confirmation link is the one request that carries no SECRET_HASH to check
    /// (`secret_hash` None).
    pub(crate) fn find_user(
        &self,
        c: &mut dyn Conn,
        cache: &PoolCache,
        given: &str,
        secret_hash: Option<Option<&str>>,
    ) -> Result<(PoolView, Option<(UserRow, UserDoc)>)> {
        let pool = PoolView::load(c, cache, &self.client.pool_id)?;
        let found = find(c, &pool, given)?;
        if let Some(hash) = secret_hash {
            self.check_secret_hash(given, found.as_ref().map(|(row, _)| row), hash)?;
        }
        Ok((pool, found))
    }

    /// What an operation that takes a code answers for a user who does not exist
    /// (AWS: CodeMismatchException when the client hides which users exist), or for
    /// `otherwise` a user who cannot use it.
    pub(crate) fn refuse_code(&self, otherwise: Error) -> Error {
        if self.hides_users {
            codes::code_mismatch()
        } else {
            otherwise
        }
    }
}

impl Service {
    /// The client a request names (ResourceNotFoundException if none).
    pub(crate) async fn public_client(&self, client_id: &str) -> Result<PublicClient> {
        let client = self.client_for(client_id, None).await?;
        let hides_users = prevents_existence_errors(&client);
        Ok(PublicClient {
            client,
            hides_users,
        })
    }

    /// A plausible CodeDeliveryDetails for a user who does not exist (or cannot be
    /// told apart from one): the channel the name given looks like, else `channel`;
    /// the destination masked from the name given, or a mask derived from it under a
    /// key of the master key, so that asking twice answers the same.
    pub(crate) fn simulated_delivery(
        &self,
        pool: &PoolView,
        given: &str,
        channel: Channel,
    ) -> CodeDeliveryDetailsType {
        let looks_like_phone =
            given.starts_with('+') && given[1..].chars().all(|c| c.is_ascii_digit());
        let (channel, destination) = if given.contains('@') {
            (Channel::Email, mask(given))
        } else if looks_like_phone {
            (Channel::Sms, mask(given))
        } else {
            let key = self.secrets().derive_key("unknown-user-decoy");
            let mac = srp::hmac_sha256(
                &key,
                &[
                    b"delivery",
                    pool.id.as_bytes(),
                    b"\0",
                    pool.fold(given).as_bytes(),
                ],
            );
            let letter = |b: u8| char::from(b'a' + b % 26);
            let destination = match channel {
                Channel::Email => format!("{}***@{}***", letter(mac[0]), letter(mac[1])),
                Channel::Sms => format!(
                    "+*******{}",
                    mac[2..6]
                        .iter()
                        .map(|b| char::from(b'0' + b % 10))
                        .collect::<String>()
                ),
            };
            (channel, destination)
        };
        CodeDeliveryDetailsType {
            destination: Some(destination),
            delivery_medium: Some(channel.medium()),
            attribute_name: Some(
                match channel {
                    Channel::Email => "email",
                    Channel::Sms => "phone_number",
                }
                .into(),
            ),
        }
    }
}

/// Where a user's auto-verified contact is (the sign-up code's destination): the email
/// when the pool auto-verifies email and the user has one, else the phone number.
pub(crate) fn auto_verified_contact(
    pool: &PoolView,
    doc: &UserDoc,
) -> Option<(&'static str, Channel, String)> {
    let auto = pool
        .pool
        .auto_verified_attributes
        .clone()
        .unwrap_or_default();
    [
        (VerifiedAttributeType::EMAIL, "email", Channel::Email),
        (
            VerifiedAttributeType::PHONE_NUMBER,
            "phone_number",
            Channel::Sms,
        ),
    ]
    .into_iter()
    .filter(|(a, _, _)| auto.contains(a))
    .find_map(|(_, name, channel)| {
        crate::users::attributes::get(&doc.attributes, name)
            .filter(|v| !v.is_empty())
            .map(|v| (name, channel, v.to_string()))
    })
}

/// The channel a pool's sign-up codes go to, for simulated deliveries.
pub(crate) fn sign_up_channel(pool: &PoolView) -> Channel {
    let auto = pool
        .pool
        .auto_verified_attributes
        .clone()
        .unwrap_or_default();
    if !auto.contains(&VerifiedAttributeType::EMAIL)
        && auto.contains(&VerifiedAttributeType::PHONE_NUMBER)
    {
        Channel::Sms
    } else {
        Channel::Email
    }
}

/// The CodeDeliveryDetails of a code sent to `destination`.
pub(crate) fn delivery_details(
    attribute: &str,
    channel: Channel,
    destination: &str,
) -> CodeDeliveryDetailsType {
    CodeDeliveryDetailsType {
        destination: Some(mask(destination)),
        delivery_medium: Some(channel.medium()),
        attribute_name: Some(attribute.to_string()),
    }
}
