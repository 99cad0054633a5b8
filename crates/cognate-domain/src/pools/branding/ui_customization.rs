//! Hosted UI (classic) branding: SetUICustomization and GetUICustomization. A pool has
//! one pool-wide customization (ClientId omitted or `ALL`) and one per app client; a
//! client without its own uses the pool-wide one. Each Set replaces the whole
//! customization, style sheet and logo together, as AWS does ("you can't set CSS and
//! logo customization separately"); the pool must have a domain.

use super::classic_css::{self, LogoType};
use crate::clock::now;
use crate::error::{fail, invalid, required, Result};
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

operation!(SetUICustomization => Service::set_ui_customization);
operation!(GetUICustomization => Service::get_ui_customization);

/// The ClientId of the pool-wide customization.
pub const ALL: &str = "ALL";

/// What a customization's row keeps (its key is the client id or `ALL`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UiDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub css: Option<String>,
    /// The logo, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_png: Option<bool>,
    pub css_version: String,
    pub created: f64,
    pub modified: f64,
}

impl UiDoc {
    pub fn logo_type(&self) -> Option<LogoType> {
        self.logo.as_ref().map(|_| match self.logo_png {
            Some(true) => LogoType::Png,
            _ => LogoType::Jpeg,
        })
    }

    pub fn logo_bytes(&self) -> Option<Vec<u8>> {
        self.logo.as_ref().and_then(|l| B64.decode(l).ok())
    }
}

/// The customization that applies to `key` (a client id or `ALL`): its own, else the
/// pool-wide one; with the key it was stored under.
pub fn effective(conn: &mut dyn Conn, pool_id: &str, key: &str) -> Result<Option<(String, UiDoc)>> {
    for k in [key, ALL] {
        if let Some(row) = pool_object::get(conn, pool_id, Kind::UiCustomization, k)? {
            return Ok(Some((row.key, from_doc(&row.doc)?)));
        }
        if key == ALL {
            break;
        }
    }
    Ok(None)
}

/// `CSSVersion` as AWS writes it: the time of the change as `YYYYMMDDHHMMSS` (UTC).
fn css_version(at: f64) -> String {
    let secs = at.floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl Service {
    /// Where a customization's logo is served: AWS's path
    /// (`<pool>/<client>/<CSSVersion>/assets/images/image.<ext>`) on the public URL.
    pub(crate) fn ui_image_url(&self, pool_id: &str, key: &str, doc: &UiDoc) -> Option<String> {
        doc.logo_type().map(|t| {
            format!(
                "{}/{pool_id}/{key}/{}/assets/images/image.{}",
                self.config().public_url.trim_end_matches('/'),
                doc.css_version,
                t.extension()
            )
        })
    }

    fn ui_customization(&self, pool_id: &str, key: &str, doc: UiDoc) -> UICustomizationType {
        UICustomizationType {
            user_pool_id: Some(pool_id.to_string()),
            client_id: Some(key.to_string()),
            image_url: self.ui_image_url(pool_id, key, &doc),
            css: doc.css,
            css_version: Some(doc.css_version),
            last_modified_date: Some(doc.modified),
            creation_date: Some(doc.created),
        }
    }

    pub(crate) async fn set_ui_customization(
        &self,
        input: SetUICustomizationRequest,
    ) -> Result<SetUICustomizationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let key = input.client_id.clone().unwrap_or_else(|| ALL.to_string());
        if let Some(css) = &input.css {
            classic_css::check(css)?;
        }
        let logo = match &input.image_file {
            None => None,
            Some(encoded) => {
                let bytes = B64.decode(encoded).map_err(|_| {
                    fail(
                        ErrorCode::SerializationException,
                        "ImageFile is not valid base64.",
                    )
                })?;
                // An empty blob is no logo.
                if bytes.is_empty() {
                    None
                } else {
                    let kind = classic_css::check_logo(&bytes)?;
                    Some((B64.encode(&bytes), kind))
                }
            }
        };
        let css = input.css.clone();
        let (p, k) = (pool_id.clone(), key.clone());
        let doc = self
            .store()
            .write(move |c| {
                let pool_id = &p;
                let (_, pool) = load_pool(c, pool_id)?;
                if k != ALL {
                    client::ensure_exists(c, pool_id, &k)?;
                }
                if pool.domain.is_none() && pool.custom_domain.is_none() {
                    return Err(invalid(
                        "The user pool has no domain: create one with CreateUserPoolDomain before customizing its hosted UI.",
                    ));
                }
                let at = now();
                let created = pool_object::get(c, pool_id, Kind::UiCustomization, &k)?
                    .map(|r| from_doc::<UiDoc>(&r.doc))
                    .transpose()?
                    .map_or(at, |d| d.created);
                let doc = UiDoc {
                    css: css.clone(),
                    logo: logo.as_ref().map(|(b, _)| b.clone()),
                    logo_png: logo.as_ref().map(|(_, t)| *t == LogoType::Png),
                    css_version: css_version(at),
                    created,
                    modified: at,
                };
                let row = PoolObjectRow {
                    key: k.clone(),
                    created_at: created,
                    doc: to_doc(&doc)?,
                };
                pool_object::put(c, pool_id, Kind::UiCustomization, &row)?;
                Ok(doc)
            })
            .await?;
        Ok(SetUICustomizationResponse {
            ui_customization: Some(self.ui_customization(&pool_id, &key, doc)),
        })
    }

    pub(crate) async fn get_ui_customization(
        &self,
        input: GetUICustomizationRequest,
    ) -> Result<GetUICustomizationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let key = input.client_id.clone().unwrap_or_else(|| ALL.to_string());
        let (p, k) = (pool_id.clone(), key.clone());
        let found = self
            .store()
            .read(move |c| {
                load_pool(c, &p)?;
                if k != ALL {
                    client::ensure_exists(c, &p, &k)?;
                }
                effective(c, &p, &k)
            })
            .await?;
        let customization = match found {
            Some((stored_as, doc)) => self.ui_customization(&pool_id, &stored_as, doc),
            // Nothing applied to the client or the pool: AWS answers an empty one.
            None => UICustomizationType {
                user_pool_id: Some(pool_id),
                client_id: Some(key),
                ..Default::default()
            },
        };
        Ok(GetUICustomizationResponse {
            ui_customization: Some(customization),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_versions_are_utc_timestamps() {
        assert_eq!(css_version(0.0), "19700101000000");
        // 2025-01-15T19:19:28Z, the version in AWS's CLI example.
        assert_eq!(css_version(1_736_968_768.4), "20250115191928");
        assert_eq!(css_version(951_782_400.0), "20000229000000");
    }
}
