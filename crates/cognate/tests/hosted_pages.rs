//! The hosted pages beyond the password form, end to end with a plain HTTP client:
//! `/signup` → `/confirm` (a code read from the outbox, a wrong one refused, a new one
//! sent) → signed in at the app's redirect URI; `/forgotPassword` →
//! `/confirmForgotPassword` → signed in with the new password; an authenticator app set
//! up on the page where the pool requires MFA, then asked for at the next sign-in (a
//! wrong code shows the code page again); the passkey button and `/passkeys/add`;
//! the app's UI customization, terms and managed login style on the pages; and the
//! page refusing sign-up where only administrators create users.

mod common;

use aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder as NewPool;
use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, OAuthFlowType, SchemaAttributeType, SoftwareTokenMfaConfigType,
    UserPoolMfaType, VerifiedAttributeType,
};
use common::forms::*;
use common::totp::{step_now, totp};
use common::*;

const CALLBACK: &str = "http://localhost:3000/callback";
const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789abcdef";

struct Browser<'a> {
    server: &'a Server,
    pool: String,
    client: String,
    /// The client's secret: the page signs users up for a confidential client too.
    secret: String,
    /// The pre-login cookie its forms' CSRF tokens are bound to.
    csrf_cookie: String,
}

impl<'a> Browser<'a> {
    fn query(&self) -> String {
        query(&[
            ("response_type", "code"),
            ("client_id", &self.client),
            ("redirect_uri", CALLBACK),
            ("scope", "openid email"),
            ("state", "s1"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
    }

    /// Opens `path` with the authorize query; answers the page, keeping its CSRF cookie.
    fn open(&mut self, path: &str, extra: &str) -> String {
        let cookie = self.csrf_cookie.clone();
        let headers: Vec<(&str, &str)> = if cookie.is_empty() {
            vec![]
        } else {
            vec![("Cookie", cookie.as_str())]
        };
        let r = self.server.request(
            "GET",
            &format!("{path}?{}{extra}", self.query()),
            &headers,
            "",
        );
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        if let Some(c) = set_cookie(&r, "XSRF-TOKEN") {
            self.csrf_cookie = c;
        }
        r.body
    }

    /// Posts `form` to `path` with the CSRF token of `page`.
    fn post(&self, path: &str, page: &str, form: &[(&str, &str)]) -> HttpResponse {
        let csrf = hidden(page, "_csrf");
        let mut fields = vec![("_csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.server.request(
            "POST",
            &format!("{path}?{}", self.query()),
            &[FORM, ("Cookie", &self.csrf_cookie)],
            &query(&fields),
        )
    }

    /// The tokens the code of a redirect to the app exchanges for.
    fn exchange(&self, r: &HttpResponse) -> serde_json::Value {
        assert_eq!(r.status, 302, "{}", r.body);
        let location = r.header("location").expect("location").to_string();
        assert!(location.starts_with(CALLBACK), "{location}");
        let p = location_params(&location);
        assert_eq!(p["state"], "s1");
        let t = self.server.request(
            "POST",
            "/oauth2/token",
            &[FORM],
            &query(&[
                ("grant_type", "authorization_code"),
                ("client_id", &self.client),
                ("client_secret", &self.secret),
                ("code", &p["code"]),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ]),
        );
        assert_eq!(t.status, 200, "{}", t.body);
        let json = t.json();
        assert!(set_cookie(r, &format!("cognito-{}", self.pool)).is_some());
        json
    }
}

/// A server, a pool made by `pool`, and a public code-flow client of it.
async fn setup(
    pool: impl FnOnce(NewPool) -> NewPool,
) -> (
    Server,
    aws_sdk_cognitoidentityprovider::Client,
    String,
    (String, String),
) {
    let server = Server::sqlite_with(&[]);
    let c = server.client();
    let pool = create_pool_with(&c, "hosted", pool).await;
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .supported_identity_providers("COGNITO")
        .callback_urls(CALLBACK)
        .send()
        .await
        .expect("client");
    let client = client.user_pool_client().expect("client");
    let id = client.client_id().expect("id").to_string();
    let secret = client.client_secret().expect("secret").to_string();
    (server, c, pool, (id, secret))
}

fn browser<'a>(server: &'a Server, pool: &str, client: &(String, String)) -> Browser<'a> {
    Browser {
        server,
        pool: pool.to_string(),
        client: client.0.clone(),
        secret: client.1.clone(),
        csrf_cookie: String::new(),
    }
}

#[tokio::test]
async fn sign_up_and_confirm_on_the_pages_signs_the_user_in() {
    let (server, _c, pool, client) = setup(|b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .schema(
                SchemaAttributeType::builder()
                    .name("email")
                    .required(true)
                    .build(),
            )
    })
    .await;
    let mut b = browser(&server, &pool, &client);
    let login = b.open("/login", "");
    assert!(login.contains("href=\"/signup?"), "{login}");
    assert!(login.contains("href=\"/forgotPassword?"), "{login}");
    let page = b.open("/signup", "");
    for input in ["username", "email", "password"] {
        assert!(
            page.contains(&format!("name=\"{input}\"")),
            "{input}: {page}"
        );
    }
    assert!(!page.contains("name=\"sub\""), "{page}");

    // A password the pool's policy refuses: the form again, with the error and values.
    let weak = b.post(
        "/signup",
        &page,
        &[
            ("username", "carol"),
            ("email", "carol@example.com"),
            ("password", "short"),
        ],
    );
    assert_eq!(weak.status, 200);
    assert!(
        weak.body.contains("Password did not conform with policy"),
        "{}",
        weak.body
    );
    assert!(weak.body.contains("value=\"carol@example.com\""));

    let confirm = b.post(
        "/signup",
        &page,
        &[
            ("username", "carol"),
            ("email", "carol@example.com"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("name=\"code\""), "{}", confirm.body);
    assert!(confirm.body.contains("c***@e***"), "{}", confirm.body);
    let sent = last_message(&server, &pool, "carol");
    assert_eq!(sent["kind"], "SIGN_UP");
    let code = sent["code"].as_str().expect("code").to_string();

    // A wrong code is refused on the page; a resend sends a new code.
    let wrong = b.post(
        "/confirm",
        &confirm.body,
        &[("username", "carol"), ("code", &wrong_code(&code))],
    );
    assert_eq!(wrong.status, 200);
    assert!(
        wrong.body.contains("Invalid verification code provided"),
        "{}",
        wrong.body
    );
    let resent = b.post(
        "/confirm",
        &confirm.body,
        &[("username", "carol"), ("resend", "true")],
    );
    assert_eq!(resent.status, 200, "{}", resent.body);
    let again = last_message(&server, &pool, "carol");
    assert_eq!(again["kind"], "RESEND_CODE");
    let code = again["code"].as_str().expect("code").to_string();

    let done = b.post(
        "/confirm",
        &confirm.body,
        &[("username", "carol"), ("code", &code)],
    );
    let tokens = b.exchange(&done);
    let id = claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(id["cognito:username"], "carol");
    assert_eq!(id["email"], "carol@example.com");
    assert_eq!(id["email_verified"], true);

    // The same code cannot confirm twice.
    let replay = b.post(
        "/confirm",
        &confirm.body,
        &[("username", "carol"), ("code", &code)],
    );
    assert_eq!(replay.status, 200);
    assert!(
        replay.body.contains("Current status is CONFIRMED"),
        "{}",
        replay.body
    );
}

#[tokio::test]
async fn sign_up_needs_its_csrf_token_and_a_pool_that_allows_it() {
    let (server, _c, pool, client) = setup(|b| {
        b.admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
    })
    .await;
    let mut b = browser(&server, &pool, &client);
    let r = server.get(&format!("/signup?{}", b.query()));
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("SignUp is not permitted for this user pool"),
        "{}",
        r.body
    );

    let login = b.open("/login", "");
    let forged = server.request(
        "POST",
        &format!("/signup?{}", b.query()),
        &[FORM, ("Cookie", &b.csrf_cookie)],
        &query(&[
            ("_csrf", "forged"),
            ("username", "x"),
            ("password", PASSWORD),
        ]),
    );
    assert_eq!(forged.status, 403);
    let refused = b.post(
        "/signup",
        &login,
        &[("username", "x"), ("password", PASSWORD)],
    );
    assert!(
        refused.body.contains("SignUp is not permitted"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_on_the_pages() {
    let (server, c, pool, client) = setup(|b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    let mut b = browser(&server, &pool, &client);
    let page = b.open("/forgotPassword", "");
    let sent = b.post("/forgotPassword", &page, &[("username", "alice")]);
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("a***@e***"), "{}", sent.body);
    let message = last_message(&server, &pool, "alice");
    assert_eq!(message["kind"], "FORGOT_PASSWORD");
    let code = message["code"].as_str().expect("code").to_string();

    let wrong = b.post(
        "/confirmForgotPassword",
        &sent.body,
        &[
            ("username", "alice"),
            ("code", &wrong_code(&code)),
            ("password", NEW_PASSWORD),
        ],
    );
    assert!(
        wrong.body.contains("Invalid verification code provided"),
        "{}",
        wrong.body
    );
    let reset = b.post(
        "/confirmForgotPassword",
        &sent.body,
        &[
            ("username", "alice"),
            ("code", &code),
            ("password", NEW_PASSWORD),
        ],
    );
    assert_eq!(reset.status, 200);
    assert!(
        reset.body.contains("Your password has been changed"),
        "{}",
        reset.body
    );

    let old = b.post(
        "/login",
        &reset.body,
        &[("username", "alice"), ("password", PASSWORD)],
    );
    assert!(old.body.contains(INCORRECT), "{}", old.body);
    let new = b.post(
        "/login",
        &reset.body,
        &[("username", "alice"), ("password", NEW_PASSWORD)],
    );
    b.exchange(&new);
}

#[tokio::test]
async fn an_authenticator_app_is_set_up_and_then_asked_for_on_the_page() {
    let (server, c, pool, client) = setup(|b| b).await;
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("MFA on");
    add_user(&c, &pool, "alice", PASSWORD).await;
    let mut b = browser(&server, &pool, &client);
    let login = b.open("/login", "");
    let setup = b.post(
        "/login",
        &login,
        &[("username", "alice"), ("password", PASSWORD)],
    );
    assert_eq!(setup.status, 200, "{}", setup.body);
    assert_eq!(hidden(&setup.body, "challenge"), "MFA_SETUP");
    let start = setup
        .body
        .find("id=\"totp-secret\">")
        .expect("secret shown")
        + 17;
    let end = setup.body[start..].find('<').expect("end") + start;
    let secret = setup.body[start..end].to_string();
    assert!(setup.body.contains("otpauth://totp/"), "{}", setup.body);

    // A wrong code, then the app's code.
    let step = step_now();
    let wrong = b.post(
        "/login",
        &setup.body,
        &[
            ("username", &hidden(&setup.body, "username")),
            ("challenge", "MFA_SETUP"),
            ("session", &hidden(&setup.body, "session")),
            ("code", &wrong_code(&totp(&secret, step))),
        ],
    );
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("role=\"alert\""), "{}", wrong.body);
    let set_up = b.post(
        "/login",
        &setup.body,
        &[
            ("username", &hidden(&setup.body, "username")),
            ("challenge", "MFA_SETUP"),
            ("session", &hidden(&setup.body, "session")),
            ("code", &totp(&secret, step)),
        ],
    );
    b.exchange(&set_up);

    // The next sign-in (another browser) asks for the app's code.
    let mut other = browser(&server, &pool, &client);
    let login = other.open("/login", "");
    let ask = other.post(
        "/login",
        &login,
        &[("username", "alice"), ("password", PASSWORD)],
    );
    assert_eq!(
        hidden(&ask.body, "challenge"),
        "SOFTWARE_TOKEN_MFA",
        "{}",
        ask.body
    );
    // A wrong code: the code page again, its session still answerable.
    let wrong = other.post(
        "/login",
        &ask.body,
        &[
            ("username", &hidden(&ask.body, "username")),
            ("challenge", "SOFTWARE_TOKEN_MFA"),
            ("session", &hidden(&ask.body, "session")),
            ("code", &wrong_code(&totp(&secret, step + 1))),
        ],
    );
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("role=\"alert\""), "{}", wrong.body);
    assert_eq!(
        hidden(&wrong.body, "challenge"),
        "SOFTWARE_TOKEN_MFA",
        "{}",
        wrong.body
    );
    assert_eq!(hidden(&wrong.body, "session"), hidden(&ask.body, "session"));
    let form = [
        ("username", hidden(&wrong.body, "username")),
        ("challenge", "SOFTWARE_TOKEN_MFA".to_string()),
        ("session", hidden(&wrong.body, "session")),
        ("code", totp(&secret, step + 1)),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    other.exchange(&other.post("/login", &wrong.body, &form));
}

#[tokio::test]
async fn the_apps_look_and_terms_are_on_the_pages() {
    use aws_sdk_cognitoidentityprovider::primitives::Blob;
    use aws_sdk_cognitoidentityprovider::types::{TermsEnforcementType, TermsSourceType};
    let (server, c, pool, client) = setup(|b| b).await;
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("looks")
        .send()
        .await
        .expect("domain");
    let mut logo = b"\x89PNG\r\n\x1a\n".to_vec();
    logo.resize(600, 9);
    let set = c
        .set_ui_customization()
        .user_pool_id(&pool)
        .client_id(&client.0)
        .css(".submitButton-customizable { background-color: #ff6600; }")
        .image_file(Blob::new(logo.clone()))
        .send()
        .await
        .expect("customization");
    let image_url = set
        .ui_customization()
        .and_then(|u| u.image_url())
        .expect("image url")
        .to_string();
    let mut b = browser(&server, &pool, &client);
    let login = b.open("/login", "");
    assert!(login.contains("background-color: #ff6600"), "{login}");
    assert!(login.contains("src=\"data:image/png;base64,"), "{login}");
    // No terms until both documents exist.
    assert!(!b.open("/signup", "").contains("legalText-customizable"));
    for (name, url) in [
        ("terms-of-use", "https://app.example.com/terms"),
        ("privacy-policy", "https://app.example.com/privacy"),
    ] {
        c.create_terms()
            .user_pool_id(&pool)
            .client_id(&client.0)
            .terms_name(name)
            .terms_source(TermsSourceType::Link)
            .enforcement(TermsEnforcementType::None)
            .links("cognito:default", url)
            .send()
            .await
            .expect("terms");
    }
    let sign_up = b.open("/signup", "");
    assert!(
        sign_up.contains("href=\"https://app.example.com/terms\""),
        "{sign_up}"
    );
    assert!(
        sign_up.contains("href=\"https://app.example.com/privacy\""),
        "{sign_up}"
    );

    // The ImageUrl GetUICustomization answers serves the logo.
    let path = image_url
        .strip_prefix(&server.url())
        .unwrap_or_else(|| panic!("{image_url} on the public URL"));
    // HEAD: the test client reads answers as text, and a PNG is not.
    let served = server.request("HEAD", path, &[], "");
    assert_eq!(served.status, 200, "{path}");
    assert_eq!(served.header("content-type"), Some("image/png"));
    let length = logo.len().to_string();
    assert_eq!(served.header("content-length"), Some(length.as_str()));
}

#[tokio::test]
async fn the_passkey_button_is_offered_where_the_pool_allows_passkeys() {
    use aws_sdk_cognitoidentityprovider::types::{
        AuthFactorType, SignInPolicyType, UserPoolPolicyType,
    };
    let (server, c, pool, client) = setup(|b| {
        b.policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(AuthFactorType::Password)
                        .allowed_first_auth_factors(AuthFactorType::WebAuthn)
                        .build(),
                )
                .build(),
        )
    })
    .await;
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("keys")
        .send()
        .await
        .expect("domain");
    add_user(&c, &pool, "alice", PASSWORD).await;
    let mut b = browser(&server, &pool, &client);
    let login = b.open("/login", "");
    assert!(login.contains("name=\"passkey\""), "{login}");
    // alice has no passkey: the page says so and she signs in with her password.
    let none = b.post(
        "/login",
        &login,
        &[("username", "alice"), ("passkey", "true")],
    );
    assert_eq!(none.status, 200);
    assert!(
        none.body.contains("No passkey can sign this user in"),
        "{}",
        none.body
    );

    // /passkeys/add: a browser not signed in signs in first; a signed-in one gets the
    // creation options, and a credential that is not one is refused on the page.
    let add = format!(
        "/passkeys/add?client_id={}&redirect_uri={}",
        client.0,
        enc(CALLBACK)
    );
    let r = server.get(&add);
    assert_eq!(r.status, 302);
    assert!(r
        .header("location")
        .is_some_and(|l| l.starts_with("/login?")));
    let signed_in = b.post(
        "/login",
        &login,
        &[("username", "alice"), ("password", PASSWORD)],
    );
    assert_eq!(signed_in.status, 302, "{}", signed_in.body);
    let session = set_cookie(&signed_in, &format!("cognito-{pool}")).expect("session");
    let cookies = format!("{session}; {}", b.csrf_cookie);
    let page = server.request("GET", &add, &[("Cookie", &cookies)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("id=\"credential-creation-options\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("\"rp\":{\"id\":\"keys.auth."),
        "{}",
        page.body
    );
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(csp.contains("script-src 'nonce-"), "{csp}");
    let refused = server.request(
        "POST",
        &add,
        &[FORM, ("Cookie", &cookies)],
        &query(&[
            ("_csrf", &hidden(&page.body, "_csrf")),
            ("credential", "{}"),
        ]),
    );
    assert_eq!(refused.status, 200);
    assert!(
        refused.body.contains("not a RegistrationResponseJSON"),
        "{}",
        refused.body
    );

    // A pool without passkeys offers none.
    let (other, _c, other_pool, other_client) = setup(|b| b).await;
    let mut b = browser(&other, &other_pool, &other_client);
    assert!(!b.open("/login", "").contains("name=\"passkey\""));
}

#[tokio::test]
async fn a_managed_login_domain_shows_the_clients_branding_style() {
    use aws_sdk_cognitoidentityprovider::primitives::Blob;
    use aws_sdk_cognitoidentityprovider::types::{
        AssetCategoryType, AssetExtensionType, AssetType, ColorSchemeModeType,
    };
    use aws_smithy_types::Document;
    let (server, c, pool, client) = setup(|b| b).await;
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("styled")
        .managed_login_version(2)
        .send()
        .await
        .expect("domain");
    let doc = |pairs: Vec<(&str, Document)>| {
        Document::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let s = |v: &str| Document::String(v.to_string());
    let settings = doc(vec![(
        "components",
        doc(vec![
            (
                "primaryButton",
                doc(vec![(
                    "lightMode",
                    doc(vec![(
                        "defaults",
                        doc(vec![
                            ("backgroundColor", s("ff6600ff")),
                            ("textColor", s("000000ff")),
                        ]),
                    )]),
                )]),
            ),
            (
                "pageBackground",
                doc(vec![("lightMode", doc(vec![("color", s("a;}body{x"))]))]),
            ),
        ]),
    )]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(300, 1);
    c.create_managed_login_branding()
        .user_pool_id(&pool)
        .client_id(&client.0)
        .settings(settings)
        .assets(
            AssetType::builder()
                .category(AssetCategoryType::FormLogo)
                .color_mode(ColorSchemeModeType::Light)
                .extension(AssetExtensionType::Png)
                .bytes(Blob::new(png))
                .build()
                .expect("asset"),
        )
        .send()
        .await
        .expect("style");
    // A classic customization too, which a managed login domain does not show.
    c.set_ui_customization()
        .user_pool_id(&pool)
        .css(".submitButton-customizable { background-color: #123456; }")
        .send()
        .await
        .expect("classic");
    let b = browser(&server, &pool, &client);
    let page = |host: &str| {
        let r = server.request_to(host, "GET", &format!("/login?{}", b.query()), &[], "");
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    };
    let managed = page("styled.auth.localhost");
    assert!(
        managed.contains(".btn-primary{background:#ff6600ff;color:#000000ff}"),
        "{managed}"
    );
    assert!(
        managed.contains("src=\"data:image/png;base64,"),
        "{managed}"
    );
    assert!(!managed.contains("#123456"), "{managed}");
    // A colour that is not one is left out of the style sheet.
    assert!(!managed.contains("body{x"), "{managed}");

    c.update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("styled")
        .managed_login_version(1)
        .send()
        .await
        .expect("classic domain");
    let classic = page("styled.auth.localhost");
    assert!(classic.contains("#123456"), "{classic}");
    assert!(!classic.contains("#ff6600ff"), "{classic}");
}
