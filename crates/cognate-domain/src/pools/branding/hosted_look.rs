//! What the hosted pages take from an app client's branding: the classic style sheet
//! and logo (the client's customization, else the pool's) and the links to its terms
//! documents.

use super::classic_css;
use super::terms::{self, DEFAULT_LANGUAGE};
use super::ui_customization::{self, UiDoc};
use super::{managed_login, managed_look};
use crate::error::Result;
use crate::service::Service;
use crate::stored::from_doc;
use cognate_store::records::pool_object::{self, Kind};

/// How a client's hosted pages look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostedLook {
    /// The classic style sheet, checked when it was set and made safe to place inside a
    /// `<style>` element.
    pub css: Option<String>,
    pub logo: Option<Logo>,
    /// Where GetUICustomization says the logo is (`ImageUrl`), to serve it there.
    pub logo_url: Option<String>,
    /// The links of the client's terms documents, present once both exist, as AWS
    /// shows them.
    pub terms: Option<TermsLinks>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
}

/// The `cognito:default` links of a client's two terms documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsLinks {
    pub terms_of_use: String,
    pub privacy_policy: String,
}

/// What one read finds of a client's branding: its classic customization (with its
/// key), the links of its terms documents, and, when `host` names a managed login
/// domain, its branding style.
struct Found {
    ui: Option<(String, UiDoc)>,
    links: Vec<Option<String>>,
    style: Option<Option<managed_login::Style>>,
}

fn find(c: &mut dyn cognate_store::Conn, p: &str, k: &str, host: Option<&str>) -> Result<Found> {
    let ui = ui_customization::effective(c, p, k)?;
    let mut links = Vec::new();
    for name in terms::NAMES {
        let link = terms::of_client(c, p, k, name)?
            .and_then(|t| t.links)
            .and_then(|mut l| l.remove(DEFAULT_LANGUAGE));
        links.push(link);
    }
    let style = match host {
        Some(h) if managed_look::version_for_host(c, p, h)? == 2 => {
            Some(managed_login::style_of_client(c, p, k)?)
        }
        _ => None,
    };
    Ok(Found { ui, links, style })
}

impl Service {
    /// How the hosted pages of `client_id` in `pool_id` look when reached at `host`: a
    /// domain on managed login (ManagedLoginVersion 2) shows the client's managed login
    /// style, one on the classic hosted UI its UI customization ([`Self::hosted_look`]).
    pub async fn hosted_look_at(
        &self,
        pool_id: &str,
        client_id: &str,
        host: &str,
    ) -> Result<HostedLook> {
        self.look(pool_id, client_id, Some(host)).await
    }

    /// How the hosted pages of `client_id` in `pool_id` look. A client or pool that does
    /// not exist has no branding: the default look.
    pub async fn hosted_look(&self, pool_id: &str, client_id: &str) -> Result<HostedLook> {
        self.look(pool_id, client_id, None).await
    }

    async fn look(&self, pool_id: &str, client_id: &str, host: Option<&str>) -> Result<HostedLook> {
        let (p, k, h) = (
            pool_id.to_string(),
            client_id.to_string(),
            host.map(str::to_string),
        );
        let found = self
            .store()
            .read(move |c| find(c, &p, &k, h.as_deref()))
            .await?;
        let mut look = HostedLook::default();
        if let Some((key, doc)) = found.ui {
            look.logo_url = self.ui_image_url(pool_id, &key, &doc);
            look.logo = match (doc.logo_bytes(), doc.logo_type()) {
                (Some(bytes), Some(t)) => Some(Logo {
                    bytes,
                    content_type: t.content_type(),
                }),
                _ => None,
            };
            look.css = doc.css.as_deref().map(classic_css::for_style_element);
        }
        if let Some(style) = found.style {
            let (settings, assets) = style.unwrap_or_default();
            look.css = managed_look::css(&settings);
            look.logo = managed_look::logo(&assets);
            look.logo_url = None;
        }
        if let [Some(terms_of_use), Some(privacy_policy)] = &found.links[..] {
            look.terms = Some(TermsLinks {
                terms_of_use: terms_of_use.clone(),
                privacy_policy: privacy_policy.clone(),
            });
        }
        Ok(look)
    }

    /// The logo served at a customization's `ImageUrl`
    /// (`<pool>/<client id or ALL>/<CSSVersion>/assets/images/image.<ext>`); None when
    /// that customization has no logo or the version is not its current one.
    pub async fn ui_logo(&self, pool_id: &str, key: &str, version: &str) -> Result<Option<Logo>> {
        let (p, k) = (pool_id.to_string(), key.to_string());
        let doc = self
            .store()
            .read(move |c| {
                pool_object::get(c, &p, Kind::UiCustomization, &k)?
                    .map(|r| from_doc::<UiDoc>(&r.doc))
                    .transpose()
            })
            .await?;
        Ok(doc.filter(|d| d.css_version == version).and_then(|d| {
            Some(Logo {
                bytes: d.logo_bytes()?,
                content_type: d.logo_type()?.content_type(),
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::service::{test_pool, test_service};
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine as _;
    use cognate_api::types::*;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn the_look_is_the_clients_customization_else_the_pools_and_both_terms() {
        let (service, _dir) = test_service();
        let pool = test_pool(&service).await;
        service
            .create_user_pool_domain(CreateUserPoolDomainRequest {
                user_pool_id: Some(pool.clone()),
                domain: Some("look".into()),
                ..Default::default()
            })
            .await
            .expect("domain");
        let client = |name: &str| CreateUserPoolClientRequest {
            user_pool_id: Some(pool.clone()),
            client_name: Some(name.into()),
            ..Default::default()
        };
        let a = service
            .create_user_pool_client(client("a"))
            .await
            .expect("client")
            .user_pool_client
            .and_then(|c| c.client_id)
            .expect("id");
        assert_eq!(
            service.hosted_look(&pool, &a).await.expect("look"),
            super::HostedLook::default()
        );

        let png = b"\x89PNG\r\n\x1a\nlogo".to_vec();
        let set = service
            .set_ui_customization(SetUICustomizationRequest {
                user_pool_id: Some(pool.clone()),
                css: Some(".logo-customizable { content: \"</style>\"; }".into()),
                image_file: Some(B64.encode(&png)),
                ..Default::default()
            })
            .await
            .expect("pool-wide")
            .ui_customization
            .expect("customization");
        let look = service.hosted_look(&pool, &a).await.expect("look");
        assert_eq!(
            look.css.as_deref(),
            Some(".logo-customizable { content: \"\\3C /style>\"; }")
        );
        let logo = look.logo.expect("logo");
        assert_eq!((logo.bytes, logo.content_type), (png.clone(), "image/png"));
        assert_eq!(look.logo_url, set.image_url);
        let version = set.css_version.expect("version");
        let served = service.ui_logo(&pool, "ALL", &version).await.expect("logo");
        assert_eq!(served.map(|l| l.bytes), Some(png));
        assert_eq!(service.ui_logo(&pool, "ALL", "1").await.expect("old"), None);

        service
            .set_ui_customization(SetUICustomizationRequest {
                user_pool_id: Some(pool.clone()),
                client_id: Some(a.clone()),
                css: Some(".label-customizable { font-weight: 700; }".into()),
                ..Default::default()
            })
            .await
            .expect("client's own");
        let look = service.hosted_look(&pool, &a).await.expect("look");
        assert_eq!(
            look.css.as_deref(),
            Some(".label-customizable { font-weight: 700; }")
        );
        assert_eq!(look.logo, None);

        let terms = |name: &str, url: &str| CreateTermsRequest {
            user_pool_id: Some(pool.clone()),
            client_id: Some(a.clone()),
            terms_name: Some(name.into()),
            terms_source: Some(TermsSourceType::LINK),
            enforcement: Some(TermsEnforcementType::NONE),
            links: Some(BTreeMap::from([
                ("cognito:default".to_string(), url.to_string()),
                ("cognito:french".to_string(), format!("{url}/fr")),
            ])),
        };
        service
            .create_terms(terms("terms-of-use", "https://example.com/terms"))
            .await
            .expect("terms");
        // One document alone is not shown.
        assert_eq!(
            service.hosted_look(&pool, &a).await.expect("look").terms,
            None
        );
        service
            .create_terms(terms("privacy-policy", "https://example.com/privacy"))
            .await
            .expect("privacy");
        let links = service
            .hosted_look(&pool, &a)
            .await
            .expect("look")
            .terms
            .expect("both");
        assert_eq!(links.terms_of_use, "https://example.com/terms");
        assert_eq!(links.privacy_policy, "https://example.com/privacy");
    }
}
