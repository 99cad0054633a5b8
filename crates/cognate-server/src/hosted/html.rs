//! The hosted pages' HTML: plain server-rendered forms that work without JavaScript.
//! Every form posts back with the authorize request's query (so the pages keep the
//! client, redirect URI, state, PKCE challenge and nonce) and a hidden `_csrf`.

use super::{AUTHORIZE, CONFIRM, CONFIRM_FORGOT, FORGOT, LOGIN, SIGN_UP};
use crate::confirm_link::escape;
use cognate_domain::oauth::SignUpForm;
use std::collections::BTreeMap;

/// What every page shows besides its form: where the app's look comes from.
#[derive(Debug, Clone, Default)]
pub struct Look {
    /// The app's CSS (UI customization), already checked when it was set.
    pub css: Option<String>,
    /// The logo as a `data:` URL.
    pub logo: Option<String>,
    /// Terms of use and privacy policy links, shown on the sign-up page.
    pub terms: Vec<(String, String)>,
    /// The pool lets users sign in with a passkey.
    pub passkeys: bool,
    /// The app client's external identity providers: a button each.
    pub providers: Vec<String>,
    /// The app client does not sign in the pool's own users (no COGNITO provider): no
    /// password form.
    pub no_password: bool,
}

/// A page: one form (or message) with the app's look.
pub struct Page<'a> {
    pub title: &'a str,
    pub look: &'a Look,
    pub raw_query: &'a str,
    pub csrf: &'a str,
}

/// The pages' own look, before the app's CSS (which may override any of it).
const BASE_CSS: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}\
h1{font-size:1.4rem;margin:0 0 1rem}\
.banner-customizable{text-align:center;padding:1rem 0 0}\
.logo-customizable{max-width:100%;max-height:100px}\
main{max-width:22rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.15)}\
label{display:block;margin:.6rem 0;font-size:.9rem}\
input[type=text],input[type=password],input[type=email],input[type=tel]{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;border:1px solid #ccc;border-radius:4px}\
button{margin-top:.8rem;width:100%;padding:.6rem;border:0;border-radius:4px;background:#0972d3;color:#fff;font-size:1rem;cursor:pointer}\
.btn-secondary{background:#e9ebed;color:#222}\
.error{color:#b00020}.info{color:#1d6b2f}code{word-break:break-all}";

impl Page<'_> {
    pub fn document(&self, inner: &str) -> String {
        let style = format!(
            "<style>{BASE_CSS}</style>{}",
            self.look
                .css
                .as_deref()
                .map(|css| format!("<style>{}</style>", css.replace("</", "<\\/")))
                .unwrap_or_default()
        );
        let logo = self
            .look
            .logo
            .as_deref()
            .map(|src| {
                format!(
                    "<img class=\"logo-customizable\" src=\"{}\" alt=\"\">\n",
                    escape(src)
                )
            })
            .unwrap_or_default();
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{t}</title>{style}</head>\
             <body><div class=\"banner-customizable\">{logo}</div><main><h1>{t}</h1>\n{inner}</main></body></html>\n",
            t = escape(self.title)
        )
    }

    /// The query every link and form of the flow carries on.
    fn at(&self, path: &str) -> String {
        escape(&format!("{path}?{}", self.raw_query))
    }

    fn form(&self, path: &str, inner: &str, submit: &str) -> String {
        format!(
            "<form method=\"post\" action=\"{a}\">\n{h}{inner}\
             <button type=\"submit\" class=\"btn btn-primary submitButton-customizable\">{s}</button>\n</form>\n",
            a = self.at(path),
            h = hidden("_csrf", self.csrf),
            s = escape(submit),
        )
    }
}

pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

fn input(label: &str, kind: &str, name: &str, value: &str, extra: &str) -> String {
    format!(
        "<label>{l} <input class=\"inputField-customizable\" type=\"{kind}\" name=\"{n}\" value=\"{v}\"{extra}></label>\n",
        l = escape(label),
        n = escape(name),
        v = escape(value),
    )
}

/// A message above a form: an error (`role="alert"`) or news (`role="status"`).
fn alert(kind: &str, text: Option<&str>) -> String {
    let role = if kind == "error" { "alert" } else { "status" };
    text.map(|t| format!("<p class=\"{kind}\" role=\"{role}\">{}</p>\n", escape(t)))
        .unwrap_or_default()
}

fn label_of(attribute: &str) -> String {
    match attribute {
        "email" => "Email".into(),
        "phone_number" => "Phone number".into(),
        "username" => "Username".into(),
        "given_name" => "Given name".into(),
        "family_name" => "Family name".into(),
        other => other.replace('_', " "),
    }
}

/// `/login`: the username and password, with links to sign up and recover a password.
pub fn login(p: &Page, username: Option<&str>, error: Option<&str>, info: Option<&str>) -> String {
    let buttons: String = p
        .look
        .providers
        .iter()
        .map(|name| {
            format!(
                "<p><a class=\"btn btn-secondary idpButton-customizable\" href=\"{}\">Sign in with {}</a></p>\n",
                escape(&format!(
                    "{AUTHORIZE}?{}&identity_provider={}",
                    p.raw_query,
                    cognate_domain::oauth::form_encode(name)
                )),
                escape(name)
            )
        })
        .collect();
    if p.look.no_password {
        return p.document(&format!(
            "{}{}{buttons}",
            alert("info", info),
            alert("error", error)
        ));
    }
    let fields = input(
        "Username",
        "text",
        "username",
        username.unwrap_or_default(),
        " autocomplete=\"username\" required",
    ) + &input(
        "Password",
        "password",
        "password",
        "",
        " autocomplete=\"current-password\" required",
    );
    let mut form = p.form(LOGIN, &fields, "Sign in").replace(
        "<button type=\"submit\"",
        "<button type=\"submit\" name=\"signInSubmitButton\"",
    );
    if p.look.passkeys {
        // The same form, without the password: the next page asks the browser for a
        // passkey.
        form = form.replace(
            "</form>",
            "<button type=\"submit\" name=\"passkey\" value=\"true\" formnovalidate class=\"btn btn-secondary\">Sign in with a passkey</button>\n</form>",
        );
    }
    p.document(&format!(
        "{}{}{buttons}{form}<p><a class=\"redirect-customizable\" href=\"{}\">Forgot your password?</a></p>\n\
         <p>Need an account? <a class=\"redirect-customizable\" href=\"{}\">Sign up</a></p>\n",
        alert("info", info),
        alert("error", error),
        p.at(FORGOT),
        p.at(SIGN_UP),
    ))
}

/// `/signup`: the username (or email or phone number), the password and the
/// attributes the pool asks for, with the app's terms.
pub fn sign_up(
    p: &Page,
    form: &SignUpForm,
    values: &BTreeMap<String, String>,
    error: Option<&str>,
) -> String {
    let value = |n: &str| values.get(n).map(String::as_str).unwrap_or_default();
    let mut fields = input(
        &label_of(form.username_is),
        if form.username_is == "email" {
            "email"
        } else {
            "text"
        },
        "username",
        value("username"),
        " autocomplete=\"username\" required",
    );
    for f in &form.fields {
        let kind = match f.name.as_str() {
            "email" => "email",
            "phone_number" => "tel",
            _ => "text",
        };
        fields += &input(
            &label_of(&f.name),
            kind,
            &f.name,
            value(&f.name),
            if f.required { " required" } else { "" },
        );
    }
    fields += &input(
        "Password",
        "password",
        "password",
        "",
        " autocomplete=\"new-password\" required",
    );
    let terms = if p.look.terms.is_empty() {
        String::new()
    } else {
        let links: Vec<String> = p
            .look
            .terms
            .iter()
            .map(|(name, url)| {
                format!(
                    "<a class=\"legalText-customizable\" href=\"{}\">{}</a>",
                    escape(url),
                    escape(name)
                )
            })
            .collect();
        format!(
            "<p>By signing up, you agree to the {}.</p>\n",
            links.join(" and ")
        )
    };
    p.document(&format!(
        "{}{}{terms}<p>Already have an account? <a class=\"redirect-customizable\" href=\"{}\">Sign in</a></p>\n",
        alert("error", error),
        p.form(SIGN_UP, &fields, "Sign up"),
        p.at(LOGIN),
    ))
}

/// `/confirm`: the sign-up code, and a button that sends a new one.
pub fn confirm(p: &Page, username: &str, destination: Option<&str>, error: Option<&str>) -> String {
    let sent = destination.map(|d| {
        format!("We have sent a code by email to {d}. Enter it below to confirm your account.")
    });
    let fields = hidden("username", username)
        + &input(
            "Verification code",
            "text",
            "code",
            "",
            " inputmode=\"numeric\" autocomplete=\"one-time-code\" required",
        );
    let resend = format!(
        "<form method=\"post\" action=\"{a}\">\n{h}{u}{r}\
         <button type=\"submit\" class=\"btn btn-secondary\">Resend code</button>\n</form>\n",
        a = p.at(CONFIRM),
        h = hidden("_csrf", p.csrf),
        u = hidden("username", username),
        r = hidden("resend", "true"),
    );
    p.document(&format!(
        "{}{}{}{resend}",
        alert("info", sent.as_deref()),
        alert("error", error),
        p.form(CONFIRM, &fields, "Confirm account"),
    ))
}

/// `/forgotPassword`: the username to send a reset code for.
pub fn forgot_password(p: &Page, error: Option<&str>) -> String {
    let fields = input(
        "Username",
        "text",
        "username",
        "",
        " autocomplete=\"username\" required",
    );
    p.document(&format!(
        "<p>Enter your username and we will send a code to reset your password.</p>\n{}{}",
        alert("error", error),
        p.form(FORGOT, &fields, "Reset my password"),
    ))
}

/// `/confirmForgotPassword`: the code and the new password.
pub fn confirm_forgot_password(
    p: &Page,
    username: &str,
    destination: Option<&str>,
    error: Option<&str>,
) -> String {
    let sent = destination.map(|d| format!("We have sent a password reset code to {d}."));
    let fields = hidden("username", username)
        + &input(
            "Code",
            "text",
            "code",
            "",
            " inputmode=\"numeric\" autocomplete=\"one-time-code\" required",
        )
        + &input(
            "New password",
            "password",
            "password",
            "",
            " autocomplete=\"new-password\" required",
        );
    p.document(&format!(
        "{}{}{}",
        alert("info", sent.as_deref()),
        alert("error", error),
        p.form(CONFIRM_FORGOT, &fields, "Change password"),
    ))
}

/// A sign-in step after the password: a new password (with the attributes the pool
/// still needs), an MFA code, the choice of a factor, or an authenticator app's set-up.
pub struct Challenge<'a> {
    pub name: &'a str,
    pub session: &'a str,
    pub username: &'a str,
    pub parameters: &'a BTreeMap<String, String>,
    /// MFA_SETUP: the new secret (base32) and the issuer to label it with.
    pub totp: Option<(&'a str, &'a str)>,
    /// WEB_AUTHN: the nonce of the page's one script, which asks the browser for the
    /// passkey.
    pub nonce: Option<&'a str>,
    pub error: Option<&'a str>,
}

fn json_list(value: Option<&String>) -> Vec<String> {
    value
        .and_then(|v| serde_json::from_str::<Vec<String>>(v).ok())
        .unwrap_or_default()
}

pub fn challenge(p: &Page, c: &Challenge) -> String {
    let state = hidden("username", c.username)
        + &hidden("challenge", c.name)
        + &hidden("session", c.session);
    let code = input(
        "Code",
        "text",
        "code",
        "",
        " inputmode=\"numeric\" autocomplete=\"one-time-code\" required",
    );
    let destination = c.parameters.get("CODE_DELIVERY_DESTINATION");
    let (intro, fields, submit) = match c.name {
        "NEW_PASSWORD_REQUIRED" => {
            let mut fields = input(
                "New password",
                "password",
                "new_password",
                "",
                " autocomplete=\"new-password\" required",
            );
            for name in json_list(c.parameters.get("requiredAttributes")) {
                let bare = name.trim_start_matches("userAttributes.").to_string();
                fields += &input(&label_of(&bare), "text", &format!("userAttributes.{bare}"), "", " required");
            }
            ("Change your password to continue.".to_string(), fields, "Send")
        }
        "SOFTWARE_TOKEN_MFA" => (
            "Enter the code from your authenticator app.".to_string(),
            code,
            "Sign in",
        ),
        "SMS_MFA" | "EMAIL_OTP" => (
            format!(
                "We have sent a code to {}.",
                destination.map(|d| escape(d)).unwrap_or_else(|| "you".into())
            ),
            code,
            "Sign in",
        ),
        "SELECT_MFA_TYPE" => {
            let mut fields = String::new();
            for (i, f) in json_list(c.parameters.get("MFAS_CAN_CHOOSE")).iter().enumerate() {
                fields += &format!(
                    "<label><input type=\"radio\" name=\"answer\" value=\"{v}\"{checked}> {l}</label>\n",
                    v = escape(f),
                    l = escape(match f.as_str() {
                        "SOFTWARE_TOKEN_MFA" => "Authenticator app",
                        "SMS_MFA" => "Text message (SMS)",
                        "EMAIL_OTP" => "Email",
                        other => other,
                    }),
                    checked = if i == 0 { " checked" } else { "" },
                );
            }
            ("Choose how to receive your sign-in code.".to_string(), fields, "Continue")
        }
        "MFA_SETUP" => match c.totp {
            Some((secret, issuer)) => {
                let uri = format!(
                    "otpauth://totp/{issuer}:{user}?secret={secret}&issuer={issuer}",
                    issuer = cognate_domain::oauth::form_encode(issuer),
                    user = cognate_domain::oauth::form_encode(c.username),
                );
                (
                    format!(
                        "Set up an authenticator app: add this key to it, then enter the code it shows.</p>\n\
                         <p>Secret key: <code id=\"totp-secret\">{}</code></p>\n<p><a id=\"totp-uri\" href=\"{}\">Open in your authenticator app</a>",
                        escape(secret),
                        escape(&uri),
                    ),
                    code,
                    "Verify",
                )
            }
            None => (
                "Multi-factor authentication must be set up, and this page sets up only authenticator apps.".to_string(),
                String::new(),
                "",
            ),
        },
        "WEB_AUTHN" => {
            if let (Some(nonce), Some(options)) =
                (c.nonce, c.parameters.get("CREDENTIAL_REQUEST_OPTIONS"))
            {
                return p.document(&passkey_step(p, c, &state, nonce, options));
            }
            (
                "This sign-in step is not available on this page.".to_string(),
                String::new(),
                "",
            )
        }
        _ => (
            "This sign-in step is not available on this page.".to_string(),
            String::new(),
            "",
        ),
    };
    let body = if submit.is_empty() {
        format!("<p>{}</p>\n", intro)
    } else {
        format!(
            "{}<p>{}</p>\n{}",
            alert("error", c.error),
            intro,
            p.form(LOGIN, &(state + &fields), submit)
        )
    };
    p.document(&body)
}

/// WEB_AUTHN: the request options as data, a button whose click asks the browser for
/// the passkey (`navigator.credentials.get`), and the form its answer is posted with
/// (`credential`: the PublicKeyCredential as JSON, base64url fields, as the API's
/// CREDENTIAL answer takes it).
fn passkey_step(p: &Page, c: &Challenge, state: &str, nonce: &str, options: &str) -> String {
    format!(
        "{error}<p>Use your passkey to sign in.</p>\n\
         <script type=\"application/json\" id=\"credential-request-options\">{options}</script>\n\
         <form method=\"post\" id=\"passkey-form\" action=\"{a}\">\n{h}{state}{cred}</form>\n\
         <p class=\"error\" role=\"alert\" id=\"passkey-error\" hidden></p>\n\
         <button type=\"button\" id=\"passkey-button\" class=\"btn btn-primary\">Use a passkey</button>\n\
         <script nonce=\"{nonce}\">{BASE64URL_JS}{PASSKEY_SCRIPT}</script>\n",
        error = alert("error", c.error),
        options = options.replace('<', "\\u003c"),
        a = p.at(LOGIN),
        h = hidden("_csrf", p.csrf),
        cred = hidden("credential", ""),
    )
}

/// The passkey scripts' base64url: WebAuthn's byte fields travel as base64url in JSON.
const BASE64URL_JS: &str = r#"
const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const enc = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
"#;

const PASSKEY_SCRIPT: &str = r#"
document.getElementById("passkey-button").addEventListener("click", async () => {
  const o = JSON.parse(document.getElementById("credential-request-options").textContent);
  const publicKey = { ...o, challenge: b64(o.challenge),
    allowCredentials: (o.allowCredentials || []).map((d) => ({ ...d, id: b64(d.id) })) };
  try {
    const k = await navigator.credentials.get({ publicKey });
    const r = k.response;
    const form = document.getElementById("passkey-form");
    form.elements.credential.value = JSON.stringify({
      id: k.id, rawId: enc(k.rawId), type: k.type,
      authenticatorAttachment: k.authenticatorAttachment,
      clientExtensionResults: k.getClientExtensionResults(),
      response: { clientDataJSON: enc(r.clientDataJSON), authenticatorData: enc(r.authenticatorData),
        signature: enc(r.signature), userHandle: r.userHandle ? enc(r.userHandle) : null },
    });
    form.submit();
  } catch (e) {
    const out = document.getElementById("passkey-error");
    out.textContent = "The passkey was not used: " + e.message;
    out.hidden = false;
  }
});
"#;

/// `/passkeys/add`: the creation options as data, a button whose click asks the browser
/// to make a passkey (`navigator.credentials.create`), and the form that posts it
/// (`credential`: the RegistrationResponseJSON).
pub fn passkey_add(p: &Page, options: &str, nonce: &str, error: Option<&str>) -> String {
    p.document(&format!(
        "{error}<p>Add a passkey to sign in without your password next time.</p>\n\
         <script type=\"application/json\" id=\"credential-creation-options\">{options}</script>\n\
         <form method=\"post\" id=\"passkey-form\" action=\"{a}\">\n{h}{cred}</form>\n\
         <p class=\"error\" role=\"alert\" id=\"passkey-error\" hidden></p>\n\
         <button type=\"button\" id=\"passkey-button\" class=\"btn btn-primary\">Add a passkey</button>\n\
         <script nonce=\"{nonce}\">{BASE64URL_JS}{PASSKEY_ADD_SCRIPT}</script>\n",
        error = alert("error", error),
        options = options.replace('<', "\\u003c"),
        a = p.at(super::PASSKEYS_ADD),
        h = hidden("_csrf", p.csrf),
        cred = hidden("credential", ""),
    ))
}

const PASSKEY_ADD_SCRIPT: &str = r#"
document.getElementById("passkey-button").addEventListener("click", async () => {
  const o = JSON.parse(document.getElementById("credential-creation-options").textContent);
  const publicKey = { ...o, challenge: b64(o.challenge), user: { ...o.user, id: b64(o.user.id) },
    excludeCredentials: (o.excludeCredentials || []).map((d) => ({ ...d, id: b64(d.id) })) };
  try {
    const k = await navigator.credentials.create({ publicKey });
    const form = document.getElementById("passkey-form");
    form.elements.credential.value = JSON.stringify({
      id: k.id, rawId: enc(k.rawId), type: k.type,
      authenticatorAttachment: k.authenticatorAttachment,
      clientExtensionResults: k.getClientExtensionResults(),
      response: { clientDataJSON: enc(k.response.clientDataJSON),
        attestationObject: enc(k.response.attestationObject), transports: k.response.getTransports() },
    });
    form.submit();
  } catch (e) {
    const out = document.getElementById("passkey-error");
    out.textContent = "No passkey was made: " + e.message;
    out.hidden = false;
  }
});
"#;
