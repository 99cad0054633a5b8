//! Managed login branding styles: Create/Describe/Update/DeleteManagedLoginBranding and
//! DescribeManagedLoginBrandingByClient. An app client has at most one style
//! (ManagedLoginBrandingExistsException); a style is Cognito's defaults
//! (UseCognitoProvidedValues, which excludes Settings and Assets) or a Settings JSON
//! document with image Assets. An update keeps what it does not name, as AWS does:
//! Settings are merged member by member, an asset replaces the one of its category and
//! color mode.
//!
//! Rows: `ManagedLoginBranding` by style id, and `ManagedLoginBrandingOfClient` mapping
//! the client id to it, whose key makes a second style for a client impossible even
//! under concurrent creates.

use crate::clock::now;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pools::client;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

operation!(CreateManagedLoginBranding => Service::create_managed_login_branding);
operation!(DescribeManagedLoginBranding => Service::describe_managed_login_branding);
operation!(DescribeManagedLoginBrandingByClient => Service::describe_managed_login_branding_by_client);
operation!(UpdateManagedLoginBranding => Service::update_managed_login_branding);
operation!(DeleteManagedLoginBranding => Service::delete_managed_login_branding);

/// The model's limit on one asset's bytes.
const MAX_ASSET_BYTES: usize = 1_000_000;

/// What a style's row keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StyleDoc {
    client_id: String,
    use_cognito_provided_values: bool,
    settings: Map<String, Value>,
    assets: Vec<AssetType>,
    created: f64,
    modified: f64,
}

/// The index row: a client's style id.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OfClient {
    id: String,
}

fn style_not_found(id: &str) -> Error {
    not_found(format!("Managed login branding {id} does not exist."))
}

/// The checks AWS makes before the store: defaults exclude Settings and Assets; Settings
/// are a JSON object; each asset's bytes are base64 within the model's limit, one asset
/// per category and color mode.
fn check_request(
    use_defaults: Option<bool>,
    settings: Option<&Value>,
    assets: Option<&[AssetType]>,
) -> Result<()> {
    let assets = assets.unwrap_or_default();
    if use_defaults == Some(true) && (settings.is_some() || !assets.is_empty()) {
        return Err(invalid(
            "When UseCognitoProvidedValues is true, omit Settings and Assets.",
        ));
    }
    if let Some(s) = settings {
        if !s.is_object() {
            return Err(invalid("Settings must be a JSON object."));
        }
    }
    let mut seen = Vec::new();
    for a in assets {
        if let Some(bytes) = &a.bytes {
            let decoded = B64.decode(bytes).map_err(|_| {
                fail(
                    ErrorCode::SerializationException,
                    "An asset's Bytes is not valid base64.",
                )
            })?;
            if decoded.len() > MAX_ASSET_BYTES {
                return Err(invalid(format!(
                    "An asset is {} bytes: each must be at most {MAX_ASSET_BYTES} bytes.",
                    decoded.len()
                )));
            }
        }
        let key = (a.category.clone(), a.color_mode.clone());
        if seen.contains(&key) {
            return Err(invalid(
                "Assets name the same Category and ColorMode more than once.",
            ));
        }
        seen.push(key);
    }
    Ok(())
}

/// Merges `patch` into `into`: objects member by member, anything else replaced.
fn merge(into: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(old)), Value::Object(new)) => merge(old, new),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// Replaces the assets of the same category and color mode, adds the others.
fn merge_assets(into: &mut Vec<AssetType>, patch: Vec<AssetType>) {
    for a in patch {
        match into
            .iter_mut()
            .find(|o| o.category == a.category && o.color_mode == a.color_mode)
        {
            Some(old) => *old = a,
            None => into.push(a),
        }
    }
}

fn load(conn: &mut dyn Conn, pool_id: &str, id: &str) -> Result<(PoolObjectRow, StyleDoc)> {
    load_pool(conn, pool_id)?;
    let row = pool_object::get(conn, pool_id, Kind::ManagedLoginBranding, id)?
        .ok_or_else(|| style_not_found(id))?;
    let doc = from_doc(&row.doc)?;
    Ok((row, doc))
}

/// The style id of a client, if it has one.
fn id_of_client(conn: &mut dyn Conn, pool_id: &str, client_id: &str) -> Result<Option<String>> {
    pool_object::get(conn, pool_id, Kind::ManagedLoginBrandingOfClient, client_id)?
        .map(|r| from_doc::<OfClient>(&r.doc).map(|o| o.id))
        .transpose()
}

/// Removes a client's style (the client is being deleted).
pub(super) fn forget_client(conn: &mut dyn Conn, pool_id: &str, client_id: &str) -> Result<()> {
    if let Some(id) = id_of_client(conn, pool_id, client_id)? {
        pool_object::delete(conn, pool_id, Kind::ManagedLoginBranding, &id)?;
        pool_object::delete(conn, pool_id, Kind::ManagedLoginBrandingOfClient, client_id)?;
    }
    Ok(())
}

fn answer(pool_id: &str, id: &str, doc: StyleDoc) -> ManagedLoginBrandingType {
    ManagedLoginBrandingType {
        managed_login_branding_id: Some(id.to_string()),
        user_pool_id: Some(pool_id.to_string()),
        use_cognito_provided_values: Some(doc.use_cognito_provided_values),
        settings: Some(Value::Object(doc.settings)),
        assets: Some(doc.assets),
        creation_date: Some(doc.created),
        last_modified_date: Some(doc.modified),
    }
}

impl Service {
    pub(crate) async fn create_managed_login_branding(
        &self,
        input: CreateManagedLoginBrandingRequest,
    ) -> Result<CreateManagedLoginBrandingResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        check_request(
            input.use_cognito_provided_values,
            input.settings.as_ref(),
            input.assets.as_deref(),
        )?;
        let at = now();
        let doc = StyleDoc {
            client_id: client_id.clone(),
            use_cognito_provided_values: input.use_cognito_provided_values == Some(true),
            settings: match input.settings.clone() {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            },
            assets: input.assets.clone().unwrap_or_default(),
            created: at,
            modified: at,
        };
        let id = uuid::Uuid::new_v4().to_string();
        let (p, i, d) = (pool_id.clone(), id.clone(), doc.clone());
        self.store()
            .write(move |c| {
                client::ensure_exists(c, &p, &d.client_id)?;
                let index = PoolObjectRow {
                    key: d.client_id.clone(),
                    created_at: at,
                    doc: to_doc(&OfClient { id: i.clone() })?,
                };
                if !pool_object::insert(c, &p, Kind::ManagedLoginBrandingOfClient, &index)? {
                    return Err(fail(
                        ErrorCode::ManagedLoginBrandingExistsException,
                        "The app client already has a managed login branding style.",
                    ));
                }
                let row = PoolObjectRow {
                    key: i.clone(),
                    created_at: at,
                    doc: to_doc(&d)?,
                };
                pool_object::insert(c, &p, Kind::ManagedLoginBranding, &row)?;
                Ok(())
            })
            .await?;
        Ok(CreateManagedLoginBrandingResponse {
            managed_login_branding: Some(answer(&pool_id, &id, doc)),
        })
    }

    // ReturnMergedResources would add Cognito's default values to the answer; the
    // defaults are Cognito's own and not reproduced, so both forms answer the style's.
    pub(crate) async fn describe_managed_login_branding(
        &self,
        input: DescribeManagedLoginBrandingRequest,
    ) -> Result<DescribeManagedLoginBrandingResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = required(&input.managed_login_branding_id, "managedLoginBrandingId")?.clone();
        let (p, i) = (pool_id.clone(), id.clone());
        let (_, doc) = self.store().read(move |c| load(c, &p, &i)).await?;
        Ok(DescribeManagedLoginBrandingResponse {
            managed_login_branding: Some(answer(&pool_id, &id, doc)),
        })
    }

    pub(crate) async fn describe_managed_login_branding_by_client(
        &self,
        input: DescribeManagedLoginBrandingByClientRequest,
    ) -> Result<DescribeManagedLoginBrandingByClientResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let p = pool_id.clone();
        let (id, doc) = self
            .store()
            .read(move |c| {
                client::ensure_exists(c, &p, &client_id)?;
                let id = id_of_client(c, &p, &client_id)?.ok_or_else(|| {
                    not_found("The app client has no managed login branding style.")
                })?;
                let (_, doc) = load(c, &p, &id)?;
                Ok::<_, Error>((id, doc))
            })
            .await?;
        Ok(DescribeManagedLoginBrandingByClientResponse {
            managed_login_branding: Some(answer(&pool_id, &id, doc)),
        })
    }

    pub(crate) async fn update_managed_login_branding(
        &self,
        input: UpdateManagedLoginBrandingRequest,
    ) -> Result<UpdateManagedLoginBrandingResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = required(&input.managed_login_branding_id, "managedLoginBrandingId")?.clone();
        check_request(
            input.use_cognito_provided_values,
            input.settings.as_ref(),
            input.assets.as_deref(),
        )?;
        let (p, i) = (pool_id.clone(), id.clone());
        let doc = self
            .store()
            .write(move |c| {
                let (mut row, mut doc) = load(c, &p, &i)?;
                if input.use_cognito_provided_values == Some(true) {
                    doc.use_cognito_provided_values = true;
                    doc.settings = Map::new();
                    doc.assets = Vec::new();
                } else {
                    if let Some(Value::Object(patch)) = input.settings.clone() {
                        merge(&mut doc.settings, patch);
                        doc.use_cognito_provided_values = false;
                    }
                    if let Some(assets) = input.assets.clone().filter(|a| !a.is_empty()) {
                        merge_assets(&mut doc.assets, assets);
                        doc.use_cognito_provided_values = false;
                    }
                    if input.use_cognito_provided_values == Some(false) {
                        doc.use_cognito_provided_values = false;
                    }
                }
                doc.modified = now();
                row.doc = to_doc(&doc)?;
                pool_object::put(c, &p, Kind::ManagedLoginBranding, &row)?;
                Ok::<_, Error>(doc)
            })
            .await?;
        Ok(UpdateManagedLoginBrandingResponse {
            managed_login_branding: Some(answer(&pool_id, &id, doc)),
        })
    }

    pub(crate) async fn delete_managed_login_branding(
        &self,
        input: DeleteManagedLoginBrandingRequest,
    ) -> Result<cognate_api::Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = required(&input.managed_login_branding_id, "managedLoginBrandingId")?.clone();
        self.store()
            .write(move |c| {
                let (_, doc) = load(c, &pool_id, &id)?;
                pool_object::delete(c, &pool_id, Kind::ManagedLoginBranding, &id)?;
                pool_object::delete(
                    c,
                    &pool_id,
                    Kind::ManagedLoginBrandingOfClient,
                    &doc.client_id,
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(cognate_api::Empty {})
    }
}

/// A style's settings and assets.
pub(super) type Style = (Map<String, Value>, Vec<AssetType>);

/// A client's managed login style as the pages apply it: the settings' colours and the
/// form logo (light or browser-adaptive), or None for Cognito's defaults.
pub(super) fn style_of_client(
    conn: &mut dyn Conn,
    pool_id: &str,
    client_id: &str,
) -> Result<Option<Style>> {
    let Some(id) = id_of_client(conn, pool_id, client_id)? else {
        return Ok(None);
    };
    let Some(row) = pool_object::get(conn, pool_id, Kind::ManagedLoginBranding, &id)? else {
        return Ok(None);
    };
    let doc: StyleDoc = from_doc(&row.doc)?;
    if doc.use_cognito_provided_values {
        return Ok(None);
    }
    Ok(Some((doc.settings, doc.assets)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_merge_member_by_member() {
        let Value::Object(mut old) = json!({"categories": {"global": {"colorSchemeMode": "LIGHT", "spacingDensity": "REGULAR"}}, "keep": 1})
        else {
            unreachable!()
        };
        let Value::Object(patch) =
            json!({"categories": {"global": {"colorSchemeMode": "DARK"}}, "new": [1]})
        else {
            unreachable!()
        };
        merge(&mut old, patch);
        assert_eq!(
            Value::Object(old),
            json!({"categories": {"global": {"colorSchemeMode": "DARK", "spacingDensity": "REGULAR"}}, "keep": 1, "new": [1]})
        );
    }

    fn asset(category: &str, mode: &str, bytes: &str) -> AssetType {
        AssetType {
            category: Some(AssetCategoryType::from(category.to_string())),
            color_mode: Some(ColorSchemeModeType::from(mode.to_string())),
            extension: Some(AssetExtensionType::from("PNG".to_string())),
            bytes: Some(bytes.to_string()),
            resource_id: None,
        }
    }

    #[test]
    fn assets_are_replaced_by_category_and_color_mode() {
        let mut assets = vec![
            asset("FORM_LOGO", "LIGHT", "AA=="),
            asset("FORM_LOGO", "DARK", "AQ=="),
        ];
        merge_assets(
            &mut assets,
            vec![
                asset("FORM_LOGO", "DARK", "Ag=="),
                asset("FAVICON_ICO", "LIGHT", "Aw=="),
            ],
        );
        let bytes: Vec<_> = assets.iter().map(|a| a.bytes.clone().unwrap()).collect();
        assert_eq!(bytes, ["AA==", "Ag==", "Aw=="]);
    }

    #[test]
    fn defaults_exclude_settings_and_assets() {
        let settings = json!({});
        assert!(check_request(Some(true), Some(&settings), None).is_err());
        assert!(check_request(
            Some(true),
            None,
            Some(&[asset("FORM_LOGO", "LIGHT", "AA==")])
        )
        .is_err());
        assert!(check_request(Some(true), None, None).is_ok());
        assert!(check_request(None, Some(&json!([1])), None).is_err());
        let twice = [
            asset("FORM_LOGO", "LIGHT", "AA=="),
            asset("FORM_LOGO", "LIGHT", "AQ=="),
        ];
        assert!(check_request(None, None, Some(&twice)).is_err());
        assert!(check_request(None, None, Some(&[asset("FORM_LOGO", "LIGHT", "!!")])).is_err());
    }
}
