//! The browser-facing OAuth pages at AWS's paths: `GET /oauth2/authorize`,
//! `GET|POST /login` (a plain HTML form: `username`, `password`, hidden `_csrf`; then
//! the next step's form: a new password, an MFA code, the choice of a factor, an
//! authenticator app's set-up), `/signup` and `/confirm` (with a resend button),
//! `/forgotPassword` and `/confirmForgotPassword`, and `GET /logout`. This side reads
//! and writes HTTP (query, form, cookies, HTML, redirects; the HTML is `html.rs`); what
//! is allowed is the domain's `oauth` area. Every page takes the authorize request's
//! parameters and keeps them through the flow, so any page ends at the app's redirect
//! URI with a code.
//!
//! Cookies: the signed-in session is `cognito-<poolId>` (sealed, HttpOnly,
//! SameSite=Lax, Path=/, an hour; Secure when the public URL is https), so pools served
//! on one host keep separate sessions; `XSRF-TOKEN` is the pre-login cookie the forms'
//! CSRF token is bound to.

mod html;

use crate::confirm_link::page;
use crate::query;
use crate::Body;
use bytes::Bytes;
use cognate_domain::federation::FederationFailure;
use cognate_domain::oauth::{
    Authorization, AuthorizeParams, AuthorizeRefusal, LoginFailure, LoginStep, SESSION_SECONDS,
};
use cognate_domain::Service;
use html::{Challenge, Look, Page};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub const AUTHORIZE: &str = "/oauth2/authorize";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const SIGN_UP: &str = "/signup";
pub const CONFIRM: &str = "/confirm";
pub const FORGOT: &str = "/forgotPassword";
pub const CONFIRM_FORGOT: &str = "/confirmForgotPassword";
pub const PASSKEYS_ADD: &str = "/passkeys/add";
pub const IDP_RESPONSE: &str = cognate_domain::federation::IDP_RESPONSE_PATH;
pub const SAML_RESPONSE: &str = cognate_domain::federation::SAML_RESPONSE_PATH;
pub const SAML_METADATA: &str = "/saml2/metadata";
pub const SAML_LOGOUT: &str = "/saml2/logout";
/// AWS: `/saml2/idpresponse` takes assertions of up to 100,000 characters.
const MAX_SAML_FORM: usize = 256 * 1024;
const CSRF_COOKIE: &str = "XSRF-TOKEN";
/// The pages' Content-Security-Policy: no script (the passkey step adds its one, by
/// nonce), the app's CSS and logo inline. No `form-action`: a signed-in form's answer
/// is a redirect to the app, which that directive would block.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";
const MAX_FORM: usize = 64 * 1024;

/// The pages with a form: GET shows it, POST takes it.
const FORM_PAGES: [&str; 5] = [LOGIN, SIGN_UP, CONFIRM, FORGOT, CONFIRM_FORGOT];

pub fn serves(path: &str) -> bool {
    path == AUTHORIZE
        || path == LOGOUT
        || path == PASSKEYS_ADD
        || path == IDP_RESPONSE
        || path == SAML_RESPONSE
        || path == SAML_METADATA
        || path == SAML_LOGOUT
        || FORM_PAGES.contains(&path)
}

fn session_cookie_name(pool_id: &str) -> String {
    format!("cognito-{pool_id}")
}

/// What every page of one request works with.
struct Visit<'a> {
    service: &'a Service,
    raw_query: String,
    q: HashMap<String, String>,
    host_pool: Option<String>,
    /// The Host the request came to (a domain's, which decides the pages' look).
    host: String,
    cookies: HashMap<String, String>,
    secure: bool,
}

pub async fn handle(
    service: &Service,
    req: Request<Incoming>,
    body_read_timeout: Duration,
) -> Response<Body> {
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let host_pool = match service.pool_for_host(&host).await {
        Ok(p) => p,
        Err(_) => return error_page("An error was encountered with the requested page."),
    };
    let v = Visit {
        service,
        q: query::parse(Some(&raw_query)),
        raw_query,
        host_pool,
        host,
        cookies: cookies(req.headers()),
        secure: service.config().public_url.starts_with("https://"),
    };
    match (path.as_str(), req.method()) {
        (AUTHORIZE, &Method::GET) => v.authorize().await,
        (LOGOUT, &Method::GET) => {
            logout(
                service,
                &v.q,
                &v.raw_query,
                &v.cookies,
                v.host_pool.clone(),
                v.secure,
            )
            .await
        }
        (IDP_RESPONSE, &Method::GET) => {
            let q = v.q.clone();
            v.idp_response(&q).await
        }
        // Sign in with Apple posts its answer (response_mode=form_post).
        (IDP_RESPONSE, &Method::POST) => {
            let (_, body) = req.into_parts();
            match read_form(body, body_read_timeout).await {
                Some(form) => v.idp_response(&form).await,
                None => error_page("The form could not be read."),
            }
        }
        (SAML_RESPONSE, &Method::POST) => {
            let (_, body) = req.into_parts();
            match read_form_limited(body, body_read_timeout, MAX_SAML_FORM).await {
                Some(form) => v.saml_response(&form).await,
                None => error_page("The form could not be read."),
            }
        }
        (SAML_METADATA, &Method::GET) => v.saml_metadata().await,
        // The provider's LogoutResponse: deflated in the query (HTTP-Redirect) or in a
        // form (HTTP-POST).
        (SAML_LOGOUT, &Method::GET) => saml_logout(service, &v.q, true),
        (SAML_LOGOUT, &Method::POST) => {
            let (_, body) = req.into_parts();
            match read_form_limited(body, body_read_timeout, MAX_SAML_FORM).await {
                Some(form) => saml_logout(service, &form, false),
                None => error_page("The form could not be read."),
            }
        }
        (PASSKEYS_ADD, &Method::GET) => v.passkeys_add(None).await,
        (PASSKEYS_ADD, &Method::POST) => {
            let (_, body) = req.into_parts();
            match read_form(body, body_read_timeout).await {
                Some(form) => v.passkeys_add(Some(form)).await,
                None => error_page("The form could not be read."),
            }
        }
        (p, &Method::GET) if FORM_PAGES.contains(&p) => v.show(p).await,
        (p, &Method::POST) if FORM_PAGES.contains(&p) => {
            let (_, body) = req.into_parts();
            match read_form(body, body_read_timeout).await {
                Some(form) => v.take(p, form).await,
                None => error_page("The form could not be read."),
            }
        }
        _ => {
            let mut r = Response::new(Body::new(Bytes::new()));
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut().insert(
                hyper::header::ALLOW,
                HeaderValue::from_static(
                    if FORM_PAGES.contains(&path.as_str())
                        || path == PASSKEYS_ADD
                        || path == IDP_RESPONSE
                        || path == SAML_LOGOUT
                    {
                        "GET, POST"
                    } else if path == SAML_RESPONSE {
                        "POST"
                    } else {
                        "GET"
                    },
                ),
            );
            r
        }
    }
}

impl Visit<'_> {
    async fn check(&self) -> Result<Authorization, Response<Body>> {
        self.service
            .check_authorize(&params(&self.q), self.host_pool.as_deref())
            .await
            .map_err(|r| refusal(&r))
    }

    fn page<'p>(&'p self, title: &'p str, look: &'p Look, csrf: &'p str) -> Page<'p> {
        Page {
            title,
            look,
            raw_query: &self.raw_query,
            csrf,
        }
    }

    /// The app's look: on the classic hosted UI its UI customization (the client's, else
    /// the pool's), on managed login its branding style; and, once both are set, its
    /// terms of use and privacy policy.
    async fn look(&self, a: &Authorization) -> Look {
        use base64::Engine as _;
        let passkeys = self.service.passkeys_offered(&a.pool_id).await;
        let found = self
            .service
            .hosted_look_at(&a.pool_id, &a.client_id, &self.host)
            .await;
        let Ok(found) = found else {
            return Look {
                passkeys,
                providers: a.providers.clone(),
                no_password: !a.cognito,
                ..Look::default()
            };
        };
        Look {
            passkeys,
            providers: a.providers.clone(),
            no_password: !a.cognito,
            css: found.css,
            logo: found.logo.map(|l| {
                format!(
                    "data:{};base64,{}",
                    l.content_type,
                    base64::engine::general_purpose::STANDARD.encode(&l.bytes)
                )
            }),
            terms: found
                .terms
                .map(|t| {
                    vec![
                        ("Terms of use".to_string(), t.terms_of_use),
                        ("Privacy policy".to_string(), t.privacy_policy),
                    ]
                })
                .unwrap_or_default(),
        }
    }

    /// `/oauth2/authorize`: a code at once for a browser signed in to the pool (single
    /// sign-on), else the sign-in page with the same query.
    async fn authorize(&self) -> Response<Body> {
        let a = match self.check().await {
            Ok(a) => a,
            Err(r) => return r,
        };
        if a.identity_provider.is_some() {
            return self.to_identity_provider(&a).await;
        }
        if a.prompt.as_deref() != Some("login") {
            if let Some(cookie) = self.cookies.get(&session_cookie_name(&a.pool_id)) {
                let session = match self.service.hosted_session(cookie, &a.pool_id).await {
                    Some(s)
                        if self
                            .service
                            .reuses_session(&a.pool_id, &a.client_id, s.auth_time)
                            .await =>
                    {
                        Some(s)
                    }
                    _ => None,
                };
                if let Some(session) = session {
                    return match self.service.issue_code(&a, &session).await {
                        Ok(location) => redirect(&location),
                        Err(r) => refusal(&r),
                    };
                }
            }
        }
        if a.prompt.as_deref() == Some("none") {
            return refusal(&Service::login_required(&a));
        }
        redirect(&format!("{LOGIN}?{}", self.raw_query))
    }

    /// The scheme and host the browser reached us at: where identity providers send it
    /// back (`/oauth2/idpresponse`), so that its cookies for this host come along.
    fn base(&self) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        if self.host.is_empty() {
            self.service.config().public_url.clone()
        } else {
            format!("{scheme}://{}", self.host)
        }
    }

    /// `/oauth2/authorize` with `identity_provider` (or `idp_identifier`): to the
    /// provider's sign-in, the sign-in bound to this browser's pre-login cookie.
    async fn to_identity_provider(&self, a: &Authorization) -> Response<Body> {
        let (pre_login, fresh) = self.pre_login();
        let mut r = match self
            .service
            .federation_redirect(a, &self.base(), &pre_login)
            .await
        {
            Ok(location) => redirect(&location),
            Err(r) => refusal(&r),
        };
        if fresh {
            set_cookie(&mut r, &csrf_cookie(&pre_login, self.secure));
        }
        r
    }

    /// `/oauth2/idpresponse`: the identity provider's answer; signed in, the app gets
    /// its code as after the sign-in page.
    async fn idp_response(&self, answer: &HashMap<String, String>) -> Response<Body> {
        let Some(state) = answer.get("state") else {
            return error_page("Missing required parameter state");
        };
        let binding = self.cookies.get(CSRF_COOKIE).map(String::as_str);
        let finished = self
            .service
            .federation_finish(
                state,
                answer.get("code").map(String::as_str),
                answer.get("error").map(String::as_str),
                &self.base(),
                binding,
            )
            .await;
        self.federated(finished).await
    }

    /// Where a federated sign-in (OIDC or SAML) leads: the app with its code, or why not.
    async fn federated(
        &self,
        finished: Result<(Authorization, LoginStep), FederationFailure>,
    ) -> Response<Body> {
        match finished {
            Ok((a, LoginStep::SignedIn { session, cookie })) => {
                self.signed_in(&a, &session, &cookie).await
            }
            Ok((_, LoginStep::Challenge { .. })) => {
                error_page("An error was encountered with the requested page.")
            }
            Err(FederationFailure::Page(m)) => error_page(&m),
            Err(FederationFailure::Redirect(r)) => refusal(&r),
        }
    }

    /// `POST /saml2/idpresponse`: a SAML provider's answer (SP- or IdP-initiated).
    async fn saml_response(&self, form: &HashMap<String, String>) -> Response<Body> {
        let Some(saml) = form.get("SAMLResponse") else {
            return error_page("Missing required parameter SAMLResponse");
        };
        let finished = self
            .service
            .saml_finish(
                saml,
                form.get("RelayState").map(String::as_str),
                &self.base(),
            )
            .await;
        self.federated(finished).await
    }

    /// `GET /saml2/metadata`: the pool's SAML service-provider metadata; the pool is the
    /// Host's (a domain) or `user_pool_id`'s.
    async fn saml_metadata(&self) -> Response<Body> {
        let pool = self
            .host_pool
            .clone()
            .or_else(|| self.q.get("user_pool_id").cloned());
        let xml = match pool {
            Some(pool) => self.service.saml_sp_metadata(&pool, &self.base()).await,
            None => None,
        };
        let Some(xml) = xml else {
            return error_page("Unknown user pool");
        };
        let mut r = Response::new(Body::new(Bytes::from(xml)));
        r.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/samlmetadata+xml"),
        );
        r
    }

    /// Signed in: the app's code (or tokens) and the session cookie.
    async fn signed_in(
        &self,
        a: &Authorization,
        session: &cognate_domain::oauth::HostedSession,
        cookie: &str,
    ) -> Response<Body> {
        let mut r = match self.service.issue_code(a, session).await {
            Ok(location) => redirect(&location),
            Err(r) => refusal(&r),
        };
        set_cookie(
            &mut r,
            &format!(
                "{}={cookie}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
                session_cookie_name(&a.pool_id),
                SESSION_SECONDS as i64,
                if self.secure { "; Secure" } else { "" }
            ),
        );
        r
    }

    /// `/passkeys/add` (managed login's page, `client_id` and `redirect_uri`): a browser
    /// signed in to the pool registers a passkey, then goes back to `redirect_uri`; a
    /// browser not signed in signs in first.
    async fn passkeys_add(&self, form: Option<HashMap<String, String>>) -> Response<Body> {
        let mut p = params(&self.q);
        p.response_type = Some("code".into());
        let a = match self
            .service
            .check_authorize(&p, self.host_pool.as_deref())
            .await
        {
            Ok(a) => a,
            Err(r) => return refusal(&r),
        };
        let session = match self.cookies.get(&session_cookie_name(&a.pool_id)) {
            Some(cookie) => self.service.hosted_session(cookie, &a.pool_id).await,
            None => None,
        };
        let Some(session) = session else {
            return redirect(&format!("{LOGIN}?response_type=code&{}", self.raw_query));
        };
        let look = self.look(&a).await;
        let (csrf, fresh, error) = match &form {
            Some(form) => {
                let pre_login = self.cookies.get(CSRF_COOKIE).map(String::as_str);
                let token = form.get("_csrf").map(String::as_str);
                if !self.service.csrf_valid(pre_login, token) {
                    return error_page("Invalid or missing CSRF token. Open the page again.");
                }
                let credential = form.get("credential").map(String::as_str).unwrap_or("");
                match self
                    .service
                    .hosted_passkey_add(&session, &a.client_id, credential)
                    .await
                {
                    Ok(()) => return redirect(&a.redirect_uri),
                    Err(LoginFailure(m)) => (token.unwrap_or_default().to_string(), None, Some(m)),
                }
            }
            None => {
                let (pre_login, fresh) = self.pre_login();
                (
                    self.service.csrf_token(&pre_login),
                    fresh.then_some(pre_login),
                    None,
                )
            }
        };
        let options = match self
            .service
            .hosted_passkey_options(&session, &a.client_id)
            .await
        {
            Ok(options) => options,
            Err(LoginFailure(m)) => return error_page(&m),
        };
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let mut r = html(
            StatusCode::OK,
            html::passkey_add(
                &self.page("Add a passkey", &look, &csrf),
                &options,
                &nonce,
                error.as_deref(),
            ),
        );
        allow_script(&mut r, &nonce);
        if let Some(pre_login) = fresh {
            set_cookie(&mut r, &csrf_cookie(&pre_login, self.secure));
        }
        r
    }

    /// The browser's pre-login cookie the forms' CSRF tokens are bound to, or a new one
    /// (`true`) for the answer to set.
    fn pre_login(&self) -> (String, bool) {
        match self.cookies.get(CSRF_COOKIE).filter(|c| !c.is_empty()) {
            Some(c) => (c.clone(), false),
            None => (uuid::Uuid::new_v4().simple().to_string(), true),
        }
    }

    /// GET of a form page.
    async fn show(&self, path: &str) -> Response<Body> {
        let a = match self.check().await {
            Ok(a) => a,
            Err(r) => return r,
        };
        let (pre_login, fresh) = self.pre_login();
        let csrf = self.service.csrf_token(&pre_login);
        let look = self.look(&a).await;
        let username = self.q.get("username").map(String::as_str).unwrap_or("");
        let body = match path {
            SIGN_UP => match self.service.sign_up_form(&a.client_id).await {
                Ok(form) => html::sign_up(
                    &self.page("Sign up", &look, &csrf),
                    &form,
                    &BTreeMap::new(),
                    None,
                ),
                Err(LoginFailure(m)) => return error_page(&m),
            },
            CONFIRM => html::confirm(
                &self.page("Confirm your account", &look, &csrf),
                username,
                None,
                None,
            ),
            FORGOT => {
                html::forgot_password(&self.page("Forgot your password?", &look, &csrf), None)
            }
            CONFIRM_FORGOT => html::confirm_forgot_password(
                &self.page("Reset your password", &look, &csrf),
                username,
                None,
                None,
            ),
            _ => html::login(
                &self.page("Sign in", &look, &csrf),
                self.q.get("login_hint").map(String::as_str),
                None,
                None,
            ),
        };
        let mut r = html(StatusCode::OK, body);
        if fresh {
            set_cookie(&mut r, &csrf_cookie(&pre_login, self.secure));
        }
        r
    }

    /// POST of a form page: the CSRF token first, then the step.
    async fn take(&self, path: &str, form: HashMap<String, String>) -> Response<Body> {
        let pre_login = self.cookies.get(CSRF_COOKIE).map(String::as_str);
        let token = form.get("_csrf").map(String::as_str);
        if !self.service.csrf_valid(pre_login, token) {
            let mut r = page(
                StatusCode::FORBIDDEN,
                "An error was encountered with the requested page.",
                "Invalid or missing CSRF token. Open the sign-in page again.",
            );
            no_frames(&mut r);
            return r;
        }
        let csrf = token.unwrap_or_default().to_string();
        let a = match self.check().await {
            Ok(a) => a,
            Err(r) => return r,
        };
        if !a.cognito {
            return error_page("This app signs users in through their identity provider only.");
        }
        let look = self.look(&a).await;
        let field = |n: &str| form.get(n).cloned().unwrap_or_default();
        let username = field("username");
        let service = self.service;
        let client = a.client_id.as_str();
        match path {
            SIGN_UP => {
                let shape = match service.sign_up_form(client).await {
                    Ok(shape) => shape,
                    Err(LoginFailure(m)) => return error_page(&m),
                };
                let attributes: Vec<(String, String)> = shape
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), field(&f.name)))
                    .collect();
                match service
                    .hosted_sign_up(client, &username, &field("password"), attributes.clone())
                    .await
                {
                    Ok(done) if done.confirmed => self.login_page(
                        &look,
                        &csrf,
                        Some(&username),
                        None,
                        Some("Your account is ready. Sign in."),
                    ),
                    Ok(done) => html(
                        StatusCode::OK,
                        html::confirm(
                            &self.page("Confirm your account", &look, &csrf),
                            &done.username,
                            done.destination.as_deref(),
                            None,
                        ),
                    ),
                    Err(LoginFailure(m)) => {
                        let mut values: BTreeMap<String, String> = attributes.into_iter().collect();
                        values.insert("username".into(), username);
                        html(
                            StatusCode::OK,
                            html::sign_up(
                                &self.page("Sign up", &look, &csrf),
                                &shape,
                                &values,
                                Some(&m),
                            ),
                        )
                    }
                }
            }
            CONFIRM => {
                let confirm_page = |destination: Option<&str>, error: Option<&str>| {
                    html(
                        StatusCode::OK,
                        html::confirm(
                            &self.page("Confirm your account", &look, &csrf),
                            &username,
                            destination,
                            error,
                        ),
                    )
                };
                if form.contains_key("resend") {
                    return match service.hosted_resend_code(client, &username).await {
                        Ok(destination) => confirm_page(destination.as_deref(), None),
                        Err(LoginFailure(m)) => confirm_page(None, Some(&m)),
                    };
                }
                match service
                    .hosted_confirm_sign_up(client, &username, &field("code"))
                    .await
                {
                    Ok(step) => self.next_step(&a, &look, &csrf, &username, step).await,
                    Err(LoginFailure(m)) => confirm_page(None, Some(&m)),
                }
            }
            FORGOT => match service.hosted_forgot_password(client, &username).await {
                Ok(destination) => html(
                    StatusCode::OK,
                    html::confirm_forgot_password(
                        &self.page("Reset your password", &look, &csrf),
                        &username,
                        destination.as_deref(),
                        None,
                    ),
                ),
                Err(LoginFailure(m)) => html(
                    StatusCode::OK,
                    html::forgot_password(
                        &self.page("Forgot your password?", &look, &csrf),
                        Some(&m),
                    ),
                ),
            },
            CONFIRM_FORGOT => match service
                .hosted_confirm_forgot_password(
                    client,
                    &username,
                    &field("code"),
                    &field("password"),
                )
                .await
            {
                Ok(()) => self.login_page(
                    &look,
                    &csrf,
                    Some(&username),
                    None,
                    Some("Your password has been changed. Sign in with your new password."),
                ),
                Err(LoginFailure(m)) => html(
                    StatusCode::OK,
                    html::confirm_forgot_password(
                        &self.page("Reset your password", &look, &csrf),
                        &username,
                        None,
                        Some(&m),
                    ),
                ),
            },
            _ => {
                let step = match (form.get("challenge"), form.get("session")) {
                    (Some(challenge), Some(session)) if challenge == "MFA_SETUP" => {
                        service
                            .hosted_totp_verify(client, &username, session, &field("code"))
                            .await
                    }
                    _ if form.contains_key("passkey") => {
                        service.hosted_passkey_sign_in(client, &username).await
                    }
                    (Some(challenge), Some(session)) => {
                        let answers = challenge_answers(challenge, &username, &form);
                        service
                            .hosted_challenge(client, challenge, session, answers)
                            .await
                    }
                    _ => {
                        service
                            .hosted_sign_in(client, &username, &field("password"))
                            .await
                    }
                };
                match step {
                    Ok(step) => self.next_step(&a, &look, &csrf, &username, step).await,
                    // A wrong code leaves the sign-in's session answerable: the same
                    // page again, with the error.
                    Err(LoginFailure(m)) => match (form.get("challenge"), form.get("session")) {
                        (Some(name), Some(session))
                            if ["SMS_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA"]
                                .contains(&name.as_str()) =>
                        {
                            html(
                                StatusCode::OK,
                                html::challenge(
                                    &self.page("Enter your code", &look, &csrf),
                                    &Challenge {
                                        name,
                                        session,
                                        username: &username,
                                        parameters: &BTreeMap::new(),
                                        totp: None,
                                        nonce: None,
                                        error: Some(&m),
                                    },
                                ),
                            )
                        }
                        _ => self.login_page(&look, &csrf, Some(&username), Some(&m), None),
                    },
                }
            }
        }
    }

    fn login_page(
        &self,
        look: &Look,
        csrf: &str,
        username: Option<&str>,
        error: Option<&str>,
        info: Option<&str>,
    ) -> Response<Body> {
        html(
            StatusCode::OK,
            html::login(&self.page("Sign in", look, csrf), username, error, info),
        )
    }

    /// Where a sign-in step leads: signed in (a code for the app, and the session
    /// cookie), or the next step's form.
    async fn next_step(
        &self,
        a: &Authorization,
        look: &Look,
        csrf: &str,
        username: &str,
        step: LoginStep,
    ) -> Response<Body> {
        match step {
            LoginStep::SignedIn { session, cookie } => self.signed_in(a, &session, &cookie).await,
            LoginStep::Challenge {
                name,
                session,
                parameters,
            } => {
                let mut session = session;
                let mut totp = None;
                let can_set_up = parameters
                    .get("MFAS_CAN_SETUP")
                    .is_some_and(|v| v.contains("SOFTWARE_TOKEN_MFA"));
                if name == "MFA_SETUP" && can_set_up {
                    match self.service.hosted_totp_secret(&session).await {
                        Ok((secret, carried)) => {
                            totp = Some(secret);
                            session = carried;
                        }
                        Err(LoginFailure(m)) => {
                            return self.login_page(look, csrf, Some(username), Some(&m), None)
                        }
                    }
                }
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                let title = match name.as_str() {
                    "WEB_AUTHN" => "Sign in with a passkey",
                    "NEW_PASSWORD_REQUIRED" => "Change password",
                    "SELECT_MFA_TYPE" => "Choose a sign-in code",
                    "MFA_SETUP" => "Set up multi-factor authentication",
                    _ => "Enter your code",
                };
                let challenge_username = parameters
                    .get("USER_ID_FOR_SRP")
                    .map(String::as_str)
                    .unwrap_or(username);
                let passkey = name == "WEB_AUTHN";
                let mut r = html(
                    StatusCode::OK,
                    html::challenge(
                        &self.page(title, look, csrf),
                        &Challenge {
                            name: &name,
                            session: &session,
                            username: challenge_username,
                            parameters: &parameters,
                            totp: totp.as_deref().map(|s| (s, a.pool_id.as_str())),
                            nonce: passkey.then_some(nonce.as_str()),
                            error: None,
                        },
                    ),
                );
                if passkey {
                    allow_script(&mut r, &nonce);
                }
                r
            }
        }
    }
}

/// The ChallengeResponses a challenge form's fields stand for.
fn challenge_answers(
    challenge: &str,
    username: &str,
    form: &HashMap<String, String>,
) -> BTreeMap<String, String> {
    let field = |n: &str| form.get(n).cloned().unwrap_or_default();
    let mut answers = BTreeMap::from([("USERNAME".to_string(), username.to_string())]);
    match challenge {
        "NEW_PASSWORD_REQUIRED" => {
            answers.insert("NEW_PASSWORD".into(), field("new_password"));
            for (k, v) in form {
                if k.starts_with("userAttributes.") {
                    answers.insert(k.clone(), v.clone());
                }
            }
        }
        "SOFTWARE_TOKEN_MFA" => {
            answers.insert("SOFTWARE_TOKEN_MFA_CODE".into(), field("code"));
        }
        "SMS_MFA" => {
            answers.insert("SMS_MFA_CODE".into(), field("code"));
        }
        "EMAIL_OTP" => {
            answers.insert("EMAIL_OTP_CODE".into(), field("code"));
        }
        "SELECT_MFA_TYPE" => {
            answers.insert("ANSWER".into(), field("answer"));
        }
        "WEB_AUTHN" => {
            answers.insert("CREDENTIAL".into(), field("credential"));
        }
        _ => {}
    }
    answers
}

/// AWS's logout endpoint: `client_id` and `logout_uri` (one of the client's LogoutURLs)
/// end the session and go there; `client_id`, `redirect_uri` and `response_type` end it
/// and go to the sign-in page with those parameters.
async fn logout(
    service: &Service,
    q: &HashMap<String, String>,
    raw_query: &str,
    cookies: &HashMap<String, String>,
    host_pool: Option<String>,
    secure: bool,
) -> Response<Body> {
    let client_id = q.get("client_id").map(String::as_str);
    let (pool_id, location) = if let Some(logout_uri) = q.get("logout_uri") {
        match service
            .check_logout(client_id, logout_uri, host_pool.as_deref())
            .await
        {
            Ok(pool) => (pool, logout_uri.clone()),
            Err(r) => return refusal(&r),
        }
    } else {
        match service
            .check_authorize(&params(q), host_pool.as_deref())
            .await
        {
            Ok(a) => (a.pool_id, format!("{LOGIN}?{raw_query}")),
            Err(r) => return refusal(&r),
        }
    };
    let name = session_cookie_name(&pool_id);
    let mut location = location;
    if let Some(cookie) = cookies.get(&name) {
        // A user of a SAML provider with IDPSignout signs out there too, then comes back
        // through /saml2/logout to `location`.
        if let Some(session) = service.hosted_session(cookie, &pool_id).await {
            if let Some(at_provider) = service.saml_logout_redirect(&session, &location).await {
                location = at_provider;
            }
        }
        service.end_hosted_session(cookie).await;
    }
    let mut r = redirect(&location);
    set_cookie(
        &mut r,
        &format!(
            "{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            if secure { "; Secure" } else { "" }
        ),
    );
    r
}

/// `/saml2/logout`: the provider's answer to our LogoutRequest; on to where `/logout`
/// was going.
fn saml_logout(
    service: &Service,
    answer: &HashMap<String, String>,
    deflated: bool,
) -> Response<Body> {
    let (Some(response), Some(relay)) = (answer.get("SAMLResponse"), answer.get("RelayState"))
    else {
        return error_page("Missing required parameter SAMLResponse or RelayState");
    };
    match service.saml_logout_finish(response, relay, deflated) {
        Ok(location) => redirect(&location),
        Err(m) => error_page(&m),
    }
}

fn params(q: &HashMap<String, String>) -> AuthorizeParams {
    let f = |n: &str| q.get(n).cloned();
    AuthorizeParams {
        response_type: f("response_type"),
        client_id: f("client_id"),
        redirect_uri: f("redirect_uri"),
        state: f("state"),
        scope: f("scope"),
        code_challenge: f("code_challenge"),
        code_challenge_method: f("code_challenge_method"),
        nonce: f("nonce"),
        identity_provider: f("identity_provider"),
        idp_identifier: f("idp_identifier"),
        prompt: f("prompt"),
        login_hint: f("login_hint"),
    }
}

/// The request's cookies by name (the first of a repeated name wins).
fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for value in headers.get_all(hyper::header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                out.entry(k.to_string()).or_insert_with(|| v.to_string());
            }
        }
    }
    out
}

fn csrf_cookie(value: &str, secure: bool) -> String {
    format!(
        "{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

fn set_cookie(r: &mut Response<Body>, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(hyper::header::SET_COOKIE, v);
    }
}

fn no_frames(r: &mut Response<Body>) {
    r.headers_mut()
        .insert("x-frame-options", HeaderValue::from_static("DENY"));
    r.headers_mut()
        .insert("content-security-policy", HeaderValue::from_static(CSP));
}

fn redirect(location: &str) -> Response<Body> {
    let mut r = Response::new(Body::new(Bytes::new()));
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(hyper::header::LOCATION, v);
    }
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    r
}

fn error_page(detail: &str) -> Response<Body> {
    let mut r = page(
        StatusCode::BAD_REQUEST,
        "An error was encountered with the requested page.",
        detail,
    );
    no_frames(&mut r);
    r
}

fn refusal(r: &AuthorizeRefusal) -> Response<Body> {
    match (r, r.location()) {
        (_, Some(location)) => redirect(&location),
        (AuthorizeRefusal::Page(message), None) => error_page(message),
        _ => error_page("An error was encountered with the requested page."),
    }
}

fn html(status: StatusCode, body: String) -> Response<Body> {
    let mut r = crate::confirm_link::html_response(status, body);
    no_frames(&mut r);
    r
}

/// A passkey page's one script, allowed by its nonce on top of the pages' CSP.
fn allow_script(r: &mut Response<Body>, nonce: &str) {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{CSP}; script-src 'nonce-{nonce}'; connect-src 'none'"
    )) {
        r.headers_mut().insert("content-security-policy", v);
    }
}

async fn read_form(body: Incoming, timeout: Duration) -> Option<HashMap<String, String>> {
    read_form_limited(body, timeout, MAX_FORM).await
}

async fn read_form_limited(
    body: Incoming,
    timeout: Duration,
    limit: usize,
) -> Option<HashMap<String, String>> {
    let collected = tokio::time::timeout(timeout, Limited::new(body, limit).collect())
        .await
        .ok()?
        .ok()?;
    let bytes = collected.to_bytes();
    Some(query::parse(Some(&String::from_utf8_lossy(&bytes))))
}
