//! The model's enums as newtypes: values outside the model's list are parsed and kept, so
//! that validation reports them in AWS's words, and the wire form is the bare string.

use cognate_api::protocol::parse_input;
use cognate_api::types::*;
use cognate_api::{validation, ErrorCode};

#[test]
fn constants_are_the_models_values() {
    assert_eq!(UserStatusType::CONFIRMED.as_str(), "CONFIRMED");
    assert_eq!(UsernameAttributeType::PHONE_NUMBER, "phone_number");
    assert_eq!(StatusType::ENABLED.to_string(), "Enabled");
    assert_eq!(UserPoolMfaType::VALUES, ["OFF", "ON", "OPTIONAL"]);
    assert_eq!(
        UserStatusType::from("CONFIRMED".to_string()),
        UserStatusType::CONFIRMED
    );
    assert_eq!(
        UserStatusType::from_static("CONFIRMED"),
        UserStatusType::CONFIRMED
    );
    assert_eq!(String::from(UserStatusType::CONFIRMED), "CONFIRMED");
    let stored = String::from("CONFIRMED"); // as the store keeps a status
    assert!(stored == UserStatusType::CONFIRMED);
    assert!(UserStatusType::CONFIRMED == stored);
    assert!(UserStatusType::CONFIRMED.is_known());
    assert!(!UserStatusType::from("SLEEPING").is_known());
    assert!(!UserStatusType::default().is_known());
}

#[test]
fn the_wire_form_is_the_bare_string() {
    let user = UserType {
        user_status: Some(UserStatusType::FORCE_CHANGE_PASSWORD),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&user).unwrap(),
        r#"{"UserStatus":"FORCE_CHANGE_PASSWORD"}"#
    );
    let flows: UserPoolClientType =
        serde_json::from_str(r#"{"ExplicitAuthFlows":["ALLOW_USER_SRP_AUTH"]}"#).unwrap();
    assert_eq!(
        flows.explicit_auth_flows,
        Some(vec![ExplicitAuthFlowsType::ALLOW_USER_SRP_AUTH])
    );
}

#[test]
fn unknown_values_reach_validation() {
    let input: AdminCreateUserRequest = parse_input(
        br#"{"UserPoolId":"us-east-1_abc","Username":"u","MessageAction":"SHOUT","DesiredDeliveryMediums":["SMS","FAX"]}"#,
    )
    .unwrap();
    assert_eq!(input.message_action, Some(MessageActionType::from("SHOUT")));
    let e = validation::check(&input).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidParameterException);
    assert_eq!(
        e.message,
        "2 validation errors detected: Value 'SHOUT' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]; Value '[SMS, FAX]' at 'desiredDeliveryMediums' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SMS, EMAIL]]"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_a_serialization_error() {
    let e = parse_input::<AdminCreateUserRequest>(br#"{"MessageAction":1}"#).unwrap_err();
    assert_eq!(e.code, ErrorCode::SerializationException);
    assert_eq!(
        e.message,
        "Could not parse the request body: a member has the wrong type (expected a string)."
    );
}
