//! Passkeys (WebAuthn): a signed-in user registers one with StartWebAuthnRegistration
//! and CompleteWebAuthnRegistration, lists them (ListWebAuthnCredentials) and deletes
//! them (DeleteWebAuthnCredential), with their access token; and what USER_AUTH's
//! WEB_AUTHN factor needs to sign a user in with one (`has_passkeys`,
//! `assertion_options`, `check_assertion`).
//!
//! The ceremonies are webauthn-rs-core's (attestation formats, COSE keys, signatures);
//! this file decides what Cognito does around them. A registration in progress is kept
//! as the user's one-time code of purpose `webauthn_registration`, living 5 minutes: the
//! library's registration state (the challenge) sealed with the master key, with the app
//! client that started it, since Cognito refuses to complete it through another
//! (WebAuthnClientMismatchException). A new start replaces it; completing it deletes it.
//! A passkey is stored with the library's credential (public key, signature counter,
//! the user verification it was registered with), its transports, attachment, friendly
//! name, relying party id and dates; a user has at most 20.

use super::relying_party::{
    ceremony, not_enabled, passkeys_enabled, refusal, relying_party, CEREMONY_TIMEOUT,
};
use crate::clock::now;
use crate::crypto::secret_box::{Purpose, SecretBox};
use crate::error::{fail, internal, invalid, required, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::code::{self, CodeRow};
use cognate_store::records::user::UserRow;
use cognate_store::records::webauthn_credential::{self as passkey, WebAuthnCredentialRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationState, COSEAlgorithm, Credential,
    PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState, UserVerificationPolicy,
};

operation!(StartWebAuthnRegistration => Service::start_web_authn_registration);
operation!(CompleteWebAuthnRegistration => Service::complete_web_authn_registration);
operation!(ListWebAuthnCredentials => Service::list_web_authn_credentials);
operation!(DeleteWebAuthnCredential => Service::delete_web_authn_credential);

/// The most passkeys a user may have (Cognito's quota; also ListWebAuthnCredentials'
/// largest page).
const MAX_PASSKEYS: usize = 20;
/// The `codes` purpose of a registration in progress.
const REGISTRATION: &str = "webauthn_registration";
/// How long a registration may take to complete, in seconds.
const REGISTRATION_LIFETIME: f64 = 300.0;
/// The algorithms a passkey may use, as Cognito offers them: ES256, then RS256.
const ALGORITHMS: [COSEAlgorithm; 2] = [COSEAlgorithm::ES256, COSEAlgorithm::RS256];

/// A passkey as stored (`webauthn_credentials.doc`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PasskeyDoc {
    /// webauthn-rs-core's credential: public key, signature counter, flags.
    pub(super) credential: Credential,
    pub(super) friendly_name: String,
    pub(super) relying_party_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) authenticator_attachment: Option<String>,
    #[serde(default)]
    pub(super) transports: Vec<String>,
    pub(super) created: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) last_used: Option<f64>,
}

/// A registration in progress (the `codes` row's doc).
#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    /// webauthn-rs-core's RegistrationState, sealed (it holds the challenge).
    state: String,
    client_id: String,
    relying_party_id: String,
}

/// What USER_AUTH seals into the Session between `assertion_options` and
/// `check_assertion`: the relying party and the library's authentication state (the
/// challenge and the user verification asked for) without the credentials, which are
/// read again from the store.
#[derive(Serialize, Deserialize)]
struct AssertionState {
    rp: String,
    st: AuthenticationState,
}

fn challenge_not_found() -> crate::error::Error {
    fail(
        ErrorCode::WebAuthnChallengeNotFoundException,
        "No passkey registration is in progress for this user, or it expired: call StartWebAuthnRegistration.",
    )
}

fn too_many() -> crate::error::Error {
    fail(
        ErrorCode::LimitExceededException,
        format!("A user can register at most {MAX_PASSKEYS} passkeys."),
    )
}

/// The descriptors of `docs` (excludeCredentials, allowCredentials).
fn descriptors(rows: &[(String, PasskeyDoc)]) -> Vec<Value> {
    rows.iter()
        .map(|(id, doc)| {
            let mut d = json!({"type": "public-key", "id": id});
            if !doc.transports.is_empty() {
                d["transports"] = json!(doc.transports);
            }
            d
        })
        .collect()
}

fn user_verification(policy: UserVerificationPolicy) -> &'static str {
    match policy {
        UserVerificationPolicy::Required => "required",
        _ => "preferred",
    }
}

fn passkeys_of(
    c: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
) -> Result<Vec<(String, PasskeyDoc)>> {
    passkey::of_user(c, pool_id, username_key)?
        .into_iter()
        .map(|r| Ok((r.credential_id, from_doc(&r.doc)?)))
        .collect()
}

/// Starts a registration: the CredentialCreationOptions to answer, the pending state
/// kept for `complete_registration`.
fn start_registration(
    c: &mut dyn Conn,
    secrets: &SecretBox,
    pool: &PoolView,
    user: &UserRow,
    client_id: &str,
) -> Result<Value> {
    let rp = relying_party(c, pool)?;
    let existing = passkeys_of(c, &pool.id, &user.username_key)?;
    if existing.len() >= MAX_PASSKEYS {
        return Err(too_many());
    }
    let core = ceremony(&rp.id)?;
    let exclude = existing
        .iter()
        .map(|(_, d)| d.credential.cred_id.clone())
        .collect();
    let builder = core
        .new_challenge_register_builder(user.sub.as_bytes(), &user.username, &user.username)
        .map_err(|e| internal(format!("passkey registration options: {e:?}")))?
        .user_verification_policy(rp.user_verification)
        .exclude_credentials(Some(exclude))
        .require_resident_key(true)
        .credential_algorithms(ALGORITHMS.to_vec())
        .attestation(AttestationConveyancePreference::None);
    let (created, state) = core
        .generate_challenge_register(builder)
        .map_err(|e| internal(format!("passkey registration options: {e:?}")))?;
    let challenge = B64URL.encode(&created.public_key.challenge);
    let state = serde_json::to_string(&state)
        .map_err(|e| internal(format!("passkey registration state: {e}")))?;
    let at = now();
    let pending = PendingRegistration {
        state: secrets.seal(Purpose::WebAuthnRegistration, &state),
        client_id: client_id.to_string(),
        relying_party_id: rp.id.clone(),
    };
    code::put(
        c,
        &CodeRow {
            pool_id: pool.id.clone(),
            username_key: user.username_key.clone(),
            purpose: REGISTRATION.into(),
            code_hash: secrets.keyed_hash(&[
                REGISTRATION,
                &pool.id,
                &user.username_key,
                &challenge,
            ]),
            attempts: 0,
            created_at: at,
            expires_at: at + REGISTRATION_LIFETIME,
            doc: to_doc(&pending)?,
        },
    )?;
    Ok(json!({
        "challenge": challenge,
        "rp": {"id": rp.id, "name": rp.id},
        "user": {
            "id": B64URL.encode(user.sub.as_bytes()),
            "name": user.username,
            "displayName": user.username,
        },
        "pubKeyCredParams": ALGORITHMS
            .iter()
            .map(|a| json!({"type": "public-key", "alg": *a as i64}))
            .collect::<Vec<_>>(),
        "timeout": CEREMONY_TIMEOUT.as_millis() as u64,
        "excludeCredentials": descriptors(&existing),
        "authenticatorSelection": {
            "requireResidentKey": true,
            "residentKey": "required",
            "userVerification": user_verification(rp.user_verification),
        },
    }))
}

/// What the client says of the credential beside what the library reads: its
/// attachment and transports.
struct ClientHints {
    attachment: Option<String>,
    transports: Vec<String>,
}

fn client_hints(credential: &Value) -> ClientHints {
    let attachment = credential
        .get("authenticatorAttachment")
        .and_then(Value::as_str)
        .filter(|a| matches!(*a, "platform" | "cross-platform"))
        .map(str::to_string);
    let transports = credential
        .pointer("/response/transports")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty() && s.len() <= 32)
                .take(8)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    ClientHints {
        attachment,
        transports,
    }
}

/// Completes the user's registration in progress with the authenticator's answer.
fn complete_registration(
    c: &mut dyn Conn,
    secrets: &SecretBox,
    pool: &PoolView,
    user: &UserRow,
    client_id: &str,
    answer: &RegisterPublicKeyCredential,
    hints: &ClientHints,
) -> Result<()> {
    if !passkeys_enabled(pool) {
        return Err(not_enabled());
    }
    let pending = code::get(c, &pool.id, &user.username_key, REGISTRATION)?
        .filter(|p| p.expires_at > now())
        .ok_or_else(challenge_not_found)?;
    let doc: PendingRegistration = from_doc(&pending.doc)?;
    if doc.client_id != client_id {
        return Err(fail(
            ErrorCode::WebAuthnClientMismatchException,
            "The passkey registration was started through another app client.",
        ));
    }
    let state: RegistrationState = secrets
        .open(Purpose::WebAuthnRegistration, &doc.state)
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or_else(challenge_not_found)?;
    let credential = ceremony(&doc.relying_party_id)?
        .register_credential(answer, &state, None)
        .map_err(refusal)?;
    let id = B64URL.encode(&credential.cred_id);
    if passkey::get(c, &pool.id, &user.username_key, &id)?.is_some() {
        return Err(invalid("This passkey is already registered."));
    }
    if passkey::count(c, &pool.id, &user.username_key)? >= MAX_PASSKEYS as i64 {
        return Err(too_many());
    }
    let at = now();
    let stored = PasskeyDoc {
        credential,
        friendly_name: friendly_name(hints.attachment.as_deref()),
        relying_party_id: doc.relying_party_id,
        authenticator_attachment: hints.attachment.clone(),
        transports: hints.transports.clone(),
        created: at,
        last_used: None,
    };
    passkey::put(
        c,
        &WebAuthnCredentialRow {
            pool_id: pool.id.clone(),
            username_key: user.username_key.clone(),
            credential_id: id,
            created_at: at,
            doc: to_doc(&stored)?,
        },
    )?;
    code::delete(c, &pool.id, &user.username_key, REGISTRATION)?;
    Ok(())
}

/// Cognito names a passkey after its authenticator's model, which it knows from
/// authenticator metadata cognate does not have; the kind of authenticator stands in.
fn friendly_name(attachment: Option<&str>) -> String {
    match attachment {
        Some("platform") => "Platform passkey",
        Some("cross-platform") => "Security key",
        _ => "Passkey",
    }
    .to_string()
}

fn describe(row: WebAuthnCredentialRow) -> Result<WebAuthnCredentialDescription> {
    let doc: PasskeyDoc = from_doc(&row.doc)?;
    Ok(WebAuthnCredentialDescription {
        credential_id: Some(row.credential_id),
        friendly_credential_name: Some(doc.friendly_name),
        relying_party_id: Some(doc.relying_party_id),
        authenticator_attachment: doc.authenticator_attachment,
        authenticator_transports: Some(doc.transports),
        created_at: Some(doc.created),
    })
}

impl Service {
    pub(crate) async fn start_web_authn_registration(
        &self,
        input: StartWebAuthnRegistrationRequest,
    ) -> Result<StartWebAuthnRegistrationResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let secrets = self.secrets().clone();
        let options = self
            .with_access_token(token, true, move |c, pool, row, _, claims| {
                start_registration(c, &secrets, pool, &row, &claims.client_id)
            })
            .await?;
        Ok(StartWebAuthnRegistrationResponse {
            credential_creation_options: Some(options),
        })
    }

    pub(crate) async fn complete_web_authn_registration(
        &self,
        input: CompleteWebAuthnRegistrationRequest,
    ) -> Result<CompleteWebAuthnRegistrationResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let credential = required(&input.credential, "credential")?;
        let (answer, hints) = registration_answer(credential)?;
        let secrets = self.secrets().clone();
        self.with_access_token(token, true, move |c, pool, row, _, claims| {
            complete_registration(c, &secrets, pool, &row, &claims.client_id, &answer, &hints)
        })
        .await?;
        Ok(CompleteWebAuthnRegistrationResponse {})
    }

    pub(crate) async fn list_web_authn_credentials(
        &self,
        input: ListWebAuthnCredentialsRequest,
    ) -> Result<ListWebAuthnCredentialsResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.max_results, MAX_PASSKEYS).min(MAX_PASSKEYS),
        };
        let (credentials, next) = self
            .with_access_token(token, false, move |c, pool, row, _, _| {
                let page = passkey::list(c, &pool.id, &row.username_key, &page)?;
                let items = page
                    .items
                    .into_iter()
                    .map(describe)
                    .collect::<Result<Vec<_>>>()?;
                Ok((items, page.next))
            })
            .await?;
        Ok(ListWebAuthnCredentialsResponse {
            credentials: Some(credentials),
            next_token: next.as_deref().map(pagination::encode),
        })
    }

    pub(crate) async fn delete_web_authn_credential(
        &self,
        input: DeleteWebAuthnCredentialRequest,
    ) -> Result<DeleteWebAuthnCredentialResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let id = required(&input.credential_id, "credentialId")?.clone();
        self.with_access_token(token, true, move |c, pool, row, _, _| {
            if !passkey::delete(c, &pool.id, &row.username_key, &id)? {
                return Err(fail(
                    ErrorCode::ResourceNotFoundException,
                    "The passkey credential does not exist.",
                ));
            }
            Ok(())
        })
        .await?;
        Ok(DeleteWebAuthnCredentialResponse {})
    }
}

/// A RegistrationResponseJSON, as CompleteWebAuthnRegistration and `/passkeys/add` take
/// it: the credential and what the browser says of its authenticator.
fn registration_answer(credential: &Value) -> Result<(RegisterPublicKeyCredential, ClientHints)> {
    let answer = serde_json::from_value(credential.clone())
        .map_err(|_| invalid("The Credential is not a RegistrationResponseJSON."))?;
    Ok((answer, client_hints(credential)))
}

impl Service {
    /// `work` on the user a signed-in browser's session names: `username` in
    /// `pool_id`, still the same user (`sub`).
    async fn with_session_user<T: Send + 'static>(
        &self,
        (pool_id, username, sub): (&str, &str, &str),
        work: impl Fn(&mut dyn Conn, &PoolView, &UserRow) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let sub = sub.to_string();
        self.with_user(
            pool_id.into(),
            username.into(),
            true,
            move |c, pool, row, _| {
                if row.sub != sub {
                    return Err(crate::users::user_not_found());
                }
                work(c, pool, &row)
            },
        )
        .await
    }

    /// Managed login's `/passkeys/add`: the options for a signed-in browser's user
    /// (`sub`, named `username` in `pool_id`) to register a passkey through `client_id`.
    pub(crate) async fn passkey_options_for(
        &self,
        pool_id: &str,
        username: &str,
        sub: &str,
        client_id: &str,
    ) -> Result<Value> {
        let (secrets, client) = (self.secrets().clone(), client_id.to_string());
        self.with_session_user((pool_id, username, sub), move |c, pool, row| {
            start_registration(c, &secrets, pool, row, &client)
        })
        .await
    }

    /// `/passkeys/add`'s answer: the browser's RegistrationResponseJSON, verified and
    /// kept as CompleteWebAuthnRegistration keeps it.
    pub(crate) async fn passkey_add_for(
        &self,
        pool_id: &str,
        username: &str,
        sub: &str,
        client_id: &str,
        credential: &Value,
    ) -> Result<()> {
        let (answer, hints) = registration_answer(credential)?;
        let (secrets, client) = (self.secrets().clone(), client_id.to_string());
        self.with_session_user((pool_id, username, sub), move |c, pool, row| {
            complete_registration(c, &secrets, pool, row, &client, &answer, &hints)
        })
        .await
    }
}

// Sign-in with a passkey: USER_AUTH's WEB_AUTHN factor. InitiateAuth offers it where
// `has_passkeys`, answers the WEB_AUTHN challenge with CREDENTIAL_REQUEST_OPTIONS from
// `assertion_options` (sealing its state into the Session), and checks the CREDENTIAL
// answer with `check_assertion` inside the write that answers the challenge.

/// Whether the user has registered a passkey.
pub(crate) fn has_passkeys(c: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<bool> {
    Ok(passkey::count(c, pool_id, username_key)? > 0)
}

/// The WEB_AUTHN challenge for `user`: the CREDENTIAL_REQUEST_OPTIONS JSON Cognito sends
/// (challenge, timeout, rpId, allowCredentials of the user's passkeys for the pool's
/// relying party, userVerification) and the state to seal into the challenge's
/// Session and hand back to `check_assertion` (under 512 characters; it holds the
/// challenge, so it must travel sealed). None when the pool does not offer passkeys or
/// the user has none for its relying party.
pub(crate) fn assertion_options(
    c: &mut dyn Conn,
    pool: &PoolView,
    user: &UserRow,
) -> Result<Option<(String, String)>> {
    if !passkeys_enabled(pool) {
        return Ok(None);
    }
    let rp = relying_party(c, pool)?;
    let usable: Vec<(String, PasskeyDoc)> = passkeys_of(c, &pool.id, &user.username_key)?
        .into_iter()
        .filter(|(_, d)| d.relying_party_id == rp.id)
        .collect();
    if usable.is_empty() {
        return Ok(None);
    }
    let core = ceremony(&rp.id)?;
    let credentials = usable.iter().map(|(_, d)| d.credential.clone()).collect();
    let builder = core
        .new_challenge_authenticate_builder(credentials, Some(rp.user_verification))
        .map_err(|e| internal(format!("passkey request options: {e:?}")))?;
    let (request, mut state) = core
        .generate_challenge_authenticate(builder)
        .map_err(|e| internal(format!("passkey request options: {e:?}")))?;
    // The credentials are read again when the answer comes: the state stays small.
    state.set_allowed_credentials(Vec::new());
    let options = json!({
        "challenge": B64URL.encode(&request.public_key.challenge),
        "timeout": CEREMONY_TIMEOUT.as_millis() as u64,
        "rpId": rp.id,
        "allowCredentials": descriptors(&usable),
        "userVerification": user_verification(rp.user_verification),
    });
    let state = serde_json::to_string(&AssertionState {
        rp: rp.id,
        st: state,
    })
    .map_err(|e| internal(format!("passkey request state: {e}")))?;
    Ok(Some((options.to_string(), state)))
}

/// Whether `credential_json` (a PublicKeyCredential as a browser's `toJSON()` gives it)
/// is a valid answer by one of the user's passkeys to the challenge of `state` (from
/// `assertion_options`): its origin and relying party, the signature, user verification
/// where the pool requires it, and the signature counter, which must grow whenever the
/// stored or the presented one is nonzero (a counter that does not is a cloned
/// authenticator, refused). A valid answer updates the stored counter and last use, so
/// call it inside the write that answers the challenge. Any refusal is `Ok(false)`.
pub(crate) fn check_assertion(
    c: &mut dyn Conn,
    pool: &PoolView,
    user: &UserRow,
    state: &str,
    credential_json: &str,
) -> Result<bool> {
    let Ok(state) = serde_json::from_str::<AssertionState>(state) else {
        return Ok(false);
    };
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(credential_json) else {
        return Ok(false);
    };
    // A discoverable credential names its user: it must be this one.
    if answer
        .get_user_unique_id()
        .is_some_and(|h| h != user.sub.as_bytes())
    {
        return Ok(false);
    }
    let id = B64URL.encode(&answer.raw_id);
    let Some(mut row) = passkey::get(c, &pool.id, &user.username_key, &id)? else {
        return Ok(false);
    };
    let mut doc: PasskeyDoc = from_doc(&row.doc)?;
    if doc.relying_party_id != state.rp {
        return Ok(false);
    }
    let result = match ceremony(&state.rp)?.authenticate_single_credential(
        &answer,
        &state.st,
        &doc.credential,
    ) {
        Ok(result) => result,
        Err(e) => {
            tracing::debug!(error = ?e, "passkey assertion refused");
            return Ok(false);
        }
    };
    doc.credential.counter = result.counter();
    doc.credential.backup_state = result.backup_state();
    doc.credential.backup_eligible = result.backup_eligible();
    doc.last_used = Some(now());
    row.doc = to_doc(&doc)?;
    passkey::put(c, &row)?;
    Ok(true)
}

#[cfg(test)]
#[path = "passkeys_tests.rs"]
mod tests;
