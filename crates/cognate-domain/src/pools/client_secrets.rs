//! A confidential client's secrets, for rotation without downtime:
//! AddUserPoolClientSecret (a second secret, given or generated; two active at most),
//! ListUserPoolClientSecrets (their ids and creation dates, never their values) and
//! DeleteUserPoolClientSecret (never the last). Every active secret is accepted in
//! SECRET_HASH and in client authentication (`AuthClient::secret_candidates`); the
//! first is the one DescribeUserPoolClient answers.

use super::client::{load, SecretEntry};
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::ids;
use crate::operations::operation;
use crate::service::Service;
use crate::stored::to_doc;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::client;

operation!(AddUserPoolClientSecret => Service::add_user_pool_client_secret);
operation!(ListUserPoolClientSecrets => Service::list_user_pool_client_secrets);
operation!(DeleteUserPoolClientSecret => Service::delete_user_pool_client_secret);

/// AWS: two active secrets per app client.
const MAX_SECRETS: usize = 2;

fn descriptor(s: &SecretEntry, value: Option<String>) -> ClientSecretDescriptorType {
    ClientSecretDescriptorType {
        client_secret_id: Some(s.id.clone()),
        client_secret_value: value,
        client_secret_create_date: Some(s.created),
    }
}

fn no_secret(client_id: &str) -> Error {
    invalid(format!(
        "Client {client_id} is not a confidential client: it has no client secret."
    ))
}

impl Service {
    pub(crate) async fn add_user_pool_client_secret(
        &self,
        input: AddUserPoolClientSecretRequest,
    ) -> Result<AddUserPoolClientSecretResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        // A secret the caller chose is not answered back; a generated one is.
        let (value, generated) = match input.client_secret {
            Some(s) => (s, false),
            None => (ids::client_secret(), true),
        };
        let entry = SecretEntry {
            id: uuid::Uuid::new_v4().to_string(),
            sealed: self.secrets().seal(Purpose::ClientSecret, &value),
            created: now(),
        };
        let added = entry.clone();
        self.store()
            .write(move |c| {
                let (mut row, mut doc) = load(c, &pool_id, &client_id)?;
                let mut secrets = doc.secrets();
                if secrets.is_empty() {
                    return Err(no_secret(&client_id));
                }
                if secrets.len() >= MAX_SECRETS {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        format!(
                            "Client {client_id} already has {MAX_SECRETS} client secrets; delete one first."
                        ),
                    ));
                }
                secrets.push(entry.clone());
                doc.set_secrets(secrets);
                row.doc = to_doc(&doc)?;
                client::update(c, &row)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(AddUserPoolClientSecretResponse {
            client_secret_descriptor: Some(descriptor(&added, generated.then_some(value))),
        })
    }

    pub(crate) async fn list_user_pool_client_secrets(
        &self,
        input: ListUserPoolClientSecretsRequest,
    ) -> Result<ListUserPoolClientSecretsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        if input.next_token.is_some() {
            // The list is at most two long: it is never cut, so no token is ours.
            return Err(invalid("The pagination token is not valid."));
        }
        let (_, doc) = self
            .store()
            .read(move |c| load(c, &pool_id, &client_id))
            .await?;
        Ok(ListUserPoolClientSecretsResponse {
            client_secrets: Some(doc.secrets().iter().map(|s| descriptor(s, None)).collect()),
            next_token: None,
        })
    }

    pub(crate) async fn delete_user_pool_client_secret(
        &self,
        input: DeleteUserPoolClientSecretRequest,
    ) -> Result<DeleteUserPoolClientSecretResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let secret_id = required(&input.client_secret_id, "clientSecretId")?.clone();
        self.store()
            .write(move |c| {
                let (mut row, mut doc) = load(c, &pool_id, &client_id)?;
                let mut secrets = doc.secrets();
                let Some(i) = secrets.iter().position(|s| s.id == secret_id) else {
                    return Err(not_found(format!(
                        "Client secret {secret_id} does not exist for client {client_id}."
                    )));
                };
                if secrets.len() == 1 {
                    return Err(invalid(
                        "The last client secret of a confidential client cannot be deleted.",
                    ));
                }
                secrets.remove(i);
                doc.set_secrets(secrets);
                row.doc = to_doc(&doc)?;
                client::update(c, &row)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(DeleteUserPoolClientSecretResponse {})
    }
}
