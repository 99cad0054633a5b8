//! The pools' signing keys: the JWKS and OpenID discovery documents, issuers (the
//! server's address or AWS's), GetSigningCertificate, and keys and sessions surviving a
//! restart.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use serde_json::json;

#[tokio::test]
async fn discovery_documents_issuers_and_the_signing_certificate() {
    let (server, c, pool, _app) = sign_in_fixture().await;
    let keys = jwks(&server, &pool);
    let keys = keys["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert_eq!(
            (&k["kty"], &k["alg"], &k["use"]),
            (&json!("RSA"), &json!("RS256"), &json!("sig"))
        );
        assert_eq!(k["e"], "AQAB");
        assert!(k["n"].as_str().is_some_and(|n| n.len() > 300));
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    let r = server.get(&format!("/{pool}/.well-known/openid-configuration"));
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["issuer"], format!("{}/{pool}", server.url()));
    assert_eq!(
        doc["jwks_uri"],
        format!("{}/{pool}/.well-known/jwks.json", server.url())
    );
    for document in ["jwks.json", "openid-configuration"] {
        let r = server.get(&format!("/us-east-1_Nope12345/.well-known/{document}"));
        assert_eq!(r.status, 404, "{document}: {}", r.body);
    }

    let certificate = || async {
        let out = c.get_signing_certificate().user_pool_id(&pool).send().await;
        out.expect("certificate")
            .certificate()
            .expect("Certificate")
            .to_string()
    };
    let first = certificate().await;
    assert_eq!(first, certificate().await);
    let der = STANDARD.decode(&first).expect("base64 DER");
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");

    // Tokens of a server giving AWS's issuers.
    let aws = [
        "--issuer-base",
        "https://cognito-idp.{region}.amazonaws.com",
    ];
    let (server, c, pool, app) = sign_in_fixture_with(&aws).await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let expected = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}");
    assert_eq!(claims(&t.id)["iss"], expected.as_str());
    assert_eq!(claims(&t.access)["iss"], expected.as_str());
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".into()));
    let r = server.get(&format!("/{pool}/.well-known/openid-configuration"));
    assert_eq!(r.json()["issuer"], expected.as_str());
    assert!(verifies(&jwks(&server, &pool), &t.access));
}

#[tokio::test]
async fn keys_and_sessions_survive_a_restart() {
    let (backend, _dir) = Backend::sqlite();
    // The issuer defaults to the server's address, whose port changes at a restart: both
    // servers are given the same issuer base, as a deployment behind one address would.
    let issuer = ["--issuer-base", "http://cognate.test"];
    let mut server = Server::start_with(&backend, &issuer);
    let c = server.client();
    let pool = sign_in_pool(&c).await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    let before = jwks(&server, &pool);
    server.kill();

    let server = Server::start_with(&backend, &issuer);
    let c = server.client();
    assert_eq!(jwks(&server, &pool), before);
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".into()));
    let refreshed = refresh(&c, &app, t.refresh.as_ref()).await;
    assert!(verifies(
        &before,
        &refreshed.expect("the old refresh token works").access
    ));
}
