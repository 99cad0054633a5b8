//! The stored user: its document beside the indexed columns, the index rows that
//! ListUsers filters and sign-in names use, and the user as the API describes one.

use crate::clock::now;
use crate::crypto::srp::Verifier;
use crate::error::{fail, Error, Result};
use crate::pools::PoolView;
use crate::stored::to_doc;
use crate::users::list_users_filter;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user::{self, IndexEntry, UserRow};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};

/// What is stored of a user beyond the indexed columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserDoc {
    pub attributes: Vec<AttributeType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<StoredPassword>,
    #[serde(default)]
    pub mfa: MfaSettings,
    /// Identities of external providers that sign in as this user
    /// (AdminLinkProviderForUser); indexed as `cognito:link`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkedIdentity>,
}

/// A provider's user linked to a user of the pool: the provider's user whose attribute
/// `attribute` (`Cognito_Subject`: their id) is `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIdentity {
    pub provider: String,
    pub attribute: String,
    pub value: String,
}

/// The index entry's name for linked identities.
pub const LINK_INDEX: &str = "cognito:link";

impl LinkedIdentity {
    /// The value the index holds for it.
    pub fn index_value(provider: &str, attribute: &str, value: &str) -> String {
        format!("{provider}\u{1f}{attribute}\u{1f}{value}")
    }
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

/// The user's MFA factors: which are enabled, which is preferred (a ChallengeNameType:
/// SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP), and their software token.
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
    /// The verified software token (TOTP MFA can be enabled only with one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_token: Option<SoftwareToken>,
    /// A secret given by AssociateSoftwareToken and not yet verified, sealed (purpose
    /// `totp-secret`); verifying it replaces `software_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_software_token: Option<String>,
}

/// A verified software token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SoftwareToken {
    /// The base32 secret, sealed with the master key (purpose `totp-secret`).
    pub sealed_secret: String,
    /// The step of the last code accepted: a code is accepted only for a later step.
    pub last_step: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    pub verified_at: f64,
}

pub fn user_not_found() -> Error {
    fail(ErrorCode::UserNotFoundException, "User does not exist.")
}

/// Index entries: the searchable attributes (ListUsers filters), and the sign-in names.
pub(crate) fn index_entries(pool: &PoolView, row: &UserRow, doc: &UserDoc) -> Vec<IndexEntry> {
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
            value: if row.enabled {
                StatusType::ENABLED
            } else {
                StatusType::DISABLED
            }
            .into(),
        },
    ];
    for l in &doc.links {
        out.push(IndexEntry {
            name: LINK_INDEX.into(),
            value: LinkedIdentity::index_value(&l.provider, &l.attribute, &l.value),
        });
    }
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
        user_status: Some(UserStatusType::from(row.status.clone())),
        mfa_options: mfa_options(doc),
    }
}

/// UserMFASettingList: the factors the user has enabled, if any.
pub(crate) fn mfa_setting_list(doc: &UserDoc) -> Option<Vec<String>> {
    let settings: Vec<String> = [
        (doc.mfa.sms_enabled, ChallengeNameType::SMS_MFA),
        (doc.mfa.totp_enabled, ChallengeNameType::SOFTWARE_TOKEN_MFA),
        (doc.mfa.email_enabled, ChallengeNameType::EMAIL_OTP),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.into())
    .collect();
    (!settings.is_empty()).then_some(settings)
}

pub(crate) fn mfa_options(doc: &UserDoc) -> Option<Vec<MFAOptionType>> {
    doc.mfa.sms_enabled.then(|| {
        vec![MFAOptionType {
            delivery_medium: Some(DeliveryMediumType::SMS),
            attribute_name: Some("phone_number".into()),
        }]
    })
}
