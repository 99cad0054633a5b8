//! Branding end to end through the official Rust SDK: hosted UI (classic) customization
//! per pool and per client with the pool's as fallback, its CSS and logo checks;
//! managed login branding styles, one per client; terms documents, one of each name
//! per client; AWS's errors; what deleting a client removes; and that all of it
//! survives a restart.

mod common;

use aws_sdk_cognitoidentityprovider::primitives::Blob;
use aws_sdk_cognitoidentityprovider::types::{
    AssetCategoryType, AssetExtensionType, AssetType, ColorSchemeModeType, TermsEnforcementType,
    TermsSourceType,
};
use aws_sdk_cognitoidentityprovider::Client;
use aws_smithy_types::{Document, Number};
use common::{app_client, create_pool, fails, Backend, Server};
use std::collections::HashMap;

/// The eight bytes every PNG starts with, and some more.
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len, 7);
    bytes
}

const CSS: &str = ".logo-customizable { max-width: 60%; }\n\
                   .submitButton-customizable:hover { background-color: #286090; }";

/// A pool with a domain (which UI customization needs) and two app clients.
async fn pool_with_clients(c: &Client) -> (String, String, String) {
    let pool = create_pool(c, "branded").await;
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("branded-app")
        .send()
        .await
        .expect("domain");
    let a = app_client(c, &pool, |b| b).await;
    let b = app_client(c, &pool, |b| b).await;
    (pool, a, b)
}

fn object(pairs: &[(&str, Document)]) -> Document {
    Document::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<HashMap<_, _>>(),
    )
}

fn asset(category: AssetCategoryType, mode: ColorSchemeModeType, bytes: &[u8]) -> AssetType {
    AssetType::builder()
        .category(category)
        .color_mode(mode)
        .extension(AssetExtensionType::Png)
        .bytes(Blob::new(bytes))
        .build()
        .expect("asset")
}

fn is_uuid_v4(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
}

#[tokio::test]
async fn ui_customization_is_set_per_pool_and_client_and_falls_back_to_the_pool() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, a, b) = pool_with_clients(&c).await;

    let none = c
        .get_ui_customization()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("nothing applied yet");
    let none = none.ui_customization().expect("an empty customization");
    assert_eq!(none.css(), None);
    assert_eq!(none.image_url(), None);
    assert_eq!(none.creation_date(), None);

    let set = c
        .set_ui_customization()
        .user_pool_id(&pool)
        .css(CSS)
        .image_file(Blob::new(png(2048)))
        .send()
        .await
        .expect("pool-wide");
    let all = set.ui_customization().expect("customization");
    assert_eq!(all.client_id(), Some("ALL"));
    assert_eq!(all.user_pool_id(), Some(pool.as_str()));
    assert_eq!(all.css(), Some(CSS));
    let version = all.css_version().expect("version").to_string();
    assert!(
        version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()),
        "{version}"
    );
    let url = all.image_url().expect("image url");
    assert!(
        url.starts_with(&server.url())
            && url.ends_with(&format!("/{pool}/ALL/{version}/assets/images/image.png")),
        "{url}"
    );
    assert!(all.creation_date().is_some() && all.last_modified_date().is_some());

    // A client without its own customization gets the pool's.
    let got = c
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&a)
        .send()
        .await
        .expect("fallback");
    let got = got.ui_customization().expect("customization");
    assert_eq!(got.client_id(), Some("ALL"));
    assert_eq!(got.css(), Some(CSS));

    // Its own replaces the pool's, CSS and logo together: no logo here.
    let own = ".background-customizable { background-color: #000; }";
    c.set_ui_customization()
        .user_pool_id(&pool)
        .client_id(&a)
        .css(own)
        .send()
        .await
        .expect("client's own");
    let got = c
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&a)
        .send()
        .await
        .expect("client's");
    let got = got.ui_customization().expect("customization");
    assert_eq!(got.client_id(), Some(a.as_str()));
    assert_eq!(got.css(), Some(own));
    assert_eq!(got.image_url(), None);

    let other = c
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&b)
        .send()
        .await
        .expect("other client");
    assert_eq!(other.ui_customization().and_then(|u| u.css()), Some(CSS));

    // "ALL" names the pool-wide customization; setting it again keeps its creation date.
    let again = c
        .set_ui_customization()
        .user_pool_id(&pool)
        .client_id("ALL")
        .css(own)
        .send()
        .await
        .expect("pool-wide again");
    let again = again.ui_customization().expect("customization");
    assert_eq!(again.creation_date(), all.creation_date());
    assert_eq!(again.image_url(), None);
    let pool_wide = c
        .get_ui_customization()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("pool-wide");
    assert_eq!(
        pool_wide.ui_customization().and_then(|u| u.css()),
        Some(own)
    );
}

#[tokio::test]
async fn ui_customization_refuses_what_aws_refuses() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, a, _) = pool_with_clients(&c).await;
    let set = |css: &str| {
        c.set_ui_customization()
            .user_pool_id(&pool)
            .client_id(&a)
            .css(css)
            .send()
    };

    for css in [
        "body { color: red; }",
        ".logo-customizable, .not-customizable { color: red; }",
        "@import url(https://example.com/x.css);",
        "@media (max-width: 10px) { .logo-customizable { max-width: 1%; } }",
        ".banner-customizable { background: url(javascript:alert(1)); }",
        ".banner-customizable { color: red;",
    ] {
        let (code, message) = fails(set(css).await);
        assert_eq!(code, "InvalidParameterException", "{css}: {message}");
    }

    for image in [b"GIF89a....".to_vec(), png(100 * 1024 + 1)] {
        let (code, _) = fails(
            c.set_ui_customization()
                .user_pool_id(&pool)
                .image_file(Blob::new(image))
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException");
    }
    // 100 KB exactly is allowed, and a JPEG too.
    c.set_ui_customization()
        .user_pool_id(&pool)
        .image_file(Blob::new(png(100 * 1024)))
        .send()
        .await
        .expect("100 KB");
    let jpeg = c
        .set_ui_customization()
        .user_pool_id(&pool)
        .image_file(Blob::new(vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]))
        .send()
        .await
        .expect("JPEG");
    let url = jpeg
        .ui_customization()
        .and_then(|u| u.image_url())
        .expect("url");
    assert!(url.ends_with("/image.jpg"), "{url}");

    // Nothing was stored for the client by the refused requests.
    let got = c
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&a)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.ui_customization().and_then(|u| u.client_id()),
        Some("ALL")
    );

    // A pool without a domain, an unknown pool, a client of another pool.
    let bare = create_pool(&c, "bare").await;
    let (code, _) = fails(
        c.set_ui_customization()
            .user_pool_id(&bare)
            .css(CSS)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = fails(
        c.set_ui_customization()
            .user_pool_id("us-east-1_nothere")
            .css(CSS)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.get_ui_customization()
            .user_pool_id("us-east-1_nothere")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let foreign = app_client(&c, &bare, |b| b).await;
    let (code, _) = fails(
        c.set_ui_customization()
            .user_pool_id(&pool)
            .client_id(&foreign)
            .css(CSS)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.get_ui_customization()
            .user_pool_id(&pool)
            .client_id(&foreign)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn managed_login_branding_is_one_style_per_client() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, a, b) = pool_with_clients(&c).await;

    let created = c
        .create_managed_login_branding()
        .user_pool_id(&pool)
        .client_id(&a)
        .use_cognito_provided_values(true)
        .send()
        .await
        .expect("defaults");
    let style = created.managed_login_branding().expect("style");
    let id_a = style.managed_login_branding_id().expect("id").to_string();
    assert!(is_uuid_v4(&id_a), "{id_a}");
    assert!(style.use_cognito_provided_values());
    assert!(style.creation_date().is_some());

    let (code, _) = fails(
        c.create_managed_login_branding()
            .user_pool_id(&pool)
            .client_id(&a)
            .use_cognito_provided_values(true)
            .send()
            .await,
    );
    assert_eq!(code, "ManagedLoginBrandingExistsException");

    let settings = object(&[(
        "categories",
        object(&[(
            "global",
            object(&[
                ("colorSchemeMode", Document::String("LIGHT".into())),
                ("spacingDensity", Document::String("REGULAR".into())),
            ]),
        )]),
    )]);
    let (code, _) = fails(
        c.create_managed_login_branding()
            .user_pool_id(&pool)
            .client_id(&b)
            .use_cognito_provided_values(true)
            .settings(settings.clone())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");

    let logo = asset(
        AssetCategoryType::FormLogo,
        ColorSchemeModeType::Light,
        &png(64),
    );
    let created = c
        .create_managed_login_branding()
        .user_pool_id(&pool)
        .client_id(&b)
        .settings(settings.clone())
        .assets(logo.clone())
        .send()
        .await
        .expect("custom");
    let id_b = created
        .managed_login_branding()
        .and_then(|s| s.managed_login_branding_id())
        .expect("id")
        .to_string();

    let by_id = c
        .describe_managed_login_branding()
        .user_pool_id(&pool)
        .managed_login_branding_id(&id_b)
        .send()
        .await
        .expect("by id");
    let style = by_id.managed_login_branding().expect("style");
    assert!(!style.use_cognito_provided_values());
    assert_eq!(style.settings(), Some(&settings));
    assert_eq!(style.assets(), std::slice::from_ref(&logo));
    let by_client = c
        .describe_managed_login_branding_by_client()
        .user_pool_id(&pool)
        .client_id(&b)
        .return_merged_resources(true)
        .send()
        .await
        .expect("by client");
    assert_eq!(
        by_client
            .managed_login_branding()
            .and_then(|s| s.managed_login_branding_id()),
        Some(id_b.as_str())
    );

    // An update keeps what it does not name.
    let dark = asset(
        AssetCategoryType::FormLogo,
        ColorSchemeModeType::Dark,
        &png(32),
    );
    let newer = asset(
        AssetCategoryType::FormLogo,
        ColorSchemeModeType::Light,
        &png(48),
    );
    let updated = c
        .update_managed_login_branding()
        .user_pool_id(&pool)
        .managed_login_branding_id(&id_b)
        .settings(object(&[(
            "categories",
            object(&[(
                "global",
                object(&[("colorSchemeMode", Document::String("DARK".into()))]),
            )]),
        )]))
        .assets(newer.clone())
        .assets(dark.clone())
        .send()
        .await
        .expect("update");
    let style = updated.managed_login_branding().expect("style");
    let expected = object(&[(
        "categories",
        object(&[(
            "global",
            object(&[
                ("colorSchemeMode", Document::String("DARK".into())),
                ("spacingDensity", Document::String("REGULAR".into())),
            ]),
        )]),
    )]);
    assert_eq!(style.settings(), Some(&expected));
    assert_eq!(style.assets(), &[newer, dark]);

    let reset = c
        .update_managed_login_branding()
        .user_pool_id(&pool)
        .managed_login_branding_id(&id_b)
        .use_cognito_provided_values(true)
        .send()
        .await
        .expect("back to defaults");
    let style = reset.managed_login_branding().expect("style");
    assert!(style.use_cognito_provided_values());
    assert!(style.assets().is_empty());

    // Deleting frees the client for a new style.
    c.delete_managed_login_branding()
        .user_pool_id(&pool)
        .managed_login_branding_id(&id_a)
        .send()
        .await
        .expect("delete");
    let (code, _) = fails(
        c.describe_managed_login_branding()
            .user_pool_id(&pool)
            .managed_login_branding_id(&id_a)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.describe_managed_login_branding_by_client()
            .user_pool_id(&pool)
            .client_id(&a)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.delete_managed_login_branding()
            .user_pool_id(&pool)
            .managed_login_branding_id(&id_a)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    c.create_managed_login_branding()
        .user_pool_id(&pool)
        .client_id(&a)
        .settings(object(&[("n", Document::Number(Number::PosInt(1)))]))
        .send()
        .await
        .expect("a new style");

    // Unknown and foreign clients, unknown ids.
    let other = create_pool(&c, "other").await;
    let foreign = app_client(&c, &other, |b| b).await;
    for client in [foreign.as_str(), "nosuchclient"] {
        let (code, _) = fails(
            c.create_managed_login_branding()
                .user_pool_id(&pool)
                .client_id(client)
                .use_cognito_provided_values(true)
                .send()
                .await,
        );
        assert_eq!(code, "ResourceNotFoundException", "{client}");
    }
    let (code, _) = fails(
        c.describe_managed_login_branding()
            .user_pool_id(&other)
            .managed_login_branding_id(&id_b)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.update_managed_login_branding()
            .user_pool_id(&pool)
            .managed_login_branding_id("11111111-2222-4333-8444-555555555555")
            .use_cognito_provided_values(true)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}

async fn create_terms(
    c: &Client,
    pool: &str,
    client: &str,
    name: &str,
    url: &str,
) -> Result<String, (String, String)> {
    c.create_terms()
        .user_pool_id(pool)
        .client_id(client)
        .terms_name(name)
        .terms_source(TermsSourceType::Link)
        .enforcement(TermsEnforcementType::None)
        .links("cognito:default", url)
        .send()
        .await
        .map(|o| o.terms().expect("terms").terms_id().to_string())
        .map_err(|e| (common::code(&e), common::message(&e)))
}

#[tokio::test]
async fn terms_are_one_document_of_each_name_per_client() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, a, b) = pool_with_clients(&c).await;

    let tou = create_terms(&c, &pool, &a, "terms-of-use", "https://example.com/terms")
        .await
        .expect("terms of use");
    assert!(is_uuid_v4(&tou), "{tou}");
    let (code, _) = create_terms(&c, &pool, &a, "terms-of-use", "https://example.com/t2")
        .await
        .expect_err("a second terms-of-use");
    assert_eq!(code, "TermsExistsException");
    let privacy = create_terms(
        &c,
        &pool,
        &a,
        "privacy-policy",
        "https://example.com/privacy",
    )
    .await
    .expect("privacy policy");
    create_terms(&c, &pool, &b, "terms-of-use", "https://example.com/b")
        .await
        .expect("another client's");

    let described = c
        .describe_terms()
        .user_pool_id(&pool)
        .terms_id(&tou)
        .send()
        .await
        .expect("describe");
    let t = described.terms().expect("terms");
    assert_eq!(t.client_id(), a);
    assert_eq!(t.terms_name(), "terms-of-use");
    assert_eq!(t.terms_source(), &TermsSourceType::Link);
    assert_eq!(t.enforcement(), &TermsEnforcementType::None);
    assert_eq!(
        t.links().get("cognito:default").map(String::as_str),
        Some("https://example.com/terms")
    );
    let by_client = c
        .describe_terms_by_client()
        .user_pool_id(&pool)
        .client_id(&a)
        .terms_name("privacy-policy")
        .send()
        .await
        .expect("by client");
    assert_eq!(
        by_client.terms().map(|t| t.terms_id()),
        Some(privacy.as_str())
    );

    // ListTerms pages through the pool's documents.
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_terms()
            .user_pool_id(&pool)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .expect("list");
        seen.extend(page.terms().iter().map(|t| t.terms_id().to_string()));
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.contains(&tou) && seen.contains(&privacy));

    // Renaming onto the other name of the same client is refused; links are replaced.
    let (code, _) = fails(
        c.update_terms()
            .user_pool_id(&pool)
            .terms_id(&tou)
            .terms_name("privacy-policy")
            .send()
            .await,
    );
    assert_eq!(code, "TermsExistsException");
    let updated = c
        .update_terms()
        .user_pool_id(&pool)
        .terms_id(&tou)
        .links("cognito:default", "https://example.com/v2")
        .links("cognito:french", "https://example.com/fr")
        .send()
        .await
        .expect("update");
    let t = updated.terms().expect("terms");
    assert_eq!(t.links().len(), 2);
    assert!(t.last_modified_date() >= t.creation_date());

    c.delete_terms()
        .user_pool_id(&pool)
        .terms_id(&privacy)
        .send()
        .await
        .expect("delete");
    let (code, _) = fails(
        c.describe_terms()
            .user_pool_id(&pool)
            .terms_id(&privacy)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.describe_terms_by_client()
            .user_pool_id(&pool)
            .client_id(&a)
            .terms_name("privacy-policy")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    // The name is free again, also by renaming.
    c.update_terms()
        .user_pool_id(&pool)
        .terms_id(&tou)
        .terms_name("privacy-policy")
        .send()
        .await
        .expect("rename");
    create_terms(&c, &pool, &a, "terms-of-use", "https://example.com/terms")
        .await
        .expect("terms of use again");

    // Errors: a foreign client, no links, an unknown pool.
    let other = create_pool(&c, "other").await;
    let foreign = app_client(&c, &other, |b| b).await;
    let (code, _) = create_terms(&c, &pool, &foreign, "terms-of-use", "https://example.com")
        .await
        .expect_err("foreign client");
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.create_terms()
            .user_pool_id(&other)
            .client_id(&foreign)
            .terms_name("terms-of-use")
            .terms_source(TermsSourceType::Link)
            .enforcement(TermsEnforcementType::None)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = fails(
        c.list_terms()
            .user_pool_id("us-east-1_nothere")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.describe_terms()
            .user_pool_id(&other)
            .terms_id(&tou)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn deleting_a_client_removes_its_branding_and_terms() {
    let server = Server::sqlite();
    let c = server.client();
    let (pool, a, b) = pool_with_clients(&c).await;
    c.set_ui_customization()
        .user_pool_id(&pool)
        .client_id(&a)
        .css(CSS)
        .send()
        .await
        .expect("customization");
    let style = c
        .create_managed_login_branding()
        .user_pool_id(&pool)
        .client_id(&a)
        .use_cognito_provided_values(true)
        .send()
        .await
        .expect("style")
        .managed_login_branding()
        .and_then(|s| s.managed_login_branding_id().map(String::from))
        .expect("id");
    let terms = create_terms(&c, &pool, &a, "terms-of-use", "https://example.com/t")
        .await
        .expect("terms");
    let kept = create_terms(&c, &pool, &b, "terms-of-use", "https://example.com/b")
        .await
        .expect("other client's terms");

    c.delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&a)
        .send()
        .await
        .expect("delete client");

    let (code, _) = fails(
        c.describe_managed_login_branding()
            .user_pool_id(&pool)
            .managed_login_branding_id(&style)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fails(
        c.describe_terms()
            .user_pool_id(&pool)
            .terms_id(&terms)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let listed = c
        .list_terms()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("list");
    let ids: Vec<&str> = listed.terms().iter().map(|t| t.terms_id()).collect();
    assert_eq!(ids, [kept.as_str()]);
}

#[tokio::test]
async fn branding_and_terms_survive_a_restart() {
    let (backend, _dir) = Backend::sqlite();
    let mut server = Server::start(&backend);
    let c = server.client();
    let (pool, a, _) = pool_with_clients(&c).await;
    c.set_ui_customization()
        .user_pool_id(&pool)
        .css(CSS)
        .image_file(Blob::new(png(300)))
        .send()
        .await
        .expect("customization");
    let style = c
        .create_managed_login_branding()
        .user_pool_id(&pool)
        .client_id(&a)
        .settings(object(&[("x", Document::Bool(true))]))
        .send()
        .await
        .expect("style")
        .managed_login_branding()
        .and_then(|s| s.managed_login_branding_id().map(String::from))
        .expect("id");
    let terms = create_terms(&c, &pool, &a, "privacy-policy", "https://example.com/p")
        .await
        .expect("terms");
    server.kill();

    let server = Server::start(&backend);
    let c = server.client();
    let ui = c
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&a)
        .send()
        .await
        .expect("customization");
    let ui = ui.ui_customization().expect("customization");
    assert_eq!(ui.css(), Some(CSS));
    assert!(ui.image_url().is_some());
    let described = c
        .describe_managed_login_branding_by_client()
        .user_pool_id(&pool)
        .client_id(&a)
        .send()
        .await
        .expect("style");
    assert_eq!(
        described
            .managed_login_branding()
            .and_then(|s| s.managed_login_branding_id()),
        Some(style.as_str())
    );
    let t = c
        .describe_terms()
        .user_pool_id(&pool)
        .terms_id(&terms)
        .send()
        .await
        .expect("terms");
    assert_eq!(t.terms().map(|t| t.terms_name()), Some("privacy-policy"));
}
