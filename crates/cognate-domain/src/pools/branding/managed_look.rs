//! What the pages of a domain on managed login (ManagedLoginVersion 2) take from the
//! client's branding style, where the classic hosted UI (version 1) takes its UI
//! customization: the style's colours (page background, form background, primary
//! button and its text, in light mode: Cognito's `RRGGBBAA` hex values) as CSS, and
//! its FORM_LOGO asset. AWS's pages are the same on both versions but for their look.

use crate::stored::from_doc;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cognate_api::types::{AssetCategoryType, AssetExtensionType, AssetType, ColorSchemeModeType};
use cognate_store::records::user_pool_domain;
use cognate_store::Conn;
use serde_json::{Map, Value};

use super::Logo;
use crate::error::Result;
use crate::pools::domain::DomainDoc;

/// The ManagedLoginVersion of the domain a request came through (by its Host), else of
/// the pool's prefix domain, else of any of its domains; 1 without one.
pub(super) fn version_for_host(conn: &mut dyn Conn, pool_id: &str, host: &str) -> Result<i32> {
    let (name, prefix) = crate::oauth::candidates(host);
    let rows = user_pool_domain::rows_of_pool(conn, pool_id)?;
    let version = |r: &user_pool_domain::DomainRow| {
        from_doc::<DomainDoc>(&r.doc)
            .map(|d| d.managed_login_version)
            .unwrap_or(1)
    };
    let by_host = rows
        .iter()
        .find(|r| r.domain == name || Some(&r.domain) == prefix.as_ref());
    let chosen = by_host
        .or_else(|| rows.iter().find(|r| !r.domain.contains('.')))
        .or(rows.first());
    Ok(chosen.map(version).unwrap_or(1))
}

/// A settings colour (`RRGGBBAA` or `RRGGBB`) as CSS, nothing else: the value goes into
/// a style sheet.
fn colour(settings: &Map<String, Value>, path: &[&str]) -> Option<String> {
    let mut v = settings.get(path[0])?;
    for key in &path[1..] {
        v = v.get(key)?;
    }
    let hex = v.as_str()?.trim_start_matches('#');
    (matches!(hex.len(), 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("#{hex}"))
}

/// The style's colours as CSS for the pages' elements.
pub(super) fn css(settings: &Map<String, Value>) -> Option<String> {
    let mut rules = Vec::new();
    let components = ["components"];
    let at = |rest: &[&str]| {
        let path: Vec<&str> = components.iter().chain(rest).copied().collect();
        colour(settings, &path)
    };
    if let Some(c) = at(&["pageBackground", "lightMode", "color"]) {
        rules.push(format!("body{{background:{c}}}"));
    }
    if let Some(c) = at(&["form", "lightMode", "backgroundColor"]) {
        rules.push(format!("main{{background:{c}}}"));
    }
    let button = ["primaryButton", "lightMode", "defaults"];
    let mut decl = Vec::new();
    if let Some(c) = at(&[button[0], button[1], button[2], "backgroundColor"]) {
        decl.push(format!("background:{c}"));
    }
    if let Some(c) = at(&[button[0], button[1], button[2], "textColor"]) {
        decl.push(format!("color:{c}"));
    }
    if !decl.is_empty() {
        rules.push(format!(".btn-primary{{{}}}", decl.join(";")));
    }
    (!rules.is_empty()).then(|| rules.join("\n"))
}

/// The FORM_LOGO asset for a light page (LIGHT, else DYNAMIC).
pub(super) fn logo(assets: &[AssetType]) -> Option<Logo> {
    let form_logo = |mode: &ColorSchemeModeType| {
        assets.iter().find(|a| {
            a.category.as_ref() == Some(&AssetCategoryType::FORM_LOGO)
                && a.color_mode.as_ref() == Some(mode)
        })
    };
    let asset = form_logo(&ColorSchemeModeType::LIGHT)
        .or_else(|| form_logo(&ColorSchemeModeType::DYNAMIC))?;
    let content_type = match asset.extension.as_ref()? {
        e if *e == AssetExtensionType::PNG => "image/png",
        e if *e == AssetExtensionType::JPEG => "image/jpeg",
        e if *e == AssetExtensionType::SVG => "image/svg+xml",
        e if *e == AssetExtensionType::WEBP => "image/webp",
        e if *e == AssetExtensionType::ICO => "image/x-icon",
        _ => return None,
    };
    let bytes = B64.decode(asset.bytes.as_deref()?).ok()?;
    Some(Logo {
        bytes,
        content_type,
    })
}
