//! A SAML identity provider's metadata, as far as the provider's settings need it: its
//! entity id and the HTTP-Redirect endpoints of single sign-on and single logout.

use crate::error::{invalid, Result};

const REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    pub sso_redirect: String,
    pub slo_redirect: Option<String>,
}

/// Parses IdP metadata (an `EntityDescriptor` with an `IDPSSODescriptor`).
pub fn parse(xml: &str) -> Result<IdpMetadata> {
    let bad = |why: &str| invalid(format!("The SAML metadata is not valid: {why}."));
    let doc = roxmltree::Document::parse(xml).map_err(|_| bad("it is not XML"))?;
    let entity = doc
        .descendants()
        .find(|n| n.has_tag_name(("urn:oasis:names:tc:SAML:2.0:metadata", "EntityDescriptor")))
        .ok_or_else(|| bad("it has no EntityDescriptor"))?;
    let entity_id = entity
        .attribute("entityID")
        .ok_or_else(|| bad("the EntityDescriptor has no entityID"))?
        .to_string();
    let idp = entity
        .children()
        .find(|n| n.tag_name().name() == "IDPSSODescriptor")
        .ok_or_else(|| bad("it has no IDPSSODescriptor"))?;
    let endpoint = |tag: &str| {
        idp.children()
            .find(|n| {
                n.tag_name().name() == tag && n.attribute("Binding") == Some(REDIRECT_BINDING)
            })
            .and_then(|n| n.attribute("Location"))
            .map(str::to_string)
    };
    let sso_redirect = endpoint("SingleSignOnService")
        .ok_or_else(|| bad("it has no SingleSignOnService with the HTTP-Redirect binding"))?;
    let signs = idp.children().any(|k| {
        k.tag_name().name() == "KeyDescriptor"
            && k.attribute("use").is_none_or(|u| u == "signing")
            && k.descendants().any(|c| {
                c.tag_name().name() == "X509Certificate"
                    && c.text().is_some_and(|t| !t.trim().is_empty())
            })
    });
    if !signs {
        return Err(bad("the IDPSSODescriptor has no signing certificate"));
    }
    Ok(IdpMetadata {
        entity_id,
        sso_redirect,
        slo_redirect: endpoint("SingleLogoutService"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_read_from_the_idp_descriptor() {
        let xml = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>MIIB</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/slo"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#;
        let m = parse(xml).unwrap();
        assert_eq!(m.entity_id, "https://idp.example.com/saml");
        assert_eq!(m.sso_redirect, "https://idp.example.com/sso");
        assert_eq!(
            m.slo_redirect.as_deref(),
            Some("https://idp.example.com/slo")
        );
        assert!(parse("<a/>").is_err());
        let unsigned = xml.replace("use=\"signing\"", "use=\"encryption\"");
        assert!(parse(&unsigned)
            .unwrap_err()
            .0
            .message
            .contains("signing certificate"));
        assert!(parse("not xml").is_err());
    }
}
