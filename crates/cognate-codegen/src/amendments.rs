//! Where the model lags AWS's documentation, AWS's documented behaviour wins (DESIGN.md):
//! these changes are applied to the model as it is read, before anything is generated.

use serde_json::Value;
use std::collections::BTreeMap;

pub fn apply(shapes: &mut BTreeMap<String, Value>) {
    // GetClientToken needs an app client with ALLOW_CLIENT_TOKEN_AUTH, which the model's
    // ExplicitAuthFlowsType does not list.
    if let Some(values) = shapes
        .get_mut("ExplicitAuthFlowsType")
        .and_then(|s| s["enum"].as_array_mut())
    {
        if !values.iter().any(|v| v == "ALLOW_CLIENT_TOKEN_AUTH") {
            values.push(Value::from("ALLOW_CLIENT_TOKEN_AUTH"));
        }
    }
    // A custom domain is a fully-qualified name ("auth.example.com"): AWS documents
    // periods between its labels, which the model's DomainType pattern leaves out. The
    // stricter rule for prefix domains is the domain's (`pools/domain.rs`), worded as
    // AWS words it.
    if let Some(shape) = shapes.get_mut("DomainType") {
        shape["pattern"] = Value::from("^[a-z0-9](?:[a-z0-9\\-.]{0,61}[a-z0-9])?$");
    }
}
