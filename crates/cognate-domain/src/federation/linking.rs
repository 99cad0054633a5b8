//! AdminLinkProviderForUser and AdminDisableProviderForUser: a provider's user who has
//! not signed in yet is linked to a user of the pool, and signs in as that user from
//! then on; a link (or a federated user's sign-in) is taken away again.

use super::federated_user::{identities_of, identity_entry, set_identities, SUBJECT};
use crate::error::{fail, invalid, required, Error, Result};
use crate::operations::operation;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::from_doc;
use crate::users::{require, save, user_not_found, LinkedIdentity, UserDoc, LINK_INDEX};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user;
use cognate_store::Conn;
use serde_json::Value;

operation!(AdminLinkProviderForUser => Service::admin_link_provider_for_user);
operation!(AdminDisableProviderForUser => Service::admin_disable_provider_for_user);

/// AWS: at most five identities are linked to one user.
const MAX_LINKS: usize = 5;

/// The provider name of the pool's own users in ProviderUserIdentifierType.
const COGNITO: &str = "Cognito";

struct Named {
    provider: String,
    attribute: String,
    value: String,
}

fn named(u: &ProviderUserIdentifierType, what: &str) -> Result<Named> {
    let provider = u
        .provider_name
        .clone()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| invalid(format!("{what}.ProviderName is required.")))?;
    let value = u
        .provider_attribute_value
        .clone()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid(format!("{what}.ProviderAttributeValue is required.")))?;
    Ok(Named {
        provider,
        attribute: u
            .provider_attribute_name
            .clone()
            .unwrap_or_else(|| SUBJECT.to_string()),
        value,
    })
}

/// The pool's user a ProviderUserIdentifierType names: a user of the pool by username
/// (`Cognito`), or a federated user by their provider's id.
fn destination(c: &mut dyn Conn, pool: &PoolView, who: &Named) -> Result<(user::UserRow, UserDoc)> {
    if who.provider == COGNITO {
        return require(c, pool, &who.value);
    }
    let key = pool.fold(&format!("{}_{}", who.provider, who.value));
    let row = user::get(c, &pool.id, &key)?.ok_or_else(user_not_found)?;
    let doc = from_doc(&row.doc)?;
    Ok((row, doc))
}

impl Service {
    pub(crate) async fn admin_link_provider_for_user(
        &self,
        input: AdminLinkProviderForUserRequest,
    ) -> Result<AdminLinkProviderForUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let to = named(
            required(&input.destination_user, "destinationUser")?,
            "DestinationUser",
        )?;
        let from = named(required(&input.source_user, "sourceUser")?, "SourceUser")?;
        if from.provider == COGNITO {
            return Err(invalid(
                "SourceUser must be a user of an external identity provider, not Cognito.",
            ));
        }
        let cache = self.pool_cache();
        let provider = match self.provider_named(&pool_id, &from.provider).await? {
            Some(provider) => provider,
            None => {
                return Err(invalid(format!(
                    "The provider {} does not exist for User Pool {pool_id}",
                    from.provider
                )))
            }
        };
        let social = matches!(
            provider.provider_type.as_ref().map(|t| t.as_str()),
            Some("Google" | "Facebook" | "LoginWithAmazon" | "SignInWithApple")
        );
        if social && from.attribute != SUBJECT {
            return Err(invalid(format!(
                "SourceUser.ProviderAttributeName must be {SUBJECT} for a social identity provider."
            )));
        }
        self.store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let federated = pool.fold(&format!("{}_{}", from.provider, from.value));
                if from.attribute == SUBJECT && user::get(c, &pool.id, &federated)?.is_some() {
                    return Err(invalid(
                        "Merging is not currently supported, provide a SourceUser that has not been linked or signed in",
                    ));
                }
                let (row, mut doc) = destination(c, &pool, &to)?;
                let index = LinkedIdentity::index_value(&from.provider, &from.attribute, &from.value);
                let holders = user::find_by_attribute(c, &pool.id, LINK_INDEX, &index)?;
                if holders.contains(&row.username_key) {
                    return Ok(());
                }
                if !holders.is_empty() {
                    return Err(fail(
                        ErrorCode::AliasExistsException,
                        "The SourceUser is already linked to another user.",
                    ));
                }
                if doc.links.len() >= MAX_LINKS {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        format!("A user can be linked to at most {MAX_LINKS} identities."),
                    ));
                }
                doc.links.push(LinkedIdentity {
                    provider: from.provider.clone(),
                    attribute: from.attribute.clone(),
                    value: from.value.clone(),
                });
                let mut identities = identities_of(&doc);
                identities.push(identity_entry(&provider, &from.value, false, None));
                set_identities(&mut doc, &identities);
                save(c, &pool, row, &doc)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(AdminLinkProviderForUserResponse {})
    }

    pub(crate) async fn admin_disable_provider_for_user(
        &self,
        input: AdminDisableProviderForUserRequest,
    ) -> Result<AdminDisableProviderForUserResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let who = named(required(&input.user, "user")?, "User")?;
        let cache = self.pool_cache();
        self.store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                if who.provider == COGNITO {
                    // A user of the pool no longer signs in with their password.
                    let (row, mut doc) = require(c, &pool, &who.value)?;
                    doc.password = None;
                    save(c, &pool, row, &doc)?;
                    return Ok(());
                }
                let index = LinkedIdentity::index_value(&who.provider, &who.attribute, &who.value);
                for key in user::find_by_attribute(c, &pool.id, LINK_INDEX, &index)? {
                    let Some(row) = user::get(c, &pool.id, &key)? else {
                        continue;
                    };
                    let mut doc: UserDoc = from_doc(&row.doc)?;
                    doc.links.retain(|l| {
                        !(l.provider == who.provider
                            && l.attribute == who.attribute
                            && l.value == who.value)
                    });
                    let identities: Vec<Value> = identities_of(&doc)
                        .into_iter()
                        .filter(|i| {
                            !(i["providerName"] == who.provider.as_str()
                                && i["userId"] == who.value.as_str()
                                && i["primary"] == "false")
                        })
                        .collect();
                    set_identities(&mut doc, &identities);
                    save(c, &pool, row, &doc)?;
                }
                // A federated user of that provider no longer signs in.
                if who.attribute == SUBJECT {
                    let key = pool.fold(&format!("{}_{}", who.provider, who.value));
                    if let Some(mut row) = user::get(c, &pool.id, &key)? {
                        let doc: UserDoc = from_doc(&row.doc)?;
                        row.enabled = false;
                        save(c, &pool, row, &doc)?;
                    }
                }
                Ok::<_, Error>(())
            })
            .await?;
        Ok(AdminDisableProviderForUserResponse {})
    }
}
