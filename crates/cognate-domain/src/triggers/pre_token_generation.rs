//! PreTokenGeneration, just before tokens are signed, in the version the pool's
//! PreTokenGenerationConfig names:
//! - V1_0: the ID token's claims and the groups (`claimsOverrideDetails`);
//! - V2_0: the ID and access tokens' claims, the access token's scopes and the groups
//!   (`claimsAndScopeOverrideDetails`), for tokens of users;
//! - V3_0: as V2_0, and also for the client-credentials grant
//!   (`TokenGeneration_ClientCredentials`).
//!
//! Claims Cognito sets itself cannot be added, changed or suppressed; a function that
//! names one is ignored for it. A claim both added and suppressed is suppressed. A
//! `groupOverrideDetails` given replaces the groups (`null` or `{}` removes them); left
//! out, they stay.

use super::event::{user_attributes, with_metadata, EventBase, Trigger};
use crate::error::Result;
use crate::service::Service;
use cognate_api::types::{GroupType, LambdaConfigType, PreTokenGenerationLambdaVersionType};
use serde_json::{json, Map, Value};

/// Claims of the ID token no function may touch.
const ID_RESERVED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "c_hash",
    "cognito:username",
    "cognito:groups",
    "cognito:roles",
    "cognito:preferred_role",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
];

/// Claims of the access token no function may touch (its scopes change through
/// scopesToAdd and scopesToSuppress, its groups through groupOverrideDetails).
const ACCESS_RESERVED: &[&str] = &[
    "acr",
    "amr",
    "auth_time",
    "azp",
    "client_id",
    "cognito:groups",
    "device_key",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "scope",
    "sub",
    "token_use",
    "username",
    "version",
];

/// The event's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    V2,
    V3,
}

impl Version {
    fn of(config: &LambdaConfigType) -> Version {
        match config
            .pre_token_generation_config
            .as_ref()
            .and_then(|c| c.lambda_version.as_ref())
        {
            Some(v) if *v == PreTokenGenerationLambdaVersionType::V2_0 => Version::V2,
            Some(v) if *v == PreTokenGenerationLambdaVersionType::V3_0 => Version::V3,
            _ => Version::V1,
        }
    }

    fn number(self) -> &'static str {
        match self {
            Version::V1 => "1",
            Version::V2 => "2",
            Version::V3 => "3",
        }
    }
}

/// What tokens a PreTokenGeneration event is about.
pub(crate) struct TokenEvent<'a> {
    pub config: &'a LambdaConfigType,
    pub pool_id: &'a str,
    /// The user's name; None for the client-credentials grant.
    pub username: Option<&'a str>,
    pub client_id: &'a str,
    pub trigger_source: &'a str,
    pub attributes: &'a [cognate_api::types::AttributeType],
    pub status: &'a str,
    pub groups: &'a [GroupType],
    /// The access token's scopes.
    pub scopes: &'a str,
    pub client_metadata: Option<&'a std::collections::BTreeMap<String, String>>,
}

/// A function's answer, to apply to the claims before signing.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct TokenOverrides {
    id_add: Map<String, Value>,
    id_suppress: Vec<String>,
    access_add: Map<String, Value>,
    access_suppress: Vec<String>,
    scopes_add: Vec<String>,
    scopes_suppress: Vec<String>,
    /// Some: the groups are replaced (an empty override removes them).
    groups: Option<GroupOverride>,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct GroupOverride {
    groups: Vec<String>,
    roles: Vec<String>,
    preferred_role: Option<String>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn object(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

impl TokenOverrides {
    /// Reads a function's `response` in the event's version.
    fn read(version: Version, response: &Value) -> TokenOverrides {
        let mut out = TokenOverrides::default();
        let details;
        if version == Version::V1 {
            details = &response["claimsOverrideDetails"];
            out.id_add = object(&details["claimsToAddOrOverride"]);
            out.id_suppress = strings(&details["claimsToSuppress"]);
        } else {
            details = &response["claimsAndScopeOverrideDetails"];
            let id = &details["idTokenGeneration"];
            out.id_add = object(&id["claimsToAddOrOverride"]);
            out.id_suppress = strings(&id["claimsToSuppress"]);
            let access = &details["accessTokenGeneration"];
            out.access_add = object(&access["claimsToAddOrOverride"]);
            out.access_suppress = strings(&access["claimsToSuppress"]);
            out.scopes_add = strings(&access["scopesToAdd"]);
            out.scopes_suppress = strings(&access["scopesToSuppress"]);
        }
        if let Some(g) = details
            .as_object()
            .and_then(|d| d.get("groupOverrideDetails"))
        {
            out.groups = Some(GroupOverride {
                groups: strings(&g["groupsToOverride"]),
                roles: strings(&g["iamRolesToOverride"]),
                preferred_role: g["preferredRole"].as_str().map(str::to_string),
            });
        }
        out
    }

    /// Applies the answer to the ID token's claims.
    pub(crate) fn apply_to_id(&self, claims: &mut Map<String, Value>) {
        if let Some(g) = &self.groups {
            for name in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
                claims.remove(name);
            }
            if !g.groups.is_empty() {
                claims.insert("cognito:groups".into(), json!(g.groups));
            }
            if !g.roles.is_empty() {
                claims.insert("cognito:roles".into(), json!(g.roles));
            }
            if let Some(role) = &g.preferred_role {
                claims.insert("cognito:preferred_role".into(), json!(role));
            }
        }
        apply_claims(claims, &self.id_add, &self.id_suppress, ID_RESERVED);
    }

    /// Applies the answer to the access token's claims and scopes.
    pub(crate) fn apply_to_access(&self, claims: &mut Map<String, Value>) {
        if let Some(g) = &self.groups {
            claims.remove("cognito:groups");
            if !g.groups.is_empty() {
                claims.insert("cognito:groups".into(), json!(g.groups));
            }
        }
        apply_claims(
            claims,
            &self.access_add,
            &self.access_suppress,
            ACCESS_RESERVED,
        );
        if self.scopes_add.is_empty() && self.scopes_suppress.is_empty() {
            return;
        }
        let mut scopes: Vec<String> = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        for s in &self.scopes_add {
            if !s.is_empty() && !s.contains(' ') && !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        scopes.retain(|s| !self.scopes_suppress.contains(s));
        if scopes.is_empty() {
            claims.remove("scope");
        } else {
            claims.insert("scope".into(), Value::from(scopes.join(" ")));
        }
    }
}

fn apply_claims(
    claims: &mut Map<String, Value>,
    add: &Map<String, Value>,
    suppress: &[String],
    reserved: &[&str],
) {
    for (name, value) in add {
        if !reserved.contains(&name.as_str()) && !value.is_null() {
            claims.insert(name.clone(), value.clone());
        }
    }
    for name in suppress {
        if !reserved.contains(&name.as_str()) {
            claims.remove(name);
        }
    }
}

/// The groups as the event's `groupConfiguration` states them.
fn group_configuration(groups: &[GroupType]) -> Value {
    let names: Vec<&str> = groups
        .iter()
        .filter_map(|g| g.group_name.as_deref())
        .collect();
    let roles: Vec<&str> = groups
        .iter()
        .filter_map(|g| g.role_arn.as_deref())
        .collect();
    let preferred = groups
        .iter()
        .filter(|g| g.role_arn.is_some())
        .min_by_key(|g| g.precedence.unwrap_or(i32::MAX))
        .and_then(|g| g.role_arn.clone());
    json!({
        "groupsToOverride": names,
        "iamRolesToOverride": roles,
        "preferredRole": preferred,
    })
}

impl Service {
    /// Calls the pool's PreTokenGeneration trigger for tokens about to be signed, if
    /// it has one of a version that applies: V1_0 and V2_0 for users' tokens, V3_0 for
    /// the client-credentials grant too.
    pub(crate) async fn pre_token_generation(
        &self,
        t: TokenEvent<'_>,
    ) -> Result<Option<TokenOverrides>> {
        if Trigger::PreTokenGeneration.arn_in(t.config).is_none() {
            return Ok(None);
        }
        let version = Version::of(t.config);
        let machine = t.username.is_none();
        if machine && version != Version::V3 {
            return Ok(None);
        }
        let mut request = json!({
            "userAttributes": if machine {
                json!({})
            } else {
                user_attributes(t.attributes, t.status)
            },
            "groupConfiguration": group_configuration(t.groups),
        });
        let response = if version == Version::V1 {
            json!({ "claimsOverrideDetails": null })
        } else {
            let scopes: Vec<&str> = t.scopes.split(' ').filter(|s| !s.is_empty()).collect();
            request["scopes"] = json!(scopes);
            json!({ "claimsAndScopeOverrideDetails": null })
        };
        let request = with_metadata(request, t.client_metadata);
        let mut event = EventBase::new(
            t.pool_id,
            t.username.unwrap_or_default(),
            Some(t.client_id),
            t.trigger_source,
        )
        .versioned(version.number(), request, response);
        if machine {
            if let Some(e) = event.as_object_mut() {
                e.remove("userName");
            }
        }
        let Some(answer) = self
            .call_trigger_in(Trigger::PreTokenGeneration, Some(t.config), event)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(TokenOverrides::read(version, &answer["response"])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_adds_suppresses_and_leaves_reserved_claims_alone() {
        let o = TokenOverrides::read(
            Version::V1,
            &json!({"claimsOverrideDetails": {
                "claimsToAddOrOverride": {"tier": "gold", "sub": "forged", "email": "x@y"},
                "claimsToSuppress": ["email", "iss", "nickname"]
            }}),
        );
        let mut id = Map::new();
        id.insert("sub".into(), json!("real"));
        id.insert("iss".into(), json!("issuer"));
        id.insert("nickname".into(), json!("n"));
        id.insert("cognito:groups".into(), json!(["a"]));
        o.apply_to_id(&mut id);
        assert_eq!(id["tier"], "gold");
        assert_eq!(id["sub"], "real");
        assert_eq!(id["iss"], "issuer");
        assert!(!id.contains_key("email"), "suppressed wins over added");
        assert!(!id.contains_key("nickname"));
        assert_eq!(id["cognito:groups"], json!(["a"]), "groups stay");
    }

    #[test]
    fn v2_changes_access_claims_scopes_and_groups() {
        let o = TokenOverrides::read(
            Version::V2,
            &json!({"claimsAndScopeOverrideDetails": {
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": {"plan": {"level": 3}, "client_id": "no"},
                    "scopesToAdd": ["api/read", "openid"],
                    "scopesToSuppress": ["email"]
                },
                "groupOverrideDetails": {"groupsToOverride": ["admins"]}
            }}),
        );
        let mut access = Map::new();
        access.insert("client_id".into(), json!("c"));
        access.insert("scope".into(), json!("openid email"));
        access.insert("cognito:groups".into(), json!(["users"]));
        o.apply_to_access(&mut access);
        assert_eq!(access["plan"], json!({"level": 3}));
        assert_eq!(access["client_id"], "c");
        assert_eq!(access["scope"], "openid api/read");
        assert_eq!(access["cognito:groups"], json!(["admins"]));
        let mut id = Map::new();
        id.insert("cognito:groups".into(), json!(["users"]));
        id.insert("cognito:roles".into(), json!(["r"]));
        o.apply_to_id(&mut id);
        assert_eq!(id["cognito:groups"], json!(["admins"]));
        assert!(!id.contains_key("cognito:roles"));
    }

    #[test]
    fn an_empty_group_override_removes_the_groups() {
        let o = TokenOverrides::read(
            Version::V1,
            &json!({"claimsOverrideDetails": {"groupOverrideDetails": null}}),
        );
        let mut id = Map::new();
        id.insert("cognito:groups".into(), json!(["users"]));
        o.apply_to_id(&mut id);
        assert!(!id.contains_key("cognito:groups"));
    }
}
