//! The wire protocol over raw HTTP: validation messages for each kind of constraint,
//! protocol errors, request ids, CORS, regions and the
//! control API.

mod common;

use common::Server;

fn assert_invalid(server: &Server, op: &str, body: &str, expected: &str) {
    let r = server.call(op, body);
    assert_eq!(r.status, 400, "{op} {body}: {}", r.body);
    assert_eq!(
        r.error_type(),
        "InvalidParameterException",
        "{op} {body}: {}",
        r.body
    );
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InvalidParameterException")
    );
    assert_eq!(r.message(), expected, "{op} {body}");
}

#[test]
fn each_kind_of_constraint_is_reported_in_aws_words() {
    let s = Server::sqlite();
    // Pattern, matched against the whole value.
    assert_invalid(
        &s,
        "DescribeUserPool",
        r#"{"UserPoolId":"bad id!"}"#,
        r"1 validation error detected: Value 'bad id!' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+",
    );
    // Required.
    assert_invalid(
        &s,
        "CreateUserPool",
        "{}",
        "1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null",
    );
    // String length (maximum).
    let long = "a".repeat(129);
    assert_invalid(
        &s,
        "CreateUserPool",
        &format!(r#"{{"PoolName":"{long}"}}"#),
        &format!("1 validation error detected: Value '{long}' at 'poolName' failed to satisfy constraint: Member must have length less than or equal to 128"),
    );
    // Numeric range, on an operation cognate does not implement yet: validation comes first.
    assert_invalid(
        &s,
        "ListUsers",
        r#"{"UserPoolId":"us-east-1_abc","Limit":61}"#,
        "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
    );
    assert_invalid(
        &s,
        "ListUserPools",
        r#"{"MaxResults":0}"#,
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    // Enum.
    assert_invalid(
        &s,
        "CreateUserPool",
        r#"{"PoolName":"p","MfaConfiguration":"SOMETIMES"}"#,
        "1 validation error detected: Value 'SOMETIMES' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]",
    );
    // List size.
    let attrs: Vec<String> = (0..26)
        .map(|i| format!(r#"{{"Name":"a{i}","AttributeDataType":"String"}}"#))
        .collect();
    let r = s.call(
        "AddCustomAttributes",
        &format!(
            r#"{{"UserPoolId":"us-east-1_abc","CustomAttributes":[{}]}}"#,
            attrs.join(",")
        ),
    );
    assert_eq!(r.error_type(), "InvalidParameterException");
    assert!(
        r.message().ends_with("at 'customAttributes' failed to satisfy constraint: Member must have length less than or equal to 25"),
        "{}",
        r.message()
    );
    // A member of a structure in a list.
    let name = "n".repeat(21);
    assert_invalid(
        &s,
        "CreateUserPool",
        &format!(r#"{{"PoolName":"p","Schema":[{{"Name":"{name}","AttributeDataType":"String"}}]}}"#),
        &format!("1 validation error detected: Value '{name}' at 'schema.1.member.name' failed to satisfy constraint: Member must have length less than or equal to 20"),
    );
    // Elements of a list of strings: one error on the list.
    assert_invalid(
        &s,
        "CreateUserPoolClient",
        r#"{"UserPoolId":"us-east-1_abc","ClientName":"c","AllowedOAuthFlows":["code","password"]}"#,
        "1 validation error detected: Value '[code, password]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [code, implicit, client_credentials]]",
    );
    // Sensitive members are never echoed.
    assert_invalid(
        &s,
        "SignUp",
        r#"{"ClientId":"abc","Username":"u","Password":"has space"}"#,
        r"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+",
    );
    // Several violations in one message.
    assert_invalid(
        &s,
        "CreateGroup",
        r#"{"UserPoolId":"bad id!"}"#,
        r"2 validation errors detected: Value null at 'groupName' failed to satisfy constraint: Member must not be null; Value 'bad id!' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+",
    );
}

#[test]
fn protocol_errors_follow_aws() {
    let s = Server::sqlite();
    let r = s.call("NoSuchOperation", "{}");
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "UnknownOperationException");
    let r = s.request(
        "POST",
        "/",
        &[("Content-Type", "application/x-amz-json-1.1")],
        "{}",
    );
    assert_eq!(r.error_type(), "UnknownOperationException");
    let r = s.call("CreateUserPool", "{not json");
    assert_eq!(r.error_type(), "SerializationException");
    let r = s.call("ListUserPools", r#"{"MaxResults":"ten"}"#);
    assert_eq!(r.error_type(), "SerializationException");
    assert!(
        !r.message().contains("ten"),
        "values are not echoed: {}",
        r.message()
    );
    // application/json is accepted as well as application/x-amz-json-1.1.
    let r = s.request(
        "POST",
        "/",
        &[
            (
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.ListUserPools",
            ),
            ("Content-Type", "application/json"),
        ],
        r#"{"MaxResults":5}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
    // A null map entry is taken as absent (browser SDKs send `"DEVICE_KEY": null`):
    // the request gets as far as looking for the client.
    let r = s.call(
        "InitiateAuth",
        r#"{"AuthFlow":"REFRESH_TOKEN_AUTH","ClientId":"nosuchclient","AuthParameters":{"REFRESH_TOKEN":"x","DEVICE_KEY":null}}"#,
    );
    assert_eq!(r.error_type(), "ResourceNotFoundException", "{}", r.body);
    // A value of the wrong type is still refused.
    let r = s.call(
        "InitiateAuth",
        r#"{"AuthFlow":"REFRESH_TOKEN_AUTH","ClientId":"nosuchclient","AuthParameters":{"REFRESH_TOKEN":5}}"#,
    );
    assert_eq!(r.error_type(), "SerializationException", "{}", r.body);
}

#[test]
fn every_response_carries_a_request_id_and_cors_headers() {
    let s = Server::sqlite();
    let ok = s.call("ListUserPools", r#"{"MaxResults":1}"#);
    let err = s.call("DescribeUserPool", r#"{"UserPoolId":"us-east-1_none"}"#);
    let health = s.request("GET", "/_cognate/health", &[], "");
    let ids: Vec<&str> = [&ok, &err, &health]
        .iter()
        .map(|r| r.header("x-amzn-RequestId").expect("request id"))
        .collect();
    assert!(ids.iter().all(|id| id.len() == 36));
    assert_ne!(ids[0], ids[1]);
    assert_eq!(ok.header("access-control-allow-origin"), Some("*"));

    let preflight = s.request(
        "OPTIONS",
        "/",
        &[
            ("Origin", "http://localhost:3000"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,x-amz-target,x-amz-user-agent",
            ),
        ],
        "",
    );
    assert_eq!(preflight.status, 200);
    // As AWS answers browser SDKs: any origin, never with credentials.
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert_eq!(preflight.header("access-control-allow-credentials"), None);
    assert!(preflight
        .header("access-control-allow-methods")
        .unwrap_or("")
        .contains("POST"));
    assert!(preflight
        .header("access-control-allow-headers")
        .unwrap_or("")
        .contains("x-amz-target"));
    let from_browser = s.request(
        "POST",
        "/",
        &[
            ("Origin", "http://localhost:3000"),
            (
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.ListUserPools",
            ),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        r#"{"MaxResults":1}"#,
    );
    assert_eq!(
        from_browser.header("access-control-allow-origin"),
        Some("*")
    );
    assert_eq!(
        from_browser.header("access-control-allow-credentials"),
        None
    );
    assert!(from_browser
        .header("access-control-expose-headers")
        .unwrap_or("")
        .contains("x-amzn-RequestId"));
}

#[test]
fn the_region_comes_from_the_signature_else_from_the_flag() {
    let s = Server::sqlite_with(&["--region", "ap-south-1"]);
    let unsigned = s.call("CreateUserPool", r#"{"PoolName":"p"}"#);
    let id = unsigned.json()["UserPool"]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    assert!(id.starts_with("ap-south-1_"), "{id}");
    let signed = s.request(
        "POST",
        "/",
        &[
            ("X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPool"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-central-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
            ),
        ],
        r#"{"PoolName":"q"}"#,
    );
    let pool = &signed.json()["UserPool"];
    assert!(pool["Id"]
        .as_str()
        .expect("id")
        .starts_with("eu-central-1_"));
    assert!(pool["Arn"]
        .as_str()
        .expect("arn")
        .starts_with("arn:aws:cognito-idp:eu-central-1:000000000000:userpool/"));
}

#[test]
fn the_control_api_resets_state_and_can_be_turned_off() {
    let s = Server::sqlite();
    assert_eq!(
        s.request("GET", "/_cognate/health", &[], "").json(),
        serde_json::json!({"status": "ok"})
    );
    s.call("CreateUserPool", r#"{"PoolName":"p"}"#);
    let listed = s.call("ListUserPools", r#"{"MaxResults":10}"#).json();
    assert_eq!(listed["UserPools"].as_array().map(Vec::len), Some(1));
    let reset = s.request("POST", "/_cognate/reset", &[], "");
    assert_eq!((reset.status, reset.json()), (200, serde_json::json!({})));
    let listed = s.call("ListUserPools", r#"{"MaxResults":10}"#).json();
    assert_eq!(listed["UserPools"].as_array().map(Vec::len), Some(0));
    s.call("CreateUserPool", r#"{"PoolName":"p"}"#);
    assert_eq!(s.request("POST", "/moto-api/reset", &[], "").status, 200);
    let listed = s.call("ListUserPools", r#"{"MaxResults":10}"#).json();
    assert_eq!(listed["UserPools"].as_array().map(Vec::len), Some(0));
    let messages = s.request("GET", "/_cognate/messages", &[], "");
    assert_eq!(messages.json(), serde_json::json!({"messages": []}));

    let off = Server::sqlite_with(&["--disable-control-api"]);
    assert_eq!(off.request("GET", "/_cognate/health", &[], "").status, 404);
    assert_eq!(off.request("POST", "/_cognate/reset", &[], "").status, 404);
    assert_eq!(off.request("POST", "/moto-api/reset", &[], "").status, 404);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut s = Server::sqlite();
    s.call("CreateUserPool", r#"{"PoolName":"p"}"#);
    let pid = s.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = s.child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}");
}
