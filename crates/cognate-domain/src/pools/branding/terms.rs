//! Terms documents: Create/Describe/Update/List/DeleteTerms and DescribeTermsByClient.
//! An app client has at most one document of each name, `terms-of-use` and
//! `privacy-policy` (TermsExistsException); each is a map of links by language,
//! `cognito:default` for languages without their own. Managed login shows them on its
//! sign-up page once both exist.
//!
//! Rows: `Terms` by terms id, and `TermsOfClient` mapping `<client id>/<terms name>` to
//! it, whose key makes a second document of a name impossible even under concurrent
//! writes.

use crate::clock::now;
use crate::error::{fail, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::client;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;
use serde::{Deserialize, Serialize};

operation!(CreateTerms => Service::create_terms);
operation!(DescribeTerms => Service::describe_terms);
operation!(DescribeTermsByClient => Service::describe_terms_by_client);
operation!(UpdateTerms => Service::update_terms);
operation!(ListTerms => Service::list_terms);
operation!(DeleteTerms => Service::delete_terms);

/// The names a terms document may have (the model's pattern).
pub const NAMES: [&str; 2] = ["terms-of-use", "privacy-policy"];

/// The language of the link shown where no language has its own.
pub const DEFAULT_LANGUAGE: &str = "cognito:default";

/// ListTerms' page size when MaxResults is not given (the model's maximum).
const DEFAULT_PAGE: usize = 60;

/// The index row: the id of a client's document of one name.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OfClient {
    id: String,
}

fn index_key(client_id: &str, name: &str) -> String {
    format!("{client_id}/{name}")
}

fn terms_not_found(id: &str) -> Error {
    not_found(format!("Terms {id} does not exist."))
}

fn exists(name: &str) -> Error {
    fail(
        ErrorCode::TermsExistsException,
        format!("The app client already has terms named {name}."),
    )
}

fn load(conn: &mut dyn Conn, pool_id: &str, id: &str) -> Result<(PoolObjectRow, TermsType)> {
    load_pool(conn, pool_id)?;
    let row =
        pool_object::get(conn, pool_id, Kind::Terms, id)?.ok_or_else(|| terms_not_found(id))?;
    let terms = from_doc(&row.doc)?;
    Ok((row, terms))
}

/// A client's document named `name`, if it has one.
pub(super) fn of_client(
    conn: &mut dyn Conn,
    pool_id: &str,
    client_id: &str,
    name: &str,
) -> Result<Option<TermsType>> {
    let Some(index) = pool_object::get(
        conn,
        pool_id,
        Kind::TermsOfClient,
        &index_key(client_id, name),
    )?
    else {
        return Ok(None);
    };
    let id = from_doc::<OfClient>(&index.doc)?.id;
    pool_object::get(conn, pool_id, Kind::Terms, &id)?
        .map(|r| from_doc(&r.doc))
        .transpose()
}

fn index_row(client_id: &str, name: &str, id: &str, at: f64) -> Result<PoolObjectRow> {
    Ok(PoolObjectRow {
        key: index_key(client_id, name),
        created_at: at,
        doc: to_doc(&OfClient { id: id.to_string() })?,
    })
}

/// Removes a client's documents (the client is being deleted).
pub(super) fn forget_client(conn: &mut dyn Conn, pool_id: &str, client_id: &str) -> Result<()> {
    for name in NAMES {
        if let Some(terms) = of_client(conn, pool_id, client_id, name)? {
            let id = terms.terms_id.unwrap_or_default();
            pool_object::delete(conn, pool_id, Kind::Terms, &id)?;
        }
        pool_object::delete(
            conn,
            pool_id,
            Kind::TermsOfClient,
            &index_key(client_id, name),
        )?;
    }
    Ok(())
}

impl Service {
    pub(crate) async fn create_terms(
        &self,
        input: CreateTermsRequest,
    ) -> Result<CreateTermsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let name = required(&input.terms_name, "termsName")?.clone();
        let at = now();
        let terms = TermsType {
            terms_id: Some(uuid::Uuid::new_v4().to_string()),
            user_pool_id: Some(pool_id.clone()),
            client_id: Some(client_id.clone()),
            terms_name: Some(name.clone()),
            terms_source: Some(required(&input.terms_source, "termsSource")?.clone()),
            enforcement: Some(required(&input.enforcement, "enforcement")?.clone()),
            links: Some(required(&input.links, "links")?.clone()),
            creation_date: Some(at),
            last_modified_date: Some(at),
        };
        let t = terms.clone();
        self.store()
            .write(move |c| {
                client::ensure_exists(c, &pool_id, &client_id)?;
                let id = t.terms_id.clone().unwrap_or_default();
                let index = index_row(&client_id, &name, &id, at)?;
                if !pool_object::insert(c, &pool_id, Kind::TermsOfClient, &index)? {
                    return Err(exists(&name));
                }
                let row = PoolObjectRow {
                    key: id,
                    created_at: at,
                    doc: to_doc(&t)?,
                };
                pool_object::insert(c, &pool_id, Kind::Terms, &row)?;
                Ok(())
            })
            .await?;
        Ok(CreateTermsResponse { terms: Some(terms) })
    }

    pub(crate) async fn describe_terms(
        &self,
        input: DescribeTermsRequest,
    ) -> Result<DescribeTermsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = required(&input.terms_id, "termsId")?.clone();
        let (_, terms) = self.store().read(move |c| load(c, &pool_id, &id)).await?;
        Ok(DescribeTermsResponse { terms: Some(terms) })
    }

    pub(crate) async fn describe_terms_by_client(
        &self,
        input: DescribeTermsByClientRequest,
    ) -> Result<DescribeTermsByClientResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let name = required(&input.terms_name, "termsName")?.clone();
        let terms = self
            .store()
            .read(move |c| {
                client::ensure_exists(c, &pool_id, &client_id)?;
                of_client(c, &pool_id, &client_id, &name)?
                    .ok_or_else(|| not_found(format!("The app client has no terms named {name}.")))
            })
            .await?;
        Ok(DescribeTermsByClientResponse { terms: Some(terms) })
    }

    pub(crate) async fn update_terms(
        &self,
        input: UpdateTermsRequest,
    ) -> Result<UpdateTermsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = required(&input.terms_id, "termsId")?.clone();
        let terms = self
            .store()
            .write(move |c| {
                let (mut row, mut terms) = load(c, &pool_id, &id)?;
                let client_id = terms.client_id.clone().unwrap_or_default();
                let old_name = terms.terms_name.clone().unwrap_or_default();
                let at = now();
                if let Some(name) = input.terms_name.as_ref().filter(|n| **n != old_name) {
                    let index = index_row(&client_id, name, &id, at)?;
                    if !pool_object::insert(c, &pool_id, Kind::TermsOfClient, &index)? {
                        return Err(exists(name));
                    }
                    pool_object::delete(
                        c,
                        &pool_id,
                        Kind::TermsOfClient,
                        &index_key(&client_id, &old_name),
                    )?;
                    terms.terms_name = Some(name.clone());
                }
                if let Some(source) = &input.terms_source {
                    terms.terms_source = Some(source.clone());
                }
                if let Some(enforcement) = &input.enforcement {
                    terms.enforcement = Some(enforcement.clone());
                }
                if let Some(links) = &input.links {
                    terms.links = Some(links.clone());
                }
                terms.last_modified_date = Some(at);
                row.doc = to_doc(&terms)?;
                pool_object::put(c, &pool_id, Kind::Terms, &row)?;
                Ok(terms)
            })
            .await?;
        Ok(UpdateTermsResponse { terms: Some(terms) })
    }

    pub(crate) async fn list_terms(&self, input: ListTermsRequest) -> Result<ListTermsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.max_results, DEFAULT_PAGE),
        };
        let page = self
            .store()
            .read(move |c| {
                load_pool(c, &pool_id)?;
                pool_object::list(c, &pool_id, Kind::Terms, &page).map_err(Error::from)
            })
            .await?;
        let terms = page
            .items
            .iter()
            .map(|r| {
                from_doc::<TermsType>(&r.doc).map(|t| TermsDescriptionType {
                    terms_id: t.terms_id,
                    terms_name: t.terms_name,
                    enforcement: t.enforcement,
                    creation_date: t.creation_date,
                    last_modified_date: t.last_modified_date,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ListTermsResponse {
            terms: Some(terms),
            next_token: page.next.as_deref().map(pagination::encode),
        })
    }

    pub(crate) async fn delete_terms(
        &self,
        input: DeleteTermsRequest,
    ) -> Result<cognate_api::Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = required(&input.terms_id, "termsId")?.clone();
        self.store()
            .write(move |c| {
                let (_, terms) = load(c, &pool_id, &id)?;
                let key = index_key(
                    terms.client_id.as_deref().unwrap_or_default(),
                    terms.terms_name.as_deref().unwrap_or_default(),
                );
                pool_object::delete(c, &pool_id, Kind::Terms, &id)?;
                pool_object::delete(c, &pool_id, Kind::TermsOfClient, &key)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(cognate_api::Empty {})
    }
}
